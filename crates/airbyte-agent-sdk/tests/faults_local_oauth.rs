//! Fault injection on local OAuth2: the access token expires mid-run (the
//! API starts answering 401), and the token endpoint misbehaves while the
//! executor refreshes.
//!
//! A 401 is the one case where a POST is sent again: the server refused to
//! act on it, so the request is resent once with the new token. Every other
//! rule of the fault suite holds: typed errors, bounded time, no panic, the
//! token endpoint (a POST) called once per refresh.

mod fault_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use airbyte_agent_sdk::definition::{self, ConnectorDefinition};
use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_sdk::http::{HttpSender, SenderConfig, Timeouts};
use airbyte_agent_sdk::{ErrorKind, ExecutionConfig, Executor};
use fault_support::*;
use serde_json::json;

const CLIENT_SECRET: &str = "oauth-client-secret-SENSITIVE";
const REFRESH_TOKEN: &str = "refresh-token-SENSITIVE";
const FIRST_TOKEN: &str = "access-token-0-SENSITIVE";
const ATTEMPT: Duration = Duration::from_secs(2);
const TOTAL: Duration = Duration::from_secs(10);
const TOKEN_PATH: &str = "/oauth/token";

fn oauth_definition(base: &str) -> ConnectorDefinition {
    let text = format!(
        r#"openapi: 3.1.0
info:
  title: OAuth Fault Connector
  version: 1.0.0
  x-airbyte-connector-name: oauth-faults
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-00000000f417
  x-airbyte-retry-config:
    max_attempts: 3
    initial_delay_seconds: 0.01
    max_delay_seconds: 2
    jitter: false
servers:
  - url: {base}
components:
  securitySchemes:
    oauth2:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: {base}/authorize
          tokenUrl: {base}{TOKEN_PATH}
          refreshUrl: {base}{TOKEN_PATH}
          scopes: {{}}
      x-airbyte-auth-config:
        type: object
        required: [client_id, client_secret, refresh_token]
        properties:
          client_id: {{type: string}}
          client_secret: {{type: string}}
          refresh_token: {{type: string}}
          access_token: {{type: string}}
        auth_mapping:
          client_id: "${{client_id}}"
          client_secret: "${{client_secret}}"
          refresh_token: "${{refresh_token}}"
          access_token: "${{access_token}}"
security:
  - oauth2: []
paths:
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      x-airbyte-record-extractor: $.items
    post:
      x-airbyte-entity: items
      x-airbyte-action: create
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {{type: string}}
"#
    );
    definition::load_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn executor(server: &FaultServer, refreshes: Arc<Mutex<usize>>) -> LocalExecutor {
    let timeouts = Timeouts::default()
        .with_request(Some(ATTEMPT))
        .with_read(Some(ATTEMPT))
        .with_total(Some(TOTAL));
    let config = SenderConfig::default()
        .with_timeouts(timeouts)
        .with_max_response_body(Some(BODY_LIMIT));
    LocalExecutor::builder(oauth_definition(&server.url()))
        .auth("client_id", "oauth-client")
        .auth("client_secret", CLIENT_SECRET)
        .auth("refresh_token", REFRESH_TOKEN)
        .auth("access_token", FIRST_TOKEN)
        .sender(HttpSender::new(config).expect("sender"))
        .on_token_refresh(move |_| *refreshes.lock().expect("lock") += 1)
        .build()
        .expect("executor")
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// An API that accepts only the token it issued last, and a token endpoint
/// that issues `access-token-N`. `expire()` revokes the current token.
struct Vendor {
    server: FaultServer,
    accepted: Arc<Mutex<String>>,
    refuse_all: Arc<std::sync::atomic::AtomicBool>,
}

impl Vendor {
    async fn start(token_fault: Option<FaultFn>) -> Self {
        let accepted = Arc::new(Mutex::new(FIRST_TOKEN.to_string()));
        let issued = Arc::new(Mutex::new(0usize));
        let state = accepted.clone();
        let refuse_all: Arc<std::sync::atomic::AtomicBool> = Arc::default();
        let refusing = refuse_all.clone();
        let server = FaultServer::start(move |req, _| {
            if req.path == TOKEN_PATH {
                let mut n = issued.lock().expect("lock");
                *n += 1;
                let token = format!("access-token-{}-SENSITIVE", *n);
                let good = Reply::json(
                    200,
                    &json!({"access_token": token, "refresh_token": format!("rt-{}", *n),
                            "expires_in": 3600, "token_type": "Bearer"}),
                );
                let fault = match &token_fault {
                    Some(fault) => fault(*n - 1, &good),
                    None => Fault::Respond(good),
                };
                // Whatever token a well-formed answer carries becomes valid.
                if let Fault::Respond(reply) = &fault
                    && let Ok(body) = serde_json::from_slice::<serde_json::Value>(&reply.body)
                    && let Some(token) = body["access_token"].as_str()
                {
                    *state.lock().expect("lock") = token.to_string();
                }
                return fault;
            }
            let current = state.lock().expect("lock").clone();
            let refused = refusing.load(std::sync::atomic::Ordering::SeqCst);
            if refused || req.header("authorization") != Some(bearer(&current).as_str()) {
                return Fault::json(401, &json!({"message": "token expired"}));
            }
            match req.method.as_str() {
                "POST" => Fault::json(201, &json!({"id": "it_9", "name": "n"})),
                _ => Fault::json(200, &json!({"items": [{"id": 1}]})),
            }
        })
        .await;
        Self {
            server,
            accepted,
            refuse_all,
        }
    }

    fn expire(&self) {
        *self.accepted.lock().expect("lock") = "revoked".into();
    }

    /// Refuses every token, also those issued later.
    fn refuse_all(&self) {
        self.refuse_all
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Authorization headers of the requests to `method /items`, in order.
    fn auth_of(&self, method: &str) -> Vec<String> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.method == method && r.path == "/items")
            .map(|r| r.header("authorization").unwrap_or("").to_string())
            .collect()
    }
}

fn create() -> ExecutionConfig {
    ExecutionConfig::new("items", "create").param("name", json!("n"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_expiry_mid_run_refreshes_once_and_resends_the_refused_post_once() {
    let vendor = Vendor::start(None).await;
    let refreshes = Arc::new(Mutex::new(0));
    let exec = executor(&vendor.server, refreshes.clone());
    let guard = TOTAL * 3 + GUARD_SLACK;
    tokio::time::timeout(guard, async {
        let page = exec.execute(ExecutionConfig::new("items", "list")).await;
        assert_eq!(page.expect("first call").data, json!([{"id": 1}]));
        vendor.expire();
        let created = exec.execute(create()).await.expect("create after expiry");
        assert_eq!(created.data["id"], "it_9");
        let page = exec.execute(ExecutionConfig::new("items", "list")).await;
        assert!(page.is_ok(), "{page:?}");
    })
    .await
    .expect("the calls ended");

    assert_eq!(vendor.server.count("POST", TOKEN_PATH), 1, "one refresh");
    assert_eq!(*refreshes.lock().unwrap(), 1);
    let fresh = bearer("access-token-1-SENSITIVE");
    // The POST refused with 401 was resent once, with the new token.
    assert_eq!(
        vendor.auth_of("POST"),
        vec![bearer(FIRST_TOKEN), fresh.clone()]
    );
    assert_eq!(vendor.auth_of("GET"), vec![bearer(FIRST_TOKEN), fresh]);
    let token_request = vendor
        .server
        .requests()
        .into_iter()
        .find(|r| r.path == TOKEN_PATH);
    let body = token_request.expect("token request").text();
    assert!(body.contains("grant_type=refresh_token"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lifetime_too_long_to_represent_is_accepted() {
    // Regression: `expires_in: 1e300` panicked in `Duration::from_secs_f64`.
    let vendor = Vendor::start(Some(Arc::new(|_, _: &Reply| {
        Fault::json(
            200,
            &json!({"access_token": "forever", "expires_in": 1e300}),
        )
    })))
    .await;
    vendor.expire();
    let exec = executor(&vendor.server, Arc::default());
    let outcome = tokio::time::timeout(TOTAL + GUARD_SLACK, async {
        exec.execute(create()).await?;
        exec.execute(ExecutionConfig::new("items", "list")).await
    })
    .await
    .expect("the calls ended");
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(
        vendor.auth_of("POST"),
        vec![bearer(FIRST_TOKEN), bearer("forever")]
    );
    assert_eq!(vendor.server.count("POST", TOKEN_PATH), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_stays_refused_is_an_authentication_error_after_one_resend() {
    // The token endpoint issues tokens the API never accepts.
    let vendor = Vendor::start(Some(Arc::new(|n, _: &Reply| {
        Fault::json(
            200,
            &json!({"access_token": format!("useless-{n}"), "expires_in": 60}),
        )
    })))
    .await;
    vendor.expire();
    vendor.refuse_all();
    let exec = executor(&vendor.server, Arc::default());
    let outcome = tokio::time::timeout(TOTAL + GUARD_SLACK, exec.execute(create()))
        .await
        .expect("the call ended");
    let err = outcome.expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    assert_eq!(
        vendor.auth_of("POST").len(),
        2,
        "sent, refreshed, resent once"
    );
    assert_eq!(vendor.server.count("POST", TOKEN_PATH), 1);
    let mut problems = Vec::new();
    check_error_text(
        &err,
        &[CLIENT_SECRET, REFRESH_TOKEN, FIRST_TOKEN, "useless-0"],
        &mut problems,
    );
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_of_the_token_endpoint_during_a_refresh() {
    let mut cases = Vec::new();
    for (name, fault) in catalogue() {
        // The refresh is a POST: the non-idempotent column of the sender
        // rule (client errors would become Authentication; none is here).
        let Some((expect, attempts)) = sender_expectation(name, Class::NonIdempotent) else {
            continue;
        };
        for op in ["list", "create"] {
            let fault = fault.clone();
            cases.push(Case {
                name: format!("token endpoint {name} × items.{op}"),
                expect,
                attempts,
                limit: TOTAL * 2,
                run: Box::pin(async move {
                    let vendor = Vendor::start(Some(fault)).await;
                    vendor.expire();
                    let exec = executor(&vendor.server, Arc::default());
                    let call = match op {
                        "list" => ExecutionConfig::new("items", "list"),
                        _ => create(),
                    };
                    let outcome = exec.execute(call).await.map(drop);
                    let mut problems = Vec::new();
                    if let Err(e) = &outcome {
                        check_error_text(
                            e,
                            &[CLIENT_SECRET, REFRESH_TOKEN, FIRST_TOKEN],
                            &mut problems,
                        );
                    }
                    let method = if op == "list" { "GET" } else { "POST" };
                    let sent = vendor.auth_of(method).len();
                    if sent != 1 {
                        problems.push(format!("{method} /items sent {sent} times, expected 1"));
                    }
                    Observed {
                        outcome,
                        attempts: vendor.server.count("POST", TOKEN_PATH),
                        problems,
                    }
                }),
            });
        }
    }
    let ran = run_matrix("local OAuth2 refresh", cases).await;
    assert!(ran >= 30, "the matrix shrank: {ran} cases");
}
