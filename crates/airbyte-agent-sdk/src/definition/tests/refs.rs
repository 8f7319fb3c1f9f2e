//! `$ref` resolution: nested references, parameters and bodies by
//! reference, sibling merging, escaping, cycles and dangling references.

use serde_json::json;

use super::{assert_definition_error, base, load, load_ok, set};
use crate::definition::{Severity, lint};

#[test]
fn nested_schema_refs_are_inlined() {
    let mut doc = base();
    set(
        &mut doc,
        "/components/schemas/Address",
        json!({"type": "object", "properties": {"city": {"$ref": "#/components/schemas/City"}}}),
    );
    set(
        &mut doc,
        "/components/schemas/City",
        json!({"type": "string", "minLength": 1}),
    );
    set(
        &mut doc,
        "/components/schemas/User/properties/address",
        json!({"$ref": "#/components/schemas/Address"}),
    );
    let def = load_ok(&doc);
    let list = def.find_operation("users", "list").expect("list");
    let schema = list.response.schema().expect("response schema");
    assert_eq!(
        schema.pointer("/properties/address/properties/city"),
        Some(&json!({"type": "string", "minLength": 1}))
    );
    // The entity schema is resolved too.
    let entity = def.entity("users").expect("users");
    assert_eq!(entity.schema_name.as_deref(), Some("User"));
    assert_eq!(
        entity
            .schema()
            .and_then(|s| s.pointer("/properties/address/properties/city/type")),
        Some(&json!("string"))
    );
    assert!(
        !serde_json::to_string(schema)
            .expect("json")
            .contains("$ref")
    );
}

#[test]
fn parameters_bodies_and_responses_by_reference() {
    let mut doc = base();
    set(
        &mut doc,
        "/components/parameters",
        json!({"Limit": {"name": "page_size", "in": "query", "required": true, "schema": {"$ref": "#/components/schemas/PageSize"}}}),
    );
    set(
        &mut doc,
        "/components/schemas/PageSize",
        json!({"type": "integer", "maximum": 100}),
    );
    set(
        &mut doc,
        "/components/requestBodies",
        json!({"NewUser": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"email": {"type": "string"}}}}}}}),
    );
    set(
        &mut doc,
        "/components/responses",
        json!({"UserList": {"description": "ok", "content": {"application/json": {"schema": {"type": "array"}}}}}),
    );
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1",
        json!({"$ref": "#/components/parameters/Limit"}),
    );
    set(
        &mut doc,
        "/paths/~1users/get/responses/200",
        json!({"$ref": "#/components/responses/UserList"}),
    );
    set(
        &mut doc,
        "/paths/~1users/post/requestBody",
        json!({"$ref": "#/components/requestBodies/NewUser"}),
    );
    let def = load_ok(&doc);
    let list = def.find_operation("users", "list").expect("list");
    let p = list
        .parameter("page_size", crate::definition::ParamLocation::Query)
        .expect("referenced parameter");
    assert!(p.required);
    assert_eq!(p.schema, json!({"type": "integer", "maximum": 100}));
    assert_eq!(list.response.schema(), Some(&json!({"type": "array"})));
    let create = def.find_operation("users", "create").expect("create");
    let body = create.request_body.as_ref().expect("body");
    assert_eq!(
        body.content_type,
        crate::definition::BodyContentType::FormUrlEncoded
    );
    assert_eq!(body.fields, ["email"]);
}

#[test]
fn ref_siblings_are_merged_and_pointer_tokens_unescaped() {
    let mut doc = base();
    set(
        &mut doc,
        "/components/schemas/a~1b c",
        json!({"type": "string", "description": "base"}),
    );
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1/schema",
        json!({"$ref": "#/components/schemas/a~1b%20c", "description": "override"}),
    );
    // The schema key is `a/b c`: `~1` and `%20` are decoded.
    let def = load_ok(&doc);
    let p = &def
        .find_operation("users", "list")
        .expect("list")
        .parameters[1];
    assert_eq!(
        p.schema,
        json!({"type": "string", "description": "override"})
    );
}

#[test]
fn reference_chain_cycles_are_errors() {
    let mut doc = base();
    set(
        &mut doc,
        "/components/schemas/A",
        json!({"$ref": "#/components/schemas/B"}),
    );
    set(
        &mut doc,
        "/components/schemas/B",
        json!({"$ref": "#/components/schemas/A"}),
    );
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1/schema",
        json!({"$ref": "#/components/schemas/A"}),
    );
    assert_definition_error(
        load(&doc),
        "/components/schemas/B/$ref",
        "`$ref` cycle: #/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A",
    );

    let mut doc = base();
    set(
        &mut doc,
        "/components/schemas/Self",
        json!({"$ref": "#/components/schemas/Self"}),
    );
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1/schema",
        json!({"$ref": "#/components/schemas/Self"}),
    );
    assert_definition_error(load(&doc), "/components/schemas/Self/$ref", "`$ref` cycle");

    // A cycle through parameters, not schemas.
    let mut doc = base();
    set(
        &mut doc,
        "/components/parameters",
        json!({"P": {"$ref": "#/components/parameters/Q"}, "Q": {"$ref": "#/components/parameters/P"}}),
    );
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1",
        json!({"$ref": "#/components/parameters/P"}),
    );
    assert_definition_error(load(&doc), "/components/parameters/Q/$ref", "`$ref` cycle");
}

#[test]
fn recursive_schemas_terminate_and_are_reported() {
    let mut doc = base();
    set(
        &mut doc,
        "/components/schemas/Node",
        json!({"type": "object", "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
        }}),
    );
    set(
        &mut doc,
        "/paths/~1users~1{id}/get/responses/200",
        json!({"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}),
    );
    let def = load_ok(&doc);
    let get = def.find_operation("users", "get").expect("get");
    let schema = get.response.schema().expect("schema");
    // Expanded once; the recursive occurrence stays a reference.
    assert_eq!(
        schema.pointer("/properties/children/items"),
        Some(&json!({"$ref": "#/components/schemas/Node"}))
    );
    let report = lint(&def);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.code == "recursive-schema" && f.severity == Severity::Info),
        "{report}"
    );
}

#[test]
fn dangling_and_external_refs_are_errors() {
    let mut doc = base();
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1/schema",
        json!({"$ref": "#/components/schemas/Nope"}),
    );
    assert_definition_error(
        load(&doc),
        "/paths/~1users/get/parameters/1/schema/$ref",
        "`#/components/schemas/Nope` points to nothing",
    );

    let mut doc = base();
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1/schema",
        json!({"$ref": "other.yaml#/components/schemas/X"}),
    );
    assert_definition_error(
        load(&doc),
        "/paths/~1users/get/parameters/1/schema/$ref",
        "only references into the same document",
    );

    let mut doc = base();
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1/schema",
        json!({"$ref": 7}),
    );
    assert_definition_error(
        load(&doc),
        "/paths/~1users/get/parameters/1/schema/$ref",
        "`$ref` must be a string",
    );
}

/// The resolver copies scalar leaves without building their pointers; the
/// depth limit still counts them, and an error still names the leaf.
#[test]
fn depth_limit_counts_scalar_leaves() {
    // `S0`..`S98` each add two levels (`x`, then the `$ref`); `S99` is a
    // plain schema whose own node sits at depth 199 or 200, its `type`
    // leaf one deeper.
    let chain = |root: serde_json::Value| {
        let mut doc = base();
        for i in 0..99 {
            set(
                &mut doc,
                &format!("/components/schemas/S{i}"),
                json!({"x": {"$ref": format!("#/components/schemas/S{}", i + 1)}}),
            );
        }
        set(
            &mut doc,
            "/components/schemas/S99",
            json!({"type": "string"}),
        );
        set(&mut doc, "/paths/~1users/get/parameters/1/schema", root);
        doc
    };
    let within = chain(json!({"$ref": "#/components/schemas/S0"}));
    let def = load_ok(&within);
    let mut schema = &def.find_operation("users", "list").expect("op").parameters[1].schema;
    for _ in 0..99 {
        schema = &schema["x"];
    }
    assert_eq!(schema, &json!({"type": "string"}));

    let over = chain(json!({"a": {"$ref": "#/components/schemas/S0"}}));
    assert_definition_error(
        load(&over),
        "/components/schemas/S99/type",
        "nested more than 200 levels deep",
    );
}
