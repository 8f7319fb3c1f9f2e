//! `customers list limit=100` against the nginx-served page, through one of
//! the clients under test, sequentially or with N calls in flight.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_sdk::{ExecutionConfig, Executor, definition};
use serde_json::{Value, json};

use crate::usage;

/// The clients under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// Our LocalExecutor, generic `execute` (records as `serde_json::Value`).
    Generic,
    /// Our typed Stripe connector over the LocalExecutor.
    Typed,
    /// reqwest + `serde_json::from_slice::<Value>`, nothing else.
    Bare,
}

/// The API key sent; nginx ignores it.
pub const API_KEY: &str = "sk_test_bench";
/// Records per page, and per call.
pub const LIMIT: u64 = 100;

type Call =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<usize, String>> + Send>> + Send + Sync>;

/// One measurement's settings.
pub struct CallsArgs<'a> {
    pub target: Target,
    pub definition: &'a Path,
    pub base_url: &'a str,
    pub calls: u64,
    pub warmup: u64,
    pub concurrency: u64,
}

/// Runs the calls and returns the measurement as a JSON line.
pub async fn run(args: CallsArgs<'_>) -> Result<Value, String> {
    let call = client(args.target, args.definition, args.base_url)?;
    for _ in 0..args.warmup {
        check(call().await?)?;
    }
    let cpu0 = usage::cpu_time();
    let start = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..args.concurrency.max(1) {
        let (call, next, total) = (call.clone(), next.clone(), args.calls);
        workers.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < total {
                check(call().await?)?;
            }
            Ok::<_, String>(())
        });
    }
    while let Some(done) = workers.join_next().await {
        done.map_err(|e| e.to_string())??;
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = (usage::cpu_time() - cpu0).as_secs_f64();
    Ok(json!({
        "kind": "calls",
        "target": format!("{:?}", args.target).to_lowercase(),
        "concurrency": args.concurrency,
        "allocator": crate::ALLOCATOR_NAME,
        "calls": args.calls,
        "wall_s": wall,
        "cpu_s": cpu,
        "calls_per_s": args.calls as f64 / wall,
        "cpu_us_per_call": cpu * 1e6 / args.calls as f64,
    }))
}

fn check(records: usize) -> Result<(), String> {
    if records as u64 == LIMIT {
        Ok(())
    } else {
        Err(format!("expected {LIMIT} records per call, got {records}"))
    }
}

fn executor(definition: &Path, base_url: &str) -> Result<LocalExecutor, String> {
    let def = definition::load_path(definition).map_err(|e| e.to_string())?;
    LocalExecutor::builder(def)
        .auth("api_key", API_KEY)
        .base_url(base_url)
        .build()
        .map_err(|e| e.to_string())
}

fn client(target: Target, definition: &Path, base_url: &str) -> Result<Call, String> {
    Ok(match target {
        Target::Generic => {
            let exec = Arc::new(executor(definition, base_url)?);
            Arc::new(move || {
                let exec = exec.clone();
                Box::pin(async move {
                    let op = ExecutionConfig::new("customers", "list").param("limit", json!(LIMIT));
                    let result = exec.execute(op).await.map_err(|e| e.to_string())?;
                    Ok(result.data.as_array().map_or(0, Vec::len))
                })
            })
        }
        Target::Typed => typed(definition, base_url)?,
        Target::Bare => {
            let http = reqwest::Client::builder()
                .build()
                .map_err(|e| e.to_string())?;
            let url = format!(
                "{}/v1/customers?limit={LIMIT}",
                base_url.trim_end_matches('/')
            );
            Arc::new(move || {
                let (http, url) = (http.clone(), url.clone());
                Box::pin(async move {
                    let body = http
                        .get(&url)
                        .bearer_auth(API_KEY)
                        .send()
                        .await
                        .and_then(reqwest::Response::error_for_status)
                        .map_err(|e| e.to_string())?
                        .bytes()
                        .await
                        .map_err(|e| e.to_string())?;
                    let mut page: Value =
                        serde_json::from_slice(&body).map_err(|e| e.to_string())?;
                    Ok(page["data"].take().as_array().map_or(0, Vec::len))
                })
            })
        }
    })
}

#[cfg(typed_stripe)]
fn typed(_: &Path, base_url: &str) -> Result<Call, String> {
    // The definition the connector was generated from (see build.rs).
    let definition = Path::new(env!("BENCH_TYPED_DEFINITION"));
    let stripe = Arc::new(crate::stripe_typed::Stripe::new(executor(
        definition, base_url,
    )?));
    Ok(Arc::new(move || {
        let stripe = stripe.clone();
        Box::pin(async move {
            let page = stripe
                .customers()
                .list()
                .limit(LIMIT as i64)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            Ok(page.records.len())
        })
    }))
}

#[cfg(not(typed_stripe))]
fn typed(_: &Path, _: &str) -> Result<Call, String> {
    Err(
        "the typed Stripe connector was not built: set AIRBYTE_BENCH_STRIPE_DEFINITION \
         when building (bench/run does)"
            .into(),
    )
}
