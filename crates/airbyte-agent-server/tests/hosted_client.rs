//! Our hosted client (`CloudClient`, `Workspace`, `HostedExecutor`,
//! `connect`) against the server running in-process on 127.0.0.1.

mod support;

use airbyte_agent_sdk::cloud::{AutomationUpdate, NewAutomation, UpdateWorkflowRequest};
use airbyte_agent_sdk::{ErrorKind, ExecutionConfig, Executor, HostedExecutor};
use futures::StreamExt as _;
use serde_json::{Value, json};
use support::*;

#[tokio::test]
async fn connect_and_execute_through_the_local_executor() {
    let h = Harness::start().await;
    let id = h.create_connector("default", "my-stripe").await;

    // `connect("stripe")` looks the connector up by definition id.
    let stripe = airbyte_agent_sdk::connect("stripe")
        .client(h.client())
        .workspace("default")
        .build()
        .await
        .unwrap();
    let page = stripe
        .execute(ExecutionConfig::new("customers", "list").param("limit", json!(2)))
        .await
        .unwrap();
    assert_eq!(page.data, json!(customers()[..2]));
    assert_eq!(page.meta, Some(json!({"has_more": true})));

    let one = HostedExecutor::by_id(h.client(), id.clone())
        .call("customers", "get", json!({"id": "cus_3"}))
        .await
        .unwrap();
    assert_eq!(one.data["email"], "user3@example.com");

    // The vendor saw the stored key, sent by the server's local executor.
    let vendor_calls = h.vendor().requests();
    assert_eq!(vendor_calls.len(), 2);
    assert_eq!(vendor_calls[0].raw_query.as_deref(), Some("limit=2"));
    assert_eq!(vendor_calls[1].path, "/v1/customers/cus_3");

    // Pagination through the hosted executor with a cursor rule.
    let all: Vec<Value> = HostedExecutor::by_id(h.client(), id)
        .with_next_page(|op, result| {
            let more = result.meta.as_ref()?.get("has_more")?.as_bool()?;
            let last = result.data.as_array()?.last()?.get("id")?.clone();
            more.then(|| op.clone().param("starting_after", last))
        })
        .paginate(ExecutionConfig::new("customers", "list").param("limit", json!(2)))
        .map(|r| r.unwrap())
        .collect()
        .await;
    assert_eq!(all, customers());
}

#[tokio::test]
async fn execution_errors_map_to_the_kinds_clients_expect() {
    let h = Harness::start().await;
    let id = h.create_connector("default", "s").await;
    let exec = HostedExecutor::by_id(h.client(), id);

    let e = exec
        .call("invoices", "list", Value::Null)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(e.to_string().contains("invoices"), "{e}");

    let e = exec
        .call("customers", "get", Value::Null)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(e.to_string().contains("`id`"), "{e}");

    // The vendor's 404 is a vendor failure (502), not "connector not found".
    let e = exec
        .call("customers", "get", json!({"id": "cus_404"}))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(502), "{e}");
    assert!(e.to_string().contains("No such customer"), "{e}");

    let e = HostedExecutor::by_id(h.client(), "no-such-connector")
        .call("customers", "list", Value::Null)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
}

#[tokio::test]
async fn vendor_rejecting_stored_credentials_is_a_403_that_says_so() {
    let h = Harness::start().await;
    let mut req = airbyte_agent_sdk::cloud::CreateConnectorRequest::new(
        "bad",
        stripe_definition_id(),
        "default",
    );
    let mut creds = serde_json::Map::new();
    creds.insert("api_key".into(), json!("sk_test_wrong"));
    req.credentials = Some(creds);
    let id = h.client().create_connector(&req).await.unwrap();
    let e = HostedExecutor::by_id(h.client(), id)
        .call("customers", "list", Value::Null)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
    assert!(e.to_string().contains("stored credentials"), "{e}");
}

#[tokio::test]
async fn workspace_lists_gets_and_deletes_connectors_without_credentials() {
    let h = Harness::start().await;
    let a = h.create_connector("acme", "first").await;
    let b = h.create_connector("acme", "second").await;
    h.create_connector("other", "elsewhere").await;
    let ws = h.workspace("acme");

    let listed = ws.list_connectors().await.unwrap();
    assert_eq!(
        listed.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        [a.as_str(), b.as_str()]
    );
    assert_eq!(listed[0].name, "first");
    assert_eq!(listed[0].connector_type.as_deref(), Some("Stripe"));
    assert!(
        listed[0]
            .created_at
            .as_deref()
            .is_some_and(|t| t.ends_with('Z'))
    );

    // Two stripe connectors: looking one up by slug is ambiguous.
    let e = ws.connector_by_slug("stripe").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Ambiguous, "{e}");

    // GET one connector; no answer ever carries the credentials.
    let token = h.token_for(&h.app).await;
    let got: Value = h
        .http()
        .get(format!("{}/api/v1/integrations/connectors/{a}", h.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["id"], a.as_str());
    assert_eq!(got["workspace_name"], "acme");
    let listing = h
        .http()
        .get(format!(
            "{}/api/v1/integrations/connectors?customer_name=acme",
            h.url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in [got.to_string(), listing] {
        assert!(!text.contains(VENDOR_KEY), "{text}");
        assert!(!text.contains("api_key"), "{text}");
    }

    ws.delete_connector(&a).await.unwrap();
    let listed = ws.list_connectors().await.unwrap();
    assert_eq!(listed.len(), 1);
    let e = ws.delete_connector(&a).await.unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
    let one = ws.connector_by_slug("stripe").await.unwrap();
    assert_eq!(one.connector_id(), Some(b.as_str()));
}

#[tokio::test]
async fn connectors_are_checked_against_their_definition_on_creation() {
    let h = Harness::start().await;
    let client = h.client();
    let mut req = airbyte_agent_sdk::cloud::CreateConnectorRequest::new(
        "x",
        "00000000-0000-0000-0000-00000000dead",
        "default",
    );
    req.credentials = Some(vendor_credentials());
    let e = client.create_connector(&req).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(e.to_string().contains("--definitions"), "{e}");

    let mut req = airbyte_agent_sdk::cloud::CreateConnectorRequest::new(
        "x",
        stripe_definition_id(),
        "default",
    );
    req.server_side_oauth_secret_id = Some("secret".into());
    let e = client.create_connector(&req).await.unwrap_err();
    assert!(e.to_string().contains("oauth/initiate"), "{e}");
}

#[tokio::test]
async fn workflows_and_automations_crud() {
    let h = Harness::start().await;
    let connector = h.create_connector("default", "billing").await;
    let ws = h.workspace("default");
    assert!(ws.list_workflows().await.unwrap().is_empty());

    let tasks = vec![
        json!({"type": "execute", "connector": "billing", "entity": "customers", "action": "list", "params": {"limit": 1}}),
        json!({"type": "ask", "prompt": "how many customers?", "name": "count"}),
    ];
    let wf = ws.create_workflow("nightly", Some(tasks)).await.unwrap();
    assert_eq!(wf.name, "nightly");
    assert_eq!(wf.workspace_id, ws.workspace_id().await.unwrap());
    let renamed = ws
        .update_workflow(
            &wf.id,
            &UpdateWorkflowRequest::default().name("nightly-sync"),
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "nightly-sync");
    assert_eq!(ws.get_workflow(&wf.id).await.unwrap().name, "nightly-sync");
    assert_eq!(ws.list_workflows().await.unwrap().len(), 1);

    // Other task types are refused with the supported ones named.
    let e = ws
        .create_workflow(
            "bad",
            Some(vec![json!({"type": "sql", "query": "select 1"})]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(e.to_string().contains("unsupported task type `sql`"), "{e}");
    // Execute tasks must name an operation the connector has.
    let e = ws
        .create_workflow("bad", Some(vec![json!({"type": "execute", "connector": connector, "entity": "charges", "action": "list"})]))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("charges"), "{e}");

    let au = ws
        .create_automation(
            &wf.id,
            &NewAutomation::schedule("0 9 * * 1-5")
                .timezone("Europe/Paris")
                .completion_webhook_url("http://127.0.0.1:9/hook"),
        )
        .await
        .unwrap();
    assert!(au.enabled);
    assert_eq!(au.trigger_type, "schedule");
    assert_eq!(au.timezone, "Europe/Paris");
    assert_eq!(au.cron_expression.as_deref(), Some("0 9 * * 1-5"));
    let listed = ws.list_automations(&wf.id).await.unwrap();
    assert_eq!(listed, vec![au.clone()]);

    let off = ws
        .update_automation(&wf.id, &au.id, &AutomationUpdate::default().enabled(false))
        .await
        .unwrap();
    assert!(!off.enabled);
    assert!(!ws.get_automation(&wf.id, &au.id).await.unwrap().enabled);

    for (update, needle) in [
        (
            AutomationUpdate::default().cron_expression("every day"),
            "five fields",
        ),
        (AutomationUpdate::default().timezone("Paris"), "IANA"),
        (
            AutomationUpdate::default().trigger_type("webhook"),
            "`schedule`",
        ),
        (
            AutomationUpdate::default().completion_webhook_url("ftp://x"),
            "http(s)",
        ),
    ] {
        let e = ws
            .update_automation(&wf.id, &au.id, &update)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
        assert!(e.to_string().contains(needle), "{needle}: {e}");
    }

    ws.delete_automation(&wf.id, &au.id).await.unwrap();
    assert!(ws.list_automations(&wf.id).await.unwrap().is_empty());
    ws.delete_workflow(&wf.id).await.unwrap();
    let e = ws.get_workflow(&wf.id).await.unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
}

#[tokio::test]
async fn ask_without_a_model_says_how_to_configure_one() {
    let h = Harness::start().await;
    let answer = h
        .workspace("default")
        .ask("how many customers?")
        .await
        .unwrap();
    assert!(!answer.is_success());
    assert_eq!(answer.outcome, "error");
    let reason = answer.outcome_reason.unwrap_or_default();
    assert!(
        reason.contains("--llm-url") && reason.contains("--llm-model"),
        "{reason}"
    );
    assert!(answer.query_id.is_some());
}

#[tokio::test]
async fn the_repository_definitions_load_and_are_listed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../airbyte-agent-connectors/definitions");
    let tmp = tempfile::tempdir().unwrap();
    let server = airbyte_agent_server::Server::builder()
        .db(tmp.path().join("s.db"))
        .listen("127.0.0.1:0".parse().unwrap())
        .definitions_dir(&dir)
        .build()
        .await
        .unwrap();
    let app = server
        .database()
        .create_application("t", None)
        .await
        .unwrap();
    let running = server.spawn().await.unwrap();
    let client = airbyte_agent_sdk::cloud::CloudClient::builder()
        .client_id(app.client_id.clone())
        .client_secret(secrecy::ExposeSecret::expose_secret(&app.client_secret).to_string())
        .api_url(running.url())
        .build()
        .unwrap();
    let token = client.bearer_token().await.unwrap();
    let listed: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/integrations/definitions", running.url()))
        .bearer_auth(secrecy::ExposeSecret::expose_secret(&token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let files = airbyte_agent_sdk::definition::definition_files(&dir).unwrap();
    let data = listed["data"].as_array().unwrap();
    assert_eq!(data.len(), files.len());
    let stripe = data
        .iter()
        .find(|d| d["name"] == "stripe")
        .expect("stripe is listed");
    assert_eq!(stripe["definition_id"], stripe_definition_id().as_str());
    running.shutdown().await;
}
