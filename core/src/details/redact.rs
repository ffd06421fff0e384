//! Redaction of a request-details record, before anything is written. The rules of what a
//! credential looks like live in [`crate::secrets`]; this file only says where they apply.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::secrets::{is_secret_header, is_secret_key, redact_query_values, redact_text, REDACTED};

/// Replaces every credential in the record, at any depth:
/// - in a `headers` object (or a list of `[name, value]` pairs), the value of each header whose
///   name is a secret header ([`is_secret_header`]: `authorization`, `x-api-key`, `cookie`,
///   `token`, `api-key`, `secret`, `password`, case-insensitive) becomes `[redacted]`;
/// - elsewhere, a string under a secret-looking key ([`is_secret_key`]: `apiKey`,
///   `access_token`, `password`, ...) becomes `[redacted]` (numbers such as `max_tokens` and
///   objects such as `tokens` are kept, objects are searched);
/// - in every other string, credentials recognised by shape ([`redact_text`]: bearer tokens,
///   key prefixes, JWTs, `user:pass@` in URLs, ...) and the values of secret-named query
///   parameters (`?key=...`, `&token=...`) become `****`.
///
/// ```
/// use pie_storage_core::details::redact_request_detail;
/// use serde_json::json;
///
/// let mut detail = json!({"id": "d1", "tokens": {"prompt_tokens": 3},
///     "providerRequest": {"url": "https://api.example.com/v1?alt=sse&key=abc123",
///                         "headers": {"Authorization": "Bearer sk-live-1234567890abcdef", "Accept": "*/*"}}});
/// redact_request_detail(detail.as_object_mut().unwrap());
/// assert_eq!(detail["providerRequest"]["headers"]["Authorization"], "[redacted]");
/// assert_eq!(detail["providerRequest"]["headers"]["Accept"], "*/*");
/// assert_eq!(detail["providerRequest"]["url"], "https://api.example.com/v1?alt=sse&key=****");
/// assert_eq!(detail["tokens"]["prompt_tokens"], 3);
/// ```
pub fn redact_request_detail(record: &mut Map<String, Value>) {
    for (key, value) in record.iter_mut() {
        redact_member(key, value);
    }
}

fn redact_member(key: &str, value: &mut Value) {
    if key.eq_ignore_ascii_case("headers") {
        return redact_headers(value);
    }
    if value.is_string() && is_secret_key(key) {
        *value = Value::from(REDACTED);
        return;
    }
    redact_value(value);
}

fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => redact_request_detail(map),
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        Value::String(text) => {
            if let Cow::Owned(masked) = redact_string(text) {
                *text = masked;
            }
        }
        _ => {}
    }
}

fn redact_string(text: &str) -> Cow<'_, str> {
    match redact_text(text) {
        Cow::Borrowed(same) => redact_query_values(same),
        Cow::Owned(masked) => Cow::Owned(redact_query_values(&masked).into_owned()),
    }
}

fn redact_headers(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, v) in map.iter_mut() {
                if is_secret_header(name) {
                    *v = Value::from(REDACTED);
                } else {
                    redact_value(v);
                }
            }
        }
        Value::Array(pairs) => {
            for pair in pairs {
                match pair.as_array_mut().map(Vec::as_mut_slice) {
                    Some([Value::String(name), v]) if is_secret_header(name) => {
                        *v = Value::from(REDACTED)
                    }
                    _ => redact_value(pair),
                }
            }
        }
        other => redact_value(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn headers_urls_and_secret_keys_are_replaced_and_the_rest_kept() {
        let mut r = json!({
            "id": "a",
            "tokens": {"prompt_tokens": 3},
            "request": {"max_tokens": 10, "apiKey": "abc", "messages": [{"content": "hello"}]},
            "providerRequest": {
                "url": "https://user:hunter2@api.example.com/v1?alt=sse&key=plainkey",
                "headers": {"Authorization": "Bearer sk-abc", "X-Goog-Api-Key": "k", "Accept": "json",
                            "Cookie": "s=1", "X-Custom-Secret": "v"}
            },
            "response": {"headers": [["set-cookie", "x"], ["content-type", "json"]]}
        });
        redact_request_detail(r.as_object_mut().unwrap());
        assert_eq!(r["tokens"]["prompt_tokens"], 3);
        assert_eq!(r["request"]["max_tokens"], 10);
        assert_eq!(r["request"]["apiKey"], REDACTED);
        assert_eq!(r["request"]["messages"][0]["content"], "hello");
        let h = &r["providerRequest"]["headers"];
        for name in [
            "Authorization",
            "X-Goog-Api-Key",
            "Cookie",
            "X-Custom-Secret",
        ] {
            assert_eq!(h[name], REDACTED, "{name}");
        }
        assert_eq!(h["Accept"], "json");
        let url = r["providerRequest"]["url"].as_str().unwrap();
        assert!(
            !url.contains("hunter2") && !url.contains("plainkey"),
            "{url}"
        );
        assert!(url.contains("alt=sse"), "{url}");
        assert_eq!(
            r["response"]["headers"],
            json!([["set-cookie", REDACTED], ["content-type", "json"]])
        );
    }
}
