//! The bundled connector catalog: every connector Airbyte's agent SDK ships
//! (reference 0.1.380), by slug, display name and connector definition id.
//!
//! ```
//! let stripe = airbyte_agent_sdk::catalog::lookup("stripe").unwrap();
//! assert_eq!(stripe.display_name, "Stripe");
//! assert!(airbyte_agent_sdk::catalog::lookup("strpe").is_err());
//! ```

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const CATALOG_JSON: &str = include_str!("../data/catalog.json");

/// How many close names an unknown-connector error suggests.
const SUGGESTIONS: usize = 5;

/// One connector of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CatalogEntry {
    /// Slug used to name the connector, e.g. `zendesk-support`.
    pub slug: String,
    /// Human-readable name, e.g. `Zendesk Support`.
    pub display_name: String,
    /// Airbyte connector definition id (UUID).
    pub definition_id: String,
}

/// Every catalog entry, sorted by slug.
pub fn entries() -> &'static [CatalogEntry] {
    static CATALOG: OnceLock<Vec<CatalogEntry>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // The file is ours and checked by tests; an unreadable one would be a
        // build defect, reported as an empty catalog rather than a panic.
        let mut entries: Vec<CatalogEntry> =
            serde_json::from_str(CATALOG_JSON).unwrap_or_else(|e| {
                tracing::error!(error = %e, "the bundled connector catalog is invalid");
                Vec::new()
            });
        entries.sort_by(|a, b| a.slug.cmp(&b.slug));
        entries
    })
}

/// The entry for `name`: a slug, matched case-insensitively with `_` and
/// spaces read as `-` (so `Zendesk_Support` finds `zendesk-support`).
pub fn find(name: &str) -> Option<&'static CatalogEntry> {
    let wanted = normalize(name);
    entries().iter().find(|e| e.slug == wanted)
}

/// Like [`find`], but an unknown name is an [`Error::NotFound`] listing the
/// closest slugs by edit distance.
pub fn lookup(name: &str) -> Result<&'static CatalogEntry> {
    find(name).ok_or_else(|| Error::NotFound {
        what: "connector".into(),
        name: name.to_string(),
        scope: "the connector catalog".into(),
        available: closest(name, SUGGESTIONS),
    })
}

/// The `limit` slugs closest to `name` (edit distance, then alphabetical).
pub fn closest(name: &str, limit: usize) -> Vec<String> {
    let wanted = normalize(name);
    let mut scored: Vec<(usize, &str)> = entries()
        .iter()
        .map(|e| {
            // A prefix or substring match is a strong hint ("zendesk" → "zendesk-*").
            let d = if !wanted.is_empty() && e.slug.contains(&wanted) {
                e.slug.len().abs_diff(wanted.len()).min(1)
            } else {
                edit_distance(&wanted, &e.slug)
            };
            (d, e.slug.as_str())
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(limit)
        .map(|(_, s)| s.to_string())
        .collect()
}

fn normalize(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace(['_', ' '], "-")
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_catalog_is_complete_and_sorted() {
        let all = entries();
        assert_eq!(all.len(), 56);
        assert!(all.windows(2).all(|w| w[0].slug < w[1].slug));
        assert!(all.iter().all(|e| e.definition_id.len() == 36));
    }

    #[test]
    fn lookup_normalizes_and_suggests() {
        assert_eq!(find("Zendesk_Support").unwrap().slug, "zendesk-support");
        let err = lookup("zendsk-support").unwrap_err();
        match &err {
            Error::NotFound { available, .. } => {
                assert_eq!(available[0], "zendesk-support");
                assert!(available.len() <= SUGGESTIONS);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("zendesk-support"));
        assert_eq!(closest("zendesk", 3).len(), 3);
        assert!(
            closest("zendesk", 3)
                .iter()
                .all(|s| s.starts_with("zendesk"))
        );
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("stripe", "stripe"), 0);
    }
}
