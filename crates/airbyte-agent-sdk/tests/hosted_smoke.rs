//! End-to-end smoke test of the simple hosted calls.

mod hosted_common;

use airbyte_agent_testkit::MockResponse;
use hosted_common::*;
use serde_json::json;

#[tokio::test]
async fn list_connectors_and_ask() {
    let srv = server(|r| match r.path.as_str() {
        "/api/v1/integrations/connectors" => MockResponse::json(
            200,
            json!({"data": [{"id": "c1", "name": "My Stripe",
                "summarized_source_template": {"name": "Stripe"},
                "created_at": "2026-01-01T00:00:00Z"}]}),
        ),
        "/api/v1/workspaces/query/structured" => {
            MockResponse::json(200, json!({"outcome": "success", "answer": "3"}))
        }
        _ => MockResponse::empty(404),
    })
    .await;
    let ws = workspace(&srv, "acme", Some("org-7"));
    let connectors = ws.list_connectors().await.unwrap();
    assert_eq!(connectors[0].connector_type.as_deref(), Some("Stripe"));
    let answer = ws.ask("how many?").await.unwrap();
    assert_eq!(answer.answer.as_deref(), Some("3"));

    let token_req = &srv.requests()[0];
    assert_eq!(token_req.path, TOKEN_PATH);
    assert_eq!(
        token_req.json(),
        Some(json!({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}))
    );
    assert_eq!(token_req.header("x-organization-id"), Some("org-7"));
    let reqs = api_requests(&srv);
    assert_request(
        &reqs[0],
        "GET",
        "/api/v1/integrations/connectors",
        &[("customer_name", "acme")],
        Some("org-7"),
        None,
    );
    assert_request(
        &reqs[1],
        "POST",
        "/api/v1/workspaces/query/structured",
        &[("workspace_name", "acme")],
        Some("org-7"),
        Some(json!({"prompt": "how many?"})),
    );
    assert_eq!(srv.count("POST", TOKEN_PATH), 1);
}
