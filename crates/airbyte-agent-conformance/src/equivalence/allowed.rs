//! The committed list of accepted differences between our definitions and
//! the upstream ones (`crates/airbyte-agent-connectors/equivalence-allowed.json`).
//!
//! ```json
//! {"entries": [{"cases": ["stripe/customers/list/*"],
//!               "difference_contains": "request 0 query",
//!               "reason": "why ours differs on purpose"}]}
//! ```
//!
//! Missing operations cannot be allowed: coverage must include the whole
//! upstream entity/action set.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::expect::glob_match;

/// One accepted difference.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedDifference {
    /// Case id globs (`*` matches any text, `/` included).
    pub cases: Vec<String>,
    /// When set, only differences whose description contains this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difference_contains: Option<String>,
    /// Why ours may differ here.
    pub reason: String,
}

impl AllowedDifference {
    /// Whether this entry excuses difference `what` of case `case_id`.
    pub fn matches(&self, case_id: &str, what: &str) -> bool {
        self.cases.iter().any(|p| glob_match(p, case_id))
            && self
                .difference_contains
                .as_deref()
                .is_none_or(|t| what.contains(t))
    }
}

/// The allowed-differences file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedDifferences {
    /// Entries; the first match is reported.
    pub entries: Vec<AllowedDifference>,
}

impl AllowedDifferences {
    /// Path of the committed file, next to the bundled definitions.
    pub fn default_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../airbyte-agent-connectors/equivalence-allowed.json")
    }

    /// Loads a file; an absent file allows nothing.
    pub fn load(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// The first entry excusing difference `what` of `case_id`.
    pub fn find(&self, case_id: &str, what: &str) -> Option<&AllowedDifference> {
        self.entries.iter().find(|e| e.matches(case_id, what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_match_by_glob_and_text() {
        let file: AllowedDifferences = serde_json::from_str(
            r#"{"entries": [{"cases": ["stripe/customers/*"], "difference_contains": "query", "reason": "r"}]}"#,
        )
        .unwrap();
        assert!(
            file.find("stripe/customers/list/full", "request 0 query: a vs b")
                .is_some()
        );
        assert!(
            file.find("stripe/customers/list/full", "request 0 body: a vs b")
                .is_none()
        );
        assert!(
            file.find("stripe/invoices/list/full", "request 0 query")
                .is_none()
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let bad = serde_json::from_str::<AllowedDifferences>(
            r#"{"entries": [{"case": ["x"], "reason": "typo in the key"}]}"#,
        );
        assert!(bad.is_err());
    }
}
