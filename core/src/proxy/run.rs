//! `testProxyPool(store, id, options)` for native embedders: the steps of [`super::test`] driven
//! with a [`ProxyProber`] the embedder supplies (the core makes no network calls).

use super::test::{
    continue_proxy_test, plan_proxy_test, Probe, ProbeReply, ProxyTestOptions, ProxyTestResult,
    ProxyTestStep,
};
use crate::connections::{ProviderConnectionStore, ProviderConnectionStoreExt, ProxyPool};
use crate::env::Clock;
use crate::error::{Error, ErrorCode, Result};

/// Makes a [`Probe`]'s HTTP request (through its proxy, or to the relay) and reports how it went.
pub trait ProxyProber {
    /// Sends `probe` and waits at most `probe.timeout_ms` for the response's status line.
    fn probe(&mut self, probe: &Probe) -> ProbeReply;
}

/// Tests pool `id` of `store` and stores the result on it: its result, and the pool as stored
/// afterwards (`None` if it was deleted meanwhile). An unknown id is [`ErrorCode::NotFound`].
///
/// ```
/// use pie_storage_core::proxy::{test_proxy_pool, Probe, ProbeReply, ProxyProber, ProxyTestOptions};
/// use pie_storage_core::{InMemoryProviderConnectionStore, ProviderConnectionStore};
/// use pie_storage_core::connections::Patch;
/// use pie_storage_core::env::SystemClock;
/// use serde_json::json;
///
/// struct AlwaysOk;
/// impl ProxyProber for AlwaysOk {
///     fn probe(&mut self, _: &Probe) -> ProbeReply {
///         ProbeReply { elapsed_ms: 12.0, response: Ok((200, "OK".into(), None)) }
///     }
/// }
/// let store = InMemoryProviderConnectionStore::new(None);
/// let pool = store.create_proxy_pool(&Patch::new().set("name", json!("office"))
///     .set("proxyUrl", json!("http://127.0.0.1:3128")))?;
/// let id = pool["id"].as_str().unwrap();
/// let (result, pool) = test_proxy_pool(&store, id, &ProxyTestOptions::default(), &mut AlwaysOk, &SystemClock)?;
/// assert!(result.ok);
/// assert_eq!(pool.unwrap().test_status(), Some("active"));
/// # Ok::<(), pie_storage_core::Error>(())
/// ```
pub fn test_proxy_pool<S: ProviderConnectionStore + ?Sized>(
    store: &S,
    id: &str,
    options: &ProxyTestOptions,
    prober: &mut dyn ProxyProber,
    clock: &dyn Clock,
) -> Result<(ProxyTestResult, Option<ProxyPool>)> {
    let pool = store
        .proxy_pool(id)?
        .ok_or_else(|| Error::new(ErrorCode::NotFound, "Proxy pool not found"))?;
    let mut step = plan_proxy_test(&pool, options, clock.now_ms())?;
    let outcome = loop {
        match step {
            ProxyTestStep::Done(outcome) => break outcome,
            ProxyTestStep::Probe(probe) => {
                let reply = prober.probe(&probe);
                step = continue_proxy_test(&probe, &reply, clock.now_ms());
            }
        }
    };
    let stored = store.update_proxy_pool(id, &outcome.update)?;
    Ok((outcome.result, stored.map(ProxyPool::from)))
}
