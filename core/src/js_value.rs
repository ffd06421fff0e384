//! JavaScript value semantics the reference relies on (`String(v)`, `Number(v)`, truthiness,
//! `trim`, `parseInt`), applied to JSON values. Settings and record normalization are defined in
//! terms of these, so they live in one place.

use serde_json::Value;

use crate::json::write_js_number;

/// `String(v)` for a JSON value (objects print as `[object Object]`, arrays join with `,`).
pub fn to_js_string(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => {
            let mut out = String::new();
            write_js_number(n.as_f64().unwrap_or(f64::NAN), &mut out);
            // `String(NaN)` would be "NaN"; JSON numbers are always finite.
            out
        }
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Null => String::new(),
                other => to_js_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

/// `normalizeString(v)` of the reference: `null`/missing → `""`, else `String(v).trim()`.
pub fn normalize_string(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(v) => js_trim(&to_js_string(v)).to_owned(),
    }
}

/// `String.prototype.trim()`: strips ECMAScript WhiteSpace and LineTerminator code points.
pub fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_whitespace)
}

pub fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// JavaScript truthiness (`""`, `0`, `null`, `false` are falsy; objects and arrays are truthy).
pub fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(_) | Value::Object(_)) => true,
    }
}

/// `v ?? fallback`: the value unless it is missing or `null`.
pub fn nullish_or<'a>(v: Option<&'a Value>, fallback: &'a Value) -> &'a Value {
    match v {
        None | Some(Value::Null) => fallback,
        Some(v) => v,
    }
}

/// `Number(v)`.
pub fn to_number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => string_to_number(s),
        Value::Array(_) => string_to_number(&to_js_string(v)),
        Value::Object(_) => f64::NAN,
    }
}

/// `Number(s)` for a string: trimmed; empty is 0; decimal, `Infinity`, and `0x`/`0o`/`0b`
/// integers; anything else is NaN.
pub fn string_to_number(s: &str) -> f64 {
    let t = js_trim(s);
    if t.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(digits) = t.strip_prefix(prefix) {
            return parse_radix(digits, radix);
        }
    }
    let (sign, body) = match t.as_bytes()[0] {
        b'-' => (-1.0, &t[1..]),
        b'+' => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    if body == "Infinity" {
        return sign * f64::INFINITY;
    }
    if !is_decimal_literal(body) {
        return f64::NAN;
    }
    body.parse::<f64>().map(|n| sign * n).unwrap_or(f64::NAN)
}

fn parse_radix(digits: &str, radix: u32) -> f64 {
    if digits.is_empty() {
        return f64::NAN;
    }
    let mut n = 0.0f64;
    for c in digits.chars() {
        match c.to_digit(radix) {
            Some(d) => n = n * f64::from(radix) + f64::from(d),
            None => return f64::NAN,
        }
    }
    n
}

/// `StrUnsignedDecimalLiteral`: digits with an optional fraction and exponent (`.5`, `5.`, `1e3`).
fn is_decimal_literal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == b.len()
}

/// `parseInt(s, 10)`: leading whitespace, an optional sign, then as many digits as there are;
/// NaN when there are none.
pub fn parse_int(s: &str) -> f64 {
    let t = s.trim_start_matches(is_js_whitespace);
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    let digits: &str = &body[..body.bytes().take_while(u8::is_ascii_digit).count()];
    if digits.is_empty() {
        return f64::NAN;
    }
    // Parsing the digit string as a float rounds exactly as parseInt does for long inputs.
    digits.parse::<f64>().map(|n| sign * n).unwrap_or(f64::NAN)
}

/// `parseFloat(s)`: the longest decimal prefix (or `Infinity`), NaN when there is none.
pub fn parse_float(s: &str) -> f64 {
    let t = s.trim_start_matches(is_js_whitespace);
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    if body.starts_with("Infinity") {
        return sign * f64::INFINITY;
    }
    let end = (1..=body.len())
        .rev()
        .find(|&end| body.is_char_boundary(end) && is_decimal_literal(&body[..end]))
        .unwrap_or(0);
    if end == 0 {
        return f64::NAN;
    }
    body[..end]
        .parse::<f64>()
        .map(|n| sign * n)
        .unwrap_or(f64::NAN)
}

/// A JSON number for `n`, or `null` where JSON has no number (NaN, ±Infinity), as
/// `JSON.stringify` writes them.
pub fn number_value(n: f64) -> Value {
    // Whole numbers are stored as integers so they compare equal to parsed JSON (`1` == `1`).
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        return Value::from(n as i64);
    }
    serde_json::Number::from_f64(n)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// "One id or a list of ids" (`excludeConnectionIds`, a `status` filter, a combo's models): a
/// string is a list of one, an array keeps its strings (other elements can equal no string).
/// `None` for any other value; the caller decides whether that is an error, an empty list or a
/// filter that matches nothing. The one home of this coercion.
pub fn string_or_list(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn string_or_list_coerces_one_id_or_a_list() {
        assert_eq!(string_or_list(&json!("a")), Some(vec!["a".to_owned()]));
        assert_eq!(
            string_or_list(&json!(["a", 1, null, ["b"], "c"])),
            Some(vec!["a".to_owned(), "c".to_owned()])
        );
        assert_eq!(string_or_list(&json!([])), Some(vec![]));
        for other in [json!(null), json!(5), json!({"a": 1}), json!(true)] {
            assert_eq!(string_or_list(&other), None);
        }
    }

    #[test]
    fn number_conversion_matches_javascript() {
        let cases: &[(Value, f64)] = &[
            (json!(" 5 "), 5.0),
            (json!("1e2"), 100.0),
            (json!(""), 0.0),
            (json!("  "), 0.0),
            (json!("0x1A"), 26.0),
            (json!("-Infinity"), f64::NEG_INFINITY),
            (json!(".5"), 0.5),
            (json!("5."), 5.0),
            (json!(true), 1.0),
            (json!([]), 0.0),
            (json!(["7"]), 7.0),
        ];
        for (v, want) in cases {
            assert_eq!(to_number(v), *want, "{v}");
        }
        for v in [
            json!("abc"),
            json!("1e"),
            json!("-0x5"),
            json!([1, 2]),
            json!({}),
            json!("5px"),
        ] {
            assert!(to_number(&v).is_nan(), "{v}");
        }
    }

    #[test]
    fn parse_int_and_float_take_prefixes() {
        assert_eq!(parse_int("7x"), 7.0);
        assert_eq!(parse_int(" -5"), -5.0);
        assert_eq!(parse_int("2.9"), 2.0);
        assert!(parse_int("abc").is_nan());
        assert_eq!(parse_float("12.5%"), 12.5);
        assert_eq!(parse_float("1e3x"), 1000.0);
        assert!(parse_float("x1").is_nan());
    }

    #[test]
    fn strings_and_truthiness() {
        assert_eq!(normalize_string(Some(&json!("  a b \u{a0}"))), "a b");
        assert_eq!(normalize_string(Some(&json!(false))), "false");
        assert_eq!(normalize_string(Some(&json!(2.5))), "2.5");
        assert_eq!(normalize_string(Some(&json!(null))), "");
        assert_eq!(normalize_string(Some(&json!(["a", null, 1]))), "a,,1");
        assert!(!truthy(Some(&json!(""))));
        assert!(!truthy(Some(&json!(0))));
        assert!(truthy(Some(&json!({}))));
    }
}
