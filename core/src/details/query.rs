//! Queries over request details, in the shape of 9router's `GET /api/usage/request-details`.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::index::{fact_slot, DetailsIndex, Entry};
use crate::error::{Error, ErrorCode, Result};

/// `pageSize` when none (or no number) is given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// The largest `pageSize`; larger ones are clamped to it.
pub const MAX_PAGE_SIZE: u64 = 100;

/// A bound of the time range: epoch ms, or a date string `Date.parse` accepts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DateArg {
    /// Epoch milliseconds.
    Millis(f64),
    /// A date string.
    Text(String),
}

impl DateArg {
    fn millis(&self, field: &str) -> Result<f64> {
        let ms = match self {
            DateArg::Millis(ms) => Some(*ms).filter(|ms| ms.is_finite()),
            DateArg::Text(text) => crate::time::parse_js_date(text),
        };
        ms.ok_or_else(|| {
            Error::new(ErrorCode::InvalidInput, format!("{field} is not a date")).with_field(field)
        })
    }
}

/// Filters (each an exact match; all must hold) and the page wanted. Newest first by
/// `timestamp`, the later-written first among equal times.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestDetailsQuery {
    /// 1-based page (default 1; below 1 reads as 1).
    pub page: Option<f64>,
    /// Records per page, 1..=100 (default 20; out of range is clamped).
    pub page_size: Option<f64>,
    /// Only this provider.
    pub provider: Option<String>,
    /// Only this model.
    pub model: Option<String>,
    /// Only this provider connection.
    pub connection_id: Option<String>,
    /// Only this status (`success`, `error`, or what the writer recorded).
    pub status: Option<String>,
    /// Only the attempts of this request.
    pub request_id: Option<String>,
    /// Only records at or after this time.
    pub start_date: Option<DateArg>,
    /// Only records at or before this time.
    pub end_date: Option<DateArg>,
}

/// Where a page is among all matches (9router's `pagination`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// The page returned (1-based).
    pub page: u64,
    /// Records per page.
    pub page_size: u64,
    /// Records matching the filters.
    pub total_items: u64,
    /// `ceil(totalItems / pageSize)`.
    pub total_pages: u64,
    /// Whether a later page has records.
    pub has_next: bool,
    /// Whether this is not the first page.
    pub has_prev: bool,
}

/// One page of records and where it is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestDetailsPage {
    /// The records, newest first.
    pub details: Vec<Map<String, Value>>,
    /// Where the page is.
    pub pagination: Pagination,
}

impl RequestDetailsQuery {
    /// The query from its JSON form (`{page, pageSize, provider, ..., startDate, endDate}`).
    ///
    /// ```
    /// use pie_storage_core::details::{DateArg, RequestDetailsQuery};
    /// use serde_json::json;
    ///
    /// let q = RequestDetailsQuery::from_json(&json!({"provider": "openai", "pageSize": 50,
    ///     "startDate": "2026-05-01T00:00:00.000Z", "endDate": 1779451200000.0}))?;
    /// assert_eq!(q.provider.as_deref(), Some("openai"));
    /// assert_eq!(q.end_date, Some(DateArg::Millis(1779451200000.0)));
    /// # Ok::<(), pie_storage_core::Error>(())
    /// ```
    pub fn from_json(value: &Value) -> Result<Self> {
        if value.is_null() {
            return Ok(Self::default());
        }
        serde_json::from_value(value.clone()).map_err(|e| {
            Error::new(
                ErrorCode::InvalidInput,
                format!("invalid request-details query: {e}"),
            )
        })
    }

    fn page_and_size(&self) -> (u64, u64) {
        let size = self
            .page_size
            .filter(|n| !n.is_nan())
            .map_or(DEFAULT_PAGE_SIZE, |n| {
                n.clamp(1.0, MAX_PAGE_SIZE as f64) as u64
            });
        let page = self
            .page
            .filter(|n| n.is_finite() && *n >= 1.0)
            .map_or(1, |n| n as u64);
        (page, size)
    }
}

/// The shown records of a store: among the newest `max_records`, not older than `oldest_ms`.
pub(crate) struct Shown {
    pub(crate) max_records: u64,
    pub(crate) oldest_ms: Option<f64>,
}

impl Shown {
    /// The positions of [`DetailsIndex::sorted`] shown, within `[from, to]` when given.
    fn range(&self, index: &mut DetailsIndex, from: Option<f64>, to: Option<f64>) -> Range<usize> {
        let order = index.sorted();
        let n = order.len();
        let mut lo = n.saturating_sub(self.max_records.min(n as u64) as usize);
        let low = match (self.oldest_ms, from) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if let Some(t) = low {
            lo = lo.max(order.time_ms.partition_point(|x| *x < t));
        }
        let hi = to.map_or(n, |t| order.time_ms.partition_point(|x| *x <= t));
        lo..hi.max(lo)
    }

    /// Whether the latest line of `id` is shown.
    pub(crate) fn shows(&self, index: &mut DetailsIndex, id: &str) -> bool {
        let Some(position) = index.position_of(id) else {
            return false;
        };
        self.range(index, None, None).contains(&position)
    }
}

/// The entries of the page asked for, and the pagination.
pub(crate) fn page_entries<'i>(
    index: &'i mut DetailsIndex,
    query: &RequestDetailsQuery,
    shown: &Shown,
) -> Result<(Vec<&'i Entry>, Pagination)> {
    let start = query
        .start_date
        .as_ref()
        .map(|d| d.millis("startDate"))
        .transpose()?;
    let end = query
        .end_date
        .as_ref()
        .map(|d| d.millis("endDate"))
        .transpose()?;
    // Each wanted value as its dictionary number; a value no entry has matches nothing.
    let mut filters: Vec<(usize, u32)> = Vec::new();
    let mut matches_none = false;
    for (name, want) in [
        ("provider", &query.provider),
        ("model", &query.model),
        ("connectionId", &query.connection_id),
        ("status", &query.status),
        ("requestId", &query.request_id),
    ] {
        let (Some(slot), Some(want)) = (fact_slot(name), want.as_deref()) else {
            continue;
        };
        match index.dictionary(slot).find(want) {
            Some(id) => filters.push((slot, id)),
            None => matches_none = true,
        }
    }
    let (page, size) = query.page_and_size();
    let skip = (page - 1).saturating_mul(size);
    let range = if matches_none {
        0..0
    } else {
        shown.range(index, start, end)
    };
    let order = index.sorted();
    let (total, picked): (u64, Vec<usize>) = if filters.is_empty() {
        let picked = range
            .clone()
            .rev()
            .skip(skip as usize)
            .take(size as usize)
            .collect();
        (range.len() as u64, picked)
    } else {
        let mut total = 0u64;
        let mut picked = Vec::new();
        for p in range.rev() {
            let facts = &order.facts[p];
            if filters.iter().all(|(slot, want)| facts[*slot] == *want) {
                if total >= skip && total < skip + size {
                    picked.push(p);
                }
                total += 1;
            }
        }
        (total, picked)
    };
    let index: &'i DetailsIndex = index;
    let total_pages = total.div_ceil(size);
    let pagination = Pagination {
        page,
        page_size: size,
        total_items: total,
        total_pages,
        has_next: page < total_pages,
        has_prev: page > 1,
    };
    Ok((
        picked.into_iter().map(|p| index.entry_at(p)).collect(),
        pagination,
    ))
}

/// The distinct providers of the shown records, sorted.
pub(crate) fn providers(index: &mut DetailsIndex, shown: &Shown) -> Vec<String> {
    let slot = fact_slot("provider").unwrap_or_default();
    let range = shown.range(index, None, None);
    let mut seen = vec![false; index.dictionary(slot).len() + 1];
    for facts in &index.sorted().facts[range] {
        seen[facts[slot] as usize] = true;
    }
    let dictionary = index.dictionary(slot);
    let mut out: Vec<String> = (1..seen.len() as u32)
        .filter(|&id| seen[id as usize])
        .filter_map(|id| dictionary.value(id).map(str::to_owned))
        .collect();
    out.sort_unstable();
    out
}
