//! # airbyte-agent-server
//!
//! A local server that speaks the hosted Airbyte agent API, so the SDKs'
//! hosted mode (this repository's `CloudClient`, `Workspace`, `connect`, and
//! the Python `airbyte-agent-sdk`) work against your own machine:
//!
//! - client-credentials tokens for applications created with
//!   [`Database::create_application`] (secrets stored as Argon2 hashes;
//!   tokens expire and die with a revoked application);
//! - workspaces, connectors (vendor credentials sealed with
//!   XChaCha20-Poly1305, never returned or logged), `execute` through the
//!   SDK's local executor, OAuth app credentials and a consent flow;
//! - workflows of `execute` and `ask` tasks, cron automations in any IANA
//!   time zone run by a scheduler that records every run and posts a
//!   completion webhook;
//! - `ask`, answered by any OpenAI-compatible chat-completions endpoint
//!   calling the workspace's connectors as tools.
//!
//! State lives in one SQLite file (versioned migrations). Connector
//! definitions are the YAML files given with
//! [`ServerBuilder::definitions_dir`] or [`ServerBuilder::definition`].
//!
//! ```no_run
//! # async fn demo() -> airbyte_agent_sdk::Result<()> {
//! use airbyte_agent_server::Server;
//!
//! let server = Server::builder()
//!     .db("server.db")
//!     .definitions_dir("definitions/")
//!     .build()
//!     .await?;
//! let app = server.database().create_application("my-agent", None).await?;
//! let running = server.spawn().await?;
//! println!("AIRBYTE_API_URL={} AIRBYTE_CLIENT_ID={}", running.url(), app.client_id);
//! # running.shutdown().await; Ok(()) }
//! ```

#![warn(missing_docs)]

mod admin;
mod ask;
mod auth;
mod clock;
mod crypto;
mod db;
mod definitions;
mod error;
mod routes;
mod runtime;
mod scheduler;
mod state;
mod workflow;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use airbyte_agent_sdk::definition::ConnectorDefinition;
use airbyte_agent_sdk::{Error, Result};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

pub use admin::{ApplicationInfo, DEFAULT_WORKSPACE, NewApplication, RunInfo, RunQuery};
pub use ask::{DEFAULT_MAX_ROUNDS, LLM_API_KEY_ENV, LlmConfig};
pub use clock::{Clock, ManualClock, SystemClock};
pub use crypto::{EncryptionKey, KEY_ENV, KeySource};
pub use db::{Database, SCHEMA_VERSION};

use definitions::DefinitionRegistry;
use state::{AppState, Inner};

/// Default address of `airbyte-agent serve`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8765";

/// Default access-token lifetime: 15 minutes, what the Python reference
/// assumes (it ignores `expires_in`), so it never sends an expired token.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);

/// `meta` key of the value proving the key matches the database.
const KEY_CHECK: &str = "encryption_key_check";
const KEY_CHECK_PLAINTEXT: &[u8] = b"airbyte-agent-server encryption key check";

/// Builds a [`Server`]; see [`Server::builder`].
#[must_use = "call .build().await"]
pub struct ServerBuilder {
    db_path: Option<PathBuf>,
    listen: SocketAddr,
    definition_dirs: Vec<PathBuf>,
    definitions: Vec<ConnectorDefinition>,
    base_urls: Vec<(String, String)>,
    key: Option<EncryptionKey>,
    key_source: Option<KeySource>,
    clock: Arc<dyn Clock>,
    token_ttl: Duration,
    llm: Option<LlmConfig>,
    run_scheduler: bool,
    public_url: Option<String>,
}

impl std::fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("db_path", &self.db_path)
            .field("listen", &self.listen)
            .field("definition_dirs", &self.definition_dirs)
            .field("definitions", &self.definitions.len())
            .field("token_ttl", &self.token_ttl)
            .field("llm", &self.llm)
            .field("run_scheduler", &self.run_scheduler)
            .finish_non_exhaustive()
    }
}

impl ServerBuilder {
    /// The SQLite database file (created if missing). Required.
    pub fn db(mut self, path: impl Into<PathBuf>) -> Self {
        self.db_path = Some(path.into());
        self
    }

    /// The address to listen on (default [`DEFAULT_LISTEN`]; port 0 picks a
    /// free port, see [`RunningServer::local_addr`]).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Loads every definition under `dir` (`<slug>/connector.yaml` and
    /// `*.yaml`). Repeatable.
    pub fn definitions_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.definition_dirs.push(dir.into());
        self
    }

    /// Registers one definition. Its id is `x-airbyte-connector-definition-id`.
    pub fn definition(mut self, definition: ConnectorDefinition) -> Self {
        self.definitions.push(definition);
        self
    }

    /// Sends the requests of definition `definition_id` to `url` instead of
    /// the definition's server (e.g. a sandbox on 127.0.0.1).
    pub fn definition_base_url(
        mut self,
        definition_id: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        self.base_urls.push((definition_id.into(), url.into()));
        self
    }

    /// Uses this key to seal credentials (instead of [`KEY_ENV`] or the key file).
    pub fn encryption_key(mut self, key: EncryptionKey) -> Self {
        self.key = Some(key);
        self
    }

    /// Where the key comes from when none is given with
    /// [`encryption_key`](Self::encryption_key). Default: [`KEY_ENV`] when
    /// set, else the file `<db>.key`, created with mode 0600 on first start.
    pub fn key_source(mut self, source: KeySource) -> Self {
        self.key_source = Some(source);
        self
    }

    /// The clock for token expiry and schedules (default [`SystemClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Access-token lifetime (default [`DEFAULT_TOKEN_TTL`]).
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// The language model `ask` uses. Without one, `ask` answers an error
    /// outcome saying how to configure it.
    pub fn llm(mut self, config: LlmConfig) -> Self {
        self.llm = Some(config);
        self
    }

    /// Whether [`Server::spawn`] starts the background scheduler (default
    /// `true`). Without it, due automations run only when
    /// [`RunningServer::run_due_automations`] is called.
    pub fn run_scheduler(mut self, run: bool) -> Self {
        self.run_scheduler = run;
        self
    }

    /// The URL clients and vendors reach the server at (OAuth redirects);
    /// default `http://<bound address>`.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Opens the database (applying migrations), loads the key and the
    /// definitions. Binds nothing yet.
    pub async fn build(self) -> Result<Server> {
        let db_path = self.db_path.ok_or_else(|| {
            Error::invalid_argument(
                "db",
                "the server needs a database file; set it with `db(path)`",
            )
        })?;
        let key = match self.key {
            Some(k) => k,
            None => self
                .key_source
                .unwrap_or_else(|| KeySource::from_env_or_file(default_key_file(&db_path)))
                .load()?,
        };
        let mut registry = DefinitionRegistry::default();
        for dir in &self.definition_dirs {
            let n = registry.add_dir(dir)?;
            tracing::info!(dir = %dir.display(), definitions = n, "loaded connector definitions");
        }
        for def in self.definitions {
            registry.add(def)?;
        }
        for (id, url) in self.base_urls {
            registry.set_base_url(&id, url);
        }
        let path = db_path.clone();
        let db = tokio::task::spawn_blocking(move || Database::open(&path))
            .await
            .map_err(|e| Error::Execution {
                message: format!("opening the database failed: {e}"),
            })??;
        check_key(&db, &key).await?;
        let interrupted = db
            .call(|c| db::runs::fail_interrupted(c, chrono::Utc::now().timestamp_millis()))
            .await
            .map_err(|e| db.sdk_error(e))?;
        if interrupted > 0 {
            tracing::warn!(
                runs = interrupted,
                "marked runs interrupted by the last shutdown as failed"
            );
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("airbyte-agent-server/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(300))
            .build()
            .map_err(|e| Error::Execution {
                message: format!("could not build the HTTP client: {e}"),
            })?;
        let public_url = OnceLock::new();
        if let Some(url) = self.public_url {
            let _ = public_url.set(url.trim_end_matches('/').to_string());
        }
        let state = AppState::new(Inner {
            db,
            key,
            definitions: registry,
            clock: self.clock,
            token_ttl: self.token_ttl,
            llm: self.llm,
            http,
            scheduler_wake: Notify::new(),
            executors: Mutex::default(),
            public_url,
        });
        Ok(Server {
            state,
            listen: self.listen,
            run_scheduler: self.run_scheduler,
        })
    }
}

fn default_key_file(db_path: &Path) -> PathBuf {
    let mut name = db_path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".key");
    db_path.with_file_name(name)
}

/// Refuses a key other than the one the database was first used with
/// (its sealed credentials would not open).
async fn check_key(db: &Database, key: &EncryptionKey) -> Result<()> {
    let stored = db
        .call(|c| db::apps::get_meta(c, KEY_CHECK))
        .await
        .map_err(|e| db.sdk_error(e))?;
    match stored {
        Some(sealed) => {
            if key.open(&sealed, KEY_CHECK).as_deref() == Some(KEY_CHECK_PLAINTEXT) {
                Ok(())
            } else {
                Err(Error::invalid_argument(
                    "encryption key",
                    format!(
                        "it is not the key {} was created with, so its credentials cannot be \
                         decrypted; use the original key file or {KEY_ENV}",
                        db.path().display()
                    ),
                ))
            }
        }
        None => {
            let sealed = key.seal(KEY_CHECK_PLAINTEXT, KEY_CHECK);
            db.call(move |c| db::apps::set_meta(c, KEY_CHECK, &sealed))
                .await
                .map_err(|e| db.sdk_error(e))
        }
    }
}

/// A configured server, ready to bind. See the crate docs.
pub struct Server {
    state: AppState,
    listen: SocketAddr,
    run_scheduler: bool,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("db", &self.state.db)
            .field("listen", &self.listen)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A builder; [`ServerBuilder::db`] is required.
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            db_path: None,
            listen: DEFAULT_LISTEN
                .parse()
                .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8765))),
            definition_dirs: Vec::new(),
            definitions: Vec::new(),
            base_urls: Vec::new(),
            key: None,
            key_source: None,
            clock: Arc::new(SystemClock),
            token_ttl: DEFAULT_TOKEN_TTL,
            llm: None,
            run_scheduler: true,
            public_url: None,
        }
    }

    /// The server's database (create applications, list runs).
    pub fn database(&self) -> &Database {
        &self.state.db
    }

    /// Binds the listener and serves in the background; also starts the
    /// scheduler unless disabled.
    pub async fn spawn(self) -> Result<RunningServer> {
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|e| Error::Network {
                method: String::new(),
                url: self.listen.to_string(),
                message: format!("could not listen on {}: {e}", self.listen),
                source: None,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io(self.listen.to_string(), e))?;
        let _ = self.state.public_url.set(format!("http://{addr}"));
        let (stop_tx, stop_rx) = watch::channel(false);
        let app = routes::router(self.state.clone());
        let mut http_stop = stop_rx.clone();
        let http = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = http_stop.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the HTTP server stopped");
            }
        });
        let scheduler = self
            .run_scheduler
            .then(|| tokio::spawn(scheduler::run_loop(self.state.clone(), stop_rx)));
        tracing::info!(%addr, "airbyte-agent-server listening");
        Ok(RunningServer {
            addr,
            state: self.state,
            stop: stop_tx,
            tasks: [Some(http), scheduler],
        })
    }

    /// Serves until `shutdown` completes, then stops gracefully.
    pub async fn serve_until(self, shutdown: impl std::future::Future<Output = ()>) -> Result<()> {
        let running = self.spawn().await?;
        shutdown.await;
        running.shutdown().await;
        Ok(())
    }
}

/// A server serving in the background. Dropping it without
/// [`shutdown`](Self::shutdown) leaves the server running until the runtime ends.
pub struct RunningServer {
    addr: SocketAddr,
    state: AppState,
    stop: watch::Sender<bool>,
    tasks: [Option<JoinHandle<()>>; 2],
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RunningServer {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API base URL, e.g. `http://127.0.0.1:8765` (for `api_url` /
    /// `AIRBYTE_API_URL`, or the Python reference's `SDK_DEV_ADP_API_HOST`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's database.
    pub fn database(&self) -> &Database {
        &self.state.db
    }

    /// Runs every automation due at the clock's current time now, and
    /// returns the recorded runs.
    pub async fn run_due_automations(&self) -> Vec<RunInfo> {
        scheduler::run_due(&self.state)
            .await
            .into_iter()
            .map(RunInfo::from)
            .collect()
    }

    /// Stops accepting requests, lets in-flight ones finish, stops the
    /// scheduler, and waits for both.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.iter_mut().filter_map(Option::take) {
            let _ = task.await;
        }
    }
}
