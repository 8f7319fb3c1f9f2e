//! Typed HubSpot calls against loopback servers: contacts list with
//! pagination, get and create, with a private-app token.
#![cfg(feature = "hubspot")]

mod support;

use airbyte_agent_connectors::Hubspot;
use airbyte_agent_connectors::hubspot::ContactsCreateProperties;
use airbyte_agent_testkit::{MockResponse, RecordedRequest};
use futures::TryStreamExt;
use serde_json::{Value, json};
use support::{req, sent};

const SCHEME: Option<&str> = Some("hubspotPrivateApp");

fn contact(id: &str) -> Value {
    json!({"id": id, "properties": {"email": format!("{id}@example.com"), "firstname": "Kim"},
           "createdAt": "2024-01-02T03:04:05Z", "archived": false})
}

/// HubSpot's side: lists page by `after`, named in `paging.next`.
fn hubspot(req: &RecordedRequest) -> MockResponse {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/crm/v3/objects/contacts") => match req.query_param("after") {
            None => MockResponse::json(
                200,
                json!({"results": [contact("1"), contact("2")], "paging": {"next": {"after": "2"}}}),
            ),
            Some("2") => MockResponse::json(200, json!({"results": [contact("3")]})),
            Some(_) => MockResponse::json(400, json!({"message": "bad cursor"})),
        },
        ("GET", "/crm/v3/objects/contacts/1") => MockResponse::json(200, contact("1")),
        ("POST", "/crm/v3/objects/contacts") => {
            let mut created = contact("9");
            created["properties"] = req.json().unwrap()["properties"].clone();
            MockResponse::json(201, created)
        }
        _ => MockResponse::json(404, json!({"message": "no such route"})),
    }
}

#[tokio::test]
async fn contacts_list_paginates_by_after() {
    let t = support::local::<Hubspot>(SCHEME, hubspot).await;
    let contacts: Vec<_> = t
        .connector
        .contacts()
        .list()
        .limit(2)
        .paginate()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<Option<&str>> = contacts.iter().map(|c| c.id.as_deref()).collect();
    assert_eq!(ids, [Some("1"), Some("2"), Some("3")]);
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/crm/v3/objects/contacts", &[("limit", "2")]),
            req(
                "GET",
                "/crm/v3/objects/contacts",
                &[("after", "2"), ("limit", "2")]
            ),
        ]
    );
    for r in t.server.requests() {
        assert_eq!(
            r.header("authorization"),
            Some("Bearer private_app_token-test")
        );
    }
}

#[tokio::test]
async fn contacts_get_and_create() {
    let t = support::local::<Hubspot>(SCHEME, hubspot).await;
    let fetched = t.connector.contacts().get("1").send().await.unwrap();
    assert_eq!(fetched.id.as_deref(), Some("1"));
    let properties = ContactsCreateProperties {
        email: "kim@example.com".into(),
        firstname: Some("Kim".into()),
        ..Default::default()
    };
    let created = t
        .connector
        .contacts()
        .create(properties)
        .send()
        .await
        .unwrap();
    assert_eq!(created.id.as_deref(), Some("9"));
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/crm/v3/objects/contacts/1", &[]),
            req("POST", "/crm/v3/objects/contacts", &[]),
        ]
    );
    assert_eq!(
        t.server.requests()[1].json().unwrap(),
        json!({"properties": {"email": "kim@example.com", "firstname": "Kim"}})
    );
}
