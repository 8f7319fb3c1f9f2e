//! Building blocks for AI agents: tool schemas for LLM APIs, output shaping
//! that keeps an agent's context small, and errors translated into
//! actionable messages with retry hints.
//!
//! ```
//! use airbyte_agent_sdk::agent::{ShapeOptions, shape_output};
//! use serde_json::json;
//!
//! let data = json!({"data": [{"id": 1, "name": "Ada", "address": {"city": "Paris", "zip": "1"}}]});
//! let opts = ShapeOptions::default().with_select_fields(["id", "address.city"]);
//! let out = shape_output(data, "list", &opts)?;
//! assert_eq!(out.value, json!({"data": [{"id": 1, "address": {"city": "Paris"}}]}));
//! # Ok::<(), airbyte_agent_sdk::Error>(())
//! ```

pub mod call;
pub mod errors;
pub mod sanitize;
pub mod shaping;
pub mod tool_schema;
pub mod truncate;

pub use call::ToolCall;
pub use errors::{AgentError, RetryHint, translate_error};
pub use shaping::{exclude_fields, select_fields, shape_fields};
pub use tool_schema::{
    Provider, SHAPING_ARGUMENTS, ToolSpec, ToolStyle, ToolTarget, connector_tools, export_tools,
    generic_execute_tool, is_valid_property_key, is_valid_tool_name, sanitize_tool_name,
};
pub use truncate::{
    DEFAULT_MAX_OUTPUT_BYTES, GuardedOutput, MAX_TEXT_FIELD_CHARS, TruncationInfo,
    guard_output_size, truncate_long_text,
};

use serde_json::Value;

use crate::error::Result;

/// How to shape an operation's result for an agent.
///
/// Defaults follow reference 0.1.380: no field selection, `skip_truncation`
/// true (long text is kept), and an output budget equal to the reference's
/// `DEFAULT_MAX_OUTPUT_CHARS` (100,000; we count bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShapeOptions {
    /// Keep only these fields of each record (dot paths). Wins over
    /// `exclude_fields` when non-empty.
    pub select_fields: Vec<String>,
    /// Remove these fields from each record (dot paths).
    pub exclude_fields: Vec<String>,
    /// Keep long text whole. When false, strings longer than
    /// [`MAX_TEXT_FIELD_CHARS`] in the records of collection actions
    /// (`list`, context-store search/SQL) are cut (reference rule).
    pub skip_truncation: bool,
    /// Output budget in bytes of compact JSON ([`guard_output_size`]);
    /// `None` disables the size guard.
    pub max_output_bytes: Option<usize>,
}

impl Default for ShapeOptions {
    fn default() -> Self {
        Self {
            select_fields: Vec::new(),
            exclude_fields: Vec::new(),
            skip_truncation: true,
            max_output_bytes: Some(DEFAULT_MAX_OUTPUT_BYTES),
        }
    }
}

impl ShapeOptions {
    /// Sets [`ShapeOptions::select_fields`].
    pub fn with_select_fields<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        paths: I,
    ) -> Self {
        self.select_fields = paths.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`ShapeOptions::exclude_fields`].
    pub fn with_exclude_fields<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        paths: I,
    ) -> Self {
        self.exclude_fields = paths.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`ShapeOptions::skip_truncation`].
    pub fn with_skip_truncation(mut self, skip: bool) -> Self {
        self.skip_truncation = skip;
        self
    }

    /// Sets [`ShapeOptions::max_output_bytes`] (`None` disables the guard).
    pub fn with_max_output_bytes(mut self, budget: Option<usize>) -> Self {
        self.max_output_bytes = budget;
        self
    }
}

/// Shapes the `data` of an `action` result: field selection, then long-text
/// truncation (collection actions, unless skipped), then the size guard.
///
/// Fails only when `max_output_bytes` is below
/// [`truncate::MIN_OUTPUT_BYTES`].
pub fn shape_output(data: Value, action: &str, opts: &ShapeOptions) -> Result<GuardedOutput> {
    let mut data = shape_fields(data, &opts.select_fields, &opts.exclude_fields);
    if !opts.skip_truncation && truncate::COLLECTION_ACTIONS.contains(&action) {
        data = shaping::map_records(data, |r| truncate_long_text(r, MAX_TEXT_FIELD_CHARS));
    }
    match opts.max_output_bytes {
        Some(budget) => guard_output_size(data, budget),
        None => Ok(GuardedOutput {
            value: data,
            truncated: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_text_only_for_collection_actions_and_opt_in() {
        let long = "z".repeat(300);
        let data = json!([{"t": long}]);
        let mut opts = ShapeOptions::default();
        let out = shape_output(data.clone(), "list", &opts).unwrap();
        assert_eq!(out.value, data, "skip_truncation defaults to true");
        opts.skip_truncation = false;
        let out = shape_output(data.clone(), "list", &opts).unwrap();
        assert!(
            out.value[0]["t"]
                .as_str()
                .is_some_and(|s| s.ends_with("full value]"))
        );
        let out = shape_output(data.clone(), "get", &opts).unwrap();
        assert_eq!(out.value, data);
    }

    #[test]
    fn guard_runs_after_selection() {
        let records: Vec<Value> = (0..50)
            .map(|i| json!({"id": i, "blob": "b".repeat(100)}))
            .collect();
        let opts = ShapeOptions {
            max_output_bytes: Some(500),
            ..ShapeOptions::default()
        };
        let out = shape_output(json!(records.clone()), "list", &opts).unwrap();
        assert!(out.truncated.is_some());
        let opts = ShapeOptions {
            select_fields: vec!["id".into()],
            max_output_bytes: Some(1000),
            ..ShapeOptions::default()
        };
        let out = shape_output(json!(records), "list", &opts).unwrap();
        assert!(out.truncated.is_none());
        assert_eq!(out.value[49], json!({"id": 49}));
        let opts = ShapeOptions {
            max_output_bytes: None,
            ..ShapeOptions::default()
        };
        let big = json!({"s": "q".repeat(200_000)});
        assert_eq!(shape_output(big.clone(), "get", &opts).unwrap().value, big);
    }
}
