//! Shared by the MCP server tests: the demo definition, a loopback vendor
//! server, and an rmcp client connected to our server over an in-memory pipe.

#![allow(dead_code)]

use std::path::PathBuf;

use airbyte_agent_mcp::{McpServer, ServedConnector};
use airbyte_agent_sdk::definition;
use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};

/// The API key the demo connector is given.
pub const API_KEY: &str = "sk_demo_9f8e7d6c5b4a-SECRET";

/// Path of the demo definition.
pub fn definition_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo_crm.yaml")
}

/// Customers the vendor server returns.
pub fn customers() -> Value {
    json!([
        {"id": "c1", "name": "Ada", "email": "ada@example.com",
         "address": {"city": "Paris", "zip": "75001"}, "notes": "n".repeat(400)},
        {"id": "c2", "name": "Grace", "email": null,
         "address": {"city": "Arlington", "zip": "22201"}, "notes": "short"}
    ])
}

/// A vendor server: customers list/get; 401 unless the API key matches;
/// customer `limited` answers 429 with Retry-After.
pub async fn vendor() -> RecordingServer {
    RecordingServer::start(|r| {
        if r.header("x-api-key") != Some(API_KEY) {
            return MockResponse::json(401, json!({"error": "invalid api key"}));
        }
        match r.path.as_str() {
            "/v1/customers" => {
                MockResponse::json(200, json!({"data": customers(), "next": "cur-2"}))
            }
            "/v1/customers/limited" => {
                MockResponse::json(429, json!({"error": "slow down"})).header("retry-after", "7")
            }
            "/v1/customers/c1" => MockResponse::json(200, customers()[0].clone()),
            _ => MockResponse::json(404, json!({"error": "no such customer"})),
        }
    })
    .await
}

/// A local executor for the demo connector against `base_url`.
pub fn executor(base_url: &str, api_key: &str) -> LocalExecutor {
    let def = definition::load_path(definition_path()).expect("demo definition loads");
    LocalExecutor::builder(def)
        .auth("api_key", api_key)
        .base_url(base_url)
        .build()
        .expect("executor builds")
}

/// A server for the demo connector.
pub fn server(base_url: &str, budget: Option<usize>) -> McpServer {
    let mut builder =
        McpServer::builder().connector(ServedConnector::local(executor(base_url, API_KEY)));
    if let Some(b) = budget {
        builder = builder.max_output_bytes(Some(b));
    }
    builder.build().expect("server builds")
}

/// An MCP client connected to `server` over an in-memory pipe.
pub async fn connect(server: McpServer) -> RunningService<RoleClient, ()> {
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    ().serve(client_io).await.expect("client connects")
}

/// Calls a tool and returns the result.
pub async fn call(
    client: &RunningService<RoleClient, ()>,
    tool: &str,
    args: Value,
) -> CallToolResult {
    let mut params = CallToolRequestParams::new(tool.to_string());
    if let Value::Object(map) = args {
        params = params.with_arguments(map);
    }
    client.call_tool(params).await.expect("tools/call answered")
}

/// The text of a result's first content block.
pub fn text(result: &CallToolResult) -> String {
    match result.content.first().and_then(|c| c.as_text()) {
        Some(t) => t.text.clone(),
        None => panic!("expected text content, got {:?}", result.content),
    }
}

/// A successful result's JSON.
pub fn json_of(result: &CallToolResult) -> Value {
    assert_eq!(
        result.is_error,
        Some(false),
        "tool failed: {}",
        text(result)
    );
    serde_json::from_str(&text(result)).expect("result text is JSON")
}

/// A failed result's message.
pub fn error_of(result: &CallToolResult) -> String {
    assert_eq!(
        result.is_error,
        Some(true),
        "tool succeeded: {}",
        text(result)
    );
    text(result)
}

/// Hosted mode: the application's client secret.
pub const CLIENT_SECRET: &str = "airbyte-client-secret-SENSITIVE";
/// Hosted mode: the access token the fake API hands out.
pub const ACCESS_TOKEN: &str = "airbyte-access-token-SENSITIVE";
/// Hosted mode: the workspace connector backed by the demo definition.
pub const CONNECTOR_ID: &str = "3f1d2c4b-5a6e-4f70-9182-a3b4c5d6e7f8";
/// Hosted mode: a workspace connector of a type with no definition.
pub const OTHER_CONNECTOR_ID: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

/// A fake Airbyte API: token, connector list, execute, ask. Requests
/// without the access token get 401.
pub async fn hosted_api() -> RecordingServer {
    RecordingServer::start(|r| {
        if r.path == "/api/v1/account/applications/token" {
            return MockResponse::json(200, json!({"access_token": ACCESS_TOKEN}));
        }
        if r.header("authorization") != Some(&format!("Bearer {ACCESS_TOKEN}")) {
            return MockResponse::json(401, json!({"message": "unauthorized"}));
        }
        let execute = format!("/api/v1/integrations/connectors/{CONNECTOR_ID}/execute");
        match (r.method.as_str(), r.path.as_str()) {
            ("GET", "/api/v1/integrations/connectors") => MockResponse::json(
                200,
                json!({"data": [
                    {"id": CONNECTOR_ID, "name": "CRM Prod",
                     "summarized_source_template": {"name": "Demo CRM"}},
                    {"id": OTHER_CONNECTOR_ID, "name": "Billing",
                     "summarized_source_template": {"name": "Unknown Billing"}}
                ]}),
            ),
            ("POST", path) if path == execute => MockResponse::json(
                200,
                json!({"result": customers(), "connector_metadata": {"next_cursor": "h2"}}),
            ),
            ("POST", "/api/v1/workspaces/query/structured") => MockResponse::json(
                200,
                json!({"outcome": "success", "answer": "You have 2 customers.",
                       "results": [{"entity": "customers", "action": "list", "data": customers()}]}),
            ),
            _ => MockResponse::json(404, json!({"message": "not found"})),
        }
    })
    .await
}

/// The workspace `acme` of the fake API.
pub fn hosted_workspace(api: &RecordingServer) -> airbyte_agent_sdk::Workspace {
    airbyte_agent_sdk::Workspace::builder()
        .client_id("client-id-1")
        .client_secret(CLIENT_SECRET)
        .workspace_name("acme")
        .api_url(api.url())
        .build()
        .expect("workspace builds")
}

/// A hosted-mode server for the fake API (connectors and `ask`).
pub async fn hosted_server(api: &RecordingServer) -> McpServer {
    let workspace = hosted_workspace(api);
    let def = definition::load_path(definition_path()).expect("demo definition loads");
    let connectors = airbyte_agent_mcp::hosted_connectors(&workspace, &[def])
        .await
        .expect("workspace connectors listed");
    McpServer::builder()
        .connectors(connectors)
        .ask_workspace(workspace)
        .build()
        .expect("server builds")
}
