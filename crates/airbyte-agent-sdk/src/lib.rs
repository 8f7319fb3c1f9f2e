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

pub mod agent;
pub mod catalog;
pub mod cloud;
pub mod config;
pub mod connect;
pub mod definition;
pub mod download;
pub mod error;
pub mod executor;
pub mod http;
pub mod local;
pub mod typed;
pub mod workspace;

pub use config::{AirbyteAuthConfig, configure};
pub use connect::{ConnectBuilder, ConnectedExecutor, connect, list_connectors};
pub use download::save_download;
pub use error::{Error, ErrorKind, HttpErrorInfo, Result};
pub use executor::HostedExecutor;
pub use executor::{
    ByteStream, CheckResult, ExecutionConfig, ExecutionResult, Executor, JsonResult, RecordStream,
    ResultData,
};
pub use workspace::{NewConnector, OAuthFlow, Workspace, WorkspaceBuilder, ask, ask_blocking};

/// The repository README's Rust examples, compiled as doc tests so they stay
/// in step with the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
