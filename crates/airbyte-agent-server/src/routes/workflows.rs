//! Workflows: `/api/v1/internal/workflows[/{id}]?workspace_id=…`, plus their
//! runs (`GET …/{id}/runs` lists them, `POST …/{id}/runs` runs it now).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{JsonBody, QueryParams, accessible_workspace, required};
use crate::admin::RunInfo;
use crate::auth::Caller;
use crate::clock::format_millis;
use crate::db::new_id;
use crate::db::runs::{self, RunFilter};
use crate::db::workflows::{self as wf_db, WorkflowRow};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::workflow::{Task, Trigger, parse_tasks, run_workflow, validate_tasks};

/// The API view of a workflow.
pub(crate) fn workflow_json(w: &WorkflowRow) -> Value {
    json!({
        "id": w.id,
        "name": w.name,
        "workspace_id": w.workspace_id,
        "tasks": serde_json::from_str::<Value>(&w.tasks).unwrap_or(Value::Array(Vec::new())),
        "created_at": format_millis(w.created_at),
        "updated_at": format_millis(w.updated_at),
    })
}

#[derive(Deserialize)]
pub(crate) struct WorkspaceQuery {
    pub workspace_id: Option<String>,
}

fn tasks_text(tasks: &[Task]) -> String {
    Value::Array(tasks.iter().map(Task::to_json).collect()).to_string()
}

/// Loads a workflow of an accessible workspace.
pub(crate) async fn visible_workflow(
    state: &AppState,
    caller: &Caller,
    workspace_id: Option<&str>,
    workflow_id: &str,
) -> ApiResult<WorkflowRow> {
    let ws = accessible_workspace(state, caller, workspace_id).await?;
    let wf = workflow_id.to_string();
    state
        .db
        .call(move |c| wf_db::get(c, &ws.id, &wf))
        .await?
        .ok_or_else(|| ApiError::not_found("workflow", workflow_id))
}

pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<WorkspaceQuery>,
) -> ApiResult<axum::Json<Value>> {
    let ws = accessible_workspace(&state, &caller, q.workspace_id.as_deref()).await?;
    let rows = state.db.call(move |c| wf_db::list(c, &ws.id)).await?;
    Ok(axum::Json(
        json!({"data": rows.iter().map(workflow_json).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize)]
pub(crate) struct CreateWorkflow {
    workspace_id: Option<String>,
    name: Option<String>,
    #[serde(default)]
    tasks: Option<Value>,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateWorkflow>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let ws = accessible_workspace(&state, &caller, body.workspace_id.as_deref()).await?;
    let name = required("name", body.name.as_deref())?.to_string();
    let tasks = parse_tasks(body.tasks.as_ref()).map_err(ApiError::invalid)?;
    validate_tasks(&state, &ws.id, &tasks).await?;
    let now = state.now_millis();
    let row = WorkflowRow {
        id: new_id(),
        workspace_id: ws.id,
        name,
        tasks: tasks_text(&tasks),
        created_at: now,
        updated_at: now,
    };
    let stored = row.clone();
    state.db.call(move |c| wf_db::insert(c, &stored)).await?;
    Ok((StatusCode::CREATED, axum::Json(workflow_json(&row))))
}

pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(wf): Path<String>,
    QueryParams(q): QueryParams<WorkspaceQuery>,
) -> ApiResult<axum::Json<Value>> {
    let row = visible_workflow(&state, &caller, q.workspace_id.as_deref(), &wf).await?;
    Ok(axum::Json(workflow_json(&row)))
}

#[derive(Deserialize)]
pub(crate) struct UpdateWorkflow {
    name: Option<String>,
    #[serde(default)]
    tasks: Option<Value>,
}

pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(wf): Path<String>,
    QueryParams(q): QueryParams<WorkspaceQuery>,
    JsonBody(body): JsonBody<UpdateWorkflow>,
) -> ApiResult<axum::Json<Value>> {
    let mut row = visible_workflow(&state, &caller, q.workspace_id.as_deref(), &wf).await?;
    if let Some(name) = body.name {
        row.name = required("name", Some(&name))?.to_string();
    }
    if let Some(tasks) = body.tasks {
        let tasks = parse_tasks(Some(&tasks)).map_err(ApiError::invalid)?;
        validate_tasks(&state, &row.workspace_id, &tasks).await?;
        row.tasks = tasks_text(&tasks);
    }
    row.updated_at = state.now_millis();
    let stored = row.clone();
    state.db.call(move |c| wf_db::update(c, &stored)).await?;
    Ok(axum::Json(workflow_json(&row)))
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(wf): Path<String>,
    QueryParams(q): QueryParams<WorkspaceQuery>,
) -> ApiResult<StatusCode> {
    let row = visible_workflow(&state, &caller, q.workspace_id.as_deref(), &wf).await?;
    state
        .db
        .call(move |c| wf_db::delete(c, &row.workspace_id, &row.id))
        .await?;
    state.scheduler_wake.notify_one();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub(crate) struct RunsQuery {
    workspace_id: Option<String>,
    limit: Option<u32>,
}

/// `GET …/workflows/{id}/runs`: past runs, newest first.
pub(crate) async fn list_runs(
    State(state): State<AppState>,
    caller: Caller,
    Path(wf): Path<String>,
    QueryParams(q): QueryParams<RunsQuery>,
) -> ApiResult<axum::Json<Value>> {
    let row = visible_workflow(&state, &caller, q.workspace_id.as_deref(), &wf).await?;
    let filter = RunFilter {
        workspace_id: Some(row.workspace_id),
        workflow_id: Some(row.id),
        automation_id: None,
        limit: Some(q.limit.unwrap_or(100)),
    };
    let rows = state.db.call(move |c| runs::list(c, &filter)).await?;
    let data: Vec<RunInfo> = rows.into_iter().map(RunInfo::from).collect();
    Ok(axum::Json(json!({ "data": data })))
}

/// `POST …/workflows/{id}/runs`: runs the workflow now and answers the run.
pub(crate) async fn run_now(
    State(state): State<AppState>,
    caller: Caller,
    Path(wf): Path<String>,
    QueryParams(q): QueryParams<WorkspaceQuery>,
) -> ApiResult<(StatusCode, axum::Json<RunInfo>)> {
    let row = visible_workflow(&state, &caller, q.workspace_id.as_deref(), &wf).await?;
    let trigger = Trigger {
        kind: "manual",
        automation: None,
        scheduled_for: None,
    };
    let run = run_workflow(&state, &row, trigger).await?;
    Ok((StatusCode::CREATED, axum::Json(RunInfo::from(run))))
}
