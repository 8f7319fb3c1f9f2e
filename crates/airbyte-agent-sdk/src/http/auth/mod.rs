//! Authentication of local-mode requests: every scheme the connector
//! definitions use.
//!
//! 1. Describe the connector's schemes with [`AuthScheme`]s in an
//!    [`AuthOptions`] (built from a definition, or by hand).
//! 2. Pick one for the user's [`Credentials`] with [`AuthOptions::select`]
//!    and map them onto the scheme's fields with [`AuthScheme::scheme_secrets`]
//!    — or do both with [`AuthOptions::authenticator`].
//! 3. Attach the [`Authenticator`] to each [`HttpRequest`](super::HttpRequest)
//!    with `.auth(..)`. For OAuth2 it refreshes the access token when it has
//!    expired (when the expiry is known) or when the API answers 401: one
//!    refresh request however many requests are waiting, then
//!    [`AuthContext::on_token_refresh`] is told the new tokens.
//!
//! ```no_run
//! # async fn demo() -> airbyte_agent_sdk::Result<()> {
//! use airbyte_agent_sdk::http::auth::{AuthContext, AuthOptions, AuthScheme, Credentials, SchemeKind};
//! use airbyte_agent_sdk::http::{HttpRequest, HttpSender, SenderConfig};
//!
//! let options = AuthOptions::new(vec![AuthScheme::new("bearerAuth", SchemeKind::bearer())]);
//! let creds = Credentials::new().with("token", "sk_test_123");
//! let auth = options.authenticator(&creds, None, AuthContext::new())?;
//! let sender = HttpSender::new(SenderConfig::default())?;
//! let url = url::Url::parse("https://api.example.com/v1/customers").unwrap();
//! let resp = sender.send_buffered(HttpRequest::get(url).auth(auth)).await?;
//! # let _ = resp; Ok(()) }
//! ```

mod credentials;
mod jwt;
mod oauth2;
mod scheme;
mod template;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use reqwest::header::{COOKIE, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

pub use credentials::Credentials;
pub use scheme::{
    ApiKeyLocation, AuthOptions, AuthScheme, ClientAuthStyle, CredentialMapping, OAuth2Config,
    OAuth2Grant, SchemeKind, TokenBodyFormat,
};

use self::oauth2::OAuth2Auth;
use self::template::render_braces;
use super::client::HttpSender;
use crate::error::{Error, Result};

/// Called after every successful token refresh with the new tokens, so the
/// caller can persist them. Spawn a task for slow (async) persistence.
pub type TokenRefreshCallback = Arc<dyn Fn(&RefreshedTokens) + Send + Sync>;

/// What a token refresh produced.
#[derive(Clone)]
#[non_exhaustive]
pub struct RefreshedTokens {
    /// The new access token.
    pub access_token: SecretString,
    /// The new refresh token, when the server rotated it.
    pub refresh_token: Option<SecretString>,
    /// The token type the server reported (default `Bearer`).
    pub token_type: String,
    /// The lifetime the server reported (`expires_in`).
    pub expires_in: Option<Duration>,
    /// Values copied from the token response per the scheme's
    /// `token_extract` (e.g. `instance_url`).
    pub extracted: BTreeMap<String, String>,
}

impl fmt::Debug for RefreshedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshedTokens")
            .field("access_token", &"[REDACTED]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("extracted", &self.extracted)
            .finish()
    }
}

/// What an authenticator needs besides the scheme and its secrets.
#[derive(Clone, Default)]
pub struct AuthContext {
    config_values: BTreeMap<String, String>,
    sender: Option<HttpSender>,
    on_token_refresh: Option<TokenRefreshCallback>,
    access_token_expires_at: Option<SystemTime>,
}

impl AuthContext {
    /// No config values, a default sender for token requests, no callback.
    pub fn new() -> Self {
        Self::default()
    }

    /// The connector's config values (server variables such as `subdomain`),
    /// used to render token endpoint templates.
    pub fn config_values(mut self, values: BTreeMap<String, String>) -> Self {
        self.config_values = values;
        self
    }

    /// The sender used for token requests (shares its pool). Token requests
    /// are POSTs: they are retried only when the connection failed.
    pub fn sender(mut self, sender: HttpSender) -> Self {
        self.sender = Some(sender);
        self
    }

    /// Called after each token refresh.
    pub fn on_token_refresh(
        mut self,
        callback: impl Fn(&RefreshedTokens) + Send + Sync + 'static,
    ) -> Self {
        self.on_token_refresh = Some(Arc::new(callback));
        self
    }

    /// When the given access token expires, if known (e.g. persisted from an
    /// earlier refresh); it is then refreshed shortly before.
    pub fn access_token_expires_at(mut self, at: SystemTime) -> Self {
        self.access_token_expires_at = Some(at);
        self
    }
}

impl fmt::Debug for AuthContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthContext")
            .field("config_values", &self.config_values)
            .field("on_token_refresh", &self.on_token_refresh.is_some())
            .field("access_token_expires_at", &self.access_token_expires_at)
            .finish_non_exhaustive()
    }
}

impl AuthOptions {
    /// Selects the scheme for `credentials` (see [`AuthOptions::select`]),
    /// maps them and builds its authenticator.
    pub fn authenticator(
        &self,
        credentials: &Credentials,
        scheme: Option<&str>,
        context: AuthContext,
    ) -> Result<Authenticator> {
        let chosen = self.select(credentials, scheme)?;
        let secrets = chosen.scheme_secrets(credentials)?;
        Authenticator::new(chosen, secrets, context)
    }
}

/// Puts credentials on requests. Cheap to clone; clones share OAuth2 token
/// state, so one refresh serves them all.
#[derive(Clone)]
pub struct Authenticator {
    inner: Arc<Inner>,
}

struct Inner {
    scheme_name: String,
    kind: Kind,
}

enum Kind {
    Static(StaticAuth),
    OAuth2(Box<OAuth2Auth>),
}

/// Credentials that never change: computed once.
struct StaticAuth {
    headers: Vec<(HeaderName, HeaderValue)>,
    query: Vec<(String, SecretString)>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.inner.kind {
            Kind::Static(_) => "static",
            Kind::OAuth2(_) => "oauth2",
        };
        f.debug_struct("Authenticator")
            .field("scheme", &self.inner.scheme_name)
            .field("kind", &kind)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Builds the authenticator of `scheme` from its secrets (the scheme's
    /// fields: `token`, `username`/`password`, `api_key`, or `access_token`,
    /// `refresh_token`, `client_id`, `client_secret`; plus any field the
    /// additional headers reference).
    ///
    /// Fails when a needed secret is missing, when a value cannot be sent in
    /// a header.
    pub fn new(scheme: &AuthScheme, secrets: Credentials, context: AuthContext) -> Result<Self> {
        let extra = additional_headers(scheme)?;
        let kind = match &scheme.kind {
            SchemeKind::OAuth2(config) => {
                let oauth = OAuth2Auth::new(&scheme.name, config, secrets, extra, context)?;
                Kind::OAuth2(Box::new(oauth))
            }
            other => Kind::Static(static_auth(&scheme.name, other, &secrets, &extra)?),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                scheme_name: scheme.name.clone(),
                kind,
            }),
        })
    }

    /// The scheme's name.
    pub fn scheme_name(&self) -> &str {
        &self.inner.scheme_name
    }

    /// Obtains an access token now if there is none yet (refresh-token-only
    /// OAuth2 setups). Call before rendering a base URL that depends on
    /// [`Authenticator::extracted_values`].
    pub async fn ensure_ready(&self) -> Result<()> {
        self.authorize().await.map(|_| ())
    }

    /// Values copied from the latest token response (e.g. `instance_url`),
    /// to be merged into the connector's config values.
    pub fn extracted_values(&self) -> BTreeMap<String, String> {
        match &self.inner.kind {
            Kind::OAuth2(o) => o.extracted_values(),
            Kind::Static(_) => BTreeMap::new(),
        }
    }

    /// The headers and query parameters for one attempt.
    pub(crate) async fn authorize(&self) -> Result<AppliedAuth> {
        match &self.inner.kind {
            Kind::Static(s) => Ok(AppliedAuth {
                headers: s.headers.clone(),
                query: s.query.clone(),
                generation: 0,
            }),
            Kind::OAuth2(o) => o.authorize().await,
        }
    }

    /// After a 401 to a request sent with `applied`: refreshes the
    /// credentials (once for all concurrent callers). True when the request
    /// should be sent again with fresh credentials.
    pub(crate) async fn refresh_after_unauthorized(&self, applied: &AppliedAuth) -> Result<bool> {
        match &self.inner.kind {
            Kind::Static(_) => Ok(false),
            Kind::OAuth2(o) => o.refresh_after_unauthorized(applied.generation).await,
        }
    }
}

/// Credentials applied to one attempt.
pub(crate) struct AppliedAuth {
    headers: Vec<(HeaderName, HeaderValue)>,
    query: Vec<(String, SecretString)>,
    /// Which token generation was used (OAuth2), to single-flight refreshes.
    generation: u64,
}

impl AppliedAuth {
    /// Puts the credentials on a request; auth headers replace headers of
    /// the same name, cookies are appended to an existing `Cookie` header.
    pub(crate) fn apply(&self, headers: &mut HeaderMap, url: &mut Url) {
        for (name, value) in &self.headers {
            if name == COOKIE {
                let combined = headers
                    .get(COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .zip(value.to_str().ok())
                    .map(|(existing, added)| format!("{existing}; {added}"));
                if let Some(Ok(mut v)) = combined.map(|c| HeaderValue::from_str(&c)) {
                    v.set_sensitive(true);
                    headers.insert(COOKIE, v);
                    continue;
                }
            }
            headers.insert(name.clone(), value.clone());
        }
        if !self.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &self.query {
                pairs.append_pair(k, v.expose_secret());
            }
        }
    }
}

/// Parses the scheme's additional header names (templates are rendered later).
fn additional_headers(scheme: &AuthScheme) -> Result<Vec<(HeaderName, String)>> {
    scheme
        .additional_headers
        .iter()
        .map(|(name, template)| {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::invalid_argument(
                    "auth_scheme",
                    format!(
                        "scheme `{}` has an invalid header name `{name}`",
                        scheme.name
                    ),
                )
            })?;
            Ok((name, template.clone()))
        })
        .collect()
}

/// A sensitive header value; the error never contains the value.
pub(crate) fn secret_header(scheme: &str, what: &str, value: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        Error::invalid_argument(
            "credentials",
            format!("the {what} of auth scheme `{scheme}` contains characters not allowed in an HTTP header"),
        )
    })?;
    v.set_sensitive(true);
    Ok(v)
}

/// Renders the additional headers over the current secrets.
pub(crate) fn render_additional(
    scheme: &str,
    extra: &[(HeaderName, String)],
    secrets: &Credentials,
) -> Result<Vec<(HeaderName, HeaderValue)>> {
    let values = secrets.exposed_map();
    extra
        .iter()
        .map(|(name, template)| {
            let rendered = render_braces(template, &values);
            Ok((
                name.clone(),
                secret_header(scheme, name.as_str(), &rendered)?,
            ))
        })
        .collect()
}

fn required<'a>(scheme: &str, secrets: &'a Credentials, field: &str) -> Result<&'a str> {
    secrets.non_empty(field).ok_or_else(|| {
        Error::invalid_argument(
            "credentials",
            format!("auth scheme `{scheme}` needs a non-empty `{field}`"),
        )
    })
}

fn prefixed(prefix: &str, value: &str) -> String {
    if prefix.is_empty() {
        value.to_string()
    } else {
        format!("{prefix} {value}")
    }
}

pub(crate) fn basic_value(username: &str, password: &str) -> String {
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    format!("Basic {encoded}")
}

fn static_auth(
    scheme: &str,
    kind: &SchemeKind,
    secrets: &Credentials,
    extra: &[(HeaderName, String)],
) -> Result<StaticAuth> {
    let header_name = |name: &str| {
        HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::invalid_argument(
                "auth_scheme",
                format!("scheme `{scheme}` has an invalid header name `{name}`"),
            )
        })
    };
    let mut headers = Vec::new();
    let mut query = Vec::new();
    match kind {
        SchemeKind::Bearer { header, prefix } => {
            let token = required(scheme, secrets, "token")?;
            headers.push((
                header_name(header)?,
                secret_header(scheme, "token", &prefixed(prefix, token))?,
            ));
        }
        SchemeKind::Basic => {
            // Empty values are allowed (e.g. an API key as username, no password).
            let missing = |f: &str| {
                Error::invalid_argument(
                    "credentials",
                    format!("auth scheme `{scheme}` needs `{f}`"),
                )
            };
            let user = secrets
                .expose("username")
                .ok_or_else(|| missing("username"))?;
            let pass = secrets
                .expose("password")
                .ok_or_else(|| missing("password"))?;
            headers.push((
                reqwest::header::AUTHORIZATION,
                secret_header(scheme, "username or password", &basic_value(user, pass))?,
            ));
        }
        SchemeKind::ApiKey { location, name } => {
            let key = required(scheme, secrets, "api_key")?;
            match location {
                ApiKeyLocation::Header => {
                    headers.push((header_name(name)?, secret_header(scheme, "api_key", key)?));
                }
                ApiKeyLocation::Query => {
                    query.push((name.clone(), SecretString::from(key.to_string())));
                }
                ApiKeyLocation::Cookie => {
                    let cookie = format!("{name}={key}");
                    headers.push((COOKIE, secret_header(scheme, "api_key", &cookie)?));
                }
            }
        }
        SchemeKind::OAuth2(_) => {
            return Err(Error::invalid_argument(
                "auth_scheme",
                "internal: OAuth2 is not a static scheme",
            ));
        }
    }
    headers.extend(render_additional(scheme, extra, secrets)?);
    Ok(StaticAuth { headers, query })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let scheme = AuthScheme::new("basicAuth", SchemeKind::Basic);
        let secrets = Credentials::new()
            .with("username", "alice")
            .with("password", "s3cr3t-pw");
        let auth = Authenticator::new(&scheme, secrets.clone(), AuthContext::new()).unwrap();
        let dbg = format!("{auth:?} {secrets:?}");
        assert!(!dbg.contains("s3cr3t") && !dbg.contains("alice"), "{dbg}");

        let tokens = RefreshedTokens {
            access_token: SecretString::from("at-very-secret"),
            refresh_token: Some(SecretString::from("rt-very-secret")),
            token_type: "Bearer".into(),
            expires_in: Some(Duration::from_secs(60)),
            extracted: BTreeMap::new(),
        };
        let dbg = format!("{tokens:?}");
        assert!(!dbg.contains("very-secret"), "{dbg}");
        assert!(dbg.contains("[REDACTED]"));
    }

    #[test]
    fn basic_header_value() {
        assert_eq!(basic_value("user", "pass"), "Basic dXNlcjpwYXNz");
        assert_eq!(basic_value("key", ""), "Basic a2V5Og==");
    }

    #[test]
    fn missing_or_bad_secrets_are_errors_without_the_value() {
        let bearer = AuthScheme::new("b", SchemeKind::bearer());
        let err = Authenticator::new(&bearer, Credentials::new(), AuthContext::new()).unwrap_err();
        assert!(err.to_string().contains("`token`"), "{err}");
        let err = Authenticator::new(
            &bearer,
            Credentials::new().with("token", "line\nbreak-secret"),
            AuthContext::new(),
        )
        .unwrap_err();
        assert!(!err.to_string().contains("break-secret"), "{err}");
    }
}
