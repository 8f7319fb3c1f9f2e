//! `airbyte-agent serve`, `admin apps …` and `runs list`: run the local
//! server that speaks the hosted API, and administer its database.
//!
//! These commands work on a database file (`--db`, or
//! `AIRBYTE_SERVER_DB`) and need no Airbyte credentials; the global
//! credential flags do not apply to them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use airbyte_agent_sdk::{Error, Result};
use airbyte_agent_server::{
    DEFAULT_LISTEN, Database, KeySource, LLM_API_KEY_ENV, LlmConfig, RunQuery, Server,
};
use clap::{Args, Subcommand};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::commands::json_output;

/// Environment variable naming the server database.
pub const DB_ENV: &str = "AIRBYTE_SERVER_DB";

/// The database file of a local server.
#[derive(Debug, Clone, Args)]
pub struct DbArg {
    /// SQLite database of the local server (created if missing)
    #[arg(long, value_name = "PATH", env = DB_ENV)]
    pub db: PathBuf,
}

impl DbArg {
    async fn open(&self) -> Result<Database> {
        let path = self.db.clone();
        tokio::task::spawn_blocking(move || Database::open(path))
            .await
            .map_err(|e| Error::Execution {
                message: format!("opening the database failed: {e}"),
            })?
    }
}

/// Run a local server that speaks the hosted Airbyte API
#[derive(Debug, Args)]
#[command(
    after_help = "Point a hosted client at it with --api-url (or AIRBYTE_API_URL); the Python \
    SDK reads SDK_DEV_ADP_API_HOST. Create credentials with `airbyte-agent admin apps create`.\n\
    Vendor credentials are encrypted with the key in AIRBYTE_SERVER_ENCRYPTION_KEY (base64 of 32 \
    bytes) or, when unset, in the key file (default <db>.key, created with mode 0600).\n\n\
    Example:\n  airbyte-agent serve --db ./agent.db --listen 127.0.0.1:8765 --definitions ./specs"
)]
pub struct ServeArgs {
    #[command(flatten)]
    db: DbArg,

    /// Address to listen on (port 0 picks a free one)
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,

    /// Directory of connector definitions (`<slug>/connector.yaml`, `*.yaml`); repeatable
    #[arg(long = "definitions", value_name = "DIR")]
    definitions: Vec<PathBuf>,

    /// Key file sealing vendor credentials [default: <db>.key]
    #[arg(long, value_name = "PATH")]
    key_file: Option<PathBuf>,

    /// OpenAI-compatible chat-completions URL for `ask` (key in AIRBYTE_SERVER_LLM_API_KEY)
    #[arg(long, value_name = "URL", requires = "llm_model")]
    llm_url: Option<String>,

    /// Model name for `ask`
    #[arg(long, value_name = "MODEL", requires = "llm_url")]
    llm_model: Option<String>,

    /// Lifetime of access tokens, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    token_ttl: u64,

    /// URL the server is reached at, for OAuth redirects [default: http://<listen address>]
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
}

impl ServeArgs {
    /// Serves until Ctrl-C or SIGTERM. Prints one JSON line with the URL
    /// once listening.
    pub async fn run(self) -> Result<Option<Value>> {
        let mut builder = Server::builder()
            .db(self.db.db.clone())
            .listen(self.listen)
            .token_ttl(Duration::from_secs(self.token_ttl.max(1)));
        for dir in &self.definitions {
            builder = builder.definitions_dir(dir.clone());
        }
        if let Some(path) = self.key_file {
            builder = builder.key_source(KeySource::File(path));
        }
        if let (Some(url), Some(model)) = (self.llm_url, self.llm_model) {
            let mut llm = LlmConfig::new(url, model);
            if let Ok(key) = std::env::var(LLM_API_KEY_ENV) {
                llm = llm.api_key(key);
            }
            builder = builder.llm(llm);
        }
        if let Some(url) = self.public_url {
            builder = builder.public_url(url);
        }
        let running = builder.build().await?.spawn().await?;
        println!("{}", json!({"url": running.url(), "db": self.db.db}));
        eprintln!(
            "airbyte-agent server listening on {} (Ctrl-C to stop)",
            running.url()
        );
        shutdown_signal().await;
        eprintln!("stopping");
        running.shutdown().await;
        Ok(None)
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Administer a local server's database
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Applications: the client credentials hosted clients use
    #[command(subcommand)]
    Apps(AppsCommand),
}

/// Manage applications (client id and secret)
#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// Create an application; prints its client secret once
    Create {
        #[command(flatten)]
        db: DbArg,
        /// Name of the application
        #[arg(long, default_value = "default")]
        name: String,
        /// Join this existing organization (share its workspaces) instead of a new one
        #[arg(long, value_name = "ID")]
        organization_id: Option<String>,
    },
    /// List applications (never their secrets)
    List {
        #[command(flatten)]
        db: DbArg,
    },
    /// Revoke an application: its tokens stop working at once
    Revoke {
        #[command(flatten)]
        db: DbArg,
        /// Client id of the application
        client_id: String,
    },
}

impl AdminCommand {
    /// Runs the subcommand.
    pub async fn run(self) -> Result<Option<Value>> {
        match self {
            AdminCommand::Apps(AppsCommand::Create {
                db,
                name,
                organization_id,
            }) => {
                let app = db
                    .open()
                    .await?
                    .create_application(&name, organization_id.as_deref())
                    .await?;
                // The one place a secret is printed: it exists nowhere else.
                Ok(Some(json!({
                    "client_id": app.client_id,
                    "client_secret": app.client_secret.expose_secret(),
                    "organization_id": app.organization_id,
                    "name": app.name,
                })))
            }
            AdminCommand::Apps(AppsCommand::List { db }) => {
                json_output(&db.open().await?.list_applications().await?)
            }
            AdminCommand::Apps(AppsCommand::Revoke { db, client_id }) => {
                db.open().await?.revoke_application(&client_id).await?;
                Ok(Some(json!({"client_id": client_id, "revoked": true})))
            }
        }
    }
}

/// Past workflow runs of a local server
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List runs, newest first
    List {
        #[command(flatten)]
        db: DbArg,
        /// Only runs of this workflow
        #[arg(long, value_name = "ID")]
        workflow: Option<String>,
        /// Only runs fired by this automation
        #[arg(long, value_name = "ID")]
        automation: Option<String>,
        /// At most this many runs
        #[arg(long, value_name = "N", default_value_t = 50)]
        limit: u32,
    },
}

impl RunsCommand {
    /// Runs the subcommand.
    pub async fn run(self) -> Result<Option<Value>> {
        match self {
            RunsCommand::List {
                db,
                workflow,
                automation,
                limit,
            } => {
                let mut query = RunQuery::default().limit(limit);
                if let Some(w) = workflow {
                    query = query.workflow(w);
                }
                if let Some(a) = automation {
                    query = query.automation(a);
                }
                json_output(&db.open().await?.list_runs(query).await?)
            }
        }
    }
}
