//! Secrets never reach the server's logs, even at TRACE level for every
//! crate: vendor credentials, application secrets, access tokens, OAuth
//! app secrets.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use airbyte_agent_sdk::HostedExecutor;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use support::*;

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

#[tokio::test]
async fn trace_logs_hold_no_secrets() {
    let capture = Capture::default();
    let writer = capture.clone();
    // Global: the server logs from its own tasks and blocking threads.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .init();

    let h = Harness::start().await;
    let id = h.create_connector("default", "billing").await;
    let exec = HostedExecutor::by_id(h.client(), id.clone());
    exec.call("customers", "list", json!({"limit": 1}))
        .await
        .unwrap();
    exec.call("customers", "get", json!({"id": "cus_404"}))
        .await
        .unwrap_err();
    let mut req = airbyte_agent_sdk::cloud::CreateConnectorRequest::new(
        "bad",
        stripe_definition_id(),
        "default",
    );
    req.credentials = Some(
        json!({"api_key": "sk_test_WRONGKEY_55"})
            .as_object()
            .unwrap()
            .clone(),
    );
    let bad = h.client().create_connector(&req).await.unwrap();
    HostedExecutor::by_id(h.client(), bad)
        .call("customers", "list", Value::Null)
        .await
        .unwrap_err();
    h.client()
        .set_oauth_app_credentials(
            "stripe",
            json!({"client_id": "c", "client_secret": "APPSECRET_LOG_9"})
                .as_object()
                .unwrap(),
        )
        .await
        .unwrap();
    let token = h.token_for(&h.app).await;
    h.workspace("default").ask("anything?").await.unwrap();

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("created connector"),
        "the capture saw the server: {logs}"
    );
    for secret in [
        VENDOR_KEY,
        "sk_test_WRONGKEY_55",
        "APPSECRET_LOG_9",
        h.app.client_secret.expose_secret(),
        token.as_str(),
    ] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
}
