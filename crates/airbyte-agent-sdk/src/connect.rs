//! [`connect`]: one call from a connector name to a ready executor.

use std::time::Duration;

use crate::catalog::{self, CatalogEntry};
use crate::cloud::CloudClient;
use crate::config::AirbyteAuthConfig;
use crate::error::Result;
use crate::executor::{
    ByteStream, CheckResult, ExecutionConfig, ExecutionResult, Executor, HostedExecutor,
    RecordStream,
};

/// Starts building an executor for the catalog connector `name` (a slug such
/// as `stripe` or `zendesk-support`).
///
/// The name is checked against the bundled [`crate::catalog`] when
/// [`ConnectBuilder::build`] runs: an unknown name fails with
/// [`Error::NotFound`](crate::Error::NotFound) listing the closest names.
///
/// ```no_run
/// # async fn demo() -> airbyte_agent_sdk::Result<()> {
/// use airbyte_agent_sdk::Executor;
/// use serde_json::json;
///
/// let stripe = airbyte_agent_sdk::connect("stripe")
///     .workspace("acme")
///     .build()
///     .await?;
/// let op = airbyte_agent_sdk::ExecutionConfig::new("customers", "list")
///     .param("limit", json!(10));
/// println!("{}", stripe.execute(op).await?.data);
/// # Ok(()) }
/// ```
pub fn connect(name: impl Into<String>) -> ConnectBuilder {
    ConnectBuilder {
        name: name.into(),
        auth: AirbyteAuthConfig::default(),
        timeout: None,
        client: None,
        check_operation: None,
        definition: None,
    }
}

/// Like [`connect`], for a connector given by its definition (slug and
/// definition id) instead of a catalog name: typed connectors use it, so a
/// connector generated from a definition outside the catalog connects too.
pub(crate) fn connect_definition(
    slug: impl Into<String>,
    definition_id: impl Into<String>,
) -> ConnectBuilder {
    let slug = slug.into();
    ConnectBuilder {
        definition: Some((slug.clone(), definition_id.into())),
        ..connect(slug)
    }
}

/// The connectors of the bundled catalog, sorted by slug.
pub fn list_connectors() -> Vec<CatalogEntry> {
    catalog::entries().to_vec()
}

/// Options of [`connect`].
///
/// With a connector id the executor calls that connector directly;
/// otherwise it looks up the single connector of the workspace (default
/// `"default"`) made from this connector's definition.
#[derive(Debug, Clone)]
#[must_use = "call .build().await to get the executor"]
pub struct ConnectBuilder {
    name: String,
    auth: AirbyteAuthConfig,
    timeout: Option<Duration>,
    client: Option<CloudClient>,
    check_operation: Option<ExecutionConfig>,
    /// (slug, definition id) when not looked up in the catalog.
    definition: Option<(String, String)>,
}

impl ConnectBuilder {
    crate::config::forward_auth_setters! {
        /// Sets the Airbyte client id.
        client_id => client_id,
        /// Sets the Airbyte client secret.
        client_secret => client_secret,
        /// Sets the workspace the connector is looked up in.
        workspace => workspace_name,
        /// Sets the organization id sent as `X-Organization-Id`.
        organization_id => organization_id,
        /// Uses this connector id (no lookup).
        connector_id => connector_id,
        /// Sets the API base URL.
        api_url => api_url,
    }

    /// Sets the whole-request timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Reuses an existing client (its credentials, URL and token cache)
    /// instead of building one; credential settings on this builder are then
    /// ignored.
    pub fn client(mut self, client: CloudClient) -> Self {
        self.client = Some(client);
        self
    }

    /// The operation `check()` runs (see [`HostedExecutor::with_check_operation`]).
    pub fn check_operation(mut self, op: ExecutionConfig) -> Self {
        self.check_operation = Some(op);
        self
    }

    /// Validates the name and credentials and returns the executor. Makes no
    /// request: the connector lookup (when no id is given) happens on each call.
    pub async fn build(self) -> Result<ConnectedExecutor> {
        self.build_hosted().await.map(ConnectedExecutor::Hosted)
    }

    /// Like [`build`](Self::build), returning the hosted executor itself.
    pub async fn build_hosted(self) -> Result<HostedExecutor> {
        let (slug, definition_id) = match self.definition {
            Some(given) => given,
            None => {
                let entry = catalog::lookup(&self.name)?;
                (entry.slug.clone(), entry.definition_id.clone())
            }
        };
        let (client, workspace_name, connector_id) = match self.client {
            // An explicit client brings its own credentials: resolve the rest
            // without requiring any.
            Some(client) => {
                let merged = match crate::config::configuration() {
                    Some(global) => self.auth.or(&global),
                    None => self.auth,
                };
                let workspace = merged
                    .workspace_name
                    .unwrap_or_else(|| crate::config::DEFAULT_WORKSPACE.to_string());
                (client, workspace, merged.connector_id)
            }
            None => {
                let resolved = self.auth.resolve()?;
                let client = CloudClient::from_config_with_timeout(
                    &resolved,
                    self.timeout.unwrap_or(crate::cloud::DEFAULT_TIMEOUT),
                )?;
                (client, resolved.workspace_name, resolved.connector_id)
            }
        };
        let executor = match connector_id {
            Some(id) => HostedExecutor::by_id(client, id),
            None => HostedExecutor::by_definition(client, workspace_name, definition_id),
        }
        .with_label(slug);
        Ok(match self.check_operation {
            Some(op) => executor.with_check_operation(op),
            None => executor,
        })
    }
}

/// The executor [`connect`] returns: hosted today; local mode will be
/// another variant.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ConnectedExecutor {
    /// Runs through the hosted Airbyte API.
    Hosted(HostedExecutor),
}

impl ConnectedExecutor {
    /// The hosted executor, when this is one.
    pub fn as_hosted(&self) -> Option<&HostedExecutor> {
        match self {
            ConnectedExecutor::Hosted(h) => Some(h),
        }
    }

    fn inner(&self) -> &dyn Executor {
        match self {
            ConnectedExecutor::Hosted(h) => h,
        }
    }
}

#[async_trait::async_trait]
impl Executor for ConnectedExecutor {
    async fn execute(&self, op: ExecutionConfig) -> Result<ExecutionResult> {
        self.inner().execute(op).await
    }

    async fn execute_json(&self, op: ExecutionConfig) -> Result<crate::executor::JsonResult> {
        self.inner().execute_json(op).await
    }

    async fn check(&self) -> Result<CheckResult> {
        self.inner().check().await
    }

    fn paginate(&self, op: ExecutionConfig) -> RecordStream {
        self.inner().paginate(op)
    }

    async fn download(&self, op: ExecutionConfig) -> Result<ByteStream> {
        self.inner().download(op).await
    }
}
