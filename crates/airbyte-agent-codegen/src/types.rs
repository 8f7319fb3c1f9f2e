//! JSON Schema → Rust types: record structs, string enums with an
//! `Unknown` fallback, and the type expressions that refer to them.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::docs::doc_attrs;
use crate::ident::{Namespace, pascal};

/// Nesting depth past which schemas become `serde_json::Value` (keeps
/// output bounded for deeply nested or hostile schemas).
const MAX_DEPTH: usize = 12;

/// Names of the prelude and of std items generated code relies on; no
/// generated type may shadow them.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "ToString",
    "Default",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "Into",
    "Iterator",
    "IntoIterator",
    "Extend",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "AsRef",
    "AsMut",
    "ToOwned",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Debug",
];

/// A Rust type for a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct RustType {
    /// The type expression, e.g. `Vec<Customer>`.
    pub expr: String,
    /// The schema allows `null`.
    pub nullable: bool,
    /// The type implements `Default` (for deriving `Default` on structs).
    pub has_default: bool,
    /// The type is `String` (setters then take `impl Into<String>`).
    pub is_string: bool,
    /// The type is a generated record struct. Fields of such a type are
    /// boxed: nested structs inline would make every record as large as
    /// all its optional sub-objects together (a Stripe customer 2.5 KB),
    /// which costs copies and memory for each record decoded.
    pub is_struct: bool,
}

impl RustType {
    fn simple(expr: &str, has_default: bool) -> Self {
        RustType {
            expr: expr.to_string(),
            nullable: false,
            has_default,
            is_string: expr == "String",
            is_struct: false,
        }
    }

    /// `serde_json::Value`: any JSON.
    pub fn value() -> Self {
        Self::simple("serde_json::Value", true)
    }
}

/// Generates the types of one module, deduplicating structurally equal
/// schemas.
#[derive(Debug)]
pub struct TypeGen {
    /// Every type name of the module.
    pub names: Namespace,
    by_schema: HashMap<String, String>,
    defaultable: HashSet<String>,
    /// Emitted items (struct/enum definitions with their impls).
    pub items: Vec<String>,
}

impl TypeGen {
    /// A generator whose namespace already holds `names` (connector,
    /// handles, builders).
    pub fn new(names: Namespace) -> Self {
        TypeGen {
            names,
            by_schema: HashMap::new(),
            defaultable: HashSet::new(),
            items: Vec::new(),
        }
    }

    /// The Rust type for `schema`; named types are derived from `hint`.
    pub fn rust_type(&mut self, schema: &Value, hint: &str) -> RustType {
        self.type_at(schema, hint, 0)
    }

    fn type_at(&mut self, schema: &Value, hint: &str, depth: usize) -> RustType {
        let Some(obj) = schema.as_object() else {
            return RustType::value();
        };
        if depth > MAX_DEPTH || obj.contains_key("$ref") {
            // Unresolved `$ref`s are recursive references left by the loader.
            return RustType::value();
        }
        let mut nullable = obj.get("nullable").and_then(Value::as_bool) == Some(true);
        let mut types: Vec<&str> = match obj.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if types.contains(&"null") {
            nullable = true;
            types.retain(|t| *t != "null");
        }
        let mut ty = if let Some(merged) = merged_all_of(obj) {
            self.type_at(&merged, hint, depth + 1)
        } else if let Some(alternative) = single_alternative(obj, &mut nullable) {
            self.type_at(alternative, hint, depth + 1)
        } else if obj.contains_key("oneOf") || obj.contains_key("anyOf") || types.len() > 1 {
            RustType::value()
        } else {
            let kind = types.first().copied().unwrap_or_else(|| infer_kind(obj));
            match kind {
                "string" => match string_enum_values(obj) {
                    Some(values) => self.enum_type(obj, &values, hint),
                    None => RustType::simple("String", true),
                },
                "integer" => RustType::simple("i64", true),
                "number" => RustType::simple("f64", true),
                "boolean" => RustType::simple("bool", true),
                "array" => match obj.get("items") {
                    Some(items) => {
                        let item = self.type_at(items, &format!("{hint}Item"), depth + 1);
                        let inner = if item.nullable {
                            format!("Option<{}>", item.expr)
                        } else {
                            item.expr
                        };
                        RustType::simple(&format!("Vec<{inner}>"), true)
                    }
                    None => RustType::simple("Vec<serde_json::Value>", true),
                },
                "object" => match obj.get("properties").and_then(Value::as_object) {
                    Some(props) if !props.is_empty() => self.struct_type(obj, props, hint, depth),
                    _ => RustType::simple("serde_json::Map<String, serde_json::Value>", true),
                },
                _ => RustType::value(),
            }
        };
        ty.nullable |= nullable;
        ty
    }

    fn named(&self, key: &str) -> Option<RustType> {
        self.by_schema.get(key).map(|name| RustType {
            expr: name.clone(),
            nullable: false,
            has_default: self.defaultable.contains(name),
            is_string: false,
            is_struct: key.starts_with("struct:"),
        })
    }

    fn struct_type(
        &mut self,
        obj: &Map<String, Value>,
        props: &Map<String, Value>,
        hint: &str,
        depth: usize,
    ) -> RustType {
        let key = format!("struct:{}", Value::Object(obj.clone()));
        if let Some(existing) = self.named(&key) {
            return existing;
        }
        let name = self.names.claim_pascal(hint);
        let required: HashSet<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut fields = Namespace::with_reserved(&["extra"]);
        let mut body = String::new();
        let mut all_default = true;
        for (json_name, field_schema) in props {
            let field = fields.claim_snake(json_name);
            let ty = self.type_at(
                field_schema,
                &format!("{name}{}", pascal(json_name)),
                depth + 1,
            );
            let optional = ty.nullable || !required.contains(json_name.as_str());
            let ty_expr = if ty.is_struct {
                format!("Box<{}>", ty.expr)
            } else {
                ty.expr.clone()
            };
            let fallback = format!("The `{}` field.", json_name.replace('`', "'"));
            body.push_str(&doc_attrs(description(field_schema).unwrap_or(&fallback)));
            let mut serde_args = Vec::new();
            if field.trim_start_matches("r#") != json_name {
                serde_args.push(format!("rename = {json_name:?}"));
            }
            let expr = if optional {
                serde_args.push("default".to_string());
                serde_args.push("skip_serializing_if = \"Option::is_none\"".to_string());
                format!("Option<{ty_expr}>")
            } else {
                all_default &= ty.has_default;
                ty_expr
            };
            if !serde_args.is_empty() {
                body.push_str(&format!("#[serde({})]\n", serde_args.join(", ")));
            }
            body.push_str(&format!("pub {field}: {expr},\n"));
        }
        body.push_str(
            "/// Fields the definition does not describe, kept as received.\n\
             #[serde(flatten)]\n\
             pub extra: serde_json::Map<String, serde_json::Value>,\n",
        );
        let derive_default = if all_default { ", Default" } else { "" };
        let docs = doc_attrs(description_of(obj).unwrap_or("A record of the connector."));
        self.items.push(format!(
            "{docs}#[derive(Debug, Clone, PartialEq{derive_default}, serde::Serialize, serde::Deserialize)]\n\
             pub struct {name} {{\n{body}}}\n"
        ));
        if all_default {
            self.defaultable.insert(name.clone());
        }
        self.by_schema.insert(key.clone(), name);
        self.named(&key).unwrap_or_else(RustType::value)
    }

    fn enum_type(&mut self, obj: &Map<String, Value>, values: &[String], hint: &str) -> RustType {
        let key = format!("enum:{values:?}");
        if let Some(existing) = self.named(&key) {
            return existing;
        }
        let name = self.names.claim_pascal(hint);
        let mut variants = Namespace::with_reserved(&["Unknown"]);
        let named: Vec<(String, &String)> = values
            .iter()
            .map(|v| (variants.claim_pascal(v), v))
            .collect();
        let mut decl = String::new();
        let mut to_str = String::new();
        let mut from_str = String::new();
        for (variant, value) in &named {
            decl.push_str(&format!(
                "#[doc = {:?}]\n{variant},\n",
                format!(" `{}`", value.replace('`', "'"))
            ));
            to_str.push_str(&format!("Self::{variant} => {value:?},\n"));
            from_str.push_str(&format!("{value:?} => Self::{variant},\n"));
        }
        let docs = doc_attrs(description_of(obj).unwrap_or("Allowed values."));
        self.items.push(format!(
            "{docs}#[derive(Debug, Clone, PartialEq, Eq, Hash)]\n\
             pub enum {name} {{\n{decl}\
             /// A value this definition does not know (yet).\n\
             Unknown(String),\n}}\n\
             impl {name} {{\n\
             /// The value as sent and received.\n\
             pub fn as_str(&self) -> &str {{\n match self {{\n{to_str}Self::Unknown(other) => other,\n}}\n}}\n}}\n\
             impl From<&str> for {name} {{\n\
             fn from(value: &str) -> Self {{\n match value {{\n{from_str}other => Self::Unknown(other.to_string()),\n}}\n}}\n}}\n\
             impl std::fmt::Display for {name} {{\n\
             fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n f.write_str(self.as_str())\n}}\n}}\n\
             impl serde::Serialize for {name} {{\n\
             fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {{\n\
             serializer.serialize_str(self.as_str())\n}}\n}}\n\
             impl<'de> serde::Deserialize<'de> for {name} {{\n\
             fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {{\n\
             let value = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;\n\
             Ok(Self::from(value.as_ref()))\n}}\n}}\n"
        ));
        self.by_schema.insert(key.clone(), name);
        self.named(&key).unwrap_or_else(RustType::value)
    }
}

/// `description` of a schema, when it is a non-empty string.
pub fn description(schema: &Value) -> Option<&str> {
    schema.as_object().and_then(description_of)
}

fn description_of(obj: &Map<String, Value>) -> Option<&str> {
    obj.get("description")
        .and_then(Value::as_str)
        .filter(|d| !d.trim().is_empty())
}

/// The type a schema without `type` most likely has.
fn infer_kind(obj: &Map<String, Value>) -> &'static str {
    if obj.contains_key("properties") {
        "object"
    } else if obj.contains_key("items") {
        "array"
    } else if string_enum_values(obj).is_some() {
        "string"
    } else {
        "any"
    }
}

/// The distinct string values of `enum`, when every non-null value is a
/// string and there is at least one.
fn string_enum_values(obj: &Map<String, Value>) -> Option<Vec<String>> {
    let values = obj.get("enum")?.as_array()?;
    let mut out: Vec<String> = Vec::new();
    for v in values {
        match v {
            Value::Null => {}
            Value::String(s) => {
                if !out.contains(s) {
                    out.push(s.clone());
                }
            }
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `oneOf`/`anyOf` with exactly one non-null alternative (the common way
/// to spell "nullable X"); sets `nullable` when a null alternative exists.
fn single_alternative<'a>(obj: &'a Map<String, Value>, nullable: &mut bool) -> Option<&'a Value> {
    let alternatives = obj.get("oneOf").or_else(|| obj.get("anyOf"))?.as_array()?;
    let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
    let non_null: Vec<&Value> = alternatives.iter().filter(|v| !is_null(v)).collect();
    if let [single] = non_null.as_slice() {
        if non_null.len() < alternatives.len() {
            *nullable = true;
        }
        return Some(single);
    }
    None
}

/// `allOf` of object schemas merged into one object schema (properties and
/// `required` united, later members winning), or the single member.
fn merged_all_of(obj: &Map<String, Value>) -> Option<Value> {
    let members = obj.get("allOf")?.as_array()?;
    if let [single] = members.as_slice() {
        return Some(single.clone());
    }
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    for member in members {
        let m = member.as_object()?;
        if let Some(p) = m.get("properties").and_then(Value::as_object) {
            properties.extend(p.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        if let Some(r) = m.get("required").and_then(Value::as_array) {
            required.extend(r.iter().cloned());
        }
    }
    let mut merged = Map::new();
    merged.insert("type".into(), Value::from("object"));
    if let Some(d) = obj.get("description") {
        merged.insert("description".into(), d.clone());
    }
    merged.insert("properties".into(), Value::Object(properties));
    merged.insert("required".into(), Value::Array(required));
    Some(Value::Object(merged))
}
