//! 9router's `GET /api/usage/chart?period=24h|7d|30d|60d`: tokens and cost per hour (24h) or
//! per day, oldest first, with empty buckets, in UTC.

use serde_json::{json, Map, Value};

use super::usage_detail::{record_cost, record_tokens};
use crate::time::to_iso_string;
use crate::usage::query::time_of;

const HOUR: f64 = 3_600_000.0;
const DAY: f64 = 24.0 * HOUR;

/// A chart's span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartPeriod {
    /// 24 hourly buckets ending with the current hour.
    Day,
    /// 7 daily buckets ending today.
    Week,
    /// 30 daily buckets.
    Month,
    /// 60 daily buckets.
    TwoMonths,
}

impl ChartPeriod {
    /// `24h`, `7d`, `30d`, `60d`; a missing period is `7d`; anything else `None` (400).
    pub fn parse(period: Option<&str>) -> Option<ChartPeriod> {
        Some(match period.unwrap_or("7d") {
            "24h" => ChartPeriod::Day,
            "7d" => ChartPeriod::Week,
            "30d" => ChartPeriod::Month,
            "60d" => ChartPeriod::TwoMonths,
            _ => return None,
        })
    }

    fn buckets(self) -> (usize, f64) {
        match self {
            ChartPeriod::Day => (24, HOUR),
            ChartPeriod::Week => (7, DAY),
            ChartPeriod::Month => (30, DAY),
            ChartPeriod::TwoMonths => (60, DAY),
        }
    }

    /// The first instant the chart covers (the host queries records from it).
    pub fn start(self, now: f64) -> f64 {
        let (count, size) = self.buckets();
        (now / size).floor() * size - (count as f64 - 1.0) * size
    }
}

/// The chart of `records` for `period` at `now`: `[{label, tokens, cost}]`.
///
/// ```
/// use pie_storage_core::admin::{usage_chart, ChartPeriod};
/// let now = 1_767_225_600_000.0; // 2026-01-01T00:00:00Z
/// let records = serde_json::json!([{"timestamp": "2026-01-01T00:10:00Z", "usage": {"totalTokens": 7}, "costUsd": 0.5}]);
/// let chart = usage_chart(records.as_array().unwrap(), ChartPeriod::Week, now);
/// assert_eq!(chart.as_array().unwrap().len(), 7);
/// assert_eq!(chart[6], serde_json::json!({"label": "2026-01-01", "tokens": 7.0, "cost": 0.5}));
/// ```
pub fn usage_chart(records: &[Value], period: ChartPeriod, now: f64) -> Value {
    let (count, size) = period.buckets();
    let start = period.start(now);
    let mut sums = vec![(0.0, 0.0); count];
    for r in records.iter().filter_map(Value::as_object) {
        let t = time_of(r.get("timestamp").and_then(Value::as_str));
        let at = ((t - start) / size).floor();
        if at >= 0.0 && (at as usize) < count {
            let slot = &mut sums[at as usize];
            slot.0 += record_tokens(r).as_f64().unwrap_or(0.0);
            slot.1 += record_cost(r).as_f64().unwrap_or(0.0);
        }
    }
    let label = |i: usize| {
        let iso = to_iso_string(start + i as f64 * size).unwrap_or_default();
        if size == HOUR {
            format!("{}:00", &iso[11..13])
        } else {
            iso[..10].to_owned()
        }
    };
    Value::from(
        sums.into_iter()
            .enumerate()
            .map(|(i, (tokens, cost))| {
                let mut m = Map::new();
                m.insert("label".into(), Value::from(label(i)));
                m.insert("tokens".into(), json!(tokens));
                m.insert("cost".into(), json!(cost));
                Value::Object(m)
            })
            .collect::<Vec<_>>(),
    )
}
