//! Shared by the CLI integration tests: a fake of the hosted Airbyte API with
//! realistic answers, and a runner for the `airbyte-agent` binary.

#![allow(dead_code)] // each test binary uses a different subset

pub mod expect;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use airbyte_agent_testkit::{MockResponse, RecordedRequest};
use serde_json::{Value, json};

/// Client id used by most tests.
pub const CLIENT_ID: &str = "cli-test-client-7d1e";
/// Client secret used by most tests; must never be printed.
pub const CLIENT_SECRET: &str = "s3cr3t-Zq8vLw2nXo5T";
/// Organization id used by the org value sets.
pub const ORG_ID: &str = "0a7d3e52-6c4f-4b1e-9d2a-8f3b1c5e7a90";

/// Stripe's connector definition id (as in the bundled catalog).
pub const STRIPE_DEFINITION: &str = "e094cb9a-26de-4645-8761-65c0c425d1de";
/// A workspace in which the fake API has no connector of any definition.
pub const EMPTY_WORKSPACE: &str = "empty-ws";
/// A workspace in which the fake API has two connectors of every definition.
pub const CROWDED_WORKSPACE: &str = "crowded-ws";

/// A connector whose executions fail with 401 (an expired connector token).
pub const UNAUTHORIZED_CONNECTOR: &str = "3f1d2c4b-5a6e-4f70-9182-000000000401";
/// A connector whose executions fail with 422 (invalid parameters).
pub const REJECTING_CONNECTOR: &str = "3f1d2c4b-5a6e-4f70-9182-000000000422";
/// A connector whose executions fail with 429 and `Retry-After: 7`.
pub const THROTTLED_CONNECTOR: &str = "3f1d2c4b-5a6e-4f70-9182-000000000429";
/// A connector whose executions fail with a plain-text 502.
pub const BROKEN_CONNECTOR: &str = "3f1d2c4b-5a6e-4f70-9182-000000000502";

/// The error the fake API answers an execution on one of the failing
/// connectors with.
fn failing_execution(connector_id: &str) -> Option<MockResponse> {
    Some(match connector_id {
        UNAUTHORIZED_CONNECTOR => MockResponse::json(
            401,
            json!({"errors": [{"message": "connector credentials expired", "error": "unauthorized"}]}),
        ),
        REJECTING_CONNECTOR => MockResponse::json(
            422,
            json!({"errors": [{"userPresentableMessage": "limit must be <= 100"}, {"message": "unknown field: colour"}]}),
        ),
        THROTTLED_CONNECTOR => MockResponse::json(429, json!({"error": "too many requests"}))
            .header("retry-after", "7"),
        BROKEN_CONNECTOR => MockResponse::text(502, "upstream connector crashed"),
        _ => return None,
    })
}

/// The access token the fake API issues to a client id.
pub fn token_for(client_id: &str) -> String {
    format!("eyJhbGciOiJIUzI1NiJ9.{client_id}.c2lnbmF0dXJl")
}

/// The workspace id the fake API reports for a workspace name.
pub fn workspace_id_for(name: &str) -> String {
    format!(
        "7c0e4a1b-2d3f-4e5a-8b6c-{:012x}",
        fnv(name) & 0xffff_ffff_ffff
    )
}

/// The connector id the fake API reports for a (workspace, definition) lookup.
pub fn connector_id_for(workspace: &str, definition: &str) -> String {
    let h = fnv(&format!("{workspace}/{definition}"));
    format!("3f1d2c4b-5a6e-4f70-9182-{:012x}", h & 0xffff_ffff_ffff)
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

const T0: &str = "2026-11-02T09:14:03.512Z";
const T1: &str = "2026-11-20T17:45:41.007Z";

fn connector(id: &str, name: &str, source_type: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "definition_id": STRIPE_DEFINITION,
        "summarized_source_template": {"id": "tmpl-1", "name": source_type},
        "created_at": T0,
        "updated_at": T1,
    })
}

fn workflow(id: &str, name: &str, workspace_id: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "workspace_id": workspace_id,
        "tasks": [{"type": "ask", "prompt": "summarize new tickets"}],
        "created_at": T0,
        "updated_at": T1,
    })
}

fn automation(id: &str, workflow_id: &str, workspace_id: &str, body: Option<&Value>) -> Value {
    let mut a = json!({
        "id": id,
        "workflow_id": workflow_id,
        "workspace_id": workspace_id,
        "enabled": true,
        "trigger_type": "schedule",
        "cron_expression": "0 9 * * 1-5",
        "timezone": "Europe/Berlin",
        "completion_webhook_url": null,
        "trigger_webhook_url": format!("https://api.airbyte.ai/hooks/{id}"),
        "created_at": T0,
        "updated_at": T1,
    });
    if let (Some(Value::Object(fields)), Value::Object(target)) = (body, &mut a) {
        for (k, v) in fields {
            if k != "workspace_id" {
                target.insert(k.clone(), v.clone());
            }
        }
    }
    a
}

fn ask_answer(prompt: &str) -> Value {
    json!({
        "outcome": "success",
        "outcome_reason": null,
        "answer": format!("Answer to: {prompt}"),
        "results": [
            {
                "source_id": "3f1d2c4b-5a6e-4f70-9182-a3b4c5d6e7f8",
                "entity": "customers",
                "action": "list",
                "params": {"limit": 5},
                "status": "success",
                "data": [{"id": "cus_Q1", "email": "ada@example.com"}],
                "connector_metadata": {"has_more": false},
                "execution_time_ms": 412,
                "unknown_future_field": "ignored"
            }
        ],
        "query_id": "q-6b1f0c",
        "execution_metadata": {"model": "fake", "duration_ms": 1830}
    })
}

/// Answers every hosted-API endpoint the SDK uses with realistic JSON.
pub fn hosted_api(req: &RecordedRequest) -> MockResponse {
    let segments: Vec<&str> = req
        .path
        .trim_start_matches("/api/v1/")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let body = req.json();
    let method = req.method.as_str();
    let ws_id_param = req.query_param("workspace_id").unwrap_or("").to_string();
    match (method, segments.as_slice()) {
        ("POST", ["account", "applications", "token"]) => {
            let client_id = body
                .as_ref()
                .and_then(|b| b.get("client_id"))
                .and_then(Value::as_str)
                .unwrap_or("anonymous");
            MockResponse::json(
                200,
                json!({"access_token": token_for(client_id), "token_type": "Bearer", "expires_in": 900}),
            )
        }
        ("GET", ["integrations", "connectors"]) => {
            if let Some(def) = req.query_param("definition_id") {
                let ws = req.query_param("workspace_name").unwrap_or("");
                let data = match ws {
                    EMPTY_WORKSPACE => vec![],
                    CROWDED_WORKSPACE => vec![
                        connector(&connector_id_for(ws, "a"), "stripe-eu", "Stripe"),
                        connector(&connector_id_for(ws, "b"), "stripe-us", "Stripe"),
                    ],
                    _ => vec![connector(
                        &connector_id_for(ws, def),
                        "stripe-main",
                        "Stripe",
                    )],
                };
                return MockResponse::json(200, json!({"data": data}));
            }
            let ws = req
                .query_param("customer_name")
                .or_else(|| req.query_param("workspace_name"))
                .unwrap_or("");
            MockResponse::json(
                200,
                json!({"data": [
                    connector(&connector_id_for(ws, STRIPE_DEFINITION), "stripe-main", "Stripe"),
                    {"id": "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4", "name": "support-desk", "summarized_source_template": null, "created_at": T0},
                ], "next": null}),
            )
        }
        ("POST", ["integrations", "connectors"]) => MockResponse::json(
            201,
            json!({"id": "b71c3a5e-9d2f-4e8a-b6c1-d4e5f6a7b8c9", "name": body.as_ref().and_then(|b| b.get("name")).cloned()}),
        ),
        ("POST", ["integrations", "connectors", "oauth", "initiate"]) => MockResponse::json(
            200,
            json!({"consent_url": "https://connect.example.com/oauth/authorize?state=st-41c2"}),
        ),
        ("DELETE", ["integrations", "connectors", _id]) => MockResponse::empty(202),
        ("POST", ["integrations", "connectors", id, "execute"]) => {
            if let Some(failure) = failing_execution(id) {
                return failure;
            }
            let entity = body
                .as_ref()
                .and_then(|b| b.get("entity"))
                .cloned()
                .unwrap_or(Value::Null);
            MockResponse::json(
                200,
                json!({
                    "result": [
                        {"id": "cus_Q1", "object": "customer", "email": "ada@example.com", "created": 1730000000},
                        {"id": "cus_Q2", "object": "customer", "email": "grace@example.com", "created": 1730000100}
                    ],
                    "connector_metadata": {"has_more": true, "next_cursor": "cus_Q2", "entity": entity, "connector_id": id},
                }),
            )
        }
        ("PUT", ["oauth", "credentials"]) => MockResponse::json(200, json!({"status": "ok"})),
        ("DELETE", ["oauth", "credentials", "connector_type", _t]) => MockResponse::empty(204),
        ("POST", ["workspaces", "query", "structured"]) => {
            let prompt = body
                .as_ref()
                .and_then(|b| b.get("prompt"))
                .and_then(Value::as_str)
                .unwrap_or("");
            MockResponse::json(200, ask_answer(prompt))
        }
        ("GET", ["workspaces"]) => {
            let name = req.query_param("name_contains").unwrap_or("");
            MockResponse::json(
                200,
                json!({"data": [
                    {"id": workspace_id_for(&format!("{name}-staging")), "name": format!("{name}-staging")},
                    {"id": workspace_id_for(name), "name": name, "organization_id": ORG_ID},
                ]}),
            )
        }
        ("GET", ["internal", "workflows"]) => MockResponse::json(
            200,
            json!({"data": [
                workflow("wf-2c9e61d0", "daily-digest", &ws_id_param),
                {"id": "wf-83aa01f4", "name": "weekly-report", "workspace_id": ws_id_param},
            ]}),
        ),
        ("POST", ["internal", "workflows"]) => {
            let b = body.unwrap_or(Value::Null);
            let ws = b.get("workspace_id").and_then(Value::as_str).unwrap_or("");
            let name = b.get("name").and_then(Value::as_str).unwrap_or("");
            MockResponse::json(201, workflow("wf-5d7e2b90", name, ws))
        }
        ("GET", ["internal", "workflows", wf]) => {
            MockResponse::json(200, workflow(wf, "daily-digest", &ws_id_param))
        }
        ("PATCH", ["internal", "workflows", wf]) => {
            let name = body
                .as_ref()
                .and_then(|b| b.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("daily-digest")
                .to_string();
            MockResponse::json(200, workflow(wf, &name, &ws_id_param))
        }
        ("DELETE", ["internal", "workflows", _wf]) => MockResponse::empty(204),
        ("GET", ["internal", "workflows", wf, "automations"]) => {
            let mut second = automation("au-0b4f", wf, &ws_id_param, None);
            if let Value::Object(m) = &mut second {
                // Exercise the documented default: timezone absent -> "UTC".
                m.remove("timezone");
                m.insert("enabled".into(), json!(false));
            }
            MockResponse::json(
                200,
                json!({"data": [automation("au-7f1a", wf, &ws_id_param, None), second]}),
            )
        }
        ("POST", ["internal", "workflows", wf, "automations"]) => {
            MockResponse::json(201, automation("au-c3d9", wf, &ws_id_param, body.as_ref()))
        }
        ("GET", ["internal", "workflows", wf, "automations", au]) => {
            MockResponse::json(200, automation(au, wf, &ws_id_param, None))
        }
        ("PATCH", ["internal", "workflows", wf, "automations", au]) => {
            MockResponse::json(200, automation(au, wf, &ws_id_param, body.as_ref()))
        }
        ("DELETE", ["internal", "workflows", _wf, "automations", _au]) => MockResponse::empty(204),
        _ => MockResponse::json(
            404,
            json!({"errors": [{"message": format!("no route for {} {}", req.method, req.path)}]}),
        ),
    }
}

/// What one CLI run produced.
#[derive(Debug)]
pub struct CliRun {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
}

impl CliRun {
    /// Stdout parsed as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Panics with the output when the run failed.
    pub fn assert_success(&self) -> &Self {
        assert_eq!(
            self.code,
            Some(0),
            "CLI failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Environment variables a test run must not inherit from the developer's
/// shell (credentials, API URL overrides, proxies, log filters).
const SCRUBBED_ENV: &[&str] = &[
    "AIRBYTE_CLIENT_ID",
    "AIRBYTE_CLIENT_SECRET",
    "AIRBYTE_ORGANIZATION_ID",
    "AIRBYTE_WORKSPACE_NAME",
    "AIRBYTE_API_URL",
    "SDK_DEV_ADP_API_HOST",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "RUST_LOG",
    "AIRBYTE_SERVER_DB",
    "AIRBYTE_SERVER_ENCRYPTION_KEY",
    "AIRBYTE_SERVER_LLM_API_KEY",
];

/// A Stripe-like definition (the catalog's id, so the server accepts
/// `connectors create stripe`) whose API is the loopback vendor.
pub fn loopback_stripe_definition(vendor_url: &str) -> String {
    format!(
        r#"openapi: 3.1.0
info:
  title: Stripe
  version: 1.0.0
  x-airbyte-connector-name: stripe
  x-airbyte-connector-definition-id: {STRIPE_DEFINITION}
servers:
  - url: {vendor_url}
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      x-airbyte-auth-config:
        type: object
        required: [api_key]
        properties:
          api_key: {{type: string, airbyte_secret: true}}
        auth_mapping:
          token: "${{api_key}}"
security:
  - bearerAuth: []
paths:
  /v1/customers:
    get:
      x-airbyte-entity: customers
      x-airbyte-action: list
      x-airbyte-record-extractor: $.data
      parameters:
        - {{name: limit, in: query, schema: {{type: integer}}}}
"#
    )
}

/// A command for the `airbyte-agent` binary with a clean environment.
pub fn cli_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_airbyte-agent"));
    for var in SCRUBBED_ENV {
        cmd.env_remove(var);
    }
    cmd.env("NO_PROXY", "127.0.0.1,localhost");
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs the CLI with arguments and extra environment; stdout is a pipe.
pub fn run_cli(args: &[&str], env: &[(&str, &str)]) -> CliRun {
    let mut cmd = cli_command();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    collect(cmd.output().expect("run airbyte-agent"))
}

/// Runs the CLI against a server with the standard test credentials.
pub fn run_against(server_url: &str, args: &[&str]) -> CliRun {
    let mut all = vec![
        "--api-url",
        server_url,
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
    ];
    all.extend_from_slice(args);
    run_cli(&all, &[])
}

fn collect(out: Output) -> CliRun {
    CliRun {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Path of a file under this crate's `tests/` directory.
pub fn test_file(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(rel)
}
