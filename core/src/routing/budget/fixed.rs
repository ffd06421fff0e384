//! `Number.prototype.toFixed`, which the budget uses to round dollar amounts and to print them.

use crate::js_value::string_to_number;
use crate::json::write_js_number;

/// More fractional digits than any finite double below 1e21 has, so formatting with this
/// precision prints the exact binary value.
const EXACT_DIGITS: usize = 1100;

/// `x.toFixed(digits)`: the exact value rounded to `digits` decimals, halves rounded away from
/// zero (the spec picks the larger `n` on a tie, after taking the sign off). `NaN` prints as
/// `"NaN"`; magnitudes from 1e21 up (and infinities) print as `String(x)`. `-0` prints unsigned,
/// a small negative value that rounds to zero keeps its sign (`"-0.00"`).
pub fn js_to_fixed(x: f64, digits: usize) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    let (sign, m) = (if x < 0.0 { "-" } else { "" }, x.abs());
    if m >= 1e21 {
        let mut out = sign.to_owned();
        if m.is_infinite() {
            out.push_str("Infinity");
        } else {
            write_js_number(m, &mut out);
        }
        return out;
    }
    let exact = format!("{m:.EXACT_DIGITS$}");
    let (int_part, frac) = exact.split_once('.').unwrap_or((exact.as_str(), ""));
    let mut kept: Vec<u8> = int_part
        .bytes()
        .chain(frac.bytes().chain(std::iter::repeat(b'0')).take(digits))
        .collect();
    // Everything after the kept digits is at least half a unit exactly when the next digit is
    // 5 or more, because the expansion is exact.
    if frac.as_bytes().get(digits).is_some_and(|&d| d >= b'5') {
        round_up(&mut kept);
    }
    let point = kept.len() - digits;
    let mut out = String::with_capacity(kept.len() + 2);
    out.push_str(sign);
    out.extend(kept[..point].iter().map(|&d| char::from(d)));
    if digits > 0 {
        out.push('.');
        out.extend(kept[point..].iter().map(|&d| char::from(d)));
    }
    out
}

/// `Number(x.toFixed(digits))`.
pub fn round_fixed(x: f64, digits: usize) -> f64 {
    if !x.is_finite() {
        return x;
    }
    string_to_number(&js_to_fixed(x, digits))
}

/// Adds one unit in the last place of a decimal digit string.
fn round_up(digits: &mut Vec<u8>) {
    for d in digits.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return;
        }
    }
    digits.insert(0, b'1');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_node_to_fixed() {
        // Outputs taken from Node 20.
        let cases: &[(f64, usize, &str)] = &[
            (0.0, 4, "0.0000"),
            (-0.0, 2, "0.00"),
            (1.005, 2, "1.00"),
            (1.5, 0, "2"),
            (2.5, 0, "3"),
            (-2.5, 0, "-3"),
            (0.001953125, 8, "0.00195313"),
            (0.1 + 0.2, 8, "0.30000000"),
            (123.456, 4, "123.4560"),
            (9.99995, 4, "10.0000"),
            (9.999951, 4, "10.0000"),
            (-1e-9, 8, "-0.00000000"),
            (1e21, 2, "1e+21"),
            (-1e21, 2, "-1e+21"),
            (f64::INFINITY, 2, "Infinity"),
            (f64::NEG_INFINITY, 2, "-Infinity"),
            (f64::NAN, 2, "NaN"),
            (5e-324, 4, "0.0000"),
            (123456789012345680000.0, 2, "123456789012345683968.00"),
        ];
        for &(x, digits, want) in cases {
            assert_eq!(js_to_fixed(x, digits), want, "({x}).toFixed({digits})");
        }
    }

    #[test]
    fn round_fixed_is_number_of_to_fixed() {
        assert_eq!(round_fixed(0.1 + 0.2, 8), 0.3);
        assert_eq!(round_fixed(0.001953125, 8), 0.00195313);
        assert!(round_fixed(-1e-9, 8).is_sign_negative());
        assert_eq!(round_fixed(f64::INFINITY, 2), f64::INFINITY);
        assert!(round_fixed(f64::NAN, 2).is_nan());
        assert_eq!(round_fixed(2e21, 8), 2e21);
    }
}
