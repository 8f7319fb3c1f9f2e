//! Record and metadata extraction from a vendor response: an extractor
//! (JSONPath, `@link.*`, `@header.*`), a `Link` header and a body.
//!
//! Input: one flag byte, then `extractor\nlink header\nbody`.
#![no_main]

use airbyte_agent_sdk::local::extract::{
    RecordRules, download_url, extract_meta, extract_records, link_url, wrap_primitives,
};
use airbyte_agent_sdk::local::transport::parse_body;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.splitn(3, '\n');
    let extractor = parts.next().unwrap_or_default();
    let link = parts.next().unwrap_or_default();
    let raw_body = parts.next().unwrap_or_default();

    let content_type = ["application/json", "", "text/plain"][usize::from(flags >> 6) % 3];
    let bytes = bytes::Bytes::copy_from_slice(raw_body.as_bytes());
    let body = parse_body(
        "get",
        "https://api.example.invalid/v1/x",
        Some(content_type),
        &bytes,
    )
    .unwrap_or_else(|_| Value::String(raw_body.to_string()));

    let config = Map::new();
    let rules = RecordRules {
        extractor: (flags & 1 == 1).then_some(extractor),
        many: flags & 2 == 2,
        transform: None,
        filter: None,
    };
    if let Ok(records) = extract_records(body.clone(), &rules, &config) {
        let _ = wrap_primitives(records).to_string();
    }

    let headers = vec![
        ("link".to_string(), link.to_string()),
        ("x-next-cursor".to_string(), link.to_string()),
    ];
    let meta_rules = vec![
        ("from_body".to_string(), extractor.to_string()),
        ("next_link".to_string(), "@link.next".to_string()),
        ("header".to_string(), "@header.x-next-cursor".to_string()),
        ("cursor".to_string(), "$.meta.next_cursor".to_string()),
    ];
    let _ = extract_meta(&body, &headers, &meta_rules).to_string();
    let _ = link_url(&headers, "next");
    let _ = link_url(&headers, extractor);
    if let Err(e) = download_url(&body, extractor, "files") {
        let _ = e.to_string();
    }
});
