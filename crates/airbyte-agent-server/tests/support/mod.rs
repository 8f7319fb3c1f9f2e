//! Shared by the server's integration tests: a Stripe-shaped vendor on
//! 127.0.0.1, a small connector definition for it, and a harness that runs
//! the server in-process with a fresh database.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;
use std::sync::Arc;

use airbyte_agent_sdk::Workspace;
use airbyte_agent_sdk::cloud::{CloudClient, CreateConnectorRequest};
use airbyte_agent_sdk::definition::{self, ConnectorDefinition};
use airbyte_agent_server::{
    KeySource, LlmConfig, ManualClock, NewApplication, RunningServer, Server, ServerBuilder,
};
use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};

/// The vendor API key stored as connector credentials; must never appear
/// in clear in the database or in any API answer.
pub const VENDOR_KEY: &str = "sk_test_VENDORSECRET_4f9a2b7c1d";

/// The catalog's Stripe definition id: `connect("stripe")` looks it up.
pub fn stripe_definition_id() -> String {
    airbyte_agent_sdk::catalog::lookup("stripe")
        .expect("stripe is in the catalog")
        .definition_id
        .clone()
}

/// Five customers, `cus_1` … `cus_5`.
pub fn customers() -> Vec<Value> {
    (1..=5)
        .map(|i| json!({"id": format!("cus_{i}"), "object": "customer", "email": format!("user{i}@example.com")}))
        .collect()
}

/// A Stripe-shaped vendor: `GET /v1/customers` (limit, starting_after) and
/// `GET /v1/customers/{id}`, requiring `Authorization: Bearer` [`VENDOR_KEY`].
pub async fn start_vendor() -> RecordingServer {
    RecordingServer::start(|r: &RecordedRequest| {
        if r.header("authorization") != Some(&format!("Bearer {VENDOR_KEY}")) {
            return MockResponse::json(
                401,
                json!({"error": {"message": "Invalid API Key provided"}}),
            );
        }
        let all = customers();
        if r.path == "/v1/customers" {
            let limit: usize = r
                .query_param("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(10);
            let start = r
                .query_param("starting_after")
                .and_then(|id| all.iter().position(|c| c["id"] == id))
                .map_or(0, |p| p + 1);
            let page: Vec<Value> = all.iter().skip(start).take(limit).cloned().collect();
            let has_more = start + page.len() < all.len();
            return MockResponse::json(
                200,
                json!({"object": "list", "data": page, "has_more": has_more}),
            );
        }
        if let Some(id) = r.path.strip_prefix("/v1/customers/") {
            return match all.iter().find(|c| c["id"] == id) {
                Some(c) => MockResponse::json(200, c.clone()),
                None => MockResponse::json(
                    404,
                    json!({"error": {"message": format!("No such customer: '{id}'")}}),
                ),
            };
        }
        MockResponse::json(404, json!({"error": {"message": "unknown path"}}))
    })
    .await
}

/// A two-operation definition of the vendor with the given id; its server
/// URL is a placeholder the harness overrides with the vendor's address.
pub fn vendor_definition_text(definition_id: &str) -> String {
    format!(
        r#"openapi: 3.1.0
info:
  title: Stripe
  version: 1.0.0
  x-airbyte-connector-name: stripe
  x-airbyte-connector-definition-id: {definition_id}
servers:
  - url: https://api.stripe.invalid
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      x-airbyte-auth-config:
        type: object
        required: [api_key]
        properties:
          api_key:
            type: string
            airbyte_secret: true
        auth_mapping:
          token: "${{api_key}}"
security:
  - bearerAuth: []
paths:
  /v1/customers:
    get:
      summary: List customers
      x-airbyte-entity: customers
      x-airbyte-action: list
      x-airbyte-record-extractor: $.data
      x-airbyte-meta-extractor:
        has_more: $.has_more
      parameters:
        - {{name: limit, in: query, schema: {{type: integer}}}}
        - {{name: starting_after, in: query, schema: {{type: string}}}}
      responses: {{"200": {{description: ok}}}}
  /v1/customers/{{id}}:
    get:
      summary: Get a customer
      x-airbyte-entity: customers
      x-airbyte-action: get
      parameters:
        - {{name: id, in: path, required: true, schema: {{type: string}}}}
      responses: {{"200": {{description: ok}}}}
"#
    )
}

/// [`vendor_definition_text`] loaded.
pub fn vendor_definition(definition_id: &str) -> ConnectorDefinition {
    definition::load_str(&vendor_definition_text(definition_id)).expect("test definition loads")
}

/// A server in-process on 127.0.0.1:0 with a fresh database, the vendor
/// definition, a manual clock and one application.
pub struct Harness {
    pub server: Option<RunningServer>,
    pub setup: Setup,
    pub app: NewApplication,
}

/// What the harness (re)starts the server with.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub vendor: RecordingServer,
    pub clock: Arc<ManualClock>,
    pub llm: Option<LlmConfig>,
    pub run_scheduler: bool,
    pub extra_definitions: Vec<ConnectorDefinition>,
}

impl Setup {
    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("server.db")
    }

    pub fn key_path(&self) -> PathBuf {
        self.dir.path().join("server.key")
    }

    /// The builder the harness starts (and restarts) the server with.
    pub fn builder(&self) -> ServerBuilder {
        let mut b = Server::builder()
            .db(self.db_path())
            .listen("127.0.0.1:0".parse().unwrap())
            .definition(vendor_definition(&stripe_definition_id()))
            .definition_base_url(stripe_definition_id(), self.vendor.url())
            .key_source(KeySource::File(self.key_path()))
            .clock(self.clock.clone())
            .run_scheduler(self.run_scheduler);
        if let Some(llm) = &self.llm {
            b = b.llm(llm.clone());
        }
        for def in &self.extra_definitions {
            b = b.definition(def.clone());
        }
        b
    }
}

/// 2026-03-02 08:00:00 UTC, a Monday.
pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

impl Harness {
    /// A harness without LLM, with the scheduler loop off (tests drive it).
    pub async fn start() -> Self {
        Self::start_with(None, false).await
    }

    pub async fn start_with(llm: Option<LlmConfig>, run_scheduler: bool) -> Self {
        Self::start_with_definitions(llm, run_scheduler, Vec::new()).await
    }

    /// Also loads `extra_definitions` (with their own server URLs).
    pub async fn start_with_definitions(
        llm: Option<LlmConfig>,
        run_scheduler: bool,
        extra_definitions: Vec<ConnectorDefinition>,
    ) -> Self {
        let setup = Setup {
            dir: tempfile::tempdir().unwrap(),
            vendor: start_vendor().await,
            clock: Arc::new(ManualClock::new(start_time())),
            llm,
            run_scheduler,
            extra_definitions,
        };
        let server = setup.builder().build().await.expect("server builds");
        let app = server
            .database()
            .create_application("tests", None)
            .await
            .expect("app created");
        let server = Some(server.spawn().await.expect("server starts"));
        Harness { server, setup, app }
    }

    pub fn db_path(&self) -> PathBuf {
        self.setup.db_path()
    }

    pub fn clock(&self) -> &ManualClock {
        &self.setup.clock
    }

    pub fn vendor(&self) -> &RecordingServer {
        &self.setup.vendor
    }

    pub fn server(&self) -> &RunningServer {
        self.server.as_ref().expect("server running")
    }

    pub fn url(&self) -> String {
        self.server().url()
    }

    /// Stops the server and starts a new one on the same database.
    pub async fn restart(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        let server = self.setup.builder().build().await.expect("server rebuilds");
        self.server = Some(server.spawn().await.expect("server restarts"));
    }

    /// Our hosted client, authenticated as `app`.
    pub fn client_for(&self, app: &NewApplication) -> CloudClient {
        CloudClient::builder()
            .client_id(app.client_id.clone())
            .client_secret(app.client_secret.expose_secret().to_string())
            .api_url(self.url())
            .build()
            .expect("client builds")
    }

    pub fn client(&self) -> CloudClient {
        self.client_for(&self.app)
    }

    pub fn workspace(&self, name: &str) -> Workspace {
        Workspace::from_client(self.client(), name)
    }

    /// Creates the vendor connector in `workspace` and returns its id.
    pub async fn create_connector(&self, workspace: &str, name: &str) -> String {
        let mut req = CreateConnectorRequest::new(name, stripe_definition_id(), workspace);
        req.credentials = Some(vendor_credentials());
        self.client()
            .create_connector(&req)
            .await
            .expect("connector created")
    }

    /// Raw HTTP to the server.
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    /// A bearer token for `app`.
    pub async fn token_for(&self, app: &NewApplication) -> String {
        let resp: Value = self
            .http()
            .post(format!("{}/api/v1/account/applications/token", self.url()))
            .json(&json!({"client_id": app.client_id, "client_secret": app.client_secret.expose_secret()}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        resp["access_token"].as_str().expect("token").to_string()
    }
}

/// `{"api_key": VENDOR_KEY}`.
pub fn vendor_credentials() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("api_key".into(), json!(VENDOR_KEY));
    m
}

/// API key the scripted model endpoint expects.
pub const LLM_KEY: &str = "llm-key-Q7c2";

/// A scripted OpenAI-compatible chat-completions endpoint: the first round
/// calls the first offered tool (customers.list, limit 2); once a tool
/// result is in the conversation it answers in text.
pub async fn start_llm() -> RecordingServer {
    RecordingServer::start(|r: &RecordedRequest| {
        if r.header("authorization") != Some(&format!("Bearer {LLM_KEY}")) {
            return MockResponse::json(401, json!({"error": {"message": "bad key"}}));
        }
        let body = r.json().unwrap_or(Value::Null);
        let messages = body["messages"].as_array().cloned().unwrap_or_default();
        if messages.last().is_some_and(|m| m["role"] == "tool") {
            return MockResponse::json(
                200,
                json!({"id": "c2", "object": "chat.completion", "choices": [{"index": 0,
                    "message": {"role": "assistant", "content": "The two newest customers are cus_1 and cus_2."},
                    "finish_reason": "stop"}]}),
            );
        }
        let tool = body["tools"][0]["function"]["name"].as_str().unwrap_or("none").to_string();
        MockResponse::json(
            200,
            json!({"id": "c1", "object": "chat.completion", "choices": [{"index": 0,
                "message": {"role": "assistant", "content": null, "tool_calls": [{
                    "id": "call_1", "type": "function",
                    "function": {"name": tool,
                                 "arguments": "{\"entity\": \"customers\", \"action\": \"list\", \"params\": {\"limit\": 2}}"}}]},
                "finish_reason": "tool_calls"}]}),
        )
    })
    .await
}

/// The model configuration pointing at a [`start_llm`] server.
pub fn llm_config(llm: &RecordingServer) -> LlmConfig {
    LlmConfig::new(format!("{}/v1", llm.url()), "scripted-model").api_key(LLM_KEY)
}
