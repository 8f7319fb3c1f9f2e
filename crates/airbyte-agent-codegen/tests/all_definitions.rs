//! Generates code for every upstream definition of the installed reference
//! 0.1.380 (definitions embedded) into one temporary crate and checks that
//! it compiles without warnings and is `cargo fmt` clean.

mod support;

use std::time::Instant;

use airbyte_agent_codegen::{Options, generate_with, rustfmt};
use airbyte_agent_sdk::definition;
use airbyte_agent_testkit::reference::{Version, specs_dir};

#[test]
fn every_upstream_definition_generates_code_that_compiles() {
    let Some(specs) = specs_dir(Version::V0_1_380) else {
        return;
    };
    let started = Instant::now();
    let files = definition::definition_files(&specs).unwrap();
    assert!(
        files.len() >= 56,
        "expected 56 definitions, found {}",
        files.len()
    );
    let mut modules = Vec::new();
    for file in &files {
        let def = definition::load_path(file).unwrap();
        // Embedded by absolute path, so the local constructors of every
        // auth scheme are checked too (the temporary crate is elsewhere).
        let options = Options::new().embed_definition(file.display().to_string());
        let mut module = generate_with(&def, &options)
            .unwrap_or_else(|e| panic!("generating {}: {e}", file.display()));
        module.source = rustfmt(&module.source).unwrap();
        assert!(
            module
                .source
                .contains(&format!("`{}` version {}", def.name, def.version)),
            "{}: header names the definition",
            def.name
        );
        modules.push(module);
    }
    let mut names: Vec<&str> = modules.iter().map(|m| m.module_name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), modules.len(), "module names are unique");
    let generated = started.elapsed();

    let krate = support::CheckCrate::new(&modules, "", "");
    let (fmt_ok, diff) = krate.fmt_check();
    assert!(fmt_ok, "generated code is not rustfmt clean:\n{diff}");
    let (ok, stderr) = krate.cargo(&["check", "--lib"]);
    let head: String = stderr.lines().take(200).collect::<Vec<_>>().join("\n");
    assert!(
        ok,
        "cargo check of the generated connectors failed:\n{head}"
    );
    eprintln!(
        "generated {} connectors in {:.1?}; fmt + cargo check took {:.1?}",
        modules.len(),
        generated,
        started.elapsed() - generated
    );
}
