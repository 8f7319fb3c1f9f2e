//! Typed Zendesk Support calls against loopback servers: tickets list
//! following `next_page` links, get, create, and an attachment download
//! saved to a file.
#![cfg(feature = "zendesk-support")]

mod support;

use airbyte_agent_connectors::ZendeskSupport;
use airbyte_agent_connectors::zendesk_support::TicketsCreateTicket;
use airbyte_agent_testkit::{MockResponse, RecordedRequest};
use futures::TryStreamExt;
use serde_json::{Value, json};
use support::{req, sent};

fn ticket(id: i64) -> Value {
    json!({"id": id, "subject": format!("Ticket {id}"), "status": "open", "tags": ["vip"]})
}

fn origin(req: &RecordedRequest) -> String {
    format!("http://{}", req.header("host").unwrap_or_default())
}

/// Zendesk's side: lists give the next page as a full URL in `next_page`.
fn zendesk(req: &RecordedRequest) -> MockResponse {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/api/v2/tickets.json") => match req.query_param("page") {
            None => MockResponse::json(
                200,
                json!({"tickets": [ticket(1), ticket(2)], "count": 3,
                       "next_page": format!("{}/api/v2/tickets.json?page=2", origin(req)),
                       "previous_page": null}),
            ),
            Some("2") => MockResponse::json(
                200,
                json!({"tickets": [ticket(3)], "count": 3, "next_page": null}),
            ),
            Some(_) => MockResponse::json(400, json!({"error": "bad page"})),
        },
        ("GET", "/api/v2/tickets/1.json") => MockResponse::json(200, json!({"ticket": ticket(1)})),
        ("POST", "/api/v2/tickets.json") => MockResponse::json(201, json!({"ticket": ticket(9)})),
        ("GET", "/api/v2/attachments/7.json") => MockResponse::json(
            200,
            json!({"attachment": {"id": 7, "file_name": "report.txt",
                   "content_url": format!("{}/files/report.txt", origin(req))}}),
        ),
        ("GET", "/files/report.txt") => MockResponse::text(200, "attachment bytes\n"),
        _ => MockResponse::json(404, json!({"error": "no such route"})),
    }
}

#[tokio::test]
async fn tickets_list_follows_next_page_links() {
    let t = support::local::<ZendeskSupport>(None, zendesk).await;
    let tickets: Vec<_> = t
        .connector
        .tickets()
        .list()
        .paginate()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<Option<i64>> = tickets.iter().map(|t| t.id).collect();
    assert_eq!(ids, [Some(1), Some(2), Some(3)]);
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/api/v2/tickets.json", &[]),
            req("GET", "/api/v2/tickets.json", &[("page", "2")]),
        ]
    );
    for r in t.server.requests() {
        assert_eq!(r.header("authorization"), Some("Bearer access_token-test"));
    }
}

#[tokio::test]
async fn tickets_get_and_create() {
    let t = support::local::<ZendeskSupport>(None, zendesk).await;
    let fetched = t.connector.tickets().get(1).send().await.unwrap();
    assert_eq!(fetched.subject.as_deref(), Some("Ticket 1"));
    let new = TicketsCreateTicket {
        subject: "Printer on fire".into(),
        description: Some("Smoke everywhere".into()),
        ..Default::default()
    };
    let created = t.connector.tickets().create(new).send().await.unwrap();
    assert_eq!(created.id, Some(9));
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/api/v2/tickets/1.json", &[]),
            req("POST", "/api/v2/tickets.json", &[]),
        ]
    );
    assert_eq!(
        t.server.requests()[1].json().unwrap(),
        json!({"ticket": {"subject": "Printer on fire", "description": "Smoke everywhere"}})
    );
}

#[tokio::test]
async fn attachment_download_saves_the_file_bytes() {
    let t = support::local::<ZendeskSupport>(Some("zendeskAPIToken"), zendesk).await;
    let stream = t.connector.attachments().download(7).send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = airbyte_agent_sdk::save_download(stream, dir.path().join("report.txt"), false)
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(path).unwrap(), "attachment bytes\n");
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/api/v2/attachments/7.json", &[]),
            req("GET", "/files/report.txt", &[]),
        ]
    );
    // API token auth: basic, `email/token` as the user name.
    let basic = t.server.requests()[0]
        .header("authorization")
        .unwrap()
        .to_string();
    assert!(basic.starts_with("Basic "), "{basic}");
}
