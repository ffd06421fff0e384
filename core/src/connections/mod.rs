//! Provider connections (accounts), proxy pools and routing settings: the
//! `provider-connections.json` half of `@pie-lab/storage`.
//!
//! Records are JSON objects (`serde_json::Map`, insertion order kept) because connections have an
//! open index signature (`modelLock_*`, `expiresAt`, anything a newer version adds) that must
//! survive every read and write byte for byte.

pub mod normalize;
pub mod redact;
pub mod settings;
pub mod state;
pub mod store;

pub use redact::{mask_proxy_url, to_provider_connection_summary};
pub use state::ConnectionState;
pub use state::Stamp;
pub use store::{
    dispatch, state_call, ConnectionFile, InMemoryProviderConnectionStore,
    JsonProviderConnectionStore, ProviderConnectionStore, StateCall,
};

use serde_json::{Map, Value};

/// A JSON object: a connection, a proxy pool, a settings block or an input.
pub type Object = Map<String, Value>;
