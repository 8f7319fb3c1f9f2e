//! Generates the typed Stripe connector the benchmarks drive, from the
//! definition named by `AIRBYTE_BENCH_STRIPE_DEFINITION` (`bench/run` points
//! it at the upstream definition in the Python reference's package, which
//! must not be committed). Without it the `typed` target is left out.

use std::path::PathBuf;

const DEFINITION_ENV: &str = "AIRBYTE_BENCH_STRIPE_DEFINITION";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(typed_stripe)");
    println!("cargo::rerun-if-env-changed={DEFINITION_ENV}");
    let Some(path) = std::env::var_os(DEFINITION_ENV) else {
        return;
    };
    println!("cargo::rerun-if-changed={}", PathBuf::from(&path).display());
    let def = match airbyte_agent_sdk::definition::load_path(&path) {
        Ok(def) => def,
        Err(e) => panic!("{DEFINITION_ENV}: {e}"),
    };
    let module = match airbyte_agent_codegen::generate(&def) {
        Ok(module) => module,
        Err(e) => panic!("codegen of {}: {e}", def.name),
    };
    // The module is meant to be a file of its own; `include!` takes no
    // inner attributes, so the leading `//!` docs and `#![...]` go.
    let body: String = module
        .source
        .lines()
        .skip_while(|l| l.starts_with("//!") || l.starts_with("#![") || l.trim().is_empty())
        .flat_map(|l| [l, "\n"])
        .collect();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("stripe_typed.rs"), body).expect("OUT_DIR is writable");
    println!("cargo::rustc-cfg=typed_stripe");
}
