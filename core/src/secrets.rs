//! Secret redaction: the one place that decides what a credential looks like, for every view the
//! package produces (connection summaries, masked proxy URLs, and later request-details logs).
//!
//! Two rules work together:
//! - **by name**: a JSON value under a secret-looking key ([`is_secret_key`]) is replaced whole by
//!   [`REDACTED`]; headers are judged by [`is_secret_header`];
//! - **by shape**: inside any text, [`redact_text`] replaces each credential it recognises by
//!   [`MASK`] and leaves the words around it as they were. Shapes: `Bearer <token>` and
//!   `Basic <base64>`, well-known key prefixes (`sk-`, `sk-ant-`, `sk-proj-`, `AIza`, `ghp_`,
//!   `gho_`, `github_pat_`, `xoxb-`, `xoxp-`, `AKIA`, `hf_`, `gsk_`, `r8_`, `ya29.`, …), JWTs
//!   (`eyJ….….…`), PEM private-key blocks, URL credentials (`scheme://user:pass@`, `user:pass@host`
//!   without a scheme, a token used as the user name) and secret `name=value` / `"name": "value"`
//!   pairs such as `?key=`, `&access_token=`, `password=` or `"private_key": "…"`.
//!
//! Masking errs on the side of hiding: a lowercase word is never taken for a secret, but anything
//! with digits or mixed case in a secret position is.

use std::borrow::Cow;

use serde_json::Value;

/// What replaces a secret found inside text (the `maskProxyUrl` convention).
pub const MASK: &str = "****";

/// What replaces a value under a secret-looking key (the reference's summary convention).
pub const REDACTED: &str = "[redacted]";

/// Whether a JSON key names something secret: the reference's `/token|secret|key|password/i`,
/// plus `passwd`, `authorization` and `cookie` (a `headers` object is a JSON object too).
pub fn is_secret_key(name: &str) -> bool {
    contains_any(
        name,
        &[
            "token",
            "secret",
            "key",
            "password",
            "passwd",
            "authorization",
            "cookie",
        ],
    )
}

/// Whether an HTTP header carries a credential: its name contains `authorization`, `x-api-key`,
/// `cookie`, `token`, `api-key`, `secret` or `password` (case-insensitive). Covers
/// `Proxy-Authorization`, `Set-Cookie`, `x-goog-api-key`, `anthropic-api-key`, `X-Auth-Token`.
pub fn is_secret_header(name: &str) -> bool {
    contains_any(
        name,
        &[
            "authorization",
            "x-api-key",
            "cookie",
            "token",
            "api-key",
            "secret",
            "password",
        ],
    )
}

/// What a log shows for one request header: [`REDACTED`] for a secret header name, otherwise the
/// value with any credential in it masked (`X-Forwarded-For` stays, a stray `sk-…` does not).
pub fn redact_header_value<'a>(name: &str, value: &'a str) -> Cow<'a, str> {
    if is_secret_header(name) {
        Cow::Borrowed(REDACTED)
    } else {
        redact_text(value)
    }
}

fn contains_any(name: &str, words: &[&str]) -> bool {
    let lower = name.to_ascii_lowercase();
    words.iter().any(|word| lower.contains(word))
}

/// Replaces, at any depth, every value under a secret-looking key by [`REDACTED`] and every
/// credential inside the remaining strings by [`MASK`].
pub fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret_key(key) {
                    *v = Value::from(REDACTED);
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::String(text) => {
            if let Cow::Owned(masked) = redact_text(text) {
                *text = masked;
            }
        }
        _ => {}
    }
}

/// Masks every credential recognised inside `text` (see the module comment) by [`MASK`]; the rest
/// of the text is kept byte for byte. Text without a credential is returned borrowed.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    pem_blocks(text, &mut spans);
    auth_schemes(bytes, &mut spans);
    prefixed_tokens(bytes, &mut spans);
    url_credentials(bytes, &mut spans);
    bare_credentials(bytes, &mut spans);
    named_values(text, &mut spans);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut iter = spans.into_iter().peekable();
    while let Some((start, mut end)) = iter.next() {
        while let Some(&(next_start, next_end)) = iter.peek() {
            if next_start > end {
                break;
            }
            end = end.max(next_end);
            iter.next();
        }
        let start = start.max(at);
        if start >= end {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(MASK);
        at = end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// Masks the value of every query parameter of a URL in `text` whose name is secret-looking
/// ([`is_secret_key`]: `key=`, `api_key=`, `access_token=`, ...), whatever the value looks like:
/// in a URL the name alone says it is a credential. Only text after a `?` that follows a
/// `scheme://` is read; the rest is kept byte for byte.
///
/// ```
/// use pie_storage_core::secrets::redact_query_values;
///
/// let url = "https://maps.example/api?q=paris&key=plainkey&api_key=abc";
/// assert_eq!(redact_query_values(url), "https://maps.example/api?q=paris&key=****&api_key=****");
/// ```
pub fn redact_query_values(text: &str) -> Cow<'_, str> {
    let Some(scheme) = text.find("://") else {
        return Cow::Borrowed(text);
    };
    let Some(q) = text[scheme..].find('?').map(|q| q + scheme + 1) else {
        return Cow::Borrowed(text);
    };
    let end = text[q..]
        .find(|c: char| c == '#' || c.is_whitespace() || c == '"' || c == '\'')
        .map_or(text.len(), |e| e + q);
    let mut spans = Vec::new();
    let mut at = q;
    for param in text[q..end].split('&') {
        if let Some((name, value)) = param.split_once('=') {
            if is_secret_key(name) && !value.is_empty() && value != MASK {
                let start = at + name.len() + 1;
                spans.push((start, start + value.len()));
            }
        }
        at += param.len() + 1;
    }
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for (start, stop) in spans {
        out.push_str(&text[from..start]);
        out.push_str(MASK);
        from = stop;
    }
    out.push_str(&text[from..]);
    Cow::Owned(out)
}

/// Whether a whole token (a URL user name, say) has the shape of a credential: a known key
/// prefix, a JWT, or a long random-looking string (20+ characters mixing letters and digits).
pub fn is_secret_shaped(token: &str) -> bool {
    let bytes = token.as_bytes();
    if prefixed_token_end(bytes, 0) == Some(bytes.len()) || jwt_end(bytes, 0) == Some(bytes.len()) {
        return true;
    }
    bytes.len() >= 20
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"_-+/=~".contains(b))
        && bytes.iter().any(u8::is_ascii_digit)
        && bytes.iter().any(u8::is_ascii_alphabetic)
}

/// An ordinary word, snake_case or kebab-case identifier (`expired`, `Invalid`, `invalid_grant`,
/// `NOT-FOUND`): letters in one case (a capital first letter allowed), joined by `_` or `-`.
/// Random tokens contain digits or mixed case, so these are taken for prose, never for secrets.
fn is_plain_word(word: &str) -> bool {
    let bytes = word.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    if !bytes
        .iter()
        .all(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'-')
    {
        return false;
    }
    let rest = &bytes[1..];
    rest.iter().all(|b| !b.is_ascii_uppercase()) || rest.iter().all(|b| !b.is_ascii_lowercase())
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A boundary before `i`: the start of the text or a byte that is not a letter, digit or `_`
/// (so `config_hf_token_path` is an identifier, not a Hugging Face key).
fn at_boundary(bytes: &[u8], i: usize) -> bool {
    i == 0 || !is_word_byte(bytes[i - 1])
}

fn run_end(bytes: &[u8], from: usize, accept: impl Fn(u8) -> bool) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| !accept(b))
        .map_or(bytes.len(), |n| from + n)
}

fn find(bytes: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from >= bytes.len() {
        return None;
    }
    memchr::memmem::find(&bytes[from..], needle).map(|n| from + n)
}

/// `-----BEGIN … PRIVATE KEY-----` through its `-----END … PRIVATE KEY-----` (or, if the end line
/// is missing, through the end of the text).
fn pem_blocks(text: &str, spans: &mut Vec<(usize, usize)>) {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(begin) = find(bytes, b"-----BEGIN ", from) {
        let label_start = begin + 11;
        let Some(label_end) = find(bytes, b"-----", label_start) else {
            return;
        };
        from = label_end + 5;
        if !text[label_start..label_end].ends_with("PRIVATE KEY") {
            continue;
        }
        let end = find(bytes, b"-----END ", from)
            .and_then(|e| find(bytes, b"-----", e + 9).map(|close| close + 5))
            .unwrap_or(bytes.len());
        spans.push((begin, end));
        from = end;
    }
}

/// `Bearer <token>` and `Basic <base64>` in free text (case-insensitive scheme words): a token of
/// 8 characters or more is masked unless it is an ordinary word (`Bearer authentication`,
/// `Basic realm`). After an `Authorization:` name every token is ([`named_values`]).
fn auth_schemes(bytes: &[u8], spans: &mut Vec<(usize, usize)>) {
    for i in 0..bytes.len() {
        if !at_boundary(bytes, i) {
            continue;
        }
        let Some(after) = [&b"bearer"[..], b"basic"]
            .iter()
            .find(|w| bytes.len() >= i + w.len() && bytes[i..i + w.len()].eq_ignore_ascii_case(w))
            .map(|w| i + w.len())
        else {
            continue;
        };
        // In free text a real credential is long; `Basic 2 requests` is prose.
        if let Some(span) = scheme_token(bytes, after).filter(|(s, e)| e - s >= 8) {
            spans.push(span);
        }
    }
}

/// The token after an authorization scheme word ending at `after`: spaces, then base64/token68
/// characters. `None` if there is none or it is an ordinary word.
fn scheme_token(bytes: &[u8], after: usize) -> Option<(usize, usize)> {
    let start = run_end(bytes, after, |b| b == b' ' || b == b'\t');
    if start == after {
        return None;
    }
    let body = run_end(bytes, start, |b| {
        b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
    });
    let end = run_end(bytes, body, |b| b == b'=');
    let token = std::str::from_utf8(&bytes[start..end]).ok()?;
    (end > start && !is_plain_word(token)).then_some((start, end))
}

/// Known key prefixes, each with the fewest characters that must follow it.
const PREFIXES: [(&str, usize); 27] = [
    ("sk-", 6), // OpenAI (sk-proj-, sk-svcacct-), Anthropic (sk-ant-), OpenRouter (sk-or-), DeepSeek
    ("sk_live_", 8),
    ("sk_test_", 8),
    ("rk_live_", 8),
    ("rk_test_", 8),
    ("AIza", 16), // Google API keys
    ("ya29.", 8), // Google OAuth access tokens
    ("1//", 16),  // Google OAuth refresh tokens
    ("ghp_", 8),  // GitHub
    ("gho_", 8),
    ("ghu_", 8),
    ("ghs_", 8),
    ("ghr_", 8),
    ("github_pat_", 8),
    ("glpat-", 8), // GitLab
    ("xoxb-", 8),  // Slack
    ("xoxp-", 8),
    ("xoxa-", 8),
    ("xoxr-", 8),
    ("xoxs-", 8),
    ("xapp-", 8),
    ("hf_", 8),    // Hugging Face
    ("gsk_", 8),   // Groq
    ("r8_", 8),    // Replicate
    ("pplx-", 8),  // Perplexity
    ("nvapi-", 8), // NVIDIA
    ("xai-", 16),  // xAI
];

/// The end of a known-prefix key starting at `i`, if one does.
fn prefixed_token_end(bytes: &[u8], i: usize) -> Option<usize> {
    let rest = &bytes[i..];
    for key_id in [&b"AKIA"[..], b"ASIA"] {
        if rest.starts_with(key_id) {
            let end = run_end(bytes, i + 4, |b| {
                b.is_ascii_uppercase() || b.is_ascii_digit()
            });
            if end - i - 4 == 16 && !bytes.get(end).is_some_and(|b| is_word_byte(*b)) {
                return Some(end);
            }
        }
    }
    PREFIXES.iter().find_map(|(prefix, min)| {
        if !rest.starts_with(prefix.as_bytes()) {
            return None;
        }
        let from = i + prefix.len();
        let end = run_end(bytes, from, |b| {
            b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'
        });
        // A trailing dot ends a sentence, not the key.
        let end = end
            - bytes[from..end]
                .iter()
                .rev()
                .take_while(|b| **b == b'.')
                .count();
        (end - from >= *min).then_some(end)
    })
}

/// The end of a JWT (`eyJ<header>.<payload>.<signature>`, the signature possibly empty) at `i`.
fn jwt_end(bytes: &[u8], i: usize) -> Option<usize> {
    if !bytes[i..].starts_with(b"eyJ") {
        return None;
    }
    let b64url = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let header_end = run_end(bytes, i, b64url);
    if header_end - i < 10 || bytes.get(header_end) != Some(&b'.') {
        return None;
    }
    let payload_end = run_end(bytes, header_end + 1, b64url);
    if payload_end - header_end < 3 || bytes.get(payload_end) != Some(&b'.') {
        return None;
    }
    Some(run_end(bytes, payload_end + 1, b64url))
}

/// Known-prefix keys and JWTs anywhere in the text, starting at a word boundary.
fn prefixed_tokens(bytes: &[u8], spans: &mut Vec<(usize, usize)>) {
    let mut i = 0;
    while i < bytes.len() {
        if at_boundary(bytes, i) {
            if let Some(end) = prefixed_token_end(bytes, i).or_else(|| jwt_end(bytes, i)) {
                spans.push((i, end));
                i = end;
                continue;
            }
        }
        i += 1;
    }
}

/// Masks the userinfo `bytes[start..end]` (the text before an `@`): the password after the first
/// `:`, and the user name too when it is itself a credential.
fn userinfo(bytes: &[u8], start: usize, end: usize, spans: &mut Vec<(usize, usize)>) {
    let info = &bytes[start..end];
    let (user_end, password) = match info.iter().position(|&b| b == b':') {
        Some(colon) => (start + colon, Some(start + colon + 1)),
        None => (end, None),
    };
    if let Some(password) = password.filter(|&p| p < end) {
        spans.push((password, end));
    }
    let user = std::str::from_utf8(&bytes[start..user_end]).unwrap_or_default();
    if !user.is_empty() && is_secret_shaped(user) {
        spans.push((start, user_end));
    }
}

/// `scheme://userinfo@host`: the authority runs to the first `/ ? # \`, quote, angle bracket or
/// space (or to a comma after an `@`: host names hold no commas, so that starts the next entry of
/// a list), and the userinfo to its last `@`, so a password containing `@` or `,` is masked whole.
fn url_credentials(bytes: &[u8], spans: &mut Vec<(usize, usize)>) {
    let mut from = 0;
    while let Some(sep) = find(bytes, b"://", from) {
        let start = sep + 3;
        from = start;
        if sep == 0 || !bytes[sep - 1].is_ascii_alphanumeric() {
            continue;
        }
        let mut end = run_end(bytes, start, |b| {
            !(b"/?#\\\"'<>".contains(&b) || b.is_ascii_whitespace())
        });
        if let Some(first_at) = bytes[start..end].iter().position(|&b| b == b'@') {
            if let Some(comma) = bytes[start + first_at..end].iter().position(|&b| b == b',') {
                end = start + first_at + comma;
            }
        }
        if let Some(at) = bytes[start..end].iter().rposition(|&b| b == b'@') {
            userinfo(bytes, start, start + at, spans);
        }
    }
}

/// `user:password@host` without a scheme (`u:p@proxy.example:8080` in a proxy list): the text
/// before each `@` back to a space or delimiter, if it holds a `:` and a host follows.
fn bare_credentials(bytes: &[u8], spans: &mut Vec<(usize, usize)>) {
    for (at, _) in bytes.iter().enumerate().filter(|(_, b)| **b == b'@') {
        if !bytes
            .get(at + 1)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'[')
        {
            continue;
        }
        let mut start = at;
        while start > 0
            && !(b"/?#\\\"'<>,;()[]{}=".contains(&bytes[start - 1])
                || bytes[start - 1].is_ascii_whitespace())
        {
            start -= 1;
        }
        let info = &bytes[start..at];
        let Some(colon) = info.iter().position(|&b| b == b':') else {
            continue;
        };
        if info[..colon].eq_ignore_ascii_case(b"mailto") {
            continue;
        }
        userinfo(bytes, start, at, spans);
    }
}

/// Whether a name seen in text before `=` or `:` announces a secret: a secret key or header name,
/// `pass`, `pwd`, `auth`, `sig`, a signature or credential, but not a count, limit, id, type,
/// name, URL, path or timestamp about one (`max_tokens`, `token_type`, `key_id`, `token_uri`).
fn is_secret_text_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let secret = is_secret_key(&lower)
        || is_secret_header(&lower)
        || matches!(lower.as_str(), "pass" | "pwd" | "auth" | "sig")
        || lower.contains("signature")
        || lower.contains("credential");
    secret
        && !lower.contains("tokens")
        && !name.ends_with("At")
        && ![
            "count",
            "limit",
            "length",
            "size",
            "type",
            "name",
            "id",
            "ids",
            "index",
            "usage",
            "url",
            "uri",
            "path",
            "file",
            "_at",
            "expires",
            "expiry",
            "expiration",
            "status",
            "error",
        ]
        .iter()
        .any(|suffix| lower.ends_with(suffix))
}

/// Authorization scheme words that may precede the credential in a header value.
fn scheme_word_end(bytes: &[u8], start: usize) -> Option<usize> {
    ["bearer", "basic", "token", "digest", "bot", "apikey", "key"]
        .iter()
        .map(|w| w.as_bytes())
        .find(|w| {
            bytes.len() > start + w.len()
                && bytes[start..start + w.len()].eq_ignore_ascii_case(w)
                && (bytes[start + w.len()] == b' ' || bytes[start + w.len()] == b'\t')
        })
        .map(|w| start + w.len())
}

/// `name=value`, `name: value`, `"name": "value"` (also with `\"` escaped quotes, as in JSON held
/// in a string) where the name announces a secret: the value is masked, quotes kept. An unquoted
/// value after `:` that is an ordinary word (`token: expired`) is prose and kept.
fn named_values(text: &str, spans: &mut Vec<(usize, usize)>) {
    let bytes = text.as_bytes();
    let is_space = |b: u8| b == b' ' || b == b'\t';
    for (sep_at, &sep) in bytes.iter().enumerate() {
        if sep != b'=' && sep != b':' {
            continue;
        }
        let next = bytes.get(sep_at + 1).copied();
        if (sep == b':' && bytes[sep_at + 1..].starts_with(b"//"))
            || (sep == b'=' && next == Some(b'='))
            || (sep == b'=' && sep_at > 0 && b"!<>=".contains(&bytes[sep_at - 1]))
        {
            continue;
        }
        // The name, possibly quoted, before the separator.
        let mut k = sep_at;
        while k > 0 && is_space(bytes[k - 1]) {
            k -= 1;
        }
        if k > 0 && (bytes[k - 1] == b'"' || bytes[k - 1] == b'\'') {
            k -= 1;
            if k > 0 && bytes[k - 1] == b'\\' {
                k -= 1;
            }
        }
        let name_end = k;
        while k > 0 && (bytes[k - 1].is_ascii_alphanumeric() || b"_-.".contains(&bytes[k - 1])) {
            k -= 1;
        }
        // `scheme://name:password@` is the URL rule's.
        if k == name_end || bytes[..k].ends_with(b"//") || !is_secret_text_name(&text[k..name_end])
        {
            continue;
        }
        let lower_name = text[k..name_end].to_ascii_lowercase();
        let tight = sep_at + 1 < bytes.len() && !is_space(bytes[sep_at + 1]);
        let v = run_end(bytes, sep_at + 1, is_space);
        let Some(&first) = bytes.get(v) else { continue };
        if first == b'"' || first == b'\'' || (first == b'\\' && bytes.get(v + 1) == Some(&b'"')) {
            let escaped = first == b'\\';
            let quote = if escaped { b'"' } else { first };
            let start = if escaped { v + 2 } else { v + 1 };
            let mut end = start;
            while end < bytes.len() {
                if escaped && bytes[end] == b'\\' && bytes.get(end + 1) == Some(&quote) {
                    break;
                }
                if !escaped && bytes[end] == quote {
                    break;
                }
                end += if bytes[end] == b'\\' && !escaped {
                    2
                } else {
                    1
                };
            }
            let end = end.min(bytes.len());
            let start =
                scheme_word_end(bytes, start).map_or(start, |w| run_end(bytes, w, is_space));
            if start < end {
                spans.push((start, end));
            }
            continue;
        }
        // Objects are judged key by key; a PEM block is the PEM rule's.
        if first == b'{' || first == b'[' || bytes[v..].starts_with(b"-----BEGIN ") {
            continue;
        }
        let (start, scheme) = match scheme_word_end(bytes, v) {
            Some(w) => (run_end(bytes, w, is_space), true),
            None => (v, false),
        };
        let end = if lower_name.contains("cookie") {
            run_end(bytes, start, |b| !b"\r\n\"'<>".contains(&b))
        } else {
            run_end(bytes, start, |b| {
                !(b.is_ascii_whitespace()
                    || b"&,;\"'<>)]}#".contains(&b)
                    || (sep == b':' && tight && b == b'@'))
            })
        };
        if end == start {
            continue;
        }
        if sep == b':' && !scheme && is_plain_word(&text[start..end]) {
            continue;
        }
        spans.push((start, end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> String {
        redact_text(text).into_owned()
    }

    #[test]
    fn names() {
        assert!(is_secret_key("clientSecret") && is_secret_key("Authorization"));
        assert!(is_secret_key("Set-Cookie") && !is_secret_key("source"));
        for h in [
            "Authorization",
            "Proxy-Authorization",
            "x-api-key",
            "X-Goog-Api-Key",
            "Cookie",
            "set-cookie",
            "X-Auth-Token",
            "x-client-secret",
            "X-Password",
        ] {
            assert!(is_secret_header(h), "{h}");
        }
        for h in [
            "content-type",
            "accept",
            "user-agent",
            "x-request-id",
            "keep-alive",
        ] {
            assert!(!is_secret_header(h), "{h}");
        }
    }

    #[test]
    fn header_values() {
        assert_eq!(redact_header_value("Authorization", "Bearer x"), REDACTED);
        assert_eq!(redact_header_value("x-goog-api-key", "AIza"), REDACTED);
        assert_eq!(redact_header_value("Accept", "*/*"), "*/*");
        assert_eq!(
            redact_header_value("Referer", "https://h/?key=k1"),
            "https://h/?key=****"
        );
    }

    #[test]
    fn prose_is_kept() {
        for text in [
            "",
            "Rate limit reached for gpt-4o in organization org-abc on tokens per min",
            "Bearer authentication failed; use Basic realm",
            "token: expired",
            "refresh_token: invalid_grant",
            "max_tokens: 100000 > 8192, which is the maximum allowed",
            "prompt is too long: 210000 tokens > 200000 maximum",
            "contact admin@example.com or mailto:admin@example.com",
            "http://user@proxy.example:8080",
            "127.0.0.1:3128",
            "sk-learn is a library; desk-top1234",
            "status code: 429",
            "Basic 2 requests left; config_hf_token_path",
            "https://oauth2.googleapis.com/token",
            "{\"token_type\": \"Bearer\", \"expires_in\": 3599, \"token_uri\": \"https://x/y\"}",
        ] {
            assert_eq!(r(text), text);
        }
    }

    #[test]
    fn shapes_are_masked_and_words_kept() {
        let cases = [
            ("Incorrect API key provided: sk-proj-abc123DEF456ghi789. You can find your API key at https://platform.openai.com/account/api-keys.",
             "Incorrect API key provided: ****. You can find your API key at https://platform.openai.com/account/api-keys."),
            ("Authorization: Bearer abc123.def", "Authorization: Bearer ****"),
            ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic ****"),
            ("authorization=Bearer x1", "authorization=Bearer ****"),
            ("sent Bearer xyz789abc to upstream", "sent Bearer **** to upstream"),
            ("x-api-key: sk-ant-api03-AAAAbbbbCCCC", "x-api-key: ****"),
            ("Cookie: session=abc123; theme=dark", "Cookie: ****"),
            ("key AIzaSyA1234567890abcdefghijklmnopqrstu invalid", "key **** invalid"),
            ("ghp_abcdefghijklmnopqrstuvwxyz0123456789 gho_abcdefgh12345678 github_pat_11ABCDEFG0123456789",
             "**** **** ****"),
            ("xoxb-1234-5678-abcdef xoxp-1234-5678-abcdef", "**** ****"),
            ("aws AKIAIOSFODNN7EXAMPLE ok", "aws **** ok"),
            ("hf_abcdefghijklmnop gsk_abcdefgh1234 r8_abcdefgh1234", "**** **** ****"),
            ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature_x end", "jwt **** end"),
            ("ya29.a0AfH6SMBx-token_value here", "**** here"),
            ("proxy http://u:PASS@h:1 failed", "proxy http://u:****@h:1 failed"),
            ("http://sk-abc123@host/x", "http://****@host/x"),
            ("u:PASS@h:1, v:SECRET2@h2:2", "u:****@h:1, v:****@h2:2"),
            ("http://a:p1@h1:1,http://b:q2@h2:2", "http://a:****@h1:1,http://b:****@h2:2"),
            ("GET https://h/v1?key=AIzaXYZ&alt=sse", "GET https://h/v1?key=****&alt=sse"),
            ("https://h/?password=hunter2&api_key=k1&token=t&access_token=at#f",
             "https://h/?password=****&api_key=****&token=****&access_token=****#f"),
            ("password=p@ss,word other", "password=****,word other"),
            ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n", "****\n"),
            ("x -----BEGIN RSA PRIVATE KEY-----\nMIIE", "x ****"),
            ("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"),
            ("{\"type\": \"service_account\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n\", \"client_email\": \"a@b.iam\"}",
             "{\"type\": \"service_account\", \"private_key\": \"****\", \"client_email\": \"a@b.iam\"}"),
            ("{\\\"apiKey\\\":\\\"abc\\\"}", "{\\\"apiKey\\\":\\\"****\\\"}"),
            ("'client_secret': 'GOCSPX-abc'", "'client_secret': '****'"),
        ];
        for (input, expected) in cases {
            assert_eq!(r(input), expected, "{input}");
            assert_eq!(r(expected), expected, "idempotent: {expected}");
        }
    }

    #[test]
    fn json_by_name_and_by_shape() {
        let mut v = serde_json::json!({"headers": {"Authorization": "Bearer x", "Accept": "*/*"},
            "notes": ["see sk-abcdef123456", {"password": 1}], "n": 2});
        redact_json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"headers": {"Authorization": "[redacted]", "Accept": "*/*"},
            "notes": ["see ****", {"password": "[redacted]"}], "n": 2})
        );
    }

    #[test]
    fn shaped_tokens() {
        assert!(is_secret_shaped("sk-abc123"));
        assert!(is_secret_shaped("ghp_abcdefgh1234"));
        assert!(is_secret_shaped("a1b2c3d4e5f6g7h8i9j0k"));
        assert!(!is_secret_shaped("user"));
        assert!(!is_secret_shaped("x-access-token"));
        assert!(!is_secret_shaped("john.smith%40example.com"));
    }

    const PIECES: [&str; 32] = [
        "sk-",
        "abc123XY",
        "key",
        "token",
        "password",
        "=",
        ":",
        "@",
        "http://",
        "://",
        " ",
        "\n",
        "Bearer ",
        "Basic ",
        "\"",
        "'",
        "\\",
        "é",
        "…",
        "-----BEGIN PRIVATE KEY-----",
        "-----END PRIVATE KEY-----",
        "eyJhbGciOiJIUzI1NiJ9",
        ".",
        ",",
        "&",
        "?",
        "u",
        "h:1",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_",
        "{",
        "/",
    ];

    /// One credential of each shape, and the part of it that must never be shown.
    const SECRETS: [(&str, &str); 12] = [
        ("sk-proj-abc123DEF456", "abc123DEF456"),
        ("sk-ant-api03-Zz9Yy8Xx7", "api03-Zz9Yy8Xx7"),
        ("AIzaSyA1234567890abcdefgh", "SyA1234567890abcdefgh"),
        ("ghp_abcdefgh12345678", "abcdefgh12345678"),
        ("AKIAIOSFODNN7EXAMPLE", "IOSFODNN7EXAMPLE"),
        (
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
            "eyJzdWIiOiIxIn0",
        ),
        ("Bearer tok3nV4lue", "tok3nV4lue"),
        ("Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("http://u:Pa55word@h:1", "Pa55word"),
        ("u:Pa55word@h:1", "Pa55word"),
        ("https://h/x?api_key=K3yK3y&y=1", "K3yK3y"),
        (
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\n-----END PRIVATE KEY-----",
            "MIIEvQIBADAN",
        ),
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn never_panics(picks in proptest::collection::vec(0..PIECES.len(), 0..24)) {
            let text: String = picks.iter().map(|&i| PIECES[i]).collect();
            let once = redact_text(&text).into_owned();
            let _ = redact_text(&once);
        }

        #[test]
        fn a_secret_between_any_words_is_masked(
            before in proptest::collection::vec(0..PIECES.len(), 0..8),
            secret in 0..SECRETS.len(),
            after in proptest::collection::vec(0..PIECES.len(), 0..8),
        ) {
            let (shown, hidden) = SECRETS[secret];
            let before: String = before.iter().map(|&i| PIECES[i]).collect();
            let after: String = after.iter().map(|&i| PIECES[i]).collect();
            let text = format!("{before} {shown} {after}");
            let out = redact_text(&text);
            // The words around may hold a credential of their own, glued to a word; only the
            // one inserted is judged.
            let around = before.matches(hidden).count() + after.matches(hidden).count();
            proptest::prop_assert!(out.matches(hidden).count() <= around, "{} -> {}", text, out);
        }
    }
}
