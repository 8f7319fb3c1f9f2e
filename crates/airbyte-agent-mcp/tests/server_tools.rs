//! The MCP server's tools through an rmcp client over an in-memory pipe, with
//! the demo connector executing against a loopback vendor server.

mod support;

use serde_json::json;
use support::*;

#[tokio::test]
async fn tools_are_listed_with_connector_enums() {
    let vendor = vendor().await;
    let client = connect(server(&vendor.url(), None)).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        [
            "list_connectors",
            "list_entities",
            "describe_entity",
            "validate_operation",
            "demo-crm_execute"
        ]
    );
    let execute = &tools[4].input_schema;
    assert_eq!(
        execute["properties"]["entity"]["enum"],
        json!(["customers"])
    );
    assert_eq!(
        execute["properties"]["action"]["enum"],
        json!(["get", "list"])
    );
    assert!(execute["properties"].get("select_fields").is_some());
    let describe = &tools[2].input_schema;
    assert_eq!(
        describe["properties"]["connector"]["enum"],
        json!(["demo-crm"])
    );
    assert!(vendor.requests().is_empty(), "listing tools calls no API");
    client.cancel().await.expect("client closes");
}

#[tokio::test]
async fn discovery_tools_describe_the_connector() {
    let vendor = vendor().await;
    let client = connect(server(&vendor.url(), None)).await;
    let listed = json_of(&call(&client, "list_connectors", json!({})).await);
    assert_eq!(listed["connectors"][0]["name"], "demo-crm");
    assert_eq!(listed["connectors"][0]["mode"], "local");
    assert_eq!(listed["connectors"][0]["execute_tool"], "demo-crm_execute");

    let entities = json_of(&call(&client, "list_entities", json!({"connector": "demo-crm"})).await);
    assert_eq!(
        entities["entities"][0],
        json!({"name": "customers", "actions": ["list", "get"],
               "summary": "People and companies that buy from us"})
    );

    let described = json_of(
        &call(
            &client,
            "describe_entity",
            json!({"connector": "demo-crm", "entity": "customers"}),
        )
        .await,
    );
    let list = &described["actions"][0];
    assert_eq!(list["action"], "list");
    assert_eq!(
        list["params"][1],
        json!({"name": "status", "in": "query", "type": "string", "required": false,
               "enum": ["active", "archived"], "description": "Only customers with this status"})
    );
    assert_eq!(
        described["actions"][1]["params"][0],
        json!({"name": "id", "in": "path", "type": "string", "required": true})
    );
    let fields: Vec<&str> = described["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "id",
            "name",
            "email",
            "address",
            "address.city",
            "address.zip",
            "notes"
        ]
    );
    assert_eq!(described["fields"][2]["type"], "string|null");
    assert!(vendor.requests().is_empty(), "discovery calls no API");
}

#[tokio::test]
async fn validate_operation_checks_without_sending() {
    let vendor = vendor().await;
    let client = connect(server(&vendor.url(), None)).await;
    let ok = json_of(
        &call(
            &client,
            "validate_operation",
            json!({"connector": "demo-crm", "entity": "customers", "action": "list",
                   "params": {"status": "active", "limit": 2}}),
        )
        .await,
    );
    assert_eq!(ok["valid"], true);
    let bad_enum = error_of(
        &call(
            &client,
            "validate_operation",
            json!({"connector": "demo-crm", "entity": "customers", "action": "list",
                   "params": {"status": "gone"}}),
        )
        .await,
    );
    assert!(
        bad_enum.contains("`status`") && bad_enum.contains("'active', 'archived'"),
        "{bad_enum}"
    );
    let missing = error_of(
        &call(
            &client,
            "validate_operation",
            json!({"connector": "demo-crm", "entity": "customers", "action": "get"}),
        )
        .await,
    );
    assert!(
        missing.contains("Missing required parameter `id`"),
        "{missing}"
    );
    let unknown = error_of(
        &call(
            &client,
            "validate_operation",
            json!({"connector": "crm", "entity": "customers", "action": "get"}),
        )
        .await,
    );
    assert!(unknown.contains("demo-crm"), "{unknown}");
    assert!(vendor.requests().is_empty(), "validation sends nothing");
}

#[tokio::test]
async fn execute_runs_against_the_vendor_and_shapes_records() {
    let vendor = vendor().await;
    let client = connect(server(&vendor.url(), None)).await;
    let out = json_of(
        &call(
            &client,
            "demo-crm_execute",
            json!({"entity": "customers", "action": "list", "params": {"limit": 2},
                   "select_fields": ["id", "address.city"]}),
        )
        .await,
    );
    assert_eq!(
        out,
        json!({"data": [{"id": "c1", "address": {"city": "Paris"}},
                        {"id": "c2", "address": {"city": "Arlington"}}],
               "meta": {"next_cursor": "cur-2"}})
    );
    let requests = vendor.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/v1/customers");
    assert_eq!(requests[0].query_param("limit"), Some("2"));

    let out = json_of(
        &call(
            &client,
            "demo-crm_execute",
            json!({"entity": "customers", "action": "list",
                   "exclude_fields": ["address", "email"], "skip_truncation": false}),
        )
        .await,
    );
    let notes = out["data"][0]["notes"].as_str().expect("notes kept");
    assert!(
        notes.starts_with(&"n".repeat(200)) && notes.contains("[truncated"),
        "{notes}"
    );
    assert_eq!(out["data"][1]["notes"], "short");
    assert!(out["data"][0].get("address").is_none());
}

#[tokio::test]
async fn large_results_are_cut_to_the_budget_with_a_marker() {
    let vendor = vendor().await;
    let client = connect(server(&vendor.url(), Some(400))).await;
    let result = call(
        &client,
        "demo-crm_execute",
        json!({"entity": "customers", "action": "list"}),
    )
    .await;
    assert!(text(&result).len() <= 400, "{}", text(&result));
    let out = json_of(&result);
    let marker = &out["_truncated"];
    assert_eq!(marker["total_records"], 2, "{out}");
    assert_eq!(marker["budget_bytes"], 400);
    let kept = out["data"].as_array().map(Vec::len).unwrap_or_default();
    assert!(marker["omitted_records"].as_u64() >= Some(1));
    assert_eq!(marker["omitted_records"].as_u64(), Some(2 - kept as u64));
    assert!(
        marker["message"]
            .as_str()
            .is_some_and(|m| m.contains("select_fields"))
    );
}

#[tokio::test]
async fn failures_are_tool_errors_that_say_what_to_do() {
    let vendor = vendor().await;
    let client = connect(server(&vendor.url(), None)).await;
    let execute = |args| call(&client, "demo-crm_execute", args);

    let r =
        execute(json!({"entity": "customers", "action": "list", "params": {"status": "x"}})).await;
    let msg = error_of(&r);
    assert!(
        msg.contains("Allowed values: 'active', 'archived'"),
        "{msg}"
    );
    let structured = r.structured_content.expect("structured error");
    assert_eq!(structured["error"], "invalid_parameter");
    assert_eq!(structured["retry"]["kind"], "fix_arguments");

    let msg = error_of(&execute(json!({"entity": "orders", "action": "list"})).await);
    assert!(msg.contains("Valid entities: customers"), "{msg}");
    let msg =
        error_of(&execute(json!({"entity": "customers", "action": "list", "limit": 3})).await);
    assert!(msg.contains("inside `params`"), "{msg}");
    let msg = error_of(
        &execute(json!({"entity": "customers", "action": "get", "params": {"id": "limited"}}))
            .await,
    );
    assert!(msg.contains("Wait 7 s"), "{msg}");
    let msg = error_of(
        &execute(json!({"entity": "customers", "action": "get", "params": {"id": "zz"}})).await,
    );
    assert!(msg.contains("HTTP 404"), "{msg}");
    let msg = error_of(&call(&client, "no_such_tool", json!({})).await);
    assert!(msg.contains("demo-crm_execute"), "{msg}");
    let msg = error_of(&call(&client, "list_connectors", json!({"x": 1})).await);
    assert!(msg.contains("no arguments"), "{msg}");

    // Rejected credentials say to reconnect.
    let bad = airbyte_agent_mcp::McpServer::builder()
        .connector(airbyte_agent_mcp::ServedConnector::local(executor(
            &vendor.url(),
            "wrong-key",
        )))
        .build()
        .expect("server builds");
    let client = connect(bad).await;
    let r = call(
        &client,
        "demo-crm_execute",
        json!({"entity": "customers", "action": "list"}),
    )
    .await;
    assert!(error_of(&r).contains("Reconnect"), "{}", text(&r));
    assert_eq!(
        r.structured_content.expect("structured")["retry"]["kind"],
        "reconnect"
    );
}
