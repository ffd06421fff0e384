//! [`Patch`]: the data of a create or an update, with the keys it unsets.
//!
//! The reference merges with object spreads (`{...existing, ...data}`), where a key set to
//! `undefined` is copied like any other: it keeps (or takes) its place in the record, a
//! normalization that assigns the key later fills that place, and `JSON.stringify` drops it if
//! nothing did. A `Patch` says the same in types: every key in the caller's order, each either
//! set to a value or unset. The working record of one operation is a `Patch` too (the result
//! of [`Patch::spread_over`]); what is stored is [`Patch::into_record`], which never holds an
//! unset key.

use serde_json::Value;

use super::Object;

/// Fields to set and keys to unset, in the caller's order.
///
/// ```
/// use pie_storage_core::connections::Patch;
/// use serde_json::json;
///
/// // `updateProviderConnection(id, {priority: 2, lastError: undefined})`
/// let patch = Patch::new().set("priority", json!(2)).unset("lastError");
/// assert_eq!(patch.get("priority"), Some(&json!(2)));
/// assert!(patch.is_unset("lastError"));
/// assert_eq!(patch.get("lastError"), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Patch {
    /// Every key in order; an unset key holds `null` here only to keep its place.
    fields: Object,
    /// The unset keys (few: a linear scan beats a set).
    unset: Vec<String>,
}

impl Patch {
    /// An empty patch.
    pub fn new() -> Self {
        Patch::default()
    }

    /// Sets `key` to `value` (in place if the key is already there).
    pub fn set(mut self, key: impl Into<String>, value: Value) -> Self {
        self.assign(key.into(), value);
        self
    }

    /// Unsets `key`: the record loses it, as with `{key: undefined}` in JavaScript.
    pub fn unset(mut self, key: impl Into<String>) -> Self {
        let key = key.into();
        if !self.is_unset(&key) {
            self.unset.push(key.clone());
        }
        self.fields.insert(key, Value::Null);
        self
    }

    /// The value `key` is set to; `None` when it is unset or absent.
    pub fn get(&self, key: &str) -> Option<&Value> {
        if self.is_unset(key) {
            return None;
        }
        self.fields.get(key)
    }

    /// Whether `key` is unset.
    pub fn is_unset(&self, key: &str) -> bool {
        self.unset.iter().any(|k| k == key)
    }

    /// Whether the patch names no key at all.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Every key in order with its value, `None` for an unset key.
    pub fn entries(&self) -> impl Iterator<Item = (&str, Option<&Value>)> {
        self.fields.iter().map(|(k, v)| {
            let value = (!self.is_unset(k)).then_some(v);
            (k.as_str(), value)
        })
    }

    /// `{...record, ...self}`: the record's keys, then this patch's in order; an unset key
    /// stays unset in the result, in place.
    pub(crate) fn spread_over(&self, record: &Patch) -> Patch {
        let mut out = record.clone();
        for (key, value) in self.entries() {
            out = match value {
                Some(value) => out.set(key, value.clone()),
                None => out.unset(key),
            };
        }
        out
    }

    /// Sets `key` in place (its place kept if it was unset), as an assignment does.
    pub(crate) fn assign(&mut self, key: String, value: Value) {
        self.unset.retain(|k| *k != key);
        self.fields.insert(key, value);
    }

    /// Removes `key`, wherever it was (a `delete` or the protected-field rule).
    pub(crate) fn remove(&mut self, key: &str) {
        self.unset.retain(|k| k != key);
        self.fields.shift_remove(key);
    }

    /// The record `JSON.stringify` would write: the set fields, unset keys dropped.
    pub fn into_record(mut self) -> Object {
        for key in &self.unset {
            self.fields.shift_remove(key);
        }
        self.fields
    }

    /// The set fields alone, as a record (a copy of [`Patch::into_record`]).
    pub fn to_record(&self) -> Object {
        self.clone().into_record()
    }
}

/// Every field of `record` set.
impl From<Object> for Patch {
    fn from(record: Object) -> Self {
        Patch {
            fields: record,
            unset: Vec::new(),
        }
    }
}

/// Every field of `record` set.
impl From<&Object> for Patch {
    fn from(record: &Object) -> Self {
        Patch::from(record.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> Object {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn spread_keeps_places_and_a_later_assignment_fills_an_unset_key_in_place() {
        let record = object(json!({"a": 1, "b": 2, "c": 3}));
        let patch = Patch::new().unset("b").set("d", json!(4)).unset("e");
        let mut merged = patch.spread_over(&Patch::from(record));
        assert_eq!(merged.get("b"), None);
        assert_eq!(
            serde_json::to_string(&merged.to_record()).unwrap(),
            r#"{"a":1,"c":3,"d":4}"#
        );
        merged.assign("e".into(), json!(5));
        merged.assign("b".into(), json!(6));
        assert_eq!(
            serde_json::to_string(&merged.into_record()).unwrap(),
            r#"{"a":1,"b":6,"c":3,"d":4,"e":5}"#
        );
    }

    #[test]
    fn set_after_unset_and_unset_after_set() {
        let p = Patch::new().unset("a").set("a", json!(1));
        assert_eq!(p.get("a"), Some(&json!(1)));
        let p = p.unset("a");
        assert!(p.is_unset("a"));
        assert!(p.into_record().is_empty());
    }
}
