//! The [`Executor`] trait shared by hosted and local execution, and the
//! values that flow through it.
//!
//! An executor runs one operation (`entity`, `action`, `params`) of one
//! connector. [`HostedExecutor`](crate::executor) proxies it through the
//! Airbyte API; the local executor calls the vendor's API directly from a
//! connector definition. Front ends (CLI, MCP, server) only see this trait.

pub mod local;

use std::pin::Pin;

use bytes::Bytes;
use futures::Stream;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::Result;

mod hosted;

pub use hosted::{HostedExecutor, NextPage};

/// A stream of records produced by a paginator.
pub type RecordStream = Pin<Box<dyn Stream<Item = Result<Value>> + Send + 'static>>;

/// A stream of bytes, e.g. a file download. Never buffered whole.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send + 'static>>;

/// One operation to execute: which entity, which action, with which parameters.
///
/// ```
/// use airbyte_agent_sdk::ExecutionConfig;
/// use serde_json::json;
///
/// let op = ExecutionConfig::new("customers", "list").param("limit", json!(10));
/// assert_eq!(op.params["limit"], 10);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExecutionConfig {
    /// Entity name, e.g. `customers`.
    pub entity: String,
    /// Action name, e.g. `list`, `get`, `create`.
    pub action: String,
    /// Operation parameters (path, query, header and body parameters by name).
    #[serde(default)]
    pub params: Map<String, Value>,
}

impl ExecutionConfig {
    /// An operation with no parameters.
    pub fn new(entity: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            entity: entity.into(),
            action: action.into(),
            params: Map::new(),
        }
    }

    /// Adds one parameter.
    pub fn param(mut self, name: impl Into<String>, value: Value) -> Self {
        self.params.insert(name.into(), value);
        self
    }

    /// Replaces all parameters. A JSON `null` means no parameters; any other
    /// non-object is kept under no name and rejected by validation, so this
    /// takes an object map.
    pub fn params(mut self, params: Map<String, Value>) -> Self {
        self.params = params;
        self
    }
}

/// The outcome of a successful operation.
///
/// Failures are [`Error`](crate::Error)s, not results with a flag: match on
/// the error's kind instead of checking `success`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExecutionResult {
    /// The records or object the operation returned.
    pub data: Value,
    /// Metadata extracted from the response (pagination cursors, totals, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

impl ExecutionResult {
    /// A result with data and optional metadata.
    pub fn new(data: Value, meta: Option<Value>) -> Self {
        Self { data, meta }
    }
}

/// The outcome of a successful operation with its data possibly still JSON
/// text, from [`Executor::execute_json`].
///
/// Typed callers deserialize the records straight from the text into their
/// own types instead of building a [`Value`] tree first.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JsonResult {
    /// The records or object the operation returned.
    pub data: ResultData,
    /// Metadata extracted from the response (pagination cursors, totals, ...).
    pub meta: Option<Value>,
}

/// The data of a [`JsonResult`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ResultData {
    /// Data already decoded, exactly as [`ExecutionResult::data`].
    Value(Value),
    /// A list's records as the JSON array text the vendor sent. An element
    /// that is not an object stands for the record `{"value": element}`
    /// (as in [`ExecutionResult::data`], where such elements are wrapped).
    Records(Box<RawValue>),
}

impl ResultData {
    /// The data as [`ExecutionResult::data`] holds it.
    ///
    /// ```
    /// use airbyte_agent_sdk::executor::ResultData;
    /// use serde_json::{json, value::RawValue};
    ///
    /// let text = RawValue::from_string(r#"[{"id": 1}, 2]"#.to_string()).unwrap();
    /// let data = ResultData::Records(text).into_value().unwrap();
    /// assert_eq!(data, json!([{"id": 1}, {"value": 2}]));
    /// ```
    pub fn into_value(self) -> Result<Value> {
        match self {
            ResultData::Value(value) => Ok(value),
            ResultData::Records(text) => {
                let value: Value =
                    serde_json::from_str(text.get()).map_err(|e| crate::Error::Decode {
                        what: "records".to_string(),
                        message: e.to_string(),
                    })?;
                Ok(crate::local::extract::wrap_primitives(value))
            }
        }
    }
}

impl JsonResult {
    /// The result as [`Executor::execute`] returns it.
    pub fn into_execution_result(self) -> Result<ExecutionResult> {
        Ok(ExecutionResult::new(self.data.into_value()?, self.meta))
    }
}

impl From<ExecutionResult> for JsonResult {
    fn from(result: ExecutionResult) -> Self {
        Self {
            data: ResultData::Value(result.data),
            meta: result.meta,
        }
    }
}

/// Whether a connector is reachable with its credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CheckResult {
    /// `true` when the check operation (or credential check) succeeded.
    pub healthy: bool,
    /// The entity used for the check, when an operation was run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_entity: Option<String>,
    /// The action used for the check, when an operation was run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_action: Option<String>,
    /// Why the check failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl CheckResult {
    /// A healthy result.
    pub fn healthy(entity: Option<String>, action: Option<String>) -> Self {
        Self {
            healthy: true,
            checked_entity: entity,
            checked_action: action,
            error: None,
        }
    }

    /// An unhealthy result with the reason.
    pub fn unhealthy(entity: Option<String>, action: Option<String>, error: String) -> Self {
        Self {
            healthy: false,
            checked_entity: entity,
            checked_action: action,
            error: Some(error),
        }
    }
}

/// Runs connector operations. Implemented by the hosted and the local executor.
///
/// Executors are cheap to clone and safe to share between tasks.
#[async_trait::async_trait]
pub trait Executor: Send + Sync {
    /// Executes one operation.
    async fn execute(&self, op: ExecutionConfig) -> Result<ExecutionResult>;

    /// Executes one operation like [`execute`](Executor::execute), leaving a
    /// list's records as JSON text where the executor can (the local
    /// executor does for plain `$.path` record extractors), so typed
    /// connectors decode them without an intermediate [`Value`] tree.
    ///
    /// [`JsonResult::into_execution_result`] gives exactly what `execute`
    /// returns. The default runs `execute`.
    async fn execute_json(&self, op: ExecutionConfig) -> Result<JsonResult> {
        Ok(self.execute(op).await?.into())
    }

    /// Checks connectivity and credentials with a lightweight operation.
    ///
    /// Never fails for an unhealthy connector: the failure is reported in the
    /// [`CheckResult`]. It fails only when the check itself cannot be attempted.
    async fn check(&self) -> Result<CheckResult>;

    /// Streams every record of a list operation, following the connector's
    /// pagination until the end.
    fn paginate(&self, op: ExecutionConfig) -> RecordStream;

    /// Starts a download operation and streams its bytes.
    async fn download(&self, op: ExecutionConfig) -> Result<ByteStream>;
}
