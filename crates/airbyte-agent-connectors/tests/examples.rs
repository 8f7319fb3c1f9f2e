//! The examples' typed calls, run against loopback servers: each example
//! file is compiled here as a module and its work function called with a
//! connector pointed at a stand-in (the examples' `main` only reads the
//! environment and builds the same connector against the real service).
#![cfg(all(feature = "stripe", feature = "zendesk-support"))]

mod support;

#[allow(dead_code)]
#[path = "../examples/hosted_call.rs"]
mod hosted_call;

#[allow(dead_code)]
#[path = "../examples/local_pagination.rs"]
mod local_pagination;

#[allow(dead_code)]
#[path = "../examples/download_attachment.rs"]
mod download_attachment;

use airbyte_agent_connectors::{Stripe, ZendeskSupport};
use airbyte_agent_testkit::hosted::Executed;
use airbyte_agent_testkit::{MockResponse, RecordedRequest};
use serde_json::json;
use support::{req, sent};

#[tokio::test]
async fn hosted_call_lists_customers_through_airbyte() {
    let t = support::hosted::<Stripe>(|entity, action, params| {
        assert_eq!((entity, action), ("customers", "list"));
        assert_eq!(params["limit"], 5);
        Executed::ok(
            json!([{"id": "cus_1", "email": "a@example.com"}, {"id": "cus_2"}]),
            Some(json!({"has_more": false})),
        )
    })
    .await;
    let lines = hosted_call::recent_customers(&t.connector, 5)
        .await
        .unwrap();
    assert_eq!(lines, ["cus_1 a@example.com", "cus_2 -"]);
    assert_eq!(support::executed(&t.server).len(), 1);
}

fn stripe_pages(req: &RecordedRequest) -> MockResponse {
    // 60 customers, 25 per page, paged by the last id.
    let start = match req.query_param("starting_after") {
        None => 0,
        Some(id) => id.trim_start_matches("cus_").parse::<usize>().unwrap() + 1,
    };
    let end = (start + 25).min(60);
    let data: Vec<_> = (start..end)
        .map(|i| json!({"id": format!("cus_{i}"), "email": format!("c{i}@example.com")}))
        .collect();
    MockResponse::json(200, json!({"data": data, "has_more": end < 60}))
}

#[tokio::test]
async fn local_pagination_walks_pages_and_stops_at_max() {
    let t = support::local::<Stripe>(None, stripe_pages).await;
    let all = local_pagination::customer_emails(&t.connector, 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 60);
    assert_eq!(all[59], "cus_59 c59@example.com");
    assert_eq!(t.server.requests().len(), 3);

    let t = support::local::<Stripe>(None, stripe_pages).await;
    let some = local_pagination::customer_emails(&t.connector, 30)
        .await
        .unwrap();
    assert_eq!(some.len(), 30);
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/v1/customers", &[("limit", "25")]),
            req(
                "GET",
                "/v1/customers",
                &[("limit", "25"), ("starting_after", "cus_24")]
            ),
        ],
        "stops fetching once it has enough"
    );
}

#[tokio::test]
async fn download_attachment_saves_under_the_attachment_name() {
    let t = support::local::<ZendeskSupport>(Some("zendeskAPIToken"), |req| {
        let origin = format!("http://{}", req.header("host").unwrap_or_default());
        match req.path.as_str() {
            "/api/v2/attachments/42.json" => MockResponse::json(
                200,
                json!({"attachment": {"id": 42, "file_name": "invoice.pdf",
                       "content_url": format!("{origin}/blobs/42")}}),
            ),
            "/blobs/42" => MockResponse::text(200, "%PDF-1.7 ..."),
            _ => MockResponse::json(404, json!({"error": "RecordNotFound"})),
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let saved = download_attachment::save_attachment(&t.connector, 42, dir.path())
        .await
        .unwrap();
    assert_eq!(saved, dir.path().join("invoice.pdf"));
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), "%PDF-1.7 ...");
    // Never overwrites: a second save of the same name fails.
    let again = download_attachment::save_attachment(&t.connector, 42, dir.path()).await;
    assert!(again.is_err());
}
