//! Tool definitions for LLM APIs, built from a connector definition.
//!
//! Two styles ([`ToolStyle`]):
//! - [`ToolStyle::Execute`] (default, as the reference's
//!   `build_connector_tools`): one `<connector>_execute` tool whose input is
//!   `entity` (enum of the connector's entities), `action` (enum of every
//!   action any entity supports, sorted, as the reference does), `params`,
//!   and the output-shaping arguments `select_fields`, `exclude_fields`,
//!   `skip_truncation` (default `true`, reference). The description lists
//!   each valid `entity.action(params)` signature. One tool per connector
//!   keeps an agent's tool list short (OpenAI caps a request at 128 tools;
//!   big connectors have more operations).
//! - [`ToolStyle::PerOperation`]: one `<connector>_<entity>_<action>` tool per
//!   operation whose input properties are the operation's parameters and
//!   body fields, with their (sanitized) schemas.
//!
//! Every schema is sanitized to the portable subset described in
//! [`sanitize`](super::sanitize); names match `^[a-zA-Z0-9_-]{1,64}$`
//! (sanitized, long names shortened with a hash, duplicates numbered).

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::sanitize::{clip, sanitize_schema};
use crate::definition::{Action, ConnectorDefinition, Operation, describe};

/// Longest tool name the providers accept.
pub const MAX_TOOL_NAME_LEN: usize = 64;

/// Longest tool description emitted (whole lines are kept; the rest is
/// summarized). Long descriptions cost context on every request.
pub const MAX_TOOL_DESCRIPTION_CHARS: usize = 4096;

/// The API a tool list is shaped for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Provider {
    /// OpenAI function calling: `{type: "function", function: {name, description, parameters}}`.
    OpenAi,
    /// Anthropic tool use: `{name, description, input_schema}`.
    Anthropic,
    /// MCP `tools/list` entries: `{name, description, inputSchema}`.
    Mcp,
}

impl Provider {
    /// Every provider.
    pub const ALL: [Provider; 3] = [Provider::OpenAi, Provider::Anthropic, Provider::Mcp];

    /// Lower-case name: `openai`, `anthropic`, `mcp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Anthropic => "anthropic",
            Provider::Mcp => "mcp",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown provider `{s}`; expected openai, anthropic or mcp"))
    }
}

/// How a connector's operations become tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ToolStyle {
    /// One `execute` tool per connector (default).
    #[default]
    Execute,
    /// One tool per entity/action.
    PerOperation,
}

impl FromStr for ToolStyle {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "execute" => Ok(ToolStyle::Execute),
            "per-operation" | "per_operation" => Ok(ToolStyle::PerOperation),
            _ => Err(format!(
                "unknown tool style `{s}`; expected execute or per-operation"
            )),
        }
    }
}

/// What calling a tool runs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolTarget {
    /// The connector's `execute` tool: arguments carry `entity`, `action`,
    /// `params` and the shaping options.
    Execute,
    /// One operation: the arguments are its parameters.
    Operation {
        /// Entity name.
        entity: String,
        /// Action.
        action: Action,
    },
}

/// A provider-neutral tool: name, description and input JSON Schema.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ToolSpec {
    /// Tool name, matching `^[a-zA-Z0-9_-]{1,64}$`.
    pub name: String,
    /// What the tool does and how to call it.
    pub description: String,
    /// Input schema: an object schema in the portable subset.
    pub input_schema: Value,
    /// What the tool runs.
    pub target: ToolTarget,
    /// Argument name → parameter name, for the parameters whose names are
    /// not valid property keys (`page[size]` → `page_size`). Empty for most
    /// tools; see [`ToolSpec::arguments_to_params`].
    pub renamed_arguments: IndexMap<String, String>,
    /// The output-shaping arguments ([`SHAPING_ARGUMENTS`]) this tool takes
    /// next to its parameters: all of them for `execute`, those not shadowed
    /// by a parameter for per-operation `get`/`list`/`search` tools.
    pub shaping_arguments: Vec<String>,
}

/// Output-shaping arguments a tool may take (see [`ShapeOptions`](super::ShapeOptions)).
pub const SHAPING_ARGUMENTS: [&str; 3] = ["select_fields", "exclude_fields", "skip_truncation"];

fn shaping_properties() -> [(&'static str, Value); 3] {
    [
        (
            "select_fields",
            json!({
                "type": "array",
                "items": {"type": "string"},
                "description": "Only return these record fields (dot paths for nested fields, e.g. `address.city`). Wins over exclude_fields.",
            }),
        ),
        (
            "exclude_fields",
            json!({
                "type": "array",
                "items": {"type": "string"},
                "description": "Remove these record fields (dot paths).",
            }),
        ),
        (
            "skip_truncation",
            json!({
                "type": "boolean",
                "default": true,
                "description": "Set to false to cut long text fields of list results to 200 characters.",
            }),
        ),
    ]
}

impl ToolSpec {
    /// Maps a per-operation tool call's arguments back to operation
    /// parameters (undoing [`ToolSpec::renamed_arguments`]).
    pub fn arguments_to_params(&self, args: Map<String, Value>) -> Map<String, Value> {
        args.into_iter()
            .map(|(k, v)| match self.renamed_arguments.get(&k) {
                Some(param) => (param.clone(), v),
                None => (k, v),
            })
            .collect()
    }

    /// The tool in `provider`'s format.
    pub fn to_provider(&self, provider: Provider) -> Value {
        match provider {
            Provider::OpenAi => json!({
                "type": "function",
                "function": {
                    "name": self.name,
                    "description": self.description,
                    "parameters": self.input_schema,
                }
            }),
            Provider::Anthropic => json!({
                "name": self.name,
                "description": self.description,
                "input_schema": self.input_schema,
            }),
            Provider::Mcp => json!({
                "name": self.name,
                "description": self.description,
                "inputSchema": self.input_schema,
            }),
        }
    }
}

/// The tools of a connector in `style` (see the module docs).
pub fn connector_tools(def: &ConnectorDefinition, style: ToolStyle) -> Vec<ToolSpec> {
    let mut names = ToolNames::default();
    match style {
        ToolStyle::Execute => vec![execute_tool(def, &mut names)],
        ToolStyle::PerOperation => def
            .operations()
            .map(|op| operation_tool(def, op, &mut names))
            .collect(),
    }
}

/// The tools of a connector, as `provider` JSON values.
///
/// ```no_run
/// use airbyte_agent_sdk::agent::{Provider, ToolStyle, export_tools};
///
/// let def = airbyte_agent_sdk::definition::load_path("specs/stripe/connector.yaml")?;
/// let tools = export_tools(&def, Provider::Anthropic, ToolStyle::Execute);
/// println!("{}", serde_json::to_string_pretty(&tools).unwrap_or_default());
/// # Ok::<(), airbyte_agent_sdk::Error>(())
/// ```
pub fn export_tools(def: &ConnectorDefinition, provider: Provider, style: ToolStyle) -> Vec<Value> {
    connector_tools(def, style)
        .iter()
        .map(|t| t.to_provider(provider))
        .collect()
}

/// Whether `name` is a valid tool name for every provider
/// (`^[a-zA-Z0-9_-]{1,64}$`).
pub fn is_valid_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_TOOL_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Makes a valid tool name from any text: other characters become `_`
/// (runs collapsed, ends trimmed); names longer than 64 characters keep a
/// prefix plus an 8-digit hash of the whole text, so distinct long names stay
/// distinct. Deterministic.
pub fn sanitize_tool_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '-' {
            c
        } else {
            '_'
        };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    let trimmed = out.trim_matches('_');
    let mut name = if trimmed.is_empty() {
        "tool".to_string()
    } else {
        trimmed.to_string()
    };
    if name.len() > MAX_TOOL_NAME_LEN {
        let hash = format!("{:08x}", fnv1a(raw.as_bytes()) as u32);
        name.truncate(MAX_TOOL_NAME_LEN - hash.len() - 1);
        name = format!("{}_{hash}", name.trim_end_matches('_'));
    }
    name
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Hands out unique sanitized names: a repeated name gets `_2`, `_3`, ….
#[derive(Default)]
struct ToolNames {
    used: HashSet<String>,
}

impl ToolNames {
    fn claim(&mut self, raw: &str) -> String {
        let base = sanitize_tool_name(raw);
        let mut name = base.clone();
        let mut n = 2;
        while self.used.contains(&name) {
            let suffix = format!("_{n}");
            let mut stem = base.clone();
            stem.truncate(MAX_TOOL_NAME_LEN - suffix.len());
            name = format!("{stem}{suffix}");
            n += 1;
        }
        self.used.insert(name.clone());
        name
    }
}

/// The input schema of an `execute` tool; `None` leaves entity or action a
/// free string.
fn execute_schema(entities: Option<Vec<Value>>, actions: Option<Vec<&str>>) -> Value {
    let mut entity = json!({"type": "string", "description": "Entity to operate on."});
    if let Some(entities) = entities {
        entity["enum"] = Value::Array(entities);
    }
    let mut action = json!({
        "type": "string",
        "description": "Action to run; must be one the entity supports (see the signatures).",
    });
    if let Some(actions) = actions {
        action["enum"] = json!(actions);
    }
    let mut props = Map::new();
    props.insert("entity".into(), entity);
    props.insert("action".into(), action);
    props.insert(
        "params".into(),
        json!({
            "type": "object",
            "description": "Parameters of the entity/action, by name (see the signatures).",
            "additionalProperties": true,
        }),
    );
    for (name, prop) in shaping_properties() {
        props.insert(name.to_string(), prop);
    }
    json!({
        "type": "object",
        "properties": props,
        "required": ["entity", "action"],
        "additionalProperties": false,
    })
}

/// An `execute` tool for a connector known without its definition (e.g. a
/// hosted connector whose type has no local definition): `entity` and
/// `action` are free strings, and `description` should tell the model where
/// to look the operations up. The name is sanitized like every tool name.
pub fn generic_execute_tool(name: &str, description: &str) -> ToolSpec {
    ToolSpec {
        name: sanitize_tool_name(name),
        description: clip_lines(description, MAX_TOOL_DESCRIPTION_CHARS),
        input_schema: execute_schema(None, None),
        target: ToolTarget::Execute,
        renamed_arguments: IndexMap::new(),
        shaping_arguments: SHAPING_ARGUMENTS.map(str::to_string).to_vec(),
    }
}

fn execute_tool(def: &ConnectorDefinition, names: &mut ToolNames) -> ToolSpec {
    let entities: Vec<Value> = def
        .entities
        .iter()
        .filter(|e| !e.operations.is_empty())
        .map(|e| Value::String(e.name.clone()))
        .collect();
    let mut actions: Vec<&str> = def.operations().map(|op| op.action.as_str()).collect();
    actions.sort_unstable();
    actions.dedup();
    let schema = execute_schema(Some(entities), Some(actions));
    let mut description = format!(
        "Execute an operation on {}: pick an entity and an action, pass its parameters in \
         `params` (`?` marks optional ones). Keep outputs small with \
         select_fields/exclude_fields, filters and small limits.\nValid entity/action signatures:",
        def.display_name
    );
    let summary = describe(def);
    let mut full = String::new();
    let mut compact = String::new();
    for entity in &summary.entities {
        let mut actions = Vec::new();
        for action in &entity.actions {
            let params: Vec<String> = action
                .params
                .iter()
                .map(|p| {
                    // Types of required parameters only: optional ones are
                    // many and the names say enough to look them up.
                    if p.required {
                        format!("{}: {}", p.name, p.type_name)
                    } else {
                        format!("{}?", p.name)
                    }
                })
                .collect();
            full.push_str(&format!(
                "\n- {}.{}({})",
                entity.name,
                action.action,
                params.join(", ")
            ));
            let required: Vec<&str> = action
                .params
                .iter()
                .filter(|p| p.required)
                .map(|p| p.name.as_str())
                .collect();
            actions.push(format!("{}({})", action.action, required.join(", ")));
        }
        compact.push_str(&format!("\n- {}: {}", entity.name, actions.join(", ")));
    }
    // Big connectors: one line per entity with required parameters only.
    if description.chars().count() + full.chars().count() <= MAX_TOOL_DESCRIPTION_CHARS {
        description.push_str(&full);
    } else {
        description.push_str(
            " (compact: entity: action(required params); optional params are not listed)",
        );
        description.push_str(&compact);
    }
    ToolSpec {
        name: names.claim(&format!("{}_execute", def.name)),
        description: clip_lines(&description, MAX_TOOL_DESCRIPTION_CHARS),
        input_schema: schema,
        target: ToolTarget::Execute,
        renamed_arguments: IndexMap::new(),
        shaping_arguments: SHAPING_ARGUMENTS.map(str::to_string).to_vec(),
    }
}

fn operation_tool(def: &ConnectorDefinition, op: &Operation, names: &mut ToolNames) -> ToolSpec {
    let (mut input_schema, renamed_arguments) = operation_input_schema(def, op);
    // Read actions also take the shaping arguments, unless a parameter
    // already uses the name.
    let mut shaping_arguments = Vec::new();
    if matches!(op.action, Action::Get | Action::List | Action::Search)
        && let Some(Value::Object(props)) = input_schema.get_mut("properties")
    {
        for (name, prop) in shaping_properties() {
            if !props.contains_key(name) && !renamed_arguments.contains_key(name) {
                props.insert(name.to_string(), prop);
                shaping_arguments.push(name.to_string());
            }
        }
    }
    ToolSpec {
        name: names.claim(&format!("{}_{}_{}", def.name, op.entity, op.action)),
        description: operation_description(def, op),
        input_schema,
        target: ToolTarget::Operation {
            entity: op.entity.clone(),
            action: op.action,
        },
        renamed_arguments,
        shaping_arguments,
    }
}

/// Whether `key` is a property key every provider accepts
/// (Anthropic: `^[a-zA-Z0-9_.-]{1,64}$`).
pub fn is_valid_property_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_TOOL_NAME_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// A valid property key for a parameter name, unique among `taken`.
fn property_key(name: &str, taken: &Map<String, Value>) -> String {
    if is_valid_property_key(name) && !taken.contains_key(name) {
        return name.to_string();
    }
    let base = sanitize_tool_name(name);
    let mut key = base.clone();
    let mut n = 2;
    while taken.contains_key(&key) {
        let suffix = format!("_{n}");
        let mut stem = base.clone();
        stem.truncate(MAX_TOOL_NAME_LEN - suffix.len());
        key = format!("{stem}{suffix}");
        n += 1;
    }
    key
}

fn operation_description(def: &ConnectorDefinition, op: &Operation) -> String {
    let mut text = format!("{}.{} ({}).", op.entity, op.action, def.display_name);
    for part in [op.summary.as_deref(), op.description.as_deref()]
        .into_iter()
        .flatten()
    {
        let part = part.trim();
        if !part.is_empty() && !text.contains(part) {
            text.push('\n');
            text.push_str(part);
        }
    }
    clip(&text, MAX_TOOL_DESCRIPTION_CHARS)
}

/// The input schema of one operation: parameters (path, query, header,
/// cookie) then body fields, as an object schema; and the renamed
/// arguments (argument → parameter name).
fn operation_input_schema(
    def: &ConnectorDefinition,
    op: &Operation,
) -> (Value, IndexMap<String, String>) {
    let mut props = Map::new();
    let mut required: Vec<String> = Vec::new();
    let mut renamed = IndexMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for p in &op.parameters {
        if !seen.insert(p.name.as_str()) {
            continue;
        }
        let key = property_key(&p.name, &props);
        if key != p.name {
            renamed.insert(key.clone(), p.name.clone());
        }
        let mut schema = sanitize_schema(&p.schema);
        if let (Value::Object(s), Some(d)) = (&mut schema, p.description.as_deref())
            && !s.contains_key("description")
            && !d.trim().is_empty()
        {
            s.insert("description".into(), Value::String(clip(d.trim(), 500)));
        }
        let scoped = def.scoping.iter().any(|s| s.param == p.name);
        if p.required && p.default.is_none() && p.config_inject.is_none() && !scoped {
            required.push(key.clone());
        }
        props.insert(key, schema);
    }
    let mut open = false;
    if let Some(body) = &op.request_body {
        open = body.accepts_any_field || body.graphql.is_some();
        let schema = body
            .schema
            .as_ref()
            .or_else(|| body.media_types.values().last().and_then(Option::as_ref));
        let item = match schema {
            Some(s) if body.is_array => s.get("items"),
            other => other,
        };
        if let Some(Value::Object(item)) = item {
            let required_fields: Vec<&str> = item
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let fields = item.get("properties").and_then(Value::as_object);
            for (name, field) in fields.into_iter().flatten() {
                if !seen.insert(name.as_str()) {
                    continue;
                }
                let key = property_key(name, &props);
                if &key != name {
                    renamed.insert(key.clone(), name.clone());
                }
                if body.required && required_fields.contains(&name.as_str()) {
                    required.push(key.clone());
                }
                props.insert(key, sanitize_schema(field));
            }
        }
    }
    let mut root = Map::new();
    root.insert("type".into(), "object".into());
    root.insert("properties".into(), Value::Object(props));
    if !required.is_empty() {
        root.insert("required".into(), required.into());
    }
    root.insert("additionalProperties".into(), Value::Bool(open));
    (Value::Object(root), renamed)
}

/// Keeps whole lines up to `max` characters and says how many were left out.
fn clip_lines(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut used = 0;
    for (i, line) in lines.iter().enumerate() {
        let note = format!("\n… {} more lines omitted.", lines.len() - i);
        let len = line.chars().count() + usize::from(i > 0);
        if used + len + note.chars().count() > max {
            if out.is_empty() {
                return clip(text, max);
            }
            out.push_str(&note);
            return out;
        }
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line);
        used += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitized_deterministically() {
        assert_eq!(
            sanitize_tool_name("zendesk-support_ticket.audits_list"),
            "zendesk-support_ticket_audits_list"
        );
        assert_eq!(sanitize_tool_name("  ..  "), "tool");
        assert_eq!(sanitize_tool_name("a  b"), "a_b");
        let long = "x".repeat(100);
        let a = sanitize_tool_name(&long);
        assert_eq!(a.len(), MAX_TOOL_NAME_LEN);
        assert!(is_valid_tool_name(&a));
        assert_eq!(a, sanitize_tool_name(&long));
        assert_ne!(a, sanitize_tool_name(&format!("{long}y")));
        assert!(is_valid_tool_name(&sanitize_tool_name("ünïcödé/名前")));
    }

    #[test]
    fn duplicates_are_numbered() {
        let mut names = ToolNames::default();
        assert_eq!(names.claim("a.b"), "a_b");
        assert_eq!(names.claim("a b"), "a_b_2");
        assert_eq!(names.claim("a/b"), "a_b_3");
        let long = "y".repeat(80);
        let first = names.claim(&long);
        let second = names.claim(&long);
        assert_ne!(first, second);
        assert!(is_valid_tool_name(&second));
    }

    #[test]
    fn clip_lines_keeps_whole_lines() {
        let text: String = std::iter::once("head".to_string())
            .chain((0..10).map(|i| format!("- line {i:02}")))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(clip_lines(&text, 1000), text);
        let out = clip_lines(&text, 60);
        assert!(out.starts_with("head\n- line 00\n"), "{out}");
        assert!(out.ends_with("more lines omitted."), "{out}");
        assert!(out.chars().count() <= 60);
        let kept = out.lines().filter(|l| l.starts_with("- line")).count();
        assert!(
            out.contains(&format!("{} more lines omitted", 10 - kept)),
            "{out}"
        );
    }

    #[test]
    fn property_keys_are_made_valid_and_unique() {
        let mut taken = Map::new();
        assert_eq!(property_key("page.size", &taken), "page.size");
        assert_eq!(property_key("page[size]", &taken), "page_size");
        taken.insert("page_size".into(), Value::Null);
        assert_eq!(property_key("page[size]", &taken), "page_size_2");
        assert_eq!(property_key("tags[]", &taken), "tags");
    }

    #[test]
    fn generic_execute_tool_takes_free_entity_and_action() {
        let tool = generic_execute_tool("My Stripe (prod)_execute", "Run an operation.");
        assert_eq!(tool.name, "My_Stripe_prod_execute");
        let props = &tool.input_schema["properties"];
        assert!(props["entity"].get("enum").is_none());
        assert!(props["action"].get("enum").is_none());
        for name in SHAPING_ARGUMENTS {
            assert!(props.get(name).is_some(), "{name}");
        }
        let call = tool
            .parse_call(&json!({"entity": "customers", "action": "list", "params": {"limit": 1}}))
            .expect("valid call");
        assert_eq!(call.config.entity, "customers");
        assert_eq!(call.config.params["limit"], 1);
    }

    #[test]
    fn parses_provider_and_style() {
        assert_eq!("openai".parse::<Provider>(), Ok(Provider::OpenAi));
        assert!("gemini".parse::<Provider>().is_err());
        assert_eq!(
            "per-operation".parse::<ToolStyle>(),
            Ok(ToolStyle::PerOperation)
        );
        assert_eq!(ToolStyle::default(), ToolStyle::Execute);
    }
}
