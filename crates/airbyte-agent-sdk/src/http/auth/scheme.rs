//! What a connector definition says about authentication, without secrets:
//! the schemes, how user-facing credential fields map onto them, and how an
//! OAuth2 token is refreshed.

use std::collections::{BTreeMap, BTreeSet};

use super::credentials::Credentials;
use super::template::{MissingVariable, apply_dollar, brace_variables, dollar_variables};
use crate::error::{Error, Result};

/// One way to authenticate (an OpenAPI security scheme with its Airbyte
/// extensions).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AuthScheme {
    /// The scheme's name in the definition, e.g. `githubPAT`.
    pub name: String,
    /// How credentials go on the request.
    pub kind: SchemeKind,
    /// How user-facing credential fields become the scheme's fields.
    pub credentials: CredentialMapping,
    /// Extra headers sent with every request: name and a `{{ field }}`
    /// template over the scheme's secrets (current tokens included).
    pub additional_headers: Vec<(String, String)>,
}

impl AuthScheme {
    /// A scheme with the reference's default credential mapping for its kind.
    pub fn new(name: impl Into<String>, kind: SchemeKind) -> Self {
        let credentials = CredentialMapping::default_for(&kind);
        Self {
            name: name.into(),
            kind,
            credentials,
            additional_headers: Vec::new(),
        }
    }

    /// Replaces the credential mapping (the definition's `x-airbyte-auth-config`).
    pub fn with_credentials(mut self, credentials: CredentialMapping) -> Self {
        self.credentials = credentials;
        self
    }

    /// Adds an extra header template.
    pub fn with_additional_header(
        mut self,
        name: impl Into<String>,
        template: impl Into<String>,
    ) -> Self {
        self.additional_headers.push((name.into(), template.into()));
        self
    }

    /// Turns user-facing credentials into the scheme's secrets (`token`,
    /// `username`, …) by applying the mapping. Fields referenced only by the
    /// additional headers are passed through unchanged.
    pub fn scheme_secrets(&self, user: &Credentials) -> Result<Credentials> {
        let mut secrets = self.credentials.apply(&self.name, user)?;
        let mapped: BTreeSet<String> = self
            .credentials
            .mapping
            .iter()
            .flat_map(|(_, t)| dollar_variables(t))
            .collect();
        for (_, template) in &self.additional_headers {
            for name in brace_variables(template) {
                if mapped.contains(&name) || secrets.contains(&name) {
                    continue;
                }
                if let Some(v) = user.get(&name) {
                    secrets.insert_secret(name, v.clone());
                }
            }
        }
        Ok(secrets)
    }
}

/// How credentials are put on a request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SchemeKind {
    /// HTTP bearer: `{header}: {prefix} {token}` (prefix omitted when empty).
    /// The definitions use `Authorization` and `Bearer`.
    Bearer {
        /// Header name.
        header: String,
        /// Value prefix.
        prefix: String,
    },
    /// HTTP basic: `Authorization: Basic base64(username:password)`.
    Basic,
    /// An API key sent verbatim (the mapping may add a prefix such as
    /// `Klaviyo-API-Key `).
    ApiKey {
        /// Where the key goes.
        location: ApiKeyLocation,
        /// The header, query parameter or cookie name.
        name: String,
    },
    /// OAuth2 access token, refreshed when it expires or is rejected.
    OAuth2(OAuth2Config),
}

impl SchemeKind {
    /// `Authorization: Bearer {token}`.
    pub fn bearer() -> Self {
        SchemeKind::Bearer {
            header: "Authorization".into(),
            prefix: "Bearer".into(),
        }
    }

    /// The scheme fields a credential mapping may produce for this kind.
    pub fn scheme_fields(&self) -> &'static [&'static str] {
        match self {
            SchemeKind::Bearer { .. } => &["token"],
            SchemeKind::Basic => &["username", "password"],
            SchemeKind::ApiKey { .. } => &["api_key"],
            SchemeKind::OAuth2(_) => &[
                "access_token",
                "refresh_token",
                "client_id",
                "client_secret",
                "credentials_json",
            ],
        }
    }
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiKeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

impl ApiKeyLocation {
    /// Parses OpenAPI's `in` value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "header" => Some(Self::Header),
            "query" => Some(Self::Query),
            "cookie" => Some(Self::Cookie),
            _ => None,
        }
    }
}

/// OAuth2 settings: where the token goes and how it is refreshed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OAuth2Config {
    /// Header carrying the access token. Default `Authorization`.
    pub header: String,
    /// Prefix of the header value. Default `Bearer`; empty for none.
    pub prefix: String,
    /// Token endpoint used to refresh, a `{{ var }}` template over the
    /// connector's config values and `client_id`. `None`: no refresh.
    pub refresh_url: Option<String>,
    /// How the client id and secret are sent to the token endpoint.
    pub client_auth: ClientAuthStyle,
    /// How the token request body is encoded.
    pub body_format: TokenBodyFormat,
    /// Which grant obtains new tokens.
    pub grant: OAuth2Grant,
    /// Token-response fields copied into the connector's config values
    /// (e.g. Salesforce's `instance_url`).
    pub token_extract: Vec<String>,
}

impl Default for OAuth2Config {
    fn default() -> Self {
        Self {
            header: "Authorization".into(),
            prefix: "Bearer".into(),
            refresh_url: None,
            client_auth: ClientAuthStyle::Body,
            body_format: TokenBodyFormat::Form,
            grant: OAuth2Grant::RefreshToken,
            token_extract: Vec::new(),
        }
    }
}

impl OAuth2Config {
    /// Sets the token endpoint.
    pub fn with_refresh_url(mut self, url: impl Into<String>) -> Self {
        self.refresh_url = Some(url.into());
        self
    }
}

/// How client credentials reach the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuthStyle {
    /// `client_id` and `client_secret` fields in the body (the default).
    #[default]
    Body,
    /// `Authorization: Basic base64(client_id:client_secret)`.
    Basic,
    /// Not sent (public clients).
    None,
}

impl ClientAuthStyle {
    /// Parses `x-airbyte-token-refresh.auth_style`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "body" => Some(Self::Body),
            "basic" => Some(Self::Basic),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// Encoding of the token request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenBodyFormat {
    /// `application/x-www-form-urlencoded` (the default).
    #[default]
    Form,
    /// `application/json`.
    Json,
}

impl TokenBodyFormat {
    /// Parses `x-airbyte-token-refresh.body_format`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "form" => Some(Self::Form),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

/// The grant that obtains new access tokens.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OAuth2Grant {
    /// `grant_type=refresh_token` with the stored refresh token.
    #[default]
    RefreshToken,
    /// RFC 7523 `jwt-bearer`: an RS256 assertion signed with the
    /// service-account key in `credentials_json` (`client_email`,
    /// `private_key`), valid one hour, addressed to the token endpoint.
    JwtBearer {
        /// Scopes of the assertion.
        scopes: Vec<String>,
    },
}

/// How user-facing credential fields map onto a scheme's fields
/// (`x-airbyte-auth-config`).
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct CredentialMapping {
    /// User-facing field names, in definition order.
    pub fields: Vec<String>,
    /// Required user-facing fields. `None`: every referenced field is required.
    pub required: Option<Vec<String>>,
    /// Scheme field and its `${field}` template (constants allowed). Empty:
    /// credentials are passed through unchanged.
    pub mapping: Vec<(String, String)>,
}

impl CredentialMapping {
    /// A mapping from explicit parts.
    pub fn new(
        fields: Vec<String>,
        required: Option<Vec<String>>,
        mapping: Vec<(String, String)>,
    ) -> Self {
        Self {
            fields,
            required,
            mapping,
        }
    }

    /// The reference's default when a definition has no `x-airbyte-auth-config`:
    /// each scheme field maps from a user field of the same name.
    pub fn default_for(kind: &SchemeKind) -> Self {
        let scheme_fields = match kind {
            // The service-account key is never mapped by default.
            SchemeKind::OAuth2(_) => &kind.scheme_fields()[..4],
            _ => kind.scheme_fields(),
        };
        let fields: Vec<String> = scheme_fields.iter().map(|f| f.to_string()).collect();
        let required = match kind {
            // Either an access token or a refresh token will do.
            SchemeKind::OAuth2(_) => Some(Vec::new()),
            _ => Some(fields.clone()),
        };
        let mapping = fields
            .iter()
            .map(|f| (f.clone(), format!("${{{f}}}")))
            .collect();
        Self {
            fields,
            required,
            mapping,
        }
    }

    /// The required user-facing fields (empty when none are).
    pub fn required_fields(&self) -> &[String] {
        self.required.as_deref().unwrap_or_default()
    }

    /// Applies the mapping. A template naming a missing field is an error when
    /// that field is required, and is skipped otherwise.
    pub fn apply(&self, scheme: &str, user: &Credentials) -> Result<Credentials> {
        if self.mapping.is_empty() {
            return Ok(user.clone());
        }
        let values = user.exposed_map();
        let mut out = Credentials::new();
        for (target, template) in &self.mapping {
            match apply_dollar(template, &values) {
                Ok(v) => out.insert(target.clone(), v),
                Err(MissingVariable(name)) => {
                    let optional = self
                        .required
                        .as_ref()
                        .is_some_and(|req| !req.contains(&name));
                    if !optional {
                        return Err(missing_field(scheme, &name, user));
                    }
                }
            }
        }
        Ok(out)
    }
}

fn missing_field(scheme: &str, field: &str, user: &Credentials) -> Error {
    let given: Vec<&str> = user.names().collect();
    Error::invalid_argument(
        "credentials",
        format!(
            "auth scheme `{scheme}` needs the credential `{field}`; given: [{}]",
            given.join(", ")
        ),
    )
}

/// Every scheme of a connector, in definition order, with the reference's
/// selection rules.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct AuthOptions {
    /// The schemes.
    pub schemes: Vec<AuthScheme>,
}

impl AuthOptions {
    /// Options from schemes.
    pub fn new(schemes: Vec<AuthScheme>) -> Self {
        Self { schemes }
    }

    /// Picks the scheme to use for `credentials`.
    ///
    /// - An explicit `scheme` name must exist.
    /// - A connector with one scheme uses it.
    /// - Otherwise the scheme is inferred: a scheme matches when every one of
    ///   its required fields is among the given credential names (a scheme
    ///   with no required field matches anything); exactly one must match.
    pub fn select(&self, credentials: &Credentials, scheme: Option<&str>) -> Result<&AuthScheme> {
        let names = || {
            self.schemes
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(wanted) = scheme {
            return self
                .schemes
                .iter()
                .find(|s| s.name == wanted)
                .ok_or_else(|| {
                    Error::invalid_argument(
                        "auth_scheme",
                        format!("unknown auth scheme `{wanted}`; available: {}", names()),
                    )
                });
        }
        match self.schemes.as_slice() {
            [] => Err(Error::invalid_argument(
                "auth_scheme",
                "the connector defines no auth scheme",
            )),
            [only] => Ok(only),
            all => {
                let given: BTreeSet<&str> = credentials.names().collect();
                let matching: Vec<&AuthScheme> = all
                    .iter()
                    .filter(|s| {
                        s.credentials
                            .required_fields()
                            .iter()
                            .all(|f| given.contains(f.as_str()))
                    })
                    .collect();
                match matching.as_slice() {
                    [one] => Ok(*one),
                    [] => {
                        let needs: BTreeMap<&str, String> = all
                            .iter()
                            .map(|s| (s.name.as_str(), s.credentials.required_fields().join(", ")))
                            .collect();
                        let needs: Vec<String> = needs
                            .iter()
                            .map(|(k, v)| format!("{k} needs [{v}]"))
                            .collect();
                        Err(Error::invalid_argument(
                            "credentials",
                            format!(
                                "no auth scheme matches the given credentials [{}]: {}",
                                given.into_iter().collect::<Vec<_>>().join(", "),
                                needs.join("; ")
                            ),
                        ))
                    }
                    several => Err(Error::invalid_argument(
                        "auth_scheme",
                        format!(
                            "several auth schemes match the given credentials ({}); pass the scheme name",
                            several
                                .iter()
                                .map(|s| s.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic_zendesk() -> AuthScheme {
        AuthScheme::new("zendeskAPIToken", SchemeKind::Basic).with_credentials(
            CredentialMapping::new(
                vec!["email".into(), "api_token".into()],
                Some(vec!["email".into(), "api_token".into()]),
                vec![
                    ("username".into(), "${email}/token".into()),
                    ("password".into(), "${api_token}".into()),
                ],
            ),
        )
    }

    fn oauth_zendesk() -> AuthScheme {
        AuthScheme::new("zendeskOAuth", SchemeKind::OAuth2(OAuth2Config::default()))
            .with_credentials(CredentialMapping::new(
                vec!["access_token".into(), "refresh_token".into()],
                Some(vec!["access_token".into()]),
                vec![
                    ("access_token".into(), "${access_token}".into()),
                    ("refresh_token".into(), "${refresh_token}".into()),
                ],
            ))
    }

    #[test]
    fn mapping_applies_templates_and_skips_optional() {
        let user = Credentials::new()
            .with("email", "me@x.io")
            .with("api_token", "t0k");
        let s = basic_zendesk().scheme_secrets(&user).unwrap();
        assert_eq!(s.expose("username"), Some("me@x.io/token"));
        assert_eq!(s.expose("password"), Some("t0k"));

        let s = oauth_zendesk()
            .scheme_secrets(&Credentials::new().with("access_token", "a"))
            .unwrap();
        assert_eq!(s.expose("access_token"), Some("a"));
        assert!(!s.contains("refresh_token"));

        let err = basic_zendesk()
            .scheme_secrets(&Credentials::new().with("email", "me@x.io"))
            .unwrap_err();
        assert!(err.to_string().contains("`api_token`"), "{err}");
    }

    #[test]
    fn header_only_fields_pass_through() {
        let scheme = AuthScheme::new("bearer", SchemeKind::bearer())
            .with_credentials(CredentialMapping::new(
                vec!["token".into(), "account_id".into()],
                Some(vec!["token".into(), "account_id".into()]),
                vec![("token".into(), "${token}".into())],
            ))
            .with_additional_header("Harvest-Account-Id", "{{ account_id }}");
        let s = scheme
            .scheme_secrets(
                &Credentials::new()
                    .with("token", "t")
                    .with("account_id", "42"),
            )
            .unwrap();
        assert_eq!(s.expose("account_id"), Some("42"));
        assert_eq!(s.expose("token"), Some("t"));
    }

    #[test]
    fn selection_rules() {
        let opts = AuthOptions::new(vec![oauth_zendesk(), basic_zendesk()]);
        let basic = Credentials::new().with("email", "e").with("api_token", "t");
        assert_eq!(opts.select(&basic, None).unwrap().name, "zendeskAPIToken");
        let oauth = Credentials::new().with("access_token", "a");
        assert_eq!(opts.select(&oauth, None).unwrap().name, "zendeskOAuth");
        let both = Credentials::new()
            .with("access_token", "a")
            .with("email", "e")
            .with("api_token", "t");
        let err = opts.select(&both, None).unwrap_err();
        assert!(err.to_string().contains("several auth schemes"), "{err}");
        assert_eq!(
            opts.select(&both, Some("zendeskOAuth")).unwrap().name,
            "zendeskOAuth"
        );
        let err = opts.select(&Credentials::new(), None).unwrap_err();
        assert!(
            err.to_string()
                .contains("zendeskAPIToken needs [email, api_token]"),
            "{err}"
        );
        assert!(opts.select(&both, Some("nope")).is_err());
        // A single scheme is used without inference.
        let single = AuthOptions::new(vec![basic_zendesk()]);
        assert!(single.select(&Credentials::new(), None).is_ok());
    }
}
