//! Mapping HTTP failures to [`Error`].
//!
//! The detail text follows the hosted API's error shapes: a list of
//! `errors[]` with `userPresentableMessage` / `message` / `error`, else a
//! top-level `message` / `error`, else the raw body (bounded).

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::error::{Error, HttpErrorInfo, sanitize_url};

/// Longest raw body kept in an error message, in bytes.
const MAX_RAW_DETAIL: usize = 2_000;

/// Extracts the server's explanation from an error response body.
///
/// ```
/// use airbyte_agent_sdk::http::extract_error_detail;
///
/// let body = br#"{"errors":[{"userPresentableMessage":"bad limit"},{"message":"x"}]}"#;
/// assert_eq!(extract_error_detail(body), "bad limit, x");
/// assert_eq!(extract_error_detail(br#"{"message":"nope"}"#), "nope");
/// assert_eq!(extract_error_detail(b"plain"), "plain");
/// ```
pub fn extract_error_detail(body: &[u8]) -> String {
    if let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) {
        match obj.get("errors") {
            Some(Value::Array(errors)) if !errors.is_empty() => {
                return errors.iter().map(one_error).collect::<Vec<_>>().join(", ");
            }
            _ => {
                for key in ["message", "error"] {
                    match obj.get(key) {
                        Some(Value::String(s)) if !s.is_empty() => return s.clone(),
                        Some(v) if !v.is_null() && !is_empty_string(v) => {
                            return value_text(v);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    truncate_utf8(&String::from_utf8_lossy(body), MAX_RAW_DETAIL)
}

fn is_empty_string(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.is_empty()) || v == &Value::Bool(false)
}

fn one_error(e: &Value) -> String {
    if let Value::Object(o) = e {
        for key in ["userPresentableMessage", "message", "error"] {
            if let Some(v) = o.get(key).filter(|v| !v.is_null() && !is_empty_string(v)) {
                return value_text(v);
            }
        }
    }
    value_text(e)
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn truncate_utf8(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

/// Parses a `Retry-After` header value: delay seconds or an HTTP date.
///
/// ```
/// use airbyte_agent_sdk::http::parse_retry_after;
/// use std::time::Duration;
///
/// assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
/// assert_eq!(parse_retry_after("soon"), None);
/// ```
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(saturating_secs(secs));
        }
        return None;
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// `secs` (finite, ≥ 0) as a duration; values too large for a [`Duration`]
/// (a server may send `Retry-After: 1e300`) become [`Duration::MAX`]
/// instead of panicking as [`Duration::from_secs_f64`] would.
pub(crate) fn saturating_secs(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs).unwrap_or(if secs > 0.0 {
        Duration::MAX
    } else {
        Duration::ZERO
    })
}

/// Builds the [`Error`] for a non-success response.
///
/// `retry_after` is the raw `Retry-After` header, if any.
pub fn error_from_response(
    status: u16,
    method: &str,
    url: &str,
    retry_after: Option<&str>,
    body: &[u8],
) -> Error {
    let info = HttpErrorInfo::new(status, method, url, extract_error_detail(body));
    Error::from_status(info, retry_after.and_then(parse_retry_after))
}

/// Maps a transport failure from reqwest to [`Error::Timeout`] or [`Error::Network`].
///
/// `timeout` is the limit in force, reported when the failure is a timeout.
pub fn map_transport_error(
    err: reqwest::Error,
    method: &str,
    url: &str,
    timeout: Duration,
) -> Error {
    let method = method.to_ascii_uppercase();
    let url = sanitize_url(url);
    if err.is_timeout() {
        return Error::Timeout {
            method,
            url,
            after: timeout,
        };
    }
    let message = if err.is_connect() {
        "could not connect".to_string()
    } else if err.is_body() || err.is_decode() {
        "the response body was interrupted".to_string()
    } else {
        "the request failed".to_string()
    };
    // reqwest's Display includes the full URL (with query); keep only its
    // source chain, which describes the cause without the URL.
    let source: Option<crate::error::BoxError> = Some(Box::new(err.without_url()));
    Error::Network {
        method,
        url,
        message,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn detail_shapes() {
        assert_eq!(
            extract_error_detail(br#"{"errors":[{"error":"e1"},"raw"]}"#),
            "e1, raw"
        );
        assert_eq!(extract_error_detail(br#"{"error":"denied"}"#), "denied");
        assert_eq!(
            extract_error_detail(br#"{"errors":[]}"#),
            r#"{"errors":[]}"#
        );
        assert_eq!(extract_error_detail(b""), "");
        let big = vec![b'a'; 5000];
        assert!(extract_error_detail(&big).ends_with("(5000 bytes)"));
    }

    #[test]
    fn retry_after_http_date() {
        let future = SystemTime::now() + Duration::from_secs(120);
        let d = parse_retry_after(&httpdate::fmt_http_date(future)).unwrap();
        assert!(d > Duration::from_secs(100) && d <= Duration::from_secs(120));
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(120));
        assert_eq!(parse_retry_after(&past), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn retry_after_too_large_for_a_duration_saturates() {
        // Regression: these panicked in `Duration::from_secs_f64`.
        for huge in ["1e300", "18446744073709551616", "1.8446744073709552e19"] {
            assert_eq!(parse_retry_after(huge), Some(Duration::MAX), "{huge}");
        }
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("inf"), None);
        assert_eq!(saturating_secs(-0.0), Duration::ZERO);
        let e = error_from_response(429, "GET", "http://h/x", Some("1e300"), b"{}");
        assert_eq!(e.retry_after(), Some(Duration::MAX));
        assert!(e.to_string().contains("Retry after"), "{e}");
    }

    #[test]
    fn response_mapping() {
        let e = error_from_response(
            429,
            "post",
            "http://127.0.0.1:1/x?k=v",
            Some("3"),
            br#"{"message":"slow down"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(
            e.http_info().unwrap().to_string(),
            "HTTP 429 error for POST http://127.0.0.1:1/x: slow down"
        );
    }
}
