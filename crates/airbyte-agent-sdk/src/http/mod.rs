//! HTTP plumbing shared by the hosted client and the local engine: turning
//! error responses and transport failures into [`Error`](crate::Error)s.

pub mod errors;

pub use errors::{
    error_from_response, extract_error_detail, map_transport_error, parse_retry_after,
};
