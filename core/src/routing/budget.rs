//! Budget policy: whether a request fits the configured USD limits (reference §7.4 `GET /budget`,
//! checked before every route attempt, §6.9). Pure: the records and the current time (`now`,
//! epoch milliseconds) are arguments.
//!
//! # Decision
//!
//! [`evaluate_budget`] returns the `/budget` response's `budget` object, keys in this order:
//!
//! * `mode`: `"off" | "warn" | "block"`, from the resolved rule.
//! * `provider`: the trimmed provider, or `null` when none (or only whitespace) was given.
//! * `requestLimitUsd`, `estimatedRequestUsd`: number or `null`.
//! * `daily`, `monthly`: a window `{from, to, usedUsd, limitUsd, projectedUsd, remainingUsd,
//!   usedPercentage, exhausted}`. `from` is the UTC start of the day or month and `to` is `now`
//!   (ISO strings); `usedUsd` is the spend in `[from, to]`; `projectedUsd = usedUsd + estimate`;
//!   `remainingUsd = limitUsd - usedUsd` (negative once overspent); `usedPercentage =
//!   max(0, usedUsd / limitUsd * 100)` to 2 decimals and at most 999; `exhausted` is
//!   `projectedUsd > limitUsd`. Without a limit, `limitUsd`, `remainingUsd` and `usedPercentage`
//!   are `null` and `exhausted` is false; a zero limit also has `usedPercentage: null`.
//! * `violations`: `{scope, provider, limitUsd, usedUsd, estimatedUsd, projectedUsd, message}`
//!   with `scope` `"request"`, then `"daily"`, then `"monthly"`. A request violation
//!   (`estimate > requestLimitUsd`) has `usedUsd: 0` and `projectedUsd = estimatedUsd =` the
//!   estimate; a window violation (an exhausted window) copies the window's amounts and has
//!   `estimatedUsd` = the estimate or 0. Messages: `Estimated request cost $E exceeds request
//!   budget $L.` and `Daily budget $L would be exceeded (projected $P).` (`Monthly ...`), with
//!   amounts printed by `toFixed(4)`.
//! * `shouldWarn`: mode `warn` or `block` and at least one violation; `shouldBlock`: mode `block`
//!   and at least one violation. Violations are listed whatever the mode.
//! * `generatedAt`: `now` as an ISO string.
//!
//! # Rules
//!
//! * The settings are normalized first (§2.3). Each field is `providerRule.X ?? global.X`; the
//!   provider rule is `providerLimits[provider]`. A normalized provider rule always has a mode
//!   (`"off"` when unset), so **any provider entry decides the mode for its provider: an entry
//!   with mode `"off"` turns off a global `"block"`**, while its `null` amounts still fall back to
//!   the global ones. A provider without an entry, or no provider, uses the global rule.
//! * Spend is the sum of `cost.total ?? costUsd` ([`Amounts::cost`]) over the records that
//!   `queryUsageRecords({from, to: now, provider, order: "asc"})` returns, added oldest first.
//!   A negative cost counts as 0, and a non-numeric `cost.total` reads as missing, as in the
//!   summary (the reference would pass it through `Number()`). All statuses count. With a
//!   provider, only its records (`resolvedProvider` equal to the trimmed provider) are summed,
//!   whichever rule applies; without one, every provider's records are. Records after `now`,
//!   or with an unparseable timestamp, never count.
//! * The estimate counts only when it is a finite number `>= 0`; otherwise it is `null`.
//! * As in the reference, dollar amounts are rounded to 8 decimals (`Number(x.toFixed(8))`):
//!   the spend sum, and `usedUsd`, `projectedUsd` and `remainingUsd` of each window.
//!   `exhausted` compares the rounded projection; the request check compares the raw estimate.
//! * Window starts are `Date.UTC(year, month, day)` of `now`, so for a `now` in the years 0-99
//!   they land in 1900-1999 (a reference quirk kept; such windows are empty).
//! * The windows come from [`window_containing`] (`crate::time`), the one window rule the usage
//!   series uses too, so a budget day and a series day bucket in the same zone cover the same
//!   instants. The zone is UTC unless [`BudgetInput::time_zone`] (`timeZone` from JavaScript)
//!   names another; in a zone the day starts at local midnight (23 or 25 hours on DST days).
//!
//! [`Amounts::cost`]: crate::usage::Amounts::cost

/// Also prints the candidates' quota scores of the selection explanation.
pub(super) mod fixed;
#[cfg(test)]
mod tests;

use serde::ser::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::connections::settings::normalize_budget_limits;
use crate::error::{Error, ErrorCode, Result};
use crate::js_value::{js_trim, number_value};
use crate::time::{parse_js_date, to_iso_string, window_containing, Bucket, TimeZone};
use crate::usage::{query_indices, DateBound, FactSource, UsageRecordQuery};

pub use fixed::{js_to_fixed, round_fixed};

/// `BudgetPolicyMode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BudgetMode {
    /// No budget checks.
    #[default]
    Off,
    /// Report violations, send anyway.
    Warn,
    /// Refuse requests that would exceed a limit.
    Block,
}

impl BudgetMode {
    /// The settings' string (`"off"`, `"warn"`, `"block"`).
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetMode::Off => "off",
            BudgetMode::Warn => "warn",
            BudgetMode::Block => "block",
        }
    }

    fn parse(v: &Value) -> Option<Self> {
        match v.as_str()? {
            "off" => Some(BudgetMode::Off),
            "warn" => Some(BudgetMode::Warn),
            "block" => Some(BudgetMode::Block),
            _ => None,
        }
    }
}

/// The rule that applies to one request, after provider/global resolution.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BudgetRule {
    /// What to do on a violation.
    pub mode: BudgetMode,
    /// Largest estimated cost of one request.
    pub request_usd: Option<f64>,
    /// Spend limit per UTC day.
    pub daily_usd: Option<f64>,
    /// Spend limit per UTC month.
    pub monthly_usd: Option<f64>,
}

/// Which limit a violation is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BudgetScope {
    /// One request's estimate over `requestUsd`.
    Request,
    /// The UTC day's spend.
    Daily,
    /// The UTC month's spend.
    Monthly,
}

impl BudgetScope {
    /// The wire string (`"request"`, `"daily"`, `"monthly"`).
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetScope::Request => "request",
            BudgetScope::Daily => "daily",
            BudgetScope::Monthly => "monthly",
        }
    }
}

/// Spend and limit over one UTC day or month (see the module doc for each field).
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetWindow {
    /// Start of the window (ISO).
    pub from: String,
    /// End of the window: `now` (ISO).
    pub to: String,
    /// Spend in the window.
    pub used_usd: f64,
    /// The limit, if any.
    pub limit_usd: Option<f64>,
    /// Spend plus the request's estimate.
    pub projected_usd: f64,
    /// `limit - used`; negative once overspent.
    pub remaining_usd: Option<f64>,
    /// Percent of the limit used, to 2 decimals.
    pub used_percentage: Option<f64>,
    /// Whether the projection exceeds the limit.
    pub exhausted: bool,
}

/// One exceeded limit.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetViolation {
    /// Which limit.
    pub scope: BudgetScope,
    /// The provider the rule was resolved for.
    pub provider: Option<String>,
    /// The limit exceeded.
    pub limit_usd: f64,
    /// Spend so far (0 for a request violation).
    pub used_usd: f64,
    /// The request's estimate.
    pub estimated_usd: f64,
    /// Spend plus estimate.
    pub projected_usd: f64,
    /// The reference's sentence, amounts with `toFixed(4)`.
    pub message: String,
}

/// The `budget` object of `GET /budget`.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetDecision {
    /// The resolved rule's mode.
    pub mode: BudgetMode,
    /// The trimmed provider, if any.
    pub provider: Option<String>,
    /// The per-request limit, if any.
    pub request_limit_usd: Option<f64>,
    /// The request's estimate, when a finite number `>= 0`.
    pub estimated_request_usd: Option<f64>,
    /// Today (UTC).
    pub daily: BudgetWindow,
    /// This month (UTC).
    pub monthly: BudgetWindow,
    /// Exceeded limits: request, then daily, then monthly.
    pub violations: Vec<BudgetViolation>,
    /// Mode `warn` or `block` and a violation.
    pub should_warn: bool,
    /// Mode `block` and a violation: the caller must refuse the request.
    pub should_block: bool,
    /// `now` as an ISO string.
    pub generated_at: String,
}

/// What [`evaluate_budget`] reads.
pub struct BudgetInput<'a, S: FactSource + ?Sized> {
    /// The full settings object (its `budgetLimits` is used) or a bare `budgetLimits` value;
    /// normalized here, so raw input is fine. `null` means the defaults (no limits).
    pub settings: &'a Value,
    /// The provider of the request; trimmed, and blank means none.
    pub provider: Option<&'a str>,
    /// The estimated cost of the request in USD; counts only when finite and `>= 0`.
    pub estimate_usd: Option<f64>,
    /// The usage history, in any form a query runs on.
    pub records: &'a S,
    /// Epoch milliseconds (fractions are truncated, as `new Date(ms)` does).
    pub now: f64,
    /// Whose day and month the windows are; `None` is UTC, as in the reference. The windows
    /// are those of [`window_containing`], so they match the usage series' day and month
    /// buckets in the same zone.
    pub time_zone: Option<&'a TimeZone>,
}

/// Evaluates the budget (`evaluateBudget`). Fails only for a `now` JavaScript cannot turn into a
/// date (or whose UTC month starts before the earliest date), where the reference throws a
/// `RangeError`.
pub fn evaluate_budget<S: FactSource + ?Sized>(
    input: &BudgetInput<'_, S>,
) -> Result<BudgetDecision> {
    let bad_now = || invalid("now must be a valid date");
    let generated_at = to_iso_string(input.now).ok_or_else(bad_now)?;
    let now = input.now.trunc();
    let utc = TimeZone::utc();
    let zone = input.time_zone.unwrap_or(&utc);
    let (day_from, month_from) = window_starts(now, &generated_at, zone).ok_or_else(bad_now)?;
    let provider = input.provider.map(js_trim).filter(|p| !p.is_empty());
    let rule = resolve_budget_rule(input.settings, provider);
    let estimate = input.estimate_usd.and_then(normalize_usd);

    let window = |from: f64, limit: Option<f64>| {
        let used = spent_usd(input.records, from, now, provider);
        budget_window(from, &generated_at, used, limit, estimate).ok_or_else(bad_now)
    };
    let daily = window(day_from, rule.daily_usd)?;
    let monthly = window(month_from, rule.monthly_usd)?;

    let provider = provider.map(str::to_owned);
    let mut violations = Vec::new();
    if let (Some(limit), Some(estimate)) = (rule.request_usd, estimate) {
        if estimate > limit {
            violations.push(BudgetViolation {
                scope: BudgetScope::Request,
                provider: provider.clone(),
                limit_usd: limit,
                used_usd: 0.0,
                estimated_usd: estimate,
                projected_usd: estimate,
                message: format!(
                    "Estimated request cost {} exceeds request budget {}.",
                    format_usd(estimate),
                    format_usd(limit)
                ),
            });
        }
    }
    for (scope, title, w) in [
        (BudgetScope::Daily, "Daily", &daily),
        (BudgetScope::Monthly, "Monthly", &monthly),
    ] {
        let Some(limit) = w.limit_usd.filter(|_| w.exhausted) else {
            continue;
        };
        violations.push(BudgetViolation {
            scope,
            provider: provider.clone(),
            limit_usd: limit,
            used_usd: w.used_usd,
            estimated_usd: estimate.unwrap_or(0.0),
            projected_usd: w.projected_usd,
            message: format!(
                "{title} budget {} would be exceeded (projected {}).",
                format_usd(limit),
                format_usd(w.projected_usd)
            ),
        });
    }

    let violated = !violations.is_empty();
    Ok(BudgetDecision {
        mode: rule.mode,
        provider,
        request_limit_usd: rule.request_usd,
        estimated_request_usd: estimate,
        daily,
        monthly,
        violations,
        should_warn: violated && rule.mode != BudgetMode::Off,
        should_block: violated && rule.mode == BudgetMode::Block,
        generated_at,
    })
}

/// The rule for `provider` (already trimmed): each field is `providerRule.X ?? global.X` over
/// the normalized settings (see the module doc for the mode precedence).
pub fn resolve_budget_rule(settings: &Value, provider: Option<&str>) -> BudgetRule {
    let limits = normalize_budget_limits(budget_limits_of(settings));
    let provider_rule = provider.and_then(|p| limits.get("providerLimits")?.get(p));
    let field = |key: &str| {
        provider_rule
            .and_then(|r| r.get(key))
            .filter(|v| !v.is_null())
            .or_else(|| limits.get(key).filter(|v| !v.is_null()))
    };
    let amount = |key: &str| field(key).and_then(Value::as_f64).and_then(normalize_usd);
    BudgetRule {
        mode: field("mode")
            .and_then(BudgetMode::parse)
            .unwrap_or_default(),
        request_usd: amount("requestUsd"),
        daily_usd: amount("dailyUsd"),
        monthly_usd: amount("monthlyUsd"),
    }
}

/// The `budgetLimits` of a settings object, or the value itself when it is a bare
/// `budgetLimits` (it has no such key).
fn budget_limits_of(settings: &Value) -> Option<&Value> {
    match settings {
        Value::Null => None,
        Value::Object(map) if map.contains_key("budgetLimits") => map.get("budgetLimits"),
        other => Some(other),
    }
}

/// The budget's `normalizeUsd` for a number: kept when finite and `>= 0`.
fn normalize_usd(v: f64) -> Option<f64> {
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// `Number(x.toFixed(8))`.
fn round_usd(x: f64) -> f64 {
    round_fixed(x, 8)
}

/// `"$" + x.toFixed(4)`.
fn format_usd(x: f64) -> String {
    format!("${}", js_to_fixed(x, 4))
}

/// `Math.min`/`Math.max` with JavaScript's NaN rule (NaN wins).
fn js_clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() {
        x
    } else {
        x.max(lo).min(hi)
    }
}

/// Starts of the day and month windows containing `now` (the shared [`window_containing`]),
/// except for the reference's `Date.UTC` quirk in UTC for the years 0-99.
fn window_starts(now: f64, now_iso: &str, zone: &TimeZone) -> Option<(f64, f64)> {
    if zone.name() == "UTC" && now_iso.starts_with("00") {
        return quirk_window_starts(now_iso);
    }
    let day = window_containing(now, Bucket::Day, zone)?;
    let month = window_containing(now, Bucket::Month, zone)?;
    Some((day.start, month.start))
}

/// UTC starts of the day and of the month of `now`, given as its ISO string. The date part
/// of the ISO string is parsed back (date-only forms are UTC), so every year JS allows works.
fn quirk_window_starts(now_iso: &str) -> Option<(f64, f64)> {
    let date = &now_iso[..now_iso.find('T')?];
    // `Date.UTC` reads years 0-99 as 1900-1999; only those print as `00YY`.
    let date = match date.strip_prefix("00") {
        Some(rest) => format!("19{rest}"),
        None => date.to_owned(),
    };
    let month = date.get(..date.len().checked_sub(3)?)?;
    Some((parse_js_date(&date)?, parse_js_date(month)?))
}

/// Spend in `[from, to]`, rounded: the sum of the matching records' costs, oldest first.
fn spent_usd<S: FactSource + ?Sized>(
    records: &S,
    from: f64,
    to: f64,
    provider: Option<&str>,
) -> f64 {
    let query = UsageRecordQuery {
        provider: provider.map(Into::into),
        from: Some(DateBound::Millis(from)),
        to: Some(DateBound::Millis(to)),
        order: crate::usage::Order::OldestFirst,
        ..UsageRecordQuery::default()
    };
    let total = query_indices(records, &query)
        .into_iter()
        .map(|i| {
            records
                .facts(i)
                .amounts
                .cost()
                .and_then(normalize_usd)
                .unwrap_or(0.0)
        })
        .fold(0.0, |sum, cost| sum + cost);
    round_usd(total)
}

/// A window from its spend; `None` when `from` is not a valid date.
fn budget_window(
    from: f64,
    to: &str,
    used: f64,
    limit: Option<f64>,
    estimate: Option<f64>,
) -> Option<BudgetWindow> {
    let projected_usd = round_usd(used + estimate.unwrap_or(0.0));
    // `Math.min(999, Number(Math.max(0, used / limit * 100).toFixed(2)))`
    let used_percentage = limit.filter(|&l| l != 0.0).map(|l| {
        let share = js_clamp(used / l * 100.0, 0.0, f64::INFINITY);
        js_clamp(round_fixed(share, 2), f64::NEG_INFINITY, 999.0)
    });
    Some(BudgetWindow {
        from: to_iso_string(from)?,
        to: to.to_owned(),
        used_usd: round_usd(used),
        limit_usd: limit,
        projected_usd,
        remaining_usd: limit.map(|l| round_usd(l - used)),
        used_percentage,
        exhausted: limit.is_some_and(|l| projected_usd > l),
    })
}

fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

fn nullable(n: Option<f64>) -> Value {
    n.map_or(Value::Null, number_value)
}

fn text(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_owned()))
}

impl BudgetWindow {
    /// The window as the `/budget` JSON object.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("from".into(), self.from.clone().into());
        o.insert("to".into(), self.to.clone().into());
        o.insert("usedUsd".into(), number_value(self.used_usd));
        o.insert("limitUsd".into(), nullable(self.limit_usd));
        o.insert("projectedUsd".into(), number_value(self.projected_usd));
        o.insert("remainingUsd".into(), nullable(self.remaining_usd));
        o.insert("usedPercentage".into(), nullable(self.used_percentage));
        o.insert("exhausted".into(), self.exhausted.into());
        Value::Object(o)
    }
}

impl BudgetViolation {
    /// The violation as the `/budget` JSON object.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("scope".into(), self.scope.as_str().into());
        o.insert("provider".into(), text(self.provider.as_deref()));
        o.insert("limitUsd".into(), number_value(self.limit_usd));
        o.insert("usedUsd".into(), number_value(self.used_usd));
        o.insert("estimatedUsd".into(), number_value(self.estimated_usd));
        o.insert("projectedUsd".into(), number_value(self.projected_usd));
        o.insert("message".into(), self.message.clone().into());
        Value::Object(o)
    }
}

impl BudgetDecision {
    /// The decision as JSON, keys in the reference order.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("mode".into(), self.mode.as_str().into());
        o.insert("provider".into(), text(self.provider.as_deref()));
        o.insert("requestLimitUsd".into(), nullable(self.request_limit_usd));
        o.insert(
            "estimatedRequestUsd".into(),
            nullable(self.estimated_request_usd),
        );
        o.insert("daily".into(), self.daily.to_json());
        o.insert("monthly".into(), self.monthly.to_json());
        o.insert(
            "violations".into(),
            self.violations
                .iter()
                .map(BudgetViolation::to_json)
                .collect(),
        );
        o.insert("shouldWarn".into(), self.should_warn.into());
        o.insert("shouldBlock".into(), self.should_block.into());
        o.insert("generatedAt".into(), self.generated_at.clone().into());
        Value::Object(o)
    }
}

impl Serialize for BudgetDecision {
    fn serialize<Ser: Serializer>(&self, s: Ser) -> std::result::Result<Ser::Ok, Ser::Error> {
        self.to_json().serialize(s)
    }
}
