//! Turning a parsed document into a [`ConnectorDefinition`], validating as
//! it goes. Every error names the offending node's JSON pointer.

mod auth;
mod operation;

use std::sync::Arc;

pub(crate) use auth::{OptionProblem, build_option};

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::extensions::{
    EntityRelationship, ResponseErrorCheck, RetryAfterFormat, RetryConfig, RuntimeMode,
    ScopingParam,
};
use super::model::{
    ConnectorDefinition, Entity, HttpMethod, Operation, Parameter, Server, ServerVariable,
};
use super::node::{Ctx, Node, type_name};
use super::refs::Resolver;
use crate::error::Error;

type R<T> = Result<T, Error>;

/// `info` extensions mapped to typed fields.
const INFO_TYPED: &[&str] = &[
    "x-airbyte-connector-name",
    "x-airbyte-connector-display-name",
    "x-airbyte-connector-definition-id",
    "x-airbyte-retry-config",
    "x-airbyte-response-error-check",
    "x-airbyte-scoping",
    "x-airbyte-runtime-mode",
    "x-airbyte-entity-relationships",
];

/// Builds the model from a parsed document, which the model keeps (moved,
/// not copied: it is as large as every other part of the model together).
pub(crate) fn build_connector(doc: Value, ctx: &Ctx) -> R<ConnectorDefinition> {
    build_model(&Arc::new(doc), ctx)
}

/// The model of `document`, which it keeps.
fn build_model(document: &Arc<Value>, ctx: &Ctx) -> R<ConnectorDefinition> {
    let doc: &Value = document;
    let root = Node::root(doc, ctx);
    if !doc.is_object() {
        return Err(root.error(format!(
            "a connector definition must be a mapping (an OpenAPI 3.1 document), found {}",
            type_name(doc)
        )));
    }
    let resolver = Resolver::new(document, ctx);

    let openapi_node = root.required("openapi")?;
    let openapi_version = openapi_node.as_scalar_string()?;
    if !openapi_version.starts_with("3.1.") {
        return Err(openapi_node.error(format!(
            "unsupported OpenAPI version `{openapi_version}`; only 3.1.x is supported"
        )));
    }

    let info = root.required("info")?;
    let title = info.req_str("title")?;
    let version = info.required("version")?.as_scalar_string()?;
    let name = match info.opt_str("x-airbyte-connector-name")? {
        Some(n) if !n.trim().is_empty() => n,
        _ => title.to_lowercase().replace(' ', "-"),
    };
    let id_node = info.required("x-airbyte-connector-definition-id")?;
    let definition_id = id_node.as_str()?.to_ascii_lowercase();
    if !is_uuid(&definition_id) {
        return Err(id_node.error(format!(
            "`{definition_id}` is not a UUID (expected 8-4-4-4-12 hex digits)"
        )));
    }

    let servers = match root.field("servers")? {
        None => Vec::new(),
        Some(list) => list
            .items()?
            .iter()
            .map(build_server)
            .collect::<R<Vec<_>>>()?,
    };

    let components = root.field("components")?;
    let schemas = match &components {
        Some(c) => match c.field("schemas")? {
            Some(s) => s.obj()?.clone(),
            None => Map::new(),
        },
        None => Map::new(),
    };
    let scheme_nodes = match &components {
        Some(c) => c.field("securitySchemes")?,
        None => None,
    };
    let security_schemes = auth::build_security_schemes(&resolver, scheme_nodes.clone(), &servers)?;
    let auth_options = auth::build_options(&security_schemes).map_err(|(i, reason)| {
        let pointer = scheme_nodes
            .as_ref()
            .and_then(|n| n.entries().ok())
            .and_then(|e| e.get(i).map(|(_, n)| n.pointer.clone()))
            .unwrap_or_default();
        ctx.error(pointer, reason)
    })?;

    let paths = root.required("paths")?;
    if paths.obj()?.is_empty() {
        return Err(paths.error("a connector definition needs at least one path"));
    }
    let mut entities: Vec<Entity> = Vec::new();
    for (path, item) in paths.entries()? {
        let item = resolver.deref(item)?;
        item.obj()?;
        let mut shared: Vec<Parameter> = Vec::new();
        if let Some(list) = item.field("parameters")? {
            for p in list.items()? {
                shared.push(operation::build_parameter(&resolver, &p)?);
            }
        }
        for method in HttpMethod::LOAD_ORDER {
            if let Some(op_node) = item.field(method.openapi_key())? {
                let op = operation::build_operation(&resolver, path, method, &op_node, &shared)?;
                insert_operation(&mut entities, op);
            }
        }
    }
    for entity in &mut entities {
        attach_entity_schema(&resolver, entity, &schemas, components.as_ref())?;
    }

    Ok(ConnectorDefinition {
        file: ctx.file.clone(),
        display_name: info
            .opt_str("x-airbyte-connector-display-name")?
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| title.clone()),
        name,
        title,
        definition_id,
        version,
        openapi_version,
        description: info.opt_str("description")?,
        servers,
        security: match root.field("security")? {
            Some(n) => operation::security_list(&n)?,
            None => Vec::new(),
        },
        security_schemes,
        auth_options,
        entities,
        retry: info
            .field("x-airbyte-retry-config")?
            .map(|n| build_retry(&n))
            .transpose()?,
        response_error_check: info
            .field("x-airbyte-response-error-check")?
            .map(|n| {
                let on_value = n
                    .obj()?
                    .get("on_value")
                    .cloned()
                    .ok_or_else(|| n.error("missing required field `on_value`"))?;
                Ok::<_, Error>(ResponseErrorCheck {
                    field: n.req_nonempty_str("field")?,
                    on_value,
                    message_field: n.opt_str("message_field")?,
                })
            })
            .transpose()?,
        scoping: match info.field("x-airbyte-scoping")? {
            None => Vec::new(),
            Some(list) => list
                .items()?
                .iter()
                .map(|n| {
                    Ok(ScopingParam {
                        param: n.req_nonempty_str("param")?,
                        config_key: n.opt_str("config_key")?,
                        value_template: n.opt_str("value_template")?,
                    })
                })
                .collect::<R<Vec<_>>>()?,
        },
        runtime_mode: match info.field("x-airbyte-runtime-mode")? {
            None => None,
            Some(n) => Some(match n.as_str()? {
                "direct_only" => RuntimeMode::DirectOnly,
                "context_store_only" => RuntimeMode::ContextStoreOnly,
                "direct_and_context_store" => RuntimeMode::DirectAndContextStore,
                other => {
                    return Err(n.error(format!(
                        "unknown runtime mode `{other}`; expected direct_only, context_store_only or direct_and_context_store"
                    )));
                }
            }),
        },
        relationships: match info.field("x-airbyte-entity-relationships")? {
            None => Vec::new(),
            Some(list) => list
                .items()?
                .iter()
                .map(|n| {
                    Ok(EntityRelationship {
                        source_entity: n.req_str("source_entity")?,
                        target_entity: n.req_str("target_entity")?,
                        foreign_key: n.req_str("foreign_key")?,
                        target_key: n.opt_str("target_key")?.unwrap_or_else(|| "id".to_string()),
                        cardinality: n.opt_str("cardinality")?,
                        description: n.opt_str("description")?,
                        parent_record_filter: n
                            .field("parent_record_filter")?
                            .map(|f| f.value.clone()),
                    })
                })
                .collect::<R<Vec<_>>>()?,
        },
        extensions: info.extensions(INFO_TYPED)?,
        schemas,
        document: Arc::clone(document),
    })
}

/// Adds an operation to its entity; a second declaration of the same
/// entity/action replaces the first in place (the reference's behaviour).
fn insert_operation(entities: &mut Vec<Entity>, op: Operation) {
    let entity = match entities.iter_mut().position(|e| e.name == op.entity) {
        Some(i) => &mut entities[i],
        None => {
            entities.push(Entity {
                name: op.entity.clone(),
                operations: IndexMap::new(),
                shadowed: Vec::new(),
                schema: None,
                schema_name: None,
                stream_name: None,
                ai_hints: None,
            });
            let last = entities.len() - 1;
            &mut entities[last]
        }
    };
    if let Some(replaced) = entity.operations.insert(op.action, op) {
        entity.shadowed.push(replaced);
    }
}

/// Finds the entity's record schema in `components.schemas`.
fn attach_entity_schema(
    resolver: &Resolver<'_>,
    entity: &mut Entity,
    schemas: &Map<String, Value>,
    components: Option<&Node<'_>>,
) -> R<()> {
    let Some(components) = components else {
        return Ok(());
    };
    let found = schemas.iter().find(|(name, schema)| {
        schema.get("x-airbyte-entity-name").and_then(Value::as_str) == Some(entity.name.as_str())
            || name.to_lowercase() == entity.name.to_lowercase()
    });
    let Some((name, schema)) = found else {
        return Ok(());
    };
    let node = Node {
        value: schema,
        pointer: format!(
            "{}/schemas/{}",
            components.pointer,
            super::node::escape_token(name)
        ),
        ctx: components.ctx,
    };
    entity.schema = Some(resolver.lazy(&node)?);
    entity.schema_name = Some(name.clone());
    entity.stream_name = schema
        .get("x-airbyte-stream-name")
        .and_then(Value::as_str)
        .map(str::to_string);
    entity.ai_hints = schema.get("x-airbyte-ai-hints").cloned();
    Ok(())
}

fn build_server(node: &Node<'_>) -> R<Server> {
    let url = node.req_nonempty_str("url")?;
    let mut variables = IndexMap::new();
    if let Some(vars) = node.field("variables")? {
        for (name, var) in vars.entries()? {
            let enum_values = match var.field("enum")? {
                None => None,
                Some(e) => Some(
                    e.items()?
                        .iter()
                        .map(|i| i.as_scalar_string())
                        .collect::<R<Vec<_>>>()?,
                ),
            };
            variables.insert(
                name.to_string(),
                ServerVariable {
                    default: var.required("default")?.as_scalar_string()?,
                    enum_values,
                    description: var.opt_str("description")?,
                },
            );
        }
    }
    Ok(Server {
        url,
        description: node.opt_str("description")?,
        variables,
        extensions: node.extensions(&[])?,
    })
}

fn build_retry(node: &Node<'_>) -> R<RetryConfig> {
    let d = RetryConfig::default();
    let number = |key: &str, default: f64| -> R<f64> {
        match node.field(key)? {
            None => Ok(default),
            Some(n) => n
                .value
                .as_f64()
                .filter(|v| *v >= 0.0)
                .ok_or_else(|| n.error(format!("`{key}` must be a non-negative number"))),
        }
    };
    let max_attempts = match node.field("max_attempts")? {
        None => d.max_attempts,
        Some(n) => n
            .value
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v >= 1)
            .ok_or_else(|| n.error("`max_attempts` must be an integer >= 1"))?,
    };
    let retry_on_status_codes = match node.field("retry_on_status_codes")? {
        None => d.retry_on_status_codes.clone(),
        Some(list) => list
            .items()?
            .iter()
            .map(|n| {
                n.value
                    .as_u64()
                    .and_then(|v| u16::try_from(v).ok())
                    .filter(|v| (100..600).contains(v))
                    .ok_or_else(|| n.error("status codes must be integers between 100 and 599"))
            })
            .collect::<R<Vec<_>>>()?,
    };
    let retry_after_format = match node.field("retry_after_format")? {
        None => d.retry_after_format,
        Some(n) => match n.as_str()? {
            "seconds" => RetryAfterFormat::Seconds,
            "milliseconds" => RetryAfterFormat::Milliseconds,
            "unix_timestamp" => RetryAfterFormat::UnixTimestamp,
            other => {
                return Err(n.error(format!(
                    "unknown retry_after_format `{other}`; expected seconds, milliseconds or unix_timestamp"
                )));
            }
        },
    };
    Ok(RetryConfig {
        max_attempts,
        initial_delay_seconds: number("initial_delay_seconds", d.initial_delay_seconds)?,
        max_delay_seconds: number("max_delay_seconds", d.max_delay_seconds)?,
        exponential_base: number("exponential_base", d.exponential_base)?,
        jitter: node.opt_bool("jitter")?.unwrap_or(d.jitter),
        retry_on_status_codes,
        retry_on_timeout: node
            .opt_bool("retry_on_timeout")?
            .unwrap_or(d.retry_on_timeout),
        retry_on_network_error: node
            .opt_bool("retry_on_network_error")?
            .unwrap_or(d.retry_on_network_error),
        retry_after_header: node
            .opt_str("retry_after_header")?
            .unwrap_or(d.retry_after_header),
        retry_after_format,
    })
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}
