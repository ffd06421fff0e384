//! Calendar windows: "the minute, hour, day, week or month containing an instant" in a time
//! zone. One function, [`window_containing`], decides every window boundary: the usage series
//! buckets and the budget's daily and monthly windows are both built from it, so a budget and a
//! chart of the same day always cover the same instants.
//!
//! Rules:
//!
//! * Days, weeks and months run from local midnight to local midnight in the zone, so a day is
//!   23 or 25 hours long on a DST change. Weeks start on Monday (ISO 8601). When local midnight
//!   does not exist (a zone that springs forward at midnight), the window starts at the first
//!   instant of the day; when it occurs twice, at the first occurrence.
//! * Hours and minutes are the local clock's: an hour starts where the local time's minutes and
//!   seconds are zero, with the offset in force at that instant, so a fall-back day has two
//!   local `01:00` hours (their keys differ by their offset) and a spring-forward day none at
//!   `02:00`. An offset change that is not a whole hour (Lord Howe's 30 minutes) shortens or
//!   lengthens the hour it falls in, since windows never overlap.
//! * Instants are epoch milliseconds, as JavaScript's `Date`; start is inclusive, end exclusive.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::{civil_from_days, days_from_civil, MAX_TIME_MS, MS_PER_DAY};
use crate::error::{Error, ErrorCode, Result};

/// The length of a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    /// A local minute.
    Minute,
    /// A local hour.
    Hour,
    /// Local midnight to local midnight.
    Day,
    /// Monday 00:00 to the next Monday 00:00 (ISO weeks).
    Week,
    /// The first of the month 00:00 to the first of the next month 00:00.
    Month,
}

impl Bucket {
    /// The wire name (`"minute"`, `"hour"`, `"day"`, `"week"`, `"month"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Minute => "minute",
            Bucket::Hour => "hour",
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }

    /// The bucket a wire name names.
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "minute" => Bucket::Minute,
            "hour" => Bucket::Hour,
            "day" => Bucket::Day,
            "week" => Bucket::Week,
            "month" => Bucket::Month,
            _ => {
                return Err(Error::new(
                    ErrorCode::InvalidQuery,
                    "bucket must be one of minute, hour, day, week, month",
                ))
            }
        })
    }
}

/// A time zone: UTC or a named IANA zone from the bundled tz database.
#[derive(Clone, Debug)]
pub struct TimeZone {
    name: String,
    /// `None` for UTC: every offset is zero and no table is consulted.
    zone: Option<jiff::tz::TimeZone>,
}

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone::utc()
    }
}

impl PartialEq for TimeZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl TimeZone {
    /// UTC, the default of series and budgets.
    pub fn utc() -> Self {
        TimeZone {
            name: "UTC".to_owned(),
            zone: None,
        }
    }

    /// An IANA zone by name (`"America/New_York"`, `"Europe/Berlin"`, `"UTC"`), looked up in the
    /// bundled database (case-insensitively). Unknown names are a `PIE_INVALID_QUERY` error.
    ///
    /// ```
    /// use pie_storage_core::time::TimeZone;
    /// assert_eq!(TimeZone::named("europe/berlin")?.name(), "Europe/Berlin");
    /// assert!(TimeZone::named("Mars/Olympus").is_err());
    /// # Ok::<(), pie_storage_core::Error>(())
    /// ```
    pub fn named(name: &str) -> Result<Self> {
        if name == "UTC" {
            return Ok(TimeZone::utc());
        }
        let zone = jiff::tz::db().get(name).map_err(|_| {
            Error::new(
                ErrorCode::InvalidQuery,
                format!("unknown time zone {name:?} (use an IANA name such as \"Europe/Berlin\")"),
            )
        })?;
        let name = zone.iana_name().unwrap_or(name).to_owned();
        Ok(TimeZone {
            name,
            zone: Some(zone),
        })
    }

    /// The zone's IANA name (`"UTC"` for UTC).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The offset east of UTC, in milliseconds, at an instant.
    fn east_ms(&self, utc_ms: i64) -> i64 {
        let Some(zone) = &self.zone else { return 0 };
        match jiff::Timestamp::from_millisecond(utc_ms) {
            Ok(ts) => i64::from(zone.to_offset(ts).seconds()) * 1000,
            Err(_) => 0,
        }
    }

    /// The first instant whose local time is at or after the local time value `local`
    /// (the local date and time encoded as if UTC): the instant of local `local`, its first
    /// occurrence when repeated, the end of the gap when skipped.
    fn instant_of_local(&self, local: i64) -> i64 {
        let before = self.east_ms(local - MS_PER_DAY);
        let after = self.east_ms(local + MS_PER_DAY);
        if before == after {
            return local - before;
        }
        let fits = |east: i64| self.east_ms(local - east) == east;
        match (fits(before), fits(after)) {
            // Repeated: the earlier instant, which has the larger offset.
            (true, true) => local - before.max(after),
            (true, false) => local - before,
            (false, true) => local - after,
            // Skipped: the change happens in (local - after, local - before]; find it.
            (false, false) => self.first_with_offset(local - after, local - before, after),
        }
    }

    /// The first instant in `(lo, hi]` whose offset is `east` (the offset changes once there).
    fn first_with_offset(&self, mut lo: i64, mut hi: i64, east: i64) -> i64 {
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.east_ms(mid) == east {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }
}

/// One window: `[start, end)` in epoch milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// First instant of the window.
    pub start: f64,
    /// First instant after the window.
    pub end: f64,
}

/// The window of length `bucket` in `zone` that contains the instant `t` (epoch ms); `None`
/// for a `t` that is not a valid JavaScript time. The one definition of window boundaries (see
/// the module doc).
///
/// ```
/// use pie_storage_core::time::{parse_js_date, window_containing, Bucket, TimeZone};
/// let zone = TimeZone::named("America/New_York")?;
/// let t = parse_js_date("2026-03-08T12:00:00Z").unwrap();
/// let day = window_containing(t, Bucket::Day, &zone).unwrap();
/// assert_eq!(day.end - day.start, 23.0 * 3_600_000.0); // the spring-forward day
/// # Ok::<(), pie_storage_core::Error>(())
/// ```
pub fn window_containing(t: f64, bucket: Bucket, zone: &TimeZone) -> Option<Window> {
    if !t.is_finite() || t.abs() > MAX_TIME_MS as f64 {
        return None;
    }
    let t = t.floor() as i64;
    let east = zone.east_ms(t);
    let local = t + east;
    let start = match bucket {
        Bucket::Minute | Bucket::Hour => clock_start(t, local, bucket, zone),
        _ => zone.instant_of_local(calendar_start(local, bucket)),
    };
    let end = next_start(start, bucket, zone);
    Some(Window {
        start: start as f64,
        end: end as f64,
    })
}

/// The start of the window after the one starting at `start`.
fn next_start(start: i64, bucket: Bucket, zone: &TimeZone) -> i64 {
    let local = start + zone.east_ms(start);
    let next_local = match bucket {
        Bucket::Minute => return start + 60_000,
        Bucket::Hour => {
            let next = clock_start(start + 3_600_000, local + 3_600_000, bucket, zone);
            // An hour shortened by a part-hour change ends at that change.
            return if next > start {
                next
            } else {
                start + 3_600_000
            };
        }
        Bucket::Day => calendar_start(local, bucket) + MS_PER_DAY,
        Bucket::Week => calendar_start(local, bucket) + 7 * MS_PER_DAY,
        Bucket::Month => {
            let (y, m, _) = civil_from_days(local.div_euclid(MS_PER_DAY));
            let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            days_from_civil(y, m, 1) * MS_PER_DAY
        }
    };
    zone.instant_of_local(next_local)
}

/// The local midnight starting the day, week or month of local time value `local`.
fn calendar_start(local: i64, bucket: Bucket) -> i64 {
    let days = local.div_euclid(MS_PER_DAY);
    match bucket {
        // 1970-01-01 was a Thursday: Monday is 3 days before.
        Bucket::Week => (days - (days + 3).rem_euclid(7)) * MS_PER_DAY,
        Bucket::Month => {
            let (y, m, _) = civil_from_days(days);
            days_from_civil(y, m, 1) * MS_PER_DAY
        }
        _ => days * MS_PER_DAY,
    }
}

/// The start of the local minute or hour of instant `t` (local time value `local`): the local
/// time truncated, with the offset of `t`, but never before the last offset change.
fn clock_start(t: i64, local: i64, bucket: Bucket, zone: &TimeZone) -> i64 {
    let unit = if bucket == Bucket::Hour {
        3_600_000
    } else {
        60_000
    };
    let east = local - t;
    let start = local - local.rem_euclid(unit) - east;
    if zone.east_ms(start) == east {
        start
    } else {
        zone.first_with_offset(start, t, east)
    }
}

/// The label of a window: `YYYY-MM` for months, the local start date `YYYY-MM-DD` for days and
/// weeks (a Monday), and the local start time with its offset, `YYYY-MM-DDTHH:mm±HH:mm` (`Z` at
/// offset zero), for hours and minutes, which stays unique on a fall-back day and parses back
/// to the window's start with `Date.parse`.
pub fn window_key(start: f64, bucket: Bucket, zone: &TimeZone) -> String {
    let t = start as i64;
    let east = zone.east_ms(t);
    let local = t + east;
    let (y, m, d) = civil_from_days(local.div_euclid(MS_PER_DAY));
    let mut out = String::with_capacity(22);
    let _ = match y {
        0..=9999 => write!(out, "{y:04}-{m:02}"),
        _ => write!(out, "{y:+07}-{m:02}"),
    };
    if bucket == Bucket::Month {
        return out;
    }
    let _ = write!(out, "-{d:02}");
    if matches!(bucket, Bucket::Day | Bucket::Week) {
        return out;
    }
    let in_day = local.rem_euclid(MS_PER_DAY);
    let _ = write!(
        out,
        "T{:02}:{:02}",
        in_day / 3_600_000,
        in_day / 60_000 % 60
    );
    if east == 0 {
        out.push('Z');
    } else {
        let minutes = east.abs() / 60_000;
        let sign = if east < 0 { '-' } else { '+' };
        let _ = write!(out, "{sign}{:02}:{:02}", minutes / 60, minutes % 60);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{parse_js_date, to_iso_string};

    fn at(iso: &str) -> f64 {
        parse_js_date(iso).unwrap()
    }

    fn window(iso: &str, bucket: Bucket, zone: &str) -> (String, String, String) {
        let zone = TimeZone::named(zone).unwrap();
        let w = window_containing(at(iso), bucket, &zone).unwrap();
        (
            window_key(w.start, bucket, &zone),
            to_iso_string(w.start).unwrap(),
            to_iso_string(w.end).unwrap(),
        )
    }

    #[test]
    fn dst_days_are_23_and_25_hours() {
        let ny = "America/New_York";
        let spring = window("2026-03-08T12:00:00Z", Bucket::Day, ny);
        assert_eq!(spring.1, "2026-03-08T05:00:00.000Z");
        assert_eq!(spring.2, "2026-03-09T04:00:00.000Z");
        let fall = window("2026-11-01T12:00:00Z", Bucket::Day, ny);
        assert_eq!(fall.1, "2026-11-01T04:00:00.000Z");
        assert_eq!(fall.2, "2026-11-02T05:00:00.000Z");
    }

    #[test]
    fn the_repeated_hour_has_two_windows() {
        let ny = "America/New_York";
        let first = window("2026-11-01T05:30:00Z", Bucket::Hour, ny);
        let second = window("2026-11-01T06:30:00Z", Bucket::Hour, ny);
        assert_eq!(first.0, "2026-11-01T01:00-04:00");
        assert_eq!(second.0, "2026-11-01T01:00-05:00");
        assert_eq!(first.2, second.1);
        let skipped = window("2026-03-08T07:00:00Z", Bucket::Hour, ny);
        assert_eq!(skipped.0, "2026-03-08T03:00-04:00");
    }

    #[test]
    fn a_day_starting_in_a_gap_starts_when_the_gap_ends() {
        // Chile springs forward at local midnight on 2026-09-06: the day starts at 01:00.
        let day = window("2026-09-06T12:00:00Z", Bucket::Day, "America/Santiago");
        assert_eq!(day.1, "2026-09-06T04:00:00.000Z");
        assert_eq!(day.0, "2026-09-06");
    }

    #[test]
    fn weeks_start_monday_and_months_on_the_first() {
        let w = window("2026-03-01T10:00:00Z", Bucket::Week, "UTC");
        assert_eq!(
            (w.0.as_str(), w.1.as_str()),
            ("2026-02-23", "2026-02-23T00:00:00.000Z")
        );
        let m = window("2026-12-31T23:30:00Z", Bucket::Month, "Europe/Berlin");
        assert_eq!(
            (m.0.as_str(), m.2.as_str()),
            ("2027-01", "2027-01-31T23:00:00.000Z")
        );
    }

    #[test]
    fn half_hour_zones_keep_half_hour_keys() {
        let h = window("2026-05-22T10:10:00Z", Bucket::Hour, "Asia/Kolkata");
        assert_eq!(h.0, "2026-05-22T15:00+05:30");
        assert_eq!(h.1, "2026-05-22T09:30:00.000Z");
        // Lord Howe moves 30 minutes: windows stay ordered and contiguous across the change.
        let zone = TimeZone::named("Australia/Lord_Howe").unwrap();
        let mut start = window_containing(at("2026-04-04T12:00:00Z"), Bucket::Hour, &zone)
            .unwrap()
            .start;
        for _ in 0..10 {
            let w = window_containing(start, Bucket::Hour, &zone).unwrap();
            assert_eq!(w.start, start);
            assert!(w.end > w.start);
            start = w.end;
        }
    }

    #[test]
    fn invalid_instants_have_no_window() {
        assert_eq!(
            window_containing(f64::NAN, Bucket::Day, &TimeZone::utc()),
            None
        );
    }
}
