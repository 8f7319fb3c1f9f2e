//! [`Workspace`]: workspace-level operations of hosted mode (ask, connectors,
//! workflows, automations).

use std::future::Future;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::catalog;
use crate::cloud::{
    AskResult, AutomationInfo, AutomationUpdate, CloudClient, ConnectorInfo,
    CreateConnectorRequest, CreateWorkflowRequest, NewAutomation, OAuthInitiateRequest,
    UpdateWorkflowRequest, WorkflowInfo,
};
use crate::config::{AirbyteAuthConfig, ResolvedConfig};
use crate::error::{Error, Result};
use crate::executor::HostedExecutor;

/// An Airbyte workspace: ask questions across its connectors, manage its
/// connectors, workflows and automations, and get executors for its connectors.
///
/// Cheap to clone; clones and the executors it hands out share one
/// [`CloudClient`] (token cache, connection pool). Dropping the last one
/// closes the connections; there is no separate close step.
///
/// ```no_run
/// # async fn demo() -> airbyte_agent_sdk::Result<()> {
/// use airbyte_agent_sdk::Workspace;
///
/// let ws = Workspace::builder().workspace_name("acme").build()?;
/// let answer = ws.ask("how many customers signed up this week?").await?;
/// println!("{}: {:?}", answer.outcome, answer.answer);
/// for c in ws.list_connectors().await? {
///     println!("{} {}", c.id, c.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Workspace {
    client: CloudClient,
    name: String,
    /// The workspace id, resolved on first need; only successes are cached.
    id: std::sync::Arc<tokio::sync::Mutex<Option<String>>>,
}

/// Builds a [`Workspace`]; unset values are resolved as described in
/// [`config`](crate::config).
#[derive(Debug, Clone, Default)]
pub struct WorkspaceBuilder {
    auth: AirbyteAuthConfig,
    timeout: Option<Duration>,
}

impl WorkspaceBuilder {
    crate::config::forward_auth_setters! {
        /// Sets the client id.
        client_id => client_id,
        /// Sets the client secret.
        client_secret => client_secret,
        /// Sets the workspace name (default `"default"`).
        workspace_name => workspace_name,
        /// Sets the organization id sent as `X-Organization-Id`.
        organization_id => organization_id,
        /// Sets the API base URL.
        api_url => api_url,
    }

    /// Sets the whole-request timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Resolves the settings and builds the workspace. Does no I/O.
    pub fn build(self) -> Result<Workspace> {
        let resolved = self.auth.resolve()?;
        let client = CloudClient::from_config_with_timeout(
            &resolved,
            self.timeout.unwrap_or(crate::cloud::DEFAULT_TIMEOUT),
        )?;
        Ok(Workspace::from_client(client, resolved.workspace_name))
    }
}

impl Workspace {
    /// A builder; see [`WorkspaceBuilder`].
    pub fn builder() -> WorkspaceBuilder {
        WorkspaceBuilder::default()
    }

    /// The workspace named in `config`, with a new client.
    pub fn from_config(config: &ResolvedConfig) -> Result<Self> {
        Ok(Self::from_client(
            CloudClient::from_config(config)?,
            config.workspace_name.clone(),
        ))
    }

    /// The workspace `name` reached through an existing client.
    pub fn from_client(client: CloudClient, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
            id: Default::default(),
        }
    }

    /// The workspace name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client this workspace uses.
    pub fn client(&self) -> &CloudClient {
        &self.client
    }

    /// Asks a natural-language question across the workspace's connectors.
    pub async fn ask(&self, prompt: &str) -> Result<AskResult> {
        self.client.ask(&self.name, prompt).await
    }

    /// Blocking [`ask`](Self::ask), usable from plain synchronous code and
    /// from inside a running tokio runtime (any flavour) without panicking.
    ///
    /// Outside a runtime it runs the request on a private current-thread
    /// runtime; inside one it does so on a scoped helper thread, because a
    /// runtime cannot be blocked on from its own threads. Either way it uses
    /// its own connections (shared token cache). The calling thread is
    /// blocked meanwhile: on a current-thread runtime, its other tasks wait.
    pub fn ask_blocking(&self, prompt: &str) -> Result<AskResult> {
        let ws = Self {
            client: self.client.with_own_pool()?,
            name: self.name.clone(),
            id: self.id.clone(),
        };
        block_on(async move { ws.ask(prompt).await })?
    }

    /// Connector instances of the workspace.
    pub async fn list_connectors(&self) -> Result<Vec<ConnectorInfo>> {
        self.client.list_connectors(&self.name).await
    }

    /// An executor for a connector id (no request is made).
    pub fn connector(&self, connector_id: impl Into<String>) -> HostedExecutor {
        HostedExecutor::by_id(self.client.clone(), connector_id)
    }

    /// An executor for the single connector of this workspace made from the
    /// catalog connector `slug` (e.g. `stripe`).
    ///
    /// Unknown slugs fail with [`Error::NotFound`] listing close names; zero
    /// or several instances fail with [`Error::NotFound`] (listing the
    /// workspace's connectors) or [`Error::Ambiguous`].
    ///
    /// The reference 0.1.47's `get_connector(name=...)` crashes before
    /// sending (it passes `customer_name=` to a lookup that only accepts
    /// `workspace_name=`); this sends the lookup that method intends:
    /// `GET /api/v1/integrations/connectors?workspace_name=W&definition_id=D`.
    pub async fn connector_by_slug(&self, slug: &str) -> Result<HostedExecutor> {
        let entry = catalog::lookup(slug)?;
        let id = self
            .client
            .resolve_connector_id(&self.name, &entry.definition_id, Some(&entry.slug))
            .await?;
        Ok(HostedExecutor::by_id(self.client.clone(), id).with_label(entry.slug.clone()))
    }

    /// Creates a connector in this workspace and returns its id.
    ///
    /// `definition_id` is a connector definition id (see
    /// [`catalog::lookup`]). See [`NewConnector`] for the options.
    ///
    /// The reference 0.1.47's `create_connector` crashes before sending (it
    /// passes an argument its own client does not accept); this sends what
    /// the API expects: `{name, definition_id, workspace_name, ...}`.
    pub async fn create_connector(&self, connector: NewConnector) -> Result<String> {
        let mut request = CreateConnectorRequest::new(
            connector
                .name
                .unwrap_or_else(|| format!("connector-{}", self.name)),
            connector.definition_id,
            self.name.clone(),
        );
        request.credentials = connector.credentials;
        request.replication_config = connector.replication_config;
        request.server_side_oauth_secret_id = connector.server_side_oauth_secret_id;
        request.source_template_id = connector.source_template_id;
        self.client.create_connector(&request).await
    }

    /// Starts a server-side OAuth flow that creates a connector in this
    /// workspace once the user consents; returns the consent URL.
    pub async fn initiate_oauth(&self, flow: OAuthFlow) -> Result<String> {
        let mut request =
            OAuthInitiateRequest::new(self.name.clone(), flow.definition_id, flow.redirect_url);
        request.name = flow.name;
        request.replication_config = flow.replication_config;
        request.source_template_id = flow.source_template_id;
        request.environment = flow.environment;
        self.client.initiate_oauth(&request).await
    }

    /// Deletes a connector.
    pub async fn delete_connector(&self, connector_id: &str) -> Result<()> {
        self.client.delete_connector(connector_id).await
    }

    /// The workspace id, resolved from its name once and cached (failures are not).
    pub async fn workspace_id(&self) -> Result<String> {
        let mut cached = self.id.lock().await;
        if let Some(id) = cached.as_ref() {
            return Ok(id.clone());
        }
        let id = self.client.resolve_workspace_id(&self.name).await?;
        *cached = Some(id.clone());
        Ok(id)
    }

    /// Workflows of the workspace.
    pub async fn list_workflows(&self) -> Result<Vec<WorkflowInfo>> {
        let ws = self.workspace_id().await?;
        self.client.list_workflows(&ws).await
    }

    /// Creates a workflow; `tasks` are passed through as given.
    pub async fn create_workflow(
        &self,
        name: &str,
        tasks: Option<Vec<Value>>,
    ) -> Result<WorkflowInfo> {
        let workspace_id = self.workspace_id().await?;
        let request = CreateWorkflowRequest {
            workspace_id,
            name: name.to_string(),
            tasks,
        };
        self.client.create_workflow(&request).await
    }

    /// One workflow.
    pub async fn get_workflow(&self, workflow_id: &str) -> Result<WorkflowInfo> {
        let ws = self.workspace_id().await?;
        self.client.get_workflow(workflow_id, &ws).await
    }

    /// Updates a workflow (only the fields set in `update` change).
    pub async fn update_workflow(
        &self,
        workflow_id: &str,
        update: &UpdateWorkflowRequest,
    ) -> Result<WorkflowInfo> {
        let ws = self.workspace_id().await?;
        self.client.update_workflow(workflow_id, &ws, update).await
    }

    /// Deletes a workflow.
    pub async fn delete_workflow(&self, workflow_id: &str) -> Result<()> {
        let ws = self.workspace_id().await?;
        self.client.delete_workflow(workflow_id, &ws).await
    }

    /// Automations of a workflow.
    pub async fn list_automations(&self, workflow_id: &str) -> Result<Vec<AutomationInfo>> {
        let ws = self.workspace_id().await?;
        self.client.list_automations(workflow_id, &ws).await
    }

    /// Creates an automation on a workflow, e.g. `NewAutomation::schedule("0 * * * *")`.
    pub async fn create_automation(
        &self,
        workflow_id: &str,
        settings: &NewAutomation,
    ) -> Result<AutomationInfo> {
        let ws = self.workspace_id().await?;
        self.client
            .create_automation(workflow_id, &ws, settings)
            .await
    }

    /// One automation.
    pub async fn get_automation(
        &self,
        workflow_id: &str,
        automation_id: &str,
    ) -> Result<AutomationInfo> {
        let ws = self.workspace_id().await?;
        self.client
            .get_automation(workflow_id, automation_id, &ws)
            .await
    }

    /// Updates an automation (only the fields set in `update` change).
    pub async fn update_automation(
        &self,
        workflow_id: &str,
        automation_id: &str,
        update: &AutomationUpdate,
    ) -> Result<AutomationInfo> {
        let ws = self.workspace_id().await?;
        self.client
            .update_automation(workflow_id, automation_id, &ws, update)
            .await
    }

    /// Deletes an automation.
    pub async fn delete_automation(&self, workflow_id: &str, automation_id: &str) -> Result<()> {
        let ws = self.workspace_id().await?;
        self.client
            .delete_automation(workflow_id, automation_id, &ws)
            .await
    }
}

/// What to create with [`Workspace::create_connector`].
///
/// Credentials are never shown by `Debug`.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct NewConnector {
    /// Connector definition id.
    pub definition_id: String,
    /// Name (default `connector-<workspace>`, as the reference).
    pub name: Option<String>,
    /// Vendor credentials; omit with server-side OAuth.
    pub credentials: Option<Map<String, Value>>,
    /// Replication settings, e.g. `start_date`.
    pub replication_config: Option<Map<String, Value>>,
    /// Secret id from a completed server-side OAuth flow.
    pub server_side_oauth_secret_id: Option<String>,
    /// Source template id.
    pub source_template_id: Option<String>,
}

impl std::fmt::Debug for NewConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewConnector")
            .field("definition_id", &self.definition_id)
            .field("name", &self.name)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "[redacted]"),
            )
            .field("replication_config", &self.replication_config)
            .field(
                "server_side_oauth_secret_id",
                &self
                    .server_side_oauth_secret_id
                    .as_ref()
                    .map(|_| "[redacted]"),
            )
            .field("source_template_id", &self.source_template_id)
            .finish()
    }
}

impl NewConnector {
    /// A connector from a definition id.
    pub fn new(definition_id: impl Into<String>) -> Self {
        Self {
            definition_id: definition_id.into(),
            ..Self::default()
        }
    }

    /// A connector of the catalog connector `slug`.
    pub fn from_catalog(slug: &str) -> Result<Self> {
        Ok(Self::new(catalog::lookup(slug)?.definition_id.clone()))
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the vendor credentials (a JSON object).
    pub fn credentials(mut self, credentials: Map<String, Value>) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Sets the replication settings.
    pub fn replication_config(mut self, config: Map<String, Value>) -> Self {
        self.replication_config = Some(config);
        self
    }

    /// Uses the secret of a completed server-side OAuth flow.
    pub fn server_side_oauth_secret_id(mut self, id: impl Into<String>) -> Self {
        self.server_side_oauth_secret_id = Some(id.into());
        self
    }

    /// Sets the source template id.
    pub fn source_template_id(mut self, id: impl Into<String>) -> Self {
        self.source_template_id = Some(id.into());
        self
    }
}

/// A server-side OAuth flow started with [`Workspace::initiate_oauth`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct OAuthFlow {
    /// Connector definition id.
    pub definition_id: String,
    /// Where the user lands after consent.
    pub redirect_url: String,
    /// Name of the connector to create.
    pub name: Option<String>,
    /// Replication settings.
    pub replication_config: Option<Map<String, Value>>,
    /// Source template id.
    pub source_template_id: Option<String>,
    /// Values the vendor's OAuth URLs need, e.g. `{"subdomain": "acme"}`.
    pub environment: Option<Map<String, Value>>,
}

impl OAuthFlow {
    /// A flow for a definition id, redirecting to `redirect_url`.
    pub fn new(definition_id: impl Into<String>, redirect_url: impl Into<String>) -> Self {
        Self {
            definition_id: definition_id.into(),
            redirect_url: redirect_url.into(),
            ..Self::default()
        }
    }

    /// Sets the connector name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the replication settings.
    pub fn replication_config(mut self, config: Map<String, Value>) -> Self {
        self.replication_config = Some(config);
        self
    }

    /// Sets the source template id.
    pub fn source_template_id(mut self, id: impl Into<String>) -> Self {
        self.source_template_id = Some(id.into());
        self
    }

    /// Sets the OAuth environment values.
    pub fn environment(mut self, env: Map<String, Value>) -> Self {
        self.environment = Some(env);
        self
    }
}

/// Runs `fut` to completion from synchronous code, inside or outside a
/// tokio runtime.
pub(crate) fn block_on<F>(fut: F) -> Result<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let run = move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|rt| rt.block_on(fut))
            .map_err(|e| Error::Execution {
                message: format!("could not start a tokio runtime: {e}"),
            })
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| match s.spawn(run).join() {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        })
    } else {
        run()
    }
}

/// Asks a natural-language question across the workspace named in `config`
/// (default `"default"`); credentials resolve as described in
/// [`config`](crate::config). Shorthand for building a [`Workspace`].
pub async fn ask(prompt: &str, config: &AirbyteAuthConfig) -> Result<AskResult> {
    Workspace::builder()
        .auth_config(config.clone())
        .build()?
        .ask(prompt)
        .await
}

/// Blocking [`ask`]; see [`Workspace::ask_blocking`] for where it can be called.
pub fn ask_blocking(prompt: &str, config: &AirbyteAuthConfig) -> Result<AskResult> {
    Workspace::builder()
        .auth_config(config.clone())
        .build()?
        .ask_blocking(prompt)
}
