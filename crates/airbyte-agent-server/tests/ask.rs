//! `ask` with a scripted OpenAI-compatible model on 127.0.0.1: the model
//! calls the workspace's connectors as tools and the answer carries one
//! record per tool call.

mod support;

use airbyte_agent_sdk::cloud::AskResult;
use airbyte_agent_server::LlmConfig;
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use serde_json::{Value, json};
use support::*;

#[tokio::test]
async fn the_model_calls_connectors_as_tools() {
    let llm = start_llm().await;
    let h = Harness::start_with(Some(llm_config(&llm)), false).await;
    let connector = h.create_connector("default", "billing").await;

    let answer: AskResult = h
        .workspace("default")
        .ask("who are my newest customers?")
        .await
        .unwrap();
    assert!(answer.is_success(), "{answer:?}");
    assert_eq!(
        answer.answer.as_deref(),
        Some("The two newest customers are cus_1 and cus_2.")
    );
    assert_eq!(answer.results.len(), 1);
    let call = &answer.results[0];
    assert_eq!(call.source_id.as_deref(), Some(connector.as_str()));
    assert_eq!(call.entity.as_deref(), Some("customers"));
    assert_eq!(call.action.as_deref(), Some("list"));
    assert_eq!(Value::Object(call.params.clone()), json!({"limit": 2}));
    assert_eq!(call.status.as_deref(), Some("success"));
    assert_eq!(call.data, json!(customers()[..2]));
    assert_eq!(call.connector_metadata, json!({"has_more": true}));
    assert!(call.execution_time_ms.is_some());
    assert_eq!(answer.execution_metadata["model"], "scripted-model");
    assert_eq!(answer.execution_metadata["tool_calls"], 1);

    // What the model was sent: the connector as an OpenAI tool, then the
    // tool's result.
    let rounds = llm.requests();
    assert_eq!(rounds.len(), 2);
    assert_eq!(rounds[0].path, "/v1/chat/completions");
    let first = rounds[0].json().unwrap();
    assert_eq!(first["model"], "scripted-model");
    assert_eq!(first["tools"][0]["type"], "function");
    assert_eq!(first["tools"][0]["function"]["name"], "billing_execute");
    let entities = &first["tools"][0]["function"]["parameters"]["properties"]["entity"]["enum"];
    assert_eq!(entities, &json!(["customers"]));
    assert_eq!(
        first["messages"][1],
        json!({"role": "user", "content": "who are my newest customers?"})
    );
    let second = rounds[1].json().unwrap();
    let tool_msg = second["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(tool_msg["role"], "tool");
    assert_eq!(tool_msg["tool_call_id"], "call_1");
    assert!(
        tool_msg["content"]
            .as_str()
            .unwrap()
            .contains("user2@example.com")
    );
    // The vendor key never goes to the model.
    for r in &rounds {
        assert!(!r.text().contains(VENDOR_KEY));
    }
}

#[tokio::test]
async fn model_failures_are_error_outcomes_with_the_reason() {
    let broken =
        RecordingServer::start(|_| MockResponse::json(503, json!({"error": "overloaded"}))).await;
    let h = Harness::start_with(Some(LlmConfig::new(broken.url(), "m")), false).await;
    h.create_connector("default", "billing").await;
    let answer = h.workspace("default").ask("anything").await.unwrap();
    assert_eq!(answer.outcome, "error");
    let reason = answer.outcome_reason.unwrap();
    assert!(
        reason.contains("HTTP 503") && reason.contains("overloaded"),
        "{reason}"
    );

    // A model that never stops calling tools is cut off.
    let looping = RecordingServer::start(|r| {
        let body = r.json().unwrap_or(Value::Null);
        let tool = body["tools"][0]["function"]["name"].clone();
        MockResponse::json(200, json!({"choices": [{"message": {"role": "assistant", "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": tool, "arguments": "{\"entity\": \"customers\", \"action\": \"get\", \"params\": {\"id\": \"cus_1\"}}"}}]}}]}))
    })
    .await;
    let h = Harness::start_with(
        Some(LlmConfig::new(looping.url(), "m").max_rounds(3)),
        false,
    )
    .await;
    h.create_connector("default", "billing").await;
    let answer = h.workspace("default").ask("loop").await.unwrap();
    assert_eq!(answer.outcome, "error");
    assert!(answer.outcome_reason.unwrap().contains("3 rounds"));
    assert_eq!(answer.results.len(), 3);
}

#[tokio::test]
async fn an_unknown_workspace_is_not_found() {
    let llm = start_llm().await;
    let h = Harness::start_with(Some(llm_config(&llm)), false).await;
    let e = h.workspace("nowhere").ask("hi").await.unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
}

#[tokio::test]
async fn ask_tasks_run_in_workflows() {
    let llm = start_llm().await;
    let h = Harness::start_with(Some(llm_config(&llm)), false).await;
    h.create_connector("default", "billing").await;
    let ws = h.workspace("default");
    let wf = ws
        .create_workflow(
            "digest",
            Some(vec![json!({"type": "ask", "prompt": "newest customers?"})]),
        )
        .await
        .unwrap();
    let token = h.token_for(&h.app).await;
    let run: Value = h
        .http()
        .post(format!(
            "{}/api/v1/internal/workflows/{}/runs?workspace_id={}",
            h.url(),
            wf.id,
            wf.workspace_id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(run["status"], "success", "{run}");
    let result = &run["tasks"][0]["result"];
    assert_eq!(result["outcome"], "success");
    assert_eq!(result["results"][0]["entity"], "customers");
}
