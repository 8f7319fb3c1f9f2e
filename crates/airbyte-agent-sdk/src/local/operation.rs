//! The engine's view of one operation: everything needed to build its
//! request and read its response, flattened out of the connector definition
//! once, when the executor is built.

use serde_json::{Map, Value};

use super::body::BodySpec;

/// A path, query or header parameter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParamSpec {
    /// Name as sent (and as passed in the operation's params).
    pub name: String,
    /// Whether the caller must give it (always true for path parameters).
    pub required: bool,
    /// Schema default.
    pub default: Option<Value>,
    /// Probe-only default (`x-airbyte-probe-default`), used by `check`.
    pub probe_default: Option<Value>,
    /// The parameter's JSON schema (type, enum, items, ...).
    pub schema: Value,
    /// OpenAPI `style` (query parameters).
    pub style: Option<String>,
    /// OpenAPI `explode` (query parameters).
    pub explode: Option<bool>,
    /// Value injected from connector config (`x-airbyte-param-config-inject`).
    pub config_inject: Option<ConfigInject>,
}

/// A query parameter filled from a connector config value, optionally
/// through a lookup table (`region: US` → marketplace id).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConfigInject {
    /// Config key to read.
    pub source: String,
    /// Lookup table from config value to parameter value.
    pub map: Option<Map<String, Value>>,
}

/// One operation of a connector.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OperationSpec {
    /// Entity name.
    pub entity: String,
    /// Action name (`list`, `get`, `create`, `download`, ...).
    pub action: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path requests go to (`x-airbyte-path-override` applied), with
    /// `{name}` placeholders.
    pub path: String,
    /// Path parameters.
    pub path_params: Vec<ParamSpec>,
    /// Query parameters, in declaration order.
    pub query: Vec<ParamSpec>,
    /// Header parameters.
    pub headers: Vec<ParamSpec>,
    /// Request body.
    pub body: BodySpec,
    /// The request body schema (for required-field and enum checks).
    pub request_schema: Option<Value>,
    /// Probe-only defaults of body fields.
    pub body_probe_defaults: Map<String, Value>,
    /// JSONPath of the records in the response.
    pub record_extractor: Option<String>,
    /// Jinja filter applied to each record.
    pub record_filter: Option<String>,
    /// Jinja templates adding fields to each record.
    pub record_transform: Option<Vec<(String, String)>>,
    /// Metadata fields and their extractors.
    pub meta_extractor: Option<Vec<(String, String)>>,
    /// Dotted path of the file URL in a download's metadata response.
    pub file_url: Option<String>,
    /// Preferred operation for `check`.
    pub preferred_for_check: bool,
    /// The definition says the API does not paginate this operation.
    pub no_pagination: bool,
}

impl OperationSpec {
    /// Whether the action returns many records.
    pub fn returns_many(&self) -> bool {
        matches!(self.action.as_str(), "list" | "search")
    }

    /// Names of the query parameters.
    pub fn query_names(&self) -> Vec<&str> {
        self.query.iter().map(|p| p.name.as_str()).collect()
    }

    /// Names of `deepObject` query parameters.
    pub fn deep_object_params(&self) -> Vec<String> {
        self.query
            .iter()
            .filter(|p| p.style.as_deref() == Some("deepObject"))
            .map(|p| p.name.clone())
            .collect()
    }

    /// Defaults of the query parameters that have one.
    pub fn query_defaults(&self) -> Map<String, Value> {
        self.query
            .iter()
            .filter_map(|p| p.default.clone().map(|d| (p.name.clone(), d)))
            .collect()
    }

    /// Whether a call must pass parameters (a path parameter, or a required
    /// query parameter nothing else fills).
    pub fn has_required_params(&self) -> bool {
        !self.path_params.is_empty()
            || self
                .query
                .iter()
                .any(|p| p.required && p.default.is_none() && p.config_inject.is_none())
    }
}
