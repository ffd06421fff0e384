//! Which strategy and sticky limit a combo rotates with (see the module docs of
//! [`super`] for the rule and why it departs from the reference).

use serde_json::Value;

use super::rotation::{parse_combo_sticky_limit, DEFAULT_COMBO_STICKY_LIMIT};

/// `RouterComboStrategy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComboStrategy {
    /// Try the models in their listed order.
    Fallback,
    /// Start each plan one model further along (see [`super::rotate_models`]).
    RoundRobin,
}

impl ComboStrategy {
    /// The stored string.
    pub fn as_str(self) -> &'static str {
        match self {
            ComboStrategy::Fallback => "fallback",
            ComboStrategy::RoundRobin => "round-robin",
        }
    }

    /// Exactly `"round-robin"` is round-robin; anything else is fallback (§2.4).
    pub fn parse(v: Option<&Value>) -> Self {
        match v {
            Some(Value::String(s)) if s == "round-robin" => ComboStrategy::RoundRobin,
            _ => ComboStrategy::Fallback,
        }
    }
}

/// How one combo rotates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComboRotationSettings {
    /// How routes are ordered.
    pub strategy: ComboStrategy,
    /// Plans in a row that start at the same model before rotating.
    pub sticky_limit: u64,
}

/// The strategy and sticky limit of `combo` (an element of `policy.combos`) under a
/// normalized router `policy`. Each field is taken from the first place that sets it:
/// `comboStrategies[combo.name]`, then the combo itself, then the global `comboStrategy` /
/// `comboStickyLimit`.
///
/// Normalization writes `"fallback"` and `1` wherever nothing was given, so those values
/// count as "not set": a strategy is set only when it is `"round-robin"`, a sticky limit only
/// when it parses (router rule, §2.7) to something other than 1. One exception: a
/// `comboStrategies` entry that is a plain string is always set, because normalization only
/// writes a string when the user gave one, so `"fallback"` there pins a combo to fallback.
pub fn resolve_combo_strategy(policy: &Value, combo: &Value) -> ComboRotationSettings {
    let name = combo
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let entry = policy.get("comboStrategies").and_then(|s| s.get(name));

    let strategy = match entry {
        Some(explicit @ Value::String(_)) => ComboStrategy::parse(Some(explicit)),
        _ => [entry.and_then(|e| e.get("strategy")), combo.get("strategy")]
            .into_iter()
            .map(ComboStrategy::parse)
            .find(|s| *s == ComboStrategy::RoundRobin)
            .unwrap_or_else(|| ComboStrategy::parse(policy.get("comboStrategy"))),
    };

    let sticky_limit = [
        entry.and_then(|e| e.get("stickyLimit")),
        combo.get("stickyLimit"),
    ]
    .into_iter()
    .flatten()
    .map(|v| parse_combo_sticky_limit(Some(v)))
    .find(|&limit| limit != DEFAULT_COMBO_STICKY_LIMIT)
    .unwrap_or_else(|| parse_combo_sticky_limit(policy.get("comboStickyLimit")));

    ComboRotationSettings {
        strategy,
        sticky_limit,
    }
}
