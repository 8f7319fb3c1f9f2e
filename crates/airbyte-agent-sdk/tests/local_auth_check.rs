//! OAuth2 through the local executor (token exchange, refresh callback,
//! additional headers, token-extracted server variables) and `check`.

use std::sync::{Arc, Mutex};

use airbyte_agent_sdk::definition;
use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_sdk::{ExecutionConfig, Executor};
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use serde_json::json;

fn oauth_definition(token_url: &str, server_url: &str) -> definition::ConnectorDefinition {
    let text = format!(
        r#"openapi: 3.1.0
info:
  title: OAuth Connector
  version: 1.0.0
  x-airbyte-connector-name: oauth-connector
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-000000000003
servers:
  - url: "{server_url}/{{instance}}"
    variables:
      instance:
        default: default-instance
components:
  securitySchemes:
    oauth2:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: {server_url}/authorize
          tokenUrl: {token_url}
          refreshUrl: {token_url}
          scopes: {{}}
      x-airbyte-token-extract: [instance]
      x-airbyte-auth-config:
        type: object
        required: [client_id, client_secret, refresh_token, account_id]
        properties:
          client_id: {{type: string}}
          client_secret: {{type: string}}
          refresh_token: {{type: string}}
          account_id: {{type: string}}
        auth_mapping:
          client_id: "${{client_id}}"
          client_secret: "${{client_secret}}"
          refresh_token: "${{refresh_token}}"
        additional_headers:
          Account-Id: "{{{{ account_id }}}}"
security:
  - oauth2: []
paths:
  /users:
    get:
      x-airbyte-entity: users
      x-airbyte-action: list
      x-airbyte-record-extractor: $.users
      parameters:
        - {{name: per_page, in: query, schema: {{type: integer}}}}
  /me:
    get:
      x-airbyte-entity: me
      x-airbyte-action: get
      x-airbyte-preferred-for-check: true
"#
    );
    match definition::load_str(&text) {
        Ok(d) => d,
        Err(e) => panic!("{e}\n{text}"),
    }
}

#[tokio::test]
async fn refresh_token_flow_with_extracted_server_variable() {
    let server = RecordingServer::start(|r| match r.path.as_str() {
        "/oauth/token" => MockResponse::json(
            200,
            json!({"access_token": "at-1", "refresh_token": "rt-2", "expires_in": 3600, "instance": "eu7"}),
        ),
        "/eu7/users" => MockResponse::json(200, json!({"users": [{"id": 1}]})),
        "/eu7/me" => MockResponse::json(200, json!({"id": "me"})),
        _ => MockResponse::json(404, json!({"message": "no"})),
    })
    .await;
    let def = oauth_definition(&format!("{}/oauth/token", server.url()), &server.url());
    let refreshed = Arc::new(Mutex::new(Vec::new()));
    let sink = refreshed.clone();
    let exec = LocalExecutor::builder(def)
        .auth("client_id", "cid")
        .auth("client_secret", "csecret")
        .auth("refresh_token", "rt-1")
        .auth("account_id", "acc-9")
        .on_token_refresh(move |t| sink.lock().unwrap().push(format!("{t:?}")))
        .build()
        .unwrap();
    let result = exec
        .execute(ExecutionConfig::new("users", "list").param("per_page", json!(5)))
        .await
        .unwrap();
    assert_eq!(result.data, json!([{"id": 1}]));
    let reqs = server.requests();
    assert_eq!(reqs[0].path, "/oauth/token");
    assert!(reqs[0].text().contains("grant_type=refresh_token"));
    let call = reqs
        .iter()
        .find(|r| r.path == "/eu7/users")
        .expect("API call");
    assert_eq!(call.header("authorization"), Some("Bearer at-1"));
    assert_eq!(call.header("account-id"), Some("acc-9"));
    assert_eq!(call.raw_query.as_deref(), Some("per_page=5"));
    assert_eq!(refreshed.lock().unwrap().len(), 1);
    assert!(
        !refreshed.lock().unwrap()[0].contains("at-1"),
        "token values are not printed by Debug"
    );

    let check = exec.check().await.unwrap();
    assert!(check.healthy, "{check:?}");
    assert_eq!(check.checked_entity.as_deref(), Some("me"));
    assert_eq!(check.checked_action.as_deref(), Some("get"));
}

#[tokio::test]
async fn check_reports_unhealthy_without_failing() {
    let server = RecordingServer::start(|r| match r.path.as_str() {
        "/oauth/token" => MockResponse::json(200, json!({"access_token": "at-1", "instance": "x"})),
        _ => MockResponse::json(401, json!({"message": "revoked"})),
    })
    .await;
    let def = oauth_definition(&format!("{}/oauth/token", server.url()), &server.url());
    let exec = LocalExecutor::builder(def)
        .auth("client_id", "cid")
        .auth("client_secret", "csecret")
        .auth("refresh_token", "rt-1")
        .auth("account_id", "acc-9")
        .build()
        .unwrap();
    let check = exec.check().await.unwrap();
    assert!(!check.healthy);
    assert_eq!(check.checked_entity.as_deref(), Some("me"));
    let error = check.error.unwrap_or_default();
    assert!(error.contains("401"), "{error}");
    assert!(!error.contains("csecret") && !error.contains("rt-1"));
}

#[tokio::test]
async fn missing_credentials_fail_at_build() {
    let def = oauth_definition("http://127.0.0.1:9/oauth/token", "http://127.0.0.1:9");
    let err = LocalExecutor::builder(def)
        .auth("client_id", "cid")
        .build()
        .unwrap_err();
    assert!(!err.to_string().contains("cid"));
}
