//! Keeping results small: long-text truncation and the output size guard.
//!
//! - [`truncate_long_text`]: the reference's long-text rule (0.1.380 hosted
//!   executor): every string longer than [`MAX_TEXT_FIELD_CHARS`] characters,
//!   at any depth, is cut to that many characters followed by
//!   [`TEXT_TRUNCATION_SUFFIX`].
//! - [`guard_output_size`]: the size guard. The reference only *refuses*
//!   output over 100,000 serialized characters (`DEFAULT_MAX_OUTPUT_CHARS`)
//!   with a "narrow your query" error; we instead keep the longest prefix of
//!   records that fits a byte budget (measured on compact serialized JSON) and
//!   say so with a [`TRUNCATION_MARKER_KEY`] marker object. The default budget
//!   is the reference's limit, [`DEFAULT_MAX_OUTPUT_BYTES`].
//!
//! Marker shape (an object under `_truncated`):
//! `{"omitted_records": N, "total_records": M, "original_bytes": B,
//!   "budget_bytes": L, "message": "…"}`; `message` is dropped when even the
//!   smallest result would not fit with it, and a single oversized record is
//!   replaced by the marker plus a `preview` string (its JSON, cut).
//! The result of the guard is:
//! - envelope `{"data": [...], …}`: the same envelope with `data` shortened
//!   and `_truncated` added (other envelope keys are dropped, and listed in
//!   `omitted_keys`, only when they alone do not fit);
//! - bare array: `{"data": [kept...], "_truncated": {…}}`;
//! - anything else: `{"_truncated": {…, "preview": "…"}}`.

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};

/// Longest string kept whole by [`truncate_long_text`] (reference value).
pub const MAX_TEXT_FIELD_CHARS: usize = 200;

/// Appended to cut strings (reference text).
pub const TEXT_TRUNCATION_SUFFIX: &str =
    "... [truncated — use `get` action with the record id to retrieve the full value]";

/// Default output budget: the reference's `DEFAULT_MAX_OUTPUT_CHARS`.
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 100_000;

/// Smallest budget [`guard_output_size`] accepts: enough for the minimal
/// marker with any counts.
pub const MIN_OUTPUT_BYTES: usize = 128;

/// Key of the marker object the size guard adds.
pub const TRUNCATION_MARKER_KEY: &str = "_truncated";

/// Actions whose records get long-text truncation (reference: `list` and
/// the hosted-only context-store actions).
pub const COLLECTION_ACTIONS: [&str; 3] =
    ["list", "context_store_search", "context_store_sql_query"];

/// Cuts every string longer than `max_chars` characters (Unicode scalar
/// values, as Python counts) inside `value` to `max_chars` characters plus
/// [`TEXT_TRUNCATION_SUFFIX`].
pub fn truncate_long_text(value: Value, max_chars: usize) -> Value {
    match value {
        Value::String(s) => match s.char_indices().nth(max_chars) {
            Some((cut, _)) => Value::String(format!("{}{TEXT_TRUNCATION_SUFFIX}", &s[..cut])),
            None => Value::String(s),
        },
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| truncate_long_text(v, max_chars))
                .collect(),
        ),
        Value::Object(obj) => Value::Object(
            obj.into_iter()
                .map(|(k, v)| (k, truncate_long_text(v, max_chars)))
                .collect(),
        ),
        other => other,
    }
}

/// What the size guard did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TruncationInfo {
    /// Records left out (1 for a single oversized value).
    pub omitted_records: usize,
    /// Records in the input (1 for a single value).
    pub total_records: usize,
    /// Size of the input, compact JSON bytes.
    pub original_bytes: usize,
    /// The budget applied.
    pub budget_bytes: usize,
}

/// The result of [`guard_output_size`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GuardedOutput {
    /// The value to return (unchanged when it fit).
    pub value: Value,
    /// Set when the value was cut.
    pub truncated: Option<TruncationInfo>,
}

/// Compact serialized size of a value, in bytes.
pub fn json_size(value: &Value) -> usize {
    serde_json::to_string(value).map(|s| s.len()).unwrap_or(0)
}

/// Fits `value` into `budget` bytes of compact JSON (see the module docs).
///
/// Returns [`Error::InvalidArgument`] when `budget` is below
/// [`MIN_OUTPUT_BYTES`]. The returned value never serializes to more than
/// `budget` bytes.
pub fn guard_output_size(value: Value, budget: usize) -> Result<GuardedOutput> {
    if budget < MIN_OUTPUT_BYTES {
        return Err(Error::invalid_argument(
            "max_output_bytes",
            format!("must be at least {MIN_OUTPUT_BYTES} bytes, got {budget}"),
        ));
    }
    let original_bytes = json_size(&value);
    if original_bytes <= budget {
        return Ok(GuardedOutput {
            value,
            truncated: None,
        });
    }
    let (records, rest) = match value {
        Value::Array(items) => (Some(items), None),
        Value::Object(mut obj) if obj.get("data").is_some_and(Value::is_array) => {
            let items = match obj.shift_remove("data") {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            (Some(items), Some(obj))
        }
        other => return Ok(guard_single(other, original_bytes, budget)),
    };
    let records = records.unwrap_or_default();
    let total = records.len();
    let sizes: Vec<usize> = records.iter().map(json_size).collect();
    let mut info = TruncationInfo {
        omitted_records: total,
        total_records: total,
        original_bytes,
        budget_bytes: budget,
    };

    // Try the full envelope first, then without the other envelope keys;
    // each with, then without, the message.
    let layouts: Vec<(Option<Map<String, Value>>, bool)> = match rest {
        Some(rest) if !rest.is_empty() => vec![
            (Some(rest.clone()), true),
            (Some(rest), false),
            (None, true),
            (None, false),
        ],
        _ => vec![(None, true), (None, false)],
    };
    let omitted_keys: Vec<String> = layouts
        .first()
        .and_then(|(r, _)| r.as_ref())
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default();
    for (rest, with_message) in layouts {
        let dropped = if rest.is_none() {
            omitted_keys.clone()
        } else {
            Vec::new()
        };
        let build = |kept: usize| -> Value {
            let info = TruncationInfo {
                omitted_records: total - kept,
                ..info.clone()
            };
            let mut out = rest.clone().unwrap_or_default();
            out.insert("data".to_string(), Value::Array(records[..kept].to_vec()));
            out.insert(
                TRUNCATION_MARKER_KEY.to_string(),
                marker(&info, with_message, &dropped),
            );
            Value::Object(out)
        };
        let empty_size = json_size(&build(0));
        if empty_size > budget {
            continue;
        }
        // Estimate with per-record sizes (+1 for the comma), then correct
        // against the real serialization (the counts' digits change too).
        let mut kept = 0;
        let mut estimate = empty_size;
        while kept < total {
            let add = sizes[kept] + usize::from(kept > 0);
            if estimate + add > budget {
                break;
            }
            estimate += add;
            kept += 1;
        }
        let mut out = build(kept);
        while kept > 0 && json_size(&out) > budget {
            kept -= 1;
            out = build(kept);
        }
        // Digits of `omitted_records` shrink as more records are kept, so one
        // more record may fit after all.
        while kept < total {
            let next = build(kept + 1);
            if json_size(&next) > budget {
                break;
            }
            kept += 1;
            out = next;
        }
        if json_size(&out) <= budget {
            info.omitted_records = total - kept;
            return Ok(GuardedOutput {
                value: out,
                truncated: Some(info),
            });
        }
    }
    // Unreachable with budget >= MIN_OUTPUT_BYTES; answer the bare minimum.
    let minimal = json!({ TRUNCATION_MARKER_KEY: { "omitted_records": total } });
    Ok(GuardedOutput {
        value: minimal,
        truncated: Some(info),
    })
}

fn marker(info: &TruncationInfo, with_message: bool, omitted_keys: &[String]) -> Value {
    let mut m = Map::new();
    m.insert("omitted_records".into(), json!(info.omitted_records));
    m.insert("total_records".into(), json!(info.total_records));
    if with_message {
        m.insert("original_bytes".into(), json!(info.original_bytes));
        m.insert("budget_bytes".into(), json!(info.budget_bytes));
        if !omitted_keys.is_empty() {
            m.insert("omitted_keys".into(), json!(omitted_keys));
        }
        m.insert(
            "message".into(),
            Value::String(format!(
                "Output truncated to {} bytes: {} of {} records omitted. Narrow the call with \
                 select_fields/exclude_fields, filters or a smaller limit, or page with the cursor.",
                info.budget_bytes, info.omitted_records, info.total_records
            )),
        );
    }
    Value::Object(m)
}

fn guard_single(value: Value, original_bytes: usize, budget: usize) -> GuardedOutput {
    let info = TruncationInfo {
        omitted_records: 1,
        total_records: 1,
        original_bytes,
        budget_bytes: budget,
    };
    let text = serde_json::to_string(&value).unwrap_or_default();
    let build = |chars: usize, with_message: bool| -> Value {
        let mut m = match marker(&info, with_message, &[]) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let cut = text
            .char_indices()
            .nth(chars)
            .map_or(text.len(), |(i, _)| i);
        m.insert("preview".into(), Value::String(text[..cut].to_string()));
        json!({ TRUNCATION_MARKER_KEY: Value::Object(m) })
    };
    for with_message in [true, false] {
        if json_size(&build(0, with_message)) > budget {
            continue;
        }
        // Largest preview that fits: sizes grow with the character count.
        let (mut lo, mut hi) = (0usize, text.chars().count());
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if json_size(&build(mid, with_message)) <= budget {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return GuardedOutput {
            value: build(lo, with_message),
            truncated: Some(info),
        };
    }
    GuardedOutput {
        value: json!({ TRUNCATION_MARKER_KEY: { "omitted_records": 1 } }),
        truncated: Some(info),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn long_text_is_cut_with_reference_suffix() {
        let long = "é".repeat(250);
        let out = truncate_long_text(json!({"a": [long.clone()], "b": "short", "n": 3}), 200);
        let cut = out["a"][0].as_str().unwrap_or_default();
        assert_eq!(cut, format!("{}{TEXT_TRUNCATION_SUFFIX}", "é".repeat(200)));
        assert_eq!(out["b"], "short");
        assert_eq!(out["n"], 3);
        let exact = "x".repeat(200);
        assert_eq!(truncate_long_text(json!(exact.clone()), 200), json!(exact));
    }

    #[test]
    fn fitting_output_is_untouched() {
        let v = json!({"data": [1, 2, 3]});
        let out = guard_output_size(v.clone(), 1000).unwrap();
        assert_eq!(out.value, v);
        assert!(out.truncated.is_none());
    }

    #[test]
    fn rejects_tiny_budget() {
        assert!(guard_output_size(json!([]), MIN_OUTPUT_BYTES - 1).is_err());
    }

    #[test]
    fn envelope_keeps_prefix_and_other_keys() {
        let records: Vec<Value> = (0..100)
            .map(|i| json!({"id": i, "pad": "x".repeat(50)}))
            .collect();
        let v = json!({"data": records, "next_cursor": "abc"});
        let out = guard_output_size(v, 1000).unwrap();
        assert!(json_size(&out.value) <= 1000);
        let info = out.truncated.unwrap();
        let kept = out.value["data"].as_array().map_or(0, Vec::len);
        assert!(kept > 0);
        assert_eq!(info.omitted_records, 100 - kept);
        assert_eq!(out.value["next_cursor"], "abc");
        assert_eq!(
            out.value["_truncated"]["omitted_records"],
            json!(100 - kept)
        );
        assert_eq!(out.value["_truncated"]["total_records"], json!(100));
        assert_eq!(out.value["data"][0]["id"], 0);
    }

    #[test]
    fn oversized_envelope_keys_are_dropped_and_listed() {
        let v = json!({"data": [{"id": 1}, {"id": 2}], "meta": {"blob": "m".repeat(2000)}});
        let out = guard_output_size(v, 400).unwrap();
        assert!(json_size(&out.value) <= 400, "{}", out.value);
        assert!(out.value.get("meta").is_none());
        assert_eq!(out.value["_truncated"]["omitted_keys"], json!(["meta"]));
        assert_eq!(out.value["data"], json!([{"id": 1}, {"id": 2}]));
        assert_eq!(out.truncated.map(|i| i.omitted_records), Some(0));
    }

    #[test]
    fn minimal_budget_still_fits_with_huge_counts() {
        let v = Value::Array((0..20_000).map(|i| json!(i)).collect());
        let out = guard_output_size(v, MIN_OUTPUT_BYTES).unwrap();
        assert!(json_size(&out.value) <= MIN_OUTPUT_BYTES, "{}", out.value);
        let info = out.truncated.unwrap();
        let kept = out.value["data"].as_array().map_or(0, Vec::len);
        assert_eq!(kept + info.omitted_records, 20_000);
    }

    #[test]
    fn single_oversized_record_gets_preview() {
        let v = json!({"body": "y".repeat(5000)});
        let out = guard_output_size(v, 300).unwrap();
        assert!(json_size(&out.value) <= 300);
        let preview = out.value["_truncated"]["preview"]
            .as_str()
            .unwrap_or_default();
        assert!(preview.starts_with("{\"body\":\"yyy"));
        assert_eq!(out.truncated.map(|i| i.omitted_records), Some(1));
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "\\PC{0,40}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_.]{1,8}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn arb_result() -> impl Strategy<Value = Value> {
        prop_oneof![
            prop::collection::vec(arb_json(), 0..40).prop_map(Value::Array),
            (prop::collection::vec(arb_json(), 0..40), arb_json())
                .prop_map(|(d, m)| json!({"data": d, "meta": m})),
            arb_json(),
        ]
    }

    fn record_count(v: &Value) -> usize {
        match v {
            Value::Array(a) => a.len(),
            Value::Object(o) => match o.get("data") {
                Some(Value::Array(a)) => a.len(),
                _ => 1,
            },
            _ => 1,
        }
    }

    proptest! {
        #[test]
        fn never_exceeds_budget_and_counts_are_right(
            v in arb_result(),
            budget in MIN_OUTPUT_BYTES..3000usize,
        ) {
            let original = json_size(&v);
            let total = record_count(&v);
            let out = guard_output_size(v.clone(), budget).unwrap();
            prop_assert!(json_size(&out.value) <= budget);
            match out.truncated {
                None => {
                    prop_assert!(original <= budget);
                    prop_assert_eq!(out.value, v);
                }
                Some(info) => {
                    prop_assert!(original > budget);
                    prop_assert_eq!(info.total_records, total);
                    let marker = &out.value[TRUNCATION_MARKER_KEY];
                    prop_assert!(marker.is_object());
                    prop_assert_eq!(&marker["omitted_records"], &json!(info.omitted_records));
                    if let Some(kept) = out.value.get("data").and_then(Value::as_array) {
                        prop_assert_eq!(kept.len() + info.omitted_records, total);
                        // The kept records are the input's prefix.
                        let input: Vec<Value> = match &v {
                            Value::Array(a) => a.clone(),
                            _ => v["data"].as_array().cloned().unwrap_or_default(),
                        };
                        prop_assert_eq!(&kept[..], &input[..kept.len()]);
                    }
                }
            }
        }
    }
}
