//! Downloads stream their bytes (one- and two-step), and JSON chunks read
//! only the requested range.

mod local_support;

use airbyte_agent_sdk::{ErrorKind, ExecutionConfig, Executor};
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use futures::StreamExt as _;
use local_support::{definition, executor};
use serde_json::json;

const PATHS: &str = r#"
  /files/{file_id}/content:
    get:
      x-airbyte-entity: files
      x-airbyte-action: download
      parameters:
        - {name: file_id, in: path, required: true, schema: {type: string}}
        - {name: alt, in: query, schema: {type: string, default: media}}
  /attachments/{attachment_id}:
    get:
      x-airbyte-entity: attachments
      x-airbyte-action: download
      x-airbyte-file-url: attachment.files[{index}].url
      parameters:
        - {name: attachment_id, in: path, required: true, schema: {type: string}}
"#;

const BIG: usize = 3 * 1024 * 1024;

fn big_body() -> Vec<u8> {
    (0..BIG).map(|i| (i % 251) as u8).collect()
}

#[tokio::test]
async fn one_step_download_streams_in_chunks() {
    let server = RecordingServer::start(|_| {
        MockResponse::text(200, big_body()).header("content-type", "application/octet-stream")
    })
    .await;
    let exec = executor(definition(PATHS), &server);
    let mut stream = exec
        .download(ExecutionConfig::new("files", "download").param("file_id", json!("f 1")))
        .await
        .unwrap();
    let mut total = 0usize;
    let mut chunks = 0usize;
    let mut first = None;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        if first.is_none() {
            first = Some(chunk[0]);
        }
        total += chunk.len();
        chunks += 1;
    }
    assert_eq!(total, BIG);
    assert!(
        chunks > 1,
        "the body arrives in several chunks, never as one buffer"
    );
    assert_eq!(first, Some(0));
    let r = &server.requests()[0];
    assert_eq!(r.path, "/files/f%201/content");
    assert_eq!(
        r.raw_query.as_deref(),
        Some("alt=media"),
        "download applies optional defaults"
    );
    assert_eq!(r.header("accept"), Some("*/*"));
    assert_eq!(r.header("authorization"), Some("Bearer sk_test_secret"));
}

#[tokio::test]
async fn two_step_download_follows_the_file_url() {
    let server = RecordingServer::start(|r| {
        if r.path.starts_with("/attachments/") {
            let host = r.header("host").unwrap_or_default();
            MockResponse::json(
                200,
                json!({"attachment": {"files": [{"url": "ignored"}, {"url": format!("http://{host}/cdn/file.bin")}]}}),
            )
        } else {
            MockResponse::text(200, "file-bytes")
        }
    })
    .await;
    let exec = executor(definition(PATHS), &server);
    let stream = exec
        .download(
            ExecutionConfig::new("attachments", "download")
                .param("attachment_id", json!("a1"))
                .param("index", json!(1))
                .param("range_header", json!("bytes=0-3")),
        )
        .await
        .unwrap();
    let bytes: Vec<u8> = stream.map(|c| c.unwrap().to_vec()).concat().await;
    assert_eq!(bytes, b"file-bytes");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].path, "/attachments/a1");
    assert_eq!(reqs[1].path, "/cdn/file.bin");
    assert_eq!(reqs[1].header("range"), Some("bytes=0-3"));
    // The file URL starts with the API base URL, so it gets the credentials
    // (URLs elsewhere, e.g. pre-signed storage links, do not).
    assert_eq!(
        reqs[1].header("authorization"),
        Some("Bearer sk_test_secret")
    );

    let missing = exec
        .download(
            ExecutionConfig::new("attachments", "download").param("attachment_id", json!("a1")),
        )
        .await;
    assert_eq!(
        missing.err().map(|e| e.kind()),
        Some(ErrorKind::InvalidArgument)
    );
}

#[tokio::test]
async fn json_chunk_reads_only_the_requested_range() {
    let server = RecordingServer::start(|r| {
        if r.header("range").is_some() {
            MockResponse::text(206, &b"hello"[..]).header("content-range", "bytes 0-4/11")
        } else {
            MockResponse::text(200, "")
        }
    })
    .await;
    let exec = executor(definition(PATHS), &server);
    let result = exec
        .execute(
            ExecutionConfig::new("files", "download")
                .param("file_id", json!("f1"))
                .param("_airbyte_response_type", json!("json"))
                .param("_airbyte_response_format", json!("text"))
                .param("range_header", json!("bytes=0-4")),
        )
        .await
        .unwrap();
    assert_eq!(
        result.data,
        json!({
            "content": "hello", "encoding": "utf-8", "bytes_returned": 5,
            "range_requested": "bytes=0-4", "next_range_header": "bytes=5-9",
            "has_more": true, "content_type": null
        })
    );
    let r = &server.requests()[0];
    assert_eq!(r.header("range"), Some("bytes=0-4"));
    assert_eq!(r.query_param("_airbyte_response_type"), None);

    let err = exec
        .execute(ExecutionConfig::new("files", "download").param("file_id", json!("f1")))
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidArgument,
        "execute needs the JSON mode for downloads"
    );
}
