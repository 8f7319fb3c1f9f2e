//! `codegen PATH --out DIR`, compiled from its module file (the coordinator
//! wires it into `main.rs`).

#[path = "../src/commands/codegen.rs"]
#[allow(dead_code)]
mod codegen;

use clap::Parser;
use codegen::{CodegenArgs, run};

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: CodegenArgs,
}

const DEMO: &str = r#"
openapi: 3.1.0
info:
  title: Demo Shop
  version: "2.1"
  x-airbyte-connector-name: demo-shop
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-0000000000ab
servers: [{url: "https://api.example.com"}]
paths:
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      x-airbyte-no-pagination: single page
      responses: {"200": {description: ok}}
"#;

fn run_cli(argv: &[&str]) -> (i32, String) {
    let cli = Cli::try_parse_from(std::iter::once("codegen").chain(argv.iter().copied()))
        .expect("arguments parse");
    let mut out = Vec::new();
    let code = run(cli.args, &mut out).expect("runs");
    (code, String::from_utf8(out).expect("utf-8"))
}

#[test]
fn writes_one_module_per_definition_and_a_mod_file() {
    let dir = tempfile::tempdir().unwrap();
    let defs = dir.path().join("defs");
    std::fs::create_dir_all(defs.join("demo-shop")).unwrap();
    std::fs::write(defs.join("demo-shop/connector.yaml"), DEMO).unwrap();
    std::fs::write(defs.join("broken.yaml"), "openapi: 3.1.0\ninfo: 7\n").unwrap();
    let out_dir = dir.path().join("out");
    let (code, printed) = run_cli(&[
        defs.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--mod-file",
    ]);
    assert_eq!(code, 1, "the broken definition fails the run: {printed}");
    assert!(printed.contains("DemoShop"), "{printed}");
    assert!(printed.contains("broken.yaml: error"), "{printed}");
    let source = std::fs::read_to_string(out_dir.join("demo_shop.rs")).unwrap();
    assert!(source.contains("pub struct DemoShop"));
    assert!(source.contains("version 2.1"));
    let mod_rs = std::fs::read_to_string(out_dir.join("mod.rs")).unwrap();
    assert!(mod_rs.contains("pub mod demo_shop;"));
}

#[test]
fn a_single_file_generates_without_rustfmt() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.yaml");
    std::fs::write(&file, DEMO).unwrap();
    let out_dir = dir.path().join("out");
    let (code, _) = run_cli(&[
        file.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
        "--no-rustfmt",
    ]);
    assert_eq!(code, 0);
    assert!(out_dir.join("demo_shop.rs").is_file());
    assert!(!out_dir.join("mod.rs").exists());
}

#[test]
fn embedding_includes_the_definition_relative_to_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let defs = dir.path().join("specs/demo-shop");
    std::fs::create_dir_all(&defs).unwrap();
    std::fs::write(defs.join("connector.yaml"), DEMO).unwrap();
    let out_dir = dir.path().join("src/connectors");
    let (code, printed) = run_cli(&[
        defs.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--embed-definition",
    ]);
    assert_eq!(code, 0, "{printed}");
    let source = std::fs::read_to_string(out_dir.join("demo_shop.rs")).unwrap();
    assert!(
        source.contains("include_str!(\"../../specs/demo-shop/connector.yaml\")"),
        "{source}"
    );
    assert!(source.contains("pub fn local() -> airbyte_agent_sdk::typed::TypedLocal<Self>"));
}
