//! The `x-airbyte-*` extensions: typed connector-level settings and the
//! registry of every extension the loader knows.
//!
//! Extensions that change a request, a result, auth or `check` are mapped to
//! typed model fields (see [`KNOWN_EXTENSIONS`] for where each lands).
//! Informational ones (docs, AI hints, context store, replication settings)
//! are kept raw in the `extensions` maps of the model. Anything else is
//! unknown: kept raw too, and reported by [`lint`](crate::definition::lint()).

use serde::Serialize;
use serde_json::Value;

/// `x-airbyte-retry-config` (on `info`): retry policy for transient errors.
///
/// `Default` gives the engine defaults used when a definition has none.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Total attempts including the first (1 disables retries).
    pub max_attempts: u32,
    /// First backoff delay, seconds.
    pub initial_delay_seconds: f64,
    /// Upper bound of one delay, seconds.
    pub max_delay_seconds: f64,
    /// Backoff multiplier.
    pub exponential_base: f64,
    /// Randomize delays.
    pub jitter: bool,
    /// Statuses that are retried.
    pub retry_on_status_codes: Vec<u16>,
    /// Retry on timeouts.
    pub retry_on_timeout: bool,
    /// Retry on connection errors.
    pub retry_on_network_error: bool,
    /// Header carrying the server's requested delay.
    pub retry_after_header: String,
    /// How to read that header.
    pub retry_after_format: RetryAfterFormat,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_delay_seconds: 1.0,
            max_delay_seconds: 60.0,
            exponential_base: 2.0,
            jitter: true,
            retry_on_status_codes: vec![429, 500, 502, 503, 504],
            retry_on_timeout: true,
            retry_on_network_error: true,
            retry_after_header: "Retry-After".to_string(),
            retry_after_format: RetryAfterFormat::Seconds,
        }
    }
}

/// Format of the retry-after header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryAfterFormat {
    /// Delay in seconds (an HTTP date is also accepted by the engine).
    Seconds,
    /// Delay in milliseconds.
    Milliseconds,
    /// Absolute Unix time (seconds) when to retry.
    UnixTimestamp,
}

/// `x-airbyte-response-error-check` (on `info`): an API that reports errors
/// with HTTP 200 (e.g. Slack's `{"ok": false, "error": "…"}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ResponseErrorCheck {
    /// Top-level response field to inspect.
    pub field: String,
    /// The value of `field` that means failure.
    pub on_value: Value,
    /// Field holding the error message.
    pub message_field: Option<String>,
}

/// One `x-airbyte-scoping` entry (on `info`): a path parameter filled from
/// connector config unless the caller passes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ScopingParam {
    /// Path parameter name.
    pub param: String,
    /// Config key to read; defaults to `param` ([`ScopingParam::config_key`]).
    pub config_key: Option<String>,
    /// Jinja template rendered with `value`, `config`, `param`; a result of
    /// `none`/`null`/empty leaves the parameter unresolved.
    pub value_template: Option<String>,
}

impl ScopingParam {
    /// The config key to read.
    pub fn config_key(&self) -> &str {
        self.config_key.as_deref().unwrap_or(&self.param)
    }
}

/// `x-airbyte-runtime-mode` (on `info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuntimeMode {
    /// Direct API actions only.
    DirectOnly,
    /// Context Store search only.
    ContextStoreOnly,
    /// Both.
    DirectAndContextStore,
}

/// One `x-airbyte-entity-relationships` entry (on `info`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct EntityRelationship {
    /// Entity holding the foreign key.
    pub source_entity: String,
    /// Entity referenced.
    pub target_entity: String,
    /// Field of the source entity.
    pub foreign_key: String,
    /// Field of the target entity (default `id`).
    pub target_key: String,
    /// `one_to_one`, `one_to_many`, `many_to_one` or `many_to_many`.
    pub cardinality: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// `parent_record_filter`, raw.
    pub parent_record_filter: Option<Value>,
}

/// What an extension affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionEffect {
    /// Identity of the connector, entities or actions.
    Identity,
    /// Changes the HTTP request.
    Request,
    /// Changes the returned result.
    Result,
    /// Changes authentication.
    Auth,
    /// Changes which operation `check` runs or how probes run.
    Check,
    /// Documentation, AI guidance, platform or replication settings: no
    /// effect on execution. Kept raw.
    Informational,
}

/// A known `x-airbyte-*` extension.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct KnownExtension {
    /// Full name, e.g. `x-airbyte-record-extractor`.
    pub name: &'static str,
    /// Where it appears.
    pub location: &'static str,
    /// What it affects.
    pub effect: ExtensionEffect,
    /// The model field it maps to (`raw` = kept in an `extensions` map).
    pub maps_to: &'static str,
}

const fn ext(
    name: &'static str,
    location: &'static str,
    effect: ExtensionEffect,
    maps_to: &'static str,
) -> KnownExtension {
    KnownExtension {
        name,
        location,
        effect,
        maps_to,
    }
}

use ExtensionEffect::{Auth, Check, Identity, Informational, Request, Result as Res};

/// Every extension the loader understands, with where it lands.
pub const KNOWN_EXTENSIONS: &[KnownExtension] = &[
    // info
    ext(
        "x-airbyte-connector-name",
        "info",
        Identity,
        "ConnectorDefinition::name",
    ),
    ext(
        "x-airbyte-connector-display-name",
        "info",
        Identity,
        "ConnectorDefinition::display_name",
    ),
    ext(
        "x-airbyte-connector-definition-id",
        "info",
        Identity,
        "ConnectorDefinition::definition_id",
    ),
    ext(
        "x-airbyte-retry-config",
        "info",
        Request,
        "ConnectorDefinition::retry",
    ),
    ext(
        "x-airbyte-response-error-check",
        "info",
        Res,
        "ConnectorDefinition::response_error_check",
    ),
    ext(
        "x-airbyte-scoping",
        "info",
        Request,
        "ConnectorDefinition::scoping",
    ),
    ext(
        "x-airbyte-runtime-mode",
        "info",
        Identity,
        "ConnectorDefinition::runtime_mode",
    ),
    ext(
        "x-airbyte-entity-relationships",
        "info",
        Informational,
        "ConnectorDefinition::relationships",
    ),
    ext(
        "x-airbyte-external-documentation-urls",
        "info",
        Informational,
        "raw",
    ),
    ext("x-airbyte-example-questions", "info", Informational, "raw"),
    ext("x-airbyte-auth-tooltip", "info", Informational, "raw"),
    ext("x-airbyte-context-store", "info", Informational, "raw"),
    ext(
        "x-airbyte-replication-config",
        "info",
        Check,
        "raw; its replication_config_constants feed probe-default templates (ConnectorDefinition::replication_config_constants)",
    ),
    ext(
        "x-airbyte-replication-version",
        "info",
        Informational,
        "raw",
    ),
    ext(
        "x-airbyte-replication-compatibility",
        "info",
        Informational,
        "raw",
    ),
    ext(
        "x-airbyte-skip-suggested-streams",
        "info",
        Informational,
        "raw",
    ),
    ext("x-airbyte-skip-auth-methods", "info", Informational, "raw"),
    ext("x-airbyte-skip-context-store", "info", Informational, "raw"),
    ext(
        "x-airbyte-skip-manifest-validation",
        "info",
        Informational,
        "raw",
    ),
    ext("x-airbyte-qualification", "info", Informational, "raw"),
    ext(
        "x-airbyte-platform-availability",
        "info",
        Informational,
        "raw",
    ),
    ext("x-airbyte-direct-form", "info", Informational, "raw"),
    ext(
        "x-airbyte-config-normalization",
        "info",
        Informational,
        "raw (platform-side config rewriting; the reference engine does not apply it)",
    ),
    // context store internals (nested under x-airbyte-context-store)
    ext(
        "x-airbyte-name",
        "x-airbyte-context-store",
        Informational,
        "raw",
    ),
    ext(
        "x-airbyte-semantic-search",
        "x-airbyte-context-store",
        Informational,
        "raw",
    ),
    ext(
        "x-airbyte-enrichment",
        "x-airbyte-context-store",
        Informational,
        "raw",
    ),
    ext(
        "x-airbyte-text-references",
        "x-airbyte-context-store",
        Informational,
        "raw",
    ),
    ext(
        "x-airbyte-skip-searchable-fields",
        "x-airbyte-context-store",
        Informational,
        "raw",
    ),
    ext(
        "x-airbyte-dynamic-stream-name-field",
        "x-airbyte-replication-config",
        Informational,
        "raw",
    ),
    // servers
    ext(
        "x-airbyte-replication-environment-mapping",
        "server",
        Informational,
        "Server::extensions (raw)",
    ),
    ext(
        "x-airbyte-replication-environment-constants",
        "server",
        Informational,
        "Server::extensions (raw)",
    ),
    // operations
    ext(
        "x-airbyte-entity",
        "operation",
        Identity,
        "Operation::entity",
    ),
    ext(
        "x-airbyte-action",
        "operation",
        Identity,
        "Operation::action",
    ),
    ext(
        "x-airbyte-path-override",
        "operation",
        Request,
        "Operation::path_override",
    ),
    ext(
        "x-airbyte-record-extractor",
        "operation",
        Res,
        "Operation::record_extractor",
    ),
    ext(
        "x-airbyte-meta-extractor",
        "operation",
        Res,
        "Operation::meta_extractor",
    ),
    ext(
        "x-airbyte-record-transform",
        "operation",
        Res,
        "Operation::record_transform",
    ),
    ext(
        "x-airbyte-record-filter",
        "operation",
        Res,
        "Operation::record_filter",
    ),
    ext(
        "x-airbyte-file-url",
        "operation",
        Res,
        "Operation::file_url",
    ),
    ext(
        "x-airbyte-no-pagination",
        "operation",
        Res,
        "Operation::no_pagination",
    ),
    ext(
        "x-airbyte-preferred-for-check",
        "operation",
        Check,
        "Operation::preferred_for_check",
    ),
    ext(
        "x-airbyte-upload-file-param",
        "operation",
        Request,
        "Operation::upload_file_param",
    ),
    ext(
        "x-airbyte-param-sources",
        "operation",
        Informational,
        "Operation::param_sources",
    ),
    ext(
        "x-airbyte-untested",
        "operation, security scheme",
        Informational,
        "Operation::untested / SecurityScheme::untested",
    ),
    ext(
        "x-airbyte-untested-reason",
        "operation",
        Informational,
        "Operation::untested_reason",
    ),
    ext(
        "x-airbyte-ai-hints",
        "operation, schema",
        Informational,
        "Operation::ai_hints / Entity::ai_hints",
    ),
    // parameters and schemas
    ext(
        "x-airbyte-param-config-inject",
        "parameter",
        Request,
        "Parameter::config_inject",
    ),
    ext(
        "x-airbyte-probe-default",
        "parameter schema, body property",
        Check,
        "Parameter::probe_default / RequestBody::probe_defaults",
    ),
    ext(
        "x-airbyte-entity-name",
        "component schema",
        Identity,
        "Entity::schema",
    ),
    ext(
        "x-airbyte-stream-name",
        "component schema",
        Informational,
        "Entity::stream_name",
    ),
    // request bodies
    ext(
        "x-airbyte-body-type",
        "request body",
        Request,
        "RequestBody::graphql",
    ),
    ext(
        "x-airbyte-nullable-variables",
        "x-airbyte-body-type",
        Request,
        "GraphqlBody::nullable_variables",
    ),
    // security schemes
    ext(
        "x-airbyte-auth-config",
        "security scheme",
        Auth,
        "SecurityScheme::auth_config / AuthOption::user_config",
    ),
    ext(
        "x-airbyte-token-refresh",
        "security scheme",
        Auth,
        "SecurityScheme::token_refresh / AuthOption",
    ),
    ext(
        "x-airbyte-token-extract",
        "security scheme",
        Auth,
        "SecurityScheme::token_extract / AuthOption::token_extract",
    ),
    ext(
        "x-airbyte-token-path",
        "security scheme",
        Auth,
        "SecurityScheme::token_path",
    ),
    ext(
        "x-airbyte-oauth-credentials",
        "security scheme",
        Informational,
        "SecurityScheme::oauth_credentials",
    ),
    ext(
        "x-airbyte-oauth-scopes",
        "security scheme",
        Informational,
        "SecurityScheme::extensions (raw)",
    ),
];

/// The registry entry of an extension name, if it is known.
pub fn known_extension(name: &str) -> Option<&'static KnownExtension> {
    KNOWN_EXTENSIONS.iter().find(|e| e.name == name)
}
