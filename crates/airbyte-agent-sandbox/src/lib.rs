//! A built-in **sandbox vendor**: a small Stripe-shaped API served on
//! 127.0.0.1 with generated data, so connectors, the local server and the
//! demo run with no network and no Stripe account.
//!
//! It is clearly not Stripe: every response carries
//! `X-Airbyte-Sandbox: stripe-sandbox; generated data`, every request is
//! logged under the `airbyte_agent_sandbox` tracing target, records say
//! `"livemode": false` and describe themselves as generated, and `GET /`
//! describes the sandbox.
//!
//! What it serves, in Stripe's wire shapes (see `GET /`):
//! - customers and products: list, retrieve, create, update, delete, search;
//! - invoices and charges: list, retrieve, search (read-only);
//! - lists as `{object: "list", data, has_more, url}`, newest first, with
//!   `limit` (1–100, default 10), `starting_after` / `ending_before`,
//!   `created[gt|gte|lt|lte]` and equality filters (`email`, `customer`,
//!   `status`, ...);
//! - form-encoded bodies with bracketed keys (`metadata[tier]=gold`), or JSON;
//! - errors as `{"error": {"type", "code", "message", "param"}}` with 400,
//!   401 (bearer auth with [`SandboxConfig::api_key`]) or 404.
//!
//! Records are a pure function of ([`SandboxConfig::seed`], entity, index)
//! and are generated when requested, so a sandbox of a million customers
//! uses no more memory than one of fifty; only what clients create, change
//! or delete is held.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use airbyte_agent_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default().with_records(1_000)).await?;
//! println!("Stripe sandbox at {} (key {})", sandbox.url(), sandbox.api_key());
//! # Ok(()) }
//! ```

mod api;
mod entity;
mod error;
mod form;
mod generate;
mod ids;
mod search;
mod store;
mod words;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};

pub use entity::Entity;
pub use error::ApiError;

/// The API key a default sandbox accepts. Not a secret: the sandbox holds
/// only generated data.
pub const DEFAULT_API_KEY: &str = "sk_test_airbyte_sandbox";

/// Response header that marks the sandbox's responses.
pub const SANDBOX_HEADER: &str = "x-airbyte-sandbox";

/// Value of [`SANDBOX_HEADER`].
pub const SANDBOX_HEADER_VALUE: &str = "stripe-sandbox; generated data";

/// What a sandbox serves.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Seed of the generated data: the same seed gives the same records.
    pub seed: u64,
    /// The key clients send as `Authorization: Bearer <key>`.
    pub api_key: String,
    /// Generated customers.
    pub customers: u64,
    /// Generated products.
    pub products: u64,
    /// Generated invoices (each belongs to a generated customer).
    pub invoices: u64,
    /// Generated charges (each belongs to a generated customer).
    pub charges: u64,
}

impl Default for SandboxConfig {
    /// Seed 42, [`DEFAULT_API_KEY`], 50 customers, 12 products, 120
    /// invoices and 150 charges.
    fn default() -> Self {
        Self {
            seed: 42,
            api_key: DEFAULT_API_KEY.to_string(),
            customers: 50,
            products: 12,
            invoices: 120,
            charges: 150,
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("seed", &self.seed)
            .field("api_key", &"<redacted>")
            .field("customers", &self.customers)
            .field("products", &self.products)
            .field("invoices", &self.invoices)
            .field("charges", &self.charges)
            .finish()
    }
}

impl SandboxConfig {
    /// Generates `n` records of every entity.
    pub fn with_records(mut self, n: u64) -> Self {
        self.customers = n;
        self.products = n;
        self.invoices = n;
        self.charges = n;
        self
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the API key clients must send.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// How many records of `entity` are generated.
    pub fn records(&self, entity: Entity) -> u64 {
        match entity {
            Entity::Customers => self.customers,
            Entity::Products => self.products,
            Entity::Invoices => self.invoices,
            Entity::Charges => self.charges,
        }
    }
}

/// The sandbox as an axum application, to serve or nest yourself.
pub fn router(config: &SandboxConfig) -> axum::Router {
    api::router(config)
}

/// A sandbox serving on a local port; stops when dropped.
pub struct Sandbox {
    addr: SocketAddr,
    api_key: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts a sandbox on an ephemeral port of 127.0.0.1.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        Self::bind(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Starts a sandbox on `addr` (port 0 picks a free one).
    pub async fn bind(config: SandboxConfig, addr: SocketAddr) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let app = api::router(&config);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!(target: "airbyte_agent_sandbox", error = %e, "stripe sandbox stopped");
            }
        });
        tracing::info!(
            target: "airbyte_agent_sandbox",
            url = %format!("http://{addr}"),
            seed = config.seed,
            customers = config.customers,
            "stripe sandbox (generated data, not Stripe) listening"
        );
        Ok(Sandbox {
            addr,
            api_key: config.api_key,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Base URL, `http://127.0.0.1:PORT` (connector definitions' paths
    /// start with `/v1`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The key clients must send.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Stops serving and waits for open connections to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
