//! Wire conformance with the Python reference SDK 0.1.47.
//!
//! One scenario (every Workspace, executor, OAuth and ask operation of the
//! reference, with several value sets) runs twice against the same recording
//! server: first through the reference (`tests/python/hosted_scenario_047.py`,
//! base URL from `SDK_DEV_ADP_API_HOST`), then through the `airbyte-agent`
//! binary (`--api-url`). The request logs must be identical in method, path,
//! sorted query, JSON body, `Authorization` and `X-Organization-Id`, except for
//! the differences listed in [`allowed_differences`], each with its reason.
//!
//! Token requests (`POST /api/v1/account/applications/token`) are compared
//! apart from the others: the reference caches a token per client object and
//! has no lock, so how many it fetches depends on how many client objects a
//! caller creates. Each step here uses fresh reference objects, like one CLI
//! process, so the counts match; the test still checks them separately
//! (credentials in the body, organization header) so a caching change on
//! either side shows up as a token-count difference, not a scenario mismatch.
//!
//! Skips when the reference venv is missing, unless `AIRBYTE_REQUIRE_REFERENCE`
//! is set (as `scripts/test` and CI do).

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use airbyte_agent_testkit::reference::{self, Version};
use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use serde_json::{Value, json};
use support::*;

const TOKEN_PATH: &str = "/api/v1/account/applications/token";
/// Requests the Python driver sends between steps so the log can be split.
const MARKER_PREFIX: &str = "/__scenario_step/";

const ENV_CLIENT_ID: &str = "env-client-41b9";
const ENV_CLIENT_SECRET: &str = "env-s3cret-Rk2pX7";
const ENV_ORG_ID: &str = "5e9c1a2b-3d4f-4a6b-8c7d-9e0f1a2b3c4d";

/// The credential/workspace/organization combinations steps run with.
#[derive(Debug, Clone, Copy)]
enum ValueSet {
    /// Explicit client id/secret, no organization, default workspace.
    Plain,
    /// Explicit credentials, an organization id and a named workspace.
    OrgWorkspace,
    /// Credentials and organization from the environment, a workspace name
    /// that needs percent-encoding.
    Env,
    /// A workspace in which lookups find no connector.
    EmptyWorkspace,
    /// A workspace in which lookups find two connectors.
    CrowdedWorkspace,
}

impl ValueSet {
    fn workspace(self) -> Option<&'static str> {
        match self {
            ValueSet::Plain => None,
            ValueSet::OrgWorkspace => Some("acme-prod"),
            ValueSet::Env => Some("ops team/eu"),
            ValueSet::EmptyWorkspace => Some(EMPTY_WORKSPACE),
            ValueSet::CrowdedWorkspace => Some(CROWDED_WORKSPACE),
        }
    }

    fn org(self) -> Option<&'static str> {
        match self {
            ValueSet::OrgWorkspace => Some(ORG_ID),
            _ => None,
        }
    }

    fn env(self) -> Vec<(&'static str, &'static str)> {
        match self {
            ValueSet::Env => vec![
                ("AIRBYTE_CLIENT_ID", ENV_CLIENT_ID),
                ("AIRBYTE_CLIENT_SECRET", ENV_CLIENT_SECRET),
                ("AIRBYTE_ORGANIZATION_ID", ENV_ORG_ID),
            ],
            _ => vec![],
        }
    }

    /// Keyword arguments for the reference entry points.
    fn python_auth(self) -> Value {
        let mut auth = serde_json::Map::new();
        if !matches!(self, ValueSet::Env) {
            auth.insert("client_id".into(), json!(CLIENT_ID));
            auth.insert("client_secret".into(), json!(CLIENT_SECRET));
        }
        if let Some(ws) = self.workspace() {
            auth.insert("workspace_name".into(), json!(ws));
        }
        if let Some(org) = self.org() {
            auth.insert("organization_id".into(), json!(org));
        }
        Value::Object(auth)
    }

    /// Global flags for the CLI.
    fn cli_flags(self) -> Vec<String> {
        let mut flags = Vec::new();
        if !matches!(self, ValueSet::Env) {
            flags.extend(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]);
        }
        if let Some(ws) = self.workspace() {
            flags.extend(["--workspace", ws]);
        }
        if let Some(org) = self.org() {
            flags.extend(["--organization-id", org]);
        }
        flags.into_iter().map(String::from).collect()
    }
}

/// One operation, as the reference and as the CLI perform it.
#[derive(Clone)]
struct Step {
    /// Unique label, used in failure messages and the allow-list.
    name: &'static str,
    /// Operation name understood by the Python driver.
    op: &'static str,
    set: ValueSet,
    /// Arguments for the Python driver.
    args: Value,
    /// CLI arguments after the global flags.
    cli: Vec<String>,
    /// Whether the operation succeeds (both sides must agree).
    ok: bool,
}

fn step(name: &'static str, op: &'static str, set: ValueSet, args: Value, cli: &[&str]) -> Step {
    Step {
        name,
        op,
        set,
        args,
        cli: cli.iter().map(|s| s.to_string()).collect(),
        ok: true,
    }
}

fn failing(mut s: Step) -> Step {
    s.ok = false;
    s
}

const CONNECTOR_ID: &str = "3f1d2c4b-5a6e-4f70-9182-a3b4c5d6e7f8";
const WF: &str = "wf-2c9e61d0";
const AU: &str = "au-7f1a";

fn scenario() -> Vec<Step> {
    use ValueSet::*;
    let params_a =
        json!({"limit": 5, "created": {"gte": 1730000000}, "expand": ["data.default_source"]});
    let params_b =
        json!({"query": "email:'ada@example.com' AND name~\"Ada Løvelace\"", "limit": 1});
    let creds = json!({"api_key": "sk_test_51Hx", "account_id": "acct_1Q"});
    let replication = json!({"start_date": "2024-01-01T00:00:00Z", "lookback_window_days": 7});
    let env = json!({"subdomain": "acme"});
    let tasks = json!([{"type": "ask", "prompt": "summarize new tickets"}, {"type": "notify", "channel": "#ops"}]);
    let pa = params_a.to_string();
    let pb = params_b.to_string();
    let cr = creds.to_string();
    let rp = replication.to_string();
    let en = env.to_string();
    let tk = tasks.to_string();
    vec![
        // connect(name) + execute: connector lookup by workspace and definition.
        step(
            "execute-by-name",
            "execute",
            Plain,
            json!({"connector": "stripe", "entity": "customers", "action": "list", "params": params_a}),
            &["exec", "stripe", "customers", "list", "--params", &pa],
        ),
        step(
            "execute-by-name-org",
            "execute",
            OrgWorkspace,
            json!({"connector": "stripe", "entity": "customers", "action": "api_search", "params": params_b}),
            &["exec", "stripe", "customers", "api_search", "--params", &pb],
        ),
        // connect(name, connector_id=...) and Workspace.get_connector(id): no lookup.
        step(
            "execute-by-id-typed",
            "execute",
            OrgWorkspace,
            json!({"connector": "stripe", "connector_id": CONNECTOR_ID, "entity": "invoices", "action": "get", "params": {"id": "in_1"}}),
            &[
                "exec",
                CONNECTOR_ID,
                "invoices",
                "get",
                "--params",
                r#"{"id":"in_1"}"#,
            ],
        ),
        step(
            "execute-by-id-env",
            "execute",
            Env,
            json!({"connector_id": CONNECTOR_ID, "entity": "customers", "action": "list", "params": {"limit": 2}}),
            &[
                "exec",
                CONNECTOR_ID,
                "customers",
                "list",
                "--params",
                r#"{"limit":2}"#,
            ],
        ),
        step(
            "execute-by-id-no-params",
            "execute",
            Plain,
            json!({"connector_id": CONNECTOR_ID, "entity": "customers", "action": "list"}),
            &["exec", CONNECTOR_ID, "customers", "list"],
        ),
        step(
            "execute-by-id-empty-params",
            "execute",
            OrgWorkspace,
            json!({"connector_id": CONNECTOR_ID, "entity": "customers", "action": "list", "params": {}}),
            &["exec", CONNECTOR_ID, "customers", "list", "--params", "{}"],
        ),
        failing(step(
            "execute-lookup-none",
            "execute",
            EmptyWorkspace,
            json!({"connector": "stripe", "entity": "customers", "action": "list", "params": {}}),
            &["exec", "stripe", "customers", "list", "--params", "{}"],
        )),
        failing(step(
            "execute-lookup-many",
            "execute",
            CrowdedWorkspace,
            json!({"connector": "stripe", "entity": "customers", "action": "list", "params": {}}),
            &["exec", "stripe", "customers", "list", "--params", "{}"],
        )),
        // check(): by name runs the definition's check operation; by id only
        // verifies the credentials (a token request).
        step(
            "check-by-name",
            "check",
            Plain,
            json!({"connector": "stripe"}),
            &["check", "stripe"],
        ),
        step(
            "check-by-id",
            "check",
            OrgWorkspace,
            json!({"connector_id": CONNECTOR_ID}),
            &["check", CONNECTOR_ID],
        ),
        // Workspace connectors.
        step(
            "connectors-list",
            "list_connectors",
            Plain,
            json!({}),
            &["connectors", "list"],
        ),
        step(
            "connectors-list-org",
            "list_connectors",
            OrgWorkspace,
            json!({}),
            &["connectors", "list"],
        ),
        step(
            "connectors-list-env",
            "list_connectors",
            Env,
            json!({}),
            &["connectors", "list"],
        ),
        step(
            "connectors-get-by-name",
            "get_connector",
            OrgWorkspace,
            json!({"name": "stripe"}),
            &["connectors", "get", "stripe"],
        ),
        failing(step(
            "connectors-get-by-name-none",
            "get_connector",
            EmptyWorkspace,
            json!({"name": "stripe"}),
            &["connectors", "get", "stripe"],
        )),
        step(
            "connectors-create-full",
            "create_connector",
            OrgWorkspace,
            json!({"connector": "stripe", "name": "Stripe EU", "credentials": creds, "replication_config": replication, "source_template_id": "tmpl-9"}),
            &[
                "connectors",
                "create",
                "stripe",
                "--name",
                "Stripe EU",
                "--credentials",
                &cr,
                "--replication-config",
                &rp,
                "--source-template-id",
                "tmpl-9",
            ],
        ),
        step(
            "connectors-create-minimal",
            "create_connector",
            Plain,
            json!({"definition_id": STRIPE_DEFINITION, "credentials": creds}),
            &[
                "connectors",
                "create",
                STRIPE_DEFINITION,
                "--credentials",
                &cr,
            ],
        ),
        step(
            "connectors-create-oauth-secret",
            "create_connector",
            Env,
            json!({"connector": "hubspot", "name": "CRM", "server_side_oauth_secret_id": "airbyte_oauth_s1_secret_x"}),
            &[
                "connectors",
                "create",
                "hubspot",
                "--name",
                "CRM",
                "--oauth-secret-id",
                "airbyte_oauth_s1_secret_x",
            ],
        ),
        step(
            "connectors-delete",
            "delete_connector",
            Plain,
            json!({"connector_id": CONNECTOR_ID}),
            &["connectors", "delete", CONNECTOR_ID],
        ),
        step(
            "connectors-delete-org",
            "delete_connector",
            OrgWorkspace,
            json!({"connector_id": CONNECTOR_ID}),
            &["connectors", "delete", CONNECTOR_ID],
        ),
        // OAuth.
        step(
            "oauth-initiate-full",
            "oauth_initiate",
            OrgWorkspace,
            json!({"connector": "zendesk-support", "redirect_url": "https://app.example.com/cb?x=1", "name": "Support", "replication_config": replication, "source_template_id": "tmpl-2", "environment": env}),
            &[
                "oauth",
                "initiate",
                "zendesk-support",
                "--redirect-url",
                "https://app.example.com/cb?x=1",
                "--name",
                "Support",
                "--replication-config",
                &rp,
                "--source-template-id",
                "tmpl-2",
                "--environment",
                &en,
            ],
        ),
        step(
            "oauth-initiate-minimal",
            "oauth_initiate",
            Plain,
            json!({"definition_id": STRIPE_DEFINITION, "redirect_url": "https://app.example.com/cb"}),
            &[
                "oauth",
                "initiate",
                STRIPE_DEFINITION,
                "--redirect-url",
                "https://app.example.com/cb",
            ],
        ),
        step(
            "oauth-set-credentials",
            "oauth_set_credentials",
            Plain,
            json!({"connector_type": "hubspot", "credentials": {"client_id": "app-id", "client_secret": "app-secret"}}),
            &[
                "oauth",
                "set-credentials",
                "hubspot",
                "--credentials",
                r#"{"client_id":"app-id","client_secret":"app-secret"}"#,
            ],
        ),
        step(
            "oauth-set-credentials-org",
            "oauth_set_credentials",
            OrgWorkspace,
            json!({"connector_type": "hubspot", "credentials": {"client_id": "app-id", "client_secret": "app-secret"}}),
            &[
                "oauth",
                "set-credentials",
                "hubspot",
                "--credentials",
                r#"{"client_id":"app-id","client_secret":"app-secret"}"#,
            ],
        ),
        step(
            "oauth-delete-credentials",
            "oauth_delete_credentials",
            Env,
            json!({"connector_type": "hubspot"}),
            &["oauth", "delete-credentials", "hubspot"],
        ),
        // Workflows: each resolves the workspace id by name first.
        step(
            "workflows-list",
            "workflows_list",
            Plain,
            json!({}),
            &["workflows", "list"],
        ),
        step(
            "workflows-list-env",
            "workflows_list",
            Env,
            json!({}),
            &["workflows", "list"],
        ),
        step(
            "workflows-create-tasks",
            "workflows_create",
            OrgWorkspace,
            json!({"name": "daily digest", "tasks": tasks}),
            &["workflows", "create", "daily digest", "--tasks", &tk],
        ),
        step(
            "workflows-create-bare",
            "workflows_create",
            Plain,
            json!({"name": "bare"}),
            &["workflows", "create", "bare"],
        ),
        step(
            "workflows-get",
            "workflows_get",
            Env,
            json!({"workflow_id": WF}),
            &["workflows", "get", WF],
        ),
        step(
            "workflows-update-name",
            "workflows_update",
            OrgWorkspace,
            json!({"workflow_id": WF, "name": "renamed"}),
            &["workflows", "update", WF, "--name", "renamed"],
        ),
        step(
            "workflows-update-nothing",
            "workflows_update",
            Plain,
            json!({"workflow_id": WF}),
            &["workflows", "update", WF],
        ),
        step(
            "workflows-delete",
            "workflows_delete",
            Plain,
            json!({"workflow_id": WF}),
            &["workflows", "delete", WF],
        ),
        // Automations.
        step(
            "automations-list",
            "automations_list",
            OrgWorkspace,
            json!({"workflow_id": WF}),
            &["automations", "list", WF],
        ),
        step(
            "automations-create-full",
            "automations_create",
            OrgWorkspace,
            json!({"workflow_id": WF, "cron_expression": "0 9 * * 1-5", "timezone": "Europe/Berlin", "completion_webhook_url": "https://hooks.example.com/done", "enabled": false}),
            &[
                "automations",
                "create",
                WF,
                "--cron",
                "0 9 * * 1-5",
                "--timezone",
                "Europe/Berlin",
                "--webhook",
                "https://hooks.example.com/done",
                "--disabled",
            ],
        ),
        step(
            "automations-create-minimal",
            "automations_create",
            Plain,
            json!({"workflow_id": WF}),
            &["automations", "create", WF],
        ),
        step(
            "automations-get",
            "automations_get",
            Env,
            json!({"workflow_id": WF, "automation_id": AU}),
            &["automations", "get", WF, AU],
        ),
        step(
            "automations-update-enable-cron",
            "automations_update",
            OrgWorkspace,
            json!({"workflow_id": WF, "automation_id": AU, "enabled": true, "cron_expression": "*/15 * * * *"}),
            &[
                "automations",
                "update",
                WF,
                AU,
                "--enable",
                "--cron",
                "*/15 * * * *",
            ],
        ),
        step(
            "automations-update-disable-tz-webhook",
            "automations_update",
            Plain,
            json!({"workflow_id": WF, "automation_id": AU, "enabled": false, "timezone": "America/New_York", "completion_webhook_url": "https://hooks.example.com/x"}),
            &[
                "automations",
                "update",
                WF,
                AU,
                "--disable",
                "--timezone",
                "America/New_York",
                "--webhook",
                "https://hooks.example.com/x",
            ],
        ),
        step(
            "automations-delete",
            "automations_delete",
            Env,
            json!({"workflow_id": WF, "automation_id": AU}),
            &["automations", "delete", WF, AU],
        ),
        // ask: the module function, the blocking variant (with and without a
        // running event loop) and Workspace.ask all send the same request.
        step(
            "ask",
            "ask",
            Plain,
            json!({"prompt": "list my 5 newest customers"}),
            &["ask", "list my 5 newest customers"],
        ),
        step(
            "ask-sync-org",
            "ask_sync",
            OrgWorkspace,
            json!({"prompt": "¿cuántos tickets abiertos?"}),
            &["ask", "¿cuántos tickets abiertos?"],
        ),
        step(
            "ask-sync-in-loop-env",
            "ask_sync_in_loop",
            Env,
            json!({"prompt": "revenue this week"}),
            &["ask", "revenue this week"],
        ),
        step(
            "workspace-ask",
            "workspace_ask",
            OrgWorkspace,
            json!({"prompt": "who churned?"}),
            &["ask", "who churned?"],
        ),
    ]
}

/// The parts of a request that must match.
#[derive(Debug, Clone, PartialEq)]
struct WireRequest {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    /// Parsed JSON body, `Value::String` of the raw text when not JSON, or
    /// `Null` when empty.
    body: Value,
    authorization: Option<String>,
    organization: Option<String>,
}

impl WireRequest {
    fn from(r: &RecordedRequest) -> Self {
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

    fn is_token(&self) -> bool {
        self.method == "POST" && self.path == TOKEN_PATH
    }
}

/// A difference from the reference that we make on purpose.
struct Allowed {
    step: &'static str,
    reason: &'static str,
    /// Turns the reference's requests for the step into what we send. Must
    /// change something (a stale entry fails the test).
    fixup: fn(&mut Vec<WireRequest>),
}

/// Every intended difference from the reference, with the reason.
fn allowed_differences() -> Vec<Allowed> {
    vec![
        Allowed {
            step: "execute-by-id-empty-params",
            reason: "an explicitly empty params object: the reference sends `{}`, we send `null`. \
                     Our ExecutionConfig holds params as a map, so empty and absent are the same \
                     value; both are sent as `null`, which is what the reference sends when no \
                     params are given (step execute-by-id-no-params, identical). The server reads \
                     both as no parameters.",
            fixup: |reqs| {
                for r in reqs.iter_mut().filter(|r| r.path.ends_with("/execute")) {
                    if let Some(p) = r.body.get_mut("params") {
                        if p == &json!({}) {
                            *p = Value::Null;
                        }
                    }
                }
            },
        },
        Allowed {
            step: "check-by-name",
            reason: "the reference's connect(name) loads the bundled YAML definition and its \
                     check() runs the definition's check operation (here a connector lookup and \
                     customers.list with limit 1). Our hosted catalog carries no definitions, so \
                     check() falls back to the reference's other branch: verifying the Airbyte \
                     credentials (the token request, compared separately).",
            fixup: |reqs| reqs.clear(),
        },
        Allowed {
            step: "execute-lookup-none",
            reason: "when no connector of the definition exists in the workspace, we also list \
                     the workspace's connectors so the error can name them (the reference's \
                     'No connector found' gives no hint); one extra GET, same auth and org.",
            fixup: |reqs| append_workspace_listing(reqs, EMPTY_WORKSPACE),
        },
        Allowed {
            step: "connectors-get-by-name-none",
            reason: "as for execute-lookup-none: the extra listing that names the workspace's \
                     connectors in the not-found error.",
            fixup: |reqs| append_workspace_listing(reqs, EMPTY_WORKSPACE),
        },
        Allowed {
            step: "oauth-set-credentials-org",
            reason: "the reference's configure_oauth_app_parameters builds its own headers and \
                     drops X-Organization-Id (and the typed connectors never pass the org to \
                     that client). Every other call of the same client sends it for multi-org \
                     routing; we send it on these calls too.",
            fixup: |reqs| {
                for r in reqs
                    .iter_mut()
                    .filter(|r| r.path == "/api/v1/oauth/credentials")
                {
                    r.organization = Some(ORG_ID.to_string());
                }
            },
        },
        Allowed {
            step: "oauth-delete-credentials",
            reason: "as for oauth-set-credentials-org: the reference drops X-Organization-Id on \
                     the OAuth app credential calls (here the org comes from \
                     AIRBYTE_ORGANIZATION_ID); we keep it.",
            fixup: |reqs| {
                for r in reqs
                    .iter_mut()
                    .filter(|r| r.path.starts_with("/api/v1/oauth/credentials/"))
                {
                    r.organization = Some(ENV_ORG_ID.to_string());
                }
            },
        },
    ]
}

/// Appends the `GET /connectors?customer_name=W` we send after an empty
/// lookup, with the headers of the lookup itself.
fn append_workspace_listing(reqs: &mut Vec<WireRequest>, workspace: &str) {
    if let Some(lookup) = reqs.last().cloned() {
        reqs.push(WireRequest {
            query: vec![("customer_name".into(), workspace.into())],
            ..lookup
        });
    }
}

/// Splits the reference log at the driver's step markers.
fn split_reference_log(log: Vec<RecordedRequest>, steps: usize) -> Vec<Vec<RecordedRequest>> {
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

fn responder(req: &RecordedRequest) -> MockResponse {
    if req.path.starts_with(MARKER_PREFIX) {
        return MockResponse::empty(204);
    }
    hosted_api(req)
}

fn run_reference(python: &std::path::Path, base_url: &str, steps: &[Step]) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario: Vec<Value> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let env: BTreeMap<&str, &str> = s.set.env().into_iter().collect();
            json!({"index": i, "name": s.name, "op": s.op, "auth": s.set.python_auth(), "env": env, "args": s.args})
        })
        .collect();
    let scenario_path = dir.path().join("scenario.json");
    let results_path = dir.path().join("results.json");
    std::fs::write(&scenario_path, serde_json::to_vec(&scenario).expect("json"))
        .expect("write scenario");
    let out = Command::new(python)
        .arg(test_file("python/hosted_scenario_047.py"))
        .arg(&scenario_path)
        .arg(&results_path)
        .env("SDK_DEV_ADP_API_HOST", base_url)
        .env("SCENARIO_MARKER_URL", format!("{base_url}{MARKER_PREFIX}"))
        .env("AIRBYTE_TELEMETRY_MODE", "disabled")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("AIRBYTE_CLIENT_ID")
        .env_remove("AIRBYTE_CLIENT_SECRET")
        .env_remove("AIRBYTE_ORGANIZATION_ID")
        .output()
        .expect("run the reference driver");
    assert!(
        out.status.success(),
        "reference driver failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&results_path).expect("results")).expect("json");
    assert_eq!(results.len(), steps.len());
    results
}

fn run_ours(base_url: &str, s: &Step) -> CliRun {
    let mut cmd = cli_command();
    cmd.arg("--api-url").arg(base_url);
    cmd.args(s.set.cli_flags());
    cmd.args(&s.cli);
    for (k, v) in s.set.env() {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run airbyte-agent");
    CliRun {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn expected_credentials(set: ValueSet) -> (&'static str, &'static str) {
    match set {
        ValueSet::Env => (ENV_CLIENT_ID, ENV_CLIENT_SECRET),
        _ => (CLIENT_ID, CLIENT_SECRET),
    }
}

/// Checks token requests apart: right credentials in the body, no bearer.
/// Returns how many there were.
fn check_tokens(side: &str, s: &Step, reqs: &[WireRequest]) -> usize {
    let (id, secret) = expected_credentials(s.set);
    let tokens: Vec<&WireRequest> = reqs.iter().filter(|r| r.is_token()).collect();
    for t in &tokens {
        assert_eq!(
            t.body,
            json!({"client_id": id, "client_secret": secret}),
            "{side} token body in step {}",
            s.name
        );
        assert_eq!(t.query, vec![], "{side} token query in step {}", s.name);
        assert_eq!(
            t.authorization, None,
            "{side} token auth in step {}",
            s.name
        );
    }
    tokens.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_matches_reference_047_on_the_wire() {
    let Some(python) = reference::python(Version::V0_1_47) else {
        return;
    };
    let server = RecordingServer::start(responder).await;
    let url = server.url();
    let steps = scenario();

    let ref_results = {
        let (py, u) = (python.clone(), url.clone());
        let steps_for_py = steps.clone();
        tokio::task::spawn_blocking(move || run_reference(&py, &u, &steps_for_py))
            .await
            .expect("reference run")
    };
    let ref_logs = split_reference_log(server.take_requests(), steps.len());

    // Debugging aid: CONFORMANCE_PRINT_REFERENCE=1 cargo test ... -- --nocapture
    if std::env::var_os("CONFORMANCE_PRINT_REFERENCE").is_some() {
        for (i, log) in ref_logs.iter().enumerate() {
            eprintln!("== {} -> {}", steps[i].name, ref_results[i]);
            for r in log {
                eprintln!("   {:?}", WireRequest::from(r));
            }
        }
    }
    let allowed = allowed_differences();
    let mut identical = 0;
    let mut compared = 0;
    let mut used_allowances = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let ours_run = {
            let u = url.clone();
            let step_copy = s.clone();
            tokio::task::spawn_blocking(move || run_ours(&u, &step_copy))
                .await
                .expect("cli run")
        };
        let ours: Vec<WireRequest> = server
            .take_requests()
            .iter()
            .map(WireRequest::from)
            .collect();
        let reference: Vec<WireRequest> = ref_logs[i].iter().map(WireRequest::from).collect();

        // Both sides agree on success or failure.
        let ref_ok = ref_results[i]["ok"].as_bool().unwrap_or(false);
        assert_eq!(
            ref_ok, s.ok,
            "reference outcome of step {}: {}",
            s.name, ref_results[i]
        );
        assert_eq!(
            ours_run.code == Some(0),
            s.ok,
            "our outcome of step {}: exit {:?}\nstdout: {}\nstderr: {}",
            s.name,
            ours_run.code,
            ours_run.stdout,
            ours_run.stderr
        );

        let ref_tokens = check_tokens("reference", s, &reference);
        let our_tokens = check_tokens("ours", s, &ours);
        assert_eq!(
            our_tokens, ref_tokens,
            "token request count in step {} (fresh client per step on both sides)",
            s.name
        );

        let mut expected: Vec<WireRequest> =
            reference.into_iter().filter(|r| !r.is_token()).collect();
        let ours: Vec<WireRequest> = ours.into_iter().filter(|r| !r.is_token()).collect();
        if let Some(a) = allowed.iter().find(|a| a.step == s.name) {
            let before = expected.clone();
            (a.fixup)(&mut expected);
            assert_ne!(
                before, expected,
                "allowed difference for {} no longer applies: {}",
                s.name, a.reason
            );
            used_allowances.push(a.step);
        } else {
            identical += 1;
        }
        compared += 1;
        assert_eq!(
            ours, expected,
            "step {} ({}): our requests differ from the reference's",
            s.name, s.op
        );
    }
    for a in &allowed {
        assert!(
            used_allowances.contains(&a.step),
            "allow-list entry for unknown step {}",
            a.step
        );
    }
    eprintln!(
        "wire conformance: {compared} steps compared, {identical} identical, {} with allowed differences",
        used_allowances.len()
    );
}
