//! `summarizeUsageRecords`: totals and per-provider/model/endpoint/origin groups (reference §5.2).
//!
//! Sums are plain f64 additions in record order, so results are bit-identical to the JavaScript
//! reference. Fallbacks: input/output tokens come from `usage.*`, else the flat fields; total
//! tokens from `usage.totalTokens`, else flat input + output; cost from `cost.total`, else
//! `costUsd`. Groups are ordered by cost, then total tokens (both descending), then key by
//! `localeCompare`.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::collate::locale_compare;
use super::facts::{Amounts, FactSource, UsageFacts};

/// `UsageSummaryGroup`. `other_statuses` holds statuses outside the four known ones; as in the
/// reference their count is `NaN` (`undefined + 1`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UsageSummaryGroup {
    pub key: String,
    pub records: f64,
    pub success: f64,
    pub error: f64,
    pub aborted: f64,
    pub skipped: f64,
    pub input_tokens: f64,
    pub output_tokens: f64,
    pub cache_read_tokens: f64,
    pub cache_write_tokens: f64,
    pub reasoning_tokens: f64,
    pub total_tokens: f64,
    pub cost_usd: f64,
    pub other_statuses: Vec<(String, f64)>,
}

/// `UsageSummary`: the total group (key `"total"`) plus the four group lists.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UsageSummary {
    pub total: UsageSummaryGroup,
    pub by_provider: Vec<UsageSummaryGroup>,
    pub by_model: Vec<UsageSummaryGroup>,
    pub by_endpoint: Vec<UsageSummaryGroup>,
    pub by_client_origin: Vec<UsageSummaryGroup>,
}

/// What one record adds to every group it belongs to.
struct Delta<'a> {
    status: &'a str,
    input: f64,
    output: f64,
    cache_read: f64,
    cache_write: f64,
    reasoning: f64,
    total_tokens: f64,
    cost: f64,
}

impl<'a> Delta<'a> {
    fn of(f: &UsageFacts<'a>) -> Self {
        let a: &Amounts = &f.amounts;
        Delta {
            // `group[record.status] += 1`: a missing status is the property "undefined".
            status: f.status.unwrap_or("undefined"),
            input: a.usage_input.or(a.input_tokens).unwrap_or(0.0),
            output: a.usage_output.or(a.output_tokens).unwrap_or(0.0),
            cache_read: a.usage_cache_read.unwrap_or(0.0),
            cache_write: a.usage_cache_write.unwrap_or(0.0),
            reasoning: a.usage_reasoning.unwrap_or(0.0),
            total_tokens: a
                .usage_total_tokens
                .unwrap_or_else(|| a.input_tokens.unwrap_or(0.0) + a.output_tokens.unwrap_or(0.0)),
            cost: a.cost_total.or(a.cost_usd).unwrap_or(0.0),
        }
    }
}

impl UsageSummaryGroup {
    pub fn new(key: impl Into<String>) -> Self {
        UsageSummaryGroup {
            key: key.into(),
            ..Default::default()
        }
    }

    fn add(&mut self, d: &Delta<'_>) {
        self.records += 1.0;
        self.count_status(d.status);
        self.input_tokens += d.input;
        self.output_tokens += d.output;
        self.cache_read_tokens += d.cache_read;
        self.cache_write_tokens += d.cache_write;
        self.reasoning_tokens += d.reasoning;
        self.total_tokens += d.total_tokens;
        self.cost_usd += d.cost;
    }

    /// The status counter is a property lookup in the reference, so a status that names another
    /// counter bumps that counter; `key` and `__proto__` cannot be counted and are skipped.
    fn count_status(&mut self, status: &str) {
        let slot = match status {
            "success" => &mut self.success,
            "error" => &mut self.error,
            "aborted" => &mut self.aborted,
            "skipped" => &mut self.skipped,
            "records" => &mut self.records,
            "inputTokens" => &mut self.input_tokens,
            "outputTokens" => &mut self.output_tokens,
            "cacheReadTokens" => &mut self.cache_read_tokens,
            "cacheWriteTokens" => &mut self.cache_write_tokens,
            "reasoningTokens" => &mut self.reasoning_tokens,
            "totalTokens" => &mut self.total_tokens,
            "costUsd" => &mut self.cost_usd,
            "key" | "__proto__" => return,
            other => {
                if !self.other_statuses.iter().any(|(k, _)| k == other) {
                    self.other_statuses.push((other.to_owned(), f64::NAN));
                }
                return;
            }
        };
        *slot += 1.0;
    }
}

/// Groups keyed by a record field, in first-seen order.
#[derive(Default)]
struct Groups<'a> {
    index: HashMap<&'a str, usize>,
    list: Vec<UsageSummaryGroup>,
}

impl<'a> Groups<'a> {
    fn add(&mut self, key: &'a str, d: &Delta<'_>) {
        let at = match self.index.get(key) {
            Some(&at) => at,
            None => {
                self.list.push(UsageSummaryGroup::new(key));
                self.index.insert(key, self.list.len() - 1);
                self.list.len() - 1
            }
        };
        self.list[at].add(d);
    }

    fn into_sorted(self) -> Vec<UsageSummaryGroup> {
        let mut list = self.list;
        list.sort_by(compare_groups);
        list
    }
}

/// Cost desc, total tokens desc, then `localeCompare` on the key. NaN sorts as -Infinity so the
/// order stays total (the reference's comparator is undefined there).
fn compare_groups(a: &UsageSummaryGroup, b: &UsageSummaryGroup) -> Ordering {
    let rank = |x: f64| {
        if x.is_nan() {
            f64::NEG_INFINITY
        } else {
            x + 0.0
        }
    };
    let desc = |x: f64, y: f64| rank(y).partial_cmp(&rank(x)).unwrap_or(Ordering::Equal);
    desc(a.cost_usd, b.cost_usd)
        .then_with(|| desc(a.total_tokens, b.total_tokens))
        .then_with(|| locale_compare(&a.key, &b.key))
}

/// Summarizes the records at `indices` of `source`, in that order.
pub fn summarize_facts<S, I>(source: &S, indices: I) -> UsageSummary
where
    S: FactSource + ?Sized,
    I: IntoIterator<Item = usize>,
{
    let mut total = UsageSummaryGroup::new("total");
    let (mut provider, mut model, mut endpoint, mut origin) = (
        Groups::default(),
        Groups::default(),
        Groups::default(),
        Groups::default(),
    );
    for i in indices {
        let f = source.facts(i);
        let d = Delta::of(&f);
        total.add(&d);
        provider.add(f.provider.unwrap_or("unknown"), &d);
        model.add(f.model.unwrap_or("unknown"), &d);
        endpoint.add(f.endpoint.unwrap_or("unknown"), &d);
        origin.add(f.client_origin.unwrap_or("unknown"), &d);
    }
    UsageSummary {
        total,
        by_provider: provider.into_sorted(),
        by_model: model.into_sorted(),
        by_endpoint: endpoint.into_sorted(),
        by_client_origin: origin.into_sorted(),
    }
}

/// `summarizeUsageRecords(records)` over records held as JSON objects.
pub fn summarize_usage_records(records: &[Map<String, Value>]) -> UsageSummary {
    summarize_facts(records, 0..records.len())
}

impl UsageSummaryGroup {
    fn fields(&self) -> [(&'static str, f64); 12] {
        [
            ("records", self.records),
            ("success", self.success),
            ("error", self.error),
            ("aborted", self.aborted),
            ("skipped", self.skipped),
            ("inputTokens", self.input_tokens),
            ("outputTokens", self.output_tokens),
            ("cacheReadTokens", self.cache_read_tokens),
            ("cacheWriteTokens", self.cache_write_tokens),
            ("reasoningTokens", self.reasoning_tokens),
            ("totalTokens", self.total_tokens),
            ("costUsd", self.cost_usd),
        ]
    }

    fn serialize_entries<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("key", &self.key)?;
        for (name, value) in self.fields() {
            map.serialize_entry(name, &value)?;
        }
        for (name, value) in &self.other_statuses {
            map.serialize_entry(name, value)?;
        }
        Ok(())
    }
}

/// Serializes in the reference's key order. `NaN` stays a float; JSON writers turn it into `null`.
impl Serialize for UsageSummaryGroup {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        self.serialize_entries(&mut map)?;
        map.end()
    }
}

impl Serialize for UsageSummary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        self.total.serialize_entries(&mut map)?;
        map.serialize_entry("byProvider", &self.by_provider)?;
        map.serialize_entry("byModel", &self.by_model)?;
        map.serialize_entry("byEndpoint", &self.by_endpoint)?;
        map.serialize_entry("byClientOrigin", &self.by_client_origin)?;
        map.end()
    }
}
