//! The root of the model: [`ConnectorDefinition`].

use std::path::PathBuf;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{
    Action, AuthOption, Entity, Extensions, Operation, SecurityRequirement, SecurityScheme,
};
use crate::definition::extensions::{
    EntityRelationship, ResponseErrorCheck, RetryConfig, RuntimeMode, ScopingParam,
};
use crate::error::{Error, Result};

/// A loaded, validated connector definition.
///
/// Built by [`load_path`](crate::definition::load_path),
/// [`load_str`](crate::definition::load_str) or
/// [`load_dir`](crate::definition::load_dir). Everything the local engine
/// needs is typed here; informational extensions are kept raw in
/// [`ConnectorDefinition::extensions`].
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ConnectorDefinition {
    /// The file the definition was read from, when it came from disk.
    pub file: Option<PathBuf>,
    /// Connector name: `x-airbyte-connector-name`, else the title
    /// lower-cased with spaces replaced by `-` (the reference's rule).
    pub name: String,
    /// `x-airbyte-connector-display-name`, else `info.title`.
    pub display_name: String,
    /// `info.title`.
    pub title: String,
    /// `x-airbyte-connector-definition-id` (a UUID, lower-case).
    pub definition_id: String,
    /// `info.version` (the definition's version).
    pub version: String,
    /// `openapi` (always `3.1.x`).
    pub openapi_version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// `servers`, in order. The engine uses the first one.
    pub servers: Vec<Server>,
    /// `components.securitySchemes`, in order.
    pub security_schemes: Vec<SecurityScheme>,
    /// Root `security` requirements.
    pub security: Vec<SecurityRequirement>,
    /// How to authenticate: one option per usable security scheme, or one
    /// generated bearer option when the definition declares none.
    pub auth_options: Vec<AuthOption>,
    /// Entities in order of first appearance (paths in document order,
    /// methods in [`HttpMethod::LOAD_ORDER`](super::HttpMethod::LOAD_ORDER)).
    pub entities: Vec<Entity>,
    /// `x-airbyte-retry-config`; `None` means the engine defaults
    /// ([`ConnectorDefinition::retry_config`]).
    pub retry: Option<RetryConfig>,
    /// `x-airbyte-response-error-check`: detect errors returned with HTTP 200.
    pub response_error_check: Option<ResponseErrorCheck>,
    /// `x-airbyte-scoping`: path parameters filled from connector config.
    pub scoping: Vec<ScopingParam>,
    /// `x-airbyte-runtime-mode`.
    pub runtime_mode: Option<RuntimeMode>,
    /// `x-airbyte-entity-relationships`.
    pub relationships: Vec<EntityRelationship>,
    /// Other `info` extensions (documentation, AI hints, context store,
    /// replication settings…), raw, by name.
    pub extensions: Extensions,
    /// `components.schemas`, raw (unresolved), for describe and codegen.
    #[serde(skip)]
    pub schemas: Map<String, Value>,
    /// The parsed document, for `lint` and tools that need what the model
    /// does not carry (shared with the [`LazySchema`](super::LazySchema)s
    /// that are inlined from it).
    #[serde(skip)]
    pub document: Arc<Value>,
}

/// One `servers` entry.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Server {
    /// URL template, e.g. `https://{subdomain}.zendesk.com/api/v2`.
    pub url: String,
    /// `description`.
    pub description: Option<String>,
    /// `{name}` variables of the URL, in order.
    pub variables: IndexMap<String, ServerVariable>,
    /// Server extensions (`x-airbyte-replication-environment-mapping`…), raw.
    pub extensions: Extensions,
}

/// A server URL variable.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ServerVariable {
    /// `default` (required by OpenAPI; may be empty).
    pub default: String,
    /// `enum`: the allowed values, when restricted.
    pub enum_values: Option<Vec<String>>,
    /// `description`.
    pub description: Option<String>,
}

/// The operation `check` runs, chosen by [`ConnectorDefinition::check_operation`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CheckOperation {
    /// Entity name.
    pub entity: String,
    /// Action.
    pub action: Action,
    /// Parameters to pass: `{"limit": 1}` for list operations, else empty.
    pub params: Map<String, Value>,
}

impl ConnectorDefinition {
    /// The entity with this name.
    pub fn entity(&self, name: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.name == name)
    }

    /// Entity names, in definition order.
    pub fn entity_names(&self) -> Vec<String> {
        self.entities.iter().map(|e| e.name.clone()).collect()
    }

    /// Every operation, entity by entity.
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.entities.iter().flat_map(|e| e.operations.values())
    }

    /// Every operation declaration, including the ones shadowed by a later
    /// declaration of the same entity/action ([`Entity::shadowed`]).
    pub fn declared_operations(&self) -> impl Iterator<Item = &Operation> {
        self.entities
            .iter()
            .flat_map(|e| e.operations.values().chain(e.shadowed.iter()))
    }

    /// The operation for `entity`/`action` given by name, or the error the
    /// executor returns: [`Error::EntityNotFound`] listing the valid entities,
    /// or [`Error::ActionNotSupported`] listing the entity's actions.
    pub fn find_operation(&self, entity: &str, action: &str) -> Result<&Operation> {
        let Some(ent) = self.entity(entity) else {
            return Err(Error::EntityNotFound {
                connector: self.name.clone(),
                entity: entity.to_string(),
                available: self.entity_names(),
            });
        };
        ent.action_named(action)
            .ok_or_else(|| Error::ActionNotSupported {
                entity: entity.to_string(),
                action: action.to_string(),
                available: ent.action_names(),
            })
    }

    /// The base URL template: the first server's URL (variables unresolved),
    /// or `None` when the definition declares no server.
    pub fn base_url(&self) -> Option<&str> {
        self.servers.first().map(|s| s.url.as_str())
    }

    /// Defaults of the first server's variables, skipping empty defaults
    /// (used when config does not supply a variable).
    pub fn server_variable_defaults(&self) -> IndexMap<String, String> {
        self.servers
            .first()
            .map(|s| {
                s.variables
                    .iter()
                    .filter(|(_, v)| !v.default.is_empty())
                    .map(|(k, v)| (k.clone(), v.default.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The retry policy: `x-airbyte-retry-config`, else the defaults.
    pub fn retry_config(&self) -> RetryConfig {
        self.retry.clone().unwrap_or_default()
    }

    /// Whether the user chooses between several auth options.
    pub fn is_multi_auth(&self) -> bool {
        self.security_schemes.len() > 1
    }

    /// The auth option for a scheme name.
    pub fn auth_option(&self, scheme_name: &str) -> Option<&AuthOption> {
        self.auth_options
            .iter()
            .find(|o| o.scheme_name == scheme_name)
    }

    /// The security scheme with this name.
    pub fn security_scheme(&self, name: &str) -> Option<&SecurityScheme> {
        self.security_schemes.iter().find(|s| s.name == name)
    }

    /// The operation `check` runs: the first operation marked
    /// `x-airbyte-preferred-for-check` (entity order, then action order),
    /// else the first `list` operation without required parameters
    /// ([`Operation::has_required_params`]). List checks pass `limit: 1`.
    pub fn check_operation(&self) -> Option<CheckOperation> {
        let preferred = self
            .operations()
            .find(|op| op.preferred_for_check)
            .map(|op| (op.entity.clone(), op.action));
        let chosen = preferred.or_else(|| {
            self.entities.iter().find_map(|e| {
                e.action(Action::List)
                    .filter(|op| !op.has_required_params())
                    .map(|op| (op.entity.clone(), Action::List))
            })
        })?;
        let mut params = Map::new();
        if chosen.1 == Action::List {
            params.insert("limit".to_string(), Value::from(1));
        }
        Some(CheckOperation {
            entity: chosen.0,
            action: chosen.1,
            params,
        })
    }

    /// Relationships whose source is `entity` (`x-airbyte-entity-relationships`).
    pub fn relationships_of<'a>(
        &'a self,
        entity: &'a str,
    ) -> impl Iterator<Item = &'a EntityRelationship> + 'a {
        self.relationships
            .iter()
            .filter(move |r| r.source_entity == entity)
    }

    /// `x-airbyte-replication-config.replication_config_constants`, raw:
    /// the `config` the reference renders `x-airbyte-probe-default`
    /// templates with (values may themselves be Jinja date expressions).
    pub fn replication_config_constants(&self) -> Map<String, Value> {
        self.extensions
            .get("x-airbyte-replication-config")
            .and_then(|c| c.get("replication_config_constants"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    /// An informational extension of `info` by name, raw.
    pub fn extension(&self, name: &str) -> Option<&Value> {
        self.extensions.get(name)
    }
}
