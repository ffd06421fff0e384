//! Prices and costs: a base table shipped in the crate (pydantic's genai-prices, pinned and
//! converted at build time, never fetched), user overrides merged field by field
//! (`pricing-overrides.json`), and [`compute_usage_cost`]. The rules are in the README's
//! "Pricing" section.

mod cost;
mod overrides;
mod pattern;
mod rates;
mod store;
mod table;

pub use cost::{compute_usage_cost, CostOptions, PricedCost};
pub use overrides::{PriceOverrides, ANY_PROVIDER};
pub use rates::Rates;
pub use store::{JsonPriceOverrideStore, OverrideCall, PriceOverrideFile, PRICING_OVERRIDES_FILE};
pub use table::PriceTableInfo;

/// Where the shipped base table comes from (source, pinned version, date, integrity, license).
///
/// ```
/// let info = pie_storage_core::pricing::price_table_info();
/// assert_eq!((info.source.as_str(), info.version.as_str()), ("genai-prices", "0.1.8"));
/// ```
pub fn price_table_info() -> &'static PriceTableInfo {
    &table::base_table().info
}
