//! `airbyte-agent check <connector>`: is the connector reachable?

use airbyte_agent_sdk::{Executor, Result};
use clap::Args;
use serde_json::Value;

use crate::commands::json_output;
use crate::context::Context;

/// Check a connector's connectivity and credentials
#[derive(Debug, Args)]
#[command(
    after_help = "With a catalog name the connector is looked up in the workspace and a \
    lightweight read is executed; with a connector id only the Airbyte credentials are \
    verified.\nAn unhealthy connector still exits 0: read `healthy` and `error` in the output."
)]
pub struct CheckArgs {
    /// Connector id or catalog name (e.g. `stripe`)
    pub connector: String,
}

impl CheckArgs {
    /// Runs the check and returns `{healthy, checked_entity?, checked_action?, error?}`.
    pub async fn run(self, ctx: &Context) -> Result<Option<Value>> {
        let executor = ctx.executor(&self.connector).await?;
        json_output(&executor.check().await?)
    }
}
