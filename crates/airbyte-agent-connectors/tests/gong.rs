//! Typed Gong calls against loopback servers: users list with cursor
//! pagination, get, and a call recording download (Gong has no create).
#![cfg(feature = "gong")]

mod support;

use airbyte_agent_connectors::Gong;
use airbyte_agent_connectors::gong::CallAudioDownloadFilter;
use airbyte_agent_testkit::{MockResponse, RecordedRequest};
use futures::TryStreamExt;
use serde_json::{Value, json};
use support::{req, sent};

const SCHEME: Option<&str> = Some("basicAuth");

fn user(id: &str) -> Value {
    json!({"id": id, "emailAddress": format!("{id}@example.com"), "firstName": "Sam", "active": true})
}

/// Gong's side: lists page with `cursor` from `records.cursor`; the audio
/// download reads the media URL from the extensive call data.
fn gong(req: &RecordedRequest) -> MockResponse {
    let origin = format!("http://{}", req.header("host").unwrap_or_default());
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/v2/users") => match req.query_param("cursor") {
            None => MockResponse::json(
                200,
                json!({"requestId": "r1", "users": [user("u1"), user("u2")],
                       "records": {"totalRecords": 3, "currentPageSize": 2, "currentPageNumber": 0, "cursor": "eyJwIjoxfQ"}}),
            ),
            Some("eyJwIjoxfQ") => MockResponse::json(
                200,
                json!({"requestId": "r2", "users": [user("u3")],
                       "records": {"totalRecords": 3, "currentPageSize": 1, "currentPageNumber": 1}}),
            ),
            Some(_) => MockResponse::json(400, json!({"errors": ["bad cursor"]})),
        },
        ("GET", "/v2/users/u1") => {
            MockResponse::json(200, json!({"requestId": "r3", "user": user("u1")}))
        }
        ("POST", "/v2/calls/extensive") => MockResponse::json(
            200,
            json!({"requestId": "r4", "calls": [{"metaData": {"id": "c1"},
                   "media": {"audioUrl": format!("{origin}/media/c1.mp3")}}]}),
        ),
        ("GET", "/media/c1.mp3") => MockResponse::text(200, "ID3 audio"),
        _ => MockResponse::json(404, json!({"errors": ["no such route"]})),
    }
}

#[tokio::test]
async fn users_list_paginates_by_cursor() {
    let t = support::local::<Gong>(SCHEME, gong).await;
    let users: Vec<_> = t
        .connector
        .users()
        .list()
        .paginate()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["u1", "u2", "u3"]);
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/v2/users", &[]),
            req("GET", "/v2/users", &[("cursor", "eyJwIjoxfQ")]),
        ]
    );
    // Basic auth with the access key and its secret.
    let expected = format!(
        "Basic {}",
        base64_of("access_key-test:access_key_secret-test")
    );
    for r in t.server.requests() {
        assert_eq!(r.header("authorization"), Some(expected.as_str()));
    }
}

#[tokio::test]
async fn user_get_and_call_audio_download() {
    let t = support::local::<Gong>(SCHEME, gong).await;
    let fetched = t.connector.users().get("u1").send().await.unwrap();
    assert_eq!(fetched.id, "u1");
    let filter = CallAudioDownloadFilter {
        call_ids: Some(vec!["c1".into()]),
        ..Default::default()
    };
    let bytes: Vec<_> = t
        .connector
        .call_audio()
        .download()
        .filter(filter)
        .send()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(bytes.concat(), b"ID3 audio");
    assert_eq!(
        sent(&t.server),
        [
            req("GET", "/v2/users/u1", &[]),
            req("POST", "/v2/calls/extensive", &[]),
            req("GET", "/media/c1.mp3", &[]),
        ]
    );
    let body = t.server.requests()[1].json().unwrap();
    assert_eq!(body["filter"]["callIds"], json!(["c1"]), "{body}");
}

/// Standard base64 (the header value is checked byte for byte).
fn base64_of(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
