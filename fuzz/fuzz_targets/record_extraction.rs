//! Record and metadata extraction from a vendor response: an extractor
//! (JSONPath, `@link.*`, `@header.*`), a `Link` header and a body.
//!
//! Input: one flag byte, then `extractor\nlink header\nbody`.
//!
//! Also differential: when the extractor is a plain path, the body parsed
//! with the records kept as text (what typed connectors read) must give the
//! same records and the same whole body as the ordinary parse.
#![no_main]

use airbyte_agent_sdk::local::extract::{
    RecordRules, download_url, extract_meta, extract_records, link_url, wrap_primitives,
};
use airbyte_agent_sdk::local::lazy_records::{is_json_array, plain_records_path};
use airbyte_agent_sdk::local::transport::{parse_body, parse_body_keeping};
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
    let extracted = extract_records(body.clone(), &rules, &config);
    if let Ok(records) = &extracted {
        let _ = wrap_primitives(records.clone()).to_string();
    }
    let ordinary = parse_body("get", "https://x.invalid/", Some(content_type), &bytes);
    if let Some(path) = plain_records_path(&rules, None, None) {
        let lazy = parse_body_keeping("get", "https://x.invalid/", Some(content_type), &bytes, &path);
        match (ordinary, lazy) {
            (Ok(whole), Ok(lazy)) => {
                if let Some(kept) = lazy.kept.as_deref().filter(|r| is_json_array(r)) {
                    let kept: Value = serde_json::from_str(kept.get()).expect("kept text parses");
                    let records = extract_records(whole.clone(), &rules, &config).expect("plain path");
                    assert_eq!(wrap_primitives(kept), records);
                }
                assert_eq!(lazy.into_value(&path).expect("kept text parses"), whole);
            }
            (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind()),
            (a, b) => panic!("parses disagree: {:?} vs {:?}", a.is_ok(), b.is_ok()),
        }
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
