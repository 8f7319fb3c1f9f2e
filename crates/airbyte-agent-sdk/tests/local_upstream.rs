//! Smoke test: every list operation of every upstream 0.1.380 definition
//! runs (and paginates) against a loopback server without error (parameters synthesized from
//! the operation's schema, dummy credentials for the first auth option).

use std::collections::BTreeMap;

use airbyte_agent_sdk::definition::{self, Action, ConnectorDefinition, Operation, ParamLocation};
use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_sdk::{ExecutionConfig, Executor};
use airbyte_agent_testkit::reference::{Version, specs_dir};
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use futures::StreamExt as _;
use serde_json::{Map, Value, json};

/// A valid example value for a JSON schema.
fn sample(schema: &Value) -> Value {
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let blank = |d: &&Value| {
        d.is_null() || d.as_str() == Some("") || d.as_array().is_some_and(Vec::is_empty)
    };
    if let Some(default) = schema.get("default").filter(|d| !blank(d)) {
        return default.clone();
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string"),
        _ => "string",
    };
    match ty {
        "integer" | "number" => json!(1),
        "boolean" => json!(true),
        "array" => json!([sample(schema.get("items").unwrap_or(&Value::Null))]),
        "object" => json!({}),
        _ => json!("x1"),
    }
}

fn params_for(op: &Operation) -> Map<String, Value> {
    let mut params = Map::new();
    for p in &op.parameters {
        let blank_default = p.default.as_ref().is_some_and(|d| d == "");
        let needed = p.location == ParamLocation::Path
            || (p.required && (p.default.is_none() || blank_default) && p.config_inject.is_none());
        if needed {
            params.insert(p.name.clone(), sample(&p.schema));
        }
    }
    if let Some(schema) = op.request_body.as_ref().and_then(|b| b.schema.as_ref()) {
        let props = schema.get("properties").cloned().unwrap_or_default();
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = name.as_str() {
                params.insert(
                    name.to_string(),
                    sample(props.get(name).unwrap_or(&Value::Null)),
                );
            }
        }
    }
    params
}

fn executor_for(def: &ConnectorDefinition, server: &RecordingServer) -> LocalExecutor {
    // Token endpoints go to the loopback server too: no request may leave it.
    let mut def = def.clone();
    let token_url = format!("{}/oauth/token", server.url());
    for option in &mut def.auth_options {
        if option.refresh_url.is_some() || option.token_url.is_some() {
            option.refresh_url = Some(token_url.clone());
            option.token_url = Some(token_url.clone());
        }
    }
    let mut builder = LocalExecutor::builder(def.clone()).base_url(server.url());
    if let Some(option) = def.auth_options.first() {
        builder = builder.auth_scheme(option.scheme_name.clone());
        for name in option.user_config.properties.keys() {
            builder = builder.auth(name.clone(), format!("dummy-{name}"));
        }
        for field in [
            "access_token",
            "refresh_token",
            "client_id",
            "client_secret",
            "token",
            "api_key",
            "username",
            "password",
        ] {
            builder = builder.auth(field, format!("dummy-{field}"));
        }
    }
    // Config values some definitions read (config-injected parameters, scoping).
    builder = builder.config("region", "US");
    match builder.build() {
        Ok(e) => e,
        Err(e) => panic!("{}: executor does not build: {e}", def.name),
    }
}

#[tokio::test]
async fn every_upstream_list_operation_runs() {
    let Some(dir) = specs_dir(Version::V0_1_380) else {
        return;
    };
    let server = RecordingServer::start(|r| {
        if r.path == "/oauth/token" {
            MockResponse::json(
                200,
                json!({"access_token": "loopback-token", "expires_in": 3600}),
            )
        } else {
            MockResponse::json(200, json!({}))
        }
    })
    .await;
    let mut failures = Vec::new();
    let mut ran: BTreeMap<String, usize> = BTreeMap::new();
    for (file, loaded) in definition::load_dir_each(&dir).expect("specs readable") {
        let def = loaded.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let exec = executor_for(&def, &server);
        for op in def.operations().filter(|o| o.action == Action::List) {
            let config = ExecutionConfig::new(op.entity.clone(), "list").params(params_for(op));
            match exec.execute(config.clone()).await {
                Ok(_) => *ran.entry(def.name.clone()).or_default() += 1,
                Err(e) => failures.push(format!("{}.{}.list: {e}", def.name, op.entity)),
            }
            // The paginator ends on the empty response.
            let pages: Vec<_> = exec.paginate(config).collect().await;
            if let Some(Err(e)) = pages.into_iter().find(|r| r.is_err()) {
                failures.push(format!("{}.{}.list (paginate): {e}", def.name, op.entity));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} list operations failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        ran.len(),
        56,
        "every definition ran at least one list operation: {ran:?}"
    );
    let requests = server.requests();
    assert!(requests.len() >= 500);
    let host = server.url().trim_start_matches("http://").to_string();
    assert!(
        requests
            .iter()
            .all(|r| r.header("host") == Some(host.as_str()))
    );
}
