//! How a query arriving from JavaScript or a URL, with values of any type, becomes a typed
//! [`UsageRecordQuery`]. The rules are the reference's, seen from JavaScript: a `null` or
//! non-string text filter, `status: 42`, `limit: "2"`, `order: "ASC"` are all accepted, never an
//! error, and read as `queryUsageRecords` reads them.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::{DateBound, Order, TextFilter, UsageRecordQuery};
use crate::js_value::string_or_list;

/// `records.slice(0, Math.max(0, limit))` for a JavaScript number: `NaN` and negatives give
/// nothing, fractions are truncated, `Infinity` is no limit.
pub fn limit_from_js_number(n: f64) -> Option<usize> {
    if n == f64::INFINITY {
        None
    } else {
        // `as` saturates: NaN and negatives become 0, huge values usize::MAX.
        Some(n as usize)
    }
}

/// Any JSON-like value, keeping `NaN` (JavaScript hands us real numbers, not JSON).
enum Loose {
    Absent,
    Num(f64),
    Str(String),
    Seq(Vec<Loose>),
    Other,
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Loose;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_unit<E>(self) -> Result<Loose, E> {
                Ok(Loose::Absent)
            }
            fn visit_none<E>(self) -> Result<Loose, E> {
                Ok(Loose::Absent)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
                Loose::deserialize(d)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Loose, E> {
                Ok(Loose::Other)
            }
            fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
                Ok(Loose::Num(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
                Ok(Loose::Num(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
                Ok(Loose::Num(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
                Ok(Loose::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Loose, E> {
                Ok(Loose::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Loose>()? {
                    items.push(item);
                }
                Ok(Loose::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Loose::Other)
            }
        }
        d.deserialize_any(V)
    }
}

impl Loose {
    /// `status`-style selector: one string or a list; non-strings never match.
    /// Any other value is given but matches nothing (see [`string_or_list`]).
    fn selector(self) -> Option<Vec<String>> {
        match self {
            Loose::Absent => None,
            given => Some(string_or_list(&given.into_json()).unwrap_or_default()),
        }
    }

    /// The value as JSON, enough for [`string_or_list`]: strings and arrays as they are, any
    /// other value `null`.
    fn into_json(self) -> serde_json::Value {
        match self {
            Loose::Str(s) => serde_json::Value::String(s),
            Loose::Seq(items) => {
                serde_json::Value::Array(items.into_iter().map(Loose::into_json).collect())
            }
            Loose::Absent | Loose::Num(_) | Loose::Other => serde_json::Value::Null,
        }
    }

    fn text(self) -> Option<TextFilter> {
        match self {
            Loose::Absent => None,
            Loose::Str(s) => Some(TextFilter::Equals(s)),
            _ => Some(TextFilter::MatchesNothing),
        }
    }

    fn bound(self) -> Option<DateBound> {
        match self {
            Loose::Str(s) => Some(DateBound::Text(s)),
            Loose::Num(ms) => Some(DateBound::Millis(ms)),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for UsageRecordQuery {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            status: Option<Loose>,
            routing_mode: Option<Loose>,
            provider: Option<Loose>,
            model: Option<Loose>,
            request_id: Option<Loose>,
            agent_run_id: Option<Loose>,
            endpoint: Option<Loose>,
            client_origin: Option<Loose>,
            from: Option<Loose>,
            to: Option<Loose>,
            limit: Option<Loose>,
            order: Option<Loose>,
        }
        let raw = Option::<Raw>::deserialize(d)?;
        let Some(r) = raw else {
            return Ok(UsageRecordQuery::default());
        };
        let take = |l: Option<Loose>| l.unwrap_or(Loose::Absent);
        Ok(UsageRecordQuery {
            status: take(r.status).selector(),
            routing_mode: take(r.routing_mode).selector(),
            provider: take(r.provider).text(),
            model: take(r.model).text(),
            request_id: take(r.request_id).text(),
            agent_run_id: take(r.agent_run_id).text(),
            endpoint: take(r.endpoint).text(),
            client_origin: take(r.client_origin).text(),
            from: take(r.from).bound(),
            to: take(r.to).bound(),
            // Only a number limits (a numeric string does not).
            limit: match take(r.limit) {
                Loose::Num(n) => limit_from_js_number(n),
                _ => None,
            },
            // Exactly "asc" sorts oldest first; anything else, or nothing, newest first.
            order: match take(r.order) {
                Loose::Str(s) if s == "asc" => Order::OldestFirst,
                _ => Order::NewestFirst,
            },
        })
    }
}
