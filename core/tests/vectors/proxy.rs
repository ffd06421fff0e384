//! Proxy pool test vectors (tests/vectors/proxy-test.json): through the binding steps (as
//! JavaScript calls them, probes checked), and through the native `test_proxy_pool` on an
//! in-memory store (result and stored pool checked).

use pie_storage_core::bindings_support::{proxy_test_call, Args};
use pie_storage_core::connections::InMemoryProviderConnectionStore;
use pie_storage_core::env::{FixedClock, SequenceRandom};
use pie_storage_core::proxy::{
    test_proxy_pool, Probe, ProbeFailure, ProbeReply, ProxyProber, ProxyTestOptions,
};
use pie_storage_core::ProviderConnectionStore;
use serde_json::{json, Value};

use super::{exact_matches, subset_matches};

pub(super) fn run(case: &Value) -> Result<(), String> {
    if case["op"] == "proxyPoolSummary" {
        let got = proxy_test_call(&Args::plain("toProxyPoolSummary", &[case["pool"].clone()]))
            .expect("a proxy test function")
            .map_err(|e| e.to_string())?;
        return exact_matches(&case["expect"], &got);
    }
    through_bindings(case)?;
    natively(case)
}

fn call(name: &str, args: &[Value]) -> pie_storage_core::Result<Value> {
    proxy_test_call(&Args::plain(name, args)).expect("a proxy test function")
}

fn expect_error(case: &Value, got: pie_storage_core::Error) -> Result<(), String> {
    match case.get("expectError") {
        Some(code) if code == got.code.as_str() => Ok(()),
        _ => Err(format!("unexpected error {got}")),
    }
}

fn through_bindings(case: &Value) -> Result<(), String> {
    let now = case["now"].clone();
    let replies = case["replies"].as_array().cloned().unwrap_or_default();
    let mut probes = Vec::new();
    let mut step = match call(
        "planProxyTest",
        &[case["pool"].clone(), case["options"].clone(), now.clone()],
    ) {
        Ok(step) => step,
        Err(e) => return expect_error(case, e),
    };
    if case.get("expectError").is_some() {
        return Err("expected an error".into());
    }
    while let Some(probe) = step.get("probe").cloned() {
        let reply = replies
            .get(probes.len())
            .ok_or("more probes than replies")?
            .clone();
        probes.push(probe.clone());
        step =
            call("continueProxyTest", &[probe, reply, now.clone()]).map_err(|e| e.to_string())?;
    }
    let expect = &case["expect"];
    subset_matches(&expect["probes"], &Value::Array(probes), "probes")?;
    exact_matches(&expect["result"], &step["outcome"]["result"])?;
    exact_matches(&expect["update"], &step["outcome"]["update"])
}

/// Answers each probe with the next scripted reply (the vector's JSON form).
struct Scripted(Vec<Value>, usize);

impl ProxyProber for Scripted {
    fn probe(&mut self, _: &Probe) -> ProbeReply {
        let r = self.0[self.1].clone();
        self.1 += 1;
        let elapsed_ms = r["elapsedMs"].as_f64().unwrap_or(0.0);
        let text = |k: &str| r[k].as_str().map(str::to_owned);
        let status = r["status"].as_u64().map(|s| s as u16);
        let response = match (r["failure"].as_str(), status) {
            (None, Some(s)) => Ok((s, text("statusText").unwrap_or_default(), text("location"))),
            (Some("timeout"), _) => Err(ProbeFailure::Timeout),
            (Some("refused"), Some(s)) => Err(ProbeFailure::Refused(s)),
            _ => Err(ProbeFailure::Network(text("message").unwrap_or_default())),
        };
        ProbeReply {
            elapsed_ms,
            response,
        }
    }
}

fn natively(case: &Value) -> Result<(), String> {
    // Option coercions are the binding layer's; the native run takes the typed options of the
    // cases that have valid ones.
    if case
        .get("expectError")
        .is_some_and(|c| c != "PIE_NOT_FOUND")
    {
        return Ok(());
    }
    let o = &case["options"];
    let options = ProxyTestOptions {
        timeout_ms: o.get("timeoutMs").map(|v| {
            v.as_f64()
                .unwrap_or_else(|| v.as_str().unwrap().parse().unwrap())
        }),
        target_url: o["targetUrl"].as_str().map(str::to_owned),
        user_agent: o["userAgent"].as_str().map(str::to_owned),
        set_active: o["setActive"].as_bool().unwrap_or(false),
    };
    let now = case["now"].as_f64().unwrap();
    let seed = match &case["pool"] {
        Value::Null => json!({}),
        pool => json!({"proxyPools": [pool]}),
    };
    let store = InMemoryProviderConnectionStore::with_env(
        Some(&seed),
        Box::new(FixedClock(now)),
        Box::new(SequenceRandom::default()),
    );
    let before = store
        .get_proxy_pool_by_id("pool-1")
        .map_err(|e| e.to_string())?;
    let replies = case["replies"].as_array().cloned().unwrap_or_default();
    let mut prober = Scripted(replies, 0);
    let clock = FixedClock(now);
    let (result, stored) = match test_proxy_pool(&store, "pool-1", &options, &mut prober, &clock) {
        Ok(out) => out,
        Err(e) => return expect_error(case, e),
    };
    let expect = &case["expect"];
    let got = json!({"ok": result.ok, "status": result.status, "statusText": result.status_text,
        "error": result.error, "elapsedMs": result.elapsed_ms, "testedAt": result.tested_at});
    exact_matches(&expect["result"], &got)?;
    // The stored pool is the pool before with the update's fields.
    let mut want = before.ok_or("the pool was seeded")?;
    for (k, v) in expect["update"].as_object().unwrap() {
        want.insert(k.clone(), v.clone());
    }
    let stored = stored.ok_or("the pool is still there")?;
    let mut stored = stored.as_object().clone();
    stored.remove("updatedAt");
    want.remove("updatedAt");
    exact_matches(&Value::Object(want), &Value::Object(stored))
}
