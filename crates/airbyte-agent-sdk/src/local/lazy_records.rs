//! Parsing a list response with its records left as JSON text, so typed
//! callers can deserialize them straight into their own types (see
//! [`Executor::execute_json`](crate::Executor::execute_json)).
//!
//! Only plain extractors qualify (`$.data`, `$.a.b`): the body is parsed
//! once, everything but the records array into a [`Value`] (for metadata
//! and the error envelope), the records array kept as text. Anything the
//! plain plan cannot reproduce exactly (transforms, filters, metadata that
//! reads inside the records, a records node that is not an array) goes the
//! usual way.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

use super::extract::{ErrorCheck, RecordRules};

/// The object keys of a plain JSONPath: `$.a.b` → `["a", "b"]`.
///
/// `complete` is false when the path goes on with something other than a
/// `.name` segment (brackets, wildcards, recursive descent); the keys are
/// then the plain prefix.
struct PlainKeys {
    keys: Vec<String>,
    complete: bool,
}

fn plain_keys(expr: &str) -> PlainKeys {
    let mut keys = Vec::new();
    let Some(mut rest) = expr.strip_prefix('$') else {
        return PlainKeys {
            keys,
            complete: false,
        };
    };
    while !rest.is_empty() {
        let Some(after_dot) = rest.strip_prefix('.') else {
            return PlainKeys {
                keys,
                complete: false,
            };
        };
        // RFC 9535 member-name shorthand, ASCII part: a letter or `_`, then
        // letters, digits or `_`. Anything else is left to the full engine.
        let end = after_dot
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after_dot.len());
        let name = &after_dot[..end];
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return PlainKeys {
                keys,
                complete: false,
            };
        }
        keys.push(name.to_string());
        rest = &after_dot[end..];
    }
    PlainKeys {
        keys,
        complete: true,
    }
}

/// Where a list operation's records are, when its response can be read
/// with the records left as text and give exactly what
/// [`extract_records`](super::extract::extract_records) and
/// [`extract_meta`](super::extract::extract_meta) give.
///
/// ```
/// use airbyte_agent_sdk::local::extract::RecordRules;
/// use airbyte_agent_sdk::local::lazy_records::plain_records_path;
///
/// let rules = RecordRules { extractor: Some("$.data"), many: true, ..Default::default() };
/// let meta = [("has_more".to_string(), "$.has_more".to_string())];
/// assert_eq!(plain_records_path(&rules, Some(&meta), None), Some(vec!["data".to_string()]));
/// // Metadata read from inside the records needs the whole tree.
/// let meta = [("last".to_string(), "$.data[-1].id".to_string())];
/// assert_eq!(plain_records_path(&rules, Some(&meta), None), None);
/// ```
pub fn plain_records_path(
    rules: &RecordRules<'_>,
    meta: Option<&[(String, String)]>,
    error_check: Option<&ErrorCheck>,
) -> Option<Vec<String>> {
    if !rules.many
        || rules.transform.is_some_and(|t| !t.is_empty())
        || rules.filter.is_some_and(|f| !f.is_empty())
    {
        return None;
    }
    let path = plain_keys(rules.extractor?);
    if !path.complete || path.keys.is_empty() {
        return None;
    }
    let path = path.keys;
    // Metadata and the error envelope are read from the body with the
    // records replaced by `null`: each must provably look elsewhere.
    let disjoint = |expr: &str| {
        let other = plain_keys(expr);
        other
            .keys
            .iter()
            .zip(&path)
            .any(|(theirs, ours)| theirs != ours)
    };
    for (_, expr) in meta.unwrap_or_default() {
        if expr.starts_with("@link.") || expr.starts_with("@header.") {
            continue;
        }
        if !disjoint(expr) {
            return None;
        }
    }
    if let Some(check) = error_check {
        let top = &path[0];
        if &check.field == top || check.message_field.as_ref() == Some(top) {
            return None;
        }
    }
    Some(path)
}

/// A response body with the node at a path kept as text.
#[derive(Debug)]
pub struct LazyBody {
    /// The body, with `null` in place of the kept node.
    pub body: Value,
    /// The kept node's JSON text; `None` when the path is not in the body.
    pub kept: Option<Box<RawValue>>,
}

impl From<Value> for LazyBody {
    fn from(body: Value) -> Self {
        Self { body, kept: None }
    }
}

/// Whether JSON text is an array.
pub fn is_json_array(raw: &RawValue) -> bool {
    raw.get().trim_start().starts_with('[')
}

impl LazyBody {
    /// The whole body as [`serde_json::from_str`] would have parsed it.
    pub fn into_value(self, path: &[String]) -> serde_json::Result<Value> {
        let mut body = self.body;
        if let Some(kept) = self.kept {
            let value: Value = serde_json::from_str(kept.get())?;
            let pointer: String = path
                .iter()
                .map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
                .collect();
            if let Some(slot) = body.pointer_mut(&pointer) {
                *slot = value;
            }
        }
        Ok(body)
    }
}

/// Parses `text` like [`serde_json::from_str`], keeping the node at `path`
/// (object keys from the root) as text. When a key repeats, the last one
/// wins, as it does for a [`Value`].
pub fn parse_keeping(text: &str, path: &[String]) -> serde_json::Result<LazyBody> {
    let mut kept = None;
    let mut de = serde_json::Deserializer::from_str(text);
    let body = Keeping {
        path,
        kept: &mut kept,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(LazyBody { body, kept })
}

/// Deserializes a value, keeping the node at `path` as text.
struct Keeping<'p> {
    path: &'p [String],
    kept: &'p mut Option<Box<RawValue>>,
}

impl<'de> DeserializeSeed<'de> for Keeping<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Keeping<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Keeping { path, kept } = self;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = match path.split_first() {
                Some((first, rest)) if *first == key => {
                    // A repeated key replaces what an earlier one held.
                    *kept = None;
                    if rest.is_empty() {
                        *kept = Some(map.next_value::<Box<RawValue>>()?);
                        Value::Null
                    } else {
                        map.next_value_seed(Keeping {
                            path: rest,
                            kept: &mut *kept,
                        })?
                    }
                }
                _ => map.next_value::<Value>()?,
            };
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<Value>()? {
            out.push(item);
        }
        Ok(Value::Array(out))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn keys(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn plain_paths_only() {
        let path = |e: &str| {
            let p = plain_keys(e);
            (p.keys, p.complete)
        };
        assert_eq!(path("$.data"), (keys(&["data"]), true));
        assert_eq!(path("$.a.b_2"), (keys(&["a", "b_2"]), true));
        assert_eq!(path("$"), (keys(&[]), true));
        assert!(!path("$.a[*]").1);
        assert_eq!(path("$.a[*]").0, keys(&["a"]));
        assert!(!path("$..a").1);
        assert!(!path("$.a-b").1);
        assert!(!path("$.1a").1);
        assert!(!path("$['a']").1);
        assert!(!path("data").1);
    }

    #[test]
    fn the_plan_refuses_what_it_cannot_reproduce() {
        let many = |extractor| RecordRules {
            extractor: Some(extractor),
            many: true,
            ..Default::default()
        };
        assert!(plain_records_path(&many("$.data"), None, None).is_some());
        assert!(plain_records_path(&many("$"), None, None).is_none());
        assert!(plain_records_path(&many("$.data[*]"), None, None).is_none());
        let single = RecordRules {
            extractor: Some("$.data"),
            ..Default::default()
        };
        assert!(plain_records_path(&single, None, None).is_none());
        let transform = [("id".to_string(), "{{ record.x }}".to_string())];
        let mut rules = many("$.data");
        rules.transform = Some(&transform);
        assert!(plain_records_path(&rules, None, None).is_none());
        let mut rules = many("$.data");
        rules.filter = Some("record.x == 1");
        assert!(plain_records_path(&rules, None, None).is_none());
        let meta = |e: &str| vec![("m".to_string(), e.to_string())];
        let rules = many("$.page.items");
        for ok in ["$.page.next", "$.total", "@link.next", "@header.x-total"] {
            assert!(
                plain_records_path(&rules, Some(&meta(ok)), None).is_some(),
                "{ok}"
            );
        }
        for bad in ["$", "$.page", "$.page.items[0].id", "$..next", "$['page']"] {
            assert!(
                plain_records_path(&rules, Some(&meta(bad)), None).is_none(),
                "{bad}"
            );
        }
        let check = |field: &str| ErrorCheck {
            field: field.to_string(),
            on_value: json!(false),
            message_field: Some("error".to_string()),
        };
        assert!(plain_records_path(&rules, None, Some(&check("ok"))).is_some());
        assert!(plain_records_path(&rules, None, Some(&check("page"))).is_none());
        assert!(plain_records_path(&many("$.error"), None, Some(&check("ok"))).is_none());
    }

    #[test]
    fn the_records_are_kept_and_the_rest_parsed() {
        let text = r#"{"object":"list","data":[{"id":1},2],"has_more":true}"#;
        let lazy = parse_keeping(text, &keys(&["data"])).unwrap();
        assert_eq!(
            lazy.body,
            json!({"object": "list", "data": null, "has_more": true})
        );
        assert_eq!(
            lazy.kept
                .as_deref()
                .filter(|r| is_json_array(r))
                .unwrap()
                .get(),
            r#"[{"id":1},2]"#
        );
        let whole = lazy.into_value(&keys(&["data"])).unwrap();
        assert_eq!(whole, serde_json::from_str::<Value>(text).unwrap());
    }

    #[test]
    fn the_last_of_repeated_keys_wins() {
        let path = keys(&["a", "b"]);
        let text = r#"{"a":{"b":[1]},"a":{"c":2}}"#;
        let lazy = parse_keeping(text, &path).unwrap();
        assert!(lazy.kept.is_none());
        assert_eq!(lazy.body, json!({"a": {"c": 2}}));
        let text = r#"{"a":{"b":[1]},"a":{"b":[2]}}"#;
        let lazy = parse_keeping(text, &path).unwrap();
        assert_eq!(
            lazy.kept
                .as_deref()
                .filter(|r| is_json_array(r))
                .unwrap()
                .get(),
            "[2]"
        );
    }

    #[test]
    fn bodies_without_the_path_parse_whole() {
        let path = keys(&["data", "items"]);
        for text in [
            r#"[{"data": 1}]"#,
            r#"{"data": [1, 2]}"#,
            r#"{"data": {"other": 1}}"#,
            r#"{"data": {"items": {"not": "a list"}}}"#,
            r#"{"data": {"items": null}, "x": [1.5, -2, 18446744073709551615, "s"]}"#,
            "3",
            "\"text\"",
        ] {
            let lazy = parse_keeping(text, &path).unwrap();
            assert!(!lazy.kept.as_deref().is_some_and(is_json_array), "{text}");
            let expected: Value = serde_json::from_str(text).unwrap();
            assert_eq!(lazy.into_value(&path).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn invalid_json_is_refused_like_from_str() {
        let path = keys(&["data"]);
        for text in [r#"{"data": [1,}"#, r#"{"data": [1]} x"#, r#"{"data": [1]"#] {
            assert!(parse_keeping(text, &path).is_err(), "{text}");
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
        }
    }

    mod generated {
        use proptest::prelude::*;

        use super::*;
        use crate::local::extract::{extract_records, wrap_primitives};

        fn arb_json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                "\\PC{0,12}".prop_map(Value::from),
            ];
            // Keys drawn from a few names so the path is often present.
            leaf.prop_recursive(4, 48, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::vec(("(a|b|data|x)", inner), 0..5)
                        .prop_map(|pairs| { Value::Object(pairs.into_iter().collect()) }),
                ]
            })
        }

        proptest! {
            /// Parsing with a node kept and putting it back gives the tree
            /// `serde_json` parses; a kept array gives the records
            /// `extract_records` gives.
            #[test]
            fn keeping_a_node_loses_nothing(
                body in arb_json(),
                path in prop::collection::vec("(a|b|data)", 1..3),
            ) {
                let text = body.to_string();
                // Compared with what serde_json parses back (floats may not
                // round-trip exactly).
                let body: Value = serde_json::from_str(&text).unwrap();
                let lazy = parse_keeping(&text, &path).unwrap();
                if let Some(kept) = lazy.kept.as_deref().filter(|r| is_json_array(r)) {
                    let extractor = format!("$.{}", path.join("."));
                    let rules = RecordRules { extractor: Some(&extractor), many: true, ..Default::default() };
                    let expected = extract_records(body.clone(), &rules, &Map::new()).unwrap();
                    let kept: Value = serde_json::from_str(kept.get()).unwrap();
                    prop_assert_eq!(wrap_primitives(kept), expected);
                }
                prop_assert_eq!(lazy.into_value(&path).unwrap(), body);
            }
        }
    }
}
