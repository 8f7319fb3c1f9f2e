//! Every security scheme of every upstream definition (0.1.380) becomes a
//! working authenticator, and puts on the wire exactly the auth headers the
//! reference SDK produces for the same synthetic credentials — token
//! requests included, for schemes that must first obtain a token.

use std::collections::BTreeMap;
use std::process::Command;

use airbyte_agent_sdk::definition;
use airbyte_agent_sdk::http::auth::{AuthContext, AuthOptions, Credentials, SchemeKind};
use airbyte_agent_sdk::http::{HttpRequest, HttpSender, SenderConfig};
use airbyte_agent_testkit::reference::{Version, python, specs_dir};
use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use serde_json::{Value, json};
use url::Url;

/// Headers every client adds on its own; not auth.
const TRANSPORT_HEADERS: &[&str] = &[
    "host",
    "user-agent",
    "accept",
    "accept-encoding",
    "content-length",
    "content-type",
    "connection",
];

fn key_json() -> String {
    json!({
        "client_email": "sa@project.iam.example",
        "private_key": include_str!("fixtures/test-service-account-key.pem"),
    })
    .to_string()
}

/// What one side produced for one scheme: auth headers, or a failure.
type Produced = Result<BTreeMap<String, String>, String>;

fn auth_headers(r: &RecordedRequest) -> BTreeMap<String, String> {
    r.headers
        .iter()
        .filter(|(k, _)| !TRANSPORT_HEADERS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The parts of a token request that must match: auth header, content type
/// and body fields (a JWT assertion differs per signing time: presence only).
fn token_request_shape(r: &RecordedRequest) -> Value {
    let mut body: BTreeMap<String, String> = match r.json() {
        Some(Value::Object(o)) => o
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
            .collect(),
        _ => url::form_urlencoded::parse(&r.body).into_owned().collect(),
    };
    if let Some(a) = body.get_mut("assertion") {
        *a = format!("<jwt {} segments>", a.split('.').count());
    }
    json!({
        "method": r.method,
        "authorization": r.header("authorization"),
        "content_type": r.header("content-type"),
        "body": body,
    })
}

#[tokio::test]
async fn every_upstream_scheme_matches_the_reference() {
    let Some(dir) = specs_dir(Version::V0_1_380) else {
        return;
    };
    let server = RecordingServer::start(|r| {
        if r.path.starts_with("/token/") {
            MockResponse::json(
                200,
                json!({"access_token": "fresh-token", "instance_url": "https://inst.example"}),
            )
        } else {
            MockResponse::json(200, json!({}))
        }
    })
    .await;
    let token_prefix = format!("{}/token", server.url());
    let sender = HttpSender::new(SenderConfig::default()).unwrap();

    // Ours: build each scheme from the definition and send one request.
    let mut ours: BTreeMap<(String, String), Produced> = BTreeMap::new();
    let mut defs = 0;
    for (file, loaded) in definition::load_dir_each(&dir).unwrap() {
        let def = loaded.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        defs += 1;
        let connector = file
            .parent()
            .and_then(|p| p.file_name())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let options = AuthOptions::from_definition(&def).unwrap();
        assert_eq!(options.schemes.len(), def.auth_options.len(), "{connector}");
        let config_values: BTreeMap<String, String> =
            def.server_variable_defaults().into_iter().collect();
        for scheme in &options.schemes {
            let mut scheme = scheme.clone();
            if let SchemeKind::OAuth2(config) = &mut scheme.kind
                && config.refresh_url.is_some()
            {
                config.refresh_url = Some(format!("{token_prefix}/{connector}/{}", scheme.name));
            }
            let creds: Credentials = scheme
                .credentials
                .fields
                .iter()
                .map(|f| {
                    let value = if f == "credentials_json" {
                        key_json()
                    } else {
                        format!("syn-{f}")
                    };
                    (f.clone(), value)
                })
                .collect();
            let path = format!("/api/{connector}/{}", scheme.name);
            let context = AuthContext::new()
                .config_values(config_values.clone())
                .sender(sender.clone());
            let produced = match AuthOptions::new(vec![scheme.clone()]).authenticator(
                &creds,
                Some(&scheme.name),
                context,
            ) {
                Ok(auth) => {
                    let u = Url::parse(&format!("{}{path}", server.url())).unwrap();
                    match sender.send_buffered(HttpRequest::get(u).auth(auth)).await {
                        Ok(_) => {
                            let sent = server
                                .requests()
                                .into_iter()
                                .find(|r| r.path == path)
                                .unwrap();
                            Ok(auth_headers(&sent))
                        }
                        Err(e) => Err(e.to_string()),
                    }
                }
                Err(e) => Err(e.to_string()),
            };
            ours.insert((connector.clone(), scheme.name.clone()), produced);
        }
    }
    assert_eq!(defs, 56);
    assert_eq!(ours.len(), 73, "schemes across the 56 definitions");
    let failed: Vec<_> = ours.iter().filter(|(_, p)| p.is_err()).collect();
    assert!(
        failed.is_empty(),
        "schemes that could not authenticate: {failed:#?}"
    );
    let our_token_requests: BTreeMap<String, Value> = server
        .take_requests()
        .iter()
        .filter(|r| r.path.starts_with("/token/"))
        .map(|r| (r.path.clone(), token_request_shape(r)))
        .collect();
    assert!(our_token_requests.len() >= 13, "{our_token_requests:#?}");

    // The reference, on the same credentials and token server.
    let Some(py) = python(Version::V0_1_380) else {
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/auth_headers.py");
    let key = key_json();
    let prefix = token_prefix.clone();
    let dir2 = dir.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(py)
            .arg(script)
            .arg(&dir2)
            .arg(key)
            .arg(prefix)
            // The reference sends usage telemetry unless told not to.
            .env("AIRBYTE_TELEMETRY_MODE", "disabled")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reference: BTreeMap<String, BTreeMap<String, Value>> =
        serde_json::from_slice(&output.stdout).unwrap();

    let mut mismatches = Vec::new();
    let mut compared = 0;
    for (connector, schemes) in &reference {
        for (name, result) in schemes {
            compared += 1;
            let expected: Produced = match result.get("headers") {
                Some(h) => Ok(serde_json::from_value(h.clone()).unwrap()),
                None => Err(result["error"].as_str().unwrap_or_default().to_string()),
            };
            let key = (connector.clone(), name.clone());
            match (ours.get(&key), &expected) {
                (Some(Ok(a)), Ok(b)) if a == b => {}
                (Some(Err(_)), Err(_)) => {}
                (got, _) => mismatches.push(format!(
                    "{connector}/{name}: ours {got:?}, reference {expected:?}"
                )),
            }
        }
    }
    assert_eq!(compared, 73);
    let ref_token_requests: BTreeMap<String, Value> = server
        .take_requests()
        .iter()
        .filter(|r| r.path.starts_with("/token/"))
        .map(|r| (r.path.clone(), token_request_shape(r)))
        .collect();
    if ref_token_requests != our_token_requests {
        mismatches.push(format!(
            "token requests differ:\nours {our_token_requests:#?}\nreference {ref_token_requests:#?}"
        ));
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    eprintln!(
        "auth: {compared} schemes identical to the reference, {} token requests identical",
        ref_token_requests.len()
    );
}
