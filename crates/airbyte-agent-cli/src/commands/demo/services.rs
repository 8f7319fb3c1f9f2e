//! The demo's local services: the Stripe sandbox, the Airbyte server on a
//! temporary database, and a receiver for the automation's completion
//! webhook. All bind ephemeral ports on 127.0.0.1.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use airbyte_agent_connectors::Stripe;
use airbyte_agent_sandbox::{Sandbox, SandboxConfig};
use airbyte_agent_sdk::{Error, Result};
use airbyte_agent_server::{EncryptionKey, ManualClock, NewApplication, RunningServer, Server};
use axum::Json;
use axum::extract::State;
use serde_json::Value;
use tokio::sync::mpsc;

/// Lifetime of the demo's access tokens: longer than the demo's jump of
/// the server clock to the automation's next run (at most a weekend).
const TOKEN_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// Everything the demo starts; stopped by [`Services::stop`].
pub struct Services {
    pub sandbox: Sandbox,
    pub server: RunningServer,
    /// The server's clock: the demo moves it to the automation's next run
    /// instead of waiting for it.
    pub clock: Arc<ManualClock>,
    pub app: NewApplication,
    pub webhook: WebhookReceiver,
    /// Holds the database; deleted on drop.
    pub dir: tempfile::TempDir,
}

impl Services {
    /// Starts the sandbox with `config`, then a server whose Stripe
    /// connectors call the sandbox, and creates an application.
    pub async fn start(config: SandboxConfig) -> Result<Services> {
        let sandbox = Sandbox::start(config)
            .await
            .map_err(|e| io_error("starting the Stripe sandbox on 127.0.0.1", e))?;
        let dir = tempfile::Builder::new()
            .prefix("airbyte-agent-demo-")
            .tempdir()
            .map_err(|e| io_error("creating a temporary directory", e))?;
        let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        let server = Server::builder()
            .db(dir.path().join("demo.db"))
            .listen(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .encryption_key(EncryptionKey::generate())
            .definition(Stripe::definition()?)
            .definition_base_url(Stripe::DEFINITION_ID, sandbox.url())
            .clock(clock.clone())
            .token_ttl(TOKEN_TTL)
            // The demo runs due automations itself after moving the clock.
            .run_scheduler(false)
            .build()
            .await?;
        let app = server
            .database()
            .create_application("airbyte-agent demo", None)
            .await?;
        let server = server.spawn().await?;
        let webhook = WebhookReceiver::start().await?;
        Ok(Services {
            sandbox,
            server,
            clock,
            app,
            webhook,
            dir,
        })
    }

    /// Stops the server and the sandbox, and deletes the database.
    pub async fn stop(self) {
        self.server.shutdown().await;
        self.sandbox.shutdown().await;
        self.webhook.stop();
        drop(self.dir);
    }
}

fn io_error(what: &str, e: std::io::Error) -> Error {
    Error::Execution {
        message: format!("{what} failed: {e}"),
    }
}

/// Collects the JSON bodies POSTed to it (the completion webhook).
pub struct WebhookReceiver {
    url: String,
    received: mpsc::UnboundedReceiver<Value>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl WebhookReceiver {
    async fn start() -> Result<WebhookReceiver> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| io_error("starting the webhook receiver on 127.0.0.1", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| io_error("starting the webhook receiver", e))?;
        let (tx, received) = mpsc::unbounded_channel();
        let app = axum::Router::new()
            .route("/run-completed", axum::routing::post(receive))
            .with_state(tx);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(WebhookReceiver {
            url: format!("http://{addr}/run-completed"),
            received,
            stop: Some(stop),
        })
    }

    /// Where to POST.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The next body received, waiting at most `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<Value> {
        tokio::time::timeout(timeout, self.received.recv())
            .await
            .ok()
            .flatten()
    }

    fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn receive(State(tx): State<mpsc::UnboundedSender<Value>>, Json(body): Json<Value>) {
    let _ = tx.send(body);
}
