//! The hosted API's endpoints, one method each.

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::types::{
    ConsentUrl, CreateAutomationBody, CreatedId, DataList, ExecuteResponse, WireConnector,
};
use super::{
    AskResult, AutomationInfo, AutomationUpdate, CloudClient, ConnectorInfo,
    CreateConnectorRequest, CreateWorkflowRequest, NewAutomation, OAuthInitiateRequest,
    UpdateWorkflowRequest, WorkflowInfo, WorkspaceInfo, to_body,
};
use crate::error::{Error, Result};
use crate::executor::{ExecutionConfig, ExecutionResult};

const CONNECTORS: &[&str] = &["api", "v1", "integrations", "connectors"];
const WORKFLOWS: &[&str] = &["api", "v1", "internal", "workflows"];

fn path<'a>(base: &[&'a str], rest: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(rest).copied().collect()
}

impl CloudClient {
    /// Connectors of `workspace_name` created from `definition_id`
    /// (`GET /api/v1/integrations/connectors?workspace_name=W&definition_id=D`).
    pub async fn connectors_for_definition(
        &self,
        workspace_name: &str,
        definition_id: &str,
    ) -> Result<Vec<ConnectorInfo>> {
        let list: DataList<WireConnector> = self
            .call_json(
                Method::GET,
                CONNECTORS,
                &[
                    ("workspace_name", workspace_name),
                    ("definition_id", definition_id),
                ],
                None,
                "connector list",
            )
            .await?;
        Ok(list.data.into_iter().map(ConnectorInfo::from).collect())
    }

    /// The id of the one connector of `workspace_name` created from
    /// `definition_id`.
    ///
    /// Fails with [`Error::NotFound`] (listing the connectors that do exist
    /// in the workspace, with one more request) or [`Error::Ambiguous`]
    /// (listing the matches). `label` names the connector in messages, e.g.
    /// its catalog slug; the definition id is used when it is `None`.
    pub async fn resolve_connector_id(
        &self,
        workspace_name: &str,
        definition_id: &str,
        label: Option<&str>,
    ) -> Result<String> {
        let mut found = self
            .connectors_for_definition(workspace_name, definition_id)
            .await?;
        let name = match label {
            Some(l) => format!("{l} (definition {definition_id})"),
            None => format!("definition {definition_id}"),
        };
        let scope = format!("workspace \"{workspace_name}\"");
        match found.len() {
            1 => Ok(found.remove(0).id),
            0 => {
                let available = match self.list_connectors(workspace_name).await {
                    Ok(all) => all.iter().map(describe_connector).collect(),
                    Err(e) => {
                        tracing::debug!(error = %e, "could not list the workspace's connectors");
                        Vec::new()
                    }
                };
                Err(Error::NotFound {
                    what: "connector".into(),
                    name,
                    scope,
                    available,
                })
            }
            _ => Err(Error::Ambiguous {
                what: "connector".into(),
                name,
                scope,
                candidates: found.iter().map(describe_connector).collect(),
            }),
        }
    }

    /// Every connector of a workspace
    /// (`GET /api/v1/integrations/connectors?customer_name=W`).
    ///
    /// The query parameter is `customer_name` as in the reference 0.1.47
    /// (0.1.380 sends `workspace_name`).
    pub async fn list_connectors(&self, workspace_name: &str) -> Result<Vec<ConnectorInfo>> {
        let list: DataList<WireConnector> = self
            .call_json(
                Method::GET,
                CONNECTORS,
                &[("customer_name", workspace_name)],
                None,
                "connector list",
            )
            .await?;
        Ok(list.data.into_iter().map(ConnectorInfo::from).collect())
    }

    /// Runs one operation on a connector
    /// (`POST /api/v1/integrations/connectors/{id}/execute`).
    ///
    /// The response's `result` becomes [`ExecutionResult::data`] and its
    /// `connector_metadata` [`ExecutionResult::meta`]. Empty params are sent
    /// as `null`, as the reference does when none are given.
    pub async fn execute(
        &self,
        connector_id: &str,
        op: &ExecutionConfig,
    ) -> Result<ExecutionResult> {
        require("connector_id", connector_id)?;
        let params = if op.params.is_empty() {
            Value::Null
        } else {
            Value::Object(op.params.clone())
        };
        let body = json!({"entity": op.entity, "action": op.action, "params": params});
        let resp: ExecuteResponse = self
            .call_json(
                Method::POST,
                &path(CONNECTORS, &[connector_id, "execute"]),
                &[],
                Some(&body),
                "execute response",
            )
            .await?;
        Ok(ExecutionResult::new(
            resp.result,
            resp.connector_metadata.filter(|m| !m.is_null()),
        ))
    }

    /// Asks a natural-language question across a workspace's connectors
    /// (`POST /api/v1/workspaces/query/structured?workspace_name=W`).
    pub async fn ask(&self, workspace_name: &str, prompt: &str) -> Result<AskResult> {
        self.call_json(
            Method::POST,
            &["api", "v1", "workspaces", "query", "structured"],
            &[("workspace_name", workspace_name)],
            Some(&json!({ "prompt": prompt })),
            "ask response",
        )
        .await
    }

    /// Creates a connector and returns its id
    /// (`POST /api/v1/integrations/connectors`).
    ///
    /// The reference 0.1.47's `Workspace.create_connector` crashes before
    /// sending anything (it passes `customer_name=` to a client method that
    /// only accepts `workspace_name=`); this sends the body its client
    /// method builds, which is what the API expects.
    pub async fn create_connector(&self, request: &CreateConnectorRequest) -> Result<String> {
        let created: CreatedId = self
            .call_json(
                Method::POST,
                CONNECTORS,
                &[],
                Some(&to_body(request)?),
                "created connector",
            )
            .await?;
        Ok(created.id)
    }

    /// Starts a server-side OAuth flow and returns the consent URL to send
    /// the user to (`POST /api/v1/integrations/connectors/oauth/initiate`).
    /// After consent the connector is created and the user is redirected to
    /// `redirect_url?connector_id=...`.
    pub async fn initiate_oauth(&self, request: &OAuthInitiateRequest) -> Result<String> {
        let resp: ConsentUrl = self
            .call_json(
                Method::POST,
                &path(CONNECTORS, &["oauth", "initiate"]),
                &[],
                Some(&to_body(request)?),
                "OAuth initiation response",
            )
            .await?;
        Ok(resp.consent_url)
    }

    /// Sets the organization's own OAuth app credentials for a connector type
    /// (`PUT /api/v1/oauth/credentials` with `{connector_type, configuration}`).
    ///
    /// Unlike the reference (which sends only `Authorization` here), the
    /// `X-Organization-Id` header is sent when an organization is set, so the
    /// credentials land in the organization the client is configured for.
    pub async fn set_oauth_app_credentials(
        &self,
        connector_type: &str,
        credentials: &Map<String, Value>,
    ) -> Result<()> {
        require("connector_type", connector_type)?;
        let body = json!({"connector_type": connector_type, "configuration": credentials});
        self.call(
            Method::PUT,
            &["api", "v1", "oauth", "credentials"],
            &[],
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// Removes the organization's OAuth app override for a connector type,
    /// reverting to Airbyte's app
    /// (`DELETE /api/v1/oauth/credentials/connector_type/{type}`).
    pub async fn delete_oauth_app_credentials(&self, connector_type: &str) -> Result<()> {
        require("connector_type", connector_type)?;
        self.call(
            Method::DELETE,
            &[
                "api",
                "v1",
                "oauth",
                "credentials",
                "connector_type",
                connector_type,
            ],
            &[],
            None,
        )
        .await
        .map(drop)
    }

    /// Deletes a connector (`DELETE /api/v1/integrations/connectors/{id}`;
    /// the server answers 202 and deletes asynchronously).
    pub async fn delete_connector(&self, connector_id: &str) -> Result<()> {
        require("connector_id", connector_id)?;
        self.call(
            Method::DELETE,
            &path(CONNECTORS, &[connector_id]),
            &[],
            None,
        )
        .await
        .map(drop)
    }

    /// Workspaces whose name contains `fragment` (`GET /api/v1/workspaces?name_contains=...`).
    pub async fn search_workspaces(&self, fragment: &str) -> Result<Vec<WorkspaceInfo>> {
        let list: DataList<WorkspaceInfo> = self
            .call_json(
                Method::GET,
                &["api", "v1", "workspaces"],
                &[("name_contains", fragment)],
                None,
                "workspace list",
            )
            .await?;
        Ok(list.data)
    }

    /// The id of the workspace named exactly `workspace_name`.
    pub async fn resolve_workspace_id(&self, workspace_name: &str) -> Result<String> {
        let found = self.search_workspaces(workspace_name).await?;
        let (exact, others): (Vec<_>, Vec<_>) =
            found.into_iter().partition(|w| w.name == workspace_name);
        match exact.len() {
            1 => Ok(exact.into_iter().next().map(|w| w.id).unwrap_or_default()),
            0 => Err(Error::NotFound {
                what: "workspace".into(),
                name: workspace_name.into(),
                scope: "the organization".into(),
                available: others.into_iter().map(|w| w.name).collect(),
            }),
            _ => Err(Error::Ambiguous {
                what: "workspace".into(),
                name: workspace_name.into(),
                scope: "the organization".into(),
                candidates: exact.into_iter().map(|w| w.id).collect(),
            }),
        }
    }

    /// Workflows of a workspace (`GET /api/v1/internal/workflows?workspace_id=X`).
    pub async fn list_workflows(&self, workspace_id: &str) -> Result<Vec<WorkflowInfo>> {
        let list: DataList<WorkflowInfo> = self
            .call_json(
                Method::GET,
                WORKFLOWS,
                &[("workspace_id", workspace_id)],
                None,
                "workflow list",
            )
            .await?;
        Ok(list.data)
    }

    /// Creates a workflow (`POST /api/v1/internal/workflows`; the workspace
    /// id goes in the body only).
    pub async fn create_workflow(&self, request: &CreateWorkflowRequest) -> Result<WorkflowInfo> {
        self.call_json(
            Method::POST,
            WORKFLOWS,
            &[],
            Some(&to_body(request)?),
            "workflow",
        )
        .await
    }

    /// One workflow (`GET /api/v1/internal/workflows/{id}?workspace_id=X`).
    pub async fn get_workflow(
        &self,
        workflow_id: &str,
        workspace_id: &str,
    ) -> Result<WorkflowInfo> {
        require("workflow_id", workflow_id)?;
        self.call_json(
            Method::GET,
            &path(WORKFLOWS, &[workflow_id]),
            &[("workspace_id", workspace_id)],
            None,
            "workflow",
        )
        .await
    }

    /// Updates a workflow (`PATCH /api/v1/internal/workflows/{id}?workspace_id=X`).
    pub async fn update_workflow(
        &self,
        workflow_id: &str,
        workspace_id: &str,
        update: &UpdateWorkflowRequest,
    ) -> Result<WorkflowInfo> {
        require("workflow_id", workflow_id)?;
        self.call_json(
            Method::PATCH,
            &path(WORKFLOWS, &[workflow_id]),
            &[("workspace_id", workspace_id)],
            Some(&to_body(update)?),
            "workflow",
        )
        .await
    }

    /// Deletes a workflow (`DELETE /api/v1/internal/workflows/{id}?workspace_id=X`).
    pub async fn delete_workflow(&self, workflow_id: &str, workspace_id: &str) -> Result<()> {
        require("workflow_id", workflow_id)?;
        self.call(
            Method::DELETE,
            &path(WORKFLOWS, &[workflow_id]),
            &[("workspace_id", workspace_id)],
            None,
        )
        .await
        .map(drop)
    }

    /// Automations of a workflow
    /// (`GET /api/v1/internal/workflows/{wf}/automations?workspace_id=X`).
    pub async fn list_automations(
        &self,
        workflow_id: &str,
        workspace_id: &str,
    ) -> Result<Vec<AutomationInfo>> {
        require("workflow_id", workflow_id)?;
        let list: DataList<AutomationInfo> = self
            .call_json(
                Method::GET,
                &path(WORKFLOWS, &[workflow_id, "automations"]),
                &[("workspace_id", workspace_id)],
                None,
                "automation list",
            )
            .await?;
        Ok(list.data)
    }

    /// Creates an automation on a workflow
    /// (`POST /api/v1/internal/workflows/{wf}/automations?workspace_id=X`;
    /// the workspace id goes in the query and the body, as the reference sends it).
    pub async fn create_automation(
        &self,
        workflow_id: &str,
        workspace_id: &str,
        settings: &NewAutomation,
    ) -> Result<AutomationInfo> {
        require("workflow_id", workflow_id)?;
        let body = to_body(&CreateAutomationBody {
            workspace_id,
            settings,
        })?;
        self.call_json(
            Method::POST,
            &path(WORKFLOWS, &[workflow_id, "automations"]),
            &[("workspace_id", workspace_id)],
            Some(&body),
            "automation",
        )
        .await
    }

    /// One automation
    /// (`GET /api/v1/internal/workflows/{wf}/automations/{id}?workspace_id=X`).
    pub async fn get_automation(
        &self,
        workflow_id: &str,
        automation_id: &str,
        workspace_id: &str,
    ) -> Result<AutomationInfo> {
        require("workflow_id", workflow_id)?;
        require("automation_id", automation_id)?;
        self.call_json(
            Method::GET,
            &path(WORKFLOWS, &[workflow_id, "automations", automation_id]),
            &[("workspace_id", workspace_id)],
            None,
            "automation",
        )
        .await
    }

    /// Updates an automation
    /// (`PATCH /api/v1/internal/workflows/{wf}/automations/{id}?workspace_id=X`).
    pub async fn update_automation(
        &self,
        workflow_id: &str,
        automation_id: &str,
        workspace_id: &str,
        update: &AutomationUpdate,
    ) -> Result<AutomationInfo> {
        require("workflow_id", workflow_id)?;
        require("automation_id", automation_id)?;
        self.call_json(
            Method::PATCH,
            &path(WORKFLOWS, &[workflow_id, "automations", automation_id]),
            &[("workspace_id", workspace_id)],
            Some(&to_body(update)?),
            "automation",
        )
        .await
    }

    /// Deletes an automation
    /// (`DELETE /api/v1/internal/workflows/{wf}/automations/{id}?workspace_id=X`).
    pub async fn delete_automation(
        &self,
        workflow_id: &str,
        automation_id: &str,
        workspace_id: &str,
    ) -> Result<()> {
        require("workflow_id", workflow_id)?;
        require("automation_id", automation_id)?;
        self.call(
            Method::DELETE,
            &path(WORKFLOWS, &[workflow_id, "automations", automation_id]),
            &[("workspace_id", workspace_id)],
            None,
        )
        .await
        .map(drop)
    }
}

/// `name (id, type)` for error listings.
fn describe_connector(c: &ConnectorInfo) -> String {
    match &c.connector_type {
        Some(t) => format!("{} ({}, {t})", c.name, c.id),
        None => format!("{} ({})", c.name, c.id),
    }
}

/// Ids go into URL paths: an empty one would silently address the collection.
fn require(name: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(Error::invalid_argument(name, "must not be empty"))
    } else {
        Ok(())
    }
}
