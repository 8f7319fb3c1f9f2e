//! Query and path encoding: arbitrary parameters through request building
//! for operations with path, query (arrays, deepObject), header, JSON and
//! form parameters, plus round-trip properties of the encoders.
//!
//! Input: a JSON object of parameters, or any text (used as every value).
#![no_main]

use std::sync::OnceLock;

use airbyte_agent_sdk::definition;
use airbyte_agent_sdk::local::operation::OperationSpec;
use airbyte_agent_sdk::local::query::{
    PATH_SAFE, QUERY_SAFE, normalize, quote, quote_plus, urlencode,
};
use airbyte_agent_sdk::local::request::prepare_standard;
use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

/// A definition written for this target (not an upstream one) covering the
/// parameter styles upstream definitions use.
const DEFINITION: &str = r#"openapi: 3.1.0
info:
  title: Encoding
  version: 1.0.0
  x-airbyte-connector-name: encoding
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-00000000e1c0
servers:
  - url: https://api.example.invalid/v1
paths:
  /items/{id}/notes/{note}:
    get:
      x-airbyte-entity: notes
      x-airbyte-action: get
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: note, in: path, required: true, schema: {type: integer}}
        - {name: q, in: query, schema: {type: string}}
        - {name: tags, in: query, schema: {type: array, items: {type: string}}}
        - {name: filter, in: query, style: deepObject, explode: true, schema: {type: object}}
        - {name: X-Trace, in: header, schema: {type: string}}
  /items:
    post:
      x-airbyte-entity: items
      x-airbyte-action: create
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: string}
                meta: {type: object}
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      parameters:
        - {name: limit, in: query, schema: {type: integer, default: 10}}
        - {name: cursor, in: query, schema: {type: string}}
        - {name: status, in: query, schema: {type: string, enum: [open, closed]}}
  /forms:
    post:
      x-airbyte-entity: forms
      x-airbyte-action: create
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                name: {type: string}
                nested: {type: object}
"#;

fn operations() -> &'static [OperationSpec] {
    static OPS: OnceLock<Vec<OperationSpec>> = OnceLock::new();
    OPS.get_or_init(|| {
        let def = definition::load_str(DEFINITION).expect("the target's definition loads");
        def.entities
            .iter()
            .flat_map(|e| e.operations.values())
            .map(OperationSpec::from_definition)
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_encoders(&text);

    let params: Map<String, Value> = match serde_json::from_slice(data) {
        Ok(Value::Object(map)) => map,
        _ => {
            let t = Value::String(text.to_string());
            let obj = json!({"id": t, "note": 7, "q": t, "tags": [t, t], "filter": {"k": t},
                             "X-Trace": t, "name": t, "meta": {"k": t}, "cursor": t,
                             "nested": {"a": {"b": t}}});
            obj.as_object().cloned().unwrap_or_default()
        }
    };
    let config = Map::new();
    for op in operations() {
        let Ok(req) = prepare_standard(op, "https://api.example.invalid/v1", &params, &config)
        else {
            continue;
        };
        // Whatever the values, the encoded URL stays on the API's origin.
        let url = url::Url::parse(&req.url)
            .unwrap_or_else(|e| panic!("unparsable request URL {:?}: {e}", req.url));
        assert_eq!(url.host_str(), Some("api.example.invalid"), "{}", req.url);
        assert!(url.path().starts_with("/v1/"), "{}", req.url);
    }
});

/// Properties the percent-encoders must have for any text.
fn check_encoders(s: &str) {
    let decode = |e: &str| percent_decode_str(e).decode_utf8().map(|c| c.into_owned());
    for safe in ["", PATH_SAFE, QUERY_SAFE] {
        let quoted = quote(s, safe);
        assert!(quoted.is_ascii(), "quote({s:?}) = {quoted:?}");
        assert_eq!(
            decode(&quoted).as_deref(),
            Ok(s),
            "quote round trip, safe {safe:?}"
        );
        let once = normalize(s, safe);
        assert_eq!(
            normalize(&once, safe),
            once,
            "normalize is idempotent for {s:?}"
        );
    }
    let plus = quote_plus(s);
    let parsed: Vec<(String, String)> = url::form_urlencoded::parse(format!("k={plus}").as_bytes())
        .into_owned()
        .collect();
    assert_eq!(
        parsed,
        vec![("k".to_string(), s.to_string())],
        "quote_plus round trip"
    );
    let pairs = vec![
        (s.to_string(), s.to_string()),
        ("a b".to_string(), s.to_string()),
    ];
    let back: Vec<(String, String)> = url::form_urlencoded::parse(urlencode(&pairs).as_bytes())
        .into_owned()
        .collect();
    assert_eq!(back, pairs, "urlencode round trip");
}
