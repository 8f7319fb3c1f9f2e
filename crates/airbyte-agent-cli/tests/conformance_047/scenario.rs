//! The scenario both sides run: every hosted operation of the reference
//! 0.1.47 (connect + execute, check, Workspace connectors, OAuth, workflows,
//! automations, ask) with several value sets.

use serde_json::{Value, json};

use crate::support::*;

pub const ENV_CLIENT_ID: &str = "env-client-41b9";
pub const ENV_CLIENT_SECRET: &str = "env-s3cret-Rk2pX7";
pub const ENV_ORG_ID: &str = "5e9c1a2b-3d4f-4a6b-8c7d-9e0f1a2b3c4d";

/// The credential/workspace/organization combinations steps run with.
#[derive(Debug, Clone, Copy)]
pub enum ValueSet {
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
    pub fn workspace(self) -> Option<&'static str> {
        match self {
            ValueSet::Plain => None,
            ValueSet::OrgWorkspace => Some("acme-prod"),
            ValueSet::Env => Some("ops team/eu"),
            ValueSet::EmptyWorkspace => Some(EMPTY_WORKSPACE),
            ValueSet::CrowdedWorkspace => Some(CROWDED_WORKSPACE),
        }
    }

    pub fn org(self) -> Option<&'static str> {
        match self {
            ValueSet::OrgWorkspace => Some(ORG_ID),
            _ => None,
        }
    }

    pub fn env(self) -> Vec<(&'static str, &'static str)> {
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
    pub fn python_auth(self) -> Value {
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
    pub fn cli_flags(self) -> Vec<String> {
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
pub struct Step {
    /// Unique label, used in failure messages and the allow-list.
    pub name: &'static str,
    /// Operation name understood by the Python driver.
    pub op: &'static str,
    pub set: ValueSet,
    /// Arguments for the Python driver.
    pub args: Value,
    /// CLI arguments after the global flags.
    pub cli: Vec<String>,
    /// Whether the operation succeeds (both sides must agree).
    pub ok: bool,
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

pub const CONNECTOR_ID: &str = "3f1d2c4b-5a6e-4f70-9182-a3b4c5d6e7f8";
const WF: &str = "wf-2c9e61d0";
const AU: &str = "au-7f1a";

/// Every step, in order. A table: one step per entry, Python arguments then
/// the CLI arguments that do the same.
#[rustfmt::skip]
pub fn scenario() -> Vec<Step> {
    use ValueSet::*;
    let params_a = json!({"limit": 5, "created": {"gte": 1730000000}, "expand": ["data.default_source"]});
    let params_b = json!({"query": "email:'ada@example.com' AND name~\"Ada Løvelace\"", "limit": 1});
    let creds = json!({"api_key": "sk_test_51Hx", "account_id": "acct_1Q"});
    let replication = json!({"start_date": "2024-01-01T00:00:00Z", "lookback_window_days": 7});
    let env = json!({"subdomain": "acme"});
    let tasks = json!([{"type": "ask", "prompt": "summarize new tickets"}, {"type": "notify", "channel": "#ops"}]);
    let (pa, pb, cr, rp, en, tk) = (params_a.to_string(), params_b.to_string(), creds.to_string(),
        replication.to_string(), env.to_string(), tasks.to_string());
    vec![
        // connect(name) + execute: connector lookup by workspace and definition.
        step("execute-by-name", "execute", Plain,
            json!({"connector": "stripe", "entity": "customers", "action": "list", "params": params_a}),
            &["exec", "stripe", "customers", "list", "--params", &pa]),
        step("execute-by-name-org", "execute", OrgWorkspace,
            json!({"connector": "stripe", "entity": "customers", "action": "api_search", "params": params_b}),
            &["exec", "stripe", "customers", "api_search", "--params", &pb]),
        // connect(name, connector_id=...) and Workspace.get_connector(id): no lookup.
        step("execute-by-id-typed", "execute", OrgWorkspace,
            json!({"connector": "stripe", "connector_id": CONNECTOR_ID, "entity": "invoices", "action": "get", "params": {"id": "in_1"}}),
            &["exec", CONNECTOR_ID, "invoices", "get", "--params", r#"{"id":"in_1"}"#]),
        step("execute-by-id-env", "execute", Env,
            json!({"connector_id": CONNECTOR_ID, "entity": "customers", "action": "list", "params": {"limit": 2}}),
            &["exec", CONNECTOR_ID, "customers", "list", "--params", r#"{"limit":2}"#]),
        // The ExecutionConfig form of HostedExecutor.execute.
        step("execute-config-form", "execute_config", OrgWorkspace,
            json!({"connector_id": CONNECTOR_ID, "entity": "tickets", "action": "list", "params": {"status": "open", "per_page": 50}}),
            &["exec", CONNECTOR_ID, "tickets", "list", "--params", r#"{"status":"open","per_page":50}"#]),
        step("execute-by-id-no-params", "execute", Plain,
            json!({"connector_id": CONNECTOR_ID, "entity": "customers", "action": "list"}),
            &["exec", CONNECTOR_ID, "customers", "list"]),
        step("execute-by-id-empty-params", "execute", OrgWorkspace,
            json!({"connector_id": CONNECTOR_ID, "entity": "customers", "action": "list", "params": {}}),
            &["exec", CONNECTOR_ID, "customers", "list", "--params", "{}"]),
        failing(step("execute-lookup-none", "execute", EmptyWorkspace,
            json!({"connector": "stripe", "entity": "customers", "action": "list", "params": {}}),
            &["exec", "stripe", "customers", "list", "--params", "{}"])),
        failing(step("execute-lookup-many", "execute", CrowdedWorkspace,
            json!({"connector": "stripe", "entity": "customers", "action": "list", "params": {}}),
            &["exec", "stripe", "customers", "list", "--params", "{}"])),
        // HTTP failures: same requests, same message core on both sides.
        failing(step("execute-unauthorized", "execute", OrgWorkspace,
            json!({"connector_id": UNAUTHORIZED_CONNECTOR, "entity": "customers", "action": "list", "params": {"limit": 1}}),
            &["exec", UNAUTHORIZED_CONNECTOR, "customers", "list", "--params", r#"{"limit":1}"#])),
        failing(step("execute-rejected", "execute", Plain,
            json!({"connector_id": REJECTING_CONNECTOR, "entity": "customers", "action": "list", "params": {"limit": 1000, "colour": "red"}}),
            &["exec", REJECTING_CONNECTOR, "customers", "list", "--params", r#"{"limit":1000,"colour":"red"}"#])),
        failing(step("execute-throttled", "execute", Env,
            json!({"connector_id": THROTTLED_CONNECTOR, "entity": "customers", "action": "list", "params": {"limit": 1}}),
            &["exec", THROTTLED_CONNECTOR, "customers", "list", "--params", r#"{"limit":1}"#])),
        failing(step("execute-upstream-502", "execute", Plain,
            json!({"connector_id": BROKEN_CONNECTOR, "entity": "customers", "action": "list", "params": {"limit": 1}}),
            &["exec", BROKEN_CONNECTOR, "customers", "list", "--params", r#"{"limit":1}"#])),
        // check(): by name the reference runs the definition's check
        // operation; by id it only verifies the credentials (a token request).
        step("check-by-name", "check", Plain, json!({"connector": "stripe"}), &["check", "stripe"]),
        step("check-by-id", "check", OrgWorkspace, json!({"connector_id": CONNECTOR_ID}), &["check", CONNECTOR_ID]),
        // Workspace connectors.
        step("connectors-list", "list_connectors", Plain, json!({}), &["connectors", "list"]),
        step("connectors-list-org", "list_connectors", OrgWorkspace, json!({}), &["connectors", "list"]),
        step("connectors-list-env", "list_connectors", Env, json!({}), &["connectors", "list"]),
        step("connectors-get-by-name", "get_connector", OrgWorkspace,
            json!({"name": "stripe"}), &["connectors", "get", "stripe"]),
        failing(step("connectors-get-by-name-none", "get_connector", EmptyWorkspace,
            json!({"name": "stripe"}), &["connectors", "get", "stripe"])),
        failing(step("connectors-get-by-name-many", "get_connector", CrowdedWorkspace,
            json!({"name": "stripe"}), &["connectors", "get", "stripe"])),
        step("connectors-create-full", "create_connector", OrgWorkspace,
            json!({"connector": "stripe", "name": "Stripe EU", "credentials": creds, "replication_config": replication, "source_template_id": "tmpl-9"}),
            &["connectors", "create", "stripe", "--name", "Stripe EU", "--credentials", &cr,
              "--replication-config", &rp, "--source-template-id", "tmpl-9"]),
        step("connectors-create-minimal", "create_connector", Plain,
            json!({"definition_id": STRIPE_DEFINITION, "credentials": creds}),
            &["connectors", "create", STRIPE_DEFINITION, "--credentials", &cr]),
        step("connectors-create-oauth-secret", "create_connector", Env,
            json!({"connector": "hubspot", "name": "CRM", "server_side_oauth_secret_id": "airbyte_oauth_s1_secret_x"}),
            &["connectors", "create", "hubspot", "--name", "CRM", "--oauth-secret-id", "airbyte_oauth_s1_secret_x"]),
        step("connectors-delete", "delete_connector", Plain,
            json!({"connector_id": CONNECTOR_ID}), &["connectors", "delete", CONNECTOR_ID]),
        step("connectors-delete-org", "delete_connector", OrgWorkspace,
            json!({"connector_id": CONNECTOR_ID}), &["connectors", "delete", CONNECTOR_ID]),
        // OAuth.
        step("oauth-initiate-full", "oauth_initiate", OrgWorkspace,
            json!({"connector": "zendesk-support", "redirect_url": "https://app.example.com/cb?x=1", "name": "Support", "replication_config": replication, "source_template_id": "tmpl-2", "environment": env}),
            &["oauth", "initiate", "zendesk-support", "--redirect-url", "https://app.example.com/cb?x=1",
              "--name", "Support", "--replication-config", &rp, "--source-template-id", "tmpl-2", "--environment", &en]),
        step("oauth-initiate-minimal", "oauth_initiate", Plain,
            json!({"definition_id": STRIPE_DEFINITION, "redirect_url": "https://app.example.com/cb"}),
            &["oauth", "initiate", STRIPE_DEFINITION, "--redirect-url", "https://app.example.com/cb"]),
        step("oauth-set-credentials", "oauth_set_credentials", Plain,
            json!({"connector_type": "hubspot", "credentials": {"client_id": "app-id", "client_secret": "app-secret"}}),
            &["oauth", "set-credentials", "hubspot", "--credentials", r#"{"client_id":"app-id","client_secret":"app-secret"}"#]),
        step("oauth-set-credentials-org", "oauth_set_credentials", OrgWorkspace,
            json!({"connector_type": "hubspot", "credentials": {"client_id": "app-id", "client_secret": "app-secret"}}),
            &["oauth", "set-credentials", "hubspot", "--credentials", r#"{"client_id":"app-id","client_secret":"app-secret"}"#]),
        // The same two calls through the typed connectors' public classmethods.
        step("oauth-initiate-typed", "oauth_initiate_typed", OrgWorkspace,
            json!({"connector": "hubspot", "redirect_url": "https://app.example.com/cb", "name": "CRM"}),
            &["oauth", "initiate", "hubspot", "--redirect-url", "https://app.example.com/cb", "--name", "CRM"]),
        step("oauth-set-credentials-typed", "oauth_set_credentials_typed", OrgWorkspace,
            json!({"connector": "hubspot", "credentials": {"client_id": "app-id", "client_secret": "app-secret"}}),
            &["oauth", "set-credentials", "hubspot", "--credentials", r#"{"client_id":"app-id","client_secret":"app-secret"}"#]),
        step("oauth-delete-credentials", "oauth_delete_credentials", Env,
            json!({"connector_type": "hubspot"}), &["oauth", "delete-credentials", "hubspot"]),
        // Workflows: each resolves the workspace id by name first.
        step("workflows-list", "workflows_list", Plain, json!({}), &["workflows", "list"]),
        step("workflows-list-env", "workflows_list", Env, json!({}), &["workflows", "list"]),
        step("workflows-create-tasks", "workflows_create", OrgWorkspace,
            json!({"name": "daily digest", "tasks": tasks}), &["workflows", "create", "daily digest", "--tasks", &tk]),
        step("workflows-create-bare", "workflows_create", Plain, json!({"name": "bare"}), &["workflows", "create", "bare"]),
        step("workflows-get", "workflows_get", Env, json!({"workflow_id": WF}), &["workflows", "get", WF]),
        step("workflows-update-name", "workflows_update", OrgWorkspace,
            json!({"workflow_id": WF, "name": "renamed"}), &["workflows", "update", WF, "--name", "renamed"]),
        step("workflows-update-nothing", "workflows_update", Plain, json!({"workflow_id": WF}), &["workflows", "update", WF]),
        step("workflows-delete", "workflows_delete", Plain, json!({"workflow_id": WF}), &["workflows", "delete", WF]),
        // Automations.
        step("automations-list", "automations_list", OrgWorkspace, json!({"workflow_id": WF}), &["automations", "list", WF]),
        step("automations-create-full", "automations_create", OrgWorkspace,
            json!({"workflow_id": WF, "cron_expression": "0 9 * * 1-5", "timezone": "Europe/Berlin", "completion_webhook_url": "https://hooks.example.com/done", "enabled": false}),
            &["automations", "create", WF, "--cron", "0 9 * * 1-5", "--timezone", "Europe/Berlin",
              "--webhook", "https://hooks.example.com/done", "--disabled"]),
        step("automations-create-minimal", "automations_create", Plain, json!({"workflow_id": WF}), &["automations", "create", WF]),
        step("automations-create-trigger-type", "automations_create", Env,
            json!({"workflow_id": WF, "trigger_type": "webhook"}), &["automations", "create", WF, "--trigger-type", "webhook"]),
        step("automations-get", "automations_get", Env,
            json!({"workflow_id": WF, "automation_id": AU}), &["automations", "get", WF, AU]),
        step("automations-update-enable-cron", "automations_update", OrgWorkspace,
            json!({"workflow_id": WF, "automation_id": AU, "enabled": true, "cron_expression": "*/15 * * * *"}),
            &["automations", "update", WF, AU, "--enable", "--cron", "*/15 * * * *"]),
        step("automations-update-disable-tz-webhook", "automations_update", Plain,
            json!({"workflow_id": WF, "automation_id": AU, "enabled": false, "timezone": "America/New_York", "completion_webhook_url": "https://hooks.example.com/x"}),
            &["automations", "update", WF, AU, "--disable", "--timezone", "America/New_York",
              "--webhook", "https://hooks.example.com/x"]),
        step("automations-update-trigger-type", "automations_update", Env,
            json!({"workflow_id": WF, "automation_id": AU, "trigger_type": "schedule"}),
            &["automations", "update", WF, AU, "--trigger-type", "schedule"]),
        step("automations-delete", "automations_delete", Env,
            json!({"workflow_id": WF, "automation_id": AU}), &["automations", "delete", WF, AU]),
        // ask: the module function, the blocking variant (with and without a
        // running event loop) and Workspace.ask all send the same request.
        step("ask", "ask", Plain, json!({"prompt": "list my 5 newest customers"}), &["ask", "list my 5 newest customers"]),
        step("ask-sync-org", "ask_sync", OrgWorkspace, json!({"prompt": "¿cuántos tickets abiertos?"}),
            &["ask", "¿cuántos tickets abiertos?"]),
        step("ask-sync-in-loop-env", "ask_sync_in_loop", Env, json!({"prompt": "revenue this week"}),
            &["ask", "revenue this week"]),
        step("workspace-ask", "workspace_ask", OrgWorkspace, json!({"prompt": "who churned?"}), &["ask", "who churned?"]),
    ]
}
