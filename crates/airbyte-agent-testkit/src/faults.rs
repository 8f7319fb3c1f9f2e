//! A loopback HTTP/1.1 server that misbehaves on purpose.
//!
//! [`FaultServer`] speaks raw HTTP over a `TcpListener` on 127.0.0.1, so a
//! test controls every byte: it can reset the connection, stop halfway
//! through a body, dribble headers, announce more bytes than it sends, or
//! stream an endless body. Each request is read in full (the request line,
//! headers and a `Content-Length` body) and recorded *before* the fault is
//! applied, so the log says exactly which requests the server received:
//! tests count non-idempotent requests there.
//!
//! Every connection answers one request and is then closed (`Connection:
//! close`), which keeps faults from leaking into the next request.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Longest request head the server reads.
const MAX_HEAD: usize = 64 * 1024;

/// How long a "stall" lasts: far longer than any client timeout in a test.
pub const STALL: Duration = Duration::from_secs(600);

/// A request as the fault server received it.
#[derive(Debug, Clone)]
pub struct ReceivedRequest {
    /// Upper-case method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Raw query, if any.
    pub query: Option<String>,
    /// Headers, names lower case, in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes (`Content-Length` bodies only).
    pub body: Vec<u8>,
}

impl ReceivedRequest {
    /// First value of a header (name matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as (lossy) UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A well-formed response.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers (`Content-Length` and `Connection` are added).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A response with a JSON content type and arbitrary body bytes.
    pub fn raw_json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    /// A JSON response.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::raw_json(status, body.to_string())
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = head(self.status, &self.headers, Some(self.body.len()));
        out.extend_from_slice(&self.body);
        out
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// A well-formed response.
    Respond(Reply),
    /// Reset the connection (TCP RST) without answering.
    Reset,
    /// Close the connection (FIN) without answering.
    Close,
    /// Send nothing for [`STALL`]: the response headers never come.
    StallHeaders,
    /// Send the response one byte at a time, `gap` apart.
    Dribble {
        /// The response to dribble.
        reply: Reply,
        /// Pause between bytes.
        gap: Duration,
    },
    /// Send the headers of `body` and its first `sent` bytes, then stall.
    StallMidBody {
        /// The full body the headers announce.
        body: Vec<u8>,
        /// Bytes sent before stalling.
        sent: usize,
    },
    /// Send the headers of `body` and its first `sent` bytes, then close:
    /// fewer bytes than `Content-Length` announced.
    Truncated {
        /// The full body the headers announce.
        body: Vec<u8>,
        /// Bytes sent before closing.
        sent: usize,
    },
    /// A JSON response of `bytes` bytes (an object with one long string),
    /// sent with chunked encoding; `None` streams forever.
    Huge {
        /// Status code.
        status: u16,
        /// Body size, or endless.
        bytes: Option<u64>,
    },
    /// Reply with bytes that are not HTTP.
    Garbage,
    /// A 200 whose one header is `bytes` long.
    HugeHeader {
        /// Length of the header value.
        bytes: usize,
    },
}

impl Fault {
    /// A well-formed JSON response.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Fault::Respond(Reply::json(status, body))
    }
}

/// Decides the fault for the n-th request (0-based, over all paths).
pub type Script = Arc<dyn Fn(&ReceivedRequest, usize) -> Fault + Send + Sync>;

/// A misbehaving HTTP server on 127.0.0.1. Stops accepting when dropped.
pub struct FaultServer {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<ReceivedRequest>>>,
    connections: Arc<AtomicUsize>,
    accept: tokio::task::JoinHandle<()>,
}

impl FaultServer {
    /// Starts the server; `script` picks the fault of each request.
    ///
    /// Must be called inside a tokio runtime.
    pub async fn start<F>(script: F) -> Self
    where
        F: Fn(&ReceivedRequest, usize) -> Fault + Send + Sync + 'static,
    {
        let script: Script = Arc::new(script);
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let log: Arc<Mutex<Vec<ReceivedRequest>>> = Arc::default();
        let connections = Arc::new(AtomicUsize::new(0));
        let (log2, conns2) = (log.clone(), connections.clone());
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                conns2.fetch_add(1, Ordering::SeqCst);
                let (script, log) = (script.clone(), log2.clone());
                tokio::spawn(serve(stream, script, log));
            }
        });
        Self {
            addr,
            log,
            connections,
            accept,
        }
    }

    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received in full so far.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.log.lock().expect("log lock").clone()
    }

    /// Requests received with this method and path.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.log
            .lock()
            .expect("log lock")
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn serve(mut stream: TcpStream, script: Script, log: Arc<Mutex<Vec<ReceivedRequest>>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let index = {
        let mut log = log.lock().expect("log lock");
        log.push(request.clone());
        log.len() - 1
    };
    let fault = script(&request, index);
    // Write errors mean the client hung up, which is what some faults
    // provoke: nothing to report.
    let _ = apply(&mut stream, fault).await;
}

async fn apply(stream: &mut TcpStream, fault: Fault) -> std::io::Result<()> {
    match fault {
        Fault::Respond(reply) => {
            stream.write_all(&reply.encode()).await?;
            stream.shutdown().await
        }
        Fault::Reset => stream.set_zero_linger(),
        Fault::Close => stream.shutdown().await,
        Fault::StallHeaders => {
            tokio::time::sleep(STALL).await;
            Ok(())
        }
        Fault::Dribble { reply, gap } => {
            for byte in reply.encode() {
                stream.write_all(&[byte]).await?;
                stream.flush().await?;
                tokio::time::sleep(gap).await;
            }
            stream.shutdown().await
        }
        Fault::StallMidBody { body, sent } => {
            stream.write_all(&head(200, &[], Some(body.len()))).await?;
            stream.write_all(&body[..sent.min(body.len())]).await?;
            stream.flush().await?;
            tokio::time::sleep(STALL).await;
            Ok(())
        }
        Fault::Truncated { body, sent } => {
            stream.write_all(&head(200, &[], Some(body.len()))).await?;
            stream.write_all(&body[..sent.min(body.len())]).await?;
            stream.shutdown().await
        }
        Fault::Huge { status, bytes } => stream_huge(stream, status, bytes).await,
        Fault::Garbage => {
            stream
                .write_all(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not http at all\r\n\r\n")
                .await?;
            stream.shutdown().await
        }
        Fault::HugeHeader { bytes } => {
            let value = "h".repeat(bytes);
            let headers = [("x-filler".to_string(), value)];
            stream.write_all(&head(200, &headers, Some(2))).await?;
            stream.write_all(b"{}").await?;
            stream.shutdown().await
        }
    }
}

/// Writes `{"data":"xxxx…"}` in chunks until `total` bytes (or forever).
async fn stream_huge(
    stream: &mut TcpStream,
    status: u16,
    total: Option<u64>,
) -> std::io::Result<()> {
    let mut h = format!("HTTP/1.1 {status} {}\r\n", reason(status)).into_bytes();
    h.extend_from_slice(b"content-type: application/json\r\n");
    h.extend_from_slice(b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n");
    stream.write_all(&h).await?;
    const OPEN: &[u8] = b"{\"data\":\"";
    const CLOSE: &[u8] = b"\"}";
    let filler = vec![b'x'; 64 * 1024];
    write_chunk(stream, OPEN).await?;
    let mut sent = (OPEN.len() + CLOSE.len()) as u64;
    loop {
        let n = match total {
            Some(t) if sent >= t => break,
            Some(t) => (t - sent).min(filler.len() as u64) as usize,
            None => filler.len(),
        };
        write_chunk(stream, &filler[..n]).await?;
        sent += n as u64;
    }
    write_chunk(stream, CLOSE).await?;
    stream.write_all(b"0\r\n\r\n").await?;
    stream.shutdown().await
}

async fn write_chunk(stream: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    stream
        .write_all(format!("{:x}\r\n", data.len()).as_bytes())
        .await?;
    stream.write_all(data).await?;
    stream.write_all(b"\r\n").await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn head(status: u16, headers: &[(String, String)], length: Option<usize>) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(n) = length {
        out.push_str(&format!("content-length: {n}\r\n"));
    }
    out.push_str("connection: close\r\n\r\n");
    out.into_bytes()
}

/// Reads one request: head up to the blank line, then a `Content-Length`
/// body. `None` when the client hung up first or sent something unreadable.
async fn read_request(stream: &mut TcpStream) -> Option<ReceivedRequest> {
    let mut buf = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_ascii_uppercase();
    let target = first.next()?;
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = vec![0u8; (length - body.len()).min(64 * 1024)];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some(ReceivedRequest {
        method,
        path,
        query,
        headers,
        body,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
