//! State across restarts, and what the database file holds.

mod support;

use std::time::{Duration as StdDuration, Instant};

use airbyte_agent_sdk::HostedExecutor;
use airbyte_agent_sdk::cloud::NewAutomation;
use airbyte_agent_server::{KeySource, RunQuery};
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use chrono::Duration;
use secrecy::ExposeSecret;
use serde_json::json;
use support::*;

/// Every file SQLite keeps for the database (main file, WAL, shared memory).
fn database_bytes(h: &Harness) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(h.setup.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("server.db")
        })
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn the_database_never_holds_a_secret_in_clear() {
    let h = Harness::start().await;
    let id = h.create_connector("default", "stripe").await;
    let token = h.token_for(&h.app).await;
    h.client()
        .set_oauth_app_credentials(
            "stripe",
            json!({"client_id": "oauth-client", "client_secret": "OAUTHAPPSECRET_77"})
                .as_object()
                .unwrap(),
        )
        .await
        .unwrap();
    // Use the credentials so any cache would have been written.
    HostedExecutor::by_id(h.client(), id.clone())
        .call("customers", "list", json!({"limit": 1}))
        .await
        .unwrap();

    let files = database_bytes(&h);
    assert!(files.iter().any(|(_, b)| !b.is_empty()));
    let app_secret = h.app.client_secret.expose_secret().to_string();
    for (path, bytes) in &files {
        for secret in [
            VENDOR_KEY,
            "OAUTHAPPSECRET_77",
            app_secret.as_str(),
            token.as_str(),
        ] {
            assert!(!contains(bytes, secret), "{path} holds a secret in clear");
        }
    }
    // The non-secret data is there (so the scan looked at the right files).
    assert!(files.iter().any(|(_, b)| contains(b, "stripe")));

    // …and the sealed credentials still work after a restart.
    let mut h = h;
    h.restart().await;
    let page = HostedExecutor::by_id(h.client(), id)
        .call("customers", "list", json!({"limit": 1}))
        .await
        .unwrap();
    assert_eq!(page.data, json!([customers()[0]]));
}

#[tokio::test]
async fn a_different_key_is_refused_at_start() {
    let mut h = Harness::start().await;
    h.create_connector("default", "stripe").await;
    h.server.take().unwrap().shutdown().await;
    let key_file = h.setup.key_path();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let other = h.setup.dir.path().join("other.key");
    let e = h
        .setup
        .builder()
        .key_source(KeySource::File(other))
        .build()
        .await
        .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("not the key"), "{msg}");
    assert!(h.setup.builder().build().await.is_ok());
}

#[tokio::test]
async fn state_and_scheduled_automations_survive_a_restart() {
    let hooks = RecordingServer::start(|_| MockResponse::json(200, json!({"ok": true}))).await;
    let mut h = Harness::start_with(None, true).await;
    let connector = h.create_connector("default", "billing").await;
    let ws = h.workspace("default");
    let wf = ws
        .create_workflow(
            "morning",
            Some(vec![
                json!({"type": "execute", "connector": connector, "entity": "customers",
                             "action": "list", "params": {"limit": 3}}),
            ]),
        )
        .await
        .unwrap();
    // Due at 08:10 UTC; the clock shows 08:00.
    let au = ws
        .create_automation(
            &wf.id,
            &NewAutomation::schedule("10 8 * * *")
                .completion_webhook_url(format!("{}/hook", hooks.url())),
        )
        .await
        .unwrap();
    let token = h.token_for(&h.app).await;

    // Down from 08:00 to 08:12: the 08:10 run is missed while stopped.
    h.server.take().unwrap().shutdown().await;
    h.clock().advance(Duration::minutes(12));
    let offline = airbyte_agent_server::Database::open(h.db_path()).unwrap();
    assert!(
        offline
            .list_runs(RunQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
    h.restart().await;

    // Everything is still there, including a token issued before.
    let ws = h.workspace("default");
    assert_eq!(ws.list_connectors().await.unwrap()[0].id, connector);
    assert_eq!(ws.get_workflow(&wf.id).await.unwrap().name, "morning");
    let resp = h
        .http()
        .get(format!("{}/api/v1/workspaces", h.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    // The restarted scheduler runs the missed automation once.
    let deadline = Instant::now() + StdDuration::from_secs(30);
    let runs = loop {
        let runs = h
            .server()
            .database()
            .list_runs(RunQuery::default().automation(&au.id))
            .await
            .unwrap();
        if runs
            .iter()
            .any(|r| r.status != "running" && r.webhook_status.is_some())
            || Instant::now() > deadline
        {
            break runs;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    };
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    assert_eq!(run.status, "success", "{run:?}");
    assert_eq!(run.trigger, "schedule");
    assert_eq!(
        run.scheduled_for.as_deref(),
        Some("2026-03-02T08:10:00.000Z")
    );
    assert_eq!(run.tasks[0]["data"], json!(customers()[..3]));
    assert_eq!(run.webhook_status.as_deref(), Some("delivered: HTTP 200"));
    let hook = &hooks.requests()[0];
    assert_eq!(hook.path, "/hook");
    let payload = hook.json().unwrap();
    assert_eq!(payload["event"], "workflow_run.completed");
    assert_eq!(payload["run"]["id"], run.id.as_str());
    assert_eq!(payload["run"]["status"], "success");

    // The next occurrence is tomorrow 08:10.
    let token = h.token_for(&h.app).await;
    let wsid = ws.workspace_id().await.unwrap();
    let got: serde_json::Value = h
        .http()
        .get(format!(
            "{}/api/v1/internal/workflows/{}/automations/{}?workspace_id={wsid}",
            h.url(),
            wf.id,
            au.id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["next_run_at"], "2026-03-03T08:10:00.000Z");
}
