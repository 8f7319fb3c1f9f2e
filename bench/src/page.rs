//! Stripe-shaped customer records, generated from their index so any
//! number of them costs no memory to serve.

use std::fmt::Write as _;

/// The first `created` timestamp; record `i` was created `i` seconds earlier
/// (lists are newest first).
const NEWEST: u64 = 1_764_000_000;

const FIRST_NAMES: &[&str] = &[
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken",
];
const LAST_NAMES: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
];

/// The id of customer `i`: `cus_` and 14 base-36 digits, like Stripe's.
pub fn customer_id(i: u64) -> String {
    let mut n = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i;
    let mut digits = [b'0'; 14];
    for d in digits.iter_mut().rev() {
        *d = b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize];
        n /= 36;
    }
    // Unique per index: the last 6 digits are the index itself.
    let tail = format!("{:06}", i % 1_000_000);
    let mut id = String::from("cus_");
    id.push_str(std::str::from_utf8(&digits[..8]).unwrap_or("00000000"));
    id.push_str(&tail);
    id
}

/// Index of a customer id made by [`customer_id`], among `total` records.
pub fn customer_index(id: &str, total: u64) -> Option<u64> {
    let tail: u64 = id.get(12..)?.parse().ok()?;
    // Ids repeat their tail every million records; search that residue class.
    (tail..total)
        .step_by(1_000_000)
        .find(|&i| customer_id(i) == id)
}

/// Appends customer `i` as compact JSON (about 250 bytes, the size of a sparse Stripe customer).
pub fn write_customer(out: &mut String, i: u64) {
    let first = FIRST_NAMES[(i % 8) as usize];
    let last = LAST_NAMES[(i / 8 % 8) as usize];
    let _ = write!(
        out,
        r#"{{"id":"{id}","object":"customer","balance":{balance},"created":{created},"currency":"eur","delinquent":{delinquent},"description":null,"email":"{fl}.{ll}{i}@example.com","livemode":false,"metadata":{{"tier":"{tier}"}},"name":"{first} {last}","phone":null}}"#,
        id = customer_id(i),
        balance = (i % 13) as i64 * 100 - 600,
        created = NEWEST - i,
        delinquent = i.is_multiple_of(17),
        fl = first.to_ascii_lowercase(),
        ll = last.to_ascii_lowercase(),
        tier = ["free", "pro", "enterprise"][(i % 3) as usize],
    );
}

/// A Stripe list page: records `start..start + len` (clamped to `total`).
pub fn list_page(start: u64, len: u64, total: u64) -> String {
    let end = start.saturating_add(len).min(total);
    let mut out = String::with_capacity(((end - start.min(end)) as usize + 1) * 300);
    out.push_str(r#"{"object":"list","data":["#);
    for i in start..end {
        if i > start {
            out.push(',');
        }
        write_customer(&mut out, i);
    }
    let _ = write!(
        out,
        r#"],"has_more":{},"url":"/v1/customers"}}"#,
        end < total
    );
    out
}
