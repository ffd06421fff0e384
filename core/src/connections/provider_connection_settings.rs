//! [`ProviderConnectionSettings`]: a typed read view of the routing settings (reference §1.4).
//!
//! The stored settings keep most scalars unvalidated (`"abc"` as a sticky limit is stored as
//! is, §2.2) and each consumer parses them its own way, so the view does not pick one parse:
//! enums and blocks that normalization rebuilds are typed, the loose `number | string` fields
//! are handed out as stored, and [`ProviderConnectionSettings::selection_policy`],
//! [`ProviderConnectionSettings::budget_rule`] and [`RouterCombo::rotation`] give the values
//! the router, the budget and the route planner actually use, computed by their own functions.

use super::connection::listed_field;
use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::connection::JsonText;
use super::settings::merge_settings;
use super::Object;
use crate::js_value::{string_or_list, truthy};
use crate::routing::plan::{
    parse_combo_sticky_limit, resolve_combo_strategy, ComboRotationSettings, ComboStrategy,
};
use crate::routing::{resolve_budget_rule, BudgetRule, QuotaStrategy, SelectionPolicy};

static NULL: Value = Value::Null;

/// `ProviderConnectionSettings`, as a store returns them from `getSettings()`.
///
/// The raw object is kept as given (it serializes as itself); the accessors read it as the
/// store keeps it, merged with the defaults (`mergeProviderConnectionSettings`), so a partial
/// object reads like the settings a store would hold for it.
///
/// ```
/// use pie_storage_core::connections::{FallbackStrategy, ProviderConnectionSettings};
/// use pie_storage_core::routing::{BudgetMode, ComboStrategy, QuotaStrategy};
/// use serde_json::json;
///
/// let raw = json!({
///     "fallbackStrategy": "round-robin",
///     "stickyRoundRobinLimit": "2",
///     "providerStrategies": {"openai": {"quotaStrategy": "require-remaining"}},
///     "budgetLimits": {"mode": "block", "dailyUsd": "5"},
///     "routerPolicy": {"combos": [{"name": "coding", "models": "openai/gpt-5.4, anthropic/claude",
///                                  "strategy": "round-robin"}]},
/// });
/// let settings = ProviderConnectionSettings::from(raw.as_object().cloned().unwrap_or_default());
/// assert_eq!(settings.fallback_strategy(), FallbackStrategy::RoundRobin);
/// assert_eq!(settings.sticky_round_robin_limit(), &json!("2")); // stored unvalidated
///
/// // What the router makes of it for one provider: the override wins, "2" parses to 2.
/// let policy = settings.selection_policy("openai");
/// assert_eq!(policy.quota_strategy, QuotaStrategy::RequireRemaining);
/// assert_eq!(policy.sticky_round_robin_limit, 2.0);
///
/// assert_eq!(settings.budget_rule(None).mode, BudgetMode::Block);
/// assert_eq!(settings.budget_rule(None).daily_usd, Some(5.0));
///
/// let combo = settings.router_policy().combo("coding").expect("normalized combo");
/// assert_eq!(combo.models().collect::<Vec<_>>(), ["openai/gpt-5.4", "anthropic/claude"]);
/// assert_eq!(combo.rotation().strategy, ComboStrategy::RoundRobin);
/// ```
#[derive(Clone, PartialEq)]
pub struct ProviderConnectionSettings {
    raw: Object,
    /// `merge_settings(raw)`: every key, blocks normalized.
    merged: Value,
}

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

impl ProviderConnectionSettings {
    /// The 11 keys of `ProviderConnectionSettings` in the reference (§1.4), in its order: what
    /// `mergeProviderConnectionSettings` writes, and every key an accessor of this view reads
    /// (checked in debug builds). The npm package's interface declares exactly these
    /// (`tests/types/fields.json`).
    pub const FIELDS: &'static [&'static str] = &[
        "fallbackStrategy",
        "stickyRoundRobinLimit",
        "quotaStrategy",
        "quotaMinRemainingPercentage",
        "quotaMaxAgeMs",
        "quotaRefreshBeforeSelection",
        "quotaRefreshTtlMs",
        "rtkEnabled",
        "budgetLimits",
        "routerPolicy",
        "providerStrategies",
    ];

    /// The raw object, as given.
    pub fn as_object(&self) -> &Object {
        &self.raw
    }

    /// The raw object.
    pub fn into_object(self) -> Object {
        self.raw
    }

    /// A field of [`ProviderConnectionSettings::FIELDS`], merged with the defaults.
    fn field(&self, key: &str) -> &Value {
        match self.merged.as_object() {
            Some(merged) => listed_field(merged, Self::FIELDS, "ProviderConnectionSettings", key),
            None => None,
        }
        .unwrap_or(&NULL)
    }

    /// `fallbackStrategy` (default fill-first).
    pub fn fallback_strategy(&self) -> FallbackStrategy {
        FallbackStrategy::from_value(self.field("fallbackStrategy"))
    }

    /// `stickyRoundRobinLimit` as stored (default 3): a number or any string. The router's
    /// reading is [`SelectionPolicy::sticky_round_robin_limit`].
    pub fn sticky_round_robin_limit(&self) -> &Value {
        self.field("stickyRoundRobinLimit")
    }

    /// `quotaStrategy` (default prefer-remaining) as the router reads it: an unknown value,
    /// `""` included, is off.
    pub fn quota_strategy(&self) -> QuotaStrategy {
        QuotaStrategy::normalize(Some(self.field("quotaStrategy")))
    }

    /// `quotaMinRemainingPercentage` as stored (default 0); parsed by
    /// [`SelectionPolicy::quota_min_remaining_percentage`].
    pub fn quota_min_remaining_percentage(&self) -> &Value {
        self.field("quotaMinRemainingPercentage")
    }

    /// `quotaMaxAgeMs` as stored (default 300000); parsed by
    /// [`SelectionPolicy::quota_max_age_ms`].
    pub fn quota_max_age_ms(&self) -> &Value {
        self.field("quotaMaxAgeMs")
    }

    /// `quotaRefreshTtlMs` as stored (default 60000): how old a snapshot may be before the
    /// quota preparer fetches a new one.
    pub fn quota_refresh_ttl_ms(&self) -> &Value {
        self.field("quotaRefreshTtlMs")
    }

    /// `quotaRefreshBeforeSelection` (default true), tested for truthiness as the quota
    /// preparer does.
    pub fn quota_refresh_before_selection(&self) -> bool {
        truthy(Some(self.field("quotaRefreshBeforeSelection")))
    }

    /// `rtkEnabled` (default true), read for truthiness.
    pub fn rtk_enabled(&self) -> bool {
        truthy(Some(self.field("rtkEnabled")))
    }

    /// The budget rule for `provider` (trimmed, as the budget names it), or the global one:
    /// each field from the provider's `providerLimits` entry, else the global block
    /// ([`resolve_budget_rule`]). An entry with mode `"off"` exempts its provider.
    pub fn budget_rule(&self, provider: Option<&str>) -> BudgetRule {
        resolve_budget_rule(&self.merged, provider)
    }

    /// The providers with their own `budgetLimits.providerLimits` entry, in stored order.
    pub fn budget_limit_providers(&self) -> impl Iterator<Item = &str> {
        self.field("budgetLimits")
            .get("providerLimits")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|limits| limits.keys().map(String::as_str))
    }

    /// `routerPolicy`: aliases, intents and combos, normalized.
    pub fn router_policy(&self) -> RouterPolicy<'_> {
        RouterPolicy {
            policy: self.field("routerPolicy"),
        }
    }

    /// `providerStrategies`: the per-provider overrides, in stored order (entries that are not
    /// objects have no fields, as the router reads them, and are left out).
    pub fn provider_strategies(&self) -> impl Iterator<Item = (&str, ProviderStrategy<'_>)> {
        self.field("providerStrategies")
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(name, entry)| Some((name.as_str(), ProviderStrategy::of(entry)?)))
    }

    /// The override for `provider`, if it has one.
    pub fn provider_strategy(&self, provider: &str) -> Option<ProviderStrategy<'_>> {
        ProviderStrategy::of(self.field("providerStrategies").get(provider)?)
    }

    /// How the router selects among `provider`'s accounts under these settings: override,
    /// then global value, then the router's default, each parsed as the router parses it
    /// ([`SelectionPolicy::resolve`]). It reads the raw object as given, as
    /// [`crate::routing::SelectOptions::settings`] is read.
    pub fn selection_policy(&self, provider: &str) -> SelectionPolicy {
        SelectionPolicy::resolve(&self.raw, provider)
    }
}

impl Default for ProviderConnectionSettings {
    /// The settings of a fresh store (TV-2).
    fn default() -> Self {
        ProviderConnectionSettings::from(super::default_settings())
    }
}

impl From<Object> for ProviderConnectionSettings {
    fn from(raw: Object) -> Self {
        let merged = Value::Object(merge_settings(Some(&Value::Object(raw.clone()))));
        ProviderConnectionSettings { raw, merged }
    }
}

impl From<ProviderConnectionSettings> for Object {
    fn from(s: ProviderConnectionSettings) -> Self {
        s.raw
    }
}

impl Serialize for ProviderConnectionSettings {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

impl fmt::Debug for ProviderConnectionSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raw = Value::Object(self.raw.clone());
        f.debug_tuple("ProviderConnectionSettings")
            .field(&JsonText(&raw))
            .finish()
    }
}

/// `ProviderStrategyConfig`: one provider's overrides of the global strategy settings.
///
/// Entries are stored as given (never normalized, §2.2), so every field is optional and
/// `None` means "use the global value" (missing or `null`, the router's `??`).
#[derive(Clone, Copy, PartialEq)]
pub struct ProviderStrategy<'a> {
    entry: &'a Object,
}

impl<'a> ProviderStrategy<'a> {
    /// The fields of `ProviderStrategyConfig` in the reference (§1.4), in its order: every key
    /// an accessor of this view reads (checked in debug builds). The npm package's interface
    /// declares exactly these (`tests/types/fields.json`).
    pub const FIELDS: &'static [&'static str] = &[
        "fallbackStrategy",
        "stickyRoundRobinLimit",
        "quotaStrategy",
        "quotaMinRemainingPercentage",
        "quotaMaxAgeMs",
        "quotaRefreshTtlMs",
        "quotaRefreshBeforeSelection",
        "proxyPoolId",
    ];

    fn of(entry: &'a Value) -> Option<Self> {
        entry.as_object().map(|entry| ProviderStrategy { entry })
    }

    /// A field of [`ProviderStrategy::FIELDS`], when present and not `null`.
    fn present(&self, key: &str) -> Option<&'a Value> {
        listed_field(self.entry, Self::FIELDS, "ProviderStrategy", key).filter(|v| !v.is_null())
    }

    /// The entry as stored.
    pub fn as_object(&self) -> &'a Object {
        self.entry
    }

    /// `fallbackStrategy`.
    pub fn fallback_strategy(&self) -> Option<FallbackStrategy> {
        self.present("fallbackStrategy")
            .map(FallbackStrategy::from_value)
    }

    /// `stickyRoundRobinLimit` as stored.
    pub fn sticky_round_robin_limit(&self) -> Option<&'a Value> {
        self.present("stickyRoundRobinLimit")
    }

    /// `quotaStrategy` as the router reads an override: present wins, and an unknown value
    /// (`""`, which the server's settings route stores for "not chosen") is off.
    pub fn quota_strategy(&self) -> Option<QuotaStrategy> {
        self.present("quotaStrategy")
            .map(|v| QuotaStrategy::normalize(Some(v)))
    }

    /// `quotaMinRemainingPercentage` as stored.
    pub fn quota_min_remaining_percentage(&self) -> Option<&'a Value> {
        self.present("quotaMinRemainingPercentage")
    }

    /// `quotaMaxAgeMs` as stored.
    pub fn quota_max_age_ms(&self) -> Option<&'a Value> {
        self.present("quotaMaxAgeMs")
    }

    /// `quotaRefreshTtlMs` as stored.
    pub fn quota_refresh_ttl_ms(&self) -> Option<&'a Value> {
        self.present("quotaRefreshTtlMs")
    }

    /// `quotaRefreshBeforeSelection`, tested for truthiness.
    pub fn quota_refresh_before_selection(&self) -> Option<bool> {
        self.present("quotaRefreshBeforeSelection")
            .map(|v| truthy(Some(v)))
    }

    /// `proxyPoolId`: no consumer reads it (proxies come from each connection's
    /// `providerSpecificData.proxyPoolId`, see
    /// [`ProviderConnection::proxy_pool_id`](super::ProviderConnection::proxy_pool_id)).
    pub fn proxy_pool_id(&self) -> Option<&'a str> {
        self.present("proxyPoolId").and_then(Value::as_str)
    }
}

impl fmt::Debug for ProviderStrategy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entry = Value::Object(self.entry.clone());
        f.debug_tuple("ProviderStrategy")
            .field(&JsonText(&entry))
            .finish()
    }
}

/// `RouterPolicySettings`, normalized (§2.4): what route plans resolve requested models with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RouterPolicy<'a> {
    policy: &'a Value,
}

impl<'a> RouterPolicy<'a> {
    /// The normalized policy object.
    pub fn as_value(&self) -> &'a Value {
        self.policy
    }

    fn record(&self, key: &str) -> impl Iterator<Item = (&'a str, Vec<String>)> {
        self.policy
            .get(key)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, models)| (name.as_str(), string_or_list(models).unwrap_or_default()))
    }

    /// `aliases`: name → models (`"smart": ["openai/gpt-5.4", ...]`), in stored order.
    pub fn aliases(&self) -> impl Iterator<Item = (&'a str, Vec<String>)> {
        self.record("aliases")
    }

    /// The models of alias `name`.
    pub fn alias(&self, name: &str) -> Option<Vec<String>> {
        self.aliases().find(|(n, _)| *n == name).map(|(_, m)| m)
    }

    /// `intents`: intent → models (`auto:<intent>`, `cheap:<intent>`, `fast:<intent>`).
    pub fn intents(&self) -> impl Iterator<Item = (&'a str, Vec<String>)> {
        self.record("intents")
    }

    /// The models of intent `name`.
    pub fn intent(&self, name: &str) -> Option<Vec<String>> {
        self.intents().find(|(n, _)| *n == name).map(|(_, m)| m)
    }

    /// `combos`, in stored order (names are unique after normalization).
    pub fn combos(&self) -> impl Iterator<Item = RouterCombo<'a>> {
        let policy = self.policy;
        policy
            .get("combos")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(move |combo| RouterCombo { policy, combo })
    }

    /// The combo called `name`.
    pub fn combo(&self, name: &str) -> Option<RouterCombo<'a>> {
        self.combos().find(|c| c.name() == name)
    }

    /// `comboStrategy`: the global one, for combos that set none.
    pub fn combo_strategy(&self) -> ComboStrategy {
        ComboStrategy::parse(self.policy.get("comboStrategy"))
    }

    /// `comboStickyLimit`, as the router parses sticky limits (a non-positive or
    /// non-numeric value is 1).
    pub fn combo_sticky_limit(&self) -> u64 {
        parse_combo_sticky_limit(self.policy.get("comboStickyLimit"))
    }
}

/// `RouterPolicyCombo`: a named model list, normalized.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RouterCombo<'a> {
    policy: &'a Value,
    combo: &'a Value,
}

impl<'a> RouterCombo<'a> {
    /// The normalized combo object.
    pub fn as_value(&self) -> &'a Value {
        self.combo
    }

    /// `name`.
    pub fn name(&self) -> &'a str {
        self.combo
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// `models` (`provider/model` entries), in order, before any rotation.
    pub fn models(&self) -> impl Iterator<Item = &'a str> {
        self.combo
            .get("models")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// `kind` (free text), `None` when blank.
    pub fn kind(&self) -> Option<&'a str> {
        self.combo.get("kind").and_then(Value::as_str)
    }

    /// The combo's own `strategy` (normalization writes `"fallback"` when none was given).
    pub fn strategy(&self) -> ComboStrategy {
        ComboStrategy::parse(self.combo.get("strategy"))
    }

    /// The combo's own `stickyLimit`, as the router parses it.
    pub fn sticky_limit(&self) -> u64 {
        parse_combo_sticky_limit(self.combo.get("stickyLimit"))
    }

    /// How route plans rotate this combo: `comboStrategies[name]`, then the combo's own
    /// values, then the global ones, as route plans resolve it.
    pub fn rotation(&self) -> ComboRotationSettings {
        resolve_combo_strategy(self.policy, self.combo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::BudgetMode;
    use serde_json::json;

    fn settings(v: Value) -> ProviderConnectionSettings {
        ProviderConnectionSettings::from(v.as_object().cloned().unwrap_or_default())
    }

    /// `FIELDS` is what merging writes, in its order; every accessor reads a listed field.
    #[test]
    fn fields_are_what_merging_writes() {
        let merged = super::super::default_settings();
        let keys: Vec<&str> = merged.keys().map(String::as_str).collect();
        assert_eq!(keys, ProviderConnectionSettings::FIELDS);
        let entry: Object = ProviderStrategy::FIELDS
            .iter()
            .map(|k| ((*k).to_owned(), json!("1")))
            .collect();
        let s = settings(json!({"providerStrategies": {"p": entry}}));
        let p = s.provider_strategy("p").expect("an override");
        assert!(p.fallback_strategy().is_some() && p.sticky_round_robin_limit().is_some());
        assert!(p.quota_strategy().is_some() && p.quota_min_remaining_percentage().is_some());
        assert!(p.quota_max_age_ms().is_some() && p.quota_refresh_ttl_ms().is_some());
        assert!(p.quota_refresh_before_selection().is_some() && p.proxy_pool_id().is_some());
        let _ = (
            s.fallback_strategy(),
            s.sticky_round_robin_limit(),
            s.quota_strategy(),
        );
        let _ = (s.quota_min_remaining_percentage(), s.quota_max_age_ms());
        let _ = (s.quota_refresh_ttl_ms(), s.quota_refresh_before_selection());
        let _ = (s.rtk_enabled(), s.budget_rule(Some("p")), s.router_policy());
        assert_eq!(s.budget_limit_providers().count(), 0);
        assert_eq!(s.provider_strategies().count(), 1);
    }

    #[test]
    fn defaults_fill_a_partial_object_and_raw_is_kept() {
        let s = settings(json!({"unknownKey": 1}));
        assert_eq!(s.fallback_strategy(), FallbackStrategy::FillFirst);
        assert_eq!(s.sticky_round_robin_limit(), &json!(3));
        assert_eq!(s.quota_strategy(), QuotaStrategy::PreferRemaining);
        assert_eq!(
            (
                s.quota_min_remaining_percentage(),
                s.quota_max_age_ms(),
                s.quota_refresh_ttl_ms()
            ),
            (&json!(0), &json!(300000), &json!(60000))
        );
        assert!(s.quota_refresh_before_selection() && s.rtk_enabled());
        assert_eq!(s.budget_rule(None), BudgetRule::default());
        assert_eq!(s.router_policy().combos().count(), 0);
        assert_eq!(s.provider_strategies().count(), 0);
        // Unknown keys stay in the raw object (the store drops them when it writes).
        assert_eq!(s.as_object().get("unknownKey"), Some(&json!(1)));
        assert_eq!(
            serde_json::to_value(&s).ok(),
            Some(json!({"unknownKey": 1}))
        );
        assert_eq!(
            ProviderConnectionSettings::default().as_object(),
            &super::super::default_settings()
        );
    }

    #[test]
    fn unvalidated_values_are_kept_and_parsed_where_used() {
        let s = settings(
            json!({"fallbackStrategy": "bogus", "stickyRoundRobinLimit": "abc",
            "quotaStrategy": "", "quotaMaxAgeMs": "-1", "quotaMinRemainingPercentage": "150",
            "quotaRefreshBeforeSelection": 0, "rtkEnabled": false}),
        );
        assert_eq!(
            s.fallback_strategy(),
            FallbackStrategy::Other(json!("bogus"))
        );
        assert_eq!(s.sticky_round_robin_limit(), &json!("abc"));
        assert_eq!(s.quota_strategy(), QuotaStrategy::Off);
        assert!(!s.quota_refresh_before_selection() && !s.rtk_enabled());
        let policy = s.selection_policy("openai");
        assert_eq!(policy.strategy, FallbackStrategy::Other(json!("bogus")));
        assert_eq!(policy.sticky_round_robin_limit, 3.0);
        assert_eq!(policy.quota_max_age_ms, 300_000.0);
        assert_eq!(policy.quota_min_remaining_percentage, 100.0);
        assert_eq!(FallbackStrategy::Other(json!(5)).to_value(), json!(5));
        assert_eq!(
            FallbackStrategy::QuotaAware.to_value(),
            json!("quota-aware")
        );
    }

    #[test]
    fn provider_strategies_are_read_as_given() {
        let s = settings(
            json!({"fallbackStrategy": "quota-aware", "providerStrategies": {
            "openai": {"fallbackStrategy": "round-robin", "quotaStrategy": "", "stickyRoundRobinLimit": null,
                       "quotaRefreshBeforeSelection": false, "proxyPoolId": "p1"},
            "broken": "round-robin"}}),
        );
        let names: Vec<&str> = s.provider_strategies().map(|(n, _)| n).collect();
        assert_eq!(names, ["openai"]);
        let o = s.provider_strategy("openai").expect("override");
        assert_eq!(o.fallback_strategy(), Some(FallbackStrategy::RoundRobin));
        assert_eq!(o.quota_strategy(), Some(QuotaStrategy::Off));
        assert_eq!(o.sticky_round_robin_limit(), None);
        assert_eq!(o.quota_refresh_before_selection(), Some(false));
        assert_eq!(o.proxy_pool_id(), Some("p1"));
        assert!(s.provider_strategy("broken").is_none());
        // The router: the override's "" quota strategy is off; elsewhere quota-aware ranks.
        assert_eq!(
            s.selection_policy("openai").quota_strategy,
            QuotaStrategy::Off
        );
        assert_eq!(
            s.selection_policy("openai").strategy,
            FallbackStrategy::RoundRobin
        );
        assert_eq!(
            s.selection_policy("other").strategy,
            FallbackStrategy::QuotaAware
        );
    }

    #[test]
    fn budget_rules_resolve_per_provider() {
        let s = settings(
            json!({"budgetLimits": {"mode": "block", "dailyUsd": 5, "requestUsd": "-1",
            "providerLimits": {" openai ": {"mode": "off", "monthlyUsd": "9"}, "": {"mode": "warn"}}}}),
        );
        assert_eq!(s.budget_limit_providers().collect::<Vec<_>>(), ["openai"]);
        let global = s.budget_rule(None);
        assert_eq!(
            (global.mode, global.daily_usd, global.request_usd),
            (BudgetMode::Block, Some(5.0), None)
        );
        let openai = s.budget_rule(Some("openai"));
        assert_eq!(
            (openai.mode, openai.daily_usd, openai.monthly_usd),
            (BudgetMode::Off, Some(5.0), Some(9.0))
        );
    }

    #[test]
    fn router_policy_reads_the_normalized_policy() {
        let s = settings(json!({"routerPolicy": {
            "aliases": {"smart": "openai/a, anthropic/b", "one": "openai/c", "none": ""},
            "intents": {" code ": ["openai/a"]},
            "combos": [{"name": "c", "models": ["openai/a", "anthropic/b"], "kind": " fast ",
                        "strategy": "round-robin", "stickyLimit": "abc"},
                       {"name": "d", "models": "openai/a"}],
            "comboStrategy": "round-robin", "comboStickyLimit": "4",
            "comboStrategies": {"d": {"stickyLimit": 2}}}}));
        let policy = s.router_policy();
        assert_eq!(
            policy.aliases().collect::<Vec<_>>(),
            [
                (
                    "smart",
                    vec!["openai/a".to_owned(), "anthropic/b".to_owned()]
                ),
                ("one", vec!["openai/c".to_owned()])
            ]
        );
        assert_eq!(policy.intent("code"), Some(vec!["openai/a".to_owned()]));
        assert_eq!(policy.alias("none"), None);
        assert_eq!(
            (policy.combo_strategy(), policy.combo_sticky_limit()),
            (ComboStrategy::RoundRobin, 4)
        );
        let c = policy.combo("c").expect("combo c");
        assert_eq!(
            (c.name(), c.kind(), c.strategy(), c.sticky_limit()),
            ("c", Some("fast"), ComboStrategy::RoundRobin, 1)
        );
        let d = policy.combo("d").expect("combo d");
        assert_eq!((d.kind(), d.strategy()), (None, ComboStrategy::Fallback));
        // Effective rotation: d inherits the global round-robin and takes its override's limit.
        assert_eq!(
            d.rotation(),
            ComboRotationSettings {
                strategy: ComboStrategy::RoundRobin,
                sticky_limit: 2
            }
        );
        assert!(policy.combo("missing").is_none());
    }
}
