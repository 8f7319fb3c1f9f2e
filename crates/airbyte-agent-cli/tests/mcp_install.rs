//! `airbyte-agent mcp install` and `mcp serve` argument handling, run as the
//! real binary on files in temp dirs (`--config` always points there and
//! HOME is a temp dir, so no real client configuration is touched).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_airbyte-agent");

fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("HOME", home)
        .env_remove("CODEX_HOME")
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .expect("binary runs")
}

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn install(home: &Path, client: &str, config: &Path, serve: &[&str]) -> Output {
    let mut args = vec!["mcp", "install", "--client", client, "--config"];
    let config = config.to_str().expect("utf-8 path");
    args.push(config);
    args.push("--");
    args.extend_from_slice(serve);
    run(home, &args)
}

#[test]
fn json_clients_merge_and_keep_a_backup() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("cursor/mcp.json");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let original = r#"{"mcpServers": {"other": {"command": "other-server"}}, "x": 1}"#;
    std::fs::write(&config, original).unwrap();

    let out = stdout_json(&install(
        home.path(),
        "cursor",
        &config,
        &[
            "--definition",
            "/abs/stripe.yaml",
            "--auth",
            "api_key=@/abs/key",
        ],
    ));
    assert_eq!(out["changed"], true);
    let backup = config.with_file_name("mcp.json.bak");
    assert_eq!(out["backup"], backup.display().to_string());
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);

    let written: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(written["x"], 1);
    assert_eq!(written["mcpServers"]["other"]["command"], "other-server");
    let entry = &written["mcpServers"]["airbyte"];
    assert_eq!(entry["command"], BIN);
    assert_eq!(
        entry["args"],
        json!([
            "mcp",
            "serve",
            "--definition",
            "/abs/stripe.yaml",
            "--auth",
            "api_key=@/abs/key"
        ])
    );

    // The same install again changes nothing and makes no new backup.
    std::fs::remove_file(&backup).unwrap();
    let out = stdout_json(&install(
        home.path(),
        "cursor",
        &config,
        &[
            "--definition",
            "/abs/stripe.yaml",
            "--auth",
            "api_key=@/abs/key",
        ],
    ));
    assert_eq!(out["changed"], false);
    assert!(!backup.exists());

    // Claude Code: a new project file, stdio entry, no backup.
    let project = home.path().join("project/.mcp.json");
    let out = stdout_json(&install(
        home.path(),
        "claude-code",
        &project,
        &["--definition", "/abs/stripe.yaml"],
    ));
    assert_eq!(out["backup"], Value::Null);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&project).unwrap()).unwrap();
    assert_eq!(written["mcpServers"]["airbyte"]["type"], "stdio");
}

#[test]
fn codex_toml_is_merged_in_place() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    let original =
        "# my codex settings\nmodel = \"o3\"\n\n[mcp_servers.docs]\ncommand = \"docs-mcp\"\n";
    std::fs::write(&config, original).unwrap();
    let out = run(
        home.path(),
        &[
            "mcp",
            "install",
            "--client",
            "codex",
            "--name",
            "crm",
            "--config",
            config.to_str().unwrap(),
            "--env",
            "AIRBYTE_CLIENT_ID=id-1",
            "--",
            "--workspace",
            "acme",
        ],
    );
    let out = stdout_json(&out);
    assert_eq!(out["env"], json!(["AIRBYTE_CLIENT_ID"]));
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.starts_with(original), "{text}");
    assert!(text.contains("[mcp_servers.crm]"), "{text}");
    assert!(
        text.contains("args = [\"mcp\", \"serve\", \"--workspace\", \"acme\"]"),
        "{text}"
    );
    assert!(
        text.contains("env = { AIRBYTE_CLIENT_ID = \"id-1\" }"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(home.path().join("config.toml.bak")).unwrap(),
        original
    );
}

#[test]
fn print_and_refusals_write_nothing() {
    let home = tempfile::tempdir().unwrap();
    let out = run(
        home.path(),
        &[
            "mcp",
            "install",
            "--client",
            "claude-desktop",
            "--print",
            "--",
            "--definition",
            "/d.yaml",
        ],
    );
    let printed: Value = stdout_json(&out);
    assert_eq!(printed["mcpServers"]["airbyte"]["args"][3], "/d.yaml");
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        0,
        "nothing written"
    );

    // An unreadable config is left alone.
    let config = home.path().join("broken.json");
    std::fs::write(&config, "{ not json").unwrap();
    let out = install(home.path(), "cursor", &config, &["--definition", "/d.yaml"]);
    assert_eq!(
        out.status.code(),
        Some(18),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("fix or move it"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "{ not json");
    assert!(!home.path().join("broken.json.bak").exists());

    // Serve arguments are checked before anything is written.
    let out = install(
        home.path(),
        "cursor",
        &home.path().join("new.json"),
        &["--definitoin", "x"],
    );
    assert_eq!(out.status.code(), Some(4));
    assert!(!home.path().join("new.json").exists());
}

#[test]
fn serve_rejects_ambiguous_credentials() {
    let home = tempfile::tempdir().unwrap();
    let def = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../airbyte-agent-mcp/tests/fixtures/demo_crm.yaml");
    let dir = home.path().join("defs/other");
    std::fs::create_dir_all(&dir).unwrap();
    let other = std::fs::read_to_string(&def).unwrap().replace(
        "x-airbyte-connector-name: demo-crm",
        "x-airbyte-connector-name: other-crm",
    );
    std::fs::write(dir.join("connector.yaml"), other).unwrap();
    let def = def.to_str().unwrap();
    let defs = home.path().join("defs");
    let base = [
        "mcp",
        "serve",
        "--definition",
        def,
        "--connector",
        "other-crm",
        "--definitions-dir",
    ];
    let mut args: Vec<&str> = base.to_vec();
    args.extend([defs.to_str().unwrap(), "--auth", "api_key=k"]);
    let out = run(home.path(), &args);
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("demo-crm, other-crm"), "{stderr}");
}
