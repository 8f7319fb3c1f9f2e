//! `airbyte-agent catalog`: the connectors bundled with this SDK.

use airbyte_agent_sdk::Result;
use clap::Args;
use serde_json::Value;

use crate::commands::json_output;

/// List the connectors this SDK knows (name, display name, definition id)
#[derive(Debug, Args)]
pub struct CatalogArgs {}

impl CatalogArgs {
    /// The catalog, sorted by slug.
    pub fn run(self) -> Result<Option<Value>> {
        json_output(&airbyte_agent_sdk::list_connectors())
    }
}
