//! The scheduler, driven by a manual clock: due automations run, runs are
//! recorded with their outcome, completion webhooks are posted.

mod support;

use airbyte_agent_sdk::Workspace;
use airbyte_agent_sdk::cloud::{AutomationUpdate, NewAutomation};
use airbyte_agent_server::RunQuery;
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use chrono::Duration;
use serde_json::{Value, json};
use support::*;

async fn workflow_with(ws: &Workspace, tasks: Vec<Value>) -> String {
    ws.create_workflow("wf", Some(tasks)).await.unwrap().id
}

fn list_task(connector: &str, limit: u32) -> Value {
    json!({"type": "execute", "connector": connector, "entity": "customers", "action": "list",
           "params": {"limit": limit}})
}

#[tokio::test]
async fn a_due_automation_runs_once_and_reports_to_its_webhook() {
    let hooks = RecordingServer::start(|_| MockResponse::json(204, Value::Null)).await;
    let h = Harness::start().await;
    let connector = h.create_connector("default", "billing").await;
    let ws = h.workspace("default");
    let wf = workflow_with(&ws, vec![list_task(&connector, 2)]).await;
    let au = ws
        .create_automation(
            &wf,
            &NewAutomation::schedule("*/5 * * * *")
                .completion_webhook_url(format!("{}/done", hooks.url())),
        )
        .await
        .unwrap();

    // 08:00 exactly: the next occurrence is 08:05, nothing is due.
    assert!(h.server().run_due_automations().await.is_empty());
    h.clock().advance(Duration::minutes(4));
    assert!(h.server().run_due_automations().await.is_empty());
    h.clock().advance(Duration::minutes(1));
    let runs = h.server().run_due_automations().await;
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.status, "success");
    assert_eq!(run.automation_id.as_deref(), Some(au.id.as_str()));
    assert_eq!(run.workflow_id, wf);
    assert_eq!(
        run.scheduled_for.as_deref(),
        Some("2026-03-02T08:05:00.000Z")
    );
    assert_eq!(run.started_at, "2026-03-02T08:05:00.000Z");
    assert_eq!(run.tasks[0]["status"], "success");
    assert_eq!(run.tasks[0]["connector_id"], connector.as_str());
    assert_eq!(run.tasks[0]["data"], json!(customers()[..2]));
    assert_eq!(run.webhook_status.as_deref(), Some("delivered: HTTP 204"));
    let posted = hooks.requests();
    assert_eq!(posted.len(), 1);
    let body = posted[0].json().unwrap();
    assert_eq!(body["run"]["id"], run.id.as_str());
    assert_eq!(body["run"]["automation_id"], au.id.as_str());

    // Same instant again: already done.
    assert!(h.server().run_due_automations().await.is_empty());
    // An hour later: one catch-up run, not twelve.
    h.clock().advance(Duration::hours(1));
    assert_eq!(h.server().run_due_automations().await.len(), 1);
    assert!(h.server().run_due_automations().await.is_empty());

    // Runs are listed newest first, by the database and over the API.
    let recorded = h
        .server()
        .database()
        .list_runs(RunQuery::default().workflow(&wf))
        .await
        .unwrap();
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[1].id, run.id);
    let token = h.token_for(&h.app).await;
    let wsid = ws.workspace_id().await.unwrap();
    let api: Value = h
        .http()
        .get(format!(
            "{}/api/v1/internal/workflows/{wf}/runs?workspace_id={wsid}",
            h.url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api["data"].as_array().unwrap().len(), 2);
    assert_eq!(api["data"][1]["id"], run.id.as_str());
}

#[tokio::test]
async fn a_failing_task_ends_the_run_with_an_error_outcome() {
    let hooks = RecordingServer::start(|_| MockResponse::json(500, json!({}))).await;
    let h = Harness::start().await;
    let mut req = airbyte_agent_sdk::cloud::CreateConnectorRequest::new(
        "bad-key",
        stripe_definition_id(),
        "default",
    );
    req.credentials = Some(
        json!({"api_key": "sk_test_wrong"})
            .as_object()
            .unwrap()
            .clone(),
    );
    let bad = h.client().create_connector(&req).await.unwrap();
    let ws = h.workspace("default");
    let wf = workflow_with(
        &ws,
        vec![list_task(&bad, 1), json!({"type": "ask", "prompt": "p"})],
    )
    .await;
    ws.create_automation(
        &wf,
        &NewAutomation::schedule("0 * * * *").completion_webhook_url(format!("{}/x", hooks.url())),
    )
    .await
    .unwrap();
    h.clock().advance(Duration::hours(1));
    let runs = h.server().run_due_automations().await;
    let run = &runs[0];
    assert_eq!(run.status, "error");
    let error = run.error.as_deref().unwrap();
    assert!(
        error.contains("task 0") && error.contains("stored credentials"),
        "{error}"
    );
    assert_eq!(run.tasks[0]["status"], "error");
    assert_eq!(run.tasks[1]["status"], "skipped");
    // A failing webhook is recorded, not retried forever nor fatal.
    assert_eq!(run.webhook_status.as_deref(), Some("failed: HTTP 500"));
    assert_eq!(
        hooks.requests()[0].json().unwrap()["run"]["status"],
        "error"
    );
}

#[tokio::test]
async fn an_ask_task_without_a_model_fails_with_the_configuration_hint() {
    let h = Harness::start().await;
    let ws = h.workspace("default");
    let wf = workflow_with(
        &ws,
        vec![json!({"type": "ask", "prompt": "how many customers?"})],
    )
    .await;
    let token = h.token_for(&h.app).await;
    let wsid = ws.workspace_id().await.unwrap();
    let run: Value = h
        .http()
        .post(format!(
            "{}/api/v1/internal/workflows/{wf}/runs?workspace_id={wsid}",
            h.url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["status"], "error");
    assert!(
        run["error"].as_str().unwrap().contains("--llm-url"),
        "{run}"
    );
}

#[tokio::test]
async fn disabled_automations_do_not_run_and_schedules_follow_their_time_zone() {
    let h = Harness::start().await;
    let connector = h.create_connector("default", "billing").await;
    let ws = h.workspace("default");
    let wf = workflow_with(&ws, vec![list_task(&connector, 1)]).await;
    // 09:00 in Paris is 08:00 UTC in early March; 08:00 UTC has just passed.
    let paris = ws
        .create_automation(
            &wf,
            &NewAutomation::schedule("0 9 * * *").timezone("Europe/Paris"),
        )
        .await
        .unwrap();
    let wsid = ws.workspace_id().await.unwrap();
    // A fresh token each time: the clock jumps past token lifetimes.
    let next_run_at = |id: String| {
        let (h, wsid, wf) = (&h, wsid.clone(), wf.clone());
        async move {
            let token = h.token_for(&h.app).await;
            let v: Value = h
                .http()
                .get(format!(
                    "{}/api/v1/internal/workflows/{wf}/automations/{id}?workspace_id={wsid}",
                    h.url()
                ))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["next_run_at"].clone()
        }
    };
    assert_eq!(
        next_run_at(paris.id.clone()).await,
        "2026-03-03T08:00:00.000Z"
    );

    ws.update_automation(&wf, &paris.id, &AutomationUpdate::default().enabled(false))
        .await
        .unwrap();
    assert_eq!(next_run_at(paris.id.clone()).await, Value::Null);
    h.clock().advance(Duration::days(2));
    assert!(h.server().run_due_automations().await.is_empty());

    // Re-enabled: scheduled from now, not from when it was disabled.
    ws.update_automation(&wf, &paris.id, &AutomationUpdate::default().enabled(true))
        .await
        .unwrap();
    assert_eq!(
        next_run_at(paris.id.clone()).await,
        "2026-03-05T08:00:00.000Z"
    );
}
