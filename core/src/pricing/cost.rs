//! `computeUsageCost`: tokens × merged rates → a [`PricedCost`] that names its source and version.

use serde::{Deserialize, Serialize};

use super::overrides::PriceOverrides;
use super::rates::Rates;
use super::table::base_table;
use crate::usage::UsageTokens;

/// How the caller's token counts overlap (provider conventions differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CostOptions {
    /// `input` includes the cache reads and writes (OpenAI's `prompt_tokens`); they are
    /// subtracted before pricing input. Default `false`: [`UsageTokens::input`] is the uncached
    /// part (Anthropic's `input_tokens`, and what usage records hold).
    pub input_includes_cache: bool,
    /// `output` includes `reasoning` (OpenAI's `completion_tokens`). Default `true`. When
    /// `false`, reasoning tokens are billed in addition to output.
    pub output_includes_reasoning: bool,
}

impl Default for CostOptions {
    fn default() -> Self {
        CostOptions {
            input_includes_cache: false,
            output_includes_reasoning: true,
        }
    }
}

/// A computed `UsageCost` plus the price version used. When no price is known every amount is
/// `None` (JSON `null`) and `pricingSource` is `"unknown"`: never a made-up $0.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PricedCost {
    /// USD for uncached input tokens.
    pub input: Option<f64>,
    /// USD for output tokens (reasoning excluded when it is priced apart).
    pub output: Option<f64>,
    /// USD for cache reads.
    pub cache_read: Option<f64>,
    /// USD for cache writes.
    pub cache_write: Option<f64>,
    /// USD for reasoning tokens, present when the tokens report reasoning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<f64>,
    /// The sum.
    pub total: Option<f64>,
    /// Always `"USD"`.
    pub currency: &'static str,
    /// `"override"` when an override applied, `"provider"` for the base table's list price,
    /// `"unknown"` when neither prices the model.
    pub pricing_source: &'static str,
    /// The base table's `source@version` (for example `genai-prices@0.1.8`), kept with the cost
    /// so an old record can be explained.
    pub pricing_version: String,
}

/// The cost of `tokens` for `provider`/`model` (a `vendor/model` name is also tried by its last
/// segment): base rates, then every matching override field by field from least to most
/// specific. Input and output must both be priced, else the cost is unknown; an unpriced
/// cache read or write is billed at the input rate, unpriced reasoning at the output rate.
///
/// ```
/// use pie_storage_core::pricing::{compute_usage_cost, CostOptions, PriceOverrides};
/// use pie_storage_core::usage::UsageTokens;
///
/// let tokens = UsageTokens { input: 1_000_000.0, output: 100_000.0, ..Default::default() };
/// let cost = compute_usage_cost(&tokens, "anthropic", "claude-sonnet-4-5",
///     &PriceOverrides::default(), CostOptions::default());
/// assert_eq!((cost.total, cost.pricing_source), (Some(4.5), "provider"));
/// assert_eq!(cost.pricing_version, "genai-prices@0.1.8");
/// ```
pub fn compute_usage_cost(
    tokens: &UsageTokens,
    provider: &str,
    model: &str,
    overrides: &PriceOverrides,
    options: CostOptions,
) -> PricedCost {
    let table = base_table();
    let (rates, overridden) = merged_rates(provider, model, overrides);
    let version = table.info.version_id();
    match (rates.input, rates.output) {
        (Some(input), Some(output)) => {
            let source = if overridden { "override" } else { "provider" };
            priced(
                tokens,
                Rates {
                    input: Some(input),
                    output: Some(output),
                    ..rates
                },
                options,
                source,
                version,
            )
        }
        _ => unknown(tokens, version),
    }
}

/// The base rates of the first model name that has any, with the overrides laid over them.
fn merged_rates(provider: &str, model: &str, overrides: &PriceOverrides) -> (Rates, bool) {
    let short = model.rsplit('/').next().unwrap_or(model);
    let names: &[&str] = if short == model {
        &[model]
    } else {
        &[model, short]
    };
    let mut best = (Rates::default(), false);
    for name in names {
        let base = base_table().lookup(provider, name).unwrap_or_default();
        let layers = overrides.matching(provider, name);
        let rates = layers.iter().fold(base, |acc, top| acc.merged_with(top));
        if !layers.is_empty() || !base.is_empty() {
            best = (rates, !layers.is_empty());
            break;
        }
    }
    best
}

fn priced(
    t: &UsageTokens,
    r: Rates,
    o: CostOptions,
    source: &'static str,
    version: String,
) -> PricedCost {
    let (input_rate, output_rate) = (r.input.unwrap_or(0.0), r.output.unwrap_or(0.0));
    let per = |tokens: f64, rate: f64| tokens * rate / 1_000_000.0;
    let uncached = if o.input_includes_cache {
        (t.input - t.cache_read - t.cache_write).max(0.0)
    } else {
        t.input
    };
    let reasoning_tokens = t.reasoning.unwrap_or(0.0);
    // Reasoning priced apart (or billed on top) leaves output; folded into output it stays there.
    let apart = r.reasoning.is_some() || !o.output_includes_reasoning;
    let output_tokens = if apart && o.output_includes_reasoning {
        (t.output - reasoning_tokens).max(0.0)
    } else {
        t.output
    };
    let reasoning = t.reasoning.map(|n| {
        if apart {
            per(n, r.reasoning.unwrap_or(output_rate))
        } else {
            0.0
        }
    });
    let parts = [
        per(uncached, input_rate),
        per(output_tokens, output_rate),
        per(t.cache_read, r.cache_read.unwrap_or(input_rate)),
        per(t.cache_write, r.cache_write.unwrap_or(input_rate)),
    ];
    PricedCost {
        input: Some(parts[0]),
        output: Some(parts[1]),
        cache_read: Some(parts[2]),
        cache_write: Some(parts[3]),
        reasoning,
        total: Some(parts.iter().sum::<f64>() + reasoning.unwrap_or(0.0)),
        currency: "USD",
        pricing_source: source,
        pricing_version: version,
    }
}

fn unknown(_tokens: &UsageTokens, version: String) -> PricedCost {
    PricedCost {
        input: None,
        output: None,
        cache_read: None,
        cache_write: None,
        reasoning: None,
        total: None,
        currency: "USD",
        pricing_source: "unknown",
        pricing_version: version,
    }
}
