//! Wire conformance with the Python reference SDK 0.1.47.
//!
//! One scenario (every Workspace, executor, OAuth and ask operation of the
//! reference, with several value sets) runs twice against the same recording
//! server: first through the reference (`tests/python/hosted_scenario_047.py`,
//! base URL from `SDK_DEV_ADP_API_HOST`), then through the `airbyte-agent`
//! binary (`--api-url`). The request logs must be identical in method, path,
//! sorted query, JSON body, `Authorization` and `X-Organization-Id`, except for
//! the differences listed in [`allowed_differences`], each with its reason.
//!
//! Token requests (`POST /api/v1/account/applications/token`) are compared
//! apart from the others: the reference caches a token per client object and
//! has no lock, so how many it fetches depends on how many client objects a
//! caller creates. Each step here uses fresh reference objects, like one CLI
//! process, so the counts match; the test still checks them separately
//! (credentials in the body, organization header) so a caching change on
//! either side shows up as a token-count difference, not a scenario mismatch.
//!
//! Skips when the reference venv is missing, unless `AIRBYTE_REQUIRE_REFERENCE`
//! is set (as `scripts/test` and CI do).

mod conformance_047;
mod support;

use std::collections::BTreeMap;
use std::process::Command;

use airbyte_agent_testkit::reference::{self, Version};
use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use conformance_047::allowed::allowed_differences;
use conformance_047::outputs::{compare_errors, compare_outputs};
use conformance_047::scenario::*;
use conformance_047::wire::*;
use serde_json::{Value, json};
use support::*;

fn responder(req: &RecordedRequest) -> MockResponse {
    if req.path.starts_with(MARKER_PREFIX) {
        return MockResponse::empty(204);
    }
    hosted_api(req)
}

fn run_reference(python: &std::path::Path, base_url: &str, steps: &[Step]) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario: Vec<Value> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let env: BTreeMap<&str, &str> = s.set.env().into_iter().collect();
            json!({"index": i, "name": s.name, "op": s.op, "auth": s.set.python_auth(), "env": env, "args": s.args})
        })
        .collect();
    let scenario_path = dir.path().join("scenario.json");
    let results_path = dir.path().join("results.json");
    std::fs::write(&scenario_path, serde_json::to_vec(&scenario).expect("json"))
        .expect("write scenario");
    let out = Command::new(python)
        .arg(test_file("python/hosted_scenario_047.py"))
        .arg(&scenario_path)
        .arg(&results_path)
        .env("SDK_DEV_ADP_API_HOST", base_url)
        .env("SCENARIO_MARKER_URL", format!("{base_url}{MARKER_PREFIX}"))
        .env("AIRBYTE_TELEMETRY_MODE", "disabled")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("AIRBYTE_CLIENT_ID")
        .env_remove("AIRBYTE_CLIENT_SECRET")
        .env_remove("AIRBYTE_ORGANIZATION_ID")
        .output()
        .expect("run the reference driver");
    assert!(
        out.status.success(),
        "reference driver failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&results_path).expect("results")).expect("json");
    assert_eq!(results.len(), steps.len());
    results
}

fn run_ours(base_url: &str, s: &Step) -> CliRun {
    let mut cmd = cli_command();
    cmd.arg("--api-url").arg(base_url);
    cmd.args(s.set.cli_flags());
    cmd.args(&s.cli);
    for (k, v) in s.set.env() {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run airbyte-agent");
    CliRun {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn expected_credentials(set: ValueSet) -> (&'static str, &'static str) {
    match set {
        ValueSet::Env => (ENV_CLIENT_ID, ENV_CLIENT_SECRET),
        _ => (CLIENT_ID, CLIENT_SECRET),
    }
}

/// Checks token requests apart: right credentials in the body, no bearer.
/// Returns the organization header of each (so both count and org compare).
fn check_tokens(side: &str, s: &Step, reqs: &[WireRequest]) -> Vec<Option<String>> {
    let (id, secret) = expected_credentials(s.set);
    let tokens: Vec<&WireRequest> = reqs.iter().filter(|r| r.is_token()).collect();
    for t in &tokens {
        assert_eq!(
            t.body,
            json!({"client_id": id, "client_secret": secret}),
            "{side} token body in step {}",
            s.name
        );
        assert_eq!(t.query, vec![], "{side} token query in step {}", s.name);
        assert_eq!(
            t.authorization, None,
            "{side} token auth in step {}",
            s.name
        );
    }
    tokens.iter().map(|t| t.organization.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_matches_reference_047_on_the_wire() {
    let Some(python) = reference::python(Version::V0_1_47) else {
        return;
    };
    let server = RecordingServer::start(responder).await;
    let url = server.url();
    let steps = scenario();

    let ref_results = {
        let (py, u) = (python.clone(), url.clone());
        let steps_for_py = steps.clone();
        tokio::task::spawn_blocking(move || run_reference(&py, &u, &steps_for_py))
            .await
            .expect("reference run")
    };
    let ref_logs = split_reference_log(server.take_requests(), steps.len());

    // Debugging aid: CONFORMANCE_PRINT_REFERENCE=1 cargo test ... -- --nocapture
    if std::env::var_os("CONFORMANCE_PRINT_REFERENCE").is_some() {
        for (i, log) in ref_logs.iter().enumerate() {
            eprintln!("== {} -> {}", steps[i].name, ref_results[i]);
            for r in log {
                eprintln!("   {:?}", WireRequest::from(r));
            }
        }
    }
    let allowed = allowed_differences();
    let mut identical = 0;
    let mut compared = 0;
    let mut outputs_compared = 0;
    let mut errors_compared = 0;
    let mut used_allowances = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let ours_run = {
            let u = url.clone();
            let step_copy = s.clone();
            tokio::task::spawn_blocking(move || run_ours(&u, &step_copy))
                .await
                .expect("cli run")
        };
        let ours: Vec<WireRequest> = server
            .take_requests()
            .iter()
            .map(WireRequest::from)
            .collect();
        let reference: Vec<WireRequest> = ref_logs[i].iter().map(WireRequest::from).collect();

        // Both sides agree on success or failure.
        let ref_ok = ref_results[i]["ok"].as_bool().unwrap_or(false);
        assert_eq!(
            ref_ok, s.ok,
            "reference outcome of step {}: {}",
            s.name, ref_results[i]
        );
        assert_eq!(
            ours_run.code == Some(0),
            s.ok,
            "our outcome of step {}: exit {:?}\nstdout: {}\nstderr: {}",
            s.name,
            ours_run.code,
            ours_run.stdout,
            ours_run.stderr
        );
        if s.ok {
            if let Err(diff) = compare_outputs(s.op, &ref_results[i]["value"], &ours_run.json()) {
                panic!("step {} ({}): outputs differ: {diff}", s.name, s.op);
            }
            outputs_compared += 1;
        } else {
            let reference_error = ref_results[i]["error"].as_str().unwrap_or_default();
            match compare_errors(reference_error, &ours_run.stderr) {
                Ok(true) => errors_compared += 1,
                Ok(false) => {}
                Err(diff) => panic!("step {} ({}): error messages differ: {diff}", s.name, s.op),
            }
        }

        // The reference's requests, turned into what we intend to send when
        // the step has an allowed difference.
        let mut expected = reference;
        if let Some(a) = allowed.iter().find(|a| a.step == s.name) {
            let before = expected.clone();
            (a.fixup)(&mut expected);
            assert_ne!(
                before, expected,
                "allowed difference for {} no longer applies: {}",
                s.name, a.reason
            );
            used_allowances.push(a.step);
        } else {
            identical += 1;
        }

        let ref_tokens = check_tokens("reference", s, &expected);
        let our_tokens = check_tokens("ours", s, &ours);
        assert_eq!(
            our_tokens, ref_tokens,
            "token requests (count, X-Organization-Id) in step {} (fresh client per step on \
             both sides)",
            s.name
        );

        let expected: Vec<WireRequest> = expected.into_iter().filter(|r| !r.is_token()).collect();
        let ours: Vec<WireRequest> = ours.into_iter().filter(|r| !r.is_token()).collect();
        compared += 1;
        assert_eq!(
            ours, expected,
            "step {} ({}): our requests differ from the reference's",
            s.name, s.op
        );
    }
    for a in &allowed {
        assert!(
            used_allowances.contains(&a.step),
            "allow-list entry for unknown step {}",
            a.step
        );
    }
    eprintln!(
        "wire conformance: {compared} steps compared, {identical} identical on the wire, {} with \
         allowed differences; {outputs_compared} outputs and {errors_compared} error messages \
         compared",
        used_allowances.len()
    );
}
