//! Typed Slack calls against loopback servers: channels list with cursor
//! pagination, get, and posting a message.
#![cfg(feature = "slack")]

mod support;

use airbyte_agent_connectors::Slack;
use airbyte_agent_testkit::{MockResponse, RecordedRequest};
use futures::TryStreamExt;
use serde_json::{Value, json};
use support::{req, sent};

fn channel(id: &str) -> Value {
    json!({"id": id, "name": format!("chan-{id}"), "is_channel": true, "num_members": 4})
}

/// Slack's side: lists page with `cursor` from `response_metadata.next_cursor`.
fn slack(req: &RecordedRequest) -> MockResponse {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/api/conversations.list") => match req.query_param("cursor") {
            None => MockResponse::json(
                200,
                json!({"ok": true, "channels": [channel("C1"), channel("C2")],
                       "response_metadata": {"next_cursor": "dGVhbTpD"}}),
            ),
            Some("dGVhbTpD") => MockResponse::json(
                200,
                json!({"ok": true, "channels": [channel("C3")], "response_metadata": {"next_cursor": ""}}),
            ),
            Some(_) => MockResponse::json(200, json!({"ok": false, "error": "invalid_cursor"})),
        },
        ("GET", "/api/conversations.info") => {
            MockResponse::json(200, json!({"ok": true, "channel": channel("C1")}))
        }
        ("POST", "/api/chat.postMessage") => MockResponse::json(
            200,
            json!({"ok": true, "channel": "C1", "ts": "1712345678.000100",
                   "message": {"type": "message", "text": "deploy done", "ts": "1712345678.000100"}}),
        ),
        _ => MockResponse::json(404, json!({"ok": false, "error": "unknown_method"})),
    }
}

#[tokio::test]
async fn channels_list_paginates_by_cursor() {
    let t = support::local::<Slack>(None, slack).await;
    let channels: Vec<_> = t
        .connector
        .channels()
        .list()
        .limit(2)
        .paginate()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = channels.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["C1", "C2", "C3"]);
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/api/conversations.list", &[("limit", "2")]),
            req(
                "GET",
                "/api/conversations.list",
                &[("cursor", "dGVhbTpD"), ("limit", "2")]
            ),
        ]
    );
    for r in t.server.requests() {
        assert_eq!(r.header("authorization"), Some("Bearer bot_key-test"));
    }
}

#[tokio::test]
async fn channel_get_and_message_create() {
    let t = support::local::<Slack>(None, slack).await;
    let fetched = t.connector.channels().get("C1").send().await.unwrap();
    assert_eq!(fetched.name.as_deref(), Some("chan-C1"));
    let posted = t
        .connector
        .messages()
        .create("C1", "deploy done")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.text.as_deref(), Some("deploy done"));
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/api/conversations.info", &[("channel", "C1")]),
            req("POST", "/api/chat.postMessage", &[]),
        ]
    );
    assert_eq!(
        t.server.requests()[1].json().unwrap(),
        json!({"channel": "C1", "text": "deploy done"})
    );
}
