//! The preparer driven natively: plan, fetch in parallel on scoped threads (bounded), one
//! locked mutation, record in the quota file, return the active connections.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde_json::Value;

use super::deactivate::{DeactivationRule, QuotaEvent};
use super::prepare::{apply_in, plan_in, DEFAULT_CONCURRENCY};
use super::record::{FetchOutcome, RecordedFetch};
use super::store::JsonQuotaStore;
use crate::connections::{
    Object, ProviderConnection, ProviderConnectionStore, ProviderConnectionStoreExt,
};
use crate::env::{Clock, SystemClock};
use crate::error::Result;
use crate::proxy::ResolvedProxy;
use crate::storage::ByteStorage;

/// Fetches one connection's quota (the provider's usage API), through `proxy`. It refreshes
/// the OAuth token first when needed, and bounds its own time (a native thread cannot be
/// cancelled from outside). An `Err` message becomes the error snapshot, redacted.
pub trait QuotaFetcher: Sync {
    /// The quota result (9router §7.7 shape), or why it failed.
    fn fetch_quota(
        &self,
        connection: &ProviderConnection,
        proxy: &ResolvedProxy,
    ) -> std::result::Result<Value, String>;
}

impl<F> QuotaFetcher for F
where
    F: Fn(&ProviderConnection, &ResolvedProxy) -> std::result::Result<Value, String> + Sync,
{
    fn fetch_quota(
        &self,
        connection: &ProviderConnection,
        proxy: &ResolvedProxy,
    ) -> std::result::Result<Value, String> {
        self(connection, proxy)
    }
}

/// Where the preparer reads the deactivation rule and records fetches and events.
pub trait QuotaLog {
    /// The deactivation rule in force.
    fn deactivation_rule(&self) -> Result<DeactivationRule>;
    /// Records one refresh.
    fn record(&self, fetches: &[RecordedFetch], events: &[QuotaEvent]) -> Result<()>;
}

impl<S: ByteStorage> QuotaLog for JsonQuotaStore<S> {
    fn deactivation_rule(&self) -> Result<DeactivationRule> {
        JsonQuotaStore::deactivation_rule(self)
    }
    fn record(&self, fetches: &[RecordedFetch], events: &[QuotaEvent]) -> Result<()> {
        JsonQuotaStore::record(self, fetches, events)
    }
}

/// Options of [`prepare_provider_connections`].
#[derive(Clone, Debug, Default)]
pub struct PrepareOptions {
    /// The provider whose connections are prepared.
    pub provider: String,
    /// The time (ms since the epoch); default the system clock.
    pub now_ms: Option<f64>,
    /// The environment for proxy variables (`HTTPS_PROXY`, `NO_PROXY`, ...); never read by the core.
    pub env: BTreeMap<String, String>,
    /// Fetches in flight at once (0 means [`DEFAULT_CONCURRENCY`]).
    pub concurrency: usize,
}

fn fetch_all(
    fetcher: &dyn QuotaFetcher,
    planned: &[(ProviderConnection, ResolvedProxy, String)],
    concurrency: usize,
) -> Vec<(String, FetchOutcome)> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(vec![None; planned.len()]);
    let workers = concurrency.max(1).min(planned.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((connection, proxy, _)) = planned.get(i) else {
                    break;
                };
                let got = catch_unwind(AssertUnwindSafe(|| fetcher.fetch_quota(connection, proxy)))
                    .unwrap_or_else(|_| Err("the quota fetcher panicked".into()));
                let outcome = got.map_or_else(FetchOutcome::Failed, FetchOutcome::Fetched);
                out.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
            });
        }
    });
    let results = out.into_inner().unwrap_or_else(|e| e.into_inner());
    planned
        .iter()
        .zip(results)
        .filter_map(|((_, _, id), r)| Some((id.clone(), r?)))
        .collect()
}

/// `prepareProviderConnections` (§6.7): refreshes the quota snapshots of `options.provider`'s
/// connections that need it (the fetches in parallel), writes them in one locked mutation,
/// applies the deactivation rule of `quota` (none without it), records the fetches there, and
/// returns `getProviderConnections({provider, isActive: true})`.
///
/// ```
/// use pie_storage_core::quota::{prepare_provider_connections, PrepareOptions};
/// use pie_storage_core::{InMemoryProviderConnectionStore, ProviderConnectionStore};
/// use serde_json::json;
/// let store = InMemoryProviderConnectionStore::new(Some(&json!({"connections": [
///     {"id": "a", "provider": "codex", "authType": "oauth", "isActive": true}]})));
/// let fetcher = |_: &_, _: &_| Ok(json!({"quotas": {"session": {"remainingPercentage": 25}}}));
/// let options = PrepareOptions { provider: "codex".into(), now_ms: Some(0.0), ..Default::default() };
/// let out = prepare_provider_connections(&store, &fetcher, None, &options)?;
/// assert_eq!(out[0]["providerSpecificData"]["pieLabQuotaSelection"]["remainingPercentage"], json!(25));
/// # Ok::<(), pie_storage_core::Error>(())
/// ```
pub fn prepare_provider_connections(
    store: &dyn ProviderConnectionStore,
    fetcher: &dyn QuotaFetcher,
    quota: Option<&dyn QuotaLog>,
    options: &PrepareOptions,
) -> Result<Vec<Object>> {
    let provider = options.provider.as_str();
    let now = options.now_ms.unwrap_or_else(|| SystemClock.now_ms());
    let plan = store.read(|s| plan_in(s, provider, now, &options.env))?;
    if plan.off.is_some() {
        let mut filter = Object::new();
        filter.insert("provider".into(), Value::from(provider));
        filter.insert("isActive".into(), Value::Bool(true));
        return store.get_provider_connections(&filter);
    }
    let rule = quota
        .map(QuotaLog::deactivation_rule)
        .transpose()?
        .unwrap_or_default();
    let planned: Vec<_> = plan
        .fetches
        .iter()
        .map(|f| {
            (
                ProviderConnection::from(f.connection.clone()),
                f.proxy.clone(),
                f.connection_id().to_owned(),
            )
        })
        .collect();
    let concurrency = if options.concurrency == 0 {
        DEFAULT_CONCURRENCY
    } else {
        options.concurrency
    };
    let outcomes = fetch_all(fetcher, &planned, concurrency);
    let report = store.mutate(|s, stamp| apply_in(s, stamp, provider, &outcomes, &rule, now))?;
    if let Some(quota) = quota {
        quota.record(&report.fetches, &report.events)?;
    }
    Ok(report.connections)
}
