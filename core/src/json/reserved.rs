//! What `JSON.parse` accepts but a Rust [`Value`] cannot hold, in a lossless in-memory form.
//!
//! - **Lone surrogates.** JavaScript strings are UTF-16 and may hold an unpaired surrogate
//!   (`"\ud83d"`, typically an emoji cut by `slice`); Rust strings cannot. Each one is held as the
//!   reserved code point [`RESERVED`] (U+10FFFF, a noncharacter) followed by U+100000 + (unit -
//!   0xD800), a private-use code point in U+100000..=U+1007FF. A literal U+10FFFF in the input is
//!   held doubled, so the encoding is injective and nothing collides.
//! - **Numbers beyond a double** (`1e400`, `-1e400`): `JSON.parse` gives ±Infinity, which a
//!   `serde_json::Number` cannot hold. They are held as the strings [`POS_INFINITY`] and
//!   [`NEG_INFINITY`] (U+10FFFF followed by U+100800 / U+100801), which no decoded string can
//!   equal. [`js_number`] reads them as numbers, [`js_str`] not as strings, and the writer prints
//!   them as `null`, as `JSON.stringify(Infinity)` does.
//! - **Deep nesting.** `serde_json` stops at 128 levels; [`MAX_DEPTH`] levels are accepted here.
//!
//! Everything is decoded in one place, the writer (`write_js_string`): a lone surrogate is
//! written as the lowercase `\udXXX` escape `JSON.stringify` writes, so a document read and
//! written back is byte-identical to what the reference writes.
//!
//! Cost: [`needs_rewrite`] looks only at backslashes and 0xF4 bytes (the first byte of U+10FFFF);
//! documents with neither a lone surrogate escape nor U+10FFFF, within `serde_json`'s depth and
//! with finite numbers, are parsed by `serde_json` directly. Only the others are rewritten.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use super::JsonParseError;

/// The reserved code point that starts every encoded sequence.
pub const RESERVED: char = '\u{10FFFF}';
const RESERVED_UTF8: &[u8; 4] = b"\xF4\x8F\xBF\xBF";
/// Lone surrogate `u` is held as `RESERVED` then `char(SURROGATE_BASE + u - 0xD800)`.
const SURROGATE_BASE: u32 = 0x10_0000;
/// `Infinity`, as `JSON.parse("1e400")` gives it.
pub const POS_INFINITY: &str = "\u{10FFFF}\u{100800}";
/// `-Infinity`, as `JSON.parse("-1e400")` gives it.
pub const NEG_INFINITY: &str = "\u{10FFFF}\u{100801}";

/// The deepest nesting accepted, counting every array and object (the outermost included):
/// `[[1]]` is 2 levels. Deeper documents are a parse error, here and in the usage line scanner.
///
/// Parsing recurses once per level; measured, a level costs about 0.5 KB of stack in release
/// builds and 2.9 KB in debug builds, so 512 levels stay well inside wasm's 1 MB stack and a
/// 2 MB debug thread. (`JSON.parse` has no limit; no file this package reads nests past ten.)
pub const MAX_DEPTH: usize = 512;

/// The non-finite number a value holds, if it is one of the markers.
pub fn non_finite(s: &str) -> Option<f64> {
    match s {
        POS_INFINITY => Some(f64::INFINITY),
        NEG_INFINITY => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// The number `JSON.parse` would have given for `value`: numbers, and ±Infinity.
pub fn js_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s.starts_with(RESERVED) => non_finite(s),
        _ => None,
    }
}

/// The string `JSON.parse` would have given for `value` (still encoded), `None` for non-strings
/// and for the ±Infinity markers.
pub fn js_str(value: &Value) -> Option<&str> {
    value.as_str().filter(|s| non_finite(s).is_none())
}

/// Whether `bytes` holds a lone surrogate escape or U+10FFFF (raw or as an escaped pair), so
/// that `serde_json` cannot be used on it directly. Reads only at backslashes and 0xF4 bytes.
pub(crate) fn needs_rewrite(bytes: &[u8]) -> bool {
    let mut from = 0;
    while let Some(found) = memchr::memchr2(b'\\', 0xF4, &bytes[from..]) {
        let i = from + found;
        if bytes[i] == 0xF4 {
            if bytes[i..].starts_with(RESERVED_UTF8) {
                return true;
            }
            from = i + 1;
            continue;
        }
        // A backslash: the byte after it is escaped (outside strings it is an error anyway).
        match bytes.get(i + 1) {
            Some(b'u') => match unicode_escape(bytes, i) {
                Escape::Lone(_) | Escape::Reserved => return true,
                Escape::Plain(len) => from = i + len,
            },
            Some(_) => from = i + 2,
            None => return false,
        }
    }
    false
}

/// What a `\u` escape at `i` (the backslash) is.
enum Escape {
    /// An ordinary escape (or an invalid one, left to `serde_json`) of this many bytes.
    Plain(usize),
    /// A lone surrogate code unit; the escape is 6 bytes.
    Lone(u32),
    /// An escaped surrogate pair for U+10FFFF; 12 bytes.
    Reserved,
}

fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    digits
        .iter()
        .try_fold(0u32, |acc, &b| Some(acc << 4 | char::from(b).to_digit(16)?))
}

fn unicode_escape(bytes: &[u8], i: usize) -> Escape {
    let Some(unit) = hex4(bytes, i + 2) else {
        return Escape::Plain(2);
    };
    match unit {
        0xD800..=0xDBFF => {
            let trail = match bytes.get(i + 6..i + 8) {
                Some(b"\\u") => hex4(bytes, i + 8),
                _ => None,
            };
            match trail {
                Some(t @ 0xDC00..=0xDFFF) => {
                    if (unit, t) == (0xDBFF, 0xDFFF) {
                        Escape::Reserved
                    } else {
                        Escape::Plain(12)
                    }
                }
                _ => Escape::Lone(unit),
            }
        }
        0xDC00..=0xDFFF => Escape::Lone(unit),
        _ => Escape::Plain(6),
    }
}

fn push_char(out: &mut Vec<u8>, c: u32) {
    let c = char::from_u32(c).expect("encoded code points are valid");
    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
}

/// Appends the in-memory form of lone surrogate `unit`.
fn push_lone(out: &mut Vec<u8>, unit: u32) {
    out.extend_from_slice(RESERVED_UTF8);
    push_char(out, SURROGATE_BASE + unit - 0xD800);
}

/// `text` rewritten so that `serde_json` reads it into the in-memory forms above, and where
/// the rewrite moved bytes (to report errors at their position in `text`).
struct Rewritten {
    text: String,
    /// `(start in text, end in text, start in output, end in output)` of each replaced span.
    edits: Vec<(usize, usize, usize, usize)>,
    /// Nesting depth reached (the deepest `[`/`{`).
    depth: usize,
}

impl Rewritten {
    /// The position in the original text of byte `at` of the rewritten one.
    fn original_index(&self, at: usize) -> usize {
        let mut shift: isize = 0;
        for &(start, end, out_start, out_end) in &self.edits {
            if at < out_start {
                break;
            }
            if at < out_end {
                return start;
            }
            shift = end as isize - out_end as isize;
        }
        (at as isize + shift).max(0) as usize
    }
}

fn rewrite(text: &str) -> Result<Rewritten, JsonParseError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() + 16);
    let mut edits = Vec::new();
    let mut replace = |out: &mut Vec<u8>, start: usize, end: usize, with: &dyn Fn(&mut Vec<u8>)| {
        let out_start = out.len();
        with(out);
        edits.push((start, end, out_start, out.len()));
    };
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // A string, through its closing quote (or the end of a broken document).
                out.push(b'"');
                i += 1;
                while i < bytes.len() {
                    let Some(found) = memchr::memchr3(b'"', b'\\', 0xF4, &bytes[i..]) else {
                        out.extend_from_slice(&bytes[i..]);
                        i = bytes.len();
                        break;
                    };
                    out.extend_from_slice(&bytes[i..i + found]);
                    i += found;
                    match bytes[i] {
                        b'"' => {
                            out.push(b'"');
                            i += 1;
                            break;
                        }
                        0xF4 if bytes[i..].starts_with(RESERVED_UTF8) => {
                            replace(&mut out, i, i + 4, &|o| {
                                o.extend_from_slice(RESERVED_UTF8);
                                o.extend_from_slice(RESERVED_UTF8);
                            });
                            i += 4;
                        }
                        0xF4 => {
                            out.push(0xF4);
                            i += 1;
                        }
                        _ if bytes.get(i + 1) == Some(&b'u') => match unicode_escape(bytes, i) {
                            Escape::Plain(len) => {
                                let end = (i + len).min(bytes.len());
                                out.extend_from_slice(&bytes[i..end]);
                                i = end;
                            }
                            Escape::Lone(unit) => {
                                replace(&mut out, i, i + 6, &|o| push_lone(o, unit));
                                i += 6;
                            }
                            Escape::Reserved => {
                                replace(&mut out, i, i + 12, &|o| {
                                    o.extend_from_slice(RESERVED_UTF8);
                                    o.extend_from_slice(RESERVED_UTF8);
                                });
                                i += 12;
                            }
                        },
                        _ => {
                            // `\` and the byte it escapes (copied whole if it starts a
                            // multi-byte character: the rest follows as ordinary bytes).
                            let end = (i + 2).min(bytes.len());
                            out.extend_from_slice(&bytes[i..end]);
                            i = end;
                        }
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    let (line, column) = position(bytes, i + 1);
                    return Err(JsonParseError {
                        line,
                        column,
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                    });
                }
                deepest = deepest.max(depth);
                out.push(bytes[i]);
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                out.push(bytes[i]);
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let len = bytes[i..]
                    .iter()
                    .position(|b| !matches!(b, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
                    .unwrap_or(bytes.len() - i);
                let token = &text[i..i + len];
                match infinite_number(token) {
                    Some(marker) => replace(&mut out, i, i + len, &|o| {
                        o.push(b'"');
                        o.extend_from_slice(marker.as_bytes());
                        o.push(b'"');
                    }),
                    None => out.extend_from_slice(token.as_bytes()),
                }
                i += len;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    // Only whole characters were copied or inserted, so this never fails; be safe anyway.
    let text = String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok(Rewritten {
        text,
        edits,
        depth: deepest,
    })
}

/// The marker for a JSON number token that overflows a double, `None` for any other token
/// (finite numbers, and text that is not a JSON number, which `serde_json` then rejects).
fn infinite_number(token: &str) -> Option<&'static str> {
    if !is_json_number(token.as_bytes()) {
        return None;
    }
    let v: f64 = token.parse().ok()?;
    match v {
        f64::INFINITY => Some(POS_INFINITY),
        f64::NEG_INFINITY => Some(NEG_INFINITY),
        _ => None,
    }
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn is_json_number(t: &[u8]) -> bool {
    let digits = |t: &[u8], at: usize| {
        t[at.min(t.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut at = usize::from(t.first() == Some(&b'-'));
    match t.get(at) {
        Some(b'0') => at += 1,
        Some(b'1'..=b'9') => at += digits(t, at),
        _ => return false,
    }
    if t.get(at) == Some(&b'.') {
        let n = digits(t, at + 1);
        if n == 0 {
            return false;
        }
        at += 1 + n;
    }
    if matches!(t.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(t.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let n = digits(t, at);
        if n == 0 {
            return false;
        }
        at += n;
    }
    at == t.len()
}

/// `serde_json`'s (line, column) of byte index `at`: 1-based line, column = bytes since the
/// line's start.
fn position(bytes: &[u8], at: usize) -> (usize, usize) {
    let at = at.min(bytes.len());
    let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |p| p + 1);
    (
        1 + memchr::memchr_iter(b'\n', &bytes[..start]).count(),
        at - start,
    )
}

/// The byte index of `serde_json`'s (line, column) in `bytes`.
fn index_of(bytes: &[u8], line: usize, column: usize) -> usize {
    let start = if line <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', bytes)
            .nth(line - 2)
            .map_or(bytes.len(), |p| p + 1)
    };
    (start + column).min(bytes.len())
}

/// The slow path of [`super::parse`]: rewrites `text`, checks its depth and parses it.
pub(crate) fn parse_rewritten(text: &str) -> Result<Value, JsonParseError> {
    let rewritten = rewrite(text)?;
    let mut de = serde_json::Deserializer::from_str(&rewritten.text);
    if rewritten.depth >= 128 {
        // Bounded by MAX_DEPTH above.
        de.disable_recursion_limit();
    }
    let parsed = Value::deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    parsed.map_err(|e| {
        let mut error = super::error_of(&e);
        let at = index_of(rewritten.text.as_bytes(), error.line, error.column);
        (error.line, error.column) = position(text.as_bytes(), rewritten.original_index(at));
        error
    })
}

/// Whether `serde_json` failed only because of what the slow path handles.
pub(crate) fn is_retryable(e: &serde_json::Error) -> bool {
    let message = e.to_string();
    message.starts_with("number out of range") || message.starts_with("recursion limit exceeded")
}

/// Whether `bytes` (JSON text, valid or not) nests deeper than [`MAX_DEPTH`], counting the
/// brackets outside strings. Cheap when it holds few brackets: one vectorized count.
pub fn nests_too_deep(bytes: &[u8]) -> bool {
    // `b | 0x20 == b'{'` holds for `[` (0x5b) and `{` (0x7b) only.
    if bytes.len() <= MAX_DEPTH || bytes.iter().filter(|&&b| b | 0x20 == b'{').count() <= MAX_DEPTH
    {
        return false;
    }
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                loop {
                    let Some(found) = memchr::memchr2(b'"', b'\\', bytes.get(i..).unwrap_or(&[]))
                    else {
                        return false;
                    };
                    i += found + 1;
                    if bytes[i - 1] == b'"' {
                        break;
                    }
                    // The byte after a backslash is escaped.
                    i += 1;
                }
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

/// Writes the in-memory sequence at the start of `rest` (which starts with [`RESERVED`]) as
/// `JSON.stringify` writes what it stands for; returns the bytes of `rest` it used.
pub(crate) fn write_reserved(rest: &str, out: &mut String) -> usize {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let next = rest[RESERVED.len_utf8()..].chars().next();
    match next.map(u32::from) {
        Some(c) if c == u32::from(RESERVED) => {
            out.push(RESERVED);
            8
        }
        Some(c @ SURROGATE_BASE..=0x10_07FF) => {
            let unit = c - SURROGATE_BASE + 0xD800;
            out.push_str("\\u");
            for shift in [12, 8, 4, 0] {
                out.push(HEX[((unit >> shift) & 0xf) as usize] as char);
            }
            8
        }
        // Not produced by the reader (a string built elsewhere): kept as it is.
        _ => {
            out.push(RESERVED);
            4
        }
    }
}

/// The UTF-8 text of a string held in the reader's form, as JavaScript encodes a string to
/// UTF-8 (`TextEncoder`, `Buffer.from`, `fs.writeFile`): U+10FFFF undoubled and each lone
/// surrogate as U+FFFD. Borrows when there is nothing to decode.
pub fn to_utf8(s: &str) -> Cow<'_, str> {
    if !s.contains(RESERVED) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != RESERVED {
            out.push(c);
            continue;
        }
        match chars.peek().map(|&n| u32::from(n)) {
            Some(n) if n == u32::from(RESERVED) => {
                chars.next();
                out.push(RESERVED);
            }
            Some(SURROGATE_BASE..=0x10_07FF) => {
                chars.next();
                out.push(char::REPLACEMENT_CHARACTER);
            }
            _ => out.push(RESERVED),
        }
    }
    Cow::Owned(out)
}
