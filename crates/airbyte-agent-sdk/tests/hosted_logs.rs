//! Secrets (client secret, tokens, vendor credentials) never reach the logs,
//! even at TRACE level for every crate, through successes, a 401 retry and errors.

mod hosted_common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use airbyte_agent_sdk::{ExecutionConfig, Executor, HostedExecutor, NewConnector};
use airbyte_agent_testkit::MockResponse;
use hosted_common::*;
use serde_json::json;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// current_thread: every task (client and server) logs on this thread, where
// the capturing subscriber is the default.
#[tokio::test(flavor = "current_thread")]
async fn trace_logs_hold_no_secrets() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let first = Arc::new(Mutex::new(true));
    let srv = server(move |r| {
        if r.path.ends_with("/execute") {
            let mut f = first.lock().unwrap();
            if *f {
                *f = false;
                return MockResponse::json(401, json!({"message": "expired"}));
            }
            return MockResponse::json(500, json!({"message": "boom"}));
        }
        MockResponse::json(201, json!({"id": "x"}))
    })
    .await;
    let c = client(&srv, Some("org"));
    let exec = HostedExecutor::by_id(c.clone(), "c1");
    let _ = exec
        .execute(ExecutionConfig::new("e", "a").param("api_key", json!("param-SENSITIVE")))
        .await;
    let ws = workspace(&srv, "w", None);
    ws.create_connector(
        NewConnector::new("d").credentials(
            json!({"api_key": "vendor-SENSITIVE"})
                .as_object()
                .cloned()
                .unwrap(),
        ),
    )
    .await
    .unwrap();

    let logs = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    assert!(logs.contains("Airbyte API"), "nothing captured: {logs}");
    for secret in [
        CLIENT_SECRET,
        CLIENT_ID,
        TOKEN,
        "vendor-SENSITIVE",
        "param-SENSITIVE",
    ] {
        assert!(!logs.contains(secret), "{secret} leaked into logs:\n{logs}");
    }
}
