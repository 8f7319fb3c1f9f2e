//! Errors translated for agents: a short message that says how to fix the
//! call, and a [`RetryHint`] the agent (or its runtime) can act on.
//!
//! Retry classification follows the reference's translator (0.1.380
//! `translation`): rate limits, network failures, timeouts and 5xx responses
//! are transient; validation failures are deterministic and go back to the
//! model to fix; everything else is not retried.

use std::time::Duration;

use serde::Serialize;

use crate::error::{Error, ErrorKind, HttpErrorInfo};

/// Longest server detail quoted in a message.
const MAX_DETAIL_CHARS: usize = 300;

/// What the agent should do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RetryHint {
    /// Transient: the same call may succeed later.
    Retry {
        /// How long to wait, when the server said (whole seconds, rounded up).
        #[serde(skip_serializing_if = "Option::is_none", rename = "after_seconds")]
        #[serde(serialize_with = "serialize_secs")]
        after: Option<Duration>,
    },
    /// Change the arguments (entity, action, parameters) and call again.
    FixArguments,
    /// Credentials are missing, expired or lack permission: reconnect the
    /// connector (or fix its credentials) before retrying.
    Reconnect,
    /// Retrying will not help: report the problem.
    DoNotRetry,
}

fn serialize_secs<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_u64(d.as_secs_f64().ceil() as u64),
        None => s.serialize_none(),
    }
}

/// An [`Error`] as an agent should see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AgentError {
    /// Stable snake_case name of the error kind, e.g. `invalid_parameter`.
    pub error: &'static str,
    /// One or two sentences: what went wrong and how to fix the call.
    pub message: String,
    /// What to do next.
    pub retry: RetryHint,
}

/// The snake_case name of an error kind (used as [`AgentError::error`]).
pub fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::MissingCredentials => "missing_credentials",
        ErrorKind::InvalidArgument => "invalid_argument",
        ErrorKind::Authentication => "authentication",
        ErrorKind::RateLimited => "rate_limited",
        ErrorKind::Validation => "validation",
        ErrorKind::HttpStatus => "http_status",
        ErrorKind::Network => "network",
        ErrorKind::Timeout => "timeout",
        ErrorKind::NotFound => "not_found",
        ErrorKind::Ambiguous => "ambiguous",
        ErrorKind::EntityNotFound => "entity_not_found",
        ErrorKind::ActionNotSupported => "action_not_supported",
        ErrorKind::MissingParameter => "missing_parameter",
        ErrorKind::InvalidParameter => "invalid_parameter",
        ErrorKind::Definition => "definition",
        ErrorKind::Decode => "decode",
        ErrorKind::Io => "io",
        ErrorKind::AlreadyExists => "already_exists",
        ErrorKind::Execution => "execution",
    }
}

/// Translates an error for an agent. Messages never include request URLs'
/// query strings or credentials (the error carries none).
pub fn translate_error(err: &Error) -> AgentError {
    let (message, retry) = match err {
        Error::MissingCredentials { missing } => (
            format!(
                "Credentials are missing ({}). Ask the user to configure or reconnect the connector.",
                missing.join(", ")
            ),
            RetryHint::Reconnect,
        ),
        Error::InvalidArgument { name, reason } => (
            format!(
                "Invalid argument `{name}`: {}. Fix it and call again.",
                cut(reason)
            ),
            RetryHint::FixArguments,
        ),
        Error::Authentication { info } => (
            format!(
                "The connector's credentials were rejected (HTTP {}: {}). Reconnect the connector \
                 or update its credentials; retrying the same call will not help.",
                info.status,
                cut(&info.detail)
            ),
            RetryHint::Reconnect,
        ),
        Error::RateLimited { retry_after, info } => {
            let wait = match retry_after {
                Some(d) => format!("Wait {} s, then retry", d.as_secs_f64().ceil() as u64),
                None => "Wait a little, then retry".to_string(),
            };
            (
                format!(
                    "Rate limited by the API ({}). {wait}; prefer fewer, narrower calls.",
                    cut(&info.detail)
                ),
                RetryHint::Retry {
                    after: *retry_after,
                },
            )
        }
        Error::Validation { info } => (
            format!(
                "The API rejected the request (HTTP {}): {}. Fix the parameters and call again.",
                info.status,
                cut(&info.detail)
            ),
            RetryHint::FixArguments,
        ),
        Error::HttpStatus { info } => http_status(info, err.is_retryable()),
        Error::Network { message, .. } => (
            format!(
                "Could not reach the API ({}). Retry in a moment.",
                cut(message)
            ),
            RetryHint::Retry { after: None },
        ),
        Error::Timeout { after, .. } => (
            format!(
                "The call timed out after {:.0?}. Retry, ideally with a smaller limit or narrower filters.",
                after
            ),
            RetryHint::Retry { after: None },
        ),
        Error::NotFound {
            what,
            name,
            available,
            ..
        } => (
            format!(
                "No {what} named `{name}`.{}",
                choices(" Available", available)
            ),
            RetryHint::FixArguments,
        ),
        Error::Ambiguous {
            what,
            name,
            candidates,
            ..
        } => (
            format!(
                "Several {what}s match `{name}`; pass an id to pick one.{}",
                choices(" Candidates", candidates)
            ),
            RetryHint::FixArguments,
        ),
        Error::EntityNotFound {
            entity,
            connector,
            available,
        } => (
            format!(
                "Unknown entity `{entity}` for connector `{connector}`.{}",
                choices(" Valid entities", available)
            ),
            RetryHint::FixArguments,
        ),
        Error::ActionNotSupported {
            entity,
            action,
            available,
        } => (
            format!(
                "Entity `{entity}` does not support action `{action}`.{}",
                choices(" Supported actions", available)
            ),
            RetryHint::FixArguments,
        ),
        Error::MissingParameter {
            entity,
            action,
            param,
        } => (
            format!(
                "Missing required parameter `{param}` for {entity}.{action}: add it to params."
            ),
            RetryHint::FixArguments,
        ),
        Error::InvalidParameter {
            entity,
            action,
            param,
            reason,
            allowed,
        } => (
            format!(
                "Invalid value for parameter `{param}` of {entity}.{action}: {}.{}",
                cut(reason),
                choices(" Allowed values", allowed)
            ),
            RetryHint::FixArguments,
        ),
        Error::Definition { message, .. } => (
            format!(
                "The connector definition is invalid ({}); this cannot be fixed by changing the call.",
                cut(message)
            ),
            RetryHint::DoNotRetry,
        ),
        Error::Decode { what, message } => (
            format!("Could not decode {what} ({}).", cut(message)),
            RetryHint::DoNotRetry,
        ),
        Error::Io { path, source } => (
            format!("File error on {}: {source}.", path.display()),
            RetryHint::DoNotRetry,
        ),
        Error::AlreadyExists { path } => (
            format!(
                "{} already exists; choose another path or allow overwriting.",
                path.display()
            ),
            RetryHint::FixArguments,
        ),
        Error::Execution { message } => (
            format!("The execution failed: {}.", cut(message)),
            RetryHint::DoNotRetry,
        ),
    };
    AgentError {
        error: kind_name(err.kind()),
        message,
        retry,
    }
}

fn http_status(info: &HttpErrorInfo, retryable: bool) -> (String, RetryHint) {
    let detail = cut(&info.detail);
    if retryable {
        return (
            format!(
                "The API failed temporarily (HTTP {}: {detail}). Retry in a moment.",
                info.status
            ),
            RetryHint::Retry { after: None },
        );
    }
    match info.status {
        404 => (
            format!(
                "Not found (HTTP 404: {detail}). Check the ids in params, e.g. list the entity first."
            ),
            RetryHint::FixArguments,
        ),
        405 | 501 => (
            format!(
                "The API does not support this operation (HTTP {}: {detail}).",
                info.status
            ),
            RetryHint::DoNotRetry,
        ),
        409 => (
            format!("Conflict (HTTP 409: {detail}). The record changed or already exists."),
            RetryHint::DoNotRetry,
        ),
        400..=499 => (
            format!(
                "The API rejected the request (HTTP {}: {detail}). Fix the parameters and call again.",
                info.status
            ),
            RetryHint::FixArguments,
        ),
        _ => (
            format!("The API answered HTTP {}: {detail}.", info.status),
            RetryHint::DoNotRetry,
        ),
    }
}

fn choices(label: &str, items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!("{label}: {}.", items.join(", "))
    }
}

fn cut(text: &str) -> String {
    let text = text.trim().trim_end_matches('.');
    match text.char_indices().nth(MAX_DETAIL_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn info(status: u16, detail: &str) -> HttpErrorInfo {
        HttpErrorInfo::new(
            status,
            "get",
            "https://u:pw@api.example.com/v1/x?token=s3cret",
            detail,
        )
    }

    /// One error of every kind, with the expected hint.
    fn cases() -> Vec<(Error, RetryHint)> {
        let retry = RetryHint::Retry { after: None };
        vec![
            (
                Error::MissingCredentials {
                    missing: vec!["client_id"],
                },
                RetryHint::Reconnect,
            ),
            (
                Error::invalid_argument("limit", "must be positive"),
                RetryHint::FixArguments,
            ),
            (
                Error::from_status(info(401, "bad token"), None),
                RetryHint::Reconnect,
            ),
            (
                Error::from_status(info(429, "slow down"), Some(Duration::from_millis(2500))),
                RetryHint::Retry {
                    after: Some(Duration::from_millis(2500)),
                },
            ),
            (
                Error::from_status(info(422, "email is invalid"), None),
                RetryHint::FixArguments,
            ),
            (
                Error::from_status(info(503, "maintenance"), None),
                retry.clone(),
            ),
            (
                Error::Network {
                    method: "GET".into(),
                    url: "https://api.example.com".into(),
                    message: "connection refused".into(),
                    source: None,
                },
                retry.clone(),
            ),
            (
                Error::Timeout {
                    method: "GET".into(),
                    url: "https://api.example.com".into(),
                    after: Duration::from_secs(30),
                },
                retry.clone(),
            ),
            (
                Error::NotFound {
                    what: "connector".into(),
                    name: "strpe".into(),
                    scope: "workspace".into(),
                    available: vec!["stripe".into()],
                },
                RetryHint::FixArguments,
            ),
            (
                Error::Ambiguous {
                    what: "connector".into(),
                    name: "stripe".into(),
                    scope: "workspace".into(),
                    candidates: vec!["id1".into(), "id2".into()],
                },
                RetryHint::FixArguments,
            ),
            (
                Error::EntityNotFound {
                    connector: "stripe".into(),
                    entity: "custmers".into(),
                    available: vec!["customers".into(), "invoices".into()],
                },
                RetryHint::FixArguments,
            ),
            (
                Error::ActionNotSupported {
                    entity: "customers".into(),
                    action: "delete".into(),
                    available: vec!["list".into(), "get".into()],
                },
                RetryHint::FixArguments,
            ),
            (
                Error::MissingParameter {
                    entity: "customers".into(),
                    action: "get".into(),
                    param: "id".into(),
                },
                RetryHint::FixArguments,
            ),
            (
                Error::InvalidParameter {
                    entity: "customers".into(),
                    action: "list".into(),
                    param: "status".into(),
                    reason: "`bogus` is not allowed".into(),
                    allowed: vec!["active".into(), "closed".into()],
                },
                RetryHint::FixArguments,
            ),
            (
                Error::Definition {
                    file: None,
                    pointer: "/paths".into(),
                    message: "bad".into(),
                },
                RetryHint::DoNotRetry,
            ),
            (
                Error::Decode {
                    what: "response".into(),
                    message: "expected value".into(),
                },
                RetryHint::DoNotRetry,
            ),
            (
                Error::io("/tmp/x", std::io::Error::other("disk full")),
                RetryHint::DoNotRetry,
            ),
            (
                Error::AlreadyExists {
                    path: PathBuf::from("/tmp/x"),
                },
                RetryHint::FixArguments,
            ),
            (
                Error::Execution {
                    message: "job failed".into(),
                },
                RetryHint::DoNotRetry,
            ),
        ]
    }

    #[test]
    fn every_kind_has_a_hint_and_a_message() {
        let cases = cases();
        let mut kinds = std::collections::HashSet::new();
        for (err, hint) in &cases {
            let t = translate_error(err);
            assert_eq!(&t.retry, hint, "{err:?}");
            assert_eq!(t.error, kind_name(err.kind()));
            assert!(
                !t.message.is_empty() && t.message.len() < 600,
                "{}",
                t.message
            );
            assert!(!t.message.contains("s3cret") && !t.message.contains("pw@"));
            kinds.insert(err.kind());
        }
        // 19 kinds exist today; a new one must be added to `cases`.
        assert_eq!(kinds.len(), 19);
    }

    #[test]
    fn messages_say_how_to_fix() {
        let cases = cases();
        let msg = |i: usize| translate_error(&cases[i].0).message;
        assert!(msg(3).contains("Wait 3 s"), "{}", msg(3));
        assert!(msg(2).contains("Reconnect"));
        assert!(msg(4).contains("email is invalid"));
        assert!(msg(10).contains("Valid entities: customers, invoices"));
        assert!(msg(11).contains("Supported actions: list, get"));
        assert!(msg(12).contains("`id`"));
        let m = msg(13);
        assert!(
            m.contains("`status`") && m.contains("Allowed values: active, closed"),
            "{m}"
        );
    }

    #[test]
    fn http_statuses_map_to_hints() {
        let hint = |s| translate_error(&Error::from_status(info(s, "x"), None)).retry;
        assert_eq!(hint(404), RetryHint::FixArguments);
        assert_eq!(hint(409), RetryHint::DoNotRetry);
        assert_eq!(hint(501), RetryHint::DoNotRetry);
        assert_eq!(hint(500), RetryHint::Retry { after: None });
        assert_eq!(hint(408), RetryHint::Retry { after: None });
        assert_eq!(hint(418), RetryHint::FixArguments);
    }

    #[test]
    fn serializes_compactly() {
        let e = Error::from_status(info(429, "x"), Some(Duration::from_secs(4)));
        let v = serde_json::to_value(translate_error(&e)).unwrap_or_default();
        assert_eq!(v["error"], "rate_limited");
        assert_eq!(
            v["retry"],
            serde_json::json!({"kind": "retry", "after_seconds": 4})
        );
        let v = serde_json::to_value(RetryHint::FixArguments).unwrap_or_default();
        assert_eq!(v, serde_json::json!({"kind": "fix_arguments"}));
    }

    #[test]
    fn long_details_are_cut() {
        let e = Error::from_status(info(400, &"z".repeat(5000)), None);
        assert!(translate_error(&e).message.len() < 600);
    }
}
