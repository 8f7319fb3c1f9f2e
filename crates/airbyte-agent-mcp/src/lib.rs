//! # airbyte-agent-mcp
//!
//! A [Model Context Protocol](https://modelcontextprotocol.io) server that
//! exposes Airbyte connectors as tools, built on `rmcp`:
//!
//! - **local mode**: connector definitions run by
//!   [`LocalExecutor`](airbyte_agent_sdk::executor::local::LocalExecutor)s
//!   with your own credentials ([`ServedConnector::local`]);
//! - **hosted mode**: the connectors of an Airbyte workspace
//!   ([`hosted_connectors`]), plus an `ask` tool
//!   ([`McpServerBuilder::ask_workspace`]).
//!
//! Tools: `list_connectors`, `list_entities`, `describe_entity`,
//! `validate_operation`, `ask` (hosted) and one `<connector>_execute` per
//! connector whose input schema enumerates the connector's entities and
//! actions and takes `select_fields` / `exclude_fields` / `skip_truncation`.
//! Results are shaped and size-guarded by
//! [`airbyte_agent_sdk::agent`]; every failure is a tool result with
//! `isError: true` and a message that says how to fix the call.
//!
//! Transports: [`McpServer::serve_stdio`] and [`McpServer::serve_http`]
//! (streamable HTTP at [`HTTP_PATH`]). [`install`] writes MCP client
//! configuration entries (Claude Desktop, Claude Code, Cursor, Codex).

#![warn(missing_docs)]

mod connectors;
mod describe;
pub mod install;
mod server;
pub mod tools;
mod transport;

pub use connectors::{ServedConnector, hosted_connectors};
pub use server::{McpServer, McpServerBuilder};
pub use transport::HTTP_PATH;
