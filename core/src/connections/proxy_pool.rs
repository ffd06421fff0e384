//! [`ProxyPool`]: a typed read view of one stored proxy pool (reference §1.5).
//!
//! Pools are normalized by both stores on every read, create and update (§2.5), so the known
//! fields always have their types; the raw object is kept for the extra keys pools may carry
//! and for writing back unchanged.

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::connection::{is_active_flag, JsonText};
use super::redact::mask_proxy_url;
use super::Object;
use crate::secrets::redact_json;

/// One proxy pool, as stored: the raw object plus accessors named from the domain.
///
/// It serializes as the raw object. Its `Debug` output masks the proxy URL's password
/// ([`mask_proxy_url`]) and redacts secret-looking values of any other field, so a pool can be
/// logged.
///
/// ```
/// use pie_storage_core::connections::{ProxyPool, ProxyPoolType};
/// use serde_json::json;
///
/// let raw = json!({"id": "p1", "name": "office", "proxyUrl": "http://user:pa55word@proxy.example:8080",
///     "noProxy": "localhost", "type": "http", "isActive": true, "strictProxy": false});
/// let pool = ProxyPool::from(raw.as_object().cloned().unwrap_or_default());
/// assert_eq!(pool.pool_type(), ProxyPoolType::Http);
/// assert_eq!(pool.masked_proxy_url().as_deref(), Some("http://user:****@proxy.example:8080/"));
/// assert!(!format!("{pool:?}").contains("pa55word"));
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct ProxyPool {
    raw: Object,
}

/// `ProxyPoolType`: how requests reach the proxy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProxyPoolType {
    /// An HTTP(S) proxy (`connectionProxyUrl`, with `noProxy`).
    #[default]
    Http,
    /// A Vercel relay: requests go to `proxyUrl` with `x-relay-target`/`x-relay-path`.
    Vercel,
}

impl ProxyPoolType {
    /// A pool's `type` as normalization reads it: exactly `"vercel"` is a relay, anything else
    /// (missing included) an HTTP proxy.
    pub(crate) fn of(v: Option<&Value>) -> Self {
        match v.and_then(Value::as_str) {
            Some("vercel") => ProxyPoolType::Vercel,
            _ => ProxyPoolType::Http,
        }
    }

    /// The stored string.
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyPoolType::Http => "http",
            ProxyPoolType::Vercel => "vercel",
        }
    }
}

impl ProxyPool {
    /// The fields of `ProxyPool` in the reference (§1.5), in its order: what normalization
    /// writes on every pool, and every key an accessor of this view reads (checked in debug
    /// builds). The npm package's `ProxyPool` interface declares exactly these fields
    /// (`tests/types/fields.json`).
    pub const FIELDS: &'static [&'static str] = &[
        "id",
        "name",
        "proxyUrl",
        "noProxy",
        "type",
        "isActive",
        "strictProxy",
        "testStatus",
        "lastTestedAt",
        "lastError",
        "createdAt",
        "updatedAt",
    ];

    /// The raw object, for extra keys and for writing back.
    pub fn as_object(&self) -> &Object {
        &self.raw
    }

    /// The raw object.
    pub fn into_object(self) -> Object {
        self.raw
    }

    /// Any field by its key, including extra ones.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.raw.get(key)
    }

    /// A field of [`ProxyPool::FIELDS`].
    fn field(&self, key: &str) -> Option<&Value> {
        super::connection::listed_field(&self.raw, Self::FIELDS, "ProxyPool", key)
    }

    fn text(&self, key: &str) -> Option<&str> {
        self.field(key).and_then(Value::as_str)
    }

    /// `id`: a bare v4 UUID unless the creator chose one.
    pub fn id(&self) -> Option<&str> {
        self.text("id")
    }

    /// `name`.
    pub fn name(&self) -> Option<&str> {
        self.text("name")
    }

    /// `proxyUrl` in clear, password included. Use [`ProxyPool::masked_proxy_url`] to show it.
    pub fn proxy_url(&self) -> Option<&str> {
        self.text("proxyUrl")
    }

    /// `proxyUrl` as the server's pool routes show it ([`mask_proxy_url`]).
    pub fn masked_proxy_url(&self) -> Option<String> {
        self.proxy_url().map(mask_proxy_url)
    }

    /// `noProxy`: comma-separated hosts that bypass the proxy (`""` when none).
    pub fn no_proxy(&self) -> Option<&str> {
        self.text("noProxy")
    }

    /// `type`: exactly `"vercel"` is a relay, anything else an HTTP proxy (what normalization
    /// writes, so a stored pool only ever holds those two).
    pub fn pool_type(&self) -> ProxyPoolType {
        ProxyPoolType::of(self.field("type"))
    }

    /// `isActive !== false`, as normalization reads it. (Proxy resolution for quota calls
    /// also wants a non-empty `proxyUrl`, §6.7.)
    pub fn is_active(&self) -> bool {
        is_active_flag(self.field("isActive"))
    }

    /// `strictProxy === true`: fail instead of falling back to a direct call.
    pub fn strict_proxy(&self) -> bool {
        strict_proxy_flag(self.field("strictProxy"))
    }

    /// `testStatus` (`"unknown"` until tested, then `"active"` or `"error"`).
    pub fn test_status(&self) -> Option<&str> {
        self.text("testStatus")
    }

    /// `lastTestedAt` (ISO).
    pub fn last_tested_at(&self) -> Option<&str> {
        self.text("lastTestedAt")
    }

    /// `lastError` of the last test: any JSON value; `None` when missing or `null`.
    pub fn last_error(&self) -> Option<&Value> {
        self.field("lastError").filter(|v| !v.is_null())
    }

    /// `createdAt` (ISO).
    pub fn created_at(&self) -> Option<&str> {
        self.text("createdAt")
    }

    /// `updatedAt` (ISO); the store lists pools newest first by it.
    pub fn updated_at(&self) -> Option<&str> {
        self.text("updatedAt")
    }
}

impl From<Object> for ProxyPool {
    fn from(raw: Object) -> Self {
        ProxyPool { raw }
    }
}

impl From<ProxyPool> for Object {
    fn from(p: ProxyPool) -> Self {
        p.raw
    }
}

impl Serialize for ProxyPool {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

impl fmt::Debug for ProxyPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = Value::Object(self.raw.clone());
        redact_json(&mut shown);
        if let (Some(url), Value::Object(map)) = (self.proxy_url(), &mut shown) {
            map.insert("proxyUrl".into(), Value::from(mask_proxy_url(url)));
        }
        f.debug_tuple("ProxyPool").field(&JsonText(&shown)).finish()
    }
}

/// `strictProxy === true`: the reading of a pool's `strictProxy` flag.
pub(crate) fn strict_proxy_flag(v: Option<&Value>) -> bool {
    v == Some(&Value::Bool(true))
}

/// How many of `connections` route through pool `pool_id` (their `providerSpecificData.proxyPoolId`,
/// trimmed, not `"__none__"`): the in-use count that keeps a pool from being deleted (§7.3).
///
/// ```
/// use pie_storage_core::connections::bound_connection_count;
/// use serde_json::json;
/// let c = json!({"id": "a", "provider": "x", "providerSpecificData": {"proxyPoolId": " p1 "}});
/// assert_eq!(bound_connection_count(&[c.as_object().unwrap().clone()], "p1"), 1);
/// ```
pub fn bound_connection_count(connections: &[Object], pool_id: &str) -> usize {
    connections
        .iter()
        .filter(|c| {
            super::ProviderConnection::from((*c).clone())
                .proxy_pool_id()
                .as_deref()
                == Some(pool_id)
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pool(v: Value) -> ProxyPool {
        ProxyPool::from(v.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn type_is_vercel_only_when_exactly_vercel() {
        assert_eq!(
            pool(json!({"type": "vercel"})).pool_type(),
            ProxyPoolType::Vercel
        );
        for other in [json!("Vercel"), json!("http"), json!(null), json!(1)] {
            assert_eq!(
                pool(json!({"type": other})).pool_type(),
                ProxyPoolType::Http
            );
        }
        assert_eq!(ProxyPoolType::Vercel.as_str(), "vercel");
    }

    #[test]
    fn flags_read_as_normalization_writes_them() {
        let p = pool(json!({"isActive": "false", "strictProxy": "true"}));
        assert!(p.is_active() && !p.strict_proxy());
        let p = pool(json!({"isActive": false, "strictProxy": true}));
        assert!(!p.is_active() && p.strict_proxy());
        assert!(pool(json!({})).is_active());
    }

    #[test]
    fn fields_and_raw_round_trip() {
        let raw = json!({"id": "p", "name": "n", "proxyUrl": "127.0.0.1:1", "noProxy": "",
            "testStatus": "unknown", "lastTestedAt": null, "lastError": null,
            "createdAt": "t0", "updatedAt": "t1", "region": "eu"});
        let p = pool(raw.clone());
        assert_eq!(
            (p.id(), p.name(), p.no_proxy()),
            (Some("p"), Some("n"), Some(""))
        );
        assert_eq!(
            (p.test_status(), p.last_tested_at(), p.last_error()),
            (Some("unknown"), None, None)
        );
        assert_eq!((p.created_at(), p.updated_at()), (Some("t0"), Some("t1")));
        assert_eq!(p.masked_proxy_url().as_deref(), Some("127.0.0.1:1"));
        assert_eq!(p.get("region"), Some(&json!("eu")));
        assert_eq!(serde_json::to_value(&p).ok(), Some(raw.clone()));
        assert_eq!(Value::Object(p.into_object()), raw);
    }

    /// `FIELDS` is what normalization writes, in its order, and every accessor reads one.
    #[test]
    fn fields_are_what_normalization_writes() {
        let written = super::super::normalize::normalize_proxy_pool(
            super::super::Patch::new(),
            "NOW",
            &mut || "id".into(),
        );
        let keys: Vec<&str> = written.keys().map(String::as_str).collect();
        assert_eq!(keys, ProxyPool::FIELDS);
        let p = ProxyPool::from(written);
        assert!(p.id().is_some() && p.name().is_some() && p.proxy_url().is_some());
        assert!(p.no_proxy().is_some() && p.test_status().is_some());
        assert!(p.created_at().is_some() && p.updated_at().is_some());
        assert!(p.is_active() && !p.strict_proxy() && p.pool_type() == ProxyPoolType::Http);
        assert!(p.last_tested_at().is_none() && p.last_error().is_none());
        assert!(p.masked_proxy_url().is_some());
    }

    #[test]
    fn debug_masks_the_password_and_secret_extras() {
        let p = pool(
            json!({"id": "p", "proxyUrl": "http://u:Pa55w0rdX@proxy.example:1",
            "lastError": "auth failed for u:Sec0ndPw@h:2", "relayToken": "plain"}),
        );
        let debug = format!("{p:?}");
        for secret in ["Pa55w0rdX", "Sec0ndPw", "plain"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(debug.contains("http://u:****@proxy.example:1/"), "{debug}");
    }
}
