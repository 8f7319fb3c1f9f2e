//! Failures: each error kind exits with its own code and prints an
//! actionable message on stderr, nothing on stdout.

mod support;

use std::time::Duration;

use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use serde_json::json;
use support::*;

const CONNECTOR: &str = "3f1d2c4b-5a6e-4f70-9182-a3b4c5d6e7f8";

/// Answers like the hosted API, except that `fail` may override a request.
async fn server_with(
    fail: impl Fn(&RecordedRequest) -> Option<MockResponse> + Send + Sync + 'static,
) -> RecordingServer {
    RecordingServer::start(move |r| fail(r).unwrap_or_else(|| hosted_api(r))).await
}

fn is_execute(r: &RecordedRequest) -> bool {
    r.method == "POST" && r.path.ends_with("/execute")
}

fn assert_failure(run: &CliRun, code: i32, stderr_has: &[&str]) {
    assert_eq!(
        run.code,
        Some(code),
        "exit code\nstdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    assert!(run.stdout.is_empty(), "nothing on stdout: {}", run.stdout);
    for needle in stderr_has {
        assert!(
            run.stderr.contains(needle),
            "stderr lacks {needle:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let run = run_cli(&["exec", CONNECTOR], &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("ENTITY") || run.stderr.contains("entity"),
        "{}",
        run.stderr
    );
    let run = run_cli(&["--timeout", "soon", "connectors", "list"], &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let run = run_cli(&["no-such-command"], &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_exit_3_without_any_request() {
    let server = RecordingServer::start(hosted_api).await;
    let run = run_cli(&["--api-url", &server.url(), "connectors", "list"], &[]);
    assert_failure(
        &run,
        3,
        &[
            "AIRBYTE_CLIENT_ID",
            "AIRBYTE_CLIENT_SECRET",
            "--client-id and --client-secret",
        ],
    );
    let run = run_cli(
        &["--api-url", &server.url(), "--client-id", "x", "ask", "hi"],
        &[],
    );
    assert_failure(&run, 3, &["client_secret"]);
    assert!(server.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_arguments_exit_4_without_any_request() {
    let server = RecordingServer::start(hosted_api).await;
    let url = server.url();
    let run = run_against(
        &url,
        &["exec", CONNECTOR, "customers", "list", "--params", "[1, 2]"],
    );
    assert_failure(&run, 4, &["--params", "JSON object"]);
    let run = run_against(
        &url,
        &[
            "exec",
            CONNECTOR,
            "customers",
            "list",
            "--params",
            "{limit: 1}",
        ],
    );
    assert_failure(&run, 4, &["--params", "not valid JSON"]);
    let run = run_against(
        &url,
        &["connectors", "create", "stripe", "--credentials", "\"x\""],
    );
    assert_failure(&run, 4, &["--credentials"]);
    assert!(server.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_connector_name_lists_the_closest() {
    let server = RecordingServer::start(hosted_api).await;
    let run = run_against(&server.url(), &["exec", "strpe", "customers", "list"]);
    assert_ne!(run.code, Some(0));
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("stripe"), "{}", run.stderr);
    assert!(server.requests().is_empty(), "validated before any request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_failure_exits_5() {
    let server = server_with(|r| {
        (r.path == "/api/v1/account/applications/token")
            .then(|| MockResponse::json(401, json!({"message": "invalid client credentials"})))
    })
    .await;
    let run = run_against(&server.url(), &["connectors", "list"]);
    assert_failure(
        &run,
        5,
        &["authentication failed", "invalid client credentials", "401"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_exits_6_with_retry_after() {
    let server = server_with(|r| {
        is_execute(r).then(|| {
            MockResponse::json(429, json!({"error": "slow down"})).header("retry-after", "7")
        })
    })
    .await;
    let run = run_against(&server.url(), &["exec", CONNECTOR, "customers", "list"]);
    assert_failure(&run, 6, &["rate limited", "slow down", "Retry after 7 s"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_failure_exits_7_with_the_server_explanation() {
    let server = server_with(|r| {
        is_execute(r).then(|| {
            MockResponse::json(
                422,
                json!({"errors": [{"userPresentableMessage": "limit must be <= 100"}]}),
            )
        })
    })
    .await;
    let run = run_against(
        &server.url(),
        &[
            "exec",
            CONNECTOR,
            "customers",
            "list",
            "--params",
            r#"{"limit": 1000}"#,
        ],
    );
    assert_failure(&run, 7, &["limit must be <= 100", "422"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_statuses_exit_8() {
    let server = server_with(|r| {
        (r.method == "DELETE").then(|| MockResponse::text(500, "upstream exploded"))
    })
    .await;
    let run = run_against(&server.url(), &["connectors", "delete", CONNECTOR]);
    assert_failure(
        &run,
        8,
        &[
            "HTTP 500",
            "DELETE",
            "/api/v1/integrations/connectors/",
            "upstream exploded",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_failure_exits_9() {
    // Bind then drop a listener: nothing listens on that port afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("ephemeral port")
        .port();
    let run = run_against(&format!("http://127.0.0.1:{port}"), &["connectors", "list"]);
    assert_failure(&run, 9, &["network error"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_exits_10() {
    let server = server_with(|r| {
        is_execute(r)
            .then(|| MockResponse::json(200, json!({"result": []})).delayed(Duration::from_secs(5)))
    })
    .await;
    let run = run_against(
        &server.url(),
        &["--timeout", "0.5", "exec", CONNECTOR, "customers", "list"],
    );
    assert_failure(&run, 10, &["timed out"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_exit_11_when_nothing_and_12_when_several_match() {
    let server = RecordingServer::start(hosted_api).await;
    let url = server.url();
    let run = run_against(
        &url,
        &[
            "--workspace",
            EMPTY_WORKSPACE,
            "exec",
            "stripe",
            "customers",
            "list",
        ],
    );
    assert_failure(&run, 11, &[EMPTY_WORKSPACE]);
    let run = run_against(
        &url,
        &[
            "--workspace",
            CROWDED_WORKSPACE,
            "connectors",
            "get",
            "stripe",
        ],
    );
    assert_failure(&run, 12, &[CROWDED_WORKSPACE]);
    assert_eq!(
        server.count(
            "POST",
            &format!("/api/v1/integrations/connectors/{CONNECTOR}/execute")
        ),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_response_exits_18() {
    let server =
        server_with(|r| is_execute(r).then(|| MockResponse::text(200, "<html>gateway</html>")))
            .await;
    let run = run_against(&server.url(), &["exec", CONNECTOR, "customers", "list"]);
    assert_failure(&run, 18, &["decode"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_params_file_exits_19() {
    let server = RecordingServer::start(hosted_api).await;
    let run = run_against(
        &server.url(),
        &[
            "exec",
            CONNECTOR,
            "customers",
            "list",
            "--params",
            "@/nonexistent/params.json",
        ],
    );
    assert_failure(&run, 19, &["/nonexistent/params.json"]);
}

#[test]
fn help_lists_the_exit_codes() {
    let run = run_cli(&["--help"], &[]);
    assert_eq!(run.code, Some(0));
    for line in [
        "Exit codes:",
        "3  missing credentials",
        "5  authentication failed",
        "21  remote execution failed",
    ] {
        assert!(run.stdout.contains(line), "--help lacks {line:?}");
    }
}
