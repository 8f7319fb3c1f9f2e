//! Entities, actions and the HTTP operations behind them.

use std::fmt;
use std::str::FromStr;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use super::{Extensions, LazySchema};

/// The semantic action of an operation (`x-airbyte-action`).
///
/// Serialized (and displayed) as its lower-case name, e.g. `list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Fetch one record by identifier.
    Get,
    /// Fetch many records, usually paginated.
    List,
    /// Create a record.
    Create,
    /// Update a record.
    Update,
    /// Delete a record.
    Delete,
    /// Search records through the vendor's search endpoint.
    Search,
    /// Download file content whose URL (or bytes) the operation returns.
    Download,
}

impl Action {
    /// Every action, in declaration order.
    pub const ALL: [Action; 7] = [
        Action::Get,
        Action::List,
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Search,
        Action::Download,
    ];

    /// The lower-case name used in definitions and by callers.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Get => "get",
            Action::List => "list",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Search => "search",
            Action::Download => "download",
        }
    }

    /// Parses an action name, accepting the deprecated alias `api_search`
    /// (for `search`) that older definitions and callers still use.
    pub fn parse(name: &str) -> Option<Action> {
        match name {
            "api_search" => Some(Action::Search),
            other => Action::ALL.into_iter().find(|a| a.as_str() == other),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::parse(s).ok_or_else(|| {
            format!(
                "unknown action `{s}`; expected one of {}",
                Action::ALL.map(Action::as_str).join(", ")
            )
        })
    }
}

/// HTTP method of an operation.
///
/// Only the methods the engine executes are modelled; `head`, `options` and
/// `trace` operations are ignored by the loader and reported by `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl HttpMethod {
    /// The order in which the loader visits the methods of one path item.
    /// It decides which operation wins when two share an entity and action,
    /// and the order of entities and actions (the reference uses the same).
    pub const LOAD_ORDER: [HttpMethod; 5] = [
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Delete,
        HttpMethod::Patch,
    ];

    /// Upper-case name, e.g. `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// The lower-case key used in an OpenAPI path item, e.g. `get`.
    pub fn openapi_key(self) -> &'static str {
        match self {
            HttpMethod::Get => "get",
            HttpMethod::Post => "post",
            HttpMethod::Put => "put",
            HttpMethod::Patch => "patch",
            HttpMethod::Delete => "delete",
        }
    }

    /// Whether repeating the request is safe (used by retry policies).
    pub fn is_idempotent(self) -> bool {
        !matches!(self, HttpMethod::Post | HttpMethod::Patch)
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An entity (`x-airbyte-entity`): a kind of record with its actions.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Entity {
    /// Entity name as callers use it, e.g. `customers`.
    pub name: String,
    /// Operations by action, in the order the definition declares them.
    ///
    /// One operation per action: when a definition declares the same
    /// entity/action twice, the later declaration replaces the earlier one
    /// (keeping the first one's position) and `lint` reports it.
    pub operations: IndexMap<Action, Operation>,
    /// Declarations replaced by a later declaration of the same action
    /// (never executed; `lint` reports them). Upstream example: zendesk-support
    /// declares `ticket_audits.list` twice.
    pub shadowed: Vec<Operation>,
    /// See [`Entity::schema`].
    pub(crate) schema: Option<LazySchema>,
    /// Name of the component schema [`Entity::schema`] came from.
    pub schema_name: Option<String>,
    /// Airbyte replication stream name (`x-airbyte-stream-name` on that schema).
    pub stream_name: Option<String>,
    /// Guidance for LLMs (`x-airbyte-ai-hints` on that schema), kept raw.
    pub ai_hints: Option<Value>,
}

impl Entity {
    /// The record schema from `components.schemas`: the schema whose
    /// `x-airbyte-entity-name` equals the entity name, else the first schema
    /// whose name equals the entity name case-insensitively, `$ref`s
    /// inlined on first read.
    pub fn schema(&self) -> Option<&Value> {
        self.schema.as_ref().map(LazySchema::get)
    }

    /// The same schema, not yet inlined: where it is in the document and
    /// whether it has been read.
    pub fn lazy_schema(&self) -> Option<&LazySchema> {
        self.schema.as_ref()
    }

    /// The operation implementing `action`, if the entity supports it.
    pub fn action(&self, action: Action) -> Option<&Operation> {
        self.operations.get(&action)
    }

    /// The operation for an action given by name (`list`, `api_search`, …).
    pub fn action_named(&self, name: &str) -> Option<&Operation> {
        Action::parse(name).and_then(|a| self.action(a))
    }

    /// The supported actions, in declaration order.
    pub fn actions(&self) -> impl Iterator<Item = Action> + '_ {
        self.operations.keys().copied()
    }

    /// The supported action names, in declaration order (for error messages).
    pub fn action_names(&self) -> Vec<String> {
        self.actions().map(|a| a.as_str().to_string()).collect()
    }
}

/// One HTTP operation of the vendor API, with every Airbyte extension that
/// changes the request sent or the result returned.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Operation {
    /// Entity name (`x-airbyte-entity`).
    pub entity: String,
    /// Action (`x-airbyte-action`).
    pub action: Action,
    /// The action as spelled in the definition: usually `action.as_str()`,
    /// but 0.1.47-era definitions spell `search` as `api_search` (the name
    /// the 0.1.47 hosted API expects).
    pub declared_action: String,
    /// HTTP method.
    pub method: HttpMethod,
    /// The OpenAPI path key, e.g. `/v1/customers/{id}`. It may carry a
    /// suffix that only makes it unique (`/graphql:issues`); the path to
    /// request is [`Operation::request_path`].
    pub path: String,
    /// `x-airbyte-path-override.path`: the path actually requested when the
    /// OpenAPI key differs from the real endpoint (e.g. several GraphQL
    /// operations sharing `/graphql`).
    pub path_override: Option<String>,
    /// JSON pointer of the operation node in the definition, e.g.
    /// `/paths/~1v1~1customers/get` (for diagnostics).
    pub pointer: String,
    /// `operationId`.
    pub operation_id: Option<String>,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// Parameters: path-item level ones merged with operation level ones
    /// (an operation parameter replaces a path-item parameter with the same
    /// name and location), in declaration order. Path parameters are always
    /// required.
    pub parameters: Vec<Parameter>,
    /// The request body, when the operation declares one.
    pub request_body: Option<RequestBody>,
    /// Success response information.
    pub response: ResponseInfo,
    /// `x-airbyte-record-extractor`: JSONPath selecting the records (list
    /// and search) or the record (other actions) in the response body.
    /// Without it the whole body is the result.
    pub record_extractor: Option<String>,
    /// `x-airbyte-meta-extractor`: output field name → source expression
    /// (cursors, totals, next links...), in declared order. The values become
    /// `ExecutionResult::meta`. Expressions are a JSONPath into the body
    /// (`$.next_cursor`), `@link.<rel>` (a URL from the RFC 8288 `Link`
    /// header) or `@header.<name>` (a raw response header); see
    /// [`Operation::meta_sources`].
    pub meta_extractor: IndexMap<String, String>,
    /// `x-airbyte-record-transform`: output field → Jinja template rendered
    /// per extracted record (`record`, `config` in scope). Runs after the
    /// record extractor and before the record filter; primitive records are
    /// wrapped as `{"value": …}` first.
    pub record_transform: IndexMap<String, String>,
    /// `x-airbyte-record-filter`: Jinja expression per record; records for
    /// which it renders truthy are kept. Runs after the transform.
    pub record_filter: Option<String>,
    /// `x-airbyte-file-url` (download actions only): dot/bracket field path
    /// (not JSONPath), e.g. `calls[0].media.audioUrl` or
    /// `attachments[{attachment_index}].url`, naming the field of the
    /// metadata response that holds the file URL.
    pub file_url: Option<String>,
    /// `x-airbyte-no-pagination`: the justification given when a list
    /// operation does not paginate. `Some` means "one page only".
    pub no_pagination: Option<String>,
    /// `x-airbyte-preferred-for-check`: use this operation for `check`.
    pub preferred_for_check: bool,
    /// `x-airbyte-upload-file-param`: parameter holding base64 file content
    /// for a `multipart/related` upload (JSON metadata part + file part).
    pub upload_file_param: Option<String>,
    /// `x-airbyte-param-sources`: parameter name → the parent entity whose
    /// records supply its values (used to enumerate child resources).
    pub param_sources: IndexMap<String, ParamSource>,
    /// `x-airbyte-untested`: the operation has no recorded test cassettes.
    pub untested: bool,
    /// `x-airbyte-untested-reason`.
    pub untested_reason: Option<String>,
    /// Operation-level `security` requirements, when declared. (The
    /// reference engine ignores them and authenticates every operation with
    /// the selected auth option.)
    pub security: Option<Vec<SecurityRequirement>>,
    /// `x-airbyte-ai-hints`, kept raw.
    pub ai_hints: Option<Value>,
    /// Every other extension on the operation node, raw (see
    /// `definition::extensions` for which are known).
    pub extensions: Extensions,
}

impl Operation {
    /// The path to request: the path override when present, else the
    /// OpenAPI path key.
    pub fn request_path(&self) -> &str {
        self.path_override.as_deref().unwrap_or(&self.path)
    }

    /// The parameter with this name in this location.
    pub fn parameter(&self, name: &str, location: ParamLocation) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.name == name && p.location == location)
    }

    /// The parameters in one location, in declaration order.
    pub fn parameters_in(&self, location: ParamLocation) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(move |p| p.location == location)
    }

    /// Whether the operation needs a caller-supplied value before it can run:
    /// it has a path parameter, or a required query parameter with no default
    /// and no `x-airbyte-param-config-inject` rule. (The check operation
    /// fallback skips such operations.)
    pub fn has_required_params(&self) -> bool {
        self.parameters.iter().any(|p| match p.location {
            ParamLocation::Path => true,
            ParamLocation::Query => p.required && p.default.is_none() && p.config_inject.is_none(),
            _ => false,
        })
    }

    /// The meta extractor entries, parsed.
    pub fn meta_sources(&self) -> impl Iterator<Item = (&str, MetaSource<'_>)> {
        self.meta_extractor
            .iter()
            .map(|(name, expr)| (name.as_str(), MetaSource::parse(expr)))
    }

    /// The GraphQL body template, when the body is GraphQL.
    pub fn graphql(&self) -> Option<&GraphqlBody> {
        self.request_body.as_ref().and_then(|b| b.graphql.as_ref())
    }
}

/// Where a meta extractor reads its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaSource<'a> {
    /// A JSONPath into the response body (`$.meta.next`). Anything that is
    /// not `@link.`/`@header.` is treated as a JSONPath.
    JsonPath(&'a str),
    /// `@link.<rel>`: the URL of that relation in the `Link` header.
    LinkHeader(&'a str),
    /// `@header.<name>`: the raw value of a response header.
    Header(&'a str),
}

impl<'a> MetaSource<'a> {
    /// Parses a meta extractor expression.
    pub fn parse(expr: &'a str) -> MetaSource<'a> {
        if let Some(rel) = expr.strip_prefix("@link.") {
            MetaSource::LinkHeader(rel)
        } else if let Some(name) = expr.strip_prefix("@header.") {
            MetaSource::Header(name)
        } else {
            MetaSource::JsonPath(expr)
        }
    }
}

/// One security requirement: scheme name → required scopes.
pub type SecurityRequirement = IndexMap<String, Vec<String>>;

/// Where a parameter goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamLocation {
    /// A `{name}` placeholder in the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

impl ParamLocation {
    /// The OpenAPI `in` value.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

impl fmt::Display for ParamLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// OpenAPI parameter serialization style.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ParamStyle {
    /// `form` (query/cookie default): `a=1&a=2` exploded, `a=1,2` not.
    Form,
    /// `simple` (path/header default): `1,2`.
    Simple,
    /// `matrix`: `;a=1,2`.
    Matrix,
    /// `label`: `.1.2`.
    Label,
    /// `spaceDelimited`: `a=1%202`.
    SpaceDelimited,
    /// `pipeDelimited`: `a=1|2`.
    PipeDelimited,
    /// `deepObject`: `a[key]=value`.
    DeepObject,
}

impl ParamStyle {
    /// Parses the OpenAPI name of a style.
    pub fn parse(name: &str) -> Option<ParamStyle> {
        Some(match name {
            "form" => ParamStyle::Form,
            "simple" => ParamStyle::Simple,
            "matrix" => ParamStyle::Matrix,
            "label" => ParamStyle::Label,
            "spaceDelimited" => ParamStyle::SpaceDelimited,
            "pipeDelimited" => ParamStyle::PipeDelimited,
            "deepObject" => ParamStyle::DeepObject,
            _ => return None,
        })
    }
}

/// One operation parameter.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Parameter {
    /// Name as sent (and as callers pass it).
    pub name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Whether the caller must supply it (always true for path parameters).
    pub required: bool,
    /// The JSON schema, `$ref`s resolved (empty object when absent).
    pub schema: Value,
    /// `schema.type` when it is a single string (`"string"`, `"integer"`,
    /// `"array"`…). The reference treats a missing type as `string`; see
    /// [`Parameter::type_name`].
    pub schema_type: Option<String>,
    /// `schema.default`.
    pub default: Option<Value>,
    /// `schema.enum`: the allowed values.
    pub enum_values: Option<Vec<Value>>,
    /// Declared `style`, if any (see [`Parameter::effective_style`]).
    pub style: Option<ParamStyle>,
    /// Declared `explode`, if any (see [`Parameter::effective_explode`]).
    pub explode: Option<bool>,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// `allowEmptyValue`.
    pub allow_empty_value: bool,
    /// `example`, raw.
    pub example: Option<Value>,
    /// `x-airbyte-param-config-inject`: fill the parameter from connector
    /// config when the caller omits it.
    pub config_inject: Option<ConfigInject>,
    /// `x-airbyte-probe-default` on the schema: a value used only by
    /// readiness probes and checks, never by normal calls. Strings may be
    /// Jinja templates (e.g. dates relative to now).
    pub probe_default: Option<Value>,
    /// Other extensions on the parameter node.
    pub extensions: Extensions,
}

impl Parameter {
    /// The schema type, defaulting to `string` as the reference does.
    pub fn type_name(&self) -> &str {
        self.schema_type.as_deref().unwrap_or("string")
    }

    /// The style in effect: the declared one, else `form` for query and
    /// cookie parameters and `simple` for path and header parameters.
    pub fn effective_style(&self) -> ParamStyle {
        self.style.clone().unwrap_or(match self.location {
            ParamLocation::Query | ParamLocation::Cookie => ParamStyle::Form,
            ParamLocation::Path | ParamLocation::Header => ParamStyle::Simple,
        })
    }

    /// The explode flag in effect: the declared one, else true exactly when
    /// the effective style is `form` (OpenAPI rule).
    pub fn effective_explode(&self) -> bool {
        self.explode
            .unwrap_or(self.effective_style() == ParamStyle::Form)
    }

    /// The allowed values as display strings (for `InvalidParameter`).
    pub fn allowed_values(&self) -> Vec<String> {
        self.enum_values
            .iter()
            .flatten()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    }
}

/// `x-airbyte-param-config-inject`: derive a parameter's value from a
/// connector config value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ConfigInject {
    /// Config key to read (e.g. `region`).
    pub source: String,
    /// Config value → parameter value. Empty means "use the config value as is".
    pub map: IndexMap<String, Value>,
}

/// One entry of `x-airbyte-param-sources`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ParamSource {
    /// Entity whose records provide the values.
    pub parent_entity: String,
    /// Field of the parent records holding the value.
    pub parent_key: String,
}

/// How the request body is encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BodyContentType {
    /// `application/json` (also used for GraphQL bodies and any content type
    /// not listed below, as the reference does).
    Json,
    /// `application/x-www-form-urlencoded`.
    FormUrlEncoded,
    /// `multipart/form-data`.
    MultipartFormData,
    /// `multipart/related` (JSON metadata + file upload).
    MultipartRelated,
}

impl BodyContentType {
    /// The MIME type.
    pub fn mime(&self) -> &'static str {
        match self {
            BodyContentType::Json => "application/json",
            BodyContentType::FormUrlEncoded => "application/x-www-form-urlencoded",
            BodyContentType::MultipartFormData => "multipart/form-data",
            BodyContentType::MultipartRelated => "multipart/related",
        }
    }
}

/// The request body of an operation.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RequestBody {
    /// `required`.
    pub required: bool,
    /// `description`.
    pub description: Option<String>,
    /// The encoding to use. Chosen like the reference: form-urlencoded if
    /// declared, else multipart/form-data, else multipart/related, else JSON.
    pub content_type: BodyContentType,
    /// Every declared media type with its (resolved) schema, in order.
    pub media_types: IndexMap<String, Option<Value>>,
    /// The body schema (`$ref`s resolved): the schema of the last declared
    /// media type, as in the reference. `None` for GraphQL bodies.
    pub schema: Option<Value>,
    /// Names of the top-level body fields callers may pass (from
    /// `properties`, or `items.properties` for array bodies).
    pub fields: Vec<String>,
    /// Body fields the schema marks `required` (of the items, for array
    /// bodies), in schema order.
    pub required_fields: Vec<String>,
    /// The schema accepts any field (`additionalProperties: true` without
    /// `properties`, or an array of untyped items): every parameter that is
    /// not a path/query/header parameter goes into the body.
    pub accepts_any_field: bool,
    /// The body is a JSON array: the built object is wrapped in a
    /// one-element array.
    pub is_array: bool,
    /// Field → `default` from the body schema; applied when the caller
    /// omits the field.
    pub defaults: IndexMap<String, Value>,
    /// Field → `x-airbyte-probe-default`; used only by probes/checks.
    pub probe_defaults: IndexMap<String, Value>,
    /// `x-airbyte-body-type` of type `graphql`: the body is built from this
    /// template instead of the schema (the reference then ignores the
    /// schema, fields and defaults).
    pub graphql: Option<GraphqlBody>,
    /// Other extensions on the request body node.
    pub extensions: Extensions,
}

/// A GraphQL request template (`x-airbyte-body-type: {type: graphql, …}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct GraphqlBody {
    /// Query or mutation text; may contain `{{ … }}` placeholders (e.g. the
    /// selected fields).
    pub query: String,
    /// Variables: name → template value (strings like `{{ param }}` are
    /// substituted from parameters), raw.
    pub variables: Option<serde_json::Map<String, Value>>,
    /// `operationName`.
    pub operation_name: Option<String>,
    /// `default_fields`: the selection used when the caller passes no
    /// `fields` parameter. A single string in the definition becomes a
    /// one-element list.
    pub default_fields: Option<DefaultFields>,
    /// `x-airbyte-nullable-variables`: variables that may be sent as an
    /// explicit `null` (e.g. to unassign).
    pub nullable_variables: Vec<String>,
}

/// `default_fields` of a GraphQL body: the definition gives either one
/// selection string or a list of field names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum DefaultFields {
    /// A ready-made selection set string.
    Text(String),
    /// Field names.
    List(Vec<String>),
}

/// What the definition says about successful responses.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct ResponseInfo {
    /// See [`ResponseInfo::schema`].
    pub(crate) schema: Option<LazySchema>,
    /// The operation declares a `204` response (no body expected).
    pub no_content: bool,
    /// Declared status codes, in order.
    pub status_codes: Vec<String>,
}

impl ResponseInfo {
    /// The `application/json` schema of the first of `200`/`201` that is
    /// declared (the reference stops at the first declared one even when it
    /// has no JSON content), `$ref`s inlined on first read.
    pub fn schema(&self) -> Option<&Value> {
        self.schema.as_ref().map(LazySchema::get)
    }

    /// The same schema, not yet inlined: where it is in the document and
    /// whether it has been read.
    pub fn lazy_schema(&self) -> Option<&LazySchema> {
        self.schema.as_ref()
    }
}
