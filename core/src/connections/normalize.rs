//! Normalization of stored connections (§2.6) and proxy pools (§2.5).
//!
//! Both are object spreads in the reference (`{...c, authType: c.authType ?? "oauth", ...}`):
//! existing keys keep their position and get the new value, missing keys are appended in the
//! literal's order. `Map::insert` has exactly that behaviour.

use serde_json::Value;

use super::Object;
use crate::js_value::{is_undefined, normalize_string, nullish_or, strip_undefined};

/// A field as JavaScript reads it: a key holding the `undefined` marker reads as missing.
fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|v| !is_undefined(v))
}

/// Drops the `undefined` markers left after normalization, as `JSON.stringify` drops
/// `undefined` properties (a key assigned by the normalization kept its position).
fn finish(mut out: Object) -> Object {
    out.retain(|_, v| !is_undefined(v));
    out.values_mut().for_each(strip_undefined);
    out
}

/// `normalizeProviderConnectionState` for one connection (JSON store only): `authType` defaults
/// to `"oauth"`, `isActive` is true unless it is exactly `false`, timestamps default to `now`.
pub fn normalize_connection(c: &Value, now_iso: &str) -> Object {
    let mut out = c.as_object().cloned().unwrap_or_default();
    let oauth = Value::from("oauth");
    let now = Value::from(now_iso);
    let auth_type = nullish_or(field(c, "authType"), &oauth).clone();
    let is_active = field(c, "isActive") != Some(&Value::Bool(false));
    let created = nullish_or(field(c, "createdAt"), &now).clone();
    let updated = nullish_or(field(c, "updatedAt"), &now).clone();
    out.insert("authType".into(), auth_type);
    out.insert("isActive".into(), Value::Bool(is_active));
    out.insert("createdAt".into(), created);
    out.insert("updatedAt".into(), updated);
    finish(out)
}

/// `normalizeProxyPool`: trimmed strings, `type` "vercel" or "http", `isActive` true unless
/// exactly `false`, `testStatus` "unknown" when blank, timestamps `now` when blank. A blank id
/// gets `new_id()` (a bare UUID). Extra keys are kept.
pub fn normalize_proxy_pool(
    p: &Value,
    now_iso: &str,
    new_id: &mut dyn FnMut() -> String,
) -> Object {
    let mut out = p.as_object().cloned().unwrap_or_default();
    let text = |key: &str| normalize_string(field(p, key));
    let or = |s: String, default: &dyn Fn() -> String| if s.is_empty() { default() } else { s };
    let id = text("id");
    let id = if id.is_empty() { new_id() } else { id };
    let is_vercel = field(p, "type") == Some(&Value::from("vercel"));
    let null = Value::Null;
    let fields = [
        ("id", Value::from(id)),
        ("name", Value::from(text("name"))),
        ("proxyUrl", Value::from(text("proxyUrl"))),
        ("noProxy", Value::from(text("noProxy"))),
        (
            "type",
            Value::from(if is_vercel { "vercel" } else { "http" }),
        ),
        (
            "isActive",
            Value::Bool(p.get("isActive") != Some(&Value::Bool(false))),
        ),
        (
            "strictProxy",
            Value::Bool(p.get("strictProxy") == Some(&Value::Bool(true))),
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
    for (key, value) in fields {
        out.insert(key.into(), value);
    }
    finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::to_js_string;
    use serde_json::json;

    #[test]
    fn connection_defaults_keep_key_order() {
        let c = json!({"id": "c", "isActive": "false", "provider": "p", "modelLock_x": null});
        let out = normalize_connection(&c, "NOW");
        assert_eq!(
            to_js_string(&Value::Object(out)),
            r#"{"id":"c","isActive":true,"provider":"p","modelLock_x":null,"authType":"oauth","createdAt":"NOW","updatedAt":"NOW"}"#
        );
        let kept = normalize_connection(&json!({"isActive": false, "createdAt": ""}), "NOW");
        assert_eq!(kept["isActive"], json!(false));
        assert_eq!(kept["createdAt"], json!(""));
    }

    #[test]
    fn proxy_pool_tv9() {
        let p = json!({"name": "  P ", "proxyUrl": " 127.0.0.1:1 ", "type": "Vercel", "testStatus": "  "});
        let out = normalize_proxy_pool(&p, "NOW", &mut || "uuid".into());
        assert_eq!(
            to_js_string(&Value::Object(out)),
            r#"{"name":"P","proxyUrl":"127.0.0.1:1","type":"http","testStatus":"unknown","id":"uuid","noProxy":"","isActive":true,"strictProxy":false,"lastTestedAt":null,"lastError":null,"createdAt":"NOW","updatedAt":"NOW"}"#
        );
    }
}
