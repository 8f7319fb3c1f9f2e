//! Secret redaction audit: runs every subcommand of `airbyte-agent` with
//! `RUST_LOG=trace` — hosted ones against a loopback fake of the Airbyte
//! API, local ones against a loopback vendor (API key and OAuth2 refresh),
//! offline ones with the credentials in the environment, the MCP server
//! through a scripted stdio session, the local servers (`serve`, `admin`,
//! `runs`, `mcp` over HTTP, `sandbox`) in the session of [`redaction`] —
//! and greps stdout and stderr for every secret involved: the client
//! secret, the Airbyte access token, vendor API keys, OAuth client secrets,
//! refresh and access tokens, credentials passed to `connectors create` and
//! `oauth set-credentials`, the server's encryption key, model API key,
//! application secret and bearer token.
//!
//! The list of subcommands is read from the binary's own `--help` (leaves,
//! and commands like `mcp` that also run by themselves), so a subcommand
//! added to the CLI without an audit entry fails this test.

mod redaction;
mod support;

use std::collections::BTreeSet;
use std::path::Path;

use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use serde_json::{Value, json};
use support::*;

const VENDOR_KEY: &str = "vk_live_AUDIT_3nQ9wE";
const OAUTH_CLIENT_SECRET: &str = "oauth-client-secret-AUDIT-5Tz";
const REFRESH_TOKEN: &str = "refresh-token-AUDIT-77Kp";
const STALE_ACCESS_TOKEN: &str = "stale-access-token-AUDIT-0aa";
const ISSUED_ACCESS_TOKEN: &str = "issued-access-token-AUDIT-9bb";
const ROTATED_REFRESH_TOKEN: &str = "rotated-refresh-AUDIT-31Q";
const CONNECTOR_CREDENTIAL: &str = "connector-credential-AUDIT-k2";
const OAUTH_APP_SECRET: &str = "oauth-app-secret-AUDIT-Hh4";

const CONNECTOR: &str = "3f1d2c4b-5a6e-4f70-9182-a3b4c5d6e7f8";

/// Subcommands that serve a protocol on stdin/stdout instead of running
/// once (the MCP server): each is audited by a scripted session in
/// [`mcp_stdio_session`]; list new ones here and give them a session.
const STDIO_SUBCOMMANDS: &[&str] = &["mcp serve"];

/// Subcommands audited elsewhere, each with the reason in a comment. All
/// are audited here today; list one only when a session cannot script it.
const NOT_AUDITED_HERE: &[&str] = &[];

/// One audited run: the leaf subcommand it covers and its arguments.
struct Invocation {
    leaf: &'static str,
    args: Vec<String>,
}

fn inv(leaf: &'static str, args: &[&str]) -> Invocation {
    Invocation {
        leaf,
        args: args.iter().map(|s| s.to_string()).collect(),
    }
}

/// Every secret that must never be printed.
fn secrets() -> Vec<String> {
    let mut s: Vec<String> = [
        CLIENT_SECRET,
        VENDOR_KEY,
        OAUTH_CLIENT_SECRET,
        REFRESH_TOKEN,
        STALE_ACCESS_TOKEN,
        ISSUED_ACCESS_TOKEN,
        ROTATED_REFRESH_TOKEN,
        CONNECTOR_CREDENTIAL,
        OAUTH_APP_SECRET,
        redaction::ENCRYPTION_KEY,
        redaction::LLM_API_KEY,
        redaction::WRONG_APP_SECRET,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    s.push(token_for(CLIENT_ID));
    // The signature segment of the issued JWT alone is as bad as the whole.
    s.push("c2lnbmF0dXJl".into());
    s
}

/// A vendor API on loopback: an API-key resource, a download, and an
/// OAuth2 resource that refuses the stale token until it is refreshed.
fn vendor(req: &RecordedRequest) -> MockResponse {
    match req.path.as_str() {
        "/oauth/token" => MockResponse::json(
            200,
            json!({"access_token": ISSUED_ACCESS_TOKEN, "refresh_token": ROTATED_REFRESH_TOKEN,
                   "expires_in": 3600, "token_type": "Bearer"}),
        ),
        "/key/items" if req.header("x-api-key") == Some(VENDOR_KEY) => {
            MockResponse::json(200, json!({"items": [{"id": 1}], "next": null}))
        }
        "/key/files/f1" if req.header("x-api-key") == Some(VENDOR_KEY) => {
            MockResponse::text(200, "file bytes").header("content-type", "application/pdf")
        }
        "/oauth/items"
            if req.header("authorization") == Some(&format!("Bearer {ISSUED_ACCESS_TOKEN}")) =>
        {
            MockResponse::json(200, json!({"items": [{"id": 2}]}))
        }
        "/v1/customers" if req.header("authorization") == Some(&format!("Bearer {VENDOR_KEY}")) => {
            MockResponse::json(200, json!({"data": [{"id": "cus_audit"}]}))
        }
        "/key/denied" => MockResponse::json(401, json!({"message": "invalid api key"})),
        _ => MockResponse::json(401, json!({"message": "unauthorized"})),
    }
}

fn api_key_definition(vendor_url: &str) -> String {
    format!(
        r#"openapi: 3.1.0
info:
  title: Audit Key Connector
  version: 1.0.0
  x-airbyte-connector-name: audit-key
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-00000000a0d1
servers:
  - url: {vendor_url}/key
components:
  securitySchemes:
    apiKey:
      type: apiKey
      in: header
      name: X-Api-Key
      x-airbyte-auth-config:
        type: object
        required: [api_key]
        properties:
          api_key: {{type: string, airbyte_secret: true}}
        auth_mapping:
          api_key: "${{api_key}}"
security:
  - apiKey: []
paths:
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      x-airbyte-record-extractor: $.items
      x-airbyte-meta-extractor:
        next: $.next
  /denied:
    get:
      x-airbyte-entity: denied
      x-airbyte-action: list
  /files/{{id}}:
    get:
      x-airbyte-entity: files
      x-airbyte-action: download
      parameters:
        - {{name: id, in: path, required: true, schema: {{type: string}}}}
"#
    )
}

fn oauth_definition(vendor_url: &str) -> String {
    format!(
        r#"openapi: 3.1.0
info:
  title: Audit OAuth Connector
  version: 1.0.0
  x-airbyte-connector-name: audit-oauth
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-00000000a0d2
servers:
  - url: {vendor_url}/oauth
components:
  securitySchemes:
    oauth2:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: {vendor_url}/authorize
          tokenUrl: {vendor_url}/oauth/token
          refreshUrl: {vendor_url}/oauth/token
          scopes: {{}}
      x-airbyte-auth-config:
        type: object
        required: [client_id, client_secret, refresh_token]
        properties:
          client_id: {{type: string}}
          client_secret: {{type: string, airbyte_secret: true}}
          refresh_token: {{type: string, airbyte_secret: true}}
          access_token: {{type: string, airbyte_secret: true}}
        auth_mapping:
          client_id: "${{client_id}}"
          client_secret: "${{client_secret}}"
          refresh_token: "${{refresh_token}}"
          access_token: "${{access_token}}"
security:
  - oauth2: []
paths:
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      x-airbyte-record-extractor: $.items
"#
    )
}

/// Runs against the hosted fake, credentials by flag.
fn hosted(api: &str, leaf: &'static str, args: &[&str]) -> Invocation {
    let mut all = vec![
        "--api-url",
        api,
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
    ];
    all.extend_from_slice(args);
    inv(leaf, &all)
}

fn invocations(api: &str, dir: &Path, key_def: &str, oauth_def: &str) -> Vec<Invocation> {
    let p = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let (out_dir, download) = (p("generated"), p("download.bin"));
    let key_file = p("vendor-key.txt");
    let mcp_config = p("claude_desktop_config.json");
    let credentials = format!(r#"{{"api_key":"{CONNECTOR_CREDENTIAL}"}}"#);
    let app = format!(r#"{{"client_id":"app-id","client_secret":"{OAUTH_APP_SECRET}"}}"#);
    let auth_key = format!("api_key={VENDOR_KEY}");
    let auth_key_file = format!("api_key=@{key_file}");
    let oauth_auth = [
        "--auth".to_string(),
        "client_id=audit-client".into(),
        "--auth".into(),
        format!("client_secret={OAUTH_CLIENT_SECRET}"),
        "--auth".into(),
        format!("refresh_token={REFRESH_TOKEN}"),
        "--auth".into(),
        format!("access_token={STALE_ACCESS_TOKEN}"),
    ];
    let mut oauth_args = vec!["local", "exec", "--definition", oauth_def];
    oauth_args.extend(oauth_auth.iter().map(String::as_str));
    oauth_args.extend(["items", "list"]);
    vec![
        hosted(api, "connectors list", &["connectors", "list"]),
        hosted(api, "connectors get", &["connectors", "get", "stripe"]),
        hosted(
            api,
            "connectors create",
            &[
                "connectors",
                "create",
                "stripe",
                "--credentials",
                &credentials,
            ],
        ),
        hosted(
            api,
            "connectors delete",
            &["connectors", "delete", CONNECTOR],
        ),
        hosted(
            api,
            "exec",
            &[
                "exec",
                "stripe",
                "customers",
                "list",
                "--params",
                r#"{"limit":1}"#,
            ],
        ),
        hosted(api, "check", &["check", CONNECTOR]),
        hosted(api, "ask", &["ask", "how many customers?"]),
        hosted(api, "workflows list", &["workflows", "list"]),
        hosted(api, "workflows create", &["workflows", "create", "digest"]),
        hosted(api, "workflows get", &["workflows", "get", "wf-1"]),
        hosted(
            api,
            "workflows update",
            &["workflows", "update", "wf-1", "--name", "n2"],
        ),
        hosted(api, "workflows delete", &["workflows", "delete", "wf-1"]),
        hosted(api, "automations list", &["automations", "list", "wf-1"]),
        hosted(
            api,
            "automations create",
            &["automations", "create", "wf-1", "--cron", "0 * * * *"],
        ),
        hosted(
            api,
            "automations get",
            &["automations", "get", "wf-1", "au-1"],
        ),
        hosted(
            api,
            "automations update",
            &["automations", "update", "wf-1", "au-1", "--disable"],
        ),
        hosted(
            api,
            "automations delete",
            &["automations", "delete", "wf-1", "au-1"],
        ),
        hosted(
            api,
            "oauth initiate",
            &[
                "oauth",
                "initiate",
                "hubspot",
                "--redirect-url",
                "https://app.example.com/cb",
            ],
        ),
        hosted(
            api,
            "oauth set-credentials",
            &["oauth", "set-credentials", "hubspot", "--credentials", &app],
        ),
        hosted(
            api,
            "oauth delete-credentials",
            &["oauth", "delete-credentials", "hubspot"],
        ),
        // Offline commands, with the hosted credentials in the environment
        // (see `run`): nothing may echo them.
        inv("catalog", &["catalog"]),
        // Its own server, sandbox and generated credentials, all in process.
        inv("demo", &["demo", "--customers", "3"]),
        inv("completions", &["completions", "bash"]),
        inv(
            "definitions lint",
            &["definitions", "lint", key_def, oauth_def],
        ),
        inv("definitions show", &["definitions", "show", oauth_def]),
        inv(
            "tools export",
            &[
                "tools",
                "export",
                "--definition",
                key_def,
                "--format",
                "anthropic",
            ],
        ),
        inv("codegen", &["codegen", key_def, "--out", &out_dir]),
        inv(
            "mcp install",
            &[
                "mcp",
                "install",
                "--client",
                "claude-desktop",
                "--config",
                &mcp_config,
                "--",
                "--definition",
                key_def,
                "--auth",
                &auth_key_file,
            ],
        ),
        inv(
            "local exec",
            &[
                "local",
                "exec",
                "--definition",
                key_def,
                "--auth",
                &auth_key,
                "items",
                "list",
                "--all",
            ],
        ),
        inv(
            "local exec",
            &[
                "local",
                "exec",
                "--definition",
                key_def,
                "--auth",
                &auth_key_file,
                "files",
                "download",
                "--params",
                r#"{"id":"f1"}"#,
                "--output",
                &download,
            ],
        ),
        inv("local exec", &oauth_args),
    ]
}

/// Runs that must fail, and still print no secret.
fn failing_invocations(key_def: &str) -> Vec<Invocation> {
    let auth_key = format!("api_key={VENDOR_KEY}");
    vec![
        inv(
            "local exec",
            &[
                "local",
                "exec",
                "--definition",
                key_def,
                "--auth",
                &auth_key,
                "denied",
                "list",
            ],
        ),
        inv(
            "local exec",
            &[
                "local",
                "exec",
                "--definition",
                key_def,
                "--auth",
                &auth_key,
                "items",
                "list",
                "--params",
                "{not json",
            ],
        ),
        inv(
            "local exec",
            &[
                "local",
                "exec",
                "--definition",
                key_def,
                "--auth",
                &auth_key,
                "--base-url",
                "http://127.0.0.1:9",
                "items",
                "list",
            ],
        ),
    ]
}

/// `mcp serve` over stdio with the API-key connector, at trace level: the
/// MCP handshake, `tools/list`, then one `execute` tool call that reaches
/// the vendor with the key. Returns the run and the tool call's response.
fn mcp_stdio_session(key_def: &str) -> (CliRun, Value) {
    use std::io::{BufRead, BufReader, Read, Write};
    let auth = format!("api_key={VENDOR_KEY}");
    let mut child = cli_command()
        .args(["mcp", "serve", "--definition", key_def, "--auth", &auth])
        .env("RUST_LOG", "trace")
        .env("AIRBYTE_CLIENT_ID", CLIENT_ID)
        .env("AIRBYTE_CLIENT_SECRET", CLIENT_SECRET)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mcp serve starts");
    let mut stderr = child.stderr.take().expect("stderr");
    // Trace output is large: drain it so the server never blocks on it.
    let drain = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut transcript = String::new();
    let mut send = |msg: Value| writeln!(stdin, "{msg}").and_then(|()| stdin.flush());
    let mut answer = |id: u64, transcript: &mut String| -> Value {
        loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                return Value::Null;
            }
            transcript.push_str(&line);
            let msg: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if msg["id"] == json!(id) {
                return msg;
            }
        }
    };
    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "redaction-audit", "version": "1"}}}),
    )
    .expect("write initialize");
    answer(1, &mut transcript);
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).expect("write");
    send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})).expect("write tools/list");
    let tools = answer(2, &mut transcript);
    let execute = tools["result"]["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .find(|n| n.ends_with("_execute"))
        .unwrap_or("no_execute_tool")
        .to_string();
    send(
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
        "name": execute, "arguments": {"entity": "items", "action": "list", "params": {}}}}),
    )
    .expect("write tools/call");
    let called = answer(3, &mut transcript);
    drop(stdin);
    let status = child.wait().expect("mcp serve exits when stdin closes");
    let mut rest = String::new();
    let _ = stdout.read_to_string(&mut rest);
    transcript.push_str(&rest);
    let run = CliRun {
        code: status.code(),
        stdout: transcript,
        stderr: drain.join().unwrap_or_default(),
    };
    (run, called)
}

/// Leaf subcommands of the binary, read from its `--help` pages
/// (e.g. `connectors list`, `exec`).
fn leaf_subcommands() -> BTreeSet<String> {
    fn walk(path: &mut Vec<String>, out: &mut BTreeSet<String>) {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = run_cli(&args, &[]);
        let children = subcommands_of(&run.stdout);
        if children.is_empty() || runnable_itself(&run.stdout) {
            out.insert(path.join(" "));
        }
        for child in children {
            path.push(child);
            walk(path, out);
            path.pop();
        }
    }
    let mut out = BTreeSet::new();
    walk(&mut Vec::new(), &mut out);
    out
}

/// Whether a command with subcommands also runs by itself (`mcp` serves):
/// one of its usage lines needs no `<COMMAND>`.
fn runnable_itself(help: &str) -> bool {
    help.lines()
        .skip_while(|l| !l.starts_with("Usage:"))
        .take_while(|l| !l.trim().is_empty())
        .any(|l| !l.contains("<COMMAND>"))
}

/// Names listed under `Commands:` in a help page, `help` excluded.
fn subcommands_of(help: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line.starts_with("Commands:") {
            inside = true;
            continue;
        }
        if inside && !line.starts_with(' ') && !line.is_empty() {
            break;
        }
        // Entries are indented two spaces; wrapped descriptions far more.
        if inside
            && line.starts_with("  ")
            && !line.starts_with("   ")
            && let Some(name) = line.split_whitespace().next().filter(|n| *n != "help")
        {
            names.push(name.to_string());
        }
    }
    names
}

fn run(invocation: &Invocation) -> CliRun {
    let args: Vec<&str> = invocation.args.iter().map(String::as_str).collect();
    run_cli(
        &args,
        &[
            ("RUST_LOG", "trace"),
            ("AIRBYTE_CLIENT_ID", CLIENT_ID),
            ("AIRBYTE_CLIENT_SECRET", CLIENT_SECRET),
        ],
    )
}

fn leaks(run: &CliRun, secrets: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        for s in secrets {
            if let Some(at) = text.find(s.as_str()) {
                let start = text[..at]
                    .char_indices()
                    .rev()
                    .nth(80)
                    .map_or(0, |(i, _)| i);
                let context = &text[start..(at + s.len()).min(text.len())];
                found.push(format!("{s:?} on {stream}: …{context}"));
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_subcommand_prints_a_secret_at_trace_level() {
    let hosted_api = RecordingServer::start(hosted_api).await;
    let vendor_api = RecordingServer::start(vendor).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let key_def = dir.path().join("key.yaml");
    let oauth_def = dir.path().join("oauth.yaml");
    std::fs::write(&key_def, api_key_definition(&vendor_api.url())).unwrap();
    std::fs::write(&oauth_def, oauth_definition(&vendor_api.url())).unwrap();
    std::fs::write(dir.path().join("vendor-key.txt"), format!("{VENDOR_KEY}\n")).unwrap();
    let (key_def, oauth_def) = (key_def.to_string_lossy(), oauth_def.to_string_lossy());

    let secrets = secrets();
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    let succeeding = invocations(&hosted_api.url(), dir.path(), &key_def, &oauth_def);
    let total = succeeding.len();
    let (mcp_run, called) = mcp_stdio_session(&key_def);
    if called["result"].is_null() || called["result"]["isError"] == json!(true) {
        failures.push(format!(
            "mcp serve: the execute tool call failed: {called}\n{}",
            mcp_run.stderr
        ));
    }
    failures.extend(
        leaks(&mcp_run, &secrets)
            .into_iter()
            .map(|l| format!("`mcp serve`: {l}")),
    );
    for invocation in &succeeding {
        let run = run(invocation);
        let label = invocation.args.join(" ");
        if run.code != Some(0) {
            failures.push(format!(
                "`{label}` failed ({:?}):\n{}",
                run.code, run.stderr
            ));
        }
        failures.extend(
            leaks(&run, &secrets)
                .into_iter()
                .map(|l| format!("`{label}`: {l}")),
        );
        covered.insert(invocation.leaf.to_string());
    }
    for invocation in failing_invocations(&key_def) {
        let run = run(&invocation);
        let label = invocation.args.join(" ");
        if run.code == Some(0) || run.stderr.trim().is_empty() {
            failures.push(format!("`{label}` was expected to fail with a message"));
        }
        failures.extend(
            leaks(&run, &secrets)
                .into_iter()
                .map(|l| format!("`{label}`: {l}")),
        );
    }

    let server = redaction::server_session(&vendor_api, &secrets).await;
    failures.extend(server.failures);
    covered.extend(redaction::SUBCOMMANDS.iter().map(|s| s.to_string()));

    // The runs did talk to the servers, with the secrets, and traced it.
    let traced = run(&succeeding[0]).stderr;
    assert!(
        traced.contains("TRACE") || traced.contains("DEBUG"),
        "no trace output:\n{traced}"
    );
    let token_request = hosted_api
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/token"));
    assert!(token_request.is_some_and(|r| r.text().contains(CLIENT_SECRET)));
    let refreshed = vendor_api
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth/token");
    assert!(
        refreshed.is_some_and(|r| r.text().contains(REFRESH_TOKEN)),
        "no OAuth2 refresh ran"
    );
    let created = hosted_api
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/connectors"));
    assert!(created.is_some_and(|r| r.text().contains(CONNECTOR_CREDENTIAL)));

    // Every subcommand of the binary was audited.
    let mut missing: Vec<String> = leaf_subcommands()
        .into_iter()
        .filter(|leaf| {
            !covered.contains(leaf)
                && !STDIO_SUBCOMMANDS.contains(&leaf.as_str())
                && !NOT_AUDITED_HERE.contains(&leaf.as_str())
        })
        .collect();
    missing.sort();
    assert!(
        missing.is_empty(),
        "subcommands without a redaction audit entry: {missing:?}"
    );
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "audited {} subcommands in {total} runs (+{} failing runs, {} in the server \
         session), {} secrets",
        covered.len(),
        failing_invocations(&key_def).len(),
        server.runs,
        secrets.len()
    );
}
