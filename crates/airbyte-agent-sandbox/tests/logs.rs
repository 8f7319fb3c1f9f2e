//! Sandbox requests are logged as the sandbox's, without credentials.

use std::io::Write;
use std::sync::{Arc, Mutex};

use airbyte_agent_sandbox::{DEFAULT_API_KEY, Sandbox, SandboxConfig};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// The default (current-thread) runtime runs the server on this thread, so
// a thread-local subscriber sees its events.
#[tokio::test]
async fn requests_are_logged_as_sandbox_traffic_without_keys() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("start");
    let http = reqwest::Client::new();
    for key in [DEFAULT_API_KEY, "sk_live_mistaken_real_key"] {
        let resp = http
            .get(format!("{}/v1/customers?limit=1", sandbox.url()))
            .bearer_auth(key)
            .send()
            .await
            .expect("request");
        let _ = resp.bytes().await;
    }
    sandbox.shutdown().await;

    let text = String::from_utf8(logs.0.lock().expect("log buffer").clone()).expect("utf-8");
    assert!(
        text.contains("stripe sandbox (generated data, not Stripe) listening"),
        "{text}"
    );
    let requests: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("stripe sandbox request"))
        .collect();
    assert_eq!(requests.len(), 2, "{text}");
    assert!(requests[0].contains("status=200") && requests[0].contains("/v1/customers"));
    assert!(requests[1].contains("status=401"));
    assert!(!text.contains(DEFAULT_API_KEY) && !text.contains("sk_live_mistaken_real_key"));
}
