//! `airbyte-agent definitions lint|show`: check connector definitions and
//! print what they contain.
//!
//! Wiring: add `Definitions(commands::definitions::DefinitionsArgs)` to the
//! top-level subcommands and call [`run`] with stdout; exit with the
//! returned code.

use std::io::Write;
use std::path::{Path, PathBuf};

use airbyte_agent_sdk::Error;
use airbyte_agent_sdk::definition::{
    self, ConnectorDefinition, DefinitionSummary, LintReport, Severity,
};
use serde::Serialize;

/// Inspect connector definitions (OpenAPI YAML with x-airbyte extensions).
#[derive(Debug, clap::Args)]
pub struct DefinitionsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DefinitionsCommand,
}

/// `definitions` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum DefinitionsCommand {
    /// Check definitions for errors, unknown extensions and suspicious things.
    Lint(LintArgs),
    /// Show a definition's entities, actions and parameters.
    Show(ShowArgs),
}

/// Arguments of `definitions lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Definition files, or directories of definitions
    /// (`<dir>/<slug>/connector.yaml` and `<dir>/*.yaml`).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Print findings as JSON.
    #[arg(long)]
    pub json: bool,
    /// Fail on warnings too, not only on errors.
    #[arg(long)]
    pub strict: bool,
    /// Also print informational findings.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Arguments of `definitions show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// A definition file, or a directory of definitions.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// The connector to show when PATH is a directory (name or slug).
    #[arg(long, short)]
    pub connector: Option<String>,
    /// Only show this entity.
    #[arg(long, short)]
    pub entity: Option<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs a `definitions` subcommand, writing to `out`. Returns the process
/// exit code: 0 on success, 1 when lint found errors (or warnings with
/// `--strict`) or a definition failed to load.
pub fn run(args: DefinitionsArgs, out: &mut dyn Write) -> Result<i32, Error> {
    match args.command {
        DefinitionsCommand::Lint(a) => lint(&a, out),
        DefinitionsCommand::Show(a) => show(&a, out),
    }
}

/// One linted file, for `--json`.
#[derive(Debug, Serialize)]
struct LintedFile {
    file: PathBuf,
    connector: Option<String>,
    /// The load error, when the file could not be loaded.
    error: Option<String>,
    findings: Vec<definition::LintFinding>,
}

fn write_err(e: std::io::Error) -> Error {
    Error::io("<stdout>", e)
}

fn files_of(path: &Path) -> Result<Vec<PathBuf>, Error> {
    if path.is_dir() && !path.join(definition::DEFINITION_FILE_NAME).is_file() {
        definition::definition_files(path)
    } else {
        Ok(vec![path.to_path_buf()])
    }
}

fn lint(args: &LintArgs, out: &mut dyn Write) -> Result<i32, Error> {
    let mut results = Vec::new();
    for path in &args.paths {
        for file in files_of(path)? {
            let linted = match definition::load_path(&file) {
                Ok(def) => {
                    let report: LintReport = definition::lint(&def);
                    LintedFile {
                        file,
                        connector: Some(report.connector),
                        error: None,
                        findings: report.findings,
                    }
                }
                Err(e) => LintedFile {
                    file,
                    connector: None,
                    error: Some(e.to_string()),
                    findings: Vec::new(),
                },
            };
            results.push(linted);
        }
    }
    let failing = |f: &LintedFile| {
        f.error.is_some()
            || f.findings.iter().any(|x| {
                x.severity == Severity::Error || (args.strict && x.severity == Severity::Warning)
            })
    };
    let failed = results.iter().filter(|f| failing(f)).count();
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &results).map_err(|e| Error::Decode {
            what: "lint results".to_string(),
            message: e.to_string(),
        })?;
        writeln!(out).map_err(write_err)?;
    } else {
        for f in &results {
            let shown: Vec<_> = f
                .findings
                .iter()
                .filter(|x| args.verbose || x.severity != Severity::Info)
                .collect();
            match &f.error {
                Some(e) => writeln!(out, "{}: error: {e}", f.file.display()),
                None if shown.is_empty() => writeln!(out, "{}: ok", f.file.display()),
                None => shown
                    .iter()
                    .try_for_each(|x| writeln!(out, "{}: {x}", f.file.display())),
            }
            .map_err(write_err)?;
        }
        writeln!(
            out,
            "{} definition(s) checked, {} with problems",
            results.len(),
            failed
        )
        .map_err(write_err)?;
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

fn pick(args: &ShowArgs) -> Result<ConnectorDefinition, Error> {
    let files = files_of(&args.path)?;
    if files.len() == 1 && args.connector.is_none() {
        return definition::load_path(&files[0]);
    }
    let defs = definition::load_dir(&args.path)?;
    let Some(name) = &args.connector else {
        return Err(Error::invalid_argument(
            "connector",
            format!(
                "{} holds {} definitions; pass --connector with one of: {}",
                args.path.display(),
                defs.len(),
                defs.iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    };
    definition::find_definition(&defs, name)
        .cloned()
        .ok_or_else(|| Error::NotFound {
            what: "connector".to_string(),
            name: name.clone(),
            scope: args.path.display().to_string(),
            available: defs.iter().map(|d| d.name.clone()).collect(),
        })
}

fn show(args: &ShowArgs, out: &mut dyn Write) -> Result<i32, Error> {
    let def = pick(args)?;
    let mut summary: DefinitionSummary = definition::describe(&def);
    if let Some(entity) = &args.entity {
        if def.entity(entity).is_none() {
            return Err(Error::EntityNotFound {
                connector: def.name.clone(),
                entity: entity.clone(),
                available: def.entity_names(),
            });
        }
        summary.entities.retain(|e| &e.name == entity);
    }
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &summary).map_err(|e| Error::Decode {
            what: "definition summary".to_string(),
            message: e.to_string(),
        })?;
        writeln!(out).map_err(write_err)?;
    } else {
        write!(out, "{summary}").map_err(write_err)?;
    }
    Ok(0)
}
