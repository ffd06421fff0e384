//! Typed reads of the routing settings (reference §1.4).

use serde_json::Value;

/// `AccountFallbackStrategy`: how the router picks among a provider's accounts. Stored
/// unvalidated, so an unknown value is kept; the router treats it like fill-first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FallbackStrategy {
    /// `"fill-first"`: the best account by priority (and quota score when quota ranks).
    FillFirst,
    /// `"round-robin"`: stay on the most recent account up to the sticky limit, then rotate.
    RoundRobin,
    /// `"quota-aware"`: fill-first, with quota ranking on by default.
    QuotaAware,
    /// Anything else, as stored (any JSON value).
    Other(Value),
}

impl FallbackStrategy {
    /// Reads a stored value; only the exact names are known.
    pub fn from_value(v: &Value) -> Self {
        match v.as_str() {
            Some("fill-first") => FallbackStrategy::FillFirst,
            Some("round-robin") => FallbackStrategy::RoundRobin,
            Some("quota-aware") => FallbackStrategy::QuotaAware,
            _ => FallbackStrategy::Other(v.clone()),
        }
    }

    /// The stored value.
    pub fn to_value(&self) -> Value {
        match self {
            FallbackStrategy::FillFirst => "fill-first".into(),
            FallbackStrategy::RoundRobin => "round-robin".into(),
            FallbackStrategy::QuotaAware => "quota-aware".into(),
            FallbackStrategy::Other(v) => v.clone(),
        }
    }
}
