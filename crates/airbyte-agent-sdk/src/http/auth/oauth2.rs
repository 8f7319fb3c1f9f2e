//! OAuth2 access tokens and their refresh.
//!
//! Token state sits behind one async mutex. A request reads the token and
//! its *generation* under the lock; a refresh happens under the same lock
//! and bumps the generation. After a 401, a caller whose generation is stale
//! just resends (someone else already refreshed), so N concurrent failures
//! cause one refresh request, and requests that start during a refresh wait
//! for its result instead of sending a token known to be dead.
//!
//! Refresh request (as the reference sends it): `POST {refresh_url}` with
//! `grant_type=refresh_token&refresh_token=…`, plus `client_id` and
//! `client_secret` in the body (style `body`, sent even when empty) or as
//! `Authorization: Basic` (style `basic`), form- or JSON-encoded. The
//! response must be a JSON object with a non-empty `access_token`; an
//! optional `refresh_token` rotates the stored one; `token_type` defaults to
//! `Bearer`; fields listed in `token_extract` are kept as config values.
//! The JWT-bearer grant sends `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`
//! and `assertion=…` instead, with no client credentials.
//!
//! Differences from the reference, on purpose: a 2xx (not only 200) token
//! response is accepted; `expires_in` is honoured (the token is refreshed
//! shortly before it expires; the reference ignores it); a `refresh_token`
//! that is `null` or empty does not erase the stored one; concurrent 401s
//! cause one refresh, not one each; after a failed refresh following a 401
//! the refresh error is returned (it says why) instead of the original 401;
//! a refresh runs in its own task, so a caller cancelled midway cannot lose
//! tokens the server already rotated.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, SystemTime};

use reqwest::header::{AUTHORIZATION, HeaderName};
use secrecy::SecretString;
use serde_json::Value;
use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio::time::Instant;
use url::Url;

use super::credentials::Credentials;
use super::jwt;
use super::scheme::{ClientAuthStyle, OAuth2Config, OAuth2Grant, TokenBodyFormat};
use super::template::render_braces;
use super::{AppliedAuth, AuthContext, RefreshedTokens, TokenRefreshCallback};
use super::{basic_value, render_additional, secret_header};
use crate::error::{Error, HttpErrorInfo, Result, sanitize_url};
use crate::http::client::{HttpRequest, HttpSender, SenderConfig};

type RefreshFuture<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// Refresh this long before the known expiry (at most half the lifetime).
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

pub(super) struct OAuth2Auth {
    header: HeaderName,
    extra: Vec<(HeaderName, String)>,
    refresher: Arc<Refresher>,
    state: Arc<Mutex<TokenState>>,
}

/// What a refresh needs; shared with the task that runs it.
struct Refresher {
    scheme: String,
    config: OAuth2Config,
    sender: HttpSender,
    config_values: BTreeMap<String, String>,
    on_refresh: Option<TokenRefreshCallback>,
    extracted: StdMutex<BTreeMap<String, String>>,
}

struct TokenState {
    /// `access_token`, `refresh_token`, `client_id`, `client_secret`, and
    /// whatever the additional headers reference.
    secrets: Credentials,
    generation: u64,
    /// When to refresh proactively, when the expiry is known.
    refresh_at: Option<Instant>,
}

impl OAuth2Auth {
    pub(super) fn new(
        scheme: &str,
        config: &OAuth2Config,
        secrets: Credentials,
        extra: Vec<(HeaderName, String)>,
        context: AuthContext,
    ) -> Result<Self> {
        if let OAuth2Grant::JwtBearer { scopes } = &config.grant
            && scopes.is_empty()
        {
            return Err(Error::invalid_argument(
                "auth_scheme",
                format!("auth scheme `{scheme}` uses the JWT-bearer grant but declares no scope"),
            ));
        }
        let header = HeaderName::from_bytes(config.header.as_bytes()).map_err(|_| {
            Error::invalid_argument(
                "auth_scheme",
                format!(
                    "scheme `{scheme}` has an invalid header name `{}`",
                    config.header
                ),
            )
        })?;
        let refresher = Refresher {
            scheme: scheme.to_string(),
            config: config.clone(),
            sender: match context.sender {
                Some(s) => s,
                None => HttpSender::new(SenderConfig::default())?,
            },
            config_values: context.config_values,
            on_refresh: context.on_token_refresh,
            extracted: StdMutex::new(BTreeMap::new()),
        };
        let state = TokenState {
            secrets,
            generation: 0,
            refresh_at: context.access_token_expires_at.and_then(instant_of),
        };
        {
            if state.secrets.non_empty("access_token").is_none() && !refresher.can_refresh(&state) {
                let reason = if refresher.config.refresh_url.is_none() {
                    format!(
                        "auth scheme `{scheme}` needs an `access_token` (it has no token endpoint to obtain one)"
                    )
                } else {
                    format!(
                        "auth scheme `{scheme}` needs an `access_token` or a `{}`",
                        refresher.refresh_source()
                    )
                };
                return Err(Error::invalid_argument("credentials", reason));
            }
        }
        Ok(Self {
            header,
            extra,
            refresher: Arc::new(refresher),
            state: Arc::new(Mutex::new(state)),
        })
    }

    pub(super) fn extracted_values(&self) -> BTreeMap<String, String> {
        self.refresher
            .extracted
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    pub(super) async fn authorize(&self) -> Result<AppliedAuth> {
        let mut state = self.state.clone().lock_owned().await;
        let has_token = state.secrets.non_empty("access_token").is_some();
        let expired = state.refresh_at.is_some_and(|at| Instant::now() >= at);
        if (!has_token || expired) && self.refresher.can_refresh(&state) {
            match self.refresh_detached(state).await {
                Ok(()) => {}
                // An expired-looking token may still be accepted: let the
                // server decide (a 401 triggers another refresh attempt).
                Err(e) if has_token => {
                    let scheme = &self.refresher.scheme;
                    tracing::warn!(%scheme, error = %e, "proactive token refresh failed");
                }
                Err(e) => return Err(e),
            }
            state = self.state.clone().lock_owned().await;
        }
        let scheme = &self.refresher.scheme;
        let token = state.secrets.non_empty("access_token").ok_or_else(|| {
            Error::invalid_argument(
                "credentials",
                format!("auth scheme `{scheme}` has no access token"),
            )
        })?;
        let prefix = &self.refresher.config.prefix;
        let value = if prefix.is_empty() {
            token.to_string()
        } else {
            format!("{prefix} {token}")
        };
        let mut headers = vec![(
            self.header.clone(),
            secret_header(scheme, "access token", &value)?,
        )];
        headers.extend(render_additional(scheme, &self.extra, &state.secrets)?);
        Ok(AppliedAuth {
            headers,
            query: Vec::new(),
            generation: state.generation,
        })
    }

    pub(super) async fn refresh_after_unauthorized(&self, used_generation: u64) -> Result<bool> {
        let state = self.state.clone().lock_owned().await;
        if state.generation != used_generation {
            // Refreshed by someone else since this request was sent.
            return Ok(true);
        }
        if !self.refresher.can_refresh(&state) {
            return Ok(false);
        }
        let before = state.secrets.expose("access_token").map(str::to_string);
        self.refresh_detached(state).await?;
        let after = self.state.lock().await;
        Ok(after.secrets.expose("access_token").map(str::to_string) != before)
    }

    /// Refreshes in a task of its own that holds the state lock until the
    /// new tokens are stored: a caller cancelled midway (a timeout, a
    /// dropped request) cannot lose tokens the server already rotated.
    async fn refresh_detached(&self, mut state: OwnedMutexGuard<TokenState>) -> Result<()> {
        let refresher = self.refresher.clone();
        let task = tokio::spawn(async move { refresher.refresh(&mut state).await });
        match task.await {
            Ok(result) => result,
            // A panicking refresh callback is the caller's bug: surface it.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(Error::Execution {
                message: "the OAuth2 token refresh was cancelled (runtime shutting down)".into(),
            }),
        }
    }
}

impl Refresher {
    /// The secret that obtains new tokens under this scheme's grant.
    fn refresh_source(&self) -> &'static str {
        match self.config.grant {
            OAuth2Grant::RefreshToken => "refresh_token",
            OAuth2Grant::JwtBearer { .. } => "credentials_json",
        }
    }

    fn can_refresh(&self, state: &TokenState) -> bool {
        self.config.refresh_url.is_some()
            && state.secrets.non_empty(self.refresh_source()).is_some()
    }

    /// Calls the token endpoint and stores the result. Caller holds the lock.
    ///
    /// Boxed as `dyn Send`: the sender calls back into `authorize` (for
    /// other requests), which would make the future types recursive.
    fn refresh<'a>(&'a self, state: &'a mut TokenState) -> RefreshFuture<'a> {
        Box::pin(self.refresh_inner(state))
    }

    async fn refresh_inner(&self, state: &mut TokenState) -> Result<()> {
        let template = self.config.refresh_url.as_deref().unwrap_or_default();
        let mut vars: BTreeMap<&str, &str> = self
            .config_values
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        vars.insert(
            "client_id",
            state.secrets.expose("client_id").unwrap_or_default(),
        );
        let rendered = render_braces(template, &vars);
        let url = Url::parse(&rendered).map_err(|e| {
            Error::invalid_argument(
                "auth_scheme",
                format!(
                    "token endpoint of auth scheme `{}` is not a valid URL ({}): {e}",
                    self.scheme,
                    sanitize_url(&rendered)
                ),
            )
        })?;

        let secrets = &state.secrets;
        let client_id = secrets.expose("client_id").unwrap_or_default();
        let client_secret = secrets.expose("client_secret").unwrap_or_default();
        let assertion;
        let mut fields: Vec<(&str, &str)> = Vec::new();
        let mut client_auth = self.config.client_auth;
        match &self.config.grant {
            OAuth2Grant::RefreshToken => {
                let refresh_token = secrets.expose("refresh_token").unwrap_or_default();
                fields.push(("grant_type", "refresh_token"));
                fields.push(("refresh_token", refresh_token));
            }
            OAuth2Grant::JwtBearer { scopes } => {
                // The signed assertion authenticates the client by itself.
                let key = secrets.expose("credentials_json").unwrap_or_default();
                assertion = jwt::assertion(&self.scheme, key, scopes, url.as_str())?;
                fields.push(("grant_type", jwt::JWT_BEARER_GRANT));
                fields.push(("assertion", &assertion));
                client_auth = ClientAuthStyle::None;
            }
        }
        if client_auth == ClientAuthStyle::Body {
            fields.push(("client_id", client_id));
            fields.push(("client_secret", client_secret));
        }
        let mut request = match self.config.body_format {
            TokenBodyFormat::Form => HttpRequest::post(url.clone()).form(&fields),
            TokenBodyFormat::Json => {
                let body: serde_json::Map<String, Value> = fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                    .collect();
                HttpRequest::post(url.clone()).json(&Value::Object(body))
            }
        };
        if client_auth == ClientAuthStyle::Basic {
            let value = secret_header(
                &self.scheme,
                "client id or secret",
                &basic_value(client_id, client_secret),
            )?;
            request = request.header(AUTHORIZATION, value);
        }

        tracing::info!(scheme = %self.scheme, url = %sanitize_url(url.as_str()), "refreshing OAuth2 token");
        let response = self
            .sender
            .send_buffered(request)
            .await
            .map_err(|e| refresh_failed(e, &self.scheme))?;
        let body: Value = serde_json::from_slice(&response.body).map_err(|e| Error::Decode {
            what: format!("token response from POST {}", sanitize_url(url.as_str())),
            message: e.to_string(),
        })?;
        let tokens = parse_token_response(&body, &self.config.token_extract).ok_or_else(|| {
            Error::Authentication {
                info: Box::new(HttpErrorInfo::new(
                    response.status.as_u16(),
                    "POST",
                    url.as_str(),
                    "token refresh response has no access_token",
                )),
            }
        })?;

        state
            .secrets
            .insert_secret("access_token", tokens.access_token.clone());
        if let Some(rt) = &tokens.refresh_token {
            state.secrets.insert_secret("refresh_token", rt.clone());
        }
        state.generation += 1;
        // A lifetime too long to represent as an instant never expires.
        state.refresh_at = tokens.expires_in.and_then(|lifetime| {
            let margin = EXPIRY_MARGIN.min(lifetime / 2);
            Instant::now().checked_add(lifetime - margin)
        });
        if !tokens.extracted.is_empty()
            && let Ok(mut ex) = self.extracted.lock()
        {
            ex.extend(tokens.extracted.clone());
        }
        tracing::info!(scheme = %self.scheme, generation = state.generation, "OAuth2 token refreshed");
        if let Some(callback) = &self.on_refresh {
            callback(&tokens);
        }
        Ok(())
    }
}

/// Client errors of the token endpoint mean the refresh credentials are bad.
fn refresh_failed(err: Error, scheme: &str) -> Error {
    match err.http_info() {
        Some(info) if (400..500).contains(&info.status) && info.status != 429 => {
            let mut info = info.clone();
            info.detail = format!("token refresh for `{scheme}` failed: {}", info.detail);
            Error::Authentication {
                info: Box::new(info),
            }
        }
        _ => err,
    }
}

fn parse_token_response(body: &Value, extract: &[String]) -> Option<RefreshedTokens> {
    let obj = body.as_object()?;
    let access_token = match obj.get("access_token")? {
        Value::String(s) if !s.is_empty() => s.clone(),
        _ => return None,
    };
    let refresh_token = match obj.get("refresh_token") {
        Some(Value::String(s)) if !s.is_empty() => Some(SecretString::from(s.clone())),
        _ => None,
    };
    let token_type = match obj.get("token_type") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => "Bearer".to_string(),
    };
    let expires_in = match obj.get("expires_in") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|s| s.is_finite() && *s > 0.0)
    .map(crate::http::errors::saturating_secs);
    let extracted = extract
        .iter()
        .filter_map(|field| {
            let v = obj.get(field)?;
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Null => return None,
                other => other.to_string(),
            };
            Some((field.clone(), text))
        })
        .collect();
    Some(RefreshedTokens {
        access_token: SecretString::from(access_token),
        refresh_token,
        token_type,
        expires_in,
        extracted,
    })
}

/// When to refresh a token expiring at `at`; `None` when that is too far
/// ahead to represent (it never needs a proactive refresh).
fn instant_of(at: SystemTime) -> Option<Instant> {
    match at.duration_since(SystemTime::now()) {
        Ok(ahead) => Instant::now().checked_add(ahead.saturating_sub(EXPIRY_MARGIN.min(ahead / 2))),
        Err(_) => Some(Instant::now()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn token_response_fields() {
        let body = serde_json::json!({
            "access_token": "new", "refresh_token": "rt2", "expires_in": "3600",
            "instance_url": "https://x.my.salesforce.com", "n": 5
        });
        let t = parse_token_response(&body, &["instance_url".into(), "n".into(), "absent".into()])
            .unwrap();
        assert_eq!(t.access_token.expose_secret(), "new");
        assert_eq!(t.refresh_token.unwrap().expose_secret(), "rt2");
        assert_eq!(t.token_type, "Bearer");
        assert_eq!(t.expires_in, Some(Duration::from_secs(3600)));
        assert_eq!(t.extracted["instance_url"], "https://x.my.salesforce.com");
        assert_eq!(t.extracted["n"], "5");
        assert!(!t.extracted.contains_key("absent"));

        let t = parse_token_response(
            &serde_json::json!({"access_token": "a", "refresh_token": null}),
            &[],
        )
        .unwrap();
        assert!(t.refresh_token.is_none());
        assert!(parse_token_response(&serde_json::json!({"access_token": ""}), &[]).is_none());
        assert!(parse_token_response(&serde_json::json!([1]), &[]).is_none());
    }

    #[test]
    fn lifetimes_too_long_to_represent_do_not_panic() {
        // Regression: `expires_in: 1e300` panicked in `Duration::from_secs_f64`.
        let body = serde_json::json!({"access_token": "a", "expires_in": 1e300});
        let t = parse_token_response(&body, &[]).unwrap();
        assert_eq!(t.expires_in, Some(Duration::MAX));
        let far = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::MAX / 2);
        // Representable or not, it must not panic (overflow is platform-specific).
        let _ = instant_of(far);
        assert!(instant_of(SystemTime::UNIX_EPOCH).is_some());
    }
}
