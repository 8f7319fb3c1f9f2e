//! Jinja expressions used by connector definitions: record filters, record
//! transforms and scoping value templates.
//!
//! Rendered with MiniJinja in strict mode (an undefined name is an error,
//! never silently empty) with Python-compatible methods (`value.split('/')`,
//! `record.get('x', false)`) so the expressions written for the reference
//! engine evaluate the same way.

use minijinja::{Environment, UndefinedBehavior, Value as JinjaValue};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Rendered texts that count as false (Airbyte's interpolated-boolean rule).
const FALSY_RENDERED: &[&str] = &["False", "false", "0", "None", "none", "null", ""];

/// Rendered texts a scoping template uses to say "no value".
const SCOPING_DECLINED: &[&str] = &["None", "none", "null", ""];

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env
}

fn jv<T: serde::Serialize>(v: &T) -> JinjaValue {
    JinjaValue::from(minijinja::value::Serde(v))
}

fn render(template: &str, ctx: JinjaValue, what: &str) -> Result<String> {
    let env = environment();
    env.render_str(template, ctx).map_err(|e| Error::Execution {
        message: format!("could not evaluate {what} `{template}`: {e}"),
    })
}

/// A compiled-once record filter: keeps records for which the expression
/// renders truthy.
pub struct RecordFilter<'a> {
    expr: &'a str,
    config: &'a Map<String, Value>,
}

impl<'a> RecordFilter<'a> {
    /// A filter for `expr` with the connector config available as `config`.
    pub fn new(expr: &'a str, config: &'a Map<String, Value>) -> Self {
        Self { expr, config }
    }

    /// Whether `record` passes. Evaluation errors propagate: a broken
    /// privacy filter must fail the call rather than leak records.
    pub fn keeps(&self, record: &Value) -> Result<bool> {
        let ctx = minijinja::context! { record => jv(record), config => jv(self.config) };
        let text = render(self.expr, ctx, "record filter")?;
        Ok(!FALSY_RENDERED.contains(&text.trim()))
    }

    /// Filters a list (non-object items are kept) or a single object (a
    /// dropped object becomes an empty list).
    pub fn apply(&self, records: Value) -> Result<Value> {
        match records {
            Value::Array(items) => {
                let mut kept = Vec::with_capacity(items.len());
                for item in items {
                    if !item.is_object() || self.keeps(&item)? {
                        kept.push(item);
                    }
                }
                Ok(Value::Array(kept))
            }
            Value::Object(_) => {
                if self.keeps(&records)? {
                    Ok(records)
                } else {
                    Ok(Value::Array(Vec::new()))
                }
            }
            other => Ok(other),
        }
    }
}

/// Reshapes records with a per-field template map. Objects keep their fields
/// and gain the rendered ones; primitives are seen as `{value: ...}` and
/// replaced by the rendered fields only.
pub fn apply_record_transform(
    records: Value,
    transform: &[(String, String)],
    config: &Map<String, Value>,
) -> Result<Value> {
    let one = |record: Value| -> Result<Value> {
        let context_record = match &record {
            Value::Object(_) => record.clone(),
            other => serde_json::json!({ "value": other }),
        };
        let mut rendered = Map::new();
        for (field, template) in transform {
            let ctx = minijinja::context! { record => jv(&context_record), config => jv(config) };
            rendered.insert(
                field.clone(),
                Value::String(render(template, ctx, "record transform")?),
            );
        }
        match record {
            Value::Object(mut map) => {
                map.extend(rendered);
                Ok(Value::Object(map))
            }
            _ => Ok(Value::Object(rendered)),
        }
    };
    match records {
        Value::Array(items) => items
            .into_iter()
            .map(one)
            .collect::<Result<Vec<_>>>()
            .map(Value::Array),
        Value::Object(_) => one(records),
        other => Ok(other),
    }
}

/// Renders a scoping `value_template`; `None` when it declines (renders to
/// nothing or a null word).
pub fn render_scoping(
    template: &str,
    value: &Value,
    config: &Map<String, Value>,
    param: &str,
) -> Result<Option<String>> {
    let ctx = minijinja::context! { value => jv(value), config => jv(config), param => param };
    let text = render(template, ctx, "scoping template")?;
    let text = text.trim();
    if SCOPING_DECLINED.contains(&text) {
        Ok(None)
    } else {
        Ok(Some(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filter_drops_private_records() {
        let config = Map::new();
        let f = RecordFilter::new("{{ not record.isPrivate }}", &config);
        let out = f
            .apply(json!([{"id": 1, "isPrivate": true}, {"id": 2, "isPrivate": false}, 7]))
            .unwrap();
        assert_eq!(out, json!([{"id": 2, "isPrivate": false}, 7]));
        assert_eq!(f.apply(json!({"isPrivate": true})).unwrap(), json!([]));
    }

    #[test]
    fn filter_on_missing_field_fails_loudly() {
        let config = Map::new();
        let f = RecordFilter::new("{{ not record.metaData.isPrivate }}", &config);
        assert!(f.apply(json!([{"id": 1}])).is_err());
        let guarded = RecordFilter::new("{{ not record.get('isPrivate', false) }}", &config);
        assert_eq!(
            guarded.apply(json!([{"id": 1}])).unwrap(),
            json!([{"id": 1}])
        );
    }

    #[test]
    fn transform_reshapes_primitives_and_objects() {
        let config = Map::new();
        let t = vec![
            (
                "customer_id".to_string(),
                "{{ record.value | replace('customers/', '') }}".to_string(),
            ),
            (
                "resource_name".to_string(),
                "{{ record.value }}".to_string(),
            ),
        ];
        let out = apply_record_transform(json!(["customers/42"]), &t, &config).unwrap();
        assert_eq!(
            out,
            json!([{"customer_id": "42", "resource_name": "customers/42"}])
        );
        let t = vec![(
            "urn".to_string(),
            "urn:li:sponsoredAccount:{{ record.id }}".to_string(),
        )];
        let out = apply_record_transform(json!({"id": 7}), &t, &config).unwrap();
        assert_eq!(out, json!({"id": 7, "urn": "urn:li:sponsoredAccount:7"}));
    }

    #[test]
    fn scoping_templates() {
        let config = Map::new();
        let owner = "{{ value.split('/')[0] if '/' in value and value.split('/')[0] else none }}";
        assert_eq!(
            render_scoping(owner, &json!("octo/hello"), &config, "owner").unwrap(),
            Some("octo".to_string())
        );
        assert_eq!(
            render_scoping(owner, &json!("nopath"), &config, "owner").unwrap(),
            None
        );
    }
}
