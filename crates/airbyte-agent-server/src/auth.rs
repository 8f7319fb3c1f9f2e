//! Bearer-token authentication of API calls.
//!
//! Tokens are issued by `POST /api/v1/account/applications/token` for an
//! application's client credentials, expire after the configured lifetime,
//! and stop working as soon as the application is revoked. Every call acts
//! for the application's organization: workspaces, connectors, workflows
//! and automations of other organizations are invisible to it.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::crypto::sha256_hex;
use crate::db::apps;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Header naming the organization a call is for (optional).
pub(crate) const ORGANIZATION_HEADER: &str = "x-organization-id";

const TOKEN_HINT: &str = "get one from POST /api/v1/account/applications/token with the \
    application's client_id and client_secret";

/// The authenticated application a request acts for.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The application's client id.
    pub client_id: String,
    /// The organization whose data the call may see.
    pub organization_id: String,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let token = bearer_token(&parts.headers)?;
        let hash = sha256_hex(&token);
        let found = state.db.call(move |c| apps::find_token(c, &hash)).await?;
        let Some((app, expires_at)) = found else {
            return Err(ApiError::unauthorized(format!(
                "the access token is not valid; {TOKEN_HINT}"
            )));
        };
        if app.revoked_at.is_some() {
            return Err(ApiError::unauthorized(
                "the application was revoked; ask the server's administrator for new credentials",
            ));
        }
        if expires_at <= state.now_millis() {
            return Err(ApiError::unauthorized(format!(
                "the access token has expired; {TOKEN_HINT}"
            )));
        }
        check_organization_header(&parts.headers, &app.organization_id)?;
        Ok(Caller {
            client_id: app.client_id,
            organization_id: app.organization_id,
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token(headers: &HeaderMap) -> ApiResult<String> {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(format!(
            "missing `Authorization: Bearer <token>` header; {TOKEN_HINT}"
        )));
    };
    let text = value.to_str().unwrap_or_default().trim();
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_string())
        }
        _ => Err(ApiError::unauthorized(format!(
            "the Authorization header must be `Bearer <token>`; {TOKEN_HINT}"
        ))),
    }
}

/// A request naming another organization than the application's is refused.
pub(crate) fn check_organization_header(
    headers: &HeaderMap,
    organization_id: &str,
) -> ApiResult<()> {
    match headers.get(ORGANIZATION_HEADER).map(|v| v.to_str()) {
        None => Ok(()),
        Some(Ok(org)) if org.trim().is_empty() || org.trim() == organization_id => Ok(()),
        Some(_) => Err(ApiError::forbidden(
            "this application does not belong to the organization named in X-Organization-Id",
        )),
    }
}
