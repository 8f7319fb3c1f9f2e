//! Sending prepared requests and reading their responses the way the
//! engine needs them: JSON bodies parsed with the reference's tolerance, or
//! byte streams for downloads.

use bytes::Bytes;
use serde_json::Value;

use super::lazy_records::{LazyBody, parse_keeping};
use super::request::PreparedRequest;
use crate::error::{Error, Result, sanitize_url};
use crate::executor::ByteStream;

/// A response read whole and parsed.
#[derive(Debug, Clone)]
pub struct Received {
    /// Status code.
    pub status: u16,
    /// Response headers (names lower case).
    pub headers: Vec<(String, String)>,
    /// Parsed body (`{}` for an empty body).
    pub body: Value,
}

/// A response read whole, its body not parsed yet.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Status code.
    pub status: u16,
    /// Response headers (names lower case).
    pub headers: Vec<(String, String)>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body as received.
    pub body: Bytes,
}

/// A response whose body is streamed.
pub struct Streamed {
    /// Status code.
    pub status: u16,
    /// Response headers (names lower case).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub stream: ByteStream,
}

impl std::fmt::Debug for Streamed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streamed")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Parses a success body: empty → `{}`; JSON (or no content type, or any
/// other type that parses) → the value; XML or HTML → an error.
pub fn parse_body(
    method: &str,
    url: &str,
    content_type: Option<&str>,
    body: &Bytes,
) -> Result<Value> {
    parse_body_with(method, url, content_type, body, |text| {
        serde_json::from_str(text)
    })
}

/// Like [`parse_body`], keeping the node at `path` as text (see
/// [`parse_keeping`]).
pub fn parse_body_keeping(
    method: &str,
    url: &str,
    content_type: Option<&str>,
    body: &Bytes,
    path: &[String],
) -> Result<LazyBody> {
    parse_body_with(method, url, content_type, body, |text| {
        parse_keeping(text, path)
    })
}

/// The checks and error messages of [`parse_body`], with the parser given.
fn parse_body_with<T: From<Value>>(
    method: &str,
    url: &str,
    content_type: Option<&str>,
    body: &Bytes,
    parse: impl FnOnce(&str) -> serde_json::Result<T>,
) -> Result<T> {
    // Valid UTF-8 is checked with the fast validator; the lossy decoding
    // only runs for bodies that need it.
    let text = match std::str::from_utf8(body) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(body),
    };
    if text.trim().is_empty() {
        return Ok(T::from(Value::Object(Default::default())));
    }
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let what = || {
        format!(
            "response of {} {}",
            method.to_ascii_uppercase(),
            sanitize_url(url)
        )
    };
    if !(ct.is_empty() || ct.contains("application/json") || ct.contains("+json"))
        && (ct.contains("application/xml") || ct.contains("text/html"))
    {
        return Err(Error::Decode {
            what: what(),
            message: format!("expected JSON, got content type {ct}"),
        });
    }
    parse(&text).map_err(|e| Error::Decode {
        what: what(),
        message: if ct.is_empty() {
            e.to_string()
        } else {
            format!("{e} (content type was {ct})")
        },
    })
}

/// Whether a request URL leaves the connector's API (pre-signed file URLs):
/// such requests carry no credentials.
pub fn is_external(url: &str, base_url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://")) && !url.starts_with(base_url)
}

/// Resolves a next-page link against the base URL: absolute URLs are kept,
/// `/path` is taken from the base URL's origin, other text is appended.
pub fn resolve_link(base_url: &str, link: &str) -> String {
    if link.starts_with("http://") || link.starts_with("https://") {
        return link.to_string();
    }
    match url::Url::parse(base_url).and_then(|b| b.join(link)) {
        Ok(u) if link.starts_with('/') => u.to_string(),
        _ => format!("{base_url}{link}"),
    }
}

/// Method, URL and headers of a request as sent, for error messages.
pub fn describe(req: &PreparedRequest) -> String {
    format!("{} {}", req.method, sanitize_url(&req.url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_parsing_rules() {
        let p = |ct: Option<&str>, b: &'static str| {
            parse_body(
                "get",
                "http://h/x?k=s",
                ct,
                &Bytes::from_static(b.as_bytes()),
            )
        };
        assert_eq!(
            p(Some("application/json"), " ").unwrap(),
            serde_json::json!({})
        );
        assert_eq!(p(None, "[1]").unwrap(), serde_json::json!([1]));
        assert_eq!(
            p(Some("application/vnd.api+json"), "{\"a\":1}").unwrap()["a"],
            1
        );
        assert_eq!(
            p(Some("application/octet-stream"), "{\"a\":1}").unwrap()["a"],
            1
        );
        let e = p(Some("text/html"), "<html>").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Decode);
        assert!(!e.to_string().contains("k=s"));
        assert!(p(Some("text/plain"), "nope").is_err());
    }

    #[test]
    fn links_and_external_urls() {
        assert_eq!(
            resolve_link("https://api.io/2010-04-01", "/2010-04-01/A.json?Page=1"),
            "https://api.io/2010-04-01/A.json?Page=1"
        );
        assert_eq!(
            resolve_link("https://api.io/v1", "https://x.io/n"),
            "https://x.io/n"
        );
        assert!(is_external("https://s3.io/f", "https://api.io"));
        assert!(!is_external("https://api.io/f", "https://api.io"));
        assert!(!is_external("/f", "https://api.io"));
    }
}
