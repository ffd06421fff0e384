//! Normalization of stored connections (§2.6) and proxy pools (§2.5).
//!
//! Both are object spreads in the reference (`{...c, authType: c.authType ?? "oauth", ...}`):
//! existing keys keep their position and get the new value, missing keys are appended in the
//! literal's order. [`Patch::assign`] has exactly that behaviour, also for a key the record
//! holds unset (`undefined`): it is filled in place; the unset keys left over are dropped, as
//! `JSON.stringify` drops them.

use serde_json::Value;

use super::connection::is_active_flag;
use super::proxy_pool::{strict_proxy_flag, ProxyPoolType};
use super::{Object, Patch};
use crate::js_value::{normalize_string, nullish_or};

/// `normalizeProviderConnectionState` for one connection (JSON store only): `authType` defaults
/// to `"oauth"`, `isActive` is true unless it is exactly `false`, timestamps default to `now`.
pub fn normalize_connection(mut c: Patch, now_iso: &str) -> Object {
    let oauth = Value::from("oauth");
    let now = Value::from(now_iso);
    let auth_type = nullish_or(c.get("authType"), &oauth).clone();
    let is_active = is_active_flag(c.get("isActive"));
    let created = nullish_or(c.get("createdAt"), &now).clone();
    let updated = nullish_or(c.get("updatedAt"), &now).clone();
    c.assign("authType".into(), auth_type);
    c.assign("isActive".into(), Value::Bool(is_active));
    c.assign("createdAt".into(), created);
    c.assign("updatedAt".into(), updated);
    c.into_record()
}

/// `normalizeProxyPool`: trimmed strings, `type` "vercel" or "http", `isActive` true unless
/// exactly `false`, `testStatus` "unknown" when blank, timestamps `now` when blank. A blank id
/// gets `new_id()` (a bare UUID). Extra keys are kept.
pub fn normalize_proxy_pool(p: Patch, now_iso: &str, new_id: &mut dyn FnMut() -> String) -> Object {
    let text = |key: &str| normalize_string(p.get(key));
    let or = |s: String, default: &dyn Fn() -> String| if s.is_empty() { default() } else { s };
    let id = text("id");
    let id = if id.is_empty() { new_id() } else { id };
    let null = Value::Null;
    let fields = [
        ("id", Value::from(id)),
        ("name", Value::from(text("name"))),
        ("proxyUrl", Value::from(text("proxyUrl"))),
        ("noProxy", Value::from(text("noProxy"))),
        (
            "type",
            Value::from(ProxyPoolType::of(p.get("type")).as_str()),
        ),
        ("isActive", Value::Bool(is_active_flag(p.get("isActive")))),
        (
            "strictProxy",
            Value::Bool(strict_proxy_flag(p.get("strictProxy"))),
        ),
        (
            "testStatus",
            Value::from(or(text("testStatus"), &|| "unknown".into())),
        ),
        (
            "lastTestedAt",
            nullish_or(p.get("lastTestedAt"), &null).clone(),
        ),
        ("lastError", nullish_or(p.get("lastError"), &null).clone()),
        (
            "createdAt",
            Value::from(or(text("createdAt"), &|| now_iso.into())),
        ),
        (
            "updatedAt",
            Value::from(or(text("updatedAt"), &|| now_iso.into())),
        ),
    ];
    let mut out = p;
    for (key, value) in fields {
        out.assign(key.into(), value);
    }
    out.into_record()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::to_js_string;
    use serde_json::json;

    #[test]
    fn connection_defaults_keep_key_order() {
        let c = json!({"id": "c", "isActive": "false", "provider": "p", "modelLock_x": null});
        let out = normalize_connection(Patch::from(c.as_object().unwrap()), "NOW");
        assert_eq!(
            to_js_string(&Value::Object(out)),
            r#"{"id":"c","isActive":true,"provider":"p","modelLock_x":null,"authType":"oauth","createdAt":"NOW","updatedAt":"NOW"}"#
        );
        let kept = json!({"isActive": false, "createdAt": ""});
        let kept = normalize_connection(Patch::from(kept.as_object().unwrap()), "NOW");
        assert_eq!(kept["isActive"], json!(false));
        assert_eq!(kept["createdAt"], json!(""));
    }

    #[test]
    fn proxy_pool_tv9() {
        let p = json!({"name": "  P ", "proxyUrl": " 127.0.0.1:1 ", "type": "Vercel", "testStatus": "  "});
        let p = Patch::from(p.as_object().unwrap());
        let out = normalize_proxy_pool(p, "NOW", &mut || "uuid".into());
        assert_eq!(
            to_js_string(&Value::Object(out)),
            r#"{"name":"P","proxyUrl":"127.0.0.1:1","type":"http","testStatus":"unknown","id":"uuid","noProxy":"","isActive":true,"strictProxy":false,"lastTestedAt":null,"lastError":null,"createdAt":"NOW","updatedAt":"NOW"}"#
        );
    }
}
