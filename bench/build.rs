//! Generates the typed Stripe connector the benchmarks drive, from our own
//! definition (`crates/airbyte-agent-connectors/definitions/stripe.yaml`) or
//! the one named by `AIRBYTE_BENCH_STRIPE_DEFINITION`. Without either the
//! `typed` target is left out.
//!
//! Once `airbyte-agent-connectors` carries the generated Stripe module, the
//! bench can depend on its `stripe` feature instead.

use std::path::PathBuf;

const DEFINITION_ENV: &str = "AIRBYTE_BENCH_STRIPE_DEFINITION";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(typed_stripe)");
    println!("cargo::rerun-if-env-changed={DEFINITION_ENV}");
    let ours = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/airbyte-agent-connectors/definitions/stripe.yaml");
    let path = match std::env::var_os(DEFINITION_ENV) {
        Some(path) => PathBuf::from(path),
        None if ours.exists() => ours,
        None => return,
    };
    println!("cargo::rerun-if-changed={}", path.display());
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
    // The typed connector's executor loads the same definition.
    println!("cargo::rustc-env=BENCH_TYPED_DEFINITION={}", path.display());
}
