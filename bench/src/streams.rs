//! Long streams through the local executor: every record of a large list
//! through the paginator, and a large file through the download path.
//! Both report the process's peak RSS.

use std::path::Path;
use std::time::Instant;

use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_sdk::{ExecutionConfig, Executor, definition};
use futures::StreamExt;
use serde_json::{Value, json};

use crate::calls::{API_KEY, LIMIT};
use crate::usage;

/// A one-operation connector with a streamed download, for the download
/// benchmark (Stripe has no download action).
const FILES_DEFINITION: &str = r#"openapi: 3.1.0
info:
  title: Bench Files
  version: 1.0.0
  x-airbyte-connector-name: bench-files
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-0000000000be
servers:
  - url: https://files.example.invalid
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      x-airbyte-auth-config:
        type: object
        required: [api_key]
        properties:
          api_key: {type: string}
        auth_mapping:
          token: "${api_key}"
security:
  - bearerAuth: []
paths:
  /files/{file_id}/content:
    get:
      x-airbyte-entity: files
      x-airbyte-action: download
      parameters:
        - {name: file_id, in: path, required: true, schema: {type: string}}
"#;

/// Pages through every customer and checks the count.
pub async fn paginate(definition: &Path, base_url: &str, expect: u64) -> Result<Value, String> {
    let def = definition::load_path(definition).map_err(|e| e.to_string())?;
    let exec = LocalExecutor::builder(def)
        .auth("api_key", API_KEY)
        .base_url(base_url)
        .build()
        .map_err(|e| e.to_string())?;
    let rss0 = usage::peak_rss_bytes();
    let start = Instant::now();
    let mut records =
        exec.paginate(ExecutionConfig::new("customers", "list").param("limit", json!(LIMIT)));
    let mut n = 0u64;
    while let Some(record) = records.next().await {
        let record = record.map_err(|e| format!("after {n} records: {e}"))?;
        if !record["id"].is_string() {
            return Err(format!("record {n} has no id"));
        }
        n += 1;
    }
    if n != expect {
        return Err(format!("expected {expect} records, got {n}"));
    }
    Ok(json!({
        "kind": "paginate",
        "allocator": crate::ALLOCATOR_NAME,
        "records": n,
        "wall_s": start.elapsed().as_secs_f64(),
        "peak_rss_before_bytes": rss0,
        "peak_rss_bytes": usage::peak_rss_bytes(),
    }))
}

/// Streams the served file through `Executor::download` and counts it.
pub async fn download(base_url: &str, expect: u64) -> Result<Value, String> {
    let def = definition::load_str(FILES_DEFINITION).map_err(|e| e.to_string())?;
    let exec = LocalExecutor::builder(def)
        .auth("api_key", API_KEY)
        .base_url(base_url)
        .build()
        .map_err(|e| e.to_string())?;
    let rss0 = usage::peak_rss_bytes();
    let start = Instant::now();
    let mut bytes = exec
        .download(ExecutionConfig::new("files", "download").param("file_id", json!("big")))
        .await
        .map_err(|e| e.to_string())?;
    let mut n = 0u64;
    while let Some(chunk) = bytes.next().await {
        n += chunk.map_err(|e| format!("after {n} bytes: {e}"))?.len() as u64;
    }
    if n != expect {
        return Err(format!("expected {expect} bytes, got {n}"));
    }
    let wall = start.elapsed().as_secs_f64();
    Ok(json!({
        "kind": "download",
        "allocator": crate::ALLOCATOR_NAME,
        "bytes": n,
        "wall_s": wall,
        "mb_per_s": n as f64 / 1e6 / wall,
        "peak_rss_before_bytes": rss0,
        "peak_rss_bytes": usage::peak_rss_bytes(),
    }))
}
