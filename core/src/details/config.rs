//! What a request-details store keeps, and for how long: its options with their defaults.
//!
//! The store reports the configuration it runs with ([`RequestDetailsConfig`] after
//! [`RequestDetailsOptions::resolve`]), so a dashboard shows what is in effect, never a setting
//! the code does not read (9router's UI shows logging off while it is on because its defaults
//! name `observabilityEnabled` and its code reads `enableObservability`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};

/// Default of [`RequestDetailsConfig::max_records`]: 9router's `observabilityMaxRecords` default.
pub const DEFAULT_MAX_RECORDS: u64 = 1000;
/// Default of [`RequestDetailsConfig::max_bytes`]: 9router's 50 MiB cap of `request-details.json`.
pub const DEFAULT_MAX_BYTES: u64 = 50 * 1024 * 1024;
/// Default of [`RequestDetailsConfig::max_age_ms`]: 30 days (9router keeps records of any age).
pub const DEFAULT_MAX_AGE_MS: f64 = 30.0 * 86_400_000.0;
/// Default of [`RequestDetailsConfig::max_field_size`]: 9router's `observabilityMaxJsonSize`
/// default, 1024 KiB.
pub const DEFAULT_MAX_FIELD_SIZE: u64 = 1024 * 1024;
/// Smallest default segment: below it a store of small records would rotate too often.
const MIN_DEFAULT_SEGMENT: u64 = 64 * 1024;
/// Largest default segment: retention drops whole segments, so they stay a small part of it.
const MAX_DEFAULT_SEGMENT: u64 = 8 * 1024 * 1024;

/// The options a store is opened with; every one may be left out for its default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestDetailsOptions {
    /// Whether records are written (default true); reads work either way.
    pub enabled: Option<bool>,
    /// How many attempts (distinct ids) reads show, the newest by `timestamp` (default 1000);
    /// older segments are dropped once newer ones hold this many.
    pub max_records: Option<u64>,
    /// Bytes of segments kept on disk (default 50 MiB).
    pub max_bytes: Option<u64>,
    /// Age (by the record's `timestamp`) after which a record is no longer shown or kept
    /// (default 30 days); `0` keeps records of any age.
    pub max_age_ms: Option<f64>,
    /// Largest JSON text of one field, in UTF-16 units as JavaScript counts it (default 1 MiB).
    pub max_field_size: Option<u64>,
    /// Size at which the store starts a new segment (default `maxBytes / 8`, within 64 KiB to
    /// 8 MiB).
    pub segment_bytes: Option<u64>,
    /// A fixed clock (epoch ms) instead of the host's, for reproducible tests.
    pub fixed_now_ms: Option<f64>,
}

/// The configuration a store runs with: every option resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestDetailsConfig {
    /// Whether records are written.
    pub enabled: bool,
    /// How many records reads show.
    pub max_records: u64,
    /// Bytes of segments kept on disk (the newest segment may add up to one segment).
    pub max_bytes: u64,
    /// Records older than this are neither shown nor kept; `None`: any age.
    pub max_age_ms: Option<f64>,
    /// Largest JSON text of one field before it is truncated.
    pub max_field_size: u64,
    /// Size at which a new segment is started.
    pub segment_bytes: u64,
    /// The fixed clock, when one was given.
    #[serde(skip)]
    pub fixed_now_ms: Option<f64>,
}

impl Default for RequestDetailsConfig {
    fn default() -> Self {
        RequestDetailsOptions::default()
            .resolve()
            .unwrap_or_else(|_| unreachable!("the defaults are valid"))
    }
}

fn invalid(field: &str, rule: &str) -> Error {
    Error::new(
        ErrorCode::InvalidInput,
        format!("request-details option {field} must be {rule}"),
    )
    .with_field(field)
}

fn at_least_one(value: Option<u64>, field: &str, default: u64) -> Result<u64> {
    match value {
        Some(0) => Err(invalid(field, "at least 1")),
        Some(n) => Ok(n),
        None => Ok(default),
    }
}

impl RequestDetailsOptions {
    /// The options as JSON (`{enabled, maxRecords, ...}`); unknown keys are an error, so a
    /// misspelt option is never silently ignored.
    pub fn from_json(value: &Value) -> Result<Self> {
        if value.is_null() {
            return Ok(Self::default());
        }
        serde_json::from_value(value.clone()).map_err(|e| {
            Error::new(
                ErrorCode::InvalidInput,
                format!("invalid request-details options: {e}"),
            )
        })
    }

    /// The options from 9router-style settings (`db.json` `settings`): `enableObservability`
    /// (or, when that is not a boolean, `observabilityEnabled`), `observabilityMaxRecords` and
    /// `observabilityMaxJsonSize` (KiB). One reading of both enable keys, so what the UI shows is
    /// what the store does.
    pub fn from_settings(settings: &Map<String, Value>) -> Self {
        let enabled = ["enableObservability", "observabilityEnabled"]
            .iter()
            .find_map(|key| settings.get(*key).and_then(Value::as_bool));
        let positive = |key: &str| {
            settings
                .get(key)
                .and_then(Value::as_f64)
                .filter(|n| n.is_finite() && *n >= 1.0)
        };
        RequestDetailsOptions {
            enabled,
            max_records: positive("observabilityMaxRecords").map(|n| n as u64),
            max_field_size: positive("observabilityMaxJsonSize").map(|kib| (kib * 1024.0) as u64),
            ..Self::default()
        }
    }

    /// Every option resolved to its value or default; out-of-range values are an error.
    ///
    /// ```
    /// use pie_storage_core::details::RequestDetailsOptions;
    /// use serde_json::json;
    ///
    /// let config = RequestDetailsOptions::from_json(&json!({"maxRecords": 50}))?.resolve()?;
    /// assert_eq!((config.max_records, config.max_bytes), (50, 50 * 1024 * 1024));
    /// assert!(RequestDetailsOptions::from_json(&json!({"maxRecord": 50})).is_err());
    /// let settings = json!({"enableObservability": false, "observabilityMaxJsonSize": 8});
    /// let from_9router = RequestDetailsOptions::from_settings(settings.as_object().unwrap());
    /// assert_eq!((from_9router.enabled, from_9router.max_field_size), (Some(false), Some(8192)));
    /// # Ok::<(), pie_storage_core::Error>(())
    /// ```
    pub fn resolve(&self) -> Result<RequestDetailsConfig> {
        let max_bytes = at_least_one(self.max_bytes, "maxBytes", DEFAULT_MAX_BYTES)?;
        let max_age_ms = match self.max_age_ms {
            Some(ms) if !(ms.is_finite() && ms >= 0.0) => {
                return Err(invalid("maxAgeMs", "a finite number of ms, 0 or more"))
            }
            Some(0.0) => None,
            Some(ms) => Some(ms),
            None => Some(DEFAULT_MAX_AGE_MS),
        };
        let default_segment = (max_bytes / 8).clamp(MIN_DEFAULT_SEGMENT, MAX_DEFAULT_SEGMENT);
        if self.fixed_now_ms.is_some_and(|ms| !ms.is_finite()) {
            return Err(invalid("fixedNowMs", "a finite number"));
        }
        Ok(RequestDetailsConfig {
            enabled: self.enabled.unwrap_or(true),
            max_records: at_least_one(self.max_records, "maxRecords", DEFAULT_MAX_RECORDS)?,
            max_bytes,
            max_age_ms,
            max_field_size: match self.max_field_size {
                Some(n) if n < 2 => return Err(invalid("maxFieldSize", "at least 2")),
                Some(n) => n,
                None => DEFAULT_MAX_FIELD_SIZE,
            },
            segment_bytes: at_least_one(self.segment_bytes, "segmentBytes", default_segment)?,
            fixed_now_ms: self.fixed_now_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_documented_values() {
        let c = RequestDetailsConfig::default();
        assert!(c.enabled);
        assert_eq!(
            (c.max_records, c.max_bytes, c.max_field_size),
            (1000, 50 << 20, 1 << 20)
        );
        assert_eq!(c.segment_bytes, 50 << 17);
        assert_eq!(c.max_age_ms, Some(30.0 * 86_400_000.0));
    }

    #[test]
    fn settings_read_both_enable_keys_once() {
        let from = |v: Value| RequestDetailsOptions::from_settings(v.as_object().unwrap());
        assert_eq!(
            from(json!({"observabilityEnabled": false})).enabled,
            Some(false)
        );
        let both = from(json!({"enableObservability": true, "observabilityEnabled": false}));
        assert_eq!(both.enabled, Some(true));
        let sized = from(json!({"observabilityMaxJsonSize": 5, "observabilityMaxRecords": 20}));
        assert_eq!(
            (sized.max_field_size, sized.max_records),
            (Some(5120), Some(20))
        );
    }

    #[test]
    fn bad_options_are_errors() {
        let bad = |v: Value| {
            RequestDetailsOptions::from_json(&v)
                .and_then(|o| o.resolve())
                .is_err()
        };
        assert!(bad(json!({"maxRecords": 0})));
        assert!(bad(json!({"maxRecord": 5})));
        assert!(bad(json!({"maxAgeMs": -1})));
        assert!(!bad(json!({"maxAgeMs": 0, "segmentBytes": 10})));
    }
}
