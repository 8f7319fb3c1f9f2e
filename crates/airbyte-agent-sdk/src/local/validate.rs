//! Parameter validation done before any request is sent.
//!
//! Rules (same as the reference engine, plus one safety check):
//! - a value outside a parameter's `enum` (or an array element outside
//!   `items.enum`) is rejected with the allowed values;
//! - a scalar given for an `array` parameter is rejected;
//! - `create` / `update` need every `required` property of the body schema;
//! - (addition) an object or array given for a scalar path, query or header
//!   parameter is rejected: it has no wire form (the reference sends its
//!   Python text, e.g. `{'a': 1}`);
//! - (addition) a value that cannot be read as the declared scalar type of a
//!   parameter or top-level body field is rejected: `"abc"` for an `integer`,
//!   `"yes"` for a `boolean`. Strings that spell the type (`"10"`, `"true"`)
//!   are accepted and sent as given. The reference sends any such value as
//!   is; issue 3 asks for `InvalidParameter` before any I/O.

use serde_json::{Map, Value};

use super::operation::{OperationSpec, ParamSpec};
use super::pystr::py_repr;
use crate::error::{Error, Result};

fn invalid(op: &OperationSpec, param: &str, reason: String, allowed: Vec<String>) -> Error {
    Error::InvalidParameter {
        entity: op.entity.clone(),
        action: op.action.clone(),
        param: param.to_string(),
        reason,
        allowed,
    }
}

/// Python equality between JSON values (`1 == 1.0 == True`).
pub fn py_eq(a: &Value, b: &Value) -> bool {
    fn num(v: &Value) -> Option<f64> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }
    match (a, b) {
        (Value::Number(_) | Value::Bool(_), Value::Number(_) | Value::Bool(_)) => num(a) == num(b),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| py_eq(a, b))
        }
        _ => a == b,
    }
}

fn enum_values(schema: &Value) -> Option<&Vec<Value>> {
    schema
        .get("enum")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
}

fn is_type(schema: &Value, ty: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(s)) => s == ty,
        Some(Value::Array(types)) => types.iter().any(|t| t == ty),
        _ => false,
    }
}

fn check_one(op: &OperationSpec, name: &str, schema: &Value, value: &Value) -> Result<()> {
    if let Some(allowed) = enum_values(schema)
        && !allowed.iter().any(|a| py_eq(a, value))
    {
        return Err(invalid(
            op,
            name,
            format!("{} is not one of the allowed values", py_repr(value)),
            allowed.iter().map(py_repr).collect(),
        ));
    }
    let items_enum = schema.get("items").and_then(enum_values);
    match (items_enum, value) {
        (Some(allowed), Value::Array(items)) => {
            let bad: Vec<String> = items
                .iter()
                .filter(|v| !allowed.iter().any(|a| py_eq(a, v)))
                .map(py_repr)
                .collect();
            if !bad.is_empty() {
                return Err(invalid(
                    op,
                    name,
                    format!(
                        "[{}] not allowed; every element must be an allowed value",
                        bad.join(", ")
                    ),
                    allowed.iter().map(py_repr).collect(),
                ));
            }
        }
        (Some(allowed), _) if is_type(schema, "array") => {
            return Err(invalid(
                op,
                name,
                format!(
                    "expects an array of allowed values, got scalar {}",
                    py_repr(value)
                ),
                allowed.iter().map(py_repr).collect(),
            ));
        }
        (None, v) if is_type(schema, "array") && !v.is_null() && !v.is_array() => {
            return Err(invalid(
                op,
                name,
                format!("expects an array, got scalar {}", py_repr(value)),
                Vec::new(),
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Enum and array checks over query parameters and top-level body
/// properties.
pub fn check_enums(op: &OperationSpec, params: &Map<String, Value>) -> Result<()> {
    for p in &op.query {
        if let Some(value) = params.get(&p.name) {
            let mut schema = p.schema.clone();
            if let (Value::Object(s), None) = (&mut schema, p.schema.get("type")) {
                s.insert("type".into(), Value::String("string".into()));
            }
            check_one(op, &p.name, &schema, value)?;
        }
    }
    if let Some(Value::Object(props)) = op.request_schema.as_ref().and_then(|s| s.get("properties"))
    {
        for (name, schema) in props {
            if let Some(value) = params.get(name) {
                check_one(op, name, schema, value)?;
            }
        }
    }
    Ok(())
}

/// Rejects objects and arrays given for scalar path, query and header
/// parameters (deepObject and array parameters excepted).
pub fn check_scalar_shapes(op: &OperationSpec, params: &Map<String, Value>) -> Result<()> {
    let scalar = |p: &ParamSpec| {
        p.style.as_deref() != Some("deepObject")
            && ["string", "integer", "number", "boolean"]
                .iter()
                .any(|t| is_type(&p.schema, t))
            && !is_type(&p.schema, "array")
            && !is_type(&p.schema, "object")
    };
    for p in op.path_params.iter().chain(&op.query).chain(&op.headers) {
        if let Some(value @ (Value::Object(_) | Value::Array(_))) = params.get(&p.name)
            && scalar(p)
        {
            let ty = p.schema.get("type").map(py_repr).unwrap_or_default();
            return Err(invalid(
                op,
                &p.name,
                format!(
                    "expects a {} value, got {}",
                    ty.trim_matches('\''),
                    py_repr(value)
                ),
                Vec::new(),
            ));
        }
    }
    for p in op.path_params.iter().chain(&op.query).chain(&op.headers) {
        if let Some(value) = params.get(&p.name) {
            check_scalar_type(op, &p.name, &p.schema, value)?;
        }
    }
    if let Some(Value::Object(props)) = op.request_schema.as_ref().and_then(|s| s.get("properties"))
    {
        for (name, schema) in props {
            if let Some(value) = params.get(name) {
                check_scalar_type(op, name, schema, value)?;
            }
        }
    }
    Ok(())
}

/// Rejects a value that cannot be read as the schema's scalar type. Only
/// schemas with exactly one non-null scalar type are checked; `null` passes
/// (nullability is the server's business), as do arrays and objects (checked
/// by shape above).
fn check_scalar_type(op: &OperationSpec, name: &str, schema: &Value, value: &Value) -> Result<()> {
    let declared: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => return Ok(()),
    };
    let [ty] = declared.as_slice() else {
        return Ok(());
    };
    let fits = match (*ty, value) {
        (_, Value::Null | Value::Array(_) | Value::Object(_)) => true,
        ("integer", Value::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        ("integer", Value::String(s)) => s.trim().parse::<i128>().is_ok(),
        ("number", Value::Number(_)) => true,
        ("number", Value::String(s)) => s.trim().parse::<f64>().is_ok_and(f64::is_finite),
        ("boolean", Value::Bool(_)) => true,
        ("boolean", Value::String(s)) => {
            matches!(s.to_ascii_lowercase().as_str(), "true" | "false")
        }
        ("integer" | "number" | "boolean", _) => false,
        _ => true,
    };
    if fits {
        return Ok(());
    }
    let expected = if *ty == "integer" {
        "an integer".to_string()
    } else {
        format!("a {ty}")
    };
    Err(invalid(
        op,
        name,
        format!("expects {expected} value, got {}", py_repr(value)),
        Vec::new(),
    ))
}

/// `create` and `update` need every required body property.
pub fn check_required_body(op: &OperationSpec, params: &Map<String, Value>) -> Result<()> {
    if !matches!(op.action.as_str(), "create" | "update") {
        return Ok(());
    }
    let Some(Value::Array(required)) = op.request_schema.as_ref().and_then(|s| s.get("required"))
    else {
        return Ok(());
    };
    let missing: Vec<&str> = required
        .iter()
        .filter_map(Value::as_str)
        .filter(|f| !params.contains_key(*f))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::MissingParameter {
        entity: op.entity.clone(),
        action: op.action.clone(),
        param: missing.join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op() -> OperationSpec {
        OperationSpec {
            entity: "tickets".into(),
            action: "create".into(),
            query: vec![
                ParamSpec {
                    name: "sort".into(),
                    schema: json!({"type": "string", "enum": ["asc", "desc"]}),
                    ..Default::default()
                },
                ParamSpec {
                    name: "states".into(),
                    schema: json!({"type": "array", "items": {"enum": ["open", "closed"]}}),
                    ..Default::default()
                },
                ParamSpec {
                    name: "ids".into(),
                    schema: json!({"type": "array", "items": {"type": "integer"}}),
                    ..Default::default()
                },
                ParamSpec {
                    name: "limit".into(),
                    schema: json!({"type": "integer"}),
                    ..Default::default()
                },
            ],
            request_schema: Some(json!({
                "required": ["subject", "body"],
                "properties": {"priority": {"type": "integer", "enum": [1, 2]}}
            })),
            ..Default::default()
        }
    }

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn enums_are_enforced_with_allowed_values() {
        let op = op();
        assert!(
            check_enums(
                &op,
                &params(json!({"sort": "asc", "states": ["open"], "priority": 1.0}))
            )
            .is_ok()
        );
        match check_enums(&op, &params(json!({"sort": "up"}))).unwrap_err() {
            Error::InvalidParameter { param, allowed, .. } => {
                assert_eq!(param, "sort");
                assert_eq!(allowed, vec!["'asc'", "'desc'"]);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(check_enums(&op, &params(json!({"states": ["open", "nope"]}))).is_err());
        assert!(check_enums(&op, &params(json!({"states": "open"}))).is_err());
        assert!(check_enums(&op, &params(json!({"ids": 3}))).is_err());
        assert!(check_enums(&op, &params(json!({"ids": null}))).is_ok());
        assert!(check_enums(&op, &params(json!({"priority": 3}))).is_err());
    }

    #[test]
    fn shapes_and_required_body() {
        let op = op();
        let e = check_scalar_shapes(&op, &params(json!({"limit": {"a": 1}}))).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidParameter);
        assert!(check_scalar_shapes(&op, &params(json!({"limit": 5, "ids": [1]}))).is_ok());
        let e = check_scalar_shapes(&op, &params(json!({"limit": "ten"}))).unwrap_err();
        assert!(e.to_string().contains("expects an integer"), "{e}");
        assert!(check_scalar_shapes(&op, &params(json!({"limit": "10"}))).is_ok());
        assert!(check_scalar_shapes(&op, &params(json!({"limit": 2.5}))).is_err());
        assert!(check_scalar_shapes(&op, &params(json!({"limit": null}))).is_ok());
        let e = check_required_body(&op, &params(json!({"subject": "s"}))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "missing required parameter `body` for tickets.create"
        );
        assert!(check_required_body(&op, &params(json!({"subject": "s", "body": "b"}))).is_ok());
    }
}
