//! The reference side: one Python process runs every case through the
//! reference `LocalExecutor` (see `python/run_reference.py`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::cases::Case;
use crate::observe::Outcome;

/// The driver script, shipped with this crate.
pub fn driver_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python/run_reference.py")
}

/// One line the driver writes.
#[derive(Debug, Clone, Deserialize)]
pub struct ReferenceRecord {
    /// Case id.
    pub id: String,
    /// Whether the execution succeeded.
    pub ok: bool,
    /// Result data.
    #[serde(default)]
    pub data: Value,
    /// Result metadata.
    #[serde(default)]
    pub meta: Value,
    /// Python exception class name, or `ExecutionResult.error` for failures returned as a result.
    #[serde(default)]
    pub error_type: Option<String>,
    /// Error text.
    #[serde(default)]
    pub error_message: Option<String>,
    /// HTTP status carried by the exception, if any.
    #[serde(default)]
    pub status_code: Option<u16>,
    /// Whether the exception carried an HTTP response (server-side vs pre-flight).
    #[serde(default)]
    pub has_response: bool,
}

impl ReferenceRecord {
    /// The outcome in our vocabulary.
    pub fn outcome(&self) -> Outcome {
        if self.ok {
            return Outcome {
                error_kind: None,
                error_message: None,
                data: self.data.clone(),
                meta: self.meta.clone(),
            };
        }
        Outcome {
            error_kind: Some(self.error_kind()),
            error_message: self.error_message.clone(),
            data: Value::Null,
            meta: Value::Null,
        }
    }

    /// Maps the reference's exception to our `ErrorKind` name.
    ///
    /// The reference returns entity/action/parameter failures as a result
    /// with only a message, so those are told apart by the message's fixed
    /// opening words.
    pub fn error_kind(&self) -> String {
        let ty = self.error_type.as_deref().unwrap_or_default();
        let msg = self.error_message.as_deref().unwrap_or_default();
        let kind = match ty {
            "ExecutionResult.error" | "ExecutorError" => {
                if msg.starts_with("Entity '") {
                    "EntityNotFound"
                } else if msg.starts_with("Action '") {
                    "ActionNotSupported"
                } else if msg.starts_with("Missing required") {
                    "MissingParameter"
                } else if ty == "ExecutorError" {
                    "Execution"
                } else {
                    "InvalidParameter"
                }
            }
            "EntityNotFoundError" => "EntityNotFound",
            "ActionNotSupportedError" => "ActionNotSupported",
            "MissingParameterError" => "MissingParameter",
            "InvalidParameterError" => "InvalidParameter",
            // Pre-flight enum/array checks carry no response; 400/422 answers do.
            "ConnectorValidationError" if !self.has_response => "InvalidParameter",
            "ConnectorValidationError" => "Validation",
            "AuthenticationError" => "Authentication",
            "RateLimitError" => "RateLimited",
            "NetworkError" => "Network",
            "TimeoutError" => "Timeout",
            "HTTPStatusError" => match self.status_code {
                Some(401 | 403) => "Authentication",
                Some(429) => "RateLimited",
                Some(400 | 422) => "Validation",
                _ => "HttpStatus",
            },
            other => return format!("Python:{other}"),
        };
        kind.to_string()
    }
}

/// Runs the driver over `cases` (already holding the server origin) and
/// returns each case's record.
///
/// `definitions` maps connector slugs to the rewritten definition files.
pub fn run(
    python: &Path,
    origin: &str,
    definitions: &BTreeMap<String, PathBuf>,
    cases: &[Case],
    scratch: &Path,
) -> Result<HashMap<String, ReferenceRecord>, String> {
    let run_file = scratch.join("run.json");
    let out_file = scratch.join("reference.jsonl");
    let run = json!({"origin": origin, "definitions": definitions, "cases": cases});
    std::fs::write(&run_file, run.to_string())
        .map_err(|e| format!("{}: {e}", run_file.display()))?;
    let home = scratch.join("home");
    std::fs::create_dir_all(&home).map_err(|e| format!("{}: {e}", home.display()))?;
    let output = Command::new(python)
        .arg(driver_script())
        .arg(&run_file)
        .arg(&out_file)
        // The reference writes per-user state under $HOME; keep it in scratch.
        .env("HOME", &home)
        .env("AIRBYTE_TELEMETRY_MODE", "disabled")
        .env("NO_PROXY", "*")
        .output()
        .map_err(|e| format!("could not start {}: {e}", python.display()))?;
    if !output.status.success() {
        return Err(format!(
            "reference driver failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text =
        std::fs::read_to_string(&out_file).map_err(|e| format!("{}: {e}", out_file.display()))?;
    let mut out = HashMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let rec: ReferenceRecord =
            serde_json::from_str(line).map_err(|e| format!("bad driver line {line:.200}: {e}"))?;
        out.insert(rec.id.clone(), rec);
    }
    Ok(out)
}
