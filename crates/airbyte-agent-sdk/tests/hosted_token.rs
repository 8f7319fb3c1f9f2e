//! The token cache on the wire: one token request for 1,000 concurrent
//! calls (cold and expired cache), `expires_in` honoured, sharing by clones.

mod hosted_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use airbyte_agent_testkit::{MockResponse, RecordingServer};
use hosted_common::*;
use serde_json::json;

/// A server whose tokens are numbered and token `i` lives `expires_in(i)`
/// seconds (when given); the token endpoint answers after `delay`.
async fn token_server(
    expires_in: impl Fn(usize) -> Option<f64> + Send + Sync + 'static,
    delay: Duration,
) -> RecordingServer {
    let n = Arc::new(AtomicUsize::new(0));
    RecordingServer::start(move |r| {
        if r.path == TOKEN_PATH {
            let i = n.fetch_add(1, Ordering::SeqCst) + 1;
            let mut body = json!({"access_token": format!("tok-{i}")});
            if let Some(e) = expires_in(i) {
                body["expires_in"] = json!(e);
            }
            MockResponse::json(200, body).delayed(delay)
        } else {
            MockResponse::json(200, json!({"data": []}))
        }
    })
    .await
}

fn auth_headers(srv: &RecordingServer) -> Vec<String> {
    api_requests(srv)
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_calls_make_one_token_request() {
    let srv = token_server(|_| None, Duration::from_millis(200)).await;
    let c = client(&srv, None);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        // Clones share the cache.
        let c = c.clone();
        tasks.spawn(async move { c.bearer_token().await.map(|_| ()) });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap().unwrap();
    }
    assert_eq!(srv.count("POST", TOKEN_PATH), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_api_calls_on_an_expired_cache_refresh_once() {
    // The first token lives 2 s and is replaced after 1 s (half the
    // lifetime when short); the next one lives an hour.
    let srv = token_server(
        |i| Some(if i == 1 { 2.0 } else { 3600.0 }),
        Duration::from_millis(100),
    )
    .await;
    let c = client(&srv, None);
    c.list_connectors("w").await.unwrap();
    assert_eq!(srv.count("POST", TOKEN_PATH), 1);
    tokio::time::sleep(Duration::from_millis(1200)).await;

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let c = c.clone();
        tasks.spawn(async move { c.list_connectors("w").await.map(|_| ()) });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap().unwrap();
    }
    assert_eq!(srv.count("POST", TOKEN_PATH), 2);
    let headers = auth_headers(&srv);
    assert_eq!(headers[0], "Bearer tok-1");
    assert!(headers[1..].iter().all(|h| h == "Bearer tok-2"));
}

#[tokio::test]
async fn tokens_without_expires_in_are_reused() {
    let srv = token_server(|_| None, Duration::ZERO).await;
    let c = client(&srv, None);
    for _ in 0..5 {
        c.list_connectors("w").await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.list_connectors("w").await.unwrap();
    assert_eq!(srv.count("POST", TOKEN_PATH), 1);
    assert!(auth_headers(&srv).iter().all(|h| h == "Bearer tok-1"));
}

#[tokio::test]
async fn long_expires_in_keeps_the_token() {
    let srv = token_server(|_| Some(3600.0), Duration::ZERO).await;
    let c = client(&srv, None);
    c.list_connectors("w").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.list_connectors("w").await.unwrap();
    assert_eq!(srv.count("POST", TOKEN_PATH), 1);
}

#[tokio::test]
async fn separately_built_clients_do_not_share_tokens() {
    let srv = token_server(|_| None, Duration::ZERO).await;
    client(&srv, None).bearer_token().await.unwrap();
    client(&srv, None).bearer_token().await.unwrap();
    assert_eq!(srv.count("POST", TOKEN_PATH), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_token_request_is_shared_by_its_waiters() {
    let srv = RecordingServer::start(|_| {
        MockResponse::json(503, json!({"message": "maintenance"})).delayed(Duration::from_secs(1))
    })
    .await;
    let c = client(&srv, None);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let c = c.clone();
        tasks.spawn(async move { c.bearer_token().await.map(|_| ()) });
    }
    while let Some(r) = tasks.join_next().await {
        let err = r.unwrap().unwrap_err();
        assert_eq!(err.status(), Some(503));
        assert!(err.to_string().contains("maintenance"));
    }
    assert_eq!(srv.count("POST", TOKEN_PATH), 1);
}
