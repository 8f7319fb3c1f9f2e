//! `airbyte-agent serve`, `admin apps …` and `runs list`, end to end: the
//! binary serves on 127.0.0.1, and the binary's own hosted commands use it.

mod support;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};

use airbyte_agent_testkit::{MockResponse, RecordingServer};
use serde_json::{Value, json};
use support::{cli_command, loopback_stripe_definition, run_cli};

const VENDOR_KEY: &str = "sk_test_CLISERVE_91c";

/// Kills the server process when the test ends, whatever happens.
struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_admin_and_runs_commands() {
    let vendor = RecordingServer::start(|r| {
        if r.header("authorization") == Some(&format!("Bearer {VENDOR_KEY}")) {
            MockResponse::json(200, json!({"data": [{"id": "cus_1"}]}))
        } else {
            MockResponse::json(401, json!({"error": "bad key"}))
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("agent.db");
    let db_arg = db.to_str().unwrap();
    let defs = dir.path().join("defs");
    std::fs::create_dir(&defs).unwrap();
    std::fs::write(
        defs.join("stripe.yaml"),
        loopback_stripe_definition(&vendor.url()),
    )
    .unwrap();

    let app = run_cli(
        &["admin", "apps", "create", "--db", db_arg, "--name", "ci"],
        &[],
    );
    let app = app.assert_success().json();
    let (client_id, secret) = (
        app["client_id"].as_str().unwrap().to_string(),
        app["client_secret"].as_str().unwrap().to_string(),
    );
    let listed = run_cli(&["admin", "apps", "list"], &[("AIRBYTE_SERVER_DB", db_arg)]);
    listed.assert_success();
    assert_eq!(listed.json()[0]["client_id"], client_id.as_str());
    assert!(!listed.stdout.contains(&secret));

    let mut cmd = cli_command();
    cmd.args([
        "serve",
        "--db",
        db_arg,
        "--listen",
        "127.0.0.1:0",
        "--definitions",
    ])
    .arg(&defs)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = ServerProcess(cmd.spawn().expect("serve starts"));
    let stdout = child.0.stdout.take().unwrap();
    let mut stderr = child.0.stderr.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .unwrap();
    let started: Value = serde_json::from_str(&first).unwrap_or_else(|e| panic!("{e}: {first}"));
    let url = started["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(dir.path().join("agent.db.key").exists());

    let hosted = |args: &[&str]| {
        let mut all = vec!["--api-url", url.as_str(), "--client-id", client_id.as_str()];
        all.extend_from_slice(args);
        run_cli(&all, &[("AIRBYTE_CLIENT_SECRET", secret.as_str())])
    };
    let created = hosted(&[
        "connectors",
        "create",
        "stripe",
        "--credentials",
        &json!({"api_key": VENDOR_KEY}).to_string(),
    ]);
    created.assert_success();
    let page = hosted(&[
        "exec",
        "stripe",
        "customers",
        "list",
        "--params",
        r#"{"limit": 1}"#,
    ]);
    assert_eq!(
        page.assert_success().json()["data"],
        json!([{"id": "cus_1"}])
    );
    let wf = hosted(&[
        "workflows",
        "create",
        "pull",
        "--tasks",
        r#"[{"type": "execute", "connector": "stripe", "entity": "customers", "action": "list"}]"#,
    ]);
    let wf = wf.assert_success().json();
    let bad = hosted(&[
        "workflows",
        "create",
        "bad",
        "--tasks",
        r#"[{"type": "python", "code": "1"}]"#,
    ]);
    assert_eq!(bad.code, Some(7), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("unsupported task type `python`"),
        "{}",
        bad.stderr
    );

    // Run it now over the API, then find the run with `runs list`.
    let token: Value = reqwest::Client::new()
        .post(format!("{url}/api/v1/account/applications/token"))
        .json(&json!({"client_id": client_id, "client_secret": secret}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let run: Value = reqwest::Client::new()
        .post(format!(
            "{url}/api/v1/internal/workflows/{}/runs?workspace_id={}",
            wf["id"].as_str().unwrap(),
            wf["workspace_id"].as_str().unwrap()
        ))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(run["status"], "success", "{run}");
    let runs = run_cli(&["runs", "list", "--db", db_arg], &[]);
    let runs = runs.assert_success().json();
    assert_eq!(runs.as_array().unwrap().len(), 1);
    assert_eq!(runs[0]["id"], run["id"]);
    assert_eq!(runs[0]["tasks"][0]["data"], json!([{"id": "cus_1"}]));

    let revoked = run_cli(
        &["admin", "apps", "revoke", "--db", db_arg, &client_id],
        &[],
    );
    revoked.assert_success();
    let refused = hosted(&["connectors", "list"]);
    assert_eq!(refused.code, Some(5), "{}", refused.stderr);
    let missing = run_cli(
        &["admin", "apps", "revoke", "--db", db_arg, "aci_nobody"],
        &[],
    );
    assert_eq!(missing.code, Some(11), "{}", missing.stderr);

    // No secret in the server's log or database.
    drop(child);
    let mut log = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut log).unwrap();
    assert!(log.contains("listening"), "{log}");
    assert!(!log.contains(VENDOR_KEY) && !log.contains(&secret), "{log}");
    assert!(
        !std::fs::read(&db)
            .unwrap()
            .windows(VENDOR_KEY.len())
            .any(|w| w == VENDOR_KEY.as_bytes())
    );
}
