//! A loopback vendor for the streaming benchmarks, run as its own process
//! so its memory does not count against the client's: Stripe-style customer
//! pages generated on the fly, and a large file streamed from one buffer.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;

use crate::page;

const CHUNK: usize = 64 * 1024;

struct Served {
    records: u64,
    file_bytes: u64,
}

/// Serves on 127.0.0.1 (an ephemeral port), printing the base URL on the
/// first line of stdout, until killed.
pub async fn serve(records: u64, file_bytes: u64) -> std::io::Result<()> {
    let state = Arc::new(Served {
        records,
        file_bytes,
    });
    let app = Router::new()
        .route("/v1/customers", get(customers))
        .route("/files/{file_id}/content", get(file))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "http://{}", listener.local_addr()?)?;
    stdout.flush()?;
    axum::serve(listener, app).await
}

async fn customers(
    State(s): State<Arc<Served>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let limit = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10u64)
        .clamp(1, 100);
    let start = match q.get("starting_after") {
        None => 0,
        Some(id) => match page::customer_index(id, s.records) {
            Some(i) => i + 1,
            None => return (axum::http::StatusCode::BAD_REQUEST, "unknown id").into_response(),
        },
    };
    (
        [(header::CONTENT_TYPE, "application/json")],
        page::list_page(start, limit, s.records),
    )
        .into_response()
}

async fn file(State(s): State<Arc<Served>>) -> Response {
    let chunk = Bytes::from((0..CHUNK).map(|i| (i % 251) as u8).collect::<Vec<_>>());
    let total = s.file_bytes;
    let chunks = futures::stream::unfold(0u64, move |sent| {
        let chunk = chunk.clone();
        async move {
            if sent >= total {
                return None;
            }
            let n = (total - sent).min(CHUNK as u64);
            Some((
                Ok::<_, std::convert::Infallible>(chunk.slice(..n as usize)),
                sent + n,
            ))
        }
    });
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, total.to_string()),
        ],
        Body::from_stream(chunks),
    )
        .into_response()
}
