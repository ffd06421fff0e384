//! Reading the facts of a JSONL line in one forward pass over its bytes.
//!
//! A usage line is about a kilobyte, and the dozen fields a summary needs are a small part of
//! it: most bytes are ids, timestamps and the trace. A serde reader goes through the visitor
//! machinery for every value; this scanner instead walks the bytes once, matches
//! the top-level keys directly, and skips everything else with tight loops (strings eight bytes
//! at a time, containers with a bit stack instead of recursion).
//!
//! It is a fast path, not a parser: whenever a line is unusual in a way that could make the
//! exact path ([`crate::json::parse`] and [`UsageFacts::from_object`](super::facts::UsageFacts))
//! see it differently, [`scan_line`] returns `None` and the caller falls back. In particular it
//! gives up on duplicate needed keys (JavaScript keeps the last value), on needed strings and
//! keys holding a lone surrogate escape or U+10FFFF (the exact path holds those in its reserved
//! encoding, see [`crate::json`]), nesting deeper than [`crate::json::MAX_DEPTH`] (the exact
//! path rejects it), and invalid UTF-8 inside a string it returns. Everything else is validated
//! as JSON: what it accepts, `JSON.parse` and the exact path accept too, with the same facts.
//! Lone surrogates in strings it skips are accepted, as `JSON.parse` and the exact path accept
//! them; numbers beyond a double read as ±Infinity, as in `JSON.parse`. Invalid UTF-8 in a string
//! it skips is accepted, as the exact path reads the line with U+FFFD replacements that change
//! no fact.

use std::borrow::Cow;

use super::columns::TEXT_COUNT;
use super::facts::Amounts;

/// The facts of one line, read by a single forward pass.
#[derive(Debug, Default)]
pub struct ScannedLine<'a> {
    /// The text fields in the order of `TEXT_FIELDS`; strings without escapes borrow the line.
    pub texts: [Option<Cow<'a, str>>; TEXT_COUNT],
    pub amounts: Amounts,
}

impl ScannedLine<'_> {
    /// The text fields in the order of `TEXT_FIELDS`.
    pub fn texts(&self) -> [Option<&str>; TEXT_COUNT] {
        self.texts.each_ref().map(|t| t.as_deref())
    }
}

/// Reads the facts of one JSONL line, or `None` when the line is not valid JSON or is unusual
/// enough that only the exact parser should decide (see the module docs).
pub fn scan_line(line: &[u8]) -> Option<ScannedLine<'_>> {
    let s = Scanner {
        bytes: line,
        text: std::str::from_utf8(line).ok(),
    };
    let mut out = ScannedLine::default();
    let mut seen = Seen::default();
    let pos = s.expect(0, b'{')?;
    let pos = s.members(pos, |pos, key| s.top_member(pos, key, &mut out, &mut seen))?;
    (s.skip_ws(pos) == line.len()).then_some(out)
}

/// Validates `line` as one JSON object (as [`scan_line`] does) and reads the string values of
/// the top-level `keys`, each `None` when absent. `None` overall when the line is not valid
/// JSON or is unusual enough that only the exact parser should decide: a needed key twice, or
/// a needed value that is not a string (the caller's exact path judges it). Other stores'
/// lines (the request details) read their facts through it.
pub(crate) fn scan_strings<'a, const N: usize>(
    line: &'a [u8],
    keys: [&[u8]; N],
) -> Option<[Option<Cow<'a, str>>; N]> {
    let s = Scanner {
        bytes: line,
        text: std::str::from_utf8(line).ok(),
    };
    let mut out: [Option<Cow<'a, str>>; N] = std::array::from_fn(|_| None);
    let mut seen = 0u64;
    let pos = s.expect(0, b'{')?;
    let pos = s.members(pos, |pos, key| {
        let Some(i) = keys.iter().position(|k| *k == key) else {
            return s.skip_value(pos, TOP);
        };
        if seen & (1 << i) != 0 {
            return None;
        }
        seen |= 1 << i;
        let (text, pos) = s.text_value(pos)?;
        out[i] = Some(text?);
        Some(pos)
    })?;
    (s.skip_ws(pos) == line.len()).then_some(out)
}

/// The deepest nesting the exact path accepts (the top-level object counts as one level);
/// deeper lines are left to it, and it rejects them.
const MAX_DEPTH: u32 = crate::json::MAX_DEPTH as u32;

/// Depth of the values of the top-level object, and of those of `usage` and `cost`.
const TOP: u32 = 1;
const NESTED: u32 = 2;

/// Needed keys already read at one level: a second occurrence makes the scanner give up,
/// because JavaScript keeps the last value and the fast path reads the first.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn claim(&mut self, bit: u32) -> Option<()> {
        let mask = 1u32 << bit;
        if self.0 & mask != 0 {
            return None;
        }
        self.0 |= mask;
        Some(())
    }
}

/// A top-level field the facts read.
enum Field {
    /// Index in `TEXT_FIELDS`.
    Text(usize),
    InputTokens,
    OutputTokens,
    CostUsd,
    Usage,
    Cost,
}

impl Field {
    /// The field a top-level key names. Arms test the length first and then compare whole
    /// slices, which compiles to a few word comparisons (a `match` on byte-string patterns
    /// would compare byte by byte).
    fn of_key(key: &[u8]) -> Option<Field> {
        let is = |name: &[u8]| key == name;
        Some(match key.len() {
            4 if is(b"cost") => Field::Cost,
            5 if is(b"usage") => Field::Usage,
            6 if is(b"status") => Field::Text(1),
            7 if is(b"costUsd") => Field::CostUsd,
            8 if is(b"endpoint") => Field::Text(7),
            8 if is(b"apiKeyId") => Field::Text(10),
            9 if is(b"timestamp") => Field::Text(0),
            9 if is(b"requestId") => Field::Text(5),
            10 if is(b"agentRunId") => Field::Text(6),
            11 if is(b"routingMode") => Field::Text(2),
            11 if is(b"inputTokens") => Field::InputTokens,
            12 if is(b"clientOrigin") => Field::Text(8),
            12 if is(b"connectionId") => Field::Text(9),
            12 if is(b"outputTokens") => Field::OutputTokens,
            13 if is(b"resolvedModel") => Field::Text(4),
            14 if is(b"requestedModel") => Field::Text(11),
            16 if is(b"resolvedProvider") => Field::Text(3),
            _ => return None,
        })
    }

    /// The bit of this field in [`Seen`].
    fn bit(&self) -> u32 {
        match self {
            Field::Text(i) => *i as u32,
            Field::InputTokens => TEXT_COUNT as u32,
            Field::OutputTokens => TEXT_COUNT as u32 + 1,
            Field::CostUsd => TEXT_COUNT as u32 + 2,
            Field::Usage => TEXT_COUNT as u32 + 3,
            Field::Cost => TEXT_COUNT as u32 + 4,
        }
    }
}

/// The bit in [`Seen`] of a key of `usage`, or `None` for keys the facts ignore.
fn usage_key(key: &[u8]) -> Option<u32> {
    let is = |name: &[u8]| key == name;
    Some(match key.len() {
        5 if is(b"input") => 0,
        6 if is(b"output") => 1,
        9 if is(b"cacheRead") => 2,
        10 if is(b"cacheWrite") => 3,
        9 if is(b"reasoning") => 4,
        11 if is(b"totalTokens") => 5,
        _ => return None,
    })
}

/// The line being scanned. Every method takes the position to read at and returns the
/// position after what it read, or `None` to give up on the line. Passing positions along
/// (rather than keeping one in a `&mut` cursor) lets them live in registers.
///
/// Most methods are `#[inline(always)]`: measured natively and in wasm, leaving the choice to
/// the compiler made the scan 10 to 15% slower.
#[derive(Clone, Copy)]
struct Scanner<'a> {
    bytes: &'a [u8],
    /// The line as text when it is valid UTF-8, as it nearly always is: one validation of
    /// the whole line is cheaper than one per needed string.
    text: Option<&'a str>,
}

impl<'a> Scanner<'a> {
    #[inline(always)]
    fn byte(&self, pos: usize) -> Option<u8> {
        self.bytes.get(pos).copied()
    }

    /// The next byte that is not whitespace, and the position after it. Lines written by
    /// `JSON.stringify` have no whitespace between tokens, so the first byte nearly always is
    /// the token.
    #[inline(always)]
    fn token(&self, pos: usize) -> Option<(u8, usize)> {
        match self.byte(pos)? {
            b if b > b' ' => Some((b, pos + 1)),
            _ => {
                let pos = self.skip_ws(pos);
                Some((self.byte(pos)?, pos + 1))
            }
        }
    }

    /// Consumes the next token, which must be `byte`.
    #[inline(always)]
    fn expect(&self, pos: usize, byte: u8) -> Option<usize> {
        let (b, pos) = self.token(pos)?;
        (b == byte).then_some(pos)
    }

    /// Skips JSON whitespace: only these four bytes, for `serde_json` as for `JSON.parse`.
    #[inline(always)]
    fn skip_ws(&self, mut pos: usize) -> usize {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.byte(pos) {
            pos += 1;
        }
        pos
    }

    /// Reads the members of an object whose `{` was consumed, through its `}`. `member` gets
    /// the position of each value (after any whitespace) and its key, and returns the
    /// position after the value.
    #[inline(always)]
    fn members(
        &self,
        pos: usize,
        mut member: impl FnMut(usize, &[u8]) -> Option<usize>,
    ) -> Option<usize> {
        let (mut b, mut pos) = self.token(pos)?;
        if b == b'}' {
            return Some(pos);
        }
        loop {
            if b != b'"' {
                return None;
            }
            let (key, after) = self.key(pos)?;
            let value = self.skip_ws(self.expect(after, b':')?);
            (b, pos) = self.token(member(value, &key)?)?;
            match b {
                b',' => (b, pos) = self.token(pos)?,
                b'}' => return Some(pos),
                _ => return None,
            }
        }
    }

    /// A key whose opening quote is before `pos`, and the position after its closing quote.
    /// Keys are compared as bytes, so invalid UTF-8 is fine (it can never equal a needed key,
    /// nor can its U+FFFD form), but escapes are decoded: `"st\u0061tus"` is `status`.
    #[inline(always)]
    fn key(&self, pos: usize) -> Option<(Cow<'a, [u8]>, usize)> {
        let (end, special) = find_special(self.bytes, pos)?;
        match special {
            b'"' => Some((Cow::Borrowed(self.bytes.get(pos..end)?), end + 1)),
            b'\\' => {
                let (key, end) = self.escaped_text(pos)?;
                Some((Cow::Owned(key.into_bytes()), end))
            }
            _ => None,
        }
    }

    /// Reads the value of one member of the top-level object into `out`.
    #[inline(always)]
    fn top_member(
        &self,
        pos: usize,
        key: &[u8],
        out: &mut ScannedLine<'a>,
        seen: &mut Seen,
    ) -> Option<usize> {
        let Some(field) = Field::of_key(key) else {
            return self.skip_value(pos, TOP);
        };
        seen.claim(field.bit())?;
        let a = &mut out.amounts;
        let slot = match field {
            Field::Text(i) => {
                let (text, pos) = self.text_value(pos)?;
                out.texts[i] = text;
                return Some(pos);
            }
            Field::InputTokens => &mut a.input_tokens,
            Field::OutputTokens => &mut a.output_tokens,
            Field::CostUsd => &mut a.cost_usd,
            // Not an object: its amounts are missing, as in `UsageFacts::from_object`.
            Field::Usage | Field::Cost if self.byte(pos) != Some(b'{') => {
                return self.skip_value(pos, TOP)
            }
            Field::Usage => return self.usage(pos + 1, a),
            Field::Cost => return self.cost(pos + 1, a),
        };
        let (value, pos) = self.number_value(pos, TOP)?;
        *slot = value;
        Some(pos)
    }

    /// Reads the members of a `usage` object whose `{` is before `pos`.
    fn usage(&self, pos: usize, a: &mut Amounts) -> Option<usize> {
        let mut seen = Seen::default();
        self.members(pos, |pos, key| {
            let Some(bit) = usage_key(key) else {
                return self.skip_value(pos, NESTED);
            };
            seen.claim(bit)?;
            let (value, pos) = self.number_value(pos, NESTED)?;
            *match bit {
                0 => &mut a.usage_input,
                1 => &mut a.usage_output,
                2 => &mut a.usage_cache_read,
                3 => &mut a.usage_cache_write,
                4 => &mut a.usage_reasoning,
                _ => &mut a.usage_total_tokens,
            } = value;
            Some(pos)
        })
    }

    /// Reads the members of a `cost` object whose `{` is before `pos`.
    fn cost(&self, pos: usize, a: &mut Amounts) -> Option<usize> {
        let mut seen = Seen::default();
        self.members(pos, |pos, key| {
            if key != b"total" {
                return self.skip_value(pos, NESTED);
            }
            seen.claim(0)?;
            let (value, pos) = self.number_value(pos, NESTED)?;
            a.cost_total = value;
            Some(pos)
        })
    }

    /// A needed text value at `pos`: the string, or `None` for a value of any other type
    /// (always at the top level).
    #[inline(always)]
    fn text_value(&self, pos: usize) -> Option<(Option<Cow<'a, str>>, usize)> {
        if self.byte(pos) == Some(b'"') {
            let (text, pos) = self.text(pos + 1)?;
            Some((Some(text), pos))
        } else {
            Some((None, self.skip_value(pos, TOP)?))
        }
    }

    /// A needed amount at `pos`: the number, or `None` for a value of any other type.
    #[inline(always)]
    fn number_value(&self, pos: usize, depth: u32) -> Option<(Option<f64>, usize)> {
        match self.byte(pos)? {
            b'-' | b'0'..=b'9' => {
                let (number, pos) = self.number(pos)?;
                Some((Some(number.value()?), pos))
            }
            _ => Some((None, self.skip_value(pos, depth)?)),
        }
    }

    /// A needed string whose opening quote is before `pos`. It must be valid UTF-8: the exact
    /// path would see U+FFFD where this would see the raw bytes.
    #[inline(always)]
    fn text(&self, pos: usize) -> Option<(Cow<'a, str>, usize)> {
        let (end, special) = find_special(self.bytes, pos)?;
        if special != b'"' {
            let (text, end) = self.escaped_text(pos)?;
            return Some((Cow::Owned(text), end));
        }
        // Quotes are ASCII, so `pos..end` is on char boundaries of a valid line.
        let text = match self.text {
            Some(text) => text.get(pos..end)?,
            None => std::str::from_utf8(self.bytes.get(pos..end)?).ok()?,
        };
        if text.contains(crate::json::RESERVED) {
            // The exact path holds it doubled (its reserved encoding).
            return None;
        }
        Some((Cow::Borrowed(text), end + 1))
    }

    /// Decodes a needed string or key that has escapes (or is invalid), from `pos` after its
    /// opening quote.
    #[cold]
    fn escaped_text(&self, mut pos: usize) -> Option<(String, usize)> {
        let mut out = String::new();
        loop {
            let (end, special) = find_special(self.bytes, pos)?;
            // Specials are ASCII, so no UTF-8 sequence spans two runs.
            let run = std::str::from_utf8(self.bytes.get(pos..end)?).ok()?;
            if run.contains(crate::json::RESERVED) {
                return None;
            }
            out.push_str(run);
            pos = end + 1;
            match special {
                b'"' => return Some((out, pos)),
                b'\\' => {
                    let (c, after) = self.escape(pos)?;
                    out.push(c);
                    pos = after;
                }
                _ => return None,
            }
        }
    }

    /// The position after a string whose opening quote is before `pos`. Checks everything
    /// that makes the exact parser reject a string (control bytes, bad escapes) but not UTF-8:
    /// the exact path reads invalid bytes as U+FFFD, which changes no fact. Lone surrogates
    /// are fine, as in `JSON.parse`.
    #[inline(always)]
    fn skip_string(&self, mut pos: usize) -> Option<usize> {
        loop {
            let (end, special) = find_special(self.bytes, pos)?;
            match special {
                b'"' => return Some(end + 1),
                b'\\' => pos = self.skip_escape(end + 1)?,
                _ => return None,
            }
        }
    }

    /// The position after the escape after a backslash at `pos`, checking only its grammar.
    #[inline(always)]
    fn skip_escape(&self, pos: usize) -> Option<usize> {
        match self.byte(pos)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(pos + 1),
            b'u' => {
                self.hex4(pos + 1)?;
                Some(pos + 5)
            }
            _ => None,
        }
    }

    /// Decodes the escape after a backslash at `pos`.
    #[inline(always)]
    fn escape(&self, pos: usize) -> Option<(char, usize)> {
        let c = match self.byte(pos)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(pos + 1),
            _ => return None,
        };
        Some((c, pos + 1))
    }

    /// Decodes `XXXX` after `\u`, with the `\uXXXX` of a trailing surrogate when it is a
    /// leading one. Lone surrogates and U+10FFFF give up: the exact path holds them in its
    /// reserved encoding.
    #[cold]
    fn unicode_escape(&self, pos: usize) -> Option<(char, usize)> {
        let first = self.hex4(pos)?;
        if !(0xD800..=0xDBFF).contains(&first) {
            // A lone trailing surrogate is not a `char`.
            return Some((char::from_u32(first)?, pos + 4));
        }
        if self.bytes.get(pos + 4..pos + 6)? != b"\\u" {
            return None;
        }
        let second = self.hex4(pos + 6)?;
        if !(0xDC00..=0xDFFF).contains(&second) {
            return None;
        }
        let c = char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))?;
        if c == crate::json::RESERVED {
            return None;
        }
        Some((c, pos + 10))
    }

    fn hex4(&self, pos: usize) -> Option<u32> {
        let digits = self.bytes.get(pos..pos + 4)?;
        digits.iter().try_fold(0u32, |acc, &b| {
            let digit = char::from(b).to_digit(16)?;
            Some(acc << 4 | digit)
        })
    }

    /// Checks a number at `pos` against JSON's grammar
    /// (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`). What may follow is checked by the
    /// caller, which expects `,` `}` `]` or whitespace.
    #[inline(always)]
    fn number(&self, start: usize) -> Option<(Number<'a>, usize)> {
        let negative = self.byte(start) == Some(b'-');
        let int_start = start + usize::from(negative);
        let mut pos = match self.byte(int_start)? {
            b'0' => int_start + 1,
            b'1'..=b'9' => self.digits(int_start + 1),
            _ => return None,
        };
        let fraction = self.byte(pos) == Some(b'.');
        if fraction {
            pos = self.some_digits(pos + 1)?;
        }
        let exponent = matches!(self.byte(pos), Some(b'e' | b'E'));
        if exponent {
            pos += 1;
            if matches!(self.byte(pos), Some(b'+' | b'-')) {
                pos += 1;
            }
            pos = self.some_digits(pos)?;
        }
        let number = Number {
            text: self.bytes.get(start..pos)?,
            negative,
            exponent,
        };
        Some((number, pos))
    }

    /// The position after the digits at `pos`, read eight at a time while it can: fractions
    /// of costs are long.
    #[inline(always)]
    fn digits(&self, mut pos: usize) -> usize {
        while let Some(word) = word_at(self.bytes, pos) {
            let n = leading_digits(word);
            pos += n;
            if n < 8 {
                return pos;
            }
        }
        while let Some(b'0'..=b'9') = self.byte(pos) {
            pos += 1;
        }
        pos
    }

    /// Like [`Self::digits`], but there must be at least one.
    #[inline(always)]
    fn some_digits(&self, pos: usize) -> Option<usize> {
        let end = self.digits(pos);
        (end > pos).then_some(end)
    }

    /// Skips and validates one value of any type at `pos`. `depth` is the nesting of the
    /// container holding the value.
    #[inline(always)]
    fn skip_value(&self, pos: usize, depth: u32) -> Option<usize> {
        match self.byte(pos)? {
            b'"' => self.skip_string(pos + 1),
            b'{' | b'[' => self.skip_container(pos, depth),
            _ => self.skip_scalar(pos),
        }
    }

    /// Skips a string, number or literal at `pos`.
    #[inline(always)]
    fn skip_scalar(&self, pos: usize) -> Option<usize> {
        match self.byte(pos)? {
            b'"' => self.skip_string(pos + 1),
            // Any number is accepted: beyond a double it is ±Infinity, as in `JSON.parse`.
            b'-' | b'0'..=b'9' => Some(self.number(pos)?.1),
            b't' => self.literal(pos, b"true"),
            b'f' => self.literal(pos, b"false"),
            b'n' => self.literal(pos, b"null"),
            _ => None,
        }
    }

    /// Skips an object or array at `pos`. Containers are tracked in a bit stack (1 = object)
    /// rather than by recursion, so deep nesting costs no stack; beyond 128 open containers
    /// the full words of the stack go to the heap.
    fn skip_container(&self, mut pos: usize, depth: u32) -> Option<usize> {
        let mut stack: u128 = 0;
        let mut spilled: Vec<u128> = Vec::new();
        let mut open = 0u32;
        loop {
            // A value starts at `pos`.
            match self.byte(pos)? {
                b @ (b'{' | b'[') => {
                    if depth + open >= MAX_DEPTH {
                        return None;
                    }
                    let object = b == b'{';
                    let (first, after) = self.token(pos + 1)?;
                    if first == if object { b'}' } else { b']' } {
                        pos = after;
                    } else {
                        if open > 0 && open.is_multiple_of(128) {
                            spilled.push(stack);
                            stack = 0;
                        }
                        stack = stack << 1 | u128::from(object);
                        open += 1;
                        // The first member's value, or the first item (`first` itself).
                        pos = if object {
                            self.member_key(first, after)?
                        } else {
                            after - 1
                        };
                        continue;
                    }
                }
                _ => pos = self.skip_scalar(pos)?,
            }
            // A value ended: close containers until one goes on with a comma.
            loop {
                if open == 0 {
                    return Some(pos);
                }
                let object = stack & 1 == 1;
                let (b, after) = self.token(pos)?;
                pos = after;
                match b {
                    b',' if object => {
                        let (quote, after) = self.token(pos)?;
                        pos = self.member_key(quote, after)?;
                        break;
                    }
                    b',' => {
                        pos = self.skip_ws(pos);
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                stack >>= 1;
                open -= 1;
                if open > 0 && open.is_multiple_of(128) {
                    stack = spilled.pop()?;
                }
            }
        }
    }

    /// Skips a key (`quote`, just read, must open it) and the `:` after it, in an object
    /// being skipped; returns the position of the value.
    #[inline(always)]
    fn member_key(&self, quote: u8, pos: usize) -> Option<usize> {
        if quote != b'"' {
            return None;
        }
        let pos = self.skip_string(pos)?;
        Some(self.skip_ws(self.expect(pos, b':')?))
    }

    #[inline(always)]
    fn literal(&self, pos: usize, literal: &[u8]) -> Option<usize> {
        let end = pos + literal.len();
        (self.bytes.get(pos..end)? == literal).then_some(end)
    }
}

/// A number that matched JSON's grammar.
struct Number<'a> {
    text: &'a [u8],
    negative: bool,
    exponent: bool,
}

impl Number<'_> {
    /// The value as `serde_json` (with `float_roundtrip`) and `JSON.parse` give it: correctly
    /// rounded. Short numbers take Clinger's fast path: with at most 15 digits the digits form
    /// an integer below 2^53, exact in a double, as is every power of ten up to 10^22, so one
    /// division is correctly rounded. (`str::parse` tries the same first, after more work.)
    #[inline(always)]
    fn value(&self) -> Option<f64> {
        let digits = &self.text[usize::from(self.negative)..];
        if self.exponent || digits.len() > 16 {
            return self.parse();
        }
        // Up to 16 bytes: at most 15 digits when there is a `.`.
        let mut n = 0u64;
        let mut fraction = None;
        for (i, &d) in digits.iter().enumerate() {
            match d {
                b'.' => fraction = Some(digits.len() - i - 1),
                _ => n = n * 10 + u64::from(d - b'0'),
            }
        }
        let v = match fraction {
            None if digits.len() > 15 => return self.parse(),
            None => n as f64,
            Some(places) => n as f64 / POWERS_OF_TEN[places],
        };
        // `-0` is -0.0, in `serde_json` as in JavaScript.
        Some(if self.negative { -v } else { v })
    }

    /// Correctly rounded, and ±Infinity beyond a double, as `JSON.parse` and the exact path
    /// (`crate::json::js_number`) read it.
    fn parse(&self) -> Option<f64> {
        std::str::from_utf8(self.text).ok()?.parse().ok()
    }
}

/// 10^0 to 10^15, all exact in a double.
const POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The eight bytes at `pos` as a little-endian word (the first byte lowest), if there are
/// eight. Words let the loops below test eight bytes at once (SWAR); `u64` is native in wasm32.
#[inline(always)]
fn word_at(bytes: &[u8], pos: usize) -> Option<u64> {
    let chunk = bytes.get(pos..)?.first_chunk::<8>()?;
    Some(u64::from_le_bytes(*chunk))
}

/// Finds the first `"`, `\` or control byte (< 0x20) at or after `pos`: the bytes where a
/// string ends, escapes, or turns invalid. Returns its position and the byte.
#[inline(always)]
fn find_special(bytes: &[u8], pos: usize) -> Option<(usize, u8)> {
    let rest = bytes.get(pos..)?;
    let mut words = rest.chunks_exact(8);
    for (i, chunk) in words.by_ref().enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let mask = special_mask(word);
        if mask != 0 {
            // The flag is the high bit of the byte; taking the byte from the word saves
            // reading it again.
            let bit = mask.trailing_zeros();
            return Some((pos + i * 8 + (bit / 8) as usize, (word >> (bit - 7)) as u8));
        }
    }
    let tail = words.remainder();
    let i = tail.iter().position(|&b| is_special(b))?;
    Some((pos + (rest.len() - tail.len()) + i, tail[i]))
}

fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// The high bit of each byte of `word` that is `"`, `\` or below 0x20, and no other bit.
///
/// For a byte `b` and `n <= 0x80`, `(b & 0x7f) + (0x80 - n)` cannot carry out of the byte and
/// reaches 0x80 exactly when `b & 0x7f >= n`; or-ing `b` adds the bytes from 0x80 up. So the
/// high bit ends up clear exactly for the bytes below `n`, with no borrow between bytes.
/// Flipping bit 1 turns `"` (0x22) into 0x20 and keeps control bytes below 0x20, so one test
/// finds both; `\` is the byte that is zero (below 1) after xor-ing 0x5c.
#[inline(always)]
fn special_mask(word: u64) -> u64 {
    let quote_or_control = word ^ (ONES * 0x02);
    let backslash = word ^ (ONES * u64::from(b'\\'));
    !(at_least(quote_or_control, 0x21) & at_least(backslash, 1)) & HIGHS
}

/// Sets the high bit of each byte of `x` that is at least `n` (`n <= 0x80`); see
/// [`special_mask`]. Other bits are noise: callers keep only [`HIGHS`].
#[inline(always)]
fn at_least(x: u64, n: u64) -> u64 {
    ((x & !HIGHS).wrapping_add(ONES * (0x80 - n))) | x
}

/// How many of the bytes of `word`, from the first, are ASCII digits (8 if all are).
///
/// A byte is a digit when its high nibble is 3 and stays 3 after adding 6 (0x39 + 6 = 0x3f,
/// 0x3a + 6 = 0x40). The addition may carry into the next byte only from a byte of 0xfa or
/// more, which is not a digit, so bytes before the first non-digit are exact.
#[inline(always)]
fn leading_digits(word: u64) -> usize {
    const HIGH_NIBBLES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    let nibbles = (word & HIGH_NIBBLES) | ((word.wrapping_add(ONES * 6) & HIGH_NIBBLES) >> 4);
    // Zero bytes are digits; flag the others, without carries between bytes.
    let other = nibbles ^ (ONES * 0x33);
    let flags = ((other & !HIGHS).wrapping_add(!HIGHS) | other) & HIGHS;
    (flags.trailing_zeros() / 8) as usize
}

#[cfg(test)]
mod tests;
