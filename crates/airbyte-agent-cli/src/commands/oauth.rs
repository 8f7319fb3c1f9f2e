//! `airbyte-agent oauth ...`: server-side OAuth consent and the
//! organization's OAuth app credentials.

use airbyte_agent_sdk::{OAuthFlow, Result};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::context::{ConnectorArg, Context, parse_connector};
use crate::json_arg::{parse_object, parse_optional_object};

/// OAuth: consent URLs and your own OAuth app credentials
#[derive(Debug, Subcommand)]
pub enum OauthCommand {
    /// Start a consent flow and print the consent URL to send the user to
    Initiate(InitiateArgs),
    /// Use your own OAuth app for a connector type in this organization
    SetCredentials {
        /// Connector type, e.g. `hubspot`
        connector_type: String,
        /// OAuth app credentials as a JSON object, e.g. {"client_id": "...", "client_secret": "..."}
        /// (inline, @FILE or @-)
        #[arg(long, value_name = "JSON")]
        credentials: String,
    },
    /// Go back to Airbyte's OAuth app for a connector type
    DeleteCredentials {
        /// Connector type, e.g. `hubspot`
        connector_type: String,
    },
}

/// Arguments of `oauth initiate`.
#[derive(Debug, Args)]
#[command(
    after_help = "After consent the user lands on REDIRECT_URL?connector_id=...\n\nExample:\n  \
    airbyte-agent oauth initiate hubspot --redirect-url https://app.example.com/oauth/callback"
)]
pub struct InitiateArgs {
    /// Catalog name (e.g. `hubspot`) or connector definition id
    pub connector: String,
    /// Where the user is sent after consent
    #[arg(long, value_name = "URL")]
    pub redirect_url: String,
    /// Name of the connector created after consent
    #[arg(long)]
    pub name: Option<String>,
    /// Replication settings as a JSON object
    #[arg(long, value_name = "JSON")]
    pub replication_config: Option<String>,
    /// Source template to use when the organization has several for this connector
    #[arg(long, value_name = "ID")]
    pub source_template_id: Option<String>,
    /// Environment values the OAuth URLs need (e.g. {"subdomain": "acme"}) as a JSON object
    #[arg(long, value_name = "JSON")]
    pub environment: Option<String>,
}

impl OauthCommand {
    /// Runs the subcommand.
    pub async fn run(self, ctx: &Context) -> Result<Option<Value>> {
        match self {
            OauthCommand::Initiate(args) => {
                let definition_id = match parse_connector(&args.connector)? {
                    ConnectorArg::Catalog(entry) => entry.definition_id.clone(),
                    ConnectorArg::Id(id) => id,
                };
                let mut flow = OAuthFlow::new(definition_id, args.redirect_url);
                if let Some(name) = args.name {
                    flow = flow.name(name);
                }
                if let Some(r) = parse_optional_object(
                    "--replication-config",
                    args.replication_config.as_deref(),
                )? {
                    flow = flow.replication_config(r);
                }
                if let Some(t) = args.source_template_id {
                    flow = flow.source_template_id(t);
                }
                if let Some(e) =
                    parse_optional_object("--environment", args.environment.as_deref())?
                {
                    flow = flow.environment(e);
                }
                let url = ctx.workspace()?.initiate_oauth(flow).await?;
                Ok(Some(json!({"consent_url": url})))
            }
            OauthCommand::SetCredentials {
                connector_type,
                credentials,
            } => {
                let credentials = parse_object("--credentials", &credentials)?;
                ctx.client()?
                    .set_oauth_app_credentials(&connector_type, &credentials)
                    .await?;
                Ok(Some(
                    json!({"connector_type": connector_type, "configured": true}),
                ))
            }
            OauthCommand::DeleteCredentials { connector_type } => {
                ctx.client()?
                    .delete_oauth_app_credentials(&connector_type)
                    .await?;
                Ok(Some(
                    json!({"connector_type": connector_type, "configured": false}),
                ))
            }
        }
    }
}
