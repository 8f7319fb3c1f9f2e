//! Every subcommand's requests on the wire: method, path, query, headers
//! (`Authorization`, `X-Organization-Id`) and JSON body, against a recording
//! server on 127.0.0.1.

mod support;

use airbyte_agent_testkit::RecordingServer;
use serde_json::{Value, json};
use support::expect::*;
use support::*;

const CONNECTOR: &str = "3f1d2c4b-5a6e-4f70-9182-a3b4c5d6e7f8";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connectors_commands() {
    let server = RecordingServer::start(hosted_api).await;
    let lookup_default = connector_id_for("default", STRIPE_DEFINITION);

    let out = check(
        &server,
        &[],
        &["connectors", "list"],
        None,
        vec![expect(
            "GET",
            "/api/v1/integrations/connectors",
            &[("customer_name", "default")],
            Value::Null,
        )],
    );
    assert_eq!(out[0]["id"], json!(lookup_default));

    check(
        &server,
        ORG_FLAGS,
        &["connectors", "list"],
        Some(ORG_ID),
        vec![expect(
            "GET",
            "/api/v1/integrations/connectors",
            &[("customer_name", "acme-prod")],
            Value::Null,
        )],
    );

    let out = check(
        &server,
        &[],
        &["connectors", "get", "stripe"],
        None,
        vec![expect(
            "GET",
            "/api/v1/integrations/connectors",
            &[
                ("workspace_name", "default"),
                ("definition_id", STRIPE_DEFINITION),
            ],
            Value::Null,
        )],
    );
    assert_eq!(out["id"], json!(lookup_default));

    check(
        &server,
        ORG_FLAGS,
        &[
            "connectors",
            "create",
            "stripe",
            "--name",
            "Stripe EU",
            "--credentials",
            r#"{"api_key":"sk_test_1"}"#,
            "--replication-config",
            r#"{"start_date":"2024-01-01T00:00:00Z"}"#,
            "--source-template-id",
            "tmpl-9",
        ],
        Some(ORG_ID),
        vec![expect(
            "POST",
            "/api/v1/integrations/connectors",
            &[],
            json!({
                "name": "Stripe EU",
                "definition_id": STRIPE_DEFINITION,
                "workspace_name": "acme-prod",
                "credentials": {"api_key": "sk_test_1"},
                "replication_config": {"start_date": "2024-01-01T00:00:00Z"},
                "source_template_id": "tmpl-9",
            }),
        )],
    );

    // Default name; a definition id instead of a catalog name; OAuth secret.
    check(
        &server,
        &[],
        &[
            "connectors",
            "create",
            STRIPE_DEFINITION,
            "--oauth-secret-id",
            "airbyte_oauth_x_secret_y",
        ],
        None,
        vec![expect(
            "POST",
            "/api/v1/integrations/connectors",
            &[],
            json!({
                "name": "connector-default",
                "definition_id": STRIPE_DEFINITION,
                "workspace_name": "default",
                "server_side_oauth_secret_id": "airbyte_oauth_x_secret_y",
            }),
        )],
    );

    check(
        &server,
        ORG_FLAGS,
        &["connectors", "delete", CONNECTOR],
        Some(ORG_ID),
        vec![expect(
            "DELETE",
            &format!("/api/v1/integrations/connectors/{CONNECTOR}"),
            &[],
            Value::Null,
        )],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connectors_get_by_id_shows_the_listed_connector() {
    let server = RecordingServer::start(hosted_api).await;
    let id = "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4";
    let out = check(
        &server,
        &[],
        &["connectors", "get", id],
        None,
        vec![expect(
            "GET",
            "/api/v1/integrations/connectors",
            &[("customer_name", "default")],
            Value::Null,
        )],
    );
    assert_eq!(out["id"], id);
    assert_eq!(out["name"], "support-desk");

    // An id that is not in the workspace: not found (exit 11), listing what is.
    let missing = "00000000-0000-4000-8000-000000000000";
    let run = run_against(&server.url(), &["connectors", "get", missing]);
    assert_eq!(run.code, Some(11), "{}", run.stderr);
    assert!(
        run.stderr.contains(missing) && run.stderr.contains("support-desk"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unhealthy_check_is_reported_not_failed() {
    let server = RecordingServer::start(|r| {
        if r.path.ends_with("/token") {
            return airbyte_agent_testkit::MockResponse::json(
                401,
                json!({"message": "bad client"}),
            );
        }
        hosted_api(r)
    })
    .await;
    let run = run_against(&server.url(), &["check", CONNECTOR]);
    run.assert_success();
    let out = run.json();
    assert_eq!(out["healthy"], false);
    assert!(
        out["error"]
            .as_str()
            .is_some_and(|e| e.contains("bad client")),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_and_check() {
    let server = RecordingServer::start(hosted_api).await;
    let looked_up = connector_id_for("acme-prod", STRIPE_DEFINITION);

    let out = check(
        &server,
        ORG_FLAGS,
        &[
            "exec",
            "stripe",
            "customers",
            "list",
            "--params",
            r#"{"limit": 5, "expand": ["x"]}"#,
        ],
        Some(ORG_ID),
        vec![
            expect(
                "GET",
                "/api/v1/integrations/connectors",
                &[
                    ("workspace_name", "acme-prod"),
                    ("definition_id", STRIPE_DEFINITION),
                ],
                Value::Null,
            ),
            expect(
                "POST",
                &format!("/api/v1/integrations/connectors/{looked_up}/execute"),
                &[],
                json!({"entity": "customers", "action": "list", "params": {"limit": 5, "expand": ["x"]}}),
            ),
        ],
    );
    assert_eq!(out["data"][0]["id"], "cus_Q1");
    assert_eq!(out["meta"]["next_cursor"], "cus_Q2");

    // By id: no lookup; without --params the params are null (as the
    // reference sends them when none are given).
    check(
        &server,
        &[],
        &["exec", CONNECTOR, "invoices", "get"],
        None,
        vec![expect(
            "POST",
            &format!("/api/v1/integrations/connectors/{CONNECTOR}/execute"),
            &[],
            json!({"entity": "invoices", "action": "get", "params": null}),
        )],
    );

    // Params from a file.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("params.json");
    std::fs::write(&file, r#"{"id": "in_1"}"#).expect("write");
    let at_file = format!("@{}", file.display());
    check(
        &server,
        &[],
        &["exec", CONNECTOR, "invoices", "get", "--params", &at_file],
        None,
        vec![expect(
            "POST",
            &format!("/api/v1/integrations/connectors/{CONNECTOR}/execute"),
            &[],
            json!({"entity": "invoices", "action": "get", "params": {"id": "in_1"}}),
        )],
    );

    // Output shaping: field selection, then a byte budget with a marker.
    let list = || {
        vec![expect(
            "POST",
            &format!("/api/v1/integrations/connectors/{CONNECTOR}/execute"),
            &[],
            json!({"entity": "customers", "action": "list", "params": null}),
        )]
    };
    let out = check(
        &server,
        &[],
        &[
            "exec",
            CONNECTOR,
            "customers",
            "list",
            "--select-fields",
            "id,email",
        ],
        None,
        list(),
    );
    assert_eq!(
        out["data"],
        json!([{"id": "cus_Q1", "email": "ada@example.com"}, {"id": "cus_Q2", "email": "grace@example.com"}])
    );
    assert_eq!(out["meta"]["next_cursor"], "cus_Q2");
    let out = check(
        &server,
        &[],
        &[
            "exec",
            CONNECTOR,
            "customers",
            "list",
            "--exclude-fields",
            "object,created",
            "--max-bytes",
            "200",
        ],
        None,
        list(),
    );
    assert!(out.to_string().len() <= 200, "{out}");
    assert!(
        out["_truncated"]["omitted_records"].as_u64() >= Some(1),
        "{out}"
    );
    assert!(out["data"][0].get("object").is_none(), "{out}");

    // Without a connector definition at hand, check verifies the Airbyte
    // credentials (the token request), by name and by id alike.
    for connector in ["stripe", CONNECTOR] {
        let out = check(&server, &[], &["check", connector], None, vec![]);
        assert_eq!(out, json!({"healthy": true}));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_command() {
    let server = RecordingServer::start(hosted_api).await;
    let out = check(
        &server,
        ORG_FLAGS,
        &["ask", "who churned?"],
        Some(ORG_ID),
        vec![expect(
            "POST",
            "/api/v1/workspaces/query/structured",
            &[("workspace_name", "acme-prod")],
            json!({"prompt": "who churned?"}),
        )],
    );
    assert_eq!(out["outcome"], "success");
    assert_eq!(out["answer"], "Answer to: who churned?");
    assert_eq!(out["results"][0]["entity"], "customers");
    assert_eq!(out["results"][0]["execution_time_ms"], 412);
    assert_eq!(out["query_id"], "q-6b1f0c");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_commands() {
    let server = RecordingServer::start(hosted_api).await;
    let out = check(
        &server,
        ORG_FLAGS,
        &[
            "oauth",
            "initiate",
            "zendesk-support",
            "--redirect-url",
            "https://app.example.com/cb",
            "--name",
            "Support",
            "--replication-config",
            r#"{"start_date":"2024-01-01"}"#,
            "--source-template-id",
            "tmpl-2",
            "--environment",
            r#"{"subdomain":"acme"}"#,
        ],
        Some(ORG_ID),
        vec![expect(
            "POST",
            "/api/v1/integrations/connectors/oauth/initiate",
            &[],
            json!({
                "workspace_name": "acme-prod",
                "definition_id": "79c1aa37-dae3-42ae-b333-d1c105477715",
                "redirect_url": "https://app.example.com/cb",
                "name": "Support",
                "replication_config": {"start_date": "2024-01-01"},
                "source_template_id": "tmpl-2",
                "environment": {"subdomain": "acme"},
            }),
        )],
    );
    assert_eq!(
        out["consent_url"],
        "https://connect.example.com/oauth/authorize?state=st-41c2"
    );

    check(
        &server,
        &[],
        &[
            "oauth",
            "set-credentials",
            "hubspot",
            "--credentials",
            r#"{"client_id":"a","client_secret":"b"}"#,
        ],
        None,
        vec![expect(
            "PUT",
            "/api/v1/oauth/credentials",
            &[],
            json!({
                "connector_type": "hubspot",
                "configuration": {"client_id": "a", "client_secret": "b"},
            }),
        )],
    );

    check(
        &server,
        ORG_FLAGS,
        &["oauth", "delete-credentials", "hubspot"],
        Some(ORG_ID),
        vec![expect(
            "DELETE",
            "/api/v1/oauth/credentials/connector_type/hubspot",
            &[],
            Value::Null,
        )],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_and_api_url_from_environment() {
    let server = RecordingServer::start(hosted_api).await;
    let run = run_cli(
        &["connectors", "list"],
        &[
            ("AIRBYTE_CLIENT_ID", "env-id"),
            ("AIRBYTE_CLIENT_SECRET", "env-secret"),
            ("AIRBYTE_ORGANIZATION_ID", ORG_ID),
            ("AIRBYTE_API_URL", &server.url()),
        ],
    );
    run.assert_success();
    let reqs = server.take_requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[0].json(),
        Some(json!({"client_id": "env-id", "client_secret": "env-secret"}))
    );
    assert_eq!(reqs[1].header("x-organization-id"), Some(ORG_ID));
    assert_eq!(
        reqs[1].header("authorization"),
        Some(format!("Bearer {}", token_for("env-id")).as_str())
    );

    // Flags win over the environment.
    let run = run_cli(
        &[
            "--client-id",
            "flag-id",
            "--client-secret",
            "flag-secret",
            "--api-url",
            &server.url(),
            "connectors",
            "list",
        ],
        &[
            ("AIRBYTE_CLIENT_ID", "env-id"),
            ("AIRBYTE_CLIENT_SECRET", "env-secret"),
            ("AIRBYTE_API_URL", "http://127.0.0.1:9"),
        ],
    );
    run.assert_success();
    let reqs = server.take_requests();
    assert_eq!(
        reqs[0].json(),
        Some(json!({"client_id": "flag-id", "client_secret": "flag-secret"}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn params_from_stdin() {
    use std::io::Write;
    let server = RecordingServer::start(hosted_api).await;
    let url = server.url();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = cli_command();
        cmd.args([
            "--api-url",
            &url,
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
        ]);
        cmd.args(["exec", CONNECTOR, "customers", "list", "--params", "@-"]);
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(br#"{"limit": 3, "email": "ada@example.com"}"#)
            .expect("write stdin");
        child.wait_with_output().expect("wait")
    })
    .await
    .expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exec = server
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/execute"))
        .expect("execute request");
    assert_eq!(
        exec.json(),
        Some(
            json!({"entity": "customers", "action": "list", "params": {"limit": 3, "email": "ada@example.com"}})
        )
    );
}
