//! HTTP plumbing shared by the hosted client and the local engine: turning
//! error responses and transport failures into [`Error`](crate::Error)s.

pub mod auth;
pub mod client;
pub mod errors;
pub mod retry;

pub use client::{
    BufferedResponse, DEFAULT_MAX_RESPONSE_BODY, HttpRequest, HttpResponse, HttpSender,
    MultipartFactory, RequestBody, SenderConfig, Timeouts,
};
pub use errors::{
    error_from_response, extract_error_detail, map_transport_error, parse_retry_after,
};
pub use retry::{RetryAfterFormat, RetryBudget, RetryPolicy};
