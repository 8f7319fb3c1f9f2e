//! A bag of named secrets whose `Debug` never shows a value.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// Named secret values: what the user supplied (`api_key`, `refresh_token`, …)
/// or, after the definition's mapping, what a scheme consumes (`token`,
/// `username`, `password`, `api_key`, `access_token`, …).
///
/// `Debug` lists the names only.
///
/// ```
/// use airbyte_agent_sdk::http::auth::Credentials;
///
/// let creds = Credentials::new().with("api_key", "sk_live_123");
/// assert_eq!(creds.expose("api_key"), Some("sk_live_123"));
/// assert!(!format!("{creds:?}").contains("sk_live"));
/// ```
#[derive(Clone, Default)]
pub struct Credentials {
    values: BTreeMap<String, SecretString>,
}

impl Credentials {
    /// No credentials.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a value, builder style.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.insert(name, value);
        self
    }

    /// Adds (or replaces) a value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.values
            .insert(name.into(), SecretString::from(value.into()));
    }

    /// Adds (or replaces) an already wrapped secret.
    pub fn insert_secret(&mut self, name: impl Into<String>, value: SecretString) {
        self.values.insert(name.into(), value);
    }

    /// The secret named `name`.
    pub fn get(&self, name: &str) -> Option<&SecretString> {
        self.values.get(name)
    }

    /// The value named `name`, exposed. Use only to build a request.
    pub fn expose(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(|s| s.expose_secret())
    }

    /// The value named `name` when present and not empty.
    pub(crate) fn non_empty(&self, name: &str) -> Option<&str> {
        self.expose(name).filter(|v| !v.is_empty())
    }

    /// Whether a value named `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// Removes a value.
    pub fn remove(&mut self, name: &str) -> Option<SecretString> {
        self.values.remove(name)
    }

    /// The names present, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every value exposed, for template rendering.
    pub(crate) fn exposed_map(&self) -> BTreeMap<&str, &str> {
        self.values
            .iter()
            .map(|(k, v)| (k.as_str(), v.expose_secret()))
            .collect()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Credentials {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut c = Credentials::new();
        for (k, v) in iter {
            c.insert(k, v);
        }
        c
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for k in self.values.keys() {
            m.entry(k, &format_args!("[REDACTED]"));
        }
        m.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_names_only() {
        let c: Credentials = [("client_secret", "hunter2"), ("refresh_token", "rt-xyz")]
            .into_iter()
            .collect();
        let dbg = format!("{c:?}");
        assert_eq!(
            dbg,
            r#"{"client_secret": [REDACTED], "refresh_token": [REDACTED]}"#
        );
        assert!(!dbg.contains("hunter2") && !dbg.contains("rt-xyz"));
        assert_eq!(c.non_empty("client_secret"), Some("hunter2"));
        assert_eq!(c.clone().with("x", "").non_empty("x"), None);
    }
}
