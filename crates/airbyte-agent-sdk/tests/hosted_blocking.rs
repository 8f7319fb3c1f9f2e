//! `ask_blocking` from plain synchronous code and from inside running tokio
//! runtimes (multi-thread and current-thread): no panic, no deadlock.

mod hosted_common;

use std::sync::mpsc;

use airbyte_agent_sdk::Workspace;
use airbyte_agent_testkit::{MockResponse, RecordingServer};
use hosted_common::*;
use serde_json::json;

/// A recording server living on its own runtime in its own thread, so that
/// blocking the test's thread (or runtime) cannot stall it.
struct BackgroundServer {
    server: Option<RecordingServer>,
    stop: mpsc::Sender<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundServer {
    fn start() -> Self {
        let (tx, rx) = mpsc::channel();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            let srv = rt.block_on(server(|r| {
                assert_eq!(r.path, "/api/v1/workspaces/query/structured");
                MockResponse::json(200, json!({"outcome": "success", "answer": "blocking ok"}))
            }));
            tx.send(srv).unwrap();
            let _ = stopped.recv();
        });
        let server = rx.recv().unwrap();
        Self {
            server: Some(server),
            stop,
            thread: Some(thread),
        }
    }

    fn srv(&self) -> &RecordingServer {
        self.server.as_ref().unwrap()
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        drop(self.server.take());
        let _ = self.stop.send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn ws(bg: &BackgroundServer) -> Workspace {
    workspace(bg.srv(), "acme", Some("org-b"))
}

fn check(bg: &BackgroundServer, calls: usize) {
    let reqs = api_requests(bg.srv());
    assert_eq!(reqs.len(), calls);
    for r in &reqs {
        assert_request(
            r,
            "POST",
            "/api/v1/workspaces/query/structured",
            &[("workspace_name", "acme")],
            Some("org-b"),
            Some(json!({"prompt": "q"})),
        );
    }
    // The token cache is shared between blocking and async calls.
    assert_eq!(bg.srv().count("POST", TOKEN_PATH), 1);
}

#[test]
fn from_plain_main_without_a_runtime() {
    let bg = BackgroundServer::start();
    let w = ws(&bg);
    for _ in 0..2 {
        let r = w.ask_blocking("q").unwrap();
        assert_eq!(r.answer.as_deref(), Some("blocking ok"));
    }
    check(&bg, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_inside_a_multi_thread_runtime() {
    let bg = BackgroundServer::start();
    let w = ws(&bg);
    w.ask("q").await.unwrap();
    let r = w.ask_blocking("q").unwrap();
    assert_eq!(r.outcome, "success");
    w.ask("q").await.unwrap();
    check(&bg, 3);
}

#[tokio::test(flavor = "current_thread")]
async fn from_inside_a_current_thread_runtime() {
    let bg = BackgroundServer::start();
    let w = ws(&bg);
    w.ask("q").await.unwrap();
    let r = w.ask_blocking("q").unwrap();
    assert_eq!(r.outcome, "success");
    // The runtime is still usable afterwards.
    w.ask("q").await.unwrap();
    check(&bg, 3);
}

#[tokio::test(flavor = "current_thread")]
async fn from_spawn_blocking_and_free_function() {
    let bg = BackgroundServer::start();
    let cfg = auth(bg.srv(), Some("org-b")).workspace_name("acme");
    let r = tokio::task::spawn_blocking(move || airbyte_agent_sdk::ask_blocking("q", &cfg))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.answer.as_deref(), Some("blocking ok"));
    let cfg = auth(bg.srv(), Some("org-b")).workspace_name("acme");
    airbyte_agent_sdk::ask_blocking("q", &cfg).unwrap();
    assert_eq!(api_requests(bg.srv()).len(), 2);
}

#[test]
fn errors_come_back_typed() {
    let err = Workspace::builder()
        .client_id("i")
        .client_secret("s")
        .api_url("http://127.0.0.1:9")
        .build()
        .unwrap()
        .ask_blocking("q")
        .unwrap_err();
    assert_eq!(err.kind(), airbyte_agent_sdk::ErrorKind::Network);
}
