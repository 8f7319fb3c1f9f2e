//! A connector definition (YAML text) through everything that reads one
//! before any I/O: the loader, lint, describe, tool schemas, the retry
//! policy, operation specs and the local executor's builder.
#![no_main]

use std::sync::OnceLock;

use airbyte_agent_sdk::agent::tool_schema::{Provider, ToolStyle, export_tools};
use airbyte_agent_sdk::definition;
use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_sdk::http::{HttpSender, RetryPolicy, SenderConfig};
use airbyte_agent_sdk::local::operation::OperationSpec;
use libfuzzer_sys::fuzz_target;

/// One connection pool for every run: building one per input would
/// dominate the run time (no request is ever sent).
fn sender() -> HttpSender {
    static SENDER: OnceLock<HttpSender> = OnceLock::new();
    SENDER
        .get_or_init(|| HttpSender::new(SenderConfig::default()).expect("sender"))
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(def) = definition::load_str(text) else {
        return;
    };
    let _ = definition::lint(&def).to_string();
    let _ = serde_json::to_string(&definition::describe(&def));
    let _ = export_tools(&def, Provider::Anthropic, ToolStyle::default());
    let _ = RetryPolicy::from(&def.retry_config());
    for entity in &def.entities {
        // Every schema the loader accepted inlines (see `LazySchema::get`).
        let _ = entity.schema();
        for op in entity.operations.values() {
            let _ = op.response.schema();
            let spec = OperationSpec::from_definition(op);
            let _ = (
                spec.returns_many(),
                spec.query_defaults(),
                spec.deep_object_params(),
            );
        }
    }
    let _ = LocalExecutor::builder(def)
        .base_url("http://127.0.0.1:9")
        .sender(sender())
        .build();
});
