//! What a side did for one case, normalized so that only meaningful
//! differences remain: the requests that reached the server and the result.

use airbyte_agent_testkit::RecordedRequest;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Headers every HTTP client sets its own way; they say nothing about the executor.
const CLIENT_HEADERS: [&str; 6] = [
    "host",
    "user-agent",
    "accept-encoding",
    "connection",
    "content-length",
    "traceparent",
];

/// One request as compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireRequest {
    /// Upper-case method.
    pub method: String,
    /// Path as sent (percent-encoding kept).
    pub path: String,
    /// Decoded query pairs, sorted.
    pub query: Vec<(String, String)>,
    /// Headers (lower-case names), client-specific ones removed, sorted.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: WireBody,
}

/// A request body as compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum WireBody {
    /// No body.
    None,
    /// A JSON document (compared as a value: key order does not matter).
    Json(Value),
    /// A URL-encoded form, pairs in the order sent.
    Form(Vec<(String, String)>),
    /// Anything else, as text; multipart boundaries replaced by `BOUNDARY`.
    Text(String),
}

impl WireRequest {
    /// Normalizes one recorded request.
    pub fn from_recorded(r: &RecordedRequest) -> Self {
        let content_type = r.header("content-type").unwrap_or_default().to_string();
        let boundary = content_type
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("boundary="))
            .next()
            .map(|b| b.trim_matches('"').to_string());
        let mut headers: Vec<(String, String)> = r
            .headers
            .iter()
            .filter(|(k, v)| {
                !(CLIENT_HEADERS.contains(&k.as_str()) || (k == "accept" && v == "*/*"))
            })
            .map(|(k, v)| {
                let v = match &boundary {
                    Some(b) => v.replace(b.as_str(), "BOUNDARY"),
                    None => v.clone(),
                };
                (k.clone(), v)
            })
            .collect();
        headers.sort();
        let body = if r.body.is_empty() {
            WireBody::None
        } else if content_type.contains("json")
            && let Some(v) = r.json()
        {
            WireBody::Json(v)
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            WireBody::Form(url_pairs(&r.text()))
        } else {
            let text = r.text();
            WireBody::Text(match &boundary {
                Some(b) => text.replace(b.as_str(), "BOUNDARY"),
                None => text,
            })
        };
        Self {
            method: r.method.clone(),
            path: r.path.clone(),
            query: r.sorted_query(),
            headers,
            body,
        }
    }
}

fn url_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                out.push(hex_val(bytes[i + 1]) * 16 + hex_val(bytes[i + 2]));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

/// The result of executing a case on one side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// `None` on success; otherwise the error kind in our vocabulary
    /// ([`ErrorKind`](airbyte_agent_sdk) variant names, e.g. `MissingParameter`).
    pub error_kind: Option<String>,
    /// The error text (reported, never compared: wording differs by design).
    #[serde(default)]
    pub error_message: Option<String>,
    /// Result data; downloads are `{"bytes_hex": "..."}`.
    #[serde(default)]
    pub data: Value,
    /// Result metadata (`null` when none).
    #[serde(default)]
    pub meta: Value,
}

impl Outcome {
    /// Whether two outcomes agree: same error kind, or both succeeded with
    /// equal data and meta.
    pub fn agrees_with(&self, other: &Outcome) -> bool {
        match (&self.error_kind, &other.error_kind) {
            (None, None) => {
                self.data == other.data && normalize_meta(&self.meta) == normalize_meta(&other.meta)
            }
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }
}

/// An empty meta object and no meta mean the same.
fn normalize_meta(v: &Value) -> Value {
    match v {
        Value::Object(m) if m.is_empty() => Value::Null,
        other => other.clone(),
    }
}

/// Everything one side did for one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Requests that reached the server, in order.
    pub requests: Vec<WireRequest>,
    /// The result.
    pub outcome: Outcome,
}

/// Hex encoding for download bytes (both sides use it).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_pairs_are_decoded() {
        assert_eq!(
            url_pairs("a=1+2&b%5Bc%5D=%C3%A9&d"),
            vec![
                ("a".into(), "1 2".into()),
                ("b[c]".into(), "é".into()),
                ("d".into(), "".into())
            ]
        );
        assert_eq!(decode("100%"), "100%");
    }

    fn recorded(headers: &[(&str, &str)], body: &str) -> RecordedRequest {
        RecordedRequest {
            method: "POST".into(),
            path: "/upload".into(),
            raw_query: Some("b=2&a=1".into()),
            query: vec![("b".into(), "2".into()), ("a".into(), "1".into())],
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn client_headers_and_boundaries_are_normalized() {
        let r = recorded(
            &[
                ("user-agent", "python-httpx/0.28"),
                ("accept", "*/*"),
                ("content-type", "multipart/form-data; boundary=abc123"),
                ("x-custom", "1"),
            ],
            "--abc123\r\ncontent\r\n--abc123--",
        );
        let w = WireRequest::from_recorded(&r);
        assert_eq!(
            w.query,
            vec![("a".into(), "1".into()), ("b".into(), "2".into())]
        );
        assert_eq!(
            w.headers,
            vec![
                (
                    "content-type".into(),
                    "multipart/form-data; boundary=BOUNDARY".into()
                ),
                ("x-custom".into(), "1".into())
            ]
        );
        assert_eq!(
            w.body,
            WireBody::Text("--BOUNDARY\r\ncontent\r\n--BOUNDARY--".into())
        );
        let j = WireRequest::from_recorded(&recorded(
            &[
                ("content-type", "application/json"),
                ("accept", "application/json"),
            ],
            "{\"b\":1,\"a\":2}",
        ));
        assert_eq!(j.body, WireBody::Json(serde_json::json!({"a": 2, "b": 1})));
        assert_eq!(j.headers[0], ("accept".into(), "application/json".into()));
    }

    #[test]
    fn empty_meta_equals_no_meta() {
        let a = Outcome {
            error_kind: None,
            error_message: None,
            data: Value::Null,
            meta: serde_json::json!({}),
        };
        let b = Outcome {
            meta: Value::Null,
            ..a.clone()
        };
        assert!(a.agrees_with(&b));
        let c = Outcome {
            error_kind: Some("HttpStatus".into()),
            ..a.clone()
        };
        assert!(!a.agrees_with(&c));
    }
}
