//! Provider connections (accounts), proxy pools and routing settings: the
//! `provider-connections.json` half of `@pie-lab/storage`.
//!
//! Records are JSON objects (`serde_json::Map`, insertion order kept) because connections have an
//! open index signature (`modelLock_*`, `expiresAt`, anything a newer version adds) that must
//! survive every read and write byte for byte.

pub(crate) mod normalize;
pub(crate) mod redact;
pub(crate) mod settings;
pub(crate) mod state;
pub(crate) mod store;

pub use redact::{mask_proxy_url, to_provider_connection_summary};
pub use settings::default_settings;
pub use state::{ConnectionState, Stamp};
#[allow(unused_imports)]
pub(crate) use store::{dispatch, operation_takes_lock};
pub use store::{
    InMemoryProviderConnectionStore, JsonProviderConnectionStore, ProviderConnectionStore,
};

use serde_json::{Map, Value};

/// A JSON object: a connection, a proxy pool, a settings block or an input.
pub type Object = Map<String, Value>;
