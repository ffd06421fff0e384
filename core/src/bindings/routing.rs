//! The routing decision functions by npm name, with positional JSON arguments (the form the
//! wasm glue and the conformance vectors use): the one table from names to the typed functions
//! of [`crate::routing`], and the decoding of their options.

use serde_json::{Map, Value};

use super::Args;
use crate::connections::settings::merge_settings;
use crate::connections::Object;
use crate::error::{Error, ErrorCode, Result};
use crate::js_value::{number_value, string_or_list, to_number, truthy};
use crate::routing::budget::{evaluate_budget, BudgetInput};
use crate::routing::plan::{parse_combo_sticky_limit, rotate_models};
use crate::routing::select::locks;
use crate::routing::{
    cooldown, explain_provider_connection_selection, is_model_lock_active, resolve_route_plan,
    select_provider_connection, ComboRotation, SelectOptions,
};
use crate::time::{parse_js_date, to_iso_string, TimeZone};
use crate::usage::facts::UsageFacts;

/// Calls a routing decision function by its npm name.
pub fn routing_call(args: &Args) -> Result<Value> {
    cooldown(args)
        .or_else(|| select(args))
        .or_else(|| plan(args))
        .or_else(|| budget(args))
        .unwrap_or_else(|| {
            Err(Error::new(
                ErrorCode::InvalidInput,
                format!("unknown routing function {}", args.op()),
            ))
        })
}

fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

/// A present option: `null` reads as missing.
fn present<'a>(o: &'a Object, key: &str) -> Option<&'a Value> {
    o.get(key).filter(|v| !v.is_null())
}

/// The cooldown functions; `None` for other names. A missing or `undefined` argument takes
/// its default parameter.
///
/// * `checkFallbackError(status, error, backoffLevel = 0)` → the decision object. A non-number
///   `status` never equals a rule's status (`===`); `backoffLevel + 1` uses JS `+`.
/// * `getQuotaCooldown(level = 0)` → number (`null` for NaN).
/// * `extractProviderResetCooldownMs(error, now, max = 1800000)` → number or `null`; `now` is
///   required here (the reference defaults it to the real clock).
/// * `formatRetryAfter(iso, now)` → string; `now` is required.
pub(crate) fn cooldown(args: &Args) -> Option<Result<Value>> {
    let arg = |i: usize| args.get(i);
    let result = match args.op() {
        "checkFallbackError" => {
            let status = arg(0).and_then(Value::as_f64);
            let error = arg(1).unwrap_or(&Value::Null);
            let next_level = arg(2).map_or(1.0, cooldown::fallback::js_plus_one);
            Ok(cooldown::fallback::decide(status, error, next_level).to_value())
        }
        "getQuotaCooldown" => {
            let level = arg(0).map_or(0.0, to_number);
            Ok(number_value(cooldown::get_quota_cooldown(level)))
        }
        "extractProviderResetCooldownMs" => now_arg(arg(1)).map(|now| {
            let error = arg(0).unwrap_or(&Value::Null);
            // `Math.min` reads the cap with `ToNumber` (`null` is 0).
            let max = arg(2).map_or(cooldown::ROUTER_MAX_RATE_LIMIT_COOLDOWN_MS, to_number);
            cooldown::extract_provider_reset_cooldown_ms(error, now, max)
                .map_or(Value::Null, number_value)
        }),
        "formatRetryAfter" => now_arg(arg(1)).map(|now| {
            let text = match arg(0) {
                Some(v) if truthy(Some(v)) => cooldown::retry_after::format_retry_after_time(
                    cooldown::retry_after::date_value(v),
                    now,
                ),
                _ => String::new(),
            };
            Value::String(text)
        }),
        _ => return None,
    };
    Some(result)
}

/// The injected clock: a JSON number of epoch milliseconds.
fn now_arg(v: Option<&Value>) -> Result<f64> {
    v.and_then(Value::as_f64).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidInput,
            "now must be a number of epoch milliseconds",
        )
    })
}

/// `now` as epoch milliseconds (a number) or a date string; the JS glue turns a `Date` into ms.
fn parse_now(v: Option<&Value>) -> Result<f64> {
    let ms = match v {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => parse_js_date(s),
        _ => None,
    };
    ms.filter(|&ms| to_iso_string(ms).is_some())
        .ok_or_else(|| invalid("now must be epoch milliseconds or a date string"))
}

/// The options object of the npm functions. Missing or `null` settings become the store
/// defaults (`mergeProviderConnectionSettings({})`); `now` is required.
pub(crate) fn parse_options(v: Option<&Value>) -> Result<SelectOptions> {
    let o = v
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("options must be an object"))?;
    let provider = o
        .get("provider")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("provider must be a string"))?
        .to_owned();
    let connections = o
        .get("connections")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("connections must be an array"))?
        .iter()
        .map(|c| {
            c.as_object()
                .cloned()
                .ok_or_else(|| invalid("connections must hold objects"))
        })
        .collect::<Result<Vec<_>>>()?;
    let settings = match present(o, "settings") {
        None => merge_settings(None),
        Some(Value::Object(s)) => s.clone(),
        Some(_) => return Err(invalid("settings must be an object")),
    };
    let exclude_connection_ids = match present(o, "excludeConnectionIds") {
        None => Vec::new(),
        Some(v) => string_or_list(v)
            .ok_or_else(|| invalid("excludeConnectionIds must be a string or an array"))?,
    };
    Ok(SelectOptions {
        provider,
        model: locks::model_name(o.get("model")),
        connections,
        settings,
        exclude_connection_ids,
        preferred_connection_id: o
            .get("preferredConnectionId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        now: parse_now(o.get("now"))?,
    })
}

/// The selection functions; `None` for other names.
pub(crate) fn select(args: &Args) -> Option<Result<Value>> {
    Some(match args.op() {
        "selectProviderConnection" => {
            parse_options(args.first()).map(|o| select_provider_connection(&o).to_json())
        }
        "explainProviderConnectionSelection" => {
            parse_options(args.first()).map(|o| explain_provider_connection_selection(&o).to_json())
        }
        "isModelLockActive" => (|| {
            let connection = args
                .first()
                .and_then(Value::as_object)
                .ok_or_else(|| invalid("connection must be an object"))?;
            let model = locks::model_name(args.get(1));
            let now = parse_now(args.get(2))?;
            Ok(Value::Bool(is_model_lock_active(
                connection,
                model.as_deref(),
                now,
            )))
        })(),
        _ => return None,
    })
}

/// The route plan functions; `None` for other names. A missing or `undefined` argument takes
/// its default parameter.
///
/// * `resolveRoutePlan(requestedModel, settingsOrPolicy?, rotationState?)` →
///   `{plan: {requestedModel, routingMode, routes}, rotation}`.
/// * `getRotatedModels(models, comboName?, strategy?, stickyLimit = 1, rotationState?)` →
///   `{models, rotation}`; `stickyLimit` is parsed as in [`parse_combo_sticky_limit`].
///
/// `rotation` is the new state (see [`ComboRotation::from_value`] for how input is read).
pub(crate) fn plan(args: &Args) -> Option<Result<Value>> {
    let arg = |i: usize| args.get(i);
    Some(match args.op() {
        "resolveRoutePlan" => resolve_route_plan_call(arg(0), arg(1), arg(2)),
        "getRotatedModels" => get_rotated_models_call(arg(0), arg(1), arg(2), arg(3), arg(4)),
        _ => return None,
    })
}

fn resolve_route_plan_call(
    requested: Option<&Value>,
    settings_or_policy: Option<&Value>,
    rotation: Option<&Value>,
) -> Result<Value> {
    let requested = requested
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("requestedModel must be a string"))?;
    let mut rotation = ComboRotation::from_value(rotation)?;
    let plan = resolve_route_plan(requested, settings_or_policy, &mut rotation)?;
    Ok(pair("plan", plan.to_value(), &rotation))
}

fn get_rotated_models_call(
    models: Option<&Value>,
    combo_name: Option<&Value>,
    strategy: Option<&Value>,
    sticky_limit: Option<&Value>,
    rotation: Option<&Value>,
) -> Result<Value> {
    let models = models
        .and_then(Value::as_array)
        .and_then(|items| {
            items
                .iter()
                .map(|m| m.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| invalid("models must be an array of strings"))?;
    // `comboName || "__default__"`.
    let combo_name = match combo_name {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(invalid("comboName must be a string")),
    };
    let strategy = strategy.and_then(Value::as_str).unwrap_or_default();
    let sticky_limit = parse_combo_sticky_limit(sticky_limit);
    let mut rotation = ComboRotation::from_value(rotation)?;
    let rotated = rotate_models(&models, combo_name, strategy, sticky_limit, &mut rotation);
    let rotated = Value::Array(rotated.into_iter().map(Value::String).collect());
    Ok(pair("models", rotated, &rotation))
}

/// `{<key>: value, rotation}`.
fn pair(key: &str, value: Value, rotation: &ComboRotation) -> Value {
    let mut out = Map::new();
    out.insert(key.into(), value);
    out.insert("rotation".into(), rotation.to_value());
    Value::Object(out)
}

/// `evaluateBudget` with its one options object `{settings, provider?,
/// estimateUsd?, records, now}`; `None` for other names.
///
/// `estimateUsd` is read as the server reads the query parameter: `null`, missing or `""` is no
/// estimate, anything else is `Number(v)` and must be finite and `>= 0`. `records` (missing or
/// `null` = none) must be an array of record objects; `now` is epoch milliseconds or a date
/// string.
pub(crate) fn budget(args: &Args) -> Option<Result<Value>> {
    match args.op() {
        "evaluateBudget" => Some(evaluate_call(args.first())),
        _ => None,
    }
}

fn evaluate_call(options: Option<&Value>) -> Result<Value> {
    let o = options
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("options must be an object"))?;
    let provider = match o.get("provider") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(invalid("provider must be a string")),
    };
    let estimate_usd = match o.get("estimateUsd") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(v) => Some(to_number(v)),
    };
    let records = match o.get("records") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|r| r.as_object().map(UsageFacts::from_object))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| invalid("records must be objects"))?,
        Some(_) => return Err(invalid("records must be an array")),
    };
    let now = match o.get("now") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => parse_js_date(s),
        _ => None,
    }
    .ok_or_else(|| invalid("now must be epoch milliseconds or a date string"))?;
    let time_zone = match o.get("timeZone") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(TimeZone::named(name)?),
        Some(_) => return Err(invalid("timeZone must be an IANA time zone name")),
    };
    let input = BudgetInput {
        settings: o.get("settings").unwrap_or(&Value::Null),
        provider,
        estimate_usd,
        records: records.as_slice(),
        now,
        time_zone: time_zone.as_ref(),
    };
    evaluate_budget(&input).map(|d| d.to_json())
}
