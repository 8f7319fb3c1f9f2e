//! Deterministic values from JSON schemas: parameters and canned responses.
//!
//! The same schema always gives the same value, so a case file regenerated
//! from the same definitions is byte-identical.

use serde_json::{Map, Value, json};

use crate::spec::{RawSpec, properties, required};

/// Nesting depth past which objects are left out (recursive schemas).
const MAX_DEPTH: usize = 6;

/// How values are filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Every property, strings with a space (exercises encoding).
    Full,
    /// Required properties only, plain strings.
    Minimal,
    /// Every property (response bodies): plain strings, pagination flags set.
    Response,
}

/// Builds values from schemas of one definition.
pub struct Synth<'a> {
    spec: &'a RawSpec,
    fill: Fill,
}

impl<'a> Synth<'a> {
    /// A synthesizer for one definition and fill mode.
    pub fn new(spec: &'a RawSpec, fill: Fill) -> Self {
        Self { spec, fill }
    }

    /// A value for `schema`; `name` seeds strings. `None` when nothing sensible exists.
    pub fn value(&self, schema: &Value, name: &str) -> Option<Value> {
        self.at(schema, name, 0)
    }

    fn at(&self, schema: &Value, name: &str, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let schema = self.spec.deref(schema);
        if !schema.is_object() {
            return Some(self.string(name, None));
        }
        if let Some(c) = schema.get("const") {
            return Some(c.clone());
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.iter().find(|v| !v.is_null()))
        {
            return Some(first.clone());
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alts) = schema.get(key).and_then(Value::as_array) {
                let alt = alts
                    .iter()
                    .find(|a| schema_type(self.spec.deref(a)).as_deref() != Some("null"));
                if let Some(alt) = alt {
                    return self.at(alt, name, depth + 1);
                }
            }
        }
        if self.fill != Fill::Response
            && let Some(d) = usable_default(schema)
        {
            return Some(d.clone());
        }
        let ty = schema_type(schema).or_else(|| {
            (schema.get("properties").is_some() || schema.get("allOf").is_some())
                .then(|| "object".to_string())
        });
        Some(match ty.as_deref() {
            Some("object") => self.object(schema, depth)?,
            Some("array") => {
                let items = schema
                    .get("items")
                    .cloned()
                    .unwrap_or(json!({"type": "string"}));
                match self.at(&items, &singular(name), depth + 1) {
                    Some(v) => Value::Array(vec![v]),
                    None => Value::Array(Vec::new()),
                }
            }
            Some("integer") => json!(self.integer(schema)),
            Some("number") => json!(1.5),
            Some("boolean") => Value::Bool(true),
            Some("null") => Value::Null,
            _ => self.string(name, schema.get("format").and_then(Value::as_str)),
        })
    }

    fn object(&self, schema: &Value, depth: usize) -> Option<Value> {
        let props = properties(self.spec, schema);
        let req = required(self.spec, schema);
        let mut out = Map::new();
        for (k, v) in &props {
            if self.fill == Fill::Minimal && !req.contains(k) {
                continue;
            }
            let resolved = self.spec.deref(v);
            if self.fill != Fill::Response && resolved.get("readOnly") == Some(&Value::Bool(true)) {
                continue;
            }
            if let Some(val) = self.at(v, k, depth + 1) {
                out.insert(k.clone(), val);
            }
        }
        if props.is_empty()
            && self.fill != Fill::Minimal
            && let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object())
            && let Some(val) = self.at(extra, "extra", depth + 1)
        {
            out.insert("extra_key".into(), val);
        }
        Some(Value::Object(out))
    }

    fn integer(&self, schema: &Value) -> i64 {
        let min = schema.get("minimum").and_then(Value::as_i64);
        let max = schema.get("maximum").and_then(Value::as_i64);
        let mut v = 2;
        if let Some(min) = min {
            v = v.max(min);
        }
        if let Some(max) = max {
            v = v.min(max);
        }
        v
    }

    fn string(&self, name: &str, format: Option<&str>) -> Value {
        let s = match format {
            Some("date-time") => "2024-01-02T03:04:05Z".to_string(),
            Some("date") => "2024-01-02".to_string(),
            Some("email") => "user@example.com".to_string(),
            Some("uri") | Some("url") => "https://example.com/resource".to_string(),
            Some("uuid") => "00000000-0000-4000-8000-000000000001".to_string(),
            // base64 of "conformance"
            Some("byte") => "Y29uZm9ybWFuY2U=".to_string(),
            _ => match self.fill {
                Fill::Full => format!("{name} v1"),
                Fill::Minimal | Fill::Response => format!("{name}-1"),
            },
        };
        Value::String(s)
    }
}

/// A schema default worth sending: not null, not empty, not a template
/// (`{{ ... }}` defaults are rendered only by probes, sent raw otherwise).
pub fn usable_default(schema: &Value) -> Option<&Value> {
    let d = schema.get("default")?;
    let usable = match d {
        Value::Null => false,
        Value::String(s) => !s.is_empty() && !s.contains("{{"),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    };
    usable.then_some(d)
}

/// The schema's type; for a type list, the first non-null one.
pub fn schema_type(schema: &Value) -> Option<String> {
    match schema.get("type")? {
        Value::String(s) => Some(s.clone()),
        Value::Array(list) => list
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .or_else(|| list.first().and_then(Value::as_str))
            .map(str::to_string),
        _ => None,
    }
}

fn singular(name: &str) -> String {
    name.strip_suffix('s').unwrap_or(name).to_string()
}
