//! Records as columns: dictionary-coded text fields and a flat block of amounts.
//!
//! This is how JavaScript hosts hand arrays of record objects to the core without crossing the
//! boundary once per object: they send each needed field as one typed array. The same layout is
//! the basis of the in-memory index of large usage files.

use std::collections::HashMap;

use super::facts::{Amounts, FactSource, UsageFacts};
use super::fnv::FnvBuild;
use super::query::time_of;
use super::summary::GROUP_FIELDS;

/// The number of `TEXT_FIELDS`.
pub const TEXT_COUNT: usize = 12;

/// Text fields a query or summary may read, in column order. The last three are read only by
/// the extra summary groups (`groupBy`); they come last so older column numbers stay.
pub const TEXT_FIELDS: [&str; TEXT_COUNT] = [
    "timestamp",
    "status",
    "routingMode",
    "resolvedProvider",
    "resolvedModel",
    "requestId",
    "agentRunId",
    "endpoint",
    "clientOrigin",
    "connectionId",
    "apiKeyId",
    "requestedModel",
];

/// Amount fields, in slot order within a record's block of [`AMOUNT_SLOTS`] numbers.
/// Paths with a dot are nested (`usage.input` is `record.usage.input`).
pub const AMOUNT_FIELDS: [&str; 10] = [
    "usage.input",
    "usage.output",
    "usage.cacheRead",
    "usage.cacheWrite",
    "usage.reasoning",
    "usage.totalTokens",
    "inputTokens",
    "outputTokens",
    "cost.total",
    "costUsd",
];

pub const AMOUNT_SLOTS: usize = AMOUNT_FIELDS.len();

/// A text column, dictionary-coded for fields with few distinct values (provider, status...)
/// or plain for fields where nearly every value differs (timestamps, request ids).
#[derive(Clone, Debug)]
pub enum TextColumn {
    /// `ids[i] == 0` means missing, `k` means `dict[k - 1]`.
    /// Few distinct values: ids into a dictionary.
    Dict {
        /// Per row: 0 for missing, else a 1-based position in `dict`.
        ids: Vec<u32>,
        /// The distinct values.
        dict: Vec<String>,
    },
    /// Row `i` is `text[starts[i]..starts[i + 1]]`, or missing when `missing[i]` is set.
    Plain {
        /// Every row's value joined.
        text: String,
        /// Byte offset of each row's value in `text`.
        starts: Vec<usize>,
        /// Rows without a value.
        missing: Vec<bool>,
    },
}

/// UTF-16 length marking a missing value in [`TextColumn::plain_from_joined`].
pub const MISSING_LENGTH: u32 = u32::MAX;

impl TextColumn {
    /// Row `row`'s value; `None` when missing.
    pub fn get(&self, row: usize) -> Option<&str> {
        match self {
            TextColumn::Dict { ids, dict } => {
                let id = *ids.get(row)? as usize;
                id.checked_sub(1)
                    .and_then(|k| dict.get(k))
                    .map(String::as_str)
            }
            TextColumn::Plain {
                text,
                starts,
                missing,
            } => {
                if *missing.get(row)? {
                    return None;
                }
                text.get(*starts.get(row)?..*starts.get(row + 1)?)
            }
        }
    }

    /// The dictionary id of a row (0 = missing), for grouping without hashing strings.
    pub fn id(&self, row: usize) -> Option<u32> {
        match self {
            TextColumn::Dict { ids, .. } => ids.get(row).copied(),
            TextColumn::Plain { .. } => None,
        }
    }

    /// A plain column from every row's value back to back, with each row's UTF-16 length
    /// ([`MISSING_LENGTH`] for a missing value).
    pub fn plain_from_joined(joined: String, utf16_lengths: &[u32]) -> Self {
        let mut starts = Vec::with_capacity(utf16_lengths.len() + 1);
        let mut missing = Vec::with_capacity(utf16_lengths.len());
        let ascii = joined.is_ascii();
        let mut at = 0usize;
        starts.push(0);
        for &len in utf16_lengths {
            let is_missing = len == MISSING_LENGTH;
            missing.push(is_missing);
            if !is_missing {
                at = if ascii {
                    (at + len as usize).min(joined.len())
                } else {
                    advance_utf16(&joined, at, len)
                };
            }
            starts.push(at);
        }
        TextColumn::Plain {
            text: joined,
            starts,
            missing,
        }
    }

    /// Builds the dictionary from one string holding every entry back to back, split by
    /// UTF-16 lengths (the unit JavaScript measures strings in).
    pub fn dict_from_joined(ids: Vec<u32>, joined: &str, utf16_lengths: &[u32]) -> Self {
        let mut dict = Vec::with_capacity(utf16_lengths.len());
        let mut at = 0usize;
        for &len in utf16_lengths {
            let end = advance_utf16(joined, at, len);
            dict.push(joined[at..end].to_owned());
            at = end;
        }
        TextColumn::Dict { ids, dict }
    }
}

/// The byte index `len` UTF-16 units after byte index `from` (clamped to the end).
fn advance_utf16(text: &str, from: usize, len: u32) -> usize {
    let mut units = 0usize;
    let mut end = from;
    for c in text[from..].chars() {
        if units >= len as usize {
            break;
        }
        units += c.len_utf16();
        end += c.len_utf8();
    }
    end
}

/// A batch of records as columns. Absent columns read as missing fields.
#[derive(Clone, Debug, Default)]
pub struct UsageColumns {
    /// Records in the batch.
    pub rows: usize,
    /// One column per name of [`TEXT_FIELDS`], in that order.
    pub text: [Option<TextColumn>; TEXT_COUNT],
    /// `rows * AMOUNT_SLOTS` numbers; a slot counts only when its bit is set in `present`.
    pub amounts: Vec<f64>,
    /// Per row, one bit per [`AMOUNT_FIELDS`] slot that holds a number.
    pub present: Vec<u16>,
    /// `Date.parse` of each row's timestamp (NaN when missing or invalid), when computed up
    /// front; the timestamp text column is then absent.
    pub times: Option<Vec<f64>>,
    /// Whether `times` holds no NaN and never decreases (an append-only log usually does):
    /// time bounds are then a range of rows, found by binary search, and no sort is needed.
    pub times_in_order: bool,
}

impl UsageColumns {
    /// `rows` records with every field missing.
    pub fn new(rows: usize) -> Self {
        UsageColumns {
            rows,
            ..Default::default()
        }
    }

    /// Sets the column for a field of [`TEXT_FIELDS`]; returns false for an unknown field.
    pub fn set_text(&mut self, field: &str, column: TextColumn) -> bool {
        match TEXT_FIELDS.iter().position(|f| *f == field) {
            Some(at) => {
                self.text[at] = Some(column);
                true
            }
            None => false,
        }
    }

    fn text_at(&self, column: usize, row: usize) -> Option<&str> {
        self.text[column].as_ref().and_then(|c| c.get(row))
    }

    /// The column of a field of [`TEXT_FIELDS`], if it was sent.
    pub fn column(&self, field: &str) -> Option<&TextColumn> {
        let at = TEXT_FIELDS.iter().position(|f| *f == field)?;
        self.text[at].as_ref()
    }

    /// The amounts of one row.
    pub fn amounts_of(&self, row: usize) -> Amounts {
        let mask = self.present.get(row).copied().unwrap_or(0);
        let block = self
            .amounts
            .get(row * AMOUNT_SLOTS..(row + 1) * AMOUNT_SLOTS);
        let a = |s: usize| match block {
            Some(block) if mask & (1 << s) != 0 => Some(block[s]),
            _ => None,
        };
        Amounts {
            usage_input: a(0),
            usage_output: a(1),
            usage_cache_read: a(2),
            usage_cache_write: a(3),
            usage_reasoning: a(4),
            usage_total_tokens: a(5),
            input_tokens: a(6),
            output_tokens: a(7),
            cost_total: a(8),
            cost_usd: a(9),
        }
    }
}

impl FactSource for UsageColumns {
    fn len(&self) -> usize {
        self.rows
    }

    fn timestamp(&self, row: usize) -> Option<&str> {
        self.text_at(0, row)
    }

    fn time(&self, row: usize) -> f64 {
        match &self.times {
            Some(times) => times.get(row).copied().unwrap_or(f64::NAN),
            None => time_of(self.timestamp(row)),
        }
    }

    fn as_columns(&self) -> Option<&UsageColumns> {
        Some(self)
    }

    fn facts(&self, row: usize) -> UsageFacts<'_> {
        let t = |c| self.text_at(c, row);
        UsageFacts {
            timestamp: t(0),
            status: t(1),
            routing_mode: t(2),
            provider: t(3),
            model: t(4),
            request_id: t(5),
            agent_run_id: t(6),
            endpoint: t(7),
            client_origin: t(8),
            connection_id: t(9),
            api_key_id: t(10),
            requested_model: t(11),
            amounts: self.amounts_of(row),
        }
    }
}

/// Builds [`UsageColumns`] one record at a time (dictionary columns for the low-cardinality
/// fields, plain columns for ids). The columns are readable while they grow, which is what the
/// incremental file index needs; [`ColumnsBuilder::truncate`] drops rows from the end.
pub struct ColumnsBuilder {
    columns: UsageColumns,
    /// Value → dictionary id, for the dictionary columns.
    lookups: [Option<HashMap<String, u32, FnvBuild>>; TEXT_COUNT],
    /// Rows whose time depends on the host time zone (no offset in the timestamp), with their
    /// timestamp text, when timestamps are kept as parsed times only.
    zone_dependent: Vec<(usize, String)>,
}

/// Fields where nearly every value differs: kept (and sent by hosts) as plain columns.
pub const PLAIN_FIELDS: [&str; 3] = ["timestamp", "requestId", "agentRunId"];

/// The wire layout of [`UsageColumns`], as hosts that encode records must follow it: which
/// text fields exist and how each is coded, and the amount slots in block order (slot `k` of a
/// row is `amounts[row * AMOUNT_SLOTS + k]`, present when bit `k` of `present[row]` is set).
/// The JavaScript encoder reads this at load time instead of spelling the layout itself.
#[derive(Clone, Copy, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnLayout {
    /// [`TEXT_FIELDS`], in column order.
    pub text_fields: &'static [&'static str],
    /// [`PLAIN_FIELDS`]: the text fields sent as plain columns; the others are dictionaries.
    pub plain_fields: &'static [&'static str],
    /// [`AMOUNT_FIELDS`], in slot order; a dot means a nested field.
    pub amount_fields: &'static [&'static str],
    /// The text columns a summary reads: `status`, then [`GROUP_FIELDS`] in group order.
    pub summary_fields: &'static [&'static str],
    /// [`MISSING_LENGTH`], the UTF-16 length that marks a missing value of a plain column.
    pub missing_length: u32,
}

/// The layout of [`UsageColumns`].
pub const COLUMN_LAYOUT: ColumnLayout = ColumnLayout {
    text_fields: &TEXT_FIELDS,
    plain_fields: &PLAIN_FIELDS,
    amount_fields: &AMOUNT_FIELDS,
    summary_fields: &SUMMARY_FIELDS,
    missing_length: MISSING_LENGTH,
};

/// `status` and the group fields: the text columns [`crate::usage::summarize_facts`] reads.
const SUMMARY_FIELDS: [&str; 5] = [
    "status",
    GROUP_FIELDS[0],
    GROUP_FIELDS[1],
    GROUP_FIELDS[2],
    GROUP_FIELDS[3],
];

/// How a builder keeps timestamps.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TimestampKeeping {
    /// The text, parsed when a query runs.
    Text,
    /// `Date.parse` of the text, computed once: 8 bytes a row and no parsing per query.
    Parsed,
}

impl Default for ColumnsBuilder {
    fn default() -> Self {
        ColumnsBuilder::new(TimestampKeeping::Text)
    }
}

impl ColumnsBuilder {
    pub fn new(timestamps: TimestampKeeping) -> Self {
        let parsed = timestamps == TimestampKeeping::Parsed;
        let mut columns = UsageColumns::new(0);
        for (at, field) in TEXT_FIELDS.iter().enumerate() {
            columns.text[at] = match *field {
                "timestamp" if parsed => None,
                f if PLAIN_FIELDS.contains(&f) => Some(TextColumn::Plain {
                    text: String::new(),
                    starts: vec![0],
                    missing: Vec::new(),
                }),
                _ => Some(TextColumn::Dict {
                    ids: Vec::new(),
                    dict: Vec::new(),
                }),
            };
        }
        if parsed {
            columns.times = Some(Vec::new());
            columns.times_in_order = true;
        }
        let lookups = TEXT_FIELDS.map(|f| (!PLAIN_FIELDS.contains(&f)).then(HashMap::default));
        ColumnsBuilder {
            columns,
            lookups,
            zone_dependent: Vec::new(),
        }
    }

    /// Appends one record given by its text fields (in [`TEXT_FIELDS`] order) and amounts.
    pub fn push(&mut self, texts: [Option<&str>; TEXT_COUNT], amounts: &Amounts) {
        let row = self.columns.rows;
        if let Some(times) = self.columns.times.as_mut() {
            let timestamp = texts[0];
            let t = time_of(timestamp);
            self.columns.times_in_order &=
                times.last().is_none_or(|&last| last <= t) && !t.is_nan();
            times.push(t);
            if let Some(t) = timestamp.filter(|t| depends_on_zone(t)) {
                self.zone_dependent.push((row, t.to_owned()));
            }
        }
        for ((column, lookup), value) in self
            .columns
            .text
            .iter_mut()
            .zip(self.lookups.iter_mut())
            .zip(texts)
        {
            if let Some(column) = column {
                push_text(column, lookup.as_mut(), value);
            }
        }
        let slots = [
            amounts.usage_input,
            amounts.usage_output,
            amounts.usage_cache_read,
            amounts.usage_cache_write,
            amounts.usage_reasoning,
            amounts.usage_total_tokens,
            amounts.input_tokens,
            amounts.output_tokens,
            amounts.cost_total,
            amounts.cost_usd,
        ];
        let mut mask = 0u16;
        for (slot, value) in slots.iter().enumerate() {
            self.columns.amounts.push(value.unwrap_or(0.0));
            if value.is_some() {
                mask |= 1 << slot;
            }
        }
        self.columns.present.push(mask);
        self.columns.rows += 1;
    }

    /// Appends the facts of a record.
    pub fn push_facts(&mut self, f: &UsageFacts<'_>) {
        let texts = TEXT_FIELDS.map(|name| f.field(name));
        self.push(texts, &f.amounts);
    }

    pub fn len(&self) -> usize {
        self.columns.rows
    }

    /// The rows so far.
    pub fn columns(&self) -> &UsageColumns {
        &self.columns
    }

    /// Rows whose parsed time depends on the host time zone, with their timestamp text.
    pub fn zone_dependent(&self) -> &[(usize, String)] {
        &self.zone_dependent
    }

    /// Drops every row from `rows` on. Dictionary entries stay (unused ids are harmless).
    pub fn truncate(&mut self, rows: usize) {
        let c = &mut self.columns;
        if rows >= c.rows {
            return;
        }
        for column in c.text.iter_mut().flatten() {
            match column {
                TextColumn::Dict { ids, .. } => ids.truncate(rows),
                TextColumn::Plain {
                    text,
                    starts,
                    missing,
                } => {
                    text.truncate(starts.get(rows).copied().unwrap_or(0));
                    starts.truncate(rows + 1);
                    missing.truncate(rows);
                }
            }
        }
        c.amounts.truncate(rows * AMOUNT_SLOTS);
        c.present.truncate(rows);
        if let Some(times) = c.times.as_mut() {
            times.truncate(rows);
        }
        c.times_in_order = times_in_order(c.times.as_deref());
        self.zone_dependent.retain(|(row, _)| *row < rows);
        c.rows = rows;
    }

    /// Rebuilds a builder around columns loaded from elsewhere (a persisted index), so rows can
    /// be appended to them.
    pub fn resume(mut columns: UsageColumns, zone_dependent: Vec<(usize, String)>) -> Self {
        columns.times_in_order = times_in_order(columns.times.as_deref());
        let lookups = std::array::from_fn(|at| match &columns.text[at] {
            Some(TextColumn::Dict { dict, .. }) => Some(
                dict.iter()
                    .enumerate()
                    .map(|(k, v)| (v.clone(), k as u32 + 1))
                    .collect(),
            ),
            _ => None,
        });
        ColumnsBuilder {
            columns,
            lookups,
            zone_dependent,
        }
    }

    pub fn finish(self) -> UsageColumns {
        self.columns
    }
}

fn times_in_order(times: Option<&[f64]>) -> bool {
    times.is_some_and(|t| !t.iter().any(|x| x.is_nan()) && t.windows(2).all(|w| w[0] <= w[1]))
}

/// Whether `Date.parse(timestamp)` reads it in the host time zone (a date-time without offset).
/// Timestamps ending in `Z` are the common case and never do.
fn depends_on_zone(timestamp: &str) -> bool {
    use crate::time::{parse_js_date_with, FixedZone};
    !timestamp.ends_with('Z')
        && parse_js_date_with(timestamp, &FixedZone(0))
            != parse_js_date_with(timestamp, &FixedZone(60))
}

fn push_text(
    column: &mut TextColumn,
    lookup: Option<&mut HashMap<String, u32, FnvBuild>>,
    value: Option<&str>,
) {
    match (column, lookup) {
        (TextColumn::Dict { ids, dict }, Some(index)) => {
            // Neighbouring records mostly share status, mode, provider...: try the last id first.
            let last = ids.last().copied().unwrap_or(0);
            let id = match value {
                None => 0,
                Some(v) if last > 0 && dict.get(last as usize - 1).is_some_and(|d| d == v) => last,
                Some(v) => match index.get(v) {
                    Some(&id) => id,
                    None => {
                        dict.push(v.to_owned());
                        let id = dict.len() as u32;
                        index.insert(v.to_owned(), id);
                        id
                    }
                },
            };
            ids.push(id);
        }
        (TextColumn::Dict { ids, .. }, None) => ids.push(0),
        (
            TextColumn::Plain {
                text,
                starts,
                missing,
            },
            _,
        ) => {
            missing.push(value.is_none());
            text.push_str(value.unwrap_or(""));
            starts.push(text.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_dictionary_by_utf16_lengths() {
        let col = TextColumn::dict_from_joined(vec![1, 0, 2, 3], "a😀bé", &[1, 3, 1]);
        assert_eq!(col.get(0), Some("a"));
        assert_eq!(col.get(1), None);
        assert_eq!(col.get(2), Some("😀b"));
        assert_eq!(col.get(3), Some("é"));
        assert_eq!(col.id(2), Some(2));
    }

    #[test]
    fn builder_round_trips_facts() {
        let mut b = ColumnsBuilder::default();
        let mut f = UsageFacts {
            provider: Some("openai"),
            timestamp: Some("t1"),
            ..Default::default()
        };
        f.amounts.cost_usd = Some(0.5);
        b.push_facts(&f);
        b.push_facts(&UsageFacts {
            provider: Some("openai"),
            ..Default::default()
        });
        let cols = b.finish();
        assert_eq!(cols.facts(0), f);
        assert_eq!(cols.facts(1).timestamp, None);
        assert_eq!(
            cols.column("resolvedProvider").and_then(|c| c.id(1)),
            Some(1)
        );
    }

    /// The names of the layout are the fields each slot and column really hold: a record with
    /// only one of them set lands in that slot (bit) or column and nowhere else.
    #[test]
    fn layout_names_match_what_records_fill() {
        for (slot, path) in COLUMN_LAYOUT.amount_fields.iter().enumerate() {
            let record = match path.split_once('.') {
                Some((outer, inner)) => serde_json::json!({ outer: { inner: 7.5 } }),
                None => serde_json::json!({ *path: 7.5 }),
            };
            let mut b = ColumnsBuilder::default();
            b.push_facts(&UsageFacts::from_object(record.as_object().unwrap()));
            let cols = b.finish();
            assert_eq!(cols.present, vec![1u16 << slot], "{path}");
            assert_eq!(cols.amounts[slot], 7.5, "{path}");
        }
        for (at, field) in COLUMN_LAYOUT.text_fields.iter().enumerate() {
            let record = serde_json::json!({ *field: "v" });
            let facts = UsageFacts::from_object(record.as_object().unwrap());
            let mut b = ColumnsBuilder::default();
            b.push_facts(&facts);
            let cols = b.finish();
            for (k, column) in cols.text.iter().enumerate() {
                let want = (k == at).then_some("v");
                assert_eq!(column.as_ref().and_then(|c| c.get(0)), want, "{field}");
            }
            let plain = matches!(cols.text[at], Some(TextColumn::Plain { .. }));
            assert_eq!(plain, COLUMN_LAYOUT.plain_fields.contains(field), "{field}");
        }
    }

    #[test]
    fn splits_plain_columns_by_utf16_lengths() {
        let col = TextColumn::plain_from_joined("ab😀é".into(), &[2, MISSING_LENGTH, 0, 3]);
        assert_eq!(col.get(0), Some("ab"));
        assert_eq!(col.get(1), None);
        assert_eq!(col.get(2), Some(""));
        assert_eq!(col.get(3), Some("😀é"));
        let ascii = TextColumn::plain_from_joined("2026x".into(), &[4, 1]);
        assert_eq!(ascii.get(1), Some("x"));
    }
}
