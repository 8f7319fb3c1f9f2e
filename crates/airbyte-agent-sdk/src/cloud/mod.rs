//! The hosted Airbyte API client.
//!
//! [`CloudClient`] speaks the hosted API as the reference SDK does: it
//! exchanges the application's client id and secret for a bearer token
//! (`POST /api/v1/account/applications/token`), then calls the connector,
//! ask, workspace, workflow and automation endpoints with
//! `Authorization: Bearer <token>` and, when an organization is set,
//! `X-Organization-Id` (also on the token request).
//!
//! Differences from the reference, all deliberate:
//! - the token is shared by every clone, refreshed before expiry honouring
//!   `expires_in` when the server sends it, and fetched single-flight;
//! - a `401` on an API call is retried once with a fresh token;
//! - every failure is an [`Error`]; no transport error escapes unwrapped.
//!
//! ```no_run
//! # async fn demo() -> airbyte_agent_sdk::Result<()> {
//! use airbyte_agent_sdk::cloud::CloudClient;
//!
//! let client = CloudClient::builder()
//!     .client_id("my-client")
//!     .client_secret("my-secret")
//!     .build()?;
//! for c in client.list_connectors("default").await? {
//!     println!("{} {}", c.id, c.name);
//! }
//! # Ok(()) }
//! ```

mod api;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
mod token;
mod types;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::config::{AirbyteAuthConfig, ResolvedConfig};
use crate::error::{Error, Result, sanitize_url};
use crate::http::client::{BodyError, MAX_ERROR_BODY, read_bounded, read_limited, too_large};
use crate::http::{DEFAULT_MAX_RESPONSE_BODY, error_from_response, map_transport_error};

pub use token::{DEFAULT_TOKEN_LIFETIME, TOKEN_REFRESH_MARGIN};
pub use types::{
    AskResult, AskToolCall, AutomationInfo, AutomationUpdate, ConnectorInfo,
    CreateConnectorRequest, CreateWorkflowRequest, NewAutomation, OAuthInitiateRequest,
    UpdateWorkflowRequest, WorkflowInfo, WorkspaceInfo,
};

use token::{FreshToken, TokenCache};
use types::TokenResponse;

/// Whole-request timeout used unless configured (the reference's 5 minutes).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Connection timeout used unless configured.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Header carrying the organization id.
pub const ORGANIZATION_HEADER: &str = "X-Organization-Id";

const TOKEN_PATH: &[&str] = &["api", "v1", "account", "applications", "token"];

/// Client for the hosted Airbyte API.
///
/// Cheap to clone: clones share the connection pool and the token cache.
/// Dropping the last clone closes the pool; there is no background task, so
/// nothing else needs closing.
#[derive(Clone)]
pub struct CloudClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    client_id: SecretString,
    client_secret: SecretString,
    organization_id: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_body: Option<u64>,
    tokens: Arc<TokenCache>,
}

impl std::fmt::Debug for CloudClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudClient")
            .field("api_url", &self.api_url())
            .field("organization_id", &self.inner.organization_id)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Builds a [`CloudClient`]. Unset credentials and URL are resolved as
/// described in [`config`](crate::config): explicit > [`configure`](crate::config::configure) > environment.
#[derive(Debug, Clone, Default)]
pub struct CloudClientBuilder {
    auth: AirbyteAuthConfig,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_response_body: Option<Option<u64>>,
}

impl CloudClientBuilder {
    crate::config::forward_auth_setters! {
        /// Sets the client id.
        client_id => client_id,
        /// Sets the client secret.
        client_secret => client_secret,
        /// Sets the organization id sent as `X-Organization-Id`.
        organization_id => organization_id,
        /// Sets the API base URL (default `https://api.airbyte.ai`).
        api_url => api_url,
    }

    /// Sets the whole-request timeout (default 300 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the connection timeout (default 30 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sets (or removes) the largest response body read, in bytes
    /// (default [`DEFAULT_MAX_RESPONSE_BODY`]); a larger one fails the call
    /// with [`Error::Decode`].
    pub fn max_response_body(mut self, bytes: Option<u64>) -> Self {
        self.max_response_body = Some(bytes);
        self
    }

    /// Resolves the settings and builds the client. Does no I/O.
    pub fn build(self) -> Result<CloudClient> {
        let resolved = self.auth.resolve()?;
        CloudClient::with_settings(
            &resolved,
            self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            self.max_response_body
                .unwrap_or(Some(DEFAULT_MAX_RESPONSE_BODY)),
            Arc::default(),
        )
    }
}

impl CloudClient {
    /// A builder; see [`CloudClientBuilder`].
    pub fn builder() -> CloudClientBuilder {
        CloudClientBuilder::default()
    }

    /// A client for already resolved settings, with default timeouts.
    pub fn from_config(config: &ResolvedConfig) -> Result<Self> {
        Self::from_config_with_timeout(config, DEFAULT_TIMEOUT)
    }

    /// A client for already resolved settings and a whole-request timeout.
    pub fn from_config_with_timeout(config: &ResolvedConfig, timeout: Duration) -> Result<Self> {
        Self::with_settings(
            config,
            timeout,
            DEFAULT_CONNECT_TIMEOUT,
            Some(DEFAULT_MAX_RESPONSE_BODY),
            Arc::default(),
        )
    }

    fn with_settings(
        config: &ResolvedConfig,
        timeout: Duration,
        connect_timeout: Duration,
        max_response_body: Option<u64>,
        tokens: Arc<TokenCache>,
    ) -> Result<Self> {
        let base = parse_base_url(&config.api_url)?;
        let http = build_http(timeout, connect_timeout)?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                client_id: config.client_id.clone(),
                client_secret: config.client_secret.clone(),
                organization_id: config.organization_id.clone(),
                timeout,
                connect_timeout,
                max_response_body,
                tokens,
            }),
        })
    }

    /// A client with the same settings and token cache but its own
    /// connection pool, for use from another runtime (connections belong to
    /// the runtime that opened them).
    pub(crate) fn with_own_pool(&self) -> Result<Self> {
        let i = &self.inner;
        Ok(Self {
            inner: Arc::new(Inner {
                http: build_http(i.timeout, i.connect_timeout)?,
                base: i.base.clone(),
                client_id: i.client_id.clone(),
                client_secret: i.client_secret.clone(),
                organization_id: i.organization_id.clone(),
                timeout: i.timeout,
                connect_timeout: i.connect_timeout,
                max_response_body: i.max_response_body,
                tokens: i.tokens.clone(),
            }),
        })
    }

    /// The API base URL (no trailing slash).
    pub fn api_url(&self) -> String {
        self.inner.base.as_str().trim_end_matches('/').to_string()
    }

    /// The organization id sent as `X-Organization-Id`, if any.
    pub fn organization_id(&self) -> Option<&str> {
        self.inner.organization_id.as_deref()
    }

    /// The whole-request timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// A valid bearer token: the cached one, or a new one from the token
    /// endpoint. Concurrent callers share one request.
    pub async fn bearer_token(&self) -> Result<SecretString> {
        self.inner.tokens.get(|| self.fetch_token()).await
    }

    async fn fetch_token(&self) -> Result<FreshToken> {
        let url = self.endpoint(TOKEN_PATH, &[])?;
        let body = serde_json::json!({
            "client_id": self.inner.client_id.expose_secret(),
            "client_secret": self.inner.client_secret.expose_secret(),
        });
        let mut req = self.inner.http.post(url.clone()).json(&body);
        if let Some(org) = &self.inner.organization_id {
            req = req.header(ORGANIZATION_HEADER, org);
        }
        tracing::debug!(url = %sanitize_url(url.as_str()), "requesting an Airbyte API token");
        let bytes = self.finish(req, "POST", &url).await?;
        let parsed: TokenResponse = decode(&bytes, "POST", &url, "token response")?;
        if parsed.access_token.is_empty() {
            return Err(Error::Decode {
                what: format!("token response from POST {}", sanitize_url(url.as_str())),
                message: "`access_token` is empty".into(),
            });
        }
        let lifetime = parsed
            .expires_in
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| Duration::from_secs_f64(s.min(1e9)));
        Ok(FreshToken {
            token: SecretString::from(parsed.access_token),
            lifetime,
        })
    }

    /// `base` + percent-encoded path segments + query pairs.
    fn endpoint(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Url> {
        let mut url = self.inner.base.clone();
        {
            let mut path = url.path_segments_mut().map_err(|_| {
                Error::invalid_argument("api_url", "the API URL cannot have a path")
            })?;
            path.pop_if_empty();
            path.extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// Sends an authenticated request and returns the body of a successful
    /// response. A 401 is retried once with a fresh token.
    async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Bytes> {
        let url = self.endpoint(segments, query)?;
        let mut retried = false;
        loop {
            let token = self.bearer_token().await?;
            let mut req = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.expose_secret());
            if let Some(org) = &self.inner.organization_id {
                req = req.header(ORGANIZATION_HEADER, org);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            match self.finish(req, method.as_str(), &url).await {
                Err(e) if e.status() == Some(401) && !retried => {
                    tracing::debug!(url = %sanitize_url(url.as_str()), "401: retrying once with a fresh token");
                    self.inner.tokens.invalidate(&token).await;
                    retried = true;
                }
                other => return other,
            }
        }
    }

    /// Sends the request; maps transport failures and error statuses.
    async fn finish(&self, req: reqwest::RequestBuilder, method: &str, url: &Url) -> Result<Bytes> {
        let timeout = self.inner.timeout;
        let resp = req
            .send()
            .await
            .map_err(|e| map_transport_error(e, method, url.as_str(), timeout))?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        tracing::debug!(method, url = %sanitize_url(url.as_str()), status = status.as_u16(), "Airbyte API response");
        if !status.is_success() {
            // The start of an error body explains it; the status is the error.
            let body = read_bounded(resp, MAX_ERROR_BODY).await;
            return Err(error_from_response(
                status.as_u16(),
                method,
                url.as_str(),
                retry_after.as_deref(),
                &body,
            ));
        }
        match read_limited(resp, self.inner.max_response_body).await {
            Ok(bytes) => Ok(bytes),
            Err(BodyError::Transport(e)) => {
                Err(map_transport_error(e, method, url.as_str(), timeout))
            }
            Err(BodyError::TooLarge(limit)) => Err(too_large(method, url.as_str(), limit)),
        }
    }

    async fn call_json<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
        what: &str,
    ) -> Result<T> {
        let bytes = self.call(method.clone(), segments, query, body).await?;
        let url = self.endpoint(segments, query)?;
        decode(&bytes, method.as_str(), &url, what)
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8], method: &str, url: &Url, what: &str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::Decode {
        what: format!("{what} from {method} {}", sanitize_url(url.as_str())),
        message: e.to_string(),
    })
}

fn to_body<T: serde::Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::invalid_argument("body", e.to_string()))
}

fn parse_base_url(raw: &str) -> Result<Url> {
    let url = Url::parse(raw).map_err(|e| {
        Error::invalid_argument(
            "api_url",
            format!("`{}` is not a valid URL: {e}", sanitize_url(raw)),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(Error::invalid_argument(
            "api_url",
            format!("`{}` must be an http(s) URL", sanitize_url(raw)),
        ));
    }
    Ok(url)
}

fn build_http(timeout: Duration, connect_timeout: Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .user_agent(concat!(
            "airbyte-agent-sdk-rust/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .map_err(|e| Error::Network {
            method: String::new(),
            url: String::new(),
            message: format!("could not build the HTTP client: {e}"),
            source: None,
        })
}
