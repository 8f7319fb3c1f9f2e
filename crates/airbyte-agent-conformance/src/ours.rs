//! Our side: the SDK's [`LocalExecutor`] driven as a [`Subject`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use airbyte_agent_sdk::definition::{self, ConnectorDefinition};
use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_sdk::http::{HttpSender, SenderConfig};
use airbyte_agent_sdk::{Error, ExecutionConfig, Executor, ResultData};
use futures::StreamExt as _;
use serde_json::{Value, json};

use crate::cases::Case;
use crate::observe::{Observation, Outcome, hex};
use crate::run::{OutcomeFuture, Session, Subject};

/// Runs every case of `session` through our `LocalExecutor`.
pub async fn run(session: &Session) -> Option<HashMap<String, Observation>> {
    let subject = match Ours::new() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("our side could not start: {e}");
            return None;
        }
    };
    Some(session.run_subject(&subject).await)
}

/// Runs every case of `session` through `Executor::execute_json` (what
/// typed connectors call), converted back with
/// `JsonResult::into_execution_result`; also returns how many results came
/// back with their records still JSON text.
pub async fn run_json(session: &Session) -> Option<(HashMap<String, Observation>, usize)> {
    let mut subject = match Ours::new() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("our side could not start: {e}");
            return None;
        }
    };
    subject.via_json = true;
    let observations = session.run_subject(&subject).await;
    Some((observations, subject.kept_as_text.load(Ordering::Relaxed)))
}

/// Builds a fresh executor per case (fresh credentials state) over one
/// shared connection pool, with each definition loaded once.
pub struct Ours {
    sender: HttpSender,
    definitions: Mutex<HashMap<PathBuf, ConnectorDefinition>>,
    /// Goes through `execute_json` instead of `execute`.
    via_json: bool,
    /// Results of `execute_json` whose records were left as text.
    kept_as_text: AtomicUsize,
}

impl Ours {
    /// A subject with the default sender configuration.
    pub fn new() -> Result<Self, Error> {
        Ok(Self {
            sender: HttpSender::new(SenderConfig::default())?,
            definitions: Mutex::default(),
            via_json: false,
            kept_as_text: AtomicUsize::new(0),
        })
    }

    fn definition(&self, path: &Path) -> Result<ConnectorDefinition, Error> {
        let mut cache = self.definitions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(def) = cache.get(path) {
            return Ok(def.clone());
        }
        let def = definition::load_path(path)?;
        cache.insert(path.to_path_buf(), def.clone());
        Ok(def)
    }

    async fn execute(&self, case: &Case, path: &Path) -> Result<(Value, Option<Value>), Error> {
        let mut builder = LocalExecutor::builder(self.definition(path)?)
            .auth_values(case.auth.iter().map(|(k, v)| (k.clone(), text(v))))
            .config_values(case.config.clone())
            .sender(self.sender.clone());
        if let Some(scheme) = &case.auth_scheme {
            builder = builder.auth_scheme(scheme.clone());
        }
        let executor = builder.build()?;
        let op = ExecutionConfig::new(case.entity.clone(), case.action.clone())
            .params(case.params.clone());
        if case.action == "download" {
            let mut stream = executor.download(op).await?;
            let mut bytes = Vec::new();
            while let Some(chunk) = stream.next().await {
                bytes.extend_from_slice(&chunk?);
            }
            return Ok((json!({"bytes_hex": hex(&bytes)}), None));
        }
        if self.via_json {
            let result = executor.execute_json(op).await?;
            if matches!(result.data, ResultData::Records(_)) {
                self.kept_as_text.fetch_add(1, Ordering::Relaxed);
            }
            let result = result.into_execution_result()?;
            return Ok((result.data, result.meta));
        }
        let result = executor.execute(op).await?;
        Ok((result.data, result.meta))
    }
}

impl Subject for Ours {
    fn run<'a>(&'a self, case: &'a Case, definition: &'a Path) -> OutcomeFuture<'a> {
        Box::pin(async move {
            match self.execute(case, definition).await {
                Ok((data, meta)) => Outcome {
                    error_kind: None,
                    error_message: None,
                    data,
                    meta: meta.unwrap_or(Value::Null),
                },
                Err(e) => Outcome {
                    error_kind: Some(format!("{:?}", e.kind())),
                    error_message: Some(e.to_string()),
                    data: Value::Null,
                    meta: Value::Null,
                },
            }
        })
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
