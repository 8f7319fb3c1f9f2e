//! What every request handler and the scheduler share.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use airbyte_agent_sdk::executor::local::LocalExecutor;
use tokio::sync::Notify;

use crate::ask::LlmConfig;
use crate::clock::{Clock, to_millis};
use crate::crypto::EncryptionKey;
use crate::db::Database;
use crate::definitions::DefinitionRegistry;

/// Shared server state. Cheap to clone.
#[derive(Clone)]
pub(crate) struct AppState {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub db: Database,
    pub key: EncryptionKey,
    pub definitions: DefinitionRegistry,
    pub clock: Arc<dyn Clock>,
    pub token_ttl: Duration,
    pub llm: Option<LlmConfig>,
    /// Client for webhooks, the LLM endpoint and OAuth code exchanges.
    pub http: reqwest::Client,
    /// Wakes the scheduler when automations change.
    pub scheduler_wake: Notify,
    /// Executors by connector id, with the connector's `updated_at` they
    /// were built from (a change of credentials rebuilds them).
    pub executors: Mutex<HashMap<String, (i64, LocalExecutor)>>,
    /// The URL the server is reachable at (for OAuth redirects); set once
    /// the listener is bound unless configured.
    pub public_url: OnceLock<String>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.inner
    }
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Now, in database milliseconds.
    pub fn now_millis(&self) -> i64 {
        to_millis(self.clock.now())
    }

    /// The base URL for links the server hands out.
    pub fn public_url(&self) -> &str {
        self.public_url
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1")
    }

    /// Forgets a connector's cached executor.
    pub fn forget_executor(&self, connector_id: &str) {
        self.executors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(connector_id);
    }
}

/// Timeout of outgoing calls made by the server itself (webhooks, OAuth).
pub(crate) const OUTGOING_TIMEOUT: Duration = Duration::from_secs(30);
