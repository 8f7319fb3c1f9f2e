//! Workflow and automation subcommands on the wire: each resolves the
//! workspace id by name, then calls the endpoint with `workspace_id`.

mod support;

use airbyte_agent_testkit::RecordingServer;
use serde_json::{Value, json};
use support::expect::*;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflow_commands() {
    let server = RecordingServer::start(hosted_api).await;
    let ws = workspace_id_for("acme-prod");
    let resolve = || {
        expect(
            "GET",
            "/api/v1/workspaces",
            &[("name_contains", "acme-prod")],
            Value::Null,
        )
    };
    let wq: &[(&str, &str)] = &[("workspace_id", ws.as_str())];

    let out = check(
        &server,
        ORG_FLAGS,
        &["workflows", "list"],
        Some(ORG_ID),
        vec![
            resolve(),
            expect("GET", "/api/v1/internal/workflows", wq, Value::Null),
        ],
    );
    assert_eq!(out[0]["id"], "wf-2c9e61d0");
    assert_eq!(out[0]["workspace_id"], json!(ws));

    let out = check(
        &server,
        ORG_FLAGS,
        &[
            "workflows",
            "create",
            "digest",
            "--tasks",
            r#"[{"type":"ask"}]"#,
        ],
        Some(ORG_ID),
        vec![
            resolve(),
            expect(
                "POST",
                "/api/v1/internal/workflows",
                &[],
                json!({
                    "workspace_id": ws, "name": "digest", "tasks": [{"type": "ask"}],
                }),
            ),
        ],
    );
    assert_eq!(out["name"], "digest");

    check(
        &server,
        ORG_FLAGS,
        &["workflows", "get", "wf-1"],
        Some(ORG_ID),
        vec![
            resolve(),
            expect("GET", "/api/v1/internal/workflows/wf-1", wq, Value::Null),
        ],
    );
    let out = check(
        &server,
        ORG_FLAGS,
        &["workflows", "update", "wf-1", "--name", "n2"],
        Some(ORG_ID),
        vec![
            resolve(),
            expect(
                "PATCH",
                "/api/v1/internal/workflows/wf-1",
                wq,
                json!({"name": "n2"}),
            ),
        ],
    );
    assert_eq!(out["name"], "n2");
    check(
        &server,
        ORG_FLAGS,
        &["workflows", "delete", "wf-1"],
        Some(ORG_ID),
        vec![
            resolve(),
            expect("DELETE", "/api/v1/internal/workflows/wf-1", wq, Value::Null),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automation_commands() {
    let server = RecordingServer::start(hosted_api).await;
    let ws = workspace_id_for("default");
    let resolve = || {
        expect(
            "GET",
            "/api/v1/workspaces",
            &[("name_contains", "default")],
            Value::Null,
        )
    };
    let wq: &[(&str, &str)] = &[("workspace_id", ws.as_str())];
    let base = "/api/v1/internal/workflows/wf-1/automations";

    let out = check(
        &server,
        &[],
        &["automations", "list", "wf-1"],
        None,
        vec![resolve(), expect("GET", base, wq, Value::Null)],
    );
    assert_eq!(out[0]["timezone"], "Europe/Berlin");
    assert_eq!(out[1]["timezone"], "UTC", "absent timezone defaults to UTC");
    assert_eq!(out[1]["enabled"], false);

    check(
        &server,
        &[],
        &[
            "automations",
            "create",
            "wf-1",
            "--cron",
            "0 9 * * 1-5",
            "--timezone",
            "Europe/Berlin",
            "--webhook",
            "https://hooks.example.com/done",
            "--disabled",
        ],
        None,
        vec![
            resolve(),
            expect(
                "POST",
                base,
                wq,
                json!({
                    "workspace_id": ws,
                    "trigger_type": "schedule",
                    "enabled": false,
                    "cron_expression": "0 9 * * 1-5",
                    "timezone": "Europe/Berlin",
                    "completion_webhook_url": "https://hooks.example.com/done",
                }),
            ),
        ],
    );
    check(
        &server,
        &[],
        &["automations", "create", "wf-1"],
        None,
        vec![
            resolve(),
            expect(
                "POST",
                base,
                wq,
                json!({"workspace_id": ws, "trigger_type": "schedule", "enabled": true}),
            ),
        ],
    );
    check(
        &server,
        &[],
        &["automations", "get", "wf-1", "au-1"],
        None,
        vec![
            resolve(),
            expect("GET", &format!("{base}/au-1"), wq, Value::Null),
        ],
    );
    check(
        &server,
        &[],
        &[
            "automations",
            "update",
            "wf-1",
            "au-1",
            "--enable",
            "--cron",
            "*/5 * * * *",
        ],
        None,
        vec![
            resolve(),
            expect(
                "PATCH",
                &format!("{base}/au-1"),
                wq,
                json!({
                    "enabled": true, "cron_expression": "*/5 * * * *",
                }),
            ),
        ],
    );
    check(
        &server,
        &[],
        &[
            "automations",
            "update",
            "wf-1",
            "au-1",
            "--disable",
            "--timezone",
            "UTC",
            "--webhook",
            "https://h.example.com",
        ],
        None,
        vec![
            resolve(),
            expect(
                "PATCH",
                &format!("{base}/au-1"),
                wq,
                json!({
                    "enabled": false, "timezone": "UTC", "completion_webhook_url": "https://h.example.com",
                }),
            ),
        ],
    );
    check(
        &server,
        &[],
        &["automations", "delete", "wf-1", "au-1"],
        None,
        vec![
            resolve(),
            expect("DELETE", &format!("{base}/au-1"), wq, Value::Null),
        ],
    );
}
