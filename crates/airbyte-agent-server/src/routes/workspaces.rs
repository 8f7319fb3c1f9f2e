//! Workspaces: `GET /api/v1/workspaces?name_contains=…` and `POST /api/v1/workspaces`.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{JsonBody, QueryParams, required};
use crate::auth::Caller;
use crate::clock::format_millis;
use crate::db::workspaces::{self as ws_db, WorkspaceRow};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The API view of a workspace.
pub(crate) fn workspace_json(w: &WorkspaceRow) -> Value {
    json!({
        "id": w.id,
        "name": w.name,
        "organization_id": w.organization_id,
        "created_at": format_millis(w.created_at),
    })
}

#[derive(Deserialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    name_contains: String,
}

pub(crate) async fn search(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<SearchQuery>,
) -> ApiResult<axum::Json<Value>> {
    let org = caller.organization_id;
    let rows = state
        .db
        .call(move |c| ws_db::search(c, &org, &q.name_contains))
        .await?;
    Ok(axum::Json(json!({
        "data": rows.iter().map(workspace_json).collect::<Vec<_>>()
    })))
}

#[derive(Deserialize)]
pub(crate) struct CreateWorkspace {
    name: Option<String>,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateWorkspace>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let name = required("name", body.name.as_deref())?.to_string();
    let (org, now) = (caller.organization_id, state.now_millis());
    let n = name.clone();
    let created = state
        .db
        .call(move |c| ws_db::create(c, &org, &n, now))
        .await?
        .ok_or_else(|| ApiError::conflict(format!("a workspace named `{name}` already exists")))?;
    Ok((StatusCode::CREATED, axum::Json(workspace_json(&created))))
}
