//! `airbyte-agent automations ...`: schedules that run a workflow.

use airbyte_agent_sdk::Result;
use airbyte_agent_sdk::cloud::{AutomationUpdate, NewAutomation};
use clap::{ArgGroup, Args, Subcommand};
use serde_json::{Value, json};

use crate::commands::json_output;
use crate::context::Context;

/// Manage the automations (schedules) of a workflow
#[derive(Debug, Subcommand)]
pub enum AutomationsCommand {
    /// List a workflow's automations
    List {
        /// Workflow id
        workflow_id: String,
    },
    /// Create an automation
    #[command(
        after_help = "Example:\n  airbyte-agent automations create wf-123 --cron '0 9 * * 1-5' \
        --timezone Europe/Berlin --webhook https://example.com/done"
    )]
    Create {
        /// Workflow id
        workflow_id: String,
        #[command(flatten)]
        fields: AutomationFields,
        /// Create it disabled
        #[arg(long)]
        disabled: bool,
    },
    /// Show an automation
    Get {
        /// Workflow id
        workflow_id: String,
        /// Automation id
        automation_id: String,
    },
    /// Update an automation (only the given fields change)
    Update {
        /// Workflow id
        workflow_id: String,
        /// Automation id
        automation_id: String,
        #[command(flatten)]
        fields: AutomationFields,
        #[command(flatten)]
        toggle: Toggle,
    },
    /// Delete an automation
    Delete {
        /// Workflow id
        workflow_id: String,
        /// Automation id
        automation_id: String,
    },
}

/// Fields shared by create and update.
#[derive(Debug, Args)]
pub struct AutomationFields {
    /// Cron expression, e.g. `0 9 * * 1-5`
    #[arg(long, value_name = "EXPR")]
    pub cron: Option<String>,
    /// IANA time zone of the cron expression [server default: UTC]
    #[arg(long, value_name = "TZ")]
    pub timezone: Option<String>,
    /// URL called when a run completes
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Trigger type [create default: schedule]
    #[arg(long, value_name = "TYPE")]
    pub trigger_type: Option<String>,
}

/// `--enable` / `--disable` for updates.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("toggle").args(["enable", "disable"]).multiple(false)))]
pub struct Toggle {
    /// Enable the automation
    #[arg(long)]
    pub enable: bool,
    /// Disable the automation
    #[arg(long)]
    pub disable: bool,
}

impl Toggle {
    /// The requested state, if any.
    pub fn enabled(&self) -> Option<bool> {
        match (self.enable, self.disable) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

impl AutomationsCommand {
    /// Runs the subcommand.
    pub async fn run(self, ctx: &Context) -> Result<Option<Value>> {
        let ws = ctx.workspace()?;
        match self {
            AutomationsCommand::List { workflow_id } => {
                json_output(&ws.list_automations(&workflow_id).await?)
            }
            AutomationsCommand::Create {
                workflow_id,
                fields,
                disabled,
            } => {
                let mut new = NewAutomation::default().enabled(!disabled);
                if let Some(t) = fields.trigger_type {
                    new = new.trigger_type(t);
                }
                if let Some(cron) = fields.cron {
                    new = new.cron_expression(cron);
                }
                if let Some(tz) = fields.timezone {
                    new = new.timezone(tz);
                }
                if let Some(url) = fields.webhook {
                    new = new.completion_webhook_url(url);
                }
                json_output(&ws.create_automation(&workflow_id, &new).await?)
            }
            AutomationsCommand::Get {
                workflow_id,
                automation_id,
            } => json_output(&ws.get_automation(&workflow_id, &automation_id).await?),
            AutomationsCommand::Update {
                workflow_id,
                automation_id,
                fields,
                toggle,
            } => {
                let mut update = AutomationUpdate::default();
                if let Some(enabled) = toggle.enabled() {
                    update = update.enabled(enabled);
                }
                if let Some(t) = fields.trigger_type {
                    update = update.trigger_type(t);
                }
                if let Some(cron) = fields.cron {
                    update = update.cron_expression(cron);
                }
                if let Some(tz) = fields.timezone {
                    update = update.timezone(tz);
                }
                if let Some(url) = fields.webhook {
                    update = update.completion_webhook_url(url);
                }
                json_output(
                    &ws.update_automation(&workflow_id, &automation_id, &update)
                        .await?,
                )
            }
            AutomationsCommand::Delete {
                workflow_id,
                automation_id,
            } => {
                ws.delete_automation(&workflow_id, &automation_id).await?;
                Ok(Some(json!({
                    "id": automation_id,
                    "workflow_id": workflow_id,
                    "deleted": true,
                })))
            }
        }
    }
}
