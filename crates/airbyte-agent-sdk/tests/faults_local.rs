//! Fault injection against the local executor: every fault of the catalogue
//! (resets, stalls, truncated and invalid bodies, 5xx bursts, 429s, huge
//! bodies and headers, non-HTTP replies) × every kind of operation
//! (idempotent GET, POST, PATCH, pagination, streamed download).
//!
//! Each call must end — with a result or an `Error` of the expected kind —
//! within its configured time limit (a guard adds generous slack), never
//! panic, send a POST or PATCH at most once once the server has received
//! it, and retry idempotent requests exactly as the retry config allows.

mod fault_support;
mod local_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_sdk::http::{HttpSender, SenderConfig, Timeouts};
use airbyte_agent_sdk::{ExecutionConfig, Executor};
use fault_support::*;
use futures::StreamExt as _;
use serde_json::{Value, json};

const SECRET: &str = "sk_live_fault_SENSITIVE";
/// Per-attempt limit (headers, and the whole body for buffered reads).
const ATTEMPT: Duration = Duration::from_secs(2);
/// Limit of a whole call, every attempt and wait included.
const TOTAL: Duration = Duration::from_secs(10);

const PATHS: &str = r#"
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      x-airbyte-record-extractor: $.items
      x-airbyte-meta-extractor:
        next: $.next
      parameters:
        - {name: cursor, in: query, schema: {type: string}}
    post:
      x-airbyte-entity: items
      x-airbyte-action: create
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: string}
  /items/{id}:
    patch:
      x-airbyte-entity: items
      x-airbyte-action: update
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: string}
  /files/{file_id}/content:
    get:
      x-airbyte-entity: files
      x-airbyte-action: download
      parameters:
        - {name: file_id, in: path, required: true, schema: {type: string}}
"#;

/// Fast, deterministic retries; server hints honoured up to 2 s.
const RETRY_CONFIG: &str = "  x-airbyte-retry-config:
    max_attempts: 3
    initial_delay_seconds: 0.01
    max_delay_seconds: 2
    jitter: false
";

/// The kinds of operation, by how the retry rule treats them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    List,
    Create,
    Update,
    /// The fault hits the second page.
    Paginate,
    Download,
}

impl Op {
    const ALL: [Op; 5] = [Op::List, Op::Create, Op::Update, Op::Paginate, Op::Download];

    fn class(self) -> Class {
        match self {
            Op::List | Op::Paginate => Class::Idempotent,
            Op::Create | Op::Update => Class::NonIdempotent,
            Op::Download => Class::Streamed,
        }
    }

    /// Method and path of the faulted request.
    fn target(self) -> (&'static str, &'static str) {
        match self {
            Op::List | Op::Paginate => ("GET", "/items"),
            Op::Create => ("POST", "/items"),
            Op::Update => ("PATCH", "/items/it_1"),
            Op::Download => ("GET", "/files/f_1/content"),
        }
    }

    /// What the faulted path answers when it behaves.
    fn good_reply(self) -> Reply {
        match self {
            Op::List => Reply::json(200, &json!({"items": [{"id": 1}, {"id": 2}]})),
            Op::Paginate => Reply::json(200, &json!({"items": [{"id": 3}], "next": null})),
            Op::Create | Op::Update => Reply::json(200, &json!({"id": "it_1", "name": "n"})),
            Op::Download => Reply {
                status: 200,
                headers: vec![("content-type".into(), "application/pdf".into())],
                body: b"%PDF-1.7 fault-suite file".to_vec(),
            },
        }
    }
}

fn executor(server: &FaultServer) -> LocalExecutor {
    let def = local_support::definition_with(PATHS, RETRY_CONFIG);
    let timeouts = Timeouts::default()
        .with_request(Some(ATTEMPT))
        .with_read(Some(ATTEMPT))
        .with_total(Some(TOTAL));
    let config = SenderConfig::default()
        .with_timeouts(timeouts)
        .with_max_response_body(Some(BODY_LIMIT));
    LocalExecutor::builder(def)
        .auth("api_key", SECRET)
        .base_url(server.url())
        .sender(HttpSender::new(config).expect("sender"))
        .build()
        .expect("executor")
}

/// Starts a server that applies `fault` to `op`'s target and answers the
/// first page of a pagination normally.
async fn faulty_server(op: Op, fault: FaultFn) -> FaultServer {
    let (method, path) = op.target();
    let good = op.good_reply();
    let attempts: Arc<std::sync::Mutex<usize>> = Arc::default();
    FaultServer::start(move |req, _| {
        let first_page = op == Op::Paginate && req.query.is_none();
        if first_page {
            return Fault::json(200, &json!({"items": [{"id": 1}, {"id": 2}], "next": "c2"}));
        }
        if req.method != method || req.path != path {
            return Fault::json(404, &json!({"message": "unexpected request"}));
        }
        let mut n = attempts.lock().expect("lock");
        *n += 1;
        fault(*n - 1, &good)
    })
    .await
}

/// Runs `op` once against a server applying `fault`.
async fn run_case(op: Op, fault: FaultFn) -> Observed {
    let server = faulty_server(op, fault).await;
    let exec = executor(&server);
    let mut problems = Vec::new();
    let outcome = match op {
        Op::List => exec
            .execute(ExecutionConfig::new("items", "list"))
            .await
            .map(|r| expect_data(&r.data, json!([{"id": 1}, {"id": 2}]), &mut problems)),
        Op::Create => exec
            .execute(ExecutionConfig::new("items", "create").param("name", json!("n")))
            .await
            .map(drop),
        Op::Update => exec
            .execute(
                ExecutionConfig::new("items", "update")
                    .param("id", json!("it_1"))
                    .param("name", json!("n")),
            )
            .await
            .map(drop),
        Op::Paginate => paginate(&exec, &mut problems).await,
        Op::Download => download(&exec, &mut problems).await,
    };
    if let Err(e) = &outcome {
        check_error_text(e, &[SECRET], &mut problems);
    }
    let (method, path) = op.target();
    let mut attempts = server.count(method, path);
    if op == Op::Paginate {
        attempts -= 1; // the first page
    }
    Observed {
        outcome,
        attempts,
        problems,
    }
}

fn expect_data(got: &Value, want: Value, problems: &mut Vec<String>) {
    if *got != want {
        problems.push(format!("data {got}, expected {want}"));
    }
}

/// Collects a pagination: the first page's records, then the second page's
/// or its error (which must end the stream).
async fn paginate(
    exec: &LocalExecutor,
    problems: &mut Vec<String>,
) -> airbyte_agent_sdk::Result<()> {
    let items: Vec<_> = exec
        .paginate(ExecutionConfig::new("items", "list"))
        .collect()
        .await;
    let mut ids = Vec::new();
    let mut error = None;
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Ok(record) if error.is_none() => ids.push(record["id"].clone()),
            Ok(_) => problems.push("a record came after an error".into()),
            Err(e) if error.is_none() => error = Some((i, e)),
            Err(_) => problems.push("a second error came after the first".into()),
        }
    }
    match error {
        Some((_, e)) => {
            expect_data(&Value::Array(ids), json!([1, 2]), problems);
            Err(e)
        }
        None => {
            expect_data(&Value::Array(ids), json!([1, 2, 3]), problems);
            Ok(())
        }
    }
}

/// Streams a download to the end; any chunk error ends the call.
async fn download(
    exec: &LocalExecutor,
    problems: &mut Vec<String>,
) -> airbyte_agent_sdk::Result<()> {
    let mut stream = exec
        .download(ExecutionConfig::new("files", "download").param("file_id", json!("f_1")))
        .await?;
    let mut len = 0u64;
    while let Some(chunk) = stream.next().await {
        len += chunk?.len() as u64;
    }
    if len == 0 {
        problems.push("downloaded nothing".into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_against_every_local_operation() {
    let mut cases = Vec::new();
    let mut per_fault: HashMap<&str, usize> = HashMap::new();
    for (name, fault) in catalogue() {
        for op in Op::ALL {
            let Some((expect, attempts)) = sender_expectation(name, op.class()) else {
                continue;
            };
            *per_fault.entry(name).or_default() += 1;
            let fault = fault.clone();
            cases.push(Case {
                name: format!("{name} × {op:?}"),
                expect,
                attempts,
                limit: TOTAL,
                run: Box::pin(run_case(op, fault)),
            });
        }
    }
    let faults = per_fault.len();
    let ran = run_matrix("local executor", cases).await;
    eprintln!(
        "local executor: {faults} faults × {} operations = {ran} cases",
        Op::ALL.len()
    );
    assert!(
        faults >= 16 && ran >= 75,
        "the matrix shrank: {faults} faults, {ran} cases"
    );
}
