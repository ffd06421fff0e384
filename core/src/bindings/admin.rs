//! The admin server's rules by name (`adminCall`): JSON arguments in, JSON out. A refused
//! body is not an error but an answer, `{refused: {status, body}}`, which the host writes.

use serde_json::{json, Value};

use super::args::Args;
use crate::admin::{self, BodyError, ChartPeriod, Method, PolicyPart};
use crate::connections::{to_provider_connection_summary, to_proxy_pool_summary, Object};
use crate::error::{Error, ErrorCode, Result};
use crate::time::to_iso_string;
use crate::usage::collate::locale_compare;

fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

fn answer(result: std::result::Result<Value, BodyError>) -> Value {
    match result {
        Ok(v) => v,
        Err(e) => json!({"refused": {"status": e.status, "body": e.body}}),
    }
}

fn list(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn object(v: Option<&Value>) -> Object {
    v.and_then(Value::as_object).cloned().unwrap_or_default()
}

fn number(v: Option<&Value>, what: &str) -> Result<f64> {
    v.and_then(Value::as_f64)
        .ok_or_else(|| invalid(&format!("{what} must be a number")))
}

/// `[[name, value], ...]` query pairs.
fn pairs(v: Option<&Value>) -> Vec<(String, String)> {
    list(v)
        .iter()
        .filter_map(|p| {
            let p = p.as_array()?;
            Some((
                p.first()?.as_str()?.to_owned(),
                p.get(1)?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn bound_count(pool_id: &str, connections: &[Value]) -> usize {
    let connections: Vec<Object> = connections
        .iter()
        .filter_map(|c| c.as_object().cloned())
        .collect();
    crate::connections::bound_connection_count(&connections, pool_id)
}

/// The usage query a route runs: `(route name, query pairs, id, now)`.
fn usage_query(args: &Args) -> Result<Value> {
    let q = pairs(args.get(1));
    let now = args.get(3).and_then(Value::as_f64).unwrap_or(0.0);
    Ok(match args.text(0).as_deref() {
        Some("usage.list") => admin::parse_usage_record_query(&q, Some(100)),
        Some("usage.summary") | Some("usage.jsonl") | Some("usage.cli") => {
            admin::parse_usage_record_query(&q, None)
        }
        Some("requestDetails.list") => admin::parse_request_details_query(&q),
        Some("usage.detail") => {
            json!({"requestId": args.text(2).unwrap_or_default(), "order": "asc"})
        }
        Some("usage.chart") => match ChartPeriod::parse(param(&q, "period")) {
            Some(p) => json!({"from": to_iso_string(p.start(now)), "order": "asc"}),
            None => json!({"refused": {"status": 400, "body": {"error": "Invalid period"}}}),
        },
        Some("budget") => json!({"from": to_iso_string(now - 32.0 * 86_400_000.0), "order": "asc"}),
        _ => return Err(invalid("no usage query for this route")),
    })
}

/// The query parameters a route reads besides the usage query, typed: a flag is `true` only
/// for the text `true`; an empty value is none.
fn route_params(route: &str, q: &[(String, String)]) -> Value {
    let text = |name: &str| param(q, name).filter(|v| !v.is_empty()).map(str::to_owned);
    let flag = |name: &str| param(q, name) == Some("true");
    match route {
        "connections.delete" => json!({"hard": flag("hard")}),
        "connections.list" => {
            json!({"filter": text("provider").map(|p| json!({"provider": p})).unwrap_or(json!({}))})
        }
        "proxyPools.list" => {
            let mut filter = serde_json::Map::new();
            if let Some(v @ ("true" | "false")) = param(q, "isActive") {
                filter.insert("isActive".into(), Value::Bool(v == "true"));
            }
            if let Some(v) = text("testStatus") {
                filter.insert("testStatus".into(), Value::from(v));
            }
            json!({"filter": filter, "includeUsage": flag("includeUsage")})
        }
        "accountSelection" => json!({"provider": text("provider"), "model": text("model")}),
        "budget" => json!({"provider": text("provider"), "estimateUsd": text("estimateUsd")}),
        "usage.chart" => json!({"period": text("period").unwrap_or_else(|| "7d".into())}),
        _ => json!({}),
    }
}

/// Account selection explained for one provider or every stored one (§7.4).
fn account_selection(args: &Args) -> Result<Value> {
    let connections = list(args.get(0));
    let provider = args.text(2).filter(|p| !p.is_empty());
    let mut providers: Vec<String> = match provider {
        Some(p) => vec![p],
        None => {
            let mut all: Vec<String> = connections
                .iter()
                .filter_map(|c| c.get("provider")?.as_str().map(str::to_owned))
                .collect();
            all.sort_by(|a, b| locale_compare(a, b));
            all.dedup();
            all
        }
    };
    providers.dedup();
    let data = providers
        .iter()
        .map(|p| {
            let own: Vec<&Value> = connections
                .iter()
                .filter(|c| c.get("provider").and_then(Value::as_str) == Some(p))
                .collect();
            let options = json!({"provider": p, "model": args.get(3), "connections": own,
                "settings": args.get(1), "now": args.get(4)});
            super::routing::parse_options(Some(&options))
                .map(|o| crate::routing::explain_provider_connection_selection(&o).to_json())
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(json!({"count": data.len(), "data": data}))
}

fn pool_list(args: &Args) -> Value {
    let connections = args.get(1).map(|c| list(Some(c)));
    let pools: Vec<Value> = list(args.get(0))
        .iter()
        .filter_map(Value::as_object)
        .map(|p| {
            let mut shown = to_proxy_pool_summary(p);
            if let Some(connections) = connections {
                let id = p.get("id").and_then(Value::as_str).unwrap_or("");
                shown.insert(
                    "boundConnectionCount".into(),
                    json!(bound_count(id, connections)),
                );
            }
            Value::Object(shown)
        })
        .collect();
    json!({"count": pools.len(), "proxyPools": pools})
}

fn policy_part(args: &Args) -> Result<PolicyPart> {
    args.text(0)
        .as_deref()
        .and_then(PolicyPart::parse)
        .ok_or_else(|| invalid("part must be combo, alias or intent"))
}

/// `POST /models/availability`: `{action: "clearCooldown", provider, model}` as the lock key to
/// clear, or 400 `{error: "Invalid request"}`.
fn cooldown_action(body: Option<&Value>) -> Value {
    let b = object(body);
    let provider = b
        .get("provider")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty());
    match (b.get("action").and_then(Value::as_str), provider) {
        (Some("clearCooldown"), Some(provider)) => {
            let model = b
                .get("model")
                .and_then(Value::as_str)
                .filter(|m| !m.is_empty());
            let key = crate::routing::health::lock_key(model);
            json!({"provider": provider, "model": model, "lockKey": key})
        }
        _ => json!({"refused": {"status": 400, "body": {"error": "Invalid request"}}}),
    }
}

/// A store error as an answer: its code decides the status; the message is the package's own
/// (never a record's content or a secret).
fn error_response(code: &str, message: &str) -> Value {
    let status = match code {
        "PIE_NOT_FOUND" => 404,
        "PIE_INVALID_INPUT"
        | "PIE_INVALID_QUERY"
        | "PIE_INVALID_JSON"
        | "PIE_INVALID_USAGE_RECORD"
        | "PIE_INVALID_REQUEST_DETAIL" => 400,
        "PIE_LOCK_TIMEOUT" => 503,
        _ => 500,
    };
    let code = if code.starts_with("PIE_") {
        code
    } else {
        "PIE_STORAGE_ERROR"
    };
    let message = if code == "PIE_STORAGE_ERROR" && message.is_empty() {
        "Internal error"
    } else {
        message
    };
    json!({"status": status, "body": {"error": {"message": message, "code": code}}})
}

/// The admin functions by name; `None` for other names.
pub fn admin_call(args: &Args) -> Option<Result<Value>> {
    let at = |i| args.get(i);
    Some(match args.op() {
        "route" => Ok(admin::route(
            Method::parse(&args.text(0).unwrap_or_default()),
            &args.text(1).unwrap_or_default(),
        )
        .to_json()),
        "maxBodyBytes" => Ok(json!(admin::MAX_BODY_BYTES)),
        "checkToken" => {
            let check = admin::check_token(
                &args.text(0).unwrap_or_default(),
                args.text(1).as_deref(),
                args.text(2).as_deref(),
            );
            Ok(match check.refusal_status() {
                None => json!({"ok": true}),
                Some(status) => json!({"refused": {"status": status, "body": {"error": {
                    "message": if status == 401 { "This request changes data: send the admin token in the x-pie-admin-token header." } else { "The admin token is not valid." },
                    "code": check.code()}}}}),
            })
        }
        "usageQuery" => usage_query(args),
        // §7.2 DELETE /provider-connections/:id without ?hard: the soft delete's update.
        "connectionSoftDelete" => Ok(json!({
            "isActive": false, "apiKey": null, "accessToken": null, "refreshToken": null,
            "testStatus": "inactive", "lastError": null, "errorCode": null, "lastErrorAt": null,
        })),
        "routeParams" => Ok(route_params(
            &args.text(0).unwrap_or_default(),
            &pairs(at(1)),
        )),
        "usageDetail" => Ok(admin::usage_detail(
            &args.text(0).unwrap_or_default(),
            list(at(1)),
        )),
        "usageChart" => (|| {
            let period = ChartPeriod::parse(args.text(1).as_deref())
                .ok_or_else(|| invalid("invalid period"))?;
            Ok(admin::usage_chart(
                list(at(0)),
                period,
                number(at(2), "now")?,
            ))
        })(),
        "availability" => {
            number(at(1), "now").map(|now| admin::model_availability(list(at(0)), now))
        }
        "connectionList" => {
            let shown: Vec<Value> = list(at(0))
                .iter()
                .filter_map(Value::as_object)
                .map(|c| Value::Object(to_provider_connection_summary(c)))
                .collect();
            Ok(json!({"count": shown.len(), "connections": shown}))
        }
        "connectionSummary" => Ok(Value::Object(to_provider_connection_summary(&object(at(
            0,
        ))))),
        "connectionCreate" => Ok(answer(
            admin::connection_create_input(at(0).unwrap_or(&Value::Null)).map(Value::Object),
        )),
        "connectionUpdate" => {
            let pool_ids: Vec<String> = list(at(2))
                .iter()
                .filter_map(|p| p.get("id")?.as_str().map(str::to_owned))
                .collect();
            Ok(answer(
                admin::connection_update_input(
                    at(0).unwrap_or(&Value::Null),
                    &object(at(1)),
                    &pool_ids,
                )
                .map(Value::Object),
            ))
        }
        "proxyPoolList" => Ok(pool_list(args)),
        "proxyPoolSummary" => Ok(Value::Object(to_proxy_pool_summary(&object(at(0))))),
        "proxyPoolCreate" => Ok(answer(
            admin::proxy_pool_create_input(at(0).unwrap_or(&Value::Null)).map(Value::Object),
        )),
        "proxyPoolUpdate" => Ok(answer(
            admin::proxy_pool_update_input(at(0).unwrap_or(&Value::Null), &object(at(1)))
                .map(Value::Object),
        )),
        "proxyPoolDeletable" => {
            let n = bound_count(&args.text(0).unwrap_or_default(), list(at(1)));
            Ok(if n == 0 {
                json!({"ok": true})
            } else {
                json!({"refused": {"status": 409, "body": {"error": "Proxy pool is currently in use", "boundConnectionCount": n}}})
            })
        }
        "settingsUpdate" => Ok(Value::Object(admin::settings_update_input(
            at(0).unwrap_or(&Value::Null),
        ))),
        "policyReplace" => {
            let body = object(at(0));
            let policy = match body.get("policy") {
                Some(p @ Value::Object(_)) => p.clone(),
                _ => Value::Object(body),
            };
            Ok(crate::connections::settings::normalize_router_policy(Some(
                &policy,
            )))
        }
        "policySave" => policy_part(args).map(|part| {
            answer(
                admin::save_policy_entry(
                    part,
                    at(1).unwrap_or(&Value::Null),
                    at(2).unwrap_or(&Value::Null),
                )
                .map(|(policy, response)| json!({"policy": policy, "response": response})),
            )
        }),
        "policyDelete" => policy_part(args).map(|part| {
            let (policy, response) = admin::delete_policy_entry(
                part,
                at(1).unwrap_or(&Value::Null),
                &args.text(2).unwrap_or_default(),
            );
            json!({"policy": policy, "response": response})
        }),
        "accountSelection" => account_selection(args),
        "cooldownAction" => Ok(cooldown_action(at(0))),
        "errorResponse" => Ok(error_response(
            &args.text(0).unwrap_or_default(),
            &args.text(1).unwrap_or_default(),
        )),
        _ => return None,
    })
}
