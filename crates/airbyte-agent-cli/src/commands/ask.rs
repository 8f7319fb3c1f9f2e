//! `airbyte-agent ask <prompt>`: a natural-language question across the
//! workspace's connectors.

use airbyte_agent_sdk::Result;
use clap::Args;
use serde_json::Value;

use crate::commands::json_output;
use crate::context::Context;

/// Ask a question across all connectors of the workspace
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  airbyte-agent ask \"list my 5 most recent Stripe customers\"\n\n\
    Check `outcome` in the output before trusting `answer`."
)]
pub struct AskArgs {
    /// The question
    pub prompt: String,
}

impl AskArgs {
    /// Asks and returns the structured answer.
    pub async fn run(self, ctx: &Context) -> Result<Option<Value>> {
        json_output(&ctx.workspace()?.ask(&self.prompt).await?)
    }
}
