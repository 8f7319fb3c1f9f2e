//! The engine's view of one operation: everything needed to build its
//! request and read its response, flattened out of the connector definition
//! once, when the executor is built.

use serde_json::{Map, Value};

use super::body::BodySpec;
use super::extract::RecordRules;

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
    /// Where a list's records sit when they can be left as JSON text (see
    /// [`plain_records_path`](super::lazy_records::plain_records_path));
    /// set by the executor, which knows the connector's error envelope.
    pub plain_records: Option<Vec<String>>,
}

impl OperationSpec {
    /// How records are extracted from this operation's responses.
    pub fn record_rules(&self) -> RecordRules<'_> {
        RecordRules {
            extractor: self.record_extractor.as_deref(),
            many: self.returns_many(),
            transform: self.record_transform.as_deref(),
            filter: self.record_filter.as_deref(),
        }
    }

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

impl ParamSpec {
    /// The engine's view of a definition parameter.
    pub fn from_definition(p: &crate::definition::Parameter) -> Self {
        let style = p.style.as_ref().map(|s| {
            use crate::definition::ParamStyle as S;
            match s {
                S::Form => "form",
                S::Simple => "simple",
                S::Matrix => "matrix",
                S::Label => "label",
                S::SpaceDelimited => "spaceDelimited",
                S::PipeDelimited => "pipeDelimited",
                S::DeepObject => "deepObject",
            }
            .to_string()
        });
        ParamSpec {
            name: p.name.clone(),
            required: p.required,
            default: p.default.clone().filter(|d| !d.is_null()),
            probe_default: p.probe_default.clone(),
            schema: p.schema.clone(),
            style,
            explode: p.explode,
            config_inject: p.config_inject.as_ref().map(|c| ConfigInject {
                source: c.source.clone(),
                map: if c.map.is_empty() {
                    None
                } else {
                    Some(c.map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                },
            }),
        }
    }
}

impl OperationSpec {
    /// The engine's view of a definition operation.
    pub fn from_definition(op: &crate::definition::Operation) -> Self {
        use super::body::{BodyFields, BodyKind, BodySpec, GraphqlTemplate};
        use crate::definition::{BodyContentType, DefaultFields, ParamLocation};

        let params_in = |loc: ParamLocation| -> Vec<ParamSpec> {
            op.parameters_in(loc)
                .map(ParamSpec::from_definition)
                .collect()
        };
        let body = match &op.request_body {
            None => BodySpec::default(),
            Some(rb) => {
                let kind = match rb.content_type {
                    BodyContentType::FormUrlEncoded => BodyKind::Form,
                    BodyContentType::MultipartFormData => BodyKind::FormData,
                    BodyContentType::MultipartRelated => BodyKind::MultipartRelated,
                    _ => BodyKind::Json,
                };
                let graphql = rb.graphql.as_ref().map(|g| GraphqlTemplate {
                    query: g.query.clone(),
                    variables: g.variables.clone(),
                    operation_name: g.operation_name.clone(),
                    default_fields: g.default_fields.as_ref().map(|d| match d {
                        DefaultFields::Text(s) => Value::String(s.clone()),
                        DefaultFields::List(l) => {
                            Value::Array(l.iter().cloned().map(Value::String).collect())
                        }
                    }),
                    nullable_variables: g.nullable_variables.clone(),
                });
                let fields = if graphql.is_some() {
                    BodyFields::None
                } else if rb.accepts_any_field {
                    BodyFields::Any
                } else if rb.fields.is_empty() {
                    BodyFields::None
                } else {
                    BodyFields::Named(rb.fields.clone())
                };
                BodySpec {
                    fields,
                    is_array: rb.is_array,
                    defaults: rb
                        .defaults
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                    kind,
                    graphql,
                    upload_file_param: op.upload_file_param.clone(),
                }
            }
        };
        let request = op.request_body.as_ref();
        OperationSpec {
            entity: op.entity.clone(),
            action: op.action.as_str().to_string(),
            method: op.method.as_str().to_string(),
            path: op.request_path().to_string(),
            path_params: params_in(ParamLocation::Path),
            query: params_in(ParamLocation::Query),
            headers: params_in(ParamLocation::Header),
            body,
            request_schema: request
                .filter(|rb| rb.graphql.is_none())
                .and_then(|rb| rb.schema.clone()),
            body_probe_defaults: request
                .map(|rb| {
                    rb.probe_defaults
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            record_extractor: op.record_extractor.clone(),
            record_filter: op.record_filter.clone(),
            record_transform: (!op.record_transform.is_empty()).then(|| {
                op.record_transform
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            }),
            meta_extractor: (!op.meta_extractor.is_empty()).then(|| {
                op.meta_extractor
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            }),
            file_url: op.file_url.clone(),
            preferred_for_check: op.preferred_for_check,
            no_pagination: op
                .no_pagination
                .as_deref()
                .is_some_and(|s| !s.trim().is_empty()),
            plain_records: None,
        }
    }
}
