//! Turning a model's tool call back into an execution: which operation, with
//! which parameters, shaped how.

use serde_json::{Map, Value};

use super::ShapeOptions;
use super::tool_schema::{ToolSpec, ToolTarget};
use crate::error::{Error, Result};
use crate::executor::ExecutionConfig;

/// Arguments the `execute` tool accepts.
pub const EXECUTE_ARGUMENTS: [&str; 6] = [
    "entity",
    "action",
    "params",
    "select_fields",
    "exclude_fields",
    "skip_truncation",
];

/// A parsed tool call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ToolCall {
    /// The operation to run and its parameters.
    pub config: ExecutionConfig,
    /// How to shape the result (defaults for per-operation tools).
    pub shape: ShapeOptions,
}

impl ToolSpec {
    /// Parses the arguments a model passed to this tool.
    ///
    /// `execute` tools read `entity`, `action`, `params` and the shaping
    /// options, and reject unknown arguments with a message that points at
    /// `params` (models often put parameters at the top level). Per-operation
    /// tools take their arguments as the parameters (renamed keys mapped
    /// back). Entity, action and parameter values are checked by the
    /// executor, not here. Errors are [`Error::InvalidArgument`].
    pub fn parse_call(&self, arguments: &Value) -> Result<ToolCall> {
        let args = match arguments {
            Value::Object(map) => map.clone(),
            Value::Null => Map::new(),
            _ => {
                return Err(Error::invalid_argument(
                    "arguments",
                    "tool arguments must be a JSON object",
                ));
            }
        };
        match &self.target {
            ToolTarget::Operation { entity, action } => {
                let mut args = args;
                let mut shaping = Map::new();
                for name in &self.shaping_arguments {
                    if let Some(v) = args.remove(name) {
                        shaping.insert(name.clone(), v);
                    }
                }
                Ok(ToolCall {
                    config: ExecutionConfig {
                        entity: entity.clone(),
                        action: action.as_str().to_string(),
                        params: self.arguments_to_params(args),
                    },
                    shape: parse_shape(&shaping)?,
                })
            }
            ToolTarget::Execute => parse_execute(args),
        }
    }
}

fn parse_execute(args: Map<String, Value>) -> Result<ToolCall> {
    if let Some(unknown) = args
        .keys()
        .find(|k| !EXECUTE_ARGUMENTS.contains(&k.as_str()))
    {
        return Err(Error::invalid_argument(
            unknown.clone(),
            format!(
                "unknown argument; operation parameters go inside `params` \
                 (accepted arguments: {})",
                EXECUTE_ARGUMENTS.join(", ")
            ),
        ));
    }
    let text = |name: &str| -> Result<String> {
        match args.get(name) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            _ => Err(Error::invalid_argument(
                name,
                "required, a non-empty string (see the enum in the tool schema)",
            )),
        }
    };
    let params = match args.get("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => {
            return Err(Error::invalid_argument(
                "params",
                "must be an object of parameter name to value",
            ));
        }
    };
    Ok(ToolCall {
        config: ExecutionConfig {
            entity: text("entity")?,
            action: text("action")?,
            params,
        },
        shape: parse_shape(&args)?,
    })
}

/// Reads `select_fields`, `exclude_fields` and `skip_truncation`.
fn parse_shape(args: &Map<String, Value>) -> Result<ShapeOptions> {
    let paths = |name: &str| -> Result<Vec<String>> {
        match args.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        Error::invalid_argument(name, "must be a list of dot-path strings")
                    })
                })
                .collect(),
            Some(_) => Err(Error::invalid_argument(
                name,
                "must be a list of dot-path strings",
            )),
        }
    };
    let skip_truncation = match args.get("skip_truncation") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(Error::invalid_argument(
                "skip_truncation",
                "must be true or false",
            ));
        }
    };
    Ok(ShapeOptions::default()
        .with_select_fields(paths("select_fields")?)
        .with_exclude_fields(paths("exclude_fields")?)
        .with_skip_truncation(skip_truncation))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::{ToolStyle, connector_tools};
    use crate::definition::load_str;
    use serde_json::json;

    const DEFINITION: &str = r#"
openapi: 3.1.0
info:
  title: Demo
  version: 1.0.0
  x-airbyte-connector-name: demo
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-000000000001
servers:
  - url: http://127.0.0.1:1
paths:
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      parameters:
        - name: page[size]
          in: query
          schema: {type: integer}
      responses:
        "200": {description: ok}
"#;

    fn tools(style: ToolStyle) -> Vec<ToolSpec> {
        let def = load_str(DEFINITION).expect("demo definition loads");
        connector_tools(&def, style)
    }

    #[test]
    fn execute_call_is_parsed() {
        let tool = &tools(ToolStyle::Execute)[0];
        let call = tool
            .parse_call(&json!({
                "entity": "items", "action": "list", "params": {"page[size]": 2},
                "select_fields": ["id"], "skip_truncation": false
            }))
            .expect("valid call");
        assert_eq!(call.config.entity, "items");
        assert_eq!(call.config.action, "list");
        assert_eq!(call.config.params.get("page[size]"), Some(&json!(2)));
        assert_eq!(call.shape.select_fields, ["id"]);
        assert!(!call.shape.skip_truncation);
        let call = tool
            .parse_call(&json!({"entity": "items", "action": "list"}))
            .expect("minimal call");
        assert!(call.shape.skip_truncation);
        assert!(call.config.params.is_empty());
    }

    #[test]
    fn execute_call_errors_say_what_to_fix() {
        let tool = &tools(ToolStyle::Execute)[0];
        let err = |args: Value| tool.parse_call(&args).expect_err("invalid").to_string();
        assert!(err(json!({"action": "list"})).contains("`entity`"));
        assert!(
            err(json!({"entity": "items", "action": "list", "limit": 3}))
                .contains("inside `params`")
        );
        assert!(
            err(json!({"entity": "items", "action": "list", "params": [1]})).contains("`params`")
        );
        assert!(
            err(json!({"entity": "items", "action": "list", "select_fields": "id"}))
                .contains("select_fields")
        );
        assert!(err(json!("x")).contains("JSON object"));
    }

    #[test]
    fn per_operation_call_maps_renamed_arguments() {
        let tool = &tools(ToolStyle::PerOperation)[0];
        let call = tool
            .parse_call(&json!({"page_size": 5}))
            .expect("valid call");
        assert_eq!(call.config.entity, "items");
        assert_eq!(call.config.action, "list");
        assert_eq!(call.config.params.get("page[size]"), Some(&json!(5)));
        assert_eq!(call.shape, ShapeOptions::default());
    }
}
