//! Writing an MCP server entry into a client's configuration: Claude
//! Desktop, Claude Code and Cursor (JSON, `mcpServers.<name>`) and Codex
//! (TOML, `[mcp_servers.<name>]`). Existing content is kept (other servers,
//! other settings, TOML comments and layout), the entry of the same name is
//! replaced, and the previous file is copied to `<file>.bak` first.
//!
//! ```
//! use airbyte_agent_mcp::install::{McpClient, ServerEntry, merged_config};
//!
//! let entry = ServerEntry::new("airbyte", "/usr/local/bin/airbyte-agent")
//!     .args(["mcp", "serve"]);
//! let text = merged_config(McpClient::Cursor, Some(r#"{"mcpServers": {"other": {"command": "x"}}}"#), &entry)?;
//! assert!(text.contains("\"other\"") && text.contains("\"airbyte\""));
//! # Ok::<(), airbyte_agent_sdk::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use airbyte_agent_sdk::{Error, Result};
use serde_json::{Map, Value, json};

/// An MCP client whose configuration can be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum McpClient {
    /// Claude Desktop: `claude_desktop_config.json`.
    ClaudeDesktop,
    /// Claude Code: the project's `.mcp.json`.
    ClaudeCode,
    /// Cursor: `~/.cursor/mcp.json`.
    Cursor,
    /// OpenAI Codex: `~/.codex/config.toml`.
    Codex,
}

impl McpClient {
    /// Every client.
    pub const ALL: [McpClient; 4] = [
        McpClient::ClaudeDesktop,
        McpClient::ClaudeCode,
        McpClient::Cursor,
        McpClient::Codex,
    ];

    /// Command-line name: `claude-desktop`, `claude-code`, `cursor`, `codex`.
    pub fn as_str(self) -> &'static str {
        match self {
            McpClient::ClaudeDesktop => "claude-desktop",
            McpClient::ClaudeCode => "claude-code",
            McpClient::Cursor => "cursor",
            McpClient::Codex => "codex",
        }
    }

    /// Whether the configuration file is TOML (else JSON).
    pub fn is_toml(self) -> bool {
        self == McpClient::Codex
    }

    /// Where the client reads its configuration by default. `env` looks up
    /// environment variables (`HOME`, `APPDATA`, `XDG_CONFIG_HOME`,
    /// `CODEX_HOME`); `cwd` is the project directory (Claude Code).
    pub fn default_config_path(
        self,
        env: impl Fn(&str) -> Option<String>,
        cwd: &Path,
    ) -> Result<PathBuf> {
        let var = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let home = || {
            var("HOME").or_else(|| var("USERPROFILE")).ok_or_else(|| {
                Error::invalid_argument(
                    "--config",
                    "cannot find the home directory (HOME is unset); pass the file with --config",
                )
            })
        };
        Ok(match self {
            McpClient::ClaudeCode => cwd.join(".mcp.json"),
            McpClient::Cursor => home()?.join(".cursor").join("mcp.json"),
            McpClient::Codex => match var("CODEX_HOME") {
                Some(dir) => dir.join("config.toml"),
                None => home()?.join(".codex").join("config.toml"),
            },
            McpClient::ClaudeDesktop => {
                let file = "claude_desktop_config.json";
                if cfg!(target_os = "macos") {
                    home()?
                        .join("Library/Application Support/Claude")
                        .join(file)
                } else if cfg!(windows) {
                    match var("APPDATA") {
                        Some(dir) => dir.join("Claude").join(file),
                        None => home()?.join("AppData/Roaming/Claude").join(file),
                    }
                } else {
                    match var("XDG_CONFIG_HOME") {
                        Some(dir) => dir.join("Claude").join(file),
                        None => home()?.join(".config/Claude").join(file),
                    }
                }
            }
        })
    }
}

impl fmt::Display for McpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for McpClient {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        McpClient::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                format!("unknown MCP client `{s}`; expected claude-desktop, claude-code, cursor or codex")
            })
    }
}

/// The server entry: how the client starts the server.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerEntry {
    /// Entry name (the key under `mcpServers` / `mcp_servers`).
    pub name: String,
    /// Program to run.
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Environment variables set for it.
    pub env: BTreeMap<String, String>,
}

impl fmt::Debug for ServerEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Environment values are often credentials: names only.
        f.debug_struct("ServerEntry")
            .field("name", &self.name)
            .field("command", &self.command)
            .field("args", &self.args)
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ServerEntry {
    /// An entry running `command` with no arguments.
    pub fn new(name: impl Into<String>, command: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            command: command.into(),
            args: Vec::new(),
            env: BTreeMap::new(),
        }
    }

    /// Sets the arguments.
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    fn json(&self, client: McpClient) -> Value {
        let mut entry = Map::new();
        if client == McpClient::ClaudeCode {
            entry.insert("type".into(), json!("stdio"));
        }
        entry.insert("command".into(), json!(self.command));
        entry.insert("args".into(), json!(self.args));
        if !self.env.is_empty() {
            entry.insert("env".into(), json!(self.env));
        }
        Value::Object(entry)
    }

    fn toml(&self) -> toml_edit::Table {
        let mut table = toml_edit::Table::new();
        table["command"] = toml_edit::value(self.command.as_str());
        let args: toml_edit::Array = self.args.iter().map(String::as_str).collect();
        table["args"] = toml_edit::value(args);
        if !self.env.is_empty() {
            let mut env = toml_edit::InlineTable::new();
            for (k, v) in &self.env {
                env.insert(k, v.as_str().into());
            }
            table["env"] = toml_edit::value(env);
        }
        table
    }
}

/// The entry alone, as a snippet to paste into the client's configuration.
pub fn entry_snippet(client: McpClient, entry: &ServerEntry) -> String {
    merged_config(client, None, entry).unwrap_or_default()
}

/// The configuration text with `entry` merged into `existing` (`None` or
/// blank for a new file). Fails when the existing text cannot be parsed or
/// its server table is not a table, rather than overwrite it.
pub fn merged_config(
    client: McpClient,
    existing: Option<&str>,
    entry: &ServerEntry,
) -> Result<String> {
    let existing = existing.filter(|t| !t.trim().is_empty());
    if client.is_toml() {
        merge_toml(existing.unwrap_or_default(), entry)
    } else {
        merge_json(client, existing, entry)
    }
}

fn unreadable(what: &str, message: impl fmt::Display) -> Error {
    Error::Decode {
        what: format!("the existing {what} (fix or move it, then run install again)"),
        message: message.to_string(),
    }
}

fn merge_json(client: McpClient, existing: Option<&str>, entry: &ServerEntry) -> Result<String> {
    let mut root = match existing {
        None => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(unreadable("JSON config", "the top level is not an object")),
            Err(e) => return Err(unreadable("JSON config", e)),
        },
    };
    let servers = root
        .entry("mcpServers")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(servers) = servers else {
        return Err(unreadable("JSON config", "`mcpServers` is not an object"));
    };
    servers.insert(entry.name.clone(), entry.json(client));
    let mut text =
        serde_json::to_string_pretty(&Value::Object(root)).map_err(|e| Error::Decode {
            what: "MCP client config".into(),
            message: e.to_string(),
        })?;
    text.push('\n');
    Ok(text)
}

fn merge_toml(existing: &str, entry: &ServerEntry) -> Result<String> {
    let mut doc: toml_edit::DocumentMut =
        existing.parse().map_err(|e| unreadable("TOML config", e))?;
    let servers = doc
        .entry("mcp_servers")
        .or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            // Only `[mcp_servers.<name>]` headers, no empty `[mcp_servers]`.
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| unreadable("TOML config", "`mcp_servers` is not a table"))?;
    servers.insert(&entry.name, toml_edit::Item::Table(entry.toml()));
    Ok(doc.to_string())
}

/// What [`install`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InstallOutcome {
    /// The configuration file.
    pub path: PathBuf,
    /// The copy of the previous file, when there was one and it changed.
    pub backup: Option<PathBuf>,
    /// Whether the file changed (false when the entry was already there).
    pub changed: bool,
}

/// Merges `entry` into the configuration file at `path`: creates the file
/// (and its directory) when missing, copies a previous file to
/// `<file>.bak` before changing it, and replaces the file atomically.
pub fn install(client: McpClient, path: &Path, entry: &ServerEntry) -> Result<InstallOutcome> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(path, e)),
    };
    let text = merged_config(client, existing.as_deref(), entry)?;
    if existing.as_deref() == Some(text.as_str()) {
        return Ok(InstallOutcome {
            path: path.to_path_buf(),
            backup: None,
            changed: false,
        });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let backup = match existing {
        Some(_) => {
            let bak = with_suffix(path, ".bak");
            std::fs::copy(path, &bak).map_err(|e| Error::io(&bak, e))?;
            Some(bak)
        }
        None => None,
    };
    let tmp = with_suffix(path, ".tmp");
    std::fs::write(&tmp, &text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    tracing::info!(client = %client, path = %path.display(), "MCP client config written");
    Ok(InstallOutcome {
        path: path.to_path_buf(),
        backup,
        changed: true,
    })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> ServerEntry {
        ServerEntry::new("airbyte", "/bin/airbyte-agent")
            .args(["mcp", "serve", "--definition", "/d/c.yaml"])
            .env("AIRBYTE_CLIENT_ID", "id-1")
    }

    #[test]
    fn json_merge_keeps_other_servers_and_settings() {
        let existing = r#"{"theme": "dark", "mcpServers": {"other": {"command": "x"}, "airbyte": {"command": "old"}}}"#;
        let text = merged_config(McpClient::ClaudeDesktop, Some(existing), &entry()).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["theme"], "dark");
        assert_eq!(v["mcpServers"]["other"]["command"], "x");
        assert_eq!(v["mcpServers"]["airbyte"]["command"], "/bin/airbyte-agent");
        assert_eq!(v["mcpServers"]["airbyte"]["args"][1], "serve");
        assert_eq!(
            v["mcpServers"]["airbyte"]["env"]["AIRBYTE_CLIENT_ID"],
            "id-1"
        );
        assert!(v["mcpServers"]["airbyte"].get("type").is_none());
        let code = merged_config(McpClient::ClaudeCode, None, &entry()).unwrap();
        let v: Value = serde_json::from_str(&code).unwrap();
        assert_eq!(v["mcpServers"]["airbyte"]["type"], "stdio");
    }

    #[test]
    fn toml_merge_keeps_comments_and_tables() {
        let existing = "# my settings\nmodel = \"o3\"\n\n[mcp_servers.other]\ncommand = \"x\"\n";
        let text = merged_config(McpClient::Codex, Some(existing), &entry()).unwrap();
        assert!(
            text.starts_with("# my settings\nmodel = \"o3\"\n"),
            "{text}"
        );
        assert!(
            text.contains("[mcp_servers.other]\ncommand = \"x\""),
            "{text}"
        );
        assert!(text.contains("[mcp_servers.airbyte]"), "{text}");
        assert!(!text.contains("[mcp_servers]\n"), "{text}");
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        let t = &doc["mcp_servers"]["airbyte"];
        assert_eq!(t["command"].as_str(), Some("/bin/airbyte-agent"));
        assert_eq!(t["args"].as_array().map(|a| a.len()), Some(4));
        assert_eq!(t["env"]["AIRBYTE_CLIENT_ID"].as_str(), Some("id-1"));
        // Installing again replaces the entry instead of adding one.
        let again = merged_config(McpClient::Codex, Some(&text), &entry()).unwrap();
        assert_eq!(again, text);
    }

    #[test]
    fn unreadable_configs_are_not_overwritten() {
        for (client, text) in [
            (McpClient::Cursor, "{not json"),
            (McpClient::Cursor, "[1]"),
            (McpClient::Cursor, r#"{"mcpServers": 3}"#),
            (McpClient::Codex, "= nope"),
            (McpClient::Codex, "mcp_servers = 3"),
        ] {
            let err = merged_config(client, Some(text), &entry()).expect_err(text);
            assert!(err.to_string().contains("fix or move it"), "{err}");
        }
    }

    #[test]
    fn default_paths() {
        let env = |name: &str| match name {
            "HOME" => Some("/home/u".to_string()),
            _ => None,
        };
        let cwd = Path::new("/proj");
        let path = |c: McpClient| c.default_config_path(env, cwd).unwrap();
        assert_eq!(path(McpClient::ClaudeCode), Path::new("/proj/.mcp.json"));
        assert_eq!(
            path(McpClient::Cursor),
            Path::new("/home/u/.cursor/mcp.json")
        );
        assert_eq!(
            path(McpClient::Codex),
            Path::new("/home/u/.codex/config.toml")
        );
        let codex_home = |name: &str| (name == "CODEX_HOME").then(|| "/c".to_string());
        assert_eq!(
            McpClient::Codex
                .default_config_path(codex_home, cwd)
                .unwrap(),
            Path::new("/c/config.toml")
        );
        assert!(path(McpClient::ClaudeDesktop).ends_with("Claude/claude_desktop_config.json"));
        assert!(
            McpClient::Cursor
                .default_config_path(|_| None, cwd)
                .is_err()
        );
        assert_eq!("codex".parse::<McpClient>(), Ok(McpClient::Codex));
        assert!("vscode".parse::<McpClient>().is_err());
    }

    #[test]
    fn debug_hides_env_values() {
        let debug = format!("{:?}", entry());
        assert!(
            debug.contains("AIRBYTE_CLIENT_ID") && !debug.contains("id-1"),
            "{debug}"
        );
    }
}
