//! The local execution engine: runs connector operations directly against
//! the vendor's API from a connector definition.
//!
//! The pieces are pure functions over `serde_json` values so they can be
//! tested without I/O; [`LocalExecutor`](crate::executor::local::LocalExecutor)
//! assembles them with the HTTP sender.

pub mod body;
pub mod download;
pub mod extract;
pub mod operation;
pub mod paginate;
pub mod pystr;
pub mod query;
pub mod request;
pub mod template;
pub mod transport;
pub mod validate;
