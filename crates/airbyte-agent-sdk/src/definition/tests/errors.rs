//! Every kind of bad definition gives `Error::Definition` with the pointer
//! of the offending node and a useful message — never a panic.

use serde_json::json;

use super::{assert_definition_error, base, load, remove, set};
use crate::definition::{load_path, load_str};
use crate::error::Error;

const USERS_GET: &str = "/paths/~1users/get";

#[test]
fn document_level_problems() {
    assert_definition_error(load_str(""), "", "empty");
    assert_definition_error(load_str("# only a comment\n"), "", "empty");
    assert_definition_error(load_str("- a\n- b\n"), "", "must be a mapping");
    assert_definition_error(load_str("openapi: [unclosed\n"), "", "invalid YAML");
    assert_definition_error(load_str("a: 1\na: 2\n"), "", "invalid YAML");
}

#[test]
fn openapi_version_is_checked() {
    let mut doc = base();
    remove(&mut doc, "/openapi");
    assert_definition_error(load(&doc), "", "missing required field `openapi`");
    set(&mut doc, "/openapi", json!("3.0.3"));
    assert_definition_error(load(&doc), "/openapi", "only 3.1.x");
}

#[test]
fn info_problems() {
    let mut doc = base();
    remove(&mut doc, "/info/title");
    assert_definition_error(load(&doc), "/info", "missing required field `title`");

    let mut doc = base();
    set(&mut doc, "/info/title", json!(42));
    assert_definition_error(
        load(&doc),
        "/info/title",
        "expected a string, found a number",
    );

    let mut doc = base();
    remove(&mut doc, "/info/x-airbyte-connector-definition-id");
    assert_definition_error(
        load(&doc),
        "/info",
        "missing required field `x-airbyte-connector-definition-id`",
    );

    let mut doc = base();
    set(
        &mut doc,
        "/info/x-airbyte-connector-definition-id",
        json!("not-a-uuid"),
    );
    assert_definition_error(
        load(&doc),
        "/info/x-airbyte-connector-definition-id",
        "not a UUID",
    );

    let mut doc = base();
    set(&mut doc, "/info/x-airbyte-runtime-mode", json!("sometimes"));
    assert_definition_error(
        load(&doc),
        "/info/x-airbyte-runtime-mode",
        "unknown runtime mode",
    );

    let mut doc = base();
    set(
        &mut doc,
        "/info/x-airbyte-retry-config",
        json!({"max_attempts": 0}),
    );
    assert_definition_error(
        load(&doc),
        "/info/x-airbyte-retry-config/max_attempts",
        ">= 1",
    );

    let mut doc = base();
    set(
        &mut doc,
        "/info/x-airbyte-retry-config",
        json!({"retry_after_format": "hours"}),
    );
    assert_definition_error(
        load(&doc),
        "/info/x-airbyte-retry-config/retry_after_format",
        "unknown retry_after_format",
    );

    let mut doc = base();
    set(
        &mut doc,
        "/info/x-airbyte-response-error-check",
        json!({"field": "ok"}),
    );
    assert_definition_error(
        load(&doc),
        "/info/x-airbyte-response-error-check",
        "on_value",
    );

    let mut doc = base();
    set(
        &mut doc,
        "/info/x-airbyte-scoping",
        json!([{"config_key": "x"}]),
    );
    assert_definition_error(load(&doc), "/info/x-airbyte-scoping/0", "`param`");
}

#[test]
fn paths_and_servers_problems() {
    let mut doc = base();
    set(&mut doc, "/paths", json!({}));
    assert_definition_error(load(&doc), "/paths", "at least one path");

    let mut doc = base();
    remove(&mut doc, "/paths");
    assert_definition_error(load(&doc), "", "missing required field `paths`");

    let mut doc = base();
    set(
        &mut doc,
        "/servers/0/variables/subdomain",
        json!({"enum": ["a"]}),
    );
    assert_definition_error(
        load(&doc),
        "/servers/0/variables/subdomain",
        "missing required field `default`",
    );

    let mut doc = base();
    set(&mut doc, "/servers/0/url", json!(""));
    assert_definition_error(load(&doc), "/servers/0/url", "must not be empty");
}

#[test]
fn operation_problems() {
    let mut doc = base();
    remove(&mut doc, &format!("{USERS_GET}/x-airbyte-entity"));
    assert_definition_error(
        load(&doc),
        USERS_GET,
        "missing required field `x-airbyte-entity`",
    );

    let mut doc = base();
    set(
        &mut doc,
        &format!("{USERS_GET}/x-airbyte-action"),
        json!("explode"),
    );
    assert_definition_error(
        load(&doc),
        &format!("{USERS_GET}/x-airbyte-action"),
        "unknown action `explode`",
    );

    let mut doc = base();
    set(
        &mut doc,
        &format!("{USERS_GET}/x-airbyte-file-url"),
        json!("url"),
    );
    assert_definition_error(
        load(&doc),
        &format!("{USERS_GET}/x-airbyte-file-url"),
        "only allowed on download operations",
    );

    let mut doc = base();
    set(
        &mut doc,
        &format!("{USERS_GET}/x-airbyte-path-override"),
        json!({"path": "graphql"}),
    );
    assert_definition_error(
        load(&doc),
        &format!("{USERS_GET}/x-airbyte-path-override/path"),
        "must start with `/`",
    );

    let mut doc = base();
    set(
        &mut doc,
        &format!("{USERS_GET}/x-airbyte-no-pagination"),
        json!("  "),
    );
    assert_definition_error(
        load(&doc),
        &format!("{USERS_GET}/x-airbyte-no-pagination"),
        "non-empty justification",
    );

    let mut doc = base();
    set(
        &mut doc,
        &format!("{USERS_GET}/x-airbyte-meta-extractor"),
        json!({"next": 5}),
    );
    assert_definition_error(
        load(&doc),
        &format!("{USERS_GET}/x-airbyte-meta-extractor/next"),
        "expected a string",
    );

    let mut doc = base();
    set(
        &mut doc,
        &format!("{USERS_GET}/x-airbyte-preferred-for-check"),
        json!("yes"),
    );
    assert_definition_error(
        load(&doc),
        &format!("{USERS_GET}/x-airbyte-preferred-for-check"),
        "expected a boolean, found a string",
    );

    let mut doc = base();
    set(
        &mut doc,
        &format!("{USERS_GET}/parameters"),
        json!({"name": "x"}),
    );
    assert_definition_error(
        load(&doc),
        &format!("{USERS_GET}/parameters"),
        "expected an array",
    );
}

#[test]
fn parameter_problems() {
    let p = format!("{USERS_GET}/parameters/0");
    let mut doc = base();
    set(&mut doc, &format!("{p}/in"), json!("body"));
    assert_definition_error(
        load(&doc),
        &format!("{p}/in"),
        "unknown parameter location `body`",
    );

    let mut doc = base();
    remove(&mut doc, &format!("{p}/name"));
    assert_definition_error(load(&doc), &p, "missing required field `name`");

    let mut doc = base();
    set(&mut doc, &format!("{p}/style"), json!("commaDelimited"));
    assert_definition_error(load(&doc), &format!("{p}/style"), "unknown parameter style");

    let mut doc = base();
    set(&mut doc, &format!("{p}/schema/enum"), json!("a"));
    assert_definition_error(load(&doc), &p, "`schema.enum` must be an array");

    let mut doc = base();
    set(
        &mut doc,
        &format!("{p}/x-airbyte-param-config-inject"),
        json!({"map": {}}),
    );
    assert_definition_error(
        load(&doc),
        &format!("{p}/x-airbyte-param-config-inject"),
        "missing required field `source`",
    );
}

#[test]
fn request_body_problems() {
    let body = "/paths/~1users/post/requestBody";
    let mut doc = base();
    set(
        &mut doc,
        &format!("{body}/x-airbyte-body-type"),
        json!({"type": "xml", "query": "q"}),
    );
    assert_definition_error(
        load(&doc),
        &format!("{body}/x-airbyte-body-type/type"),
        "unsupported x-airbyte-body-type `xml`",
    );

    let mut doc = base();
    set(
        &mut doc,
        &format!("{body}/x-airbyte-body-type"),
        json!({"type": "graphql"}),
    );
    assert_definition_error(
        load(&doc),
        &format!("{body}/x-airbyte-body-type"),
        "missing required field `query`",
    );

    let mut doc = base();
    set(
        &mut doc,
        &format!("{body}/x-airbyte-body-type"),
        json!({"type": "graphql", "query": "{ a }", "default_fields": 3}),
    );
    assert_definition_error(
        load(&doc),
        &format!("{body}/x-airbyte-body-type/default_fields"),
        "string or a list of strings",
    );

    // A body probe default sharing its name with a query parameter.
    let mut doc = base();
    set(
        &mut doc,
        "/paths/~1users/post/parameters",
        json!([{"name": "name", "in": "query", "schema": {"type": "string"}}]),
    );
    set(
        &mut doc,
        &format!("{body}/content/application~1json/schema/properties/name/x-airbyte-probe-default"),
        json!("probe"),
    );
    assert_definition_error(
        load(&doc),
        body,
        "collide with query/header parameters: name",
    );
}

#[test]
fn security_scheme_problems() {
    let s = "/components/securitySchemes/bearerAuth";
    let mut doc = base();
    set(&mut doc, s, json!({"type": "magic"}));
    assert_definition_error(
        load(&doc),
        &format!("{s}/type"),
        "unknown security scheme type",
    );

    let mut doc = base();
    set(&mut doc, s, json!({"type": "apiKey", "in": "header"}));
    assert_definition_error(load(&doc), s, "missing required field `name`");

    let mut doc = base();
    set(
        &mut doc,
        s,
        json!({"type": "apiKey", "name": "X-Key", "in": "body"}),
    );
    assert_definition_error(load(&doc), &format!("{s}/in"), "unknown API key location");

    let mut doc = base();
    set(&mut doc, s, json!({"type": "oauth2"}));
    assert_definition_error(load(&doc), s, "missing required field `flows`");

    let mut doc = base();
    set(
        &mut doc,
        &format!("{s}/x-airbyte-auth-config"),
        json!({
            "type": "object",
            "properties": {"token": {"type": "string"}, "unused": {"type": "string"}},
            "auth_mapping": {"token": "${token}"}
        }),
    );
    assert_definition_error(
        load(&doc),
        &format!("{s}/x-airbyte-auth-config"),
        "not used by auth_mapping",
    );

    let mut doc = base();
    set(
        &mut doc,
        &format!("{s}/x-airbyte-auth-config"),
        json!({"type": "object", "properties": {"key": {"type": "object"}}, "auth_mapping": {"token": "${key}"}}),
    );
    assert_definition_error(
        load(&doc),
        &format!("{s}/x-airbyte-auth-config/properties/key/type"),
        "credential field type `object`",
    );

    // A single scheme whose mapping names parameters bearer auth lacks.
    let mut doc = base();
    set(
        &mut doc,
        &format!("{s}/x-airbyte-auth-config"),
        json!({"type": "object", "properties": {"key": {"type": "string"}}, "auth_mapping": {"api_key": "${key}"}}),
    );
    assert_definition_error(
        load(&doc),
        s,
        "auth_mapping keys api_key are not parameters of bearer auth",
    );

    let oauth = json!({
        "type": "oauth2",
        "flows": {"authorizationCode": {"authorizationUrl": "https://a", "tokenUrl": "https://t", "scopes": {}}},
        "x-airbyte-token-refresh": {"grant_type": "jwt_bearer"}
    });
    let mut doc = base();
    set(&mut doc, s, oauth.clone());
    assert_definition_error(
        load(&doc),
        &format!("{s}/x-airbyte-token-refresh"),
        "needs at least one scope",
    );

    let mut doc = base();
    let mut bad_grant = oauth.clone();
    bad_grant["x-airbyte-token-refresh"] = json!({"grant_type": "password"});
    set(&mut doc, s, bad_grant);
    assert_definition_error(
        load(&doc),
        &format!("{s}/x-airbyte-token-refresh/grant_type"),
        "unsupported grant_type `password`",
    );

    let mut doc = base();
    let mut extract = oauth;
    extract["x-airbyte-token-refresh"] = json!({});
    extract["x-airbyte-token-extract"] = json!(["instance_url"]);
    set(&mut doc, s, extract);
    assert_definition_error(
        load(&doc),
        &format!("{s}/x-airbyte-token-extract"),
        "`instance_url` is not a server variable (declared: subdomain)",
    );
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, "openapi: 3.1.0\ninfo: {title: x}\n").expect("write");
    match load_path(&path) {
        Err(Error::Definition {
            file,
            pointer,
            message,
        }) => {
            assert_eq!(file.as_deref(), Some(path.as_path()));
            assert_eq!(pointer, "/info");
            assert!(message.contains("`version`"), "{message}");
        }
        other => panic!("expected a definition error, got {other:?}"),
    }
    let err = load_path(dir.path().join("missing.yaml")).expect_err("missing file");
    assert!(matches!(err, Error::Io { .. }), "{err:?}");

    std::fs::write(&path, [0xff, 0xfe, 0x00]).expect("write");
    let err = load_path(&path).expect_err("not UTF-8");
    assert!(err.to_string().contains("not valid UTF-8"), "{err}");
}

#[test]
fn hostile_nesting_is_an_error_not_a_crash() {
    // Deep YAML nesting.
    let deep = format!(
        "openapi: 3.1.0\nx: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(load_str(&deep).is_err());

    // Nesting that YAML accepts but resolution refuses: a chain of 120
    // refs, each adding 4 levels once inlined.
    let mut doc = base();
    for i in 0..120 {
        set(
            &mut doc,
            &format!("/components/schemas/S{i}"),
            json!({"type": "object", "properties": {"a": {"properties": {"b": {"$ref": format!("#/components/schemas/S{}", i + 1)}}}}}),
        );
    }
    set(
        &mut doc,
        "/components/schemas/S120",
        json!({"type": "string"}),
    );
    set(
        &mut doc,
        &format!("{USERS_GET}/parameters/0/schema"),
        json!({"$ref": "#/components/schemas/S0"}),
    );
    let err = load(&doc).expect_err("too deep");
    assert!(err.to_string().contains("levels deep"), "{err}");

    // Deep schema nesting written out.
    let mut schema = json!({"type": "string"});
    for _ in 0..300 {
        schema = json!({"type": "object", "properties": {"a": schema}});
    }
    let mut doc = base();
    set(
        &mut doc,
        &format!("{USERS_GET}/parameters/0/schema"),
        schema,
    );
    let err = load(&doc).expect_err("too deep");
    assert!(err.to_string().contains("budget breached"), "{err}");
}

/// Every node of a definition replaced by every kind of wrong value: the
/// loader returns `Ok` or `Err`, never panics, and lint/describe cope with
/// whatever loads.
#[test]
fn no_single_node_mutation_panics() {
    fn pointers(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, c) in m {
                    let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    out.push(p.clone());
                    pointers(c, p, out);
                }
            }
            serde_json::Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    let p = format!("{at}/{i}");
                    out.push(p.clone());
                    pointers(c, p, out);
                }
            }
            _ => {}
        }
    }
    let mut doc = base();
    // Make the base richer: auth config, refresh, body type, scoping.
    set(
        &mut doc,
        "/components/securitySchemes/oauth",
        json!({
            "type": "oauth2",
            "flows": {"authorizationCode": {"authorizationUrl": "https://a", "tokenUrl": "https://t", "scopes": {"r": "read"}}},
            "x-airbyte-token-refresh": {"auth_style": "body", "grant_type": "refresh_token"},
            "x-airbyte-auth-config": {"type": "object", "properties": {"rt": {"type": "string"}}, "auth_mapping": {"refresh_token": "${rt}"}}
        }),
    );
    set(
        &mut doc,
        "/paths/~1users/post/requestBody/x-airbyte-body-type",
        json!({"type": "graphql", "query": "{ a }", "variables": {"x": "{{ x }}"}, "default_fields": ["a"]}),
    );
    set(
        &mut doc,
        "/info/x-airbyte-scoping",
        json!([{"param": "id"}]),
    );
    set(
        &mut doc,
        "/components/schemas/User/properties/self",
        json!({"$ref": "#/components/schemas/User"}),
    );
    let mut all = Vec::new();
    pointers(&doc, String::new(), &mut all);
    let junk = [
        json!(null),
        json!(7),
        json!("x"),
        json!([]),
        json!({}),
        json!(true),
        json!({"$ref": "#/nope"}),
    ];
    let mut loaded = 0;
    for pointer in &all {
        for value in &junk {
            let mut mutated = doc.clone();
            set(&mut mutated, pointer, value.clone());
            if let Ok(def) = load(&mutated) {
                loaded += 1;
                let _ = crate::definition::lint(&def);
                let _ = crate::definition::describe(&def).to_string();
                let _ = def.check_operation();
            }
        }
    }
    assert!(
        all.len() > 100 && loaded > 0,
        "{} pointers, {loaded} loaded",
        all.len()
    );
}
