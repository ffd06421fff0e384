//! Byte-level parser mirroring V8's `Date.parse`: first the ES5 ISO grammar, then, where V8
//! would hand the rest to its legacy parser, a few well-understood legacy shapes.
//!
//! Every accepting path has been compared with Node; anything outside them returns `None`
//! rather than guessing what the legacy parser would do.

use super::{days_from_civil, LocalZone, SystemZone, MAX_TIME_MS, MS_PER_DAY};

/// `Date.parse(s)` in Node 20 with the host time zone; `None` where Node returns NaN.
pub fn parse_js_date(s: &str) -> Option<f64> {
    parse_js_date_with(s, &SystemZone)
}

/// `Date.parse(s)` with local times (date-time forms without an offset) read in `zone`.
pub fn parse_js_date_with(s: &str, zone: &dyn LocalZone) -> Option<f64> {
    let b = s.as_bytes();
    let fields = match iso(b) {
        Iso::Done(fields) => fields,
        Iso::Invalid => return None,
        Iso::DateThen(fields, at) => legacy_after_iso_date(b, fields, at)?,
        Iso::Other => legacy_named_month(b)?,
    };
    fields.time_value(zone)
}

/// Broken-down date and time before conversion to a time value.
#[derive(Debug, Clone, Copy)]
struct Fields {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    ms: u32,
    /// Minutes east of UTC; `None` means local time.
    offset: Option<i32>,
}

impl Fields {
    fn date(year: i64, month: u32, day: u32) -> Self {
        Fields {
            year,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
            ms: 0,
            offset: None,
        }
    }

    fn time_value(&self, zone: &dyn LocalZone) -> Option<f64> {
        // Years have at most six digits, so none of this can overflow.
        let local = days_from_civil(self.year, self.month, self.day) * MS_PER_DAY
            + i64::from(self.hour) * 3_600_000
            + i64::from(self.minute) * 60_000
            + i64::from(self.second) * 1000
            + i64::from(self.ms);
        let utc = match self.offset {
            Some(east) => local - i64::from(east) * 60_000,
            None => {
                // Like V8, do not ask the zone about times far outside the valid range.
                if local.abs() > MAX_TIME_MS + 10 * MS_PER_DAY {
                    return None;
                }
                local.saturating_add(zone.local_to_utc_offset_ms(local))
            }
        };
        // TimeClip; the integer result never produces -0.
        (utc.abs() <= MAX_TIME_MS).then_some(utc as f64)
    }
}

enum Iso {
    /// A complete ES5 date-time string.
    Done(Fields),
    /// V8 rejects the string outright (a malformed time after `T`).
    Invalid,
    /// A complete ES5 date followed, at the index, by something that V8's legacy parser reads.
    DateThen(Fields, usize),
    /// Not an ES5 date at all; only the legacy parser could accept it.
    Other,
}

/// V8's `ParseES5DateTime`: a date failing the grammar falls through to the legacy parser, while
/// anything wrong after the `T` is a hard NaN.
fn iso(b: &[u8]) -> Iso {
    let (year, mut i) = match b.first() {
        Some(&sign @ (b'+' | b'-')) => {
            if digit_run(b, 1) != 6 {
                return Iso::Other;
            }
            let year = i64::from(number(b, 1, 6));
            if sign == b'-' && year == 0 {
                // `-000000` is not a valid year; V8 lets the legacy parser have it.
                return Iso::Other;
            }
            (if sign == b'-' { -year } else { year }, 7)
        }
        _ if digit_run(b, 0) == 4 => (i64::from(number(b, 0, 4)), 4),
        _ => return Iso::Other,
    };
    let mut fields = Fields::date(year, 1, 1);
    if b.get(i) == Some(&b'-') {
        if digit_run(b, i + 1) != 2 || !(1..=12).contains(&number(b, i + 1, 2)) {
            return Iso::Other;
        }
        fields.month = number(b, i + 1, 2);
        i += 3;
        if b.get(i) == Some(&b'-') {
            // Any day up to 31 is accepted whatever the month; it overflows into the next.
            if digit_run(b, i + 1) != 2 || !(1..=31).contains(&number(b, i + 1, 2)) {
                return Iso::Other;
            }
            fields.day = number(b, i + 1, 2);
            i += 3;
        }
    }
    match b.get(i) {
        // Date-only forms are UTC.
        None => {
            fields.offset = Some(0);
            Iso::Done(fields)
        }
        Some(b'T' | b't') if !b.get(i + 1).copied().is_some_and(is_word_byte) => {
            match iso_time(b, i + 1, &mut fields) {
                Some(()) => Iso::Done(fields),
                None => Iso::Invalid,
            }
        }
        Some(_) => Iso::DateThen(fields, i),
    }
}

/// The part after `T`: `HH:mm[:ss[.f…]][Z|±HH:mm|±HHmm]` and nothing else.
fn iso_time(b: &[u8], mut i: usize, f: &mut Fields) -> Option<()> {
    f.hour = two_digits(b, i).filter(|&h| h <= 24)?;
    let hour_24 = f.hour == 24;
    if b.get(i + 2) != Some(&b':') {
        return None;
    }
    i += 3;
    f.minute = two_digits(b, i).filter(|&m| m <= 59 && !(hour_24 && m > 0))?;
    i += 2;
    if b.get(i) == Some(&b':') {
        f.second = two_digits(b, i + 1).filter(|&s| s <= 59 && !(hour_24 && s > 0))?;
        i += 3;
        if b.get(i) == Some(&b'.') {
            let len = digit_run(b, i + 1);
            let fraction = &b[i + 1..i + 1 + len];
            if len == 0 || (hour_24 && fraction.iter().any(|&d| d != b'0')) {
                return None;
            }
            f.ms = milliseconds(fraction);
            i += 1 + len;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => {
            f.offset = Some(0);
            i += 1;
        }
        Some(&sign @ (b'+' | b'-')) => {
            i += 1;
            let (hours, minutes) = if digit_run(b, i) == 4 {
                i += 4;
                (number(b, i - 4, 2), number(b, i - 2, 2))
            } else {
                let hours = two_digits(b, i)?;
                if b.get(i + 2) != Some(&b':') {
                    return None;
                }
                let minutes = two_digits(b, i + 3)?;
                i += 5;
                (hours, minutes)
            };
            f.offset = Some(signed_offset(sign, hours, minutes)?);
        }
        _ => {}
    }
    (i == b.len()).then_some(())
}

/// An ISO date continued the way V8's legacy parser reads it: optional whitespace-separated
/// time, then zone and comments. Without a zone the result is local time, even date-only.
fn legacy_after_iso_date(b: &[u8], fields: Fields, at: usize) -> Option<Fields> {
    // The legacy parser maps years 0..=49 to 20xx and 50..=99 to 19xx, or reorders the fields
    // when the year could be a day; not worth reproducing.
    if (0..=99).contains(&fields.year) {
        return None;
    }
    legacy_rest(b, at, fields)
}

/// `Fri, 22 May 2026 …` (`toUTCString`) and `Fri May 22 2026 …` (`toString`), weekday optional.
fn legacy_named_month(b: &[u8]) -> Option<Fields> {
    let mut i = 0;
    let (day, month) = if b.first().is_some_and(u8::is_ascii_digit) {
        let day = day_of_month(b, &mut i)?;
        require_ws(b, &mut i)?;
        (day, month_number(ascii_word(b, &mut i)?)?)
    } else {
        legacy_words_first(b, &mut i)?
    };
    require_ws(b, &mut i)?;
    // Years below 100 are remapped by V8; seven digits are out of range anyway.
    let len = digit_run(b, i);
    if !(3..=6).contains(&len) || number(b, i, len) < 100 {
        return None;
    }
    let fields = Fields::date(i64::from(number(b, i, len)), month, day);
    legacy_rest(b, i + len, fields)
}

/// (day, month) of a named-month form starting with a weekday or month name.
fn legacy_words_first(b: &[u8], i: &mut usize) -> Option<(u32, u32)> {
    let first = ascii_word(b, i)?;
    if let Some(month) = month_number(first) {
        require_ws(b, i)?;
        return Some((day_of_month(b, i)?, month));
    }
    if !is_weekday(first) {
        return None;
    }
    let after_word = *i;
    if b.get(*i) == Some(&b',') {
        *i += 1;
    }
    skip_ws(b, i);
    // V8 insists on a separator between a word and the first number.
    if *i == after_word {
        return None;
    }
    if b.get(*i).is_some_and(u8::is_ascii_digit) {
        let day = day_of_month(b, i)?;
        require_ws(b, i)?;
        Some((day, month_number(ascii_word(b, i)?)?))
    } else {
        let month = month_number(ascii_word(b, i)?)?;
        require_ws(b, i)?;
        Some((day_of_month(b, i)?, month))
    }
}

/// What follows the date of a legacy form: an optional whitespace-separated time, then zone
/// and comments. Without a zone the result is local time, even for a date alone.
fn legacy_rest(b: &[u8], mut i: usize, mut fields: Fields) -> Option<Fields> {
    let mut after_ws = i;
    skip_ws(b, &mut after_ws);
    let mut has_time = false;
    let mut checked_end = false;
    if after_ws > i && b.get(after_ws).is_some_and(u8::is_ascii_digit) {
        i = after_ws;
        let fraction = legacy_time(b, &mut i, &mut fields)?;
        has_time = true;
        checked_end = !fraction;
    }
    fields.offset = legacy_zone(b, i, has_time, checked_end)?;
    Some(fields)
}

/// `H:mm[:ss[.f…]]` (one- or two-digit hour, two-digit minutes and seconds), validated as the
/// legacy parser does: hour 24 only when everything else, including the truncated
/// milliseconds, is zero. Returns whether the time ended with a fraction.
fn legacy_time(b: &[u8], i: &mut usize, f: &mut Fields) -> Option<bool> {
    let hour_len = digit_run(b, *i);
    if !(1..=2).contains(&hour_len) {
        return None;
    }
    f.hour = number(b, *i, hour_len);
    let mut j = *i + hour_len;
    if b.get(j) != Some(&b':') {
        return None;
    }
    f.minute = two_digits(b, j + 1)?;
    j += 3;
    let mut fraction = false;
    if b.get(j) == Some(&b':') {
        f.second = two_digits(b, j + 1)?;
        j += 3;
        if b.get(j) == Some(&b'.') {
            let len = digit_run(b, j + 1);
            if len == 0 {
                return None;
            }
            f.ms = milliseconds(&b[j + 1..j + 1 + len]);
            j += 1 + len;
            fraction = true;
        }
    }
    *i = j;
    let valid = (f.hour <= 23 && f.minute <= 59 && f.second <= 59)
        || (f.hour == 24 && f.minute == 0 && f.second == 0 && f.ms == 0);
    valid.then_some(fraction)
}

/// Zone and trailer of a legacy form, starting right after its last digit. Returns the offset in
/// minutes east (`None` for local time), or `None` if the rest is not understood.
///
/// With `check_end`, V8 wants the end, whitespace, `z` or a sign right after the digits (it
/// checks that after a time's minutes or seconds, not after a date or a fraction), so
/// `10:00:00GMT` and `10:00:00(CEST)` are NaN while `10:00:00.5GMT` is not.
fn legacy_zone(b: &[u8], mut i: usize, has_time: bool, check_end: bool) -> Option<Option<i32>> {
    if check_end {
        let ok = match b.get(i) {
            None => true,
            Some(&c) => is_ws(c) || c == b'+' || c == b'-' || zone_word_len(b, i) == Some(1),
        };
        if !ok {
            return None;
        }
    }
    skip_ws(b, &mut i);
    let mut offset = None;
    if let Some(len) = zone_word_len(b, i) {
        i += len;
        offset = Some(0);
        // An explicit offset after UTC/GMT overrides it: `GMT+0200`.
        let mut j = i;
        skip_ws(b, &mut j);
        if matches!(b.get(j), Some(b'+' | b'-')) {
            i = j;
            offset = Some(legacy_offset(b, &mut i)?);
        }
    } else if has_time && matches!(b.get(i), Some(b'+' | b'-')) {
        // V8 takes a bare sign as an offset only after a time (or a UTC word).
        offset = Some(legacy_offset(b, &mut i)?);
    }
    loop {
        skip_ws(b, &mut i);
        match b.get(i) {
            None => return Some(offset),
            Some(b'(') => skip_comment(b, &mut i),
            Some(_) => return None,
        }
    }
}

/// `±H[H][:mm]` or `±[H]Hmm` after a legacy time or zone word, read as V8 does (one or two
/// digits are hours, three or four are hours and minutes). V8 applies no range check there;
/// only offsets up to 23:59 are accepted here.
fn legacy_offset(b: &[u8], i: &mut usize) -> Option<i32> {
    let sign = *b.get(*i)?;
    let j = *i + 1;
    let (hours, minutes, end) = match digit_run(b, j) {
        len @ (3 | 4) => {
            let n = number(b, j, len);
            (n / 100, n % 100, j + len)
        }
        len @ (1 | 2) if b.get(j + len) == Some(&b':') => {
            (number(b, j, len), two_digits(b, j + len + 1)?, j + len + 3)
        }
        len @ (1 | 2) => (number(b, j, len), 0, j + len),
        _ => return None,
    };
    *i = end;
    signed_offset(sign, hours, minutes)
}

fn signed_offset(sign: u8, hours: u32, minutes: u32) -> Option<i32> {
    if hours > 23 || minutes > 59 {
        return None;
    }
    // Both are tiny, so the conversion cannot fail.
    let total = i32::try_from(hours * 60 + minutes).ok()?;
    Some(if sign == b'-' { -total } else { total })
}

/// Skips a parenthesized comment, nesting included; an unclosed one runs to the end, as in V8.
fn skip_comment(b: &[u8], i: &mut usize) {
    let mut depth = 0usize;
    while let Some(&c) = b.get(*i) {
        *i += 1;
        match c {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

/// Length of the zone word `z`, `ut`, `utc` or `gmt` (any case) at `i`, if it is a whole word.
fn zone_word_len(b: &[u8], i: usize) -> Option<usize> {
    let len = word_len(b, i);
    let word = b.get(i..i + len)?;
    ["z", "ut", "utc", "gmt"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w.as_bytes()))
        .then_some(len)
}

/// V8 matches month names by their first three letters, so `Sept` and `September` are fine.
fn month_number(word: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let prefix = word.get(..3)?;
    let index = MONTHS
        .iter()
        .position(|m| prefix.eq_ignore_ascii_case(&m[..]))?;
    u32::try_from(index + 1).ok()
}

/// English weekday names, abbreviated or full. V8 ignores the word (and its correctness).
fn is_weekday(word: &[u8]) -> bool {
    const DAYS: [&str; 7] = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    DAYS.iter().any(|d| {
        word.eq_ignore_ascii_case(&d.as_bytes()[..3]) || word.eq_ignore_ascii_case(d.as_bytes())
    })
}

/// A whole word of ASCII letters at `i`; words containing other word characters are refused.
fn ascii_word<'a>(b: &'a [u8], i: &mut usize) -> Option<&'a [u8]> {
    let len = word_len(b, *i);
    let word = b.get(*i..*i + len)?;
    if len == 0 || !word.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    *i += len;
    Some(word)
}

/// A day of the month, one or two digits, 1..=31.
fn day_of_month(b: &[u8], i: &mut usize) -> Option<u32> {
    let len = digit_run(b, *i);
    if !(1..=2).contains(&len) {
        return None;
    }
    let day = number(b, *i, len);
    *i += len;
    (1..=31).contains(&day).then_some(day)
}

fn require_ws(b: &[u8], i: &mut usize) -> Option<()> {
    let start = *i;
    skip_ws(b, i);
    (*i > start).then_some(())
}

/// V8's reading of a fraction: the first three digits, except that beyond nine digits it keeps
/// the first nine *significant* digits and then divides as if there were exactly nine, so
/// `.0123456789` yields 123.
fn milliseconds(digits: &[u8]) -> u32 {
    let value = digits
        .iter()
        .skip_while(|&&d| d == b'0')
        .take(9)
        .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
    match digits.len().min(9) {
        0 => 0,
        1 => value * 100,
        2 => value * 10,
        len => value / 10u32.pow((len - 3) as u32),
    }
}

/// Exactly two ASCII digits at `i` (a longer run does not count, as V8 reads whole numbers).
fn two_digits(b: &[u8], i: usize) -> Option<u32> {
    (digit_run(b, i) == 2).then(|| number(b, i, 2))
}

fn digit_run(b: &[u8], i: usize) -> usize {
    b.get(i..).map_or(0, |rest| {
        rest.iter().take_while(|c| c.is_ascii_digit()).count()
    })
}

/// Value of `len` (at most nine) digits at `i`; callers checked they are digits.
fn number(b: &[u8], i: usize, len: usize) -> u32 {
    b[i..i + len]
        .iter()
        .fold(0, |n, &d| n * 10 + u32::from(d - b'0'))
}

/// V8's date tokenizer treats every character from `A` upwards (letters, `[`, `_`, non-ASCII…)
/// as part of a word.
fn is_word_byte(c: u8) -> bool {
    c >= b'A'
}

fn word_len(b: &[u8], i: usize) -> usize {
    b.get(i..).map_or(0, |rest| {
        rest.iter().take_while(|&&c| is_word_byte(c)).count()
    })
}

/// ASCII whitespace and line terminators; V8 also skips Unicode spaces, which are refused here.
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn skip_ws(b: &[u8], i: &mut usize) {
    while b.get(*i).copied().is_some_and(is_ws) {
        *i += 1;
    }
}
