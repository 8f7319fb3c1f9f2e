//! Response and entity schemas are inlined when first read
//! ([`LazySchema`](crate::definition::LazySchema)), but every problem with
//! them is still found at load, with the error eager inlining gave.

use serde_json::{Value, json};

use super::{assert_definition_error, base, load, load_ok, set};

const LIST_SCHEMA: &str = "/paths/~1users/get/responses/200/content/application~1json/schema";

/// `base()` with components `S0`..`S{n}`: each `S{i}` nests `S{i+1}` under
/// `x` (two levels per hop), `S{n}` is `{type: string}`. Inlined from
/// `S0`'s own node, the `type` leaf of `S{n}` sits `2n + 1` levels deeper.
fn with_chain(n: usize) -> Value {
    let mut doc = base();
    for i in 0..n {
        set(
            &mut doc,
            &format!("/components/schemas/S{i}"),
            json!({"x": {"$ref": format!("#/components/schemas/S{}", i + 1)}}),
        );
    }
    set(
        &mut doc,
        &format!("/components/schemas/S{n}"),
        json!({"type": "string"}),
    );
    doc
}

#[test]
fn schemas_are_inlined_on_first_read_and_shared_by_clones() {
    let def = load_ok(&base());
    let list = def.find_operation("users", "list").expect("list");
    let lazy = list.response.lazy_schema().expect("response schema");
    assert_eq!(lazy.pointer(), LIST_SCHEMA);
    assert!(!lazy.is_resolved(), "loading does not inline");
    let entity = def.entity("users").expect("users");
    assert!(!entity.lazy_schema().expect("entity schema").is_resolved());

    let copy = def.clone();
    let expected = json!({
        "type": "object",
        "x-airbyte-entity-name": "users",
        "x-airbyte-stream-name": "users_stream",
        "properties": {"id": {"type": "string"}}
    });
    assert_eq!(list.response.schema(), Some(&expected));
    assert!(lazy.is_resolved());
    // The clone shares the inlined value.
    let copied = copy.find_operation("users", "list").expect("list");
    assert!(copied.response.lazy_schema().expect("schema").is_resolved());
    assert_eq!(entity.schema(), Some(&expected));
    assert_eq!(list.response.lazy_schema(), entity.lazy_schema());

    // Debug names the schema instead of printing it; Serialize writes it.
    let debug = format!("{lazy:?}");
    assert!(debug.contains(LIST_SCHEMA), "{debug}");
    assert!(!debug.contains("users_stream"), "{debug}");
    let serialized = serde_json::to_value(&def).expect("serializes");
    let ops = serialized.pointer("/entities/0/operations").expect("ops");
    assert_eq!(ops.pointer("/list/response/schema"), Some(&expected));
    assert_eq!(
        serialized.pointer("/entities/0/schema"),
        Some(&expected),
        "{serialized}"
    );
}

#[test]
fn response_schema_problems_are_load_errors() {
    let mut doc = base();
    set(
        &mut doc,
        LIST_SCHEMA,
        json!({"type": "object", "properties": {"a": {"$ref": "#/components/schemas/Nope"}}}),
    );
    assert_definition_error(
        load(&doc),
        &format!("{LIST_SCHEMA}/properties/a/$ref"),
        "`#/components/schemas/Nope` points to nothing",
    );

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
        LIST_SCHEMA,
        json!({"$ref": "#/components/schemas/A"}),
    );
    assert_definition_error(
        load(&doc),
        "/components/schemas/B/$ref",
        "`$ref` cycle: #/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A",
    );

    // Siblings of a `$ref` are inlined too, so they are checked too.
    let mut doc = base();
    set(
        &mut doc,
        LIST_SCHEMA,
        json!({"$ref": "#/components/schemas/User", "items": {"$ref": "#/nope"}}),
    );
    assert_definition_error(
        load(&doc),
        &format!("{LIST_SCHEMA}/items/$ref"),
        "points to nothing",
    );
}

#[test]
fn entity_schema_problems_are_load_errors() {
    // The entity's component schema is referenced by no operation (the list
    // response is written out), so only the entity schema reaches it.
    let mut doc = base();
    set(&mut doc, LIST_SCHEMA, json!({"type": "object"}));
    set(
        &mut doc,
        "/components/schemas/User/properties/org",
        json!({"$ref": "#/components/schemas/Org"}),
    );
    assert_definition_error(
        load(&doc),
        "/components/schemas/User/properties/org/$ref",
        "`#/components/schemas/Org` points to nothing",
    );

    let mut doc = with_chain(99);
    set(&mut doc, LIST_SCHEMA, json!({"type": "object"}));
    set(
        &mut doc,
        "/components/schemas/User/properties/deep",
        json!({"$ref": "#/components/schemas/S0"}),
    );
    // User at 0, properties 1, deep 2, S0 3, S{i} at 3 + 2i: S99 at 201.
    assert_definition_error(
        load(&doc),
        "/components/schemas/S99",
        "nested more than 200 levels deep",
    );
}

/// A component is measured once, the first time it is reached, and its
/// height reused wherever else it is referenced, so a reference that puts
/// it deeper is still checked against the limit, naming the node that
/// crosses it. (Eager inlining reused the copy it had made and skipped the
/// check: whether a document loaded depended on which reference came
/// first.)
#[test]
fn depth_limit_holds_wherever_a_component_is_reached() {
    // The parameter reaches S0 at depth 1: the deepest leaf sits at 200,
    // within the limit.
    let mut doc = with_chain(99);
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1/schema",
        json!({"$ref": "#/components/schemas/S0"}),
    );
    // The response, built after the parameters, reaches it at the same depth.
    set(
        &mut doc,
        LIST_SCHEMA,
        json!({"$ref": "#/components/schemas/S0"}),
    );
    let def = load_ok(&doc);
    let mut schema = def
        .find_operation("users", "list")
        .expect("list")
        .response
        .schema()
        .expect("schema");
    for _ in 0..99 {
        schema = &schema["x"];
    }
    assert_eq!(schema, &json!({"type": "string"}));

    // Two levels deeper: S{i} at 3 + 2i, so S99's node is the first past
    // the limit.
    set(
        &mut doc,
        LIST_SCHEMA,
        json!({"a": {"b": {"$ref": "#/components/schemas/S0"}}}),
    );
    assert_definition_error(
        load(&doc),
        "/components/schemas/S99",
        "nested more than 200 levels deep",
    );

    // One level deeper: only the leaf under S99 crosses it.
    set(
        &mut doc,
        LIST_SCHEMA,
        json!({"a": {"$ref": "#/components/schemas/S0"}}),
    );
    assert_definition_error(
        load(&doc),
        "/components/schemas/S99/type",
        "nested more than 200 levels deep",
    );

    // Reached deep first and shallow afterwards: the same verdict.
    let mut doc = with_chain(99);
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1/schema",
        json!({"a": {"$ref": "#/components/schemas/S0"}}),
    );
    set(
        &mut doc,
        LIST_SCHEMA,
        json!({"$ref": "#/components/schemas/S0"}),
    );
    assert_definition_error(
        load(&doc),
        "/components/schemas/S99/type",
        "nested more than 200 levels deep",
    );
}

/// Recursive schemas are expanded once wherever they are entered; a
/// component inside a recursion is measured each time (its expansion
/// depends on where the recursion is cut), as eager inlining copied it.
#[test]
fn recursive_components_are_measured_from_each_entry() {
    let mut doc = base();
    set(
        &mut doc,
        "/components/schemas/Node",
        json!({"type": "object", "properties": {
            "parent": {"$ref": "#/components/schemas/Edge"}
        }}),
    );
    set(
        &mut doc,
        "/components/schemas/Edge",
        json!({"type": "object", "properties": {
            "node": {"$ref": "#/components/schemas/Node"}
        }}),
    );
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1/schema",
        json!({"$ref": "#/components/schemas/Edge"}),
    );
    set(
        &mut doc,
        LIST_SCHEMA,
        json!({"$ref": "#/components/schemas/Node"}),
    );
    let def = load_ok(&doc);
    let list = def.find_operation("users", "list").expect("list");
    assert_eq!(
        list.response.schema(),
        Some(&json!({"type": "object", "properties": {
            "parent": {"type": "object", "properties": {
                "node": {"$ref": "#/components/schemas/Node"}
            }}
        }}))
    );
    assert_eq!(
        list.parameters[1].schema,
        json!({"type": "object", "properties": {
            "node": {"type": "object", "properties": {
                "parent": {"$ref": "#/components/schemas/Edge"}
            }}
        }})
    );
}
