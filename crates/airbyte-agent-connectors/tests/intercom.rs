//! Typed Intercom calls against loopback servers: contacts list with
//! `starting_after` pagination, get and create.
#![cfg(feature = "intercom")]

mod support;

use airbyte_agent_connectors::Intercom;
use airbyte_agent_testkit::{MockResponse, RecordedRequest};
use futures::TryStreamExt;
use serde_json::{Value, json};
use support::{req, sent};

fn contact(id: &str) -> Value {
    json!({"type": "contact", "id": id, "role": "user", "email": format!("{id}@example.com")})
}

/// Intercom's side: the next page's cursor is `pages.next.starting_after`.
fn intercom(req: &RecordedRequest) -> MockResponse {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/contacts") => match req.query_param("starting_after") {
            None => MockResponse::json(
                200,
                json!({"type": "list", "data": [contact("a1"), contact("a2")], "total_count": 3,
                       "pages": {"type": "pages", "page": 1, "per_page": 2, "total_pages": 2,
                                 "next": {"page": 2, "starting_after": "WzE3MF0="}}}),
            ),
            Some("WzE3MF0=") => MockResponse::json(
                200,
                json!({"type": "list", "data": [contact("a3")], "total_count": 3,
                       "pages": {"type": "pages", "page": 2, "per_page": 2, "total_pages": 2}}),
            ),
            Some(_) => MockResponse::json(400, json!({"type": "error.list"})),
        },
        ("GET", "/contacts/a1") => MockResponse::json(200, contact("a1")),
        ("POST", "/contacts") => MockResponse::json(200, contact("a9")),
        _ => MockResponse::json(404, json!({"type": "error.list"})),
    }
}

#[tokio::test]
async fn contacts_list_paginates_by_starting_after() {
    let t = support::local::<Intercom>(None, intercom).await;
    let contacts: Vec<_> = t
        .connector
        .contacts()
        .list()
        .per_page(2)
        .paginate()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<Option<&str>> = contacts.iter().map(|c| c.id.as_deref()).collect();
    assert_eq!(ids, [Some("a1"), Some("a2"), Some("a3")]);
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/contacts", &[("per_page", "2")]),
            req(
                "GET",
                "/contacts",
                &[("per_page", "2"), ("starting_after", "WzE3MF0=")]
            ),
        ]
    );
    for r in t.server.requests() {
        assert_eq!(r.header("authorization"), Some("Bearer access_token-test"));
    }
}

#[tokio::test]
async fn contacts_get_and_create() {
    let t = support::local::<Intercom>(None, intercom).await;
    let fetched = t.connector.contacts().get("a1").send().await.unwrap();
    assert_eq!(fetched.email.as_deref(), Some("a1@example.com"));
    let created = t
        .connector
        .contacts()
        .create("lead")
        .email("new@example.com")
        .name("New Lead")
        .send()
        .await
        .unwrap();
    assert_eq!(created.id.as_deref(), Some("a9"));
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/contacts/a1", &[]),
            req("POST", "/contacts", &[])
        ]
    );
    assert_eq!(
        t.server.requests()[1].json().unwrap(),
        json!({"role": "lead", "email": "new@example.com", "name": "New Lead"})
    );
}
