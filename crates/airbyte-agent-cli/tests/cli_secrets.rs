//! Secrets never reach the terminal: with `RUST_LOG=trace`, neither the client
//! secret nor the access token appears on stdout or stderr, on success or on
//! failure.

mod support;

use airbyte_agent_testkit::{MockResponse, RecordingServer};
use serde_json::json;
use support::*;

const CONNECTOR: &str = "3f1d2c4b-5a6e-4f70-9182-a3b4c5d6e7f8";

fn assert_no_secrets(args: &[&str], run: &CliRun) {
    let token = token_for(CLIENT_ID);
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.contains(CLIENT_SECRET),
            "{args:?}: secret on {stream}:\n{text}"
        );
        assert!(
            !text.contains(&token),
            "{args:?}: token on {stream}:\n{text}"
        );
        // Parts of the token (JWT segments) would be just as bad.
        assert!(
            !text.contains("c2lnbmF0dXJl"),
            "{args:?}: token part on {stream}:\n{text}"
        );
    }
}

fn traced(url: &str, args: &[&str], via_env: bool) -> CliRun {
    let mut all = vec!["--api-url", url];
    let mut env = vec![("RUST_LOG", "trace")];
    if via_env {
        env.push(("AIRBYTE_CLIENT_ID", CLIENT_ID));
        env.push(("AIRBYTE_CLIENT_SECRET", CLIENT_SECRET));
    } else {
        all.extend(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]);
    }
    all.extend_from_slice(args);
    run_cli(&all, &env)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_token_in_output_or_logs() {
    let server = RecordingServer::start(hosted_api).await;
    let url = server.url();
    let commands: &[&[&str]] = &[
        &["connectors", "list"],
        &[
            "exec",
            "stripe",
            "customers",
            "list",
            "--params",
            r#"{"limit":1}"#,
        ],
        &["exec", CONNECTOR, "customers", "list"],
        &["check", CONNECTOR],
        &["check", "stripe"],
        &["ask", "hello"],
        &["workflows", "list"],
        &["automations", "create", "wf-1", "--cron", "0 * * * *"],
        &[
            "oauth",
            "set-credentials",
            "hubspot",
            "--credentials",
            r#"{"client_id":"a","client_secret":"b"}"#,
        ],
        &[
            "--workspace",
            EMPTY_WORKSPACE,
            "exec",
            "stripe",
            "customers",
            "list",
        ],
    ];
    let mut traced_something = false;
    for args in commands {
        for via_env in [false, true] {
            let run = traced(&url, args, via_env);
            assert_no_secrets(args, &run);
            traced_something |= !run.stderr.is_empty();
        }
    }
    // The test is only meaningful if tracing produced output.
    assert!(traced_something, "RUST_LOG=trace produced no log output");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_error_messages() {
    // Error messages carry the method, URL and the server's explanation; a
    // rejected token request and a rejected execute must not bring the secret
    // or the token along.
    let server = RecordingServer::start(|r| {
        if r.path.ends_with("/token") && r.json().is_some_and(|b| b["client_id"] == "bad") {
            return MockResponse::json(401, json!({"message": "unknown client"}));
        }
        if r.path.ends_with("/execute") {
            return MockResponse::json(403, json!({"errors": [{"message": "forbidden"}]}));
        }
        hosted_api(r)
    })
    .await;
    let url = server.url();
    let run = traced(&url, &["exec", CONNECTOR, "customers", "list"], false);
    assert_eq!(run.code, Some(5), "{}", run.stderr);
    assert_no_secrets(&["exec"], &run);
    let run = run_cli(
        &[
            "--api-url",
            &url,
            "--client-id",
            "bad",
            "--client-secret",
            CLIENT_SECRET,
            "connectors",
            "list",
        ],
        &[("RUST_LOG", "trace")],
    );
    assert_eq!(run.code, Some(5), "{}", run.stderr);
    assert_no_secrets(&["connectors", "list"], &run);
}
