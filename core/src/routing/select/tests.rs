use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::error::ErrorCode;

/// 2026-05-22T00:00:00.000Z
const NOW: f64 = 1_779_408_000_000.0;

fn iso(offset_ms: f64) -> String {
    to_iso_string(NOW + offset_ms).expect("in range")
}

fn obj(v: Value) -> Object {
    v.as_object().expect("an object").clone()
}

/// The npm-name entry point of this module's functions, as the binding layer runs it.
fn call(name: &str, args: &[Value]) -> Option<crate::error::Result<Value>> {
    crate::bindings::routing::select(&crate::bindings::Args::from_wire(name, args.to_vec()))
}

fn select(options: Value) -> Value {
    call("selectProviderConnection", &[options])
        .expect("owned name")
        .expect("valid options")
}

fn selected_id(result: &Value) -> &str {
    result["connection"]["id"]
        .as_str()
        .expect("a selected connection")
}

#[test]
fn lock_keys_and_the_all_lock_fix() {
    let future = iso(60_000.0);
    // TV-29: the reference says false here; an active account-wide lock always counts.
    let c = obj(json!({"modelLock_m": "2000-01-01T00:00:00.000Z", "modelLock___all": future}));
    assert!(is_model_lock_active(&c, Some("m"), NOW));
    let c = obj(json!({"modelLock_m": null, "modelLock___all": future}));
    assert!(is_model_lock_active(&c, Some("m"), NOW));
    // Model locks are per model; no model reads only the account-wide key.
    let c = obj(json!({"modelLock_m": future}));
    assert!(is_model_lock_active(&c, Some("m"), NOW));
    assert!(!is_model_lock_active(&c, Some("other"), NOW));
    assert!(!is_model_lock_active(&c, None, NOW));
    assert!(!is_model_lock_active(&c, Some(""), NOW));
    // Expiry is strict, and only strings that parse count.
    let c = obj(json!({"modelLock_m": iso(0.0)}));
    assert!(!is_model_lock_active(&c, Some("m"), NOW));
    assert!(is_model_lock_active(&c, Some("m"), NOW - 1.0));
    for v in [json!("soon"), json!(NOW + 1e6), json!(true)] {
        let c = obj(json!({ "modelLock_m": v }));
        assert!(!is_model_lock_active(&c, Some("m"), NOW), "{v}");
    }
}

#[test]
fn earliest_lock_is_compared_as_time() {
    let c = obj(json!({
        "modelLock_a": iso(30_000.0),
        "modelLock_b": "2026-05-22T00:00:20+00:00",
        "modelLock_c": iso(-5.0),
        "modelLock___all": null,
        "other": iso(1.0),
    }));
    assert_eq!(
        earliest_model_lock_until(&c, NOW).as_deref(),
        Some("2026-05-22T00:00:20+00:00")
    );
    // As strings "2026-05-22T01:00:10+02:00" sorts after "...00:00:30Z", as a time it is earlier.
    let c = obj(json!({
        "modelLock_a": "2026-05-22T00:00:30.000Z",
        "modelLock_b": "2026-05-22T02:00:10+02:00",
    }));
    assert_eq!(
        earliest_model_lock_until(&c, NOW).as_deref(),
        Some("2026-05-22T02:00:10+02:00")
    );
    assert_eq!(earliest_model_lock_until(&obj(json!({})), NOW), None);
}

fn rr_pair(limit: Value) -> Value {
    json!({
        "provider": "openai",
        "model": "gpt",
        "connections": [
            {"id": "older", "provider": "openai", "isActive": true, "priority": 2,
             "lastUsedAt": "2026-05-20T00:00:00.000Z", "consecutiveUseCount": 1},
            {"id": "recent", "provider": "openai", "isActive": true, "priority": 1,
             "lastUsedAt": "2026-05-21T00:00:00.000Z", "consecutiveUseCount": 1},
        ],
        "settings": {"fallbackStrategy": "round-robin", "stickyRoundRobinLimit": limit},
        "now": "2026-05-22T00:00:00.000Z",
    })
}

#[test]
fn tv27_sticky_round_robin() {
    let r = select(rr_pair(json!(3)));
    assert_eq!(selected_id(&r), "recent");
    assert_eq!(
        r["updates"],
        json!({"lastUsedAt": "2026-05-22T00:00:00.000Z", "consecutiveUseCount": 2})
    );
    let r = select(rr_pair(json!(1)));
    assert_eq!(selected_id(&r), "older");
    assert_eq!(r["updates"]["consecutiveUseCount"], json!(1));
    for limit in [json!("abc"), json!(0), json!("0"), json!(-2), json!(null)] {
        assert_eq!(
            select(rr_pair(limit.clone())),
            select(rr_pair(json!(3))),
            "{limit}"
        );
    }
    assert_eq!(select(rr_pair(json!("1x")))["connection"]["id"], "older");
}

/// Applies the selection's updates to the stored connections, as the model registry does.
fn apply(connections: &mut [Value], result: &Value) {
    let id = selected_id(result).to_owned();
    if let Some(updates) = result.get("updates").and_then(Value::as_object) {
        let target = connections
            .iter_mut()
            .find(|c| c["id"] == id.as_str())
            .and_then(Value::as_object_mut)
            .expect("selected from the list");
        for (k, v) in updates {
            target.insert(k.clone(), v.clone());
        }
    }
}

fn sequence(settings: Value, provider: &str, steps: usize) -> Vec<String> {
    let mut connections = vec![
        json!({"id": "A", "provider": "codex", "priority": 1, "isActive": true}),
        json!({"id": "B", "provider": "codex", "priority": 2, "isActive": true}),
        json!({"id": "X", "provider": "other", "priority": 1, "isActive": true}),
        json!({"id": "Y", "provider": "other", "priority": 2, "isActive": true}),
    ];
    (0..steps)
        .map(|step| {
            let r = select(json!({
                "provider": provider,
                "model": "gpt-5",
                "connections": connections,
                "settings": settings,
                "now": NOW + step as f64 * 1000.0,
            }));
            apply(&mut connections, &r);
            selected_id(&r).to_owned()
        })
        .collect()
}

#[test]
fn round_robin_sequences() {
    // 9router V13 and TV-27's model-registry test.
    let rr = json!({"fallbackStrategy": "round-robin"});
    assert_eq!(
        sequence(rr, "codex", 8),
        ["A", "A", "A", "B", "B", "B", "A", "A"]
    );
    let rr0 = json!({"fallbackStrategy": "round-robin", "stickyRoundRobinLimit": 0});
    assert_eq!(
        sequence(rr0, "codex", 8),
        ["A", "A", "A", "B", "B", "B", "A", "A"]
    );
    let rr1 = json!({"fallbackStrategy": "round-robin", "stickyRoundRobinLimit": 1});
    assert_eq!(sequence(rr1, "codex", 2), ["A", "B"]);
    // V14: a per-provider override.
    let over = json!({"providerStrategies": {"codex":
        {"fallbackStrategy": "round-robin", "stickyRoundRobinLimit": 1}}});
    assert_eq!(sequence(over.clone(), "codex", 4), ["A", "B", "A", "B"]);
    assert_eq!(sequence(over, "other", 3), ["X", "X", "X"]);
}

#[test]
fn all_locked_reports_the_earliest_lock_and_the_first_connection() {
    let r = select(json!({
        "provider": "codex", "model": "gpt-5", "now": NOW,
        "connections": [
            {"id": "B", "provider": "codex", "priority": 2, "lastError": "[503]: b", "errorCode": 503,
             "modelLock_gpt-5": iso(10_000.0), "modelLock_o3": iso(2_000.0)},
            {"id": "A", "provider": "codex", "priority": 1, "lastError": "[429]: a", "errorCode": 429,
             "modelLock_gpt-5": iso(30_000.0)},
        ],
    }));
    assert_eq!(
        r,
        json!({"status": "unavailable", "retryAfter": iso(2_000.0),
               "retryAfterHuman": "reset after 2s", "lastError": "[429]: a", "lastErrorCode": 429})
    );
    // Absent fields stay absent, null stays null.
    let r = select(json!({
        "provider": "codex", "model": null, "now": NOW,
        "connections": [{"id": "A", "provider": "codex", "lastError": null,
                         "modelLock___all": iso(3_723_000.0)}],
    }));
    assert_eq!(
        r,
        json!({"status": "unavailable", "retryAfter": iso(3_723_000.0),
               "retryAfterHuman": "reset after 1h 2m 3s", "lastError": null})
    );
    // Excluded-only connections are ignored: all excluded and none locked is `missing`.
    let r = select(json!({
        "provider": "codex", "now": NOW, "excludeConnectionIds": "A",
        "connections": [{"id": "A", "provider": "codex"}],
    }));
    assert_eq!(r, json!({"status": "missing"}));
}

#[test]
fn quota_filter_and_ranking() {
    let snap = |score: f64, status: &str, remaining: Value, age: f64| {
        json!({"pieLabQuotaSelection": {"checkedAt": iso(-age), "status": status,
               "score": score, "remainingPercentage": remaining}})
    };
    let connections = json!([
        {"id": "a", "provider": "p", "priority": 1},
        {"id": "b", "provider": "p", "priority": 2, "providerSpecificData": snap(0.2, "available", json!(20), 0.0)},
        {"id": "c", "provider": "p", "priority": 3, "providerSpecificData": snap(0.9, "available", json!(90), 400_000.0)},
        {"id": "d", "provider": "p", "priority": 4, "providerSpecificData": snap(5.0, "depleted", json!(0), 0.0)},
        {"id": "e", "provider": "p", "priority": 5, "providerSpecificData": snap(0.6, "available", json!(60), 1_000.0)},
    ]);
    let run = |settings: Value| {
        select(
            json!({"provider": "p", "connections": connections, "settings": settings, "now": NOW}),
        )
    };
    assert_eq!(
        selected_id(&run(json!({"quotaStrategy": "prefer-remaining"}))),
        "e"
    );
    assert_eq!(selected_id(&run(json!({"quotaStrategy": "off"}))), "a");
    assert_eq!(selected_id(&run(json!({"quotaStrategy": ""}))), "a");
    assert_eq!(
        selected_id(&run(json!({"fallbackStrategy": "quota-aware"}))),
        "e"
    );
    // A longer max age makes `c` fresh and best.
    assert_eq!(
        selected_id(&run(
            json!({"quotaStrategy": "prefer-remaining", "quotaMaxAgeMs": "500000"})
        )),
        "c"
    );
    // require-remaining drops the stale/unknown ones and those below the minimum.
    let settings =
        json!({"quotaStrategy": "require-remaining", "quotaMinRemainingPercentage": "50%"});
    assert_eq!(selected_id(&run(settings)), "e");
    let settings = json!({"quotaStrategy": "require-remaining", "quotaMinRemainingPercentage": 61});
    assert_eq!(run(settings), json!({"status": "missing"}));
    // Exactly `quotaMaxAgeMs` old is still fresh.
    let settings = json!({"quotaStrategy": "prefer-remaining", "quotaMaxAgeMs": 400_000});
    assert_eq!(selected_id(&run(settings)), "c");
    let settings = json!({"quotaStrategy": "prefer-remaining", "quotaMaxAgeMs": 399_999});
    assert_eq!(selected_id(&run(settings)), "e");
    // Missing settings are the store defaults: prefer-remaining.
    let r = select(json!({"provider": "p", "connections": connections, "now": NOW}));
    assert_eq!(selected_id(&r), "e");
}

#[test]
fn policy_parsing() {
    let p = |s: Value| resolve_policy(&obj(s), "p");
    let d = p(json!({}));
    assert_eq!(
        (
            d.quota,
            d.quota_max_age_ms,
            d.quota_min_remaining,
            d.sticky_limit
        ),
        (QuotaStrategy::Off, 300_000.0, 0.0, 3.0)
    );
    assert_eq!(d.strategy, json!("fill-first"));
    let d = p(json!({"quotaMaxAgeMs": "-1", "quotaMinRemainingPercentage": "Infinity"}));
    assert_eq!(
        (d.quota_max_age_ms, d.quota_min_remaining),
        (300_000.0, 0.0)
    );
    let d = p(json!({"quotaMaxAgeMs": 1e21, "quotaMinRemainingPercentage": 150}));
    assert_eq!((d.quota_max_age_ms, d.quota_min_remaining), (1.0, 100.0));
    let d = p(json!({"quotaMinRemainingPercentage": -3, "stickyRoundRobinLimit": 2.9}));
    assert_eq!((d.quota_min_remaining, d.sticky_limit), (0.0, 2.0));
    let d = p(
        json!({"fallbackStrategy": "round-robin", "quotaStrategy": "prefer-remaining",
                     "providerStrategies": {"p": {"fallbackStrategy": null, "quotaStrategy": ""}}}),
    );
    assert_eq!(
        (d.strategy, d.quota),
        (json!("round-robin"), QuotaStrategy::Off)
    );
    let d = p(json!({"fallbackStrategy": "round-robin", "providerStrategies": {"p": "x"}}));
    assert_eq!(d.strategy, json!("round-robin"));
}

#[test]
fn preferred_and_exclusions() {
    let base = json!({
        "provider": "p", "now": NOW, "settings": {"fallbackStrategy": "round-robin"},
        "connections": [
            {"id": "a", "provider": "p", "priority": 1},
            {"id": "b", "provider": "p", "priority": 2},
            {"id": "c", "provider": "q", "priority": 0},
        ],
    });
    let with = |k: &str, v: Value| {
        let mut o = base.clone();
        o[k] = v;
        select(o)
    };
    let r = with("preferredConnectionId", json!("b"));
    assert_eq!(
        r,
        json!({"status": "selected", "connection": base["connections"][1]})
    );
    // Preferred but excluded (or of another provider): the strategy decides.
    let r = with("excludeConnectionIds", json!(["b", 7]));
    assert_eq!(selected_id(&r), "a");
    assert_eq!(selected_id(&with("preferredConnectionId", json!("c"))), "a");
    assert_eq!(selected_id(&with("excludeConnectionIds", json!("a"))), "b");
}

#[test]
fn dispatcher_validates_and_skips_other_names() {
    assert!(call("checkFallbackError", &[]).is_none());
    for bad in [
        json!(null),
        json!({"connections": [], "now": NOW}),
        json!({"provider": "p", "now": NOW}),
        json!({"provider": "p", "connections": [null], "now": NOW}),
        json!({"provider": "p", "connections": []}),
        json!({"provider": "p", "connections": [], "now": "not a date"}),
        json!({"provider": "p", "connections": [], "now": 9e15}),
        json!({"provider": "p", "connections": [], "now": NOW, "settings": "x"}),
        json!({"provider": "p", "connections": [], "now": NOW, "excludeConnectionIds": 1}),
    ] {
        let err = call("selectProviderConnection", std::slice::from_ref(&bad))
            .expect("owned")
            .expect_err("invalid");
        assert_eq!(err.code, ErrorCode::InvalidInput, "{bad}");
    }
    let locked = json!({"modelLock_m": "2026-05-22T00:01:00.000Z"});
    let active = |model: Value, now: Value| {
        call("isModelLockActive", &[locked.clone(), model, now])
            .expect("owned")
            .expect("valid")
    };
    assert_eq!(
        active(json!("m"), json!("2026-05-22T00:00:00Z")),
        json!(true)
    );
    assert_eq!(active(json!("m"), json!(NOW + 60_000.0)), json!(false));
    assert_eq!(active(json!(null), json!(NOW)), json!(false));
}

#[test]
fn explanation_lists_every_candidate() {
    let r = explain_provider_connection_selection(
        &crate::bindings::routing::parse_options(Some(&json!({
            "provider": "p", "model": "m", "now": NOW,
            "settings": {"fallbackStrategy": "fill-first", "quotaStrategy": "require-remaining",
                         "quotaMinRemainingPercentage": 10},
            "excludeConnectionIds": ["x"],
            "connections": [
                {"id": "off", "provider": "p", "isActive": false, "priority": 1},
                {"id": "x", "provider": "p", "priority": 2},
                {"id": "lock", "provider": "p", "priority": 3, "modelLock_m": iso(5_000.0),
                 "modelLock___all": iso(9_000.0)},
                {"id": "low", "provider": "p", "priority": 4, "providerSpecificData":
                    {"pieAdkQuotaSelection": {"checkedAt": iso(0.0), "status": "available",
                                              "score": 0.05, "remainingPercentage": 5}}},
                {"id": "ok", "provider": "p", "priority": 5, "lastUsedAt": iso(-1.0),
                 "providerSpecificData": {"pieLabQuotaSelection": {"checkedAt": iso(-1.0),
                    "status": "available", "score": 0.5, "remainingPercentage": null}}},
                {"id": "q", "provider": "q"},
            ],
        })))
        .expect("valid"),
    )
    .to_json();
    assert_eq!(r["status"], "selected");
    assert_eq!(r["selectedConnectionId"], "ok");
    assert_eq!(r["quotaStrategy"], "require-remaining");
    let reasons: Vec<_> = r["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| {
            (
                c["id"].clone(),
                c["reasons"].clone(),
                c["selectable"].clone(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (
                json!("off"),
                json!(["inactive connection", "quota snapshot is missing or stale"]),
                json!(false)
            ),
            (
                json!("x"),
                json!([
                    "excluded by current fallback attempt",
                    "quota snapshot is missing or stale"
                ]),
                json!(false)
            ),
            (
                json!("lock"),
                json!(["model cooldown for m", "quota snapshot is missing or stale"]),
                json!(false)
            ),
            (
                json!("low"),
                json!(["remaining quota is below 10%"]),
                json!(false)
            ),
            (
                json!("ok"),
                json!(["selected by account strategy", "quota score 0.50"]),
                json!(true)
            ),
        ]
    );
    assert_eq!(r["candidates"][2]["modelLockUntil"], json!(iso(9_000.0)));
    assert_eq!(r["candidates"][3]["quotaScore"], json!(0.05));
    assert_eq!(r["candidates"][4]["quotaFresh"], json!(true));
    assert_eq!(r["candidates"][0]["quotaScore"], json!(-1));
    assert_eq!(
        r["message"],
        "Selected connection \"ok\": best quota score, then priority."
    );
}

// ---- property test ----

#[derive(Clone, Debug)]
struct Conn {
    provider_p: bool,
    is_active: Value,
    priority: Value,
    /// Offsets from NOW in seconds; `None` = no key.
    lock_model: Option<i32>,
    lock_all: Option<i32>,
    lock_other: Option<i32>,
    last_used: Option<i32>,
    garbage_last_used: bool,
    count: Option<u8>,
    /// (age s, status depleted?, score, remaining)
    quota: Option<(u32, bool, f64, Option<u8>)>,
    excluded: bool,
}

fn conn_strategy() -> impl Strategy<Value = Conn> {
    (
        prop::bool::weighted(0.85),
        prop::sample::select(vec![json!(true), json!(false), json!(null), json!("false")]),
        prop::sample::select(vec![
            json!(null),
            json!(0),
            json!(1),
            json!(2),
            json!(3),
            json!("2"),
        ]),
        prop::option::of(-30..30i32),
        prop::option::weighted(0.3, -30..30i32),
        prop::option::weighted(0.3, -30..30i32),
        prop::option::of(-50..0i32),
        prop::bool::weighted(0.1),
        prop::option::of(0..5u8),
        prop::option::of((
            prop::sample::select(vec![0u32, 60, 299, 300, 301, 600]),
            prop::bool::weighted(0.2),
            -1.5..1.5f64,
            prop::option::of(0..=100u8),
        )),
        prop::bool::weighted(0.2),
    )
        .prop_map(
            |(
                provider_p,
                is_active,
                priority,
                lock_model,
                lock_all,
                lock_other,
                last_used,
                garbage_last_used,
                count,
                quota,
                excluded,
            )| Conn {
                provider_p,
                is_active,
                priority,
                lock_model,
                lock_all,
                lock_other,
                last_used,
                garbage_last_used,
                count,
                quota,
                excluded,
            },
        )
}

fn secs(s: i32) -> String {
    iso(f64::from(s) * 1000.0)
}

fn build(i: usize, c: &Conn) -> Object {
    let mut o = Object::new();
    o.insert("id".into(), format!("c{i}").into());
    o.insert(
        "provider".into(),
        if c.provider_p { "p" } else { "q" }.into(),
    );
    o.insert("isActive".into(), c.is_active.clone());
    o.insert("priority".into(), c.priority.clone());
    for (key, lock) in [
        ("modelLock_m", c.lock_model),
        ("modelLock___all", c.lock_all),
        ("modelLock_o", c.lock_other),
    ] {
        if let Some(s) = lock {
            o.insert(key.into(), secs(s).into());
        }
    }
    if c.garbage_last_used {
        o.insert("lastUsedAt".into(), "garbage".into());
    } else if let Some(s) = c.last_used {
        o.insert("lastUsedAt".into(), secs(s).into());
    }
    if let Some(n) = c.count {
        o.insert("consecutiveUseCount".into(), n.into());
    }
    if let Some((age, depleted, score, remaining)) = c.quota {
        o.insert(
            "providerSpecificData".into(),
            json!({"pieLabQuotaSelection": {
                "checkedAt": secs(-(age as i32)),
                "status": if depleted { "depleted" } else { "available" },
                "score": score,
                "remainingPercentage": remaining,
            }}),
        );
    }
    o.insert("lastError".into(), format!("e{i}").into());
    o
}

fn oracle_priority(v: &Value) -> f64 {
    match v {
        Value::Number(n) if n.as_f64() != Some(0.0) => n.as_f64().unwrap_or(999.0),
        Value::String(s) => s.parse().unwrap_or(999.0),
        _ => 999.0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn selection_obeys_the_rules(
        conns in prop::collection::vec(conn_strategy(), 0..7),
        strategy in prop::sample::select(vec!["fill-first", "round-robin", "quota-aware", "bogus"]),
        quota in prop::sample::select(vec!["off", "prefer-remaining", "require-remaining", ""]),
        sticky in prop::sample::select(vec![json!(1), json!(2), json!(3), json!("abc"), json!(0)]),
        min_remaining in prop::sample::select(vec![0.0, 50.0]),
        with_model in any::<bool>(),
        preferred in prop::option::of(0..7usize),
    ) {
        let connections: Vec<Object> = conns.iter().enumerate().map(|(i, c)| build(i, c)).collect();
        let options = SelectOptions {
            provider: "p".into(),
            model: with_model.then(|| "m".to_owned()),
            connections: connections.clone(),
            settings: obj(json!({"fallbackStrategy": strategy, "quotaStrategy": quota,
                "stickyRoundRobinLimit": sticky, "quotaMinRemainingPercentage": min_remaining})),
            exclude_connection_ids: conns.iter().enumerate()
                .filter(|(_, c)| c.excluded).map(|(i, _)| format!("c{i}")).collect(),
            preferred_connection_id: preferred.map(|i| format!("c{i}")),
            now: NOW,
        };
        let result = select_provider_connection(&options);

        // The rules restated over the generated values (seconds), not over parsed strings.
        let future = |s: Option<i32>| s.is_some_and(|s| s > 0);
        let quota_on = quota == "prefer-remaining" || quota == "require-remaining";
        let fresh = |c: &Conn| c.quota.filter(|q| q.0 <= 300);
        let active = |c: &Conn| c.provider_p && c.is_active != json!(false);
        let locked = |c: &Conn| future(c.lock_all) || (with_model && future(c.lock_model));
        let unlocked = |c: &Conn| active(c) && !c.excluded && !locked(c);
        let passes = |c: &Conn| !quota_on || match fresh(c) {
            None => quota != "require-remaining",
            Some(q) if q.1 => false,
            Some(q) => quota != "require-remaining" || !matches!(q.3, Some(r) if f64::from(r) < min_remaining),
        };
        let score = |c: &Conn| fresh(c).map_or(-1.0, |q| q.2.clamp(-1.0, 1.0));
        let mut order: Vec<usize> = (0..conns.len()).filter(|&i| unlocked(&conns[i]) && passes(&conns[i])).collect();
        order.sort_by(|&a, &b| oracle_priority(&conns[a].priority).total_cmp(&oracle_priority(&conns[b].priority)).then(a.cmp(&b)));

        match &result {
            Selection::Selected { connection, updates } => {
                let id = connection["id"].as_str().unwrap_or_default();
                let i: usize = id[1..].parse().unwrap_or(usize::MAX);
                let c = &conns[i];
                prop_assert!(active(c) && !c.excluded && !locked(c) && passes(c));
                prop_assert_eq!(connection, &connections[i]);
                let sticky_limit = match &sticky { Value::Number(n) if n.as_f64() != Some(0.0) => n.as_f64().unwrap_or(3.0), _ => 3.0 };
                let expected = if preferred.is_some_and(|p| order.contains(&p)) {
                    (preferred.unwrap_or_default(), None)
                } else if strategy != "round-robin" {
                    let best = if quota_on {
                        order.iter().copied().fold(order[0], |b, j| if score(&conns[j]) > score(&conns[b]) { j } else { b })
                    } else { order[0] };
                    (best, None)
                } else {
                    let used = |j: usize| if conns[j].garbage_last_used { None } else { conns[j].last_used };
                    let current = order.iter().copied().filter(|&j| used(j).is_some())
                        .fold(None, |b: Option<usize>, j| match b { Some(b) if used(b) >= used(j) => Some(b), _ => Some(j) })
                        .unwrap_or(order[0]);
                    let has = conns[current].garbage_last_used || conns[current].last_used.is_some();
                    let count = f64::from(conns[current].count.unwrap_or(0));
                    if has && count < sticky_limit {
                        (current, Some(count + 1.0))
                    } else {
                        let next = order.iter().copied().find(|&j| used(j).is_none()).unwrap_or_else(|| {
                            order.iter().copied().fold(order[0], |b, j| if used(j) < used(b) { j } else { b })
                        });
                        (next, Some(1.0))
                    }
                };
                prop_assert_eq!(i, expected.0);
                prop_assert_eq!(updates.as_ref().map(|u| u.consecutive_use_count), expected.1);
                if let Some(u) = updates {
                    prop_assert_eq!(&u.last_used_at, "2026-05-22T00:00:00.000Z");
                }
            }
            Selection::Unavailable { retry_after, last_error, .. } => {
                prop_assert!(!conns.iter().any(unlocked));
                let locked_ids: Vec<usize> = (0..conns.len()).filter(|&i| active(&conns[i]) && locked(&conns[i])).collect();
                let first = locked_ids.iter().copied()
                    .min_by(|&a, &b| oracle_priority(&conns[a].priority).total_cmp(&oracle_priority(&conns[b].priority)).then(a.cmp(&b)));
                prop_assert_eq!(last_error.clone(), first.map(|i| json!(format!("e{i}"))));
                let earliest = locked_ids.iter()
                    .flat_map(|&i| [conns[i].lock_model, conns[i].lock_all, conns[i].lock_other])
                    .flatten().filter(|&s| s > 0).min();
                prop_assert_eq!(Some(retry_after.clone()), earliest.map(secs));
            }
            Selection::Missing => {
                prop_assert!(order.is_empty());
                // Missing while everything is locked only when nothing is locked either.
                if !conns.iter().any(unlocked) {
                    prop_assert!(!conns.iter().any(|c| active(c) && locked(c)));
                }
            }
        }
        // The explanation agrees with the selection.
        let explained = explain_provider_connection_selection(&options).to_json();
        let status = result.to_json()["status"].clone();
        prop_assert_eq!(&explained["status"], &status);
        let selectable: Vec<usize> = explained["candidates"].as_array().map(|cs| cs.iter()
            .filter(|c| c["selectable"] == json!(true))
            .filter_map(|c| c["id"].as_str()?[1..].parse().ok()).collect()).unwrap_or_default();
        let mut sorted = selectable.clone();
        sorted.sort_by(|&a, &b| oracle_priority(&conns[a].priority).total_cmp(&oracle_priority(&conns[b].priority)).then(a.cmp(&b)));
        prop_assert_eq!(sorted, order);
    }
}
