//! [`HostedExecutor`]: runs operations through the hosted Airbyte API.

use std::sync::Arc;

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
#[derive(Clone)]
pub struct HostedExecutor {
    client: CloudClient,
    target: Target,
    label: Option<String>,
    check_operation: Option<ExecutionConfig>,
    next_page: Option<NextPage>,
}

/// Computes the operation fetching the next page from the current operation
/// and its result; `None` ends pagination. See [`HostedExecutor::with_next_page`].
pub type NextPage =
    Arc<dyn Fn(&ExecutionConfig, &ExecutionResult) -> Option<ExecutionConfig> + Send + Sync>;

impl std::fmt::Debug for HostedExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostedExecutor")
            .field("client", &self.client)
            .field("target", &self.target)
            .field("label", &self.label)
            .field("check_operation", &self.check_operation)
            .field("next_page", &self.next_page.as_ref().map(|_| "<fn>"))
            .finish()
    }
}

impl HostedExecutor {
    /// An executor for a known connector id (no lookup).
    pub fn by_id(client: CloudClient, connector_id: impl Into<String>) -> Self {
        Self {
            client,
            target: Target::Id(connector_id.into()),
            label: None,
            check_operation: None,
            next_page: None,
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
            next_page: None,
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

    /// How [`paginate`](Executor::paginate) finds the next page. The hosted
    /// API returns a page and its `meta` but not which request parameter
    /// takes the cursor (that is in the connector definition), so the caller
    /// who knows supplies it; see also [`with_cursor`](Self::with_cursor).
    pub fn with_next_page<F>(mut self, next: F) -> Self
    where
        F: Fn(&ExecutionConfig, &ExecutionResult) -> Option<ExecutionConfig>
            + Send
            + Sync
            + 'static,
    {
        self.next_page = Some(Arc::new(next));
        self
    }

    /// Paginates by copying the value at JSON pointer `meta_pointer` of each
    /// result's `meta` (e.g. `/next_cursor`) into the parameter `param` of
    /// the next request; a missing, `null` or empty cursor ends pagination.
    pub fn with_cursor(self, meta_pointer: impl Into<String>, param: impl Into<String>) -> Self {
        let (pointer, param) = (meta_pointer.into(), param.into());
        self.with_next_page(move |op, result| {
            let cursor = result.meta.as_ref()?.pointer(&pointer)?;
            if cursor.is_null() || cursor.as_str() == Some("") {
                return None;
            }
            Some(op.clone().param(param.clone(), cursor.clone()))
        })
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
                    format!(
                        "must be a JSON object, got {}",
                        crate::error::json_type_name(&other)
                    ),
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

    /// Streams the records of a list operation: the elements of `data` when
    /// it is an array, else `data` itself (nothing for `null`).
    ///
    /// Without a next-page rule ([`with_next_page`](HostedExecutor::with_next_page)
    /// or [`with_cursor`](HostedExecutor::with_cursor)) this is the first
    /// page only, because the hosted API does not say which parameter takes
    /// the cursor. With one, pages are fetched until the rule returns
    /// `None`, a page is empty, or the rule repeats the same request. An
    /// error ends the stream after being yielded.
    fn paginate(&self, op: ExecutionConfig) -> RecordStream {
        let this = self.clone();
        futures::stream::unfold(Some(op), move |state| {
            let this = this.clone();
            async move {
                let op = state?;
                let (items, next): (Vec<Result<Value>>, Option<ExecutionConfig>) =
                    match this.execute(op.clone()).await {
                        Ok(result) => {
                            let next = this
                                .next_page
                                .as_ref()
                                .and_then(|rule| rule(&op, &result))
                                .filter(|next| *next != op);
                            let items: Vec<Result<Value>> = match result.data {
                                Value::Array(items) => items.into_iter().map(Ok).collect(),
                                Value::Null => Vec::new(),
                                other => vec![Ok(other)],
                            };
                            let next = if items.is_empty() { None } else { next };
                            (items, next)
                        }
                        Err(e) => (vec![Err(e)], None),
                    };
                Some((futures::stream::iter(items), next))
            }
        })
        .flatten()
        .boxed()
    }

    /// The hosted execute API answers JSON only, so bytes cannot be streamed
    /// through it: this always fails with [`Error::InvalidArgument`]
    /// explaining that downloads need local mode. (The reference 0.1.47 has
    /// no hosted download; 0.1.380 fetches a prepared request from
    /// `execute/prepare` and runs it locally, which needs the local engine.)
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
