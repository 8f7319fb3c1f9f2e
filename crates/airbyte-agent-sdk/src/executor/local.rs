//! [`LocalExecutor`]: runs operations of a connector definition directly
//! against the vendor's API with the caller's own credentials.
//!
//! ```no_run
//! # async fn demo() -> airbyte_agent_sdk::Result<()> {
//! use airbyte_agent_sdk::executor::local::LocalExecutor;
//! use airbyte_agent_sdk::{ExecutionConfig, Executor, definition};
//! use serde_json::json;
//!
//! let def = definition::load_path("connectors/stripe/connector.yaml")?;
//! let executor = LocalExecutor::builder(def)
//!     .auth("api_key", "sk_test_123")
//!     .build()?;
//! let page = executor
//!     .execute(ExecutionConfig::new("customers", "list").param("limit", json!(10)))
//!     .await?;
//! println!("{} {:?}", page.data, page.meta);
//! # Ok(()) }
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use futures::StreamExt as _;
use serde_json::{Map, Value};

use super::{
    ByteStream, CheckResult, ExecutionConfig, ExecutionResult, Executor, JsonResult, RecordStream,
    ResultData,
};
use crate::definition::{Action, ConnectorDefinition};
use crate::error::{Error, Result};
use crate::http::HttpSender;
use crate::http::auth::{AuthContext, Credentials, RefreshedTokens};
use crate::local::download::{DownloadMode, materialize_json_chunk, split_download_params};
use crate::local::extract::{
    ErrorCheck, download_url, extract_meta, extract_records, header_value, substitute_file_field,
};
use crate::local::lazy_records::{LazyBody, is_json_array, plain_records_path};
use crate::local::operation::OperationSpec;
use crate::local::paginate::{NextPage, PageState};
use crate::local::request::{
    PreparedRequest, check_header_text, download_headers, header_values, prepare_download,
    prepare_standard, render_base_url,
};
use crate::local::template::render_scoping;
use crate::local::transport::{Streamed, describe, is_external, parse_body_keeping, resolve_link};

mod validate;
mod wire;

pub use validate::validate_operation;

use wire::{Wire, WireOptions};

/// Runs connector operations locally. Cheap to clone; clones share the
/// connection pool and credentials.
#[derive(Clone)]
pub struct LocalExecutor {
    inner: Arc<Inner>,
}

struct Inner {
    definition: Arc<ConnectorDefinition>,
    operations: HashMap<(String, Action), OperationSpec>,
    config: Map<String, Value>,
    base_url_template: String,
    error_check: Option<ErrorCheck>,
    wire: Wire,
}

impl std::fmt::Debug for LocalExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalExecutor")
            .field("connector", &self.inner.definition.name)
            .field("base_url", &self.inner.base_url_template)
            .finish_non_exhaustive()
    }
}

/// Builds a [`LocalExecutor`]; see [`LocalExecutor::builder`].
pub struct LocalExecutorBuilder {
    definition: ConnectorDefinition,
    auth: Credentials,
    auth_scheme: Option<String>,
    config: Map<String, Value>,
    base_url: Option<String>,
    sender: Option<HttpSender>,
    context: AuthContext,
}

impl std::fmt::Debug for LocalExecutorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalExecutorBuilder")
            .field("connector", &self.definition.name)
            .field("auth_fields", &self.auth.names().collect::<Vec<_>>())
            .field("config", &self.config)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl LocalExecutorBuilder {
    /// Adds one credential (an `x-airbyte-auth-config` field such as
    /// `api_key`, `access_token`, `client_secret`). Kept secret.
    pub fn auth(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.auth.insert(field, value);
        self
    }

    /// Adds several credentials.
    pub fn auth_values<K: Into<String>, V: Into<String>>(
        mut self,
        values: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        for (k, v) in values {
            self = self.auth(k, v);
        }
        self
    }

    /// Picks the security scheme when the connector offers several.
    pub fn auth_scheme(mut self, scheme: impl Into<String>) -> Self {
        self.auth_scheme = Some(scheme.into());
        self
    }

    /// Sets one config value (server variables such as `subdomain`,
    /// scoping values, injected parameters).
    pub fn config(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.config.insert(key.into(), value.into());
        self
    }

    /// Sets several config values.
    pub fn config_values(mut self, values: Map<String, Value>) -> Self {
        self.config.extend(values);
        self
    }

    /// Called with the new tokens after every OAuth2 token refresh, so they
    /// can be persisted.
    pub fn on_token_refresh(
        mut self,
        callback: impl Fn(&RefreshedTokens) + Send + Sync + 'static,
    ) -> Self {
        self.context = self.context.on_token_refresh(callback);
        self
    }

    /// Uses this sender (connection pool, timeouts); the definition's retry
    /// config is applied on top.
    pub fn sender(mut self, sender: HttpSender) -> Self {
        self.sender = Some(sender);
        self
    }

    /// Sends every request to this base URL instead of the definition's
    /// server (e.g. a test server on 127.0.0.1).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Builds the executor. Fails when the definition has no server URL or
    /// the credentials do not fit any of its auth schemes.
    pub fn build(self) -> Result<LocalExecutor> {
        let definition = Arc::new(self.definition);
        let mut config: Map<String, Value> = definition
            .server_variable_defaults()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        config.extend(self.config);
        let base_url_template = match self
            .base_url
            .or_else(|| definition.base_url().map(str::to_string))
        {
            Some(url) if !url.is_empty() => url,
            _ => {
                return Err(Error::Definition {
                    file: definition.file.clone(),
                    pointer: "/servers".into(),
                    message: "no server URL; pass one with `base_url`".into(),
                });
            }
        };
        let error_check = definition
            .response_error_check
            .as_ref()
            .map(|c| ErrorCheck {
                field: c.field.clone(),
                on_value: c.on_value.clone(),
                message_field: c.message_field.clone(),
            });
        let operations = definition
            .entities
            .iter()
            .flat_map(|e| e.operations.values())
            .map(|op| {
                let mut spec = OperationSpec::from_definition(op);
                spec.plain_records = plain_records_path(
                    &spec.record_rules(),
                    spec.meta_extractor.as_deref(),
                    error_check.as_ref(),
                );
                ((op.entity.clone(), op.action), spec)
            })
            .collect();
        let wire = Wire::new(
            &definition,
            &self.auth,
            self.auth_scheme.as_deref(),
            &config,
            WireOptions {
                sender: self.sender,
                context: self.context,
            },
        )?;
        Ok(LocalExecutor {
            inner: Arc::new(Inner {
                definition,
                operations,
                config,
                base_url_template,
                error_check,
                wire,
            }),
        })
    }
}

/// One page of a list: its records and metadata.
struct Page {
    records: Value,
    meta: Option<Value>,
}

impl LocalExecutor {
    /// Starts building an executor for `definition`.
    pub fn builder(definition: ConnectorDefinition) -> LocalExecutorBuilder {
        LocalExecutorBuilder {
            definition,
            auth: Credentials::new(),
            auth_scheme: None,
            config: Map::new(),
            base_url: None,
            sender: None,
            context: AuthContext::new(),
        }
    }

    /// The connector definition.
    pub fn definition(&self) -> &ConnectorDefinition {
        &self.inner.definition
    }

    /// The base URL requests go to, with config values substituted.
    pub fn base_url(&self) -> String {
        let mut config = self.inner.config.clone();
        for (k, v) in self.inner.wire.extracted_values() {
            config.insert(k, Value::String(v));
        }
        render_base_url(&self.inner.base_url_template, &config)
    }

    /// Checked base URL: every server variable must have a value. When a
    /// token exchange supplies server variables (such as `instance_url`),
    /// credentials are obtained first; otherwise tokens are fetched lazily
    /// when the request is sent.
    ///
    /// `validate` runs before any token exchange, so an invalid call never
    /// causes I/O.
    async fn resolved_base_url(&self, validate: impl FnOnce(&str) -> Result<()>) -> Result<String> {
        let url = self.base_url();
        validate(&url)?;
        if !url.contains('{') && !self.inner.wire.base_url_from_token() {
            return Ok(url);
        }
        self.inner.wire.ensure_ready().await?;
        let url = self.base_url();
        if let Some(start) = url.find('{') {
            let name = url[start + 1..].split('}').next().unwrap_or_default();
            return Err(Error::invalid_argument(
                "config",
                format!("the server URL needs `{name}`; pass it as a config value"),
            ));
        }
        Ok(url)
    }

    /// Finds an operation, with the errors the caller can act on.
    fn operation(&self, entity: &str, action: &str) -> Result<&OperationSpec> {
        let def = &self.inner.definition;
        let Some(ent) = def.entity(entity) else {
            return Err(Error::EntityNotFound {
                connector: def.name.clone(),
                entity: entity.to_string(),
                available: def.entity_names(),
            });
        };
        let found = Action::parse(action).filter(|a| ent.operations.contains_key(a));
        let Some(action) = found else {
            return Err(Error::ActionNotSupported {
                entity: entity.to_string(),
                action: action.to_string(),
                available: ent.action_names(),
            });
        };
        self.inner
            .operations
            .get(&(entity.to_string(), action))
            .ok_or_else(|| Error::ActionNotSupported {
                entity: entity.to_string(),
                action: action.to_string(),
                available: ent.action_names(),
            })
    }

    /// Adds `x-airbyte-scoping` values from config for parameters the caller
    /// did not pass. A list-valued config only fills a parameter when it has
    /// exactly one element (or the first, with `sample`).
    fn with_scoping(
        &self,
        params: &Map<String, Value>,
        sample: bool,
    ) -> Result<Map<String, Value>> {
        let mut merged = params.clone();
        for scope in &self.inner.definition.scoping {
            if params.contains_key(&scope.param) {
                continue;
            }
            let Some(mut value) = self.inner.config.get(scope.config_key()).cloned() else {
                continue;
            };
            if let Value::Array(items) = &value {
                if items.is_empty() || (!sample && items.len() > 1) {
                    continue;
                }
                value = items[0].clone();
            }
            let value = match &scope.value_template {
                None => value,
                Some(t) => match render_scoping(t, &value, &self.inner.config, &scope.param)? {
                    Some(text) => Value::String(text),
                    None => continue,
                },
            };
            merged.insert(scope.param.clone(), value);
        }
        Ok(merged)
    }

    /// Sends a standard operation and extracts its page.
    async fn run_standard(&self, op: &OperationSpec, params: &Map<String, Value>) -> Result<Page> {
        let (req, with_auth) = self.standard_request(op, params).await?;
        let received = self.inner.wire.send(&req, with_auth).await?;
        self.read_page(op, &received.headers, received.body)
    }

    /// The request of a standard operation, and whether it carries
    /// credentials (not to pre-signed URLs outside the API).
    async fn standard_request(
        &self,
        op: &OperationSpec,
        params: &Map<String, Value>,
    ) -> Result<(PreparedRequest, bool)> {
        let config = &self.inner.config;
        let base = self
            .resolved_base_url(|b| prepare_standard(op, b, params, config).map(drop))
            .await?;
        let req = prepare_standard(op, &base, params, config)?;
        check_header_text(op, &req.headers, self.inner.wire.auth_headers())?;
        let with_auth = !is_external(&req.url, &base);
        Ok((req, with_auth))
    }

    fn read_page(
        &self,
        op: &OperationSpec,
        headers: &[(String, String)],
        body: Value,
    ) -> Result<Page> {
        if let Some(check) = &self.inner.error_check {
            check.check(&body)?;
        }
        let meta = op
            .meta_extractor
            .as_ref()
            .map(|ex| extract_meta(&body, headers, ex));
        let records = extract_records(body, &op.record_rules(), &self.inner.config)?;
        Ok(Page { records, meta })
    }

    /// [`Executor::execute_json`] for a list whose records sit at a plain
    /// path: the records array stays text; any other shape of response is
    /// read as [`run_standard`](Self::run_standard) reads it.
    async fn run_standard_json(
        &self,
        op: &OperationSpec,
        params: &Map<String, Value>,
        path: &[String],
    ) -> Result<JsonResult> {
        let (req, with_auth) = self.standard_request(op, params).await?;
        let fetched = self.inner.wire.fetch(&req, with_auth).await?;
        let lazy = parse_body_keeping(
            &req.method,
            &req.url,
            fetched.content_type.as_deref(),
            &fetched.body,
            path,
        )?;
        match lazy.kept {
            Some(records) if is_json_array(&records) => {
                if let Some(check) = &self.inner.error_check {
                    check.check(&lazy.body)?;
                }
                let meta = op
                    .meta_extractor
                    .as_ref()
                    .map(|ex| extract_meta(&lazy.body, &fetched.headers, ex));
                Ok(JsonResult {
                    data: ResultData::Records(records),
                    meta,
                })
            }
            kept => {
                let whole = LazyBody { kept, ..lazy };
                let body = whole.into_value(path).map_err(|e| Error::Decode {
                    what: format!("records of {}", describe(&req)),
                    message: e.to_string(),
                })?;
                let page = self.read_page(op, &fetched.headers, body)?;
                Ok(ExecutionResult::new(page.records, page.meta).into())
            }
        }
    }

    /// Starts a download and returns the file response, unread.
    async fn open_download(
        &self,
        op: &OperationSpec,
        params: &Map<String, Value>,
    ) -> Result<Streamed> {
        let config = &self.inner.config;
        let base = self
            .resolved_base_url(|b| prepare_download(op, b, params, config).map(drop))
            .await?;
        let first = prepare_download(op, &base, params, config)?;
        let Some(field) = &op.file_url else {
            let streamed = self
                .inner
                .wire
                .open(&first, !is_external(&first.url, &base))
                .await?;
            return self.check_streamed_envelope(streamed, params).await;
        };
        let field = substitute_file_field(field, params)?;
        let meta = self
            .inner
            .wire
            .send(&first, !is_external(&first.url, &base))
            .await?;
        if let Some(check) = &self.inner.error_check {
            check.check(&meta.body)?;
        }
        let url = download_url(&meta.body, &field, &op.entity)?;
        // A relative file URL is appended to the base URL, as the reference does.
        let url = crate::local::query::finish_url(&base, &url, None);
        let file = PreparedRequest {
            method: "GET".into(),
            url,
            headers: download_headers(params),
            body: None,
        };
        self.inner
            .wire
            .open(&file, !is_external(&file.url, &base))
            .await
    }

    /// Applies the error envelope check to a one-step download whose
    /// response is JSON (not for partial content of a range request).
    async fn check_streamed_envelope(
        &self,
        streamed: Streamed,
        params: &Map<String, Value>,
    ) -> Result<Streamed> {
        let Some(check) = &self.inner.error_check else {
            return Ok(streamed);
        };
        let ranged = params.get("range_header").is_some_and(|v| !v.is_null());
        let is_json = header_value(&streamed.headers, "content-type")
            .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
        if (ranged && streamed.status == 206) || !is_json {
            return Ok(streamed);
        }
        let Streamed {
            status,
            headers,
            mut stream,
        } = streamed;
        let mut body = Vec::new();
        while let Some(chunk) = stream.next().await {
            body.extend_from_slice(&chunk?);
        }
        if !body.is_empty() {
            let value: Value = serde_json::from_slice(&body).map_err(|e| Error::Decode {
                what: "JSON download response".into(),
                message: e.to_string(),
            })?;
            check.check(&value)?;
        }
        let once: ByteStream = Box::pin(futures::stream::once(async move {
            Ok(bytes::Bytes::from(body))
        }));
        Ok(Streamed {
            status,
            headers,
            stream: once,
        })
    }

    /// Fetches the page a next-page link points at.
    async fn fetch_link(
        &self,
        op: &OperationSpec,
        params: &Map<String, Value>,
        link: &str,
    ) -> Result<Page> {
        let base = self.resolved_base_url(|_| Ok(())).await?;
        let req = PreparedRequest {
            method: "GET".into(),
            url: resolve_link(&base, link),
            headers: header_values(op, params),
            body: None,
        };
        check_header_text(op, &req.headers, self.inner.wire.auth_headers())?;
        let received = self
            .inner
            .wire
            .send(&req, !is_external(&req.url, &base))
            .await?;
        self.read_page(op, &received.headers, received.body)
    }
}

#[async_trait::async_trait]
impl Executor for LocalExecutor {
    async fn execute(&self, config: ExecutionConfig) -> Result<ExecutionResult> {
        let op = self.operation(&config.entity, &config.action)?;
        let params = self.with_scoping(&config.params, false)?;
        if op.action == "download" {
            let (mode, params) = split_download_params(&params).map_err(|e| for_entity(e, op))?;
            if mode == DownloadMode::Stream {
                return Err(Error::invalid_argument(
                    "_airbyte_response_type",
                    "a download returns bytes: call `download` for a stream, or pass \
                     _airbyte_response_type=json for a JSON chunk",
                ));
            }
            let range = params
                .get("range_header")
                .map(crate::local::pystr::py_str)
                .unwrap_or_default();
            let streamed = self.open_download(op, &params).await?;
            let content_range =
                header_value(&streamed.headers, "content-range").map(str::to_string);
            let data = materialize_json_chunk(
                streamed.stream,
                streamed.status,
                content_range.as_deref(),
                mode,
                &range,
            )
            .await?;
            return Ok(ExecutionResult::new(data, None));
        }
        let page = self.run_standard(op, &params).await?;
        Ok(ExecutionResult::new(page.records, page.meta))
    }

    async fn execute_json(&self, config: ExecutionConfig) -> Result<JsonResult> {
        let op = self.operation(&config.entity, &config.action)?;
        match &op.plain_records {
            Some(path) => {
                let params = self.with_scoping(&config.params, false)?;
                self.run_standard_json(op, &params, path).await
            }
            None => Ok(self.execute(config).await?.into()),
        }
    }

    async fn check(&self) -> Result<CheckResult> {
        let Some(check) = self.inner.definition.check_operation() else {
            return Ok(CheckResult::unhealthy(
                None,
                None,
                "no operation available for a health check".into(),
            ));
        };
        let entity = Some(check.entity.clone());
        let action = Some(check.action.as_str().to_string());
        let op = self.operation(&check.entity, check.action.as_str())?;
        let mut params = self.with_scoping(&check.params, true)?;
        inject_probe_defaults(op, &mut params);
        match self.run_standard(op, &params).await {
            Ok(_) => Ok(CheckResult::healthy(entity, action)),
            Err(e) => Ok(CheckResult::unhealthy(entity, action, e.to_string())),
        }
    }

    fn paginate(&self, config: ExecutionConfig) -> RecordStream {
        let this = self.clone();
        let start = (|| {
            let op = this.operation(&config.entity, &config.action)?.clone();
            if op.action == "download" {
                return Err(Error::invalid_argument(
                    "action",
                    "downloads cannot be paginated; call `download`",
                ));
            }
            let params = this.with_scoping(&config.params, false)?;
            Ok((op, params))
        })();
        let state = match start {
            Ok((op, params)) => Pager::Running(Box::new(Running {
                state: PageState::new(&op),
                executor: this,
                op,
                next: Some(NextPage::Params(params.clone())),
                params,
                buffer: VecDeque::new(),
            })),
            Err(e) => Pager::Failed(Some(e)),
        };
        Box::pin(futures::stream::unfold(state, Pager::advance))
    }

    async fn download(&self, config: ExecutionConfig) -> Result<ByteStream> {
        let op = self.operation(&config.entity, &config.action)?;
        if op.action != "download" {
            return Err(Error::ActionNotSupported {
                entity: config.entity.clone(),
                action: config.action.clone(),
                available: vec!["download".into()],
            });
        }
        let params = self.with_scoping(&config.params, false)?;
        let (_, params) = split_download_params(&params).map_err(|e| for_entity(e, op))?;
        Ok(self.open_download(op, &params).await?.stream)
    }
}

/// Names the entity in a parameter error raised without it.
fn for_entity(err: Error, op: &OperationSpec) -> Error {
    match err {
        Error::InvalidParameter {
            entity,
            action,
            param,
            reason,
            allowed,
        } if entity.is_empty() => Error::InvalidParameter {
            entity: op.entity.clone(),
            action: if action.is_empty() {
                op.action.clone()
            } else {
                action
            },
            param,
            reason,
            allowed,
        },
        other => other,
    }
}

/// Fills `check` parameters from probe defaults (and query defaults):
/// plain values only; templated probe defaults (`{{ ... }}`) are skipped.
fn inject_probe_defaults(op: &OperationSpec, params: &mut Map<String, Value>) {
    let plain = |v: &Value| !v.as_str().is_some_and(|s| s.contains("{{"));
    for p in &op.query {
        if params.contains_key(&p.name) {
            continue;
        }
        if let Some(v) = p
            .probe_default
            .as_ref()
            .filter(|v| !v.is_null())
            .or(p.default.as_ref())
            .filter(|v| plain(v))
        {
            params.insert(p.name.clone(), v.clone());
        }
    }
    for h in &op.headers {
        if let Some(v) = h
            .probe_default
            .as_ref()
            .filter(|v| !v.is_null() && plain(v))
            && !params.contains_key(&h.name)
        {
            params.insert(h.name.clone(), v.clone());
        }
    }
    for (name, v) in &op.body_probe_defaults {
        if !params.contains_key(name) && plain(v) {
            params.insert(name.clone(), v.clone());
        }
    }
}

/// A pagination in progress.
struct Running {
    executor: LocalExecutor,
    op: OperationSpec,
    state: PageState,
    params: Map<String, Value>,
    next: Option<NextPage>,
    buffer: VecDeque<Value>,
}

/// The paginator's state: one page of records buffered at a time.
enum Pager {
    Running(Box<Running>),
    Failed(Option<Error>),
}

impl Pager {
    async fn advance(mut self) -> Option<(Result<Value>, Pager)> {
        loop {
            match &mut self {
                Pager::Failed(err) => return err.take().map(|e| (Err(e), Pager::Failed(None))),
                Pager::Running(run) => {
                    let Running {
                        executor,
                        op,
                        state,
                        params,
                        next,
                        buffer,
                    } = &mut **run;
                    if let Some(record) = buffer.pop_front() {
                        return Some((Ok(record), self));
                    }
                    let page = match next.take()? {
                        NextPage::Done => return None,
                        NextPage::Params(p) => {
                            *params = p;
                            executor.run_standard(op, params).await
                        }
                        NextPage::Url(link) => executor.fetch_link(op, params, &link).await,
                    };
                    let page = match page {
                        Ok(page) => page,
                        Err(e) => return Some((Err(e), Pager::Failed(None))),
                    };
                    *next = Some(state.next(params, &page.records, page.meta.as_ref()));
                    match page.records {
                        Value::Array(items) => buffer.extend(items),
                        Value::Null => {}
                        other => buffer.push_back(other),
                    }
                }
            }
        }
    }
}
