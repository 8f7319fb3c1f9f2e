//! Security schemes, `x-airbyte-auth-config`, and the auth options derived
//! from them.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use super::Extensions;

/// One entry of `components.securitySchemes`, with its Airbyte extensions.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SecurityScheme {
    /// The key in `components.securitySchemes`, e.g. `oauth2`, `githubPAT`.
    pub name: String,
    /// The scheme type and its standard fields.
    pub kind: SchemeKind,
    /// `description`.
    pub description: Option<String>,
    /// `x-airbyte-auth-config`: the credential fields users supply and how
    /// they map to the scheme's parameters.
    pub auth_config: Option<AuthConfigSpec>,
    /// `x-airbyte-token-refresh` (OAuth2): how to refresh the access token.
    pub token_refresh: Option<TokenRefresh>,
    /// `x-airbyte-token-extract` (OAuth2): fields of the token response that
    /// become server variables (e.g. Salesforce's `instance_url`).
    pub token_extract: Vec<String>,
    /// `x-airbyte-token-path`: JSON path of the token in the auth response.
    pub token_path: Option<String>,
    /// `x-airbyte-oauth-credentials`: the OAuth app credentials an
    /// organization may supply instead of Airbyte's.
    pub oauth_credentials: Option<OAuthCredentialsSpec>,
    /// `x-airbyte-untested`.
    pub untested: bool,
    /// Other extensions on the scheme node, raw.
    pub extensions: Extensions,
}

/// The OpenAPI security scheme type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum SchemeKind {
    /// `type: apiKey`.
    ApiKey {
        /// Header, query parameter or cookie name.
        name: String,
        /// Where the key goes.
        location: ApiKeyLocation,
    },
    /// `type: http`.
    Http {
        /// `scheme`, lower-cased (`bearer`, `basic`, …).
        scheme: String,
        /// `bearerFormat`.
        bearer_format: Option<String>,
    },
    /// `type: oauth2`.
    #[serde(rename = "oauth2")]
    OAuth2 {
        /// `flows` (boxed: much larger than the other variants).
        flows: Box<OAuthFlows>,
    },
    /// `type: openIdConnect`.
    OpenIdConnect {
        /// `openIdConnectUrl`.
        url: String,
    },
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// OAuth2 flows of a scheme.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OAuthFlows {
    /// `authorizationCode`.
    pub authorization_code: Option<OAuthFlow>,
    /// `clientCredentials`.
    pub client_credentials: Option<OAuthFlow>,
    /// `password`.
    pub password: Option<OAuthFlow>,
    /// `implicit`.
    pub implicit: Option<OAuthFlow>,
}

impl OAuthFlows {
    /// The flow the engine uses: authorization code, else client
    /// credentials, else password, else implicit (the reference's order).
    pub fn preferred(&self) -> Option<&OAuthFlow> {
        self.authorization_code
            .as_ref()
            .or(self.client_credentials.as_ref())
            .or(self.password.as_ref())
            .or(self.implicit.as_ref())
    }
}

/// One OAuth2 flow.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OAuthFlow {
    /// `authorizationUrl`.
    pub authorization_url: Option<String>,
    /// `tokenUrl`.
    pub token_url: Option<String>,
    /// `refreshUrl`.
    pub refresh_url: Option<String>,
    /// Scope → description.
    pub scopes: IndexMap<String, String>,
}

/// `x-airbyte-token-refresh`: OAuth2 refresh behaviour.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TokenRefresh {
    /// `auth_style`: how client credentials are sent to the token endpoint
    /// (`body` = in the form/JSON body, `basic` = HTTP basic header).
    pub auth_style: Option<String>,
    /// `body_format`: `form` or `json` encoding of the refresh request.
    pub body_format: Option<String>,
    /// `header`: header carrying the access token (default `Authorization`).
    pub header: Option<String>,
    /// `prefix`: token prefix in that header (default `Bearer`; may be empty).
    pub prefix: Option<String>,
    /// `grant_type`: `refresh_token` (default) or `jwt_bearer`.
    pub grant_type: Option<GrantType>,
    /// Any other keys, raw.
    pub extra: IndexMap<String, Value>,
}

/// The OAuth2 grant used to obtain new access tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// The standard refresh-token grant.
    RefreshToken,
    /// A signed JWT assertion (service accounts); needs the flow's scopes.
    JwtBearer,
}

/// `x-airbyte-auth-config`: the user-facing credential form of a scheme.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AuthConfigSpec {
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// Names of the fields the user must supply.
    pub required: Vec<String>,
    /// The fields, in order.
    pub properties: IndexMap<String, AuthField>,
    /// Scheme parameter (`token`, `username`, `password`, `api_key`,
    /// `access_token`, `refresh_token`, `client_id`, `client_secret`,
    /// `credentials_json`) → template over the fields, e.g. `${api_key}` or
    /// `${email}/token`.
    pub auth_mapping: IndexMap<String, String>,
    /// Extra headers sent with every request; values are `{{ field }}`
    /// templates over the fields.
    pub additional_headers: IndexMap<String, String>,
    /// Replication source config path → field name (platform use).
    pub replication_auth_key_mapping: IndexMap<String, String>,
    /// Constants injected into the replication source config (platform use).
    pub replication_auth_key_constants: IndexMap<String, Value>,
    /// `true` when the loader generated this spec because the scheme had
    /// none (the reference's defaults per auth type).
    pub generated: bool,
}

/// One credential field of an [`AuthConfigSpec`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AuthField {
    /// `string`, `integer`, `boolean` or `number`.
    pub field_type: String,
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `format`.
    pub format: Option<String>,
    /// `pattern`.
    pub pattern: Option<String>,
    /// `default`.
    pub default: Option<Value>,
    /// `airbyte_secret`: the value is a secret (never show or log it).
    pub secret: bool,
}

/// `x-airbyte-oauth-credentials`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OAuthCredentialsSpec {
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// Required field names.
    pub required: Vec<String>,
    /// The fields.
    pub properties: IndexMap<String, AuthField>,
}

/// How credentials are applied, as the engine sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthType {
    /// An API key in a header, query parameter or cookie.
    ApiKey,
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// HTTP basic.
    Basic,
    /// OAuth2 access token, refreshed as configured.
    #[serde(rename = "oauth2")]
    OAuth2,
}

/// One way to authenticate: a security scheme reduced to what the engine
/// needs. Built by the loader for every scheme (in declaration order), or a
/// default bearer option when the definition declares no scheme.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct AuthOption {
    /// The scheme key (`"default"` for the generated bearer option).
    pub scheme_name: String,
    /// How credentials are applied.
    pub auth_type: AuthType,
    /// API key and bearer/OAuth2: the header (or query/cookie name for API
    /// keys) carrying the credential. Bearer: `Authorization`; OAuth2:
    /// `Authorization` unless `x-airbyte-token-refresh.header` says otherwise.
    pub header: Option<String>,
    /// Bearer/OAuth2: the token prefix (`Bearer`, or the refresh config's
    /// `prefix`, possibly empty).
    pub prefix: Option<String>,
    /// API key: where it goes.
    pub api_key_location: Option<ApiKeyLocation>,
    /// OAuth2: the preferred flow's `refreshUrl` (the reference does not
    /// fall back to `tokenUrl`; see the flow for it).
    pub refresh_url: Option<String>,
    /// OAuth2: the preferred flow's `tokenUrl`.
    pub token_url: Option<String>,
    /// OAuth2: refresh behaviour.
    pub token_refresh: Option<TokenRefresh>,
    /// OAuth2 `jwt_bearer`: the scopes claimed (the preferred flow's scopes).
    pub scopes: Vec<String>,
    /// OAuth2: token response fields that become server variables.
    pub token_extract: Vec<String>,
    /// Headers added to every request (`additional_headers` templates).
    pub additional_headers: IndexMap<String, String>,
    /// The credential form and mapping: the scheme's explicit
    /// `x-airbyte-auth-config`, or the default for the auth type.
    pub user_config: AuthConfigSpec,
    /// `x-airbyte-untested` on the scheme.
    pub untested: bool,
}
