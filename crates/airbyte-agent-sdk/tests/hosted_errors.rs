//! Error mapping on the hosted path: every status class, Retry-After, body
//! shapes, transport failures, the 401 retry, and secrets kept out of errors.

mod hosted_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use airbyte_agent_sdk::cloud::CloudClient;
use airbyte_agent_sdk::{Error, ErrorKind, ExecutionConfig, Executor, HostedExecutor};
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use hosted_common::*;
use serde_json::json;

async fn failing(status: u16, body: serde_json::Value) -> (RecordingServer, CloudClient) {
    let srv = server(move |_| MockResponse::json(status, body.clone())).await;
    let c = client(&srv, None);
    (srv, c)
}

#[tokio::test]
async fn status_classes() {
    for (status, kind, retryable) in [
        (400, ErrorKind::Validation, false),
        (422, ErrorKind::Validation, false),
        (401, ErrorKind::Authentication, false),
        (403, ErrorKind::Authentication, false),
        (404, ErrorKind::HttpStatus, false),
        (409, ErrorKind::HttpStatus, false),
        (429, ErrorKind::RateLimited, true),
        (500, ErrorKind::HttpStatus, true),
        (502, ErrorKind::HttpStatus, true),
        (503, ErrorKind::HttpStatus, true),
    ] {
        let (srv, c) = failing(status, json!({"message": "server says no"})).await;
        let err = c.list_connectors("w").await.unwrap_err();
        assert_eq!(err.kind(), kind, "status {status}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.is_retryable(), retryable, "status {status}");
        let info = err.http_info().unwrap();
        assert_eq!(info.method, "GET");
        assert_eq!(
            info.url,
            format!("{}/api/v1/integrations/connectors", srv.url())
        );
        assert_eq!(info.detail, "server says no");
        assert!(
            err.to_string().contains(&format!(
                "HTTP {status} error for GET {}/api/v1/integrations/connectors: server says no",
                srv.url()
            )),
            "{err}"
        );
    }
}

#[tokio::test]
async fn retry_after_is_reported() {
    let srv = server(|_| {
        MockResponse::json(429, json!({"error": "slow down"})).header("retry-after", "17")
    })
    .await;
    let err = client(&srv, None).ask("w", "q").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(17)));
    assert!(err.to_string().contains("slow down"));

    let srv = server(|_| MockResponse::json(429, json!({}))).await;
    let err = client(&srv, None).ask("w", "q").await.unwrap_err();
    assert_eq!(err.retry_after(), None);
}

#[tokio::test]
async fn detail_body_shapes() {
    for (body, detail) in [
        (
            MockResponse::json(
                400,
                json!({"errors": [{"userPresentableMessage": "limit too big", "message": "x"},
                                  {"message": "bad cursor"}, {"error": "e3"}]}),
            ),
            "limit too big, bad cursor, e3",
        ),
        (MockResponse::json(400, json!({"message": "m"})), "m"),
        (MockResponse::json(400, json!({"error": "e"})), "e"),
        (
            MockResponse::text(400, "plain text failure"),
            "plain text failure",
        ),
        (MockResponse::empty(400), ""),
    ] {
        let srv = server(move |_| body.clone()).await;
        let err = client(&srv, None)
            .execute("c1", &ExecutionConfig::new("e", "a"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation);
        assert_eq!(err.http_info().unwrap().detail, detail);
    }
}

#[tokio::test]
async fn token_endpoint_failures_are_typed() {
    let srv = RecordingServer::start(|_| {
        MockResponse::json(401, json!({"message": "invalid client credentials"}))
    })
    .await;
    let err = client(&srv, None).list_connectors("w").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert!(
        err.to_string()
            .contains("/api/v1/account/applications/token")
    );
    // A token failure is not retried by the 401 logic (it is not an API call).
    assert_eq!(srv.requests().len(), 1);

    let srv = RecordingServer::start(|_| MockResponse::json(200, json!({"token": "x"}))).await;
    let err = client(&srv, None).list_connectors("w").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn undecodable_bodies_are_decode_errors() {
    let srv = server(|_| MockResponse::text(200, "<html>")).await;
    let err = client(&srv, None).list_connectors("w").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    let srv = server(|_| MockResponse::json(200, json!({"items": []}))).await;
    let err = client(&srv, None).list_workflows("w").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn connection_refused_is_a_network_error() {
    // Bind then drop a listener to get a loopback port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = CloudClient::builder()
        .client_id("i")
        .client_secret("s")
        .api_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let err = c.list_connectors("w").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network);
    assert!(err.is_retryable());
}

#[tokio::test]
async fn slow_server_is_a_timeout() {
    let srv =
        server(|_| MockResponse::json(200, json!({"data": []})).delayed(Duration::from_secs(3)))
            .await;
    let c = CloudClient::builder()
        .auth_config(auth(&srv, None))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = c.list_connectors("w").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    match err {
        Error::Timeout { after, .. } => assert_eq!(after, Duration::from_millis(300)),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn a_401_is_retried_once_with_a_fresh_token() {
    // The first API call is rejected; tokens are numbered by request.
    let tokens = Arc::new(AtomicUsize::new(0));
    let api_calls = Arc::new(AtomicUsize::new(0));
    let (t, a) = (tokens.clone(), api_calls.clone());
    let srv = RecordingServer::start(move |r| {
        if r.path == TOKEN_PATH {
            let n = t.fetch_add(1, Ordering::SeqCst) + 1;
            MockResponse::json(200, json!({"access_token": format!("tok-{n}")}))
        } else if a.fetch_add(1, Ordering::SeqCst) == 0 {
            MockResponse::json(401, json!({"message": "token expired"}))
        } else {
            MockResponse::json(200, json!({"data": []}))
        }
    })
    .await;
    let c = client(&srv, None);
    c.list_connectors("w").await.unwrap();
    let reqs = srv.requests();
    let seen: Vec<(String, Option<String>)> = reqs
        .iter()
        .map(|r| {
            (
                r.path.clone(),
                r.header("authorization").map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (TOKEN_PATH.to_string(), None),
            (
                "/api/v1/integrations/connectors".into(),
                Some("Bearer tok-1".into())
            ),
            (TOKEN_PATH.to_string(), None),
            (
                "/api/v1/integrations/connectors".into(),
                Some("Bearer tok-2".into())
            ),
        ]
    );
    // The fresh token is cached for later calls.
    c.list_connectors("w").await.unwrap();
    assert_eq!(srv.count("POST", TOKEN_PATH), 2);
}

#[tokio::test]
async fn a_second_401_is_returned() {
    let srv = server(|_| MockResponse::json(401, json!({"message": "nope"}))).await;
    let err = client(&srv, None).list_connectors("w").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(api_requests(&srv).len(), 2);
    assert_eq!(srv.count("POST", TOKEN_PATH), 2);
    // 403 is not a stale token: no retry.
    let srv = server(|_| MockResponse::json(403, json!({"message": "forbidden"}))).await;
    client(&srv, None).list_connectors("w").await.unwrap_err();
    assert_eq!(api_requests(&srv).len(), 1);
}

#[tokio::test]
async fn lookup_errors_name_the_workspace_and_list_its_connectors() {
    let srv = server(|r| {
        if r.query_param("definition_id").is_some() {
            MockResponse::json(200, json!({"data": []}))
        } else {
            MockResponse::json(
                200,
                json!({"data": [
                    {"id": "c-9", "name": "HubSpot main", "summarized_source_template": {"name": "HubSpot"}},
                    {"id": "c-8", "name": "Other"}]}),
            )
        }
    })
    .await;
    let stripe = airbyte_agent_sdk::connect("stripe")
        .client(client(&srv, None))
        .workspace("acme")
        .build()
        .await
        .unwrap();
    let err = stripe
        .execute(ExecutionConfig::new("customers", "list"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let msg = err.to_string();
    assert!(msg.contains("workspace \"acme\""), "{msg}");
    assert!(msg.contains("stripe"), "{msg}");
    assert!(msg.contains("HubSpot main (c-9, HubSpot)"), "{msg}");
    assert!(msg.contains("Other (c-8)"), "{msg}");
    assert_eq!(srv.count("GET", "/api/v1/integrations/connectors"), 2);

    let srv = server(|_| {
        MockResponse::json(
            200,
            json!({"data": [{"id": "a", "name": "S1"}, {"id": "b", "name": "S2"}]}),
        )
    })
    .await;
    let ws = workspace(&srv, "acme", None);
    let err = ws.connector_by_slug("stripe").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Ambiguous);
    let msg = err.to_string();
    assert!(
        msg.contains("S1 (a)") && msg.contains("S2 (b)") && msg.contains("acme"),
        "{msg}"
    );

    let err = ws.connector_by_slug("strip").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("stripe"));
}

#[tokio::test]
async fn workspace_resolution_errors() {
    let srv =
        server(|_| MockResponse::json(200, json!({"data": [{"id": "1", "name": "acme-eu"}]})))
            .await;
    let ws = workspace(&srv, "acme", None);
    let err = ws.list_workflows().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("acme-eu"));
    // Failures are not cached: the next call asks again.
    ws.list_workflows().await.unwrap_err();
    assert_eq!(srv.count("GET", "/api/v1/workspaces"), 2);

    let srv = server(|_| {
        MockResponse::json(
            200,
            json!({"data": [{"id": "1", "name": "acme"}, {"id": "2", "name": "acme"}]}),
        )
    })
    .await;
    let err = workspace(&srv, "acme", None)
        .list_workflows()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Ambiguous);
}

#[tokio::test]
async fn check_reports_instead_of_failing() {
    let srv = server(|_| MockResponse::json(500, json!({"message": "down"}))).await;
    let exec = HostedExecutor::by_id(client(&srv, None), "c1")
        .with_check_operation(ExecutionConfig::new("customers", "list"));
    let r = exec.check().await.unwrap();
    assert!(!r.healthy);
    assert_eq!(r.checked_entity.as_deref(), Some("customers"));
    assert!(r.error.unwrap().contains("down"));

    // Without a check operation only the credentials are verified.
    let r = HostedExecutor::by_id(client(&srv, None), "c1")
        .check()
        .await
        .unwrap();
    assert!(r.healthy);
    assert_eq!(r.checked_entity, None);
    let bad =
        RecordingServer::start(|_| MockResponse::json(401, json!({"message": "bad creds"}))).await;
    let r = HostedExecutor::by_id(client(&bad, None), "c1")
        .check()
        .await
        .unwrap();
    assert!(!r.healthy);
    assert!(r.error.unwrap().contains("bad creds"));
}

#[tokio::test]
async fn secrets_never_appear_in_errors_or_debug() {
    let srv = server(|_| MockResponse::json(401, json!({"message": "rejected"}))).await;
    let c = client(&srv, Some("org"));
    let exec = HostedExecutor::by_id(c.clone(), "c1");
    let ws = workspace(&srv, "acme", None);
    let err = exec.call("e", "a", json!({})).await.unwrap_err();
    let texts = [
        format!("{err}"),
        format!("{err:?}"),
        format!("{c:?}"),
        format!("{exec:?}"),
        format!("{ws:?}"),
        format!("{:?}", auth(&srv, Some("org"))),
        format!(
            "{:?}",
            auth(&srv, None).resolve_with(None, |_| None).unwrap()
        ),
    ];
    for t in texts {
        assert!(!t.contains("SENSITIVE"), "leaked: {t}");
    }
    let token = c.bearer_token().await.unwrap();
    assert!(!format!("{token:?}").contains("SENSITIVE"));
}
