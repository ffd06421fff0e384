//! Provider-connection settings: `mergeProviderConnectionSettings` and the normalizers of its
//! nested blocks (reference-behaviour.md §2.2-§2.4).
//!
//! Settings are kept as JSON objects rather than structs because the top-level values are not
//! validated (`"abc"` as a sticky limit is stored as is) and `providerStrategies` must round-trip
//! any shape. Every function builds its output in the key order of the reference's object
//! literals, so `crate::json::to_js_string` prints exactly what `JSON.stringify` prints.
//!
//! Reading a property follows JS: only objects have properties, and a missing key and a
//! non-object container read as `undefined` (an update's unset keys are removed before the
//! merge, which reads them the same way). Records are iterated in JS enumeration order ([`js_key_order`]), because the
//! later of two keys that trim to the same name wins.
//!
//! Differences from the reference, where it would throw or produce index keys:
//! - a `null` (or `undefined`) budget rule or combo element is skipped instead of throwing, so
//!   one malformed entry does not make the whole settings object unreadable;
//! - `budgetLimits: null` gives the default block, like `routerPolicy: null` (§2.3 only says
//!   "defaults when absent"; reading a field of `null` would throw);
//! - a combos list that is neither an array nor `{combos: [...]}` with an array is treated as
//!   empty (the reference throws on a non-iterable and iterates a string by character, which
//!   yields no named combo anyway);
//! - a record (`providerStrategies`, `providerLimits`, `aliases`, `intents`, `comboStrategies`)
//!   that is a string or an array is treated as `{}`; the reference would spread or enumerate it
//!   into index keys (`"ab"` → `{"0": "a", "1": "b"}`).

use std::collections::HashSet;

use serde_json::Value;

use super::{Object, Patch};
use crate::js_value::{js_trim, normalize_string, number_value, parse_int, to_number};
use crate::json::js_key_order;

/// Sticky limit of combos, `comboStrategies` entries and `comboStickyLimit` when none is given
/// (the value normalization writes, and the one the combo rotation falls back to).
pub const DEFAULT_COMBO_STICKY_LIMIT: u64 = 1;
/// `stickyRoundRobinLimit` when none is given: round-robin picks per connection before rotating
/// (the default normalization writes, and the one selection falls back to).
pub const DEFAULT_STICKY_ROUND_ROBIN_LIMIT: f64 = 3.0;

/// The settings of a fresh store (TV-2): `mergeProviderConnectionSettings({})`.
pub fn default_settings() -> Object {
    merge_settings(None)
}

/// `mergeProviderConnectionSettings(settings)`: exactly the 11 known keys, in the reference's
/// order. Scalars default with `??` and are otherwise kept unvalidated (TV-3); the two nested
/// blocks are rebuilt; `providerStrategies` is a shallow copy. A non-object `settings` reads as
/// `{}` (the reference would throw on `null`).
pub fn merge_settings(settings: Option<&Value>) -> Object {
    let field = |key: &str| prop(settings, key);
    // `??`: missing, `undefined` and `null` take the default; anything else is kept as given.
    let or_default = |key: &str, default: Value| match field(key) {
        None | Some(Value::Null) => default,
        Some(v) => v.clone(),
    };
    let mut out = Object::new();
    out.insert(
        "fallbackStrategy".into(),
        or_default("fallbackStrategy", "fill-first".into()),
    );
    out.insert(
        "stickyRoundRobinLimit".into(),
        or_default(
            "stickyRoundRobinLimit",
            number_value(DEFAULT_STICKY_ROUND_ROBIN_LIMIT),
        ),
    );
    out.insert(
        "quotaStrategy".into(),
        or_default("quotaStrategy", "prefer-remaining".into()),
    );
    out.insert(
        "quotaMinRemainingPercentage".into(),
        or_default("quotaMinRemainingPercentage", number_value(0.0)),
    );
    out.insert(
        "quotaMaxAgeMs".into(),
        or_default("quotaMaxAgeMs", number_value(300_000.0)),
    );
    out.insert(
        "quotaRefreshBeforeSelection".into(),
        or_default("quotaRefreshBeforeSelection", Value::Bool(true)),
    );
    out.insert(
        "quotaRefreshTtlMs".into(),
        or_default("quotaRefreshTtlMs", number_value(60_000.0)),
    );
    out.insert(
        "rtkEnabled".into(),
        or_default("rtkEnabled", Value::Bool(true)),
    );
    out.insert(
        "budgetLimits".into(),
        normalize_budget_limits(field("budgetLimits")),
    );
    out.insert(
        "routerPolicy".into(),
        normalize_router_policy(field("routerPolicy")),
    );
    // `{...(providerStrategies ?? {})}`: entries are copied, never normalized.
    let strategies: Object = entries(field("providerStrategies"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.insert("providerStrategies".into(), Value::Object(strategies));
    out
}

/// `updateSettings(updates)`: `merge({...current, ...updates})`. The merge is shallow, so an
/// `updates` key replaces the whole current value (all of `routerPolicy`, for instance), and an
/// unset key resets that setting to its default (TV-4).
pub fn update_settings(current: &Object, updates: &Patch) -> Object {
    let combined = updates.spread_over(&Patch::from(current)).into_record();
    merge_settings(Some(&Value::Object(combined)))
}

/// `normalizeBudgetLimitSettings` (§2.3): `{mode, requestUsd, dailyUsd, monthlyUsd,
/// providerLimits}`. Provider keys are trimmed (empty ones skipped, a later duplicate replaces
/// the value at the first one's position), extra keys are dropped, and a `null` rule is skipped
/// where the reference throws.
pub fn normalize_budget_limits(v: Option<&Value>) -> Value {
    let mut out = budget_rule(v);
    let mut limits = Object::new();
    for (key, rule) in entries(prop(v, "providerLimits")) {
        let name = js_trim(key);
        if name.is_empty() || rule.is_null() {
            continue;
        }
        limits.insert(name.to_owned(), Value::Object(budget_rule(Some(rule))));
    }
    out.insert("providerLimits".into(), Value::Object(limits));
    Value::Object(out)
}

/// `normalizeBudgetLimitRule`: a primitive or array rule has no fields, so it gives the
/// default rule, as reading `rule.mode` on it does in JS.
fn budget_rule(rule: Option<&Value>) -> Object {
    let mode = match prop(rule, "mode") {
        Some(Value::String(m)) if m == "warn" || m == "block" => m.as_str(),
        _ => "off",
    };
    let mut out = Object::new();
    out.insert("mode".into(), mode.into());
    for key in ["requestUsd", "dailyUsd", "monthlyUsd"] {
        out.insert(key.into(), nullable_positive_number(prop(rule, key)));
    }
    out
}

/// `normalizeNullablePositiveNumber`: `null`, missing and `""` → `null`; otherwise `Number(v)`
/// if it is finite and `>= 0` (so `true` → 1, `[]` → 0, `" 5 "` → 5), else `null`.
fn nullable_positive_number(v: Option<&Value>) -> Value {
    match v {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) if s.is_empty() => Value::Null,
        Some(v) => {
            let n = to_number(v);
            if n.is_finite() && n >= 0.0 {
                number_value(n)
            } else {
                Value::Null
            }
        }
    }
}

/// `normalizeRouterPolicySettings` (§2.4): the 6 known keys, rebuilt. A falsy policy gives the
/// defaults; so does any other non-object, since it has none of the fields.
pub fn normalize_router_policy(v: Option<&Value>) -> Value {
    let field = |key: &str| prop(v, key);
    let mut out = Object::new();
    out.insert("aliases".into(), string_record(field("aliases")));
    out.insert("intents".into(), string_record(field("intents")));
    out.insert("combos".into(), Value::Array(combos(field("combos"))));
    out.insert(
        "comboStrategy".into(),
        combo_strategy(field("comboStrategy")),
    );
    out.insert(
        "comboStickyLimit".into(),
        normalize_sticky_limit(field("comboStickyLimit"), DEFAULT_COMBO_STICKY_LIMIT as f64),
    );
    out.insert(
        "comboStrategies".into(),
        combo_strategies(field("comboStrategies")),
    );
    Value::Object(out)
}

/// `normalizeStickyLimit(value, fallback)`, storage version: a finite number →
/// `max(1, floor(v))`; a string is trimmed, empty → `fallback`, else `max(1, parseInt)`, or the
/// trimmed string itself when that is NaN (`"abc"` stays `"abc"`); anything else → `fallback`.
pub fn normalize_sticky_limit(v: Option<&Value>, fallback: f64) -> Value {
    match v {
        Some(Value::Number(n)) => match n.as_f64().filter(|f| f.is_finite()) {
            Some(f) => number_value(f.floor().max(1.0)),
            None => number_value(fallback),
        },
        Some(Value::String(s)) => {
            let trimmed = js_trim(s);
            if trimmed.is_empty() {
                return number_value(fallback);
            }
            let parsed = parse_int(trimmed);
            if parsed.is_finite() {
                number_value(parsed.max(1.0))
            } else {
                Value::from(trimmed)
            }
        }
        _ => number_value(fallback),
    }
}

/// `normalizeStringRecord` (aliases, intents): trimmed non-empty keys; a value with one model is
/// stored as a string, with several as an array, with none it is omitted.
fn string_record(v: Option<&Value>) -> Value {
    let mut out = Object::new();
    for (key, value) in entries(v) {
        let name = js_trim(key);
        if name.is_empty() {
            continue;
        }
        let mut models = model_list(Some(value));
        let stored = match models.len() {
            0 => continue,
            1 => Value::String(models.remove(0)),
            _ => Value::Array(models.into_iter().map(Value::String).collect()),
        };
        out.insert(name.to_owned(), stored);
    }
    Value::Object(out)
}

/// `normalizeModelList`: an array as is, a string split on `,` and `\n`, anything else `[]`;
/// each element `normalizeString`-ed, empty ones removed, duplicates kept.
fn model_list(v: Option<&Value>) -> Vec<String> {
    let raw: Vec<String> = match v {
        Some(Value::Array(items)) => items.iter().map(|i| normalize_string(Some(i))).collect(),
        Some(Value::String(s)) => s
            .split([',', '\n'])
            .map(|part| js_trim(part).to_owned())
            .collect(),
        _ => Vec::new(),
    };
    raw.into_iter().filter(|m| !m.is_empty()).collect()
}

/// `normalizeRouterPolicyCombos`: the list is `combos` if it is an array, else
/// `combos.combos`. A combo needs a name not seen before and at least one model; a combo
/// without models does not mark its name as seen. `null` and non-object elements are skipped
/// (the reference throws on `null`; primitives have no name).
fn combos(v: Option<&Value>) -> Vec<Value> {
    let list = match v {
        Some(Value::Array(items)) => Some(items),
        other => match prop(other, "combos") {
            Some(Value::Array(items)) => Some(items),
            _ => None,
        },
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for combo in list.into_iter().flatten() {
        let combo = Some(combo).filter(|c| c.is_object());
        if combo.is_none() {
            continue;
        }
        let name = normalize_string(prop(combo, "name"));
        if name.is_empty() || seen.contains(&name) {
            continue;
        }
        let models = model_list(prop(combo, "models"));
        if models.is_empty() {
            continue;
        }
        seen.insert(name.clone());
        let kind = normalize_string(prop(combo, "kind"));
        let mut entry = Object::new();
        entry.insert("name".into(), Value::String(name));
        entry.insert(
            "models".into(),
            Value::Array(models.into_iter().map(Value::String).collect()),
        );
        entry.insert(
            "kind".into(),
            if kind.is_empty() {
                Value::Null
            } else {
                Value::String(kind)
            },
        );
        entry.insert("strategy".into(), combo_strategy(prop(combo, "strategy")));
        entry.insert(
            "stickyLimit".into(),
            normalize_sticky_limit(
                prop(combo, "stickyLimit"),
                DEFAULT_COMBO_STICKY_LIMIT as f64,
            ),
        );
        out.push(Value::Object(entry));
    }
    out
}

/// `"round-robin"` is kept; anything else (other case, `"RR"`, missing) is `"fallback"`.
fn combo_strategy(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) if s == "round-robin" => "round-robin".into(),
        _ => "fallback".into(),
    }
}

/// `comboStrategies`: trimmed non-empty keys; a string value becomes a strategy name, any other
/// value (`null` and numbers included) an explicit `{strategy, stickyLimit}` object.
fn combo_strategies(v: Option<&Value>) -> Value {
    let mut out = Object::new();
    for (key, value) in entries(v) {
        let name = js_trim(key);
        if name.is_empty() {
            continue;
        }
        let entry = match value {
            Value::String(_) => combo_strategy(Some(value)),
            _ => {
                let value = Some(value);
                let mut config = Object::new();
                config.insert("strategy".into(), combo_strategy(prop(value, "strategy")));
                config.insert(
                    "stickyLimit".into(),
                    normalize_sticky_limit(
                        prop(value, "stickyLimit"),
                        DEFAULT_COMBO_STICKY_LIMIT as f64,
                    ),
                );
                Value::Object(config)
            }
        };
        out.insert(name.to_owned(), entry);
    }
    Value::Object(out)
}

/// `v?.[key]`: only objects have the settings' keys.
fn prop<'a>(v: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    v?.as_object()?.get(key)
}

/// `Object.entries(v ?? {})` for a plain object, in JS enumeration order (array-index keys
/// first), so "the later duplicate wins" matches the reference. Other values give no entries.
fn entries(v: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    v.and_then(Value::as_object)
        .into_iter()
        .flat_map(js_key_order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::Args;
    use crate::json::to_js_string;
    use serde_json::json;

    const DEFAULTS: &str = concat!(
        r#"{"fallbackStrategy":"fill-first","stickyRoundRobinLimit":3,"#,
        r#""quotaStrategy":"prefer-remaining","quotaMinRemainingPercentage":0,"#,
        r#""quotaMaxAgeMs":300000,"quotaRefreshBeforeSelection":true,"quotaRefreshTtlMs":60000,"#,
        r#""rtkEnabled":true,"budgetLimits":{"mode":"off","requestUsd":null,"dailyUsd":null,"#,
        r#""monthlyUsd":null,"providerLimits":{}},"routerPolicy":{"aliases":{},"intents":{},"#,
        r#""combos":[],"comboStrategy":"fallback","comboStickyLimit":1,"comboStrategies":{}},"#,
        r#""providerStrategies":{}}"#
    );
    const DEFAULT_POLICY: &str = r#"{"aliases":{},"intents":{},"combos":[],"comboStrategy":"fallback","comboStickyLimit":1,"comboStrategies":{}}"#;
    const DEFAULT_BUDGET: &str =
        r#"{"mode":"off","requestUsd":null,"dailyUsd":null,"monthlyUsd":null,"providerLimits":{}}"#;

    /// `undefined` as the JavaScript glue sends it; the wrappers below decode their input as
    /// the binding layer does, so these tests run the path a JavaScript caller takes.
    fn undef() -> Value {
        json!({"__pieUndefined": true})
    }

    fn js(v: &Value) -> Option<Value> {
        Args::from_wire("test", vec![v.clone()]).first().cloned()
    }

    fn obj(v: Value) -> Patch {
        Args::from_wire("test", vec![v])
            .patch(0, true)
            .expect("an object")
    }

    fn merge_settings(v: Option<&Value>) -> Object {
        super::merge_settings(v.and_then(js).as_ref())
    }

    fn normalize_budget_limits(v: Option<&Value>) -> Value {
        super::normalize_budget_limits(v.and_then(js).as_ref())
    }

    fn normalize_router_policy(v: Option<&Value>) -> Value {
        super::normalize_router_policy(v.and_then(js).as_ref())
    }

    fn normalize_sticky_limit(v: Option<&Value>, fallback: f64) -> Value {
        super::normalize_sticky_limit(v.and_then(js).as_ref(), fallback)
    }

    fn text(m: &Object) -> String {
        to_js_string(&Value::Object(m.clone()))
    }

    /// The settings after one `updateSettings(updates)` on a fresh store.
    fn after(updates: Value) -> String {
        text(&update_settings(&default_settings(), &obj(updates)))
    }

    fn policy(v: Value) -> String {
        to_js_string(&normalize_router_policy(Some(&v)))
    }

    fn budget(v: Value) -> String {
        to_js_string(&normalize_budget_limits(Some(&v)))
    }

    fn sticky(v: Value) -> String {
        to_js_string(&normalize_sticky_limit(Some(&v), 1.0))
    }

    #[test]
    fn tv2_defaults() {
        assert_eq!(text(&default_settings()), DEFAULTS);
        assert_eq!(text(&merge_settings(Some(&json!({})))), DEFAULTS);
        assert_eq!(text(&merge_settings(Some(&json!("x")))), DEFAULTS);
        assert_eq!(text(&merge_settings(Some(&undef()))), DEFAULTS);
        assert_eq!(to_js_string(&normalize_router_policy(None)), DEFAULT_POLICY);
        assert_eq!(to_js_string(&normalize_budget_limits(None)), DEFAULT_BUDGET);
    }

    #[test]
    fn tv3_top_level_values_are_kept_unvalidated() {
        let got =
            after(json!({"stickyRoundRobinLimit": "abc", "fallbackStrategy": "bogus", "foo": 1}));
        let want = DEFAULTS.replace(r#""fill-first""#, r#""bogus""#).replace(
            r#""stickyRoundRobinLimit":3"#,
            r#""stickyRoundRobinLimit":"abc""#,
        );
        assert_eq!(got, want);
        // `""`, 0, false and odd shapes are not nullish, so they are kept as given.
        let kept = merge_settings(Some(&json!({
            "fallbackStrategy": "", "stickyRoundRobinLimit": 0, "quotaStrategy": [1, "x"],
            "quotaMinRemainingPercentage": "", "quotaMaxAgeMs": {"b": 1, "2": null},
            "quotaRefreshBeforeSelection": false, "quotaRefreshTtlMs": -1.5, "rtkEnabled": "no"
        })));
        assert_eq!(
            to_js_string(&Value::Object(kept.into_iter().take(8).collect())),
            concat!(
                r#"{"fallbackStrategy":"","stickyRoundRobinLimit":0,"quotaStrategy":[1,"x"],"#,
                r#""quotaMinRemainingPercentage":"","quotaMaxAgeMs":{"2":null,"b":1},"#,
                r#""quotaRefreshBeforeSelection":false,"quotaRefreshTtlMs":-1.5,"rtkEnabled":"no"}"#
            )
        );
    }

    #[test]
    fn null_takes_the_default() {
        let keys = crate::connections::ProviderConnectionSettings::FIELDS;
        let nulls: Object = keys.iter().map(|k| (k.to_string(), Value::Null)).collect();
        assert_eq!(text(&merge_settings(Some(&Value::Object(nulls)))), DEFAULTS);
    }

    #[test]
    fn tv4_explicit_undefined_resets_to_default() {
        let s = update_settings(
            &default_settings(),
            &obj(json!({"fallbackStrategy": "round-robin"})),
        );
        assert_eq!(s["fallbackStrategy"], json!("round-robin"));
        let s = update_settings(&s, &obj(json!({"fallbackStrategy": undef()})));
        assert_eq!(text(&s), DEFAULTS);
        // A whole nested block too.
        let s = update_settings(
            &s,
            &obj(json!({"routerPolicy": {"comboStrategy": "round-robin"}})),
        );
        let s = update_settings(&s, &obj(json!({"routerPolicy": undef()})));
        assert_eq!(text(&s), DEFAULTS);
    }

    #[test]
    fn update_is_shallow() {
        let s = update_settings(
            &default_settings(),
            &obj(json!({
                "budgetLimits": {"mode": "warn", "dailyUsd": 5, "providerLimits": {"a": {"mode": "block"}}},
                "routerPolicy": {"aliases": {"x": "m"}},
                "providerStrategies": {"openai": {"fallbackStrategy": "round-robin"}}
            })),
        );
        let s = update_settings(
            &s,
            &obj(json!({
                "budgetLimits": {"monthlyUsd": 10},
                "routerPolicy": {"comboStrategy": "round-robin"},
                "providerStrategies": {"anthropic": {}}
            })),
        );
        assert_eq!(
            to_js_string(&s["budgetLimits"]),
            r#"{"mode":"off","requestUsd":null,"dailyUsd":null,"monthlyUsd":10,"providerLimits":{}}"#
        );
        assert_eq!(
            to_js_string(&s["routerPolicy"]),
            DEFAULT_POLICY.replace(
                r#""comboStrategy":"fallback""#,
                r#""comboStrategy":"round-robin""#
            )
        );
        assert_eq!(
            to_js_string(&s["providerStrategies"]),
            r#"{"anthropic":{}}"#
        );
    }

    #[test]
    fn provider_strategies_are_copied_not_normalized() {
        let input = json!({" openai ": {"fallbackStrategy": "bogus", "stickyRoundRobinLimit": "abc", "x": [1, {"y": null}]}, "": 5});
        let s = merge_settings(Some(&json!({ "providerStrategies": input.clone() })));
        assert_eq!(to_js_string(&s["providerStrategies"]), to_js_string(&input));
        // Non-objects give `{}` (the reference would spread a string or array into index keys).
        for v in [json!("ab"), json!(["x"]), json!(5), json!(true)] {
            let s = merge_settings(Some(&json!({ "providerStrategies": v })));
            assert_eq!(to_js_string(&s["providerStrategies"]), "{}");
        }
        // `undefined` disappears in the JSON clone: keys dropped, array elements null.
        let s = merge_settings(Some(&json!({
            "providerStrategies": {"a": undef(), "b": {"x": undef(), "y": [undef(), 1]}}
        })));
        assert_eq!(
            to_js_string(&s["providerStrategies"]),
            r#"{"b":{"y":[null,1]}}"#
        );
    }

    #[test]
    fn tv8_budget() {
        let got = budget(json!({
            "mode": "BLOCK", "requestUsd": "", "dailyUsd": "-1", "monthlyUsd": " 5 ", "extra": 1,
            "providerLimits": {" openai ": {"mode": "warn", "requestUsd": 0}, "": {"mode": "block"}}
        }));
        assert_eq!(
            got,
            concat!(
                r#"{"mode":"off","requestUsd":null,"dailyUsd":null,"monthlyUsd":5,"providerLimits":"#,
                r#"{"openai":{"mode":"warn","requestUsd":0,"dailyUsd":null,"monthlyUsd":null}}}"#
            )
        );
    }

    #[test]
    fn budget_amounts_use_number_semantics() {
        let cases = [
            (json!(true), "1"),
            (json!([]), "0"),
            (json!(" 5 "), "5"),
            (json!("1e2"), "100"),
            (json!("5"), "5"),
            (json!(0), "0"),
            (json!("-1"), "null"),
            (json!("abc"), "null"),
            (json!(""), "null"),
            (json!(null), "null"),
            (json!(" "), "0"),
            (json!(false), "0"),
            (json!("0x10"), "16"),
            (json!(["7"]), "7"),
            (json!([undef()]), "0"),
            (json!({}), "null"),
            (json!("Infinity"), "null"),
            (json!("1e400"), "null"),
            (json!(-0.5), "null"),
            (json!("1e21"), "1e+21"),
            (json!("0.30000000000000004"), "0.30000000000000004"),
        ];
        for (input, want) in cases {
            let got = normalize_budget_limits(Some(&json!({ "requestUsd": input.clone() })));
            assert_eq!(to_js_string(&got["requestUsd"]), want, "{input}");
        }
        let missing = normalize_budget_limits(Some(&json!({ "requestUsd": undef() })));
        assert_eq!(missing["requestUsd"], Value::Null);
    }

    #[test]
    fn budget_modes() {
        for (mode, want) in [
            (json!("warn"), "warn"),
            (json!("block"), "block"),
            (json!("BLOCK"), "off"),
            (json!(" warn "), "off"),
            (json!(1), "off"),
            (json!(null), "off"),
        ] {
            let got = normalize_budget_limits(Some(&json!({ "mode": mode })));
            assert_eq!(got["mode"], json!(want));
        }
    }

    #[test]
    fn budget_provider_limits() {
        const OFF: &str = r#"{"mode":"off","requestUsd":null,"dailyUsd":null,"monthlyUsd":null}"#;
        let limits = |v: Value| {
            let b = normalize_budget_limits(Some(&json!({ "providerLimits": v })));
            to_js_string(&b["providerLimits"])
        };
        // A later duplicate wins but keeps the first key's position.
        assert_eq!(
            limits(
                json!({" b ": {"mode": "warn"}, "a": {"mode": "block"}, "b": {"dailyUsd": "3"}})
            ),
            concat!(
                r#"{"b":{"mode":"off","requestUsd":null,"dailyUsd":3,"monthlyUsd":null},"#,
                r#""a":{"mode":"block","requestUsd":null,"dailyUsd":null,"monthlyUsd":null}}"#
            )
        );
        // JS enumerates "1" before " 1", so " 1" is the later one.
        assert_eq!(
            limits(json!({" 1": {"mode": "warn"}, "1": {"mode": "block"}})),
            r#"{"1":{"mode":"warn","requestUsd":null,"dailyUsd":null,"monthlyUsd":null}}"#
        );
        // Primitive and array rules have no fields; extra keys are dropped.
        assert_eq!(
            limits(
                json!({"o": "block", "n": 5, "x": [1], "y": {"mode": "warn", "foo": 1, "providerLimits": {"z": {}}}})
            ),
            format!(
                r#"{{"o":{OFF},"n":{OFF},"x":{OFF},"y":{}}}"#,
                OFF.replace("off", "warn")
            )
        );
        // `null` / `undefined` rules are skipped (the reference throws), and do not win.
        assert_eq!(
            limits(json!({"openai": null, "a": {"mode": "warn"}, " a ": null, "u": undef()})),
            format!(r#"{{"a":{}}}"#, OFF.replace("off", "warn"))
        );
        for v in [
            json!(null),
            json!("ab"),
            json!([{"mode": "warn"}]),
            json!(3),
            undef(),
        ] {
            assert_eq!(limits(v.clone()), "{}", "{v}");
        }
        for v in [json!(null), json!("x"), json!([1]), json!(false), undef()] {
            assert_eq!(
                to_js_string(&normalize_budget_limits(Some(&v))),
                DEFAULT_BUDGET,
                "{v}"
            );
        }
    }

    #[test]
    fn tv1_sticky_limits() {
        let cases = [
            (json!("2"), "2"),
            (json!(" 3 "), "3"),
            (json!("7x"), "7"),
            (json!("abc"), r#""abc""#),
            (json!(" abc "), r#""abc""#),
            (json!(""), "1"),
            (json!("   "), "1"),
            (json!("0"), "1"),
            (json!("-5"), "1"),
            (json!("-0"), "1"),
            (json!("2.9"), "2"),
            (json!("+4"), "4"),
            (json!("1e3"), "1"),
            (json!(2.9), "2"),
            (json!(0), "1"),
            (json!(-4), "1"),
            (json!(1e300), "1e+300"),
            (json!("99999999999999999999999"), "1e+23"),
            (json!(null), "1"),
            (json!(true), "1"),
            (json!([5]), "1"),
            (json!({}), "1"),
            (undef(), "1"),
        ];
        for (input, want) in cases {
            assert_eq!(sticky(input.clone()), want, "{input}");
            let p = policy(
                json!({"combos": [{"name": "c", "models": "a/x", "stickyLimit": input.clone()}]}),
            );
            let combo = format!(
                r#"[{{"name":"c","models":["a/x"],"kind":null,"strategy":"fallback","stickyLimit":{want}}}]"#
            );
            assert!(p.contains(&combo), "{input}: {p}");
        }
        assert_eq!(to_js_string(&normalize_sticky_limit(None, 3.0)), "3");
        assert_eq!(
            to_js_string(&normalize_sticky_limit(Some(&json!("")), 3.0)),
            "3"
        );
    }

    #[test]
    fn tv5_aliases_and_intents() {
        let input = json!({" auto:coding ": "a/b, c/d\n", "": "x", "e": " , ", "one": ["only"]});
        let want = r#"{"auto:coding":["a/b","c/d"],"one":"only"}"#;
        let p = normalize_router_policy(Some(&json!({"aliases": input.clone(), "intents": input})));
        assert_eq!(to_js_string(&p["aliases"]), want);
        assert_eq!(to_js_string(&p["intents"]), want);
    }

    #[test]
    fn model_lists() {
        let aliases = |v: Value| {
            to_js_string(&normalize_router_policy(Some(&json!({ "aliases": v })))["aliases"])
        };
        // Array elements are `String(v).trim()`-ed, not split; duplicates are kept.
        assert_eq!(
            aliases(json!({"a": [" x ", 5, null, true, "", ["p", "q"], {}, "x", undef()]})),
            r#"{"a":["x","5","true","p,q","[object Object]","x"]}"#
        );
        assert_eq!(
            aliases(json!({"a": "m1\r\nm2,,m2"})),
            r#"{"a":["m1","m2","m2"]}"#
        );
        assert_eq!(
            aliases(json!({"a": 5, "b": {}, "c": null, "d": true, "e": [], "f": undef()})),
            "{}"
        );
        // The later duplicate wins at the first position; an empty later one does not delete.
        assert_eq!(
            aliases(json!({" x ": "m1", "y": "m2", "x": "m3,m4", " y": ""})),
            r#"{"x":["m3","m4"],"y":"m2"}"#
        );
        for v in [json!("a,b"), json!(["a"]), json!(null)] {
            assert_eq!(aliases(v.clone()), "{}", "{v}");
        }
    }

    #[test]
    fn tv6_combo_dedupe_both_forms() {
        let list = json!([{"name": "c", "models": []}, {"name": " c ", "models": "m1,m1"}, {"name": "c", "models": ["m2"]}]);
        let want = r#"[{"name":"c","models":["m1","m1"],"kind":null,"strategy":"fallback","stickyLimit":1}]"#;
        for combos in [list.clone(), json!({ "combos": list })] {
            let p = normalize_router_policy(Some(&json!({ "combos": combos })));
            assert_eq!(to_js_string(&p["combos"]), want);
        }
    }

    #[test]
    fn combo_fields_and_malformed_entries() {
        let combos = |v: Value| {
            to_js_string(&normalize_router_policy(Some(&json!({ "combos": v })))["combos"])
        };
        assert_eq!(
            combos(json!([
                null, "x", 5, [], undef(), {"name": "  ", "models": "m"}, {"models": "m"},
                {"name": "a", "models": 5},
                {"name": "a", "models": " m , n ", "kind": " fast ", "strategy": "round-robin", "stickyLimit": "2", "extra": 1},
                {"name": 7, "models": ["m"], "kind": 0, "strategy": "Round-Robin"},
                {"name": "k", "models": ["m"], "kind": "", "strategy": null},
                {"name": "f", "models": ["m"], "kind": false}
            ])),
            concat!(
                r#"[{"name":"a","models":["m","n"],"kind":"fast","strategy":"round-robin","stickyLimit":2},"#,
                r#"{"name":"7","models":["m"],"kind":"0","strategy":"fallback","stickyLimit":1},"#,
                r#"{"name":"k","models":["m"],"kind":null,"strategy":"fallback","stickyLimit":1},"#,
                r#"{"name":"f","models":["m"],"kind":"false","strategy":"fallback","stickyLimit":1}]"#
            )
        );
        for v in [
            json!(null),
            json!("abc"),
            json!(5),
            json!({}),
            json!({"combos": null}),
            json!({"combos": {"name": "a", "models": "m"}}),
            json!({"combos": "ab"}),
        ] {
            assert_eq!(combos(v.clone()), "[]", "{v}");
        }
    }

    #[test]
    fn tv7_combo_strategies() {
        let p = policy(
            json!({"comboStrategies": {"a": "round-robin", "b": "RR", "c": {"stickyLimit": "3"}, " ": "round-robin"}}),
        );
        assert!(p.contains(
            r#""comboStrategies":{"a":"round-robin","b":"fallback","c":{"strategy":"fallback","stickyLimit":3}}"#
        ), "{p}");
        let strategies = |v: Value| {
            to_js_string(
                &normalize_router_policy(Some(&json!({ "comboStrategies": v })))["comboStrategies"],
            )
        };
        const DEFAULT_ENTRY: &str = r#"{"strategy":"fallback","stickyLimit":1}"#;
        assert_eq!(
            strategies(json!({"n": null, "i": 5, "a": [], "u": undef(), "e": "", "t": true})),
            // `u` is dropped in the binding layer, as `JSON.stringify` would drop it.
            format!(
                r#"{{"n":{d},"i":{d},"a":{d},"e":"fallback","t":{d}}}"#,
                d = DEFAULT_ENTRY
            )
        );
        assert_eq!(
            strategies(
                json!({"r": {"strategy": "round-robin", "stickyLimit": " 2 ", "x": 1}, " r ": {"stickyLimit": 0}, "s": {"strategy": "round-robin"}})
            ),
            r#"{"r":{"strategy":"fallback","stickyLimit":1},"s":{"strategy":"round-robin","stickyLimit":1}}"#
        );
    }

    #[test]
    fn global_combo_settings_and_surprise_override() {
        let p = policy(json!({
            "comboStrategy": "round-robin", "comboStickyLimit": "5",
            "combos": [{"name": "c", "models": "m", "strategy": "round-robin"}, {"name": "d", "models": "m"}],
            "comboStrategies": {"c": {"stickyLimit": 2}}, "extra": 1
        }));
        assert_eq!(
            p,
            concat!(
                r#"{"aliases":{},"intents":{},"combos":["#,
                r#"{"name":"c","models":["m"],"kind":null,"strategy":"round-robin","stickyLimit":1},"#,
                r#"{"name":"d","models":["m"],"kind":null,"strategy":"fallback","stickyLimit":1}],"#,
                r#""comboStrategy":"round-robin","comboStickyLimit":5,"#,
                r#""comboStrategies":{"c":{"strategy":"fallback","stickyLimit":2}}}"#
            )
        );
        for (v, want) in [
            (json!("RR"), "fallback"),
            (json!(null), "fallback"),
            (json!(5), "fallback"),
        ] {
            assert_eq!(
                normalize_router_policy(Some(&json!({ "comboStrategy": v })))["comboStrategy"],
                json!(want)
            );
        }
        assert_eq!(
            normalize_router_policy(Some(&json!({"comboStickyLimit": "x"})))["comboStickyLimit"],
            json!("x")
        );
    }

    #[test]
    fn falsy_and_non_object_policies_give_defaults() {
        for v in [
            json!(null),
            json!(false),
            json!(0),
            json!(""),
            json!("x"),
            json!([]),
            json!(true),
            undef(),
        ] {
            assert_eq!(policy(v.clone()), DEFAULT_POLICY, "{v}");
        }
    }

    #[test]
    fn numbers_print_like_javascript() {
        let s = update_settings(
            &default_settings(),
            &obj(
                json!({"budgetLimits": {"requestUsd": "5"}, "routerPolicy": {"comboStickyLimit": 2.0}}),
            ),
        );
        let v = Value::Object(s);
        assert_eq!(to_js_string(&v["budgetLimits"]["requestUsd"]), "5");
        assert_eq!(to_js_string(&v["routerPolicy"]["comboStickyLimit"]), "2");
        assert!(v["budgetLimits"]["requestUsd"].is_number());
    }
}
