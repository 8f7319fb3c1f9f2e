//! A stand-in for the hosted Airbyte API, for tests of hosted-mode clients:
//! answers the token request, the connector lookup and `execute`, the last
//! through a closure playing the connector.
//!
//! ```no_run
//! # async fn demo() {
//! use airbyte_agent_testkit::RecordingServer;
//! use airbyte_agent_testkit::hosted::{FakeAirbyte, Executed};
//! use serde_json::json;
//!
//! let api = FakeAirbyte::new("acme", "def-id", "conn-1");
//! let server = RecordingServer::start(api.responder(|entity, action, _params| {
//!     Executed::ok(json!([{"id": format!("{entity}.{action}")}]), None)
//! }))
//! .await;
//! // point the client's api_url at server.url()
//! # }
//! ```

use serde_json::{Value, json};

use crate::{MockResponse, RecordedRequest};

/// Path of the token request.
pub const TOKEN_PATH: &str = "/api/v1/account/applications/token";
/// Path of the connector collection (lookup, list).
pub const CONNECTORS_PATH: &str = "/api/v1/integrations/connectors";
/// The bearer token the fake hands out and requires.
pub const ACCESS_TOKEN: &str = "fake-airbyte-access-token";

/// What the connector answers to one `execute`.
#[derive(Debug, Clone, PartialEq)]
pub enum Executed {
    /// `{"result": data, "connector_metadata": meta}` with status 200.
    Ok {
        /// The result data.
        data: Value,
        /// The connector metadata.
        meta: Option<Value>,
    },
    /// An error status with a JSON body.
    Error {
        /// Status code.
        status: u16,
        /// Body.
        body: Value,
    },
}

impl Executed {
    /// A successful result.
    pub fn ok(data: Value, meta: Option<Value>) -> Self {
        Executed::Ok { data, meta }
    }
}

/// One workspace with one connector of one definition.
#[derive(Debug, Clone)]
pub struct FakeAirbyte {
    workspace: String,
    definition_id: String,
    connector_id: String,
}

impl FakeAirbyte {
    /// A workspace named `workspace` holding connector `connector_id`
    /// made from `definition_id`.
    pub fn new(workspace: &str, definition_id: &str, connector_id: &str) -> Self {
        Self {
            workspace: workspace.into(),
            definition_id: definition_id.into(),
            connector_id: connector_id.into(),
        }
    }

    /// The responder for a [`RecordingServer`](crate::RecordingServer):
    /// `execute(entity, action, params)` answers each execute call. Calls
    /// without the token get 401; anything else 404.
    pub fn responder<F>(
        self,
        execute: F,
    ) -> impl Fn(&RecordedRequest) -> MockResponse + Send + Sync + 'static
    where
        F: Fn(&str, &str, &Value) -> Executed + Send + Sync + 'static,
    {
        move |req| self.respond(req, &execute)
    }

    fn respond(
        &self,
        req: &RecordedRequest,
        execute: &dyn Fn(&str, &str, &Value) -> Executed,
    ) -> MockResponse {
        if req.method == "POST" && req.path == TOKEN_PATH {
            return MockResponse::json(
                200,
                json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer"}),
            );
        }
        if req.header("authorization") != Some(&format!("Bearer {ACCESS_TOKEN}")) {
            return MockResponse::json(401, json!({"message": "missing or wrong bearer token"}));
        }
        if req.method == "GET" && req.path == CONNECTORS_PATH {
            let matches = req.query_param("workspace_name") == Some(self.workspace.as_str())
                && req.query_param("definition_id") == Some(self.definition_id.as_str());
            let data = if matches {
                json!([{"id": self.connector_id, "name": "fake connector"}])
            } else {
                json!([])
            };
            return MockResponse::json(200, json!({ "data": data }));
        }
        let execute_path = format!("{CONNECTORS_PATH}/{}/execute", self.connector_id);
        if req.method == "POST" && req.path == execute_path {
            let body = req.json().unwrap_or(Value::Null);
            let entity = body["entity"].as_str().unwrap_or_default();
            let action = body["action"].as_str().unwrap_or_default();
            return match execute(entity, action, &body["params"]) {
                Executed::Ok { data, meta } => {
                    MockResponse::json(200, json!({"result": data, "connector_metadata": meta}))
                }
                Executed::Error { status, body } => MockResponse::json(status, body),
            };
        }
        MockResponse::json(
            404,
            json!({"message": format!("no route {} {}", req.method, req.path)}),
        )
    }
}
