//! The model built from a valid definition: lookups, check selection, auth
//! options, bodies, parameters, lint findings, describe, directories.

use serde_json::json;

use super::{base, load_ok, remove, set};
use crate::definition::{
    Action, ApiKeyLocation, AuthType, BodyContentType, DefaultFields, HttpMethod, MetaSource,
    ParamLocation, ParamStyle, Severity, describe, find_definition, lint, load_dir, load_dir_each,
};
use crate::error::{Error, ErrorKind};

#[test]
fn identity_servers_and_lookups() {
    let def = load_ok(&base());
    assert_eq!(def.name, "test-api");
    assert_eq!(def.display_name, "Test API");
    assert_eq!(def.version, "1.2.3");
    assert_eq!(def.definition_id, "12345678-9abc-def0-1234-56789abcdef0");
    assert_eq!(def.base_url(), Some("https://{subdomain}.example.com/api"));
    assert_eq!(def.server_variable_defaults()["subdomain"], "acme");
    assert_eq!(def.entity_names(), ["users"]);
    let users = def.entity("users").expect("users");
    assert_eq!(users.action_names(), ["list", "create", "get"]);
    assert_eq!(users.stream_name.as_deref(), Some("users_stream"));

    let list = users.action(Action::List).expect("list");
    assert_eq!(list.method, HttpMethod::Get);
    assert_eq!(list.request_path(), "/users");
    assert_eq!(list.record_extractor.as_deref(), Some("$.data"));
    let sources: Vec<_> = list.meta_sources().collect();
    assert_eq!(
        sources,
        [
            ("next", MetaSource::JsonPath("$.next")),
            ("link", MetaSource::LinkHeader("next"))
        ]
    );
    let get = users.action(Action::Get).expect("get");
    assert!(
        get.parameters[0].required,
        "path parameters are always required"
    );

    match def.find_operation("accounts", "list") {
        Err(Error::EntityNotFound {
            connector,
            entity,
            available,
        }) => {
            assert_eq!(
                (connector.as_str(), entity.as_str()),
                ("test-api", "accounts")
            );
            assert_eq!(available, ["users"]);
        }
        other => panic!("{other:?}"),
    }
    match def.find_operation("users", "delete") {
        Err(Error::ActionNotSupported { available, .. }) => {
            assert_eq!(available, ["list", "create", "get"])
        }
        other => panic!("{other:?}"),
    }
    let err = def
        .find_operation("users", "frobnicate")
        .expect_err("unknown");
    assert_eq!(err.kind(), ErrorKind::ActionNotSupported);
}

#[test]
fn name_falls_back_and_api_search_alias() {
    let mut doc = base();
    set(
        &mut doc,
        "/info/x-airbyte-connector-name",
        json!("my-connector"),
    );
    set(
        &mut doc,
        "/info/x-airbyte-connector-display-name",
        json!("My Connector"),
    );
    set(
        &mut doc,
        "/paths/~1users/post/x-airbyte-action",
        json!("api_search"),
    );
    let def = load_ok(&doc);
    assert_eq!(def.name, "my-connector");
    assert_eq!(def.display_name, "My Connector");
    let search = def
        .find_operation("users", "search")
        .expect("alias normalized");
    assert_eq!(search.action, Action::Search);
    assert_eq!(search.declared_action, "api_search");
    assert!(def.find_operation("users", "api_search").is_ok());
}

#[test]
fn check_operation_selection() {
    // Preferred operation wins, whatever its action.
    let mut doc = base();
    set(
        &mut doc,
        "/paths/~1users~1{id}/get/x-airbyte-preferred-for-check",
        json!(true),
    );
    let check = load_ok(&doc).check_operation().expect("check");
    assert_eq!(
        (check.entity.as_str(), check.action),
        ("users", Action::Get)
    );
    assert!(check.params.is_empty());

    // Fallback: the first list without required parameters, with limit 1.
    let check = load_ok(&base()).check_operation().expect("check");
    assert_eq!(
        (check.entity.as_str(), check.action),
        ("users", Action::List)
    );
    assert_eq!(check.params["limit"], 1);

    // A required query parameter without default disqualifies the list...
    let mut doc = base();
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1",
        json!({"name": "status", "in": "query", "required": true, "schema": {"type": "string"}}),
    );
    assert_eq!(load_ok(&doc).check_operation(), None);
    // ...unless config fills it in.
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1/x-airbyte-param-config-inject",
        json!({"source": "region", "map": {"US": "1"}}),
    );
    let def = load_ok(&doc);
    assert!(def.check_operation().is_some());
    let inject = def
        .find_operation("users", "list")
        .expect("list")
        .parameters[1]
        .config_inject
        .clone()
        .expect("inject");
    assert_eq!(inject.source, "region");
    assert_eq!(inject.map["US"], "1");
}

#[test]
fn parameter_styles_defaults_and_enums() {
    let mut doc = base();
    set(
        &mut doc,
        "/paths/~1users/get/parameters/1",
        json!({"name": "filter", "in": "query", "style": "deepObject", "explode": true, "schema": {"type": "object"}}),
    );
    set(
        &mut doc,
        "/paths/~1users/get/parameters/2",
        json!({"name": "ids", "in": "query", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}}),
    );
    set(
        &mut doc,
        "/paths/~1users/get/parameters/3",
        json!({"name": "X-Trace", "in": "header", "schema": {"type": "string", "enum": ["on", "off"]}}),
    );
    let def = load_ok(&doc);
    let list = def.find_operation("users", "list").expect("list");
    let limit = list
        .parameter("limit", ParamLocation::Query)
        .expect("limit");
    assert_eq!(limit.default, Some(json!(10)));
    assert_eq!(limit.type_name(), "integer");
    assert_eq!(limit.effective_style(), ParamStyle::Form);
    assert!(limit.effective_explode());
    let filter = list
        .parameter("filter", ParamLocation::Query)
        .expect("filter");
    assert_eq!(filter.effective_style(), ParamStyle::DeepObject);
    let ids = list.parameter("ids", ParamLocation::Query).expect("ids");
    assert!(!ids.effective_explode());
    let trace = list
        .parameter("X-Trace", ParamLocation::Header)
        .expect("header");
    assert_eq!(trace.effective_style(), ParamStyle::Simple);
    assert_eq!(trace.allowed_values(), ["on", "off"]);
    assert!(!trace.required);
    assert_eq!(trace.type_name(), "string");
}

#[test]
fn path_item_parameters_are_merged() {
    let mut doc = base();
    set(
        &mut doc,
        "/paths/~1users~1{id}/parameters",
        json!([
            {"name": "id", "in": "path", "schema": {"type": "integer"}},
            {"name": "expand", "in": "query", "schema": {"type": "boolean"}}
        ]),
    );
    let def = load_ok(&doc);
    let get = def.find_operation("users", "get").expect("get");
    let names: Vec<_> = get.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["id", "expand"]);
    // The operation's own `id` replaces the path item's.
    assert_eq!(get.parameters[0].schema["type"], "string");
}

#[test]
fn request_bodies() {
    let def = load_ok(&base());
    let create = def.find_operation("users", "create").expect("create");
    let body = create.request_body.as_ref().expect("body");
    assert!(body.required);
    assert_eq!(body.content_type, BodyContentType::Json);
    assert_eq!(body.fields, ["name", "role"]);
    assert_eq!(body.defaults["role"], "member");
    assert_eq!(body.required_fields, ["name"]);
    assert!(!body.is_array && !body.accepts_any_field);

    let mut doc = base();
    let body_ptr = "/paths/~1users/post/requestBody/content/application~1json/schema";
    set(
        &mut doc,
        body_ptr,
        json!({"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string", "x-airbyte-probe-default": "p"}}}}),
    );
    let def = load_ok(&doc);
    let body = def
        .find_operation("users", "create")
        .expect("create")
        .request_body
        .clone()
        .expect("body");
    assert!(body.is_array);
    assert_eq!(body.fields, ["a"]);
    assert_eq!(body.probe_defaults["a"], "p");

    let mut doc = base();
    set(
        &mut doc,
        body_ptr,
        json!({"type": "object", "additionalProperties": true}),
    );
    let def = load_ok(&doc);
    let body = def
        .find_operation("users", "create")
        .expect("create")
        .request_body
        .clone()
        .expect("body");
    assert!(body.accepts_any_field);
    assert!(body.fields.is_empty());

    let mut doc = base();
    set(
        &mut doc,
        "/paths/~1users/post/requestBody/content",
        json!({"multipart/related": {"schema": {"type": "object", "properties": {"file_content": {"type": "string"}}}}}),
    );
    set(
        &mut doc,
        "/paths/~1users/post/x-airbyte-upload-file-param",
        json!("file_content"),
    );
    let def = load_ok(&doc);
    let create = def.find_operation("users", "create").expect("create");
    assert_eq!(
        create.request_body.as_ref().expect("body").content_type,
        BodyContentType::MultipartRelated
    );
    assert_eq!(create.upload_file_param.as_deref(), Some("file_content"));
}

#[test]
fn graphql_bodies_and_path_overrides() {
    let mut doc = base();
    set(
        &mut doc,
        "/paths/~1users/post/x-airbyte-path-override",
        json!({"path": "/graphql"}),
    );
    set(
        &mut doc,
        "/paths/~1users/post/requestBody/x-airbyte-body-type",
        json!({
            "type": "graphql",
            "query": "mutation($id: ID) { update(id: $id) { {{ fields }} } }",
            "variables": {"id": "{{ id }}"},
            "default_fields": "id name",
            "x-airbyte-nullable-variables": ["assignee"]
        }),
    );
    let def = load_ok(&doc);
    let create = def.find_operation("users", "create").expect("create");
    assert_eq!(create.path, "/users");
    assert_eq!(create.request_path(), "/graphql");
    let gql = create.graphql().expect("graphql");
    assert_eq!(
        gql.default_fields,
        Some(DefaultFields::Text("id name".into()))
    );
    assert_eq!(gql.variables.as_ref().expect("vars")["id"], "{{ id }}");
    assert_eq!(gql.nullable_variables, ["assignee"]);
    // As in the reference, a GraphQL body has no schema-derived fields.
    let body = create.request_body.as_ref().expect("body");
    assert!(body.schema.is_none() && body.fields.is_empty());

    set(
        &mut doc,
        "/paths/~1users/post/requestBody/x-airbyte-body-type/default_fields",
        json!(["id", "name"]),
    );
    let def = load_ok(&doc);
    assert_eq!(
        def.find_operation("users", "create")
            .expect("create")
            .graphql()
            .expect("gql")
            .default_fields,
        Some(DefaultFields::List(vec!["id".into(), "name".into()]))
    );
}

#[test]
fn operation_extensions_are_typed() {
    let mut doc = base();
    let get = "/paths/~1users/get";
    set(
        &mut doc,
        &format!("{get}/x-airbyte-record-filter"),
        json!("{{ not record.private }}"),
    );
    set(
        &mut doc,
        &format!("{get}/x-airbyte-record-transform"),
        json!({"uid": "{{ record.id }}"}),
    );
    set(
        &mut doc,
        &format!("{get}/x-airbyte-param-sources"),
        json!({"org": {"parent_entity": "orgs", "parent_key": "id"}}),
    );
    set(&mut doc, &format!("{get}/x-airbyte-untested"), json!(true));
    set(
        &mut doc,
        &format!("{get}/x-airbyte-untested-reason"),
        json!("webhooks"),
    );
    set(
        &mut doc,
        "/paths/~1users~1{id}/get/x-airbyte-action",
        json!("download"),
    );
    set(
        &mut doc,
        "/paths/~1users~1{id}/get/x-airbyte-file-url",
        json!("files[0].url"),
    );
    set(
        &mut doc,
        "/info/x-airbyte-response-error-check",
        json!({"field": "ok", "on_value": false, "message_field": "error"}),
    );
    set(
        &mut doc,
        "/info/x-airbyte-scoping",
        json!([{"param": "owner", "config_key": "repositories", "value_template": "{{ value }}"}, {"param": "repo"}]),
    );
    set(
        &mut doc,
        "/info/x-airbyte-retry-config",
        json!({"max_attempts": 5, "retry_after_format": "unix_timestamp"}),
    );
    set(
        &mut doc,
        "/info/x-airbyte-replication-config",
        json!({"replication_config_constants": {"start_date": "{{ day_delta(-7) }}"}}),
    );
    set(
        &mut doc,
        "/info/x-airbyte-entity-relationships",
        json!([{"source_entity": "users", "target_entity": "orgs", "foreign_key": "org_id"}]),
    );
    let def = load_ok(&doc);
    let list = def.find_operation("users", "list").expect("list");
    assert_eq!(
        list.record_filter.as_deref(),
        Some("{{ not record.private }}")
    );
    assert_eq!(list.record_transform["uid"], "{{ record.id }}");
    assert_eq!(list.param_sources["org"].parent_entity, "orgs");
    assert!(list.untested);
    let download = def.find_operation("users", "download").expect("download");
    assert_eq!(download.file_url.as_deref(), Some("files[0].url"));
    let check = def.response_error_check.as_ref().expect("error check");
    assert_eq!(
        (check.field.as_str(), &check.on_value),
        ("ok", &json!(false))
    );
    assert_eq!(def.scoping[0].config_key(), "repositories");
    assert_eq!(def.scoping[1].config_key(), "repo");
    let retry = def.retry_config();
    assert_eq!(retry.max_attempts, 5);
    assert_eq!(retry.retry_on_status_codes, [429, 500, 502, 503, 504]);
    assert_eq!(load_ok(&base()).retry_config().max_attempts, 3);
    assert_eq!(
        def.replication_config_constants()["start_date"],
        "{{ day_delta(-7) }}"
    );
    let rel: Vec<_> = def.relationships_of("users").collect();
    assert_eq!(
        (rel[0].target_entity.as_str(), rel[0].target_key.as_str()),
        ("orgs", "id")
    );
    assert_eq!(def.relationships_of("orgs").count(), 0);
}

#[test]
fn auth_options() {
    // No scheme: a generated bearer option.
    let mut doc = base();
    remove(&mut doc, "/components/securitySchemes");
    let def = load_ok(&doc);
    assert_eq!(def.auth_options.len(), 1);
    let option = &def.auth_options[0];
    assert_eq!(
        (option.scheme_name.as_str(), option.auth_type),
        ("default", AuthType::Bearer)
    );
    assert!(option.user_config.generated);
    assert_eq!(option.user_config.auth_mapping["token"], "${token}");

    // Several schemes; one with a bad mapping is skipped and linted.
    let mut doc = base();
    set(
        &mut doc,
        "/components/securitySchemes",
        json!({
            "oauth": {
                "type": "oauth2",
                "flows": {"authorizationCode": {"authorizationUrl": "https://a", "tokenUrl": "https://t", "refreshUrl": "https://r", "scopes": {"read": "Read"}}},
                "x-airbyte-token-refresh": {"auth_style": "basic", "body_format": "form", "header": "X-Token", "prefix": ""},
                "x-airbyte-auth-config": {
                    "type": "object",
                    "properties": {"refresh_token": {"type": "string", "airbyte_secret": true}, "client_id": {"type": "string"}},
                    "auth_mapping": {"refresh_token": "${refresh_token}", "client_id": "${client_id}"},
                    "additional_headers": {"X-Client": "{{ client_id }}"}
                }
            },
            "key": {"type": "apiKey", "name": "X-Api-Key", "in": "query"},
            "broken": {
                "type": "http", "scheme": "basic",
                "x-airbyte-auth-config": {"type": "object", "properties": {"t": {"type": "string"}}, "auth_mapping": {"token": "${t}"}}
            },
            "digest": {"type": "http", "scheme": "digest"}
        }),
    );
    let def = load_ok(&doc);
    assert!(def.is_multi_auth());
    let names: Vec<_> = def
        .auth_options
        .iter()
        .map(|o| o.scheme_name.as_str())
        .collect();
    assert_eq!(names, ["oauth", "key"]);
    let oauth = def.auth_option("oauth").expect("oauth");
    assert_eq!(oauth.auth_type, AuthType::OAuth2);
    assert_eq!(oauth.header.as_deref(), Some("X-Token"));
    assert_eq!(oauth.prefix.as_deref(), Some(""));
    assert_eq!(oauth.refresh_url.as_deref(), Some("https://r"));
    assert_eq!(oauth.token_url.as_deref(), Some("https://t"));
    assert_eq!(oauth.additional_headers["X-Client"], "{{ client_id }}");
    assert!(oauth.user_config.properties["refresh_token"].secret);
    assert!(!oauth.user_config.generated);
    let key = def.auth_option("key").expect("key");
    assert_eq!(key.api_key_location, Some(ApiKeyLocation::Query));
    assert_eq!(key.user_config.auth_mapping["api_key"], "${api_key}");

    let report = lint(&def);
    let codes: Vec<_> = report
        .with_severity(Severity::Error)
        .map(|f| (f.code, f.pointer.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("bad-auth-mapping", "/components/securitySchemes/broken"),
            ("unsupported-auth", "/components/securitySchemes/digest")
        ]
    );
}

#[test]
fn lint_reports_unknown_extensions_duplicates_and_path_problems() {
    let mut doc = base();
    set(&mut doc, "/info/x-airbyte-shiny-new-thing", json!({"a": 1}));
    set(
        &mut doc,
        "/paths/~1users/get/x-airbyte-sparkle",
        json!(true),
    );
    set(&mut doc, "/paths/~1users/get/x-vendor-note", json!("hi"));
    set(&mut doc, "/paths/~1users/post/paramters", json!([]));
    set(
        &mut doc,
        "/components/securitySchemes/bearerAuth/x-airbyte-token-refresh",
        json!({"auth_styel": "body"}),
    );
    // A property *named* like an extension is not an extension.
    set(
        &mut doc,
        "/components/schemas/User/properties/x-airbyte-field",
        json!({"type": "string"}),
    );
    // Same entity/action twice: the later one wins.
    set(
        &mut doc,
        "/paths/~1people",
        json!({"get": {"x-airbyte-entity": "users", "x-airbyte-action": "list", "responses": {}}, "head": {}}),
    );
    // A placeholder without a parameter, and a parameter without placeholder.
    set(
        &mut doc,
        "/paths/~1users~1{id}/get/x-airbyte-path-override",
        json!({"path": "/u/{uid}"}),
    );
    let def = load_ok(&doc);

    // Unknown extensions are kept, not dropped.
    assert_eq!(
        def.extension("x-airbyte-shiny-new-thing"),
        Some(&json!({"a": 1}))
    );
    let list = def.find_operation("users", "list").expect("list");
    assert_eq!(list.path, "/people");
    assert_eq!(
        def.entity("users").expect("users").shadowed[0].path,
        "/users"
    );
    let list_shadowed = &def.entity("users").expect("users").shadowed[0];
    assert_eq!(list_shadowed.extensions["x-airbyte-sparkle"], json!(true));
    assert_eq!(def.declared_operations().count(), 4);

    let report = lint(&def);
    let found = |code: &str, pointer: &str| {
        report
            .findings
            .iter()
            .any(|f| f.code == code && f.pointer == pointer)
    };
    assert!(
        found("unknown-extension", "/info/x-airbyte-shiny-new-thing"),
        "{report}"
    );
    assert!(
        found("unknown-extension", "/paths/~1users/get/x-airbyte-sparkle"),
        "{report}"
    );
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.pointer.contains("x-airbyte-field")),
        "{report}"
    );
    assert!(found("duplicate-action", "/paths/~1users/get"), "{report}");
    assert!(
        found("unknown-field", "/paths/~1users/post/paramters"),
        "{report}"
    );
    assert!(
        found("vendor-extension", "/paths/~1people/get/x-vendor-note")
            || found("vendor-extension", "/paths/~1users/get/x-vendor-note"),
        "{report}"
    );
    assert!(
        found("ignored-operation", "/paths/~1people/head"),
        "{report}"
    );
    assert!(
        found("undeclared-path-parameter", "/paths/~1users~1{id}/get"),
        "{report}"
    );
    assert!(
        found(
            "unused-path-parameter",
            "/paths/~1users~1{id}/get/parameters"
        ),
        "{report}"
    );
    assert!(report.has_errors());
    assert!(report.to_string().contains("x-airbyte-sparkle"));

    // A clean definition has no errors or warnings.
    let clean = lint(&load_ok(&base()));
    assert!(clean.is_clean(), "{clean}");
}

#[test]
fn describe_lists_entities_actions_and_params() {
    let def = load_ok(&base());
    let summary = describe(&def);
    assert_eq!(summary.operation_count, 3);
    let list = &summary.entities[0].actions[0];
    assert!(list.paginated);
    let status = list
        .params
        .iter()
        .find(|p| p.name == "status")
        .expect("status");
    assert_eq!(status.allowed, Some(vec![json!("a"), json!("b")]));
    let create = &summary.entities[0].actions[1];
    let name = create
        .params
        .iter()
        .find(|p| p.name == "name")
        .expect("body field");
    assert!(name.required);
    assert_eq!(name.type_name, "string");
    let text = summary.to_string();
    assert!(text.contains("users"), "{text}");
    assert!(
        text.contains("status [query] string (one of a, b)"),
        "{text}"
    );
    assert!(text.contains("name [body] string (required)"), "{text}");
    assert!(text.contains("auth bearerAuth (bearer): token*"), "{text}");
    let json = serde_json::to_value(&summary).expect("serializable");
    assert_eq!(json["entities"][0]["actions"][0]["action"], "list");
}

#[test]
fn directories_of_definitions() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("test-api")).expect("mkdir");
    std::fs::write(
        dir.path().join("test-api/connector.yaml"),
        base().to_string(),
    )
    .expect("write");
    let mut other = base();
    set(
        &mut other,
        "/info/x-airbyte-connector-name",
        json!("other_thing"),
    );
    std::fs::write(dir.path().join("other.yml"), other.to_string()).expect("write");
    std::fs::write(dir.path().join("notes.txt"), "ignored").expect("write");

    let defs = load_dir(dir.path()).expect("load dir");
    assert_eq!(defs.len(), 2);
    assert!(find_definition(&defs, "Other-Thing").is_some());
    assert!(find_definition(&defs, "test api").is_some());
    assert!(find_definition(&defs, "nope").is_none());
    let from_dir = crate::definition::load_path(dir.path().join("test-api")).expect("dir path");
    assert_eq!(from_dir.name, "test-api");

    // Duplicate names are an error naming both files.
    std::fs::write(dir.path().join("again.yaml"), base().to_string()).expect("write");
    let err = load_dir(dir.path()).expect_err("duplicate");
    assert!(err.to_string().contains("already used"), "{err}");
    // load_dir_each reports per file.
    std::fs::write(dir.path().join("broken.yaml"), "openapi: 3.1.0").expect("write");
    let results = load_dir_each(dir.path()).expect("each");
    assert_eq!(results.len(), 4);
    assert_eq!(results.iter().filter(|(_, r)| r.is_err()).count(), 1);
}

#[test]
fn lint_flags_component_schemas_other_tooling_rejects() {
    let mut doc = base();
    set(
        &mut doc,
        "/components/schemas/User/type",
        json!(["object", "null"]),
    );
    set(
        &mut doc,
        "/components/schemas/Team",
        json!({"required": "id"}),
    );
    // Nested schemas are free-form JSON Schema everywhere: not reported.
    set(
        &mut doc,
        "/components/schemas/User/properties/id/type",
        json!(["string", "null"]),
    );
    let def = load_ok(&doc);
    let report = lint(&def);
    let flagged: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == "non-portable-schema")
        .map(|f| (f.severity, f.pointer.as_str()))
        .collect();
    assert_eq!(
        flagged,
        [
            (Severity::Error, "/components/schemas/User/type"),
            (Severity::Error, "/components/schemas/Team/required"),
        ],
        "{report}"
    );
    assert!(report.to_string().contains("anyOf"), "{report}");
}
