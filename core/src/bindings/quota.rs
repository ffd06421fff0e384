//! Quota and proxy functions by npm name, the quota file's operations, and the preparer's two
//! store steps. JavaScript's loose values (an env object, an error thrown by a fetcher) are
//! decoded here into the typed values of [`crate::quota`] and [`crate::proxy`].

use std::collections::BTreeMap;

use serde_json::Value;

use super::Args;
use crate::connections::{Object, StateCall};
use crate::error::{Error, ErrorCode, Result};
use crate::proxy::{matches_no_proxy, resolve_connection_proxy};
use crate::quota::{
    derive_quota_selection, plan_quota_refresh, DeactivationRule, FetchOutcome, QuotaCall,
    QuotaEvent, RecordedFetch,
};

fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

/// An environment object: its string values (others are not environment variables).
fn env_of(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

fn objects(v: Option<&Value>) -> Vec<Object> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_object().cloned())
        .collect()
}

fn option<'a>(options: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    options.and_then(|o| o.get(key)).filter(|v| !v.is_null())
}

/// `now`: a number of ms, or an ISO string.
fn now_of(v: Option<&Value>) -> Result<Option<f64>> {
    match v {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => crate::time::parse_js_date(s)
            .map(Some)
            .ok_or_else(|| invalid("now must be a time").with_field("now")),
        Some(_) => Err(invalid("now must be a time").with_field("now")),
    }
}

/// What a fetcher threw: a string, or an error's (or any object's) string `message`.
fn thrown_message(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => match o.get("message") {
            Some(Value::String(m)) => m.clone(),
            _ => "quota fetch failed".into(),
        },
        _ => "quota fetch failed".into(),
    }
}

/// `{connectionId, result}` or `{connectionId, error}`.
fn outcome_of(v: &Value) -> Result<(String, FetchOutcome)> {
    let id = v
        .get("connectionId")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("each fetch names its connectionId"))?;
    let outcome = match (v.get("error"), v.get("result")) {
        (Some(e), _) if !e.is_null() => FetchOutcome::Failed(thrown_message(e)),
        (_, Some(r)) => FetchOutcome::Fetched(r.clone()),
        _ => FetchOutcome::Fetched(Value::Null),
    };
    Ok((id.to_owned(), outcome))
}

fn recorded_of(v: &Value) -> Result<RecordedFetch> {
    let (connection_id, outcome) = outcome_of(v)?;
    let checked_at = v
        .get("checkedAt")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("each fetch has a checkedAt time"))?
        .to_owned();
    Ok(RecordedFetch {
        connection_id,
        checked_at,
        outcome,
    })
}

fn list_of<T>(v: Option<&Value>, f: impl Fn(&Value) -> Result<T>) -> Result<Vec<T>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(f).collect(),
        Some(_) => Err(invalid("a list was expected")),
    }
}

fn event_of(v: &Value) -> Result<QuotaEvent> {
    serde_json::from_value(v.clone()).map_err(|_| invalid("not a quota event"))
}

/// The pure quota and proxy functions; `None` for other names.
///
/// * `deriveQuotaSelection(result, checkedAt)` → the `pieLabQuotaSelection` object.
/// * `resolveConnectionProxy(connection, pools?, env?, targetUrl?)` → the route.
/// * `matchesNoProxy(host, list)` → boolean.
/// * `planQuotaRefresh(connections, settings, pools, {provider, now, env?})` → the plan.
pub fn quota_call(args: &Args) -> Option<Result<Value>> {
    Some(match args.op() {
        "deriveQuotaSelection" => (|| {
            let at = args
                .text(1)
                .ok_or_else(|| invalid("checkedAt must be a string"))?;
            let result = args.get(0).unwrap_or(&Value::Null);
            Ok(derive_quota_selection(result, &at).to_value())
        })(),
        "resolveConnectionProxy" => (|| {
            let connection = args
                .get(0)
                .and_then(Value::as_object)
                .ok_or_else(|| invalid("the connection must be an object"))?;
            let pools = objects(args.get(1));
            let target = args.text(3);
            let route = resolve_connection_proxy(
                connection,
                &pools,
                &env_of(args.get(2)),
                target.as_deref(),
            );
            Ok(route.to_value())
        })(),
        "matchesNoProxy" => {
            let host = args.text(0).unwrap_or_default();
            Ok(Value::Bool(matches_no_proxy(
                &host,
                &args.text(1).unwrap_or_default(),
            )))
        }
        "planQuotaRefresh" => (|| {
            let options = args.get(3);
            let provider = option(options, "provider")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("provider must be a string").with_field("provider"))?;
            let now = now_of(option(options, "now"))?
                .ok_or_else(|| invalid("now is required").with_field("now"))?;
            let settings = args.object_or_empty(1);
            let (connections, pools) = (objects(args.get(0)), objects(args.get(2)));
            let env = env_of(option(options, "env"));
            Ok(plan_quota_refresh(&connections, &settings, &pools, provider, now, &env).to_value())
        })(),
        _ => return None,
    })
}

/// The quota file operation `args.op()` names.
pub fn quota_store_call(args: &Args) -> Result<QuotaCall> {
    let id = |at: usize| {
        args.text(at)
            .ok_or_else(|| invalid("the connection id must be a string"))
    };
    Ok(match args.op() {
        "recordQuotaFetches" => QuotaCall::Record(
            list_of(args.get(0), recorded_of)?,
            list_of(args.get(1), event_of)?,
        ),
        "getQuotaWindows" => QuotaCall::Latest(id(0)?),
        "getQuotaHistory" => QuotaCall::History(id(0)?),
        "listQuotaWindows" => QuotaCall::List,
        "removeQuotaConnection" => QuotaCall::Remove(id(0)?),
        "getQuotaDeactivationRule" => QuotaCall::GetRule,
        "setQuotaDeactivationRule" => QuotaCall::SetRule(DeactivationRule::from_json(
            args.get(0).unwrap_or(&Value::Null),
        )?),
        "getQuotaEvents" => QuotaCall::Events(args.text(0)),
        other => return Err(invalid(&format!("unknown quota store operation {other}"))),
    })
}

/// The preparer's store steps (names the npm preparer calls; not part of the public API):
/// `quotaRefreshPlan(provider, {now, env?})` reads the plan, `quotaRefreshApply(provider,
/// outcomes, {now?, deactivation?})` is the one locked mutation after the fetches.
pub(crate) fn prepare_step(args: &Args) -> Option<Result<StateCall>> {
    let provider = || {
        args.text(0)
            .ok_or_else(|| invalid("provider must be a string"))
    };
    Some(match args.op() {
        "quotaRefreshPlan" => (|| {
            let (provider, options) = (provider()?, args.get(1));
            let now = now_of(option(options, "now"))?.ok_or_else(|| invalid("now is required"))?;
            let env = env_of(option(options, "env"));
            Ok(StateCall::read(move |s| {
                Ok(crate::quota::plan_in(s, &provider, now, &env).to_value())
            }))
        })(),
        "quotaRefreshApply" => (|| {
            let provider = provider()?;
            let outcomes = list_of(args.get(1), outcome_of)?;
            let options = args.get(2);
            let now = now_of(option(options, "now"))?;
            let rule = match option(options, "deactivation") {
                Some(v) => DeactivationRule::from_json(v)?,
                None => DeactivationRule::default(),
            };
            Ok(StateCall::mutate(move |s, stamp| {
                let now = now.unwrap_or(stamp.now_ms);
                let (report, changed) =
                    crate::quota::apply_in(s, stamp, &provider, &outcomes, &rule, now);
                (Ok(report.to_value()), changed)
            }))
        })(),
        _ => return None,
    })
}
