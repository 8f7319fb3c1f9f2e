//! # airbyte-agent-codegen
//!
//! Generates a typed Rust module for a connector from its definition: a
//! connector struct wrapping any [`Executor`](airbyte_agent_sdk::Executor)
//! (hosted or local), one handle per entity, one fluent builder per action
//! (required parameters as arguments, optional ones as setters, `.send()`
//! returning typed output, `.paginate()` on list actions), record structs
//! that keep unknown fields, and string enums with an `Unknown` fallback.
//!
//! ```no_run
//! use airbyte_agent_sdk::definition;
//!
//! let def = definition::load_path("specs/stripe/connector.yaml")?;
//! let mut module = airbyte_agent_codegen::generate(&def)?;
//! // Optional: byte-identical to `cargo fmt` output.
//! module.source = airbyte_agent_codegen::rustfmt(&module.source)?;
//! std::fs::write(&module.file_name, &module.source)
//!     .map_err(|e| airbyte_agent_sdk::Error::io(&module.file_name, e))?;
//! # Ok::<(), airbyte_agent_sdk::Error>(())
//! ```
//!
//! With [`Options::embed_definition`] the module embeds its definition
//! (`include_str!`) and gains local-mode constructors (`local()`, one
//! `local_<scheme>(credentials…)` per auth scheme); hosted constructors
//! (`connect()`, `hosted_by_id`, `hosted_in_workspace`, `from_auth_config`)
//! are always there. [`bundle`] regenerates the `airbyte-agent-connectors`
//! crate (binary `regenerate-connectors`).
//!
//! Generated code depends on the crates `airbyte-agent-sdk`, `serde` (with
//! `derive`), `serde_json` and `futures`, and is meant to be included as a
//! module file (`mod stripe;`): it starts with inner attributes.

#![warn(missing_docs)]

pub mod bundle;
mod connector;
mod docs;
mod ident;
mod operations;
mod types;

use airbyte_agent_sdk::definition::ConnectorDefinition;
use airbyte_agent_sdk::{Error, Result};

use crate::ident::Namespace;
use crate::types::{RESERVED_TYPE_NAMES, TypeGen};

/// The generated source of one connector.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GeneratedModule {
    /// The module name (`zendesk_support`), a valid Rust identifier.
    pub module_name: String,
    /// The file name to write it to (`zendesk_support.rs`).
    pub file_name: String,
    /// The connector struct's name (`ZendeskSupport`).
    pub connector_type: String,
    /// The source, formatted by prettyplease. Pass it through [`rustfmt`]
    /// for output identical to `cargo fmt`.
    pub source: String,
}

/// The module name for a connector name (`zendesk-support` →
/// `zendesk_support`; keywords get a `_` suffix so the name also works in
/// file names and `mod` items).
pub fn module_name(connector_name: &str) -> String {
    let base = ident::snake(connector_name);
    let escaped = ident::escape_keyword(&base);
    if escaped.starts_with("r#") {
        format!("{base}_")
    } else {
        escaped
    }
}

/// Generation settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Path of the definition file relative to the generated file, for
    /// `include_str!`. When set, the module embeds the definition and gets
    /// `local()`, one `local_<scheme>(credentials…)` per auth scheme and
    /// page following in hosted mode; when not, local mode needs a
    /// definition passed to `local_with_definition`.
    pub embed_definition: Option<String>,
}

impl Options {
    /// Default settings: nothing embedded.
    pub fn new() -> Self {
        Self::default()
    }

    /// Embeds the definition found at `path`, relative to the generated file.
    pub fn embed_definition(mut self, path: impl Into<String>) -> Self {
        self.embed_definition = Some(path.into());
        self
    }
}

/// Generates the typed module for one connector definition with default
/// [`Options`] (definition not embedded).
///
/// Fails only when the emitted source does not parse, which is a bug of
/// the generator ([`Error::Definition`] naming the definition).
pub fn generate(def: &ConnectorDefinition) -> Result<GeneratedModule> {
    generate_with(def, &Options::default())
}

/// Generates the typed module for one connector definition.
///
/// Fails only when the emitted source does not parse, which is a bug of
/// the generator ([`Error::Definition`] naming the definition).
pub fn generate_with(def: &ConnectorDefinition, options: &Options) -> Result<GeneratedModule> {
    let mut names = Namespace::with_reserved(RESERVED_TYPE_NAMES);
    let connector = names.claim_pascal(&def.name);
    let mut types = TypeGen::new(names);
    let embed = options.embed_definition.as_deref();
    let api_items = operations::emit(def, &connector, embed, &mut types);
    let mut source = header(def);
    source.push_str("#![allow(clippy::all, clippy::pedantic, clippy::nursery)]\n");
    for item in api_items.iter().chain(types.items.iter()) {
        source.push_str(item);
        source.push('\n');
    }
    let file = syn::parse_file(&source).map_err(|e| Error::Definition {
        file: def.file.clone(),
        pointer: String::new(),
        message: format!(
            "airbyte-agent-codegen produced invalid Rust for this definition: {e} (a generator bug)"
        ),
    })?;
    let module_name = module_name(&def.name);
    Ok(GeneratedModule {
        file_name: format!("{module_name}.rs"),
        module_name,
        connector_type: connector,
        source: space_items(&prettyplease::unparse(&file)),
    })
}

/// Puts a blank line between consecutive items and between the methods of
/// an impl (prettyplease separates neither); rustfmt keeps single blank
/// lines, so the result stays `cargo fmt` clean.
fn space_items(source: &str) -> String {
    const ITEM_STARTS: &[&str] = &["#", "///", "pub ", "impl", "fn ", "const ", "async "];
    let mut out = String::with_capacity(source.len() + source.len() / 20);
    let mut previous: Option<&str> = None;
    for line in source.lines() {
        if let Some(prev) = previous {
            let indent = prev.len() - prev.trim_start().len();
            let closes_item = prev.trim() == "}" && (indent == 0 || indent == 4);
            let same_indent = line.len() - line.trim_start().len() == indent;
            let after_inner_attrs = prev.starts_with("#![") && !line.starts_with("#![");
            if after_inner_attrs
                || (closes_item
                    && same_indent
                    && ITEM_STARTS.iter().any(|s| line.trim_start().starts_with(s)))
            {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(line);
    }
    out
}

/// Formats `source` with `rustfmt` (edition 2024), so it is byte-identical
/// to what `cargo fmt` produces. `prettyplease` output is valid and close to
/// rustfmt style but wraps some long signatures and attributes differently.
///
/// Runs the program named by `$RUSTFMT`, else `rustfmt` from `PATH`.
/// Fails with [`Error::Io`] when it cannot be started and
/// [`Error::InvalidArgument`] when it rejects the source.
pub fn rustfmt(source: &str) -> Result<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let program = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let io_err = |source| Error::Io {
        path: std::path::PathBuf::from(&program),
        source,
    };
    let mut child = Command::new(&program)
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(io_err)?;
    // Write on another thread: rustfmt may fill its stdout pipe before it has
    // read all of stdin.
    let mut stdin = child.stdin.take();
    let input = source.to_string();
    let writer = std::thread::spawn(move || match stdin.as_mut() {
        Some(pipe) => pipe.write_all(input.as_bytes()),
        None => Ok(()),
    });
    let output = child.wait_with_output().map_err(io_err)?;
    let written = writer.join().unwrap_or(Ok(()));
    if !output.status.success() {
        return Err(Error::InvalidArgument {
            name: "source".into(),
            reason: format!(
                "rustfmt failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    written.map_err(io_err)?;
    String::from_utf8(output.stdout).map_err(|e| Error::Decode {
        what: "rustfmt output".into(),
        message: e.to_string(),
    })
}

/// The module doc comment saying what generated the file and from what.
fn header(def: &ConnectorDefinition) -> String {
    docs::inner_doc_attrs(&format!(
        "Typed `{name}` connector ({display}).\n\n\
         Generated by airbyte-agent-codegen {generator} from the connector definition \
         `{name}` version {version} (definition id `{id}`). Do not edit: regenerate with \
         `airbyte-agent codegen`.",
        name = def.name,
        display = def.display_name,
        generator = env!("CARGO_PKG_VERSION"),
        version = def.version,
        id = def.definition_id,
    ))
}
