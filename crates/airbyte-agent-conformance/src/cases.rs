//! Conformance cases: what to execute and what the server answers.
//!
//! Cases are generated from the raw definitions only. Strings containing
//! [`SERVER`] are replaced by the recording server's origin at run time, so a
//! case file does not depend on the port.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::spec::{RawOperation, RawSpec, properties, required, scalar_text};
use crate::synth::{Fill, Synth, schema_type};

/// Placeholder for the recording server's origin (`http://127.0.0.1:PORT`).
pub const SERVER: &str = "__SERVER__";

/// Path prefix under which the server answers second-hop file downloads.
pub const FILE_PREFIX: &str = "/__file/";

/// Path prefix under which hosts of absolute definition URLs (token endpoints) are served.
pub const EXTERNAL_PREFIX: &str = "/__ext/";

/// A value no enum of any definition allows.
pub const BAD_ENUM_VALUE: &str = "__not_an_allowed_value__";

/// One execution to run on both sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Unique id: `connector/entity/action/variant`.
    pub id: String,
    /// Connector slug.
    pub connector: String,
    /// Entity name passed to the executor.
    pub entity: String,
    /// Action name passed to the executor.
    pub action: String,
    /// What the case exercises (`full`, `minimal`, `missing_required`, ...).
    pub variant: String,
    /// Operation key `connector/entity/action` (for per-operation counts); empty for connector-level cases.
    pub operation: String,
    /// Parameters passed to the executor.
    pub params: Map<String, Value>,
    /// Security scheme to select explicitly (multi-auth definitions only).
    pub auth_scheme: Option<String>,
    /// User-facing auth fields (`x-airbyte-auth-config` properties) with synthetic values.
    pub auth: Map<String, Value>,
    /// Config values (server variables).
    pub config: Map<String, Value>,
    /// What the server answers to the operation's request.
    pub response: CannedResponse,
    /// What the server answers to a second-hop file download, if the operation has one.
    pub file: Option<CannedResponse>,
}

/// A response the server serves for a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CannedResponse {
    /// Status code.
    pub status: u16,
    /// Headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: CannedBody,
}

/// A canned body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum CannedBody {
    /// No body.
    Empty,
    /// A JSON document.
    Json(Value),
    /// Raw bytes given as UTF-8 text.
    Text(String),
}

/// Generates every case for one definition, deterministically.
pub fn generate(spec: &RawSpec) -> Vec<Case> {
    let auth = AuthChoice::all(spec);
    let config = config_values(spec);
    let ops = spec.operations();
    let mut out = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    for (index, op) in ops.iter().enumerate() {
        // Two operations may claim the same entity/action; keep their ids apart.
        let pair = (op.entity.clone(), op.action.clone());
        let dup = seen.iter().filter(|p| **p == pair).count();
        seen.push(pair);
        // Rotate through the auth schemes so every scheme is exercised.
        let chosen = if auth.is_empty() {
            AuthChoice::default()
        } else {
            auth[index % auth.len()].clone()
        };
        out.extend(operation_cases(spec, op, &chosen, &config, index == 0, dup));
    }
    if let Some(first) = ops.first() {
        let chosen = auth.first().cloned().unwrap_or_default();
        let base = |variant: &str, entity: &str, action: &str| Case {
            id: format!("{}/{entity}/{action}/{variant}", spec.slug),
            connector: spec.slug.clone(),
            entity: entity.to_string(),
            action: action.to_string(),
            variant: variant.to_string(),
            operation: String::new(),
            params: Map::new(),
            auth_scheme: chosen.scheme_param.clone(),
            auth: chosen.fields.clone(),
            config: config.clone(),
            response: ok_json(json!({})),
            file: None,
        };
        out.push(base("unknown_entity", "__no_such_entity__", "list"));
        let unsupported = [
            "list", "get", "create", "update", "delete", "search", "download",
        ]
        .into_iter()
        .find(|a| {
            !ops.iter()
                .any(|o| o.entity == first.entity && o.action == *a)
        })
        .unwrap_or("authorize");
        out.push(base("unsupported_action", &first.entity, unsupported));
    }
    out
}

/// Auth credentials for one security scheme.
#[derive(Debug, Clone, Default)]
struct AuthChoice {
    /// `Some(name)` when the definition has several schemes.
    scheme_param: Option<String>,
    fields: Map<String, Value>,
}

impl AuthChoice {
    fn all(spec: &RawSpec) -> Vec<Self> {
        let schemes = spec.security_schemes();
        let multi = schemes.len() > 1;
        // A service-account scheme needs a real RSA key and signs a JWT with
        // the current time: not reproducible, so it is left out when the
        // definition offers another scheme.
        let needs_key = |s: &Value| {
            s.get("x-airbyte-auth-config")
                .is_some_and(|c| properties(spec, c).contains_key("credentials_json"))
        };
        let usable: Vec<&(String, Value)> = schemes.iter().filter(|(_, s)| !needs_key(s)).collect();
        let usable = if usable.is_empty() {
            schemes.iter().collect()
        } else {
            usable
        };
        usable
            .into_iter()
            .map(|(name, scheme)| Self {
                scheme_param: multi.then(|| name.clone()),
                fields: auth_fields(spec, scheme),
            })
            .collect()
    }
}

/// A synthetic value for every `x-airbyte-auth-config` property of a scheme.
fn auth_fields(spec: &RawSpec, scheme: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(cfg) = scheme.get("x-airbyte-auth-config") {
        for (name, prop) in properties(spec, cfg) {
            let prop = spec.deref(&prop);
            let value = prop
                .get("enum")
                .and_then(Value::as_array)
                .and_then(|e| e.first())
                .map(scalar_text)
                .unwrap_or_else(|| format!("{name}-secret"));
            out.insert(name, Value::String(value));
        }
        if !out.is_empty() {
            return out;
        }
    }
    // No auth config: the scheme's own field names.
    let fields: &[&str] = match (
        scheme.get("type").and_then(Value::as_str),
        scheme.get("scheme").and_then(Value::as_str),
    ) {
        (Some("http"), Some("basic")) => &["username", "password"],
        (Some("http"), _) => &["token"],
        (Some("apiKey"), _) => &["api_key"],
        _ => &["access_token"],
    };
    for f in fields {
        out.insert((*f).to_string(), Value::String(format!("{f}-secret")));
    }
    out
}

/// Config values: every server variable. A variable that is a whole URL gets the server origin.
fn config_values(spec: &RawSpec) -> Map<String, Value> {
    let url = spec.server_url();
    let mut out = Map::new();
    for (name, _default) in spec.server_variables() {
        let value = if url.starts_with(&format!("{{{name}}}")) {
            SERVER.to_string()
        } else {
            format!("cfg-{}", name.replace('_', "-"))
        };
        out.insert(name, Value::String(value));
    }
    out
}

fn operation_cases(
    spec: &RawSpec,
    op: &RawOperation,
    auth: &AuthChoice,
    config: &Map<String, Value>,
    first_of_connector: bool,
    duplicate: usize,
) -> Vec<Case> {
    let mut key = format!("{}/{}/{}", spec.slug, op.entity, op.action);
    if duplicate > 0 {
        key.push_str(&format!("#{}", duplicate + 1));
    }
    let full = params_for(spec, op, Fill::Full);
    let minimal = params_for(spec, op, Fill::Minimal);
    let (response, file) = response_for(spec, op, &key);
    let make = |variant: &str,
                params: Map<String, Value>,
                response: CannedResponse,
                file: Option<CannedResponse>| Case {
        id: format!("{key}/{variant}"),
        connector: spec.slug.clone(),
        entity: op.entity.clone(),
        action: op.action.clone(),
        variant: variant.to_string(),
        operation: key.clone(),
        params,
        auth_scheme: auth.scheme_param.clone(),
        auth: auth.fields.clone(),
        config: config.clone(),
        response,
        file,
    };
    let mut out = vec![make("full", full.clone(), response.clone(), file.clone())];
    if minimal != full {
        out.push(make(
            "minimal",
            minimal.clone(),
            response.clone(),
            file.clone(),
        ));
    }
    // One case per location kind: a missing path/query/header parameter and
    // a missing body field are checked by different code in executors.
    let mut missing_done = (false, false);
    for missing in required_without_default(spec, op) {
        if !minimal.contains_key(&missing.name) {
            continue;
        }
        let body = missing.location == "body";
        let done = if body {
            &mut missing_done.1
        } else {
            &mut missing_done.0
        };
        if *done {
            continue;
        }
        *done = true;
        let mut p = minimal.clone();
        p.remove(&missing.name);
        let variant = if body {
            "missing_required_body"
        } else {
            "missing_required"
        };
        out.push(make(variant, p, response.clone(), file.clone()));
    }
    if let Some(name) = first_param_where(spec, op, |s| s.get("enum").is_some_and(Value::is_array))
    {
        let mut p = full.clone();
        p.insert(name, Value::String(BAD_ENUM_VALUE.into()));
        out.push(make("bad_enum", p, response.clone(), file.clone()));
    }
    if let Some(name) = first_param_where(spec, op, |s| {
        matches!(schema_type(s).as_deref(), Some("integer") | Some("boolean"))
            && s.get("enum").is_none()
    }) {
        let mut p = full.clone();
        p.insert(name, Value::String("not-a-number".into()));
        out.push(make("wrong_type", p, response.clone(), file.clone()));
    }
    if first_of_connector {
        let not_found = CannedResponse {
            status: 404,
            headers: vec![("content-type".into(), "application/json".into())],
            body: CannedBody::Json(json!({"message": "resource not found", "error": "not_found"})),
        };
        out.push(make("http_404", full, not_found, None));
    }
    out
}

/// One top-level parameter of an operation.
struct ParamInfo {
    name: String,
    schema: Value,
    required: bool,
    /// `path`, `query`, `header`, `cookie` or `body`.
    location: String,
}

/// Top-level params of the operation: declared parameters, then body properties.
fn param_schemas(spec: &RawSpec, op: &RawOperation) -> Vec<ParamInfo> {
    let mut out: Vec<ParamInfo> = Vec::new();
    for p in &op.parameters {
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            continue;
        };
        let location = p.get("in").and_then(Value::as_str).unwrap_or("query");
        out.push(ParamInfo {
            name: name.to_string(),
            schema: p
                .get("schema")
                .cloned()
                .unwrap_or(json!({"type": "string"})),
            required: p.get("required") == Some(&Value::Bool(true)) || location == "path",
            location: location.to_string(),
        });
    }
    if let Some((_ctype, schema)) = spec.request_body(op) {
        let req = required(spec, &schema);
        for (name, prop) in properties(spec, &schema) {
            if out.iter().any(|p| p.name == name) {
                continue;
            }
            out.push(ParamInfo {
                required: req.contains(&name),
                name,
                schema: prop,
                location: "body".into(),
            });
        }
    }
    // Placeholders of the path (and a path override) that no parameter declares.
    let override_path = op
        .operation
        .pointer("/x-airbyte-path-override/path")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    for template in [op.path.as_str(), override_path.as_str()] {
        for name in placeholders(template) {
            if !out.iter().any(|p| p.name == name) {
                out.push(ParamInfo {
                    name,
                    schema: json!({"type": "string"}),
                    required: true,
                    location: "path".into(),
                });
            }
        }
    }
    out
}

/// Required parameters without a default (a default is filled in, so it cannot be missing).
fn required_without_default(spec: &RawSpec, op: &RawOperation) -> Vec<ParamInfo> {
    param_schemas(spec, op)
        .into_iter()
        .filter(|p| p.required && spec.deref(&p.schema).get("default").is_none())
        .collect()
}

fn first_param_where(
    spec: &RawSpec,
    op: &RawOperation,
    pred: impl Fn(&Value) -> bool,
) -> Option<String> {
    param_schemas(spec, op)
        .into_iter()
        .find(|p| pred(spec.deref(&p.schema)))
        .map(|p| p.name)
}

fn params_for(spec: &RawSpec, op: &RawOperation, fill: Fill) -> Map<String, Value> {
    let synth = Synth::new(spec, fill);
    let mut out = Map::new();
    for p in param_schemas(spec, op) {
        if fill == Fill::Minimal && !p.required {
            continue;
        }
        if let Some(v) = synth.value(&p.schema, &p.name) {
            out.insert(p.name, v);
        }
    }
    out
}

/// `{name}` placeholders of a path template.
fn placeholders(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            out.push(name.to_string());
        }
        rest = &after[end + 1..];
    }
    out
}

fn ok_json(body: Value) -> CannedResponse {
    CannedResponse {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: CannedBody::Json(body),
    }
}

/// The success response (and second-hop file) served for an operation.
fn response_for(
    spec: &RawSpec,
    op: &RawOperation,
    key: &str,
) -> (CannedResponse, Option<CannedResponse>) {
    let (status, ctype, schema) = spec.success_response(op);
    let file_field = op
        .operation
        .get("x-airbyte-file-url")
        .and_then(Value::as_str);
    let bytes_body = || CannedResponse {
        status: 200,
        headers: vec![("content-type".into(), "application/octet-stream".into())],
        body: CannedBody::Text(format!("conformance bytes for {key}\n")),
    };
    if op.action == "download" && file_field.is_none() {
        return (bytes_body(), None);
    }
    let mut body = if schema.is_null() {
        Value::Null
    } else {
        Synth::new(spec, Fill::Response)
            .value(&schema, "field")
            .unwrap_or(Value::Null)
    };
    if let Some(field) = file_field {
        let url = format!("{SERVER}{FILE_PREFIX}{}", key.replace('/', "."));
        set_file_field(&mut body, field, Value::String(url));
        let meta = ok_json(body);
        return (meta, Some(bytes_body()));
    }
    let mut headers = Vec::new();
    if op.action == "list" {
        headers.push((
            "link".to_string(),
            format!("<{SERVER}/next-page?page=2>; rel=\"next\""),
        ));
    }
    let body = match (ctype.as_deref(), body) {
        (_, Value::Null) if status == 204 => CannedBody::Empty,
        (Some(ct), v) if !ct.contains("json") => {
            headers.push(("content-type".into(), ct.to_string()));
            CannedBody::Text(match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
        }
        (_, v) => {
            headers.push(("content-type".into(), "application/json".into()));
            CannedBody::Json(v)
        }
    };
    (
        CannedResponse {
            status,
            headers,
            body,
        },
        None,
    )
}

/// Sets `value` at an `x-airbyte-file-url` path (`a.b`, `calls[0].url`, `[0].url`), creating containers.
fn set_file_field(root: &mut Value, field: &str, value: Value) {
    let mut cur = root;
    let parts: Vec<&str> = field.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let (name, index) = match part.find('[') {
            Some(b) => (
                &part[..b],
                part[b + 1..].trim_end_matches(']').parse::<usize>().ok(),
            ),
            None => (*part, None),
        };
        if !name.is_empty() {
            if !cur.is_object() {
                *cur = Value::Object(Map::new());
            }
            let Value::Object(map) = cur else { return };
            let slot = map.entry(name.to_string()).or_insert(Value::Null);
            cur = slot;
        }
        if let Some(ix) = index {
            if !cur.is_array() {
                *cur = Value::Array(Vec::new());
            }
            let Value::Array(items) = cur else { return };
            while items.len() <= ix {
                items.push(Value::Object(Map::new()));
            }
            cur = &mut items[ix];
        }
        if last {
            *cur = value;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_field_paths_are_created() {
        let mut v = json!({"data": {"name": "x"}});
        set_file_field(&mut v, "data.download_url", json!("u"));
        assert_eq!(v, json!({"data": {"name": "x", "download_url": "u"}}));
        let mut v = Value::Null;
        set_file_field(&mut v, "[0].url", json!("u"));
        assert_eq!(v, json!([{"url": "u"}]));
        let mut v = json!({"calls": []});
        set_file_field(&mut v, "calls[0].media.audioUrl", json!("u"));
        assert_eq!(v, json!({"calls": [{"media": {"audioUrl": "u"}}]}));
    }

    #[test]
    fn placeholders_are_found() {
        assert_eq!(placeholders("/a/{id}/b/{other_id}"), vec!["id", "other_id"]);
        assert!(placeholders("/plain").is_empty());
    }
}
