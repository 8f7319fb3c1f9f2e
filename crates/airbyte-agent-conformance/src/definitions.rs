//! Definitions as both executors see them: the upstream YAML with every
//! absolute URL pointed at the recording server.
//!
//! This is the one neutral way to reach 127.0.0.1 that needs no test hook in
//! either executor, and it also routes OAuth token endpoints to the server:
//! - `servers[0].url`: a host without variables is dropped
//!   (`https://api.x.com/v1` → `ORIGIN/v1`); a host with variables moves into
//!   the path so server-variable substitution stays observable
//!   (`https://{sub}.x.com/v2` → `ORIGIN/{sub}.x.com/v2`); a URL that is a
//!   variable (`{instance_url}/...`) is kept and the variable's config value
//!   is the origin.
//! - every whole-URL string under `components.securitySchemes` (token and
//!   refresh URLs) → `ORIGIN/__ext/HOST/PATH`.
//!
//! The rewritten document is written as JSON (valid YAML) to a scratch dir.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cases::EXTERNAL_PREFIX;
use crate::spec::RawSpec;

/// Rewrites one definition for a server at `origin` (`http://127.0.0.1:PORT`).
pub fn rewrite(spec: &RawSpec, origin: &str) -> Value {
    let mut doc = spec.doc.clone();
    if let Some(url) = doc.pointer_mut("/servers/0/url")
        && let Some(s) = url.as_str()
        && !s.starts_with('{')
    {
        *url = Value::String(server_url(s, origin));
    }
    if let Some(schemes) = doc.pointer_mut("/components/securitySchemes") {
        rewrite_urls(schemes, origin);
    }
    doc
}

fn split_url(url: &str) -> Option<(&str, &str)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    Some(match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    })
}

fn server_url(url: &str, origin: &str) -> String {
    match split_url(url) {
        Some((host, path)) if host.contains('{') => format!("{origin}/{host}{path}"),
        Some((_, path)) => format!("{origin}{path}"),
        None => url.to_string(),
    }
}

fn rewrite_urls(v: &mut Value, origin: &str) {
    match v {
        Value::String(s) if !s.contains(char::is_whitespace) => {
            if let Some((host, path)) = split_url(s) {
                *s = format!("{origin}{EXTERNAL_PREFIX}{host}{path}");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| rewrite_urls(i, origin)),
        Value::Object(map) => map.values_mut().for_each(|i| rewrite_urls(i, origin)),
        _ => {}
    }
}

/// Writes every rewritten definition to `dir/<slug>/connector.yaml`; returns slug → path.
pub fn write_all(
    specs: &[RawSpec],
    origin: &str,
    dir: &Path,
) -> std::io::Result<BTreeMap<String, PathBuf>> {
    let mut out = BTreeMap::new();
    for spec in specs {
        let sub = dir.join(&spec.slug);
        std::fs::create_dir_all(&sub)?;
        let file = sub.join("connector.yaml");
        let text =
            serde_json::to_string_pretty(&rewrite(spec, origin)).map_err(std::io::Error::other)?;
        std::fs::write(&file, text)?;
        out.insert(spec.slug.clone(), file);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_point_at_the_origin() {
        let o = "http://127.0.0.1:1";
        assert_eq!(
            server_url("https://api.stripe.com", o),
            "http://127.0.0.1:1"
        );
        assert_eq!(
            server_url("https://api.x.com/v1", o),
            "http://127.0.0.1:1/v1"
        );
        assert_eq!(
            server_url("https://{subdomain}.zendesk.com/api/v2", o),
            "http://127.0.0.1:1/{subdomain}.zendesk.com/api/v2"
        );
    }

    #[test]
    fn token_urls_move_under_the_external_prefix() {
        let mut v = serde_json::json!({"flows": {"a": {"tokenUrl": "https://oauth.x.com/token", "d": "see https://x y"}}});
        rewrite_urls(&mut v, "http://127.0.0.1:1");
        assert_eq!(
            v["flows"]["a"]["tokenUrl"],
            "http://127.0.0.1:1/__ext/oauth.x.com/token"
        );
        assert_eq!(v["flows"]["a"]["d"], "see https://x y");
    }
}
