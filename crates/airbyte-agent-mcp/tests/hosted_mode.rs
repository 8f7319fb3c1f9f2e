//! Hosted mode: the connectors of a workspace of a fake Airbyte API on
//! 127.0.0.1, the demo definition matched to one of them by type, and `ask`.

mod support;

use serde_json::json;
use support::*;

#[tokio::test]
async fn workspace_connectors_become_tools() {
    let api = hosted_api().await;
    let client = connect(hosted_server(&api).await).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        [
            "list_connectors",
            "list_entities",
            "describe_entity",
            "validate_operation",
            "ask",
            "crm_prod_execute",
            "billing_execute"
        ]
    );
    // With a definition the schema enumerates entities; without, free text.
    assert_eq!(
        tools[5].input_schema["properties"]["entity"]["enum"],
        json!(["customers"])
    );
    assert!(
        tools[6].input_schema["properties"]["entity"]
            .get("enum")
            .is_none()
    );

    let listed = json_of(&call(&client, "list_connectors", json!({})).await);
    let crm = &listed["connectors"][0];
    assert_eq!(crm["mode"], "hosted");
    assert_eq!(crm["connector_id"], CONNECTOR_ID);
    assert_eq!(crm["connector_type"], "Demo CRM");
    assert_eq!(crm["entities"], json!(["customers"]));
    assert!(listed["connectors"][1]["note"].is_string());

    let described = json_of(
        &call(
            &client,
            "describe_entity",
            json!({"connector": "crm_prod", "entity": "customers"}),
        )
        .await,
    );
    assert_eq!(described["actions"][0]["action"], "list");
    let msg = error_of(&call(&client, "list_entities", json!({"connector": "billing"})).await);
    assert!(msg.contains("Unknown Billing"), "{msg}");
}

#[tokio::test]
async fn execute_validate_and_ask_go_through_the_workspace() {
    let api = hosted_api().await;
    let client = connect(hosted_server(&api).await).await;
    api.take_requests();

    let out = json_of(
        &call(
            &client,
            "crm_prod_execute",
            json!({"entity": "customers", "action": "list", "params": {"limit": 2},
                   "select_fields": ["name"]}),
        )
        .await,
    );
    assert_eq!(
        out,
        json!({"data": [{"name": "Ada"}, {"name": "Grace"}], "meta": {"next_cursor": "h2"}})
    );
    let sent = api.take_requests();
    let execute = sent
        .iter()
        .find(|r| r.path.ends_with("/execute"))
        .expect("execute sent");
    assert_eq!(
        execute.json(),
        Some(json!({"entity": "customers", "action": "list", "params": {"limit": 2}}))
    );

    let msg = error_of(
        &call(
            &client,
            "validate_operation",
            json!({"connector": "crm_prod", "entity": "customers", "action": "get"}),
        )
        .await,
    );
    assert!(msg.contains("`id`"), "{msg}");
    assert!(api.take_requests().is_empty(), "validation sends nothing");

    let answer = json_of(&call(&client, "ask", json!({"prompt": "how many customers?"})).await);
    assert_eq!(answer["outcome"], "success");
    assert_eq!(answer["answer"], "You have 2 customers.");
    let sent = api.take_requests();
    assert_eq!(
        sent.last().and_then(|r| r.json()),
        Some(json!({"prompt": "how many customers?"}))
    );
    assert_eq!(
        sent.last().and_then(|r| r.query_param("workspace_name")),
        Some("acme")
    );
}
