//! Credentials never leave through the MCP server: not in its logs (every
//! target at TRACE, rmcp's included) and not in any tool output, for local
//! and hosted connectors, successes and failures.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use airbyte_agent_mcp::{McpServer, ServedConnector};
use serde_json::{Value, json};
use support::*;

/// Log lines, shared with the subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const WRONG_KEY: &str = "sk_wrong_4d3c2b1a-ALSO-SECRET";

#[tokio::test]
async fn no_credential_in_logs_or_tool_outputs() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let vendor = vendor().await;
    let mut outputs: Vec<String> = Vec::new();
    let mut record = |r: rmcp::model::CallToolResult| {
        outputs.push(serde_json::to_string(&r).expect("result serializes"));
    };

    let local = connect(server(&vendor.url(), None)).await;
    let calls: Vec<(&str, Value)> = vec![
        ("list_connectors", json!({})),
        ("list_entities", json!({"connector": "demo-crm"})),
        (
            "describe_entity",
            json!({"connector": "demo-crm", "entity": "customers"}),
        ),
        (
            "validate_operation",
            json!({"connector": "demo-crm", "entity": "customers", "action": "list",
                   "params": {"status": "nope"}}),
        ),
        (
            "demo-crm_execute",
            json!({"entity": "customers", "action": "list"}),
        ),
        (
            "demo-crm_execute",
            json!({"entity": "customers", "action": "get", "params": {"id": "limited"}}),
        ),
        (
            "demo-crm_execute",
            json!({"entity": "customers", "action": "get", "params": {"id": "missing"}}),
        ),
    ];
    for (tool, args) in calls {
        record(call(&local, tool, args).await);
    }
    let rejected = McpServer::builder()
        .connector(ServedConnector::local(executor(&vendor.url(), WRONG_KEY)))
        .build()
        .expect("server builds");
    let rejected = connect(rejected).await;
    record(
        call(
            &rejected,
            "demo-crm_execute",
            json!({"entity": "customers", "action": "list"}),
        )
        .await,
    );

    let api = hosted_api().await;
    let hosted = connect(hosted_server(&api).await).await;
    record(
        call(
            &hosted,
            "crm_prod_execute",
            json!({"entity": "customers", "action": "list"}),
        )
        .await,
    );
    record(call(&hosted, "ask", json!({"prompt": "how many customers?"})).await);
    record(call(&hosted, "list_connectors", json!({})).await);

    // The credentials were used...
    assert!(
        vendor
            .requests()
            .iter()
            .any(|r| r.header("x-api-key") == Some(API_KEY))
    );
    assert!(
        api.requests()
            .iter()
            .any(|r| r.text().contains(CLIENT_SECRET))
    );
    // ...and the logs are real: tool calls and rmcp's own trace output.
    let logs = String::from_utf8_lossy(&logs.0.lock().expect("log lock")).into_owned();
    assert!(logs.contains("tool call"), "{logs}");
    assert!(logs.contains("TRACE") || logs.contains("DEBUG"), "{logs}");
    assert!(outputs.iter().any(|o| o.contains("Reconnect")));

    for secret in [API_KEY, WRONG_KEY, CLIENT_SECRET, ACCESS_TOKEN] {
        assert!(!logs.contains(secret), "`{secret}` in the logs:\n{logs}");
        for out in &outputs {
            assert!(!out.contains(secret), "`{secret}` in a tool output: {out}");
        }
    }
}
