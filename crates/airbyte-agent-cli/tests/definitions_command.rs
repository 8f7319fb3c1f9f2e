//! `definitions lint|show`, compiled from its module file (the coordinator
//! wires it into `main.rs`).

#[path = "../src/commands/definitions.rs"]
#[allow(dead_code)]
mod definitions;

use clap::Parser;
use definitions::{DefinitionsArgs, run};

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: DefinitionsArgs,
}

const GOOD: &str = r#"
openapi: 3.1.0
info:
  title: Demo
  version: "1.0"
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-0000000000aa
servers: [{url: "https://api.example.com"}]
paths:
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      x-airbyte-no-pagination: single page
      parameters:
        - {name: kind, in: query, required: true, schema: {type: string, enum: [a, b]}}
      responses: {"200": {description: ok}}
"#;

fn parse(argv: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("definitions").chain(argv.iter().copied()))
        .expect("arguments parse")
}

fn run_cli(argv: &[&str]) -> (i32, String) {
    let mut out = Vec::new();
    let code = run(parse(argv).args, &mut out).expect("command runs");
    (code, String::from_utf8(out).expect("utf-8"))
}

#[test]
fn lint_and_show_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("demo")).expect("mkdir");
    std::fs::write(dir.path().join("demo/connector.yaml"), GOOD).expect("write");
    let dir_arg = dir.path().to_str().expect("utf-8 path");

    let (code, out) = run_cli(&["lint", dir_arg]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("connector.yaml: ok"), "{out}");

    std::fs::write(
        dir.path().join("bad.yaml"),
        GOOD.replace("x-airbyte-action: list", "x-airbyte-action: listt"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("odd.yaml"),
        GOOD.replace("Demo", "Odd")
            .replace("0000000000aa", "0000000000bb")
            .replace(
                "x-airbyte-entity: items",
                "x-airbyte-entity: items\n      x-airbyte-glitter: 1",
            ),
    )
    .expect("write");
    let (code, out) = run_cli(&["lint", dir_arg]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unknown action `listt`"), "{out}");
    assert!(out.contains("/paths/~1items/get/x-airbyte-action"), "{out}");
    assert!(out.contains("[unknown-extension]"), "{out}");
    assert!(
        out.contains("3 definition(s) checked, 1 with problems"),
        "{out}"
    );
    let odd = dir.path().join("odd.yaml");
    let odd_arg = odd.to_str().expect("path");
    let (code, _) = run_cli(&["lint", "--strict", odd_arg]);
    assert_eq!(code, 1);

    let (code, out) = run_cli(&["lint", "--json", odd_arg]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json[0]["findings"][0]["code"], "unknown-extension");

    let demo = dir.path().join("demo");
    let demo_arg = demo.to_str().expect("path");
    let (code, out) = run_cli(&["show", demo_arg]);
    assert_eq!(code, 0);
    assert!(
        out.contains("kind [query] string (required; one of a, b)"),
        "{out}"
    );

    let (_, out) = run_cli(&["show", "--json", "--entity", "items", demo_arg]);
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        json["entities"][0]["actions"][0]["params"][0]["name"],
        "kind"
    );
}

#[test]
fn show_errors_are_helpful() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.yaml"), GOOD).expect("write");
    std::fs::write(
        dir.path().join("b.yaml"),
        GOOD.replace("Demo", "Other")
            .replace("0000000000aa", "0000000000cc"),
    )
    .expect("write");
    let dir_arg = dir.path().to_str().expect("path");
    let err = run(parse(&["show", dir_arg]).args, &mut Vec::new()).expect_err("ambiguous");
    assert!(err.to_string().contains("pass --connector"), "{err}");
    let err = run(
        parse(&["show", dir_arg, "-c", "nope"]).args,
        &mut Vec::new(),
    )
    .expect_err("unknown");
    assert!(err.to_string().contains("demo, other"), "{err}");
    let mut out = Vec::new();
    assert_eq!(
        run(parse(&["show", dir_arg, "-c", "other"]).args, &mut out).expect("shows"),
        0
    );
    let err = run(
        parse(&["show", dir_arg, "-c", "demo", "-e", "things"]).args,
        &mut Vec::new(),
    )
    .expect_err("entity");
    assert!(err.to_string().contains("valid entities"), "{err}");
}
