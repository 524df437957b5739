//! Serde helpers for reading JSON that other programs wrote (another tool's
//! SARIF, an event payload): a field that is absent or of another type reads
//! as its default instead of failing the whole document. Use them as
//! `#[serde(default, deserialize_with = "...")]` on each field.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::Value;

/// `T` when the value reads as one, else `T::default()`.
fn any<T: DeserializeOwned + Default>(v: Value) -> T {
    T::deserialize(v).unwrap_or_default()
}

/// Like [`any`], for a struct: only from an object (serde would also read
/// one from a list, by position).
fn obj<T: DeserializeOwned + Default>(v: Value) -> T {
    match v {
        Value::Object(_) => any(v),
        _ => T::default(),
    }
}

/// A scalar or any other value: `T`, or its default.
pub fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(any(Value::deserialize(d)?))
}

/// A struct (or an optional one): read only from an object.
pub fn object<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(obj(Value::deserialize(d)?))
}

/// The entries of a list, each an object read leniently; not a list: empty.
pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(some_list(d)?.unwrap_or_default())
}

/// Like [`list`], but `None` when the value is not a list at all.
pub fn some_list<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => Some(items.into_iter().map(obj).collect()),
        _ => None,
    })
}

/// The values of an object, each read by `read`; not an object: empty.
fn values<T>(v: Value, read: fn(Value) -> T) -> BTreeMap<String, T> {
    match v {
        Value::Object(m) => m.into_iter().map(|(k, v)| (k, read(v))).collect(),
        _ => BTreeMap::new(),
    }
}

/// An object's values, each read leniently.
pub fn map<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<BTreeMap<String, T>, D::Error> {
    Ok(values(Value::deserialize(d)?, any))
}

/// An object's values, each a struct read only from an object.
pub fn object_map<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<BTreeMap<String, T>, D::Error> {
    Ok(values(Value::deserialize(d)?, obj))
}
