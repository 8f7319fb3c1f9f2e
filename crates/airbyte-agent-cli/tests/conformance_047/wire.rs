//! The parts of a recorded request that must match, and splitting the
//! reference's log into steps.

use airbyte_agent_testkit::RecordedRequest;
use serde_json::Value;

/// The token endpoint; its requests are compared apart from the others.
pub const TOKEN_PATH: &str = "/api/v1/account/applications/token";
/// Requests the Python driver sends between steps so the log can be split.
pub const MARKER_PREFIX: &str = "/__scenario_step/";

/// The parts of a request that must match.
#[derive(Debug, Clone, PartialEq)]
pub struct WireRequest {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Parsed JSON body, `Value::String` of the raw text when not JSON, or
    /// `Null` when empty.
    pub body: Value,
    pub authorization: Option<String>,
    pub organization: Option<String>,
}

impl WireRequest {
    pub fn from(r: &RecordedRequest) -> Self {
        let body = if r.body.is_empty() {
            Value::Null
        } else {
            r.json().unwrap_or_else(|| Value::String(r.text()))
        };
        WireRequest {
            method: r.method.clone(),
            path: r.path.clone(),
            query: r.sorted_query(),
            body,
            authorization: r.header("authorization").map(str::to_string),
            organization: r.header("x-organization-id").map(str::to_string),
        }
    }

    pub fn is_token(&self) -> bool {
        self.method == "POST" && self.path == TOKEN_PATH
    }
}

/// Splits the reference log at the driver's step markers.
pub fn split_reference_log(log: Vec<RecordedRequest>, steps: usize) -> Vec<Vec<RecordedRequest>> {
    let mut out: Vec<Vec<RecordedRequest>> = Vec::new();
    for r in log {
        if let Some(idx) = r.path.strip_prefix(MARKER_PREFIX) {
            assert_eq!(idx.parse::<usize>().ok(), Some(out.len()), "marker order");
            out.push(Vec::new());
        } else if let Some(cur) = out.last_mut() {
            cur.push(r);
        } else {
            panic!(
                "request before the first step marker: {} {}",
                r.method, r.path
            );
        }
    }
    assert_eq!(out.len(), steps, "one marker per step");
    out
}
