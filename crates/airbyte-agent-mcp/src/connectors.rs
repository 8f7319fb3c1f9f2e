//! The connectors a server exposes: local executors (vendor API, your
//! credentials) or connectors of a hosted workspace, each with its connector
//! definition when one is known (needed to list entities, describe them,
//! validate calls and enumerate entities/actions in the `execute` schema).

use std::sync::Arc;

use airbyte_agent_sdk::agent::{ToolSpec, ToolStyle, connector_tools, generic_execute_tool};
use airbyte_agent_sdk::cloud::ConnectorInfo;
use airbyte_agent_sdk::definition::{ConnectorDefinition, find_definition};
use airbyte_agent_sdk::executor::local::{LocalExecutor, validate_operation};
use airbyte_agent_sdk::{
    Error, ExecutionConfig, ExecutionResult, Executor, HostedExecutor, Result, Workspace,
};

/// Where a connector's operations run.
#[derive(Clone)]
enum Backend {
    /// Directly against the vendor's API.
    Local(LocalExecutor),
    /// Through the Airbyte API, by connector id.
    Hosted(Box<HostedExecutor>),
}

/// One connector served as MCP tools.
#[derive(Clone)]
pub struct ServedConnector {
    /// Unique name the tools take as `connector` (set by the server builder).
    pub(crate) name: String,
    display_name: String,
    definition: Option<Arc<ConnectorDefinition>>,
    backend: Backend,
    connector_id: Option<String>,
    connector_type: Option<String>,
}

impl std::fmt::Debug for ServedConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServedConnector")
            .field("name", &self.name)
            .field("mode", &self.mode())
            .field("connector_id", &self.connector_id)
            .finish_non_exhaustive()
    }
}

impl ServedConnector {
    /// A local connector: operations run against the vendor's API with the
    /// executor's credentials. Named after its definition.
    pub fn local(executor: LocalExecutor) -> Self {
        let definition = Arc::new(executor.definition().clone());
        Self {
            name: definition.name.clone(),
            display_name: definition.display_name.clone(),
            definition: Some(definition),
            backend: Backend::Local(executor),
            connector_id: None,
            connector_type: None,
        }
    }

    /// A connector of a hosted workspace, with the definition of its type
    /// when one is known. Named after the connector's name in the workspace.
    pub fn hosted(
        executor: HostedExecutor,
        info: &ConnectorInfo,
        definition: Option<ConnectorDefinition>,
    ) -> Self {
        let label = [Some(&info.name), info.connector_type.as_ref()]
            .into_iter()
            .flatten()
            .find(|s| !s.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| info.id.clone());
        Self {
            name: label.to_lowercase(),
            display_name: label,
            definition: definition.map(Arc::new),
            backend: Backend::Hosted(Box::new(executor)),
            connector_id: Some(info.id.clone()),
            connector_type: info.connector_type.clone(),
        }
    }

    /// The name tools take as `connector`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `local` or `hosted`.
    pub fn mode(&self) -> &'static str {
        match self.backend {
            Backend::Local(_) => "local",
            Backend::Hosted(_) => "hosted",
        }
    }

    /// Human-readable name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The connector definition, when known.
    pub fn definition(&self) -> Option<&ConnectorDefinition> {
        self.definition.as_deref()
    }

    /// The hosted connector id.
    pub fn connector_id(&self) -> Option<&str> {
        self.connector_id.as_deref()
    }

    /// The hosted connector type (e.g. `Stripe`).
    pub fn connector_type(&self) -> Option<&str> {
        self.connector_type.as_deref()
    }

    /// The definition, or an error telling the model why there is none.
    pub(crate) fn require_definition(&self) -> Result<&ConnectorDefinition> {
        self.definition().ok_or_else(|| Error::NotFound {
            what: "connector definition".into(),
            name: self
                .connector_type
                .clone()
                .unwrap_or_else(|| self.name.clone()),
            scope: format!(
                "the definitions given to this MCP server; entities of `{}` cannot be listed, \
                 but its execute tool still runs operations by entity and action name",
                self.name
            ),
            available: Vec::new(),
        })
    }

    /// The `execute` tool of this connector, named `<name>_execute`: entity
    /// and action enumerated from the definition, free strings without one.
    pub(crate) fn execute_tool(&self) -> ToolSpec {
        let tool_name = format!("{}_execute", self.name);
        match self.definition() {
            Some(def) => {
                let mut tool = connector_tools(def, ToolStyle::Execute)
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| generic_execute_tool(&tool_name, ""));
                tool.name = airbyte_agent_sdk::agent::sanitize_tool_name(&tool_name);
                tool
            }
            None => generic_execute_tool(
                &tool_name,
                &format!(
                    "Execute an operation on {} (hosted connector): pass the entity, the action \
                     and its parameters in `params`. Keep outputs small with \
                     select_fields/exclude_fields, filters and small limits.",
                    self.display_name
                ),
            ),
        }
    }

    /// Checks a call without sending it. Local connectors use their
    /// executor (config and scoping included); hosted ones their definition.
    pub(crate) fn validate(&self, op: &ExecutionConfig) -> Result<()> {
        match &self.backend {
            Backend::Local(executor) => executor.validate(op),
            Backend::Hosted(_) => validate_operation(self.require_definition()?, op),
        }
    }

    /// Runs one operation.
    pub(crate) async fn execute(&self, op: ExecutionConfig) -> Result<ExecutionResult> {
        match &self.backend {
            Backend::Local(executor) => executor.execute(op).await,
            Backend::Hosted(executor) => executor.execute(op).await,
        }
    }
}

/// The connectors of a hosted workspace, each paired with the definition of
/// its type found among `definitions` (matched by connector type against the
/// definitions' display names and names, ignoring case and punctuation).
pub async fn hosted_connectors(
    workspace: &Workspace,
    definitions: &[ConnectorDefinition],
) -> Result<Vec<ServedConnector>> {
    let infos = workspace.list_connectors().await?;
    tracing::debug!(count = infos.len(), "workspace connectors listed");
    Ok(infos
        .iter()
        .map(|info| {
            let definition = info
                .connector_type
                .as_deref()
                .and_then(|t| definition_for_type(definitions, t))
                .cloned();
            ServedConnector::hosted(workspace.connector(info.id.clone()), info, definition)
        })
        .collect())
}

/// The definition whose display name or name matches a hosted connector
/// type (`Zendesk Support` matches `zendesk-support`).
fn definition_for_type<'a>(
    definitions: &'a [ConnectorDefinition],
    connector_type: &str,
) -> Option<&'a ConnectorDefinition> {
    let key = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let wanted = key(connector_type);
    definitions
        .iter()
        .find(|d| key(&d.display_name) == wanted || key(&d.name) == wanted)
        .or_else(|| find_definition(definitions, connector_type))
}

#[cfg(test)]
mod tests {
    use super::*;
    use airbyte_agent_sdk::definition::load_str;

    fn def(name: &str, title: &str) -> ConnectorDefinition {
        load_str(&format!(
            "openapi: 3.1.0\ninfo:\n  title: {title}\n  version: 1.0.0\n  \
             x-airbyte-connector-name: {name}\n  \
             x-airbyte-connector-definition-id: 00000000-0000-0000-0000-000000000001\n\
             servers:\n  - url: http://127.0.0.1:1\n\
             paths:\n  /items:\n    get:\n      x-airbyte-entity: items\n      \
             x-airbyte-action: list\n      responses:\n        \"200\": {{description: ok}}\n"
        ))
        .expect("definition loads")
    }

    #[test]
    fn hosted_types_match_definitions_loosely() {
        let defs = [
            def("zendesk-support", "Zendesk Support"),
            def("stripe", "Stripe"),
        ];
        let found = |t: &str| definition_for_type(&defs, t).map(|d| d.name.as_str());
        assert_eq!(found("Zendesk Support"), Some("zendesk-support"));
        assert_eq!(found("zendesk_support"), Some("zendesk-support"));
        assert_eq!(found("Stripe"), Some("stripe"));
        assert_eq!(found("HubSpot"), None);
    }
}
