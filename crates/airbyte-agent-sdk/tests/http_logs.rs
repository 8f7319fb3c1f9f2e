//! What the HTTP layer logs: useful events per attempt and refresh, and
//! never a secret. Alone in its test binary: the subscriber is global.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use airbyte_agent_sdk::http::auth::{
    AuthContext, AuthScheme, Authenticator, ClientAuthStyle, Credentials, OAuth2Config, SchemeKind,
    TokenBodyFormat,
};
use airbyte_agent_sdk::http::{HttpRequest, HttpSender, RetryPolicy, SenderConfig};
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use serde_json::json;
use url::Url;

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct LogSink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn trace_logs_never_contain_secrets() {
    let sink = LogSink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let n = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let server = RecordingServer::start(move |r| {
        if r.path == "/oauth/token" {
            return MockResponse::json(200, json!({"access_token": "fresh-SECRET-1"}));
        }
        if n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            return MockResponse::json(503, json!({}));
        }
        if r.header("authorization") == Some("Bearer fresh-SECRET-1") {
            MockResponse::json(200, json!({}))
        } else {
            MockResponse::json(401, json!({}))
        }
    })
    .await;
    let mut config =
        OAuth2Config::default().with_refresh_url(format!("{}/oauth/token", server.url()));
    config.client_auth = ClientAuthStyle::Basic;
    config.body_format = TokenBodyFormat::Form;
    let scheme = AuthScheme::new("oauth2", SchemeKind::OAuth2(config));
    let secrets = Credentials::new()
        .with("access_token", "old-SECRET-2")
        .with("refresh_token", "rt-SECRET-3")
        .with("client_id", "cid")
        .with("client_secret", "cs-SECRET-4");
    let mut policy =
        RetryPolicy::default().with_delays(Duration::from_millis(5), Duration::from_millis(5));
    policy.jitter = false;
    let sender = HttpSender::new(SenderConfig::default().with_retry(policy)).unwrap();
    let context = AuthContext::new()
        .config_values(BTreeMap::new())
        .sender(sender.clone())
        .on_token_refresh(|_| {});
    let auth = Authenticator::new(&scheme, secrets, context).unwrap();
    let url = Url::parse(&format!("{}/api/x?api_key=q-SECRET-5", server.url())).unwrap();
    sender
        .send_buffered(HttpRequest::get(url).auth(auth))
        .await
        .unwrap();
    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("retrying http request"), "{logs}");
    assert!(logs.contains("OAuth2 token refreshed"), "{logs}");
    assert!(!logs.contains("SECRET"), "{logs}");
}
