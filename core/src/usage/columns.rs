//! Records as columns: dictionary-coded text fields and a flat block of amounts.
//!
//! This is how JavaScript hosts hand arrays of record objects to the core without crossing the
//! boundary once per object: they send each needed field as one typed array. The same layout is
//! the basis of the in-memory index of large usage files.

use super::facts::{Amounts, FactSource, UsageFacts};

/// Text fields a query or summary may read, in column order.
pub const TEXT_FIELDS: [&str; 9] = [
    "timestamp",
    "status",
    "routingMode",
    "resolvedProvider",
    "resolvedModel",
    "requestId",
    "agentRunId",
    "endpoint",
    "clientOrigin",
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

/// One dictionary-coded text column: `ids[i] == 0` means missing, `k` means `dict[k - 1]`.
#[derive(Clone, Debug, Default)]
pub struct TextColumn {
    pub ids: Vec<u32>,
    pub dict: Vec<String>,
}

impl TextColumn {
    fn get(&self, row: usize) -> Option<&str> {
        let id = *self.ids.get(row)? as usize;
        id.checked_sub(1)
            .and_then(|k| self.dict.get(k))
            .map(String::as_str)
    }

    /// Builds the dictionary from one string holding every entry back to back, split by
    /// UTF-16 lengths (the unit JavaScript measures strings in).
    pub fn from_joined(ids: Vec<u32>, joined: &str, utf16_lengths: &[u32]) -> Self {
        let mut dict = Vec::with_capacity(utf16_lengths.len());
        let mut rest = joined;
        for &len in utf16_lengths {
            let mut units = 0usize;
            let mut end = 0usize;
            for c in rest.chars() {
                if units >= len as usize {
                    break;
                }
                units += c.len_utf16();
                end += c.len_utf8();
            }
            dict.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
        TextColumn { ids, dict }
    }
}

/// A batch of records as columns. Absent columns read as missing fields.
#[derive(Clone, Debug, Default)]
pub struct UsageColumns {
    pub rows: usize,
    pub text: [Option<TextColumn>; 9],
    /// `rows * AMOUNT_SLOTS` numbers; a slot counts only when its bit is set in `present`.
    pub amounts: Vec<f64>,
    pub present: Vec<u16>,
}

impl UsageColumns {
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

    fn amount(&self, row: usize, slot: usize) -> Option<f64> {
        let mask = *self.present.get(row)?;
        if mask & (1 << slot) == 0 {
            return None;
        }
        self.amounts.get(row * AMOUNT_SLOTS + slot).copied()
    }
}

impl FactSource for UsageColumns {
    fn len(&self) -> usize {
        self.rows
    }

    fn facts(&self, row: usize) -> UsageFacts<'_> {
        let t = |c| self.text_at(c, row);
        let a = |s| self.amount(row, s);
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
            amounts: Amounts {
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
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_dictionary_by_utf16_lengths() {
        let col = TextColumn::from_joined(vec![1, 0, 2, 3], "a😀bé", &[1, 3, 1]);
        assert_eq!(col.dict, vec!["a", "😀b", "é"]);
        assert_eq!(col.get(0), Some("a"));
        assert_eq!(col.get(1), None);
        assert_eq!(col.get(3), Some("é"));
    }
}
