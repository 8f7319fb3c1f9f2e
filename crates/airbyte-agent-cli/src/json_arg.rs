//! JSON-valued flags (`--params`, `--credentials`, ...).
//!
//! A value is either inline JSON (`--params '{"limit": 10}'`), `@PATH` to read
//! it from a file, or `@-` to read it from stdin. Reading from a file keeps
//! credentials out of the shell history and the process list.

use std::io::Read;
use std::path::Path;

use airbyte_agent_sdk::error::json_type_name;
use airbyte_agent_sdk::{Error, Result};
use serde_json::{Map, Value};

/// Parses a JSON flag value (inline, `@PATH` or `@-`).
///
/// `flag` names the flag in error messages, e.g. `--params`.
pub fn parse_json(flag: &str, raw: &str) -> Result<Value> {
    let text = match raw.strip_prefix('@') {
        Some("-") => {
            let mut buf = String::new();
            std::io::stdin()
                .read_to_string(&mut buf)
                .map_err(|e| Error::io("<stdin>", e))?;
            buf
        }
        Some(path) => std::fs::read_to_string(Path::new(path)).map_err(|e| Error::io(path, e))?,
        None => raw.to_string(),
    };
    serde_json::from_str(&text).map_err(|e| {
        Error::invalid_argument(
            flag,
            format!("not valid JSON ({e}); pass inline JSON, @FILE or @- for stdin"),
        )
    })
}

/// Parses a JSON flag value that must be an object.
pub fn parse_object(flag: &str, raw: &str) -> Result<Map<String, Value>> {
    match parse_json(flag, raw)? {
        Value::Object(map) => Ok(map),
        other => Err(Error::invalid_argument(
            flag,
            format!(
                "expected a JSON object like {{\"key\": \"value\"}}, got {}",
                json_type_name(&other)
            ),
        )),
    }
}

/// Parses a JSON flag value that must be an array.
pub fn parse_array(flag: &str, raw: &str) -> Result<Vec<Value>> {
    match parse_json(flag, raw)? {
        Value::Array(items) => Ok(items),
        other => Err(Error::invalid_argument(
            flag,
            format!(
                "expected a JSON array like [{{\"key\": \"value\"}}], got {}",
                json_type_name(&other)
            ),
        )),
    }
}

/// Parses an optional object flag.
pub fn parse_optional_object(flag: &str, raw: Option<&str>) -> Result<Option<Map<String, Value>>> {
    raw.map(|r| parse_object(flag, r)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use airbyte_agent_sdk::ErrorKind;
    use serde_json::json;

    #[test]
    fn inline_object() {
        let m = parse_object("--params", r#"{"limit": 10}"#).expect("object");
        assert_eq!(Value::Object(m), json!({"limit": 10}));
    }

    #[test]
    fn from_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("p.json");
        std::fs::write(&path, r#"{"a": [1]}"#).expect("write");
        let v = parse_json("--params", &format!("@{}", path.display())).expect("json");
        assert_eq!(v, json!({"a": [1]}));
        let missing = parse_json("--params", "@/nonexistent/x.json").expect_err("missing file");
        assert_eq!(missing.kind(), ErrorKind::Io);
    }

    #[test]
    fn rejects_bad_json_and_non_objects() {
        let e = parse_object("--params", "{limit: 10}").expect_err("invalid");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.to_string().contains("--params"));
        let e = parse_object("--params", "[1]").expect_err("array");
        assert!(e.to_string().contains("got an array"), "{e}");
        let e = parse_array("--tasks", "{}").expect_err("object");
        assert!(e.to_string().contains("got an object"), "{e}");
        assert_eq!(
            parse_array("--tasks", "[1]").expect("array"),
            vec![json!(1)]
        );
    }
}
