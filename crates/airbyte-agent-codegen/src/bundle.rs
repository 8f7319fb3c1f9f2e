//! Regenerating a crate of bundled connectors (`airbyte-agent-connectors`)
//! from its `definitions/<name>.yaml` files.
//!
//! Layout of such a crate:
//! - `definitions/<name>.yaml`: the definitions (hand-written);
//! - `src/generated/<module>.rs`: one module per definition, embedding the
//!   definition with `include_str!("../../definitions/<name>.yaml")`;
//! - `src/generated/mod.rs`: each module and its connector type, behind a
//!   cargo feature named after the definition;
//! - `Cargo.toml`: the block between [`FEATURES_BEGIN`] and [`FEATURES_END`]
//!   declares one feature per definition, `all` (every one) and
//!   `default = ["all"]`.
//!
//! Everything under `src/generated/` and that block is rewritten; the rest
//! of the crate is left alone. [`plan`] computes the files, [`stale`] lists
//! what differs on disk (the "no diff" check), [`write()`] applies the plan.

use std::path::{Path, PathBuf};

use airbyte_agent_sdk::definition;
use airbyte_agent_sdk::{Error, Result};

use crate::{GeneratedModule, Options, generate_with, rustfmt};

/// First line of the generated features block in `Cargo.toml`.
pub const FEATURES_BEGIN: &str = "# BEGIN GENERATED FEATURES (regenerate-connectors)";
/// Last line of the generated features block in `Cargo.toml`.
pub const FEATURES_END: &str = "# END GENERATED FEATURES";

/// A file as regeneration writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    /// Absolute (or crate-dir based) path.
    pub path: PathBuf,
    /// Full contents.
    pub contents: String,
}

/// What regenerating a crate produces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Files to write, in a stable order.
    pub files: Vec<PlannedFile>,
    /// Files under `src/generated/` that no definition produces any more.
    pub obsolete: Vec<PathBuf>,
    /// (feature name, connector type) per definition, sorted by feature.
    pub connectors: Vec<(String, String)>,
}

/// One definition file of the crate: feature name and path.
fn definition_files(crate_dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let dir = crate_dir.join("definitions");
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(&dir, e))?.path();
        if path.extension().is_some_and(|e| e == "yaml")
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            out.push((stem.to_string(), path));
        }
    }
    out.sort();
    Ok(out)
}

/// Computes every generated file of the crate at `crate_dir`.
///
/// Fails when a definition does not load, when its connector name differs
/// from its file name (the name is the feature and the upstream slug), or
/// when `Cargo.toml` lacks the features block.
pub fn plan(crate_dir: &Path) -> Result<Plan> {
    let generated_dir = crate_dir.join("src").join("generated");
    let mut modules: Vec<(String, GeneratedModule)> = Vec::new();
    for (feature, path) in definition_files(crate_dir)? {
        let def = definition::load_path(&path)?;
        if def.name != feature {
            return Err(Error::Definition {
                file: Some(path.clone()),
                pointer: "/info/x-airbyte-connector-name".into(),
                message: format!(
                    "the connector name `{}` must equal the file name `{feature}` \
                     (it names the cargo feature and the upstream definition)",
                    def.name
                ),
            });
        }
        let options = Options::new().embed_definition(format!("../../definitions/{feature}.yaml"));
        let mut module = generate_with(&def, &options)?;
        module.source = rustfmt(&module.source)?;
        modules.push((feature, module));
    }
    let mut plan = Plan::default();
    for (feature, module) in &modules {
        plan.files.push(PlannedFile {
            path: generated_dir.join(&module.file_name),
            contents: module.source.clone(),
        });
        plan.connectors
            .push((feature.clone(), module.connector_type.clone()));
    }
    plan.files.push(PlannedFile {
        path: generated_dir.join("mod.rs"),
        contents: rustfmt(&mod_file(&modules))?,
    });
    let manifest = crate_dir.join("Cargo.toml");
    let current = std::fs::read_to_string(&manifest).map_err(|e| Error::io(&manifest, e))?;
    let features: Vec<&str> = modules.iter().map(|(f, _)| f.as_str()).collect();
    plan.files.push(PlannedFile {
        contents: with_features(&current, &features).ok_or_else(|| {
            Error::invalid_argument(
                "Cargo.toml",
                format!(
                    "{} has no generated features block; add the lines `{FEATURES_BEGIN}` \
                     and `{FEATURES_END}` where the [features] table belongs",
                    manifest.display()
                ),
            )
        })?,
        path: manifest,
    });
    if let Ok(entries) = std::fs::read_dir(&generated_dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "rs")
                && !plan.files.iter().any(|f| f.path == path)
            {
                plan.obsolete.push(path);
            }
        }
    }
    plan.obsolete.sort();
    Ok(plan)
}

/// Files whose contents on disk differ from the plan (missing ones
/// included), then obsolete ones: empty when the crate is up to date.
pub fn stale(plan: &Plan) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = plan
        .files
        .iter()
        .filter(|f| std::fs::read_to_string(&f.path).ok().as_deref() != Some(f.contents.as_str()))
        .map(|f| f.path.clone())
        .collect();
    out.extend(plan.obsolete.iter().cloned());
    out
}

/// Writes the changed files of the plan and removes obsolete ones; returns
/// the paths touched.
pub fn write(plan: &Plan) -> Result<Vec<PathBuf>> {
    let touched = stale(plan);
    for file in &plan.files {
        if !touched.contains(&file.path) {
            continue;
        }
        if let Some(parent) = file.path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&file.path, &file.contents).map_err(|e| Error::io(&file.path, e))?;
    }
    for path in &plan.obsolete {
        std::fs::remove_file(path).map_err(|e| Error::io(path, e))?;
    }
    Ok(touched)
}

fn mod_file(modules: &[(String, GeneratedModule)]) -> String {
    let mut out = String::from(
        "//! Typed connectors generated from `definitions/*.yaml` by \
         `cargo run -p airbyte-agent-codegen --bin regenerate-connectors`. Do not edit.\n\n",
    );
    for (feature, module) in modules {
        out.push_str(&format!(
            "#[cfg(feature = {feature:?})]\npub mod {m};\n#[cfg(feature = {feature:?})]\npub use {m}::{t};\n",
            m = module.module_name,
            t = module.connector_type,
        ));
    }
    out
}

/// `manifest` with its features block replaced; `None` without markers.
fn with_features(manifest: &str, features: &[&str]) -> Option<String> {
    let start = manifest.find(FEATURES_BEGIN)?;
    let end_marker = start + manifest[start..].find(FEATURES_END)?;
    let quoted: Vec<String> = features.iter().map(|f| format!("{f:?}")).collect();
    let mut block = format!(
        "{FEATURES_BEGIN}\n[features]\n\
         # Every bundled connector; `default-features = false` plus a feature per\n\
         # connector compiles only those.\n\
         default = [\"all\"]\nall = [{}]\n",
        quoted.join(", ")
    );
    for f in features {
        block.push_str(&format!("{f} = []\n"));
    }
    Some(format!(
        "{}{block}{}",
        &manifest[..start],
        &manifest[end_marker..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_features_block_is_replaced_and_the_rest_kept() {
        let manifest = format!(
            "[package]\nname = \"x\"\n\n{FEATURES_BEGIN}\nold = []\n{FEATURES_END}\n\n[dependencies]\n"
        );
        let out = with_features(&manifest, &["gong", "zendesk-support"]).unwrap();
        assert_eq!(
            out,
            format!(
                "[package]\nname = \"x\"\n\n{FEATURES_BEGIN}\n[features]\n\
                 # Every bundled connector; `default-features = false` plus a feature per\n\
                 # connector compiles only those.\n\
                 default = [\"all\"]\nall = [\"gong\", \"zendesk-support\"]\ngong = []\n\
                 zendesk-support = []\n{FEATURES_END}\n\n[dependencies]\n"
            )
        );
        assert_eq!(with_features(&out, &["gong", "zendesk-support"]), Some(out));
        assert_eq!(with_features("[package]\n", &[]), None);
    }
}
