//! `POST /api/v1/account/applications/token`: client credentials → bearer token.

use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::JsonBody;
use crate::auth::check_organization_header;
use crate::crypto::{hash_secret, random_secret, sha256_hex, verify_secret};
use crate::db::apps;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Deserialize)]
pub(crate) struct TokenRequest {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

const BAD_CREDENTIALS: &str = "invalid client credentials; check the client_id and client_secret \
    (an administrator creates them with `airbyte-agent admin apps create`)";

pub(crate) async fn issue(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<TokenRequest>,
) -> ApiResult<axum::Json<Value>> {
    if req.client_id.is_empty() || req.client_secret.is_empty() {
        return Err(ApiError::unauthorized(BAD_CREDENTIALS));
    }
    let client_id = req.client_id.clone();
    let app = state
        .db
        .call(move |c| apps::find_app(c, &client_id))
        .await?;
    // Unknown ids are hashed against a dummy so both cases take as long.
    let hash = app
        .as_ref()
        .map(|a| a.secret_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let secret = req.client_secret;
    let matches = tokio::task::spawn_blocking(move || verify_secret(&secret, &hash))
        .await
        .unwrap_or(false);
    let app = match app {
        Some(app) if matches => app,
        _ => return Err(ApiError::unauthorized(BAD_CREDENTIALS)),
    };
    if app.revoked_at.is_some() {
        return Err(ApiError::unauthorized(
            "the application was revoked; ask the server's administrator for new credentials",
        ));
    }
    check_organization_header(&headers, &app.organization_id)?;
    let token = random_secret("aat_");
    let now = state.now_millis();
    let ttl_ms = i64::try_from(state.token_ttl.as_millis()).unwrap_or(i64::MAX);
    let expires_at = now.saturating_add(ttl_ms);
    let (hash, client_id) = (sha256_hex(&token), app.client_id.clone());
    state
        .db
        .call(move |c| apps::insert_token(c, &hash, &client_id, expires_at, now))
        .await?;
    tracing::debug!(client_id = %app.client_id, "issued an access token");
    Ok(axum::Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": state.token_ttl.as_secs(),
    })))
}

/// An Argon2 hash of a random value nobody knows, made once.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_secret(&random_secret("")).unwrap_or_default())
}
