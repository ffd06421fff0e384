//! Pricing by npm name: `computeUsageCost`, `getPriceTableInfo` (pure), and the override
//! store's operations. JavaScript's loose token objects are coerced here (a missing count is 0).

use serde_json::{Map, Value};

use super::args::Args;
use crate::error::{Error, ErrorCode, Result};
use crate::pricing::{
    compute_usage_cost, price_table_info, CostOptions, OverrideCall, PriceOverrides, Rates,
};
use crate::usage::UsageTokens;

fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

/// A count of `tokens`: `None` when missing, `undefined` or `null`; a finite number ≥ 0
/// otherwise, anything else refused (a negative count would make a negative cost).
fn count(tokens: &Map<String, Value>, key: &str) -> Result<Option<f64>> {
    match tokens.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(n) if n.is_finite() && n >= 0.0 => Ok(Some(n)),
            _ => Err(invalid("token counts are finite numbers >= 0").with_field(key)),
        },
        Some(_) => Err(invalid("token counts are finite numbers >= 0").with_field(key)),
    }
}

fn tokens_of(value: Option<&Value>) -> Result<UsageTokens> {
    let t = value
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("tokens must be an object"))?;
    let n = |key| count(t, key).map(Option::unwrap_or_default);
    let (input, output, cache_read, cache_write) =
        (n("input")?, n("output")?, n("cacheRead")?, n("cacheWrite")?);
    Ok(UsageTokens {
        input,
        output,
        cache_read,
        cache_write,
        reasoning: count(t, "reasoning")?,
        total_tokens: count(t, "totalTokens")?.unwrap_or(input + output + cache_read + cache_write),
        estimated: None,
    })
}

/// `{overrides?, inputIncludesCache?, outputIncludesReasoning?}`.
fn options_of(value: Option<&Value>) -> Result<(PriceOverrides, CostOptions)> {
    let o = value
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let flag = |key: &str, default: bool| match o.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid("a cost option is a boolean").with_field(key)),
    };
    let defaults = CostOptions::default();
    let options = CostOptions {
        input_includes_cache: flag("inputIncludesCache", defaults.input_includes_cache)?,
        output_includes_reasoning: flag(
            "outputIncludesReasoning",
            defaults.output_includes_reasoning,
        )?,
    };
    let overrides = match o.get("overrides") {
        None | Some(Value::Null) => PriceOverrides::default(),
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|_| invalid("overrides are {overrides: {provider: {model: prices}}}"))?,
    };
    Ok((overrides, options))
}

/// The pure pricing functions by npm name; `None` for other names.
pub fn pricing_call(args: &Args) -> Option<Result<Value>> {
    Some(match args.op() {
        "computeUsageCost" => (|| {
            let tokens = tokens_of(args.get(0))?;
            let provider = args
                .text(1)
                .ok_or_else(|| invalid("provider must be a string"))?;
            let model = args
                .text(2)
                .ok_or_else(|| invalid("model must be a string"))?;
            let (overrides, options) = options_of(args.get(3))?;
            let cost = compute_usage_cost(&tokens, &provider, &model, &overrides, options);
            Ok(serde_json::to_value(cost).expect("cost serializes"))
        })(),
        "getPriceTableInfo" => {
            Ok(serde_json::to_value(price_table_info()).expect("info serializes"))
        }
        _ => return None,
    })
}

/// The override store operation `args.op()` names: `listPriceOverrides()`,
/// `setPriceOverride(provider, model, prices)`, `deletePriceOverride(provider, model?)`,
/// `resetPriceOverrides()`.
pub fn override_call(args: &Args) -> Result<OverrideCall> {
    let text = |at: usize, what: &str| args.text(at).ok_or_else(|| invalid(what));
    Ok(match args.op() {
        "listPriceOverrides" => OverrideCall::List,
        "setPriceOverride" => OverrideCall::Set {
            provider: text(0, "provider must be a string")?,
            model: text(1, "model must be a string")?,
            rates: Rates::from_json(args.get(2).unwrap_or(&Value::Null))?,
        },
        "deletePriceOverride" => OverrideCall::Delete {
            provider: text(0, "provider must be a string")?,
            model: args.text(1),
        },
        "resetPriceOverrides" => OverrideCall::Reset,
        other => {
            return Err(invalid(&format!(
                "unknown price override operation {other}"
            )))
        }
    })
}
