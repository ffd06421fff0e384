//! Reading only the facts of a JSONL line, without building the record.
//!
//! Summaries and queries read a dozen fields; a usage line also carries a trace and metadata
//! that can be most of its bytes. This parser borrows strings from the line and skips every
//! other value, which is several times faster than building a `serde_json::Value`. Values of an
//! unexpected type are treated as missing, exactly as [`UsageFacts::from_object`] does.

use std::borrow::Cow;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::facts::Amounts;

/// A string field, or `None` for any other value.
#[derive(Debug, Default)]
pub struct MaybeStr<'a>(pub Option<Cow<'a, str>>);

/// A number field, or `None` for any other value.
#[derive(Debug, Default, Clone, Copy)]
pub struct MaybeNum(pub Option<f64>);

/// The facts of one line, borrowing from it where the JSON has no escapes.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineFacts<'a> {
    #[serde(borrow, default)]
    pub timestamp: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub status: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub routing_mode: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub resolved_provider: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub resolved_model: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub request_id: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub agent_run_id: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub endpoint: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub client_origin: MaybeStr<'a>,
    #[serde(default)]
    pub usage: Nested<UsageLine>,
    #[serde(default)]
    pub cost: Nested<CostLine>,
    #[serde(default)]
    pub input_tokens: MaybeNum,
    #[serde(default)]
    pub output_tokens: MaybeNum,
    #[serde(default)]
    pub cost_usd: MaybeNum,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageLine {
    #[serde(default)]
    input: MaybeNum,
    #[serde(default)]
    output: MaybeNum,
    #[serde(default)]
    cache_read: MaybeNum,
    #[serde(default)]
    cache_write: MaybeNum,
    #[serde(default)]
    reasoning: MaybeNum,
    #[serde(default)]
    total_tokens: MaybeNum,
}

#[derive(Debug, Default, Deserialize)]
pub struct CostLine {
    #[serde(default)]
    total: MaybeNum,
}

/// An object field read as `T`, or `None` when the value is not an object.
#[derive(Debug)]
pub struct Nested<T>(pub Option<T>);

impl<T> Default for Nested<T> {
    fn default() -> Self {
        Nested(None)
    }
}

impl<'a> LineFacts<'a> {
    /// Parses the facts of one line. Fails on invalid JSON, a non-object, or a duplicate
    /// field (callers then use the full parser, which keeps the last value as JavaScript does).
    pub fn parse(line: &'a [u8]) -> Option<Self> {
        // serde would also read a struct from an array; a record line must be an object.
        let first = line
            .iter()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
        if first != Some(&b'{') {
            return None;
        }
        serde_json::from_slice(line).ok()
    }

    pub fn amounts(&self) -> Amounts {
        let usage = self.usage.0.as_ref();
        let u = |f: fn(&UsageLine) -> MaybeNum| usage.and_then(|u| f(u).0);
        Amounts {
            usage_input: u(|u| u.input),
            usage_output: u(|u| u.output),
            usage_cache_read: u(|u| u.cache_read),
            usage_cache_write: u(|u| u.cache_write),
            usage_reasoning: u(|u| u.reasoning),
            usage_total_tokens: u(|u| u.total_tokens),
            input_tokens: self.input_tokens.0,
            output_tokens: self.output_tokens.0,
            cost_total: self.cost.0.as_ref().and_then(|c| c.total.0),
            cost_usd: self.cost_usd.0,
        }
    }

    /// The text fields in the order of `TEXT_FIELDS`.
    pub fn texts(&self) -> [Option<&str>; 9] {
        [
            &self.timestamp,
            &self.status,
            &self.routing_mode,
            &self.resolved_provider,
            &self.resolved_model,
            &self.request_id,
            &self.agent_run_id,
            &self.endpoint,
            &self.client_origin,
        ]
        .map(|m| m.0.as_deref())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for MaybeStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MaybeStr<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Owned(v))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeStr(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(MaybeStr(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for MaybeNum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MaybeNum;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_i64<E>(self, v: i64) -> Result<MaybeNum, E> {
                Ok(MaybeNum(Some(v as f64)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<MaybeNum, E> {
                Ok(MaybeNum(Some(v as f64)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<MaybeNum, E> {
                Ok(MaybeNum(Some(v)))
            }
            fn visit_str<E>(self, _: &str) -> Result<MaybeNum, E> {
                Ok(MaybeNum(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<MaybeNum, E> {
                Ok(MaybeNum(None))
            }
            fn visit_unit<E>(self) -> Result<MaybeNum, E> {
                Ok(MaybeNum(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<MaybeNum, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeNum(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MaybeNum, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(MaybeNum(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nested<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Nested<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Nested<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Nested(Some(t)))
            }
            fn visit_str<E>(self, _: &str) -> Result<Nested<T>, E> {
                Ok(Nested(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Nested<T>, E> {
                Ok(Nested(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Nested<T>, E> {
                Ok(Nested(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Nested<T>, E> {
                Ok(Nested(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Nested<T>, E> {
                Ok(Nested(None))
            }
            fn visit_unit<E>(self) -> Result<Nested<T>, E> {
                Ok(Nested(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Nested<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Nested(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_facts_and_skips_the_rest() {
        let line = br#"{"trace":[{"a":[1,2,{"b":null}]}],"status":"success","resolvedProvider":"op\u0065nai","usage":{"input":5,"totalTokens":"7"},"cost":3,"costUsd":0.5,"endpoint":null}"#;
        let f = LineFacts::parse(line).unwrap();
        assert_eq!(f.status.0.as_deref(), Some("success"));
        assert_eq!(f.resolved_provider.0.as_deref(), Some("openai"));
        let a = f.amounts();
        assert_eq!(a.usage_input, Some(5.0));
        assert_eq!(a.usage_total_tokens, None);
        assert_eq!(a.cost_total, None);
        assert_eq!(a.cost_usd, Some(0.5));
        assert_eq!(f.endpoint.0, None);
    }

    #[test]
    fn duplicate_fields_and_non_objects_fail() {
        assert!(LineFacts::parse(br#"{"status":"a","status":"b"}"#).is_none());
        assert!(LineFacts::parse(b"[1]").is_none());
        assert!(LineFacts::parse(b"{").is_none());
    }
}
