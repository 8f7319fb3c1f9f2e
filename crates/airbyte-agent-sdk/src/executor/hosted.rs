//! [`HostedExecutor`]: runs operations through the hosted Airbyte API.

use futures::StreamExt;
use serde_json::{Map, Value};

use crate::cloud::CloudClient;
use crate::error::{Error, Result};
use crate::executor::{
    ByteStream, CheckResult, ExecutionConfig, ExecutionResult, Executor, RecordStream,
};

/// Which connector the executor talks to.
#[derive(Debug, Clone)]
enum Target {
    /// A known connector (source) id.
    Id(String),
    /// The one connector of a workspace created from a definition, looked up
    /// before each call (as the reference does, so a re-created connector is
    /// picked up).
    Lookup {
        workspace_name: String,
        definition_id: String,
    },
}

/// Executes operations of one connector through the hosted Airbyte API.
///
/// Cheap to clone; clones share the client (token cache, connection pool).
///
/// **Close / drop:** there is nothing to flush. [`close`](Self::close)
/// consumes the executor so it cannot be used by mistake afterwards; the
/// HTTP connections close when the last clone of its [`CloudClient`] (which
/// a [`Workspace`](crate::Workspace) may share) is dropped.
///
/// ```no_run
/// # async fn demo() -> airbyte_agent_sdk::Result<()> {
/// use airbyte_agent_sdk::{cloud::CloudClient, executor::HostedExecutor};
/// use serde_json::json;
///
/// let client = CloudClient::builder().build()?; // credentials from the environment
/// let stripe = HostedExecutor::by_id(client, "3f6c...");
/// let page = stripe.call("customers", "list", json!({"limit": 10})).await?;
/// println!("{}", page.data);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct HostedExecutor {
    client: CloudClient,
    target: Target,
    label: Option<String>,
    check_operation: Option<ExecutionConfig>,
}

impl HostedExecutor {
    /// An executor for a known connector id (no lookup).
    pub fn by_id(client: CloudClient, connector_id: impl Into<String>) -> Self {
        Self {
            client,
            target: Target::Id(connector_id.into()),
            label: None,
            check_operation: None,
        }
    }

    /// An executor for the one connector of `workspace_name` created from
    /// `definition_id`. Zero or several matches fail each call with
    /// [`Error::NotFound`] / [`Error::Ambiguous`], naming the workspace and
    /// listing its connectors.
    pub fn by_definition(
        client: CloudClient,
        workspace_name: impl Into<String>,
        definition_id: impl Into<String>,
    ) -> Self {
        Self {
            client,
            target: Target::Lookup {
                workspace_name: workspace_name.into(),
                definition_id: definition_id.into(),
            },
            label: None,
            check_operation: None,
        }
    }

    /// Names the connector (e.g. its slug) in lookup errors.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// The operation [`check`](Executor::check) runs (a cheap list/get from
    /// the connector's definition). Without one, `check` only verifies the
    /// Airbyte credentials by getting a token, as the reference does.
    pub fn with_check_operation(mut self, op: ExecutionConfig) -> Self {
        self.check_operation = Some(op);
        self
    }

    /// The underlying client.
    pub fn client(&self) -> &CloudClient {
        &self.client
    }

    /// The connector id, when it was given (not looked up).
    pub fn connector_id(&self) -> Option<&str> {
        match &self.target {
            Target::Id(id) => Some(id),
            Target::Lookup { .. } => None,
        }
    }

    /// The connector id: the given one, or the result of the lookup.
    pub async fn resolve_connector_id(&self) -> Result<String> {
        match &self.target {
            Target::Id(id) => Ok(id.clone()),
            Target::Lookup {
                workspace_name,
                definition_id,
            } => {
                self.client
                    .resolve_connector_id(workspace_name, definition_id, self.label.as_deref())
                    .await
            }
        }
    }

    /// Executes `entity`/`action` with `params` (a JSON object or `null`).
    ///
    /// The shorthand of [`Executor::execute`].
    pub async fn call(&self, entity: &str, action: &str, params: Value) -> Result<ExecutionResult> {
        let params = match params {
            Value::Null => Map::new(),
            Value::Object(m) => m,
            other => {
                return Err(Error::invalid_argument(
                    "params",
                    format!("must be a JSON object, got {}", json_type(&other)),
                ));
            }
        };
        self.execute(ExecutionConfig::new(entity, action).params(params))
            .await
    }

    /// Releases this handle. See the type's docs for what closing means.
    pub fn close(self) {}
}

#[async_trait::async_trait]
impl Executor for HostedExecutor {
    async fn execute(&self, op: ExecutionConfig) -> Result<ExecutionResult> {
        if op.entity.trim().is_empty() {
            return Err(Error::invalid_argument("entity", "must not be empty"));
        }
        if op.action.trim().is_empty() {
            return Err(Error::invalid_argument("action", "must not be empty"));
        }
        let id = self.resolve_connector_id().await?;
        self.client.execute(&id, &op).await
    }

    /// Runs the check operation when one is set, else verifies the Airbyte
    /// credentials by fetching a token. Failures are reported as unhealthy.
    async fn check(&self) -> Result<CheckResult> {
        if let Some(op) = &self.check_operation {
            let (entity, action) = (Some(op.entity.clone()), Some(op.action.clone()));
            return Ok(match self.execute(op.clone()).await {
                Ok(_) => CheckResult::healthy(entity, action),
                Err(e) => CheckResult::unhealthy(entity, action, e.to_string()),
            });
        }
        Ok(match self.client.bearer_token().await {
            Ok(_) => CheckResult::healthy(None, None),
            Err(e) => CheckResult::unhealthy(None, None, e.to_string()),
        })
    }

    /// Hosted pagination: the hosted execute API returns one page and a
    /// `meta` object but does not say which request parameter takes the
    /// next cursor (that lives in the connector definition), so this yields
    /// the records of the first page only: the elements of `data` when it is
    /// an array, else `data` itself (nothing for `null`). Page through with
    /// repeated [`execute`](Executor::execute) calls using the cursor found
    /// in [`ExecutionResult::meta`].
    fn paginate(&self, op: ExecutionConfig) -> RecordStream {
        let this = self.clone();
        futures::stream::once(async move { this.execute(op).await })
            .flat_map(|result| {
                let items: Vec<Result<Value>> = match result {
                    Ok(r) => match r.data {
                        Value::Array(items) => items.into_iter().map(Ok).collect(),
                        Value::Null => Vec::new(),
                        other => vec![Ok(other)],
                    },
                    Err(e) => vec![Err(e)],
                };
                futures::stream::iter(items)
            })
            .boxed()
    }

    /// The hosted API has no byte-streaming endpoint (execute answers JSON),
    /// so downloads need local mode: this always fails with
    /// [`Error::InvalidArgument`].
    async fn download(&self, op: ExecutionConfig) -> Result<ByteStream> {
        Err(Error::invalid_argument(
            "action",
            format!(
                "`{}.{}`: downloads are not available through the hosted API; \
                 use a local-mode executor with the vendor credentials",
                op.entity, op.action
            ),
        ))
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
