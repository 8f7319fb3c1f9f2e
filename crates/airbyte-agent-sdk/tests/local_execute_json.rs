//! `Executor::execute_json` (what typed connectors call) against loopback
//! servers: whatever the response, converted back it equals what `execute`
//! returns, and typed pages decoded from it equal those decoded from
//! `execute`'s result. Plain `$.path` lists keep their records as text.

mod local_support;

use airbyte_agent_sdk::executor::ResultData;
use airbyte_agent_sdk::typed::{Page, decode_json_page, decode_page};
use airbyte_agent_sdk::{ExecutionConfig, Executor};
use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use local_support::{definition_with, executor};
use serde_json::{Value, json};

const PATHS: &str = r#"
  /plain:
    get:
      x-airbyte-entity: plain
      x-airbyte-action: list
      x-airbyte-record-extractor: $.data
      x-airbyte-meta-extractor:
        has_more: $.has_more
        total: "@header.x-total"
      parameters:
        - {name: shape, in: query, schema: {type: string}}
  /nested:
    get:
      x-airbyte-entity: nested
      x-airbyte-action: list
      x-airbyte-record-extractor: $.page.data
      x-airbyte-meta-extractor:
        next: $.page.next
      parameters:
        - {name: shape, in: query, schema: {type: string}}
  /inside:
    get:
      x-airbyte-entity: inside
      x-airbyte-action: list
      x-airbyte-record-extractor: $.data
      x-airbyte-meta-extractor:
        first: $.data[0].id
      parameters:
        - {name: shape, in: query, schema: {type: string}}
  /projected:
    get:
      x-airbyte-entity: projected
      x-airbyte-action: list
      x-airbyte-record-extractor: $.data[*]
      parameters:
        - {name: shape, in: query, schema: {type: string}}
  /one:
    get:
      x-airbyte-entity: one
      x-airbyte-action: get
      x-airbyte-record-extractor: $.data
      parameters:
        - {name: shape, in: query, schema: {type: string}}
"#;

const CHECK: &str = "  x-airbyte-response-error-check:\n    field: ok\n    on_value: false\n    message_field: error\n";

/// Response bodies by `shape`, each served under both envelopes.
const SHAPES: &[(&str, &str)] = &[
    (
        "objects",
        r#"[{"id": 1, "name": "a"}, {"id": 2, "extra": [1, {"x": null}]}]"#,
    ),
    ("mixed", r#"[{"id": 1}, 2, "three", null, [4], true, 5.5]"#),
    ("empty", "[]"),
    ("null", "null"),
    ("object", r#"{"id": 9}"#),
    ("string", r#""text""#),
];

fn body(path: &str, shape: &str) -> String {
    let records = SHAPES
        .iter()
        .find(|(name, _)| *name == shape)
        .map_or("[]", |(_, r)| r);
    match (path, shape) {
        (_, "missing") => r#"{"has_more": false, "page": {"next": null}}"#.to_string(),
        (_, "invalid") => r#"{"data": [1, }"#.to_string(),
        (_, "blank") => "  ".to_string(),
        (_, "failed") => r#"{"ok": false, "error": "not_allowed", "data": [{"id": 1}]}"#.to_string(),
        (_, "repeated") => {
            r#"{"data": [{"id": 1}], "page": {"data": [{"id": 1}]}, "data": [{"id": 2}], "page": {"data": [{"id": 3}], "next": "n"}}"#
                .to_string()
        }
        ("/nested", _) => {
            format!(r#"{{"ok": true, "page": {{"data": {records}, "next": "c2"}}, "x": [1.25, -3]}}"#)
        }
        _ => format!(r#"{{"ok": true, "object": "list", "data": {records}, "has_more": true}}"#),
    }
}

fn respond(r: &RecordedRequest) -> MockResponse {
    let shape = r.query_param("shape").unwrap_or("objects");
    // text/plain on purpose: any type but XML or HTML is read as JSON.
    MockResponse::text(200, body(&r.path, shape)).header("x-total", "42")
}

fn all_shapes() -> Vec<&'static str> {
    let mut shapes: Vec<&str> = SHAPES.iter().map(|(name, _)| *name).collect();
    shapes.extend(["missing", "invalid", "blank", "failed", "repeated"]);
    shapes
}

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Rec {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    value: Option<Value>,
    #[serde(flatten)]
    extra: serde_json::Map<String, Value>,
}

/// Outcome as compared: the result, or the error's kind and message.
fn outcome<T: std::fmt::Debug>(r: airbyte_agent_sdk::Result<T>) -> String {
    match r {
        Ok(v) => format!("{v:?}"),
        Err(e) => format!("error {:?}: {e}", e.kind()),
    }
}

#[tokio::test]
async fn execute_json_gives_what_execute_gives_for_every_response() {
    let server = RecordingServer::start(respond).await;
    for info in ["", CHECK] {
        let exec = executor(definition_with(PATHS, info), &server);
        let mut kept = Vec::new();
        for entity in ["plain", "nested", "inside", "projected", "one"] {
            let action = if entity == "one" { "get" } else { "list" };
            for shape in all_shapes() {
                let op = ExecutionConfig::new(entity, action).param("shape", json!(shape));
                let case = format!("{entity} {shape} check={}", !info.is_empty());
                let generic = exec.execute(op.clone()).await;
                let json = exec.execute_json(op).await;
                let (generic, json) = match (generic, json) {
                    (Ok(generic), Ok(json)) => (generic, json),
                    (generic, json) => {
                        let back = json.and_then(|r| r.into_execution_result());
                        assert_eq!(outcome(back), outcome(generic), "{case}");
                        continue;
                    }
                };
                if matches!(json.data, ResultData::Records(_)) {
                    kept.push(format!("{entity} {shape}"));
                }
                assert_eq!(
                    outcome(json.clone().into_execution_result()),
                    outcome(Ok(generic.clone())),
                    "{case}"
                );
                assert_eq!(
                    outcome(decode_json_page::<Rec>(entity, action, json.clone())),
                    outcome(decode_page::<Rec>(entity, action, generic.clone())),
                    "{case}"
                );
                let values: Page<Value> = match decode_json_page(entity, action, json) {
                    Ok(page) => page,
                    Err(e) => {
                        let generic = decode_page::<Value>(entity, action, generic);
                        assert_eq!(outcome::<()>(Err(e)), outcome(generic.map(drop)), "{case}");
                        continue;
                    }
                };
                assert_eq!(
                    Ok(values),
                    decode_page::<Value>(entity, action, generic).map_err(|e| e.to_string()),
                    "{case}"
                );
            }
        }
        // Only plain lists whose metadata reads outside the records, with a
        // records array in the response, keep them as text.
        // ("failed" has records, and is an error when the envelope is checked.)
        let mut expected = vec!["plain objects", "plain mixed", "plain empty"];
        if info.is_empty() {
            expected.push("plain failed");
        }
        expected.extend([
            "plain repeated",
            "nested objects",
            "nested mixed",
            "nested empty",
        ]);
        expected.push("nested repeated");
        assert_eq!(kept, expected, "check={}", !info.is_empty());
    }
}

#[tokio::test]
async fn kept_records_decode_straight_into_typed_records() {
    let server = RecordingServer::start(respond).await;
    let exec = executor(definition_with(PATHS, ""), &server);
    let op = ExecutionConfig::new("plain", "list").param("shape", json!("objects"));
    let result = exec.execute_json(op).await.unwrap();
    let ResultData::Records(text) = &result.data else {
        panic!("records not kept as text: {:?}", result.data);
    };
    assert!(text.get().starts_with("[{\"id\": 1"), "{}", text.get());
    assert_eq!(result.meta, Some(json!({"has_more": true, "total": "42"})));
    let page = decode_json_page::<Rec>("plain", "list", result).unwrap();
    assert_eq!(page.records.len(), 2);
    assert_eq!(page.records[1].extra["extra"], json!([1, {"x": null}]));
    // A record that does not match is reported by index, as decode_page does.
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Strict {
        name: String,
    }
    let op = ExecutionConfig::new("plain", "list").param("shape", json!("objects"));
    let err = decode_json_page::<Strict>("plain", "list", exec.execute_json(op).await.unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("plain.list record 1"), "{err}");
}
