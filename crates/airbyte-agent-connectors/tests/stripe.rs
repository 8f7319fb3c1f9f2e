//! Typed Stripe calls against loopback servers: list with pagination, get
//! and create in local mode, the generated credential constructor, and
//! pagination in hosted mode.
#![cfg(feature = "stripe")]

mod support;

use airbyte_agent_connectors::Stripe;
use airbyte_agent_testkit::hosted::Executed;
use airbyte_agent_testkit::{MockResponse, RecordedRequest};
use futures::TryStreamExt;
use serde_json::{Value, json};
use support::{req, sent};

fn customer(id: &str) -> Value {
    json!({"id": id, "object": "customer", "email": format!("{id}@example.com"),
           "created": 1_700_000_000, "livemode": false, "not_in_the_definition": {"x": 1}})
}

/// Stripe's side: lists page by `starting_after` (the last id) while
/// `has_more` is true.
fn stripe(req: &RecordedRequest) -> MockResponse {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/v1/customers") => match req.query_param("starting_after") {
            None => MockResponse::json(
                200,
                json!({"object": "list", "data": [customer("cus_1"), customer("cus_2")], "has_more": true}),
            ),
            Some("cus_2") => MockResponse::json(
                200,
                json!({"object": "list", "data": [customer("cus_3")], "has_more": false}),
            ),
            Some(_) => MockResponse::json(400, json!({"error": {"message": "bad cursor"}})),
        },
        ("GET", "/v1/customers/cus_1") => MockResponse::json(200, customer("cus_1")),
        ("POST", "/v1/customers") => MockResponse::json(200, customer("cus_new")),
        _ => MockResponse::json(404, json!({"error": {"message": "no such route"}})),
    }
}

#[tokio::test]
async fn customers_list_paginates_by_last_id() {
    let t = support::local::<Stripe>(None, stripe).await;
    let customers: Vec<_> = t
        .connector
        .customers()
        .list()
        .limit(2)
        .paginate()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = customers.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["cus_1", "cus_2", "cus_3"]);
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/v1/customers", &[("limit", "2")]),
            req(
                "GET",
                "/v1/customers",
                &[("limit", "2"), ("starting_after", "cus_2")]
            ),
        ]
    );
    for r in t.server.requests() {
        assert_eq!(r.header("authorization"), Some("Bearer api_key-test"));
    }
}

#[tokio::test]
async fn customers_list_page_keeps_meta_and_unknown_fields() {
    let t = support::local::<Stripe>(None, stripe).await;
    let page = t.connector.customers().list().send().await.unwrap();
    assert_eq!(page.records.len(), 2);
    assert_eq!(page.meta, Some(json!({"has_more": true})));
    let first = &page.records[0];
    assert_eq!(first.email.as_deref(), Some("cus_1@example.com"));
    assert_eq!(first.created, Some(1_700_000_000));
    assert_eq!(first.extra["not_in_the_definition"], json!({"x": 1}));
}

#[tokio::test]
async fn customers_get_and_create() {
    let t = support::local::<Stripe>(None, stripe).await;
    let fetched = t.connector.customers().get("cus_1").send().await.unwrap();
    assert_eq!(fetched.id, "cus_1");
    let created = t
        .connector
        .customers()
        .create()
        .email("ann@example.com")
        .name("Ann Lee")
        .send()
        .await
        .unwrap();
    assert_eq!(created.id, "cus_new");
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/v1/customers/cus_1", &[]),
            req("POST", "/v1/customers", &[]),
        ]
    );
    let post = &t.server.requests()[1];
    assert!(
        post.header("content-type")
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded")),
        "{:?}",
        post.headers
    );
    assert_eq!(post.text(), "email=ann%40example.com&name=Ann+Lee");
}

#[tokio::test]
async fn the_generated_credential_constructor_authenticates() {
    let server = airbyte_agent_testkit::RecordingServer::start(stripe).await;
    let stripe = Stripe::local_bearer_auth("sk_test_123")
        .base_url(server.url())
        .build()
        .unwrap();
    stripe.customers().get("cus_1").send().await.unwrap();
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer sk_test_123")
    );
}

#[tokio::test]
async fn hosted_list_follows_pages_from_the_definition() {
    let t = support::hosted::<Stripe>(|entity, action, params| {
        match (entity, action, params["starting_after"].as_str()) {
            ("customers", "list", None) => Executed::ok(
                json!([customer("cus_1"), customer("cus_2")]),
                Some(json!({"has_more": true})),
            ),
            ("customers", "list", Some("cus_2")) => {
                Executed::ok(json!([customer("cus_3")]), Some(json!({"has_more": false})))
            }
            _ => Executed::Error {
                status: 400,
                body: json!({"message": "unexpected"}),
            },
        }
    })
    .await;
    let ids: Vec<String> = t
        .connector
        .customers()
        .list()
        .limit(2)
        .paginate()
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["cus_1", "cus_2", "cus_3"]);
    assert_eq!(
        support::executed(&t.server),
        [
            json!({"entity": "customers", "action": "list", "params": {"limit": 2}}),
            json!({"entity": "customers", "action": "list", "params": {"limit": 2, "starting_after": "cus_2"}}),
        ]
    );
}

#[test]
fn records_box_their_nested_objects() {
    use airbyte_agent_connectors::stripe::Customer;
    // Each decoded record is moved into its page; with its optional
    // sub-objects inline a customer took 2.5 KB whatever it held.
    let size = std::mem::size_of::<Customer>();
    assert!(size < 1024, "a Customer takes {size} bytes");
    let c: Customer = serde_json::from_value(json!({
        "id": "cus_1",
        "address": {"city": "Paris", "country": "FR"},
    }))
    .unwrap();
    let address = c.address.as_deref().expect("address");
    assert_eq!(
        (address.city.as_deref(), address.country.as_deref()),
        (Some("Paris"), Some("FR"))
    );
    assert_eq!(
        serde_json::to_value(&c).unwrap()["address"],
        json!({"city": "Paris", "country": "FR"})
    );
}
