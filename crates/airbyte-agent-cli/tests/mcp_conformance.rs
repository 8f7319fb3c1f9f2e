//! MCP conformance with a real client: the official MCP Python SDK (`mcp`,
//! installed by `scripts/setup-reference` in `.venv-ref/mcp`) drives the
//! `airbyte-agent` binary in local mode over stdio and over streamable HTTP,
//! against a loopback vendor server. Skipped when the venv is missing,
//! unless `AIRBYTE_REQUIRE_REFERENCE` is set.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use airbyte_agent_testkit::reference::mcp_python;
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use serde_json::{Value, json};

const API_KEY: &str = "sk_conformance_5e6f";
const BIN: &str = env!("CARGO_BIN_EXE_airbyte-agent");

fn definition() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../airbyte-agent-mcp/tests/fixtures/demo_crm.yaml")
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/mcp_client_check.py")
}

async fn vendor() -> RecordingServer {
    RecordingServer::start(|r| {
        if r.header("x-api-key") != Some(API_KEY) {
            return MockResponse::json(401, json!({"error": "invalid api key"}));
        }
        match r.path.as_str() {
            "/v1/customers" => MockResponse::json(
                200,
                json!({"data": [
                    {"id": "c1", "name": "Ada", "email": "ada@example.com"},
                    {"id": "c2", "name": "Grace", "email": null}
                ], "next": null}),
            ),
            _ => MockResponse::json(404, json!({"error": "not found"})),
        }
    })
    .await
}

/// `mcp serve` arguments for the demo connector against `vendor`.
fn serve_args(vendor: &RecordingServer, key_file: &Path) -> Vec<String> {
    vec![
        "mcp".into(),
        "serve".into(),
        "--definition".into(),
        definition().display().to_string(),
        "--auth".into(),
        format!("api_key=@{}", key_file.display()),
        "--base-url".into(),
        vendor.url(),
    ]
}

/// Runs the client script (off the runtime, so the vendor server keeps
/// answering) and returns its report.
async fn run_client(python: &Path, args: Vec<String>) -> Value {
    let mut cmd = Command::new(python);
    cmd.arg(script()).args(&args);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("client task")
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "MCP client failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("report is JSON ({e}): {stdout}"))
}

/// What every run must have seen.
fn check_report(report: &Value, mode: &str) {
    let names: Vec<&str> = report["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "list_connectors",
            "list_entities",
            "describe_entity",
            "validate_operation",
            "demo-crm_execute"
        ],
        "{mode}"
    );
    assert_eq!(
        report["tools"][4]["input_schema"]["properties"]["entity"]["enum"],
        json!(["customers"])
    );
    assert_eq!(report["server_name"], "airbyte-agent");
    assert!(
        report["instructions"]
            .as_str()
            .is_some_and(|i| i.contains("describe_entity"))
    );
    if mode == "legacy" {
        assert_eq!(report["protocol_version"], "2025-11-25", "{report}");
    }

    assert_eq!(report["describe"]["is_error"], false, "{report}");
    let described: Value =
        serde_json::from_str(report["describe"]["text"].as_str().unwrap_or_default())
            .expect("describe JSON");
    assert_eq!(described["actions"][0]["action"], "list");
    assert_eq!(
        described["actions"][0]["params"][1]["enum"],
        json!(["active", "archived"])
    );

    assert_eq!(report["execute"]["is_error"], false, "{report}");
    let executed: Value =
        serde_json::from_str(report["execute"]["text"].as_str().unwrap_or_default())
            .expect("execute JSON");
    assert_eq!(
        executed["data"],
        json!([{"id": "c1", "name": "Ada"}, {"id": "c2", "name": "Grace"}])
    );

    assert_eq!(report["bad_param"]["is_error"], true, "{report}");
    let msg = report["bad_param"]["text"].as_str().unwrap_or_default();
    assert!(
        msg.contains("`status`") && msg.contains("'active', 'archived'"),
        "{msg}"
    );
    assert_eq!(report["missing_param"]["is_error"], true, "{report}");
    let msg = report["missing_param"]["text"].as_str().unwrap_or_default();
    assert!(msg.contains("Missing required parameter `id`"), "{msg}");
}

/// The vendor saw exactly the executed list call per run, with the key.
fn check_vendor(vendor: &RecordingServer, runs: usize) {
    let requests = vendor.take_requests();
    assert_eq!(
        requests.len(),
        runs,
        "one vendor call per run: {requests:?}"
    );
    for r in requests {
        assert_eq!(r.path, "/v1/customers");
        assert_eq!(r.query_param("limit"), Some("2"));
        assert_eq!(r.header("x-api-key"), Some(API_KEY));
    }
}

#[tokio::test]
async fn python_mcp_client_over_stdio() {
    let Some(python) = mcp_python() else { return };
    let vendor = vendor().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("key.txt");
    std::fs::write(&key, format!("{API_KEY}\n")).expect("key written");
    for mode in ["auto", "legacy"] {
        let mut args = vec![mode.to_string(), "stdio".into(), BIN.into()];
        args.extend(serve_args(&vendor, &key));
        let report = run_client(&python, args).await;
        check_report(&report, mode);
    }
    check_vendor(&vendor, 2);
}

/// Stops the HTTP server process when the test ends, however it ends.
struct ServerProcess(std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn python_mcp_client_over_streamable_http() {
    let Some(python) = mcp_python() else { return };
    let vendor = vendor().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("key.txt");
    std::fs::write(&key, API_KEY).expect("key written");
    let mut args = serve_args(&vendor, &key);
    args.extend(["--transport", "http", "--listen", "127.0.0.1:0"].map(String::from));
    let mut child = Command::new(BIN)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    let stderr = child.stderr.take().expect("stderr piped");
    let server = ServerProcess(child);
    // The server prints its URL on stderr; keep draining it afterwards.
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.split("listening on ").nth(1) {
                let _ = url_tx.send(url.trim().to_string());
            }
        }
    });
    let url = tokio::task::spawn_blocking(move || url_rx.recv())
        .await
        .expect("reader task")
        .expect("server printed its URL");
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/mcp"),
        "{url}"
    );
    for mode in ["auto", "legacy"] {
        let report = run_client(&python, vec![mode.into(), "http".into(), url.clone()]).await;
        check_report(&report, mode);
    }
    check_vendor(&vendor, 2);
    drop(server);
}
