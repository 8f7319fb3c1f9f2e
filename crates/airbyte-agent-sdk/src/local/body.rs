//! Request bodies: JSON objects (and one-element arrays), form-encoded
//! bodies with bracket-flattened nesting, `multipart/related` uploads, and
//! GraphQL bodies built from `x-airbyte-body-type` templates.

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Map, Value};

use super::pystr::{form_text, py_json, py_str};
use super::query::urlencode;
use crate::error::{Error, Result};

/// The media type an operation sends its body as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyKind {
    /// `application/json` (also every vendor `+json` type).
    #[default]
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`.
    FormData,
    /// `multipart/related` (a JSON part and a file part).
    MultipartRelated,
}

impl BodyKind {
    /// The `Content-Type` header value sent with a body of this kind.
    pub fn content_type(self) -> &'static str {
        match self {
            BodyKind::Json => "application/json",
            BodyKind::Form => "application/x-www-form-urlencoded",
            BodyKind::FormData => "multipart/form-data",
            BodyKind::MultipartRelated => "multipart/related",
        }
    }
}

/// Which parameters make up the body.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum BodyFields {
    /// No request body.
    #[default]
    None,
    /// These named properties.
    Named(Vec<String>),
    /// Any parameter (free-form object bodies), except `id` and `sobjectType`.
    Any,
}

/// A GraphQL body template.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GraphqlTemplate {
    /// The query or mutation; `{{ fields }}` is replaced by a field selection.
    pub query: String,
    /// Variables with `{{ name }}` placeholders.
    pub variables: Option<Map<String, Value>>,
    /// Operation name sent as `operationName`.
    pub operation_name: Option<String>,
    /// Field selection used when the caller passes no `fields`: a ready
    /// GraphQL selection (string) or a list of dotted field names.
    pub default_fields: Option<Value>,
    /// Variables that may be sent as explicit `null`.
    pub nullable_variables: Vec<String>,
}

/// Everything needed to build an operation's body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BodySpec {
    /// Body parameters.
    pub fields: BodyFields,
    /// The body is a JSON array holding one object.
    pub is_array: bool,
    /// Defaults of body properties, in declaration order.
    pub defaults: Map<String, Value>,
    /// Media type.
    pub kind: BodyKind,
    /// GraphQL template, when the body is GraphQL.
    pub graphql: Option<GraphqlTemplate>,
    /// Parameter holding the base64 file content of a `multipart/related` upload.
    pub upload_file_param: Option<String>,
}

/// A body ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedBody {
    /// The bytes.
    pub bytes: Bytes,
    /// The media type the HTTP client would label it with.
    pub content_type: String,
    /// A `Content-Type` that must override the operation's (multipart boundary).
    pub override_content_type: bool,
}

/// The JSON value of the body, before encoding; `None` when there is no body.
///
/// `query_defaults` are the defaults of the operation's query parameters,
/// which GraphQL variables fall back to.
pub fn build_body_value(
    spec: &BodySpec,
    params: &Map<String, Value>,
    query_defaults: &Map<String, Value>,
) -> Value {
    if let Some(gql) = &spec.graphql {
        return graphql_body(gql, params, query_defaults);
    }
    let named = match &spec.fields {
        BodyFields::None => {
            return if spec.defaults.is_empty() {
                Value::Null
            } else {
                Value::Object(spec.defaults.clone())
            };
        }
        BodyFields::Named(names) => Some(names),
        BodyFields::Any => None,
    };
    let mut body = spec.defaults.clone();
    for (k, v) in params {
        if v.is_null() {
            continue;
        }
        let wanted = match named {
            Some(names) => names.iter().any(|n| n == k),
            None => k != "id" && k != "sobjectType",
        };
        if wanted {
            body.insert(k.clone(), v.clone());
        }
    }
    if body.is_empty() {
        Value::Null
    } else if spec.is_array {
        Value::Array(vec![Value::Object(body)])
    } else {
        Value::Object(body)
    }
}

/// Encodes a body value for the wire. Empty bodies (`null`, `{}`, `[]`) are
/// not sent.
pub fn encode_body(spec: &BodySpec, body: &Value) -> Result<Option<EncodedBody>> {
    let empty = match body {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    };
    if empty {
        return Ok(None);
    }
    if spec.graphql.is_some() || spec.kind == BodyKind::Json {
        return Ok(Some(json_body(body)));
    }
    match spec.kind {
        BodyKind::Json => Ok(Some(json_body(body))),
        BodyKind::Form => {
            let mut pairs = Vec::new();
            match body {
                Value::Object(map) => flatten_form(map, "", &mut pairs),
                other => pairs.push((String::new(), form_text(other))),
            }
            Ok(Some(EncodedBody {
                bytes: Bytes::from(urlencode(&pairs)),
                content_type: BodyKind::Form.content_type().to_string(),
                override_content_type: false,
            }))
        }
        BodyKind::MultipartRelated => multipart_related(spec, body),
        BodyKind::FormData => Err(Error::Definition {
            file: None,
            pointer: String::new(),
            message: "multipart/form-data request bodies are not supported".to_string(),
        }),
    }
}

fn json_body(body: &Value) -> EncodedBody {
    EncodedBody {
        bytes: Bytes::from(py_json(body, true, false)),
        content_type: "application/json".to_string(),
        override_content_type: false,
    }
}

/// Flattens nesting into bracket keys: `{"a": {"b": 1}, "l": [1, {"c": 2}]}`
/// gives `a[b]=1`, `l[0]=1`, `l[1][c]=2`.
pub fn flatten_form(map: &Map<String, Value>, parent: &str, out: &mut Vec<(String, String)>) {
    for (key, value) in map {
        let name = if parent.is_empty() {
            key.clone()
        } else {
            format!("{parent}[{key}]")
        };
        flatten_value(&name, value, out);
    }
}

fn flatten_value(name: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => flatten_form(map, name, out),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten_value(&format!("{name}[{i}]"), item, out);
            }
        }
        other => out.push((name.to_string(), form_text(other))),
    }
}

fn multipart_related(spec: &BodySpec, body: &Value) -> Result<Option<EncodedBody>> {
    let Value::Object(map) = body else {
        return Ok(Some(json_body(body)));
    };
    let file_param = spec.upload_file_param.as_deref().unwrap_or("file_content");
    let mut meta = map.clone();
    let content = meta.shift_remove(file_param);
    let mime = meta
        .shift_remove("file_mime_type")
        .map(|v| py_str(&v))
        .unwrap_or_else(|| "application/octet-stream".to_string());
    let content = match content {
        Some(Value::String(s)) if !s.is_empty() => s,
        Some(v) if is_truthy(&v) => py_str(&v),
        _ => {
            // Without file content the metadata goes as a plain JSON body.
            let mut encoded = json_body(&Value::Object(meta));
            encoded.content_type = BodyKind::MultipartRelated.content_type().to_string();
            return Ok(Some(encoded));
        }
    };
    let file = decode_base64_lenient(&content).ok_or_else(|| Error::InvalidParameter {
        entity: String::new(),
        action: String::new(),
        param: file_param.to_string(),
        reason: "must be valid base64-encoded content".to_string(),
        allowed: Vec::new(),
    })?;
    let boundary = format!("airbyte_boundary_{:032x}", rand::random::<u128>());
    let mut bytes = Vec::with_capacity(file.len() + 256);
    bytes.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    bytes.extend_from_slice(b"Content-Type: application/json; charset=UTF-8\r\n\r\n");
    bytes.extend_from_slice(py_json(&Value::Object(meta), false, true).as_bytes());
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    bytes.extend_from_slice(format!("Content-Type: {mime}\r\n\r\n").as_bytes());
    bytes.extend_from_slice(&file);
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok(Some(EncodedBody {
        bytes: Bytes::from(bytes),
        content_type: format!("multipart/related; boundary={boundary}"),
        override_content_type: true,
    }))
}

fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Decodes base64, ignoring characters outside the alphabet (as lenient
/// decoders do); padding must be right.
pub fn decode_base64_lenient(text: &str) -> Option<Vec<u8>> {
    let cleaned: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(cleaned)
        .ok()
}

/// Builds `{"query", "variables", "operationName"}` from a template.
pub fn graphql_body(
    gql: &GraphqlTemplate,
    params: &Map<String, Value>,
    query_defaults: &Map<String, Value>,
) -> Value {
    let mut body = Map::new();
    body.insert("query".into(), Value::String(graphql_query(gql, params)));
    if let Some(vars) = gql.variables.as_ref().filter(|v| !v.is_empty()) {
        let mut out = Map::new();
        for (name, template) in vars {
            let value = interpolate(template, params, query_defaults);
            // Absent values are dropped; a nullable variable keeps an
            // explicit `null` the caller passed.
            let explicit_null = gql.nullable_variables.iter().any(|n| n == name)
                && placeholder_name(template)
                    .is_some_and(|p| params.get(p).is_some_and(Value::is_null));
            if !value.is_null() || explicit_null {
                out.insert(name.clone(), value);
            }
        }
        body.insert("variables".into(), Value::Object(out));
    }
    if let Some(op) = &gql.operation_name {
        body.insert("operationName".into(), Value::String(op.clone()));
    }
    Value::Object(body)
}

/// The parameter name of a template that is exactly `{{ name }}`.
fn placeholder_name(template: &Value) -> Option<&str> {
    let s = template.as_str()?;
    let inner = s.strip_prefix("{{ ")?.strip_suffix(" }}")?;
    (!inner.is_empty() && inner.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(inner)
}

const FIELDS_PLACEHOLDER: &str = "{{ fields }}";

fn graphql_query(gql: &GraphqlTemplate, params: &Map<String, Value>) -> String {
    let query = &gql.query;
    if !query.contains(FIELDS_PLACEHOLDER) {
        return query.clone();
    }
    if let Some(fields) = params.get("fields").filter(|f| is_truthy(f)) {
        return query.replace(FIELDS_PLACEHOLDER, &selection(fields));
    }
    match &gql.default_fields {
        Some(Value::String(s)) => query.replace(FIELDS_PLACEHOLDER, s),
        Some(list @ Value::Array(_)) => query.replace(FIELDS_PLACEHOLDER, &selection(list)),
        _ => query.clone(),
    }
}

/// `["id", "owner.login"]` → `id owner { login }`. A string is used as a
/// ready selection.
fn selection(fields: &Value) -> String {
    match fields {
        Value::Array(items) => items
            .iter()
            .map(|f| {
                let f = py_str(f);
                let parts: Vec<&str> = f.split('.').collect();
                if parts.len() == 1 {
                    f.clone()
                } else {
                    let mut s = parts[0].to_string();
                    for p in &parts[1..] {
                        s.push_str(" { ");
                        s.push_str(p);
                    }
                    s.push_str(&" }".repeat(parts.len() - 1));
                    s
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => py_str(other),
    }
}

/// Replaces `{{ name }}` placeholders: a template that is exactly one
/// placeholder takes the parameter's value with its type; placeholders
/// inside text are replaced by the value's text. A placeholder left
/// unresolved makes the whole value the query-parameter default of that
/// name, or `null`.
pub fn interpolate(
    template: &Value,
    params: &Map<String, Value>,
    defaults: &Map<String, Value>,
) -> Value {
    match template {
        Value::String(s) => {
            let mut text = s.clone();
            for (key, value) in params {
                let placeholder = format!("{{{{ {key} }}}}");
                if text == placeholder {
                    return value.clone();
                }
                if text.contains(&placeholder) {
                    text = text.replace(&placeholder, &py_str(value));
                }
            }
            match first_placeholder(&text) {
                Some(name) => defaults.get(name).cloned().unwrap_or(Value::Null),
                None => Value::String(text),
            }
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), interpolate(v, params, defaults)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| interpolate(v, params, defaults))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The name in the first `{{ name }}` (whitespace optional) of `text`.
fn first_placeholder(text: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(open) = text[from..].find("{{") {
        let start = from + open + 2;
        let rest = &text[start..];
        let trimmed = rest.trim_start();
        let name_len = trimmed
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(trimmed.len());
        if name_len > 0 && trimmed[name_len..].trim_start().starts_with("}}") {
            return Some(&trimmed[..name_len]);
        }
        from = start;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn json_body_from_named_fields_and_defaults() {
        let spec = BodySpec {
            fields: BodyFields::Named(vec!["name".into(), "kind".into(), "email".into()]),
            defaults: map(json!({"kind": "person"})),
            ..Default::default()
        };
        let body = build_body_value(
            &spec,
            &map(json!({"email": "a@b", "id": 1, "name": null})),
            &Map::new(),
        );
        assert_eq!(body, json!({"kind": "person", "email": "a@b"}));
        let bytes = encode_body(&spec, &body).unwrap().unwrap().bytes;
        assert_eq!(&bytes[..], br#"{"kind":"person","email":"a@b"}"#);
        let empty = BodySpec {
            fields: BodyFields::Named(vec!["x".into()]),
            ..Default::default()
        };
        assert_eq!(
            build_body_value(&empty, &Map::new(), &Map::new()),
            Value::Null
        );
    }

    #[test]
    fn any_fields_and_arrays() {
        let spec = BodySpec {
            fields: BodyFields::Any,
            ..Default::default()
        };
        let body = build_body_value(
            &spec,
            &map(json!({"id": "1", "sobjectType": "A", "Name": "n"})),
            &Map::new(),
        );
        assert_eq!(body, json!({"Name": "n"}));
        let spec = BodySpec {
            fields: BodyFields::Named(vec!["a".into()]),
            is_array: true,
            ..Default::default()
        };
        assert_eq!(
            build_body_value(&spec, &map(json!({"a": 1})), &Map::new()),
            json!([{"a": 1}])
        );
    }

    #[test]
    fn form_bodies_flatten_with_brackets() {
        let spec = BodySpec {
            fields: BodyFields::Any,
            kind: BodyKind::Form,
            ..Default::default()
        };
        let body = json!({"customer": "c 1", "items": [{"price": "p1", "qty": 1}], "metadata": {"k": "v"}, "flag": true, "n": [[1, 2]]});
        let encoded = encode_body(&spec, &body).unwrap().unwrap();
        assert_eq!(
            std::str::from_utf8(&encoded.bytes).unwrap(),
            "customer=c+1&items%5B0%5D%5Bprice%5D=p1&items%5B0%5D%5Bqty%5D=1&metadata%5Bk%5D=v&flag=true&n%5B0%5D%5B0%5D=1&n%5B0%5D%5B1%5D=2"
        );
        assert_eq!(encoded.content_type, "application/x-www-form-urlencoded");
    }

    #[test]
    fn multipart_related_upload() {
        let spec = BodySpec {
            fields: BodyFields::Any,
            kind: BodyKind::MultipartRelated,
            ..Default::default()
        };
        let body =
            json!({"name": "é.txt", "file_content": "aGVsbG8=", "file_mime_type": "text/plain"});
        let encoded = encode_body(&spec, &body).unwrap().unwrap();
        let text = String::from_utf8(encoded.bytes.to_vec()).unwrap();
        let boundary = encoded
            .content_type
            .strip_prefix("multipart/related; boundary=")
            .unwrap();
        assert!(encoded.override_content_type);
        assert_eq!(
            text,
            format!(
                "--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{{\"name\": \"\\u00e9.txt\"}}\r\n--{boundary}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
            )
        );
        let bad = json!({"file_content": "abc"});
        assert!(encode_body(&spec, &bad).is_err());
        let no_file = encode_body(&spec, &json!({"name": "x"})).unwrap().unwrap();
        assert_eq!(&no_file.bytes[..], br#"{"name":"x"}"#);
    }

    #[test]
    fn graphql_variables_and_fields() {
        let gql = GraphqlTemplate {
            query: "query($owner: String!) { repository(owner: $owner) { {{ fields }} } }".into(),
            variables: Some(map(json!({
                "owner": "{{ owner }}",
                "first": "{{ per_page }}",
                "label": "repo:{{ owner }}/{{ repo }}",
                "after": "{{ after }}",
                "assigneeId": "{{ assigneeId }}",
                "input": {"n": "{{ n }}"}
            }))),
            operation_name: Some("Q".into()),
            default_fields: Some(json!(["id", "owner.login"])),
            nullable_variables: vec!["assigneeId".into()],
        };
        let params = map(json!({"owner": "octo", "repo": "hi", "assigneeId": null}));
        let defaults = map(json!({"per_page": 20}));
        let body = graphql_body(&gql, &params, &defaults);
        assert_eq!(
            body,
            json!({
                "query": "query($owner: String!) { repository(owner: $owner) { id owner { login } } }",
                "variables": {"owner": "octo", "first": 20, "label": "repo:octo/hi", "assigneeId": null, "input": {"n": null}},
                "operationName": "Q"
            })
        );
        let with_fields = graphql_body(
            &gql,
            &map(json!({"fields": ["name"], "owner": "o"})),
            &defaults,
        );
        assert_eq!(
            with_fields["query"],
            "query($owner: String!) { repository(owner: $owner) { name } }"
        );
        assert!(with_fields["variables"].get("assigneeId").is_none());
    }
}
