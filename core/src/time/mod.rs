//! `Date.parse` and `Date.prototype.toISOString` as Node 20 (V8) implements them.
//!
//! Records store timestamps as strings and the TypeScript package reads them with `Date.parse`,
//! so a record is valid, and sorts, exactly where V8 says so. Time values are milliseconds since
//! the epoch held in an `f64`, like JS numbers, limited to ±8.64e15.
//!
//! # Supported input
//!
//! * The ECMAScript Date Time String Format, with V8's exact rules: `YYYY`, `YYYY-MM`,
//!   `YYYY-MM-DD` or `±YYYYYY…` (not `-000000`), optionally followed by `T` (or `t`) and
//!   `HH:mm`, `HH:mm:ss` or `HH:mm:ss.f…` and then `Z`/`z`, `±HH:mm` or V8's extension `±HHmm`.
//!   Date-only forms are UTC, date-time forms without offset are local time. Anything wrong
//!   after the `T` (including trailing spaces) is NaN. V8 accepts any day from 01 to 31 and lets
//!   it overflow (`2026-02-30` is March 2), allows hour 24 only as `24:00[:00[.000…]]`, and
//!   takes the first three fraction digits, except that beyond nine digits it skips leading
//!   zeros first: `.0123456789` is 123 ms, not 12 ms. That quirk is reproduced.
//! * V8's legacy parser for the shapes people actually write, all case-insensitive:
//!   * an ISO date, whitespace and `H:mm[:ss[.f…]]` (`2026-05-22 10:00:00`), or an ISO date
//!     followed by whitespace, a zone or a comment but no time (`2026-05-22 ` is *local*
//!     midnight);
//!   * `Date.prototype.toUTCString()`: `Fri, 22 May 2026 00:00:00 GMT`, weekday optional;
//!   * `Date.prototype.toString()`: `Fri May 22 2026 02:00:00 GMT+0200 (Central European Summer
//!     Time)`, weekday optional;
//!
//!   each with optional time, then optionally `Z`, `UT`, `UTC` or `GMT`, optionally followed by
//!   an offset `±H[H][:mm]` or `±[H]Hmm`; an offset alone is allowed after a time. Parenthesized
//!   comments (nested, or unclosed to the end) and whitespace may trail. Without a zone these
//!   forms are local time. As in V8, a zone word or comment may touch a date or a fraction but
//!   not a time's minutes or seconds (`10:00:00GMT` is NaN, `10:00:00.5GMT` and `10:00:00Z`
//!   are not).
//!
//! # Knowingly unsupported (returns `None` where Node may return a number)
//!
//! * Other legacy free-form input: leading whitespace, `/` or `.` separated dates, one-digit
//!   or over-long fields other than the hour and offset (`2026-5-22`, `10:5`, `022 May`),
//!   years below 100 outside the ISO format (V8 maps them to 19xx/20xx or reorders fields),
//!   `AM`/`PM`, US zone names (`EST`, `PDT`…), `2026-`, and `-000000-01-01` (V8 hands it to the
//!   legacy parser, which produces a date in 2001).
//! * Legacy offsets beyond 23:59 (V8 accepts `+99:00` and even `+0299`).
//! * A leading word other than an English weekday name (V8 ignores any non-keyword word), and
//!   punctuation V8 skips (`May 22, 2026`, `may.`).
//!
//! Everything accepted here returns the same value as Node; the tests hold cases produced with
//! Node 20 under fixed-offset and DST zones.

mod parse;
mod window;

pub use parse::{parse_js_date, parse_js_date_with};
pub use window::{window_containing, window_key, Bucket, TimeZone, Window};

use chrono::{DateTime, Offset, TimeZone as _};

/// Largest magnitude of a JS time value (100 million days).
const MAX_TIME_MS: i64 = 8_640_000_000_000_000;
const MS_PER_DAY: i64 = 86_400_000;

/// Converts local wall-clock time to UTC, as V8's date cache does for the host time zone.
pub trait LocalZone {
    /// Offset in milliseconds to ADD to a local wall-clock time value (the local date and time
    /// encoded as if they were UTC) to get the UTC time value; for UTC+2 this is `-7_200_000`.
    ///
    /// When the wall-clock time is skipped (spring forward) or repeated (fall back), return the
    /// offset in force *before* the transition: V8 reads `02:30` on a New York spring-forward day
    /// as 02:30 EST and `01:30` on the fall-back day as the first, EDT, occurrence.
    fn local_to_utc_offset_ms(&self, local_ms: i64) -> i64;
}

/// The host time zone via `chrono::Local` (the `TZ` variable or `/etc/localtime` natively, the
/// JS engine's zone on wasm32), which is what Node uses for `Date.parse` too.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemZone;

/// A constant offset in minutes east of UTC (`FixedZone(120)` is UTC+2); for tests and hosts
/// that pin the zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedZone(pub i32);

impl LocalZone for FixedZone {
    fn local_to_utc_offset_ms(&self, _local_ms: i64) -> i64 {
        -i64::from(self.0) * 60_000
    }
}

impl LocalZone for SystemZone {
    fn local_to_utc_offset_ms(&self, local_ms: i64) -> i64 {
        // chrono stops near year 262143 but JS dates reach 275760. Zone rules repeat every 400
        // Gregorian years past the last transition (and are constant before the first), so
        // moving whole cycles towards the present gives the offset V8 extrapolates.
        const CYCLE_MS: i64 = 146_097 * MS_PER_DAY;
        const SAFE_MS: u64 = 7_500_000_000_000_000;
        let cycles = local_ms
            .unsigned_abs()
            .saturating_sub(SAFE_MS)
            .div_ceil(CYCLE_MS as u64);
        let shift = i64::try_from(cycles)
            .ok()
            .and_then(|c| c.checked_mul(CYCLE_MS))
            .unwrap_or(0);
        let t = if local_ms < 0 {
            local_ms.saturating_add(shift)
        } else {
            local_ms.saturating_sub(shift)
        };

        -resolve_local(t, east_ms_at)
    }
}

/// The offset (ms east) V8 applies to the local time value `t`, given the zone's offset at any
/// UTC instant.
///
/// chrono's own local-to-UTC lookup counts the first instant after a repeated hour as still
/// ambiguous and does not order its two answers, so this resolves through UTC lookups only: an
/// offset `o` fits if the instant `t - o` has it. The offsets a day either side are those before
/// and after any nearby transition (zones practically never change twice within two days).
fn resolve_local(t: i64, east_at: impl Fn(i64) -> i64) -> i64 {
    let before = east_at(t - MS_PER_DAY);
    let after = east_at(t + MS_PER_DAY);
    if before == after {
        return before;
    }
    let fits = |east: i64| east_at(t - east) == east;
    match (fits(before), fits(after)) {
        // Repeated time: the earlier instant, which has the larger offset.
        (true, true) => before.max(after),
        (false, true) => after,
        // Skipped time: the offset from before the change.
        _ => before,
    }
}

/// The host zone's UTC offset (ms east) at a UTC instant.
fn east_ms_at(utc_ms: i64) -> i64 {
    DateTime::from_timestamp_millis(utc_ms).map_or(0, |utc| {
        let offset = chrono::Local.offset_from_utc_datetime(&utc.naive_utc());
        i64::from(offset.fix().local_minus_utc()) * 1000
    })
}

/// `new Date(ms).toISOString()`, or `None` where JS throws a `RangeError` (NaN, infinities and
/// magnitudes above 8.64e15). Fractional milliseconds are truncated towards zero as `TimeClip`
/// does; years outside 0..=9999 use the six-digit signed form (`+275760-09-13T00:00:00.000Z`).
pub fn to_iso_string(ms: f64) -> Option<String> {
    if !ms.is_finite() || ms.abs() > MAX_TIME_MS as f64 {
        return None;
    }
    // In range and truncated, so the conversion is exact.
    let t = ms.trunc() as i64;
    let (year, month, day) = civil_from_days(t.div_euclid(MS_PER_DAY));
    let in_day = t.rem_euclid(MS_PER_DAY);

    let mut out = String::with_capacity(27);
    if (0..=9999).contains(&year) {
        push_padded(&mut out, year.unsigned_abs(), 4);
    } else {
        out.push(if year < 0 { '-' } else { '+' });
        push_padded(&mut out, year.unsigned_abs(), 6);
    }
    let fields = [
        ('-', u64::from(month), 2),
        ('-', u64::from(day), 2),
        ('T', (in_day / 3_600_000) as u64, 2),
        (':', (in_day / 60_000 % 60) as u64, 2),
        (':', (in_day / 1000 % 60) as u64, 2),
        ('.', (in_day % 1000) as u64, 3),
    ];
    for (sep, value, width) in fields {
        out.push(sep);
        push_padded(&mut out, value, width);
    }
    out.push('Z');
    Some(out)
}

fn push_padded(out: &mut String, value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut n = value;
    let mut len = 0;
    while n > 0 || len == 0 {
        digits[len] = b'0' + (n % 10) as u8;
        n /= 10;
        len += 1;
    }
    for _ in len..width {
        out.push('0');
    }
    for &d in digits[..len].iter().rev() {
        out.push(char::from(d));
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date. `day` may exceed the month's length and
/// then rolls into the next month, which is what ECMAScript's `MakeDay` does.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Count years from March so the leap day is the last day of the counting year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Inverse of [`days_from_civil`]: (year, month 1..=12, day 1..=31).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests;
