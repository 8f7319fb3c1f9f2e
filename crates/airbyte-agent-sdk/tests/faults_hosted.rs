//! Fault injection against the hosted client: every fault of the catalogue
//! on the execute (POST), list-connectors (GET) and ask (POST) endpoints and
//! on the token endpoint, and the bearer token expiring mid-run.
//!
//! The hosted client never retries (as the reference), except once after a
//! 401 with a fresh token; so every fault reaches the server exactly once
//! and ends in an `Error` of the expected kind within the client timeout.

mod fault_support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use airbyte_agent_sdk::cloud::CloudClient;
use airbyte_agent_sdk::executor::HostedExecutor;
use airbyte_agent_sdk::{ErrorKind, ExecutionConfig, Executor};
use fault_support::*;
use serde_json::json;

const CLIENT_SECRET: &str = "hosted-client-secret-SENSITIVE";
const TOKEN_PATH: &str = "/api/v1/account/applications/token";
const CONNECTOR: &str = "c0ffee00-0000-4000-8000-000000000001";
const EXECUTE_PATH: &str =
    "/api/v1/integrations/connectors/c0ffee00-0000-4000-8000-000000000001/execute";
const CONNECTORS_PATH: &str = "/api/v1/integrations/connectors";
const ASK_PATH: &str = "/api/v1/workspaces/query/structured";
/// The client's whole-request timeout.
const TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Execute,
    ListConnectors,
    Ask,
    /// An execute whose token request meets the fault.
    Token,
}

impl Op {
    const ALL: [Op; 4] = [Op::Execute, Op::ListConnectors, Op::Ask, Op::Token];

    fn target(self) -> (&'static str, &'static str) {
        match self {
            Op::Execute => ("POST", EXECUTE_PATH),
            Op::ListConnectors => ("GET", CONNECTORS_PATH),
            Op::Ask => ("POST", ASK_PATH),
            Op::Token => ("POST", TOKEN_PATH),
        }
    }

    fn good_reply(self) -> Reply {
        Reply::json(
            200,
            &match self {
                Op::Execute => json!({"result": [{"id": "cus_1"}], "connector_metadata": null}),
                Op::ListConnectors => json!({"data": [{"id": CONNECTOR, "name": "stripe"}]}),
                Op::Ask => json!({"outcome": "success", "answer": "42", "results": []}),
                Op::Token => json!({"access_token": "token-SENSITIVE-1", "expires_in": 900}),
            },
        )
    }
}

/// Outcome of `fault` on any hosted request: one attempt, a typed error.
fn hosted_expectation(fault: &str) -> Expect {
    use ErrorKind::*;
    Expect::Err(match fault {
        "reset" | "close_without_reply" | "not_http" | "huge_header" | "truncated_body" => Network,
        "stall_before_headers" | "slow_headers" | "stall_mid_body" => Timeout,
        "truncated_json" | "invalid_json" | "huge_body" | "endless_body" => Decode,
        "5xx_burst_then_ok" | "5xx_persistent" | "5xx_endless_body" => HttpStatus,
        "429_retry_after_then_ok" | "429_retry_after_1e300" => RateLimited,
        other => panic!("no expectation for fault `{other}`"),
    })
}

fn client(server: &FaultServer) -> CloudClient {
    CloudClient::builder()
        .client_id("hosted-client")
        .client_secret(CLIENT_SECRET)
        .api_url(server.url())
        .timeout(TIMEOUT)
        .max_response_body(Some(BODY_LIMIT))
        .build()
        .expect("client")
}

async fn run_case(op: Op, fault: FaultFn) -> Observed {
    let (method, path) = op.target();
    let good = op.good_reply();
    let seen = Arc::new(AtomicUsize::new(0));
    let server = FaultServer::start(move |req, _| {
        if req.method == method && req.path == path {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            return fault(n, &good);
        }
        if req.path == TOKEN_PATH {
            return Fault::Respond(Op::Token.good_reply());
        }
        Fault::json(404, &json!({"message": "unexpected request"}))
    })
    .await;
    let client = client(&server);
    let outcome = match op {
        Op::Execute | Op::Token => HostedExecutor::by_id(client, CONNECTOR)
            .execute(ExecutionConfig::new("customers", "list"))
            .await
            .map(drop),
        Op::ListConnectors => client.list_connectors("default").await.map(drop),
        Op::Ask => client.ask("default", "how many customers?").await.map(drop),
    };
    let mut problems = Vec::new();
    if let Err(e) = &outcome {
        check_error_text(e, &[CLIENT_SECRET, "token-SENSITIVE"], &mut problems);
    }
    Observed {
        outcome,
        attempts: server.count(method, path),
        problems,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_against_every_hosted_call() {
    let mut cases = Vec::new();
    let catalogue = catalogue();
    for (name, fault) in &catalogue {
        for op in Op::ALL {
            cases.push(Case {
                name: format!("{name} × {op:?}"),
                expect: hosted_expectation(name),
                attempts: 1,
                // A token request and an API request, each bounded.
                limit: TIMEOUT * 2,
                run: Box::pin(run_case(op, fault.clone())),
            });
        }
    }
    let ran = run_matrix("hosted client", cases).await;
    eprintln!(
        "hosted client: {} faults × {} operations = {ran} cases",
        catalogue.len(),
        Op::ALL.len()
    );
    assert!(ran >= 68, "the matrix shrank: {ran} cases");
}

/// A hosted API that accepts only the token it issued last.
struct HostedApi {
    server: FaultServer,
    revoked: Arc<AtomicBool>,
}

impl HostedApi {
    async fn start(accept_nothing: bool) -> Self {
        let issued = Arc::new(Mutex::new(String::new()));
        let revoked: Arc<AtomicBool> = Arc::default();
        let (state, flag) = (issued.clone(), revoked.clone());
        let count = AtomicUsize::new(0);
        let server = FaultServer::start(move |req, _| {
            if req.path == TOKEN_PATH {
                let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                let token = format!("token-{n}-SENSITIVE");
                *state.lock().expect("lock") = token.clone();
                flag.store(false, Ordering::SeqCst);
                return Fault::json(200, &json!({"access_token": token}));
            }
            let current = format!("Bearer {}", state.lock().expect("lock"));
            let refused = accept_nothing || flag.load(Ordering::SeqCst);
            if refused || req.header("authorization") != Some(current.as_str()) {
                return Fault::json(401, &json!({"message": "token expired"}));
            }
            Fault::json(200, &json!({"result": [{"id": "cus_1"}]}))
        })
        .await;
        Self { server, revoked }
    }

    fn revoke(&self) {
        self.revoked.store(true, Ordering::SeqCst);
    }

    fn auth_of_executes(&self) -> Vec<String> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.path == EXECUTE_PATH)
            .map(|r| r.header("authorization").unwrap_or("").to_string())
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_expiry_mid_run_fetches_one_new_token_and_resends_once() {
    let api = HostedApi::start(false).await;
    let exec = HostedExecutor::by_id(client(&api.server), CONNECTOR);
    let op = || ExecutionConfig::new("customers", "list");
    tokio::time::timeout(TIMEOUT * 6 + GUARD_SLACK, async {
        exec.execute(op()).await.expect("first call");
        api.revoke();
        let page = exec.execute(op()).await.expect("call after expiry");
        assert_eq!(page.data, json!([{"id": "cus_1"}]));
        exec.execute(op()).await.expect("third call");
    })
    .await
    .expect("the calls ended");
    assert_eq!(api.server.count("POST", TOKEN_PATH), 2);
    let t1 = "Bearer token-1-SENSITIVE".to_string();
    let t2 = "Bearer token-2-SENSITIVE".to_string();
    // The refused execute was resent once, with the new token.
    assert_eq!(api.auth_of_executes(), vec![t1.clone(), t1, t2.clone(), t2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_stays_refused_is_an_authentication_error_after_one_resend() {
    let api = HostedApi::start(true).await;
    let exec = HostedExecutor::by_id(client(&api.server), CONNECTOR);
    let outcome = tokio::time::timeout(
        TIMEOUT * 4 + GUARD_SLACK,
        exec.execute(ExecutionConfig::new("customers", "list")),
    )
    .await
    .expect("the call ended");
    let err = outcome.expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    assert_eq!(api.auth_of_executes().len(), 2);
    assert_eq!(api.server.count("POST", TOKEN_PATH), 2);
    let mut problems = Vec::new();
    check_error_text(&err, &[CLIENT_SECRET, "token-1-SENSITIVE"], &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
}
