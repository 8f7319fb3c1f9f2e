//! The HTTP sender of the local engine: one shared connection pool, retries
//! per [`RetryPolicy`], timeouts, auth, and streaming or buffered responses.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use super::auth::{AppliedAuth, Authenticator};
use super::retry::{Failure, RetryBudget, RetryPolicy, is_idempotent_method, with_wait_hint};
use super::{error_from_response, map_transport_error};
use crate::error::{Error, Result, sanitize_url};
use crate::executor::ByteStream;

/// Longest error-response body read to explain a failure.
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// Largest response body read into memory unless configured otherwise
/// (256 MiB): far above any real JSON page, low enough that a broken or
/// hostile server streaming without end fails the call instead of
/// exhausting memory. Streamed downloads are not limited.
pub const DEFAULT_MAX_RESPONSE_BODY: u64 = 256 * 1024 * 1024;

/// Time limits of a sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing a connection (DNS, TCP, TLS). Default 5 s.
    pub connect: Duration,
    /// One attempt, from sending until the response headers arrive (and, for
    /// buffered sends, until the body is read). Default 30 s.
    pub request: Option<Duration>,
    /// Longest silence while reading a response body, streaming included.
    /// Default 30 s.
    pub read: Option<Duration>,
    /// The whole call: every attempt and every wait between them. Default none.
    pub total: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Some(Duration::from_secs(30)),
            read: Some(Duration::from_secs(30)),
            total: None,
        }
    }
}

impl Timeouts {
    /// Sets the connect timeout.
    pub fn with_connect(mut self, limit: Duration) -> Self {
        self.connect = limit;
        self
    }

    /// Sets (or removes) the per-attempt timeout.
    pub fn with_request(mut self, limit: Option<Duration>) -> Self {
        self.request = limit;
        self
    }

    /// Sets (or removes) the body read (idle) timeout.
    pub fn with_read(mut self, limit: Option<Duration>) -> Self {
        self.read = limit;
        self
    }

    /// Sets (or removes) the timeout of the whole call.
    pub fn with_total(mut self, limit: Option<Duration>) -> Self {
        self.total = limit;
        self
    }
}

/// Settings of an [`HttpSender`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SenderConfig {
    /// Time limits.
    pub timeouts: Timeouts,
    /// When to retry.
    pub retry: RetryPolicy,
    /// Client-wide retry allowance; `None` for unlimited. Default: a bucket
    /// of [`RetryBudget::DEFAULT_CAPACITY`] tokens.
    pub retry_budget: Option<RetryBudget>,
    /// Largest body a buffered send reads, in bytes; `None` for no limit.
    /// A larger body fails with [`Error::Decode`] (not retried). Default
    /// [`DEFAULT_MAX_RESPONSE_BODY`].
    pub max_response_body: Option<u64>,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self {
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            retry_budget: Some(RetryBudget::default()),
            max_response_body: Some(DEFAULT_MAX_RESPONSE_BODY),
        }
    }
}

impl SenderConfig {
    /// Sets the timeouts.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the retry budget.
    pub fn with_retry_budget(mut self, budget: Option<RetryBudget>) -> Self {
        self.retry_budget = budget;
        self
    }

    /// Sets (or removes) the limit on buffered response bodies.
    pub fn with_max_response_body(mut self, bytes: Option<u64>) -> Self {
        self.max_response_body = bytes;
        self
    }
}

/// Sends requests with retries. Cheap to clone; clones share the connection
/// pool and the retry budget.
///
/// ```no_run
/// # async fn demo() -> airbyte_agent_sdk::Result<()> {
/// use airbyte_agent_sdk::http::{HttpRequest, HttpSender, SenderConfig};
///
/// let sender = HttpSender::new(SenderConfig::default())?;
/// let url = url::Url::parse("https://api.example.com/v1/items?limit=10").unwrap();
/// let resp = sender.send_buffered(HttpRequest::get(url)).await?;
/// let items: serde_json::Value = resp.json()?;
/// # let _ = items; Ok(()) }
/// ```
#[derive(Clone)]
pub struct HttpSender {
    client: reqwest::Client,
    config: Arc<SenderConfig>,
}

impl fmt::Debug for HttpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSender")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HttpSender {
    /// A sender with its own connection pool, built from `config` (connect
    /// and read timeouts are set on the pool).
    pub fn new(config: SenderConfig) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.timeouts.connect)
            .user_agent(concat!(
                "airbyte-agent-sdk-rust/",
                env!("CARGO_PKG_VERSION")
            ));
        if let Some(read) = config.timeouts.read {
            builder = builder.read_timeout(read);
        }
        let client = builder.build().map_err(|e| Error::Network {
            method: String::new(),
            url: String::new(),
            message: "could not build the HTTP client".into(),
            source: Some(Box::new(e)),
        })?;
        Ok(Self::with_client(client, config))
    }

    /// A sender over an existing pool. The pool's own connect and read
    /// timeouts apply; `config.timeouts.connect` and `.read` are not used.
    pub fn with_client(client: reqwest::Client, config: SenderConfig) -> Self {
        Self {
            client,
            config: Arc::new(config),
        }
    }

    /// The same pool and budget with another retry policy (e.g. a
    /// connector's `x-airbyte-retry-config`).
    pub fn with_retry_policy(&self, retry: RetryPolicy) -> Self {
        let mut config = (*self.config).clone();
        config.retry = retry;
        Self {
            client: self.client.clone(),
            config: Arc::new(config),
        }
    }

    /// The settings in force.
    pub fn config(&self) -> &SenderConfig {
        &self.config
    }

    /// The shared connection pool.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `request` and returns once the response headers arrived; the
    /// body is left unread for streaming. Non-success statuses (≥ 400) are
    /// errors. Retries stop once headers are received.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
        let span = request_span(&request);
        async {
            match self.run(&request, false).await? {
                Outcome::Streaming(r) => Ok(r),
                Outcome::Buffered(_) => unreachable_outcome(&request),
            }
        }
        .instrument(span)
        .await
    }

    /// Sends `request` and reads the whole body; a body interrupted midway is
    /// retried like any transport failure.
    pub async fn send_buffered(&self, request: HttpRequest) -> Result<BufferedResponse> {
        let span = request_span(&request);
        async {
            match self.run(&request, true).await? {
                Outcome::Buffered(r) => Ok(r),
                Outcome::Streaming(_) => unreachable_outcome(&request),
            }
        }
        .instrument(span)
        .await
    }

    async fn run(&self, req: &HttpRequest, buffered: bool) -> Result<Outcome> {
        let policy = &self.config.retry;
        let max_attempts = policy.max_attempts.max(1);
        let idempotent = req
            .idempotent
            .unwrap_or_else(|| is_idempotent_method(&req.method));
        let started = Instant::now();
        // A total too long to represent is no deadline at all.
        let deadline = self
            .config
            .timeouts
            .total
            .and_then(|t| started.checked_add(t));
        let mut attempts = 0u32;
        let mut resent_after_refresh = false;
        loop {
            attempts += 1;
            let applied = match &req.auth {
                Some(auth) => Some(auth.authorize().await?),
                None => None,
            };
            let (attempt_limit, limit_is_total) = self.attempt_limit(req, deadline);
            let result = self
                .attempt(
                    req,
                    applied.as_ref(),
                    buffered,
                    attempt_limit,
                    limit_is_total,
                )
                .instrument(tracing::debug_span!("http.attempt", attempt = attempts))
                .await;
            let (err, failure, hint) = match result.map_err(|e| *e) {
                Ok(outcome) => {
                    tracing::debug!(attempt = attempts, "http attempt succeeded");
                    if let Some(budget) = &self.config.retry_budget {
                        budget.deposit();
                    }
                    return Ok(outcome);
                }
                Err(AttemptError::Unauthorized(err)) => {
                    let refreshed = match (&req.auth, &applied, resent_after_refresh) {
                        (Some(auth), Some(applied), false) => {
                            auth.refresh_after_unauthorized(applied).await?
                        }
                        _ => false,
                    };
                    if !refreshed {
                        return Err(err);
                    }
                    tracing::debug!(attempt = attempts, "credentials refreshed after 401");
                    resent_after_refresh = true;
                    // The resend with fresh credentials is not a retry.
                    attempts -= 1;
                    continue;
                }
                Err(AttemptError::Failed { err, failure, hint }) => (err, failure, hint),
            };
            tracing::debug!(attempt = attempts, ?failure, error = %err, "http attempt failed");
            if attempts >= max_attempts || !policy.allows(failure, idempotent) {
                return Err(err);
            }
            let delay = hint.unwrap_or_else(|| policy.backoff(attempts));
            let too_late = |d| Instant::now().checked_add(delay).is_none_or(|at| at >= d);
            if deadline.is_some_and(too_late) {
                tracing::debug!(?delay, "no time left for another attempt");
                return Err(err);
            }
            let budget_refused = self
                .config
                .retry_budget
                .as_ref()
                .is_some_and(|b| !b.try_withdraw(failure));
            if budget_refused {
                tracing::warn!("retry budget exhausted; not retrying");
                return Err(err);
            }
            tracing::info!(
                attempt = attempts,
                delay_ms = delay.as_millis() as u64,
                ?failure,
                "retrying http request"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// The time allowed for the next attempt, and whether it is the total
    /// deadline (rather than the per-attempt limit) that bounds it.
    fn attempt_limit(
        &self,
        req: &HttpRequest,
        deadline: Option<Instant>,
    ) -> (Option<Duration>, bool) {
        let per_attempt = req.timeout.or(self.config.timeouts.request);
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        match (per_attempt, left) {
            (Some(p), Some(l)) if l < p => (Some(l), true),
            (Some(p), _) => (Some(p), false),
            (None, Some(l)) => (Some(l), true),
            (None, None) => (None, false),
        }
    }

    async fn attempt(
        &self,
        req: &HttpRequest,
        applied: Option<&AppliedAuth>,
        buffered: bool,
        limit: Option<Duration>,
        limit_is_total: bool,
    ) -> Result<Outcome, Box<AttemptError>> {
        let method = req.method.as_str();
        let url_str = req.url.as_str();
        let reported_limit = if limit_is_total {
            self.config.timeouts.total.unwrap_or_default()
        } else {
            limit.unwrap_or_default()
        };
        let timed_out = || {
            Box::new(AttemptError::Failed {
                err: Error::Timeout {
                    method: method.to_string(),
                    url: sanitize_url(url_str),
                    after: reported_limit,
                },
                failure: Failure::Timeout,
                hint: None,
            })
        };
        let transport = |e: reqwest::Error| {
            Box::new(AttemptError::Failed {
                failure: Failure::of_transport(&e),
                err: map_transport_error(e, method, url_str, reported_limit),
                hint: None,
            })
        };

        let exchange = async {
            let response = self.build(req, applied).send().await.map_err(transport)?;
            let status = response.status();
            if status.as_u16() >= 400 {
                return Err(Box::new(self.status_error(req, response).await));
            }
            if buffered {
                let headers = response.headers().clone();
                let final_url = response.url().clone();
                let body = match read_limited(response, self.config.max_response_body).await {
                    Ok(body) => body,
                    Err(BodyError::Transport(e)) => return Err(transport(e)),
                    Err(BodyError::TooLarge(limit)) => {
                        return Err(Box::new(AttemptError::Failed {
                            err: too_large(method, url_str, limit),
                            failure: Failure::Permanent,
                            hint: None,
                        }));
                    }
                };
                Ok(Outcome::Buffered(BufferedResponse {
                    status,
                    headers,
                    url: final_url,
                    body,
                }))
            } else {
                Ok(Outcome::Streaming(HttpResponse {
                    method: req.method.clone(),
                    request_url: req.url.to_string(),
                    limit: reported_limit,
                    inner: response,
                }))
            }
        };
        match limit {
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .unwrap_or_else(|_| Err(timed_out())),
            None => exchange.await,
        }
    }

    fn build(&self, req: &HttpRequest, applied: Option<&AppliedAuth>) -> reqwest::RequestBuilder {
        let mut url = req.url.clone();
        let mut headers = req.headers.clone();
        if let Some(applied) = applied {
            applied.apply(&mut headers, &mut url);
        }
        let mut builder = self
            .client
            .request(req.method.clone(), url)
            .headers(headers);
        match &req.body {
            Some(RequestBody::Bytes(bytes)) => builder = builder.body(bytes.clone()),
            Some(RequestBody::Multipart(make)) => builder = builder.multipart((make.0)()),
            None => {}
        }
        builder
    }

    async fn status_error(&self, req: &HttpRequest, response: reqwest::Response) -> AttemptError {
        let status = response.status().as_u16();
        let policy = &self.config.retry;
        let hint = response
            .headers()
            .get(policy.retry_after_header.as_str())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| policy.parse_wait_hint(v));
        let std_retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = read_bounded(response, MAX_ERROR_BODY).await;
        let err = error_from_response(
            status,
            req.method.as_str(),
            req.url.as_str(),
            std_retry_after.as_deref(),
            &body,
        );
        let err = with_wait_hint(err, hint);
        if status == 401 {
            AttemptError::Unauthorized(err)
        } else {
            AttemptError::Failed {
                err,
                failure: Failure::Status(status),
                hint,
            }
        }
    }
}

fn unreachable_outcome<T>(req: &HttpRequest) -> Result<T> {
    // `run` returns the outcome kind it was asked for; this only guards the match.
    Err(Error::Execution {
        message: format!(
            "internal error: unexpected response mode for {} {}",
            req.method,
            sanitize_url(req.url.as_str())
        ),
    })
}

fn request_span(req: &HttpRequest) -> tracing::Span {
    tracing::info_span!(
        "http.request",
        method = %req.method,
        url = %sanitize_url(req.url.as_str()),
    )
}

/// Why a size-limited body read failed.
pub(crate) enum BodyError {
    /// The connection broke or timed out.
    Transport(reqwest::Error),
    /// The body is over this many bytes.
    TooLarge(u64),
}

/// Reads a whole body, failing as soon as it is known to exceed `limit`
/// bytes (from `Content-Length`, or while reading a body without one).
pub(crate) async fn read_limited(
    response: reqwest::Response,
    limit: Option<u64>,
) -> Result<Bytes, BodyError> {
    let Some(limit) = limit else {
        return response.bytes().await.map_err(BodyError::Transport);
    };
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge(limit));
    }
    // Room for the announced length, within reason (a server may announce
    // more than it sends); a body that arrives in one chunk is not copied.
    let hint = response
        .content_length()
        .unwrap_or(0)
        .min(PREALLOCATE_AT_MOST) as usize;
    let mut first: Option<Bytes> = None;
    let mut rest: Option<bytes::BytesMut> = None;
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(BodyError::Transport)?;
        let have = first.as_ref().map_or(0, Bytes::len) + rest.as_ref().map_or(0, |b| b.len());
        if (have + chunk.len()) as u64 > limit {
            return Err(BodyError::TooLarge(limit));
        }
        match (&mut rest, first.take()) {
            (Some(buf), _) => buf.extend_from_slice(&chunk),
            (None, None) => first = Some(chunk),
            (None, Some(head)) => {
                let mut buf = bytes::BytesMut::with_capacity(hint.max(head.len() + chunk.len()));
                buf.extend_from_slice(&head);
                buf.extend_from_slice(&chunk);
                rest = Some(buf);
            }
        }
    }
    Ok(match (rest, first) {
        (Some(buf), _) => buf.freeze(),
        (None, Some(head)) => head,
        (None, None) => Bytes::new(),
    })
}

/// The most [`read_limited`] reserves up front from `Content-Length`.
const PREALLOCATE_AT_MOST: u64 = 4 << 20;

/// The error for a response body over the size limit.
pub(crate) fn too_large(method: &str, url: &str, limit: u64) -> Error {
    Error::Decode {
        what: format!(
            "response of {} {}",
            method.to_ascii_uppercase(),
            sanitize_url(url)
        ),
        message: format!(
            "the body is larger than the {limit}-byte limit; request less data per call \
             (e.g. a smaller page size) or raise the client's max_response_body"
        ),
    }
}

/// Reads at most `max` bytes of a body; errors end the read quietly (the
/// status already says what went wrong).
pub(crate) async fn read_bounded(response: reqwest::Response, max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(Ok(chunk)) = stream.next().await {
        let room = max - out.len();
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= max {
            break;
        }
    }
    out
}

enum Outcome {
    Streaming(HttpResponse),
    Buffered(BufferedResponse),
}

enum AttemptError {
    /// A 401: maybe fixed by refreshing credentials.
    Unauthorized(Error),
    /// Any other failure.
    Failed {
        err: Error,
        failure: Failure,
        hint: Option<Duration>,
    },
}

/// A request body that can be sent again on retry.
#[derive(Clone)]
#[non_exhaustive]
pub enum RequestBody {
    /// Bytes sent as is (set the `Content-Type` header yourself, or use
    /// [`HttpRequest::json`] / [`HttpRequest::form`]).
    Bytes(Bytes),
    /// A multipart form, rebuilt for every attempt by the factory.
    Multipart(MultipartFactory),
}

/// Builds a fresh multipart form for each attempt (forms are single-use).
#[derive(Clone)]
pub struct MultipartFactory(Arc<dyn Fn() -> reqwest::multipart::Form + Send + Sync>);

impl MultipartFactory {
    /// Wraps a form-building closure.
    pub fn new(make: impl Fn() -> reqwest::multipart::Form + Send + Sync + 'static) -> Self {
        Self(Arc::new(make))
    }
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestBody::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            RequestBody::Multipart(_) => f.write_str("Multipart"),
        }
    }
}

/// One request to send: method, full URL (query included), headers, body,
/// and how to treat it.
#[derive(Clone)]
pub struct HttpRequest {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<RequestBody>,
    idempotent: Option<bool>,
    timeout: Option<Duration>,
    auth: Option<Authenticator>,
}

impl HttpRequest {
    /// A request without body.
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            idempotent: None,
            timeout: None,
            auth: None,
        }
    }

    /// A GET request.
    pub fn get(url: Url) -> Self {
        Self::new(Method::GET, url)
    }

    /// A POST request.
    pub fn post(url: Url) -> Self {
        Self::new(Method::POST, url)
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL, query included (auth query parameters are not).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The headers (auth headers are not).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers, to change.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The body, if any.
    pub fn body(&self) -> Option<&RequestBody> {
        self.body.as_ref()
    }

    /// Adds a header (appended; earlier values with the same name stay).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Sets a raw body.
    pub fn with_body(mut self, body: RequestBody) -> Self {
        self.body = Some(body);
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json(mut self, value: &serde_json::Value) -> Self {
        self.headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self.body = Some(RequestBody::Bytes(Bytes::from(value.to_string())));
        self
    }

    /// Sets a form body and `Content-Type: application/x-www-form-urlencoded`.
    pub fn form<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))
            .finish();
        self.headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        self.body = Some(RequestBody::Bytes(Bytes::from(encoded)));
        self
    }

    /// Overrides whether the request may be sent again after it may have
    /// reached the server. By default only GET, HEAD, OPTIONS, PUT, DELETE
    /// and TRACE are; mark e.g. a read-only GraphQL or search POST as
    /// idempotent to have it retried on 429/5xx.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// Overrides the per-attempt timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Authenticates the request (headers, query parameters, token refresh
    /// on 401). Leave unset for URLs outside the API, e.g. pre-signed
    /// download links.
    pub fn auth(mut self, auth: Authenticator) -> Self {
        self.auth = Some(auth);
        self
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values and the query may hold secrets: names and the
        // sanitized URL only.
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &sanitize_url(self.url.as_str()))
            .field(
                "headers",
                &self.headers.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            )
            .field("body", &self.body)
            .field("idempotent", &self.idempotent)
            .field("auth", &self.auth)
            .finish()
    }
}

/// A successful response whose body has not been read yet.
pub struct HttpResponse {
    method: Method,
    request_url: String,
    limit: Duration,
    inner: reqwest::Response,
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.inner.status())
            .field("url", &sanitize_url(self.request_url.as_str()))
            .finish_non_exhaustive()
    }
}

impl HttpResponse {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.inner.status()
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The final URL (after redirects).
    pub fn url(&self) -> &Url {
        self.inner.url()
    }

    /// The declared body length, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.inner.content_length()
    }

    /// The body as a stream of chunks; never buffered whole.
    pub fn into_byte_stream(self) -> ByteStream {
        let Self {
            method,
            request_url,
            limit,
            inner,
        } = self;
        Box::pin(inner.bytes_stream().map(move |chunk| {
            chunk.map_err(|e| map_transport_error(e, method.as_str(), &request_url, limit))
        }))
    }

    /// Reads the whole body (no retry once headers were received; prefer
    /// [`HttpSender::send_buffered`] for small bodies).
    pub async fn bytes(self) -> Result<Bytes> {
        let (method, url, limit) = (self.method, self.request_url, self.limit);
        self.inner
            .bytes()
            .await
            .map_err(|e| map_transport_error(e, method.as_str(), &url, limit))
    }
}

/// A successful response read whole.
#[derive(Clone)]
#[non_exhaustive]
pub struct BufferedResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The final URL (after redirects).
    pub url: Url,
    /// The body.
    pub body: Bytes,
}

impl fmt::Debug for BufferedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferedResponse")
            .field("status", &self.status)
            .field("url", &sanitize_url(self.url.as_str()))
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl BufferedResponse {
    /// The body parsed as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            what: format!("JSON response from {}", sanitize_url(self.url.as_str())),
            message: e.to_string(),
        })
    }

    /// The body as (lossy) UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}
