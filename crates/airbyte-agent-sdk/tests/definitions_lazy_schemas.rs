//! Response and entity schemas of the upstream definitions are inlined on
//! first read: reading one gives exactly what a plain recursive inliner
//! makes of the document, and executing operations reads none of them.

use airbyte_agent_sdk::definition::{self, ConnectorDefinition, LazySchema};
use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_sdk::{ExecutionConfig, Executor};
use airbyte_agent_testkit::reference::{Version, specs_dir};
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use futures::StreamExt as _;
use serde_json::{Map, Value, json};

/// Every lazily inlined schema of `def`, with a label for failures.
fn lazy_schemas(def: &ConnectorDefinition) -> Vec<(String, &LazySchema)> {
    let mut out = Vec::new();
    for entity in &def.entities {
        if let Some(s) = entity.lazy_schema() {
            out.push((format!("{} entity {}", def.name, entity.name), s));
        }
        for op in entity.operations.values().chain(&entity.shadowed) {
            if let Some(s) = op.response.lazy_schema() {
                out.push((format!("{} {} {}", def.name, entity.name, op.action), s));
            }
        }
    }
    out
}

/// The target of a local reference (`#/a/b`), as the definitions write them.
fn target<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference.strip_prefix('#').expect("local reference");
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("`{reference}` points to nothing"))
}

/// `value` with every `$ref` replaced by its target, written as plainly as
/// possible: no memo, no depth limit. A reference to a target being
/// expanded stays as written; siblings of a `$ref` are inlined and merged
/// over an object target.
fn naive_inline(doc: &Value, value: &Value, stack: &mut Vec<String>) -> Value {
    match value {
        Value::Object(map) if map.contains_key("$ref") => {
            let mut reference = map["$ref"].as_str().expect("string $ref").to_string();
            let mut node = target(doc, &reference);
            while let Some(next) = node.get("$ref") {
                reference = next.as_str().expect("string $ref").to_string();
                node = target(doc, &reference);
            }
            if stack.contains(&reference) {
                return value.clone();
            }
            stack.push(reference);
            let mut resolved = naive_inline(doc, node, stack);
            stack.pop();
            if let Value::Object(out) = &mut resolved {
                for (k, v) in map.iter().filter(|(k, _)| *k != "$ref") {
                    out.insert(k.clone(), naive_inline(doc, v, stack));
                }
            }
            resolved
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), naive_inline(doc, v, stack)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => items.iter().map(|v| naive_inline(doc, v, stack)).collect(),
        other => other.clone(),
    }
}

#[test]
fn upstream_schemas_read_as_a_plain_inliner_makes_them() {
    let Some(dir) = specs_dir(Version::V0_1_380) else {
        return;
    };
    let defs = definition::load_dir(&dir).expect("upstream definitions load");
    assert_eq!(defs.len(), 56);
    let mut checked = 0;
    for def in &defs {
        for (label, lazy) in lazy_schemas(def) {
            assert!(!lazy.is_resolved(), "{label}: inlined at load");
            let written = def.document.pointer(lazy.pointer()).expect("in document");
            let expected = naive_inline(&def.document, written, &mut Vec::new());
            assert_eq!(lazy.get(), &expected, "{label}");
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} schemas");
}

/// Stripe's upstream definition, executed through list, get, search and
/// pagination against a loopback server: no response or entity schema is
/// inlined along the way.
#[tokio::test]
async fn executing_operations_reads_no_schema() {
    let Some(dir) = specs_dir(Version::V0_1_380) else {
        return;
    };
    let def = definition::load_path(dir.join("stripe")).expect("stripe loads");
    let server = RecordingServer::start(|req| {
        let customer = json!({"id": "cus_1", "object": "customer", "email": "a@example.com"});
        if req.path == "/v1/customers/cus_1" {
            MockResponse::json(200, customer)
        } else {
            MockResponse::json(
                200,
                json!({"object": "list", "data": [customer], "has_more": false}),
            )
        }
    })
    .await;
    // Clones share the schemas' inlined values, so the copy kept here sees
    // whatever the executor reads.
    let executor = LocalExecutor::builder(def.clone())
        .auth("api_key", "sk_test_lazy")
        .base_url(server.url())
        .build()
        .expect("executor builds");
    for (action, params) in [
        ("list", json!({"limit": 1})),
        ("get", json!({"id": "cus_1"})),
        ("search", json!({"query": "email:'a'"})),
    ] {
        let params = params.as_object().cloned().unwrap_or_default();
        let result = executor
            .execute(ExecutionConfig::new("customers", action).params(params))
            .await
            .unwrap_or_else(|e| panic!("{action}: {e}"));
        let text = serde_json::to_string(&result).expect("serializes");
        assert!(text.contains("cus_1"), "{action}: {text}");
    }
    let mut records = executor.paginate(ExecutionConfig::new("customers", "list"));
    while let Some(record) = records.next().await {
        record.expect("record");
    }
    assert_eq!(server.requests().len(), 4);

    let read: Vec<String> = lazy_schemas(&def)
        .into_iter()
        .filter(|(_, s)| s.is_resolved())
        .map(|(label, _)| label)
        .collect();
    assert!(read.is_empty(), "inlined while executing: {read:?}");
    // The check can see a read.
    let get = def.find_operation("customers", "get").expect("get");
    assert!(get.response.schema().is_some());
    assert!(get.response.lazy_schema().expect("schema").is_resolved());
}
