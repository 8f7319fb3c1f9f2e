//! Shared helpers of the hosted-mode integration tests.
#![allow(dead_code)]

use airbyte_agent_sdk::cloud::CloudClient;
use airbyte_agent_sdk::{Workspace, config::AirbyteAuthConfig};
use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "client-id-SENSITIVE";
pub const CLIENT_SECRET: &str = "client-secret-SENSITIVE";
pub const TOKEN: &str = "token-SENSITIVE-1";
pub const TOKEN_PATH: &str = "/api/v1/account/applications/token";

/// Answers the token endpoint with [`TOKEN`], everything else with `api`.
pub async fn server<F>(api: F) -> RecordingServer
where
    F: Fn(&RecordedRequest) -> MockResponse + Send + Sync + 'static,
{
    RecordingServer::start(move |r: &RecordedRequest| {
        if r.path == TOKEN_PATH {
            MockResponse::json(200, json!({"access_token": TOKEN}))
        } else {
            api(r)
        }
    })
    .await
}

/// Explicit settings pointing at `server`.
pub fn auth(server: &RecordingServer, org: Option<&str>) -> AirbyteAuthConfig {
    let mut a = AirbyteAuthConfig::new()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .api_url(server.url());
    if let Some(o) = org {
        a = a.organization_id(o);
    }
    a
}

pub fn client(server: &RecordingServer, org: Option<&str>) -> CloudClient {
    CloudClient::builder()
        .auth_config(auth(server, org))
        .build()
        .expect("client")
}

pub fn workspace(server: &RecordingServer, name: &str, org: Option<&str>) -> Workspace {
    Workspace::builder()
        .auth_config(auth(server, org).workspace_name(name))
        .build()
        .expect("workspace")
}

/// The requests other than token requests.
pub fn api_requests(server: &RecordingServer) -> Vec<RecordedRequest> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path != TOKEN_PATH)
        .collect()
}

/// Asserts method, path, sorted query, auth headers and JSON body.
#[track_caller]
pub fn assert_request(
    r: &RecordedRequest,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    org: Option<&str>,
    body: Option<Value>,
) {
    assert_eq!(r.method, method, "method of {path}");
    assert_eq!(r.path, path);
    let mut want: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    want.sort();
    assert_eq!(r.sorted_query(), want, "query of {method} {path}");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str()),
        "auth of {method} {path}"
    );
    assert_eq!(r.header("x-organization-id"), org, "org of {method} {path}");
    match body {
        Some(b) => {
            assert_eq!(r.header("content-type"), Some("application/json"));
            assert_eq!(r.json(), Some(b), "body of {method} {path}");
        }
        None => assert!(r.body.is_empty(), "{method} {path} has a body"),
    }
}
