//! Stripe-style bracketed parameters: `address[city]=Paris`,
//! `metadata[plan]=pro`, `expand[]=customer`, `created[gte]=1700000000`.
//!
//! Both query strings and form-encoded bodies use them; they are decoded
//! into one JSON object whose leaves are strings.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// Decodes `application/x-www-form-urlencoded` text (a query string or a
/// body) into nested parameters.
pub(crate) fn parse(text: &str) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for (key, value) in url::form_urlencoded::parse(text.as_bytes()) {
        let (root, path) = split_key(&key)?;
        insert(
            &mut out,
            &key,
            root,
            &path,
            Value::String(value.into_owned()),
        )?;
    }
    Ok(out)
}

/// `a[b][]` → (`a`, [`b`, ``]).
fn split_key(key: &str) -> Result<(&str, Vec<&str>), ApiError> {
    let Some(open) = key.find('[') else {
        return Ok((key, Vec::new()));
    };
    let root = &key[..open];
    let mut rest = &key[open..];
    let mut path = Vec::new();
    while !rest.is_empty() {
        let inner = rest
            .strip_prefix('[')
            .and_then(|r| r.find(']').map(|close| (&r[..close], &r[close + 1..])));
        match inner {
            Some((segment, tail)) => {
                path.push(segment);
                rest = tail;
            }
            None => return Err(malformed(key)),
        }
    }
    if root.is_empty() {
        return Err(malformed(key));
    }
    Ok((root, path))
}

fn malformed(key: &str) -> ApiError {
    ApiError::invalid(
        format!("Invalid parameter name: {key}. Nested parameters are written `name[key]`."),
        Some(key),
    )
}

fn conflict(key: &str) -> ApiError {
    ApiError::invalid(
        format!("Invalid parameter {key}: it mixes a plain value and nested values."),
        Some(key),
    )
}

fn insert(
    map: &mut Map<String, Value>,
    full_key: &str,
    key: &str,
    path: &[&str],
    value: Value,
) -> Result<(), ApiError> {
    let Some((next, rest)) = path.split_first() else {
        // A repeated plain key (`ids=a&ids=b`) collects into a list.
        match map.get_mut(key) {
            None => {
                map.insert(key.to_string(), value);
            }
            Some(Value::Array(items)) => items.push(value),
            Some(existing @ Value::String(_)) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            Some(_) => return Err(conflict(full_key)),
        }
        return Ok(());
    };
    let is_index = next.is_empty() || next.bytes().all(|b| b.is_ascii_digit());
    let slot = map.entry(key.to_string()).or_insert_with(|| {
        if is_index {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        }
    });
    match slot {
        Value::Object(inner) if !is_index => insert(inner, full_key, next, rest, value),
        Value::Array(items) if is_index => {
            // `l[0][name]=a&l[0][id]=b` fills one element; `l[]=a` appends.
            let index = next.parse::<usize>().ok().filter(|&i| i < items.len());
            match (index, rest.is_empty()) {
                (Some(i), false) => match &mut items[i] {
                    Value::Object(inner) => insert(inner, full_key, rest[0], &rest[1..], value),
                    _ => Err(conflict(full_key)),
                },
                (_, true) => {
                    items.push(value);
                    Ok(())
                }
                (None, false) => {
                    let mut inner = Map::new();
                    insert(&mut inner, full_key, rest[0], &rest[1..], value)?;
                    items.push(Value::Object(inner));
                    Ok(())
                }
            }
        }
        _ => Err(conflict(full_key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(text: &str) -> Value {
        Value::Object(parse(text).expect("parses"))
    }

    #[test]
    fn nested_keys_build_objects_and_lists() {
        assert_eq!(
            p("email=a%40b.example&address[city]=Paris&address[country]=FR&metadata[plan]=pro"),
            json!({"email": "a@b.example", "address": {"city": "Paris", "country": "FR"}, "metadata": {"plan": "pro"}})
        );
        assert_eq!(p("expand[]=a&expand[]=b"), json!({"expand": ["a", "b"]}));
        assert_eq!(p("ids=a&ids=b&ids=c"), json!({"ids": ["a", "b", "c"]}));
        assert_eq!(
            p("f[0][name]=x&f[0][id]=1&f[1][name]=y"),
            json!({"f": [{"name": "x", "id": "1"}, {"name": "y"}]})
        );
        assert_eq!(
            p("created[gte]=5&created[lt]=9"),
            json!({"created": {"gte": "5", "lt": "9"}})
        );
        assert_eq!(p("name=A+B"), json!({"name": "A B"}));
    }

    #[test]
    fn malformed_and_conflicting_keys_are_errors() {
        for text in ["a[b=1", "[x]=1", "a=1&a[b]=2", "a[b]=1&a=2", "a[b]=1&a[]=2"] {
            let err = parse(text).expect_err(text);
            assert_eq!(err.status, 400, "{text}");
            assert!(err.param.is_some(), "{text}");
        }
    }
}
