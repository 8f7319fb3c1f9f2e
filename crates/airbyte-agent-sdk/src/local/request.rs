//! Building the HTTP request of an operation: base URL from server
//! variables, path templating, query parameters (defaults, config
//! injection, array styles, deep objects, Rest.li), header parameters and
//! the body.

use serde_json::{Map, Value};

use super::body::{EncodedBody, build_body_value, encode_body};
use super::operation::OperationSpec;
use super::pystr::py_str;
use super::query::{ArrayStyle, expand_deep_objects, finish_url, quote, restli_query};
use super::validate::{check_enums, check_required_body, check_scalar_shapes};
use crate::error::{Error, Result};

/// A request ready to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedRequest {
    /// Upper-case method.
    pub method: String,
    /// Absolute URL, fully percent-encoded.
    pub url: String,
    /// Headers from the definition (auth is added by the sender).
    pub headers: Vec<(String, String)>,
    /// Body, if any.
    pub body: Option<EncodedBody>,
}

/// Replaces `{name}` placeholders of a server URL with config values (an
/// unknown variable is left as is) and drops a trailing `/`.
pub fn render_base_url(template: &str, config: &Map<String, Value>) -> String {
    let mut url = template.trim_end_matches('/').to_string();
    for (name, value) in config {
        let placeholder = format!("{{{name}}}");
        if url.contains(&placeholder) {
            url = url.replace(&placeholder, &py_str(value));
        }
    }
    url
}

/// Names of the `{name}` placeholders of a path, in order.
pub fn placeholders(path: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    names.push(name);
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    names
}

/// Fills the path's placeholders with percent-encoded parameter values.
pub fn build_path(op: &OperationSpec, path: &str, params: &Map<String, Value>) -> Result<String> {
    let mut out = path.to_string();
    for name in placeholders(path) {
        let Some(value) = params.get(name) else {
            return Err(Error::MissingParameter {
                entity: op.entity.clone(),
                action: op.action.clone(),
                param: name.to_string(),
            });
        };
        let blank = match value {
            Value::Null => true,
            Value::String(s) => s.trim().is_empty(),
            _ => false,
        };
        if blank {
            return Err(Error::InvalidParameter {
                entity: op.entity.clone(),
                action: op.action.clone(),
                param: name.to_string(),
                reason: "a path parameter cannot be null or empty".to_string(),
                allowed: Vec::new(),
            });
        }
        out = out.replace(&format!("{{{name}}}"), &quote(&py_str(value), ""));
        // URL parsers (WHATWG, and httpx in the reference) resolve `.` and
        // `..` segments, so such a value would reach another
        // endpoint than the one declared: refuse it instead of sending it.
        if out.split('/').any(is_dot_segment) {
            return Err(Error::InvalidParameter {
                entity: op.entity.clone(),
                action: op.action.clone(),
                param: name.to_string(),
                reason: "`.` and `..` cannot be sent as a path segment (URLs resolve them to \
                         another path); pass the resource's real identifier"
                    .to_string(),
                allowed: Vec::new(),
            });
        }
    }
    Ok(out)
}

/// `.` or `..`. Encoded spellings (`%2e`) cannot come out of a value:
/// quoting turns its `%` into `%25`.
fn is_dot_segment(segment: &str) -> bool {
    segment == "." || segment == ".."
}

/// Collects the query values of an operation: the caller's declared
/// parameters (in the caller's order), then config-injected values and
/// defaults (defaults only for required parameters unless
/// `all_defaults`), then array styles.
pub fn query_values(
    op: &OperationSpec,
    params: &Map<String, Value>,
    config: &Map<String, Value>,
    all_defaults: bool,
) -> Result<Vec<(String, Value)>> {
    let declared = op.query_names();
    let mut values: Vec<(String, Value)> = params
        .iter()
        .filter(|(k, _)| declared.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let has = |values: &[(String, Value)], name: &str| values.iter().any(|(k, _)| k == name);
    for p in &op.query {
        if has(&values, &p.name) {
            continue;
        }
        if let Some(inject) = &p.config_inject
            && let Some(source) = config.get(&inject.source).filter(|v| !v.is_null())
        {
            match &inject.map {
                Some(map) => {
                    let key = py_str(source);
                    let mapped = map
                        .get(&key)
                        .filter(|v| !v.is_null())
                        .or_else(|| map.get(&key.to_uppercase()).filter(|v| !v.is_null()));
                    if let Some(mapped) = mapped {
                        values.push((p.name.clone(), mapped.clone()));
                    }
                }
                None => values.push((p.name.clone(), source.clone())),
            }
        }
        if !has(&values, &p.name)
            && (all_defaults || p.required)
            && let Some(default) = p.default.as_ref().filter(|d| !d.is_null())
        {
            values.push((p.name.clone(), default.clone()));
        }
    }
    for p in op.query.iter().filter(|p| p.required) {
        let Some((_, value)) = values.iter().find(|(k, _)| *k == p.name) else {
            return Err(Error::MissingParameter {
                entity: op.entity.clone(),
                action: op.action.clone(),
                param: p.name.clone(),
            });
        };
        let empty = match value {
            Value::Null => true,
            Value::String(s) => s.trim().is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        };
        if empty {
            return Err(Error::InvalidParameter {
                entity: op.entity.clone(),
                action: op.action.clone(),
                param: p.name.clone(),
                reason: "a required query parameter cannot be empty".to_string(),
                allowed: Vec::new(),
            });
        }
    }
    Ok(values
        .into_iter()
        .map(|(name, value)| {
            let style = op
                .query
                .iter()
                .find(|p| p.name == name)
                .map(|p| ArrayStyle::from_openapi(p.style.as_deref(), p.explode))
                .unwrap_or(ArrayStyle::Repeat);
            (name, style.apply(value))
        })
        .collect())
}

/// Header parameters: the caller's value, else the schema default.
pub fn header_values(op: &OperationSpec, params: &Map<String, Value>) -> Vec<(String, String)> {
    op.headers
        .iter()
        .filter_map(|h| {
            let value = params
                .get(&h.name)
                .filter(|v| !v.is_null())
                .or(h.default.as_ref().filter(|v| !v.is_null()))?;
            Some((h.name.clone(), py_str(value)))
        })
        .collect()
}

/// Rejects header values outside printable ASCII (they cannot be sent),
/// except for headers in `replaced` (set by the auth scheme, which
/// overwrites whatever the parameters said).
pub fn check_header_text(
    op: &OperationSpec,
    headers: &[(String, String)],
    replaced: &[String],
) -> Result<()> {
    for (name, value) in headers {
        if replaced.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            continue;
        }
        if !value.bytes().all(|b| b == b'\t' || (32..127).contains(&b)) {
            return Err(Error::InvalidParameter {
                entity: op.entity.clone(),
                action: op.action.clone(),
                param: name.clone(),
                reason: "a header value must be printable ASCII".to_string(),
                allowed: Vec::new(),
            });
        }
    }
    Ok(())
}

fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    match headers.iter_mut().find(|(k, _)| k == name) {
        Some(entry) => entry.1 = value,
        None => headers.push((name.to_string(), value)),
    }
}

/// Validates the parameters and builds the request of a standard (non
/// download) operation.
pub fn prepare_standard(
    op: &OperationSpec,
    base_url: &str,
    params: &Map<String, Value>,
    config: &Map<String, Value>,
) -> Result<PreparedRequest> {
    check_enums(op, params)?;
    check_scalar_shapes(op, params)?;
    check_required_body(op, params)?;
    let mut path = build_path(op, &op.path, params)?;
    let query = query_values(op, params, config, false)?;
    let mut query = expand_deep_objects(query, &op.deep_object_params());
    let body_value = build_body_value(&op.body, params, &op.query_defaults());
    let body = encode_body(&op.body, &body_value).map_err(|e| with_operation(e, op))?;
    let mut headers = header_values(op, params);
    if !body_value.is_null() && !headers.iter().any(|(k, _)| k == "Content-Type") {
        headers.push((
            "Content-Type".to_string(),
            op.body.kind.content_type().to_string(),
        ));
    }
    if let Some(b) = body.as_ref().filter(|b| b.override_content_type) {
        set_header(&mut headers, "Content-Type", b.content_type.clone());
    }
    let restli = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("x-restli-protocol-version"));
    if restli && !query.is_empty() {
        path = format!("{path}?{}", restli_query(&query));
        query.clear();
    }
    let url = finish_url(
        base_url,
        &path,
        if query.is_empty() { None } else { Some(&query) },
    );
    Ok(PreparedRequest {
        method: op.method.clone(),
        url,
        headers,
        body,
    })
}

/// Fills the entity/action of a parameter error raised without them.
fn with_operation(err: Error, op: &OperationSpec) -> Error {
    match err {
        Error::InvalidParameter {
            entity,
            action,
            param,
            reason,
            allowed,
        } if entity.is_empty() && action.is_empty() => Error::InvalidParameter {
            entity: op.entity.clone(),
            action: op.action.clone(),
            param,
            reason,
            allowed,
        },
        other => other,
    }
}

/// The requests of a download: the first one returns either the file
/// (one step) or metadata holding the file URL (two steps, when
/// `x-airbyte-file-url` is set).
pub fn prepare_download(
    op: &OperationSpec,
    base_url: &str,
    params: &Map<String, Value>,
    config: &Map<String, Value>,
) -> Result<PreparedRequest> {
    let path = build_path(op, &op.path, params)?;
    let query = query_values(op, params, config, true)?;
    let query = expand_deep_objects(query, &op.deep_object_params());
    let url = finish_url(base_url, &path, Some(&query));
    if op.file_url.is_some() {
        let body_value = build_body_value(&op.body, params, &op.query_defaults());
        let body = encode_body(&op.body, &body_value).map_err(|e| with_operation(e, op))?;
        check_required_body(op, params)?;
        let mut headers = Vec::new();
        if let Some(b) = &body {
            headers.push(("Content-Type".to_string(), b.content_type.clone()));
        }
        return Ok(PreparedRequest {
            method: op.method.clone(),
            url,
            headers,
            body,
        });
    }
    Ok(PreparedRequest {
        method: op.method.clone(),
        url,
        headers: download_headers(params),
        body: None,
    })
}

/// Headers of a file request: any media type, and the caller's byte range.
pub fn download_headers(params: &Map<String, Value>) -> Vec<(String, String)> {
    let mut headers = vec![("Accept".to_string(), "*/*".to_string())];
    if let Some(range) = params.get("range_header").filter(|v| !v.is_null()) {
        headers.push(("Range".to_string(), py_str(range)));
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::body::{BodyFields, BodyKind, BodySpec};
    use crate::local::operation::{ConfigInject, ParamSpec};
    use serde_json::json;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn list_op() -> OperationSpec {
        OperationSpec {
            entity: "orders".into(),
            action: "list".into(),
            method: "GET".into(),
            path: "/v1/{account_id}/orders".into(),
            path_params: vec![ParamSpec {
                name: "account_id".into(),
                required: true,
                schema: json!({"type": "string"}),
                ..Default::default()
            }],
            query: vec![
                ParamSpec {
                    name: "limit".into(),
                    default: Some(json!(20)),
                    schema: json!({"type": "integer"}),
                    ..Default::default()
                },
                ParamSpec {
                    name: "marketplace".into(),
                    required: true,
                    schema: json!({"type": "string"}),
                    config_inject: Some(ConfigInject {
                        source: "region".into(),
                        map: Some(params(json!({"US": "ATV", "DE": "A1P"}))),
                    }),
                    ..Default::default()
                },
                ParamSpec {
                    name: "statuses".into(),
                    schema: json!({"type": "array"}),
                    style: Some("form".into()),
                    explode: Some(false),
                    ..Default::default()
                },
                ParamSpec {
                    name: "created".into(),
                    schema: json!({"type": "object"}),
                    style: Some("deepObject".into()),
                    ..Default::default()
                },
            ],
            headers: vec![ParamSpec {
                name: "X-Api-Version".into(),
                default: Some(json!(3)),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn dot_segments_in_path_values_are_refused() {
        let op = list_op();
        for value in [".", ".."] {
            let err =
                build_path(&op, &op.path, &params(json!({"account_id": value}))).expect_err(value);
            assert_eq!(
                err.kind(),
                crate::error::ErrorKind::InvalidParameter,
                "{value}"
            );
            assert!(err.to_string().contains("account_id"), "{err}");
        }
        // A literal "%2e" is quoted, so it is not a dot segment.
        let path = build_path(&op, &op.path, &params(json!({"account_id": "%2e"}))).unwrap();
        assert_eq!(path, "/v1/%252e/orders");
        // Dots inside a segment are ordinary characters.
        let path = build_path(
            &op,
            "/v1/{account_id}.json",
            &params(json!({"account_id": "."})),
        )
        .unwrap();
        assert_eq!(path, "/v1/..json");
        let path = build_path(&op, &op.path, &params(json!({"account_id": "a.b"}))).unwrap();
        assert_eq!(path, "/v1/a.b/orders");
    }

    #[test]
    fn base_url_variables() {
        let config = params(json!({"subdomain": "acme", "n": 2}));
        assert_eq!(
            render_base_url("https://{subdomain}.zendesk.com/api/v{n}/", &config),
            "https://acme.zendesk.com/api/v2"
        );
        assert_eq!(render_base_url("https://{x}.io", &config), "https://{x}.io");
    }

    #[test]
    fn list_request() {
        let op = list_op();
        let config = params(json!({"region": "de"}));
        let req = prepare_standard(
            &op,
            "http://127.0.0.1:9/api",
            &params(json!({
                "statuses": ["a", "b"], "account_id": "a/1 x", "created": {"gte": 5}, "ignored": 1
            })),
            &config,
        )
        .unwrap();
        assert_eq!(
            req.url,
            "http://127.0.0.1:9/api/v1/a%2F1%20x/orders?statuses=a%2Cb&created%5Bgte%5D=5&marketplace=A1P"
        );
        assert_eq!(
            req.headers,
            vec![("X-Api-Version".to_string(), "3".to_string())]
        );
        assert!(req.body.is_none());
    }

    #[test]
    fn path_and_query_errors() {
        let op = list_op();
        let config = params(json!({"region": "US"}));
        let e = prepare_standard(&op, "http://h", &Map::new(), &config).unwrap_err();
        assert!(matches!(e, Error::MissingParameter { ref param, .. } if param == "account_id"));
        let e = prepare_standard(
            &op,
            "http://h",
            &params(json!({"account_id": " "})),
            &config,
        )
        .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidParameter);
        let e = prepare_standard(
            &op,
            "http://h",
            &params(json!({"account_id": "1"})),
            &Map::new(),
        )
        .unwrap_err();
        assert!(matches!(e, Error::MissingParameter { ref param, .. } if param == "marketplace"));
        let e = prepare_standard(
            &op,
            "http://h",
            &params(json!({"account_id": "1", "marketplace": ""})),
            &Map::new(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidParameter);
        let ok = prepare_standard(
            &op,
            "http://h",
            &params(json!({"account_id": 7, "marketplace": "M"})),
            &Map::new(),
        )
        .unwrap();
        assert_eq!(ok.url, "http://h/v1/7/orders?marketplace=M");
    }

    #[test]
    fn json_body_and_content_type() {
        let op = OperationSpec {
            entity: "contacts".into(),
            action: "create".into(),
            method: "POST".into(),
            path: "/contacts".into(),
            body: BodySpec {
                fields: BodyFields::Named(vec!["email".into()]),
                kind: BodyKind::Json,
                ..Default::default()
            },
            ..Default::default()
        };
        let req = prepare_standard(
            &op,
            "http://h",
            &params(json!({"email": "é@x"})),
            &Map::new(),
        )
        .unwrap();
        assert_eq!(
            req.headers,
            vec![("Content-Type".to_string(), "application/json".to_string())]
        );
        assert_eq!(
            &req.body.unwrap().bytes[..],
            "{\"email\":\"é@x\"}".as_bytes()
        );
        let none = prepare_standard(&op, "http://h", &Map::new(), &Map::new()).unwrap();
        assert!(none.headers.is_empty() && none.body.is_none());
    }

    #[test]
    fn restli_moves_query_into_path() {
        let op = OperationSpec {
            entity: "analytics".into(),
            action: "list".into(),
            method: "GET".into(),
            path: "/adAnalytics".into(),
            query: vec![ParamSpec {
                name: "campaigns".into(),
                schema: json!({"type": "string"}),
                ..Default::default()
            }],
            headers: vec![ParamSpec {
                name: "X-Restli-Protocol-Version".into(),
                default: Some(json!("2.0.0")),
                ..Default::default()
            }],
            ..Default::default()
        };
        let req = prepare_standard(
            &op,
            "http://h",
            &params(json!({"campaigns": "List(urn%3Ali%3AsponsoredCampaign%3A1)"})),
            &Map::new(),
        )
        .unwrap();
        assert_eq!(
            req.url,
            "http://h/adAnalytics?campaigns=List(urn%3Ali%3AsponsoredCampaign%3A1)"
        );
    }

    #[test]
    fn download_requests() {
        let mut op = list_op();
        op.action = "download".into();
        let req = prepare_download(
            &op,
            "http://h",
            &params(json!({"account_id": "1", "marketplace": "M", "range_header": "bytes=0-9"})),
            &Map::new(),
        )
        .unwrap();
        assert_eq!(req.url, "http://h/v1/1/orders?marketplace=M&limit=20");
        assert_eq!(
            req.headers,
            vec![
                ("Accept".to_string(), "*/*".to_string()),
                ("Range".to_string(), "bytes=0-9".to_string())
            ]
        );
    }
}
