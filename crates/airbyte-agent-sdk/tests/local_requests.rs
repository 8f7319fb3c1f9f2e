//! What the local executor puts on the wire, and what it returns, against a
//! recording server on 127.0.0.1.

mod local_support;

use airbyte_agent_sdk::{Error, ErrorKind, ExecutionConfig, Executor};
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use local_support::{definition, definition_with, executor};
use serde_json::{Value, json};

const PATHS: &str = r#"
  /v1/customers:
    get:
      x-airbyte-entity: customers
      x-airbyte-action: list
      x-airbyte-record-extractor: $.data
      x-airbyte-meta-extractor:
        has_more: $.has_more
        next: "@link.next"
        request_id: "@header.x-request-id"
      parameters:
        - name: limit
          in: query
          schema: {type: integer, default: 10}
        - name: status
          in: query
          schema: {type: string, enum: [active, closed]}
        - name: ids
          in: query
          style: form
          explode: false
          schema: {type: array, items: {type: string}}
        - name: tags
          in: query
          schema: {type: array, items: {type: string}}
        - name: created
          in: query
          style: deepObject
          schema: {type: object}
        - name: region
          in: query
          required: true
          schema: {type: string}
          x-airbyte-param-config-inject:
            source: region
            map: {US: ATV, DE: A1P}
        - name: X-Api-Version
          in: header
          schema: {type: string, default: "2024-01"}
    post:
      x-airbyte-entity: customers
      x-airbyte-action: create
      x-airbyte-record-extractor: $.customer
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [email]
              properties:
                email: {type: string}
                plan: {type: string, default: free}
                tier: {type: integer, enum: [1, 2]}
  /v1/customers/{id}:
    get:
      x-airbyte-entity: customers
      x-airbyte-action: get
      parameters:
        - name: id
          in: path
          required: true
          schema: {type: string}
  /v1/charges:
    post:
      x-airbyte-entity: charges
      x-airbyte-action: create
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                amount: {type: integer}
                metadata: {type: object}
                items: {type: array}
  /graphql:issues:
    post:
      x-airbyte-entity: issues
      x-airbyte-action: list
      x-airbyte-path-override:
        path: /graphql
      x-airbyte-record-extractor: $.data.issues.nodes
      x-airbyte-meta-extractor:
        end_cursor: $.data.issues.pageInfo.endCursor
        has_next_page: $.data.issues.pageInfo.hasNextPage
      parameters:
        - name: first
          in: query
          schema: {type: integer, default: 25}
      requestBody:
        x-airbyte-body-type:
          type: graphql
          query: "query($first: Int, $after: String) { issues(first: $first, after: $after) { nodes { {{ fields }} } } }"
          variables:
            first: "{{ first }}"
            after: "{{ after }}"
          default_fields: [id, state.name]
        content:
          application/json:
            schema: {type: object}
"#;

fn server_json(body: Value) -> MockResponse {
    MockResponse::json(200, body)
}

#[tokio::test]
async fn list_request_query_headers_auth_and_result() {
    let server = RecordingServer::start(|_| {
        server_json(json!({"data": [{"id": 1}, {"id": 2}], "has_more": false}))
            .header("x-request-id", "req_9")
            .header("link", "<https://a.invalid/next>; rel=\"next\"")
    })
    .await;
    let exec = local_support::executor(definition(PATHS), &server);
    let op = ExecutionConfig::new("customers", "list")
        .param("ids", json!(["a", "b"]))
        .param("tags", json!(["x y", "z"]))
        .param("created", json!({"gte": 5, "lt": null}))
        .param("region", json!("eu-1"))
        .param("unknown", json!(1));
    let result = exec.execute(op).await.unwrap();
    assert_eq!(result.data, json!([{"id": 1}, {"id": 2}]));
    assert_eq!(
        result.meta,
        Some(json!({"has_more": false, "next": "https://a.invalid/next", "request_id": "req_9"}))
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/v1/customers");
    assert_eq!(
        r.raw_query.as_deref(),
        Some("ids=a%2Cb&tags=x+y&tags=z&created%5Bgte%5D=5&region=eu-1")
    );
    assert_eq!(r.header("authorization"), Some("Bearer sk_test_secret"));
    assert_eq!(r.header("x-api-version"), Some("2024-01"));
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn config_injection_and_server_variables() {
    let server = RecordingServer::start(|_| server_json(json!({"data": []}))).await;
    let exec = airbyte_agent_sdk::executor::local::LocalExecutor::builder(definition(PATHS))
        .auth("api_key", "k")
        .config("region", "de")
        .base_url(format!("{}/{{subdomain}}", server.url()))
        .build()
        .unwrap();
    assert_eq!(exec.base_url(), format!("{}/acme", server.url()));
    let result = exec
        .execute(ExecutionConfig::new("customers", "list"))
        .await
        .unwrap();
    assert_eq!(result.data, json!([]));
    let r = &server.requests()[0];
    assert_eq!(r.path, "/acme/v1/customers");
    assert_eq!(r.raw_query.as_deref(), Some("region=A1P"));
}

#[tokio::test]
async fn validation_happens_before_any_request() {
    let server = RecordingServer::start(|_| server_json(json!({}))).await;
    let exec = executor(definition(PATHS), &server);
    let err = exec
        .execute(ExecutionConfig::new("custmers", "list"))
        .await
        .unwrap_err();
    match &err {
        Error::EntityNotFound { available, .. } => {
            assert_eq!(
                available,
                &vec!["customers".to_string(), "charges".into(), "issues".into()]
            )
        }
        other => panic!("unexpected {other:?}"),
    }
    let err = exec
        .execute(ExecutionConfig::new("customers", "delete"))
        .await
        .unwrap_err();
    match &err {
        Error::ActionNotSupported { available, .. } => {
            assert_eq!(
                available,
                &vec!["list".to_string(), "create".into(), "get".into()]
            )
        }
        other => panic!("unexpected {other:?}"),
    }
    let err = exec
        .execute(ExecutionConfig::new("customers", "get"))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::MissingParameter { param, .. } if param == "id"));
    let err = exec
        .execute(ExecutionConfig::new("customers", "list"))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::MissingParameter { param, .. } if param == "region"));
    let err = exec
        .execute(
            ExecutionConfig::new("customers", "list")
                .param("region", json!("x"))
                .param("status", json!("gone")),
        )
        .await
        .unwrap_err();
    match &err {
        Error::InvalidParameter { param, allowed, .. } => {
            assert_eq!(param, "status");
            assert_eq!(allowed, &vec!["'active'".to_string(), "'closed'".into()]);
        }
        other => panic!("unexpected {other:?}"),
    }
    let err = exec
        .execute(
            ExecutionConfig::new("customers", "list")
                .param("region", json!("x"))
                .param("tags", json!("one")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidParameter);
    let err = exec
        .execute(
            ExecutionConfig::new("customers", "list")
                .param("region", json!("x"))
                .param("limit", json!({"a": 1})),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidParameter);
    let err = exec
        .execute(ExecutionConfig::new("customers", "create"))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::MissingParameter { param, .. } if param == "email"));
    let err = exec
        .execute(
            ExecutionConfig::new("customers", "create")
                .param("email", json!("e"))
                .param("tier", json!(3)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidParameter);
    let err = exec
        .execute(ExecutionConfig::new("customers", "get").param("id", json!("  ")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidParameter);
    assert_eq!(
        server.requests().len(),
        0,
        "no request may reach the server"
    );
}

#[tokio::test]
async fn path_parameters_are_encoded() {
    let server = RecordingServer::start(|_| server_json(json!({"id": "a/b c"}))).await;
    let exec = executor(definition(PATHS), &server);
    let result = exec
        .execute(ExecutionConfig::new("customers", "get").param("id", json!("a/b c")))
        .await
        .unwrap();
    assert_eq!(result.data, json!({"id": "a/b c"}));
    assert_eq!(result.meta, None);
    assert_eq!(server.requests()[0].path, "/v1/customers/a%2Fb%20c");
}

#[tokio::test]
async fn json_body_with_defaults() {
    let server = RecordingServer::start(|_| server_json(json!({"customer": {"id": "c1"}}))).await;
    let exec = executor(definition(PATHS), &server);
    let result = exec
        .execute(
            ExecutionConfig::new("customers", "create")
                .param("email", json!("é@x.io"))
                .param("tier", json!(2)),
        )
        .await
        .unwrap();
    assert_eq!(result.data, json!({"id": "c1"}));
    let r = &server.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.text(), r#"{"plan":"free","email":"é@x.io","tier":2}"#);
}

#[tokio::test]
async fn form_body_is_flattened() {
    let server = RecordingServer::start(|_| server_json(json!({"id": "ch_1"}))).await;
    let exec = executor(definition(PATHS), &server);
    exec.execute(
        ExecutionConfig::new("charges", "create")
            .param("amount", json!(500))
            .param("metadata", json!({"order": "o 1"}))
            .param("items", json!([{"price": "p1"}])),
    )
    .await
    .unwrap();
    let r = &server.requests()[0];
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        r.text(),
        "amount=500&metadata%5Border%5D=o+1&items%5B0%5D%5Bprice%5D=p1"
    );
}

#[tokio::test]
async fn graphql_body() {
    let server = RecordingServer::start(|_| {
        server_json(json!({"data": {"issues": {"nodes": [{"id": "i1"}], "pageInfo": {"endCursor": "c1", "hasNextPage": true}}}}))
    })
    .await;
    let exec = executor(definition(PATHS), &server);
    let result = exec
        .execute(ExecutionConfig::new("issues", "list").param("after", json!("c0")))
        .await
        .unwrap();
    assert_eq!(result.data, json!([{"id": "i1"}]));
    assert_eq!(
        result.meta,
        Some(json!({"end_cursor": "c1", "has_next_page": true}))
    );
    let r = &server.requests()[0];
    assert_eq!(r.path, "/graphql");
    assert_eq!(
        r.json().unwrap(),
        json!({
            "query": "query($first: Int, $after: String) { issues(first: $first, after: $after) { nodes { id state { name } } } }",
            "variables": {"first": 25, "after": "c0"}
        })
    );
}

#[tokio::test]
async fn http_errors_and_application_errors() {
    let server = RecordingServer::start(|r| match r.path.as_str() {
        "/v1/customers/missing" => {
            MockResponse::json(404, json!({"error": {"message": "No such customer"}}))
        }
        "/v1/customers/limited" => {
            MockResponse::json(429, json!({"message": "slow down"})).header("retry-after", "3")
        }
        "/v1/customers/html" => {
            MockResponse::text(200, "<html></html>").header("content-type", "text/html")
        }
        _ => MockResponse::json(200, json!({"ok": false, "error": "channel_not_found"})),
    })
    .await;
    let exec = executor(definition(PATHS), &server);
    let get = |id: &str| ExecutionConfig::new("customers", "get").param("id", json!(id));
    let err = exec.execute(get("missing")).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    let err = exec.execute(get("limited")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    let err = exec.execute(get("html")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);

    let checked = definition_with(
        PATHS,
        "  x-airbyte-response-error-check:\n    field: ok\n    on_value: false\n    message_field: error\n",
    );
    let exec = executor(checked, &server);
    let err = exec.execute(get("other")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Execution);
    assert!(err.to_string().contains("channel_not_found"));
}

#[tokio::test]
async fn secrets_stay_out_of_debug_and_errors() {
    let server =
        RecordingServer::start(|_| MockResponse::json(401, json!({"message": "bad key"}))).await;
    let builder = airbyte_agent_sdk::executor::local::LocalExecutor::builder(definition(PATHS))
        .auth("api_key", "sk_live_very_secret")
        .base_url(server.url());
    assert!(!format!("{builder:?}").contains("sk_live_very_secret"));
    let exec = builder.build().unwrap();
    assert!(!format!("{exec:?}").contains("sk_live_very_secret"));
    let err = exec
        .execute(ExecutionConfig::new("customers", "get").param("id", json!("x")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert!(!err.to_string().contains("sk_live_very_secret"));
    assert!(!format!("{err:?}").contains("sk_live_very_secret"));
}
