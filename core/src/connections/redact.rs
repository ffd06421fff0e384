//! Secret hygiene for hosts that show connections and pools (the server's list views, §7.2 and
//! §7.3): what can be displayed without leaking a credential.

use serde_json::Value;

use super::Object;
use crate::js_value::truthy;
use crate::secrets::{is_secret_key, is_secret_shaped, redact_json, redact_text, MASK, REDACTED};

/// The credentials a connection holds in clear.
const SECRET_FIELDS: [&str; 3] = ["apiKey", "accessToken", "refreshToken"];

/// Fields that identify the record and are shown as they are.
const IDENTITY_FIELDS: [&str; 3] = ["id", "provider", "authType"];

/// `toProviderConnectionSummary(c)`: the connection without `apiKey`, `accessToken` and
/// `refreshToken`, with `hasApiKey`, `hasAccessToken`, `hasRefreshToken` booleans appended. Every
/// value under a secret-looking key, at any depth, becomes `"[redacted]"` (the reference does
/// this for `providerSpecificData`); every other string except `id`, `provider` and `authType`
/// has the credentials found in it by shape masked as `****` (`proxyUrl`, `lastError`, headers,
/// notes, arrays), see [`crate::secrets`].
pub fn to_provider_connection_summary(connection: &Object) -> Object {
    let mut out = Object::new();
    for (key, value) in connection {
        if SECRET_FIELDS.contains(&key.as_str()) {
            continue;
        }
        let mut value = value.clone();
        if is_secret_key(key) {
            value = Value::from(REDACTED);
        } else if !IDENTITY_FIELDS.contains(&key.as_str()) {
            redact_json(&mut value);
        }
        out.insert(key.clone(), value);
    }
    for (flag, field) in [
        ("hasApiKey", "apiKey"),
        ("hasAccessToken", "accessToken"),
        ("hasRefreshToken", "refreshToken"),
    ] {
        out.insert(flag.into(), Value::Bool(has_credential(connection, field)));
    }
    out
}

/// Whether the connection holds the credential `field` (`apiKey`, `accessToken`,
/// `refreshToken`): the summary's `has*` flags, a truthy value (`""` and `null` hold none).
pub(crate) fn has_credential(connection: &Object, field: &str) -> bool {
    truthy(connection.get(field))
}

/// The server's view of a proxy pool (§7.3 responses): `proxyUrl` masked by [`mask_proxy_url`],
/// and credentials found by shape in `lastError` masked (a proxy's error text may quote its
/// URL); every other field as stored.
///
/// ```
/// use pie_storage_core::connections::to_proxy_pool_summary;
/// let pool = serde_json::json!({"id": "p", "proxyUrl": "http://u:pw@proxy:8080", "lastError": null});
/// let shown = to_proxy_pool_summary(pool.as_object().unwrap());
/// assert_eq!(shown["proxyUrl"], "http://u:****@proxy:8080/");
/// ```
pub fn to_proxy_pool_summary(pool: &Object) -> Object {
    let mut out = pool.clone();
    if let Some(Value::String(url)) = out.get_mut("proxyUrl") {
        *url = mask_proxy_url(url);
    }
    if let Some(Value::String(error)) = out.get_mut("lastError") {
        *error = redact_text(error).into_owned();
    }
    out
}

/// `maskProxyUrl(url)`. A URL that parses and has a password shows it as `****` in the WHATWG
/// serialization, as the server's `new URL()` gives (`http://user:****@proxy.example:8080/`); a
/// user name that is itself a credential (`http://sk-abc123@host`) becomes `****` too. Everything
/// else is masked in place by shape ([`redact_text`]): `user:password@host:port` without a
/// scheme, secret query parameters (`?key=`, `&token=`, `&password=`, …), keys anywhere in the
/// text, and text the parser rejects (including non-ASCII host names, which this build does not
/// map). A comma- or space-separated list is masked URL by URL. Text without a credential is
/// returned unchanged.
pub fn mask_proxy_url(url: &str) -> String {
    let parts = split_list(url);
    if parts.len() == 1 {
        return mask_one_url(url);
    }
    let mut out = String::with_capacity(url.len());
    let mut at = 0;
    for (start, end) in parts {
        out.push_str(&url[at..start]);
        out.push_str(&mask_one_url(&url[start..end]));
        at = end;
    }
    out.push_str(&url[at..]);
    out
}

/// The entries of a proxy list: the trimmed text split at whitespace, and at commas followed by
/// another `scheme://` (a comma elsewhere may belong to a password or a query).
fn split_list(url: &str) -> Vec<(usize, usize)> {
    let bytes = url.as_bytes();
    let is_sep = |b: u8| b == b',' || b.is_ascii_whitespace();
    let mut parts = Vec::new();
    let mut start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    let mut i = start;
    while i < end {
        if !is_sep(bytes[i]) {
            i += 1;
            continue;
        }
        let run = i + bytes[i..end].iter().take_while(|b| is_sep(**b)).count();
        let has_space = bytes[i..run].iter().any(u8::is_ascii_whitespace);
        if has_space || starts_with_scheme(&bytes[run..end]) {
            parts.push((start, i));
            start = run;
        }
        i = run;
    }
    parts.push((start, end));
    parts
}

fn starts_with_scheme(bytes: &[u8]) -> bool {
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    let scheme = bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || b"+.-".contains(b))
        .count();
    bytes[scheme..].starts_with(b"://")
}

fn mask_one_url(url: &str) -> String {
    if let Ok(mut parsed) = url::Url::parse(url) {
        let secret_user = is_secret_shaped(parsed.username());
        if !parsed.cannot_be_a_base() && (parsed.password().is_some() || secret_user) {
            let masked = (parsed.password().is_none() || parsed.set_password(Some(MASK)).is_ok())
                && (!secret_user || parsed.set_username(MASK).is_ok());
            if masked {
                return redact_text(parsed.as_str()).into_owned();
            }
        }
    }
    redact_text(url).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::to_js_string;
    use serde_json::json;

    #[test]
    fn summary_hides_credentials() {
        let c = json!({"id": "c", "apiKey": "sk-1", "accessToken": "", "name": "n",
            "providerSpecificData": {"source": "auth.json", "clientSecret": "s", "nested": {"password": "p"}},
            "customToken": "t"});
        let s = to_provider_connection_summary(c.as_object().unwrap());
        let text = to_js_string(&Value::Object(s));
        assert_eq!(
            text,
            r#"{"id":"c","name":"n","providerSpecificData":{"source":"auth.json","clientSecret":"[redacted]","nested":{"password":"[redacted]"}},"customToken":"[redacted]","hasApiKey":true,"hasAccessToken":false,"hasRefreshToken":false}"#
        );
        assert!(!text.contains("sk-1"));
    }

    /// One credential of each known shape: how it is written, and the part that must never show.
    const SHAPES: [(&str, &str); 24] = [
        ("sk-proj-abc123DEF456ghi789", "abc123DEF456ghi789"),
        ("sk-ant-api03-Zz9Yy8Xx7Ww6", "api03-Zz9Yy8Xx7Ww6"),
        ("sk-abc123def456", "abc123def456"),
        ("AIzaSyA1234567890abcdefghijklmnopq", "SyA1234567890abcdefghijklmnopq"),
        ("ghp_abcdefghijklmnop1234", "abcdefghijklmnop1234"),
        ("gho_bcdefghijklmnop12345", "bcdefghijklmnop12345"),
        ("github_pat_11ABCDEFG0123456789_abc", "11ABCDEFG0123456789_abc"),
        ("xoxb-1234-5678-abcdefgh", "1234-5678-abcdefgh"),
        ("xoxp-2234-5678-abcdefgh", "2234-5678-abcdefgh"),
        ("AKIAIOSFODNN7EXAMPLE", "IOSFODNN7EXAMPLE"),
        ("hf_cdefghijklmnop12345", "cdefghijklmnop12345"),
        ("gsk_defghijklmnop12345", "defghijklmnop12345"),
        ("r8_efghijklmnop12345", "efghijklmnop12345"),
        (
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX3Y",
            "eyJzdWIiOiIxMjM0In0",
        ),
        ("Bearer tok3nV4lue99", "tok3nV4lue99"),
        ("Basic dXNlcjpQYXNzMQ==", "dXNlcjpQYXNzMQ"),
        (
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
        ),
        ("http://u:Pa55w0rdX@proxy.example:1", "Pa55w0rdX"),
        ("u2:Pa55w0rdY@proxy2.example:2", "Pa55w0rdY"),
        ("http://sk-tok3nuser99@host.example", "tok3nuser99"),
        ("https://h.example/v1?key=Qk3yVal1&alt=sse", "Qk3yVal1"),
        ("https://h.example/?password=Qp4ss2&token=Qt0k3n", "Qp4ss2"),
        ("https://h.example/?api_key=Qapi1x&access_token=Qacc1x", "Qacc1x"),
        ("proxy=http://a:Fir5tPw@h1:1,http://b:Sec0ndPw@h2:2", "Sec0ndPw"),
    ];

    #[test]
    fn summary_masks_every_shape_everywhere() {
        let all: Vec<&str> = SHAPES.iter().map(|(shown, _)| *shown).collect();
        let sentence = format!("Upstream said: {} (retry later)", all.join(" | "));
        let service_account = json!({"type": "service_account", "project_id": "p",
            "private_key_id": "0123", "private_key": SHAPES[16].0, "client_email": "sa@p.iam"});
        let mut c = json!({
            "id": "c", "provider": "vertex", "authType": "apikey", "name": sentence,
            "apiKey": "sk-real-0123456789", "accessToken": "ya29.a0AfH6SMBx123", "refreshToken": "1//0gAbCdEfGhIjKlMnOp",
            "lastError": sentence, "lastErrorAt": "t", "errorCode": 401,
            "proxyUrl": "http://u:Pa55w0rdX@proxy.example:1,http://v:Sec0ndPw@h2:2 u3:Th1rdPw@h3:3",
            "headers": {"Authorization": "Bearer tok3nV4lue99", "Cookie": "sid=abc123", "x-note": sentence},
            "serviceAccount": service_account,
            "serviceAccountJson": to_js_string(&service_account),
            "extra": [[sentence, {"deeper": [sentence]}]],
            "providerSpecificData": {"source": "auth.json", "notes": [sentence], "proxyUrl": SHAPES[18].0,
                "headers": {"X-Goog-Api-Key": "AIzaSyA1234567890abcdefghijklmnopq", "Accept": "*/*"},
                "credentials": service_account, "nested": {"list": [[sentence]]}},
        });
        for (i, (shown, _)) in SHAPES.iter().enumerate() {
            c[format!("unknownField{i}")] = Value::from(*shown);
        }
        let summary = to_js_string(&Value::Object(to_provider_connection_summary(
            c.as_object().unwrap(),
        )));
        for (shown, hidden) in SHAPES {
            assert!(!summary.contains(hidden), "{shown:?} leaks in {summary}");
        }
        for hidden in [
            "0123456789",
            "a0AfH6SMBx123",
            "0gAbCdEfGhIjKlMnOp",
            "Fir5tPw",
            "Th1rdPw",
            "abc123",
        ] {
            assert!(!summary.contains(hidden), "{hidden:?} leaks in {summary}");
        }
        for kept in [
            "Upstream said: **** | ",
            "(retry later)",
            "\"id\":\"c\"",
            "\"provider\":\"vertex\"",
            "\"source\":\"auth.json\"",
            "\"Accept\":\"*/*\"",
            "\"client_email\":\"sa@p.iam\"",
            "\"hasApiKey\":true,\"hasAccessToken\":true,\"hasRefreshToken\":true",
        ] {
            assert!(summary.contains(kept), "{kept:?} lost in {summary}");
        }
    }

    #[test]
    fn masks_credentials_in_proxy_urls() {
        for (input, expected) in [
            ("u:PASS@h:1", "u:****@h:1"),
            ("http://sk-abc123@host", "http://****@host/"),
            (
                "http://h:1/?password=p&x=1",
                "http://h:1/?password=****&x=1",
            ),
            ("http://u:p@h:1/?key=k", "http://u:****@h:1/?key=****"),
            (
                "http://a:p@h1:1,http://b:q@h2:2",
                "http://a:****@h1:1/,http://b:****@h2:2/",
            ),
            (
                "http://a:p@h1:1 http://b:q@h2:2",
                "http://a:****@h1:1/ http://b:****@h2:2/",
            ),
            ("http://u:p,q@h:1", "http://u:****@h:1/"),
            ("u:p@h:1,v:q@h2:2", "u:****@h:1,v:****@h2:2"),
            ("  http://u:p@h:1  ", "http://u:****@h:1/"),
        ] {
            assert_eq!(mask_proxy_url(input), expected, "{input}");
        }
    }

    #[test]
    fn masks_only_passwords() {
        assert_eq!(
            mask_proxy_url("http://user:pass@proxy.example:8080"),
            "http://user:****@proxy.example:8080/"
        );
        assert_eq!(
            mask_proxy_url("http://proxy.example:8080"),
            "http://proxy.example:8080"
        );
        assert_eq!(mask_proxy_url("127.0.0.1:1"), "127.0.0.1:1");
        assert_eq!(mask_proxy_url("not a url"), "not a url");
        assert_eq!(
            mask_proxy_url("http://u:secret@bücher.example:1"),
            "http://u:****@bücher.example:1"
        );
        assert_eq!(mask_proxy_url("http://u@h:1"), "http://u@h:1");
    }
}
