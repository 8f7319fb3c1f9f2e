//! `airbyte-agent codegen PATH --out DIR`: generate typed Rust connector
//! modules from connector definitions.
//!
//! Wiring: add `Codegen(commands::codegen::CodegenArgs)` to the top-level
//! subcommands and call [`run`] with stdout; exit with the returned code.

use std::io::Write;
use std::path::{Path, PathBuf};

use airbyte_agent_sdk::Error;
use airbyte_agent_sdk::definition;

/// Generate typed Rust modules (one file per connector) from definitions.
#[derive(Debug, clap::Args)]
pub struct CodegenArgs {
    /// A definition file, or a directory of definitions
    /// (`<dir>/<slug>/connector.yaml` and `<dir>/*.yaml`).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Directory to write the modules to (created when missing). Existing
    /// files with the same names are replaced.
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Also write a `mod.rs` declaring every generated module.
    #[arg(long)]
    pub mod_file: bool,
    /// Skip `rustfmt` (the output is then formatted by prettyplease only
    /// and may differ from `cargo fmt` in line wrapping).
    #[arg(long)]
    pub no_rustfmt: bool,
    /// Embed each definition with `include_str!` (by its path relative to
    /// the output directory), giving the connector `local()`, one
    /// `local_<scheme>(credentials…)` per auth scheme, and page following
    /// in hosted mode. Move the files together or regenerate.
    #[arg(long)]
    pub embed_definition: bool,
}

/// Generates every definition under `args.path` into `args.out`, listing
/// each written file on `out`. Returns the exit code: 0 when every
/// definition was generated, 1 when some failed to load or generate (the
/// others are still written; failures are listed on `out`).
pub fn run(args: CodegenArgs, out: &mut dyn Write) -> Result<i32, Error> {
    let files = definition_files(&args.path)?;
    std::fs::create_dir_all(&args.out).map_err(|e| Error::io(&args.out, e))?;
    let out_dir = args
        .out
        .canonicalize()
        .map_err(|e| Error::io(&args.out, e))?;
    let mut modules = Vec::new();
    let mut failed = 0;
    for file in files {
        let embed = if args.embed_definition {
            Some(include_path(&out_dir, &file)?)
        } else {
            None
        };
        match generate_one(&file, embed, !args.no_rustfmt) {
            Ok(module) => {
                let target = args.out.join(&module.file_name);
                std::fs::write(&target, &module.source).map_err(|e| Error::io(&target, e))?;
                writeln!(
                    out,
                    "{}: {} -> {}",
                    file.display(),
                    module.connector_type,
                    target.display()
                )
                .map_err(write_err)?;
                modules.push(module.module_name);
            }
            Err(e) => {
                failed += 1;
                writeln!(out, "{}: error: {e}", file.display()).map_err(write_err)?;
            }
        }
    }
    if args.mod_file {
        modules.sort();
        let mut text = String::from("//! Generated typed connectors (airbyte-agent codegen).\n\n");
        for m in &modules {
            text.push_str(&format!("pub mod {m};\n"));
        }
        let target = args.out.join("mod.rs");
        std::fs::write(&target, text).map_err(|e| Error::io(&target, e))?;
    }
    Ok(i32::from(failed > 0))
}

fn generate_one(
    file: &Path,
    embed: Option<String>,
    format: bool,
) -> Result<airbyte_agent_codegen::GeneratedModule, Error> {
    let def = definition::load_path(file)?;
    let mut options = airbyte_agent_codegen::Options::new();
    if let Some(path) = embed {
        options = options.embed_definition(path);
    }
    let mut module = airbyte_agent_codegen::generate_with(&def, &options)?;
    if format {
        module.source = airbyte_agent_codegen::rustfmt(&module.source)?;
    }
    Ok(module)
}

fn definition_files(path: &Path) -> Result<Vec<PathBuf>, Error> {
    if path.is_dir() && !path.join(definition::DEFINITION_FILE_NAME).is_file() {
        definition::definition_files(path)
    } else if path.is_dir() {
        Ok(vec![path.join(definition::DEFINITION_FILE_NAME)])
    } else {
        Ok(vec![path.to_path_buf()])
    }
}

/// The path of `file` relative to `out_dir` (both made absolute), with `/`
/// separators, as `include_str!` in a file of `out_dir` needs it.
fn include_path(out_dir: &Path, file: &Path) -> Result<String, Error> {
    let file = file.canonicalize().map_err(|e| Error::io(file, e))?;
    let from: Vec<_> = out_dir.components().collect();
    let to: Vec<_> = file.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.join("/"))
}

fn write_err(e: std::io::Error) -> Error {
    Error::io("<stdout>", e)
}
