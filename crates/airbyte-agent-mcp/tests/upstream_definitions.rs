//! One MCP server serving every upstream definition of the installed
//! reference package (0.1.380) at once: unique, valid tool names, and
//! `list_entities` / `describe_entity` / `validate_operation` answering for
//! every entity without any network I/O. Skipped when the reference is not
//! installed, unless `AIRBYTE_REQUIRE_REFERENCE` is set.

use std::collections::HashSet;

use airbyte_agent_mcp::{McpServer, ServedConnector};
use airbyte_agent_sdk::agent::is_valid_tool_name;
use airbyte_agent_sdk::definition::{self, describe};
use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_testkit::reference::{Version, specs_dir};
use serde_json::{Value, json};

fn text(result: &rmcp::model::CallToolResult) -> String {
    result
        .content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_upstream_connector_is_served() {
    let Some(dir) = specs_dir(Version::V0_1_380) else {
        return;
    };
    let defs = definition::load_dir(&dir).expect("upstream definitions load");
    assert_eq!(defs.len(), 56);
    let mut builder = McpServer::builder();
    for def in defs.clone() {
        // Dummy values for the first auth option's fields: nothing is sent.
        let mut executor = LocalExecutor::builder(def.clone()).base_url("http://127.0.0.1:9");
        if let Some(option) = describe(&def).auth.first() {
            executor = executor.auth_scheme(option.scheme.clone());
            for field in &option.fields {
                executor = executor.auth(field.name.clone(), "dummy-value");
            }
        }
        let executor = executor
            .build()
            .unwrap_or_else(|e| panic!("{}: {e}", def.name));
        builder = builder.connector(ServedConnector::local(executor));
    }
    let server = builder.build().expect("server builds");
    let names: Vec<String> = server.tools().iter().map(|t| t.name.to_string()).collect();
    assert_eq!(names.len(), 4 + 56);
    assert_eq!(names.iter().collect::<HashSet<_>>().len(), names.len());
    assert!(names.iter().all(|n| is_valid_tool_name(n)), "{names:?}");

    let mut described = 0;
    let mut rejected = 0;
    for def in &defs {
        let listed = server
            .call_tool("list_entities", json!({"connector": def.name}))
            .await;
        assert_eq!(
            listed.is_error,
            Some(false),
            "{}: {}",
            def.name,
            text(&listed)
        );
        for entity in def.entities.iter().filter(|e| !e.operations.is_empty()) {
            let result = server
                .call_tool(
                    "describe_entity",
                    json!({"connector": def.name, "entity": entity.name}),
                )
                .await;
            assert_eq!(
                result.is_error,
                Some(false),
                "{}: {}",
                def.name,
                text(&result)
            );
            let value: Value = serde_json::from_str(&text(&result)).expect("JSON");
            assert_eq!(
                value["actions"].as_array().map(Vec::len),
                Some(entity.operations.len()),
                "{}.{}",
                def.name,
                entity.name
            );
            described += 1;
            // Validation without parameters: valid, or a message saying which
            // argument to fix (never a network error: nothing is sent).
            let action = entity.action_names()[0].clone();
            let checked = server
                .call_tool(
                    "validate_operation",
                    json!({"connector": def.name, "entity": entity.name, "action": action}),
                )
                .await;
            if checked.is_error == Some(true) {
                let kind = checked
                    .structured_content
                    .as_ref()
                    .map(|s| &s["retry"]["kind"]);
                assert_eq!(
                    kind,
                    Some(&json!("fix_arguments")),
                    "{}.{}: {}",
                    def.name,
                    entity.name,
                    text(&checked)
                );
                rejected += 1;
            }
        }
    }
    assert!(described > 300, "{described} entities described");
    // Many first actions need an id; some take no required parameter.
    assert!(
        rejected > 0 && rejected < described,
        "{rejected} of {described}"
    );
}
