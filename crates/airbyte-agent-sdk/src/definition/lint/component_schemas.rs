//! Component schemas that this engine reads but other Airbyte tooling
//! refuses.
//!
//! The Python SDK models each entry of `components.schemas` with fixed
//! field types (`type` a single string, `required` a list of strings, …)
//! and rejects the whole definition when one entry does not fit, even
//! though JSON Schema 2020-12 allows e.g. `type: [object, "null"]`. Our
//! loader accepts those forms, so lint is where an author learns that the
//! file would not be portable.

use serde_json::Value;

use crate::definition::node::escape_token;

/// What each typed field of a component schema must hold for the Python
/// SDK (pydantic in lax mode: numbers and booleans are coerced from
/// strings, `properties` and `required` may not be null).
const FIELD_KINDS: &[(&str, Kind)] = &[
    ("type", Kind::String),
    ("format", Kind::String),
    ("title", Kind::String),
    ("description", Kind::String),
    ("pattern", Kind::String),
    ("properties", Kind::Object),
    ("required", Kind::StringArray),
    ("enum", Kind::Array),
    ("allOf", Kind::Array),
    ("anyOf", Kind::Array),
    ("oneOf", Kind::Array),
    ("minLength", Kind::Integer),
    ("maxLength", Kind::Integer),
    ("minimum", Kind::Number),
    ("maximum", Kind::Number),
    ("nullable", Kind::Bool),
    ("readOnly", Kind::Bool),
    ("writeOnly", Kind::Bool),
    ("deprecated", Kind::Bool),
];

#[derive(Clone, Copy)]
enum Kind {
    String,
    Object,
    Array,
    StringArray,
    Integer,
    Number,
    Bool,
}

impl Kind {
    fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (Kind::Object | Kind::StringArray, Value::Null) => false,
            (_, Value::Null) => true,
            (Kind::String, v) => v.is_string(),
            (Kind::Object, v) => v.is_object(),
            (Kind::Array, v) => v.is_array(),
            (Kind::StringArray, v) => v
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_string)),
            (Kind::Integer, Value::Number(n)) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            (Kind::Integer, Value::String(s)) => s.trim().parse::<i64>().is_ok(),
            (Kind::Integer | Kind::Number, Value::Bool(_)) => true,
            (Kind::Number, Value::Number(_)) => true,
            (Kind::Number, Value::String(s)) => s.trim().parse::<f64>().is_ok(),
            (Kind::Bool, Value::Bool(_)) => true,
            (Kind::Bool, Value::Number(n)) => n.as_u64().is_some_and(|n| n <= 1),
            (Kind::Bool, Value::String(s)) => matches!(
                s.to_ascii_lowercase().as_str(),
                "0" | "1" | "f" | "t" | "n" | "y" | "no" | "yes" | "off" | "on" | "false" | "true"
            ),
            _ => false,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::String => "a single string",
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::StringArray => "an array of strings",
            Kind::Integer => "an integer",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
        }
    }
}

/// Calls `report(pointer, message)` for every field of a
/// `components.schemas` entry whose value other Airbyte tooling rejects.
pub(super) fn strictly_typed_fields(document: &Value, report: &mut dyn FnMut(String, String)) {
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    for (name, schema) in schemas {
        let Some(schema) = schema.as_object() else {
            continue;
        };
        for (field, kind) in FIELD_KINDS {
            let Some(value) = schema.get(*field) else {
                continue;
            };
            if kind.accepts(value) {
                continue;
            }
            let hint = if *field == "type" && value.is_array() {
                "; write one type here and express nullability where the schema is referenced \
                 (e.g. `anyOf: [{$ref: ...}, {type: \"null\"}]`)"
            } else {
                ""
            };
            report(
                format!(
                    "/components/schemas/{}/{}",
                    escape_token(name),
                    escape_token(field)
                ),
                format!(
                    "`{field}` of a component schema must be {}: this engine reads it, but the \
                     Python SDK and Airbyte's tooling reject the whole definition{hint}",
                    kind.describe()
                ),
            );
        }
    }
}
