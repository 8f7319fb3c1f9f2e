//! Connector definitions: the declarative OpenAPI 3.1 documents with
//! `x-airbyte-*` extensions that drive local mode.
//!
//! [`load_path`], [`load_str`] and [`load_dir`] parse YAML into a typed
//! [`ConnectorDefinition`]: servers, auth options, entities and their
//! operations, with every extension that changes a request or a result
//! mapped to a typed field (see [`extensions::KNOWN_EXTENSIONS`]) and
//! `$ref`s resolved. An invalid definition yields
//! [`Error::Definition`](crate::Error::Definition) with the file, the JSON
//! pointer of the offending node and what is wrong.
//!
//! ```no_run
//! use airbyte_agent_sdk::definition::{self, Action};
//!
//! let def = definition::load_path("specs/stripe/connector.yaml")?;
//! let list = def.find_operation("customers", "list")?;
//! assert_eq!(list.action, Action::List);
//! println!("{} {}", list.method, list.request_path());
//! # Ok::<(), airbyte_agent_sdk::Error>(())
//! ```

mod build;
mod cache;
pub mod describe;
pub mod extensions;
pub mod lint;
mod loader;
pub mod model;
mod node;
mod refs;

pub use describe::{DefinitionSummary, describe};
pub use lint::{LintFinding, LintReport, Severity, lint};
pub use loader::{
    DEFINITION_FILE_NAME, definition_files, find_definition, load_dir, load_dir_each, load_path,
    load_path_cached, load_str,
};
pub use model::*;

#[cfg(test)]
mod tests;
