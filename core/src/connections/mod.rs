//! Provider connections (accounts), proxy pools and routing settings: the
//! `provider-connections.json` half of `@pie-lab/storage`.
//!
//! Records are JSON objects (`serde_json::Map`, insertion order kept) because connections have an
//! open index signature (`modelLock_*`, `expiresAt`, anything a newer version adds) that must
//! survive every read and write byte for byte. [`ProviderConnection`], [`ProxyPool`] and
//! [`ProviderConnectionSettings`] are typed read views over those objects, named from the domain
//! and read as the store and the router read them; they keep the object for writing back. The
//! [`ProviderConnectionStoreExt`] methods `provider_connections`, `provider_connection`,
//! `proxy_pools`, `proxy_pool` and `settings` return them.
//!
//! ```
//! use pie_storage_core::connections::{
//!     to_provider_connection_summary, InMemoryProviderConnectionStore, Object, Patch,
//!     ProviderConnectionStore,
//! };
//! use serde_json::json;
//!
//! // `JsonProviderConnectionStore::new(FileStorage::new(path))` keeps the same state in
//! // `provider-connections.json`, every change one locked read-modify-write.
//! let store = InMemoryProviderConnectionStore::new(None);
//! let conn = store.create_provider_connection(
//!     &Patch::new()
//!         .set("provider", json!("openai"))
//!         .set("authType", json!("apikey"))
//!         .set("apiKey", json!("sk-test-123")),
//! )?;
//! let id = conn["id"].as_str().unwrap_or_default();
//! // An update sets fields and unsets keys (JavaScript's `{lastError: undefined}`).
//! let patch = Patch::new().set("priority", json!(2)).unset("lastError");
//! let updated = store.update_provider_connection(id, &patch)?;
//! assert_eq!(updated.map(|c| c["priority"].clone()), Some(json!(2)));
//!
//! // The list view the server returns: no credentials.
//! let summary = to_provider_connection_summary(&store.get_provider_connections(&Object::new())?[0]);
//! assert!(!serde_json::to_string(&summary).unwrap_or_default().contains("sk-test-123"));
//!
//! // Code written once for both stores can take either as a trait object.
//! fn count(store: &dyn ProviderConnectionStore) -> pie_storage_core::Result<usize> {
//!     Ok(store.get_provider_connections(&Object::new())?.len())
//! }
//! assert_eq!(count(&store)?, 1);
//! # Ok::<(), pie_storage_core::Error>(())
//! ```

pub(crate) mod connection;
pub(crate) mod normalize;
pub(crate) mod patch;
mod provider_connection_settings;
mod proxy_pool;
pub(crate) mod redact;
pub(crate) mod settings;
pub(crate) mod state;
pub(crate) mod store;

pub use connection::{AuthType, ModelLock, ProviderConnection};
pub use patch::Patch;
pub use provider_connection_settings::{
    FallbackStrategy, ProviderConnectionSettings, ProviderStrategy, RouterCombo, RouterPolicy,
};
pub use proxy_pool::{bound_connection_count, ProxyPool, ProxyPoolType};
pub use redact::{mask_proxy_url, to_provider_connection_summary, to_proxy_pool_summary};
pub use settings::default_settings;
pub use state::{ConnectionState, Stamp};
pub use store::{
    ConnectionFile, InMemoryProviderConnectionStore, JsonProviderConnectionStore,
    ProviderConnectionStore, ProviderConnectionStoreExt, StateCall,
};

use serde_json::{Map, Value};

/// A JSON object: a connection, a proxy pool, a settings block or an input.
pub type Object = Map<String, Value>;
