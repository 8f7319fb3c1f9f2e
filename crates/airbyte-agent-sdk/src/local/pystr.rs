//! Rendering JSON values as text the way the wire format expects.
//!
//! Connector definitions were written against a Python engine, so the text a
//! vendor receives for a non-string parameter (a boolean in a path, a number
//! in a header, a list joined for a `pipeDelimited` query) follows Python's
//! `str()` rules: `True`, `1.0`, `['a', 'b']`. Query strings and form bodies
//! use the HTTP-client rules instead (`true`, empty for null), see
//! [`form_text`].

use serde_json::{Number, Value};

/// The text of a value as Python's `str()` renders its JSON counterpart.
///
/// Strings are returned as they are; `null` is `None`, booleans are `True` /
/// `False`, floats use Python's shortest-repr format (`1.0`, `1e+20`) and
/// arrays/objects their Python literal form (`{'k': 'v'}`).
pub fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// The text of a value in a query string or form body: booleans lower case,
/// `null` empty, everything else as [`py_str`].
pub fn form_text(value: &Value) -> String {
    match value {
        Value::Bool(true) => "true".to_string(),
        Value::Bool(false) => "false".to_string(),
        Value::Null => String::new(),
        other => py_str(other),
    }
}

/// Python's `repr()` of the value's Python counterpart.
pub fn py_repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(value, &mut out);
    out
}

fn write_repr(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::String(s) => write_str_repr(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str_repr(k, out);
                out.push_str(": ");
                write_repr(v, out);
            }
            out.push('}');
        }
    }
}

/// Python's text of a JSON number: integers as digits, floats in repr form.
pub fn number_text(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    match n.as_f64() {
        Some(f) => float_repr(f),
        None => n.to_string(),
    }
}

/// Python's `repr(float)`: shortest round-trip digits, positional notation
/// for exponents in `-4..16`, scientific (`1e+20`, `1.5e-07`) otherwise.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    // `{:e}` gives the shortest round-trip digits: "-1.2345e-7".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let point = exp + 1; // position of the decimal point within `digits`
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            let (int, frac) = digits.split_at(point as usize);
            format!("{int}.{frac}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let mant = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mant}e{exp_sign}{:02}", exp.abs())
    }
}

fn write_str_repr(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => {
                let code = c as u32;
                if code <= 0xff {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code <= 0xffff {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// JSON text as Python's `json.dumps` writes it: floats in repr form
/// (`1e+20`), `compact` picks `,`/`:` separators instead of `, `/`: `, and
/// `ascii_only` escapes every non-ASCII character as `\uXXXX`.
pub fn py_json(value: &Value, compact: bool, ascii_only: bool) -> String {
    let mut out = String::new();
    write_json(value, compact, ascii_only, &mut out);
    out
}

fn write_json(value: &Value, compact: bool, ascii_only: bool, out: &mut String) {
    let (item_sep, key_sep) = if compact { (",", ":") } else { (", ", ": ") };
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_f64() {
                match n.as_f64() {
                    Some(f) if f.is_finite() => out.push_str(&float_repr(f)),
                    _ => out.push_str(&n.to_string()),
                }
            } else {
                out.push_str(&n.to_string());
            }
        }
        Value::String(s) => write_json_str(s, ascii_only, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                write_json(item, compact, ascii_only, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                write_json_str(k, ascii_only, out);
                out.push_str(key_sep);
                write_json(v, compact, ascii_only, out);
            }
            out.push('}');
        }
    }
}

fn write_json_str(s: &str, ascii_only: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ascii_only && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_follow_python_str() {
        assert_eq!(py_str(&json!(true)), "True");
        assert_eq!(py_str(&json!(null)), "None");
        assert_eq!(py_str(&json!(12)), "12");
        assert_eq!(py_str(&json!(1.0)), "1.0");
        assert_eq!(py_str(&json!(2.5)), "2.5");
        assert_eq!(py_str(&json!("x y")), "x y");
        assert_eq!(form_text(&json!(false)), "false");
        assert_eq!(form_text(&json!(null)), "");
    }

    #[test]
    fn float_repr_matches_python() {
        assert_eq!(float_repr(1e20), "1e+20");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1e15), "1000000000000000.0");
        assert_eq!(float_repr(0.1), "0.1");
        assert_eq!(float_repr(0.0001), "0.0001");
        assert_eq!(float_repr(0.00001), "1e-05");
        assert_eq!(float_repr(-1.5e-7), "-1.5e-07");
        assert_eq!(float_repr(123.456), "123.456");
        assert_eq!(float_repr(-0.0), "-0.0");
    }

    #[test]
    fn json_like_python_dumps() {
        let v = json!({"a": "é😀", "b": [1.0, 1e20, null], "c": "x\u{1}\"y"});
        assert_eq!(
            py_json(&v, false, true),
            r#"{"a": "\u00e9\ud83d\ude00", "b": [1.0, 1e+20, null], "c": "x\u0001\"y"}"#
        );
        assert_eq!(
            py_json(&v, true, false),
            "{\"a\":\"é😀\",\"b\":[1.0,1e+20,null],\"c\":\"x\\u0001\\\"y\"}"
        );
    }

    #[test]
    fn containers_use_python_literals() {
        assert_eq!(
            py_str(&json!({"k": "v", "n": [1, true, null]})),
            "{'k': 'v', 'n': [1, True, None]}"
        );
        assert_eq!(py_str(&json!(["it's"])), "[\"it's\"]");
        assert_eq!(py_str(&json!(["a\"'b"])), "['a\"\\'b']");
        assert_eq!(py_str(&json!(["é\n"])), "['é\\n']");
    }
}
