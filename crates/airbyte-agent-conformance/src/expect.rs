//! What the reference is expected to do with each case variant, and the
//! committed files that record accepted exceptions and the baseline.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cases::Case;
use crate::observe::Observation;

/// Which side a known difference concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The reference does not do what the case expects (synthesis limits, reference bugs).
    Reference,
    /// Ours and the reference differ.
    Differential,
}

/// One accepted, explained exception.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KnownDifference {
    /// Case id globs (`*` matches any text, `/` included).
    pub cases: Vec<String>,
    /// When set, only differences whose description contains this text are excused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difference_contains: Option<String>,
    /// Which comparison it excuses.
    pub side: Side,
    /// Short category name for the report.
    pub category: String,
    /// A differential entry where ours deliberately does what the issue asks
    /// and the reference does not (e.g. a type check). Cases it excuses count
    /// as conformant, not identical.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_design: bool,
    /// Why the difference is accepted.
    pub reason: String,
}

/// The committed list of known differences.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KnownDifferences {
    /// Entries, first match wins.
    pub entries: Vec<KnownDifference>,
}

impl KnownDifferences {
    /// Path of the committed file.
    pub fn default_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("known-differences.json")
    }

    /// Loads the committed file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The entry excusing difference `what` of `case_id` on `side`, if any.
    pub fn find(&self, side: Side, case_id: &str, what: &str) -> Option<&KnownDifference> {
        self.entries.iter().find(|e| {
            e.side == side
                && e.cases.iter().any(|p| glob_match(p, case_id))
                && e.difference_contains
                    .as_deref()
                    .is_none_or(|t| what.contains(t))
        })
    }
}

/// The last recorded numbers; the test fails when a run falls below them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Baseline {
    /// Cases where the reference behaved as its variant expects.
    pub reference_as_expected: usize,
    /// Operations whose every case was identical on both sides (`None` until our side runs).
    #[serde(default)]
    pub identical_operations: Option<usize>,
    /// Cases identical on both sides (`None` until our side runs).
    #[serde(default)]
    pub identical_cases: Option<usize>,
    /// Operations identical or differing only by design (`None` until our side runs).
    #[serde(default)]
    pub conformant_operations: Option<usize>,
}

impl Baseline {
    /// Path of the committed file.
    pub fn default_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("baseline.json")
    }

    /// Loads the committed file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Whether the reference did what the case's variant expects; `Err` says what it did instead.
pub fn reference_expectation(case: &Case, obs: &Observation) -> Result<(), String> {
    let kind = obs.outcome.error_kind.as_deref();
    let describe = || match kind {
        Some(k) => format!(
            "failed with {k}: {}",
            obs.outcome
                .error_message
                .as_deref()
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect::<String>()
        ),
        None => "succeeded".to_string(),
    };
    let expect_error = |want: &[&str], request_allowed: bool| {
        let ok_kind = kind.is_some_and(|k| want.contains(&k));
        if ok_kind && (request_allowed || obs.requests.is_empty()) {
            Ok(())
        } else if ok_kind {
            Err(format!(
                "rejected only after {} request(s)",
                obs.requests.len()
            ))
        } else {
            Err(format!("expected {want:?}, {}", describe()))
        }
    };
    match case.variant.as_str() {
        "full" | "minimal" => match kind {
            None if !obs.requests.is_empty() => Ok(()),
            None => Err("succeeded without any request".into()),
            Some(_) => Err(describe()),
        },
        "missing_required" | "missing_required_body" => expect_error(&["MissingParameter"], false),
        "bad_enum" => expect_error(&["InvalidParameter"], false),
        "wrong_type" => expect_error(&["InvalidParameter"], false),
        "unknown_entity" => expect_error(&["EntityNotFound"], false),
        "unsupported_action" => expect_error(&["ActionNotSupported"], false),
        "http_404" => expect_error(&["HttpStatus", "NotFound"], true),
        other => Err(format!("unknown variant {other}")),
    }
}

/// `*`-only glob matching.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("a/*/c", "a/b/x/c"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match(
            "stripe/*/wrong_type",
            "stripe/customers/list/wrong_type"
        ));
        assert!(!glob_match(
            "stripe/*/wrong_type",
            "stripe/customers/list/full"
        ));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("a*a", "a"));
    }
}
