//! Errors answered over HTTP.
//!
//! Bodies are `{"message": "...", "error": "<code>"}`: the hosted clients
//! (ours and the Python reference) show `message` to the user, so it always
//! says what went wrong and what to do next, and never holds a secret.

use airbyte_agent_sdk::{Error as SdkError, ErrorKind};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answered to an API caller.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Short machine-readable code, e.g. `not_found`.
    pub code: &'static str,
    /// What went wrong and what to do next.
    pub message: String,
    /// Seconds to wait, for 429 answers.
    pub retry_after: Option<u64>,
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400: the request is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401: no valid credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: valid credentials, but not for this resource.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404: nothing with this id is visible to the caller.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no {what} `{id}` is visible to this application"),
        )
    }

    /// 409: the request conflicts with existing state.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 422: well-formed but invalid; the caller can fix the values.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
    }

    /// 502: the vendor's API failed.
    pub fn upstream(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, "vendor_error", message)
    }

    /// 500: a server-side failure. The detail is logged, not returned.
    pub fn internal(context: &str, detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "{context}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("{context}; see the server log"),
        )
    }

    /// Maps an error of a connector operation run for a caller. Argument
    /// errors are 422 (the caller, often a model, can fix them); the vendor
    /// rejecting the stored credentials is 403; vendor rate limits keep their
    /// `Retry-After`; other vendor failures are 502.
    pub fn from_execution(err: &SdkError) -> Self {
        let message = err.to_string();
        match err.kind() {
            ErrorKind::InvalidArgument
            | ErrorKind::EntityNotFound
            | ErrorKind::ActionNotSupported
            | ErrorKind::MissingParameter
            | ErrorKind::InvalidParameter
            | ErrorKind::Validation => Self::invalid(message),
            ErrorKind::Authentication => Self::forbidden(format!(
                "the vendor rejected this connector's stored credentials: {message}"
            )),
            ErrorKind::RateLimited => {
                let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message);
                if let SdkError::RateLimited { retry_after, .. } = err {
                    e.retry_after = retry_after.map(|d| d.as_secs().max(1));
                }
                e
            }
            ErrorKind::Timeout => Self::new(StatusCode::GATEWAY_TIMEOUT, "vendor_timeout", message),
            ErrorKind::Definition => Self::invalid(message),
            _ => Self::upstream(message),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"message": self.message, "error": self.code});
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal("database error", e)
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        ApiError::internal("database error", e)
    }
}
