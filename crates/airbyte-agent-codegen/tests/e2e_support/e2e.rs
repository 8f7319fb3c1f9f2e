//! Runs inside the throwaway crate built by `generated_module_runs.rs`: the
//! generated `demo_shop` module driven through the real `LocalExecutor`,
//! built from the same definition and pointed at a loopback recording server
//! that answers like the vendor's API would.

use std::sync::Arc;

use airbyte_agent_sdk::cloud::CloudClient;
use airbyte_agent_sdk::{AirbyteAuthConfig, ErrorKind};
use airbyte_agent_sdk::definition;
use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_testkit::hosted::{Executed, FakeAirbyte};
use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use codegen_check::DEMO_SHOP_DEFINITION;
use codegen_check::demo_shop::{CustomerStatus, CustomersListType, DemoShop};
use futures::TryStreamExt;
use serde_json::{Value, json};

const API_KEY: &str = "sk_demo_123";

fn customer(id: &str, status: &str) -> Value {
    json!({"id": id, "status": status, "email": null, "vendor_added": {"x": 1}, "2fa": true})
}

/// The vendor's side: `GET /customers` pages records under `data` with the
/// next cursor in `next_cursor`; `GET /customers/{id}` answers a record
/// without its required fields; `POST /customers` echoes a created customer;
/// `GET /files/{id}` streams bytes.
fn respond(req: &RecordedRequest) -> MockResponse {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/customers") => match req.query_param("cursor") {
            None => MockResponse::json(
                200,
                json!({"data": [customer("c1", "active"), customer("c2", "archived")],
                       "next_cursor": "p2"}),
            ),
            Some("p2") => MockResponse::json(200, json!({"data": [customer("c3", "blocked")]})),
            Some(_) => MockResponse::json(400, json!({"error": "bad cursor"})),
        },
        ("GET", "/customers/c9") => MockResponse::json(200, json!({"status": "active"})),
        ("GET", "/customers/c1") => MockResponse::json(200, customer("c1", "active")),
        ("POST", "/customers") => MockResponse::json(200, customer("c3", "on-hold")),
        ("GET", "/files/f1") => MockResponse::text(200, "file-bytes"),
        _ => MockResponse::json(404, json!({"error": "not found"})),
    }
}

async fn setup() -> (RecordingServer, DemoShop) {
    let server = RecordingServer::start(respond).await;
    let def = definition::load_path(DEMO_SHOP_DEFINITION).unwrap();
    let executor = LocalExecutor::builder(def)
        .auth("api_key", API_KEY)
        .base_url(server.url())
        .build()
        .unwrap();
    (server, DemoShop::new(executor))
}

/// Method, path and sorted query of a request, checking its credentials.
fn sent(req: &RecordedRequest) -> (String, String, Vec<(String, String)>) {
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {API_KEY}").as_str()),
        "{} {} carries the fixture's bearer auth",
        req.method,
        req.path
    );
    (req.method.clone(), req.path.clone(), req.sorted_query())
}

/// An expected request: method, path and sorted query.
fn expect(
    method: &str,
    path: &str,
    query: &[(&str, &str)],
) -> (String, String, Vec<(String, String)>) {
    let query = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (method.to_string(), path.to_string(), query)
}

#[tokio::test]
async fn list_sends_typed_params_and_decodes_records() {
    let (server, shop) = setup().await;
    let page = shop
        .customers()
        .list("eu")
        .limit(2)
        .r#type(CustomersListType::Company)
        .send()
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        sent(&requests[0]),
        expect(
            "GET",
            "/customers",
            &[("limit", "2"), ("region", "eu"), ("type", "company")]
        )
    );
    assert!(requests[0].body.is_empty());
    assert_eq!(page.records.len(), 2);
    assert_eq!(page.records[0].id, "c1");
    assert_eq!(page.records[0].status, CustomerStatus::Active);
    assert_eq!(page.records[0].n2fa, Some(true));
    assert_eq!(page.records[0].email, None);
    // Values and fields the definition does not know survive.
    assert_eq!(
        page.records[1].status,
        CustomerStatus::Unknown("archived".into())
    );
    assert_eq!(page.records[1].extra["vendor_added"], json!({"x": 1}));
    // The fixture's meta extractor: `next` from `$.next_cursor`.
    assert_eq!(page.meta, Some(json!({"next": "p2"})));
    // Round trip keeps the original field names.
    let back = serde_json::to_value(&page.records[1]).unwrap();
    assert_eq!(back["status"], "archived");
    assert_eq!(back["2fa"], true);
}

#[tokio::test]
async fn paginate_follows_the_cursor_across_pages() {
    let (server, shop) = setup().await;
    let customers: Vec<_> = shop
        .customers()
        .list("us")
        .paginate()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = customers.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c1", "c2", "c3"]);
    assert_eq!(customers[2].status, CustomerStatus::Blocked);
    let requests = server.requests();
    let sent: Vec<_> = requests.iter().map(sent).collect();
    assert_eq!(
        sent,
        [
            expect("GET", "/customers", &[("region", "us")]),
            expect("GET", "/customers", &[("cursor", "p2"), ("region", "us")]),
        ]
    );
}

#[tokio::test]
async fn create_sends_required_and_optional_body_fields() {
    let (server, shop) = setup().await;
    let created = shop
        .customers()
        .create("a@shop.example")
        .tags(vec!["vip".into()])
        .send_welcome(false)
        .send()
        .await
        .unwrap();
    assert_eq!(created.id, "c3");
    assert_eq!(created.status, CustomerStatus::OnHold);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(sent(&requests[0]), expect("POST", "/customers", &[]));
    assert!(
        requests[0]
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("application/json")),
        "{:?}",
        requests[0].headers
    );
    assert_eq!(
        requests[0].json().unwrap(),
        json!({"email": "a@shop.example", "tags": ["vip"], "send-welcome": false})
    );
}

#[tokio::test]
async fn a_record_missing_a_required_field_is_a_decode_error() {
    let (server, shop) = setup().await;
    let err = shop.customers().get("c9").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("customers.get"), "{err}");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(sent(&requests[0]), expect("GET", "/customers/c9", &[]));
}

#[tokio::test]
async fn download_streams_bytes() {
    let (server, shop) = setup().await;
    let stream = shop.files().download("f1").send().await.unwrap();
    let chunks: Vec<_> = stream.try_collect().await.unwrap();
    assert_eq!(chunks.concat(), b"file-bytes");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(sent(&requests[0]), expect("GET", "/files/f1", &[]));
}

#[tokio::test]
async fn connector_exposes_its_definition_and_executor() {
    let (server, shop) = setup().await;
    assert_eq!(DemoShop::NAME, "demo-shop");
    assert_eq!(DemoShop::DEFINITION_VERSION, "2.1.0");
    // The check runs the list preferred for it, with its probe default.
    let check = shop.check().await.unwrap();
    assert!(check.healthy, "{check:?}");
    let shared = DemoShop::from_arc(Arc::clone(shop.executor()));
    let op = shared.customers().get("c1").into_config().unwrap();
    assert_eq!(op.params["id"], "c1");
    let fetched = shared.customers().get("c1").send().await.unwrap();
    assert_eq!(fetched.id, "c1");
    let sent: Vec<_> = server.requests().iter().map(sent).collect();
    assert_eq!(
        sent,
        [
            expect("GET", "/customers", &[("limit", "1"), ("region", "eu")]),
            expect("GET", "/customers/c1", &[]),
        ]
    );
}

#[tokio::test]
async fn typed_local_constructor_runs_the_embedded_definition() {
    let server = RecordingServer::start(respond).await;
    let shop = DemoShop::local_bearer_auth(API_KEY)
        .base_url(server.url())
        .build()
        .unwrap();
    let fetched = shop.customers().get("c1").send().await.unwrap();
    assert_eq!(fetched.id, "c1");
    let sent: Vec<_> = server.requests().iter().map(sent).collect();
    assert_eq!(sent, [expect("GET", "/customers/c1", &[])]);
    // The embedded definition is the fixture itself.
    let embedded = DemoShop::definition().unwrap();
    assert_eq!(embedded.name, DemoShop::NAME);
    assert_eq!(
        DemoShop::DEFINITION_YAML,
        std::fs::read_to_string(DEMO_SHOP_DEFINITION).unwrap()
    );
}

#[tokio::test]
async fn typed_local_without_credentials_fails_before_any_request() {
    let server = RecordingServer::start(respond).await;
    let err = DemoShop::local().base_url(server.url()).build().unwrap_err();
    assert!(err.to_string().contains("api_key"), "{err}");
    assert!(server.requests().is_empty());
}

/// A hosted stand-in whose connector pages `customers` like the vendor.
fn hosted_shop() -> impl Fn(&RecordedRequest) -> MockResponse + Send + Sync + 'static {
    FakeAirbyte::new("acme", DemoShop::DEFINITION_ID, "conn-42").responder(
        |entity, action, params| match (entity, action, params["cursor"].as_str()) {
            ("customers", "list", None) => Executed::ok(
                json!([customer("c1", "active"), customer("c2", "archived")]),
                Some(json!({"next": "p2"})),
            ),
            ("customers", "list", Some("p2")) => {
                Executed::ok(json!([customer("c3", "blocked")]), Some(json!({"next": null})))
            }
            _ => Executed::Error {
                status: 404,
                body: json!({"message": "unexpected operation"}),
            },
        },
    )
}

fn executed(requests: &[RecordedRequest]) -> Vec<Value> {
    requests
        .iter()
        .filter(|r| r.path.ends_with("/execute"))
        .map(|r| r.json().unwrap())
        .collect()
}

#[tokio::test]
async fn typed_hosted_connect_looks_up_the_connector_and_follows_pages() {
    let server = RecordingServer::start(hosted_shop()).await;
    let shop = DemoShop::connect()
        .client_id("client-1")
        .client_secret("secret-1")
        .workspace("acme")
        .api_url(server.url())
        .build()
        .await
        .unwrap();
    let customers: Vec<_> = shop
        .customers()
        .list("eu")
        .paginate()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = customers.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c1", "c2", "c3"]);
    assert_eq!(
        customers[1].status,
        CustomerStatus::Unknown("archived".into())
    );
    let requests = server.requests();
    // The lookup names the workspace and this definition.
    let lookup = requests
        .iter()
        .find(|r| r.method == "GET")
        .expect("connector lookup");
    assert_eq!(lookup.query_param("definition_id"), Some(DemoShop::DEFINITION_ID));
    // The next page carries the cursor the definition says takes it.
    assert_eq!(
        executed(&requests),
        [
            json!({"entity": "customers", "action": "list", "params": {"region": "eu"}}),
            json!({"entity": "customers", "action": "list", "params": {"region": "eu", "cursor": "p2"}}),
        ]
    );
}

#[tokio::test]
async fn typed_hosted_by_id_and_from_auth_config_skip_the_lookup() {
    let server = RecordingServer::start(hosted_shop()).await;
    let auth = AirbyteAuthConfig::new()
        .client_id("client-1")
        .client_secret("secret-1")
        .connector_id("conn-42")
        .api_url(server.url());
    let from_auth = DemoShop::from_auth_config(auth.clone()).unwrap();
    let resolved = auth.resolve().unwrap();
    let by_id = DemoShop::hosted_by_id(CloudClient::from_config(&resolved).unwrap(), "conn-42");
    let in_workspace =
        DemoShop::hosted_in_workspace(CloudClient::from_config(&resolved).unwrap(), "acme");
    for shop in [from_auth, by_id, in_workspace] {
        let page = shop.customers().list("us").send().await.unwrap();
        assert_eq!(page.records.len(), 2);
        assert_eq!(page.meta, Some(json!({"next": "p2"})));
    }
    let requests = server.requests();
    let lookups = requests.iter().filter(|r| r.method == "GET").count();
    assert_eq!(lookups, 1, "only hosted_in_workspace looks the connector up");
    assert_eq!(executed(&requests).len(), 3);
}
