//! Field selection on records: `select_fields` (allowlist) and
//! `exclude_fields` (blocklist) with dot paths.
//!
//! Semantics (reference 0.1.380, hosted executor, plus one extension):
//! - The records of a result are the `data` array of a `{"data": [...]}`
//!   envelope (other envelope keys are kept untouched), the elements of a bare
//!   array, or else the value itself as one record.
//! - Non-empty `select_fields` wins; `exclude_fields` is used only when no
//!   field is selected. Records that are not objects pass through unchanged.
//! - A field that is literally a key of the record (even one containing a
//!   dot) is taken as that key; otherwise it is split on `.` and walked
//!   through nested objects. Missing paths are ignored; selecting `a.b`
//!   where `a` has no `b` adds nothing (no empty `a`).
//! - Extension (the reference stops at arrays): a path that reaches an array
//!   applies the rest of the path to each object element. With
//!   `select_fields`, such an array keeps one entry per object element (an
//!   empty object when that element has none of the fields) and drops
//!   non-object elements; with `exclude_fields` the field is removed from
//!   every object element.

use indexmap::IndexMap;
use serde_json::{Map, Value};

/// Keeps only the fields named by `paths` in `record` (see the module docs).
/// A record that is not an object is returned unchanged.
pub fn select_fields<S: AsRef<str>>(record: &Value, paths: &[S]) -> Value {
    let Value::Object(obj) = record else {
        return record.clone();
    };
    let mut tree = PathTree::default();
    for path in paths {
        let path = path.as_ref();
        if obj.contains_key(path) {
            tree.insert(std::iter::once(path));
        } else {
            tree.insert(path.split('.'));
        }
    }
    match tree.project_object(obj) {
        Some(v) => v,
        None => Value::Object(Map::new()),
    }
}

/// Removes the fields named by `paths` from `record` (see the module docs).
/// A record that is not an object is returned unchanged.
pub fn exclude_fields<S: AsRef<str>>(record: &Value, paths: &[S]) -> Value {
    let mut out = record.clone();
    if let Value::Object(obj) = &mut out {
        for path in paths {
            let path = path.as_ref();
            if obj.shift_remove(path).is_none() {
                let segments: Vec<&str> = path.split('.').collect();
                remove_path_in_object(obj, &segments);
            }
        }
    }
    out
}

/// Applies `f` to each record of a result: the `data` array of an envelope,
/// each element of a bare array, or the value itself.
pub fn map_records(data: Value, mut f: impl FnMut(Value) -> Value) -> Value {
    match data {
        Value::Array(items) => Value::Array(items.into_iter().map(f).collect()),
        Value::Object(mut obj) if obj.get("data").is_some_and(Value::is_array) => {
            if let Some(Value::Array(items)) = obj.get_mut("data") {
                let taken = std::mem::take(items);
                *items = taken.into_iter().map(&mut f).collect();
            }
            Value::Object(obj)
        }
        other => f(other),
    }
}

/// Applies field selection to every record of `data`: non-empty `select`
/// wins over `exclude`; both empty leaves `data` as it is.
pub fn shape_fields<S: AsRef<str>>(data: Value, select: &[S], exclude: &[S]) -> Value {
    if !select.is_empty() {
        map_records(data, |r| select_fields(&r, select))
    } else if !exclude.is_empty() {
        map_records(data, |r| exclude_fields(&r, exclude))
    } else {
        data
    }
}

/// Selected paths merged into a tree, so `a.b` and `a.c` share `a` (and
/// arrays under `a` are walked once).
#[derive(Default)]
struct PathTree {
    /// Take the whole value here (a selected path ends at this node).
    whole: bool,
    children: IndexMap<String, PathTree>,
}

impl PathTree {
    fn insert<'a>(&mut self, segments: impl Iterator<Item = &'a str>) {
        let mut node = self;
        for seg in segments {
            if node.whole {
                return;
            }
            node = node.children.entry(seg.to_string()).or_default();
        }
        node.whole = true;
        node.children.clear();
    }

    fn project(&self, value: &Value) -> Option<Value> {
        if self.whole {
            return Some(value.clone());
        }
        match value {
            Value::Object(obj) => self.project_object(obj),
            Value::Array(items) => Some(Value::Array(
                items
                    .iter()
                    .filter_map(|item| match item {
                        Value::Object(obj) => Some(
                            self.project_object(obj)
                                .unwrap_or_else(|| Value::Object(Map::new())),
                        ),
                        _ => None,
                    })
                    .collect(),
            )),
            _ => None,
        }
    }

    fn project_object(&self, obj: &Map<String, Value>) -> Option<Value> {
        let mut out = Map::new();
        for (key, sub) in &self.children {
            if let Some(picked) = obj.get(key).and_then(|v| sub.project(v)) {
                out.insert(key.clone(), picked);
            }
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }
}

fn remove_path_in_object(obj: &mut Map<String, Value>, segments: &[&str]) {
    match segments {
        [] => {}
        [last] => {
            obj.shift_remove(*last);
        }
        [first, rest @ ..] => {
            if let Some(child) = obj.get_mut(*first) {
                remove_path(child, rest);
            }
        }
    }
}

fn remove_path(value: &mut Value, segments: &[&str]) {
    match value {
        Value::Object(obj) => remove_path_in_object(obj, segments),
        Value::Array(items) => {
            for item in items {
                if let Value::Object(obj) = item {
                    remove_path_in_object(obj, segments);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> Value {
        json!({
            "id": "c_1",
            "name": "Ada",
            "a.b": "literal",
            "address": {"city": "Paris", "zip": "75001", "geo": {"lat": 1, "lng": 2}},
            "lines": [
                {"id": "l1", "amount": 5, "meta": {"k": "v"}},
                {"id": "l2", "amount": 7},
                "not-an-object"
            ]
        })
    }

    #[test]
    fn selects_top_level_and_nested_paths_in_request_order() {
        let out = select_fields(&record(), &["name", "address.city", "id", "missing.x"]);
        assert_eq!(
            out,
            json!({"name": "Ada", "address": {"city": "Paris"}, "id": "c_1"})
        );
        // Key order follows the selection.
        let keys: Vec<&String> = out
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["name", "address", "id"]);
    }

    #[test]
    fn literal_dotted_key_wins_over_path() {
        let out = select_fields(&record(), &["a.b"]);
        assert_eq!(out, json!({"a.b": "literal"}));
        let out = exclude_fields(&record(), &["a.b"]);
        assert!(out.get("a.b").is_none());
        assert!(out.get("address").is_some());
    }

    #[test]
    fn missing_leaf_adds_no_empty_parent() {
        assert_eq!(select_fields(&record(), &["address.nope"]), json!({}));
        assert_eq!(select_fields(&record(), &["name.x"]), json!({}));
    }

    #[test]
    fn paths_through_arrays_apply_to_each_object_element() {
        let out = select_fields(&record(), &["lines.id", "lines.meta.k"]);
        assert_eq!(
            out,
            json!({"lines": [{"id": "l1", "meta": {"k": "v"}}, {"id": "l2"}]})
        );
        let out = exclude_fields(&record(), &["lines.amount", "address.geo.lat"]);
        assert_eq!(
            out["lines"],
            json!([{"id": "l1", "meta": {"k": "v"}}, {"id": "l2"}, "not-an-object"])
        );
        assert_eq!(out["address"]["geo"], json!({"lng": 2}));
    }

    #[test]
    fn whole_parent_subsumes_children() {
        let out = select_fields(&record(), &["address.city", "address"]);
        assert_eq!(out["address"], record()["address"]);
        let out = select_fields(&record(), &["address", "address.city"]);
        assert_eq!(out["address"], record()["address"]);
    }

    #[test]
    fn non_object_records_pass_through() {
        assert_eq!(select_fields(&json!(5), &["a"]), json!(5));
        assert_eq!(exclude_fields(&json!("s"), &["a"]), json!("s"));
    }

    #[test]
    fn shape_fields_handles_envelopes_lists_and_single_records() {
        let env = json!({"data": [{"id": 1, "x": 2}], "next": "c"});
        assert_eq!(
            shape_fields(env, &["id"], &[]),
            json!({"data": [{"id": 1}], "next": "c"})
        );
        let list = json!([{"id": 1, "x": 2}, {"id": 2}]);
        assert_eq!(
            shape_fields(list, &[], &["x"]),
            json!([{"id": 1}, {"id": 2}])
        );
        let single = json!({"id": 1, "x": 2});
        // select wins over exclude
        assert_eq!(
            shape_fields(single.clone(), &["x"], &["x"]),
            json!({"x": 2})
        );
        let none: [&str; 0] = [];
        assert_eq!(shape_fields(single.clone(), &none, &none), single);
    }
}
