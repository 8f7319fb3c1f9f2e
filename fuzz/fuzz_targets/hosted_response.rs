//! Hosted API responses: every success body the client decodes, error
//! bodies and their explanation, and `Retry-After` values.
//!
//! Input: one byte choosing the status, then `retry-after value\nbody`.
#![no_main]

use airbyte_agent_sdk::cloud::fuzzing::decode_every_response;
use airbyte_agent_sdk::http::{
    RetryAfterFormat, RetryPolicy, error_from_response, extract_error_detail, parse_retry_after,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&status_byte, rest)) = data.split_first() else {
        return;
    };
    let (retry_after, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (
            String::from_utf8_lossy(&rest[..i]).into_owned(),
            &rest[i + 1..],
        ),
        None => (String::new(), rest),
    };

    decode_every_response(body);
    decode_every_response(rest);

    let _ = extract_error_detail(body);
    let status = 400 + u16::from(status_byte) % 200;
    let err = error_from_response(
        status,
        "post",
        "https://api.example.invalid/api/v1/x?client_secret=s",
        Some(&retry_after),
        body,
    );
    let _ = (err.to_string(), err.is_retryable(), err.retry_after());

    let _ = parse_retry_after(&retry_after);
    for format in [
        RetryAfterFormat::Seconds,
        RetryAfterFormat::Milliseconds,
        RetryAfterFormat::UnixTimestamp,
    ] {
        let mut policy = RetryPolicy::default();
        policy.retry_after_format = format;
        let _ = policy.parse_wait_hint(&retry_after);
    }
});
