//! `ask`: answer a natural-language question by letting a model call the
//! workspace's connectors as tools, through any OpenAI-compatible
//! chat-completions endpoint.
//!
//! Each connector of the workspace whose definition is loaded becomes one
//! tool (the SDK's `execute` tool style: entity, action, params and output
//! shaping). The model may call tools for a bounded number of rounds; every
//! call is executed with the connector's stored credentials and reported as
//! one record of the answer's `results`.

use std::time::Instant;

use airbyte_agent_sdk::agent::{
    Provider, ShapeOptions, ToolSpec, ToolStyle, connector_tools, sanitize_tool_name, shape_output,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use crate::db::connectors::{self, ConnectorRow};
use crate::db::new_id;
use crate::db::workspaces::WorkspaceRow;
use crate::runtime;
use crate::state::AppState;

/// Environment variable the CLI reads the model API key from.
pub const LLM_API_KEY_ENV: &str = "AIRBYTE_SERVER_LLM_API_KEY";

/// Default number of model round trips before `ask` gives up.
pub const DEFAULT_MAX_ROUNDS: usize = 8;

/// Where `ask` sends chat-completion requests.
#[derive(Clone)]
pub struct LlmConfig {
    url: String,
    model: String,
    api_key: Option<SecretString>,
    max_rounds: usize,
}

impl std::fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmConfig")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("max_rounds", &self.max_rounds)
            .finish()
    }
}

impl LlmConfig {
    /// An endpoint and model. `url` is the chat-completions URL or its base
    /// (`…/v1`; `/chat/completions` is appended).
    pub fn new(url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            model: model.into(),
            api_key: None,
            max_rounds: DEFAULT_MAX_ROUNDS,
        }
    }

    /// Sends `Authorization: Bearer <key>`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// Gives up after this many model round trips (default 8).
    pub fn max_rounds(mut self, rounds: usize) -> Self {
        self.max_rounds = rounds.max(1);
        self
    }

    fn endpoint(&self) -> String {
        let url = self.url.trim_end_matches('/');
        if url.ends_with("/chat/completions") {
            url.to_string()
        } else {
            format!("{url}/chat/completions")
        }
    }
}

/// What the answer says when no model is configured.
pub(crate) const NOT_CONFIGURED: &str = "ask needs a language model and none is configured: \
    start the server with --llm-url <OpenAI-compatible chat-completions URL> and \
    --llm-model <model> (and set AIRBYTE_SERVER_LLM_API_KEY if the endpoint needs a key), \
    or use ServerBuilder::llm in Rust";

/// One connector offered to the model as a tool.
struct ConnectorTool {
    spec: ToolSpec,
    connector: ConnectorRow,
}

/// Answers `prompt` in `workspace`; always returns an AskResult-shaped
/// object (`outcome` is `error` with a reason when it could not answer).
pub(crate) async fn answer(state: &AppState, workspace: &WorkspaceRow, prompt: &str) -> Value {
    let query_id = new_id();
    let started = Instant::now();
    let Some(llm) = state.llm.clone() else {
        return outcome_error(&query_id, NOT_CONFIGURED, Vec::new(), json!({}));
    };
    let tools = match workspace_tools(state, workspace).await {
        Ok(t) => t,
        Err(e) => return outcome_error(&query_id, &e, Vec::new(), json!({})),
    };
    let mut messages = vec![
        json!({"role": "system", "content": system_prompt(workspace, &tools)}),
        json!({"role": "user", "content": prompt}),
    ];
    let mut results = Vec::new();
    for round in 1..=llm.max_rounds {
        let reply = match complete(state, &llm, &messages, &tools).await {
            Ok(r) => r,
            Err(e) => {
                let meta = metadata(&llm, round, &results, started);
                return outcome_error(&query_id, &e, results, meta);
            }
        };
        let calls = reply
            .get("tool_calls")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if calls.is_empty() {
            let text = reply
                .get("content")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let meta = metadata(&llm, round, &results, started);
            return json!({
                "outcome": "success",
                "outcome_reason": null,
                "answer": text,
                "results": results,
                "query_id": query_id,
                "execution_metadata": meta,
            });
        }
        messages.push(reply.clone());
        for call in &calls {
            let (record, content) = run_tool_call(state, &tools, call).await;
            messages.push(json!({
                "role": "tool",
                "tool_call_id": call.get("id").cloned().unwrap_or(Value::Null),
                "content": content,
            }));
            if let Some(r) = record {
                results.push(r);
            }
        }
    }
    let meta = metadata(&llm, llm.max_rounds, &results, started);
    outcome_error(
        &query_id,
        &format!(
            "the model was still calling tools after {} rounds; ask a narrower question",
            llm.max_rounds
        ),
        results,
        meta,
    )
}

fn outcome_error(query_id: &str, reason: &str, results: Vec<Value>, meta: Value) -> Value {
    json!({
        "outcome": "error",
        "outcome_reason": reason,
        "answer": null,
        "results": results,
        "query_id": query_id,
        "execution_metadata": meta,
    })
}

fn metadata(llm: &LlmConfig, rounds: usize, results: &[Value], started: Instant) -> Value {
    json!({
        "model": llm.model,
        "rounds": rounds,
        "tool_calls": results.len(),
        "duration_ms": started.elapsed().as_millis() as u64,
    })
}

fn system_prompt(workspace: &WorkspaceRow, tools: &[ConnectorTool]) -> String {
    let listed: Vec<String> = tools
        .iter()
        .map(|t| format!("- {}: connector \"{}\"", t.spec.name, t.connector.name))
        .collect();
    format!(
        "You answer questions about the data of workspace \"{}\". Call the tools to read it; \
         each tool runs one operation (entity, action, params) of one connector. Answer from \
         the tool results only, concisely.\nTools:\n{}",
        workspace.name,
        if listed.is_empty() {
            "(none: the workspace has no connectors)".to_string()
        } else {
            listed.join("\n")
        }
    )
}

/// One `execute` tool per connector, with unique names.
async fn workspace_tools(
    state: &AppState,
    workspace: &WorkspaceRow,
) -> Result<Vec<ConnectorTool>, String> {
    let ws = workspace.id.clone();
    let rows = state
        .db
        .call(move |c| connectors::list_in_workspace(c, &ws))
        .await
        .map_err(|e| e.to_string())?;
    let mut tools: Vec<ConnectorTool> = Vec::new();
    for row in rows {
        let Some(def) = state.definitions.get(&row.definition_id) else {
            continue;
        };
        let Some(mut spec) = connector_tools(def, ToolStyle::Execute).into_iter().next() else {
            continue;
        };
        let mut name = sanitize_tool_name(&format!("{}_execute", row.name));
        let base = name.clone();
        let mut n = 2;
        while tools.iter().any(|t| t.spec.name == name) {
            name = sanitize_tool_name(&format!("{base}_{n}"));
            n += 1;
        }
        spec.name = name;
        tools.push(ConnectorTool {
            spec,
            connector: row,
        });
    }
    Ok(tools)
}

/// One chat-completions round trip; returns the assistant message.
async fn complete(
    state: &AppState,
    llm: &LlmConfig,
    messages: &[Value],
    tools: &[ConnectorTool],
) -> Result<Value, String> {
    let mut body = json!({"model": llm.model, "messages": messages});
    if !tools.is_empty() {
        body["tools"] = Value::Array(
            tools
                .iter()
                .map(|t| t.spec.to_provider(Provider::OpenAi))
                .collect(),
        );
        body["tool_choice"] = json!("auto");
    }
    let mut req = state.http.post(llm.endpoint()).json(&body);
    if let Some(key) = &llm.api_key {
        req = req.bearer_auth(key.expose_secret());
    }
    let resp = req.send().await.map_err(|e| {
        format!(
            "the language model endpoint could not be reached: {}",
            e.without_url()
        )
    })?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        let detail: String = text.chars().take(300).collect();
        return Err(format!(
            "the language model endpoint answered HTTP {}: {detail}",
            status.as_u16()
        ));
    }
    let parsed: Value = serde_json::from_str(&text)
        .map_err(|e| format!("the language model endpoint answered invalid JSON: {e}"))?;
    parsed
        .pointer("/choices/0/message")
        .filter(|m| m.is_object())
        .cloned()
        .ok_or_else(|| "the language model's answer has no `choices[0].message`".to_string())
}

/// Runs one tool call; returns its result record (for `results`) and the
/// text sent back to the model.
async fn run_tool_call(
    state: &AppState,
    tools: &[ConnectorTool],
    call: &Value,
) -> (Option<Value>, String) {
    let name = call
        .pointer("/function/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(tool) = tools.iter().find(|t| t.spec.name == name) else {
        let known: Vec<&str> = tools.iter().map(|t| t.spec.name.as_str()).collect();
        return (
            None,
            json!({"error": format!("unknown tool `{name}`; available: {}", known.join(", "))})
                .to_string(),
        );
    };
    let raw_args = call
        .pointer("/function/arguments")
        .cloned()
        .unwrap_or(Value::Null);
    let args = match raw_args {
        Value::String(s) if s.trim().is_empty() => Value::Null,
        Value::String(s) => match serde_json::from_str(&s) {
            Ok(v) => v,
            Err(e) => {
                return (
                    None,
                    json!({"error": format!("the arguments are not valid JSON: {e}")}).to_string(),
                );
            }
        },
        other => other,
    };
    let parsed = match tool.spec.parse_call(&args) {
        Ok(p) => p,
        Err(e) => {
            let agent = airbyte_agent_sdk::agent::translate_error(&e);
            return (None, json!({"error": agent}).to_string());
        }
    };
    let started = Instant::now();
    let op = parsed.config.clone();
    let outcome = runtime::execute(state, &tool.connector, op.clone()).await;
    let elapsed = started.elapsed().as_millis() as i64;
    let mut record = json!({
        "source_id": tool.connector.id,
        "entity": op.entity,
        "action": op.action,
        "params": Value::Object(op.params.clone()),
        "execution_time_ms": elapsed,
    });
    match outcome {
        Ok(result) => {
            let shaped = shape_for_model(result.data.clone(), &op.action, &parsed.shape);
            record["status"] = json!("success");
            record["data"] = result.data;
            record["connector_metadata"] = result.meta.clone().unwrap_or(Value::Null);
            let content = json!({"data": shaped, "meta": result.meta}).to_string();
            (Some(record), content)
        }
        Err(e) => {
            record["status"] = json!("error");
            record["data"] = Value::Null;
            record["connector_metadata"] = Value::Null;
            record["error"] = json!(e.message);
            (Some(record), json!({"error": e.message}).to_string())
        }
    }
}

/// The result as the model sees it: shaped and size-guarded.
fn shape_for_model(data: Value, action: &str, shape: &ShapeOptions) -> Value {
    match shape_output(data, action, shape) {
        Ok(out) => {
            let mut v = Map::new();
            v.insert("records".into(), out.value);
            if let Some(t) = out.truncated {
                v.insert("truncated".into(), crate::workflow::truncation_json(&t));
            }
            Value::Object(v)
        }
        Err(e) => json!({"error": e.to_string()}),
    }
}
