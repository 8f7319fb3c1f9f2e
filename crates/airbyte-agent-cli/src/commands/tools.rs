//! `airbyte-agent tools export`: print a connector's tools as JSON for an LLM
//! API (OpenAI function calling, Anthropic tool use, or MCP `tools/list`).
//!
//! Wiring: add `Tools(commands::tools::ToolsArgs)` to the top-level
//! subcommands and call [`run`] with stdout; exit with the returned code.

use std::io::Write;
use std::path::PathBuf;

use airbyte_agent_sdk::Error;
use airbyte_agent_sdk::agent::{Provider, ToolStyle, export_tools};
use airbyte_agent_sdk::definition;

/// Export a connector's operations as tool definitions for LLM APIs.
#[derive(Debug, clap::Args)]
pub struct ToolsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ToolsCommand,
}

/// `tools` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ToolsCommand {
    /// Print the tool definitions of a connector definition as JSON.
    Export(ExportArgs),
}

/// The tool format to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// `{type: "function", function: {name, description, parameters}}`.
    Openai,
    /// `{name, description, input_schema}`.
    Anthropic,
    /// `{name, description, inputSchema}`.
    Mcp,
}

impl From<FormatArg> for Provider {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Openai => Provider::OpenAi,
            FormatArg::Anthropic => Provider::Anthropic,
            FormatArg::Mcp => Provider::Mcp,
        }
    }
}

/// How operations become tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum StyleArg {
    /// One `<connector>_execute` tool taking entity, action and params.
    #[default]
    Execute,
    /// One tool per entity/action.
    PerOperation,
}

impl From<StyleArg> for ToolStyle {
    fn from(s: StyleArg) -> Self {
        match s {
            StyleArg::Execute => ToolStyle::Execute,
            StyleArg::PerOperation => ToolStyle::PerOperation,
        }
    }
}

/// Arguments of `tools export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// A connector definition file, or a directory holding `connector.yaml`.
    #[arg(long, value_name = "PATH")]
    pub definition: PathBuf,
    /// The LLM API whose tool format to print.
    #[arg(long, value_enum)]
    pub format: FormatArg,
    /// One execute tool per connector, or one tool per operation.
    #[arg(long, value_enum, default_value_t = StyleArg::Execute)]
    pub style: StyleArg,
}

/// Runs a `tools` subcommand, writing JSON to `out`. Returns the exit code
/// (0); load failures are returned as errors.
pub fn run(args: ToolsArgs, out: &mut dyn Write) -> Result<i32, Error> {
    match args.command {
        ToolsCommand::Export(a) => export(&a, out),
    }
}

fn export(args: &ExportArgs, out: &mut dyn Write) -> Result<i32, Error> {
    let def = definition::load_path(&args.definition)?;
    let tools = export_tools(&def, args.format.into(), args.style.into());
    let text = serde_json::to_string_pretty(&tools).map_err(|e| Error::Decode {
        what: "tool definitions".into(),
        message: e.to_string(),
    })?;
    writeln!(out, "{text}").map_err(|e| Error::io("<stdout>", e))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        command: Top,
    }

    #[derive(Debug, clap::Subcommand)]
    enum Top {
        Tools(ToolsArgs),
    }

    const DEFINITION: &str = r#"
openapi: 3.1.0
info:
  title: Demo
  version: 1.0.0
  x-airbyte-connector-name: demo
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-000000000001
servers:
  - url: http://127.0.0.1:1
paths:
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      parameters:
        - name: page[size]
          in: query
          schema: {type: integer, format: int32}
      responses:
        "200": {description: ok}
  /items/{id}:
    get:
      x-airbyte-entity: items
      x-airbyte-action: get
      parameters:
        - name: id
          in: path
          required: true
          schema: {type: string}
      responses:
        "200": {description: ok}
"#;

    fn run_cli(args: &[&str]) -> serde_json::Value {
        let cli = Cli::try_parse_from(args).expect("arguments parse");
        let Top::Tools(tools) = cli.command;
        let mut out = Vec::new();
        assert_eq!(run(tools, &mut out).expect("export runs"), 0);
        serde_json::from_slice(&out).expect("JSON output")
    }

    #[test]
    fn exports_every_format_and_style() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("connector.yaml");
        std::fs::write(&path, DEFINITION).expect("write");
        let p = path.to_str().unwrap_or_default();

        let v = run_cli(&[
            "x",
            "tools",
            "export",
            "--definition",
            p,
            "--format",
            "openai",
        ]);
        assert_eq!(v[0]["type"], "function");
        assert_eq!(v[0]["function"]["name"], "demo_execute");
        assert_eq!(
            v[0]["function"]["parameters"]["properties"]["entity"]["enum"],
            serde_json::json!(["items"])
        );

        let v = run_cli(&[
            "x",
            "tools",
            "export",
            "--definition",
            p,
            "--format",
            "anthropic",
            "--style",
            "per-operation",
        ]);
        let names: Vec<&str> = v
            .as_array()
            .map(|a| a.iter().filter_map(|t| t["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(names, ["demo_items_list", "demo_items_get"]);
        assert_eq!(
            v[0]["input_schema"]["properties"]["page_size"],
            serde_json::json!({"type": "integer"})
        );
        assert_eq!(v[1]["input_schema"]["required"], serde_json::json!(["id"]));

        let dir_arg = dir.path().to_str().unwrap_or_default();
        let v = run_cli(&[
            "x",
            "tools",
            "export",
            "--definition",
            dir_arg,
            "--format",
            "mcp",
        ]);
        assert!(v[0]["inputSchema"].is_object());
    }

    #[test]
    fn bad_format_and_missing_file_fail() {
        assert!(
            Cli::try_parse_from([
                "x",
                "tools",
                "export",
                "--definition",
                "d",
                "--format",
                "gemini"
            ])
            .is_err()
        );
        let cli = Cli::try_parse_from([
            "x",
            "tools",
            "export",
            "--definition",
            "/nonexistent/x.yaml",
            "--format",
            "mcp",
        ])
        .expect("arguments parse");
        let Top::Tools(tools) = cli.command;
        assert!(run(tools, &mut Vec::new()).is_err());
    }
}
