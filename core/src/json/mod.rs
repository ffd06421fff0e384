//! JavaScript-compatible JSON output.
//!
//! The TypeScript package writes files with `JSON.stringify`, and files must stay byte-identical
//! whichever implementation wrote them. `serde_json`'s own writer differs from V8 where it matters:
//! number formatting (`1e21` vs `1e+21`, `5.0` vs `5`, exact `u64`s vs doubles) and property
//! order (JS enumerates array-index keys first). The writers here follow V8 exactly for every
//! value `JSON.parse` can produce.
//!
//! What a Rust value cannot hold (lone surrogates, `1e400`) is read into a lossless in-memory
//! form and written back as `JSON.stringify` writes it; see [`reserved`]. Nesting is accepted
//! to [`MAX_DEPTH`] levels.

use serde_json::{Map, Number, Value};
use std::fmt;

pub(crate) mod reserved;
pub use reserved::{
    js_number, js_str, nests_too_deep, non_finite, to_utf8, MAX_DEPTH, NEG_INFINITY, POS_INFINITY,
    RESERVED,
};

/// Serializes `value` exactly as `JSON.stringify(value)` would after `JSON.parse`.
pub fn to_js_string(value: &Value) -> String {
    let mut out = String::new();
    write_compact(value, &mut out);
    out
}

/// Serializes `value` exactly as `JSON.stringify(value, null, 2)` would after `JSON.parse`.
pub fn to_js_string_pretty(value: &Value) -> String {
    to_js_string_indented(value, "  ")
}

/// Serializes `value` exactly as `JSON.stringify(value, null, indent)` would after `JSON.parse`
/// (`"\t"` for the chat config, which the gateway writes with tabs).
///
/// ```
/// let v = serde_json::json!({"a": [1], "b": {}});
/// assert_eq!(pie_storage_core::json::to_js_string_indented(&v, "\t"), "{\n\t\"a\": [\n\t\t1\n\t],\n\t\"b\": {}\n}");
/// ```
pub fn to_js_string_indented(value: &Value, indent: &str) -> String {
    let mut out = String::new();
    write_pretty(value, 0, indent, &mut out);
    out
}

/// Appends `String(n)` as JSON.stringify writes it: non-finite numbers become `null`, and `-0`
/// becomes `0` because JS prints both zeros the same way.
pub fn write_js_number(n: f64, out: &mut String) {
    if !n.is_finite() {
        out.push_str("null");
    } else if n == 0.0 {
        // Both zeros print as `0` in JS; handled here so it does not hinge on ryu-js.
        out.push('0');
    } else {
        out.push_str(ryu_js::Buffer::new().format_finite(n));
    }
}

/// Appends `s` quoted the way `JSON.stringify` quotes strings.
///
/// Only `"`, `\` and C0 controls are escaped; everything else (including `/`, DEL, U+2028 and
/// U+2029) is copied through, which differs from some "safe" JSON writers. Lone surrogates,
/// held in the reader's in-memory form (see [`reserved`]), are written as `\udXXX` escapes.
pub fn write_js_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            // The first byte of U+10FFFF (and of other plane-16 code points).
            0xF4 if s[i..].starts_with(RESERVED) => {
                out.push_str(&s[start..i]);
                i += reserved::write_reserved(&s[i..], out);
                start = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        // Every byte that needs escaping is ASCII, so `i` is always a char boundary.
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        } else {
            out.push_str(escape);
        }
        i += 1;
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Iterates `map` in the order JS enumerates an object's own string keys: array-index keys
/// ascending by value, then every other key in insertion order.
///
/// Objects from `JSON.parse` keep insertion order except that V8 hoists such keys, so a Rust
/// writer must reorder them to produce the same bytes. Allocates only when index keys exist.
pub fn js_key_order(map: &Map<String, Value>) -> impl Iterator<Item = (&String, &Value)> {
    let mut indexed: Vec<(u32, &String, &Value)> = map
        .iter()
        .filter_map(|(k, v)| array_index(k).map(|i| (i, k, v)))
        .collect();
    // Keys are unique, so an unstable sort is deterministic.
    indexed.sort_unstable_by_key(|&(i, _, _)| i);
    indexed
        .into_iter()
        .map(|(_, k, v)| (k, v))
        .chain(map.iter().filter(|(k, _)| array_index(k).is_none()))
}

/// Returns the index if `key` is a JS array index: the canonical decimal form of an integer in
/// `0..=4294967294` (2^32 - 2). Anything else (`"01"`, `"-1"`, `"4294967295"`) is an ordinary
/// property name.
fn array_index(key: &str) -> Option<u32> {
    let bytes = key.as_bytes();
    match bytes {
        [] => None,
        [b'0'] => Some(0),
        [b'0', ..] => None,
        _ if bytes.len() > 10 || !bytes.iter().all(u8::is_ascii_digit) => None,
        _ => {
            let n = bytes
                .iter()
                .fold(0u64, |acc, &b| acc * 10 + u64::from(b - b'0'));
            u32::try_from(n).ok().filter(|&n| n != u32::MAX)
        }
    }
}

/// JS holds every number as a double, so integers beyond 2^53 print rounded, as in V8.
fn write_number(n: &Number, out: &mut String) {
    // `as_f64` only fails for out-of-range arbitrary-precision numbers, which JS reads as
    // ±Infinity and stringifies as `null`; NaN gives the same output.
    write_js_number(n.as_f64().unwrap_or(f64::NAN), out);
}

fn write_compact(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out),
        // ±Infinity from `1e400`: `JSON.stringify` writes `null`.
        Value::String(s) if non_finite(s).is_some() => out.push_str("null"),
        Value::String(s) => write_js_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in js_key_order(map).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_js_string(k, out);
                out.push(':');
                write_compact(v, out);
            }
            out.push('}');
        }
    }
}

fn push_indent(depth: usize, indent: &str, out: &mut String) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str(indent);
    }
}

fn write_pretty(value: &Value, depth: usize, indent: &str, out: &mut String) {
    match value {
        // V8 prints empty containers without line breaks even when indenting.
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_indent(depth + 1, indent, out);
                write_pretty(item, depth + 1, indent, out);
            }
            push_indent(depth, indent, out);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            for (i, (k, v)) in js_key_order(map).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_indent(depth + 1, indent, out);
                write_js_string(k, out);
                out.push_str(": ");
                write_pretty(v, depth + 1, indent, out);
            }
            push_indent(depth, indent, out);
            out.push('}');
        }
        _ => write_compact(value, out),
    }
}

/// A JSON syntax error with its position but without any excerpt of the input, because the
/// input may contain credentials that must not end up in logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonParseError {
    /// 1-based line, as reported by `serde_json`.
    pub line: usize,
    /// 1-based column; `serde_json` reports 0 when the error is at the start of a line (for
    /// example, unexpected end of input after a newline).
    pub column: usize,
    /// What is wrong, without the input text (it may hold secrets).
    pub message: String,
}

impl fmt::Display for JsonParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.line, self.column
        )
    }
}

impl std::error::Error for JsonParseError {}

/// Parses JSON text into a [`Value`], keeping object keys in document order so they can be
/// written back in JS order.
///
/// Accepts what `JSON.parse` accepts, within [`MAX_DEPTH`] levels: lone surrogate escapes and
/// numbers beyond a double are read into the in-memory forms of [`reserved`]. Documents that
/// need none of that are read by `serde_json` directly.
pub fn parse(text: &str) -> Result<Value, JsonParseError> {
    if !reserved::needs_rewrite(text.as_bytes()) {
        match serde_json::from_str(text) {
            Ok(value) => return Ok(value),
            Err(e) if !reserved::is_retryable(&e) => return Err(error_of(&e)),
            Err(_) => {}
        }
    }
    reserved::parse_rewritten(text)
}

/// A `serde_json` error without any excerpt of the input.
fn error_of(e: &serde_json::Error) -> JsonParseError {
    let (line, column) = (e.line(), e.column());
    let message = match e.classify() {
        // Syntax and EOF messages are fixed texts; data errors may carry custom messages
        // built from input, so they are replaced wholesale.
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            let full = e.to_string();
            let suffix = format!(" at line {line} column {column}");
            full.strip_suffix(&suffix).unwrap_or(&full).to_owned()
        }
        serde_json::error::Category::Data => "invalid JSON data".to_owned(),
        serde_json::error::Category::Io => "I/O error while reading JSON".to_owned(),
    };
    JsonParseError {
        line,
        column,
        message,
    }
}

#[cfg(test)]
mod tests;
