//! Request JSON read strictly: a key given twice is refused instead of the
//! last one silently winning (two parsers in a chain could each see a
//! different value), and no string may hold a NUL character (git, C
//! libraries and terminals all cut text there).

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Why a body is not acceptable JSON.
#[derive(Debug)]
pub enum Refusal {
    Syntax(serde_json::Error),
    /// The key that appears twice, and the object it is in ("" at the top).
    DuplicateKey {
        key: String,
    },
    /// The top-level field whose value holds a NUL character.
    Nul {
        field: String,
    },
}

const DUPLICATE: &str = "duplicate key ";

pub fn parse(bytes: &[u8]) -> Result<Value, Refusal> {
    let value = match serde_json::from_slice::<Strict>(bytes) {
        Ok(Strict(v)) => v,
        Err(e) => {
            let text = e.to_string();
            return Err(match text.strip_prefix(DUPLICATE) {
                Some(rest) => {
                    let encoded = rest.rsplit_once(" at line ").map_or(rest, |(k, _)| k);
                    let key = serde_json::from_str(encoded).unwrap_or_else(|_| encoded.to_string());
                    Refusal::DuplicateKey { key }
                }
                None => Refusal::Syntax(e),
            });
        }
    };
    if let Value::Object(map) = &value {
        if let Some((field, _)) = map.iter().find(|(k, v)| k.contains('\0') || holds_nul(v)) {
            return Err(Refusal::Nul {
                field: field.clone(),
            });
        }
    } else if holds_nul(&value) {
        return Err(Refusal::Nul {
            field: "body".into(),
        });
    }
    Ok(value)
}

fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let Strict(value) = access.next_value()?;
            if map.contains_key(&key) {
                let encoded = serde_json::to_string(&key).unwrap_or_default();
                return Err(de::Error::custom(format!("{DUPLICATE}{encoded}")));
            }
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_named() {
        match parse(br#"{"title": "a", "asA": "b", "title": "c"}"#) {
            Err(Refusal::DuplicateKey { key }) => assert_eq!(key, "title"),
            other => panic!("{other:?}"),
        }
        match parse(br#"{"a": {"x\"y": 1, "x\"y": 2}}"#) {
            Err(Refusal::DuplicateKey { key }) => assert_eq!(key, "x\"y"),
            other => panic!("{other:?}"),
        }
        assert!(parse(br#"{"a": {"k": 1}, "b": {"k": 2}}"#).is_ok());
    }

    #[test]
    fn a_nul_character_is_named_by_its_field() {
        match parse(br#"{"title": "ok", "steps": ["a\u0000b"]}"#) {
            Err(Refusal::Nul { field }) => assert_eq!(field, "steps"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn numbers_and_nesting_survive() {
        let v =
            parse(br#"{"n": 18446744073709551615, "f": 1.5, "m": -3, "a": [null, true]}"#).unwrap();
        assert_eq!(v["n"].as_u64(), Some(u64::MAX));
        assert_eq!(v["f"].as_f64(), Some(1.5));
        assert_eq!(v["m"].as_i64(), Some(-3));
    }
}
