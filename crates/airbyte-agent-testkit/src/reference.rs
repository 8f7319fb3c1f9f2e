//! Locating the Python reference SDK installed by `scripts/setup-reference`.
//!
//! Conformance tests call [`python`] to get the interpreter of a reference
//! version. When it is missing they skip, unless `AIRBYTE_REQUIRE_REFERENCE`
//! is set (as `scripts/test` and CI do), in which case they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A reference SDK version installed for testing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// 0.1.47: the API we implement (hosted surface, `ask`).
    V0_1_47,
    /// 0.1.380: the newest (56 connector definitions).
    V0_1_380,
}

impl Version {
    fn env_var(self) -> &'static str {
        match self {
            Version::V0_1_47 => "AIRBYTE_REF_047_PYTHON",
            Version::V0_1_380 => "AIRBYTE_REF_380_PYTHON",
        }
    }

    fn dir(self) -> &'static str {
        match self {
            Version::V0_1_47 => "0.1.47",
            Version::V0_1_380 => "0.1.380",
        }
    }
}

/// The workspace root (where `.venv-ref/` lives).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("workspace root")
        .to_path_buf()
}

/// The Python interpreter of the given reference version, or `None` when it
/// is not installed (and `AIRBYTE_REQUIRE_REFERENCE` is unset).
///
/// # Panics
/// When the reference is missing and `AIRBYTE_REQUIRE_REFERENCE` is set: a
/// conformance test must not pass silently in CI.
pub fn python(version: Version) -> Option<PathBuf> {
    locate(
        version.env_var(),
        version.dir(),
        "airbyte_agent_sdk",
        &format!("the Python reference {}", version.dir()),
    )
}

/// The Python interpreter of the venv holding the official MCP Python SDK
/// (`mcp`, the client of the MCP conformance test): `AIRBYTE_MCP_PYTHON`, else
/// `.venv-ref/mcp/bin/python`. `None` when missing, unless
/// `AIRBYTE_REQUIRE_REFERENCE` is set.
///
/// # Panics
/// When the venv is missing and `AIRBYTE_REQUIRE_REFERENCE` is set.
pub fn mcp_python() -> Option<PathBuf> {
    locate("AIRBYTE_MCP_PYTHON", "mcp", "mcp", "the MCP Python SDK")
}

/// Finds a venv's interpreter that can import `module`.
fn locate(env_var: &str, dir: &str, module: &str, what: &str) -> Option<PathBuf> {
    let candidate = std::env::var_os(env_var)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            workspace_root()
                .join(".venv-ref")
                .join(dir)
                .join("bin/python")
        });
    let ok = candidate.exists()
        && Command::new(&candidate)
            .args(["-c", &format!("import {module}")])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    if ok {
        return Some(candidate);
    }
    if std::env::var_os("AIRBYTE_REQUIRE_REFERENCE").is_some() {
        panic!(
            "{what} is not installed at {}; run scripts/setup-reference",
            candidate.display()
        );
    }
    eprintln!("skipping: {what} not installed (run scripts/setup-reference)");
    None
}

/// The directory of the installed reference package (`.../airbyte_agent_sdk`).
pub fn package_dir(version: Version) -> Option<PathBuf> {
    let py = python(version)?;
    let out = Command::new(py)
        .args([
            "-c",
            "import airbyte_agent_sdk, os; print(os.path.dirname(airbyte_agent_sdk.__file__))",
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// The directory holding the upstream connector definitions (`specs/<slug>/connector.yaml`).
pub fn specs_dir(version: Version) -> Option<PathBuf> {
    package_dir(version).map(|p| p.join("specs"))
}
