//! Who may call what: tokens, expiry, revocation, organizations and
//! workspaces. Every refusal is checked on the wire (status and message),
//! and nothing of one organization is visible to another.

mod support;

use airbyte_agent_sdk::ErrorKind;
use airbyte_agent_sdk::cloud::CreateWorkflowRequest;
use chrono::Duration;
use serde_json::{Value, json};
use support::*;

async fn get(h: &Harness, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = h.http().get(format!("{}{path}", h.url()));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn calls_without_a_valid_token_are_refused() {
    let h = Harness::start().await;
    let (status, body) = get(&h, "/api/v1/workspaces", None).await;
    assert_eq!(status, 401);
    assert!(
        body["message"].as_str().unwrap().contains("Bearer"),
        "{body}"
    );

    let (status, body) = get(&h, "/api/v1/workspaces", Some("aat_made_up")).await;
    assert_eq!(status, 401);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("applications/token"),
        "{body}"
    );

    let resp = h
        .http()
        .get(format!("{}/api/v1/workspaces", h.url()))
        .header("authorization", "Basic dXNlcjpwdw==")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);

    // Wrong secret and unknown id get the same answer.
    for (id, secret) in [(h.app.client_id.as_str(), "wrong"), ("aci_nobody", "wrong")] {
        let resp = h
            .http()
            .post(format!("{}/api/v1/account/applications/token", h.url()))
            .json(&json!({"client_id": id, "client_secret": secret}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 401);
        let body: Value = resp.json().await.unwrap();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("invalid client credentials"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn tokens_expire() {
    let h = Harness::start().await;
    let resp: Value = h
        .http()
        .post(format!("{}/api/v1/account/applications/token", h.url()))
        .json(&json!({"client_id": h.app.client_id, "client_secret": secrecy::ExposeSecret::expose_secret(&h.app.client_secret)}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(resp["expires_in"], 900);
    assert_eq!(resp["token_type"], "Bearer");
    let token = resp["access_token"].as_str().unwrap().to_string();
    assert_eq!(get(&h, "/api/v1/workspaces", Some(&token)).await.0, 200);

    h.clock().advance(Duration::seconds(899));
    assert_eq!(get(&h, "/api/v1/workspaces", Some(&token)).await.0, 200);
    h.clock().advance(Duration::seconds(1));
    let (status, body) = get(&h, "/api/v1/workspaces", Some(&token)).await;
    assert_eq!(status, 401);
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );

    // Our client fetches a fresh token after the 401 and carries on.
    let ws = h.workspace("default");
    assert!(ws.list_connectors().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_revoked_application_loses_access_at_once() {
    let h = Harness::start().await;
    let token = h.token_for(&h.app).await;
    assert_eq!(get(&h, "/api/v1/workspaces", Some(&token)).await.0, 200);
    h.server()
        .database()
        .revoke_application(&h.app.client_id)
        .await
        .unwrap();

    let (status, body) = get(&h, "/api/v1/workspaces", Some(&token)).await;
    assert_eq!(status, 401, "{body}");
    let e = h.workspace("default").list_connectors().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
    assert!(e.to_string().contains("revoked"), "{e}");
    let apps = h.server().database().list_applications().await.unwrap();
    assert!(apps[0].revoked_at.is_some());
}

#[tokio::test]
async fn organizations_see_nothing_of_each_other() {
    let h = Harness::start().await;
    let mine = h.create_connector("acme", "mine").await;
    let wf = h
        .workspace("acme")
        .create_workflow("wf", None)
        .await
        .unwrap();
    let my_ws_id = wf.workspace_id.clone();

    let db = h.server().database();
    let other_app = db.create_application("intruder", None).await.unwrap();
    let other = h.client_for(&other_app);

    // Their own "acme" is empty (or does not exist); ours is invisible.
    assert!(other.list_connectors("acme").await.unwrap().is_empty());
    assert!(other.search_workspaces("acme").await.unwrap().is_empty());
    let names: Vec<String> = other
        .search_workspaces("")
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(names, ["default"]);

    // Addressing our resources by id: 404 for connectors, 403 for workspaces.
    let e = other
        .execute(
            &mine,
            &airbyte_agent_sdk::ExecutionConfig::new("customers", "list"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
    let e = other.delete_connector(&mine).await.unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
    let e = other.list_workflows(&my_ws_id).await.unwrap_err();
    assert_eq!(e.status(), Some(403), "{e}");
    assert!(e.to_string().contains("no access to workspace"), "{e}");
    let e = other.get_workflow(&wf.id, &my_ws_id).await.unwrap_err();
    assert_eq!(e.status(), Some(403), "{e}");
    let e = other
        .create_workflow(&CreateWorkflowRequest::new(my_ws_id.clone(), "sneaky"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(403), "{e}");
    // A workspace id that does not exist answers the same.
    let e = other
        .list_workflows("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(403), "{e}");
    // Their own workflow id under our workspace id: still 403.
    let their_ws = other.resolve_workspace_id("default").await.unwrap();
    let theirs = other
        .create_workflow(&CreateWorkflowRequest::new(their_ws.clone(), "t"))
        .await
        .unwrap();
    let e = other.get_workflow(&theirs.id, &my_ws_id).await.unwrap_err();
    assert_eq!(e.status(), Some(403), "{e}");
    // Our workflow id under their workspace id: not found there.
    let e = other.get_workflow(&wf.id, &their_ws).await.unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");

    // An application joining our organization sees our data.
    let colleague = db
        .create_application("colleague", Some(&h.app.organization_id))
        .await
        .unwrap();
    let listed = h
        .client_for(&colleague)
        .list_connectors("acme")
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, mine);
}

#[tokio::test]
async fn the_organization_header_must_match_the_application() {
    let h = Harness::start().await;
    let token = h.token_for(&h.app).await;
    let resp = h
        .http()
        .get(format!("{}/api/v1/workspaces", h.url()))
        .bearer_auth(&token)
        .header("X-Organization-Id", "someone-else")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let ok = h
        .http()
        .get(format!("{}/api/v1/workspaces", h.url()))
        .bearer_auth(&token)
        .header("X-Organization-Id", &h.app.organization_id)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);

    let client = airbyte_agent_sdk::cloud::CloudClient::builder()
        .client_id(h.app.client_id.clone())
        .client_secret(secrecy::ExposeSecret::expose_secret(&h.app.client_secret).to_string())
        .organization_id("someone-else")
        .api_url(h.url())
        .build()
        .unwrap();
    let e = client.bearer_token().await.unwrap_err();
    assert_eq!(e.status(), Some(403), "{e}");
}
