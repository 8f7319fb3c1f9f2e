//! OAuth: the organization's OAuth app credentials and the server-side
//! consent flow, against a vendor with an authorization server on 127.0.0.1;
//! refreshed tokens are stored for the next start.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use airbyte_agent_sdk::definition;
use airbyte_agent_sdk::{ErrorKind, HostedExecutor, OAuthFlow};
use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use chrono::Duration;
use serde_json::{Value, json};
use support::*;

const DEFINITION_ID: &str = "7f0c2e1a-0000-4000-8000-00000000c7a1";

fn oauth_definition(vendor: &str) -> definition::ConnectorDefinition {
    let text = format!(
        r#"openapi: 3.1.0
info:
  title: Acme CRM
  version: 1.0.0
  x-airbyte-connector-name: acme-crm
  x-airbyte-connector-definition-id: {DEFINITION_ID}
servers:
  - url: {vendor}
components:
  securitySchemes:
    oauth2:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: {vendor}/oauth/authorize
          tokenUrl: {vendor}/oauth/token
          refreshUrl: {vendor}/oauth/token
          scopes:
            crm.read: Read the CRM
      x-airbyte-auth-config:
        type: object
        required: [access_token]
        properties:
          client_id: {{type: string}}
          client_secret: {{type: string, airbyte_secret: true}}
          access_token: {{type: string, airbyte_secret: true}}
          refresh_token: {{type: string, airbyte_secret: true}}
        auth_mapping:
          access_token: "${{access_token}}"
          refresh_token: "${{refresh_token}}"
          client_id: "${{client_id}}"
          client_secret: "${{client_secret}}"
security:
  - oauth2: []
paths:
  /v1/me:
    get:
      x-airbyte-entity: me
      x-airbyte-action: get
      responses: {{"200": {{description: ok}}}}
"#
    );
    definition::load_str(&text).expect("oauth definition loads")
}

/// Issues `tok-A` for the code, `tok-B` on refresh; `/v1/me` accepts
/// `tok-A` until `rotated` is set, then only `tok-B`.
async fn oauth_vendor(rotated: Arc<AtomicBool>) -> RecordingServer {
    RecordingServer::start(move |r: &RecordedRequest| {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&r.body).into_owned().collect();
        let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        match r.path.as_str() {
            "/oauth/token" if field("grant_type") == Some("authorization_code") => {
                if field("code") != Some("code-123") || field("client_secret") != Some("APPSECRET_c3") {
                    return MockResponse::json(400, json!({"error": "invalid_grant"}));
                }
                MockResponse::json(200, json!({"access_token": "tok-A", "refresh_token": "ref-A", "token_type": "bearer"}))
            }
            "/oauth/token" if field("grant_type") == Some("refresh_token") => {
                MockResponse::json(200, json!({"access_token": "tok-B", "token_type": "bearer"}))
            }
            "/v1/me" => {
                let want = if rotated.load(Ordering::SeqCst) { "Bearer tok-B" } else { "Bearer tok-A" };
                if r.header("authorization") == Some(want) {
                    MockResponse::json(200, json!({"id": "me", "name": "Ada"}))
                } else {
                    MockResponse::json(401, json!({"error": "invalid_token"}))
                }
            }
            _ => MockResponse::json(404, json!({})),
        }
    })
    .await
}

#[tokio::test]
async fn consent_creates_a_connector_and_refreshed_tokens_are_kept() {
    let rotated = Arc::new(AtomicBool::new(false));
    let vendor = oauth_vendor(rotated.clone()).await;
    let mut h =
        Harness::start_with_definitions(None, false, vec![oauth_definition(&vendor.url())]).await;
    let ws = h.workspace("crm-ws");

    // Without the organization's OAuth app, initiation explains what to do.
    let flow = OAuthFlow::new(DEFINITION_ID, "http://127.0.0.1:9/app/done").name("crm");
    let e = ws.initiate_oauth(flow.clone()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(
        e.to_string().contains("PUT /api/v1/oauth/credentials"),
        "{e}"
    );

    let app = json!({"client_id": "app-id", "client_secret": "APPSECRET_c3"});
    h.client()
        .set_oauth_app_credentials("Acme CRM", app.as_object().unwrap())
        .await
        .unwrap();
    let consent = url::Url::parse(&ws.initiate_oauth(flow).await.unwrap()).unwrap();
    assert_eq!(consent.path(), "/oauth/authorize");
    let q: std::collections::HashMap<String, String> = consent.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "app-id");
    assert_eq!(q["scope"], "crm.read");
    assert_eq!(
        q["redirect_uri"],
        format!("{}/api/v1/oauth/callback", h.url())
    );
    assert!(!consent.as_str().contains("APPSECRET"));

    // The vendor sends the browser back with a code.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let back = browser
        .get(&q["redirect_uri"])
        .query(&[("code", "code-123"), ("state", q["state"].as_str())])
        .send()
        .await
        .unwrap();
    assert!(back.status().is_redirection(), "{}", back.status());
    let location = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/app/done");
    let connector_id = location
        .query_pairs()
        .find(|(k, _)| k == "connector_id")
        .unwrap()
        .1
        .into_owned();
    let exchange = vendor
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth/token")
        .unwrap();
    assert!(
        exchange.text().contains("redirect_uri="),
        "{}",
        exchange.text()
    );

    // A state works once.
    let again = browser
        .get(&q["redirect_uri"])
        .query(&[("code", "code-123"), ("state", q["state"].as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 400);

    let listed = ws.list_connectors().await.unwrap();
    assert_eq!(listed[0].id, connector_id);
    assert_eq!(listed[0].name, "crm");
    let me = HostedExecutor::by_id(h.client(), connector_id.clone());
    assert_eq!(
        me.call("me", "get", Value::Null).await.unwrap().data["name"],
        "Ada"
    );

    // The vendor rotates the token: the executor refreshes and the new
    // token is stored, so a restarted server uses it without refreshing.
    rotated.store(true, Ordering::SeqCst);
    h.clock().advance(Duration::minutes(1));
    assert_eq!(
        me.call("me", "get", Value::Null).await.unwrap().data["id"],
        "me"
    );
    let stored_at = "2026-03-02T08:01:00.000Z";
    for _ in 0..200 {
        if ws.list_connectors().await.unwrap()[0].updated_at.as_deref() == Some(stored_at) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        ws.list_connectors().await.unwrap()[0].updated_at.as_deref(),
        Some(stored_at)
    );
    h.restart().await;
    vendor.take_requests();
    let me = HostedExecutor::by_id(h.client(), connector_id);
    assert_eq!(
        me.call("me", "get", Value::Null).await.unwrap().data["id"],
        "me"
    );
    let after = vendor.requests();
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].header("authorization"), Some("Bearer tok-B"));

    // Removing the app credentials is idempotent.
    h.client()
        .delete_oauth_app_credentials("acme-crm")
        .await
        .unwrap();
    h.client()
        .delete_oauth_app_credentials("acme-crm")
        .await
        .unwrap();
}

#[tokio::test]
async fn unknown_connector_types_and_flows_are_explained() {
    let h = Harness::start().await;
    let app = json!({"client_id": "a", "client_secret": "b"});
    let e = h
        .client()
        .set_oauth_app_credentials("nope", app.as_object().unwrap())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("unknown connector_type"), "{e}");
    // Stripe (bearer only) has no consent flow.
    let e = h
        .workspace("default")
        .initiate_oauth(OAuthFlow::new(
            stripe_definition_id(),
            "http://127.0.0.1:9/x",
        ))
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("no OAuth authorization-code flow"),
        "{e}"
    );
    let resp = h
        .http()
        .get(format!(
            "{}/api/v1/oauth/callback?state=forged&code=x",
            h.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}
