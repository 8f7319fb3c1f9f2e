//! Credential resolution through the real process environment and the
//! process-wide `configure(..)`. Both are global, so this binary has a
//! single test that walks through every case in order.

mod hosted_common;

use airbyte_agent_sdk::config::{self, AirbyteAuthConfig};
use airbyte_agent_sdk::{ErrorKind, Workspace};
use airbyte_agent_testkit::MockResponse;
use hosted_common::*;
use serde_json::json;

fn set(name: &str, value: &str) {
    // SAFETY: this binary runs one test, and nothing else reads or writes
    // the environment concurrently.
    unsafe { std::env::set_var(name, value) }
}

fn unset(name: &str) {
    // SAFETY: as in `set`.
    unsafe { std::env::remove_var(name) }
}

#[tokio::test]
async fn environment_and_configure_precedence() {
    for v in [
        "AIRBYTE_CLIENT_ID",
        "AIRBYTE_CLIENT_SECRET",
        "AIRBYTE_ORGANIZATION_ID",
        "AIRBYTE_API_URL",
        "SDK_DEV_ADP_API_HOST",
    ] {
        unset(v);
    }
    config::reset_configuration();

    // Nothing anywhere: a typed error naming both variables.
    let err = Workspace::builder().build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingCredentials);
    assert!(err.to_string().contains("AIRBYTE_CLIENT_ID"));
    assert!(err.to_string().contains("AIRBYTE_CLIENT_SECRET"));

    let srv = server(|_| MockResponse::json(200, json!({"data": []}))).await;

    // Environment only (the reference's dev host variable sets the URL).
    set("AIRBYTE_CLIENT_ID", "env-id");
    set("AIRBYTE_CLIENT_SECRET", "env-secret");
    set("AIRBYTE_ORGANIZATION_ID", "env-org");
    set("SDK_DEV_ADP_API_HOST", &format!("{}/", srv.url()));
    let ws = Workspace::builder().build().unwrap();
    assert_eq!(ws.name(), "default");
    ws.list_connectors().await.unwrap();
    let token_req = srv.take_requests().remove(0);
    assert_eq!(
        token_req.json(),
        Some(json!({"client_id": "env-id", "client_secret": "env-secret"}))
    );
    assert_eq!(token_req.header("x-organization-id"), Some("env-org"));

    // AIRBYTE_API_URL wins over the dev host variable.
    set("SDK_DEV_ADP_API_HOST", "http://127.0.0.1:9");
    set("AIRBYTE_API_URL", &srv.url());
    Workspace::builder()
        .build()
        .unwrap()
        .list_connectors()
        .await
        .unwrap();

    // configure(..) wins over the environment; explicit values win over both.
    config::configure(
        AirbyteAuthConfig::new()
            .client_id("cfg-id")
            .client_secret("cfg-secret")
            .workspace_name("cfg-ws"),
    );
    srv.take_requests();
    let ws = Workspace::builder()
        .client_secret("explicit-secret")
        .build()
        .unwrap();
    assert_eq!(ws.name(), "cfg-ws");
    ws.list_connectors().await.unwrap();
    let reqs = srv.take_requests();
    assert_eq!(
        reqs[0].json(),
        Some(json!({"client_id": "cfg-id", "client_secret": "explicit-secret"}))
    );
    assert_eq!(reqs[0].header("x-organization-id"), Some("env-org"));
    assert_eq!(reqs[1].query_param("customer_name"), Some("cfg-ws"));

    // connect() resolves the same way.
    let exec = airbyte_agent_sdk::connect("stripe")
        .build_hosted()
        .await
        .unwrap();
    assert_eq!(exec.connector_id(), None);
    assert_eq!(exec.client().api_url(), srv.url());

    config::reset_configuration();
    unset("AIRBYTE_CLIENT_SECRET");
    let err = airbyte_agent_sdk::connect("stripe")
        .build()
        .await
        .unwrap_err();
    match err {
        airbyte_agent_sdk::Error::MissingCredentials { missing } => {
            assert_eq!(missing, vec!["client_secret"])
        }
        other => panic!("unexpected {other:?}"),
    }
}
