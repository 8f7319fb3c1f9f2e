//! Decoding a list's records straight from their JSON text into typed
//! records, one pass, no [`Value`] tree (see
//! [`ResultData::Records`](crate::executor::ResultData::Records)).

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// Decodes a JSON array of record objects.
pub(super) fn decode_records<T: DeserializeOwned>(text: &str) -> serde_json::Result<Vec<T>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let records = Records::<T>(PhantomData).deserialize(&mut de)?;
    de.end()?;
    Ok(records)
}

struct Records<T>(PhantomData<fn() -> T>);

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Records<T> {
    type Value = Vec<T>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Records<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(record) = seq.next_element_seed(Record::<T>(PhantomData))? {
            out.push(record);
        }
        Ok(out)
    }
}

/// One record: an object, decoded as `T` directly. Anything else fails,
/// and [`decode_json_page`](super::decode_json_page) then takes the
/// generic path, which wraps such records as `{"value": x}`.
struct Record<T>(PhantomData<fn() -> T>);

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Record<T> {
    type Value = T;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Record<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::value::RawValue;
    use serde_json::{Value, json};

    use super::*;
    use crate::executor::{JsonResult, ResultData};
    use crate::local::extract::wrap_primitives;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Rec {
        id: i64,
        #[serde(default)]
        name: Option<String>,
        #[serde(flatten)]
        extra: serde_json::Map<String, Value>,
    }

    #[test]
    fn objects_decode_directly_and_the_rest_wrapped() {
        let text = r#"[{"id":1,"name":"a","x":[1]}, 5, "s", null, [1,2], true, 1.5]"#;
        // Non-objects fail here, and the page decoder falls back to the
        // generic path, which wraps them.
        assert!(decode_records::<Value>(text).is_err());
        let kept = RawValue::from_string(text.to_string()).unwrap();
        let result = JsonResult {
            data: ResultData::Records(kept),
            meta: None,
        };
        let direct = super::super::decode_json_page::<Value>("c", "list", result).unwrap();
        let generic = wrap_primitives(serde_json::from_str(text).unwrap());
        assert_eq!(Value::Array(direct.records), generic);
        let recs: Vec<Rec> = decode_records(r#"[{"id":1,"name":"a","x":[1]},{"id":2}]"#).unwrap();
        assert_eq!(
            recs[0].extra,
            json!({"x": [1]}).as_object().unwrap().clone()
        );
        assert_eq!(recs[1].name, None);
    }

    #[test]
    fn what_does_not_match_fails() {
        let err = decode_records::<Rec>(r#"[{"id":1},{"id":2},{"id":"x"}]"#).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
        assert!(decode_records::<Rec>(r#"[{"id":1}, 7]"#).is_err());
        assert!(decode_records::<Rec>(r#"{"id":1}"#).is_err());
        assert!(decode_records::<Rec>(r#"[{"id":1}] x"#).is_err());
    }
}
