//! Durations announced in prose ("… reset after 1h30m", "Try again in ~7 min."), matched by
//! hand exactly as the router's two regular expressions match them (no regex engine here).
//!
//! Shared rules of both patterns, from JS regex semantics without the `u` flag: `\s` is JS
//! whitespace and line terminators ([`is_js_whitespace`]); `\d` is ASCII `0-9` only; `/i`
//! folds ASCII letters only (no non-ASCII character matches an ASCII letter); `\b` is a change
//! between `[A-Za-z0-9_]` and anything else. Digit runs are read with `Number(...)`.

use crate::js_value::is_js_whitespace;

/// `parseResetDurationFromText`: the `reset after` form if it gives more than 0 ms, else the
/// `try again in` form (which may give 0), else `None`.
pub(super) fn reset_duration_from_text(text: &str) -> Option<f64> {
    match reset_after(text) {
        Some(total) if total > 0.0 => Some(total),
        _ => try_again_in(text),
    }
}

/// `/reset after\s+(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?/i`, total in ms.
///
/// Everything after `\s+` is optional, so the match is the *first* `reset after` followed by
/// whitespace, even when a later one would give a duration. Each group is taken when it fits:
/// a digit run, optional whitespace, then the unit letter. Only that letter is checked, so
/// `reset after 5ms` reads as 5 minutes and `5 minutes` as 5 minutes too.
fn reset_after(text: &str) -> Option<f64> {
    let start = text.char_indices().find_map(|(i, _)| {
        let after = strip_prefix_ascii_ci(&text[i..], "reset after")?;
        let ws = whitespace_len(after);
        (ws > 0).then(|| &after[ws..])
    })?;
    let mut rest = start;
    let mut unit = |letter: u8| -> f64 {
        let Some((amount, used)) = amount_and_letter(rest, letter) else {
            return 0.0;
        };
        rest = &rest[used..];
        rest = &rest[whitespace_len(rest)..];
        amount
    };
    let hours = unit(b'h');
    let minutes = unit(b'm');
    let seconds = unit(b's');
    Some(hours * 3_600_000.0 + minutes * 60_000.0 + seconds * 1000.0)
}

/// `(\d+)\s*<letter>` at the start of `s`: the amount and the bytes used.
fn amount_and_letter(s: &str, letter: u8) -> Option<(f64, usize)> {
    let digits = digit_len(s);
    if digits == 0 {
        return None;
    }
    let at = digits + whitespace_len(&s[digits..]);
    let found = s.as_bytes().get(at)?;
    found
        .eq_ignore_ascii_case(&letter)
        .then(|| (read_digits(&s[..digits]), at + 1))
}

/// Units of the `try again in` pattern, in the pattern's order (the first that ends at a word
/// boundary wins, so `minutes` is reached only after `min`, `mins` and `minute` fail).
const TRY_AGAIN_UNITS: [&str; 10] = [
    "min", "mins", "minute", "minutes", "m", "sec", "secs", "second", "seconds", "s",
];

/// `/try again in\s+~?\s*(\d+)\s*(min|mins|minute|minutes|m|sec|secs|second|seconds|s)\b/i`,
/// in ms (minutes when the unit starts with `m`). Unlike `reset after`, a failed attempt moves
/// on to the next `try again in`: in `try again in 5ms … try again in 2 s` the first has no
/// whole unit (`ms`), so the second gives 2000. The amount may be 0.
fn try_again_in(text: &str) -> Option<f64> {
    text.char_indices().find_map(|(i, _)| {
        let after = strip_prefix_ascii_ci(&text[i..], "try again in")?;
        let ws = whitespace_len(after);
        if ws == 0 {
            return None;
        }
        let mut rest = &after[ws..];
        rest = rest.strip_prefix('~').unwrap_or(rest);
        rest = &rest[whitespace_len(rest)..];
        let digits = digit_len(rest);
        if digits == 0 {
            return None;
        }
        let amount = read_digits(&rest[..digits]);
        rest = &rest[digits..];
        rest = &rest[whitespace_len(rest)..];
        let unit = TRY_AGAIN_UNITS.iter().find(|unit| {
            strip_prefix_ascii_ci(rest, unit)
                .is_some_and(|tail| !tail.bytes().next().is_some_and(is_word_byte))
        })?;
        Some(if unit.starts_with('m') {
            amount * 60_000.0
        } else {
            amount * 1000.0
        })
    })
}

/// `s` without a leading ASCII-case-insensitive `prefix` (which must be ASCII, so the cut is
/// always on a character boundary).
fn strip_prefix_ascii_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.as_bytes().get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix.as_bytes())
        .then(|| &s[prefix.len()..])
}

/// Bytes of leading `\s*`.
fn whitespace_len(s: &str) -> usize {
    s.char_indices()
        .find(|&(_, c)| !is_js_whitespace(c))
        .map_or(s.len(), |(i, _)| i)
}

/// Bytes of leading `\d*`.
fn digit_len(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// `Number(digits)` for a non-empty ASCII digit run (any length; rounds like JS).
fn read_digits(digits: &str) -> f64 {
    digits.parse().unwrap_or(f64::NAN)
}

/// `\w` without the `u` flag.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_after_reads_hours_minutes_and_seconds() {
        let cases: &[(&str, Option<f64>)] = &[
            ("Your quota will reset after 1h30m", Some(5_400_000.0)),
            ("reset after 45s", Some(45_000.0)),
            ("RESET AFTER 10 M", Some(600_000.0)),
            ("reset after 1h 2m 3s", Some(3_723_000.0)),
            ("reset after\t2 h\n5 s", Some(7_205_000.0)),
            ("reset after 2 hours", Some(7_200_000.0)),
            ("reset after 5 minutes", Some(300_000.0)),
            ("reset after 5ms", Some(300_000.0)),
            ("reset after 90s", Some(90_000.0)),
            ("reset after\u{a0}7s", Some(7000.0)),
            ("reset after 0s", None),
            ("reset after soon; reset after 30s", None),
            ("reset after:30s", None),
            ("reset after 1 2h", None),
            ("reset  after 5s", None),
        ];
        for (text, want) in cases {
            let got = reset_duration_from_text(text);
            assert_eq!(got, *want, "{text:?}");
        }
        assert_eq!(reset_after("reset after now"), Some(0.0));
        assert_eq!(reset_after("no reset here"), None);
    }

    #[test]
    fn try_again_in_reads_minutes_and_seconds() {
        let cases: &[(&str, Option<f64>)] = &[
            (
                "You have hit your ChatGPT usage limit. Try again in ~7 min.",
                Some(420_000.0),
            ),
            ("please try again in 3 minutes", Some(180_000.0)),
            ("Try again in ~ 12 Sec.", Some(12_000.0)),
            ("try again in 7 mins", Some(420_000.0)),
            ("try again in 90s", Some(90_000.0)),
            ("try again in 1 second", Some(1000.0)),
            ("try again in 4m", Some(240_000.0)),
            ("try again in 5 minuteså", Some(300_000.0)),
            ("try again in 0 min", Some(0.0)),
            ("try again in 5ms", None),
            ("try again in 2 hours", None),
            ("try again in ~~5 s", None),
            ("try again in5 s", None),
            ("try again in 5mx, try again in 2 s", Some(2000.0)),
            ("reset after 0s, try again in 20 secs", Some(20_000.0)),
        ];
        for (text, want) in cases {
            assert_eq!(reset_duration_from_text(text), *want, "{text:?}");
        }
    }

    #[test]
    fn non_ascii_text_is_safe_and_never_folds_to_ascii() {
        // U+017F (long s) upper-cases to S, but without the `u` flag it does not match `s`.
        assert_eq!(reset_duration_from_text("reset after 5\u{17f}"), None);
        assert_eq!(reset_duration_from_text("réset after 5s"), None);
        assert_eq!(reset_duration_from_text("ü reset after 5s ü"), Some(5000.0));
        assert_eq!(reset_duration_from_text("try again in 5 s€"), Some(5000.0));
        assert_eq!(reset_duration_from_text(""), None);
    }

    #[test]
    fn long_digit_runs_round_like_number() {
        assert_eq!(
            reset_duration_from_text("try again in 00000000000000000000000000003 s"),
            Some(3000.0)
        );
        assert_eq!(
            reset_duration_from_text(&format!("reset after {}s", "9".repeat(400))),
            Some(f64::INFINITY)
        );
    }
}
