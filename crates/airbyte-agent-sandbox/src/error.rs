//! Stripe-shaped error responses:
//! `{"error": {"type", "code", "message", "param"}}` with 400, 401 or 404.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// An error the sandbox answers with, in Stripe's wire shape.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status: 400, 401 or 404.
    pub status: u16,
    /// Stripe's `error.code` (`resource_missing`, `parameter_unknown`, ...).
    pub code: Option<&'static str>,
    /// Human-readable message saying what to change.
    pub message: String,
    /// The request parameter at fault, when there is one.
    pub param: Option<String>,
}

impl ApiError {
    /// 400 `invalid_request_error` about `param`.
    pub(crate) fn invalid(message: impl Into<String>, param: Option<&str>) -> Self {
        Self {
            status: 400,
            code: Some("parameter_invalid"),
            message: message.into(),
            param: param.map(str::to_string),
        }
    }

    /// 400 for a parameter the endpoint does not take.
    pub(crate) fn unknown_param(param: &str) -> Self {
        Self {
            status: 400,
            code: Some("parameter_unknown"),
            message: format!(
                "Received unknown parameter: {param}. Check the parameter names this endpoint takes."
            ),
            param: Some(param.to_string()),
        }
    }

    /// 400 for a required parameter that is absent.
    pub(crate) fn missing_param(param: &str) -> Self {
        Self {
            status: 400,
            code: Some("parameter_missing"),
            message: format!("Missing required param: {param}."),
            param: Some(param.to_string()),
        }
    }

    /// 404 for an object that does not exist.
    pub(crate) fn no_such(object: &str, id: &str, param: &str) -> Self {
        Self {
            status: 404,
            code: Some("resource_missing"),
            message: format!("No such {object}: '{id}'"),
            param: Some(param.to_string()),
        }
    }

    /// 404 for a method and path the sandbox does not serve.
    pub(crate) fn unrecognized(method: &str, path: &str) -> Self {
        Self {
            status: 404,
            code: None,
            message: format!(
                "Unrecognized request URL ({method}: {path}). The Stripe sandbox serves customers, \
                 products, invoices and charges under /v1; GET / lists its endpoints."
            ),
            param: None,
        }
    }

    /// 404 for a write on an entity the sandbox serves read-only.
    pub(crate) fn read_only(method: &str, path: &str, entity: &str) -> Self {
        Self {
            status: 404,
            code: None,
            message: format!(
                "Unrecognized request URL ({method}: {path}). The Stripe sandbox serves {entity} \
                 read-only: list, retrieve and search."
            ),
            param: None,
        }
    }

    /// 401 for a request without credentials.
    pub(crate) fn no_api_key() -> Self {
        Self {
            status: 401,
            code: None,
            message: "You did not provide an API key. Send `Authorization: Bearer <key>` with \
                      the sandbox's API key (see SandboxConfig::api_key)."
                .to_string(),
            param: None,
        }
    }

    /// 401 for a key that is not the sandbox's. The key itself is never
    /// echoed: a real secret sent here by mistake must not land in logs.
    pub(crate) fn invalid_api_key() -> Self {
        Self {
            status: 401,
            code: None,
            message: "Invalid API Key provided. Use the sandbox's API key (see \
                      SandboxConfig::api_key), not a real Stripe key."
                .to_string(),
            param: None,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut error = Map::new();
        error.insert("type".into(), json!("invalid_request_error"));
        if let Some(code) = self.code {
            error.insert("code".into(), json!(code));
        }
        error.insert("message".into(), json!(self.message));
        if let Some(param) = &self.param {
            error.insert("param".into(), json!(param));
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (status, axum::Json(self.body())).into_response()
    }
}
