//! `airbyte-agent workflows ...`: workflows of the workspace.

use airbyte_agent_sdk::Result;
use airbyte_agent_sdk::cloud::UpdateWorkflowRequest;
use clap::Subcommand;
use serde_json::{Value, json};

use crate::commands::json_output;
use crate::context::Context;
use crate::json_arg::parse_array;

/// Manage the workflows of the workspace
#[derive(Debug, Subcommand)]
pub enum WorkflowsCommand {
    /// List the workflows
    List,
    /// Create a workflow
    Create {
        /// Name of the workflow
        name: String,
        /// Tasks as a JSON array (inline, @FILE or @-)
        #[arg(long, value_name = "JSON")]
        tasks: Option<String>,
    },
    /// Show a workflow
    Get {
        /// Workflow id
        workflow_id: String,
    },
    /// Update a workflow
    Update {
        /// Workflow id
        workflow_id: String,
        /// New name
        #[arg(long)]
        name: Option<String>,
    },
    /// Delete a workflow
    Delete {
        /// Workflow id
        workflow_id: String,
    },
}

impl WorkflowsCommand {
    /// Runs the subcommand.
    pub async fn run(self, ctx: &Context) -> Result<Option<Value>> {
        let ws = ctx.workspace()?;
        match self {
            WorkflowsCommand::List => json_output(&ws.list_workflows().await?),
            WorkflowsCommand::Create { name, tasks } => {
                let tasks = match tasks.as_deref() {
                    Some(raw) => Some(parse_array("--tasks", raw)?),
                    None => None,
                };
                json_output(&ws.create_workflow(&name, tasks).await?)
            }
            WorkflowsCommand::Get { workflow_id } => {
                json_output(&ws.get_workflow(&workflow_id).await?)
            }
            WorkflowsCommand::Update { workflow_id, name } => {
                let mut update = UpdateWorkflowRequest::default();
                if let Some(name) = name {
                    update = update.name(name);
                }
                json_output(&ws.update_workflow(&workflow_id, &update).await?)
            }
            WorkflowsCommand::Delete { workflow_id } => {
                ws.delete_workflow(&workflow_id).await?;
                Ok(Some(json!({"id": workflow_id, "deleted": true})))
            }
        }
    }
}
