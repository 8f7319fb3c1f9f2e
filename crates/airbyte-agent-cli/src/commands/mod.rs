//! One module per command group. Each exposes a clap type and a `run`
//! method that calls the library and returns the JSON to print (`None` for
//! commands that write their own output).

pub mod ask;
pub mod automations;
pub mod catalog;
pub mod check;
pub mod codegen;
pub mod completions;
pub mod connectors;
pub mod definitions;
pub mod exec;
pub mod local;
pub mod mcp;
pub mod oauth;
pub mod server;
pub mod tools;
pub mod workflows;

use airbyte_agent_sdk::{Error, Result};
use serde::Serialize;
use serde_json::Value;

/// A library value as the JSON a command prints.
pub(crate) fn json_output<T: Serialize>(value: &T) -> Result<Option<Value>> {
    serde_json::to_value(value)
        .map(Some)
        .map_err(|e| Error::Decode {
            what: "command output".into(),
            message: e.to_string(),
        })
}
