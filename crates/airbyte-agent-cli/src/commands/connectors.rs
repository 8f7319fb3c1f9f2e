//! `airbyte-agent connectors list|get|create|delete`: connector instances in
//! the workspace.

use airbyte_agent_sdk::{Error, NewConnector, Result};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::commands::json_output;
use crate::context::{ConnectorArg, Context, parse_connector};
use crate::json_arg::parse_optional_object;

/// Manage the connectors of the workspace
#[derive(Debug, Subcommand)]
pub enum ConnectorsCommand {
    /// List the connectors in the workspace
    List,
    /// Show a connector: by catalog name, the one connector of that type in
    /// the workspace (its id); by id, its details from the workspace listing
    #[command(after_help = "Examples:\n  airbyte-agent connectors get stripe\n  \
        airbyte-agent --workspace acme connectors get hubspot")]
    Get {
        /// Catalog name (e.g. `stripe`, see `airbyte-agent catalog`) or connector id
        connector: String,
    },
    /// Create a connector in the workspace
    Create(CreateArgs),
    /// Delete a connector
    Delete {
        /// Id of the connector to delete
        connector_id: String,
    },
}

/// Arguments of `connectors create`.
#[derive(Debug, Args)]
#[command(
    after_help = "JSON values are inline JSON, @FILE or @- (stdin).\n\nExamples:\n  \
    airbyte-agent connectors create stripe --credentials @stripe-creds.json\n  \
    airbyte-agent connectors create hubspot --oauth-secret-id airbyte_oauth_..._secret_..."
)]
pub struct CreateArgs {
    /// Catalog name (e.g. `stripe`) or connector definition id
    pub connector: String,
    /// Name of the new connector [default: connector-<workspace>]
    #[arg(long)]
    pub name: Option<String>,
    /// The connector's credentials as a JSON object
    #[arg(long, value_name = "JSON")]
    pub credentials: Option<String>,
    /// Replication settings as a JSON object (e.g. {"start_date": "2024-01-01T00:00:00Z"})
    #[arg(long, value_name = "JSON")]
    pub replication_config: Option<String>,
    /// Source template to use when the organization has several for this connector
    #[arg(long, value_name = "ID")]
    pub source_template_id: Option<String>,
    /// Server-side OAuth secret id from a completed consent flow (instead of --credentials)
    #[arg(long, value_name = "ID")]
    pub oauth_secret_id: Option<String>,
}

impl ConnectorsCommand {
    /// Runs the subcommand.
    pub async fn run(self, ctx: &Context) -> Result<Option<Value>> {
        let ws = ctx.workspace()?;
        match self {
            ConnectorsCommand::List => json_output(&ws.list_connectors().await?),
            ConnectorsCommand::Get { connector } => match parse_connector(&connector)? {
                ConnectorArg::Catalog(entry) => {
                    let id = ws
                        .connector_by_slug(&entry.slug)
                        .await?
                        .resolve_connector_id()
                        .await?;
                    Ok(Some(json!({
                        "id": id,
                        "connector": entry.slug,
                        "workspace": ws.name(),
                    })))
                }
                ConnectorArg::Id(id) => {
                    let all = ws.list_connectors().await?;
                    match all.iter().find(|c| c.id == id) {
                        Some(found) => json_output(found),
                        None => Err(Error::NotFound {
                            what: "connector".into(),
                            name: id,
                            scope: format!("workspace \"{}\"", ws.name()),
                            available: all
                                .iter()
                                .map(|c| format!("{} ({})", c.name, c.id))
                                .collect(),
                        }),
                    }
                }
            },
            ConnectorsCommand::Create(args) => {
                let mut new = match parse_connector(&args.connector)? {
                    ConnectorArg::Catalog(entry) => NewConnector::new(entry.definition_id.clone()),
                    ConnectorArg::Id(definition_id) => NewConnector::new(definition_id),
                };
                if let Some(name) = args.name {
                    new = new.name(name);
                }
                if let Some(c) =
                    parse_optional_object("--credentials", args.credentials.as_deref())?
                {
                    new = new.credentials(c);
                }
                if let Some(r) = parse_optional_object(
                    "--replication-config",
                    args.replication_config.as_deref(),
                )? {
                    new = new.replication_config(r);
                }
                if let Some(t) = args.source_template_id {
                    new = new.source_template_id(t);
                }
                if let Some(s) = args.oauth_secret_id {
                    new = new.server_side_oauth_secret_id(s);
                }
                let id = ws.create_connector(new).await?;
                Ok(Some(json!({"id": id, "workspace": ws.name()})))
            }
            ConnectorsCommand::Delete { connector_id } => {
                ws.delete_connector(&connector_id).await?;
                Ok(Some(json!({"id": connector_id, "deleted": true})))
            }
        }
    }
}
