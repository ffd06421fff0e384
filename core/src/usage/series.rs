//! `summarizeUsageByTime`: usage over time, as a series of calendar buckets.
//!
//! Each bucket is a summary group (the shape of `summarizeUsage`'s `total`, keyed by the
//! bucket's label) of the records the query matches whose timestamp falls in the bucket, with
//! `limit` ignored and sums in the query's order, so a bucket equals the `total` of
//! `summarizeUsage` over the same query bounded to the bucket. Bucket boundaries come from
//! [`window_containing`], the one window rule the budget uses too.
//!
//! Range: buckets run from the one containing `from` to the one containing `to`, every bucket
//! in between present (empty ones with zero counts). A missing (or invalid) bound is taken from
//! the matching records: the earliest record's bucket for `from`, the latest one's for `to`; with
//! no matching record and an open end the series has no buckets. Records whose timestamp does not
//! parse belong to no bucket. A series is capped at [`MAX_BUCKETS`] buckets.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::facts::FactSource;
use super::query::{query_indices, UsageRecordQuery};
use super::summary::{for_each_delta, Counters, UsageSummaryGroup};
use crate::error::{Error, ErrorCode, Result};
use crate::time::{to_iso_string, window_containing, window_key, Bucket, TimeZone};

/// The most buckets one series may have (a year of hours is 8,784).
pub const MAX_BUCKETS: usize = 100_000;

/// How to cut time: the bucket length and the zone whose calendar it follows.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(try_from = "WireSeriesOptions")]
pub struct UsageSeriesOptions {
    /// Bucket length (default a day).
    pub bucket: Bucket,
    /// Whose days, weeks and months (default UTC).
    pub time_zone: TimeZone,
}

impl Default for UsageSeriesOptions {
    fn default() -> Self {
        UsageSeriesOptions {
            bucket: Bucket::Day,
            time_zone: TimeZone::utc(),
        }
    }
}

impl UsageSeriesOptions {
    /// Options for `bucket` in the zone named `time_zone` (an IANA name).
    pub fn new(bucket: Bucket, time_zone: &str) -> Result<Self> {
        Ok(UsageSeriesOptions {
            bucket,
            time_zone: TimeZone::named(time_zone)?,
        })
    }
}

/// `{bucket?, timeZone?}` as JavaScript sends it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSeriesOptions {
    bucket: Option<String>,
    time_zone: Option<String>,
}

impl TryFrom<WireSeriesOptions> for UsageSeriesOptions {
    type Error = Error;
    fn try_from(w: WireSeriesOptions) -> Result<Self> {
        let bucket = w.bucket.as_deref().map_or(Ok(Bucket::Day), Bucket::parse)?;
        let time_zone = w
            .time_zone
            .as_deref()
            .map_or(Ok(TimeZone::utc()), TimeZone::named)?;
        Ok(UsageSeriesOptions { bucket, time_zone })
    }
}

/// One bucket: `[start, end)` and the summary group of its records (keyed by
/// [`window_key`]).
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesBucket {
    /// First instant (epoch ms).
    pub start: f64,
    /// First instant after the bucket (epoch ms).
    pub end: f64,
    /// The bucket's counts; `key` is its label (`2026-03-08`, `2026-11-01T01:00-04:00`, ...).
    pub group: UsageSummaryGroup,
}

/// The result of `summarizeUsageByTime`.
#[derive(Clone, Debug, PartialEq)]
pub struct UsageSeries {
    /// The bucket length.
    pub bucket: Bucket,
    /// The zone's IANA name.
    pub time_zone: String,
    /// Every bucket of the range, oldest first.
    pub buckets: Vec<SeriesBucket>,
}

/// The series of the records at `rows` of `source` (already matched by `query`, in its
/// order), over the range the query's bounds or the records give.
pub(crate) fn series_of<S: FactSource + ?Sized>(
    source: &S,
    rows: &[usize],
    query: &UsageRecordQuery,
    options: &UsageSeriesOptions,
) -> Result<UsageSeries> {
    let (from, to) = query.compile().bounds();
    let (first, last) = time_range(source, rows);
    let (Some(lo), Some(hi)) = (from.or(first), to.or(last)) else {
        return Ok(empty(options));
    };
    let starts = bucket_starts(lo, hi, options)?;
    let mut counters = vec![Counters::default(); starts.len().saturating_sub(1)];
    // Rows mostly come in time order: try the last row's bucket before searching.
    let mut last = 0;
    for_each_delta(source, rows.iter().copied(), |row, d| {
        let t = source.time(row);
        let within = |k: usize| starts[k] <= t && t < starts[k + 1];
        if last >= counters.len() || !within(last) {
            match starts.partition_point(|&s| s <= t) {
                at if at > 0 && at < starts.len() => last = at - 1,
                _ => return,
            }
        }
        counters[last].add(d);
    });
    let zone = &options.time_zone;
    let buckets = counters
        .into_iter()
        .enumerate()
        .map(|(i, c)| SeriesBucket {
            start: starts[i],
            end: starts[i + 1],
            group: c.into_group(window_key(starts[i], options.bucket, zone)),
        })
        .collect();
    Ok(UsageSeries {
        bucket: options.bucket,
        time_zone: zone.name().to_owned(),
        buckets,
    })
}

fn empty(options: &UsageSeriesOptions) -> UsageSeries {
    UsageSeries {
        bucket: options.bucket,
        time_zone: options.time_zone.name().to_owned(),
        buckets: Vec::new(),
    }
}

/// The earliest and latest valid record times among `rows`.
fn time_range<S: FactSource + ?Sized>(source: &S, rows: &[usize]) -> (Option<f64>, Option<f64>) {
    if source.as_columns().is_some_and(|c| c.times_in_order) {
        // A query over columns in time order returns rows in time order (either way), none NaN.
        let ends = [rows.first(), rows.last()].map(|r| r.map(|&r| source.time(r)));
        return match ends {
            [Some(a), Some(b)] => (Some(a.min(b)), Some(a.max(b))),
            _ => (None, None),
        };
    }
    let mut range: (Option<f64>, Option<f64>) = (None, None);
    for &row in rows {
        let t = source.time(row);
        if t.is_nan() {
            continue;
        }
        range.0 = Some(range.0.map_or(t, |m: f64| m.min(t)));
        range.1 = Some(range.1.map_or(t, |m: f64| m.max(t)));
    }
    range
}

/// Bucket boundaries from the bucket containing `lo` through the one containing `hi`: `n + 1`
/// instants for `n` buckets (none when `lo > hi`).
fn bucket_starts(lo: f64, hi: f64, options: &UsageSeriesOptions) -> Result<Vec<f64>> {
    let (bucket, zone) = (options.bucket, &options.time_zone);
    let Some(mut w) = window_containing(lo, bucket, zone).filter(|_| lo <= hi) else {
        return Ok(Vec::new());
    };
    let mut starts = vec![w.start];
    loop {
        starts.push(w.end);
        if w.end > hi {
            return Ok(starts);
        }
        if starts.len() > MAX_BUCKETS {
            return Err(Error::new(
                ErrorCode::InvalidQuery,
                format!(
                    "the series would have more than {MAX_BUCKETS} buckets: use a longer bucket \
                     or a shorter from/to range"
                ),
            ));
        }
        let Some(next) = window_containing(w.end, bucket, zone) else {
            return Ok(starts);
        };
        // Contiguous by construction, whatever a part-hour offset change does.
        w.start = w.end;
        w.end = next.end.max(w.start + 1.0);
    }
}

/// `summarizeUsageRecordsByTime(records, query, options)`: the series of the records `query`
/// matches (its `limit` ignored).
///
/// ```
/// use pie_storage_core::time::Bucket;
/// use pie_storage_core::usage::{summarize_usage_records_by_time, UsageRecordQuery, UsageSeriesOptions};
/// let records: Vec<_> = ["2026-03-07T12:00:00Z", "2026-03-09T12:00:00Z"]
///     .iter()
///     .map(|t| serde_json::json!({"timestamp": t, "costUsd": 1}).as_object().unwrap().clone())
///     .collect();
/// let options = UsageSeriesOptions::new(Bucket::Day, "America/New_York")?;
/// let series = summarize_usage_records_by_time(&records, &UsageRecordQuery::default(), &options)?;
/// let keys: Vec<_> = series.buckets.iter().map(|b| b.group.key.as_str()).collect();
/// assert_eq!(keys, ["2026-03-07", "2026-03-08", "2026-03-09"]);
/// assert_eq!(series.buckets[1].group.records, 0.0); // filled
/// # Ok::<(), pie_storage_core::Error>(())
/// ```
pub fn summarize_usage_records_by_time(
    records: &[Map<String, Value>],
    query: &UsageRecordQuery,
    options: &UsageSeriesOptions,
) -> Result<UsageSeries> {
    let rows = query_indices(records, &unlimited(query));
    series_of(records, &rows, query, options)
}

/// `summarizeUsageJsonlByTime(bytes, query, options)`: the series of raw JSONL (an export, a
/// file read whole), indexed in one pass; unreadable lines are skipped.
pub fn summarize_usage_jsonl_by_time(
    bytes: &[u8],
    query: &UsageRecordQuery,
    options: &UsageSeriesOptions,
) -> Result<UsageSeries> {
    super::index::UsageIndex::of_bytes(bytes).summarize_by_time(query, options)
}

/// The series of the columns' rows `query` matches (what the JS encoder sent for an array of
/// records).
pub fn series_of_columns(
    columns: &super::columns::UsageColumns,
    query: &UsageRecordQuery,
    options: &UsageSeriesOptions,
) -> Result<UsageSeries> {
    let rows = query_indices(columns, &unlimited(query));
    series_of(columns, &rows, query, options)
}

/// The query without its `limit`, as summaries and series read it.
pub(crate) fn unlimited(query: &UsageRecordQuery) -> UsageRecordQuery {
    UsageRecordQuery {
        limit: None,
        ..query.clone()
    }
}

impl Serialize for SeriesBucket {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let iso = |ms: f64| to_iso_string(ms).unwrap_or_default();
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("key", &self.group.key)?;
        map.serialize_entry("start", &iso(self.start))?;
        map.serialize_entry("end", &iso(self.end))?;
        self.group.serialize_counts(&mut map)?;
        map.end()
    }
}

/// `{bucket, timeZone, from, to, buckets}`: `from` is the first bucket's start and `to` the
/// last one's end (ISO strings, `null` without buckets).
impl Serialize for UsageSeries {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let iso = |ms: Option<f64>| ms.and_then(to_iso_string);
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("bucket", self.bucket.as_str())?;
        map.serialize_entry("timeZone", &self.time_zone)?;
        map.serialize_entry("from", &iso(self.buckets.first().map(|b| b.start)))?;
        map.serialize_entry("to", &iso(self.buckets.last().map(|b| b.end)))?;
        map.serialize_entry("buckets", &self.buckets)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `PIE_SERIES_FILE=usage.jsonl cargo test --release -p pie-storage-core --lib
    /// series_timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn series_timing() {
        let Ok(path) = std::env::var("PIE_SERIES_FILE") else {
            return;
        };
        let bytes = std::fs::read(path).unwrap();
        let index = crate::usage::index::UsageIndex::of_bytes(&bytes);
        let query = UsageRecordQuery::default();
        let options = UsageSeriesOptions::default();
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let rows = index.query(&query);
            let q = t.elapsed();
            let series = series_of(index.columns(), &rows, &query, &options).unwrap();
            let all = t.elapsed();
            let t = std::time::Instant::now();
            let summary = index.summarize(&query);
            println!(
                "query {q:?}, series {all:?} ({} buckets), summary {:?} ({})",
                series.buckets.len(),
                t.elapsed(),
                summary.total.records
            );
        }
    }
}
