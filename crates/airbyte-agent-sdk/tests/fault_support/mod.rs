//! Shared by the fault-injection suites: the outcome a case expects, and a
//! runner that drives many cases at once, each in its own task under a
//! hang guard, and reports every mismatch (and every panic) together.

#![allow(dead_code)] // each suite uses a different subset

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use airbyte_agent_sdk::{Error, ErrorKind};

/// Slack added to a call's configured time limit before the guard declares
/// it hung. Not a performance bound: only catches calls that never end.
pub const GUARD_SLACK: Duration = Duration::from_secs(20);

/// Cases run at the same time.
pub const CONCURRENT_CASES: usize = 4;

/// How a call must end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// With a result.
    Ok,
    /// With an error of this kind.
    Err(ErrorKind),
}

/// What a finished case observed.
#[derive(Debug)]
pub struct Observed {
    /// `Ok(())` or the error the call ended with.
    pub outcome: Result<(), Error>,
    /// Requests the server received on the faulted path.
    pub attempts: usize,
    /// Further mismatches found by the case itself (e.g. wrong data).
    pub problems: Vec<String>,
}

impl Observed {
    /// The outcome class, for comparison with an [`Expect`].
    pub fn class(&self) -> Expect {
        match &self.outcome {
            Ok(()) => Expect::Ok,
            Err(e) => Expect::Err(e.kind()),
        }
    }
}

/// One case of a matrix: its name, what it expects, and the (not yet
/// started) call.
pub struct Case {
    pub name: String,
    pub expect: Expect,
    /// Exact number of requests the faulted path must receive.
    pub attempts: usize,
    /// The configured time limit of the whole call (the guard adds slack).
    pub limit: Duration,
    pub run: Pin<Box<dyn Future<Output = Observed> + Send + 'static>>,
}

/// Runs every case concurrently and panics with a report of all failures.
/// Returns the number of cases run.
pub async fn run_matrix(suite: &str, cases: Vec<Case>) -> usize {
    let total = cases.len();
    let mut running = Vec::with_capacity(total);
    // A few at a time: the time limits under test are real, and CI machines
    // are small and busy.
    let slots = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_CASES));
    for case in cases {
        let guard = case.limit + GUARD_SLACK;
        let slots = slots.clone();
        let task = tokio::spawn(async move {
            let _slot = slots.acquire_owned().await.expect("semaphore open");
            tokio::time::timeout(guard, case.run).await
        });
        running.push((case.name, case.expect, case.attempts, guard, task));
    }
    let mut failures = Vec::new();
    for (name, expect, attempts, guard, task) in running {
        let observed = match task.await {
            Ok(Ok(observed)) => observed,
            Ok(Err(_)) => {
                failures.push(format!("{name}: still running after {guard:?} (hung)"));
                continue;
            }
            Err(e) if e.is_panic() => {
                failures.push(format!("{name}: PANICKED: {}", panic_text(e.into_panic())));
                continue;
            }
            Err(e) => {
                failures.push(format!("{name}: task failed: {e}"));
                continue;
            }
        };
        if observed.class() != expect {
            failures.push(format!(
                "{name}: expected {expect:?}, got {:?} ({})",
                observed.class(),
                match &observed.outcome {
                    Ok(()) => "ok".to_string(),
                    Err(e) => e.to_string(),
                }
            ));
        }
        if observed.attempts != attempts {
            failures.push(format!(
                "{name}: server received {} request(s), expected {attempts}",
                observed.attempts
            ));
        }
        for p in observed.problems {
            failures.push(format!("{name}: {p}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{suite}: {} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{suite}: {total} cases passed");
    total
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string payload)".into()
    }
}

/// Checks an error's message for the things every error must have: a
/// non-empty text with no secret in it.
pub fn check_error_text(err: &Error, secrets: &[&str], problems: &mut Vec<String>) {
    let text = format!("{err} {err:?}");
    if err.to_string().trim().is_empty() {
        problems.push("error message is empty".into());
    }
    for s in secrets {
        if text.contains(s) {
            problems.push(format!("error text contains the secret {s:?}: {text}"));
        }
    }
}

/// A misbehaviour, as a function of the attempt number (0-based, per
/// faulted path) and the well-formed reply the path would give.
pub type FaultFn = std::sync::Arc<dyn Fn(usize, &Reply) -> Fault + Send + Sync>;

pub use airbyte_agent_testkit::faults::{Fault, FaultServer, Reply};

/// Body size limit configured in the suites; [`HUGE`] is well above it.
pub const BODY_LIMIT: u64 = 1024 * 1024;
/// Size of the "huge body" fault.
pub const HUGE: u64 = 8 * 1024 * 1024;

/// Every fault of the catalogue, by name. Suites pick expectations by name.
pub fn catalogue() -> Vec<(&'static str, FaultFn)> {
    let f = |make: fn(usize, &Reply) -> Fault| -> FaultFn { Arc::new(make) };
    vec![
        ("reset", f(|_, _| Fault::Reset)),
        ("close_without_reply", f(|_, _| Fault::Close)),
        ("stall_before_headers", f(|_, _| Fault::StallHeaders)),
        (
            "slow_headers",
            f(|_, good| Fault::Dribble {
                reply: good.clone(),
                gap: Duration::from_millis(50),
            }),
        ),
        (
            "stall_mid_body",
            f(|_, good| Fault::StallMidBody {
                body: padded(&good.body),
                sent: 8,
            }),
        ),
        (
            "truncated_body",
            f(|_, good| Fault::Truncated {
                body: padded(&good.body),
                sent: 8,
            }),
        ),
        (
            "truncated_json",
            f(|_, good| Fault::Respond(Reply::raw_json(200, &good.body[..good.body.len() / 2]))),
        ),
        (
            "invalid_json",
            f(|_, _| Fault::Respond(Reply::raw_json(200, "{\"items\": [1, 2,, oops"))),
        ),
        (
            "5xx_burst_then_ok",
            f(|n, good| match n {
                0 => Fault::json(503, &serde_json::json!({"message": "busy"})),
                1 => Fault::json(502, &serde_json::json!({"message": "bad gateway"})),
                _ => Fault::Respond(good.clone()),
            }),
        ),
        (
            "5xx_persistent",
            f(|_, _| Fault::json(500, &serde_json::json!({"message": "down"}))),
        ),
        (
            "429_retry_after_then_ok",
            f(|n, good| match n {
                0 => Fault::Respond(
                    Reply::json(429, &serde_json::json!({"message": "slow down"}))
                        .header("retry-after", "1"),
                ),
                _ => Fault::Respond(good.clone()),
            }),
        ),
        (
            "429_retry_after_1e300",
            f(|_, _| {
                Fault::Respond(
                    Reply::json(429, &serde_json::json!({"message": "slow down"}))
                        .header("retry-after", "1e300"),
                )
            }),
        ),
        (
            "huge_body",
            f(|_, _| Fault::Huge {
                status: 200,
                bytes: Some(HUGE),
            }),
        ),
        (
            "endless_body",
            f(|_, _| Fault::Huge {
                status: 200,
                bytes: None,
            }),
        ),
        (
            "5xx_endless_body",
            f(|_, _| Fault::Huge {
                status: 503,
                bytes: None,
            }),
        ),
        ("not_http", f(|_, _| Fault::Garbage)),
        (
            "huge_header",
            f(|_, _| Fault::HugeHeader { bytes: 1024 * 1024 }),
        ),
    ]
}

/// The body, made long enough that sending 8 bytes of it is a real cut.
fn padded(body: &[u8]) -> Vec<u8> {
    let mut b = body.to_vec();
    while b.len() < 64 {
        b.push(b' ');
    }
    b
}

/// Attempts allowed by the retry config the local suites use.
pub const MAX_ATTEMPTS: usize = 3;

/// Requests as the local engine's retry rule sees them.
#[derive(Debug, Clone, Copy)]
pub enum Class {
    /// GET and friends, read whole.
    Idempotent,
    /// POST and PATCH: never sent again once the server may have them.
    NonIdempotent,
    /// A download: retried until its headers arrive, then the caller's.
    Streamed,
}

/// Expected outcome and exact request count of `fault` for a request of
/// `class` sent by the local engine's sender with [`MAX_ATTEMPTS`].
pub fn sender_expectation(fault: &str, class: Class) -> Option<(Expect, usize)> {
    use Class::*;
    use ErrorKind::*;
    let err = |k| Expect::Err(k);
    let all = MAX_ATTEMPTS;
    Some(match (fault, class) {
        // Nothing usable came back: idempotent requests use every attempt.
        ("reset" | "close_without_reply" | "not_http" | "huge_header", NonIdempotent) => {
            (err(Network), 1)
        }
        ("reset" | "close_without_reply" | "not_http" | "huge_header", _) => (err(Network), all),
        ("stall_before_headers" | "slow_headers", NonIdempotent) => (err(Timeout), 1),
        ("stall_before_headers" | "slow_headers", _) => (err(Timeout), all),
        // Once a stream's headers arrived it is the caller's: no retry.
        ("stall_mid_body", Streamed) => (err(Timeout), 1),
        ("stall_mid_body", Idempotent) => (err(Timeout), all),
        ("stall_mid_body", NonIdempotent) => (err(Timeout), 1),
        ("truncated_body", Idempotent) => (err(Network), all),
        ("truncated_body", _) => (err(Network), 1),
        // An endless stream has no end to reach: covered by huge_body.
        ("endless_body", Streamed) => return None,
        // Bytes are bytes to a download; JSON is only parsed elsewhere.
        ("truncated_json" | "invalid_json" | "huge_body", Streamed) => (Expect::Ok, 1),
        ("truncated_json" | "invalid_json" | "huge_body" | "endless_body", _) => (err(Decode), 1),
        ("5xx_burst_then_ok", NonIdempotent) => (err(HttpStatus), 1),
        ("5xx_burst_then_ok", _) => (Expect::Ok, 3),
        // Error bodies are read only as far as needed to explain them.
        ("5xx_persistent" | "5xx_endless_body", NonIdempotent) => (err(HttpStatus), 1),
        ("5xx_persistent" | "5xx_endless_body", _) => (err(HttpStatus), all),
        ("429_retry_after_then_ok", NonIdempotent) => (err(RateLimited), 1),
        ("429_retry_after_then_ok", _) => (Expect::Ok, 2),
        ("429_retry_after_1e300", NonIdempotent) => (err(RateLimited), 1),
        ("429_retry_after_1e300", _) => (err(RateLimited), all),
        (other, _) => panic!("no expectation for fault `{other}`"),
    })
}
