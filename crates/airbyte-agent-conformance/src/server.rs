//! The recording server both sides talk to, serving each case's canned response.
//!
//! Cases run one at a time. The current case is selected either in process
//! ([`CaseServer::select`], our side) or by a control request
//! `GET /__conformance/select?case=ID` (the Python driver). Control requests
//! are not part of any case's recording, and nothing is added to the
//! requests under test, so both sides are compared on exactly what they send.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use bytes::Bytes;
use serde_json::json;

use crate::cases::{CannedBody, CannedResponse, Case, EXTERNAL_PREFIX, FILE_PREFIX, SERVER};

/// Path of the control request that selects the current case.
pub const SELECT_PATH: &str = "/__conformance/select";

#[derive(Default)]
struct State {
    origin: String,
    cases: HashMap<String, Arc<Case>>,
    current: Option<Arc<Case>>,
}

/// A [`RecordingServer`] that answers with the current case's canned responses.
pub struct CaseServer {
    server: RecordingServer,
    state: Arc<Mutex<State>>,
}

impl CaseServer {
    /// Starts the server on 127.0.0.1 with every case it may be asked to serve.
    pub async fn start(cases: &[Case]) -> Self {
        let state: Arc<Mutex<State>> = Arc::default();
        let responder_state = state.clone();
        let server = RecordingServer::start(move |req| respond(&responder_state, req)).await;
        {
            let mut s = lock(&state);
            s.origin = server.url();
            s.cases = cases
                .iter()
                .map(|c| (c.id.clone(), Arc::new(c.clone())))
                .collect();
        }
        Self { server, state }
    }

    /// The origin, `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        self.server.url()
    }

    /// Makes `case_id` the current case and forgets earlier recordings.
    pub fn select(&self, case_id: &str) {
        self.server.take_requests();
        let mut s = lock(&self.state);
        s.current = s.cases.get(case_id).cloned();
    }

    /// Removes and returns every recorded request (control requests included).
    pub fn take_requests(&self) -> Vec<RecordedRequest> {
        self.server.take_requests()
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Splits a log recorded during a driver run into per-case request lists.
pub fn split_by_case(log: Vec<RecordedRequest>) -> HashMap<String, Vec<RecordedRequest>> {
    let mut out: HashMap<String, Vec<RecordedRequest>> = HashMap::new();
    let mut current: Option<String> = None;
    for req in log {
        if req.path == SELECT_PATH {
            current = req.query_param("case").map(str::to_string);
            if let Some(id) = &current {
                out.entry(id.clone()).or_default();
            }
            continue;
        }
        if let Some(id) = &current {
            out.entry(id.clone()).or_default().push(req);
        }
    }
    out
}

fn respond(state: &Mutex<State>, req: &RecordedRequest) -> MockResponse {
    let mut s = lock(state);
    if req.path == SELECT_PATH {
        s.current = req
            .query_param("case")
            .and_then(|id| s.cases.get(id).cloned());
        return MockResponse::empty(204);
    }
    let origin = s.origin.clone();
    let Some(case) = s.current.clone() else {
        return MockResponse::json(
            500,
            json!({"message": "conformance server: no case selected"}),
        );
    };
    drop(s);
    if req.path.starts_with(EXTERNAL_PREFIX) {
        // Token endpoints (OAuth refresh): a token response with every
        // field a definition may extract.
        return MockResponse::json(
            200,
            json!({
                "access_token": "refreshed-access-token",
                "refresh_token": "refreshed-refresh-token",
                "token_type": "Bearer",
                "expires_in": 3600,
                "instance_url": origin,
            }),
        );
    }
    if req.path.starts_with(FILE_PREFIX) {
        return match &case.file {
            Some(file) => mock(file, &origin),
            None => MockResponse::json(404, json!({"message": "no file for this case"})),
        };
    }
    mock(&case.response, &origin)
}

fn mock(canned: &CannedResponse, origin: &str) -> MockResponse {
    let body = match &canned.body {
        CannedBody::Empty => Bytes::new(),
        CannedBody::Json(v) => Bytes::from(v.to_string().replace(SERVER, origin)),
        CannedBody::Text(t) => Bytes::from(t.replace(SERVER, origin)),
    };
    MockResponse {
        status: canned.status,
        headers: canned
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.replace(SERVER, origin)))
            .collect(),
        body,
        delay: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(path: &str, query: &[(&str, &str)]) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: path.into(),
            raw_query: None,
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    #[test]
    fn a_driver_log_splits_at_select_requests() {
        let log = vec![
            req("/before", &[]),
            req(SELECT_PATH, &[("case", "a")]),
            req("/one", &[]),
            req("/two", &[]),
            req(SELECT_PATH, &[("case", "b")]),
            req(SELECT_PATH, &[("case", "c")]),
            req("/three", &[]),
        ];
        let split = split_by_case(log);
        let paths = |id: &str| split[id].iter().map(|r| r.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths("a"), vec!["/one", "/two"]);
        assert!(paths("b").is_empty());
        assert_eq!(paths("c"), vec!["/three"]);
        assert_eq!(split.len(), 3);
    }
}
