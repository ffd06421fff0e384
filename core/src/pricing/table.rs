//! The base price table shipped in the crate: converted at build time from a pinned release of
//! pydantic's genai-prices (MIT, `base-table.LICENSE`) by `scripts/prices.mjs`; never fetched.

use std::sync::OnceLock;

use serde::Deserialize;

use super::pattern::{specificity, Specificity};
use super::rates::Rates;

/// The committed table (`scripts/prices.mjs` re-creates it byte for byte).
const TABLE_JSON: &str = include_str!("base-table.json");

/// Where the base table comes from, as the API reports it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceTableInfo {
    /// Source id, `"genai-prices"`.
    pub source: String,
    /// The npm package the table was converted from.
    pub package: String,
    /// Its pinned version.
    pub version: String,
    /// The day that version was published.
    pub date: String,
    /// The tarball's npm integrity (`sha512-...`).
    pub integrity: String,
    /// The source's license.
    pub license: String,
}

impl PriceTableInfo {
    /// `source@version`: what a computed cost keeps as its `pricingVersion`.
    pub fn version_id(&self) -> String {
        format!("{}@{}", self.source, self.version)
    }
}

/// One row: `[pattern, input, output, cacheRead, cacheWrite, reasoning]`.
type Row = (
    String,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
);

#[derive(Deserialize)]
struct TableFile {
    source: String,
    package: String,
    version: String,
    date: String,
    integrity: String,
    license: String,
    providers: serde_json::Map<String, serde_json::Value>,
}

/// The parsed base table: provider id → rows in the source's order.
pub(crate) struct BaseTable {
    pub(crate) info: PriceTableInfo,
    providers: Vec<(String, Vec<(String, Rates)>)>,
}

/// The base table, parsed once per process.
pub(crate) fn base_table() -> &'static BaseTable {
    static TABLE: OnceLock<BaseTable> = OnceLock::new();
    TABLE.get_or_init(|| parse(TABLE_JSON))
}

fn parse(text: &str) -> BaseTable {
    let file: TableFile = serde_json::from_str(text).expect("the committed price table parses");
    let providers = file
        .providers
        .into_iter()
        .map(|(id, rows)| {
            let rows: Vec<Row> = serde_json::from_value(rows).expect("price table rows");
            let rows = rows
                .into_iter()
                .map(
                    |(pattern, input, output, cache_read, cache_write, reasoning)| {
                        (
                            pattern,
                            Rates {
                                input,
                                output,
                                cache_read,
                                cache_write,
                                reasoning,
                            },
                        )
                    },
                )
                .collect();
            (id, rows)
        })
        .collect();
    BaseTable {
        info: PriceTableInfo {
            source: file.source,
            package: file.package,
            version: file.version,
            date: file.date,
            integrity: file.integrity,
            license: file.license,
        },
        providers,
    }
}

impl BaseTable {
    /// The rates for `model`: the most specific row of `provider` (exact > longest glob > first
    /// in the source's order); when `provider` has no matching row, the most specific row of any
    /// provider, earlier providers first (routers name providers by their own ids: `claude`,
    /// `codex`, ...).
    pub(crate) fn lookup(&self, provider: &str, model: &str) -> Option<Rates> {
        let own = self.providers.iter().filter(|(id, _)| id == provider);
        best(own.flat_map(|(_, rows)| rows), model)
            .or_else(|| best(self.providers.iter().flat_map(|(_, rows)| rows), model))
    }
}

/// The most specific matching row; the first one on ties.
fn best<'a>(rows: impl Iterator<Item = &'a (String, Rates)>, model: &str) -> Option<Rates> {
    let mut found: Option<(Specificity, Rates)> = None;
    for (pattern, rates) in rows {
        if let Some(s) = specificity(pattern, model) {
            if found.is_none_or(|(best, _)| s > best) {
                found = Some((s, *rates));
            }
        }
    }
    found.map(|(_, rates)| rates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_table_parses_and_names_its_source() {
        let table = base_table();
        assert_eq!(table.info.version_id(), "genai-prices@0.1.8");
        assert!(table.providers.len() > 20);
        let sonnet = table
            .lookup("anthropic", "claude-sonnet-4-5")
            .expect("priced");
        assert_eq!((sonnet.input, sonnet.output), (Some(3.0), Some(15.0)));
    }
}
