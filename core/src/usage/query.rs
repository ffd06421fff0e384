//! `queryUsageRecords`: filter, sort by time, limit (reference §5.1).
//!
//! Rules worth knowing: a `status`/`routingMode` filter keeps only its non-empty strings, so `""`
//! or `[]` match nothing; text filters are exact; date bounds are inclusive and an unparseable
//! bound is no bound; ties keep input order in both directions.
//!
//! A query arriving from JavaScript or a URL may hold values of any type; how those are read
//! (`limit: NaN`, `order: "ASC"`, `status: 42`) is decided once, by the `Deserialize` impl in
//! `query/wire.rs`.

mod wire;

pub use wire::limit_from_js_number;

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::columns::{TextColumn, UsageColumns};
use super::facts::{FactSource, UsageFacts};
use crate::time::parse_js_date;

/// A `from`/`to` bound: a date string, or epoch milliseconds (a JavaScript `Date`).
#[derive(Clone, Debug, PartialEq)]
pub enum DateBound {
    /// A date string, parsed as `Date.parse` does.
    Text(String),
    /// Epoch milliseconds (a JavaScript `Date`).
    Millis(f64),
}

impl DateBound {
    /// The bound in epoch ms, or `None` for an invalid date (which means "no bound").
    pub fn millis(&self) -> Option<f64> {
        match self {
            DateBound::Text(s) => parse_js_date(s),
            DateBound::Millis(ms) if ms.is_finite() => Some(*ms),
            DateBound::Millis(_) => None,
        }
    }
}

/// A text filter: an exact string, or a value of another type, which no record field equals.
#[derive(Clone, Debug, PartialEq)]
pub enum TextFilter {
    /// The field must equal this string.
    Equals(String),
    /// A non-string value was given: no record matches.
    MatchesNothing,
}

impl TextFilter {
    fn accepts(&self, field: Option<&str>) -> bool {
        match self {
            TextFilter::Equals(want) => field == Some(want.as_str()),
            TextFilter::MatchesNothing => false,
        }
    }
}

impl From<&str> for TextFilter {
    fn from(s: &str) -> Self {
        TextFilter::Equals(s.to_owned())
    }
}

/// `UsageRecordQuery`. `None` means "not given"; see the module doc for each rule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UsageRecordQuery {
    /// The allowed statuses, as given (empty strings are dropped when the query runs).
    pub status: Option<Vec<String>>,
    /// The allowed routing modes, as given (like `status`).
    pub routing_mode: Option<Vec<String>>,
    /// `resolvedProvider` equals.
    pub provider: Option<TextFilter>,
    /// `resolvedModel` equals.
    pub model: Option<TextFilter>,
    /// `requestId` equals.
    pub request_id: Option<TextFilter>,
    /// `agentRunId` equals.
    pub agent_run_id: Option<TextFilter>,
    /// `endpoint` equals.
    pub endpoint: Option<TextFilter>,
    /// `clientOrigin` equals.
    pub client_origin: Option<TextFilter>,
    /// Earliest timestamp, inclusive.
    pub from: Option<DateBound>,
    /// Latest timestamp, inclusive.
    pub to: Option<DateBound>,
    /// At most this many results (after sorting); `None` returns every match.
    pub limit: Option<usize>,
    /// Newest first unless said otherwise.
    pub order: Order,
}

/// The time order of query results. On the wire (JavaScript, URLs) it is `"desc"` or `"asc"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Order {
    /// Latest timestamp first (`"desc"`, the default): what a dashboard shows.
    #[default]
    #[serde(rename = "desc")]
    NewestFirst,
    /// Earliest timestamp first (`"asc"`).
    #[serde(rename = "asc")]
    OldestFirst,
}

impl UsageRecordQuery {
    /// Whether any filter other than the time bounds is set.
    pub fn has_field_filters(&self) -> bool {
        self.status.is_some()
            || self.routing_mode.is_some()
            || self.provider.is_some()
            || self.model.is_some()
            || self.request_id.is_some()
            || self.agent_run_id.is_some()
            || self.endpoint.is_some()
            || self.client_origin.is_some()
    }

    pub(crate) fn is_ascending(&self) -> bool {
        self.order == Order::OldestFirst
    }

    /// The number of results `limit` allows out of `len`.
    pub(crate) fn limit_of(&self, len: usize) -> usize {
        self.limit.map_or(len, |n| n.min(len))
    }

    /// The record fields (names of [`TEXT_FIELDS`](super::TEXT_FIELDS)) this query filters
    /// on, time bounds aside: what a host that fetches fields lazily must send for
    /// [`filter_by_fields`]. Empty when no field filter is set.
    pub fn filtered_fields(&self) -> Vec<&'static str> {
        self.compile()
            .field_checks()
            .into_iter()
            .map(|(field, _)| field)
            .collect()
    }

    /// The filter part, compiled once per query.
    pub fn compile(&self) -> CompiledFilter<'_> {
        fn set(list: &Option<Vec<String>>) -> Option<Vec<&str>> {
            list.as_ref().map(|l| {
                l.iter()
                    .filter(|s| !s.is_empty())
                    .map(String::as_str)
                    .collect()
            })
        }
        CompiledFilter {
            query: self,
            status: set(&self.status),
            routing_mode: set(&self.routing_mode),
            from: self.from.as_ref().and_then(DateBound::millis),
            to: self.to.as_ref().and_then(DateBound::millis),
        }
    }
}

/// The test one filter applies to a record field (missing fields are `None`).
pub enum FieldCheck<'q> {
    /// `status`/`routingMode`: the value must be one of the non-empty strings given.
    InSet(&'q [&'q str]),
    /// Text filters: exact equality.
    Text(&'q TextFilter),
}

impl FieldCheck<'_> {
    pub fn accepts(&self, value: Option<&str>) -> bool {
        match self {
            FieldCheck::InSet(set) => value.is_some_and(|v| set.contains(&v)),
            FieldCheck::Text(filter) => filter.accepts(value),
        }
    }
}

/// A query's filter with its sets built and its bounds parsed.
pub struct CompiledFilter<'q> {
    query: &'q UsageRecordQuery,
    status: Option<Vec<&'q str>>,
    routing_mode: Option<Vec<&'q str>>,
    from: Option<f64>,
    to: Option<f64>,
}

impl CompiledFilter<'_> {
    pub fn has_time_bound(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    /// The parsed `from` and `to` bounds (epoch ms), `None` where not given or invalid.
    pub fn bounds(&self) -> (Option<f64>, Option<f64>) {
        (self.from, self.to)
    }

    /// One predicate per filtered field, keyed by the record field it reads (a name of
    /// [`TEXT_FIELDS`]). Every filter path, per record or per column, is built from these.
    pub fn field_checks(&self) -> Vec<(&'static str, FieldCheck<'_>)> {
        let q = self.query;
        let mut checks = Vec::new();
        let sets = [
            ("status", &self.status),
            ("routingMode", &self.routing_mode),
        ];
        for (field, set) in sets {
            if let Some(set) = set {
                checks.push((field, FieldCheck::InSet(set)));
            }
        }
        let texts = [
            ("resolvedProvider", &q.provider),
            ("resolvedModel", &q.model),
            ("requestId", &q.request_id),
            ("agentRunId", &q.agent_run_id),
            ("endpoint", &q.endpoint),
            ("clientOrigin", &q.client_origin),
        ];
        for (field, text) in texts {
            if let Some(text) = text {
                checks.push((field, FieldCheck::Text(text)));
            }
        }
        checks
    }

    /// Whether a record passes every filter except the time bounds.
    pub fn accepts_fields(&self, f: &UsageFacts<'_>) -> bool {
        self.field_checks()
            .iter()
            .all(|(field, check)| check.accepts(f.field(field)))
    }

    /// Whether a record time (NaN when unparseable) is within the inclusive bounds.
    pub fn accepts_time(&self, t: f64) -> bool {
        self.from.is_none_or(|from| t >= from) && self.to.is_none_or(|to| t <= to)
    }
}

/// Record time for sorting: `Date.parse(timestamp)`, NaN when missing or unparseable.
pub fn time_of(timestamp: Option<&str>) -> f64 {
    timestamp.and_then(parse_js_date).unwrap_or(f64::NAN)
}

/// Orders two record times; unparseable times (NaN) go last in both directions.
pub fn compare_times(a: f64, b: f64, ascending: bool) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) if ascending => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        (false, false) => b.partial_cmp(&a).unwrap_or(Ordering::Equal),
    }
}

/// Positions of the matching records, sorted and limited as the query says.
pub fn query_indices<S: FactSource + ?Sized>(source: &S, query: &UsageRecordQuery) -> Vec<usize> {
    if let Some(columns) = source.as_columns().filter(|c| c.times_in_order) {
        return query_in_time_order(columns, query);
    }
    let rows = filter_by_fields(source, query);
    order_by_time(source, rows, query)
}

/// [`query_indices`] over columns whose times never decrease: the time bounds are a range of
/// rows (binary search), filters run on that range only, and newest-first is the range read
/// backwards with equal times kept in row order (the stable sort's tie order).
fn query_in_time_order(columns: &UsageColumns, query: &UsageRecordQuery) -> Vec<usize> {
    let times = columns.times.as_deref().unwrap_or(&[]);
    let filter = query.compile();
    let lo = filter
        .from
        .map_or(0, |from| times.partition_point(|&t| t < from));
    let hi = filter
        .to
        .map_or(times.len(), |to| times.partition_point(|&t| t <= to));
    let rows: Vec<usize> = if query.has_field_filters() {
        filter_columns(columns, &filter, lo..hi.max(lo))
    } else {
        Vec::new()
    };
    let (len, row_at): (usize, Box<dyn Fn(usize) -> usize + '_>) = if query.has_field_filters() {
        (rows.len(), Box::new(|p| rows[p]))
    } else {
        (hi.saturating_sub(lo), Box::new(move |p| lo + p))
    };
    let keep = query.limit_of(len);
    if query.is_ascending() {
        return (0..keep).map(&row_at).collect();
    }
    newest_first(len, |p| times[row_at(p)], keep)
        .into_iter()
        .map(&row_at)
        .collect()
}

/// Positions `0..len` of items in time order, newest first: read backwards, with each run of
/// equal times kept in forward order (the stable sort's tie order). Only `keep` are taken.
fn newest_first(len: usize, time_at: impl Fn(usize) -> f64, keep: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(keep.min(len));
    let mut end = len;
    while out.len() < keep && end > 0 {
        let t = time_at(end - 1);
        let mut start = end - 1;
        while start > 0 && time_at(start - 1) == t {
            start -= 1;
        }
        out.extend((start..end).take(keep - out.len()));
        end = start;
    }
    out
}

/// Step one of a query: positions of the records that pass every filter except the time
/// bounds, in input order. Hosts that fetch fields lazily run it before reading timestamps.
pub fn filter_by_fields<S: FactSource + ?Sized>(
    source: &S,
    query: &UsageRecordQuery,
) -> Vec<usize> {
    let filter = query.compile();
    if let Some(columns) = source.as_columns() {
        return filter_columns(columns, &filter, 0..columns.rows);
    }
    let checks = filter.field_checks();
    (0..source.len())
        .filter(|&i| {
            let f = source.facts(i);
            checks
                .iter()
                .all(|(field, check)| check.accepts(f.field(field)))
        })
        .collect()
}

/// The column-wise form of [`filter_by_fields`]: a dictionary column is tested once per
/// distinct value, then rows are kept by id.
fn filter_columns(
    columns: &UsageColumns,
    filter: &CompiledFilter<'_>,
    range: std::ops::Range<usize>,
) -> Vec<usize> {
    let mut keep = vec![true; range.len()];
    for (field, check) in filter.field_checks() {
        match columns.column(field) {
            None if check.accepts(None) => {}
            None => return Vec::new(),
            Some(TextColumn::Dict { ids, dict }) => {
                let accepted: Vec<bool> = std::iter::once(check.accepts(None))
                    .chain(dict.iter().map(|v| check.accepts(Some(v))))
                    .collect();
                let Some(ids) = ids.get(range.clone()) else {
                    return Vec::new();
                };
                for (k, &id) in keep.iter_mut().zip(ids) {
                    *k = *k && accepted.get(id as usize).copied().unwrap_or(false);
                }
            }
            Some(column) => {
                for (row, k) in range.clone().zip(keep.iter_mut()) {
                    *k = *k && check.accepts(column.get(row));
                }
            }
        }
    }
    range
        .zip(keep)
        .filter(|&(_, k)| k)
        .map(|(row, _)| row)
        .collect()
}

/// Step two of a query: applies the time bounds to `rows` of `source`, sorts them by time
/// (stable) and applies `limit`.
pub fn order_by_time<S, I>(source: &S, rows: I, query: &UsageRecordQuery) -> Vec<usize>
where
    S: FactSource + ?Sized,
    I: IntoIterator<Item = usize>,
{
    let filter = query.compile();
    let hits = rows
        .into_iter()
        .map(|i| (i, source.time(i)))
        .filter(|&(_, t)| filter.accepts_time(t))
        .collect();
    sort_and_limit(hits, query)
}

/// Sorts by time with ties in input order (a stable sort), then applies `limit`. The input
/// position breaks ties, which makes the order total, so a small limit only needs a partial
/// selection instead of a full sort.
fn sort_and_limit(mut hits: Vec<(usize, f64)>, query: &UsageRecordQuery) -> Vec<usize> {
    let ascending = query.is_ascending();
    let order =
        |a: &(usize, f64), b: &(usize, f64)| compare_times(a.1, b.1, ascending).then(a.0.cmp(&b.0));
    let keep = query.limit_of(hits.len());
    if let Some(picked) = presorted(&hits, ascending, keep) {
        return picked;
    }
    if keep < hits.len() / 2 && keep > 0 {
        hits.select_nth_unstable_by(keep - 1, order);
        hits.truncate(keep);
    }
    hits.sort_unstable_by(order);
    hits.truncate(keep);
    hits.into_iter().map(|(i, _)| i).collect()
}

/// The sorted positions without sorting, when `hits` already are in time order with ties in
/// position order (an append-only log usually is): ascending is the input order, descending the
/// input reversed with each run of equal times kept in input order. `None` otherwise.
fn presorted(hits: &[(usize, f64)], ascending: bool, keep: usize) -> Option<Vec<usize>> {
    // `<=` is false for NaN, so any unparseable time takes the general path.
    let in_order = hits.windows(2).all(|w| w[0].1 <= w[1].1 && w[0].0 < w[1].0);
    if !in_order {
        return None;
    }
    if ascending {
        return Some(hits[..keep].iter().map(|h| h.0).collect());
    }
    let picked = newest_first(hits.len(), |p| hits[p].1, keep);
    Some(picked.into_iter().map(|p| hits[p].0).collect())
}

/// `queryUsageRecords(records, query)`: the same record objects, filtered, sorted and limited.
pub fn query_usage_records<'r>(
    records: &'r [Map<String, Value>],
    query: &UsageRecordQuery,
) -> Vec<&'r Map<String, Value>> {
    query_indices(records, query)
        .into_iter()
        .map(|i| &records[i])
        .collect()
}
#[cfg(test)]
mod filtered_fields_tests {
    use super::*;

    fn query(json: serde_json::Value) -> UsageRecordQuery {
        serde_json::from_value(json).unwrap()
    }

    /// Each query key names the record field it filters; `null` is not given; time bounds,
    /// `limit` and `order` filter no field.
    #[test]
    fn each_query_key_filters_its_record_field() {
        let all = query(serde_json::json!({
            "status": "success", "routingMode": ["fixed"], "provider": "p", "model": 5,
            "requestId": "r", "agentRunId": "a", "endpoint": "e", "clientOrigin": "c",
            "from": "2026-01-01", "to": 1, "limit": 3, "order": "asc",
        }));
        assert_eq!(
            all.filtered_fields(),
            [
                "status",
                "routingMode",
                "resolvedProvider",
                "resolvedModel",
                "requestId",
                "agentRunId",
                "endpoint",
                "clientOrigin"
            ]
        );
        for field in all.filtered_fields() {
            assert!(super::super::TEXT_FIELDS.contains(&field), "{field}");
        }
        let none = query(serde_json::json!({"provider": null, "from": "2026-01-01", "limit": 1}));
        assert!(none.filtered_fields().is_empty());
    }
}
