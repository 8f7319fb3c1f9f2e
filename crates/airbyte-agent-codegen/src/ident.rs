//! Turning arbitrary definition names (entities, fields, enum values) into
//! valid, readable, unique Rust identifiers.

use std::collections::HashSet;

/// Longest identifier emitted; longer names are cut (collisions are then
/// resolved by a numeric suffix).
const MAX_IDENT_LEN: usize = 60;

/// Keywords that are usable as raw identifiers (`r#type`).
const RAW_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers; they get a `_` suffix.
const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Splits a name into lower-case ASCII words at non-alphanumeric characters
/// and camelCase boundaries (`userID-list` → `user`, `id`, `list`).
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn truncate(mut s: String) -> String {
    if s.len() > MAX_IDENT_LEN {
        s.truncate(MAX_IDENT_LEN);
        while s.ends_with('_') {
            s.pop();
        }
    }
    s
}

/// `snake_case` form of `name`, without keyword handling. Never empty; a
/// leading digit gets an `n` prefix.
pub fn snake(name: &str) -> String {
    let mut s = words(name).join("_");
    if s.is_empty() {
        s = "value".to_string();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'n');
    }
    truncate(s)
}

/// `PascalCase` form of `name`. Never empty; a leading digit gets a `V`
/// prefix.
pub fn pascal(name: &str) -> String {
    let mut s: String = words(name)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect();
    if s.is_empty() {
        s = "Value".to_string();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'V');
    }
    truncate(s)
}

/// Makes a sanitized name usable as an identifier: raw identifier for
/// keywords that allow it, `_` suffix for the others.
pub fn escape_keyword(s: &str) -> String {
    if NON_RAW_KEYWORDS.contains(&s) {
        format!("{s}_")
    } else if RAW_KEYWORDS.contains(&s) {
        format!("r#{s}")
    } else {
        s.to_string()
    }
}

/// Hands out unique names within one namespace (a module's types, a
/// struct's fields, an impl's methods, an enum's variants).
#[derive(Debug, Default)]
pub struct Namespace {
    taken: HashSet<String>,
}

impl Namespace {
    /// A namespace where `reserved` names are never handed out.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Namespace {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Claims `base` or, when taken, `base2`, `base3`… (with `_` before the
    /// number for snake_case names).
    pub fn claim(&mut self, base: &str) -> String {
        if self.taken.insert(base.to_string()) {
            return base.to_string();
        }
        let sep = if base.contains('_') || base.chars().all(|c| c.is_ascii_lowercase()) {
            "_"
        } else {
            ""
        };
        (2..)
            .map(|n| format!("{base}{sep}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or_default()
    }

    /// Claims a snake_case identifier for `name` (keywords escaped).
    pub fn claim_snake(&mut self, name: &str) -> String {
        escape_keyword(&self.claim(&snake(name)))
    }

    /// Claims a PascalCase identifier for `name`.
    pub fn claim_pascal(&mut self, name: &str) -> String {
        escape_keyword(&self.claim(&pascal(name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words_of_every_casing() {
        assert_eq!(snake("userID"), "user_id");
        assert_eq!(snake("HTTPResponseCode"), "http_response_code");
        assert_eq!(snake("ticket-audits"), "ticket_audits");
        assert_eq!(snake("a.b c"), "a_b_c");
        assert_eq!(pascal("zendesk-support"), "ZendeskSupport");
        assert_eq!(pascal("customers"), "Customers");
    }

    #[test]
    fn leading_digits_and_empty_names_get_prefixes() {
        assert_eq!(snake("2fa_enabled"), "n2fa_enabled");
        assert_eq!(pascal("24h"), "V24h");
        assert_eq!(snake("$$$"), "value");
        assert_eq!(pascal(""), "Value");
        assert_eq!(snake("日本"), "value");
    }

    #[test]
    fn keywords_become_raw_or_suffixed() {
        let mut ns = Namespace::default();
        assert_eq!(ns.claim_snake("type"), "r#type");
        assert_eq!(ns.claim_snake("self"), "self_");
        assert_eq!(ns.claim_pascal("Self"), "Self_");
        assert_eq!(ns.claim_snake("crate"), "crate_");
    }

    #[test]
    fn collisions_get_numeric_suffixes() {
        let mut ns = Namespace::with_reserved(&["extra"]);
        assert_eq!(ns.claim_snake("extra"), "extra_2");
        assert_eq!(ns.claim_snake("user-id"), "user_id");
        assert_eq!(ns.claim_snake("userId"), "user_id_2");
        let mut types = Namespace::default();
        assert_eq!(types.claim_pascal("Customer"), "Customer");
        assert_eq!(types.claim_pascal("customer"), "Customer2");
    }

    #[test]
    fn very_long_names_are_cut() {
        let long = "a_".repeat(100);
        let id = snake(&long);
        assert!(id.len() <= MAX_IDENT_LEN && !id.ends_with('_'));
    }
}
