//! `POST /api/v1/workspaces/query/structured?workspace_name=W` with `{prompt}`.

use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;

use super::{JsonBody, QueryParams, required};
use crate::auth::Caller;
use crate::db::workspaces as ws_db;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Deserialize)]
pub(crate) struct AskQuery {
    workspace_name: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct AskBody {
    prompt: Option<String>,
}

/// Answers with an AskResult: `outcome` `success`, or `error` with the
/// reason (including when no model is configured).
pub(crate) async fn structured_query(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<AskQuery>,
    JsonBody(body): JsonBody<AskBody>,
) -> ApiResult<axum::Json<Value>> {
    let name = required("workspace_name", q.workspace_name.as_deref())?.to_string();
    let prompt = required("prompt", body.prompt.as_deref())?.to_string();
    let org = caller.organization_id;
    let n = name.clone();
    let workspace = state
        .db
        .call(move |c| ws_db::find_by_name(c, &org, &n))
        .await?
        .ok_or_else(|| ApiError::not_found("workspace", &name))?;
    Ok(axum::Json(
        crate::ask::answer(&state, &workspace, &prompt).await,
    ))
}
