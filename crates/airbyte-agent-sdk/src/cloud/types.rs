//! Request and response bodies of the hosted API, with the reference SDK's
//! field names and defaults.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// A connector (source) instance in a workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConnectorInfo {
    /// Connector id.
    pub id: String,
    /// Connector name.
    pub name: String,
    /// Connector type (the source template's name), e.g. `Stripe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_type: Option<String>,
    /// Creation time as sent by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Last update time as sent by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// The wire shape of a connector in `GET /api/v1/integrations/connectors`.
#[derive(Deserialize)]
pub(crate) struct WireConnector {
    #[serde(deserialize_with = "id_string")]
    id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    name: String,
    #[serde(default)]
    summarized_source_template: Option<WireTemplate>,
    #[serde(default, deserialize_with = "opt_string")]
    created_at: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    updated_at: Option<String>,
}

#[derive(Deserialize)]
struct WireTemplate {
    #[serde(default, deserialize_with = "opt_string")]
    name: Option<String>,
}

impl From<WireConnector> for ConnectorInfo {
    fn from(w: WireConnector) -> Self {
        ConnectorInfo {
            id: w.id,
            name: w.name,
            connector_type: w.summarized_source_template.and_then(|t| t.name),
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// `{"data": [...]}` list envelope.
#[derive(Deserialize)]
pub(crate) struct DataList<T> {
    pub data: Vec<T>,
}

/// A workspace as listed by `GET /api/v1/workspaces`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WorkspaceInfo {
    /// Workspace id.
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// Workspace name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: String,
}

/// The answer of `ask`: a natural-language query across a workspace's connectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AskResult {
    /// `"success"` or another outcome; `"error"` when the server sent none.
    #[serde(default = "default_outcome", deserialize_with = "outcome_or_error")]
    pub outcome: String,
    /// Why the outcome is what it is.
    #[serde(default, deserialize_with = "opt_string")]
    pub outcome_reason: Option<String>,
    /// The answer text. Trust it only when `outcome == "success"`.
    #[serde(default, deserialize_with = "opt_string")]
    pub answer: Option<String>,
    /// The tool calls made to answer.
    #[serde(default, deserialize_with = "null_as_default")]
    pub results: Vec<AskToolCall>,
    /// Server-side query id.
    #[serde(default, deserialize_with = "opt_string")]
    pub query_id: Option<String>,
    /// Server-side execution metadata (empty when absent).
    #[serde(default, deserialize_with = "null_as_default")]
    pub execution_metadata: Map<String, Value>,
}

impl AskResult {
    /// Whether the server reported success.
    pub fn is_success(&self) -> bool {
        self.outcome == "success"
    }
}

fn default_outcome() -> String {
    "error".to_string()
}

fn outcome_or_error<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(d)?.unwrap_or_else(default_outcome))
}

/// One tool call made while answering an `ask`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AskToolCall {
    /// The connector (source) that was called.
    #[serde(default, deserialize_with = "opt_string")]
    pub source_id: Option<String>,
    /// Entity called.
    #[serde(default, deserialize_with = "opt_string")]
    pub entity: Option<String>,
    /// Action called.
    #[serde(default, deserialize_with = "opt_string")]
    pub action: Option<String>,
    /// Parameters passed.
    #[serde(default, deserialize_with = "null_as_default")]
    pub params: Map<String, Value>,
    /// Call status.
    #[serde(default, deserialize_with = "opt_string")]
    pub status: Option<String>,
    /// Data returned.
    #[serde(default)]
    pub data: Value,
    /// Connector metadata returned (pagination, totals, ...).
    #[serde(default)]
    pub connector_metadata: Value,
    /// How long the call took.
    #[serde(default)]
    pub execution_time_ms: Option<i64>,
}

/// A workflow in a workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WorkflowInfo {
    /// Workflow id.
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// Workflow name.
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    /// Owning workspace id.
    #[serde(deserialize_with = "id_string")]
    pub workspace_id: String,
    /// Creation time as sent by the server.
    #[serde(default, deserialize_with = "opt_string")]
    pub created_at: Option<String>,
    /// Last update time as sent by the server.
    #[serde(default, deserialize_with = "opt_string")]
    pub updated_at: Option<String>,
}

/// An automation attached to a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AutomationInfo {
    /// Automation id.
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// Workflow id.
    #[serde(deserialize_with = "id_string")]
    pub workflow_id: String,
    /// Workspace id.
    #[serde(deserialize_with = "id_string")]
    pub workspace_id: String,
    /// Whether the automation runs.
    pub enabled: bool,
    /// Trigger type, e.g. `schedule`.
    #[serde(deserialize_with = "lenient_string")]
    pub trigger_type: String,
    /// Cron expression of a schedule trigger.
    #[serde(default, deserialize_with = "opt_string")]
    pub cron_expression: Option<String>,
    /// Time zone of the schedule; `UTC` when the server sends none (also for
    /// an explicit `null`, where the reference would keep `None`).
    #[serde(default = "default_timezone", deserialize_with = "timezone_or_utc")]
    pub timezone: String,
    /// Webhook called when a run completes.
    #[serde(default, deserialize_with = "opt_string")]
    pub completion_webhook_url: Option<String>,
    /// Webhook that triggers a run.
    #[serde(default, deserialize_with = "opt_string")]
    pub trigger_webhook_url: Option<String>,
    /// When the schedule next fires (RFC 3339), for servers that say so
    /// (the local `airbyte-agent serve`; the hosted API does not).
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_run_at: Option<String>,
    /// Creation time as sent by the server.
    #[serde(default, deserialize_with = "opt_string")]
    pub created_at: Option<String>,
    /// Last update time as sent by the server.
    #[serde(default, deserialize_with = "opt_string")]
    pub updated_at: Option<String>,
}

fn default_timezone() -> String {
    "UTC".to_string()
}

fn timezone_or_utc<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(d)?.unwrap_or_else(default_timezone))
}

/// Body of `POST /api/v1/integrations/connectors`.
///
/// `credentials` hold the vendor secrets and are never shown by `Debug`.
#[derive(Clone, Serialize)]
#[non_exhaustive]
pub struct CreateConnectorRequest {
    /// Connector name.
    pub name: String,
    /// Connector definition id (see the [catalog](crate::catalog)).
    pub definition_id: String,
    /// Workspace the connector is created in.
    pub workspace_name: String,
    /// The vendor credentials (auth config). Omit when using server-side OAuth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Map<String, Value>>,
    /// Replication settings, e.g. `start_date`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication_config: Option<Map<String, Value>>,
    /// Secret id returned by a server-side OAuth flow, instead of credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_side_oauth_secret_id: Option<String>,
    /// Source template, required when the organization has several for this type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_template_id: Option<String>,
}

impl CreateConnectorRequest {
    /// A request with the required fields only.
    pub fn new(
        name: impl Into<String>,
        definition_id: impl Into<String>,
        workspace_name: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            definition_id: definition_id.into(),
            workspace_name: workspace_name.into(),
            credentials: None,
            replication_config: None,
            server_side_oauth_secret_id: None,
            source_template_id: None,
        }
    }
}

impl std::fmt::Debug for CreateConnectorRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateConnectorRequest")
            .field("name", &self.name)
            .field("definition_id", &self.definition_id)
            .field("workspace_name", &self.workspace_name)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|c| {
                    c.keys()
                        .map(|k| format!("{k}=[redacted]"))
                        .collect::<Vec<_>>()
                }),
            )
            .field("replication_config", &self.replication_config)
            .field(
                "server_side_oauth_secret_id",
                &self
                    .server_side_oauth_secret_id
                    .as_ref()
                    .map(|_| "[redacted]"),
            )
            .field("source_template_id", &self.source_template_id)
            .finish()
    }
}

/// Body of `POST /api/v1/integrations/connectors/oauth/initiate`.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct OAuthInitiateRequest {
    /// Workspace the connector will be created in.
    pub workspace_name: String,
    /// Connector definition id.
    pub definition_id: String,
    /// Where the user lands after consent (`?connector_id=...` is appended).
    pub redirect_url: String,
    /// Name of the connector to create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Replication settings merged with the OAuth credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication_config: Option<Map<String, Value>>,
    /// Source template id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_template_id: Option<String>,
    /// Values the vendor's OAuth URLs need, e.g. `{"subdomain": "acme"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<Map<String, Value>>,
}

impl OAuthInitiateRequest {
    /// A request with the required fields only.
    pub fn new(
        workspace_name: impl Into<String>,
        definition_id: impl Into<String>,
        redirect_url: impl Into<String>,
    ) -> Self {
        Self {
            workspace_name: workspace_name.into(),
            definition_id: definition_id.into(),
            redirect_url: redirect_url.into(),
            name: None,
            replication_config: None,
            source_template_id: None,
            environment: None,
        }
    }
}

/// Body of `POST /api/v1/internal/workflows`.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct CreateWorkflowRequest {
    /// Workspace id (not name).
    pub workspace_id: String,
    /// Workflow name.
    pub name: String,
    /// Workflow tasks, passed through as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<Value>>,
}

impl CreateWorkflowRequest {
    /// A workflow without tasks.
    pub fn new(workspace_id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            workspace_id: workspace_id.into(),
            name: name.into(),
            tasks: None,
        }
    }

    /// Sets the tasks.
    pub fn tasks(mut self, tasks: Vec<Value>) -> Self {
        self.tasks = Some(tasks);
        self
    }
}

/// Body of `PATCH /api/v1/internal/workflows/{id}`: only the set fields change.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct UpdateWorkflowRequest {
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl UpdateWorkflowRequest {
    /// Renames the workflow.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// Settings of a new automation (`POST .../workflows/{id}/automations`).
///
/// Defaults as in the reference: a `schedule` trigger, enabled.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NewAutomation {
    /// Trigger type (default `schedule`).
    pub trigger_type: String,
    /// Whether it runs (default `true`).
    pub enabled: bool,
    /// Cron expression of a schedule trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cron_expression: Option<String>,
    /// Time zone of the schedule (the server defaults to UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Webhook called when a run completes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_webhook_url: Option<String>,
}

impl Default for NewAutomation {
    fn default() -> Self {
        Self {
            trigger_type: "schedule".to_string(),
            enabled: true,
            cron_expression: None,
            timezone: None,
            completion_webhook_url: None,
        }
    }
}

impl NewAutomation {
    /// An enabled schedule trigger running on `cron`.
    pub fn schedule(cron: impl Into<String>) -> Self {
        Self {
            cron_expression: Some(cron.into()),
            ..Self::default()
        }
    }

    /// Sets the trigger type.
    pub fn trigger_type(mut self, t: impl Into<String>) -> Self {
        self.trigger_type = t.into();
        self
    }

    /// Sets whether the automation is enabled.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Sets the cron expression.
    pub fn cron_expression(mut self, cron: impl Into<String>) -> Self {
        self.cron_expression = Some(cron.into());
        self
    }

    /// Sets the time zone, e.g. `Europe/Paris`.
    pub fn timezone(mut self, tz: impl Into<String>) -> Self {
        self.timezone = Some(tz.into());
        self
    }

    /// Sets the completion webhook URL.
    pub fn completion_webhook_url(mut self, url: impl Into<String>) -> Self {
        self.completion_webhook_url = Some(url.into());
        self
    }
}

/// Wire body of automation creation: the settings plus the workspace id.
#[derive(Serialize)]
pub(crate) struct CreateAutomationBody<'a> {
    pub workspace_id: &'a str,
    #[serde(flatten)]
    pub settings: &'a NewAutomation,
}

/// Changes to an automation (`PATCH`): only the set fields change.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AutomationUpdate {
    /// Enable or disable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// New trigger type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_type: Option<String>,
    /// New cron expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cron_expression: Option<String>,
    /// New time zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// New completion webhook URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_webhook_url: Option<String>,
}

impl AutomationUpdate {
    /// Sets `enabled`.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    /// Sets the trigger type.
    pub fn trigger_type(mut self, t: impl Into<String>) -> Self {
        self.trigger_type = Some(t.into());
        self
    }

    /// Sets the cron expression.
    pub fn cron_expression(mut self, cron: impl Into<String>) -> Self {
        self.cron_expression = Some(cron.into());
        self
    }

    /// Sets the time zone.
    pub fn timezone(mut self, tz: impl Into<String>) -> Self {
        self.timezone = Some(tz.into());
        self
    }

    /// Sets the completion webhook URL.
    pub fn completion_webhook_url(mut self, url: impl Into<String>) -> Self {
        self.completion_webhook_url = Some(url.into());
        self
    }
}

/// Response of connector creation.
#[derive(Deserialize)]
pub(crate) struct CreatedId {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
}

/// Response of OAuth initiation.
#[derive(Deserialize)]
pub(crate) struct ConsentUrl {
    pub consent_url: String,
}

/// Response of the token endpoint.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: String,
    /// Seconds; a number or a numeric string. Anything else is ignored (the
    /// default lifetime applies) rather than failing the token exchange.
    #[serde(default, deserialize_with = "lenient_seconds")]
    pub expires_in: Option<f64>,
}

fn lenient_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Response of `execute`.
#[derive(Deserialize)]
pub(crate) struct ExecuteResponse {
    #[serde(default)]
    pub result: Value,
    #[serde(default)]
    pub connector_metadata: Option<Value>,
}

/// Ids arrive as strings, but the reference accepts anything and
/// stringifies it (e.g. numeric ids); so do we.
fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Null => Err(serde::de::Error::custom("id is null")),
        other => Ok(other.to_string()),
    }
}

fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(d)?.unwrap_or_default())
}

fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ask_result_defaults() {
        let r: AskResult = serde_json::from_value(json!({})).unwrap();
        assert_eq!(r.outcome, "error");
        assert!(r.results.is_empty());
        assert!(r.execution_metadata.is_empty());
        let r: AskResult = serde_json::from_value(json!({
            "outcome": "success", "answer": "42", "execution_metadata": null,
            "results": [{"source_id": "s", "entity": "customers", "action": "list",
                         "params": {"limit": 1}, "status": "ok", "data": [1],
                         "execution_time_ms": 12, "unknown": true}]
        }))
        .unwrap();
        assert!(r.is_success());
        assert_eq!(r.results[0].entity.as_deref(), Some("customers"));
        assert_eq!(r.results[0].execution_time_ms, Some(12));
    }

    #[test]
    fn automation_timezone_defaults_to_utc() {
        let a: AutomationInfo = serde_json::from_value(json!({
            "id": "a", "workflow_id": "w", "workspace_id": 7, "enabled": true,
            "trigger_type": "schedule"
        }))
        .unwrap();
        assert_eq!(a.timezone, "UTC");
        assert_eq!(a.workspace_id, "7");
    }

    #[test]
    fn connector_type_comes_from_the_template() {
        let w: WireConnector = serde_json::from_value(json!({
            "id": "c1", "name": "n", "summarized_source_template": {"name": "Stripe"}
        }))
        .unwrap();
        let c = ConnectorInfo::from(w);
        assert_eq!(c.connector_type.as_deref(), Some("Stripe"));
    }

    #[test]
    fn token_expiry_is_lenient() {
        let t: TokenResponse =
            serde_json::from_value(json!({"access_token": "a", "expires_in": "120"})).unwrap();
        assert_eq!(t.expires_in, Some(120.0));
        let t: TokenResponse =
            serde_json::from_value(json!({"access_token": "a", "expires_in": {"x": 1}})).unwrap();
        assert_eq!(t.expires_in, None);
        let t: TokenResponse = serde_json::from_value(json!({"access_token": "a"})).unwrap();
        assert_eq!(t.expires_in, None);
    }

    #[test]
    fn create_request_debug_hides_credentials() {
        let mut r = CreateConnectorRequest::new("n", "d", "w");
        let mut creds = Map::new();
        creds.insert("api_key".into(), json!("sk_live_SENSITIVE"));
        r.credentials = Some(creds);
        r.server_side_oauth_secret_id = Some("oauth_SENSITIVE".into());
        let text = format!("{r:?}");
        assert!(!text.contains("SENSITIVE"), "{text}");
        assert!(text.contains("api_key"));
    }
}
