//! Regenerates the typed code of `crates/airbyte-agent-connectors` from its
//! `definitions/*.yaml` (see `airbyte_agent_codegen::bundle`).
//!
//! Usage: `regenerate-connectors [--check] [CRATE_DIR]`
//!
//! Without `--check` it writes what changed and lists it. With `--check` it
//! writes nothing and exits 1 when anything would change (CI runs the same
//! check as the test `connectors_crate`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use airbyte_agent_codegen::bundle;

fn main() -> ExitCode {
    let mut check = false;
    let default_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../airbyte-agent-connectors");
    let mut crate_dir = default_dir.canonicalize().unwrap_or(default_dir);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("usage: regenerate-connectors [--check] [CRATE_DIR]");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with('-') => {
                eprintln!("regenerate-connectors: unknown option {flag}");
                return ExitCode::from(2);
            }
            dir => crate_dir = PathBuf::from(dir),
        }
    }
    let plan = match bundle::plan(&crate_dir) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("regenerate-connectors: {e}");
            return ExitCode::from(2);
        }
    };
    for (feature, connector) in &plan.connectors {
        eprintln!("{feature}: {connector}");
    }
    if check {
        let stale = bundle::stale(&plan);
        for path in &stale {
            println!("out of date: {}", path.display());
        }
        if stale.is_empty() {
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "regenerate-connectors: generated code is out of date; run \
             `cargo run -p airbyte-agent-codegen --bin regenerate-connectors` and commit the result"
        );
        return ExitCode::FAILURE;
    }
    match bundle::write(&plan) {
        Ok(touched) => {
            for path in &touched {
                println!("wrote {}", path.display());
            }
            if touched.is_empty() {
                println!("up to date");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("regenerate-connectors: {e}");
            ExitCode::from(2)
        }
    }
}
