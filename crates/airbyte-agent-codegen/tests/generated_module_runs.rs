//! End to end: generates the `demo_shop` fixture into a throwaway crate and
//! runs tests there (`tests/e2e_support/e2e.rs`) that call the generated API
//! through the real `LocalExecutor`, built from the same fixture and pointed
//! at a loopback recording server; the typed local constructors (embedded
//! definition) and hosted constructors (against a stand-in for the Airbyte
//! API on loopback).

mod support;

use airbyte_agent_codegen::{Options, generate_with, rustfmt};
use airbyte_agent_sdk::definition;

#[test]
fn generated_demo_shop_module_runs_against_a_loopback_server() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/demo_shop.yaml");
    let def = definition::load_path(fixture).unwrap();
    // Embedded by absolute path: the throwaway crate lives elsewhere.
    let mut module = generate_with(&def, &Options::new().embed_definition(fixture)).unwrap();
    module.source = rustfmt(&module.source).unwrap();
    let testkit = support::workspace_root().join("crates/airbyte-agent-testkit");
    let dev_deps = format!(
        "airbyte-agent-testkit = {{ path = {:?} }}\n\
         tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}",
        testkit.display().to_string()
    );
    // The executor in the throwaway crate loads the same definition.
    let extra_lib = format!(
        "\n/// The definition the `demo_shop` module was generated from.\n\
         pub const DEMO_SHOP_DEFINITION: &str = {fixture:?};\n"
    );
    let krate = support::CheckCrate::new(&[module], &extra_lib, &dev_deps);
    let tests_dir = krate.dir.path().join("tests");
    std::fs::create_dir_all(&tests_dir).unwrap();
    std::fs::write(tests_dir.join("e2e.rs"), include_str!("e2e_support/e2e.rs")).unwrap();
    let (ok, stderr) = krate.cargo(&["test", "--test", "e2e"]);
    assert!(ok, "generated module tests failed:\n{stderr}");
    assert!(
        stderr.contains("test result: ok. 10 passed"),
        "every e2e test ran:\n{stderr}"
    );
}
