//! The one error type of the SDK.
//!
//! Every fallible call in this crate returns [`Result<T>`]. Callers match on
//! [`Error::kind`] (a small, stable, field-less enum) or on the variants
//! themselves when they need the details, and ask [`Error::is_retryable`]
//! before trying again.
//!
//! Messages are written for the person (or agent) reading them: they say what
//! went wrong and what to do next. They never contain secrets: URLs are
//! stripped of credentials and query strings before they are stored here.
//!
//! ```
//! use airbyte_agent_sdk::{Error, ErrorKind};
//!
//! fn explain(err: &Error) -> &'static str {
//!     match err.kind() {
//!         ErrorKind::Authentication => "reconnect or check the credentials",
//!         ErrorKind::RateLimited => "wait and retry",
//!         _ if err.is_retryable() => "retry later",
//!         _ => "fix the call",
//!     }
//! }
//! # let _ = explain;
//! ```

use std::path::PathBuf;
use std::time::Duration;

/// Shorthand for `std::result::Result<T, airbyte_agent_sdk::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error used as the `source` of transport failures.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What an HTTP error response said: enough to debug it, nothing secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpErrorInfo {
    /// HTTP status code of the response.
    pub status: u16,
    /// Request method, upper case.
    pub method: String,
    /// Request URL without query string or userinfo.
    pub url: String,
    /// The server's explanation, extracted from the body (see [`HttpErrorInfo::detail`]).
    pub detail: String,
}

impl HttpErrorInfo {
    /// Builds the info, sanitizing the URL (userinfo and query are dropped).
    pub fn new(
        status: u16,
        method: impl Into<String>,
        url: &str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            method: method.into().to_ascii_uppercase(),
            url: sanitize_url(url),
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for HttpErrorInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HTTP {} error for {} {}: {}",
            self.status, self.method, self.url, self.detail
        )
    }
}

/// The kind of an [`Error`]: stable, field-less, cheap to match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No credentials could be resolved.
    MissingCredentials,
    /// The caller passed an argument the SDK cannot use.
    InvalidArgument,
    /// The server rejected the credentials (401/403).
    Authentication,
    /// The server asked us to slow down (429).
    RateLimited,
    /// The server rejected the request as invalid (400/422).
    Validation,
    /// Any other non-success HTTP status.
    HttpStatus,
    /// The connection failed (DNS, refused, reset, TLS).
    Network,
    /// A timeout elapsed.
    Timeout,
    /// A lookup found nothing.
    NotFound,
    /// A lookup that must find exactly one thing found several.
    Ambiguous,
    /// The entity is not part of the connector definition.
    EntityNotFound,
    /// The entity does not support the action.
    ActionNotSupported,
    /// A required operation parameter is missing.
    MissingParameter,
    /// An operation parameter has the wrong type or value.
    InvalidParameter,
    /// A connector definition could not be loaded or is invalid.
    Definition,
    /// A response could not be decoded.
    Decode,
    /// A local file operation failed.
    Io,
    /// A file exists and overwriting was not allowed.
    AlreadyExists,
    /// The remote side reported a failed execution without an HTTP error.
    Execution,
}

/// The error type of every fallible operation in this SDK.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No client id / secret could be found.
    #[error(
        "missing Airbyte credentials ({}): pass them explicitly, call `configure(..)`, \
         or set the AIRBYTE_CLIENT_ID and AIRBYTE_CLIENT_SECRET environment variables",
        .missing.join(", ")
    )]
    MissingCredentials {
        /// Names of the missing settings, e.g. `client_id`.
        missing: Vec<&'static str>,
    },

    /// An argument given to the SDK is unusable.
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// The argument's name.
        name: String,
        /// Why it is unusable, and what would be accepted.
        reason: String,
    },

    /// 401 or 403.
    #[error(
        "authentication failed: {info}. Check the client id and secret, or reconnect the connector's credentials"
    )]
    Authentication {
        /// The response details.
        info: Box<HttpErrorInfo>,
    },

    /// 429.
    #[error("rate limited: {info}{}", retry_hint(.retry_after))]
    RateLimited {
        /// The response details.
        info: Box<HttpErrorInfo>,
        /// How long the server asked us to wait, when it said so.
        retry_after: Option<Duration>,
    },

    /// 400 or 422: the request was understood but rejected; fix the arguments.
    #[error("request rejected: {info}. Fix the parameters and try again")]
    Validation {
        /// The response details.
        info: Box<HttpErrorInfo>,
    },

    /// Any other error status.
    #[error("{info}")]
    HttpStatus {
        /// The response details.
        info: Box<HttpErrorInfo>,
    },

    /// The connection could not be made or was broken.
    #[error("network error for {method} {url}: {message}. Check connectivity and the API URL")]
    Network {
        /// Request method.
        method: String,
        /// Sanitized request URL.
        url: String,
        /// What failed.
        message: String,
        /// The underlying transport error.
        #[source]
        source: Option<BoxError>,
    },

    /// A timeout elapsed before the operation finished.
    #[error("timed out after {:.1?} for {method} {url}. Raise the timeout or retry later", .after)]
    Timeout {
        /// Request method.
        method: String,
        /// Sanitized request URL.
        url: String,
        /// The limit that elapsed.
        after: Duration,
    },

    /// A lookup found nothing.
    #[error("no {what} `{name}` found in {scope}{}", list_hint("available", .available))]
    NotFound {
        /// What was looked for ("connector", "workspace", ...).
        what: String,
        /// The name or id looked for.
        name: String,
        /// Where it was looked for, e.g. `workspace "default"`.
        scope: String,
        /// What does exist there.
        available: Vec<String>,
    },

    /// A lookup that needed exactly one match found several.
    #[error("{} {what}s match `{name}` in {scope}; pass an id to pick one{}", .candidates.len(), list_hint("candidates", .candidates))]
    Ambiguous {
        /// What was looked for.
        what: String,
        /// The name looked for.
        name: String,
        /// Where it was looked for.
        scope: String,
        /// The matching items (ids and names).
        candidates: Vec<String>,
    },

    /// The entity is unknown to the connector.
    #[error("entity `{entity}` not found in connector `{connector}`{}", list_hint("valid entities", .available))]
    EntityNotFound {
        /// Connector name.
        connector: String,
        /// The requested entity.
        entity: String,
        /// Entities the connector has.
        available: Vec<String>,
    },

    /// The entity exists but does not support the action.
    #[error("action `{action}` is not supported by entity `{entity}`{}", list_hint("supported actions", .available))]
    ActionNotSupported {
        /// The entity.
        entity: String,
        /// The requested action.
        action: String,
        /// Actions the entity supports.
        available: Vec<String>,
    },

    /// A required parameter was not given.
    #[error("missing required parameter `{param}` for {entity}.{action}")]
    MissingParameter {
        /// The entity.
        entity: String,
        /// The action.
        action: String,
        /// The missing parameter.
        param: String,
    },

    /// A parameter has a wrong type or a value outside its enum.
    #[error("invalid parameter `{param}` for {entity}.{action}: {reason}{}", list_hint("allowed values", .allowed))]
    InvalidParameter {
        /// The entity.
        entity: String,
        /// The action.
        action: String,
        /// The parameter.
        param: String,
        /// What is wrong with it.
        reason: String,
        /// The allowed values, when the parameter is an enum.
        allowed: Vec<String>,
    },

    /// A connector definition is unreadable or invalid.
    #[error("invalid connector definition{}{}: {message}", .file.as_ref().map(|f| format!(" {}", f.display())).unwrap_or_default(), if .pointer.is_empty() { String::new() } else { format!(" at {}", .pointer) })]
    Definition {
        /// The file, when loaded from disk.
        file: Option<PathBuf>,
        /// JSON pointer to the offending node (empty for the whole document).
        pointer: String,
        /// What is wrong.
        message: String,
    },

    /// A response body could not be decoded.
    #[error("could not decode {what}: {message}")]
    Decode {
        /// What was being decoded, e.g. `token response from POST https://…`.
        what: String,
        /// Why it failed.
        message: String,
    },

    /// A local file operation failed.
    #[error("I/O error on {}: {source}", .path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The target file exists and overwriting was not requested.
    #[error("{} already exists; pass overwrite=true to replace it", .path.display())]
    AlreadyExists {
        /// The existing path.
        path: PathBuf,
    },

    /// The remote side reported that the execution failed.
    #[error("execution failed: {message}")]
    Execution {
        /// The remote side's explanation.
        message: String,
    },
}

impl Error {
    /// The kind of this error, for matching.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::MissingCredentials { .. } => ErrorKind::MissingCredentials,
            Error::InvalidArgument { .. } => ErrorKind::InvalidArgument,
            Error::Authentication { .. } => ErrorKind::Authentication,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::Validation { .. } => ErrorKind::Validation,
            Error::HttpStatus { .. } => ErrorKind::HttpStatus,
            Error::Network { .. } => ErrorKind::Network,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Ambiguous { .. } => ErrorKind::Ambiguous,
            Error::EntityNotFound { .. } => ErrorKind::EntityNotFound,
            Error::ActionNotSupported { .. } => ErrorKind::ActionNotSupported,
            Error::MissingParameter { .. } => ErrorKind::MissingParameter,
            Error::InvalidParameter { .. } => ErrorKind::InvalidParameter,
            Error::Definition { .. } => ErrorKind::Definition,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Io { .. } => ErrorKind::Io,
            Error::AlreadyExists { .. } => ErrorKind::AlreadyExists,
            Error::Execution { .. } => ErrorKind::Execution,
        }
    }

    /// Whether trying the same call again later may succeed.
    ///
    /// True for rate limits, timeouts, network failures and 5xx responses
    /// (except 501 Not Implemented); false for everything the caller has to fix.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } | Error::Network { .. } => true,
            Error::HttpStatus { info } => {
                (500..600).contains(&info.status) && info.status != 501 || info.status == 408
            }
            _ => false,
        }
    }

    /// How long the server asked us to wait before retrying, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status code, for errors that came from an HTTP response.
    pub fn status(&self) -> Option<u16> {
        self.http_info().map(|i| i.status)
    }

    /// The HTTP response details, for errors that came from an HTTP response.
    pub fn http_info(&self) -> Option<&HttpErrorInfo> {
        match self {
            Error::Authentication { info }
            | Error::RateLimited { info, .. }
            | Error::Validation { info }
            | Error::HttpStatus { info } => Some(info),
            _ => None,
        }
    }

    /// Classifies an HTTP error response into the matching variant.
    ///
    /// `retry_after` is only used for 429.
    pub fn from_status(info: HttpErrorInfo, retry_after: Option<Duration>) -> Self {
        let info = Box::new(info);
        match info.status {
            401 | 403 => Error::Authentication { info },
            429 => Error::RateLimited { info, retry_after },
            400 | 422 => Error::Validation { info },
            _ => Error::HttpStatus { info },
        }
    }

    /// Shorthand for [`Error::InvalidArgument`].
    pub fn invalid_argument(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

fn retry_hint(after: &Option<Duration>) -> String {
    match after {
        Some(d) => format!(". Retry after {} s", d.as_secs_f64().ceil() as u64),
        None => ". Retry later".to_string(),
    }
}

fn list_hint(label: &str, items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!("; {label}: {}", items.join(", "))
    }
}

/// Strips userinfo, query string and fragment from a URL so it can be shown
/// in errors and logs without leaking secrets.
pub fn sanitize_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => raw.split(['?', '#']).next().unwrap_or_default().to_string(),
    }
}

/// How messages name a JSON value's type: `"a string"`, `"an object"`, …
///
/// ```
/// use airbyte_agent_sdk::error::json_type_name;
/// assert_eq!(json_type_name(&serde_json::json!([1])), "an array");
/// ```
pub fn json_type_name(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(status: u16) -> HttpErrorInfo {
        HttpErrorInfo::new(
            status,
            "get",
            "https://u:p@api.example.com/v1/x?api_key=s3cret#f",
            "boom",
        )
    }

    #[test]
    fn status_classification() {
        assert_eq!(
            Error::from_status(info(401), None).kind(),
            ErrorKind::Authentication
        );
        assert_eq!(
            Error::from_status(info(403), None).kind(),
            ErrorKind::Authentication
        );
        assert_eq!(
            Error::from_status(info(429), None).kind(),
            ErrorKind::RateLimited
        );
        assert_eq!(
            Error::from_status(info(400), None).kind(),
            ErrorKind::Validation
        );
        assert_eq!(
            Error::from_status(info(422), None).kind(),
            ErrorKind::Validation
        );
        assert_eq!(
            Error::from_status(info(404), None).kind(),
            ErrorKind::HttpStatus
        );
        assert_eq!(
            Error::from_status(info(503), None).kind(),
            ErrorKind::HttpStatus
        );
    }

    #[test]
    fn retryable() {
        assert!(Error::from_status(info(429), None).is_retryable());
        assert!(Error::from_status(info(500), None).is_retryable());
        assert!(Error::from_status(info(503), None).is_retryable());
        assert!(!Error::from_status(info(501), None).is_retryable());
        assert!(!Error::from_status(info(404), None).is_retryable());
        assert!(!Error::from_status(info(401), None).is_retryable());
        assert!(!Error::from_status(info(422), None).is_retryable());
        assert!(!Error::invalid_argument("x", "y").is_retryable());
    }

    #[test]
    fn message_is_sanitized_and_actionable() {
        let e = Error::from_status(info(429), Some(Duration::from_secs(7)));
        let msg = e.to_string();
        assert_eq!(
            msg,
            "rate limited: HTTP 429 error for GET https://api.example.com/v1/x: boom. Retry after 7 s"
        );
        assert!(!msg.contains("s3cret"));
        assert!(!msg.contains("u:p"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(e.status(), Some(429));
    }

    #[test]
    fn lists_alternatives() {
        let e = Error::EntityNotFound {
            connector: "stripe".into(),
            entity: "custmers".into(),
            available: vec!["customers".into(), "invoices".into()],
        };
        assert_eq!(
            e.to_string(),
            "entity `custmers` not found in connector `stripe`; valid entities: customers, invoices"
        );
        let e = Error::MissingCredentials {
            missing: vec!["client_id"],
        };
        assert!(e.to_string().contains("AIRBYTE_CLIENT_ID"));
        assert!(e.to_string().contains("AIRBYTE_CLIENT_SECRET"));
    }
}
