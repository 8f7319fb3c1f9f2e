//! `connect(..)`, the catalog, and the executor trait surface of hosted mode
//! (paginate, download, check through `ConnectedExecutor`).

mod hosted_common;

use airbyte_agent_sdk::{ConnectedExecutor, ErrorKind, ExecutionConfig, Executor};
use airbyte_agent_testkit::MockResponse;
use futures::StreamExt;
use hosted_common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn unknown_names_suggest_the_closest() {
    let err = airbyte_agent_sdk::connect("hubspt")
        .client_id("i")
        .client_secret("s")
        .build()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let msg = err.to_string();
    assert!(msg.contains("hubspt"), "{msg}");
    assert!(msg.contains("hubspot"), "{msg}");
    assert!(msg.contains("catalog"), "{msg}");
}

#[test]
fn catalog_listing_is_sorted_and_complete() {
    let all = airbyte_agent_sdk::list_connectors();
    assert_eq!(all.len(), 56);
    assert!(all.windows(2).all(|w| w[0].slug < w[1].slug));
    let gh = all.iter().find(|e| e.slug == "github").unwrap();
    assert_eq!(gh.display_name, "GitHub");
}

#[tokio::test]
async fn connect_with_a_connector_id_calls_it_directly() {
    let srv = server(|_| MockResponse::json(200, json!({"result": {"id": "x"}}))).await;
    let exec = airbyte_agent_sdk::connect("Stripe")
        .auth_config(auth(&srv, Some("org-c")))
        .connector_id("conn-77")
        .build()
        .await
        .unwrap();
    assert_eq!(exec.as_hosted().unwrap().connector_id(), Some("conn-77"));
    let r = exec
        .execute(ExecutionConfig::new("customers", "get").param("id", json!("x")))
        .await
        .unwrap();
    assert_eq!(r.data, json!({"id": "x"}));
    assert_eq!(r.meta, None);
    let reqs = api_requests(&srv);
    assert_eq!(reqs.len(), 1);
    assert_request(
        &reqs[0],
        "POST",
        "/api/v1/integrations/connectors/conn-77/execute",
        &[],
        Some("org-c"),
        Some(json!({"entity": "customers", "action": "get", "params": {"id": "x"}})),
    );
}

#[tokio::test]
async fn connect_without_an_id_looks_up_in_the_default_workspace() {
    let srv = server(|r| {
        if r.path == "/api/v1/integrations/connectors" {
            MockResponse::json(200, json!({"data": [{"id": "found", "name": "gh"}]}))
        } else {
            MockResponse::json(200, json!({"result": []}))
        }
    })
    .await;
    let exec = airbyte_agent_sdk::connect("github")
        .auth_config(auth(&srv, None))
        .build()
        .await
        .unwrap();
    exec.execute(ExecutionConfig::new("repositories", "list"))
        .await
        .unwrap();
    let def = airbyte_agent_sdk::catalog::lookup("github")
        .unwrap()
        .definition_id
        .clone();
    let reqs = api_requests(&srv);
    assert_request(
        &reqs[0],
        "GET",
        "/api/v1/integrations/connectors",
        &[("workspace_name", "default"), ("definition_id", &def)],
        None,
        None,
    );
    assert_eq!(
        reqs[1].path,
        "/api/v1/integrations/connectors/found/execute"
    );
}

async fn executor_answering(
    result: Value,
) -> (airbyte_agent_testkit::RecordingServer, ConnectedExecutor) {
    let srv = server(move |_| {
        MockResponse::json(
            200,
            json!({"result": result.clone(), "connector_metadata": {"cursor": "n"}}),
        )
    })
    .await;
    let exec = airbyte_agent_sdk::connect("stripe")
        .auth_config(auth(&srv, None))
        .connector_id("c1")
        .build()
        .await
        .unwrap();
    (srv, exec)
}

#[tokio::test]
async fn paginate_yields_the_records_of_one_page() {
    let (srv, exec) = executor_answering(json!([{"id": 1}, {"id": 2}])).await;
    let records: Vec<Value> = exec
        .paginate(ExecutionConfig::new("customers", "list"))
        .map(|r| r.unwrap())
        .collect()
        .await;
    assert_eq!(records, vec![json!({"id": 1}), json!({"id": 2})]);
    assert_eq!(api_requests(&srv).len(), 1);

    let (_srv, exec) = executor_answering(json!({"id": 1})).await;
    let records: Vec<_> = exec
        .paginate(ExecutionConfig::new("customers", "get"))
        .collect()
        .await;
    assert_eq!(records.len(), 1);

    let srv = server(|_| MockResponse::json(422, json!({"message": "bad"}))).await;
    let exec = airbyte_agent_sdk::connect("stripe")
        .auth_config(auth(&srv, None))
        .connector_id("c1")
        .build()
        .await
        .unwrap();
    let items: Vec<_> = exec
        .paginate(ExecutionConfig::new("customers", "list"))
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].as_ref().unwrap_err().kind(), ErrorKind::Validation);
}

#[tokio::test]
async fn download_needs_local_mode() {
    let (srv, exec) = executor_answering(Value::Null).await;
    let err = match exec
        .download(ExecutionConfig::new("files", "download"))
        .await
    {
        Err(e) => e,
        Ok(_) => panic!("hosted download must fail"),
    };
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.to_string().contains("local"), "{err}");
    assert!(srv.requests().is_empty());
}

#[tokio::test]
async fn check_through_connect_uses_the_check_operation() {
    let (srv, exec) = executor_answering(json!([])).await;
    let exec = match exec {
        ConnectedExecutor::Hosted(h) => ConnectedExecutor::Hosted(h.with_check_operation(
            ExecutionConfig::new("customers", "list").param("limit", json!(1)),
        )),
        _ => unreachable!(),
    };
    let r = exec.check().await.unwrap();
    assert!(r.healthy);
    assert_eq!(r.checked_action.as_deref(), Some("list"));
    assert_eq!(
        api_requests(&srv)[0].json(),
        Some(json!({"entity": "customers", "action": "list", "params": {"limit": 1}}))
    );
}

#[tokio::test]
async fn empty_entity_or_action_is_rejected_before_any_request() {
    let (srv, exec) = executor_answering(json!([])).await;
    let err = exec
        .execute(ExecutionConfig::new("", "list"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let err = exec
        .execute(ExecutionConfig::new("customers", " "))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(srv.requests().is_empty());
}

#[tokio::test]
async fn paginate_follows_the_cursor_rule() {
    // Three pages: the cursor in meta.next names the next page; the last has none.
    let srv = server(|r| {
        let body = r.json().unwrap_or_default();
        let page = body["params"]["after"].as_str().unwrap_or("p1").to_string();
        let (records, next) = match page.as_str() {
            "p1" => (json!([{"id": 1}, {"id": 2}]), json!("p2")),
            "p2" => (json!([{"id": 3}]), json!("p3")),
            _ => (json!([{"id": 4}]), Value::Null),
        };
        MockResponse::json(
            200,
            json!({"result": records, "connector_metadata": {"next": next}}),
        )
    })
    .await;
    let exec = airbyte_agent_sdk::HostedExecutor::by_id(client(&srv, None), "c1")
        .with_cursor("/next", "after");
    let ids: Vec<i64> = exec
        .paginate(ExecutionConfig::new("customers", "list").param("limit", json!(2)))
        .map(|r| r.unwrap()["id"].as_i64().unwrap())
        .collect()
        .await;
    assert_eq!(ids, vec![1, 2, 3, 4]);
    let bodies: Vec<Value> = api_requests(&srv)
        .iter()
        .map(|r| r.json().unwrap())
        .collect();
    assert_eq!(
        bodies,
        vec![
            json!({"entity": "customers", "action": "list", "params": {"limit": 2}}),
            json!({"entity": "customers", "action": "list", "params": {"limit": 2, "after": "p2"}}),
            json!({"entity": "customers", "action": "list", "params": {"limit": 2, "after": "p3"}}),
        ]
    );
}

#[tokio::test]
async fn paginate_stops_on_a_repeated_request() {
    let srv = server(|_| {
        MockResponse::json(
            200,
            json!({"result": [1], "connector_metadata": {"next": "same"}}),
        )
    })
    .await;
    let exec = airbyte_agent_sdk::HostedExecutor::by_id(client(&srv, None), "c1")
        .with_cursor("/next", "after");
    let n = exec
        .paginate(ExecutionConfig::new("customers", "list"))
        .count()
        .await;
    // Page 1 (no cursor) and page 2 (after=same); page 3 would repeat page 2.
    assert_eq!(n, 2);
    assert_eq!(api_requests(&srv).len(), 2);
}
