//! The bundled-connectors crate and the command regenerating it
//! (`regenerate-connectors`, `airbyte_agent_codegen::bundle`).
//!
//! `bundled_connectors_are_up_to_date` is the CI check that regenerating
//! `crates/airbyte-agent-connectors` changes nothing. The pipeline test runs
//! the same regeneration on a scratch crate holding the `demo-shop` fixture
//! and compiles the result with and without its feature.

mod support;

use std::path::{Path, PathBuf};

use airbyte_agent_codegen::bundle::{self, FEATURES_BEGIN, FEATURES_END};

fn connectors_crate() -> PathBuf {
    support::workspace_root().join("crates/airbyte-agent-connectors")
}

#[test]
fn bundled_connectors_are_up_to_date() {
    let plan = bundle::plan(&connectors_crate()).expect("definitions load and generate");
    let stale = bundle::stale(&plan);
    assert!(
        stale.is_empty(),
        "generated code is out of date: {stale:?}; run \
         `cargo run -p airbyte-agent-codegen --bin regenerate-connectors` and commit the result"
    );
    // Every definition is a module behind its feature.
    let definitions: Vec<String> = std::fs::read_dir(connectors_crate().join("definitions"))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".yaml").map(str::to_string)
        })
        .collect();
    assert_eq!(plan.connectors.len(), definitions.len());
}

/// A scratch connectors crate: manifest with the features block, the
/// fixture as its only definition, and the hand-written `lib.rs`.
fn scratch_crate(dir: &Path) {
    let sdk = support::workspace_root().join("crates/airbyte-agent-sdk");
    let manifest = format!(
        "[package]\nname = \"connectors-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nairbyte-agent-sdk = {{ path = {sdk:?} }}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\n\
         serde_json = {{ version = \"1\", features = [\"preserve_order\"] }}\n\
         futures = \"0.3\"\n\n{FEATURES_BEGIN}\n{FEATURES_END}\n\n[workspace]\n\n\
         [profile.dev]\ndebug = false\n",
        sdk = sdk.display().to_string(),
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(
        support::workspace_root().join("Cargo.lock"),
        dir.join("Cargo.lock"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("definitions")).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/demo_shop.yaml"),
        dir.join("definitions/demo-shop.yaml"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::copy(
        connectors_crate().join("src/lib.rs"),
        dir.join("src/lib.rs"),
    )
    .unwrap();
}

#[test]
fn regeneration_writes_modules_features_and_detects_drift() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    scratch_crate(dir);

    let plan = bundle::plan(dir).unwrap();
    assert_eq!(
        plan.connectors,
        [("demo-shop".to_string(), "DemoShop".to_string())]
    );
    assert_eq!(
        bundle::stale(&plan).len(),
        3,
        "module, mod.rs and Cargo.toml"
    );
    let touched = bundle::write(&plan).unwrap();
    assert_eq!(touched.len(), 3);
    assert!(bundle::stale(&bundle::plan(dir).unwrap()).is_empty());

    let module = std::fs::read_to_string(dir.join("src/generated/demo_shop.rs")).unwrap();
    assert!(module.contains("include_str!(\"../../definitions/demo-shop.yaml\")"));
    let mod_rs = std::fs::read_to_string(dir.join("src/generated/mod.rs")).unwrap();
    assert!(mod_rs.contains("#[cfg(feature = \"demo-shop\")]\npub mod demo_shop;"));
    assert!(mod_rs.contains("pub use demo_shop::DemoShop;"));
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("default = [\"all\"]\nall = [\"demo-shop\"]\ndemo-shop = []\n"));
    assert!(
        manifest.contains("[workspace]"),
        "the rest of the manifest is kept"
    );

    // Hand edits and leftovers are drift; regeneration undoes them.
    std::fs::write(dir.join("src/generated/demo_shop.rs"), "// edited\n").unwrap();
    std::fs::write(dir.join("src/generated/gone.rs"), "// old connector\n").unwrap();
    let plan = bundle::plan(dir).unwrap();
    let stale = bundle::stale(&plan);
    assert_eq!(
        stale,
        [
            dir.join("src/generated/demo_shop.rs"),
            dir.join("src/generated/gone.rs")
        ]
    );
    bundle::write(&plan).unwrap();
    assert!(!dir.join("src/generated/gone.rs").exists());
    assert!(bundle::stale(&bundle::plan(dir).unwrap()).is_empty());

    // A definition named differently from its file is refused.
    std::fs::rename(
        dir.join("definitions/demo-shop.yaml"),
        dir.join("definitions/shop.yaml"),
    )
    .unwrap();
    let err = bundle::plan(dir).unwrap_err();
    assert!(
        err.to_string().contains("must equal the file name"),
        "{err}"
    );
}

#[test]
fn regenerated_crate_compiles_with_and_without_its_features() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    scratch_crate(dir);
    bundle::write(&bundle::plan(dir).unwrap()).unwrap();
    // The hand-written lib.rs re-exports the connector at the crate root.
    std::fs::write(
        dir.join("src/lib.rs"),
        format!(
            "{}\n#[cfg(feature = \"demo-shop\")]\npub fn typed_entry() -> airbyte_agent_sdk::typed::TypedConnect<DemoShop> {{\n    \
             airbyte_agent_sdk::typed::connect::<DemoShop>()\n}}\n",
            std::fs::read_to_string(dir.join("src/lib.rs")).unwrap()
        ),
    )
    .unwrap();
    let krate = support::CheckCrate { dir: scratch };
    let (ok, out) = krate.cargo(&["check", "--lib"]);
    assert!(ok, "default features:\n{out}");
    let (ok, out) = krate.cargo(&["check", "--lib", "--no-default-features"]);
    assert!(ok, "no features:\n{out}");
}
