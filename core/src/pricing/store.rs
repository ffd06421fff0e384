//! `pricing-overrides.json`: the override store, on the same locked read-modify-write steps as
//! `provider-connections.json` (lock, leftover removal, atomic replace, 0600; a file that cannot
//! be parsed is reported as `PIE_CORRUPT_FILE` and never overwritten).

use std::rc::Rc;

use super::overrides::PriceOverrides;
use super::rates::Rates;
use crate::env::{Random, SystemRandom};
use crate::error::Result;
use crate::io::document::{read_document, update_document};
use crate::io::{Host, Io, LockTiming, Operation};
use crate::storage::ByteStorage;

/// The file's name in the agent folder.
pub const PRICING_OVERRIDES_FILE: &str = "pricing-overrides.json";

/// The I/O-free steps of the override file: a read, and a locked read-modify-write. Hosts drive
/// them ([`JsonPriceOverrideStore`] synchronously, the Node host step by step).
pub struct PriceOverrideFile {
    name: String,
    random: Box<dyn Random>,
    lock: LockTiming,
}

impl PriceOverrideFile {
    /// The file called `name` in messages.
    pub fn new(name: impl Into<String>) -> Self {
        PriceOverrideFile {
            name: name.into(),
            random: Box::new(SystemRandom),
            lock: LockTiming::default(),
        }
    }

    /// Reads the overrides (a missing file is none), never writing or creating the file.
    pub(crate) async fn read(&self, io: &Io) -> Result<PriceOverrides> {
        read_document(io, &self.name).await
    }

    /// One locked read-modify-write ([`update_document`]).
    pub(crate) async fn mutate<T>(
        &self,
        io: &Io,
        f: impl FnOnce(&mut PriceOverrides) -> Result<(T, bool)>,
    ) -> Result<T> {
        update_document(io, self.lock, self.random.as_ref(), &self.name, f).await
    }

    /// `call` as an operation a host drives step by step.
    pub fn operation(self: &Rc<Self>, call: OverrideCall) -> Operation<'static, serde_json::Value> {
        let file = self.clone();
        Operation::new(move |io| async move { file.call(&io, call).await })
    }

    async fn call(&self, io: &Io, call: OverrideCall) -> Result<serde_json::Value> {
        let value = |o: &PriceOverrides| serde_json::to_value(o).expect("overrides serialize");
        match call {
            OverrideCall::List => Ok(value(&self.read(io).await?)),
            OverrideCall::Set {
                provider,
                model,
                rates,
            } => {
                self.mutate(io, |o| {
                    o.set(&provider, &model, rates).map(|()| (value(o), true))
                })
                .await
            }
            OverrideCall::Delete { provider, model } => {
                self.mutate(io, |o| {
                    let deleted = o.delete(&provider, model.as_deref());
                    Ok((serde_json::Value::Bool(deleted), deleted))
                })
                .await
            }
            OverrideCall::Reset => {
                self.mutate(io, |o| {
                    let changed = !o.overrides.is_empty();
                    *o = PriceOverrides::default();
                    Ok((serde_json::Value::Null, changed))
                })
                .await
            }
        }
    }
}

/// One store operation on the override file.
#[derive(Clone, Debug)]
pub enum OverrideCall {
    /// Every override.
    List,
    /// Sets (replaces) one provider/model pattern's override.
    Set {
        /// Provider id, or [`super::ANY_PROVIDER`].
        provider: String,
        /// Model name or glob.
        model: String,
        /// The prices it sets.
        rates: Rates,
    },
    /// Deletes one override, or a provider's (`model: None`).
    Delete {
        /// Provider id.
        provider: String,
        /// Model name or glob; `None` for all of the provider's.
        model: Option<String>,
    },
    /// Deletes every override.
    Reset,
}

/// The override store over a [`ByteStorage`] (usually a [`FileStorage`](crate::FileStorage) on
/// [`default_pricing_overrides_file_path`](crate::paths::default_pricing_overrides_file_path)).
///
/// ```
/// use pie_storage_core::pricing::{JsonPriceOverrideStore, Rates};
/// use pie_storage_core::MemoryStorage;
///
/// let store = JsonPriceOverrideStore::new(MemoryStorage::new());
/// store.set("anthropic", "claude-*", Rates { input: Some(2.0), ..Rates::default() })?;
/// assert_eq!(store.list()?.overrides["anthropic"]["claude-*"].input, Some(2.0));
/// assert!(store.delete("anthropic", Some("claude-*"))?);
/// store.reset()?;
/// # Ok::<(), pie_storage_core::Error>(())
/// ```
pub struct JsonPriceOverrideStore<S: ByteStorage> {
    storage: S,
    file: PriceOverrideFile,
}

impl<S: ByteStorage> JsonPriceOverrideStore<S> {
    /// A store over `storage`.
    pub fn new(storage: S) -> Self {
        let name = storage
            .name()
            .unwrap_or_else(|| PRICING_OVERRIDES_FILE.into());
        JsonPriceOverrideStore {
            storage,
            file: PriceOverrideFile::new(name),
        }
    }

    fn run<T>(&self, f: impl AsyncFnOnce(&PriceOverrideFile, &Io) -> Result<T>) -> Result<T> {
        let io = Io::default();
        Host::of(&self.storage).run(&io, f(&self.file, &io))
    }

    /// Every override (a missing file is none).
    pub fn list(&self) -> Result<PriceOverrides> {
        self.run(async |file, io| file.read(io).await)
    }

    /// Sets (replaces) the override of `provider`/`model`.
    pub fn set(&self, provider: &str, model: &str, rates: Rates) -> Result<()> {
        self.run(async |file, io| {
            file.mutate(io, |o| o.set(provider, model, rates).map(|()| ((), true)))
                .await
        })
    }

    /// Deletes one override, or every override of `provider` (`model: None`); whether any was.
    pub fn delete(&self, provider: &str, model: Option<&str>) -> Result<bool> {
        self.run(async |file, io| {
            file.mutate(io, |o| {
                let deleted = o.delete(provider, model);
                Ok((deleted, deleted))
            })
            .await
        })
    }

    /// Deletes every override.
    pub fn reset(&self) -> Result<()> {
        self.run(async |file, io| {
            file.mutate(io, |o| {
                let changed = !o.overrides.is_empty();
                *o = PriceOverrides::default();
                Ok(((), changed))
            })
            .await
        })
    }
}
