//! Workflow tasks: what a workflow may contain, checked when it is saved,
//! and how a run executes them.
//!
//! Two task types run on the local server:
//! - `{"type": "execute", "connector": ID_OR_NAME, "entity": E, "action": A, "params": {...}}`
//! - `{"type": "ask", "prompt": "..."}`
//!
//! Each may carry a `name`. Any other type is refused when the workflow is
//! created or updated. Tasks run in order; the first failure ends the run
//! and the remaining tasks are reported as skipped.

use std::time::Instant;

use airbyte_agent_sdk::ExecutionConfig;
use airbyte_agent_sdk::agent::guard_output_size;
use serde_json::{Map, Value, json};

use crate::admin::RunInfo;
use crate::db::automations::AutomationRow;
use crate::db::connectors::{self, ConnectorRow};
use crate::db::runs::{self, RunRow};
use crate::db::workflows::WorkflowRow;
use crate::db::{new_id, workspaces as ws_db};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, OUTGOING_TIMEOUT};
use crate::{ask, runtime};

/// Largest `data` kept per task in a run record (bytes of JSON).
const MAX_TASK_OUTPUT_BYTES: usize = 64 * 1024;

const SUPPORTED: &str = "the local server runs `execute` tasks \
    ({\"type\": \"execute\", \"connector\": ID_OR_NAME, \"entity\": ..., \"action\": ..., \"params\": {...}}) \
    and `ask` tasks ({\"type\": \"ask\", \"prompt\": ...})";

/// One task of a workflow.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Task {
    /// Run one connector operation.
    Execute {
        name: Option<String>,
        connector: String,
        entity: String,
        action: String,
        params: Map<String, Value>,
    },
    /// Ask a question across the workspace's connectors.
    Ask {
        name: Option<String>,
        prompt: String,
    },
}

impl Task {
    /// The stored (and returned) form.
    pub fn to_json(&self) -> Value {
        let mut v = match self {
            Task::Execute {
                connector,
                entity,
                action,
                params,
                ..
            } => json!({"type": "execute", "connector": connector, "entity": entity,
                        "action": action, "params": params}),
            Task::Ask { prompt, .. } => json!({"type": "ask", "prompt": prompt}),
        };
        if let (Some(name), Some(obj)) = (self.name(), v.as_object_mut()) {
            obj.insert("name".into(), Value::String(name.to_string()));
        }
        v
    }

    fn name(&self) -> Option<&str> {
        match self {
            Task::Execute { name, .. } | Task::Ask { name, .. } => name.as_deref(),
        }
    }
}

/// Parses a task list (`None` / `null` is an empty list).
pub(crate) fn parse_tasks(value: Option<&Value>) -> Result<Vec<Task>, String> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, t)| parse_task(t).map_err(|e| format!("tasks[{i}]: {e}")))
            .collect(),
        Some(_) => Err("`tasks` must be a JSON array of task objects".into()),
    }
}

fn parse_task(value: &Value) -> Result<Task, String> {
    let Value::Object(obj) = value else {
        return Err(format!("a task must be a JSON object; {SUPPORTED}"));
    };
    let text = |key: &str| -> Result<String, String> {
        match obj.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                Err(format!("`{key}` is required"))
            }
            Some(_) => Err(format!("`{key}` must be a string")),
        }
    };
    let name = match obj.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("`name` must be a string".into()),
    };
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or_default();
    let allowed: &[&str] = match kind {
        "execute" => &["type", "name", "connector", "entity", "action", "params"],
        "ask" => &["type", "name", "prompt"],
        "" => return Err(format!("`type` is required; {SUPPORTED}")),
        other => return Err(format!("unsupported task type `{other}`; {SUPPORTED}")),
    };
    if let Some(extra) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!(
            "unknown field `{extra}` in a `{kind}` task; allowed: {}",
            allowed.join(", ")
        ));
    }
    Ok(match kind {
        "execute" => Task::Execute {
            name,
            connector: text("connector")?,
            entity: text("entity")?,
            action: text("action")?,
            params: match obj.get("params") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(m)) => m.clone(),
                Some(_) => return Err("`params` must be a JSON object".into()),
            },
        },
        _ => Task::Ask {
            name,
            prompt: text("prompt")?,
        },
    })
}

/// The connector a task names: by id, else by connector name, else by
/// connector type (definition name) when exactly one matches.
pub(crate) fn resolve_connector<'a>(
    state: &AppState,
    available: &'a [ConnectorRow],
    reference: &str,
) -> Result<&'a ConnectorRow, String> {
    if let Some(c) = available.iter().find(|c| c.id == reference) {
        return Ok(c);
    }
    let by_name: Vec<_> = available.iter().filter(|c| c.name == reference).collect();
    let by_type: Vec<_> = available
        .iter()
        .filter(|c| {
            state
                .definitions
                .get(&c.definition_id)
                .is_some_and(|d| d.name.eq_ignore_ascii_case(reference))
        })
        .collect();
    let matches = if by_name.is_empty() { by_type } else { by_name };
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "no connector `{reference}` in this workspace; available: [{}]",
            available
                .iter()
                .map(|c| format!("{} ({})", c.name, c.id))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        several => Err(format!(
            "{} connectors match `{reference}`; name one by id: [{}]",
            several.len(),
            several
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Checks a task list against the workspace: connectors exist, their
/// definitions are loaded and have the operation.
pub(crate) async fn validate_tasks(
    state: &AppState,
    workspace_id: &str,
    tasks: &[Task],
) -> ApiResult<()> {
    let ws = workspace_id.to_string();
    let available = state
        .db
        .call(move |c| connectors::list_in_workspace(c, &ws))
        .await?;
    for (i, task) in tasks.iter().enumerate() {
        let Task::Execute {
            connector,
            entity,
            action,
            ..
        } = task
        else {
            continue;
        };
        let row = resolve_connector(state, &available, connector)
            .map_err(|e| ApiError::invalid(format!("tasks[{i}]: {e}")))?;
        let def = runtime::definition_of(state, row)?;
        def.find_operation(entity, action)
            .map_err(|e| ApiError::invalid(format!("tasks[{i}]: {e}")))?;
    }
    Ok(())
}

/// What started a run.
#[derive(Debug, Clone)]
pub(crate) struct Trigger {
    /// `schedule` or `manual`.
    pub kind: &'static str,
    /// The automation that fired, for scheduled runs.
    pub automation: Option<AutomationRow>,
    /// The due time the run is for (ms).
    pub scheduled_for: Option<i64>,
}

/// Runs a workflow's tasks, records the run, and posts the completion
/// webhook of the automation that fired it.
pub(crate) async fn run_workflow(
    state: &AppState,
    workflow: &WorkflowRow,
    trigger: Trigger,
) -> ApiResult<RunRow> {
    let mut run = RunRow {
        id: new_id(),
        workspace_id: workflow.workspace_id.clone(),
        workflow_id: workflow.id.clone(),
        workflow_name: workflow.name.clone(),
        automation_id: trigger.automation.as_ref().map(|a| a.id.clone()),
        trigger: trigger.kind.to_string(),
        status: "running".into(),
        error: None,
        tasks: "[]".into(),
        scheduled_for: trigger.scheduled_for,
        started_at: state.now_millis(),
        finished_at: None,
        webhook_status: None,
    };
    let stored = run.clone();
    state.db.call(move |c| runs::insert(c, &stored)).await?;
    tracing::info!(run = %run.id, workflow = %workflow.id, trigger = trigger.kind, "workflow run started");

    let (results, error) = run_tasks(state, workflow).await;
    run.status = if error.is_none() { "success" } else { "error" }.into();
    run.error = error;
    run.tasks = Value::Array(results).to_string();
    run.finished_at = Some(state.now_millis());
    let stored = run.clone();
    state.db.call(move |c| runs::finish(c, &stored)).await?;
    tracing::info!(run = %run.id, status = %run.status, "workflow run finished");

    if let Some(url) = trigger
        .automation
        .as_ref()
        .and_then(|a| a.completion_webhook_url.clone())
    {
        let status = post_webhook(state, &url, &run).await;
        run.webhook_status = Some(status.clone());
        let id = run.id.clone();
        state
            .db
            .call(move |c| runs::set_webhook_status(c, &id, &status))
            .await?;
    }
    Ok(run)
}

/// Per-task results and the first failure.
async fn run_tasks(state: &AppState, workflow: &WorkflowRow) -> (Vec<Value>, Option<String>) {
    let stored: Value = serde_json::from_str(&workflow.tasks).unwrap_or(Value::Null);
    let tasks = match parse_tasks(Some(&stored)) {
        Ok(t) => t,
        Err(e) => {
            return (
                Vec::new(),
                Some(format!("the stored tasks are invalid: {e}")),
            );
        }
    };
    let mut results = Vec::with_capacity(tasks.len());
    let mut failure: Option<String> = None;
    for (index, task) in tasks.iter().enumerate() {
        let mut result = task.to_json();
        result["index"] = json!(index);
        if failure.is_some() {
            result["status"] = json!("skipped");
            results.push(result);
            continue;
        }
        let started = Instant::now();
        let outcome = match task {
            Task::Execute {
                connector,
                entity,
                action,
                params,
                ..
            } => {
                run_execute(
                    state,
                    workflow,
                    connector,
                    entity,
                    action,
                    params,
                    &mut result,
                )
                .await
            }
            Task::Ask { prompt, .. } => run_ask(state, workflow, prompt, &mut result).await,
        };
        result["duration_ms"] = json!(started.elapsed().as_millis() as u64);
        match outcome {
            Ok(()) => result["status"] = json!("success"),
            Err(e) => {
                result["status"] = json!("error");
                result["error"] = json!(e);
                failure = Some(format!("task {index} ({}) failed: {e}", task_label(task)));
            }
        }
        results.push(result);
    }
    (results, failure)
}

fn task_label(task: &Task) -> String {
    match task {
        Task::Execute { entity, action, .. } => format!("execute {entity}.{action}"),
        Task::Ask { .. } => "ask".into(),
    }
}

async fn run_execute(
    state: &AppState,
    workflow: &WorkflowRow,
    connector: &str,
    entity: &str,
    action: &str,
    params: &Map<String, Value>,
    result: &mut Value,
) -> Result<(), String> {
    let ws = workflow.workspace_id.clone();
    let available = state
        .db
        .call(move |c| connectors::list_in_workspace(c, &ws))
        .await
        .map_err(|e| e.to_string())?;
    let row = resolve_connector(state, &available, connector)?;
    result["connector_id"] = json!(row.id);
    let op = ExecutionConfig::new(entity, action).params(params.clone());
    let out = runtime::execute(state, row, op)
        .await
        .map_err(|e| e.message)?;
    match guard_output_size(out.data, MAX_TASK_OUTPUT_BYTES) {
        Ok(guarded) => {
            result["data"] = guarded.value;
            if let Some(t) = guarded.truncated {
                result["truncated"] = truncation_json(&t);
            }
        }
        Err(e) => return Err(e.to_string()),
    }
    result["connector_metadata"] = out.meta.unwrap_or(Value::Null);
    Ok(())
}

async fn run_ask(
    state: &AppState,
    workflow: &WorkflowRow,
    prompt: &str,
    result: &mut Value,
) -> Result<(), String> {
    let ws = workflow.workspace_id.clone();
    let workspace = state
        .db
        .call(move |c| ws_db::get_by_id(c, &ws))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the workflow's workspace no longer exists")?;
    let answer = ask::answer(state, &workspace, prompt).await;
    let success = answer.get("outcome").and_then(Value::as_str) == Some("success");
    let reason = answer
        .get("outcome_reason")
        .and_then(Value::as_str)
        .unwrap_or("the question could not be answered")
        .to_string();
    result["result"] = answer;
    if success { Ok(()) } else { Err(reason) }
}

/// What the size guard cut, for run records and model messages.
pub(crate) fn truncation_json(t: &airbyte_agent_sdk::agent::TruncationInfo) -> Value {
    json!({
        "omitted_records": t.omitted_records,
        "total_records": t.total_records,
        "original_bytes": t.original_bytes,
        "budget_bytes": t.budget_bytes,
    })
}

/// POSTs `{"event": "workflow_run.completed", "run": …}`; returns what
/// happened, for the run record. Never fails the run.
async fn post_webhook(state: &AppState, url: &str, run: &RunRow) -> String {
    let body = json!({
        "event": "workflow_run.completed",
        "run": RunInfo::from(run.clone()),
    });
    let sent = state
        .http
        .post(url)
        .timeout(OUTGOING_TIMEOUT)
        .json(&body)
        .send()
        .await;
    match sent {
        Ok(resp) if resp.status().is_success() => {
            format!("delivered: HTTP {}", resp.status().as_u16())
        }
        Ok(resp) => format!("failed: HTTP {}", resp.status().as_u16()),
        Err(e) => {
            let e = e.without_url();
            tracing::warn!(run = %run.id, error = %e, "completion webhook failed");
            format!("failed: {e}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_parse_and_unsupported_types_are_explained() {
        let tasks = parse_tasks(Some(&json!([
            {"type": "execute", "connector": "c1", "entity": "customers", "action": "list",
             "params": {"limit": 2}, "name": "pull"},
            {"type": "ask", "prompt": "how many?"}
        ])))
        .unwrap();
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[0].to_json()["name"], "pull");
        assert_eq!(
            tasks[1].to_json(),
            json!({"type": "ask", "prompt": "how many?"})
        );
        assert!(parse_tasks(None).unwrap().is_empty());

        let e = parse_tasks(Some(&json!([{"type": "sql", "query": "x"}]))).unwrap_err();
        assert!(
            e.contains("tasks[0]") && e.contains("`sql`") && e.contains("execute"),
            "{e}"
        );
        let e = parse_tasks(Some(&json!([{"type": "ask"}]))).unwrap_err();
        assert!(e.contains("`prompt` is required"), "{e}");
        let e = parse_tasks(Some(&json!([{"type": "ask", "prompt": "p", "x": 1}]))).unwrap_err();
        assert!(e.contains("unknown field `x`"), "{e}");
        let e = parse_tasks(Some(&json!({"type": "ask"}))).unwrap_err();
        assert!(e.contains("array"), "{e}");
        let e = parse_tasks(Some(&json!([{"connector": "c"}]))).unwrap_err();
        assert!(e.contains("`type` is required"), "{e}");
    }
}
