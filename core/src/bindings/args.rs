//! The arguments a JavaScript caller passed, decoded from their wire form.
//!
//! JSON has no `undefined`, yet the reference tells `{key: undefined}` from a missing key
//! (`{...current, ...updates}` copies it, then `??` applies the default) and a missing argument
//! from `null` (default parameters). The JavaScript glue therefore sends arguments as JSON in
//! which
//!
//! - `{"__pieUndefined": true}` (that one key) is `undefined`, and
//! - `{"__pieLiteral": v}` (that one key) is the object `v` itself: the glue wraps every real
//!   object whose only key is `__pieUndefined` or `__pieLiteral`, so any value a caller holds,
//!   including one read back from a file, crosses unchanged.
//!
//! This is the only place that reads that form. What leaves it is typed: a missing or
//! `undefined` argument is `None`, an `undefined` below the top level is gone as in
//! `JSON.stringify` (object keys dropped, array elements `null`), and the keys an update sets
//! to `undefined` are a [`Patch`]'s unset keys.

use serde_json::Value;

use crate::connections::{Object, Patch};
use crate::error::{Error, ErrorCode, Result};

const UNDEFINED: &str = "__pieUndefined";
const LITERAL: &str = "__pieLiteral";

/// What one wire value is.
enum Wire<'a> {
    Undefined,
    /// An escaped object, to be taken as it is at its top level.
    Literal(&'a Object),
    Plain(&'a Value),
}

fn wire(v: &Value) -> Wire<'_> {
    if let Value::Object(map) = v {
        if map.len() == 1 {
            if map.get(UNDEFINED) == Some(&Value::Bool(true)) {
                return Wire::Undefined;
            }
            if let Some(Value::Object(inner)) = map.get(LITERAL) {
                return Wire::Literal(inner);
            }
        }
    }
    Wire::Plain(v)
}

/// The value `v` stands for, with every `undefined` below it resolved as `JSON.stringify`
/// resolves it; `None` when `v` itself is `undefined`.
fn decode(v: &Value) -> Option<Value> {
    match wire(v) {
        Wire::Undefined => None,
        Wire::Literal(map) => Some(Value::Object(decode_entries(map))),
        Wire::Plain(Value::Object(map)) => Some(Value::Object(decode_entries(map))),
        Wire::Plain(Value::Array(items)) => Some(Value::Array(
            items
                .iter()
                .map(|item| decode(item).unwrap_or(Value::Null))
                .collect(),
        )),
        Wire::Plain(other) => Some(other.clone()),
    }
}

fn decode_entries(map: &Object) -> Object {
    map.iter()
        .filter_map(|(k, v)| decode(v).map(|v| (k.clone(), v)))
        .collect()
}

/// The object a wire value stands for, entries still in wire form; `None` for non-objects.
fn wire_object(v: &Value) -> Option<&Object> {
    match wire(v) {
        Wire::Literal(map) | Wire::Plain(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// One value from its wire form (a seed, a summary's input); `None` for `undefined`.
pub fn decode_value(wire: &Value) -> Option<Value> {
    decode(wire)
}

/// Positional arguments of one call, decoded.
pub struct Args {
    /// The npm name of the call, for messages.
    op: String,
    wire: Vec<Value>,
    values: Vec<Option<Value>>,
}

impl Args {
    /// The arguments of `op` as the glue sent them (see the module documentation).
    pub fn from_wire(op: &str, wire: Vec<Value>) -> Self {
        let values = wire.iter().map(decode).collect();
        Args {
            op: op.to_owned(),
            wire,
            values,
        }
    }

    /// Arguments that hold no `undefined` (Rust callers, tests).
    pub fn plain(op: &str, values: &[Value]) -> Self {
        Args {
            op: op.to_owned(),
            wire: values.to_vec(),
            values: values.iter().cloned().map(Some).collect(),
        }
    }

    /// The npm name of the call.
    pub fn op(&self) -> &str {
        &self.op
    }

    /// Argument `at`; `None` when it is missing or `undefined`.
    pub fn get(&self, at: usize) -> Option<&Value> {
        self.values.get(at).and_then(Option::as_ref)
    }

    /// The first argument.
    pub fn first(&self) -> Option<&Value> {
        self.get(0)
    }

    /// Argument `at` as a string, `None` for anything else.
    pub fn text(&self, at: usize) -> Option<String> {
        self.get(at).and_then(Value::as_str).map(str::to_owned)
    }

    /// Argument `at` as a number, `None` for anything else.
    pub fn number(&self, at: usize) -> Option<f64> {
        self.get(at).and_then(Value::as_f64)
    }

    /// A filter or options object: `{}` when missing, `undefined`, `null` or not an object.
    pub fn object_or_empty(&self, at: usize) -> Object {
        self.get(at)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    /// A record id, as `String(id)` (`""` when missing or `null`).
    pub fn id(&self, at: usize) -> String {
        match self.get(at) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => crate::js_value::to_js_string(other),
        }
    }

    /// Record data for a create (`required`) or an update: an object, as a [`Patch`] whose
    /// unset keys are the ones the caller set to `undefined`. An update also takes a missing
    /// or `null` argument as `{}`; anything else (a string, number or array) is an error,
    /// since it would create or patch a record with nothing in it.
    pub fn patch(&self, at: usize, required: bool) -> Result<Patch> {
        let arg = self.wire.get(at);
        if let Some(map) = arg.and_then(wire_object) {
            let mut patch = Patch::new();
            for (key, value) in map {
                patch = match decode(value) {
                    Some(value) => patch.set(key, value),
                    None => patch.unset(key),
                };
            }
            return Ok(patch);
        }
        match self.get(at) {
            Some(Value::Null) | None if !required => Ok(Patch::new()),
            _ => Err(Error::new(
                ErrorCode::InvalidInput,
                format!("{}: the record data must be an object", self.op),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Args {
        match v {
            Value::Array(items) => Args::from_wire("op", items),
            other => panic!("not an array: {other}"),
        }
    }

    #[test]
    fn undefined_is_missing_at_the_top_and_as_json_stringify_below() {
        let a = args(json!([
            {"__pieUndefined": true},
            null,
            {"a": {"__pieUndefined": true}, "b": [{"__pieUndefined": true}, 1]}
        ]));
        assert_eq!(a.get(0), None);
        assert_eq!(a.get(1), Some(&Value::Null));
        assert_eq!(a.get(2), Some(&json!({"b": [null, 1]})));
        assert_eq!(a.get(3), None);
    }

    #[test]
    fn only_the_exact_marker_is_undefined() {
        for v in [
            json!({"__pieUndefined": false}),
            json!({"__pieUndefined": 1}),
            json!({"__pieUndefined": true, "x": 1}),
            json!({"__pieLiteral": 1}),
            json!({}),
            json!("__pieUndefined"),
        ] {
            assert_eq!(args(json!([v.clone()])).get(0), Some(&v));
        }
    }

    #[test]
    fn an_escaped_marker_is_a_plain_object() {
        let a = args(json!([
            {"__pieLiteral": {"__pieUndefined": true}},
            {"meta": {"__pieLiteral": {"__pieLiteral": {"x": 1}}}},
            {"__pieUndefined": true, "other": 1}
        ]));
        assert_eq!(a.get(0), Some(&json!({"__pieUndefined": true})));
        assert_eq!(a.get(1), Some(&json!({"meta": {"__pieLiteral": {"x": 1}}})));
        assert_eq!(a.get(2), Some(&json!({"__pieUndefined": true, "other": 1})));
        let patch = a.patch(0, true).unwrap();
        assert_eq!(patch.get("__pieUndefined"), Some(&json!(true)));
    }

    #[test]
    fn a_patch_keeps_unset_keys_in_the_callers_order() {
        let a = args(json!([
            "c1",
            {"a": 1, "b": {"__pieUndefined": true}, "c": {"d": {"__pieUndefined": true}}}
        ]));
        let patch = a.patch(1, false).unwrap();
        let keys: Vec<(&str, Option<&Value>)> = patch.entries().collect();
        assert_eq!(
            keys,
            [("a", Some(&json!(1))), ("b", None), ("c", Some(&json!({})))]
        );
        assert!(a.patch(2, false).unwrap().is_empty());
        assert_eq!(a.patch(0, false).unwrap_err().code, ErrorCode::InvalidInput);
        assert_eq!(a.patch(2, true).unwrap_err().code, ErrorCode::InvalidInput);
    }
}
