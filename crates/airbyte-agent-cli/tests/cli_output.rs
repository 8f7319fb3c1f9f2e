//! Output: JSON shape on stdout, compact when piped, pretty on a terminal or
//! with `--pretty`; `--help` on every command; completions; the catalog.

mod support;

use std::process::Command;

use airbyte_agent_testkit::RecordingServer;
use serde_json::Value;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn piped_output_is_one_compact_line() {
    let server = RecordingServer::start(hosted_api).await;
    let run = run_against(&server.url(), &["connectors", "list"]);
    run.assert_success();
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    assert!(
        !run.stdout.contains(": "),
        "compact separators: {}",
        run.stdout
    );
    let v = run.json();
    let list = v.as_array().expect("array");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["name"], "stripe-main");
    assert_eq!(list[0]["connector_type"], "Stripe");
    assert_eq!(list[0]["created_at"], "2026-11-02T09:14:03.512Z");
    assert!(list[1]["connector_type"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pretty_flag_indents() {
    let server = RecordingServer::start(hosted_api).await;
    let run = run_against(&server.url(), &["--pretty", "ask", "hello"]);
    run.assert_success();
    assert!(run.stdout.lines().count() > 5, "{}", run.stdout);
    assert!(
        run.stdout.contains("\n  \"outcome\": \"success\""),
        "{}",
        run.stdout
    );
    assert_eq!(run.json()["outcome"], "success");
}

/// On a terminal (a pseudo-terminal from `script`) output is pretty.
#[test]
fn terminal_output_is_pretty() {
    let bin = env!("CARGO_BIN_EXE_airbyte-agent");
    let out = Command::new("script")
        .args(["-qec", &format!("{bin} catalog"), "/dev/null"])
        .output()
        .expect("`script` (util-linux) runs the CLI on a pseudo-terminal");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(text.lines().count() > 56, "pretty-printed: {text}");
    assert!(text.starts_with("[\n  {"), "{text}");
    let v: Value = serde_json::from_str(text.trim()).expect("valid JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(56));
}

#[test]
fn catalog_lists_the_bundled_connectors_sorted() {
    let run = run_cli(&["catalog"], &[]);
    run.assert_success();
    let v = run.json();
    let list = v.as_array().expect("array");
    assert_eq!(list.len(), 56);
    let names: Vec<&str> = list.iter().filter_map(|c| c["slug"].as_str()).collect();
    assert_eq!(names.len(), 56);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let stripe = list
        .iter()
        .find(|c| c["slug"] == "stripe")
        .expect("stripe in catalog");
    assert_eq!(stripe["definition_id"], STRIPE_DEFINITION);
    assert_eq!(stripe["display_name"], "Stripe");
}

/// Every command and subcommand answers `--help` with usage and exit 0.
#[test]
fn help_everywhere() {
    let commands: &[&[&str]] = &[
        &[],
        &["connectors"],
        &["connectors", "list"],
        &["connectors", "get"],
        &["connectors", "create"],
        &["connectors", "delete"],
        &["exec"],
        &["check"],
        &["ask"],
        &["workflows"],
        &["workflows", "list"],
        &["workflows", "create"],
        &["workflows", "get"],
        &["workflows", "update"],
        &["workflows", "delete"],
        &["automations"],
        &["automations", "list"],
        &["automations", "create"],
        &["automations", "get"],
        &["automations", "update"],
        &["automations", "delete"],
        &["oauth"],
        &["oauth", "initiate"],
        &["oauth", "set-credentials"],
        &["oauth", "delete-credentials"],
        &["catalog"],
        &["completions"],
    ];
    for cmd in commands {
        let mut args = cmd.to_vec();
        args.push("--help");
        let run = run_cli(&args, &[]);
        assert_eq!(run.code, Some(0), "{args:?}: {}", run.stderr);
        assert!(run.stdout.contains("Usage:"), "{args:?}: {}", run.stdout);
        // Global flags are documented on every command.
        assert!(run.stdout.contains("--client-secret"), "{args:?}");
    }
}

#[test]
fn help_never_shows_secret_values_from_the_environment() {
    let run = run_cli(
        &["--help"],
        &[
            ("AIRBYTE_CLIENT_SECRET", "env-secret-value-93jd"),
            ("AIRBYTE_CLIENT_ID", "env-id-value-1kq"),
        ],
    );
    assert_eq!(run.code, Some(0));
    assert!(
        run.stdout.contains("AIRBYTE_CLIENT_SECRET"),
        "env var named"
    );
    assert!(!run.stdout.contains("env-secret-value-93jd"));
    assert!(!run.stdout.contains("env-id-value-1kq"));
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef airbyte-agent"),
        ("fish", "complete -c airbyte-agent"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion"),
    ] {
        let run = run_cli(&["completions", shell], &[]);
        assert_eq!(run.code, Some(0), "{shell}: {}", run.stderr);
        assert!(
            run.stdout.contains(marker),
            "{shell} script lacks {marker:?}"
        );
        assert!(
            run.stdout.contains("automations"),
            "{shell} knows the subcommands"
        );
    }
}

#[test]
fn version_flag() {
    let run = run_cli(&["--version"], &[]);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.starts_with("airbyte-agent "), "{}", run.stdout);
}
