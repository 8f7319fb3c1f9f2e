//! The local server under the redaction audit: `serve` at trace level, its
//! vendor credentials sealed with an encryption key and `ask` backed by a
//! loopback model behind an API key (both audit secrets), driven by
//! `admin apps create|list|revoke`, `runs list`, the binary's own hosted
//! commands, direct API requests with a bearer token, and `mcp` over
//! streamable HTTP in hosted mode. Then the Stripe sandbox, offered a
//! wrong key that is an audit secret.
//!
//! `admin apps create` prints the new client secret by design: that one
//! value is allowed on that one command's stdout and nowhere else.

mod mcp_http;
mod process;

use std::path::Path;

use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use serde_json::{Value, json};

use crate::support::{
    CLIENT_ID, CLIENT_SECRET, CliRun, cli_command, loopback_stripe_definition, run_cli,
};
use crate::{CONNECTOR_CREDENTIAL, OAUTH_APP_SECRET, VENDOR_KEY, leaks};
use process::Spawned;

/// The server's encryption key: base64 of `AUDIT-encryption-key-32-bytes!!!`.
pub const ENCRYPTION_KEY: &str = "QVVESVQtZW5jcnlwdGlvbi1rZXktMzItYnl0ZXMhISE=";
/// The API key of the model `ask` calls.
pub const LLM_API_KEY: &str = "llm-api-key-AUDIT-6Rw";
/// A wrong client secret offered to the token endpoint.
pub const WRONG_APP_SECRET: &str = "wrong-app-secret-AUDIT-Jd2";

/// The subcommands this session audits.
pub const SUBCOMMANDS: &[&str] = &[
    "serve",
    "admin apps create",
    "admin apps list",
    "admin apps revoke",
    "runs list",
    "mcp",
    "sandbox",
];

/// What the session found: problems, and how many runs it checked.
pub struct Outcome {
    pub failures: Vec<String>,
    pub runs: usize,
}

/// A model that calls the first tool it is offered once, then answers.
fn model(req: &RecordedRequest) -> MockResponse {
    let body = req.json().unwrap_or(Value::Null);
    let answered_tool = body["messages"]
        .as_array()
        .is_some_and(|m| m.iter().any(|m| m["role"] == "tool"));
    let message = match body["tools"][0]["function"]["name"].as_str() {
        Some(tool) if !answered_tool => json!({"role": "assistant", "content": null,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": tool,
            "arguments": r#"{"entity":"customers","action":"list","params":{"limit":1}}"#}}]}),
        _ => json!({"role": "assistant", "content": "one customer"}),
    };
    MockResponse::json(200, json!({"choices": [{"index": 0, "message": message}]}))
}

/// Collects runs and what went wrong with them.
struct Audit {
    secrets: Vec<String>,
    failures: Vec<String>,
    runs: usize,
}

impl Audit {
    /// Checks a run for secrets; `allowed_on_stdout` may appear on stdout.
    fn check(&mut self, label: &str, run: &CliRun, allowed_on_stdout: Option<&str>) {
        self.runs += 1;
        let stdout_secrets: Vec<String> = self
            .secrets
            .iter()
            .filter(|s| Some(s.as_str()) != allowed_on_stdout)
            .cloned()
            .collect();
        let stdout_only = CliRun {
            code: run.code,
            stdout: run.stdout.clone(),
            stderr: String::new(),
        };
        let stderr_only = CliRun {
            code: run.code,
            stdout: String::new(),
            stderr: run.stderr.clone(),
        };
        let found = leaks(&stdout_only, &stdout_secrets)
            .into_iter()
            .chain(leaks(&stderr_only, &self.secrets));
        self.failures
            .extend(found.map(|l| format!("`{label}`: {l}")));
    }

    /// Runs the CLI, expecting success or failure, and checks its output.
    fn run(&mut self, args: &[&str], env: &[(&str, &str)], succeed: bool) -> CliRun {
        let run = run_cli(args, env);
        let label = args.join(" ");
        if succeed && run.code != Some(0) {
            self.failures.push(format!(
                "`{label}` failed ({:?}):\n{}",
                run.code, run.stderr
            ));
        }
        if !succeed && (run.code == Some(0) || run.stderr.trim().is_empty()) {
            self.failures
                .push(format!("`{label}` was expected to fail with a message"));
        }
        self.check(&label, &run, None);
        run
    }

    fn expect(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.failures.push(what());
        }
    }
}

/// Runs the whole session; `secrets` are the audit's fixed secrets, to
/// which the session adds the application secret and bearer token it
/// obtains. `vendor` answers `/v1/customers` to `Bearer VENDOR_KEY`.
pub async fn server_session(vendor: &RecordingServer, secrets: &[String]) -> Outcome {
    let llm = RecordingServer::start(model).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("server.db").to_string_lossy().into_owned();
    let defs = dir.path().join("defs");
    std::fs::create_dir(&defs).expect("definitions dir");
    std::fs::write(
        defs.join("stripe.yaml"),
        loopback_stripe_definition(&vendor.url()),
    )
    .unwrap();
    // Every command of the session sees all the secrets a deployment would
    // hold in its environment: none may echo them.
    let base_env = [
        ("RUST_LOG", "trace"),
        ("AIRBYTE_SERVER_ENCRYPTION_KEY", ENCRYPTION_KEY),
        ("AIRBYTE_SERVER_LLM_API_KEY", LLM_API_KEY),
    ];
    let mut admin_env = base_env.to_vec();
    admin_env.extend([
        ("AIRBYTE_CLIENT_ID", CLIENT_ID),
        ("AIRBYTE_CLIENT_SECRET", CLIENT_SECRET),
    ]);

    // The application: its secret is printed once, by this command only.
    let created = run_cli(
        &["admin", "apps", "create", "--db", &db, "--name", "audit"],
        &admin_env,
    );
    let app = serde_json::from_str::<Value>(&created.stdout).unwrap_or(Value::Null);
    let (Some(client_id), Some(app_secret)) =
        (app["client_id"].as_str(), app["client_secret"].as_str())
    else {
        panic!("admin apps create printed no credentials: {created:?}");
    };
    let mut audit = Audit {
        secrets: secrets
            .iter()
            .cloned()
            .chain([app_secret.to_string()])
            .collect(),
        failures: Vec::new(),
        runs: 0,
    };
    audit.check("admin apps create", &created, Some(app_secret));

    let serve = start_server(&db, &defs, &llm.url(), &base_env);
    let Some(url) = serve.wait_for(|line| {
        let started: Value = serde_json::from_str(line).ok()?;
        started["url"].as_str().map(str::to_string)
    }) else {
        let run = serve.stop();
        panic!("serve did not start:\n{}", run.stderr);
    };

    let mut hosted_env = base_env.to_vec();
    hosted_env.extend([
        ("AIRBYTE_API_URL", url.as_str()),
        ("AIRBYTE_CLIENT_ID", client_id),
        ("AIRBYTE_CLIENT_SECRET", app_secret),
    ]);
    let good = json!({"api_key": VENDOR_KEY}).to_string();
    let bad = json!({"api_key": CONNECTOR_CREDENTIAL}).to_string();
    let oauth_app = json!({"client_id": "app-id", "client_secret": OAUTH_APP_SECRET}).to_string();
    let tasks = json!([{"type": "execute", "connector": "stripe", "entity": "customers",
        "action": "list", "params": {"limit": 1}}])
    .to_string();
    let h = &hosted_env;
    audit.run(
        &["connectors", "create", "stripe", "--credentials", &good],
        h,
        true,
    );
    audit.run(
        &[
            "--workspace",
            "broken",
            "connectors",
            "create",
            "stripe",
            "--credentials",
            &bad,
        ],
        h,
        true,
    );
    let page = audit.run(
        &[
            "exec",
            "stripe",
            "customers",
            "list",
            "--params",
            r#"{"limit":1}"#,
        ],
        h,
        true,
    );
    audit.expect(page.stdout.contains("cus_audit"), || {
        format!("exec through the server read no customer: {page:?}")
    });
    audit.run(
        &[
            "--workspace",
            "broken",
            "exec",
            "stripe",
            "customers",
            "list",
        ],
        h,
        false,
    );
    audit.run(
        &[
            "oauth",
            "set-credentials",
            "stripe",
            "--credentials",
            &oauth_app,
        ],
        h,
        true,
    );
    let asked = audit.run(&["ask", "how many customers?"], h, true);
    audit.expect(asked.stdout.contains("one customer"), || {
        format!("ask through the server got no answer: {asked:?}")
    });
    let workflow = audit.run(&["workflows", "create", "pull", "--tasks", &tasks], h, true);
    audit.run(&["connectors", "list"], h, true);

    let (mcp, called) = mcp_http::session(h).await;
    audit.check("mcp --transport http", &mcp, None);
    audit.expect(
        called["result"]["isError"] == json!(false) && called.to_string().contains("cus_audit"),
        || {
            format!(
                "mcp over HTTP: the execute tool call failed: {called}\n{}",
                mcp.stderr
            )
        },
    );

    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client");
    let token = api_requests(&mut audit, &http, &url, (client_id, app_secret), &workflow).await;
    audit.expect(token.is_some(), || {
        "the token endpoint issued no token".into()
    });
    audit.secrets.extend(token.clone());

    let mut db_env = admin_env.clone();
    db_env.push(("AIRBYTE_SERVER_DB", db.as_str()));
    let runs = audit.run(&["runs", "list", "--db", &db], &admin_env, true);
    audit.expect(runs.stdout.contains("cus_audit"), || {
        format!("runs list shows no run: {runs:?}")
    });
    let listed = audit.run(&["admin", "apps", "list"], &db_env, true);
    audit.expect(listed.stdout.contains(client_id), || {
        format!("admin apps list misses the app: {listed:?}")
    });
    audit.run(
        &["admin", "apps", "revoke", "--db", &db, client_id],
        &admin_env,
        true,
    );
    audit.run(&["connectors", "list"], h, false);
    let revoked = http
        .get(format!("{url}/api/v1/integrations/connectors"))
        .bearer_auth(token.unwrap_or_default())
        .send()
        .await
        .map(|r| r.status().as_u16());
    audit.expect(matches!(revoked, Ok(401 | 403)), || {
        format!("a revoked application's token still works: {revoked:?}")
    });

    let served = serve.stop();
    audit.expect(
        served.stderr.contains("TRACE") && served.stderr.contains("listening"),
        || format!("serve wrote no trace log:\n{}", served.stderr),
    );
    audit.check("serve", &served, None);
    check_wire(&mut audit, vendor, &llm);
    sandbox_session(&mut audit, &admin_env).await;
    Outcome {
        failures: audit.failures,
        runs: audit.runs,
    }
}

fn start_server(db: &str, defs: &Path, llm_url: &str, env: &[(&str, &str)]) -> Spawned {
    let mut cmd = cli_command();
    cmd.args([
        "serve",
        "--db",
        db,
        "--listen",
        "127.0.0.1:0",
        "--definitions",
    ])
    .arg(defs)
    .args(["--llm-url", llm_url, "--llm-model", "audit-model"])
    .envs(env.iter().copied());
    Spawned::start(cmd)
}

/// Requests straight to the API: a refused token request with a wrong
/// secret, a token, and a run of `workflow` with it. Returns the bearer
/// token, a secret too.
async fn api_requests(
    audit: &mut Audit,
    http: &reqwest::Client,
    url: &str,
    (client_id, app_secret): (&str, &str),
    workflow: &CliRun,
) -> Option<String> {
    let token_url = format!("{url}/api/v1/account/applications/token");
    let refused = http
        .post(&token_url)
        .json(&json!({"client_id": client_id, "client_secret": WRONG_APP_SECRET}))
        .send()
        .await
        .map(|r| r.status().as_u16());
    audit.expect(matches!(refused, Ok(401 | 403)), || {
        format!("a wrong client secret was not refused: {refused:?}")
    });
    let token: Value = http
        .post(&token_url)
        .json(&json!({"client_id": client_id, "client_secret": app_secret}))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let token = token["access_token"].as_str()?.to_string();
    let wf = serde_json::from_str::<Value>(&workflow.stdout).unwrap_or(Value::Null);
    let run: Value = http
        .post(format!(
            "{url}/api/v1/internal/workflows/{}/runs?workspace_id={}",
            wf["id"].as_str().unwrap_or_default(),
            wf["workspace_id"].as_str().unwrap_or_default()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    audit.expect(run["status"] == "success", || {
        format!("the workflow run failed: {run}")
    });
    Some(token)
}

/// The secrets did travel: the server sent the vendor key (and the wrong
/// one) to the vendor and the model key to the model.
fn check_wire(audit: &mut Audit, vendor: &RecordingServer, llm: &RecordingServer) {
    let sent = |server: &RecordingServer, bearer: &str| {
        let header = format!("Bearer {bearer}");
        server
            .requests()
            .iter()
            .any(|r| r.header("authorization") == Some(header.as_str()))
    };
    for (what, ok) in [
        ("the vendor key", sent(vendor, VENDOR_KEY)),
        ("the wrong vendor key", sent(vendor, CONNECTOR_CREDENTIAL)),
        ("the model key", sent(llm, LLM_API_KEY)),
    ] {
        audit.expect(ok, || format!("the server never sent {what}"));
    }
}

/// `sandbox` at trace level: it prints its own key by design (not an audit
/// secret); a request with a wrong key, an audit secret, must not be echoed.
async fn sandbox_session(audit: &mut Audit, env: &[(&str, &str)]) {
    let mut cmd = cli_command();
    cmd.args(["sandbox", "--listen", "127.0.0.1:0", "--records", "2"])
        .envs(env.iter().copied());
    let sandbox = Spawned::start(cmd);
    let started = sandbox.wait_for(|line| serde_json::from_str::<Value>(line).ok());
    let url = started.as_ref().and_then(|s| s["url"].as_str());
    let key = started.as_ref().and_then(|s| s["api_key"].as_str());
    let (Some(url), Some(key)) = (url, key) else {
        let run = sandbox.stop();
        audit
            .failures
            .push(format!("sandbox did not start: {run:?}"));
        return;
    };
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client");
    let mut statuses = Vec::new();
    for bearer in [VENDOR_KEY, key] {
        let status = http
            .get(format!("{url}/v1/customers"))
            .bearer_auth(bearer)
            .send()
            .await
            .map(|r| r.status().as_u16());
        statuses.push(status.ok());
    }
    audit.expect(statuses == [Some(401), Some(200)], || {
        format!("sandbox: a wrong key and its own key answered {statuses:?}")
    });
    let run = sandbox.stop();
    audit.expect(run.stderr.contains("TRACE"), || {
        format!("sandbox wrote no trace log: {run:?}")
    });
    audit.check("sandbox", &run, None);
}
