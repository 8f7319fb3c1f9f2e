//! The local-mode HTTP sender against loopback servers: retries, the
//! idempotency rule, timeouts, budgets and streaming.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use airbyte_agent_sdk::ErrorKind;
use airbyte_agent_sdk::http::{
    HttpRequest, HttpSender, RetryBudget, RetryPolicy, SenderConfig, Timeouts,
};
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use futures::StreamExt;
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

/// Fast retries: 5 ms backoff without jitter, 3 attempts.
fn fast_policy() -> RetryPolicy {
    let mut p =
        RetryPolicy::default().with_delays(Duration::from_millis(5), Duration::from_millis(50));
    p.jitter = false;
    p
}

/// Fast backoff, but server hints up to 10 s are honoured in full.
fn patient_policy() -> RetryPolicy {
    fast_policy().with_delays(Duration::from_millis(5), Duration::from_secs(10))
}

fn sender(policy: RetryPolicy) -> HttpSender {
    HttpSender::new(SenderConfig::default().with_retry(policy)).unwrap()
}

fn url(server: &RecordingServer, path: &str) -> Url {
    Url::parse(&format!("{}{path}", server.url())).unwrap()
}

/// Answers the n-th request (0-based) with `script[n]`, then the last entry.
async fn scripted(script: Vec<MockResponse>) -> RecordingServer {
    let n = Arc::new(AtomicUsize::new(0));
    RecordingServer::start(move |_| {
        let i = n.fetch_add(1, Ordering::SeqCst);
        script[i.min(script.len() - 1)].clone()
    })
    .await
}

#[tokio::test]
async fn retries_a_5xx_burst_then_succeeds() {
    let server = scripted(vec![
        MockResponse::json(503, json!({"message": "busy"})),
        MockResponse::json(502, json!({})),
        MockResponse::json(200, json!({"ok": true})),
    ])
    .await;
    let resp = sender(fast_policy())
        .send_buffered(HttpRequest::get(url(&server, "/items")))
        .await
        .unwrap();
    assert_eq!(
        resp.json::<serde_json::Value>().unwrap(),
        json!({"ok": true})
    );
    assert_eq!(server.count("GET", "/items"), 3);
}

#[tokio::test]
async fn attempts_are_bounded() {
    let server = scripted(vec![MockResponse::json(500, json!({"message": "down"}))]).await;
    let err = sender(fast_policy())
        .send_buffered(HttpRequest::get(url(&server, "/x")))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(err.to_string().contains("down"), "{err}");
    assert_eq!(server.count("GET", "/x"), 3);

    let server = scripted(vec![MockResponse::json(500, json!({}))]).await;
    let _ = sender(fast_policy().with_max_attempts(5))
        .send_buffered(HttpRequest::get(url(&server, "/x")))
        .await;
    assert_eq!(server.count("GET", "/x"), 5);
}

#[tokio::test]
async fn client_errors_and_501_are_not_retried() {
    for status in [400, 401, 403, 404, 422, 501] {
        let server = scripted(vec![MockResponse::json(status, json!({}))]).await;
        let err = sender(fast_policy())
            .send_buffered(HttpRequest::get(url(&server, "/x")))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(server.count("GET", "/x"), 1, "status {status}");
    }
}

#[tokio::test]
async fn honours_retry_after_seconds() {
    let server = scripted(vec![
        MockResponse::json(429, json!({})).header("retry-after", "1"),
        MockResponse::json(200, json!({})),
    ])
    .await;
    let started = Instant::now();
    sender(patient_policy())
        .send_buffered(HttpRequest::get(url(&server, "/x")))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.count("GET", "/x"), 2);
}

#[tokio::test]
async fn honours_retry_after_http_date() {
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    let server = scripted(vec![
        MockResponse::json(503, json!({})).header("retry-after", &at),
        MockResponse::json(200, json!({})),
    ])
    .await;
    let started = Instant::now();
    sender(patient_policy())
        .send_buffered(HttpRequest::get(url(&server, "/x")))
        .await
        .unwrap();
    // The date has one-second precision: the wait is between 1 and 2 s.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.count("GET", "/x"), 2);
}

#[tokio::test]
async fn retry_after_is_capped_and_reported_on_the_final_error() {
    let server = scripted(vec![
        MockResponse::json(429, json!({"message": "slow down"})).header("retry-after", "3600"),
    ])
    .await;
    let started = Instant::now();
    let err = sender(fast_policy())
        .send_buffered(HttpRequest::get(url(&server, "/x")))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    // The final error carries the hint, capped at the policy's max delay.
    assert_eq!(err.retry_after(), Some(Duration::from_millis(50)));
    assert_eq!(server.count("GET", "/x"), 3);
}

#[tokio::test]
async fn custom_wait_hint_header_in_milliseconds() {
    let server = scripted(vec![
        MockResponse::json(429, json!({})).header("x-ratelimit-reset-ms", "300"),
        MockResponse::json(200, json!({})),
    ])
    .await;
    let mut policy = patient_policy();
    policy.retry_after_header = "X-RateLimit-Reset-Ms".into();
    policy.retry_after_format = airbyte_agent_sdk::http::RetryAfterFormat::Milliseconds;
    let started = Instant::now();
    sender(policy)
        .send_buffered(HttpRequest::get(url(&server, "/x")))
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(280));
}

#[tokio::test]
async fn post_is_never_resent_once_the_server_answered() {
    for status in [429, 500, 503] {
        let server = scripted(vec![
            MockResponse::json(status, json!({})).header("retry-after", "0"),
            MockResponse::json(200, json!({})),
        ])
        .await;
        let req = HttpRequest::post(url(&server, "/charges")).json(&json!({"amount": 100}));
        let err = sender(fast_policy()).send_buffered(req).await.unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(server.count("POST", "/charges"), 1, "status {status}");
    }
    // PATCH likewise.
    let server = scripted(vec![MockResponse::json(503, json!({}))]).await;
    let req = HttpRequest::new(Method::PATCH, url(&server, "/x")).json(&json!({}));
    assert!(sender(fast_policy()).send_buffered(req).await.is_err());
    assert_eq!(server.count("PATCH", "/x"), 1);
}

#[tokio::test]
async fn post_marked_idempotent_is_retried_and_body_resent() {
    let server = scripted(vec![
        MockResponse::json(503, json!({})),
        MockResponse::json(200, json!({"data": []})),
    ])
    .await;
    let req = HttpRequest::post(url(&server, "/graphql"))
        .json(&json!({"query": "{ issues { id } }"}))
        .idempotent(true);
    sender(fast_policy()).send_buffered(req).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for r in reqs {
        assert_eq!(r.json().unwrap(), json!({"query": "{ issues { id } }"}));
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
}

const OK_RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";

/// A raw TCP server: connection n (0-based) reads the request, then writes
/// `answer(n)` (nothing for `None`) and closes.
async fn raw_server(
    answer: impl Fn(usize) -> Option<&'static [u8]> + Send + 'static,
) -> (Url, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let conns = Arc::new(AtomicUsize::new(0));
    let counter = conns.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let reply = answer(n);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = sock.read(&mut buf).await;
                if let Some(bytes) = reply {
                    let _ = sock.write_all(bytes).await;
                }
                // Closing without (a complete) answer: the client sees an early EOF.
            });
        }
    });
    (Url::parse(&format!("http://{addr}/x")).unwrap(), conns)
}

#[tokio::test]
async fn connection_reset_retries_get_but_not_post() {
    let (u, conns) = raw_server(|n| (n >= 2).then_some(OK_RESPONSE)).await;
    sender(fast_policy())
        .send_buffered(HttpRequest::get(u.clone()))
        .await
        .unwrap();
    assert_eq!(conns.load(Ordering::SeqCst), 3);

    let (u, conns) = raw_server(|_| None).await;
    let err = sender(fast_policy())
        .send_buffered(HttpRequest::post(u).json(&json!({"a": 1})))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network);
    assert_eq!(
        conns.load(Ordering::SeqCst),
        1,
        "a POST whose body was sent is never resent"
    );
}

#[tokio::test]
async fn connection_refused_is_retried_even_for_post() {
    // Reserve a port, free it, and only start listening after the first
    // attempt was refused.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let u = Url::parse(&format!("http://127.0.0.1:{port}/x")).unwrap();
    let policy = fast_policy()
        .with_max_attempts(10)
        .with_delays(Duration::from_millis(40), Duration::from_millis(40));
    let late = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(60)).await;
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 8192];
        let n = sock.read(&mut buf).await.unwrap();
        sock.write_all(OK_RESPONSE).await.unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    sender(policy)
        .send_buffered(HttpRequest::post(u).json(&json!({"n": 1})))
        .await
        .unwrap();
    let seen = late.await.unwrap();
    assert!(seen.starts_with("POST /x"), "{seen}");

    // Never listening: refused on every attempt, reported as a network error.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = sender(fast_policy())
        .send_buffered(HttpRequest::get(
            Url::parse(&format!("http://127.0.0.1:{port}/x?api_key=s3cret")).unwrap(),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network);
    assert!(!err.to_string().contains("s3cret"), "{err}");
}

#[tokio::test]
async fn per_attempt_timeout_is_retried_for_get_only() {
    let server = RecordingServer::start(|_| {
        MockResponse::json(200, json!({})).delayed(Duration::from_millis(400))
    })
    .await;
    let config = SenderConfig::default()
        .with_retry(fast_policy().with_max_attempts(2))
        .with_timeouts(Timeouts::default().with_request(Some(Duration::from_millis(80))));
    let s = HttpSender::new(config).unwrap();
    let err = s
        .send_buffered(HttpRequest::get(url(&server, "/slow")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(server.count("GET", "/slow"), 2);

    let err = s
        .send_buffered(HttpRequest::post(url(&server, "/slow")).json(&json!({})))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(server.count("POST", "/slow"), 1);

    // A per-request override wins.
    let ok = s
        .send_buffered(HttpRequest::get(url(&server, "/slow")).timeout(Duration::from_secs(5)))
        .await;
    assert!(ok.is_ok());
}

#[tokio::test]
async fn total_timeout_bounds_the_whole_call() {
    let server = scripted(vec![MockResponse::json(503, json!({}))]).await;
    let mut policy = fast_policy()
        .with_max_attempts(10)
        .with_delays(Duration::from_millis(150), Duration::from_millis(150));
    policy.jitter = false;
    let config = SenderConfig::default()
        .with_retry(policy)
        .with_timeouts(Timeouts::default().with_total(Some(Duration::from_millis(400))));
    let started = Instant::now();
    let err = HttpSender::new(config)
        .unwrap()
        .send_buffered(HttpRequest::get(url(&server, "/x")))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(1000));
    assert_eq!(err.status(), Some(503));
    let n = server.count("GET", "/x");
    assert!((2..=3).contains(&n), "{n} attempts");
}

#[tokio::test]
async fn retry_budget_is_shared_by_clones() {
    let server = scripted(vec![MockResponse::json(503, json!({}))]).await;
    let budget = RetryBudget::new(10);
    let config = SenderConfig::default()
        .with_retry(fast_policy().with_max_attempts(5))
        .with_retry_budget(Some(budget.clone()));
    let a = HttpSender::new(config).unwrap();
    let b = a.with_retry_policy(fast_policy().with_max_attempts(5));
    let _ = a.send_buffered(HttpRequest::get(url(&server, "/x"))).await;
    // Two retries (5 tokens each) emptied the bucket: 3 attempts.
    assert_eq!(server.count("GET", "/x"), 3);
    assert_eq!(budget.available(), 0);
    let _ = b.send_buffered(HttpRequest::get(url(&server, "/y"))).await;
    assert_eq!(server.count("GET", "/y"), 1, "no budget left: no retry");
}

#[tokio::test]
async fn streams_large_bodies_in_chunks() {
    let big: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let expected = big.clone();
    let server = RecordingServer::start(move |_| {
        MockResponse::text(200, big.clone()).header("content-type", "application/octet-stream")
    })
    .await;
    let resp = sender(fast_policy())
        .send(HttpRequest::get(url(&server, "/file")))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.content_length(), Some(expected.len() as u64));
    let mut stream = resp.into_byte_stream();
    let (mut chunks, mut got) = (0, Vec::new());
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        chunks += 1;
        got.extend_from_slice(&chunk);
    }
    assert!(chunks > 1, "the body arrived as {chunks} chunk(s)");
    assert_eq!(got, expected);
}

#[tokio::test]
async fn streaming_send_still_retries_before_headers() {
    let server = scripted(vec![
        MockResponse::json(503, json!({})),
        MockResponse::text(200, "payload"),
    ])
    .await;
    let resp = sender(fast_policy())
        .send(HttpRequest::get(url(&server, "/file")))
        .await
        .unwrap();
    assert_eq!(&resp.bytes().await.unwrap()[..], b"payload");
    assert_eq!(server.count("GET", "/file"), 2);
}

#[tokio::test]
async fn request_debug_hides_header_values_and_query() {
    let u = Url::parse("https://api.example.com/x?api_key=s3cret").unwrap();
    let req = HttpRequest::get(u).header(
        reqwest::header::AUTHORIZATION,
        reqwest::header::HeaderValue::from_static("Bearer t0ken"),
    );
    let dbg = format!("{req:?}");
    assert!(!dbg.contains("s3cret") && !dbg.contains("t0ken"), "{dbg}");
    assert!(dbg.contains("authorization"));
}

#[tokio::test]
async fn buffered_body_cut_short_is_retried_for_get() {
    const CUT: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"partial";
    let (u, conns) = raw_server(|n| Some(if n == 0 { CUT } else { OK_RESPONSE })).await;
    let resp = sender(fast_policy())
        .send_buffered(HttpRequest::get(u))
        .await
        .unwrap();
    assert_eq!(&resp.body[..], b"{}");
    assert_eq!(conns.load(Ordering::SeqCst), 2);

    let (u, conns) = raw_server(|n| Some(if n == 0 { CUT } else { OK_RESPONSE })).await;
    let err = sender(fast_policy())
        .send_buffered(HttpRequest::post(u).json(&json!({})))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network);
    assert!(err.to_string().contains("interrupted"), "{err}");
    assert_eq!(conns.load(Ordering::SeqCst), 1);
}

/// A body sent in chunks (chunked encoding, and with a Content-Length) is
/// read back byte for byte, and the size limit holds across chunks.
#[tokio::test]
async fn chunked_bodies_are_reassembled_and_limited() {
    async fn chunked_server(with_length: bool) -> Url {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let _ = sock.read(&mut buf).await;
                    let parts: [&[u8]; 3] = [b"{\"a\":", b"[1,2,3]", b",\"b\":\"x\"}"];
                    let head = if with_length {
                        let len: usize = parts.iter().map(|p| p.len()).sum();
                        format!("HTTP/1.1 200 OK\r\ncontent-length: {len}\r\n\r\n")
                    } else {
                        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_string()
                    };
                    let _ = sock.write_all(head.as_bytes()).await;
                    for part in parts {
                        if with_length {
                            let _ = sock.write_all(part).await;
                        } else {
                            let framed = format!("{:x}\r\n", part.len());
                            let _ = sock.write_all(framed.as_bytes()).await;
                            let _ = sock.write_all(part).await;
                            let _ = sock.write_all(b"\r\n").await;
                        }
                        let _ = sock.flush().await;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    if !with_length {
                        let _ = sock.write_all(b"0\r\n\r\n").await;
                    }
                });
            }
        });
        Url::parse(&format!("http://{addr}/x")).unwrap()
    }
    for with_length in [true, false] {
        let url = chunked_server(with_length).await;
        let resp = sender(fast_policy())
            .send_buffered(HttpRequest::get(url.clone()))
            .await
            .unwrap();
        assert_eq!(
            &resp.body[..],
            br#"{"a":[1,2,3],"b":"x"}"#,
            "length={with_length}"
        );
        let limited =
            HttpSender::new(SenderConfig::default().with_max_response_body(Some(10))).unwrap();
        let err = limited
            .send_buffered(HttpRequest::get(url))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "length={with_length}: {err}");
    }
}
