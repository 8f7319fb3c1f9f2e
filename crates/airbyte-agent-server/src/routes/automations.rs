//! Automations: `/api/v1/internal/workflows/{wf}/automations[/{id}]?workspace_id=…`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::workflows::{WorkspaceQuery, visible_workflow};
use super::{JsonBody, QueryParams};
use crate::auth::Caller;
use crate::clock::format_millis;
use crate::db::automations::{self as au_db, AutomationRow};
use crate::db::new_id;
use crate::error::{ApiError, ApiResult};
use crate::scheduler::{Schedule, next_run};
use crate::state::AppState;

/// Trigger types the local server runs.
const TRIGGER_SCHEDULE: &str = "schedule";

/// The API view of an automation.
pub(crate) fn automation_json(a: &AutomationRow) -> Value {
    json!({
        "id": a.id,
        "workflow_id": a.workflow_id,
        "workspace_id": a.workspace_id,
        "enabled": a.enabled,
        "trigger_type": a.trigger_type,
        "cron_expression": a.cron_expression,
        "timezone": a.timezone,
        "completion_webhook_url": a.completion_webhook_url,
        "trigger_webhook_url": null,
        "next_run_at": a.next_run_at.map(format_millis),
        "created_at": format_millis(a.created_at),
        "updated_at": format_millis(a.updated_at),
    })
}

/// Checks the settings an automation would have.
fn validate(a: &AutomationRow) -> ApiResult<()> {
    if a.trigger_type != TRIGGER_SCHEDULE {
        return Err(ApiError::invalid(format!(
            "unsupported trigger_type `{}`; the local server runs `schedule` automations \
             (with a cron_expression)",
            a.trigger_type
        )));
    }
    let Some(cron) = a.cron_expression.as_deref() else {
        return Err(ApiError::invalid(
            "`cron_expression` is required for a `schedule` automation, e.g. `0 9 * * 1-5`",
        ));
    };
    Schedule::parse(cron, &a.timezone).map_err(ApiError::invalid)?;
    if let Some(url) = &a.completion_webhook_url {
        let ok = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            return Err(ApiError::invalid(format!(
                "`completion_webhook_url` must be an http(s) URL, got `{url}`"
            )));
        }
    }
    Ok(())
}

pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(wf): Path<String>,
    QueryParams(q): QueryParams<WorkspaceQuery>,
) -> ApiResult<axum::Json<Value>> {
    let workflow = visible_workflow(&state, &caller, q.workspace_id.as_deref(), &wf).await?;
    let rows = state.db.call(move |c| au_db::list(c, &workflow.id)).await?;
    Ok(axum::Json(
        json!({"data": rows.iter().map(automation_json).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize)]
pub(crate) struct CreateAutomation {
    workspace_id: Option<String>,
    trigger_type: Option<String>,
    enabled: Option<bool>,
    cron_expression: Option<String>,
    timezone: Option<String>,
    completion_webhook_url: Option<String>,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(wf): Path<String>,
    QueryParams(q): QueryParams<WorkspaceQuery>,
    JsonBody(body): JsonBody<CreateAutomation>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    if let (Some(a), Some(b)) = (&q.workspace_id, &body.workspace_id)
        && a != b
    {
        return Err(ApiError::invalid(
            "`workspace_id` differs between the query and the body",
        ));
    }
    let workspace_id = q.workspace_id.or(body.workspace_id);
    let workflow = visible_workflow(&state, &caller, workspace_id.as_deref(), &wf).await?;
    let now = state.clock.now();
    let millis = crate::clock::to_millis(now);
    let mut row = AutomationRow {
        id: new_id(),
        workflow_id: workflow.id,
        workspace_id: workflow.workspace_id,
        enabled: body.enabled.unwrap_or(true),
        trigger_type: body.trigger_type.unwrap_or_else(|| TRIGGER_SCHEDULE.into()),
        cron_expression: body.cron_expression,
        timezone: body.timezone.unwrap_or_else(|| "UTC".into()),
        completion_webhook_url: body.completion_webhook_url,
        next_run_at: None,
        created_at: millis,
        updated_at: millis,
    };
    validate(&row)?;
    row.next_run_at = next_run(&row, now);
    let stored = row.clone();
    state.db.call(move |c| au_db::insert(c, &stored)).await?;
    state.scheduler_wake.notify_one();
    Ok((StatusCode::CREATED, axum::Json(automation_json(&row))))
}

async fn visible_automation(
    state: &AppState,
    caller: &Caller,
    workspace_id: Option<&str>,
    wf: &str,
    au: &str,
) -> ApiResult<AutomationRow> {
    let workflow = visible_workflow(state, caller, workspace_id, wf).await?;
    let id = au.to_string();
    state
        .db
        .call(move |c| au_db::get(c, &workflow.id, &id))
        .await?
        .ok_or_else(|| ApiError::not_found("automation", au))
}

pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((wf, au)): Path<(String, String)>,
    QueryParams(q): QueryParams<WorkspaceQuery>,
) -> ApiResult<axum::Json<Value>> {
    let row = visible_automation(&state, &caller, q.workspace_id.as_deref(), &wf, &au).await?;
    Ok(axum::Json(automation_json(&row)))
}

#[derive(Deserialize)]
pub(crate) struct UpdateAutomation {
    enabled: Option<bool>,
    trigger_type: Option<String>,
    cron_expression: Option<String>,
    timezone: Option<String>,
    completion_webhook_url: Option<String>,
}

pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((wf, au)): Path<(String, String)>,
    QueryParams(q): QueryParams<WorkspaceQuery>,
    JsonBody(body): JsonBody<UpdateAutomation>,
) -> ApiResult<axum::Json<Value>> {
    let mut row = visible_automation(&state, &caller, q.workspace_id.as_deref(), &wf, &au).await?;
    let reschedule = body.enabled.is_some()
        || body.trigger_type.is_some()
        || body.cron_expression.is_some()
        || body.timezone.is_some();
    if let Some(v) = body.enabled {
        row.enabled = v;
    }
    if let Some(v) = body.trigger_type {
        row.trigger_type = v;
    }
    if let Some(v) = body.cron_expression {
        row.cron_expression = Some(v);
    }
    if let Some(v) = body.timezone {
        row.timezone = v;
    }
    if let Some(v) = body.completion_webhook_url {
        row.completion_webhook_url = Some(v).filter(|u| !u.is_empty());
    }
    validate(&row)?;
    let now = state.clock.now();
    if reschedule {
        row.next_run_at = next_run(&row, now);
    }
    row.updated_at = crate::clock::to_millis(now);
    let stored = row.clone();
    state.db.call(move |c| au_db::update(c, &stored)).await?;
    state.scheduler_wake.notify_one();
    Ok(axum::Json(automation_json(&row)))
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((wf, au)): Path<(String, String)>,
    QueryParams(q): QueryParams<WorkspaceQuery>,
) -> ApiResult<StatusCode> {
    let row = visible_automation(&state, &caller, q.workspace_id.as_deref(), &wf, &au).await?;
    state
        .db
        .call(move |c| au_db::delete(c, &row.workflow_id, &row.id))
        .await?;
    state.scheduler_wake.notify_one();
    Ok(StatusCode::NO_CONTENT)
}
