use serde_json::{json, Value};

use super::*;
use crate::json::to_js_string;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn state(v: Value) -> ComboRotation {
    let v = crate::bindings::decode_value(&v);
    ComboRotation::from_value(v.as_ref()).expect("valid state")
}

/// `undefined` as the JavaScript glue sends it.
fn undefined() -> Value {
    json!({"__pieUndefined": true})
}

/// The npm-name entry point of this module's functions, as the binding layer runs it.
fn call(name: &str, args: &[Value]) -> Option<crate::error::Result<Value>> {
    crate::bindings::routing::plan(&crate::bindings::Args::from_wire(name, args.to_vec()))
}

fn plan(requested: &str, policy: Value, rotation: &mut ComboRotation) -> Value {
    resolve_route_plan(requested, Some(&policy), rotation)
        .expect("resolves")
        .to_value()
}

/// The `(source, id)` pairs and the mode of a plan, for compact assertions.
fn summary(requested: &str, policy: Value) -> (String, Vec<String>) {
    let p = resolve_route_plan(requested, Some(&policy), &mut ComboRotation::new()).expect("ok");
    let routes = p
        .routes
        .iter()
        .map(|r| format!("{}:{}", r.source.as_str(), r.id()))
        .collect();
    (p.routing_mode.as_str().to_owned(), routes)
}

fn run(name: &str, args: Value) -> Value {
    let Value::Array(args) = args else {
        panic!("args must be an array")
    };
    match call(name, &args) {
        Some(Ok(v)) => v,
        other => panic!("{name}: {other:?}"),
    }
}

fn call_error(name: &str, args: Value) -> Error {
    let Value::Array(args) = args else {
        panic!("args must be an array")
    };
    match call(name, &args) {
        Some(Err(e)) => e,
        other => panic!("{name}: expected an error, got {other:?}"),
    }
}

#[test]
fn one_model_or_fallback_leaves_models_and_state_alone() {
    let mut rotation = state(json!({"c": {"index": 1, "consecutiveUseCount": 0}}));
    let before = rotation.clone();
    let one = strings(&["a/x"]);
    assert_eq!(
        rotate_models(&one, "c", "round-robin", 1, &mut rotation),
        one
    );
    let three = strings(&["a/x", "b/y", "c/z"]);
    for strategy in ["fallback", "Round-Robin", "", "rr"] {
        assert_eq!(
            rotate_models(&three, "c", strategy, 1, &mut rotation),
            three
        );
    }
    assert_eq!(rotation, before);
    assert_eq!(
        rotate_models(&[], "c", "round-robin", 1, &mut rotation),
        Vec::<String>::new()
    );
    assert_eq!(rotation, before);
}

#[test]
fn sticky_limit_two_over_three_models() {
    let models = strings(&["m1", "m2", "m3"]);
    let mut rotation = ComboRotation::new();
    let want: [(&[&str], u64, u64); 7] = [
        (&["m1", "m2", "m3"], 0, 1),
        (&["m1", "m2", "m3"], 1, 0),
        (&["m2", "m3", "m1"], 1, 1),
        (&["m2", "m3", "m1"], 2, 0),
        (&["m3", "m1", "m2"], 2, 1),
        (&["m3", "m1", "m2"], 0, 0),
        (&["m1", "m2", "m3"], 0, 1),
    ];
    for (i, (order, index, count)) in want.into_iter().enumerate() {
        let got = rotate_models(&models, "c", "round-robin", 2, &mut rotation);
        assert_eq!(got, strings(order), "call {i}");
        assert_eq!(
            rotation.get("c"),
            Some(RotationEntry {
                index,
                consecutive_use_count: count
            }),
            "call {i}"
        );
    }
    assert_eq!(
        to_js_string(&rotation.to_value()),
        r#"{"c":{"index":0,"consecutiveUseCount":1}}"#
    );
}

#[test]
fn sticky_limit_one_advances_every_call_and_zero_behaves_like_one() {
    let models = strings(&["m1", "m2"]);
    for sticky in [0, 1] {
        let mut rotation = ComboRotation::new();
        let firsts: Vec<String> = (0..4)
            .map(|_| rotate_models(&models, "c", "round-robin", sticky, &mut rotation)[0].clone())
            .collect();
        assert_eq!(
            firsts,
            strings(&["m1", "m2", "m1", "m2"]),
            "sticky {sticky}"
        );
    }
}

#[test]
fn stored_index_is_reduced_modulo_the_length() {
    let models = strings(&["m1", "m2", "m3"]);
    let mut rotation = state(json!({"c": {"index": 5, "consecutiveUseCount": 0}}));
    let got = rotate_models(&models, "c", "round-robin", 2, &mut rotation);
    assert_eq!(got, strings(&["m3", "m1", "m2"]));
    assert_eq!(
        rotation.get("c"),
        Some(RotationEntry {
            index: 2,
            consecutive_use_count: 1
        })
    );
    // A count at or above a lowered limit advances at once.
    let mut rotation = state(json!({"c": {"index": 0, "consecutiveUseCount": 7}}));
    rotate_models(&models, "c", "round-robin", 3, &mut rotation);
    assert_eq!(
        rotation.get("c"),
        Some(RotationEntry {
            index: 1,
            consecutive_use_count: 0
        })
    );
}

#[test]
fn unnamed_combos_share_the_default_key_and_others_are_untouched() {
    let models = strings(&["m1", "m2"]);
    let mut rotation = state(json!({"z": {"index": 1, "consecutiveUseCount": 0}}));
    rotate_models(&models, "", "round-robin", 1, &mut rotation);
    assert_eq!(
        to_js_string(&rotation.to_value()),
        r#"{"__default__":{"index":1,"consecutiveUseCount":0},"z":{"index":1,"consecutiveUseCount":0}}"#
    );
}

#[test]
fn reset_forgets_one_or_all() {
    let mut rotation = state(json!({"a": {"index": 1}, "b": {"index": 2}}));
    rotation.reset(Some("a"));
    assert_eq!(rotation.entries().keys().collect::<Vec<_>>(), ["b"]);
    rotation.reset(Some(""));
    assert_eq!(rotation, ComboRotation::new());
    let mut rotation = state(json!({"a": {"index": 1}}));
    rotation.reset(None);
    assert!(rotation.entries().is_empty());
}

#[test]
fn rotation_state_is_read_leniently_and_written_sorted() {
    let rotation = state(json!({
        "z": {"index": 2, "consecutiveUseCount": 1},
        "a": {"index": -1, "consecutiveUseCount": 1.5},
        "m": "garbage",
        "n": {"index": "3", "consecutiveUseCount": null},
        "f": {"index": 4.0},
        "u": undefined()
    }));
    assert_eq!(
        to_js_string(&rotation.to_value()),
        concat!(
            r#"{"a":{"index":0,"consecutiveUseCount":0},"f":{"index":4,"consecutiveUseCount":0},"#,
            r#""m":{"index":0,"consecutiveUseCount":0},"n":{"index":0,"consecutiveUseCount":0},"#,
            r#""z":{"index":2,"consecutiveUseCount":1}}"#
        )
    );
    for empty in [None, Some(json!(null)), Some(undefined())] {
        let empty = empty.as_ref().and_then(crate::bindings::decode_value);
        assert_eq!(
            ComboRotation::from_value(empty.as_ref()).expect("empty"),
            ComboRotation::new()
        );
    }
    for bad in [json!([]), json!("x"), json!(3)] {
        let err = ComboRotation::from_value(Some(&bad)).expect_err("not an object");
        assert_eq!(err.code, ErrorCode::InvalidInput);
    }
    // The serde form is the JSON form.
    let text = serde_json::to_string(&rotation).expect("serializes");
    let back: ComboRotation = serde_json::from_str(&text).expect("deserializes");
    assert_eq!(back, rotation);
    assert_eq!(text, to_js_string(&rotation.to_value()));
}

#[test]
fn sticky_limits_parse_like_the_router() {
    let cases = [
        (json!(2), 2),
        (json!("2"), 2),
        (json!(" 3 "), 3),
        (json!("7x"), 7),
        (json!(2.9), 2),
        (json!("abc"), 1),
        (json!(""), 1),
        (json!(0), 1),
        (json!("0"), 1),
        (json!(-4), 1),
        (json!(null), 1),
        (json!(true), 1),
        (json!({}), 1),
        (json!([5]), 5),
        (json!(1e21), 1),
        (undefined(), 1),
    ];
    for (v, want) in cases {
        let decoded = crate::bindings::decode_value(&v);
        assert_eq!(parse_combo_sticky_limit(decoded.as_ref()), want, "{v}");
    }
    assert_eq!(parse_combo_sticky_limit(None), 1);
}

fn settings_of(policy: Value) -> ComboRotationSettings {
    let policy = normalize_router_policy(Some(&policy));
    let combo = policy["combos"][0].clone();
    resolve_combo_strategy(&policy, &combo)
}

fn rr(sticky_limit: u64) -> ComboRotationSettings {
    ComboRotationSettings {
        strategy: ComboStrategy::RoundRobin,
        sticky_limit,
    }
}

fn fb(sticky_limit: u64) -> ComboRotationSettings {
    ComboRotationSettings {
        strategy: ComboStrategy::Fallback,
        sticky_limit,
    }
}

#[test]
fn global_combo_settings_apply_when_a_combo_sets_none() {
    let c = json!({"name": "c", "models": ["a/x", "b/y"]});
    assert_eq!(settings_of(json!({"combos": [c.clone()]})), fb(1));
    assert_eq!(
        settings_of(
            json!({"combos": [c.clone()], "comboStrategy": "round-robin", "comboStickyLimit": "3"})
        ),
        rr(3)
    );
    // Normalization defaults count as unset.
    let explicit_defaults =
        json!({"name": "c", "models": "a/x,b/y", "strategy": "fallback", "stickyLimit": 1});
    assert_eq!(
        settings_of(
            json!({"combos": [explicit_defaults], "comboStrategy": "round-robin", "comboStickyLimit": 2})
        ),
        rr(2)
    );
    // A sticky limit the router cannot parse counts as unset.
    let garbage = json!({"name": "c", "models": "a/x,b/y", "stickyLimit": "abc"});
    assert_eq!(
        settings_of(
            json!({"combos": [garbage], "comboStrategy": "round-robin", "comboStickyLimit": 4})
        ),
        rr(4)
    );
}

#[test]
fn combo_settings_beat_global_ones() {
    let c = json!({"name": "c", "models": "a/x,b/y", "strategy": "round-robin", "stickyLimit": 2});
    assert_eq!(
        settings_of(json!({"combos": [c], "comboStrategy": "fallback", "comboStickyLimit": 5})),
        rr(2)
    );
    let sticky_only = json!({"name": "c", "models": "a/x,b/y", "stickyLimit": "4"});
    assert_eq!(
        settings_of(json!({"combos": [sticky_only], "comboStrategy": "round-robin"})),
        rr(4)
    );
}

#[test]
fn combo_strategies_entries_come_first() {
    let c = json!({"name": "c", "models": "a/x,b/y", "strategy": "round-robin", "stickyLimit": 2});
    // Reference surprise: `{stickyLimit}` alone no longer forces fallback.
    assert_eq!(
        settings_of(json!({"combos": [c.clone()], "comboStrategies": {"c": {"stickyLimit": 3}}})),
        rr(3)
    );
    // A string entry pins the strategy, even "fallback"; the sticky limit falls through.
    assert_eq!(
        settings_of(json!({"combos": [c.clone()], "comboStrategies": {"c": "fallback"}})),
        fb(2)
    );
    assert_eq!(
        settings_of(
            json!({"combos": [{"name": "c", "models": "a/x"}], "comboStrategy": "round-robin", "comboStrategies": {" c ": "fallback"}})
        ),
        fb(1)
    );
    assert_eq!(
        settings_of(
            json!({"combos": [{"name": "c", "models": "a/x"}], "comboStrategies": {"c": "round-robin"}})
        ),
        rr(1)
    );
    // An object entry's defaults fall through to the combo, then the globals.
    assert_eq!(
        settings_of(
            json!({"combos": [c.clone()], "comboStrategies": {"c": {"strategy": "fallback", "stickyLimit": 1}}})
        ),
        rr(2)
    );
    assert_eq!(
        settings_of(
            json!({"combos": [c], "comboStrategies": {"c": {"strategy": "round-robin", "stickyLimit": 6}}})
        ),
        rr(6)
    );
    // Entries of other combos do not apply.
    assert_eq!(
        settings_of(
            json!({"combos": [{"name": "c", "models": "a/x"}], "comboStrategies": {"d": "round-robin"}})
        ),
        fb(1)
    );
}

#[test]
fn requested_model_forms() {
    let policy = json!({
        "aliases": {"auto:coding": "al/one", "smart": ["al/s1", "al/s2"], "openai/gpt-4": "openai/gpt-5", "combo:x": "al/cx"},
        "intents": {"coding": ["in/c1", "al/one"], "chat": "in/chat"},
        "combos": [
            {"name": "coding", "models": "co/c1, co/c2"},
            {"name": "smart", "models": "co/smart"},
            {"name": "combo:lit", "models": "co/lit"}
        ]
    });
    let check = |requested: &str, mode: &str, routes: &[&str]| {
        assert_eq!(
            summary(requested, policy.clone()),
            (mode.to_owned(), strings(routes)),
            "{requested}"
        );
    };
    check("openai/gpt-5.4", "fallback", &["fallback:openai/gpt-5.4"]);
    check(
        "fallback:openai/gpt-5.4",
        "fallback",
        &["fallback:openai/gpt-5.4"],
    );
    check(
        "ollama/llama3:8b",
        "fallback",
        &["fallback:ollama/llama3:8b"],
    );
    check("or/meta/llama-3", "fallback", &["fallback:or/meta/llama-3"]);
    check("fixed:openai/gpt-5", "fixed", &["fixed:openai/gpt-5"]);
    check("FIXED: openai/gpt-5 ", "fixed", &["fixed:openai/gpt-5"]);
    check("fixed:coding", "fixed", &[]);
    check("fixed:openai/gpt-4", "fixed", &["fixed:openai/gpt-4"]);
    check("coding", "fallback", &["router:co/c1", "router:co/c2"]);
    check("smart", "fallback", &["router:co/smart"]);
    check("openai/gpt-4", "fallback", &["router:openai/gpt-5"]);
    check("unknown-model", "fallback", &[]);
    check("combo:coding", "router", &["router:co/c1", "router:co/c2"]);
    check("combo:lit", "router", &["router:co/lit"]);
    check("combo:x", "router", &["router:al/cx"]);
    check("combo:nothing", "router", &[]);
    check("auto:coding", "router", &["router:al/one", "router:in/c1"]);
    check("AUTO: coding", "router", &["router:in/c1", "router:al/one"]);
    check("cheap:chat", "router", &["router:in/chat"]);
    check("fast:chat", "router", &["router:in/chat"]);
    check("auto:smart", "router", &[]);
}

#[test]
fn malformed_requests_are_errors() {
    for requested in ["", "   ", "auto:", "fixed:  ", "combo:", "x:"] {
        let err =
            resolve_route_plan(requested, None, &mut ComboRotation::new()).expect_err(requested);
        assert_eq!(err.code, ErrorCode::InvalidInput, "{requested:?}");
    }
    // A leading colon is not a prefix.
    assert_eq!(
        summary(":a/b", json!(null)),
        ("fallback".to_owned(), strings(&["fallback::a/b"]))
    );
}

#[test]
fn entries_without_a_provider_are_skipped_and_repeats_dropped() {
    let policy = json!({"combos": [{"name": "c", "models": ["gpt-5", "/x", "x/", "a/x", "b/y", "a/x", "smart"]}]});
    assert_eq!(
        summary("c", policy),
        (
            "fallback".to_owned(),
            strings(&["router:a/x", "router:b/y"])
        )
    );
}

#[test]
fn plan_json_shape() {
    let got = plan(
        " combo:c ",
        json!({"combos": [{"name": "c", "models": "a/x,b/y/z"}]}),
        &mut ComboRotation::new(),
    );
    assert_eq!(
        to_js_string(&got),
        concat!(
            r#"{"requestedModel":"combo:c","routingMode":"router","routes":["#,
            r#"{"index":0,"source":"router","provider":"a","model":"x","id":"a/x"},"#,
            r#"{"index":1,"source":"router","provider":"b","model":"y/z","id":"b/y/z"}]}"#
        )
    );
}

#[test]
fn round_robin_combos_rotate_across_plans() {
    let policy = json!({
        "comboStrategy": "round-robin",
        "comboStickyLimit": 2,
        "combos": [{"name": "c", "models": ["m/1", "m/2", "m/3"]}, {"name": "f", "models": ["m/1", "m/2"], "strategy": "round-robin"}],
        "comboStrategies": {"f": "fallback"}
    });
    let mut rotation = ComboRotation::new();
    let firsts: Vec<String> = (0..7)
        .map(|_| plan("combo:c", policy.clone(), &mut rotation)["routes"][0]["id"].to_string())
        .collect();
    assert_eq!(
        firsts,
        ["\"m/1\"", "\"m/1\"", "\"m/2\"", "\"m/2\"", "\"m/3\"", "\"m/3\"", "\"m/1\""]
    );
    // The pinned fallback combo never rotates nor writes state.
    plan("f", policy, &mut rotation);
    assert_eq!(
        to_js_string(&rotation.to_value()),
        r#"{"c":{"index":0,"consecutiveUseCount":1}}"#
    );
}

#[test]
fn rotation_precedes_dedupe_and_advances_without_routes() {
    let policy = json!({"combos": [{"name": "c", "models": ["a/x", "b/y", "a/x"], "strategy": "round-robin"}]});
    let mut rotation = state(json!({"c": {"index": 2, "consecutiveUseCount": 0}}));
    let got = plan("c", policy, &mut rotation);
    assert_eq!(
        to_js_string(&got["routes"]),
        concat!(
            r#"[{"index":0,"source":"router","provider":"a","model":"x","id":"a/x"},"#,
            r#"{"index":1,"source":"router","provider":"b","model":"y","id":"b/y"}]"#
        )
    );
    assert_eq!(rotation.get("c").map(|e| e.index), Some(0));
    let bare = json!({"combos": [{"name": "c", "models": ["x", "y"], "strategy": "round-robin"}]});
    let mut rotation = ComboRotation::new();
    assert_eq!(plan("c", bare, &mut rotation)["routes"], json!([]));
    assert_eq!(rotation.get("c").map(|e| e.index), Some(1));
}

#[test]
fn settings_policies_and_raw_policies_resolve_alike() {
    let raw = json!({"combos": {"combos": [{"name": " c ", "models": "a/x, b/y", "strategy": "round-robin"}]}});
    let settings = json!({"fallbackStrategy": "fill-first", "routerPolicy": raw.clone()});
    let normalized = normalize_router_policy(Some(&raw));
    let mut results = Vec::new();
    for policy in [raw, settings, normalized] {
        let mut rotation = ComboRotation::new();
        let got = plan("combo:c", policy, &mut rotation);
        results.push((to_js_string(&got), to_js_string(&rotation.to_value())));
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]), "{results:?}");
    assert_eq!(results[0].1, r#"{"c":{"index":1,"consecutiveUseCount":0}}"#);
    // Absent, null and routerPolicy: null are the empty policy.
    for policy in [None, Some(json!(null)), Some(json!({"routerPolicy": null}))] {
        let p =
            resolve_route_plan("combo:c", policy.as_ref(), &mut ComboRotation::new()).expect("ok");
        assert!(p.routes.is_empty());
    }
}

#[test]
fn call_dispatches_and_checks_arguments() {
    assert_eq!(
        run(
            "getRotatedModels",
            json!([["a", "b", "c"], "c", "round-robin", "2", {"c": {"index": 1, "consecutiveUseCount": 1}}])
        ),
        json!({"models": ["b", "c", "a"], "rotation": {"c": {"index": 2, "consecutiveUseCount": 0}}})
    );
    assert_eq!(
        run("getRotatedModels", json!([["a", "b"], null, "round-robin"])),
        json!({"models": ["a", "b"], "rotation": {"__default__": {"index": 1, "consecutiveUseCount": 0}}})
    );
    assert_eq!(
        run("getRotatedModels", json!([["a", "b"], "c", 5])),
        json!({"models": ["a", "b"], "rotation": {}})
    );
    assert_eq!(
        run("resolveRoutePlan", json!(["a/b"])),
        json!({"plan": {"requestedModel": "a/b", "routingMode": "fallback", "routes": [
            {"index": 0, "source": "fallback", "provider": "a", "model": "b", "id": "a/b"}
        ]}, "rotation": {}})
    );
    for (name, args) in [
        ("resolveRoutePlan", json!([])),
        ("resolveRoutePlan", json!([5])),
        ("resolveRoutePlan", json!([""])),
        ("resolveRoutePlan", json!(["a/b", null, "state"])),
        ("getRotatedModels", json!(["a,b", "c", "round-robin"])),
        ("getRotatedModels", json!([["a", 1], "c", "round-robin"])),
        ("getRotatedModels", json!([["a", "b"], 7, "round-robin"])),
        (
            "getRotatedModels",
            json!([["a", "b"], "c", "round-robin", 1, []]),
        ),
    ] {
        assert_eq!(
            call_error(name, args.clone()).code,
            ErrorCode::InvalidInput,
            "{name} {args}"
        );
    }
    assert!(call("selectProviderConnection", &[]).is_none());
}
