//! Every hosted operation on the wire: method, path, query, auth and
//! organization headers, JSON body; and the decoded responses.

mod hosted_common;

use airbyte_agent_sdk::cloud::{
    AutomationUpdate, CreateConnectorRequest, NewAutomation, OAuthInitiateRequest,
    UpdateWorkflowRequest,
};
use airbyte_agent_sdk::{ExecutionConfig, Executor, HostedExecutor, NewConnector, OAuthFlow};
use airbyte_agent_testkit::{MockResponse, RecordedRequest};
use hosted_common::*;
use serde_json::{Map, Value, json};

/// method, path, query pairs, JSON body.
type Expected<'a> = (&'a str, String, Vec<(&'a str, &'a str)>, Option<Value>);

const WS_ID: &str = "11111111-2222-3333-4444-555555555555";

fn workflow(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "workspace_id": WS_ID,
           "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z"})
}

fn automation(id: &str) -> Value {
    json!({"id": id, "workflow_id": "wf-1", "workspace_id": WS_ID, "enabled": true,
           "trigger_type": "schedule", "cron_expression": "0 * * * *",
           "trigger_webhook_url": "https://hooks/t"})
}

/// A fake hosted API answering each endpoint with a plausible body.
fn api(r: &RecordedRequest) -> MockResponse {
    let p = r.path.as_str();
    match (r.method.as_str(), p) {
        ("GET", "/api/v1/integrations/connectors") => MockResponse::json(
            200,
            json!({"data": [{"id": "conn-1", "name": "Stripe prod",
                "summarized_source_template": {"name": "Stripe"}}]}),
        ),
        ("POST", "/api/v1/integrations/connectors") => {
            MockResponse::json(201, json!({"id": "new-conn"}))
        }
        ("POST", "/api/v1/integrations/connectors/oauth/initiate") => {
            MockResponse::json(200, json!({"consent_url": "https://consent/x"}))
        }
        ("POST", "/api/v1/integrations/connectors/conn-1/execute") => MockResponse::json(
            200,
            json!({"result": [{"id": "cus_1"}], "connector_metadata": {"next": "c2"}}),
        ),
        ("DELETE", "/api/v1/integrations/connectors/conn-1") => MockResponse::empty(202),
        ("PUT", "/api/v1/oauth/credentials") => MockResponse::empty(204),
        ("DELETE", "/api/v1/oauth/credentials/connector_type/hubspot") => MockResponse::empty(204),
        ("POST", "/api/v1/workspaces/query/structured") => MockResponse::json(
            200,
            json!({"outcome": "success", "answer": "42", "query_id": "q1",
                   "results": [{"source_id": "conn-1", "entity": "customers", "action": "list",
                                "params": {"limit": 5}, "status": "success", "data": []}]}),
        ),
        ("GET", "/api/v1/workspaces") => MockResponse::json(
            200,
            json!({"data": [{"id": "other", "name": "acme-2"}, {"id": WS_ID, "name": "acme"}]}),
        ),
        ("GET", "/api/v1/internal/workflows") => {
            MockResponse::json(200, json!({"data": [workflow("wf-1", "nightly")]}))
        }
        ("POST", "/api/v1/internal/workflows") => MockResponse::json(201, workflow("wf-2", "new")),
        ("GET" | "PATCH", "/api/v1/internal/workflows/wf-1") => {
            MockResponse::json(200, workflow("wf-1", "renamed"))
        }
        ("DELETE", "/api/v1/internal/workflows/wf-1") => MockResponse::empty(204),
        ("GET", "/api/v1/internal/workflows/wf-1/automations") => {
            MockResponse::json(200, json!({"data": [automation("au-1")]}))
        }
        ("POST", "/api/v1/internal/workflows/wf-1/automations") => {
            MockResponse::json(201, automation("au-2"))
        }
        ("GET" | "PATCH", "/api/v1/internal/workflows/wf-1/automations/au-1") => {
            MockResponse::json(200, automation("au-1"))
        }
        ("DELETE", "/api/v1/internal/workflows/wf-1/automations/au-1") => MockResponse::empty(204),
        _ => MockResponse::json(
            404,
            json!({"message": format!("no route {} {p}", r.method)}),
        ),
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

async fn run_workspace_scenario(org: Option<&'static str>) {
    let srv = server(api).await;
    let ws = workspace(&srv, "acme", org);

    let connectors = ws.list_connectors().await.unwrap();
    assert_eq!(connectors.len(), 1);
    assert_eq!(connectors[0].id, "conn-1");

    let answer = ws.ask("top customers?").await.unwrap();
    assert!(answer.is_success());
    assert_eq!(answer.results[0].params["limit"], 5);

    let created = ws
        .create_connector(
            NewConnector::from_catalog("stripe")
                .unwrap()
                .name("Stripe prod")
                .credentials(obj(json!({"api_key": "sk_test_SENSITIVE"})))
                .replication_config(obj(json!({"start_date": "2024-01-01"})))
                .source_template_id("tpl-1"),
        )
        .await
        .unwrap();
    assert_eq!(created, "new-conn");
    ws.create_connector(NewConnector::new("def-x").server_side_oauth_secret_id("oauth-secret-id"))
        .await
        .unwrap();

    let url = ws
        .initiate_oauth(
            OAuthFlow::new("def-h", "https://app/cb")
                .name("HubSpot")
                .environment(obj(json!({"subdomain": "acme"})))
                .replication_config(obj(json!({"start_date": "2024-01-01"})))
                .source_template_id("tpl-2"),
        )
        .await
        .unwrap();
    assert_eq!(url, "https://consent/x");

    ws.delete_connector("conn-1").await.unwrap();

    let stripe = ws.connector_by_slug("stripe").await.unwrap();
    assert_eq!(stripe.connector_id(), Some("conn-1"));
    let page = stripe
        .call("customers", "list", json!({"limit": 2}))
        .await
        .unwrap();
    assert_eq!(page.data, json!([{"id": "cus_1"}]));
    assert_eq!(page.meta, Some(json!({"next": "c2"})));
    ws.connector("conn-1")
        .execute(ExecutionConfig::new("customers", "list"))
        .await
        .unwrap();

    let wfs = ws.list_workflows().await.unwrap();
    assert_eq!(wfs[0].name, "nightly");
    let wf = ws
        .create_workflow("new", Some(vec![json!({"type": "query", "prompt": "x"})]))
        .await
        .unwrap();
    assert_eq!(wf.id, "wf-2");
    ws.create_workflow("bare", None).await.unwrap();
    ws.get_workflow("wf-1").await.unwrap();
    let wf = ws
        .update_workflow("wf-1", &UpdateWorkflowRequest::default().name("renamed"))
        .await
        .unwrap();
    assert_eq!(wf.name, "renamed");
    ws.delete_workflow("wf-1").await.unwrap();

    let autos = ws.list_automations("wf-1").await.unwrap();
    assert_eq!(autos[0].timezone, "UTC");
    assert_eq!(
        autos[0].trigger_webhook_url.as_deref(),
        Some("https://hooks/t")
    );
    ws.create_automation(
        "wf-1",
        &NewAutomation::schedule("0 9 * * 1")
            .timezone("Europe/Paris")
            .completion_webhook_url("https://hooks/done"),
    )
    .await
    .unwrap();
    ws.create_automation("wf-1", &NewAutomation::default().enabled(false))
        .await
        .unwrap();
    ws.get_automation("wf-1", "au-1").await.unwrap();
    ws.update_automation(
        "wf-1",
        "au-1",
        &AutomationUpdate::default()
            .enabled(false)
            .cron_expression("*/5 * * * *")
            .timezone("UTC")
            .trigger_type("schedule")
            .completion_webhook_url("https://hooks/d2"),
    )
    .await
    .unwrap();
    ws.update_automation("wf-1", "au-1", &AutomationUpdate::default())
        .await
        .unwrap();
    ws.delete_automation("wf-1", "au-1").await.unwrap();

    let stripe_def = airbyte_agent_sdk::catalog::lookup("stripe")
        .unwrap()
        .definition_id
        .clone();
    let wf_q: &[(&str, &str)] = &[("workspace_id", WS_ID)];
    let expected: Vec<Expected> = vec![
        (
            "GET",
            "/api/v1/integrations/connectors".into(),
            vec![("customer_name", "acme")],
            None,
        ),
        (
            "POST",
            "/api/v1/workspaces/query/structured".into(),
            vec![("workspace_name", "acme")],
            Some(json!({"prompt": "top customers?"})),
        ),
        (
            "POST",
            "/api/v1/integrations/connectors".into(),
            vec![],
            Some(json!({"name": "Stripe prod", "definition_id": stripe_def,
                        "workspace_name": "acme",
                        "credentials": {"api_key": "sk_test_SENSITIVE"},
                        "replication_config": {"start_date": "2024-01-01"},
                        "source_template_id": "tpl-1"})),
        ),
        (
            "POST",
            "/api/v1/integrations/connectors".into(),
            vec![],
            Some(json!({"name": "connector-acme", "definition_id": "def-x",
                        "workspace_name": "acme",
                        "server_side_oauth_secret_id": "oauth-secret-id"})),
        ),
        (
            "POST",
            "/api/v1/integrations/connectors/oauth/initiate".into(),
            vec![],
            Some(json!({"workspace_name": "acme", "definition_id": "def-h",
                        "redirect_url": "https://app/cb", "name": "HubSpot",
                        "replication_config": {"start_date": "2024-01-01"},
                        "source_template_id": "tpl-2",
                        "environment": {"subdomain": "acme"}})),
        ),
        (
            "DELETE",
            "/api/v1/integrations/connectors/conn-1".into(),
            vec![],
            None,
        ),
        (
            "GET",
            "/api/v1/integrations/connectors".into(),
            vec![
                ("workspace_name", "acme"),
                ("definition_id", stripe_def.as_str()),
            ],
            None,
        ),
        (
            "POST",
            "/api/v1/integrations/connectors/conn-1/execute".into(),
            vec![],
            Some(json!({"entity": "customers", "action": "list", "params": {"limit": 2}})),
        ),
        (
            "POST",
            "/api/v1/integrations/connectors/conn-1/execute".into(),
            vec![],
            Some(json!({"entity": "customers", "action": "list", "params": null})),
        ),
        (
            "GET",
            "/api/v1/workspaces".into(),
            vec![("name_contains", "acme")],
            None,
        ),
        (
            "GET",
            "/api/v1/internal/workflows".into(),
            wf_q.to_vec(),
            None,
        ),
        (
            "POST",
            "/api/v1/internal/workflows".into(),
            vec![],
            Some(json!({"workspace_id": WS_ID, "name": "new",
                        "tasks": [{"type": "query", "prompt": "x"}]})),
        ),
        (
            "POST",
            "/api/v1/internal/workflows".into(),
            vec![],
            Some(json!({"workspace_id": WS_ID, "name": "bare"})),
        ),
        (
            "GET",
            "/api/v1/internal/workflows/wf-1".into(),
            wf_q.to_vec(),
            None,
        ),
        (
            "PATCH",
            "/api/v1/internal/workflows/wf-1".into(),
            wf_q.to_vec(),
            Some(json!({"name": "renamed"})),
        ),
        (
            "DELETE",
            "/api/v1/internal/workflows/wf-1".into(),
            wf_q.to_vec(),
            None,
        ),
        (
            "GET",
            "/api/v1/internal/workflows/wf-1/automations".into(),
            wf_q.to_vec(),
            None,
        ),
        (
            "POST",
            "/api/v1/internal/workflows/wf-1/automations".into(),
            wf_q.to_vec(),
            Some(
                json!({"workspace_id": WS_ID, "trigger_type": "schedule", "enabled": true,
                        "cron_expression": "0 9 * * 1", "timezone": "Europe/Paris",
                        "completion_webhook_url": "https://hooks/done"}),
            ),
        ),
        (
            "POST",
            "/api/v1/internal/workflows/wf-1/automations".into(),
            wf_q.to_vec(),
            Some(json!({"workspace_id": WS_ID, "trigger_type": "schedule", "enabled": false})),
        ),
        (
            "GET",
            "/api/v1/internal/workflows/wf-1/automations/au-1".into(),
            wf_q.to_vec(),
            None,
        ),
        (
            "PATCH",
            "/api/v1/internal/workflows/wf-1/automations/au-1".into(),
            wf_q.to_vec(),
            Some(json!({"enabled": false, "trigger_type": "schedule",
                        "cron_expression": "*/5 * * * *", "timezone": "UTC",
                        "completion_webhook_url": "https://hooks/d2"})),
        ),
        (
            "PATCH",
            "/api/v1/internal/workflows/wf-1/automations/au-1".into(),
            wf_q.to_vec(),
            Some(json!({})),
        ),
        (
            "DELETE",
            "/api/v1/internal/workflows/wf-1/automations/au-1".into(),
            wf_q.to_vec(),
            None,
        ),
    ];
    let got = api_requests(&srv);
    assert_eq!(
        got.len(),
        expected.len(),
        "{:#?}",
        got.iter().map(|r| (&r.method, &r.path)).collect::<Vec<_>>()
    );
    for (r, (method, path, query, body)) in got.iter().zip(expected) {
        assert_request(r, method, &path, &query, org, body);
    }
    // One token for the whole scenario; the workspace id was resolved once.
    assert_eq!(srv.count("POST", TOKEN_PATH), 1);
    assert_eq!(srv.count("GET", "/api/v1/workspaces"), 1);
}

#[tokio::test]
async fn workspace_operations_with_organization() {
    run_workspace_scenario(Some("org-42")).await;
}

#[tokio::test]
async fn workspace_operations_without_organization() {
    run_workspace_scenario(None).await;
}

#[tokio::test]
async fn client_level_operations() {
    let srv = server(api).await;
    let c = client(&srv, Some("org-1"));
    let mut req = CreateConnectorRequest::new("n", "d", "w");
    req.credentials = Some(obj(json!({"token": "t"})));
    assert_eq!(c.create_connector(&req).await.unwrap(), "new-conn");
    let mut oauth = OAuthInitiateRequest::new("w", "d", "https://r");
    oauth.name = Some("x".into());
    assert_eq!(c.initiate_oauth(&oauth).await.unwrap(), "https://consent/x");
    c.set_oauth_app_credentials(
        "hubspot",
        &obj(json!({"client_id": "app-id", "client_secret": "app-secret"})),
    )
    .await
    .unwrap();
    c.delete_oauth_app_credentials("hubspot").await.unwrap();
    assert_eq!(c.resolve_workspace_id("acme").await.unwrap(), WS_ID);

    let got = api_requests(&srv);
    assert_request(
        &got[0],
        "POST",
        "/api/v1/integrations/connectors",
        &[],
        Some("org-1"),
        Some(
            json!({"name": "n", "definition_id": "d", "workspace_name": "w",
                    "credentials": {"token": "t"}}),
        ),
    );
    assert_request(
        &got[1],
        "POST",
        "/api/v1/integrations/connectors/oauth/initiate",
        &[],
        Some("org-1"),
        Some(json!({"workspace_name": "w", "definition_id": "d",
                    "redirect_url": "https://r", "name": "x"})),
    );
    assert_request(
        &got[2],
        "PUT",
        "/api/v1/oauth/credentials",
        &[],
        Some("org-1"),
        Some(json!({"connector_type": "hubspot",
                    "configuration": {"client_id": "app-id", "client_secret": "app-secret"}})),
    );
    assert_request(
        &got[3],
        "DELETE",
        "/api/v1/oauth/credentials/connector_type/hubspot",
        &[],
        Some("org-1"),
        None,
    );
    assert_request(
        &got[4],
        "GET",
        "/api/v1/workspaces",
        &[("name_contains", "acme")],
        Some("org-1"),
        None,
    );
}

#[tokio::test]
async fn path_segments_are_percent_encoded() {
    let srv = server(|_| MockResponse::empty(204)).await;
    let c = client(&srv, None);
    c.delete_connector("a/b c?d").await.unwrap();
    assert_eq!(
        api_requests(&srv)[0].path,
        "/api/v1/integrations/connectors/a%2Fb%20c%3Fd"
    );
    let err = c.delete_connector("").await.unwrap_err();
    assert_eq!(err.kind(), airbyte_agent_sdk::ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn executor_by_definition_looks_up_each_call() {
    let srv = server(api).await;
    let exec = HostedExecutor::by_definition(client(&srv, None), "acme", "def-1");
    exec.call("customers", "list", Value::Null).await.unwrap();
    exec.call("customers", "list", json!({})).await.unwrap();
    let got = api_requests(&srv);
    assert_eq!(got.len(), 4);
    assert_request(
        &got[0],
        "GET",
        "/api/v1/integrations/connectors",
        &[("workspace_name", "acme"), ("definition_id", "def-1")],
        None,
        None,
    );
    assert_eq!(
        got[1].path,
        "/api/v1/integrations/connectors/conn-1/execute"
    );
    assert_eq!(got[2].path, "/api/v1/integrations/connectors");
    let err = exec
        .call("customers", "list", json!([1]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), airbyte_agent_sdk::ErrorKind::InvalidArgument);
}
