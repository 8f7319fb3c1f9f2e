//! # airbyte-agent-sdk
//!
//! Execute operations on third-party systems (Stripe, HubSpot, Zendesk,
//! GitHub, Slack, Jira, …) through Airbyte connectors, either through an
//! Airbyte workspace (hosted mode) or directly against the vendor's API from a
//! declarative connector definition (local mode).
//!
//! Everything fallible returns [`Result`]; errors are one [`Error`] type whose
//! [`ErrorKind`] you can match.

#![warn(missing_docs)]

pub mod definition;
pub mod error;
pub mod executor;
pub mod http;
pub mod typed;

pub use error::{Error, ErrorKind, HttpErrorInfo, Result};
pub use executor::{
    ByteStream, CheckResult, ExecutionConfig, ExecutionResult, Executor, RecordStream,
};
