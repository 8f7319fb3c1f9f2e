use airbyte_agent_testkit::{MockResponse, RecordingServer};
use serde_json::json;

#[tokio::test]
async fn records_and_answers() {
    let server = RecordingServer::start(|req| {
        if req.path == "/hello" {
            MockResponse::json(200, json!({"q": req.query_param("a")}))
        } else {
            MockResponse::empty(404)
        }
    })
    .await;
    let url = format!("{}/hello?a=x%20y&b=1+2", server.url());
    // A raw HTTP/1.1 request keeps the test free of client crates.
    let body = raw_get(server.addr(), "/hello?a=x%20y&b=1+2").await;
    assert!(body.contains(r#"{"q":"x y"}"#), "{body} for {url}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].path, "/hello");
    assert_eq!(
        reqs[0].sorted_query(),
        vec![("a".into(), "x y".into()), ("b".into(), "1 2".into())]
    );
    assert_eq!(
        reqs[0].header("HOST").map(|h| h.starts_with("127.0.0.1")),
        Some(true)
    );
}

async fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}
