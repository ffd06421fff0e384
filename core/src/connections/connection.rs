//! [`ProviderConnection`]: a typed read view of one stored account (reference §1.3).
//!
//! The record stays the JSON object it was read as, because connections have an open index
//! signature (`modelLock_*`, `expiresAt`, whatever a newer version adds) that every write must
//! keep byte for byte. The view only names the fields and reads them the way the store and the
//! router do, by calling the functions that decide them (sorting, locks, redaction), so an
//! embedder learns the field names from the types instead of from the source.

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::redact::{has_credential, to_provider_connection_summary};
use super::state::sort_priority;
use super::Object;
use crate::js_value::normalize_string;
use crate::routing::cooldown::{MODEL_LOCK_ALL, MODEL_LOCK_PREFIX};
use crate::routing::select::locks;

/// `providerSpecificData.proxyPoolId` value that means "no pool" (the dashboard's choice).
const NO_PROXY_POOL: &str = "__none__";

/// One provider account, as stored: the raw object plus accessors named from the domain.
///
/// Build one from a store's object (`ProviderConnection::from(object)`) or take it from the
/// typed store methods ([`ProviderConnectionStoreExt::provider_connections`]). It serializes as
/// the raw object, so writing it back changes nothing; its `Debug` output is the server's list
/// view ([`to_provider_connection_summary`]): credentials are replaced by `has*` flags and
/// secret-looking values are redacted, so a connection can be logged.
///
/// Accessors read a field only when it has the type of the reference (§1.3): a `priority` that
/// is a string reads as `None`, as does a `name` that is a number. `None` also means missing or
/// `null`.
///
/// ```
/// use pie_storage_core::connections::{AuthType, ProviderConnection};
/// use serde_json::json;
///
/// let raw = json!({"id": "conn_1", "provider": "openai", "authType": "apikey",
///     "apiKey": "sk-live-0123456789", "isActive": true, "priority": 0,
///     "modelLock_gpt-5.4": "2026-05-22T00:00:02.000Z", "customField": 1});
/// let conn = ProviderConnection::from(raw.as_object().cloned().unwrap_or_default());
/// assert_eq!(conn.provider(), Some("openai"));
/// assert_eq!(conn.auth_type(), Some(AuthType::ApiKey));
/// assert_eq!(conn.sort_priority(), 999.0); // `priority || 999`: 0 is "no priority"
/// assert!(conn.has_api_key());
///
/// let now = 1_779_408_000_000.0; // 2026-05-22T00:00:00Z
/// assert!(conn.is_model_locked(Some("gpt-5.4"), now));
/// let lock = conn.model_locks().next().map(|l| (l.model, l.until));
/// assert_eq!(lock, Some((Some("gpt-5.4"), Some("2026-05-22T00:00:02.000Z"))));
///
/// // Logging it never shows the key; unknown keys are still there to write back.
/// assert!(!format!("{conn:?}").contains("sk-live"));
/// assert_eq!(conn.get("customField"), Some(&json!(1)));
/// ```
///
/// [`ProviderConnectionStoreExt::provider_connections`]: super::ProviderConnectionStoreExt::provider_connections
#[derive(Clone, Default, PartialEq)]
pub struct ProviderConnection {
    raw: Object,
}

/// `ProviderAuthType`: an open string in the reference, so unknown values are kept.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AuthType {
    /// `"oauth"`: access and refresh tokens (also what the JSON store assumes when none is set).
    OAuth,
    /// `"apikey"`: an API key.
    ApiKey,
    /// `"access_token"`: a bare access token.
    AccessToken,
    /// Any other string, as stored.
    Other(String),
}

impl AuthType {
    /// The stored string, case-sensitive as the consumers compare it (`"OAuth"` is `Other`).
    pub fn parse(s: &str) -> Self {
        match s {
            "oauth" => AuthType::OAuth,
            "apikey" => AuthType::ApiKey,
            "access_token" => AuthType::AccessToken,
            other => AuthType::Other(other.to_owned()),
        }
    }

    /// The stored string.
    pub fn as_str(&self) -> &str {
        match self {
            AuthType::OAuth => "oauth",
            AuthType::ApiKey => "apikey",
            AuthType::AccessToken => "access_token",
            AuthType::Other(s) => s,
        }
    }
}

/// One `modelLock_*` key of a connection: the model it locks and until when.
///
/// Locks are written by `markProviderConnectionUnavailable` and set to `null` (cleared, not
/// removed) by `clearProviderConnectionError`, so cleared and expired locks are listed too;
/// [`ModelLock::is_active_at`] says whether one still holds.
#[derive(Clone, Copy, PartialEq)]
pub struct ModelLock<'a> {
    /// The key as stored (`modelLock_gpt-5.4`, `modelLock___all`).
    pub key: &'a str,
    /// The locked model; `None` for the account-wide `modelLock___all`.
    pub model: Option<&'a str>,
    /// The expiry as stored (ISO); `None` when cleared (`null`) or not a string.
    pub until: Option<&'a str>,
    connection: &'a Object,
}

impl fmt::Debug for ModelLock<'_> {
    /// The lock's fields only (the connection it reads, credentials included, is left out).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModelLock")
            .field("key", &self.key)
            .field("model", &self.model)
            .field("until", &self.until)
            .finish()
    }
}

impl ModelLock<'_> {
    /// Whether this key alone holds at `now` (epoch ms): its value is a time after `now`, the
    /// rule of [`crate::routing::is_model_lock_active`] (which also consults the account-wide
    /// key for a model).
    pub fn is_active_at(&self, now: f64) -> bool {
        locks::active_at(self.connection, self.key, now).is_some()
    }
}

impl ProviderConnection {
    /// The fields of `ProviderConnection` in the reference (§1.3), in its order: every key an
    /// accessor of this view reads (checked in debug builds). Any other key belongs to the open
    /// index signature (`modelLock_*`, `expiresAt`, ...), read with [`ProviderConnection::get`]
    /// and [`ProviderConnection::model_locks`]. The npm package's `ProviderConnection` interface
    /// declares exactly these fields (`tests/types/fields.json`).
    pub const FIELDS: &'static [&'static str] = &[
        "id",
        "provider",
        "authType",
        "name",
        "displayName",
        "email",
        "priority",
        "isActive",
        "apiKey",
        "accessToken",
        "refreshToken",
        "projectId",
        "providerSpecificData",
        "lastUsedAt",
        "consecutiveUseCount",
        "testStatus",
        "lastError",
        "lastErrorAt",
        "errorCode",
        "backoffLevel",
        "createdAt",
        "updatedAt",
    ];

    /// The raw object, for unknown keys and for writing back.
    pub fn as_object(&self) -> &Object {
        &self.raw
    }

    /// The raw object.
    pub fn into_object(self) -> Object {
        self.raw
    }

    /// Any field by its key, including the index signature's (`expiresAt`, ...).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.raw.get(key)
    }

    /// A field of [`ProviderConnection::FIELDS`]: an accessor reading any other key would name
    /// a field the TypeScript types do not declare.
    fn field(&self, key: &str) -> Option<&Value> {
        listed_field(&self.raw, Self::FIELDS, "ProviderConnection", key)
    }

    fn text(&self, key: &str) -> Option<&str> {
        self.field(key).and_then(Value::as_str)
    }

    fn number(&self, key: &str) -> Option<f64> {
        self.field(key).and_then(Value::as_f64)
    }

    /// `id` (`conn_<uuid>` for connections the store created; bare references may have any).
    pub fn id(&self) -> Option<&str> {
        self.text("id")
    }

    /// `provider` (`openai`, `anthropic`, `codex`, ...): selection matches it exactly.
    pub fn provider(&self) -> Option<&str> {
        self.text("provider")
    }

    /// `authType` as stored. `None` when missing or not a string: the JSON store writes
    /// `"oauth"` for a missing or `null` one on every read, the in-memory store keeps seeds as
    /// given.
    pub fn auth_type(&self) -> Option<AuthType> {
        self.text("authType").map(AuthType::parse)
    }

    /// `name`: given, or generated at creation (`API Key N`, `Account N`, or the email).
    pub fn name(&self) -> Option<&str> {
        self.text("name")
    }

    /// `displayName`.
    pub fn display_name(&self) -> Option<&str> {
        self.text("displayName")
    }

    /// `email`.
    pub fn email(&self) -> Option<&str> {
        self.text("email")
    }

    /// `priority` as stored, when it is a number (lower is preferred). Ordering uses
    /// [`ProviderConnection::sort_priority`], which also reads `0` and strings.
    pub fn priority(&self) -> Option<f64> {
        self.number("priority")
    }

    /// The key the store and the router sort by: `priority || 999`, so `0`, `null`, a missing
    /// or non-numeric priority all rank as 999 (a numeric string counts as its number).
    pub fn sort_priority(&self) -> f64 {
        sort_priority(self.field("priority"))
    }

    /// `isActive !== false`: only exactly `false` deactivates (`"false"`, `null` and a missing
    /// flag are active), as both normalization and selection read it.
    pub fn is_active(&self) -> bool {
        is_active_flag(self.field("isActive"))
    }

    /// `apiKey`, the credential in clear. Prefer [`ProviderConnection::has_api_key`] for
    /// display.
    pub fn api_key(&self) -> Option<&str> {
        self.text("apiKey")
    }

    /// `accessToken`, the credential in clear.
    pub fn access_token(&self) -> Option<&str> {
        self.text("accessToken")
    }

    /// `refreshToken`, the credential in clear.
    pub fn refresh_token(&self) -> Option<&str> {
        self.text("refreshToken")
    }

    fn credential(&self, key: &str) -> bool {
        self.field(key).is_some() && has_credential(&self.raw, key)
    }

    /// Whether an API key is held (non-empty): the list view's `hasApiKey`.
    pub fn has_api_key(&self) -> bool {
        self.credential("apiKey")
    }

    /// Whether an access token is held: `hasAccessToken`.
    pub fn has_access_token(&self) -> bool {
        self.credential("accessToken")
    }

    /// Whether a refresh token is held: `hasRefreshToken`.
    pub fn has_refresh_token(&self) -> bool {
        self.credential("refreshToken")
    }

    /// `projectId`.
    pub fn project_id(&self) -> Option<&str> {
        self.text("projectId")
    }

    /// `providerSpecificData`: free-form (`source`, `proxyPoolId`, quota snapshots, ...).
    pub fn provider_specific_data(&self) -> Option<&Object> {
        self.field("providerSpecificData")?.as_object()
    }

    /// The proxy pool this account's quota and token calls go through (§6.7):
    /// `providerSpecificData.proxyPoolId`, trimmed (numbers as their text); blank and
    /// `"__none__"` mean none.
    pub fn proxy_pool_id(&self) -> Option<String> {
        let id = normalize_string(self.provider_specific_data()?.get("proxyPoolId"));
        (!id.is_empty() && id != NO_PROXY_POOL).then_some(id)
    }

    /// `lastUsedAt` (ISO): round-robin bookkeeping.
    pub fn last_used_at(&self) -> Option<&str> {
        self.text("lastUsedAt")
    }

    /// `consecutiveUseCount`: round-robin picks in a row; the router counts a missing or
    /// non-numeric one as 0.
    pub fn consecutive_use_count(&self) -> Option<f64> {
        self.number("consecutiveUseCount")
    }

    /// `testStatus` (`"unavailable"` after a failure, `"active"`, `"inactive"`, `"unknown"`).
    pub fn test_status(&self) -> Option<&str> {
        self.text("testStatus")
    }

    /// `lastError`: any JSON value (routing writes the first 100 characters of the error's
    /// text); `None` when missing or `null`. It may quote a credential an upstream echoed: the
    /// `Debug` output masks it.
    pub fn last_error(&self) -> Option<&Value> {
        self.field("lastError").filter(|v| !v.is_null())
    }

    /// `lastErrorAt` (ISO).
    pub fn last_error_at(&self) -> Option<&str> {
        self.text("lastErrorAt")
    }

    /// `errorCode`: the failure's HTTP status (a number) or a provider's code (a string);
    /// `None` when missing or `null`.
    pub fn error_code(&self) -> Option<&Value> {
        self.field("errorCode").filter(|v| !v.is_null())
    }

    /// `backoffLevel` (0..15), when it is a number; a failure counts a missing one as 0.
    pub fn backoff_level(&self) -> Option<f64> {
        self.number("backoffLevel")
    }

    /// `createdAt` (ISO).
    pub fn created_at(&self) -> Option<&str> {
        self.text("createdAt")
    }

    /// `updatedAt` (ISO), bumped by every update.
    pub fn updated_at(&self) -> Option<&str> {
        self.text("updatedAt")
    }

    /// Every `modelLock_*` key in stored order, cleared and expired ones included.
    pub fn model_locks(&self) -> impl Iterator<Item = ModelLock<'_>> {
        self.raw.iter().filter_map(|(key, value)| {
            let model = key.strip_prefix(MODEL_LOCK_PREFIX)?;
            Some(ModelLock {
                key,
                model: (key != MODEL_LOCK_ALL).then_some(model),
                until: value.as_str(),
                connection: &self.raw,
            })
        })
    }

    /// Whether selection skips this account for `model` at `now` (epoch ms): the model's lock
    /// or the account-wide one holds ([`crate::routing::is_model_lock_active`]). `None` or
    /// `""` asks about the account-wide lock only.
    pub fn is_model_locked(&self, model: Option<&str>, now: f64) -> bool {
        crate::routing::is_model_lock_active(&self.raw, model, now)
    }

    /// When the account is usable again for `model`: the later of the model's and the
    /// account-wide active lock (the explanation's `modelLockUntil`), as stored.
    pub fn model_lock_until(&self, model: Option<&str>, now: f64) -> Option<&str> {
        locks::model_lock_until(&self.raw, model, now).map(|(_, until)| until)
    }

    /// The first active lock to expire, for any model (`retryAfter` when every account is
    /// locked), as stored.
    pub fn earliest_model_lock_until(&self, now: f64) -> Option<String> {
        crate::routing::earliest_model_lock_until(&self.raw, now)
    }
}

/// Field `key` of a typed view's raw object; in debug builds, a key missing from the view's
/// `FIELDS` (the names the TypeScript types declare) fails loudly.
pub(crate) fn listed_field<'a>(
    raw: &'a Object,
    fields: &[&str],
    view: &str,
    key: &str,
) -> Option<&'a Value> {
    debug_assert!(
        fields.contains(&key),
        "{view} reads `{key}`, which is not in {view}::FIELDS"
    );
    raw.get(key)
}

/// `isActive !== false`: the reading of an `isActive` flag on connections and pools.
pub(crate) fn is_active_flag(v: Option<&Value>) -> bool {
    v != Some(&Value::Bool(false))
}

impl From<Object> for ProviderConnection {
    fn from(raw: Object) -> Self {
        ProviderConnection { raw }
    }
}

impl From<ProviderConnection> for Object {
    fn from(c: ProviderConnection) -> Self {
        c.raw
    }
}

impl Serialize for ProviderConnection {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

impl fmt::Debug for ProviderConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let summary = Value::Object(to_provider_connection_summary(&self.raw));
        f.debug_tuple("ProviderConnection")
            .field(&JsonText(&summary))
            .finish()
    }
}

/// Shows a JSON value as its JSON text (shorter than `Value`'s `Debug`).
pub(crate) struct JsonText<'a>(pub(crate) &'a Value);

impl fmt::Debug for JsonText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::json::to_js_string(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conn(v: Value) -> ProviderConnection {
        ProviderConnection::from(v.as_object().cloned().unwrap_or_default())
    }

    const NOW: f64 = 1_779_408_000_000.0; // 2026-05-22T00:00:00.000Z

    #[test]
    fn priority_zero_missing_and_strings_sort_as_the_store_sorts() {
        for (priority, stored, sort) in [
            (json!(2), Some(2.0), 2.0),
            (json!(0), Some(0.0), 999.0),
            (json!(null), None, 999.0),
            (json!("3"), None, 3.0),
            (json!("x"), None, 999.0),
        ] {
            let c = conn(json!({"priority": priority}));
            assert_eq!(
                (c.priority(), c.sort_priority()),
                (stored, sort),
                "{priority}"
            );
        }
        let missing = conn(json!({}));
        assert_eq!((missing.priority(), missing.sort_priority()), (None, 999.0));
    }

    #[test]
    fn only_exactly_false_is_inactive() {
        assert!(!conn(json!({"isActive": false})).is_active());
        for flag in [json!(true), json!("false"), json!(null), json!(0)] {
            assert!(conn(json!({"isActive": flag})).is_active(), "{flag}");
        }
        assert!(conn(json!({})).is_active());
    }

    #[test]
    fn auth_type_keeps_unknown_strings() {
        let auth = |v: Value| conn(json!({"authType": v})).auth_type();
        assert_eq!(auth(json!("oauth")), Some(AuthType::OAuth));
        assert_eq!(auth(json!("access_token")), Some(AuthType::AccessToken));
        assert_eq!(auth(json!("OAuth")), Some(AuthType::Other("OAuth".into())));
        assert_eq!(auth(json!(null)), None);
        assert_eq!(auth(json!(1)), None);
        assert_eq!(conn(json!({})).auth_type(), None);
        assert_eq!(AuthType::parse("apikey").as_str(), "apikey");
    }

    #[test]
    fn fields_read_only_with_their_types() {
        let c = conn(json!({"id": "c", "provider": 5, "name": "n", "email": null,
            "lastError": null, "errorCode": 429, "backoffLevel": "2",
            "consecutiveUseCount": 2, "lastUsedAt": "2026-05-21T00:00:00.000Z",
            "providerSpecificData": {"source": "auth.json"}}));
        assert_eq!(
            (c.id(), c.provider(), c.name(), c.email()),
            (Some("c"), None, Some("n"), None)
        );
        assert_eq!((c.last_error(), c.error_code()), (None, Some(&json!(429))));
        assert_eq!(
            (c.backoff_level(), c.consecutive_use_count()),
            (None, Some(2.0))
        );
        assert_eq!(c.last_used_at(), Some("2026-05-21T00:00:00.000Z"));
        assert_eq!(
            c.provider_specific_data().and_then(|d| d.get("source")),
            Some(&json!("auth.json"))
        );
    }

    /// Every accessor reads a field of `FIELDS` (the debug assertion), and a connection holding
    /// each field with its reference type reads all of them.
    #[test]
    fn every_accessor_reads_a_listed_field() {
        let mut raw = Object::new();
        for (i, key) in ProviderConnection::FIELDS.iter().enumerate() {
            let value = match *key {
                "priority" | "consecutiveUseCount" | "backoffLevel" | "errorCode" => json!(i),
                "isActive" => json!(false),
                "providerSpecificData" => json!({"proxyPoolId": "p1"}),
                _ => json!(format!("{key}-{i}")),
            };
            raw.insert((*key).into(), value);
        }
        assert_eq!(raw.len(), ProviderConnection::FIELDS.len(), "no duplicates");
        let c = ProviderConnection::from(raw);
        let texts = [
            c.id(),
            c.provider(),
            c.name(),
            c.display_name(),
            c.email(),
            c.api_key(),
            c.access_token(),
            c.refresh_token(),
            c.project_id(),
            c.last_used_at(),
            c.test_status(),
            c.last_error_at(),
            c.created_at(),
            c.updated_at(),
        ];
        assert!(texts.iter().all(Option::is_some), "{texts:?}");
        let numbers = [c.priority(), c.consecutive_use_count(), c.backoff_level()];
        assert!(numbers.iter().all(Option::is_some), "{numbers:?}");
        assert!(c.auth_type().is_some() && !c.is_active() && c.sort_priority() < 999.0);
        assert!(c.has_api_key() && c.has_access_token() && c.has_refresh_token());
        assert!(c.provider_specific_data().is_some() && c.proxy_pool_id().is_some());
        assert!(c.last_error().is_some() && c.error_code().is_some());
    }

    #[test]
    fn credentials_presence_is_truthiness() {
        let c = conn(json!({"apiKey": "sk-1", "accessToken": "", "refreshToken": null}));
        assert_eq!(c.api_key(), Some("sk-1"));
        assert_eq!(c.access_token(), Some(""));
        assert!(c.has_api_key() && !c.has_access_token() && !c.has_refresh_token());
    }

    #[test]
    fn proxy_pool_id_is_trimmed_and_none_means_none() {
        let pool =
            |v: Value| conn(json!({"providerSpecificData": {"proxyPoolId": v}})).proxy_pool_id();
        assert_eq!(pool(json!(" p1 ")), Some("p1".into()));
        assert_eq!(pool(json!(7)), Some("7".into()));
        for none in [json!("__none__"), json!("  "), json!(null)] {
            assert_eq!(pool(none.clone()), None, "{none}");
        }
        assert_eq!(conn(json!({})).proxy_pool_id(), None);
    }

    #[test]
    fn model_locks_in_the_past_and_cleared_do_not_hold() {
        let c = conn(json!({
            "modelLock_m": "2026-05-21T00:00:00.000Z",
            "modelLock___all": "2026-05-22T00:01:00.000Z",
            "modelLock_n": null,
            "modelLock_o": "2026-05-22T00:00:30.000Z",
            "other": 1,
        }));
        let locks: Vec<_> = c
            .model_locks()
            .map(|l| (l.model, l.until, l.is_active_at(NOW)))
            .collect();
        assert_eq!(
            locks,
            [
                (Some("m"), Some("2026-05-21T00:00:00.000Z"), false),
                (None, Some("2026-05-22T00:01:00.000Z"), true),
                (Some("n"), None, false),
                (Some("o"), Some("2026-05-22T00:00:30.000Z"), true),
            ]
        );
        // The expired model key does not hide the account-wide lock (TV-29).
        assert!(c.is_model_locked(Some("m"), NOW));
        assert_eq!(
            c.model_lock_until(Some("m"), NOW),
            Some("2026-05-22T00:01:00.000Z")
        );
        assert_eq!(
            c.earliest_model_lock_until(NOW).as_deref(),
            Some("2026-05-22T00:00:30.000Z")
        );
        let free = conn(json!({"modelLock_m": "2026-05-21T00:00:00.000Z"}));
        assert!(!free.is_model_locked(Some("m"), NOW));
        assert_eq!(free.model_lock_until(Some("m"), NOW), None);
        assert_eq!(free.earliest_model_lock_until(NOW), None);
    }

    #[test]
    fn debug_hides_secrets_and_serialize_is_the_raw_object() {
        let raw = json!({"id": "c", "apiKey": "sk-proj-abc123DEF456", "accessToken": "ya29.tok3nV4lue99",
            "refreshToken": "1//0gRefresh99", "lastError": "bad key sk-abc123def456",
            "providerSpecificData": {"clientSecret": "s3cr3tValue"}, "modelLock_x": null});
        let c = conn(raw.clone());
        let debug = format!("{c:?}");
        for secret in [
            "abc123DEF456",
            "tok3nV4lue99",
            "0gRefresh99",
            "abc123def456",
            "s3cr3tValue",
        ] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(
            debug.starts_with("ProviderConnection({\"id\":\"c\""),
            "{debug}"
        );
        assert!(debug.contains("\"hasApiKey\":true"), "{debug}");
        let lock = format!("{:?}", c.model_locks().next());
        assert_eq!(
            lock,
            r#"Some(ModelLock { key: "modelLock_x", model: Some("x"), until: None })"#
        );
        assert_eq!(serde_json::to_value(&c).ok(), Some(raw.clone()));
        assert_eq!(Value::Object(c.into_object()), raw);
    }
}

#[cfg(test)]
mod store_tests {
    use super::super::{
        InMemoryProviderConnectionStore, Object, Patch, ProviderConnectionStore,
        ProviderConnectionStoreExt,
    };
    use super::*;
    use serde_json::json;

    /// The typed reads are the object reads, wrapped: same records, same order, same bytes.
    #[test]
    fn typed_store_reads_wrap_the_object_reads() {
        let store = InMemoryProviderConnectionStore::new(None);
        for (provider, priority) in [("openai", 2), ("openai", 1), ("anthropic", 1)] {
            store
                .create_provider_connection(
                    &Patch::new()
                        .set("provider", json!(provider))
                        .set("authType", json!("apikey"))
                        .set("apiKey", json!("sk-test-0123456789"))
                        .set("priority", json!(priority))
                        .set("modelLock_x", json!(null)),
                )
                .unwrap();
        }
        let pool = store
            .create_proxy_pool(
                &Patch::new()
                    .set("name", json!("p"))
                    .set("proxyUrl", json!("http://u:pw@h:1"))
                    .set("type", json!("vercel")),
            )
            .unwrap();
        let filter: Object = json!({"provider": "openai"}).as_object().cloned().unwrap();
        let typed = store.provider_connections(&filter).unwrap();
        let objects = store.get_provider_connections(&filter).unwrap();
        assert_eq!(
            typed
                .iter()
                .map(|c| c.as_object().clone())
                .collect::<Vec<_>>(),
            objects
        );
        assert_eq!(
            typed.iter().map(|c| c.priority()).collect::<Vec<_>>(),
            [Some(1.0), Some(2.0)]
        );
        let id = typed[0].id().unwrap().to_owned();
        let one = store.provider_connection(&id).unwrap().unwrap();
        assert_eq!(one, typed[0]);
        assert_eq!(one.auth_type(), Some(AuthType::ApiKey));
        assert!(store.provider_connection("nope").unwrap().is_none());

        let pool_id = pool["id"].as_str().unwrap();
        let pools = store.proxy_pools(&Object::new()).unwrap();
        assert_eq!(pools.len(), 1);
        assert_eq!(
            store.proxy_pool(pool_id).unwrap().map(|p| p.pool_type()),
            Some(super::super::ProxyPoolType::Vercel)
        );
        assert_eq!(
            store.settings().unwrap().as_object(),
            &store.get_settings().unwrap()
        );

        // Writing a view back changes nothing but `updatedAt`.
        let back = Patch::from(one.clone().into_object());
        let updated = store
            .update_provider_connection(&id, &back)
            .unwrap()
            .unwrap();
        let mut expected = one.into_object();
        expected.insert("updatedAt".into(), updated["updatedAt"].clone());
        assert_eq!(updated, expected);
    }
}
