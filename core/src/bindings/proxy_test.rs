//! The proxy pool test by npm name (and `toProxyPoolSummary`, the pool as its result shows it): `planProxyTest(pool, options, nowMs)` and
//! `continueProxyTest(probe, reply, nowMs)`, each answering `{probe}` or `{outcome}`. The probe
//! travels to the host and back as JSON, so the core keeps nothing between steps.

use serde_json::{json, Map, Value};

use super::args::Args;
use crate::connections::{to_proxy_pool_summary, ProxyPool};
use crate::error::{Error, ErrorCode, Result};
use crate::js_value::to_number;
use crate::proxy::{
    continue_proxy_test, plan_proxy_test, Probe, ProbeFailure, ProbeMode, ProbeProxy, ProbeReply,
    ProxyTestOptions, ProxyTestStep,
};

type Object = Map<String, Value>;

fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

/// `{timeoutMs?, targetUrl?, userAgent?, setActive?}`; `undefined`/`null` is the default, and a
/// numeric string is read as its number, as `Number()` would.
fn options_of(value: Option<&Value>) -> Result<ProxyTestOptions> {
    let o = value
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let present = |key: &str| o.get(key).filter(|v| !v.is_null());
    let text = |key: &str| match present(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid("a proxy test option is a string").with_field(key)),
    };
    let timeout_ms = match present("timeoutMs") {
        None => None,
        Some(v @ (Value::Number(_) | Value::String(_))) => Some(to_number(v)),
        Some(_) => return Err(invalid("timeoutMs is a number").with_field("timeoutMs")),
    };
    let set_active = match present("setActive") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("setActive is a boolean").with_field("setActive")),
    };
    Ok(ProxyTestOptions {
        timeout_ms,
        target_url: text("targetUrl")?,
        user_agent: text("userAgent")?,
        set_active,
    })
}

fn mode_name(mode: ProbeMode) -> &'static str {
    match mode {
        ProbeMode::HttpProxy => "http",
        ProbeMode::Relay => "relay",
    }
}

fn probe_json(p: &Probe) -> Value {
    let proxy = p.proxy.as_ref().map(|x| {
        json!({"secure": x.secure, "host": x.host, "port": x.port, "authorization": x.authorization})
    });
    json!({
        "method": p.method, "url": p.url, "headers": p.headers, "proxy": proxy,
        "tunnel": p.tunnel, "timeoutMs": p.timeout_ms, "hop": p.hop, "elapsedMs": p.elapsed_ms,
        "budgetMs": p.budget_ms, "mode": mode_name(p.mode), "setActive": p.set_active,
    })
}

/// A probe the core made, handed back by the host.
fn probe_of(value: Option<&Value>) -> Result<Probe> {
    let bad = || invalid("not a probe this core made");
    let p = value.and_then(Value::as_object).ok_or_else(bad)?;
    let text = |k: &str| p.get(k).and_then(Value::as_str).ok_or_else(bad);
    let number = |k: &str| p.get(k).and_then(Value::as_f64).ok_or_else(bad);
    let flag = |k: &str| p.get(k).and_then(Value::as_bool).ok_or_else(bad);
    let headers =
        serde_json::from_value(p.get("headers").cloned().unwrap_or_default()).map_err(|_| bad())?;
    let proxy = match p.get("proxy") {
        None | Some(Value::Null) => None,
        Some(Value::Object(x)) => Some(ProbeProxy {
            secure: x.get("secure").and_then(Value::as_bool).ok_or_else(bad)?,
            host: x
                .get("host")
                .and_then(Value::as_str)
                .ok_or_else(bad)?
                .to_owned(),
            port: x
                .get("port")
                .and_then(Value::as_u64)
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(bad)?,
            authorization: x
                .get("authorization")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }),
        Some(_) => return Err(bad()),
    };
    Ok(Probe {
        method: match text("method")? {
            "HEAD" => "HEAD",
            "GET" => "GET",
            _ => return Err(bad()),
        },
        url: text("url")?.to_owned(),
        headers,
        proxy,
        tunnel: flag("tunnel")?,
        timeout_ms: number("timeoutMs")?,
        hop: u32::try_from(p.get("hop").and_then(Value::as_u64).ok_or_else(bad)?)
            .map_err(|_| bad())?,
        elapsed_ms: number("elapsedMs")?,
        budget_ms: number("budgetMs")?,
        mode: match text("mode")? {
            "http" => ProbeMode::HttpProxy,
            "relay" => ProbeMode::Relay,
            _ => return Err(bad()),
        },
        set_active: flag("setActive")?,
    })
}

/// `{elapsedMs, status, statusText?, location?}` or `{elapsedMs, failure: "timeout" |
/// "refused" (with `status`) | "network", message?}`.
fn reply_of(value: Option<&Value>) -> Result<ProbeReply> {
    let r = value
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("a probe reply is an object"))?;
    let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_owned);
    let status = r
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|n| u16::try_from(n).ok());
    let elapsed_ms = r.get("elapsedMs").and_then(Value::as_f64).unwrap_or(0.0);
    let response = match (text("failure").as_deref(), status) {
        (None, Some(status)) => Ok((
            status,
            text("statusText").unwrap_or_default(),
            text("location"),
        )),
        (Some("timeout"), _) => Err(ProbeFailure::Timeout),
        (Some("refused"), Some(status)) => Err(ProbeFailure::Refused(status)),
        (Some("network"), _) => Err(ProbeFailure::Network(text("message").unwrap_or_default())),
        _ => return Err(invalid("a probe reply has a status or a failure")),
    };
    Ok(ProbeReply {
        elapsed_ms,
        response,
    })
}

fn step_json(step: ProxyTestStep) -> Value {
    match step {
        ProxyTestStep::Probe(p) => json!({ "probe": probe_json(&p) }),
        ProxyTestStep::Done(o) => {
            let r = o.result;
            json!({"outcome": {
                "result": {
                    "ok": r.ok, "status": r.status, "statusText": r.status_text,
                    "error": r.error, "elapsedMs": r.elapsed_ms, "testedAt": r.tested_at,
                },
                "update": Value::Object(o.update.to_record()),
            }})
        }
    }
}

fn pool_of(value: Option<&Value>) -> Result<ProxyPool> {
    match value {
        Some(Value::Object(p)) => Ok(ProxyPool::from(Object::clone(p))),
        _ => Err(Error::new(ErrorCode::NotFound, "Proxy pool not found")),
    }
}

/// The proxy test functions by npm name; `None` for other names.
pub fn proxy_test_call(args: &Args) -> Option<Result<Value>> {
    let now = || args.number(2).unwrap_or(0.0);
    Some(match args.op() {
        "planProxyTest" => (|| {
            let pool = pool_of(args.get(0))?;
            let options = options_of(args.get(1))?;
            Ok(step_json(plan_proxy_test(&pool, &options, now())?))
        })(),
        "continueProxyTest" => (|| {
            let probe = probe_of(args.get(0))?;
            let reply = reply_of(args.get(1))?;
            Ok(step_json(continue_proxy_test(&probe, &reply, now())))
        })(),
        "toProxyPoolSummary" => match args.get(0) {
            Some(Value::Object(pool)) => Ok(Value::Object(to_proxy_pool_summary(pool))),
            _ => Err(invalid("a proxy pool is an object")),
        },
        _ => return None,
    })
}
