//! Hosted mode on a cold token cache: many concurrent executes against a
//! loopback fake of the hosted API, counting token requests.

use std::time::{Duration, Instant};

use airbyte_agent_sdk::HostedExecutor;
use airbyte_agent_sdk::cloud::CloudClient;
use airbyte_agent_sdk::config::AirbyteAuthConfig;
use airbyte_agent_sdk::{ExecutionConfig, Executor};
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use serde_json::{Value, json};

const TOKEN_PATH: &str = "/api/v1/account/applications/token";
const CONNECTOR_ID: &str = "00000000-0000-0000-0000-00000000c0de";

/// Runs `calls` executes at once through one executor and counts the token
/// requests the fake API received.
pub async fn run(calls: u64) -> Result<Value, String> {
    let server = RecordingServer::start(|r| {
        if r.path == TOKEN_PATH {
            // A token endpoint slower than the calls' start-up: every call
            // finds the cache empty.
            MockResponse::json(
                200,
                json!({"access_token": "bench-token", "expires_in": 900}),
            )
            .delayed(Duration::from_millis(100))
        } else {
            MockResponse::json(
                200,
                json!({"result": [{"id": "cus_1"}], "connector_metadata": {"has_more": false}}),
            )
        }
    })
    .await;
    let client = CloudClient::builder()
        .auth_config(
            AirbyteAuthConfig::new()
                .client_id("bench-client")
                .client_secret("bench-secret")
                .api_url(server.url()),
        )
        .build()
        .map_err(|e| e.to_string())?;
    let exec = HostedExecutor::by_id(client, CONNECTOR_ID);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..calls {
        let exec = exec.clone();
        tasks.spawn(async move {
            exec.execute(ExecutionConfig::new("customers", "list").param("limit", json!(1)))
                .await
        });
    }
    let mut failed = 0u64;
    while let Some(done) = tasks.join_next().await {
        if !matches!(done, Ok(Ok(_))) {
            failed += 1;
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let execute_path = format!("/api/v1/integrations/connectors/{CONNECTOR_ID}/execute");
    Ok(json!({
        "kind": "hosted",
        "calls": calls,
        "failed": failed,
        "token_requests": server.count("POST", TOKEN_PATH),
        "execute_requests": server.count("POST", &execute_path),
        "wall_s": wall,
    }))
}
