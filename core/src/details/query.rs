//! Queries over request details, in the shape of 9router's `GET /api/usage/request-details`.

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
    let filters: Vec<(usize, &str)> = [
        ("provider", &query.provider),
        ("model", &query.model),
        ("connectionId", &query.connection_id),
        ("status", &query.status),
        ("requestId", &query.request_id),
    ]
    .into_iter()
    .filter_map(|(name, v)| Some((fact_slot(name)?, v.as_deref()?)))
    .collect();
    let (page, size) = query.page_and_size();
    let skip = (page - 1).saturating_mul(size);
    let mut total = 0u64;
    let mut out = Vec::new();
    for e in index.newest_first().take(shown.max_records as usize) {
        if shown.oldest_ms.is_some_and(|o| e.time_ms < o) {
            // Older ones follow: the order is by time.
            break;
        }
        if start.is_some_and(|s| e.time_ms < s) {
            break;
        }
        if end.is_some_and(|t| e.time_ms > t)
            || filters
                .iter()
                .any(|(slot, want)| e.fact(*slot) != Some(*want))
        {
            continue;
        }
        if total >= skip && total < skip + size {
            out.push(e);
        }
        total += 1;
    }
    let total_pages = total.div_ceil(size);
    let pagination = Pagination {
        page,
        page_size: size,
        total_items: total,
        total_pages,
        has_next: page < total_pages,
        has_prev: page > 1,
    };
    Ok((out, pagination))
}

/// The distinct providers of the shown records, sorted.
pub(crate) fn providers(index: &mut DetailsIndex, shown: &Shown) -> Vec<String> {
    let slot = fact_slot("provider").unwrap_or_default();
    let mut out: Vec<String> = index
        .newest_first()
        .take(shown.max_records as usize)
        .take_while(|e| shown.oldest_ms.is_none_or(|o| e.time_ms >= o))
        .filter_map(|e| e.fact(slot).map(str::to_owned))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
