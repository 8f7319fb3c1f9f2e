//! `airbyte-agent mcp`: serve connectors as MCP tools (stdio or streamable
//! HTTP), and `mcp install`: add that server to an MCP client's config.
//!
//! Local mode (any `--definition` / `--connector`): each definition runs
//! with the credentials given as in `local exec`; with several connectors,
//! prefix a value with the connector name (`--auth stripe:api_key=@key`).
//! Hosted mode (otherwise): the connectors of the workspace named by the
//! global flags / environment, plus `ask`; `--definitions-dir` lets the
//! server describe and validate them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use airbyte_agent_mcp::install::{self, McpClient, ServerEntry};
use airbyte_agent_mcp::{HTTP_PATH, McpServer, ServedConnector, hosted_connectors};
use airbyte_agent_sdk::agent::DEFAULT_MAX_OUTPUT_BYTES;
use airbyte_agent_sdk::definition::{self, ConnectorDefinition};
use airbyte_agent_sdk::{Error, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};

use crate::commands::local::{DEFINITIONS_DIR_ENV, PendingSender, build_executor, load_definition};
use crate::context::Context;
use crate::global::GlobalArgs;

/// Serve connectors to AI agents over MCP (stdio by default)
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  \
    airbyte-agent mcp serve --definition ./stripe/connector.yaml --auth api_key=@stripe-key.txt\n  \
    airbyte-agent mcp serve --connector stripe --connector zendesk-support --definitions-dir specs/ \
    --auth stripe:api_key=@k --auth zendesk-support:api_token=@t --config zendesk-support:subdomain=acme\n  \
    airbyte-agent mcp serve --workspace acme --transport http --listen 127.0.0.1:8765\n  \
    airbyte-agent mcp install --client claude-desktop -- --definition /abs/stripe.yaml --auth api_key=@/abs/key"
)]
pub struct McpArgs {
    #[command(subcommand)]
    pub command: Option<McpCommand>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

/// `mcp` subcommands.
#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// Serve connectors as MCP tools
    Serve(ServeArgs),
    /// Add the MCP server to a client's configuration (keeps a .bak copy)
    Install(InstallArgs),
}

impl McpArgs {
    /// Runs `mcp` (serve by default).
    pub async fn run(self, ctx: &Context) -> Result<Option<Value>> {
        match self.command {
            None => self.serve.run(ctx).await.map(|()| None),
            Some(McpCommand::Serve(args)) => args.run(ctx).await.map(|()| None),
            Some(McpCommand::Install(args)) => args.run(),
        }
    }
}

/// Transport to serve on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Transport {
    /// stdin/stdout: the client starts this process
    #[default]
    Stdio,
    /// Streamable HTTP at /mcp on --listen
    Http,
}

/// What to serve and how.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Transport
    #[arg(long, value_enum, default_value_t = Transport::Stdio)]
    pub transport: Transport,

    /// Address for the HTTP transport (loopback; port 0 picks a free one)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8765")]
    pub listen: SocketAddr,

    /// Local mode: a connector definition (repeatable)
    #[arg(long, value_name = "PATH")]
    pub definition: Vec<PathBuf>,

    /// Local mode: a connector looked up in --definitions-dir (repeatable)
    #[arg(long, value_name = "NAME")]
    pub connector: Vec<String>,

    /// Directory of definitions: for --connector, or in hosted mode to
    /// describe and validate the workspace's connectors
    #[arg(long, value_name = "DIR", env = DEFINITIONS_DIR_ENV)]
    pub definitions_dir: Option<PathBuf>,

    /// A credential, [CONNECTOR:]KEY=VALUE (VALUE may be @FILE)
    #[arg(long = "auth", value_name = "[CONNECTOR:]KEY=VALUE")]
    pub auth: Vec<String>,

    /// Security scheme, [CONNECTOR:]SCHEME
    #[arg(long, value_name = "[CONNECTOR:]SCHEME")]
    pub auth_scheme: Vec<String>,

    /// A config value, [CONNECTOR:]KEY=VALUE
    #[arg(long = "config", value_name = "[CONNECTOR:]KEY=VALUE")]
    pub config: Vec<String>,

    /// Send a connector's requests to this base URL, [CONNECTOR:]URL
    #[arg(long, value_name = "[CONNECTOR:]URL")]
    pub base_url: Vec<String>,

    /// Output budget of execute results in bytes of compact JSON
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_OUTPUT_BYTES)]
    pub max_bytes: usize,

    /// Return results of any size (no size guard)
    #[arg(long, conflicts_with = "max_bytes")]
    pub no_size_guard: bool,
}

impl ServeArgs {
    fn is_local(&self) -> bool {
        !self.definition.is_empty() || !self.connector.is_empty()
    }

    /// Builds the server and serves until the client leaves (stdio) or
    /// Ctrl-C (HTTP).
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let server = self.build(ctx).await?;
        match self.transport {
            Transport::Stdio => server.serve_stdio().await,
            Transport::Http => {
                let listener = tokio::net::TcpListener::bind(self.listen)
                    .await
                    .map_err(|e| Error::io(self.listen.to_string(), e))?;
                let addr = listener
                    .local_addr()
                    .map_err(|e| Error::io(self.listen.to_string(), e))?;
                // On stderr: tests and scripts read the port from it.
                eprintln!("MCP server listening on http://{addr}{HTTP_PATH}");
                server
                    .serve_http(listener, async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await
            }
        }
    }

    async fn build(&self, ctx: &Context) -> Result<McpServer> {
        let builder = McpServer::builder().max_output_bytes(if self.no_size_guard {
            None
        } else {
            Some(self.max_bytes)
        });
        if self.is_local() {
            return builder.connectors(self.local_connectors()?).build();
        }
        let workspace = ctx.workspace()?;
        let definitions = match &self.definitions_dir {
            Some(dir) => definition::load_dir(dir)?,
            None => Vec::new(),
        };
        let connectors = hosted_connectors(&workspace, &definitions).await?;
        builder
            .connectors(connectors)
            .ask_workspace(workspace)
            .build()
    }

    fn local_connectors(&self) -> Result<Vec<ServedConnector>> {
        if !self.connector.is_empty() && self.definitions_dir.is_none() {
            return Err(Error::invalid_argument(
                "--connector",
                format!("pass --definitions-dir DIR (or set {DEFINITIONS_DIR_ENV})"),
            ));
        }
        let dir = self.definitions_dir.as_deref();
        // One sender per connector, as each executor would build its own.
        let senders: Vec<PendingSender> = (0..self.definition.len() + self.connector.len())
            .map(|_| PendingSender::start())
            .collect();
        let mut defs: Vec<ConnectorDefinition> = Vec::new();
        for path in &self.definition {
            defs.push(load_definition(Some(path), None, None)?);
        }
        for name in &self.connector {
            defs.push(load_definition(None, Some(name), dir)?);
        }
        let names: Vec<String> = defs.iter().map(|d| d.name.clone()).collect();
        let scoped = |flag: &str, values: &[String]| scope_values(flag, values, &names);
        let auth = scoped("--auth", &self.auth)?;
        let schemes = scoped("--auth-scheme", &self.auth_scheme)?;
        let config = scoped("--config", &self.config)?;
        let base_urls = scoped("--base-url", &self.base_url)?;
        defs.into_iter()
            .zip(senders)
            .enumerate()
            .map(|(i, (def, sender))| {
                let single = |flag: &str, values: &[String]| -> Result<Option<String>> {
                    match values {
                        [] => Ok(None),
                        [one] => Ok(Some(one.clone())),
                        _ => Err(Error::invalid_argument(
                            flag.to_string(),
                            format!("given more than once for `{}`", names[i]),
                        )),
                    }
                };
                let scheme = single("--auth-scheme", &schemes[i])?;
                let base_url = single("--base-url", &base_urls[i])?;
                build_executor(
                    def,
                    sender.wait()?,
                    &auth[i],
                    scheme.as_deref(),
                    &config[i],
                    base_url.as_deref(),
                )
                .map(ServedConnector::local)
            })
            .collect()
    }
}

/// Sorts `[CONNECTOR:]VALUE` flag values by connector: a value starting
/// with `<name>:` goes to that connector; an unprefixed value goes to the
/// only connector, and is an error when there are several.
fn scope_values(flag: &str, values: &[String], names: &[String]) -> Result<Vec<Vec<String>>> {
    let mut out = vec![Vec::new(); names.len()];
    for value in values {
        let target = names.iter().enumerate().find_map(|(i, name)| {
            value
                .strip_prefix(name.as_str())
                .and_then(|rest| rest.strip_prefix(':'))
                .map(|rest| (i, rest))
        });
        match target {
            Some((i, rest)) => out[i].push(rest.to_string()),
            None if names.len() == 1 => out[0].push(value.clone()),
            None => {
                return Err(Error::invalid_argument(
                    flag.to_string(),
                    format!(
                        "with several connectors, prefix the value with the connector name \
                         (CONNECTOR:VALUE, one of: {})",
                        names.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// Add the MCP server to a client's configuration
#[derive(Debug, Args)]
#[command(
    after_help = "Arguments after `--` are passed to `airbyte-agent mcp serve` \
    (use absolute paths: clients start the server from their own directory).\n\
    --auth KEY=VALUE writes VALUE into the client's config file; prefer @FILE or --env.\n\n\
    Examples:\n  \
    airbyte-agent mcp install --client cursor -- --definition /abs/stripe.yaml --auth api_key=@/abs/key\n  \
    airbyte-agent mcp install --client codex --env AIRBYTE_CLIENT_ID --env AIRBYTE_CLIENT_SECRET -- --workspace acme\n  \
    airbyte-agent mcp install --client claude-code --print -- --definition /abs/stripe.yaml"
)]
pub struct InstallArgs {
    /// The MCP client
    #[arg(long, value_enum)]
    pub client: ClientArg,

    /// Name of the server entry
    #[arg(long, default_value = "airbyte")]
    pub name: String,

    /// Print the entry instead of writing it
    #[arg(long)]
    pub print: bool,

    /// The client's config file [default: the client's usual location]
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Environment for the server, NAME=VALUE, or NAME to copy the current value
    #[arg(long, value_name = "NAME[=VALUE]")]
    pub env: Vec<String>,

    /// Arguments for `mcp serve`
    #[arg(last = true, value_name = "SERVE_ARGS")]
    pub serve_args: Vec<String>,
}

/// MCP clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientArg {
    /// Claude Desktop (claude_desktop_config.json)
    ClaudeDesktop,
    /// Claude Code (the project's .mcp.json)
    ClaudeCode,
    /// Cursor (~/.cursor/mcp.json)
    Cursor,
    /// OpenAI Codex (~/.codex/config.toml)
    Codex,
}

impl From<ClientArg> for McpClient {
    fn from(c: ClientArg) -> Self {
        match c {
            ClientArg::ClaudeDesktop => McpClient::ClaudeDesktop,
            ClientArg::ClaudeCode => McpClient::ClaudeCode,
            ClientArg::Cursor => McpClient::Cursor,
            ClientArg::Codex => McpClient::Codex,
        }
    }
}

/// `mcp serve` flags plus the global ones, to check what install writes.
#[derive(Parser)]
struct ServeCommandLine {
    #[command(flatten)]
    _global: GlobalArgs,
    #[command(flatten)]
    _serve: ServeArgs,
}

impl InstallArgs {
    /// Writes (or prints) the entry; returns what was done.
    pub fn run(self) -> Result<Option<Value>> {
        let client = McpClient::from(self.client);
        let entry = self.entry()?;
        if self.print {
            print!("{}", install::entry_snippet(client, &entry));
            return Ok(None);
        }
        let path = match &self.config {
            Some(p) => p.clone(),
            None => {
                let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
                client.default_config_path(|k| std::env::var(k).ok(), &cwd)?
            }
        };
        let outcome = install::install(client, &path, &entry)?;
        Ok(Some(json!({
            "client": client.as_str(),
            "name": entry.name,
            "path": display(&outcome.path),
            "backup": outcome.backup.as_deref().map(display),
            "changed": outcome.changed,
            "command": entry.command,
            "args": entry.args,
            "env": entry.env.keys().collect::<Vec<_>>(),
        })))
    }

    fn entry(&self) -> Result<ServerEntry> {
        let mut argv = vec!["airbyte-agent".to_string()];
        argv.extend(self.serve_args.iter().cloned());
        if let Err(e) = ServeCommandLine::try_parse_from(&argv) {
            return Err(Error::invalid_argument(
                "SERVE_ARGS",
                format!("not valid `mcp serve` arguments: {}", e.kind()),
            ));
        }
        let exe = std::env::current_exe().map_err(|e| Error::io("<current executable>", e))?;
        let mut args = vec!["mcp".to_string(), "serve".to_string()];
        args.extend(self.serve_args.iter().cloned());
        let mut entry = ServerEntry::new(self.name.clone(), display(&exe)).args(args);
        for item in &self.env {
            let (name, value) = match item.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => match std::env::var(item) {
                    Ok(v) => (item.clone(), v),
                    Err(_) => {
                        return Err(Error::invalid_argument(
                            "--env",
                            format!("`{item}` is not set in this environment; pass NAME=VALUE"),
                        ));
                    }
                },
            };
            if name.is_empty() {
                return Err(Error::invalid_argument(
                    "--env",
                    "expected NAME or NAME=VALUE",
                ));
            }
            entry = entry.env(name, value);
        }
        Ok(entry)
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["stripe".into(), "zendesk-support".into()]
    }

    #[test]
    fn values_are_scoped_by_connector_prefix() {
        let values = vec![
            "stripe:api_key=sk".to_string(),
            "zendesk-support:subdomain=acme".to_string(),
            "zendesk-support:api_token=@t".to_string(),
        ];
        let scoped = scope_values("--auth", &values, &names()).unwrap();
        assert_eq!(scoped[0], ["api_key=sk"]);
        assert_eq!(scoped[1], ["subdomain=acme", "api_token=@t"]);
        let err = scope_values("--auth", &["api_key=sk".into()], &names()).unwrap_err();
        assert!(err.to_string().contains("stripe, zendesk-support"), "{err}");
        // One connector: values need no prefix, and URLs are not mistaken for one.
        let one = vec!["stripe".to_string()];
        let scoped = scope_values("--base-url", &["http://127.0.0.1:9".into()], &one).unwrap();
        assert_eq!(scoped[0], ["http://127.0.0.1:9"]);
        let scoped =
            scope_values("--base-url", &["stripe:http://127.0.0.1:9".into()], &one).unwrap();
        assert_eq!(scoped[0], ["http://127.0.0.1:9"]);
    }

    #[test]
    fn install_checks_the_serve_arguments() {
        let args = |serve: &[&str]| InstallArgs {
            client: ClientArg::Cursor,
            name: "airbyte".into(),
            print: true,
            config: None,
            env: vec!["TOKEN_FOR_TEST=v".into()],
            serve_args: serve.iter().map(|s| s.to_string()).collect(),
        };
        let entry = args(&["--definition", "/d.yaml", "--workspace", "w"])
            .entry()
            .unwrap();
        assert_eq!(entry.args[..3], ["mcp", "serve", "--definition"]);
        assert_eq!(
            entry.env.get("TOKEN_FOR_TEST").map(String::as_str),
            Some("v")
        );
        let err = args(&["--definitoin", "/d.yaml"]).entry().unwrap_err();
        assert!(err.to_string().contains("mcp serve"), "{err}");
    }
}
