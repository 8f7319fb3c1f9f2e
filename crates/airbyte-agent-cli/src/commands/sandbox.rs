//! `airbyte-agent sandbox`: serve the built-in Stripe sandbox on loopback.
//!
//! Prints one JSON line with the URL and API key (for scripts), then serves
//! until Ctrl-C.

use std::io::Write as _;
use std::net::SocketAddr;

use airbyte_agent_sandbox::{DEFAULT_API_KEY, Entity, Sandbox, SandboxConfig};
use airbyte_agent_sdk::{Error, Result};
use clap::Args;
use serde_json::{Map, Value, json};

/// Serve the built-in Stripe sandbox: a small Stripe-shaped API on 127.0.0.1
/// with generated data (not Stripe; no account, no network)
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on; loopback only (port 0 picks a free port)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:12111")]
    listen: SocketAddr,

    /// Seed of the generated data: the same seed serves the same records
    #[arg(long, default_value_t = 42)]
    seed: u64,

    /// Records of every entity, generated on request and never held in
    /// memory [default: 50 customers, 12 products, 120 invoices, 150 charges]
    #[arg(long, value_name = "N")]
    records: Option<u64>,

    /// The key clients must send as `Authorization: Bearer <key>`
    #[arg(long, value_name = "KEY", default_value = DEFAULT_API_KEY)]
    api_key: String,
}

impl SandboxArgs {
    /// The sandbox configuration these flags describe.
    fn config(&self) -> SandboxConfig {
        let config = SandboxConfig::default()
            .with_seed(self.seed)
            .with_api_key(self.api_key.clone());
        match self.records {
            Some(n) => config.with_records(n),
            None => config,
        }
    }

    /// Serves until interrupted.
    pub async fn run(self) -> Result<Option<Value>> {
        if !self.listen.ip().is_loopback() {
            return Err(Error::invalid_argument(
                "listen",
                format!(
                    "{} is not a loopback address; the sandbox serves this machine only \
                     (use e.g. 127.0.0.1:{})",
                    self.listen,
                    self.listen.port()
                ),
            ));
        }
        let config = self.config();
        let sandbox = Sandbox::bind(config.clone(), self.listen)
            .await
            .map_err(|e| {
                Error::invalid_argument(
                    "listen",
                    format!(
                        "could not listen on {}: {e}; pick another port",
                        self.listen
                    ),
                )
            })?;
        let records: Map<String, Value> = Entity::ALL
            .iter()
            .map(|e| (e.path().to_string(), json!(config.records(*e))))
            .collect();
        let line = json!({
            "sandbox": "stripe",
            "note": "generated data on this machine; not Stripe",
            "url": sandbox.url(),
            "api_key": sandbox.api_key(),
            "seed": config.seed,
            "records": records,
        });
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| Error::io("stdout", e))?;
        drop(out);
        eprintln!(
            "Stripe sandbox (generated data, not Stripe) serving on {}; stop with Ctrl-C",
            sandbox.url()
        );
        // Without a signal handler the process still ends on Ctrl-C.
        if tokio::signal::ctrl_c().await.is_ok() {
            sandbox.shutdown().await;
        }
        Ok(None)
    }
}
