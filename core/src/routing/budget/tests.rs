use serde_json::{json, Map, Value};

use super::*;
use crate::usage::UsageFacts;

/// 2026-05-22T12:00:00.000Z
const NOW: f64 = 1_779_451_200_000.0;

fn record(provider: &str, timestamp: &str, cost: Value) -> Map<String, Value> {
    let mut r = json!({"resolvedProvider": provider, "timestamp": timestamp, "status": "success"});
    if let (Some(r), Some(cost)) = (r.as_object_mut(), cost.as_object()) {
        r.extend(cost.clone());
    }
    r.as_object().cloned().unwrap_or_default()
}

fn total(provider: &str, timestamp: &str, usd: f64) -> Map<String, Value> {
    record(provider, timestamp, json!({"cost": {"total": usd}}))
}

fn decide(
    settings: Value,
    provider: Option<&str>,
    estimate: Option<f64>,
    records: &[Map<String, Value>],
) -> BudgetDecision {
    decide_at(settings, provider, estimate, records, NOW)
}

fn decide_at(
    settings: Value,
    provider: Option<&str>,
    estimate: Option<f64>,
    records: &[Map<String, Value>],
    now: f64,
) -> BudgetDecision {
    evaluate_budget(&BudgetInput {
        settings: &settings,
        provider,
        estimate_usd: estimate,
        records,
        now,
        time_zone: None,
    })
    .expect("valid now")
}

fn scopes(d: &BudgetDecision) -> Vec<&'static str> {
    d.violations.iter().map(|v| v.scope.as_str()).collect()
}

#[test]
fn utc_day_window_is_inclusive_from_midnight_to_now() {
    let records = [
        total("openai", "2026-05-21T23:59:59.999Z", 1.0),
        total("openai", "2026-05-22T00:00:00.000Z", 2.0),
        total("openai", "2026-05-22T12:00:00.000Z", 4.0),
        total("openai", "2026-05-22T12:00:00.001Z", 8.0),
        total("openai", "2026-05-01T00:00:00.000Z", 16.0),
        total("openai", "2026-04-30T23:59:59.999Z", 32.0),
    ];
    let d = decide(json!({}), None, None, &records);
    assert_eq!(d.daily.from, "2026-05-22T00:00:00.000Z");
    assert_eq!(d.daily.to, "2026-05-22T12:00:00.000Z");
    assert_eq!(d.daily.used_usd, 6.0);
    assert_eq!(d.monthly.from, "2026-05-01T00:00:00.000Z");
    assert_eq!(d.monthly.used_usd, 23.0);
    assert_eq!(d.generated_at, "2026-05-22T12:00:00.000Z");
}

#[test]
fn month_and_year_boundaries() {
    // 2027-01-01T00:00:00.000Z: both windows start at `now` and hold only records at `now`.
    let now = 1_798_761_600_000.0;
    let records = [
        total("p", "2026-12-31T23:59:59.999Z", 1.0),
        total("p", "2027-01-01T00:00:00.000Z", 2.0),
    ];
    let d = decide_at(json!({}), None, None, &records, now);
    assert_eq!(d.daily.from, "2027-01-01T00:00:00.000Z");
    assert_eq!(d.monthly.from, "2027-01-01T00:00:00.000Z");
    assert_eq!((d.daily.used_usd, d.monthly.used_usd), (2.0, 2.0));
    // The last millisecond of February in a leap year.
    let d = decide_at(json!({}), None, None, &[], 1_709_251_199_999.0);
    assert_eq!(d.daily.from, "2024-02-29T00:00:00.000Z");
    assert_eq!(d.monthly.from, "2024-02-01T00:00:00.000Z");
}

#[test]
fn fractional_now_is_truncated() {
    let records = [total("p", "2026-05-22T12:00:00.000Z", 1.0)];
    let d = decide_at(json!({}), None, None, &records, NOW + 0.9);
    assert_eq!(d.generated_at, "2026-05-22T12:00:00.000Z");
    assert_eq!(d.daily.used_usd, 1.0);
}

#[test]
fn years_below_100_map_to_1900s_like_date_utc() {
    // 0050-06-15T00:00:00.000Z
    let now = -60_575_040_000_000.0;
    let d = decide_at(json!({}), None, None, &[], now);
    assert_eq!(d.daily.from, "1950-06-15T00:00:00.000Z");
    assert_eq!(d.monthly.from, "1950-06-01T00:00:00.000Z");
    assert_eq!(d.daily.to, "0050-06-15T00:00:00.000Z");
}

#[test]
fn invalid_now_is_an_error() {
    for now in [f64::NAN, f64::INFINITY, 8.64e15 + 1.0, -8.64e15] {
        let settings = json!({});
        let got = evaluate_budget(&BudgetInput {
            settings: &settings,
            provider: None,
            estimate_usd: None,
            records: &[] as &[Map<String, Value>],
            now,
            time_zone: None,
        });
        // -8.64e15 is valid itself, but its month starts before the earliest date.
        assert!(got.is_err(), "now = {now}");
    }
}

#[test]
fn provider_entry_mode_off_overrides_global_block() {
    let settings =
        json!({"mode": "block", "dailyUsd": 1, "providerLimits": {"openai": {"requestUsd": 5}}});
    let records = [total("openai", "2026-05-22T01:00:00.000Z", 3.0)];
    let d = decide(settings.clone(), Some("openai"), Some(6.0), &records);
    assert_eq!(d.mode, BudgetMode::Off);
    // Amounts the entry leaves null fall back to the global ones.
    assert_eq!(d.daily.limit_usd, Some(1.0));
    assert_eq!(d.request_limit_usd, Some(5.0));
    assert_eq!(scopes(&d), ["request", "daily"]);
    assert!(!d.should_warn && !d.should_block);
    // A provider without an entry gets the global rule.
    let d = decide(settings, Some("anthropic"), Some(6.0), &records);
    assert_eq!(d.mode, BudgetMode::Block);
    assert_eq!(d.request_limit_usd, None);
    assert_eq!(d.daily.used_usd, 0.0);
    assert_eq!(scopes(&d), ["daily"]);
    assert!(d.should_warn && d.should_block);
}

#[test]
fn provider_amounts_win_even_when_zero() {
    let settings = json!({"mode": "warn", "requestUsd": 10, "dailyUsd": 10,
        "providerLimits": {" openai ": {"mode": "block", "requestUsd": 0, "dailyUsd": "2"}}});
    let d = decide(settings.clone(), Some(" openai\n"), Some(0.0), &[]);
    assert_eq!(d.provider.as_deref(), Some("openai"));
    assert_eq!(d.mode, BudgetMode::Block);
    assert_eq!(
        (d.request_limit_usd, d.daily.limit_usd),
        (Some(0.0), Some(2.0))
    );
    assert!(d.violations.is_empty(), "0 > 0 is false");
    let d = decide(settings, Some("openai"), Some(0.01), &[]);
    assert_eq!(scopes(&d), ["request"]);
    assert_eq!(
        d.violations[0].message,
        "Estimated request cost $0.0100 exceeds request budget $0.0000."
    );
}

#[test]
fn modes_set_warn_and_block() {
    let records = [total("p", "2026-05-22T01:00:00.000Z", 2.0)];
    for (mode, warn, block) in [
        ("off", false, false),
        ("warn", true, false),
        ("block", true, true),
        ("BLOCK", false, false),
    ] {
        let d = decide(json!({"mode": mode, "dailyUsd": 1}), None, None, &records);
        assert_eq!(scopes(&d), ["daily"], "{mode}");
        assert_eq!((d.should_warn, d.should_block), (warn, block), "{mode}");
    }
    // No violation: nothing to warn about in any mode.
    let d = decide(
        json!({"mode": "block", "dailyUsd": 5}),
        None,
        None,
        &records,
    );
    assert!(!d.should_warn && !d.should_block);
}

#[test]
fn missing_limits_give_null_fields_and_no_violations() {
    let records = [total("p", "2026-05-22T01:00:00.000Z", 2.5)];
    let d = decide(Value::Null, None, Some(100.0), &records);
    assert_eq!(d.mode, BudgetMode::Off);
    assert_eq!(d.request_limit_usd, None);
    for w in [&d.daily, &d.monthly] {
        assert_eq!(
            (w.limit_usd, w.remaining_usd, w.used_percentage),
            (None, None, None)
        );
        assert_eq!(
            (w.used_usd, w.projected_usd, w.exhausted),
            (2.5, 102.5, false)
        );
    }
    assert!(d.violations.is_empty());
}

#[test]
fn settings_may_be_full_or_bare_and_raw() {
    let bare = json!({"mode": "warn", "monthlyUsd": " 5 "});
    let full = json!({"fallbackStrategy": "fill-first", "budgetLimits": bare.clone()});
    for settings in [bare, full] {
        let d = decide(settings, None, None, &[]);
        assert_eq!((d.mode, d.monthly.limit_usd), (BudgetMode::Warn, Some(5.0)));
    }
    // A full settings object without budgetLimits reads as no limits.
    let d = decide(json!({"fallbackStrategy": "round-robin"}), None, None, &[]);
    assert_eq!(d.rule_for_test(), BudgetRule::default());
}

impl BudgetDecision {
    fn rule_for_test(&self) -> BudgetRule {
        BudgetRule {
            mode: self.mode,
            request_usd: self.request_limit_usd,
            daily_usd: self.daily.limit_usd,
            monthly_usd: self.monthly.limit_usd,
        }
    }
}

#[test]
fn estimate_absent_or_invalid() {
    let records = [total("p", "2026-05-22T01:00:00.000Z", 3.0)];
    let settings = json!({"mode": "block", "requestUsd": 1, "dailyUsd": 2});
    for estimate in [None, Some(-1.0), Some(f64::NAN), Some(f64::INFINITY)] {
        let d = decide(settings.clone(), None, estimate, &records);
        assert_eq!(d.estimated_request_usd, None);
        assert_eq!(d.daily.projected_usd, 3.0);
        // Already over the daily limit: a violation without any estimate.
        assert_eq!(scopes(&d), ["daily"]);
        assert_eq!(d.violations[0].estimated_usd, 0.0);
    }
}

#[test]
fn exhausted_only_beyond_the_limit() {
    let records = [total("p", "2026-05-22T01:00:00.000Z", 1.0)];
    let settings = json!({"dailyUsd": 2, "monthlyUsd": 2});
    let d = decide(settings.clone(), None, Some(1.0), &records);
    assert!(!d.daily.exhausted && !d.monthly.exhausted);
    assert_eq!(d.daily.remaining_usd, Some(1.0));
    assert_eq!(d.daily.used_percentage, Some(50.0));
    let d = decide(settings, None, Some(1.5), &records);
    assert_eq!(scopes(&d), ["daily", "monthly"]);
    let v = &d.violations[1];
    assert_eq!(
        (v.limit_usd, v.used_usd, v.estimated_usd, v.projected_usd),
        (2.0, 1.0, 1.5, 2.5)
    );
    assert_eq!(
        v.message,
        "Monthly budget $2.0000 would be exceeded (projected $2.5000)."
    );
}

#[test]
fn cost_total_wins_over_cost_usd_then_cost_usd_then_zero() {
    let records = [
        record("p", "2026-05-22T01:00:00.000Z", json!({"costUsd": 0.25})),
        record(
            "p",
            "2026-05-22T01:00:01.000Z",
            json!({"cost": {"total": 0}, "costUsd": 100}),
        ),
        record(
            "p",
            "2026-05-22T01:00:02.000Z",
            json!({"cost": {"total": null}, "costUsd": 0.5}),
        ),
        record("p", "2026-05-22T01:00:03.000Z", json!({})),
        record("p", "2026-05-22T01:00:04.000Z", json!({"costUsd": -7})),
    ];
    let d = decide(json!({}), None, None, &records);
    assert_eq!(d.daily.used_usd, 0.75);
}

#[test]
fn provider_filters_records_and_no_provider_sums_all() {
    let records = [
        total("openai", "2026-05-22T01:00:00.000Z", 1.0),
        total("anthropic", "2026-05-22T02:00:00.000Z", 2.0),
        total(" openai", "2026-05-22T03:00:00.000Z", 4.0),
        record("openai", "not a date", json!({"costUsd": 8})),
    ];
    let mut unnamed = total("", "2026-05-22T04:00:00.000Z", 16.0);
    unnamed.remove("resolvedProvider");
    let mut records = records.to_vec();
    records.push(unnamed);
    assert_eq!(
        decide(json!({}), Some("openai"), None, &records)
            .daily
            .used_usd,
        1.0
    );
    assert_eq!(decide(json!({}), None, None, &records).daily.used_usd, 23.0);
    assert_eq!(decide(json!({}), Some("  "), None, &records).provider, None);
}

#[test]
fn sums_oldest_first_and_rounds_to_8_decimals() {
    // Oldest first, 1e16 + 1 + 1 stays 1e16; in input order it would be 1e16 + 2.
    let records = [
        total("p", "2026-05-22T02:00:00.000Z", 1.0),
        total("p", "2026-05-22T03:00:00.000Z", 1.0),
        total("p", "2026-05-22T01:00:00.000Z", 1e16),
    ];
    assert_eq!(decide(json!({}), None, None, &records).daily.used_usd, 1e16);
    let records = [
        total("p", "2026-05-22T01:00:00.000Z", 0.1),
        total("p", "2026-05-22T02:00:00.000Z", 0.2),
        total("p", "2026-05-22T03:00:00.000Z", 0.000000004),
    ];
    let d = decide(json!({"dailyUsd": 0.3}), None, Some(0.000000001), &records);
    assert_eq!(d.daily.used_usd, 0.3);
    assert_eq!(d.daily.projected_usd, 0.3);
    assert_eq!(d.daily.remaining_usd, Some(0.0));
    assert!(!d.daily.exhausted);
}

#[test]
fn used_percentage_null_for_zero_limit_and_capped() {
    let records = [total("p", "2026-05-22T01:00:00.000Z", 50.0)];
    let d = decide(
        json!({"dailyUsd": 0, "monthlyUsd": 0.01}),
        None,
        None,
        &records,
    );
    assert_eq!(d.daily.used_percentage, None);
    assert_eq!(d.daily.remaining_usd, Some(-50.0));
    assert_eq!(d.monthly.used_percentage, Some(999.0));
    let d = decide(
        json!({"dailyUsd": 3}),
        None,
        None,
        &[total("p", "2026-05-22T01:00:00.000Z", 1.0)],
    );
    assert_eq!(d.daily.used_percentage, Some(33.33));
}

#[test]
fn works_over_any_fact_source() {
    let maps = [total("p", "2026-05-22T01:00:00.000Z", 1.5)];
    let facts: Vec<UsageFacts<'_>> = maps.iter().map(UsageFacts::from_object).collect();
    let settings = json!({});
    let d = evaluate_budget(&BudgetInput {
        settings: &settings,
        provider: Some("p"),
        estimate_usd: None,
        records: facts.as_slice(),
        now: NOW,
        time_zone: None,
    })
    .expect("valid now");
    assert_eq!(d.daily.used_usd, 1.5);
}

/// The npm-name entry point of this module's functions, as the binding layer runs it.
fn call(name: &str, args: &[Value]) -> Option<crate::error::Result<Value>> {
    crate::bindings::routing::budget(&crate::bindings::Args::from_wire(name, args.to_vec()))
}

fn call_ok(options: Value) -> Value {
    call("evaluateBudget", &[options])
        .expect("owned name")
        .expect("valid options")
}

#[test]
fn call_shape_and_key_order() {
    let got = call_ok(json!({
        "settings": {"budgetLimits": {"mode": "warn", "dailyUsd": 1}},
        "provider": "openai",
        "estimateUsd": "1.5",
        "records": [],
        "now": "2026-05-22T12:00:00.000Z",
    }));
    let want = json!({
        "mode": "warn", "provider": "openai", "requestLimitUsd": null, "estimatedRequestUsd": 1.5,
        "daily": {"from": "2026-05-22T00:00:00.000Z", "to": "2026-05-22T12:00:00.000Z", "usedUsd": 0,
            "limitUsd": 1, "projectedUsd": 1.5, "remainingUsd": 1, "usedPercentage": 0, "exhausted": true},
        "monthly": {"from": "2026-05-01T00:00:00.000Z", "to": "2026-05-22T12:00:00.000Z", "usedUsd": 0,
            "limitUsd": null, "projectedUsd": 1.5, "remainingUsd": null, "usedPercentage": null,
            "exhausted": false},
        "violations": [{"scope": "daily", "provider": "openai", "limitUsd": 1, "usedUsd": 0,
            "estimatedUsd": 1.5, "projectedUsd": 1.5,
            "message": "Daily budget $1.0000 would be exceeded (projected $1.5000)."}],
        "shouldWarn": true, "shouldBlock": false, "generatedAt": "2026-05-22T12:00:00.000Z",
    });
    assert_eq!(
        crate::json::to_js_string(&got),
        crate::json::to_js_string(&want)
    );
    let decision = decide(json!({}), None, None, &[]);
    assert_eq!(
        serde_json::to_value(&decision).ok(),
        Some(decision.to_json())
    );
}

#[test]
fn call_reads_estimates_like_the_query_parameter() {
    for (estimate, want) in [
        (json!(""), Value::Null),
        (json!(null), Value::Null),
        (json!(" 2 "), json!(2)),
        (json!("abc"), Value::Null),
        (json!(-1), Value::Null),
        (json!(true), json!(1)),
    ] {
        let got = call_ok(json!({"estimateUsd": estimate.clone(), "now": NOW}));
        assert_eq!(got["estimatedRequestUsd"], want, "{estimate}");
    }
}

#[test]
fn call_rejects_malformed_options() {
    assert!(call("evaluateBudgetX", &[]).is_none());
    for options in [
        json!(null),
        json!({"now": "garbage"}),
        json!({}),
        json!({"now": NOW, "provider": 5}),
        json!({"now": NOW, "records": {}}),
        json!({"now": NOW, "records": [1]}),
    ] {
        let got = call("evaluateBudget", std::slice::from_ref(&options)).expect("owned name");
        assert!(got.is_err(), "{options}");
    }
    // Missing records read as none.
    assert_eq!(call_ok(json!({"now": NOW}))["daily"]["usedUsd"], json!(0));
}
