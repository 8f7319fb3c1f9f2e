//! `airbyte-agent exec <connector> <entity> <action>`: run one operation.

use airbyte_agent_sdk::{ExecutionConfig, Executor, Result};
use clap::Args;
use serde_json::{Map, Value};

use crate::commands::local::ShapeArgs;
use crate::context::Context;
use crate::json_arg::parse_object;

/// Execute an operation (entity + action) on a connector
#[derive(Debug, Args)]
#[command(
    after_help = "CONNECTOR is a connector id (UUID) or a catalog name; a name is looked up \
    in the workspace, which must hold exactly one connector of that type.\n\
    PARAMS is inline JSON, @FILE or @- (stdin).\n\nExamples:\n  \
    airbyte-agent exec stripe customers list --params '{\"limit\": 10}'\n  \
    airbyte-agent exec 3f1d2c4b-5a6e-4f70-9182-a3b4c5d6e7f8 invoices get --params '{\"id\": \"in_1\"}'\n  \
    airbyte-agent exec stripe customers list --select-fields id,email --max-bytes 20000"
)]
pub struct ExecArgs {
    /// Connector id or catalog name (e.g. `stripe`)
    pub connector: String,
    /// Entity, e.g. `customers`
    pub entity: String,
    /// Action, e.g. `list`, `get`, `create`
    pub action: String,
    /// Operation parameters as a JSON object
    #[arg(long, value_name = "JSON")]
    pub params: Option<String>,

    #[command(flatten)]
    pub shape: ShapeArgs,
}

impl ExecArgs {
    /// Runs the operation and returns `{data, meta}`.
    pub async fn run(self, ctx: &Context) -> Result<Option<Value>> {
        let params = match self.params.as_deref() {
            Some(raw) => parse_object("--params", raw)?,
            None => Map::new(),
        };
        let executor = ctx.executor(&self.connector).await?;
        let result = executor
            .execute(ExecutionConfig::new(self.entity, self.action.clone()).params(params))
            .await?;
        let value = serde_json::to_value(result).map_err(|e| airbyte_agent_sdk::Error::Decode {
            what: "execution result".into(),
            message: e.to_string(),
        })?;
        self.shape.apply(value, &self.action).map(Some)
    }
}
