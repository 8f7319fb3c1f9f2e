//! Turning a response into a result: records (`x-airbyte-record-extractor`),
//! metadata (`x-airbyte-meta-extractor`, including `@link.<rel>` and
//! `@header.<name>`), the connector-wide error envelope check, and the file
//! URL of two-step downloads (`x-airbyte-file-url`).
//!
//! Extractors are JSONPath (RFC 9535) expressions; the definitions use the
//! subset `$`, `$.a.b`, `$.a[0]`, `$.a[*].b`, `$[*][*]`, whose RFC semantics
//! match the reference engine's.

use serde_json::{Map, Value};
use serde_json_path::JsonPath;

use super::template::{RecordFilter, apply_record_transform};
use crate::error::{Error, Result};

/// What to do with a response body to get the records out.
#[derive(Debug, Clone, Default)]
pub struct RecordRules<'a> {
    /// JSONPath of the records.
    pub extractor: Option<&'a str>,
    /// Whether the action returns many records (`list`, `search`).
    pub many: bool,
    /// Per-field templates applied to each record.
    pub transform: Option<&'a [(String, String)]>,
    /// Filter expression applied to each record (list actions only).
    pub filter: Option<&'a str>,
}

/// Deepest bracket/parenthesis nesting accepted in a JSONPath. The parser
/// (serde_json_path 0.7) takes time exponential in the nesting, about
/// twice as long per level (8 levels ~1 ms, 20 several seconds); the
/// upstream definitions nest at most 1 deep.
const MAX_PATH_NESTING: usize = 8;

/// Parses a JSONPath, refusing what the parser cannot handle: deep
/// nesting (time) and a path that ends inside a string literal (a `\u`
/// escape at the very end panics inside the parser; such a path is never
/// valid anyway).
fn parse_path(expr: &str) -> std::result::Result<JsonPath, String> {
    let shape = PathShape::of(expr);
    if shape.nesting > MAX_PATH_NESTING {
        return Err(format!(
            "it nests brackets {} deep; at most {MAX_PATH_NESTING} are supported",
            shape.nesting
        ));
    }
    if shape.open_string {
        return Err("it ends inside a string literal; close the quote".into());
    }
    JsonPath::parse(expr).map_err(|e| e.to_string())
}

/// What a quick scan of a JSONPath's text shows, string literals skipped.
#[derive(Debug, PartialEq)]
struct PathShape {
    /// The deepest `[`/`(` nesting (unclosed ones count too).
    nesting: usize,
    /// The text ends inside a quoted string.
    open_string: bool,
}

impl PathShape {
    fn of(expr: &str) -> Self {
        let (mut depth, mut nesting) = (0usize, 0usize);
        let mut quote: Option<char> = None;
        let mut chars = expr.chars();
        while let Some(c) = chars.next() {
            match (quote, c) {
                (Some(_), '\\') => {
                    chars.next();
                }
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '[' | '(') => {
                    depth += 1;
                    nesting = nesting.max(depth);
                }
                (None, ']' | ')') => depth = depth.saturating_sub(1),
                (None, _) => {}
            }
        }
        PathShape {
            nesting,
            open_string: quote.is_some(),
        }
    }
}

/// Finds every node `expr` selects in `value`.
fn query<'v>(expr: &str, value: &'v Value) -> std::result::Result<Vec<&'v Value>, String> {
    let path = parse_path(expr)?;
    Ok(path.query(value).all())
}

/// Like [`query`], with each node's JSON pointer (`""` for the root).
fn query_located<'v>(
    expr: &str,
    value: &'v Value,
) -> std::result::Result<Vec<(String, &'v Value)>, String> {
    let path = parse_path(expr)?;
    Ok(path
        .query_located(value)
        .into_iter()
        .map(|node| (node.location().to_json_pointer(), node.node()))
        .collect())
}

/// What an extractor selected, decided while its matches borrow the body.
enum Picked {
    /// Copies of several matches, in order.
    Several(Vec<Value>),
    /// One match, to be moved out of the body at `pointer`; `wrap` puts it
    /// in a one-element list (a `[*]` extractor that matched one record).
    One { pointer: String, wrap: bool },
}

/// Wraps primitives as `{"value": x}` so results are always objects (or
/// lists of objects). `null` stays `null`.
pub fn wrap_primitives(data: Value) -> Value {
    match data {
        Value::Null | Value::Object(_) => data,
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| match item {
                    Value::Object(_) => item,
                    other => serde_json::json!({ "value": other }),
                })
                .collect(),
        ),
        other => serde_json::json!({ "value": other }),
    }
}

/// Extracts the records of a response.
///
/// - no extractor: the whole body (primitives wrapped);
/// - no match: `[]` for list actions, `null` otherwise;
/// - list actions: a single matched array (or the root, or any match of an
///   extractor without `[*]`) is returned as is, a single element of a `[*]`
///   projection becomes a one-element list, several matches form the list;
/// - other actions: the first match.
///
/// Then the transform, primitive wrapping and (list actions) the filter
/// apply. An unparsable extractor returns the body unchanged unless a
/// transform or filter is declared, in which case it is an error.
pub fn extract_records(
    mut body: Value,
    rules: &RecordRules<'_>,
    config: &Map<String, Value>,
) -> Result<Value> {
    let Some(extractor) = rules.extractor else {
        return Ok(wrap_primitives(body));
    };
    // What to return, decided while the matches borrow `body`; a single
    // match is then moved out of the body rather than deep-cloned (a list
    // page is most of the response).
    let picked = match query_located(extractor, &body) {
        Ok(matches) if matches.is_empty() => {
            return Ok(if rules.many {
                Value::Array(Vec::new())
            } else {
                Value::Null
            });
        }
        // Several matches may nest (`$..x`), so they are copied.
        Ok(matches) if rules.many && matches.len() > 1 => {
            Picked::Several(matches.into_iter().map(|(_, v)| v.clone()).collect())
        }
        Ok(matches) => {
            let (pointer, first) = &matches[0];
            let wrap =
                rules.many && !first.is_array() && !pointer.is_empty() && extractor.contains("[*]");
            Picked::One {
                pointer: pointer.clone(),
                wrap,
            }
        }
        Err(message) => {
            let guarded = rules.transform.is_some_and(|t| !t.is_empty())
                || (rules.many && rules.filter.is_some_and(|f| !f.is_empty()));
            if guarded {
                return Err(Error::Execution {
                    message: format!("record extractor `{extractor}` failed: {message}"),
                });
            }
            tracing::warn!(extractor, %message, "record extractor failed; returning the whole response");
            return Ok(wrap_primitives(body));
        }
    };
    let mut result = match picked {
        Picked::Several(records) => Value::Array(records),
        Picked::One { pointer, wrap } => {
            let single = body
                .pointer_mut(&pointer)
                .map(Value::take)
                .unwrap_or_default();
            if wrap {
                Value::Array(vec![single])
            } else {
                single
            }
        }
    };
    if let Some(transform) = rules.transform.filter(|t| !t.is_empty())
        && !result.is_null()
    {
        result = apply_record_transform(result, transform, config)?;
    }
    let result = wrap_primitives(result);
    match rules.filter.filter(|f| !f.is_empty()) {
        Some(filter) if rules.many && !result.is_null() => {
            RecordFilter::new(filter, config).apply(result)
        }
        _ => Ok(result),
    }
}

/// Case-insensitive header lookup over `(name, value)` pairs.
pub fn header_value<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .or_else(|| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .map(|(_, v)| v.as_str())
}

/// The URL of the RFC 8288 `Link` header entry with relation `rel`.
pub fn link_url(headers: &[(String, String)], rel: &str) -> Option<String> {
    let link = header_value(headers, "link")?;
    // Entries are separated by commas that precede a `<`.
    let mut segments = Vec::new();
    let mut start = 0;
    let bytes = link.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b',' && link[i + 1..].trim_start().starts_with('<') {
            segments.push(&link[start..i]);
            start = i + 1;
        }
    }
    segments.push(&link[start..]);
    for segment in segments {
        let segment = segment.trim();
        let Some(rest) = segment.strip_prefix('<') else {
            continue;
        };
        let Some(end) = rest.find('>') else {
            continue;
        };
        let url = &rest[..end];
        if url.is_empty() {
            continue;
        }
        if link_rel(&rest[end + 1..]).is_some_and(|r| r == rel) {
            return Some(url.to_string());
        }
    }
    None
}

/// The first `rel` parameter of a link's parameter list, quotes removed.
fn link_rel(params: &str) -> Option<&str> {
    let lower = params.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(';') {
        let after = from + pos + 1;
        let rest = params[after..].trim_start();
        // `get`: the third byte may fall inside a multi-byte character.
        if rest.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("rel")) {
            let rest = rest[3..].trim_start();
            if let Some(value) = rest.strip_prefix('=') {
                let value = value.trim_start();
                let value = value.strip_prefix('"').unwrap_or(value);
                let end = value.find(['"', ';', ',']).unwrap_or(value.len());
                if end > 0 {
                    return Some(value[..end].trim());
                }
            }
        }
        from = after;
    }
    None
}

/// Extracts metadata fields; every field the extractor names is present,
/// `null` when it cannot be found.
pub fn extract_meta(
    body: &Value,
    headers: &[(String, String)],
    extractor: &[(String, String)],
) -> Value {
    let mut meta = Map::new();
    for (field, expr) in extractor {
        let value = if let Some(rel) = expr.strip_prefix("@link.") {
            link_url(headers, rel).map(Value::String)
        } else if let Some(name) = expr.strip_prefix("@header.") {
            header_value(headers, name).map(|v| Value::String(v.to_string()))
        } else {
            match query(expr, body) {
                Ok(matches) => matches.first().map(|v| (*v).clone()),
                Err(message) => {
                    tracing::warn!(field, expr, %message, "meta extractor failed");
                    None
                }
            }
        };
        meta.insert(field.clone(), value.unwrap_or(Value::Null));
    }
    Value::Object(meta)
}

/// The connector-wide application error envelope
/// (`x-airbyte-response-error-check`): a 200 response whose `field` equals
/// `on_value` is a failure.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorCheck {
    /// Field of the response object to look at.
    pub field: String,
    /// Value that means failure.
    pub on_value: Value,
    /// Field holding the error message.
    pub message_field: Option<String>,
}

impl ErrorCheck {
    /// Fails when `body` is an object matching the envelope.
    pub fn check(&self, body: &Value) -> Result<()> {
        let Value::Object(map) = body else {
            return Ok(());
        };
        let actual = map.get(&self.field).unwrap_or(&Value::Null);
        if values_equal(actual, &self.on_value) {
            let message = match &self.message_field {
                Some(f) => match map.get(f) {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => super::pystr::py_str(other),
                    None => "unknown_error".to_string(),
                },
                None => "API returned application-level error".to_string(),
            };
            return Err(Error::Execution {
                message: format!("API error: {message}"),
            });
        }
        Ok(())
    }
}

/// Python equality of JSON values (`1 == 1.0`, `True == 1`).
fn values_equal(a: &Value, b: &Value) -> bool {
    fn num(v: &Value) -> Option<f64> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            _ => None,
        }
    }
    match (a, b) {
        (Value::Number(_) | Value::Bool(_), Value::Number(_) | Value::Bool(_)) => num(a) == num(b),
        _ => a == b,
    }
}

/// Replaces `{name}` placeholders of an `x-airbyte-file-url` path with
/// parameter values.
pub fn substitute_file_field(field: &str, params: &Map<String, Value>) -> Result<String> {
    let mut out = String::with_capacity(field.len());
    let mut rest = field;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return Ok(out);
        };
        let name = after[..close].trim();
        let value = params.get(name).ok_or_else(|| Error::InvalidArgument {
            name: name.to_string(),
            reason: format!("the download file URL path `{field}` needs parameter `{name}`"),
        })?;
        out.push_str(&super::pystr::py_str(value));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Follows a dotted path with fixed indexes (`calls[0].media.url`,
/// `[0].url`) to the download URL string.
pub fn download_url(body: &Value, field: &str, entity: &str) -> Result<String> {
    let fail = |message: String| Error::Execution {
        message: format!("cannot extract download URL for {entity}: {message}"),
    };
    let mut current = body;
    for part in field.split('.') {
        let (name, index) = match part.strip_suffix(']').and_then(|p| p.rsplit_once('[')) {
            Some((name, idx)) if idx.chars().all(|c| c.is_ascii_digit()) && !idx.is_empty() => {
                (name, idx.parse::<usize>().ok())
            }
            _ => (part, None),
        };
        if !name.is_empty() {
            let Value::Object(map) = current else {
                return Err(fail(format!("expected an object before `{name}`")));
            };
            current = map.get(name).ok_or_else(|| {
                fail(format!(
                    "field `{name}` not found; available fields: {}",
                    map.keys().cloned().collect::<Vec<_>>().join(", ")
                ))
            })?;
        }
        if let Some(i) = index {
            let Value::Array(items) = current else {
                return Err(fail(format!("expected a list at `{part}`")));
            };
            current = items.get(i).ok_or_else(|| {
                fail(format!(
                    "index {i} out of bounds at `{part}` (length {})",
                    items.len()
                ))
            })?;
        }
    }
    match current {
        Value::String(s) => Ok(s.clone()),
        _ => Err(fail(format!("expected a string at `{field}`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(extractor: &str, many: bool) -> RecordRules<'_> {
        RecordRules {
            extractor: Some(extractor),
            many,
            transform: None,
            filter: None,
        }
    }

    fn run(extractor: &str, many: bool, body: Value) -> Value {
        extract_records(body, &rules(extractor, many), &Map::new()).unwrap()
    }

    #[test]
    fn deeply_nested_paths_are_refused_before_parsing() {
        // Found by fuzzing: each level of nesting doubles the parser's
        // time, so 40 levels would never finish.
        let deep = format!("$.r{}", "[?$.d".repeat(40));
        let err = parse_path(&deep).unwrap_err();
        assert!(err.contains("nests brackets 40 deep"), "{err}");
        // A failing extractor gives the whole response, as any other
        // extractor that does not parse does.
        assert_eq!(run(&deep, true, json!({"r": []})), json!({"r": []}));
        let closed = format!("$.r{}{}", "[?@.d".repeat(40), "]".repeat(40));
        assert!(parse_path(&closed).is_err());
        // Within the limit, and brackets inside string literals, parse.
        let nested = format!("$.r{}{}", "[?@.d".repeat(8), "]".repeat(8));
        assert!(parse_path(&nested).is_ok());
        let nesting = |p: &str| PathShape::of(p).nesting;
        assert_eq!(nesting("$['[[[[[[[[[[[[']"), 1);
        assert_eq!(nesting(r#"$["a\"[[[[[[[[[["]"#), 1);
        assert_eq!(nesting("$.a[*].b"), 1);
    }

    #[test]
    fn paths_ending_inside_a_string_are_refused_before_parsing() {
        // Found by fuzzing: a `\u` escape at the very end panics inside
        // serde_json_path 0.7 ("we do not use streaming parsers").
        for path in [
            r#"$["\u"#,
            r#"$['\u"#,
            r#"$["\uD800\u"#,
            r#"$[?match(@.a, "\u"#,
            r#"$["abc"#,
        ] {
            let err = parse_path(path).unwrap_err();
            assert!(
                err.contains("ends inside a string literal"),
                "{path}: {err}"
            );
            assert_eq!(run(path, true, json!({"a": 1})), json!({"a": 1}));
        }
        assert!(parse_path(r#"$["\u00e9"]"#).is_ok());
        assert!(parse_path(r#"$["a\"b"]"#).is_ok());
        assert!(!PathShape::of(r#"$["a\"b"]"#).open_string);
    }

    #[test]
    fn list_extraction_shapes() {
        assert_eq!(
            run("$.data", true, json!({"data": [{"id": 1}]})),
            json!([{"id": 1}])
        );
        assert_eq!(run("$.data", true, json!({"x": 1})), json!([]));
        assert_eq!(
            run("$.data", true, json!({"data": {"id": 1}})),
            json!({"id": 1})
        );
        assert_eq!(
            run(
                "$.list[*].customer",
                true,
                json!({"list": [{"customer": {"id": 1}}]})
            ),
            json!([{"id": 1}])
        );
        assert_eq!(
            run(
                "$.list[*].customer",
                true,
                json!({"list": [{"customer": {"id": 1}}, {"customer": {"id": 2}}]})
            ),
            json!([{"id": 1}, {"id": 2}])
        );
        assert_eq!(
            run("$", true, json!([1, {"a": 2}])),
            json!([{"value": 1}, {"a": 2}])
        );
        assert_eq!(
            run("$[*][*]", true, json!([[{"a": 1}], [{"a": 2}]])),
            json!([{"a": 1}, {"a": 2}])
        );
        assert_eq!(run("$.data[0]", true, json!({"data": []})), json!([]));
    }

    #[test]
    fn single_matches_are_moved_out_whatever_their_key() {
        // The match is taken out through its JSON pointer: `/` and `~` in
        // keys must be escaped for the records to be found.
        assert_eq!(
            run("$['a/b~c']", true, json!({"a/b~c": [{"id": 1}], "x": 2})),
            json!([{"id": 1}])
        );
        assert_eq!(
            run(
                "$.list[1].c",
                false,
                json!({"list": [{"c": 0}, {"c": {"id": 7}}]})
            ),
            json!({"id": 7})
        );
    }

    #[test]
    fn single_extraction() {
        assert_eq!(
            run("$.ticket", false, json!({"ticket": {"id": 5}})),
            json!({"id": 5})
        );
        assert_eq!(run("$.ticket", false, json!({})), Value::Null);
        assert_eq!(
            run("$.count", false, json!({"count": 3})),
            json!({"value": 3})
        );
        let no_extractor = RecordRules::default();
        assert_eq!(
            extract_records(json!("ok"), &no_extractor, &Map::new()).unwrap(),
            json!({"value": "ok"})
        );
    }

    #[test]
    fn bad_extractor_returns_body_unless_guarded() {
        assert_eq!(run("$$bad", true, json!({"a": 1})), json!({"a": 1}));
        let guarded = RecordRules {
            extractor: Some("$$bad"),
            many: true,
            transform: None,
            filter: Some("{{ true }}"),
        };
        assert!(extract_records(json!({"a": 1}), &guarded, &Map::new()).is_err());
    }

    #[test]
    fn filter_runs_after_extraction() {
        let r = RecordRules {
            extractor: Some("$.calls"),
            many: true,
            transform: None,
            filter: Some("{{ not record.isPrivate }}"),
        };
        let body = json!({"calls": [{"id": 1, "isPrivate": true}, {"id": 2, "isPrivate": false}]});
        assert_eq!(
            extract_records(body, &r, &Map::new()).unwrap(),
            json!([{"id": 2, "isPrivate": false}])
        );
    }

    #[test]
    fn meta_from_body_links_and_headers() {
        let headers = vec![
            (
                "link".to_string(),
                "<https://a.io/p?page=1>; rel=\"prev\", <https://a.io/p?page=3>; rel=\"next\""
                    .to_string(),
            ),
            ("X-Total".to_string(), "42".to_string()),
        ];
        let ex = vec![
            ("next".to_string(), "@link.next".to_string()),
            ("last".to_string(), "@link.last".to_string()),
            ("total".to_string(), "@header.x-total".to_string()),
            ("cursor".to_string(), "$.meta.cursor".to_string()),
            ("missing".to_string(), "$.nope".to_string()),
            ("broken".to_string(), "$$".to_string()),
        ];
        let meta = extract_meta(&json!({"meta": {"cursor": "c1"}}), &headers, &ex);
        assert_eq!(
            meta,
            json!({"next": "https://a.io/p?page=3", "last": null, "total": "42", "cursor": "c1", "missing": null, "broken": null})
        );
    }

    #[test]
    fn link_rel_variants() {
        let h = |v: &str| vec![("Link".to_string(), v.to_string())];
        assert_eq!(
            link_url(&h("<u1>; rel=next"), "next").as_deref(),
            Some("u1")
        );
        assert_eq!(
            link_url(&h("<u1>; title=\"x\"; REL=\"next\""), "next").as_deref(),
            Some("u1")
        );
        assert_eq!(
            link_url(&h("<u,1>; rel=\"next\""), "next").as_deref(),
            Some("u,1")
        );
        assert_eq!(link_url(&h("<u1>; rel=\"prev\""), "next"), None);
        assert_eq!(link_url(&[], "next"), None);
    }

    #[test]
    fn link_params_with_multibyte_characters() {
        // Regression (found by fuzz/record_extraction): a parameter whose
        // third byte falls inside a character panicked on slicing.
        let h = |v: &str| vec![("Link".to_string(), v.to_string())];
        assert_eq!(link_url(&h("<u1>;Wr\u{fffd}l=\"next\""), "next"), None);
        assert_eq!(
            link_url(&h("<u1>; é; rel=next"), "next").as_deref(),
            Some("u1")
        );
        assert_eq!(link_url(&h("<u1>;ré"), "next"), None);
    }

    #[test]
    fn error_envelope() {
        let check = ErrorCheck {
            field: "ok".into(),
            on_value: json!(false),
            message_field: Some("error".into()),
        };
        let err = check
            .check(&json!({"ok": false, "error": "channel_not_found"}))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "execution failed: API error: channel_not_found"
        );
        assert!(check.check(&json!({"ok": true})).is_ok());
        assert!(check.check(&json!([1])).is_ok());
    }

    #[test]
    fn download_url_paths() {
        let body = json!({"calls": [{"media": {"audioUrl": "https://f/1"}}], "url": "https://f/2"});
        assert_eq!(
            download_url(&body, "calls[0].media.audioUrl", "calls").unwrap(),
            "https://f/1"
        );
        assert_eq!(download_url(&body, "url", "calls").unwrap(), "https://f/2");
        assert!(download_url(&body, "calls[3].media", "calls").is_err());
        assert!(download_url(&body, "nope", "calls").is_err());
        assert_eq!(
            download_url(&json!([{"url": "u"}]), "[0].url", "x").unwrap(),
            "u"
        );
        let mut params = Map::new();
        params.insert("i".into(), json!(2));
        assert_eq!(
            substitute_file_field("attachments[{i}].url", &params).unwrap(),
            "attachments[2].url"
        );
        assert!(substitute_file_field("a[{j}]", &params).is_err());
    }
}
