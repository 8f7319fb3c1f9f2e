//! Builds a throwaway crate from generated modules and runs cargo on it.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use airbyte_agent_codegen::GeneratedModule;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A crate in a temporary directory whose `src/lib.rs` declares every
/// module, with `extra_lib` appended (e.g. tests).
pub struct CheckCrate {
    pub dir: tempfile::TempDir,
}

impl CheckCrate {
    pub fn new(modules: &[GeneratedModule], extra_lib: &str, dev_deps: &str) -> CheckCrate {
        let dir = tempfile::tempdir().unwrap();
        let sdk = workspace_root().join("crates/airbyte-agent-sdk");
        let manifest = format!(
            "[package]\nname = \"codegen-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nairbyte-agent-sdk = {{ path = {sdk:?} }}\n\
             serde = {{ version = \"1\", features = [\"derive\"] }}\n\
             serde_json = {{ version = \"1\", features = [\"preserve_order\"] }}\n\
             futures = \"0.3\"\n\n[dev-dependencies]\n{dev_deps}\n\n[workspace]\n\n\
             [profile.dev]\ndebug = false\n",
            sdk = sdk.display().to_string(),
        );
        std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
        // The workspace lock pins every dependency, so no registry access is needed.
        std::fs::copy(
            workspace_root().join("Cargo.lock"),
            dir.path().join("Cargo.lock"),
        )
        .unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        let mut lib = String::from("//! Generated connectors under check.\n\n");
        for m in modules {
            std::fs::write(src.join(&m.file_name), &m.source).unwrap();
            lib.push_str(&format!("pub mod {};\n", m.module_name));
        }
        lib.push_str(extra_lib);
        std::fs::write(src.join("lib.rs"), lib).unwrap();
        CheckCrate { dir }
    }

    /// Runs `cargo <args>` in the crate with warnings denied, sharing a
    /// target directory under this test's target dir so reruns reuse the
    /// compiled dependencies. Incremental compilation is off: the crate lives
    /// in a fresh temporary directory each run, so its incremental state
    /// would never be reused and only piles up on disk. Returns (success,
    /// stdout and stderr).
    pub fn cargo(&self, args: &[&str]) -> (bool, String) {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target"))
            .join("codegen-check");
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(args)
            .arg("--offline")
            .current_dir(self.dir.path())
            .env("CARGO_TARGET_DIR", target)
            .env("CARGO_INCREMENTAL", "0")
            .env("CARGO_ENCODED_RUSTFLAGS", "-Dwarnings")
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    /// `cargo fmt --check` on the crate: (success, diff).
    pub fn fmt_check(&self) -> (bool, String) {
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["fmt", "--check"])
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }
}
