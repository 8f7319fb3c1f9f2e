//! Decoding a list's records straight from their JSON text into typed
//! records, one pass, no [`Value`] tree (see
//! [`ResultData::Records`](crate::executor::ResultData::Records)).

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

/// Decodes a JSON array of records. Elements that are not objects decode
/// as `{"value": element}`, as the generic result wraps them.
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

/// One record: an object decodes as `T` directly, anything else is
/// wrapped first.
struct Record<T>(PhantomData<fn() -> T>);

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Record<T> {
    type Value = T;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn wrapped<T: DeserializeOwned, E: de::Error>(value: Value) -> Result<T, E> {
    let mut record = serde_json::Map::new();
    record.insert("value".to_string(), value);
    serde_json::from_value(Value::Object(record)).map_err(E::custom)
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Record<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        wrapped(Value::Array(items))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        wrapped(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        wrapped(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        wrapped(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        wrapped(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        wrapped(Value::String(v.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        wrapped(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
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
        let direct: Vec<Value> = decode_records(text).unwrap();
        let generic = wrap_primitives(serde_json::from_str(text).unwrap());
        assert_eq!(Value::Array(direct), generic);
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
