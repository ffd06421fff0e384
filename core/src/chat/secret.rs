//! A secret string (a bot token, a gondolin secret's value): serialized as the plain string
//! the file holds, but never shown by `Debug`, so logs and panics cannot leak it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A credential held in the chat config. `Debug` prints `Secret(..)`; read it with
/// [`Secret::expose`] where the value is really needed (talking to the chat service).
///
/// ```
/// let token = pie_storage_core::chat::Secret::new("123:abc");
/// assert_eq!(format!("{token:?}"), "Secret(..)");
/// assert_eq!(token.expose(), "123:abc");
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The keys of a config object this package does not know, kept as they are (the gateway may
/// have more). They may hold credentials, so `Debug` shows only their names.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnknownKeys(pub serde_json::Map<String, serde_json::Value>);

impl fmt::Debug for UnknownKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl std::ops::Deref for UnknownKeys {
    type Target = serde_json::Map<String, serde_json::Value>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for UnknownKeys {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
