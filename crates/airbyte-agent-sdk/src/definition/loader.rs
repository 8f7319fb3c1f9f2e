//! Reading definitions from strings, files and directories.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::build::build_connector;
use super::cache;
use super::model::ConnectorDefinition;
use super::node::Ctx;
use crate::error::{Error, Result};

/// The file name of a definition inside a `specs/<slug>/` directory.
pub const DEFINITION_FILE_NAME: &str = "connector.yaml";

/// Parses a definition from YAML (or JSON) text.
///
/// ```
/// let yaml = r#"
/// openapi: 3.1.0
/// info:
///   title: Example
///   version: 1.0.0
///   x-airbyte-connector-definition-id: 00000000-0000-0000-0000-000000000001
/// servers: [{url: "https://api.example.com"}]
/// paths:
///   /users:
///     get:
///       x-airbyte-entity: users
///       x-airbyte-action: list
///       responses: {"200": {description: ok}}
/// "#;
/// let def = airbyte_agent_sdk::definition::load_str(yaml)?;
/// assert_eq!(def.name, "example");
/// assert_eq!(def.entity("users").unwrap().action_names(), ["list"]);
/// # Ok::<(), airbyte_agent_sdk::Error>(())
/// ```
pub fn load_str(text: &str) -> Result<ConnectorDefinition> {
    load_with_ctx(text, Ctx::default())
}

/// Loads a definition file, or the `connector.yaml` inside a directory.
pub fn load_path(path: impl AsRef<Path>) -> Result<ConnectorDefinition> {
    let (text, ctx) = read_definition(path.as_ref())?;
    load_with_ctx(&text, ctx)
}

/// Like [`load_path`], keeping the parsed document of each file in
/// `cache_dir` (created if missing, readable by its owner only) so the next
/// load of the unchanged file skips parsing YAML, most of the cost of
/// loading a large definition. The model is built and validated on every
/// load; an entry is used only when it was made from the file's current
/// content, and a cache that cannot be read or written is ignored. Meant
/// for short-lived processes such as the CLI; a long-lived program loads
/// once and needs no cache.
pub fn load_path_cached(
    path: impl AsRef<Path>,
    cache_dir: impl AsRef<Path>,
) -> Result<ConnectorDefinition> {
    let (text, ctx) = read_definition(path.as_ref())?;
    let cache_dir = cache_dir.as_ref();
    let file = ctx.file.clone().unwrap_or_default();
    let doc = match cache::read(cache_dir, &file, &text) {
        Some(doc) => doc,
        None => {
            let doc = parse_yaml(&text, &ctx)?;
            cache::write(cache_dir, &file, &text, &doc);
            doc
        }
    };
    build_connector(doc, &ctx)
}

/// The text of a definition file (or of the `connector.yaml` inside a
/// directory) and its context for errors.
fn read_definition(path: &Path) -> Result<(String, Ctx)> {
    let file = if path.is_dir() {
        path.join(DEFINITION_FILE_NAME)
    } else {
        path.to_path_buf()
    };
    let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
    let ctx = Ctx {
        file: Some(file.clone()),
    };
    let text = String::from_utf8(bytes)
        .map_err(|e| ctx.error("", format!("the file is not valid UTF-8: {e}")))?;
    Ok((text, ctx))
}

/// The definition files under `dir`: every `<dir>/<slug>/connector.yaml`
/// and every `<dir>/*.yaml` / `*.yml`, sorted by path.
pub fn definition_files(dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
    let dir = dir.as_ref();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_dir() {
            let candidate = path.join(DEFINITION_FILE_NAME);
            if candidate.is_file() {
                files.push(candidate);
            }
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Loads every definition under `dir` (see [`definition_files`]), stopping
/// at the first invalid one. Two definitions with the same connector name
/// are an error.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Vec<ConnectorDefinition>> {
    let mut defs: Vec<ConnectorDefinition> = Vec::new();
    for file in definition_files(dir)? {
        let def = load_path(&file)?;
        if let Some(other) = defs.iter().find(|d| d.name == def.name) {
            return Err(Error::Definition {
                file: Some(file.clone()),
                pointer: "/info/x-airbyte-connector-name".to_string(),
                message: format!(
                    "connector name `{}` is already used by {}",
                    def.name,
                    other
                        .file
                        .as_ref()
                        .map(|f| f.display().to_string())
                        .unwrap_or_default()
                ),
            });
        }
        defs.push(def);
    }
    Ok(defs)
}

/// Loads every definition under `dir`, returning each file's own result
/// (for `lint` over a whole directory).
pub fn load_dir_each(dir: impl AsRef<Path>) -> Result<Vec<(PathBuf, Result<ConnectorDefinition>)>> {
    Ok(definition_files(dir)?
        .into_iter()
        .map(|f| {
            let r = load_path(&f);
            (f, r)
        })
        .collect())
}

/// Finds a definition by connector name, display name or directory slug,
/// ignoring case and treating `-`, `_` and spaces alike.
pub fn find_definition<'a>(
    defs: &'a [ConnectorDefinition],
    query: &str,
) -> Option<&'a ConnectorDefinition> {
    let key = normalize_name(query);
    defs.iter().find(|d| {
        normalize_name(&d.name) == key
            || normalize_name(&d.display_name) == key
            || d.file
                .as_ref()
                .and_then(|f| f.parent())
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .is_some_and(|slug| normalize_name(slug) == key)
    })
}

fn normalize_name(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '_' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn load_with_ctx(text: &str, ctx: Ctx) -> Result<ConnectorDefinition> {
    let doc = parse_yaml(text, &ctx)?;
    build_connector(doc, &ctx)
}

/// Parser limits: roomy enough for large real definitions, bounded so
/// hostile input (deep nesting, alias bombs) fails fast instead of
/// exhausting the stack or memory. Nesting stays at the parser's default of
/// 64 levels (upstream definitions nest at most 24 deep; deeper nesting
/// overflows the 2 MiB stack of a debug-build thread). Duplicate keys stay an
/// error (PyYAML would silently keep the last one).
fn yaml_options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = 2_000_000;
    budget.max_events = 8_000_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// Parses YAML into JSON values (so every node has a JSON pointer).
pub(crate) fn parse_yaml(text: &str, ctx: &Ctx) -> Result<Value> {
    if text.trim().is_empty() {
        return Err(ctx.error("", "the definition is empty"));
    }
    let value: Value = serde_saphyr::from_str_with_options(text, yaml_options())
        .map_err(|e| ctx.error("", format!("invalid YAML: {e}")))?;
    if value.is_null() {
        return Err(ctx.error("", "the definition is empty"));
    }
    Ok(value)
}
