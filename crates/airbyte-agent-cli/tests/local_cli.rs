//! `airbyte-agent local exec` against a loopback server. The command module
//! is compiled into this test directly (it does not depend on the binary's
//! other modules).

#[path = "../src/commands/local.rs"]
#[allow(dead_code)]
mod local;

use airbyte_agent_testkit::{MockResponse, RecordingServer};
use clap::Parser;
use serde_json::json;

#[derive(Debug, Parser)]
struct TestCli {
    #[command(subcommand)]
    command: local::LocalCommand,
}

const DEFINITION: &str = r#"openapi: 3.1.0
info:
  title: Test Connector
  version: 1.0.0
  x-airbyte-connector-name: test-connector
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-000000000002
servers:
  - url: https://{subdomain}.example.invalid
components:
  securitySchemes:
    apiKey:
      type: apiKey
      in: header
      name: X-Api-Key
      x-airbyte-auth-config:
        type: object
        required: [api_key]
        properties:
          api_key: {type: string}
        auth_mapping:
          api_key: "${api_key}"
security:
  - apiKey: []
paths:
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      x-airbyte-record-extractor: $.items
      x-airbyte-meta-extractor:
        next_cursor: $.next
      parameters:
        - {name: cursor, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer}}
  /files/{id}:
    get:
      x-airbyte-entity: files
      x-airbyte-action: download
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
"#;

fn parse(args: &[&str]) -> local::LocalCommand {
    let mut full = vec!["test"];
    full.extend_from_slice(args);
    TestCli::try_parse_from(full)
        .expect("arguments parse")
        .command
}

async fn server() -> RecordingServer {
    RecordingServer::start(|r| match (r.path.as_str(), r.query_param("cursor")) {
        ("/items", None) => MockResponse::json(200, json!({"items": [{"id": 1}], "next": "c1"})),
        ("/items", Some(_)) => MockResponse::json(200, json!({"items": [{"id": 2}], "next": null})),
        _ => MockResponse::text(200, "file-content"),
    })
    .await
}

#[tokio::test]
async fn exec_with_definition_path_auth_file_and_params() {
    let dir = tempfile::tempdir().unwrap();
    let def_path = dir.path().join("connector.yaml");
    std::fs::write(&def_path, DEFINITION).unwrap();
    let key_path = dir.path().join("key.txt");
    std::fs::write(&key_path, "k-123\n").unwrap();
    let server = server().await;
    let out = parse(&[
        "exec",
        "--definition",
        def_path.to_str().unwrap(),
        "--auth",
        &format!("api_key=@{}", key_path.display()),
        "--base-url",
        &server.url(),
        "items",
        "list",
        "--params",
        r#"{"limit": 1}"#,
    ])
    .run()
    .await
    .unwrap();
    assert_eq!(
        out,
        Some(json!({"data": [{"id": 1}], "meta": {"next_cursor": "c1"}}))
    );
    let r = &server.requests()[0];
    assert_eq!(r.header("x-api-key"), Some("k-123"));
    assert_eq!(r.raw_query.as_deref(), Some("limit=1"));
}

#[tokio::test]
async fn connector_lookup_pagination_and_download() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("test-connector")).unwrap();
    std::fs::write(dir.path().join("test-connector/connector.yaml"), DEFINITION).unwrap();
    let server = server().await;
    let common = |extra: &[&str]| {
        let mut v: Vec<String> = vec![
            "exec".into(),
            "--connector".into(),
            "test-connector".into(),
            "--definitions-dir".into(),
            dir.path().display().to_string(),
            "--auth".into(),
            "api_key=k".into(),
            "--base-url".into(),
            server.url(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let args = common(&["items", "list", "--all"]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = parse(&refs).run().await.unwrap();
    assert_eq!(out, Some(json!([{"id": 1}, {"id": 2}])));

    let target = dir.path().join("out.bin");
    let args = common(&[
        "files",
        "download",
        "--params",
        r#"{"id": "f1"}"#,
        "--output",
        target.to_str().unwrap(),
    ]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = parse(&refs).run().await.unwrap();
    assert_eq!(out.unwrap()["bytes"], 12);
    assert_eq!(std::fs::read(&target).unwrap(), b"file-content");

    let args = common(&["nope", "list"]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = parse(&refs).run().await.unwrap_err();
    assert_eq!(err.kind(), airbyte_agent_sdk::ErrorKind::EntityNotFound);
}

#[tokio::test]
async fn argument_errors() {
    assert!(
        TestCli::try_parse_from(["test", "exec", "items", "list"]).is_err(),
        "a definition source is required"
    );
    let err = parse(&["exec", "--connector", "x", "items", "list"]);
    // Without a definitions directory (and the env var unset) it is an argument error.
    if std::env::var_os(local::DEFINITIONS_DIR_ENV).is_none() {
        assert_eq!(
            err.run().await.unwrap_err().kind(),
            airbyte_agent_sdk::ErrorKind::InvalidArgument
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let def_path = dir.path().join("connector.yaml");
    std::fs::write(&def_path, DEFINITION).unwrap();
    let bad = parse(&[
        "exec",
        "--definition",
        def_path.to_str().unwrap(),
        "--auth",
        "novalue",
        "items",
        "list",
    ]);
    assert_eq!(
        bad.run().await.unwrap_err().kind(),
        airbyte_agent_sdk::ErrorKind::InvalidArgument
    );
    let bad = parse(&[
        "exec",
        "--definition",
        def_path.to_str().unwrap(),
        "--auth",
        "api_key=k",
        "items",
        "list",
        "--params",
        "[1]",
    ]);
    assert_eq!(
        bad.run().await.unwrap_err().kind(),
        airbyte_agent_sdk::ErrorKind::InvalidArgument
    );
}

#[test]
fn the_command_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let cmd = parse(&["exec", "--definition", "x.yaml", "items", "list"]);
    let fut = cmd.run();
    assert_send(&fut);
}

#[tokio::test]
async fn output_shaping_flags() {
    let dir = tempfile::tempdir().unwrap();
    let def_path = dir.path().join("connector.yaml");
    std::fs::write(&def_path, DEFINITION).unwrap();
    let server = RecordingServer::start(|_| {
        MockResponse::json(
            200,
            json!({"items": [
                {"id": 1, "name": "a", "notes": "x".repeat(300)},
                {"id": 2, "name": "b", "notes": "short"}
            ], "next": null}),
        )
    })
    .await;
    let run = |extra: &[&str]| {
        let mut args: Vec<String> = [
            "exec",
            "--definition",
            def_path.to_str().unwrap(),
            "--auth",
            "api_key=k",
            "--base-url",
            &server.url(),
            "items",
            "list",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        async move {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            parse(&refs).run().await.unwrap().unwrap()
        }
    };
    let out = run(&["--select-fields", "id,name"]).await;
    assert_eq!(
        out["data"],
        json!([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    );
    let out = run(&[
        "--all",
        "--exclude-fields",
        "name",
        "--skip-truncation=false",
    ])
    .await;
    let notes = out[0]["notes"].as_str().unwrap();
    assert!(notes.len() < 300 && notes.contains("[truncated"), "{notes}");
    assert_eq!(out[1], json!({"id": 2, "notes": "short"}));
    let out = run(&["--max-bytes", "200"]).await;
    assert!(out.to_string().len() <= 200, "{out}");
    assert_eq!(out["_truncated"]["total_records"], 2, "{out}");
    // Without flags nothing is cut.
    let out = run(&[]).await;
    assert_eq!(out["data"][0]["notes"].as_str().map(str::len), Some(300));
    assert!(
        TestCli::try_parse_from([
            "test",
            "exec",
            "--definition",
            "x",
            "--skip-truncation",
            "items",
            "list"
        ])
        .is_ok(),
        "a bare --skip-truncation does not eat the entity"
    );
}
