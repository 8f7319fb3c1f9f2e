//! `describe`: a serializable summary of a definition (entities, actions,
//! parameters with types, required flags and allowed values), printed by
//! `airbyte-agent definitions show`.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::model::{
    Action, AuthType, CheckOperation, ConnectorDefinition, HttpMethod, Operation, Parameter,
};

/// Summary of a whole definition.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct DefinitionSummary {
    /// Connector name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Definition id.
    pub definition_id: String,
    /// Definition version.
    pub version: String,
    /// Base URL template (first server).
    pub base_url: Option<String>,
    /// Variables of the base URL.
    pub server_variables: Vec<VariableSummary>,
    /// Ways to authenticate.
    pub auth: Vec<AuthSummary>,
    /// The operation `check` runs.
    pub check: Option<CheckOperation>,
    /// Number of executable operations.
    pub operation_count: usize,
    /// Entities in definition order.
    pub entities: Vec<EntitySummary>,
}

/// A server URL variable.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct VariableSummary {
    /// Name.
    pub name: String,
    /// Default value (may be empty).
    pub default: String,
    /// Allowed values, if restricted.
    pub allowed: Option<Vec<String>>,
}

/// One auth option.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct AuthSummary {
    /// Scheme name.
    pub scheme: String,
    /// Auth type.
    pub auth_type: AuthType,
    /// Title of the credential form.
    pub title: Option<String>,
    /// Credential fields.
    pub fields: Vec<CredentialFieldSummary>,
}

/// One credential field.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct CredentialFieldSummary {
    /// Field name (the `--auth` key).
    pub name: String,
    /// Field type.
    pub field_type: String,
    /// Must be supplied.
    pub required: bool,
    /// Is a secret.
    pub secret: bool,
    /// Description or title.
    pub description: Option<String>,
}

/// One entity.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct EntitySummary {
    /// Entity name.
    pub name: String,
    /// Actions in definition order.
    pub actions: Vec<ActionSummary>,
}

/// One action of an entity.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ActionSummary {
    /// Action.
    pub action: Action,
    /// HTTP method.
    pub method: HttpMethod,
    /// Path requested.
    pub path: String,
    /// Summary or description, first line.
    pub description: Option<String>,
    /// Follows pages (`paginate` can stream it).
    pub paginated: bool,
    /// Parameters callers can pass.
    pub params: Vec<ParamSummary>,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamPlace {
    /// Path placeholder.
    Path,
    /// Query string.
    Query,
    /// Header.
    Header,
    /// Cookie.
    Cookie,
    /// Request body field (or GraphQL variable).
    Body,
}

impl fmt::Display for ParamPlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParamPlace::Path => "path",
            ParamPlace::Query => "query",
            ParamPlace::Header => "header",
            ParamPlace::Cookie => "cookie",
            ParamPlace::Body => "body",
        })
    }
}

/// One parameter.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ParamSummary {
    /// Name.
    pub name: String,
    /// Where it goes.
    pub place: ParamPlace,
    /// Type (`string`, `integer`, `array<string>`, `string|null`, …).
    pub type_name: String,
    /// Must be supplied.
    pub required: bool,
    /// Default value.
    pub default: Option<Value>,
    /// Allowed values.
    pub allowed: Option<Vec<Value>>,
    /// Filled from connector config when omitted.
    pub from_config: bool,
    /// Description, first line.
    pub description: Option<String>,
}

/// Summarizes a definition.
pub fn describe(def: &ConnectorDefinition) -> DefinitionSummary {
    DefinitionSummary {
        name: def.name.clone(),
        display_name: def.display_name.clone(),
        definition_id: def.definition_id.clone(),
        version: def.version.clone(),
        base_url: def.base_url().map(str::to_string),
        server_variables: def
            .servers
            .first()
            .map(|s| {
                s.variables
                    .iter()
                    .map(|(name, v)| VariableSummary {
                        name: name.clone(),
                        default: v.default.clone(),
                        allowed: v.enum_values.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        auth: def
            .auth_options
            .iter()
            .map(|o| AuthSummary {
                scheme: o.scheme_name.clone(),
                auth_type: o.auth_type,
                title: o.user_config.title.clone(),
                fields: o
                    .user_config
                    .properties
                    .iter()
                    .map(|(name, f)| CredentialFieldSummary {
                        name: name.clone(),
                        field_type: f.field_type.clone(),
                        required: o.user_config.required.contains(name),
                        secret: f.secret,
                        description: f.description.clone().or_else(|| f.title.clone()),
                    })
                    .collect(),
            })
            .collect(),
        check: def.check_operation(),
        operation_count: def.operations().count(),
        entities: def
            .entities
            .iter()
            .map(|e| EntitySummary {
                name: e.name.clone(),
                actions: e
                    .operations
                    .values()
                    .map(|op| summarize_operation(def, op))
                    .collect(),
            })
            .collect(),
    }
}

fn summarize_operation(def: &ConnectorDefinition, op: &Operation) -> ActionSummary {
    let mut params: Vec<ParamSummary> = op
        .parameters
        .iter()
        .map(|p| summarize_param(def, p))
        .collect();
    if let Some(body) = &op.request_body {
        // For GraphQL bodies the reference ignores the schema, but it still
        // documents the variables callers pass.
        let schema = body
            .schema
            .as_ref()
            .or_else(|| body.media_types.values().last().and_then(Option::as_ref));
        let item_schema = match schema {
            Some(s) if body.is_array => s.get("items"),
            other => other,
        };
        if let Some(schema) = item_schema {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (name, prop) in props {
                    if params.iter().any(|p| &p.name == name) {
                        continue;
                    }
                    params.push(ParamSummary {
                        name: name.clone(),
                        place: ParamPlace::Body,
                        type_name: schema_type(prop),
                        required: required.contains(&name.as_str()),
                        default: prop.get("default").cloned(),
                        allowed: prop.get("enum").and_then(Value::as_array).cloned(),
                        from_config: false,
                        description: first_line(prop.get("description").and_then(Value::as_str)),
                    });
                }
            }
        }
    }
    ActionSummary {
        action: op.action,
        method: op.method,
        path: op.request_path().to_string(),
        description: first_line(op.summary.as_deref().or(op.description.as_deref())),
        paginated: !op.meta_extractor.is_empty() && op.no_pagination.is_none(),
        params,
    }
}

fn summarize_param(def: &ConnectorDefinition, p: &Parameter) -> ParamSummary {
    let scoped = def.scoping.iter().any(|s| s.param == p.name);
    ParamSummary {
        name: p.name.clone(),
        place: match p.location {
            super::model::ParamLocation::Path => ParamPlace::Path,
            super::model::ParamLocation::Query => ParamPlace::Query,
            super::model::ParamLocation::Header => ParamPlace::Header,
            super::model::ParamLocation::Cookie => ParamPlace::Cookie,
        },
        type_name: schema_type(&p.schema),
        required: p.required && p.default.is_none() && p.config_inject.is_none() && !scoped,
        default: p.default.clone(),
        allowed: p.enum_values.clone(),
        from_config: p.config_inject.is_some() || scoped,
        description: first_line(p.description.as_deref()),
    }
}

/// A compact type name for a schema: `string`, `array<integer>`,
/// `string|null`, `object`, `any`.
fn schema_type(schema: &Value) -> String {
    match schema.get("type") {
        Some(Value::String(t)) if t == "array" => {
            let inner = schema
                .get("items")
                .map(schema_type)
                .unwrap_or_else(|| "any".into());
            format!("array<{inner}>")
        }
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("|"),
        _ => {
            for key in ["oneOf", "anyOf"] {
                if let Some(options) = schema.get(key).and_then(Value::as_array) {
                    return options
                        .iter()
                        .map(schema_type)
                        .collect::<Vec<_>>()
                        .join("|");
                }
            }
            if schema.get("properties").is_some() {
                "object".to_string()
            } else {
                "any".to_string()
            }
        }
    }
}

fn first_line(text: Option<&str>) -> Option<String> {
    text.and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(str::to_string)
}

fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl fmt::Display for DefinitionSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} ({}) version {}  id {}",
            self.name, self.display_name, self.version, self.definition_id
        )?;
        if let Some(url) = &self.base_url {
            writeln!(f, "base URL: {url}")?;
        }
        for v in &self.server_variables {
            let allowed = v
                .allowed
                .as_ref()
                .map(|a| format!(" (one of {})", a.join(", ")))
                .unwrap_or_default();
            writeln!(f, "  variable {} default `{}`{allowed}", v.name, v.default)?;
        }
        for a in &self.auth {
            let fields: Vec<String> = a
                .fields
                .iter()
                .map(|fd| format!("{}{}", fd.name, if fd.required { "*" } else { "" }))
                .collect();
            let auth_type = serde_json::to_value(a.auth_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            writeln!(f, "auth {} ({auth_type}): {}", a.scheme, fields.join(", "))?;
        }
        if let Some(check) = &self.check {
            writeln!(f, "check: {} {}", check.entity, check.action)?;
        }
        writeln!(
            f,
            "{} entities, {} operations",
            self.entities.len(),
            self.operation_count
        )?;
        for e in &self.entities {
            writeln!(f)?;
            writeln!(f, "{}", e.name)?;
            for a in &e.actions {
                writeln!(
                    f,
                    "  {:<9}{:<7}{}{}",
                    a.action.as_str(),
                    a.method.as_str(),
                    a.path,
                    if a.paginated { "  [paginated]" } else { "" }
                )?;
                for p in &a.params {
                    let mut extra = Vec::new();
                    if p.required {
                        extra.push("required".to_string());
                    }
                    if p.from_config {
                        extra.push("from config".to_string());
                    }
                    if let Some(d) = &p.default {
                        extra.push(format!("default {}", display_value(d)));
                    }
                    if let Some(allowed) = &p.allowed {
                        let shown: Vec<String> =
                            allowed.iter().take(12).map(display_value).collect();
                        let more = if allowed.len() > 12 { ", …" } else { "" };
                        extra.push(format!("one of {}{more}", shown.join(", ")));
                    }
                    let extra = if extra.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", extra.join("; "))
                    };
                    writeln!(f, "      {} [{}] {}{extra}", p.name, p.place, p.type_name)?;
                }
            }
        }
        Ok(())
    }
}
