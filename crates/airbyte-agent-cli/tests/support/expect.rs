//! Expected requests for the CLI request tests: run a command, then check
//! the token request and every other request against a list.

use airbyte_agent_testkit::{RecordedRequest, RecordingServer};
use serde_json::{Value, json};

use super::*;

/// The token endpoint.
pub const TOKEN_PATH: &str = "/api/v1/account/applications/token";
/// Flags of the organization + named workspace value set.
pub const ORG_FLAGS: &[&str] = &["--organization-id", ORG_ID, "--workspace", "acme-prod"];

/// What one request must look like (token requests are checked apart).
#[derive(Debug, PartialEq)]
pub struct Expect {
    method: &'static str,
    path: String,
    query: Vec<(String, String)>,
    body: Value,
}

pub fn expect(method: &'static str, path: &str, query: &[(&str, &str)], body: Value) -> Expect {
    let mut q: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    q.sort();
    Expect {
        method,
        path: path.to_string(),
        query: q,
        body,
    }
}

fn actual(r: &RecordedRequest) -> Expect {
    Expect {
        method: match r.method.as_str() {
            "GET" => "GET",
            "POST" => "POST",
            "PUT" => "PUT",
            "PATCH" => "PATCH",
            "DELETE" => "DELETE",
            other => panic!("unexpected method {other}"),
        },
        path: r.path.clone(),
        query: r.sorted_query(),
        body: if r.body.is_empty() {
            Value::Null
        } else {
            r.json()
                .unwrap_or_else(|| panic!("body is not JSON: {}", r.text()))
        },
    }
}

/// Runs the CLI and checks: one token request with the credentials, then
/// exactly `expected`, each with the bearer token and the organization header
/// when `org` is given.
pub fn check(
    server: &RecordingServer,
    extra: &[&str],
    args: &[&str],
    org: Option<&str>,
    expected: Vec<Expect>,
) -> Value {
    let mut all: Vec<&str> = extra.to_vec();
    all.extend_from_slice(args);
    let run = run_against(&server.url(), &all);
    run.assert_success();
    let reqs = server.take_requests();
    let (tokens, rest): (Vec<_>, Vec<_>) = reqs.iter().partition(|r| r.path == TOKEN_PATH);
    assert_eq!(tokens.len(), 1, "one token request for {args:?}");
    let t = tokens[0];
    assert_eq!(t.method, "POST");
    assert_eq!(
        t.json(),
        Some(json!({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}))
    );
    assert_eq!(t.header("authorization"), None);
    assert_eq!(
        t.header("x-organization-id"),
        org,
        "token org header for {args:?}"
    );
    let bearer = format!("Bearer {}", token_for(CLIENT_ID));
    for r in &rest {
        assert_eq!(
            r.header("authorization"),
            Some(bearer.as_str()),
            "{} {}",
            r.method,
            r.path
        );
        assert_eq!(
            r.header("x-organization-id"),
            org,
            "{} {}",
            r.method,
            r.path
        );
        if !r.body.is_empty() {
            assert!(
                r.header("content-type")
                    .is_some_and(|c| c.starts_with("application/json")),
                "JSON content type on {} {}",
                r.method,
                r.path
            );
        }
    }
    let got: Vec<Expect> = rest.iter().map(|r| actual(r)).collect();
    assert_eq!(got, expected, "requests of {args:?}");
    run.json()
}
