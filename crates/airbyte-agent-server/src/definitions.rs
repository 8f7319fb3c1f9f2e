//! The connector definitions the server can execute, by definition id.
//!
//! Definitions come from `--definitions DIR` (YAML files with the
//! `x-airbyte-*` metadata; the id is `x-airbyte-connector-definition-id`)
//! and from [`ServerBuilder::definition`](crate::ServerBuilder::definition).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use airbyte_agent_sdk::definition::{self, ConnectorDefinition};
use airbyte_agent_sdk::{Error, Result};

/// Loaded definitions, looked up by id or connector type.
#[derive(Debug, Default)]
pub(crate) struct DefinitionRegistry {
    defs: Vec<Arc<ConnectorDefinition>>,
    /// Definition id (lower case) → base URL replacing the definition's server.
    base_urls: HashMap<String, String>,
}

impl DefinitionRegistry {
    /// Adds a definition; a second one with the same id is an error.
    pub fn add(&mut self, def: ConnectorDefinition) -> Result<()> {
        if def.definition_id.trim().is_empty() {
            return Err(Error::Definition {
                file: def.file.clone(),
                pointer: "/info/x-airbyte-connector-definition-id".into(),
                message: "the server needs a definition id to address this connector; add it"
                    .into(),
            });
        }
        if let Some(other) = self.get(&def.definition_id) {
            return Err(Error::Definition {
                file: def.file.clone(),
                pointer: "/info/x-airbyte-connector-definition-id".into(),
                message: format!(
                    "definition id {} is already used by connector `{}`",
                    def.definition_id, other.name
                ),
            });
        }
        self.defs.push(Arc::new(def));
        Ok(())
    }

    /// Loads every definition file under `dir` (`<slug>/connector.yaml`, `*.yaml`).
    pub fn add_dir(&mut self, dir: &Path) -> Result<usize> {
        let defs = definition::load_dir(dir)?;
        let n = defs.len();
        for def in defs {
            self.add(def)?;
        }
        Ok(n)
    }

    /// Sends the definition's requests to `url` instead of its server.
    pub fn set_base_url(&mut self, definition_id: &str, url: String) {
        self.base_urls
            .insert(definition_id.to_ascii_lowercase(), url);
    }

    /// The definition with this id (case-insensitive).
    pub fn get(&self, definition_id: &str) -> Option<&Arc<ConnectorDefinition>> {
        self.defs
            .iter()
            .find(|d| d.definition_id.eq_ignore_ascii_case(definition_id))
    }

    /// The definition for a connector type: its name, display name or
    /// file slug, ignoring case, `-`, `_` and spaces.
    pub fn by_type(&self, connector_type: &str) -> Option<&Arc<ConnectorDefinition>> {
        let wanted = normalize(connector_type);
        self.defs.iter().find(|d| {
            normalize(&d.name) == wanted
                || normalize(&d.display_name) == wanted
                || d.file
                    .as_ref()
                    .and_then(|f| f.parent())
                    .and_then(|p| p.file_name())
                    .and_then(|n| n.to_str())
                    .is_some_and(|slug| normalize(slug) == wanted)
        })
    }

    /// The base URL override of a definition, if any.
    pub fn base_url(&self, definition_id: &str) -> Option<&str> {
        self.base_urls
            .get(&definition_id.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Every definition, in load order.
    pub fn all(&self) -> &[Arc<ConnectorDefinition>] {
        &self.defs
    }

    /// `name (id)` of every definition, for error messages.
    pub fn describe_all(&self) -> Vec<String> {
        self.defs
            .iter()
            .map(|d| format!("{} ({})", d.name, d.definition_id))
            .collect()
    }
}

fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
