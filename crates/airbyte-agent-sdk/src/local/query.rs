//! Percent-encoding and query-string serialization.
//!
//! The rules reproduce what vendors received from the reference engine
//! (Python `urllib.parse.quote` for path segments, `urlencode` for query
//! strings and form bodies, and the HTTP client's normalization of the final
//! URL), so that requests are byte-for-byte comparable.

use serde_json::{Map, Value};

use super::pystr::{form_text, py_str};

/// Characters `urllib.parse.quote` never encodes.
fn always_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~')
}

/// Characters kept by the HTTP client when normalizing a path.
pub const PATH_SAFE: &str = "!$&'()*+,;=:/[]@";
/// Characters kept by the HTTP client when normalizing a query string.
pub const QUERY_SAFE: &str = "!$&'()*+,;=:/?[]@";

/// Percent-encodes every byte of `s` except unreserved characters and `safe`
/// (like Python's `urllib.parse.quote(s, safe=...)`), upper-case hex.
pub fn quote(s: &str, safe: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if always_safe(b) || (b.is_ascii() && safe.as_bytes().contains(&b)) {
            out.push(b as char);
        } else {
            push_escape(&mut out, b);
        }
    }
    out
}

/// `quote` with spaces turned into `+` (form encoding).
pub fn quote_plus(s: &str) -> String {
    quote(s, " ").replace(' ', "+")
}

fn push_escape(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 0xf) as usize] as char);
}

/// Encodes whatever is not yet encoded: existing `%XX` escapes are kept, every
/// other byte outside the unreserved set and `safe` is escaped. Idempotent.
pub fn normalize(s: &str, safe: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            out.push_str(&s[i..i + 3]);
            i += 3;
            continue;
        }
        if always_safe(b) || (b.is_ascii() && safe.as_bytes().contains(&b)) {
            out.push(b as char);
        } else {
            push_escape(&mut out, b);
        }
        i += 1;
    }
    out
}

/// `application/x-www-form-urlencoded` text of `name=value` pairs.
pub fn urlencode(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&quote_plus(k));
        out.push('=');
        out.push_str(&quote_plus(v));
    }
    out
}

/// Flattens named values into wire pairs: arrays repeat the name (one pair
/// per item), booleans are `true`/`false`, `null` is empty, objects and
/// nested arrays are rendered as text.
pub fn to_pairs(values: &[(String, Value)]) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (name, value) in values {
        match value {
            Value::Array(items) => {
                for item in items {
                    pairs.push((name.clone(), form_text(item)));
                }
            }
            other => pairs.push((name.clone(), form_text(other))),
        }
    }
    pairs
}

/// How an array query parameter is written (OpenAPI `style` + `explode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayStyle {
    /// `a=1&a=2` (form, explode; the default).
    Repeat,
    /// `a=1,2` (form without explode).
    Comma,
    /// `a=1 2` (spaceDelimited).
    Space,
    /// `a=1|2` (pipeDelimited).
    Pipe,
}

impl ArrayStyle {
    /// The style for an OpenAPI `style`/`explode` pair. Unknown styles
    /// (including `deepObject`) leave arrays repeated.
    pub fn from_openapi(style: Option<&str>, explode: Option<bool>) -> Self {
        let style = style.unwrap_or("form");
        let explode = explode.unwrap_or(style == "form");
        match style {
            "form" if explode => ArrayStyle::Repeat,
            "form" => ArrayStyle::Comma,
            "spaceDelimited" => ArrayStyle::Space,
            "pipeDelimited" => ArrayStyle::Pipe,
            _ => ArrayStyle::Repeat,
        }
    }

    /// Joins an array value per this style; other values pass through.
    pub fn apply(self, value: Value) -> Value {
        let sep = match self {
            ArrayStyle::Repeat => return value,
            ArrayStyle::Comma => ",",
            ArrayStyle::Space => " ",
            ArrayStyle::Pipe => "|",
        };
        match value {
            Value::Array(items) => {
                Value::String(items.iter().map(py_str).collect::<Vec<_>>().join(sep))
            }
            other => other,
        }
    }
}

/// Expands `deepObject` parameters: `{"created": {"gte": 1}}` becomes
/// `created[gte]=1`. Sub-values that are `null` are dropped; non-object
/// values pass through unchanged.
pub fn expand_deep_objects(values: Vec<(String, Value)>, deep: &[String]) -> Vec<(String, Value)> {
    let mut out = Vec::with_capacity(values.len());
    for (name, value) in values {
        match value {
            Value::Object(map) if deep.iter().any(|d| d == &name) => {
                for (sub, v) in map {
                    if !v.is_null() {
                        out.push((format!("{name}[{sub}]"), v));
                    }
                }
            }
            other => out.push((name, other)),
        }
    }
    out
}

/// Rest.li 2.0 query string: structured values (`(...)`, `List(...)`) keep
/// their parentheses, colons, commas and pre-encoded `%` escapes literal.
pub fn restli_query(values: &[(String, Value)]) -> String {
    values
        .iter()
        .map(|(k, v)| {
            let text = py_str(v);
            let encoded = if text.starts_with('(') || text.starts_with("List(") {
                quote(&text, "():,%")
            } else {
                quote(&text, ",")
            };
            format!("{}={}", quote(k, ""), encoded)
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Joins the base URL and a path (or takes an absolute URL as is), then sets
/// the query: with `Some(values)` the URL's own query is replaced by the
/// encoded values (even when empty), with `None` it is kept. The result is
/// normalized (anything not yet percent-encoded is encoded).
pub fn finish_url(base_url: &str, path: &str, query: Option<&[(String, Value)]>) -> String {
    let joined = if path.starts_with("http://") || path.starts_with("https://") {
        path.to_string()
    } else {
        format!("{base_url}{path}")
    };
    let (without_fragment, _) = joined.split_once('#').unwrap_or((joined.as_str(), ""));
    let (head, own_query) = match without_fragment.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (without_fragment, None),
    };
    let (origin, path_part) = split_origin(head);
    let mut url = format!("{origin}{}", normalize(path_part, PATH_SAFE));
    let query_text = match query {
        Some(values) => Some(urlencode(&to_pairs(values))),
        None => own_query.map(|q| normalize(q, QUERY_SAFE)),
    };
    if let Some(q) = query_text.filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(&q);
    }
    url
}

/// Splits `scheme://authority` from the path of a URL without a query.
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, ""),
    }
}

/// Builds the query values of an operation from the caller's parameters,
/// in the caller's order, keeping only declared query parameters.
pub fn select_declared(params: &Map<String, Value>, declared: &[&str]) -> Vec<(String, Value)> {
    params
        .iter()
        .filter(|(k, _)| declared.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn quote_matches_urllib() {
        assert_eq!(quote("a b/c", ""), "a%20b%2Fc");
        assert_eq!(quote("é~_.-", ""), "%C3%A9~_.-");
        assert_eq!(quote("a,b", ","), "a,b");
        assert_eq!(quote_plus("a b+c"), "a+b%2Bc");
    }

    #[test]
    fn urlencode_matches_httpx() {
        let values = vec![
            ("a".to_string(), json!(true)),
            ("b".to_string(), json!(null)),
            ("c".to_string(), json!([1, "x y", 2.5])),
            ("d".to_string(), json!({"k": "v"})),
            ("e".to_string(), json!("é/:,~*")),
            ("f".to_string(), json!(1.0)),
        ];
        assert_eq!(
            urlencode(&to_pairs(&values)),
            "a=true&b=&c=1&c=x+y&c=2.5&d=%7B%27k%27%3A+%27v%27%7D&e=%C3%A9%2F%3A%2C~%2A&f=1.0"
        );
    }

    #[test]
    fn finish_url_rules() {
        let q = vec![("a".to_string(), json!(1))];
        assert_eq!(
            finish_url("https://x.io", "/p?z=1%2C2", Some(&q)),
            "https://x.io/p?a=1"
        );
        assert_eq!(
            finish_url("https://x.io", "/p?z=1%2C2&y=a b", None),
            "https://x.io/p?z=1%2C2&y=a%20b"
        );
        assert_eq!(
            finish_url("https://x.io", "/p?z=1", Some(&[])),
            "https://x.io/p"
        );
        assert_eq!(
            finish_url("https://x.io", "/p/{x}?q=(a:b,c:List(urn%3Ali))", None),
            "https://x.io/p/%7Bx%7D?q=(a:b,c:List(urn%3Ali))"
        );
        assert_eq!(
            finish_url("https://x.io/base", "https://cdn.io/f a", None),
            "https://cdn.io/f%20a"
        );
        assert_eq!(
            finish_url("http://127.0.0.1:9", "", None),
            "http://127.0.0.1:9"
        );
    }

    #[test]
    fn array_styles() {
        let v = json!(["a", 1, true]);
        assert_eq!(ArrayStyle::from_openapi(None, None).apply(v.clone()), v);
        assert_eq!(
            ArrayStyle::from_openapi(Some("form"), Some(false)).apply(v.clone()),
            json!("a,1,True")
        );
        assert_eq!(
            ArrayStyle::from_openapi(Some("pipeDelimited"), None).apply(v.clone()),
            json!("a|1|True")
        );
        assert_eq!(
            ArrayStyle::from_openapi(Some("spaceDelimited"), None).apply(v.clone()),
            json!("a 1 True")
        );
        assert_eq!(
            ArrayStyle::from_openapi(Some("deepObject"), Some(true)).apply(v.clone()),
            v
        );
    }

    #[test]
    fn deep_objects_and_restli() {
        let values = vec![
            (
                "created".to_string(),
                json!({"gte": 1, "lt": null, "lte": 2}),
            ),
            ("limit".to_string(), json!(3)),
        ];
        let out = expand_deep_objects(values, &["created".to_string()]);
        assert_eq!(
            urlencode(&to_pairs(&out)),
            "created%5Bgte%5D=1&created%5Blte%5D=2&limit=3"
        );
        let r = vec![
            ("q".to_string(), json!("search")),
            ("dateRange".to_string(), json!("(start:(year:2023))")),
            ("campaigns".to_string(), json!("List(urn%3Ali%3A1)")),
            ("x".to_string(), json!("a,b c")),
        ];
        assert_eq!(
            restli_query(&r),
            "q=search&dateRange=(start:(year:2023))&campaigns=List(urn%3Ali%3A1)&x=a,b%20c"
        );
    }

    proptest! {
        #[test]
        fn quote_with_no_safe_chars_round_trips(s in ".*") {
            let encoded = quote(&s, "");
            prop_assert!(encoded.bytes().all(|b| always_safe(b) || b == b'%'));
            let decoded = percent_decode(&encoded);
            prop_assert_eq!(decoded, s);
        }

        #[test]
        fn normalize_is_idempotent(s in ".*") {
            let once = normalize(&s, PATH_SAFE);
            prop_assert_eq!(normalize(&once, PATH_SAFE), once.clone());
            let q = normalize(&s, QUERY_SAFE);
            prop_assert_eq!(normalize(&q, QUERY_SAFE), q);
        }

        #[test]
        fn urlencode_round_trips_through_url_crate(k in ".{0,12}", v in ".{0,24}") {
            let text = urlencode(&[(k.clone(), v.clone())]);
            let parsed: Vec<(String, String)> = url::form_urlencoded::parse(text.as_bytes())
                .map(|(a, b)| (a.into_owned(), b.into_owned()))
                .collect();
            prop_assert_eq!(parsed, vec![(k, v)]);
        }

        #[test]
        fn path_segment_never_leaks_separators(s in ".*") {
            // Dot segments cannot survive URL parsing at all; the request
            // builder refuses them (see `build_path`).
            prop_assume!(s != "." && s != "..");
            let seg = quote(&s, "");
            prop_assert!(!seg.contains('/') && !seg.contains('?') && !seg.contains('#'));
            let url = finish_url("http://127.0.0.1:1", &format!("/a/{seg}/b"), None);
            let parsed = url::Url::parse(&url).unwrap();
            let segments: Vec<&str> = parsed.path_segments().unwrap().collect();
            prop_assert_eq!(segments.len(), 3);
            prop_assert_eq!(percent_decode(segments[1]), s);
        }
    }

    fn percent_decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}
