//! What the discovery tools return: connectors, entities, and one entity in
//! detail (actions, parameters, record fields), as compact JSON an agent can
//! read before it calls `execute`.

use airbyte_agent_sdk::definition::describe::{ActionSummary, ParamSummary};
use airbyte_agent_sdk::definition::{ConnectorDefinition, Entity, describe};
use airbyte_agent_sdk::{Error, Result};
use serde_json::{Map, Value, json};

use crate::connectors::ServedConnector;

/// Most record fields listed for one entity (nested fields count).
const MAX_FIELDS: usize = 150;

/// Deepest nesting of record fields listed (`a.b.c` is depth 3).
const MAX_FIELD_DEPTH: usize = 3;

/// Keys of `x-airbyte-ai-hints` worth an agent's context.
const HINT_KEYS: [&str; 3] = ["summary", "when_to_use", "search_strategy"];

/// `list_connectors`: every served connector.
pub(crate) fn connectors(connectors: &[ServedConnector], execute_names: &[String]) -> Value {
    let items: Vec<Value> = connectors
        .iter()
        .zip(execute_names)
        .map(|(c, tool)| {
            let mut item = json!({
                "name": c.name(),
                "display_name": c.display_name(),
                "mode": c.mode(),
                "execute_tool": tool,
            });
            if let Some(id) = c.connector_id() {
                item["connector_id"] = json!(id);
            }
            if let Some(t) = c.connector_type() {
                item["connector_type"] = json!(t);
            }
            match c.definition() {
                Some(def) => {
                    item["entities"] = json!(def.entity_names());
                }
                None => {
                    item["entities"] = Value::Null;
                    item["note"] = json!(
                        "no definition known for this connector type: use its execute tool with entity and action names"
                    );
                }
            }
            item
        })
        .collect();
    json!({ "connectors": items })
}

/// `list_entities`: the entities of one connector with their actions.
pub(crate) fn entities(connector: &ServedConnector) -> Result<Value> {
    let def = connector.require_definition()?;
    let entities: Vec<Value> = def
        .entities
        .iter()
        .filter(|e| !e.operations.is_empty())
        .map(|e| {
            let mut item = json!({"name": e.name, "actions": e.action_names()});
            if let Some(summary) = hint(e, "summary") {
                item["summary"] = summary.clone();
            }
            item
        })
        .collect();
    Ok(json!({"connector": connector.name(), "entities": entities}))
}

/// `describe_entity`: actions with their parameters, and the record fields
/// (dot paths, usable in `select_fields` / `exclude_fields`).
pub(crate) fn entity(connector: &ServedConnector, entity: &str) -> Result<Value> {
    let def = connector.require_definition()?;
    let Some(ent) = def.entity(entity) else {
        return Err(Error::EntityNotFound {
            connector: connector.name().to_string(),
            entity: entity.to_string(),
            available: def.entity_names(),
        });
    };
    let summary = describe(def);
    let actions: Vec<Value> = summary
        .entities
        .iter()
        .find(|e| e.name == ent.name)
        .map(|e| e.actions.iter().map(action).collect())
        .unwrap_or_default();
    let mut out = json!({
        "connector": connector.name(),
        "entity": ent.name,
        "actions": actions,
    });
    let hints: Map<String, Value> = HINT_KEYS
        .iter()
        .filter_map(|k| hint(ent, k).map(|v| (k.to_string(), v.clone())))
        .collect();
    if !hints.is_empty() {
        out["hints"] = Value::Object(hints);
    }
    let mut fields = Vec::new();
    if let Some(schema) = record_schema(def, ent) {
        collect_fields(schema, "", 1, &mut fields);
    }
    if fields.len() > MAX_FIELDS {
        out["fields_omitted"] = json!(fields.len() - MAX_FIELDS);
        fields.truncate(MAX_FIELDS);
    }
    out["fields"] = Value::Array(fields);
    Ok(out)
}

fn hint<'a>(entity: &'a Entity, key: &str) -> Option<&'a Value> {
    entity.ai_hints.as_ref()?.get(key).filter(|v| !v.is_null())
}

fn action(a: &ActionSummary) -> Value {
    let mut out = json!({"action": a.action.as_str()});
    if let Some(d) = &a.description {
        out["description"] = json!(d);
    }
    if a.paginated {
        out["paginated"] = json!(true);
    }
    out["params"] = Value::Array(a.params.iter().map(param).collect());
    out
}

fn param(p: &ParamSummary) -> Value {
    let mut out = json!({
        "name": p.name,
        "in": p.place.to_string(),
        "type": p.type_name,
        "required": p.required,
    });
    if let Some(allowed) = &p.allowed {
        out["enum"] = json!(allowed);
    }
    if let Some(default) = &p.default {
        out["default"] = default.clone();
    }
    if p.from_config {
        out["from_config"] = json!(true);
    }
    if let Some(d) = &p.description {
        out["description"] = json!(d);
    }
    out
}

/// The record schema: the entity's component schema, else the response
/// schema of its `get` action.
fn record_schema<'a>(def: &'a ConnectorDefinition, ent: &'a Entity) -> Option<&'a Value> {
    ent.schema().or_else(|| {
        def.find_operation(&ent.name, "get")
            .ok()
            .and_then(|op| op.response.schema())
    })
}

/// Flattens object properties into `{name, type, description?}` entries
/// with dot paths, descending into objects and arrays of objects.
fn collect_fields(schema: &Value, prefix: &str, depth: usize, out: &mut Vec<Value>) {
    let Some(props) = object_properties(schema) else {
        return;
    };
    for (name, prop) in props {
        if out.len() > MAX_FIELDS {
            // One past the cap is enough to report that fields were omitted.
            return;
        }
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let mut field = json!({"name": path, "type": type_name(prop)});
        if let Some(d) = prop.get("description").and_then(Value::as_str) {
            let first = d.lines().map(str::trim).find(|l| !l.is_empty());
            if let Some(first) = first {
                field["description"] = json!(first);
            }
        }
        out.push(field);
        if depth < MAX_FIELD_DEPTH {
            collect_fields(prop, &path, depth + 1, out);
        }
    }
}

/// The properties of an object schema, or of the items of an array schema,
/// looking through `anyOf`/`oneOf` (nullable objects).
fn object_properties(schema: &Value) -> Option<&Map<String, Value>> {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        return Some(props);
    }
    if let Some(items) = schema.get("items") {
        return object_properties(items);
    }
    ["anyOf", "oneOf", "allOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .find_map(object_properties)
}

fn type_name(schema: &Value) -> String {
    match schema.get("type") {
        Some(Value::String(t)) if t == "array" => {
            let inner = schema.get("items").map(type_name);
            format!("array<{}>", inner.unwrap_or_else(|| "any".into()))
        }
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("|"),
        _ => ["anyOf", "oneOf"]
            .iter()
            .find_map(|k| schema.get(*k).and_then(Value::as_array))
            .map(|opts| opts.iter().map(type_name).collect::<Vec<_>>().join("|"))
            .unwrap_or_else(|| {
                if schema.get("properties").is_some() {
                    "object".into()
                } else {
                    "any".into()
                }
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_flattened_with_dot_paths() {
        let schema = json!({
            "type": "object",
            "properties": {
                "id": {"type": "string", "description": "The id.\nMore."},
                "address": {"anyOf": [
                    {"type": "object", "properties": {"city": {"type": "string"}}},
                    {"type": "null"}
                ]},
                "lines": {"type": "array", "items": {
                    "type": "object", "properties": {"amount": {"type": ["integer", "null"]}}
                }}
            }
        });
        let mut out = Vec::new();
        collect_fields(&schema, "", 1, &mut out);
        let names: Vec<&str> = out.iter().filter_map(|f| f["name"].as_str()).collect();
        assert_eq!(
            names,
            ["id", "address", "address.city", "lines", "lines.amount"]
        );
        assert_eq!(out[0]["description"], "The id.");
        assert_eq!(out[1]["type"], "object|null");
        assert_eq!(out[3]["type"], "array<object>");
        assert_eq!(out[4]["type"], "integer|null");
    }

    #[test]
    fn deep_and_wide_schemas_are_capped() {
        let mut schema = json!({"type": "string"});
        for i in 0..10 {
            schema = json!({"type": "object", "properties": {format!("f{i}"): schema}});
        }
        let mut out = Vec::new();
        collect_fields(&schema, "", 1, &mut out);
        assert_eq!(out.len(), MAX_FIELD_DEPTH);
        let wide: Map<String, Value> = (0..400)
            .map(|i| (format!("f{i}"), json!({"type": "string"})))
            .collect();
        let mut out = Vec::new();
        collect_fields(&json!({"properties": wide}), "", 1, &mut out);
        assert_eq!(out.len(), MAX_FIELDS + 1);
    }
}
