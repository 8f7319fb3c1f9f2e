//! Every operation of every upstream 0.1.380 definition yields tool schemas
//! that are valid JSON Schema (Draft 2020-12 meta-schema) and pass the
//! providers' function-calling rules, in both tool styles.

use std::collections::HashSet;

use airbyte_agent_sdk::agent::{Provider, ToolStyle, connector_tools, is_valid_tool_name};
use airbyte_agent_sdk::definition::{self, ConnectorDefinition};
use airbyte_agent_testkit::reference::{Version, specs_dir};
use serde_json::Value;

/// Keywords of the portable subset the sanitizer emits.
const ALLOWED_KEYWORDS: [&str; 19] = [
    "type",
    "properties",
    "required",
    "items",
    "enum",
    "const",
    "description",
    "default",
    "anyOf",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "uniqueItems",
    "additionalProperties",
];
const ALLOWED_ARRAY_KEYWORDS: [&str; 2] = ["minItems", "maxItems"];

fn load_all() -> Option<Vec<ConnectorDefinition>> {
    let dir = specs_dir(Version::V0_1_380)?;
    let mut defs = Vec::new();
    for (file, result) in definition::load_dir_each(&dir).expect("specs dir readable") {
        defs.push(result.unwrap_or_else(|e| panic!("{}: {e}", file.display())));
    }
    Some(defs)
}

/// Anthropic's rule for property keys: `^[a-zA-Z0-9_.-]{1,64}$`.
fn valid_property_key(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Checks one (sub)schema against the provider rules; returns problems.
fn check_schema(schema: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        problems.push(format!("{at}: schema is not an object"));
        return;
    };
    for key in obj.keys() {
        if !ALLOWED_KEYWORDS.contains(&key.as_str())
            && !ALLOWED_ARRAY_KEYWORDS.contains(&key.as_str())
        {
            problems.push(format!("{at}: unsupported keyword `{key}`"));
        }
    }
    let types: Vec<&str> = match obj.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"array") && !obj.contains_key("items") {
        problems.push(format!("{at}: array without items"));
    }
    if let Some(Value::Array(values)) = obj.get("enum")
        && values.is_empty()
    {
        problems.push(format!("{at}: empty enum"));
    }
    let props = obj.get("properties").and_then(Value::as_object);
    if let Some(required) = obj.get("required") {
        let names: Vec<&str> = required
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let unique: HashSet<&&str> = names.iter().collect();
        if unique.len() != names.len() || names.is_empty() {
            problems.push(format!("{at}: `required` empty or with duplicates"));
        }
        for name in names {
            if !props.is_some_and(|p| p.contains_key(name)) {
                problems.push(format!("{at}: required `{name}` is not a property"));
            }
        }
    }
    for (name, sub) in props.into_iter().flatten() {
        check_schema(sub, &format!("{at}/properties/{name}"), problems);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub @ Value::Object(_)) = obj.get(key) {
            check_schema(sub, &format!("{at}/{key}"), problems);
        }
    }
    if let Some(Value::Array(variants)) = obj.get("anyOf") {
        if variants.is_empty() {
            problems.push(format!("{at}: empty anyOf"));
        }
        for (i, sub) in variants.iter().enumerate() {
            check_schema(sub, &format!("{at}/anyOf/{i}"), problems);
        }
    }
}

/// The name, description and input schema of a provider-shaped tool.
fn unpack(provider: Provider, tool: &Value) -> (&str, &str, &Value) {
    let (holder, schema_key) = match provider {
        Provider::OpenAi => {
            assert_eq!(tool["type"], "function");
            (&tool["function"], "parameters")
        }
        Provider::Anthropic => (tool, "input_schema"),
        Provider::Mcp => (tool, "inputSchema"),
        _ => unreachable!("new provider"),
    };
    (
        holder["name"].as_str().unwrap_or_default(),
        holder["description"].as_str().unwrap_or_default(),
        &holder[schema_key],
    )
}

#[test]
fn every_upstream_tool_schema_is_valid_for_every_provider() {
    let Some(defs) = load_all() else {
        return;
    };
    assert_eq!(defs.len(), 56);
    // The meta-schema check is not vacuous.
    assert!(jsonschema::draft202012::meta::validate(&serde_json::json!({"type": "nope"})).is_err());
    let mut problems = Vec::new();
    let mut validated = 0usize;
    let mut per_operation = 0usize;
    let mut all_names = HashSet::new();
    for def in &defs {
        for style in [ToolStyle::Execute, ToolStyle::PerOperation] {
            let tools = connector_tools(def, style);
            if style == ToolStyle::PerOperation {
                assert_eq!(tools.len(), def.operations().count(), "{}", def.name);
                per_operation += tools.len();
            } else {
                assert_eq!(tools.len(), 1);
            }
            let mut names = HashSet::new();
            for tool in &tools {
                assert!(names.insert(tool.name.clone()), "duplicate {}", tool.name);
                all_names.insert(tool.name.clone());
                for provider in Provider::ALL {
                    let shaped = tool.to_provider(provider);
                    let (name, description, schema) = unpack(provider, &shaped);
                    let at = format!("{}:{provider}:{name}", def.name);
                    if !is_valid_tool_name(name) {
                        problems.push(format!("{at}: invalid name"));
                    }
                    if description.is_empty() || description.chars().count() > 4096 {
                        problems.push(format!("{at}: description length"));
                    }
                    // Anthropic's key rule is stated for the input schema's
                    // properties; nested keys (linkedin-ads' Rest.li `$set`) are
                    // the vendor's body fields and are kept.
                    for key in schema["properties"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|p| p.0)
                    {
                        if !valid_property_key(key) {
                            problems.push(format!("{at}: property key `{key}`"));
                        }
                    }
                    if schema["type"] != "object" {
                        problems.push(format!("{at}: root type is not object"));
                    }
                    for key in ["anyOf", "oneOf", "allOf", "enum", "not"] {
                        if schema.get(key).is_some() {
                            problems.push(format!("{at}: `{key}` at the root"));
                        }
                    }
                    if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
                        problems.push(format!("{at}: not valid JSON Schema: {e}"));
                    }
                    check_schema(schema, &at, &mut problems);
                    validated += 1;
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems, first 30:\n{}",
        problems.len(),
        problems[..problems.len().min(30)].join("\n")
    );
    // 1,299 executable operations (one upstream pair is declared twice) plus
    // one execute tool per connector, each in three provider formats.
    assert_eq!(per_operation, 1299);
    assert_eq!(validated, (1299 + 56) * 3);
    eprintln!(
        "validated {validated} provider tools ({} distinct names)",
        all_names.len()
    );
}

#[test]
fn execute_tool_enumerates_entities_and_actions() {
    let Some(defs) = load_all() else {
        return;
    };
    let mut clipped = Vec::new();
    for def in &defs {
        let tools = connector_tools(def, ToolStyle::Execute);
        let schema = &tools[0].input_schema;
        let entities: Vec<&str> = schema["properties"]["entity"]["enum"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let expected: Vec<String> = def
            .entities
            .iter()
            .filter(|e| !e.operations.is_empty())
            .map(|e| e.name.clone())
            .collect();
        assert_eq!(entities, expected, "{}", def.name);
        let actions: Vec<&str> = schema["properties"]["action"]["enum"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for op in def.operations() {
            assert!(actions.contains(&op.action.as_str()), "{}", def.name);
            let d = &tools[0].description;
            let entity_line = d
                .lines()
                .find(|l| l.starts_with(&format!("- {}: ", op.entity)))
                .unwrap_or_default();
            assert!(
                d.contains(&format!("- {}.{}(", op.entity, op.action))
                    || entity_line.contains(&format!(" {}(", op.action))
                    || d.contains("more lines omitted"),
                "{}: {}.{} missing from the description",
                def.name,
                op.entity,
                op.action
            );
        }
        assert_eq!(schema["required"], serde_json::json!(["entity", "action"]));
        if tools[0].description.contains("more lines omitted") {
            clipped.push(def.name.clone());
        }
    }
    eprintln!("execute descriptions clipped: {clipped:?}");
}

#[test]
fn per_operation_schema_lists_params_and_required_fields() {
    let Some(dir) = specs_dir(Version::V0_1_380) else {
        return;
    };
    let def = definition::load_path(dir.join("stripe/connector.yaml")).expect("stripe loads");
    let tools = connector_tools(&def, ToolStyle::PerOperation);
    let get = tools
        .iter()
        .find(|t| t.name == "stripe_customers_get")
        .expect("customers.get tool");
    let op = def.find_operation("customers", "get").expect("op");
    for p in &op.parameters {
        assert!(
            get.input_schema["properties"].get(&p.name).is_some(),
            "{}",
            p.name
        );
    }
    assert_eq!(get.input_schema["required"], serde_json::json!(["id"]));
}

#[test]
fn bracketed_parameter_names_are_renamed_and_mapped_back() {
    let Some(dir) = specs_dir(Version::V0_1_380) else {
        return;
    };
    let def = definition::load_path(dir.join("klaviyo/connector.yaml")).expect("klaviyo loads");
    let tools = connector_tools(&def, ToolStyle::PerOperation);
    let list = tools
        .iter()
        .find(|t| t.name == "klaviyo_profiles_list")
        .expect("profiles.list tool");
    assert!(list.input_schema["properties"].get("page_size").is_some());
    assert!(list.input_schema["properties"].get("page[size]").is_none());
    let mut args = serde_json::Map::new();
    args.insert("page_size".into(), 5.into());
    args.insert("other".into(), 1.into());
    let params = list.arguments_to_params(args);
    assert_eq!(params.get("page[size]"), Some(&Value::from(5)));
    assert_eq!(params.get("other"), Some(&Value::from(1)));
}
