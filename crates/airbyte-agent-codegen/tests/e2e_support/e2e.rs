//! Runs inside the throwaway crate built by `generated_module_runs.rs`: the
//! generated `demo_shop` module driven through the real `LocalExecutor`,
//! built from the same definition and pointed at a loopback recording server
//! that answers like the vendor's API would.

use std::sync::Arc;

use airbyte_agent_sdk::ErrorKind;
use airbyte_agent_sdk::definition;
use airbyte_agent_sdk::executor::local::LocalExecutor;
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
