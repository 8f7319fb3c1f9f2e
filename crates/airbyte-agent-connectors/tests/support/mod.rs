//! Running any typed connector against loopback servers.
//!
//! - [`local`]: a vendor stand-in on 127.0.0.1 answering with a closure, and
//!   the connector in local mode pointed at it: the definition's server path
//!   kept (`/api/v2/…` stays in the paths), test credentials for every
//!   required field of the chosen auth scheme ([`credential`]).
//! - [`hosted`]: a stand-in for the Airbyte API (token, lookup by this
//!   definition id, execute) whose connector answers with a closure, and the
//!   connector connected through it with `typed::connect::<C>()`.
//! - [`sent`] / [`req`]: what reached the server, compactly, for asserts.
//!
//! A test for a new connector needs only a responder and its asserts; see
//! `tests/stripe.rs`.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use airbyte_agent_sdk::typed::{self, TypedConnector};
use airbyte_agent_testkit::hosted::{Executed, FakeAirbyte};
use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use serde_json::Value;

/// A running loopback server and the connector talking to it.
pub struct Loopback<C> {
    /// The server (vendor or Airbyte stand-in); it records every request.
    pub server: RecordingServer,
    /// The connector under test.
    pub connector: C,
}

/// The test value of a credential field.
pub fn credential(field: &str) -> String {
    format!("{field}-test")
}

/// `scheme`'s required credential fields (`None`: the first scheme) with
/// [`credential`] values.
pub fn credentials<C: TypedConnector>(scheme: Option<&str>) -> Vec<(String, String)> {
    let def = C::definition().expect("embedded definition loads");
    let option = match scheme {
        Some(name) => def
            .auth_options
            .iter()
            .find(|o| o.scheme_name == name)
            .unwrap_or_else(|| panic!("{} has no auth scheme {name}", C::NAME)),
        None => def.auth_options.first().expect("an auth option"),
    };
    option
        .user_config
        .required
        .iter()
        .map(|f| (f.clone(), credential(f)))
        .collect()
}

/// The path part of the definition's server URL, variables at their
/// defaults (`https://{subdomain}.zendesk.com/api/v2` → `/api/v2`).
pub fn server_path<C: TypedConnector>() -> String {
    let def = C::definition().expect("embedded definition loads");
    let server = def.servers.first().expect("a server");
    let rest = server
        .url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(&server.url);
    let mut path = rest.find('/').map(|i| &rest[i..]).unwrap_or("").to_string();
    for (name, var) in &server.variables {
        path = path.replace(&format!("{{{name}}}"), &var.default);
    }
    path.trim_end_matches('/').to_string()
}

/// Starts a vendor stand-in answering with `respond`, and `C` in local mode
/// against it with test credentials of auth scheme `scheme` (`None`: the
/// first).
pub async fn local<C: TypedConnector>(
    scheme: Option<&str>,
    respond: impl Fn(&RecordedRequest) -> MockResponse + Send + Sync + 'static,
) -> Loopback<C> {
    let server = RecordingServer::start(respond).await;
    let mut builder =
        typed::local::<C>().base_url(format!("{}{}", server.url(), server_path::<C>()));
    if let Some(name) = scheme {
        builder = builder.auth_scheme(name);
    }
    for (field, value) in credentials::<C>(scheme) {
        builder = builder.auth(field, value);
    }
    let connector = builder.build().expect("local connector builds");
    Loopback { server, connector }
}

/// Starts a stand-in Airbyte API whose connector (of `C`'s definition, in
/// workspace `acme`) answers `execute(entity, action, params)`, and `C`
/// connected through it.
pub async fn hosted<C: TypedConnector>(
    execute: impl Fn(&str, &str, &Value) -> Executed + Send + Sync + 'static,
) -> Loopback<C> {
    let api = FakeAirbyte::new("acme", C::DEFINITION_ID, "connector-1");
    let server = RecordingServer::start(api.responder(execute)).await;
    let connector = typed::connect::<C>()
        .client_id("client-test")
        .client_secret("secret-test")
        .workspace("acme")
        .api_url(server.url())
        .build()
        .await
        .expect("hosted connector builds");
    Loopback { server, connector }
}

/// A request as asserted: method, path, sorted query.
pub type Sent = (String, String, Vec<(String, String)>);

/// The method, path and sorted query of every request the server saw.
pub fn sent(server: &RecordingServer) -> Vec<Sent> {
    server
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.path.clone(), r.sorted_query()))
        .collect()
}

/// An expected request (query pairs in any order).
pub fn req(method: &str, path: &str, query: &[(&str, &str)]) -> Sent {
    let mut query: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    query.sort();
    (method.to_string(), path.to_string(), query)
}

/// The JSON bodies of the hosted `execute` calls, in order.
pub fn executed(server: &RecordingServer) -> Vec<Value> {
    server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/execute"))
        .map(|r| r.json().expect("execute body is JSON"))
        .collect()
}
