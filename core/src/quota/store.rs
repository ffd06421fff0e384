//! `provider-quota.json`: the quota store, on the locked document steps shared with
//! `provider-connections.json` and `pricing-overrides.json` ([`crate::io::document`]).

use std::rc::Rc;

use serde_json::Value;

use super::deactivate::{DeactivationRule, QuotaEvent};
use super::record::{QuotaEntry, QuotaLimits, QuotaRecords, RecordedFetch, PROVIDER_QUOTA_FILE};
use crate::env::{Random, SystemRandom};
use crate::error::Result;
use crate::io::document::{read_document, update_document};
use crate::io::{Host, Io, LockTiming, Operation};
use crate::storage::ByteStorage;

/// The I/O-free steps of the quota file; [`JsonQuotaStore`] runs them synchronously, the Node
/// host step by step.
pub struct QuotaFile {
    name: String,
    limits: QuotaLimits,
    random: Box<dyn Random>,
    lock: LockTiming,
}

/// One store operation on the quota file.
#[derive(Clone, Debug)]
pub enum QuotaCall {
    /// Records fetches and deactivation events (`recordQuotaFetches`).
    Record(Vec<RecordedFetch>, Vec<QuotaEvent>),
    /// A connection's latest fetch or `null` (`getQuotaWindows`).
    Latest(String),
    /// A connection's fetches, oldest first (`getQuotaHistory`).
    History(String),
    /// Every connection's latest fetch (`listQuotaWindows`).
    List,
    /// Forgets a connection (`removeQuotaConnection`).
    Remove(String),
    /// The deactivation rule (`getQuotaDeactivationRule`).
    GetRule,
    /// Replaces the deactivation rule (`setQuotaDeactivationRule`).
    SetRule(DeactivationRule),
    /// The event log, optionally of one connection (`getQuotaEvents`).
    Events(Option<String>),
}

fn json<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).expect("quota values serialize")
}

impl QuotaFile {
    /// The file called `name` in messages, keeping `limits`.
    pub fn new(name: impl Into<String>, limits: QuotaLimits) -> Self {
        QuotaFile {
            name: name.into(),
            limits,
            random: Box::new(SystemRandom),
            lock: LockTiming::default(),
        }
    }

    pub(crate) async fn read(&self, io: &Io) -> Result<QuotaRecords> {
        read_document(io, &self.name).await
    }

    pub(crate) async fn mutate<T>(
        &self,
        io: &Io,
        f: impl FnOnce(&mut QuotaRecords) -> Result<(T, bool)>,
    ) -> Result<T> {
        update_document(io, self.lock, self.random.as_ref(), &self.name, f).await
    }

    /// `call` as an operation a host drives step by step.
    pub fn operation(self: &Rc<Self>, call: QuotaCall) -> Operation<'static, Value> {
        let file = self.clone();
        Operation::new(move |io| async move { file.call(&io, call).await })
    }

    pub(crate) async fn call(&self, io: &Io, call: QuotaCall) -> Result<Value> {
        let limits = self.limits;
        match call {
            QuotaCall::Record(fetches, events) => {
                let changed = !(fetches.is_empty() && events.is_empty());
                self.mutate(io, |r| {
                    r.record(&fetches, &events, limits);
                    Ok((Value::Null, changed))
                })
                .await
            }
            QuotaCall::Latest(id) => Ok(json(self.read(io).await?.latest(&id))),
            QuotaCall::History(id) => {
                let r = self.read(io).await?;
                Ok(json(r.connections.get(&id).cloned().unwrap_or_default()))
            }
            QuotaCall::List => {
                let r = self.read(io).await?;
                let latest: serde_json::Map<String, Value> = r
                    .connections
                    .iter()
                    .filter_map(|(id, h)| Some((id.clone(), json(h.last()?))))
                    .collect();
                Ok(Value::Object(latest))
            }
            QuotaCall::Remove(id) => {
                self.mutate(io, |r| {
                    let removed = r.remove(&id);
                    Ok((Value::Bool(removed), removed))
                })
                .await
            }
            QuotaCall::GetRule => Ok(json(self.read(io).await?.deactivation)),
            QuotaCall::SetRule(rule) => {
                self.mutate(io, |r| {
                    let changed = r.deactivation != rule;
                    r.deactivation = rule;
                    Ok((json(&r.deactivation), changed))
                })
                .await
            }
            QuotaCall::Events(id) => {
                let r = self.read(io).await?;
                let events = r
                    .events
                    .iter()
                    .filter(|e| id.as_ref().is_none_or(|id| &e.connection_id == id));
                Ok(json(events.collect::<Vec<_>>()))
            }
        }
    }
}

/// The quota store over a [`ByteStorage`] (a [`FileStorage`](crate::FileStorage) on
/// [`default_provider_quota_file_path`](crate::paths::default_provider_quota_file_path), or a
/// [`MemoryStorage`](crate::MemoryStorage) in memory).
///
/// ```
/// use pie_storage_core::quota::{JsonQuotaStore, QuotaLimits, FetchOutcome, RecordedFetch};
/// use pie_storage_core::MemoryStorage;
/// use serde_json::json;
///
/// let store = JsonQuotaStore::new(MemoryStorage::new(), QuotaLimits { max_history: 2, ..QuotaLimits::default() });
/// for (i, used) in [10, 20, 30].into_iter().enumerate() {
///     let result = json!({"quotas": {"session": {"used": used, "total": 100, "remaining": 100 - used}}});
///     let fetch = RecordedFetch { connection_id: "c1".into(), checked_at: format!("2026-01-01T00:0{i}:00.000Z"), outcome: FetchOutcome::Fetched(result) };
///     store.record(&[fetch], &[])?;
/// }
/// assert_eq!(store.history("c1")?.len(), 2);
/// assert_eq!(store.latest("c1")?.unwrap().windows[0].used, Some(30.0));
/// assert!(store.remove("c1")?);
/// # Ok::<(), pie_storage_core::Error>(())
/// ```
pub struct JsonQuotaStore<S: ByteStorage> {
    storage: S,
    file: QuotaFile,
}

impl<S: ByteStorage> JsonQuotaStore<S> {
    /// A store over `storage` keeping `limits`.
    pub fn new(storage: S, limits: QuotaLimits) -> Self {
        let name = storage.name().unwrap_or_else(|| PROVIDER_QUOTA_FILE.into());
        JsonQuotaStore {
            storage,
            file: QuotaFile::new(name, limits),
        }
    }

    /// The storage the file is read from and written to.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    fn run<T>(&self, f: impl AsyncFnOnce(&QuotaFile, &Io) -> Result<T>) -> Result<T> {
        let io = Io::default();
        Host::of(&self.storage).run(&io, f(&self.file, &io))
    }

    /// Runs a [`QuotaCall`] (the npm names' JSON results).
    pub fn call(&self, call: QuotaCall) -> Result<Value> {
        self.run(async |file, io| file.call(io, call).await)
    }

    /// Everything in the file (a missing file is empty).
    pub fn records(&self) -> Result<QuotaRecords> {
        self.run(async |file, io| file.read(io).await)
    }

    /// Records fetches and events in one locked write.
    pub fn record(&self, fetches: &[RecordedFetch], events: &[QuotaEvent]) -> Result<()> {
        self.call(QuotaCall::Record(fetches.to_vec(), events.to_vec()))
            .map(drop)
    }

    /// A connection's latest fetch.
    pub fn latest(&self, connection_id: &str) -> Result<Option<QuotaEntry>> {
        Ok(self.records()?.latest(connection_id).cloned())
    }

    /// A connection's fetches, oldest first.
    pub fn history(&self, connection_id: &str) -> Result<Vec<QuotaEntry>> {
        Ok(self
            .records()?
            .connections
            .remove(connection_id)
            .unwrap_or_default())
    }

    /// Forgets a connection's fetches and events; whether there were any.
    pub fn remove(&self, connection_id: &str) -> Result<bool> {
        let v = self.call(QuotaCall::Remove(connection_id.into()))?;
        Ok(v == Value::Bool(true))
    }

    /// The deactivation rule.
    pub fn deactivation_rule(&self) -> Result<DeactivationRule> {
        Ok(self.records()?.deactivation)
    }

    /// Replaces the deactivation rule.
    pub fn set_deactivation_rule(&self, rule: DeactivationRule) -> Result<()> {
        self.call(QuotaCall::SetRule(rule)).map(drop)
    }

    /// The event log, oldest first.
    pub fn events(&self) -> Result<Vec<QuotaEvent>> {
        Ok(self.records()?.events)
    }
}
