//! The tool list: fixed discovery tools (`list_connectors`, `list_entities`,
//! `describe_entity`, `validate_operation`, `ask`) plus one `execute` tool
//! per connector, built at run time from the connectors' definitions.

use std::sync::Arc;

use airbyte_agent_sdk::agent::ToolSpec;
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};

/// Name of the tool listing connectors.
pub const LIST_CONNECTORS: &str = "list_connectors";
/// Name of the tool listing a connector's entities.
pub const LIST_ENTITIES: &str = "list_entities";
/// Name of the tool describing one entity.
pub const DESCRIBE_ENTITY: &str = "describe_entity";
/// Name of the tool checking a call without sending it.
pub const VALIDATE_OPERATION: &str = "validate_operation";
/// Name of the natural-language question tool (hosted workspaces).
pub const ASK: &str = "ask";

/// Guidance sent to clients at initialization.
pub const INSTRUCTIONS: &str = "Airbyte connectors as tools. Look before you call: \
list_connectors, then list_entities and describe_entity (actions, parameters with types, \
allowed values and required flags, record fields). Run operations with the connector's \
`<connector>_execute` tool, parameters inside `params`. Keep results small: pass select_fields \
(dot paths, e.g. `address.city`) or exclude_fields, filters and small limits; results over the \
size budget are cut and marked with `_truncated`. validate_operation checks a call without \
sending it. Errors come back as tool errors that say how to fix the call, when to retry, or \
that the connector must be reconnected.";

fn object_schema(properties: Value, required: &[&str]) -> Arc<JsonObject> {
    let schema = json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    match schema {
        Value::Object(map) => Arc::new(map),
        _ => Arc::default(),
    }
}

fn connector_property(names: &[String]) -> Value {
    json!({
        "type": "string",
        "enum": names,
        "description": "Connector name, as list_connectors shows it.",
    })
}

fn read_only(title: &str) -> ToolAnnotations {
    ToolAnnotations::with_title(title)
        .read_only(true)
        .destructive(false)
        .idempotent(true)
}

/// The fixed tools; `ask` only when a workspace answers questions.
pub(crate) fn fixed_tools(connector_names: &[String], with_ask: bool) -> Vec<Tool> {
    let connector = connector_property(connector_names);
    let mut tools = vec![
        Tool::new(
            LIST_CONNECTORS,
            "List the connectors this server exposes: name, mode (local or hosted), entities \
             and the name of each connector's execute tool.",
            object_schema(json!({}), &[]),
        )
        .with_annotations(read_only("List connectors")),
        Tool::new(
            LIST_ENTITIES,
            "List the entities of a connector with the actions each supports.",
            object_schema(json!({"connector": connector}), &["connector"]),
        )
        .with_annotations(read_only("List entities")),
        Tool::new(
            DESCRIBE_ENTITY,
            "Describe one entity of a connector: each action with its parameters (type, \
             required, allowed values, default, where it goes) and the record fields, as dot \
             paths usable in select_fields/exclude_fields. Call it before execute.",
            object_schema(
                json!({
                    "connector": connector,
                    "entity": {"type": "string", "description": "Entity name, e.g. `customers`."},
                }),
                &["connector", "entity"],
            ),
        )
        .with_annotations(read_only("Describe an entity")),
        Tool::new(
            VALIDATE_OPERATION,
            "Check an operation without running it: entity and action exist, required \
             parameters are present and values fit their types and allowed values. Returns \
             {valid: true} or an error saying what to fix.",
            object_schema(
                json!({
                    "connector": connector,
                    "entity": {"type": "string", "description": "Entity name."},
                    "action": {"type": "string", "description": "Action, e.g. list, get, create."},
                    "params": {
                        "type": "object",
                        "additionalProperties": true,
                        "description": "Parameters of the operation, by name.",
                    },
                }),
                &["connector", "entity", "action"],
            ),
        )
        .with_annotations(read_only("Validate an operation")),
    ];
    if with_ask {
        tools.push(
            Tool::new(
                ASK,
                "Ask a natural-language question answered across every connector of the \
                 workspace. Check `outcome` before trusting `answer`.",
                object_schema(
                    json!({"prompt": {"type": "string", "description": "The question."}}),
                    &["prompt"],
                ),
            )
            .with_annotations(
                ToolAnnotations::with_title("Ask the workspace")
                    .read_only(true)
                    .open_world(true),
            ),
        );
    }
    tools
}

/// A connector's execute tool as an MCP tool.
pub(crate) fn execute_tool(spec: &ToolSpec, display_name: &str) -> Tool {
    let schema = match &spec.input_schema {
        Value::Object(map) => Arc::new(map.clone()),
        _ => Arc::default(),
    };
    Tool::new(spec.name.clone(), spec.description.clone(), schema).with_annotations(
        // Actions include create/update/delete, so no read-only hint.
        ToolAnnotations::with_title(format!("Execute on {display_name}")).open_world(true),
    )
}
