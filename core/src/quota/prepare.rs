//! The quota preparer (§6.7) as sans-I/O steps: a refresh **plan** from the stored state (the
//! settings, eligibility and TTL rules, each planned connection with its proxy route), the
//! fetches the host makes in parallel, then **one** locked mutation of
//! `provider-connections.json` that writes each snapshot and applies the deactivation rule, and
//! the connections the caller gets back (`getProviderConnections({provider, isActive: true})`).
//!
//! Fetching is the host's: it calls the fetcher it was given for each planned connection
//! (bounded, in parallel); refreshing an OAuth token before the quota call is the fetcher's job
//! too (it has the connection and the proxy route). A fetcher that throws gives the error
//! snapshot. Surprise kept from the reference: a fresh `error` or `unknown` snapshot has score
//! 0, so it ranks above a connection without a snapshot (-1).

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use super::deactivate::{decide, DeactivationRule, QuotaEvent, DEACTIVATION_MARK};
use super::record::{FetchOutcome, RecordedFetch};
use super::snapshot::{derive_quota_selection, QuotaSelection};
use crate::connections::state::sort_priority;
use crate::connections::{ConnectionState, Object, Patch, Stamp};
use crate::js_value::{number_value, parse_int, to_js_string, truthy};
use crate::proxy::{resolve_connection_proxy, ResolvedProxy};
use crate::routing::select::quota::snapshot;
use crate::time::{parse_js_date, to_iso_string};

/// Providers whose usage API the fetcher can query (`USAGE_SUPPORTED_PROVIDERS`).
pub const USAGE_SUPPORTED_PROVIDERS: &[&str] = &[
    "claude",
    "antigravity",
    "kiro",
    "github",
    "codex",
    "kimi-coding",
    "ollama",
    "gemini-cli",
    "glm",
    "glm-cn",
    "minimax",
    "minimax-cn",
];
/// Providers whose usage API also works with an API key.
pub const APIKEY_USAGE_PROVIDERS: &[&str] = &["glm", "glm-cn", "minimax", "minimax-cn"];
/// `quotaRefreshTtlMs` when the setting does not parse.
pub const DEFAULT_REFRESH_TTL_MS: f64 = 60_000.0;
/// Fetches in flight at once unless the caller says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Why nothing is refreshed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshOff {
    /// `quotaStrategy === "off"` (exactly: `""` is not off here).
    StrategyOff,
    /// `quotaRefreshBeforeSelection` is falsy.
    RefreshDisabled,
}

/// Why a connection is not fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// Its snapshot's `checkedAt + ttl > now`.
    Fresh,
    /// Its provider or auth type has no usage API.
    NotEligible,
}

/// A connection to fetch, with the route its quota call takes.
#[derive(Clone)]
pub struct PlannedFetch {
    /// The connection as stored (credentials included: for the fetcher only).
    pub connection: Object,
    /// Its proxy route.
    pub proxy: ResolvedProxy,
}

impl PlannedFetch {
    /// The connection's id.
    pub fn connection_id(&self) -> &str {
        self.connection
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

impl fmt::Debug for PlannedFetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlannedFetch")
            .field("connection_id", &self.connection_id())
            .field("proxy", &self.proxy)
            .finish()
    }
}

/// What a prepare call refreshes.
#[derive(Clone, Debug)]
pub struct RefreshPlan {
    /// The provider.
    pub provider: String,
    /// Set when nothing is refreshed at all (the connections are returned unchanged).
    pub off: Option<RefreshOff>,
    /// The parsed `quotaRefreshTtlMs`.
    pub ttl_ms: f64,
    /// The connections to fetch, by priority.
    pub fetches: Vec<PlannedFetch>,
    /// The connections not fetched, and why.
    pub skipped: Vec<(String, SkipReason)>,
}

impl RefreshPlan {
    /// `{provider, refresh, off?, ttlMs, fetches: [{connectionId, connection, proxy}],
    /// skipped: [{connectionId, reason}]}`.
    pub fn to_value(&self) -> Value {
        let mut o = Map::new();
        o.insert("provider".into(), Value::from(self.provider.clone()));
        o.insert("refresh".into(), Value::Bool(self.off.is_none()));
        if let Some(off) = self.off {
            let name = match off {
                RefreshOff::StrategyOff => "quota-strategy-off",
                RefreshOff::RefreshDisabled => "refresh-disabled",
            };
            o.insert("off".into(), Value::from(name));
        }
        o.insert("ttlMs".into(), number_value(self.ttl_ms));
        let fetches = self.fetches.iter().map(|f| {
            let mut e = Map::new();
            e.insert("connectionId".into(), Value::from(f.connection_id()));
            e.insert("connection".into(), Value::Object(f.connection.clone()));
            e.insert("proxy".into(), f.proxy.to_value());
            Value::Object(e)
        });
        o.insert("fetches".into(), Value::Array(fetches.collect()));
        let skipped = self.skipped.iter().map(|(id, why)| {
            let reason = match why {
                SkipReason::Fresh => "fresh",
                SkipReason::NotEligible => "not-eligible",
            };
            serde_json::json!({"connectionId": id, "reason": reason})
        });
        o.insert("skipped".into(), Value::Array(skipped.collect()));
        Value::Object(o)
    }
}

/// `override.key ?? settings.key` (`override = settings.providerStrategies?.[provider] ?? {}`).
fn setting<'a>(settings: &'a Object, provider: &str, key: &str) -> Option<&'a Value> {
    let over = settings
        .get("providerStrategies")
        .and_then(|s| s.get(provider))
        .and_then(|o| o.get(key))
        .filter(|v| !v.is_null());
    over.or_else(|| settings.get(key).filter(|v| !v.is_null()))
}

/// Steps 1–2: whether to refresh at all, and the TTL.
fn refresh_settings(settings: &Object, provider: &str) -> (Option<RefreshOff>, f64) {
    let strategy = setting(settings, provider, "quotaStrategy");
    let refresh = setting(settings, provider, "quotaRefreshBeforeSelection");
    let off = if strategy == Some(&Value::from("off")) {
        Some(RefreshOff::StrategyOff)
    } else if refresh.is_some() && !truthy(refresh) {
        Some(RefreshOff::RefreshDisabled)
    } else {
        None
    };
    let ttl_text =
        setting(settings, provider, "quotaRefreshTtlMs").map_or(String::new(), to_js_string);
    let ttl = parse_int(&ttl_text);
    let ttl = if ttl.is_finite() && ttl >= 0.0 {
        ttl
    } else {
        DEFAULT_REFRESH_TTL_MS
    };
    (off, ttl)
}

/// Usage-eligible: a supported provider, and OAuth (or an API key for the four that take one).
fn eligible(connection: &Object) -> bool {
    let text = |k: &str| connection.get(k).and_then(Value::as_str);
    let provider = text("provider").unwrap_or_default();
    USAGE_SUPPORTED_PROVIDERS.contains(&provider)
        && match text("authType") {
            Some("oauth") => true,
            Some("apikey") => APIKEY_USAGE_PROVIDERS.contains(&provider),
            _ => false,
        }
}

fn fresh(connection: &Object, ttl: f64, now_ms: f64) -> bool {
    snapshot(connection)
        .and_then(|s| s.get("checkedAt")?.as_str())
        .and_then(parse_js_date)
        .is_some_and(|checked| checked + ttl > now_ms)
}

fn is_marked(connection: &Object) -> bool {
    connection
        .get("providerSpecificData")
        .and_then(|d| d.get(DEACTIVATION_MARK))
        .is_some_and(Value::is_object)
}

/// The connections a refresh looks at: the provider's active ones, and those the
/// deactivation rule switched off (so a fresh snapshot can bring them back).
fn candidates<'a>(
    connections: &'a [Object],
    provider: &'a str,
) -> impl Iterator<Item = &'a Object> {
    connections.iter().filter(move |c| {
        c.get("provider").and_then(Value::as_str) == Some(provider)
            && (c.get("isActive") != Some(&Value::Bool(false)) || is_marked(c))
    })
}

/// Step 3's plan for `provider` over `connections` (by priority), the stored `settings` and
/// `pools`, at `now_ms`, with `env` for the proxy variables.
///
/// ```
/// use std::collections::BTreeMap;
/// use pie_storage_core::quota::plan_quota_refresh;
/// use serde_json::json;
/// let c = json!({"id": "a", "provider": "codex", "authType": "oauth"});
/// let plan = plan_quota_refresh(&[c.as_object().unwrap().clone()], &Default::default(), &[], "codex", 0.0, &BTreeMap::new());
/// assert_eq!(plan.fetches[0].connection_id(), "a");
/// ```
pub fn plan_quota_refresh(
    connections: &[Object],
    settings: &Object,
    pools: &[Object],
    provider: &str,
    now_ms: f64,
    env: &BTreeMap<String, String>,
) -> RefreshPlan {
    let (off, ttl_ms) = refresh_settings(settings, provider);
    let mut plan = RefreshPlan {
        provider: provider.into(),
        off,
        ttl_ms,
        fetches: Vec::new(),
        skipped: Vec::new(),
    };
    if off.is_some() {
        return plan;
    }
    let mut ordered: Vec<&Object> = candidates(connections, provider).collect();
    crate::sort::stable_sort_by(&mut ordered, &|a, b| {
        sort_priority(a.get("priority")).total_cmp(&sort_priority(b.get("priority")))
    });
    for c in ordered {
        let id = c
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if fresh(c, ttl_ms, now_ms) {
            plan.skipped.push((id, SkipReason::Fresh));
        } else if !eligible(c) {
            plan.skipped.push((id, SkipReason::NotEligible));
        } else {
            let proxy = resolve_connection_proxy(c, pools, env, None);
            plan.fetches.push(PlannedFetch {
                connection: c.clone(),
                proxy,
            });
        }
    }
    plan
}

/// The plan on a stored state.
pub(crate) fn plan_in(
    state: &ConnectionState,
    provider: &str,
    now_ms: f64,
    env: &BTreeMap<String, String>,
) -> RefreshPlan {
    let connections = state.connections(&Object::new());
    let pools = state.proxy_pools(&Object::new());
    plan_quota_refresh(
        &connections,
        &state.settings(),
        &pools,
        provider,
        now_ms,
        env,
    )
}

/// What one refresh changed.
#[derive(Clone, Debug, Default)]
pub struct RefreshReport {
    /// The fetches to record in the quota file (only connections that still exist).
    pub fetches: Vec<RecordedFetch>,
    /// The deactivation rule's events.
    pub events: Vec<QuotaEvent>,
    /// `getProviderConnections({provider, isActive: true})` after the change.
    pub connections: Vec<Object>,
}

impl RefreshReport {
    /// `{connections, fetches: [{connectionId, checkedAt, result | error}], events}`.
    pub fn to_value(&self) -> Value {
        let fetches = self.fetches.iter().map(|f| {
            let mut o = Map::new();
            o.insert("connectionId".into(), Value::from(f.connection_id.clone()));
            o.insert("checkedAt".into(), Value::from(f.checked_at.clone()));
            match &f.outcome {
                FetchOutcome::Fetched(v) => o.insert("result".into(), v.clone()),
                FetchOutcome::Failed(m) => o.insert("error".into(), Value::from(m.clone())),
            };
            Value::Object(o)
        });
        serde_json::json!({
            "connections": self.connections,
            "fetches": fetches.collect::<Vec<_>>(),
            "events": self.events,
        })
    }
}

fn selection_of(outcome: &FetchOutcome, checked_at: &str) -> QuotaSelection {
    match outcome {
        FetchOutcome::Fetched(result) => derive_quota_selection(result, checked_at),
        FetchOutcome::Failed(message) => QuotaSelection::error(checked_at, message),
    }
}

/// `providerSpecificData` of `c` with `key` set (or removed for `None`), other keys kept.
fn data_with(c: &Object, key: &str, value: Option<Value>) -> Value {
    let mut data = c
        .get("providerSpecificData")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    match value {
        Some(v) => data.insert(key.into(), v),
        None => data.shift_remove(key),
    };
    Value::Object(data)
}

/// The locked mutation after the fetches: each fetched connection that still exists gets its
/// snapshot (other fields untouched), then the deactivation rule runs over the provider's
/// connections. Returns the report and whether anything changed.
pub(crate) fn apply_in(
    state: &mut ConnectionState,
    stamp: &mut Stamp<'_>,
    provider: &str,
    outcomes: &[(String, FetchOutcome)],
    rule: &DeactivationRule,
    now_ms: f64,
) -> (RefreshReport, bool) {
    let now_iso = to_iso_string(now_ms).unwrap_or_else(|| stamp.now_iso.clone());
    let mut report = RefreshReport::default();
    let mut fresh = BTreeMap::new();
    for (id, outcome) in outcomes {
        let Some(c) = state.connection(id) else {
            continue;
        };
        let selection = selection_of(outcome, &now_iso);
        let data = data_with(&c, "pieLabQuotaSelection", Some(selection.to_value()));
        state.update_connection(id, &Patch::new().set("providerSpecificData", data), stamp);
        report.fetches.push(RecordedFetch {
            connection_id: id.clone(),
            checked_at: now_iso.clone(),
            outcome: outcome.clone(),
        });
        fresh.insert(id.clone(), selection);
    }
    let mut changed = !report.fetches.is_empty();
    let all = state.connections(&Object::new());
    for c in candidates(&all, provider) {
        let id = c
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let Some(change) = decide(rule, c, provider, fresh.get(&id), now_ms, &now_iso) else {
            continue;
        };
        let mut patch = Patch::new();
        if let Some(active) = change.is_active {
            patch = patch.set("isActive", Value::Bool(active));
        }
        if let Some(mark) = change.mark {
            patch = patch.set(
                "providerSpecificData",
                data_with(c, DEACTIVATION_MARK, mark),
            );
        }
        state.update_connection(&id, &patch, stamp);
        report.events.extend(change.event);
        changed = true;
    }
    let mut active = Object::new();
    active.insert("provider".into(), Value::from(provider));
    active.insert("isActive".into(), Value::Bool(true));
    report.connections = state.connections(&active);
    (report, changed)
}
