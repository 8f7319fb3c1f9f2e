//! `airbyte-agent mcp --transport http` in hosted mode under the audit: a
//! small streamable-HTTP client does the MCP handshake, lists the tools and
//! calls the workspace connector's `execute` tool.

use std::time::Duration;

use serde_json::{Value, json};

use super::process::Spawned;
use crate::support::{CliRun, cli_command};

const PROTOCOL_VERSION: &str = "2025-06-18";

/// A streamable-HTTP MCP client session.
struct McpClient {
    http: reqwest::Client,
    url: String,
    session: Option<String>,
    transcript: String,
}

impl McpClient {
    /// Posts one JSON-RPC message; for a request (with an id), returns its
    /// response read from the JSON or event-stream body.
    async fn post(&mut self, msg: Value) -> Value {
        let mut req = self
            .http
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .json(&msg);
        if let Some(session) = &self.session {
            req = req
                .header("mcp-session-id", session)
                .header("mcp-protocol-version", PROTOCOL_VERSION);
        }
        let Ok(mut resp) = req.send().await else {
            return Value::Null;
        };
        if let Some(id) = resp.headers().get("mcp-session-id") {
            self.session = id.to_str().ok().map(str::to_string);
        }
        let Some(id) = msg.get("id").cloned() else {
            return Value::Null;
        };
        // Server-sent events: read until the `data:` line answering `id`.
        let mut text = String::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(found) = answer_in(&text, &id) {
                self.transcript.push_str(&text);
                return found;
            }
        }
        self.transcript.push_str(&text);
        answer_in(&text, &id).unwrap_or(Value::Null)
    }
}

/// The JSON-RPC message with this id in a JSON or event-stream body.
fn answer_in(body: &str, id: &Value) -> Option<Value> {
    let whole = std::iter::once(body.trim());
    let events = body
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim);
    whole
        .chain(events)
        .filter_map(|t| serde_json::from_str::<Value>(t).ok())
        .find(|m| m.get("id") == Some(id))
}

/// Runs the session against the workspace named by `env` (hosted mode);
/// returns everything the server printed and the tool call's response.
pub async fn session(env: &[(&str, &str)]) -> (CliRun, Value) {
    let mut cmd = cli_command();
    cmd.args(["mcp", "--transport", "http", "--listen", "127.0.0.1:0"]);
    cmd.envs(env.iter().copied());
    let server = Spawned::start(cmd);
    let url = server.wait_for(|line| {
        line.split("listening on ")
            .nth(1)
            .map(|u| u.trim().to_string())
    });
    let Some(url) = url.filter(|u| u.starts_with("http://127.0.0.1:")) else {
        return (server.stop(), json!({"error": "no listening line"}));
    };
    let mut client = McpClient {
        http: reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("HTTP client"),
        url,
        session: None,
        transcript: String::new(),
    };
    client
        .post(
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": PROTOCOL_VERSION, "capabilities": {},
            "clientInfo": {"name": "redaction-audit", "version": "1"}}}),
        )
        .await;
    client
        .post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    let tools = client
        .post(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .await;
    let execute = tools["result"]["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .find(|n| n.ends_with("_execute"))
        .unwrap_or("no_execute_tool")
        .to_string();
    let called = client
        .post(
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "name": execute,
            "arguments": {"entity": "customers", "action": "list", "params": {"limit": 1}}}}),
        )
        .await;
    let mut run = server.stop();
    // What the client received is output of the server too.
    run.stdout.push_str(&client.transcript);
    (run, called)
}
