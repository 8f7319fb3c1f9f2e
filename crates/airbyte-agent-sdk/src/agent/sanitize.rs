//! Turning OpenAPI schemas into the portable JSON Schema subset that
//! OpenAI, Anthropic and MCP clients accept.
//!
//! Kept: `type`, `properties`, `required` (only listed properties),
//! `items`, `enum`, `const`, `description`, `default`, `anyOf`, numeric and
//! length bounds, `uniqueItems`, `additionalProperties`, and the formats in
//! [`ALLOWED_FORMATS`]. Rewritten: `nullable: true` → a `"null"` type (and
//! enum value), `oneOf` → `anyOf`, `allOf` → merged into one schema,
//! OpenAPI 3.0 boolean `exclusiveMinimum`/`exclusiveMaximum` → numbers,
//! arrays without `items` get `items: {}`. Dropped: `$ref` left by
//! recursion (replaced by an untyped schema), `x-*` extensions, `example(s)`,
//! `pattern` (vendors write regex dialects providers reject), `title`,
//! `readOnly`/`writeOnly`, `discriminator`, `xml`, `not` and everything else.

use serde_json::{Map, Value};

/// Formats kept (common to the providers' documented lists); others, such as
/// `int64`, `binary` or `password`, are dropped.
pub const ALLOWED_FORMATS: [&str; 9] = [
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uuid",
];

/// Deepest nesting kept; deeper schemas become `{"type": …}` only.
pub const MAX_SCHEMA_DEPTH: usize = 6;

/// Longest description kept, in characters.
pub const MAX_SCHEMA_DESCRIPTION_CHARS: usize = 500;

const JSON_TYPES: [&str; 7] = [
    "string", "number", "integer", "boolean", "object", "array", "null",
];

/// Sanitizes one schema (see the module docs).
pub fn sanitize_schema(schema: &Value) -> Value {
    sanitize(schema, 0)
}

fn sanitize(schema: &Value, depth: usize) -> Value {
    let Value::Object(raw) = schema else {
        // `true`/`false` and junk: accept anything.
        return Value::Object(Map::new());
    };
    let merged;
    let raw = match raw.get("allOf").and_then(Value::as_array) {
        Some(parts) => {
            merged = merge_all_of(raw, parts);
            &merged
        }
        None => raw,
    };
    let mut out = Map::new();

    let nullable = raw.get("nullable").and_then(Value::as_bool) == Some(true);
    let mut types: Vec<String> = match raw.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    types.retain(|t| JSON_TYPES.contains(&t.as_str()));
    types.dedup();
    if types.is_empty() {
        if raw.contains_key("properties") {
            types.push("object".into());
        } else if raw.contains_key("items") {
            types.push("array".into());
        }
    }
    if nullable && !types.is_empty() && !types.iter().any(|t| t == "null") {
        types.push("null".into());
    }
    let has = |t: &str| types.iter().any(|x| x == t);

    if depth >= MAX_SCHEMA_DEPTH {
        if let Some(t) = type_value(&types) {
            out.insert("type".into(), t);
        }
        if has("array") {
            out.insert("items".into(), Value::Object(Map::new()));
        }
        copy_description(raw, &mut out);
        return Value::Object(out);
    }

    if let Some(t) = type_value(&types) {
        out.insert("type".into(), t);
    }
    copy_description(raw, &mut out);
    if raw.contains_key("$ref") && out.get("description").is_none() {
        out.insert(
            "description".into(),
            "Recursive structure (any JSON value).".into(),
        );
    }

    if let Some(Value::Array(values)) = raw.get("enum") {
        let mut values: Vec<Value> = values.iter().fold(Vec::new(), |mut acc, v| {
            if !acc.contains(v) {
                acc.push(v.clone());
            }
            acc
        });
        if nullable && !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
        if !values.is_empty() {
            out.insert("enum".into(), Value::Array(values));
        }
    }
    for key in ["const", "default"] {
        if let Some(v) = raw.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    if let Some(Value::String(f)) = raw.get("format")
        && ALLOWED_FORMATS.contains(&f.as_str())
    {
        out.insert("format".into(), Value::String(f.clone()));
    }
    for key in ["minimum", "maximum", "multipleOf"] {
        if let Some(v) = raw.get(key).filter(|v| v.is_number()) {
            if key == "multipleOf" && v.as_f64().is_none_or(|f| f <= 0.0) {
                continue;
            }
            out.insert(key.into(), v.clone());
        }
    }
    for (key, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match raw.get(key) {
            Some(v) if v.is_number() => {
                out.insert(key.into(), v.clone());
            }
            // OpenAPI 3.0: a boolean that makes `minimum`/`maximum` exclusive.
            Some(Value::Bool(true)) => {
                if let Some(b) = out.remove(bound) {
                    out.insert(key.into(), b);
                }
            }
            _ => {}
        }
    }
    for key in ["minLength", "maxLength", "minItems", "maxItems"] {
        if let Some(v) = raw.get(key).filter(|v| v.is_u64()) {
            out.insert(key.into(), v.clone());
        }
    }
    if let Some(Value::Bool(b)) = raw.get("uniqueItems") {
        out.insert("uniqueItems".into(), Value::Bool(*b));
    }

    if let Some(Value::Object(props)) = raw.get("properties") {
        let props: Map<String, Value> = props
            .iter()
            .map(|(k, v)| (k.clone(), sanitize(v, depth + 1)))
            .collect();
        let required = required_of(raw, &props);
        out.insert("properties".into(), Value::Object(props));
        if !required.is_empty() {
            out.insert("required".into(), required.into());
        }
    }
    match raw.get("additionalProperties") {
        Some(Value::Bool(b)) => {
            out.insert("additionalProperties".into(), Value::Bool(*b));
        }
        Some(v @ Value::Object(_)) => {
            out.insert("additionalProperties".into(), sanitize(v, depth + 1));
        }
        _ => {}
    }
    match raw.get("items") {
        Some(v @ Value::Object(_)) => {
            out.insert("items".into(), sanitize(v, depth + 1));
        }
        _ if has("array") => {
            out.insert("items".into(), Value::Object(Map::new()));
        }
        _ => {}
    }
    let variants: Vec<Value> = ["anyOf", "oneOf"]
        .iter()
        .filter_map(|k| raw.get(*k).and_then(Value::as_array))
        .flatten()
        .map(|v| sanitize(v, depth + 1))
        .collect();
    if !variants.is_empty() {
        out.insert("anyOf".into(), Value::Array(variants));
    }
    Value::Object(out)
}

/// `required` names that are declared properties, deduplicated, in order.
fn required_of(raw: &Map<String, Value>, props: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in raw
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if props.contains_key(name) && !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    out
}

fn type_value(types: &[String]) -> Option<Value> {
    match types {
        [] => None,
        [one] => Some(Value::String(one.clone())),
        many => Some(Value::Array(
            many.iter().cloned().map(Value::String).collect(),
        )),
    }
}

fn copy_description(raw: &Map<String, Value>, out: &mut Map<String, Value>) {
    if let Some(d) = raw.get("description").and_then(Value::as_str) {
        let d = d.trim();
        if !d.is_empty() {
            out.insert(
                "description".into(),
                Value::String(clip(d, MAX_SCHEMA_DESCRIPTION_CHARS)),
            );
        }
    }
}

/// Cuts text to `max` characters, marking the cut with `…`.
pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((i, _)) if text[i..].chars().count() > 1 => format!("{}…", &text[..i]),
        _ => text.to_string(),
    }
}

/// Merges `allOf` parts into their parent: properties and `required` are
/// united, other keys keep their first value.
fn merge_all_of(parent: &Map<String, Value>, parts: &[Value]) -> Map<String, Value> {
    let mut out = parent.clone();
    out.remove("allOf");
    for part in parts.iter().filter_map(Value::as_object) {
        for (key, value) in part {
            match (key.as_str(), out.get_mut(key), value) {
                ("properties", Some(Value::Object(mine)), Value::Object(theirs)) => {
                    for (k, v) in theirs {
                        mine.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                ("required", Some(Value::Array(mine)), Value::Array(theirs)) => {
                    for v in theirs {
                        if !mine.contains(v) {
                            mine.push(v.clone());
                        }
                    }
                }
                (_, Some(_), _) => {}
                (_, None, _) => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rewrites_openapi_isms() {
        let s = json!({
            "type": "object",
            "x-airbyte-entity": "c",
            "properties": {
                "a": {"type": "string", "nullable": true, "enum": ["x", "x", "y"], "format": "int64", "example": "x"},
                "b": {"type": "integer", "minimum": 1, "exclusiveMinimum": true},
                "c": {"type": "array"},
                "d": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/D"}]},
                "e": {"allOf": [{"properties": {"p": {"type": "string"}}, "required": ["p", "q"]}]}
            },
            "required": ["a", "zzz", "a"]
        });
        let out = sanitize_schema(&s);
        assert_eq!(
            out,
            json!({
                "type": "object",
                "properties": {
                    "a": {"type": ["string", "null"], "enum": ["x", "y", null]},
                    "b": {"type": "integer", "exclusiveMinimum": 1},
                    "c": {"type": "array", "items": {}},
                    "d": {"anyOf": [{"type": "string"}, {"description": "Recursive structure (any JSON value)."}]},
                    "e": {"type": "object", "properties": {"p": {"type": "string"}}, "required": ["p"]}
                },
                "required": ["a"]
            })
        );
    }

    #[test]
    fn depth_is_bounded() {
        let mut s = json!({"type": "string"});
        for _ in 0..20 {
            s = json!({"type": "object", "properties": {"n": s}});
        }
        let out = sanitize_schema(&s);
        let mut depth = 0;
        let mut cur = &out;
        while let Some(next) = cur.get("properties").and_then(|p| p.get("n")) {
            cur = next;
            depth += 1;
        }
        assert_eq!(depth, MAX_SCHEMA_DEPTH);
        assert_eq!(cur, &json!({"type": "object"}));
    }

    #[test]
    fn clip_marks_the_cut() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abcd", 4), "abcd");
    }
}
