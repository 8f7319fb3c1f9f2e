//! Credential and endpoint resolution for hosted mode.
//!
//! Every setting is resolved in the same order: the value given explicitly
//! (an [`AirbyteAuthConfig`] field or a builder call) wins, then the
//! process-wide configuration set with [`configure`], then the environment.
//! Empty strings count as unset.
//!
//! | setting | environment | default |
//! |---|---|---|
//! | client id | `AIRBYTE_CLIENT_ID` | required |
//! | client secret | `AIRBYTE_CLIENT_SECRET` | required |
//! | organization id | `AIRBYTE_ORGANIZATION_ID` | none |
//! | workspace name | none | `"default"` |
//! | API base URL | `AIRBYTE_API_URL`, then `SDK_DEV_ADP_API_HOST` | `https://api.airbyte.ai` |
//!
//! ```
//! use airbyte_agent_sdk::config::AirbyteAuthConfig;
//!
//! let resolved = AirbyteAuthConfig::new()
//!     .client_id("my-client")
//!     .client_secret("my-secret")
//!     .workspace_name("acme")
//!     .resolve_with(None, |_| None)
//!     .unwrap();
//! assert_eq!(resolved.workspace_name, "acme");
//! assert_eq!(resolved.api_url, "https://api.airbyte.ai");
//! ```

use std::sync::RwLock;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

/// The hosted API's base URL when nothing overrides it.
pub const DEFAULT_API_URL: &str = "https://api.airbyte.ai";

/// The workspace used when none is named.
pub const DEFAULT_WORKSPACE: &str = "default";

/// Environment variable holding the client id.
pub const ENV_CLIENT_ID: &str = "AIRBYTE_CLIENT_ID";
/// Environment variable holding the client secret.
pub const ENV_CLIENT_SECRET: &str = "AIRBYTE_CLIENT_SECRET";
/// Environment variable holding the organization id.
pub const ENV_ORGANIZATION_ID: &str = "AIRBYTE_ORGANIZATION_ID";
/// Environment variable overriding the API base URL.
pub const ENV_API_URL: &str = "AIRBYTE_API_URL";
/// The reference SDK's developer override of the API base URL, honoured for
/// compatibility after [`ENV_API_URL`].
pub const ENV_DEV_API_HOST: &str = "SDK_DEV_ADP_API_HOST";

/// Hosted-mode settings as given by the caller; every field is optional and
/// filled in by [`AirbyteAuthConfig::resolve`].
///
/// The client id and secret are [`SecretString`]s: `Debug` shows neither.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct AirbyteAuthConfig {
    /// Airbyte application client id.
    pub client_id: Option<SecretString>,
    /// Airbyte application client secret.
    pub client_secret: Option<SecretString>,
    /// Workspace name used for lookups, `ask` and connector creation.
    pub workspace_name: Option<String>,
    /// Organization id, sent as `X-Organization-Id` for multi-org routing.
    pub organization_id: Option<String>,
    /// A connector (source) id, which skips the connector lookup.
    pub connector_id: Option<String>,
    /// API base URL override.
    pub api_url: Option<String>,
}

impl std::fmt::Debug for AirbyteAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AirbyteAuthConfig")
            .field("client_id", &self.client_id.as_ref().map(|_| "[redacted]"))
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("workspace_name", &self.workspace_name)
            .field("organization_id", &self.organization_id)
            .field("connector_id", &self.connector_id)
            .field("api_url", &self.api_url)
            .finish()
    }
}

impl AirbyteAuthConfig {
    /// An empty configuration: everything comes from [`configure`] or the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the client id.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(SecretString::from(id.into()));
        self
    }

    /// Sets the client secret.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// Sets the workspace name.
    pub fn workspace_name(mut self, name: impl Into<String>) -> Self {
        self.workspace_name = Some(name.into());
        self
    }

    /// Sets the organization id.
    pub fn organization_id(mut self, id: impl Into<String>) -> Self {
        self.organization_id = Some(id.into());
        self
    }

    /// Sets the connector id.
    pub fn connector_id(mut self, id: impl Into<String>) -> Self {
        self.connector_id = Some(id.into());
        self
    }

    /// Sets the API base URL.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = Some(url.into());
        self
    }

    /// Fills the unset fields from `other` (used to layer configurations).
    pub fn or(self, other: &AirbyteAuthConfig) -> Self {
        Self {
            client_id: non_empty_secret(self.client_id)
                .or_else(|| non_empty_secret(other.client_id.clone())),
            client_secret: non_empty_secret(self.client_secret)
                .or_else(|| non_empty_secret(other.client_secret.clone())),
            workspace_name: non_empty(self.workspace_name)
                .or_else(|| non_empty(other.workspace_name.clone())),
            organization_id: non_empty(self.organization_id)
                .or_else(|| non_empty(other.organization_id.clone())),
            connector_id: non_empty(self.connector_id)
                .or_else(|| non_empty(other.connector_id.clone())),
            api_url: non_empty(self.api_url).or_else(|| non_empty(other.api_url.clone())),
        }
    }

    /// Resolves against [`configure`]d settings and the process environment.
    ///
    /// Fails with [`Error::MissingCredentials`] naming whichever of
    /// `client_id` / `client_secret` could not be found.
    pub fn resolve(&self) -> Result<ResolvedConfig> {
        let global = configuration();
        self.resolve_with(global.as_ref(), |name| std::env::var(name).ok())
    }

    /// Resolves against the given process-wide settings and environment
    /// lookup (injectable so tests need not touch the real environment).
    pub fn resolve_with(
        &self,
        global: Option<&AirbyteAuthConfig>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ResolvedConfig> {
        let merged = match global {
            Some(g) => self.clone().or(g),
            None => self.clone().or(&AirbyteAuthConfig::default()),
        };
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let client_id = merged
            .client_id
            .or_else(|| env(ENV_CLIENT_ID).map(SecretString::from));
        let client_secret = merged
            .client_secret
            .or_else(|| env(ENV_CLIENT_SECRET).map(SecretString::from));
        let (client_id, client_secret) = match (client_id, client_secret) {
            (Some(id), Some(secret)) => (id, secret),
            (id, secret) => {
                let mut missing = Vec::new();
                if id.is_none() {
                    missing.push("client_id");
                }
                if secret.is_none() {
                    missing.push("client_secret");
                }
                return Err(Error::MissingCredentials { missing });
            }
        };
        let api_url = merged
            .api_url
            .or_else(|| env(ENV_API_URL))
            .or_else(|| env(ENV_DEV_API_HOST))
            .unwrap_or_else(|| DEFAULT_API_URL.to_string());
        Ok(ResolvedConfig {
            client_id,
            client_secret,
            organization_id: merged.organization_id.or_else(|| env(ENV_ORGANIZATION_ID)),
            workspace_name: merged
                .workspace_name
                .unwrap_or_else(|| DEFAULT_WORKSPACE.to_string()),
            connector_id: merged.connector_id,
            api_url: normalize_base_url(&api_url),
        })
    }
}

/// Fully resolved hosted-mode settings: credentials present, defaults applied.
#[derive(Clone)]
#[non_exhaustive]
pub struct ResolvedConfig {
    /// Airbyte application client id.
    pub client_id: SecretString,
    /// Airbyte application client secret.
    pub client_secret: SecretString,
    /// Organization id, when one is set.
    pub organization_id: Option<String>,
    /// Workspace name (`"default"` unless set).
    pub workspace_name: String,
    /// Connector id, when one is set.
    pub connector_id: Option<String>,
    /// API base URL without trailing slash.
    pub api_url: String,
}

impl std::fmt::Debug for ResolvedConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolvedConfig")
            .field("client_id", &"[redacted]")
            .field("client_secret", &"[redacted]")
            .field("organization_id", &self.organization_id)
            .field("workspace_name", &self.workspace_name)
            .field("connector_id", &self.connector_id)
            .field("api_url", &self.api_url)
            .finish()
    }
}

static GLOBAL: RwLock<Option<AirbyteAuthConfig>> = RwLock::new(None);

/// Sets process-wide defaults used by every client, [`Workspace`](crate::Workspace)
/// and [`connect()`](crate::connect()) built afterwards. Explicit values still win;
/// calling it again replaces the previous configuration.
pub fn configure(config: AirbyteAuthConfig) {
    let mut guard = GLOBAL
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *guard = Some(config);
}

/// Clears the process-wide configuration set with [`configure`].
pub fn reset_configuration() {
    let mut guard = GLOBAL
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *guard = None;
}

/// The process-wide configuration, if [`configure`] was called.
pub fn configuration() -> Option<AirbyteAuthConfig> {
    GLOBAL
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

/// Trims whitespace and trailing slashes so paths can be appended.
pub(crate) fn normalize_base_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_string()
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

fn non_empty_secret(v: Option<SecretString>) -> Option<SecretString> {
    v.filter(|s| !s.expose_secret().trim().is_empty())
}

/// Builder setters that forward to the builder's `auth: AirbyteAuthConfig`
/// field, plus `auth_config`, so every builder takes credentials the same way.
macro_rules! forward_auth_setters {
    ($( $(#[$doc:meta])* $name:ident => $target:ident ),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl Into<String>) -> Self {
                self.auth = self.auth.$target(value);
                self
            }
        )*

        /// Uses the explicit values of `auth`, over any set before.
        pub fn auth_config(mut self, auth: $crate::config::AirbyteAuthConfig) -> Self {
            self.auth = auth.or(&self.auth);
            self
        }
    };
}
pub(crate) use forward_auth_setters;

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn explicit_beats_global_beats_env() {
        let env = env_of(&[
            (ENV_CLIENT_ID, "env-id"),
            (ENV_CLIENT_SECRET, "env-secret"),
            (ENV_ORGANIZATION_ID, "env-org"),
        ]);
        let global = AirbyteAuthConfig::new()
            .client_id("global-id")
            .workspace_name("global-ws");
        let explicit = AirbyteAuthConfig::new().client_secret("explicit-secret");
        let r = explicit.resolve_with(Some(&global), &env).unwrap();
        assert_eq!(r.client_id.expose_secret(), "global-id");
        assert_eq!(r.client_secret.expose_secret(), "explicit-secret");
        assert_eq!(r.organization_id.as_deref(), Some("env-org"));
        assert_eq!(r.workspace_name, "global-ws");

        let r = AirbyteAuthConfig::new()
            .client_id("x")
            .resolve_with(None, &env)
            .unwrap();
        assert_eq!(r.client_id.expose_secret(), "x");
        assert_eq!(r.client_secret.expose_secret(), "env-secret");
        assert_eq!(r.workspace_name, DEFAULT_WORKSPACE);
    }

    #[test]
    fn empty_values_count_as_unset() {
        let env = env_of(&[(ENV_CLIENT_ID, "env-id"), (ENV_CLIENT_SECRET, "env-secret")]);
        let r = AirbyteAuthConfig::new()
            .client_id("")
            .workspace_name(" ")
            .resolve_with(None, &env)
            .unwrap();
        assert_eq!(r.client_id.expose_secret(), "env-id");
        assert_eq!(r.workspace_name, "default");
    }

    #[test]
    fn missing_credentials_name_what_is_missing() {
        let e = AirbyteAuthConfig::new()
            .resolve_with(None, env_of(&[]))
            .unwrap_err();
        match &e {
            Error::MissingCredentials { missing } => {
                assert_eq!(missing, &vec!["client_id", "client_secret"])
            }
            other => panic!("unexpected {other:?}"),
        }
        let e = AirbyteAuthConfig::new()
            .resolve_with(None, env_of(&[(ENV_CLIENT_ID, "id")]))
            .unwrap_err();
        assert!(
            matches!(e, Error::MissingCredentials { ref missing } if missing == &vec!["client_secret"])
        );
        assert!(e.to_string().contains("AIRBYTE_CLIENT_SECRET"));
    }

    #[test]
    fn api_url_precedence() {
        let creds = AirbyteAuthConfig::new().client_id("i").client_secret("s");
        let r = creds.resolve_with(None, env_of(&[])).unwrap();
        assert_eq!(r.api_url, DEFAULT_API_URL);
        let r = creds
            .resolve_with(None, env_of(&[(ENV_DEV_API_HOST, "http://dev:8000/")]))
            .unwrap();
        assert_eq!(r.api_url, "http://dev:8000");
        let r = creds
            .resolve_with(
                None,
                env_of(&[
                    (ENV_DEV_API_HOST, "http://dev:8000"),
                    (ENV_API_URL, "http://api:1"),
                ]),
            )
            .unwrap();
        assert_eq!(r.api_url, "http://api:1");
        let global = AirbyteAuthConfig::new().api_url("http://global:2");
        let r = creds
            .resolve_with(Some(&global), env_of(&[(ENV_API_URL, "http://api:1")]))
            .unwrap();
        assert_eq!(r.api_url, "http://global:2");
        let r = creds
            .clone()
            .api_url("http://explicit:3//")
            .resolve_with(Some(&global), env_of(&[]))
            .unwrap();
        assert_eq!(r.api_url, "http://explicit:3");
    }

    #[test]
    fn configure_sets_process_defaults() {
        // The only test in this crate's unit tests touching the global.
        configure(
            AirbyteAuthConfig::new()
                .client_id("configured-id")
                .client_secret("configured-secret")
                .organization_id("org-1"),
        );
        let global = configuration();
        reset_configuration();
        let r = AirbyteAuthConfig::new()
            .workspace_name("w")
            .resolve_with(global.as_ref(), env_of(&[(ENV_CLIENT_ID, "env-id")]))
            .unwrap();
        assert_eq!(r.client_id.expose_secret(), "configured-id");
        assert_eq!(r.organization_id.as_deref(), Some("org-1"));
        assert!(configuration().is_none());
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = AirbyteAuthConfig::new()
            .client_id("id-SENSITIVE")
            .client_secret("secret-SENSITIVE")
            .workspace_name("ws");
        let text = format!("{c:?}");
        assert!(!text.contains("SENSITIVE"), "{text}");
        assert!(text.contains("ws"));
        let r = c.resolve_with(None, env_of(&[])).unwrap();
        let text = format!("{r:?}");
        assert!(!text.contains("SENSITIVE"), "{text}");
    }
}
