//! Expected strings were produced by Node 20:
//! `JSON.stringify(JSON.parse(input))` and `JSON.stringify(JSON.parse(input), null, 2)`.

use super::*;

/// (input JSON text, `JSON.stringify` output, `JSON.stringify(_, null, 2)` output)
const CASES: &[(&str, &str, &str)] = &[
    (r#"null"#, r#"null"#, r#"null"#),
    (r#"true"#, r#"true"#, r#"true"#),
    (r#"false"#, r#"false"#, r#"false"#),
    (r#"0"#, r#"0"#, r#"0"#),
    (r#"-0"#, r#"0"#, r#"0"#),
    (r#"-0.0"#, r#"0"#, r#"0"#),
    (r#"5.0"#, r#"5"#, r#"5"#),
    (r#"-42"#, r#"-42"#, r#"-42"#),
    (r#"1e21"#, r#"1e+21"#, r#"1e+21"#),
    (r#"1e-7"#, r#"1e-7"#, r#"1e-7"#),
    (r#"123e-20"#, r#"1.23e-18"#, r#"1.23e-18"#),
    (r#"0.000001"#, r#"0.000001"#, r#"0.000001"#),
    (r#"0.0000001"#, r#"1e-7"#, r#"1e-7"#),
    (r#"5e-324"#, r#"5e-324"#, r#"5e-324"#),
    (
        r#"1.7976931348623157e308"#,
        r#"1.7976931348623157e+308"#,
        r#"1.7976931348623157e+308"#,
    ),
    (
        r#"9007199254740993"#,
        r#"9007199254740992"#,
        r#"9007199254740992"#,
    ),
    (
        r#"12345678901234567890"#,
        r#"12345678901234567000"#,
        r#"12345678901234567000"#,
    ),
    (
        r#"-9223372036854775808"#,
        r#"-9223372036854776000"#,
        r#"-9223372036854776000"#,
    ),
    (
        r#"18446744073709551615"#,
        r#"18446744073709552000"#,
        r#"18446744073709552000"#,
    ),
    (r#"100"#, r#"100"#, r#"100"#),
    (
        r#"1e20"#,
        r#"100000000000000000000"#,
        r#"100000000000000000000"#,
    ),
    (r#"0.1"#, r#"0.1"#, r#"0.1"#),
    (r#"-1.5e-10"#, r#"-1.5e-10"#, r#"-1.5e-10"#),
    (r#"2.5e+25"#, r#"2.5e+25"#, r#"2.5e+25"#),
    (r#"4294967295"#, r#"4294967295"#, r#"4294967295"#),
    (
        r#"0.30000000000000004"#,
        r#"0.30000000000000004"#,
        r#"0.30000000000000004"#,
    ),
    (r#""""#, r#""""#, r#""""#),
    (r#""plain""#, r#""plain""#, r#""plain""#),
    (
        r#""quote\" backslash\\ slash\/""#,
        r#""quote\" backslash\\ slash/""#,
        r#""quote\" backslash\\ slash/""#,
    ),
    (
        r#""\u007f\u0080\u2028\u2029""#,
        "\"\u{7f}\u{80}\u{2028}\u{2029}\"",
        "\"\u{7f}\u{80}\u{2028}\u{2029}\"",
    ),
    (
        "\"\u{e9}\u{4e2d}\u{6587}\u{1f600}\"",
        "\"\u{e9}\u{4e2d}\u{6587}\u{1f600}\"",
        "\"\u{e9}\u{4e2d}\u{6587}\u{1f600}\"",
    ),
    (
        r#""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f""#,
        r#""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f""#,
        r#""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f""#,
    ),
    (r#"[]"#, r#"[]"#, r#"[]"#),
    (r#"{}"#, r#"{}"#, r#"{}"#),
    (
        r#"[[]]"#,
        r#"[[]]"#,
        r#"[
  []
]"#,
    ),
    (
        r#"[{}]"#,
        r#"[{}]"#,
        r#"[
  {}
]"#,
    ),
    (
        r#"{"a":[]}"#,
        r#"{"a":[]}"#,
        r#"{
  "a": []
}"#,
    ),
    (
        r#"[1,"two",null,true,{"x":[false]}]"#,
        r#"[1,"two",null,true,{"x":[false]}]"#,
        r#"[
  1,
  "two",
  null,
  true,
  {
    "x": [
      false
    ]
  }
]"#,
    ),
    (
        r#"{"a":{"b":{"c":[1,2,{"d":{}}]}},"e":"f"}"#,
        r#"{"a":{"b":{"c":[1,2,{"d":{}}]}},"e":"f"}"#,
        r#"{
  "a": {
    "b": {
      "c": [
        1,
        2,
        {
          "d": {}
        }
      ]
    }
  },
  "e": "f"
}"#,
    ),
    (
        r#"{"a":1,"10":2,"2":3,"01":4,"-1":5,"4294967295":6,"4294967294":7,"0":8,"b":9,"1.5":10,"":11," 1":12,"1 ":13,"+1":14,"00":15}"#,
        r#"{"0":8,"2":3,"10":2,"4294967294":7,"a":1,"01":4,"-1":5,"4294967295":6,"b":9,"1.5":10,"":11," 1":12,"1 ":13,"+1":14,"00":15}"#,
        r#"{
  "0": 8,
  "2": 3,
  "10": 2,
  "4294967294": 7,
  "a": 1,
  "01": 4,
  "-1": 5,
  "4294967295": 6,
  "b": 9,
  "1.5": 10,
  "": 11,
  " 1": 12,
  "1 ": 13,
  "+1": 14,
  "00": 15
}"#,
    ),
    (
        r#"{"z":1,"y":{"3":"c","1":"a","x":0,"2":"b"}}"#,
        r#"{"z":1,"y":{"1":"a","2":"b","3":"c","x":0}}"#,
        r#"{
  "z": 1,
  "y": {
    "1": "a",
    "2": "b",
    "3": "c",
    "x": 0
  }
}"#,
    ),
    (
        r#"{"a":1,"b":2,"a":3}"#,
        r#"{"a":3,"b":2}"#,
        r#"{
  "a": 3,
  "b": 2
}"#,
    ),
    (
        r#"{"__proto__":{"k":1}}"#,
        r#"{"__proto__":{"k":1}}"#,
        r#"{
  "__proto__": {
    "k": 1
  }
}"#,
    ),
];

#[test]
fn matches_node_json_stringify() {
    for &(input, compact, pretty) in CASES {
        let value = parse(input).expect(input);
        assert_eq!(to_js_string(&value), compact, "compact for {input}");
        assert_eq!(to_js_string_pretty(&value), pretty, "pretty for {input}");
    }
}

#[test]
fn numbers_match_js_string_conversion() {
    // Expected values are `String(n)` in Node 20.
    let cases: &[(f64, &str)] = &[
        (0.0, "0"),
        (-0.0, "0"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        (123e-20, "1.23e-18"),
        (0.1 + 0.2, "0.30000000000000004"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (9007199254740993u64 as f64, "9007199254740992"),
        (-123456.0, "-123456"),
        (f64::NAN, "null"),
        (f64::INFINITY, "null"),
        (f64::NEG_INFINITY, "null"),
    ];
    for &(n, expected) in cases {
        let mut out = String::new();
        write_js_number(n, &mut out);
        assert_eq!(out, expected, "{n:?}");
    }
    let from_u64 = Value::from(12345678901234567890u64);
    assert_eq!(to_js_string(&from_u64), "12345678901234567000");
    assert_eq!(to_js_string(&Value::from(-7i64)), "-7");
    assert_eq!(to_js_string(&serde_json::json!(5.0)), "5");
}

#[test]
fn array_index_keys() {
    for (key, expected) in [
        ("0", Some(0)),
        ("10", Some(10)),
        ("4294967294", Some(4294967294)),
        ("4294967295", None),
        ("9999999999", None),
        ("99999999999", None),
        ("01", None),
        ("00", None),
        ("-1", None),
        ("+1", None),
        ("1.5", None),
        ("", None),
        (" 1", None),
        ("a", None),
    ] {
        assert_eq!(array_index(key), expected, "{key:?}");
    }
}

#[test]
fn parse_error_has_position_but_no_input() {
    let err = parse("{\"secret\": sk-live-123}").unwrap_err();
    assert_eq!((err.line, err.column), (1, 12));
    assert_eq!(err.message, "expected value");
    assert!(!err.to_string().contains("sk-live"));
    assert_eq!(err.to_string(), "expected value at line 1 column 12");

    let err = parse("[1,\n").unwrap_err();
    assert_eq!(err.line, 2);
    assert_eq!(err.message, "EOF while parsing a value");

    let err = parse("[1] 2").unwrap_err();
    assert_eq!(err.message, "trailing characters");
}

use crate::test_rng::Rng;

fn random_string(rng: &mut Rng) -> String {
    const POOL: &[char] = &[
        'a', 'Z', '0', '9', ' ', '"', '\\', '/', '\n', '\t', '\u{0}', '\u{1f}', '\u{7f}', 'é',
        '\u{2028}', '中', '😀',
    ];
    let len = rng.below(8);
    (0..len)
        .map(|_| POOL[rng.below(POOL.len() as u64) as usize])
        .collect()
}

fn random_key(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => rng.below(20).to_string(),
        1 => ["01", "-1", "4294967295", "4294967294", "1.5"][rng.below(5) as usize].to_owned(),
        _ => random_string(rng),
    }
}

fn random_number(rng: &mut Rng) -> Value {
    match rng.below(4) {
        0 => Value::from(rng.next()),
        1 => Value::from(rng.next() as i64),
        2 => Value::from(rng.below(2000) as i64 - 1000),
        _ => {
            let f = f64::from_bits(rng.next());
            // Non-finite doubles are not representable as JSON numbers.
            serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
    }
}

fn random_value(rng: &mut Rng, depth: u32) -> Value {
    let pick = if depth >= 4 {
        rng.below(4)
    } else {
        rng.below(6)
    };
    match pick {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => random_number(rng),
        3 => Value::String(random_string(rng)),
        4 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.below(5))
                .map(|_| (random_key(rng), random_value(rng, depth + 1)))
                .collect(),
        ),
    }
}

/// Compares values as JS would hold them: every number as a double, object keys unordered.
fn same_as_js(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_as_js(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_as_js(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn random_values_round_trip() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2000 {
        let value = random_value(&mut rng, 0);
        for out in [to_js_string(&value), to_js_string_pretty(&value)] {
            let back: Value = serde_json::from_str(&out).expect(&out);
            assert!(same_as_js(&value, &back), "{value:?} -> {out}");
            // Writing is idempotent on its own output.
            assert_eq!(to_js_string(&back), to_js_string(&value));
        }
    }
}

/// (input, `JSON.stringify(JSON.parse(input))`), checked with Node 20.
const SPECIAL_CASES: &[(&str, &str)] = &[
    (r#""abc\ud83d""#, r#""abc\ud83d""#),
    (r#""\uD83D""#, r#""\ud83d""#),
    (r#""\udc00abc""#, r#""\udc00abc""#),
    (
        r#""\ude00\ud83d x \ud83d\ude00""#,
        "\"\\ude00\\ud83d x \u{1f600}\"",
    ),
    (r#""\ud83d\ud83d\ude00""#, "\"\\ud83d\u{1f600}\""),
    (r#""\udbff\udfff\udbff""#, "\"\u{10ffff}\\udbff\""),
    (
        "\"\u{10ffff}\u{10ffff}\u{100000}\"",
        "\"\u{10ffff}\u{10ffff}\u{100000}\"",
    ),
    (
        "\"\u{10ffff}\\ud800\u{10ffff}\"",
        "\"\u{10ffff}\\ud800\u{10ffff}\"",
    ),
    (r#""\\ud800""#, r#""\\ud800""#),
    (
        r#"{"\ud800":[1e400,-1e400,{"a":"\udfff"}]}"#,
        r#"{"\ud800":[null,null,{"a":"\udfff"}]}"#,
    ),
    (
        r#"[1e400, "x", 1.7976931348623157e308, 1.7976931348623159e308, -1e99999999999999999999]"#,
        r#"[null,"x",1.7976931348623157e+308,null,null]"#,
    ),
    ("1e400", "null"),
    ("\"\u{10ffff}\u{100800}\"", "\"\u{10ffff}\u{100800}\""),
];

#[test]
fn lone_surrogates_and_infinities_round_trip_like_node() {
    for (input, want) in SPECIAL_CASES {
        let value = parse(input).expect(input);
        assert_eq!(to_js_string(&value), *want, "{input}");
        // The pretty writer decodes the same way.
        let pretty = to_js_string_pretty(&value);
        assert_eq!(
            to_js_string(&parse(&pretty).expect(&pretty)),
            *want,
            "{pretty}"
        );
    }
    assert_eq!(js_number(&parse("1e400").unwrap()), Some(f64::INFINITY));
    assert_eq!(
        js_number(&parse("-1e400").unwrap()),
        Some(f64::NEG_INFINITY)
    );
    assert_eq!(js_str(&parse("1e400").unwrap()), None);
    // A literal marker string is a string, not a number.
    let literal = parse("\"\u{10ffff}\u{100800}\"").unwrap();
    assert_eq!(js_number(&literal), None);
    assert!(js_str(&literal).is_some());
    // Distinct inputs stay distinct.
    let a = parse(r#""\ud800""#).unwrap();
    let b = parse("\"\u{10ffff}\u{100000}\"").unwrap();
    assert_ne!(a, b);
}

#[test]
fn errors_after_a_rewrite_point_into_the_original_text() {
    // serde_json's positions for the same document without the surrogates.
    let plain = parse("[\"abcdef\", x]").unwrap_err();
    let err = parse(r#"["\ud83d", x]"#).unwrap_err();
    assert_eq!((err.line, err.column), (plain.line, plain.column));
    let err = parse("[1e400,\n \"\\udc00\", x]").unwrap_err();
    let plain = parse("[100000,\n \"abcdef\", x]").unwrap_err();
    assert_eq!((err.line, err.column), (plain.line, plain.column));
    assert!(parse(r#"["\ud83d"#).is_err());
    assert!(parse(r#""\ud83"#).is_err());
    assert!(parse("[1e400").is_err());
    assert!(parse("[01e400]").is_err());
    assert!(parse("[1e400x]").is_err());
}

fn nested(levels: usize) -> String {
    format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
}

#[test]
fn nesting_is_accepted_to_max_depth() {
    for levels in [127, 128, 129, 300, MAX_DEPTH] {
        let text = nested(levels);
        let value = parse(&text).expect("within the limit");
        assert_eq!(to_js_string(&value), text);
        assert!(!nests_too_deep(text.as_bytes()));
    }
    for levels in [MAX_DEPTH + 1, 100_000] {
        let text = nested(levels);
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nesting"), "{err}");
        assert_eq!((err.line, err.column), (1, MAX_DEPTH + 1));
        assert!(nests_too_deep(text.as_bytes()));
    }
    // Brackets inside strings do not count.
    let text = format!("[\"{}\\\"{}\"]", "[".repeat(1000), "{".repeat(1000));
    assert!(parse(&text).is_ok());
    assert!(!nests_too_deep(text.as_bytes()));
    let objects = format!("{}1{}", "{\"a\":".repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
    assert!(parse(&objects).is_ok());
    let objects = format!(
        "{}1{}",
        "{\"a\":".repeat(MAX_DEPTH + 1),
        "}".repeat(MAX_DEPTH + 1)
    );
    assert!(parse(&objects).is_err());
}

/// `JSON.stringify` of a JS string given as UTF-16 units (lone surrogates as `\udXXX`).
fn stringify_units(units: &[u16]) -> String {
    let mut out = String::from("\"");
    for item in char::decode_utf16(units.iter().copied()) {
        match item {
            Ok(c) => {
                let mut quoted = String::new();
                write_js_string(&c.to_string(), &mut quoted);
                out.push_str(&quoted[1..quoted.len() - 1]);
            }
            Err(e) => out.push_str(&format!("\\u{:04x}", e.unpaired_surrogate())),
        }
    }
    out.push('"');
    out
}

#[test]
fn random_utf16_strings_round_trip() {
    const UNITS: &[u16] = &[
        0x61, 0x22, 0x5c, 0x0a, 0xe9, 0xd83d, 0xde00, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xdb40,
    ];
    const EXTRA: &[&str] = &["\u{10ffff}", "\u{100000}", "\u{1007ff}", "\u{100800}"];
    let mut rng = Rng(0x51_7cc1_b727_220a);
    for _ in 0..3000 {
        // Input: every unit as an escape, or (sometimes) the raw character; plus raw plane-16
        // characters the encoding uses.
        let mut units = Vec::new();
        let mut input = String::from("\"");
        for _ in 0..rng.below(10) {
            if rng.below(5) == 0 {
                let s = EXTRA[rng.below(EXTRA.len() as u64) as usize];
                units.extend(s.encode_utf16());
                input.push_str(s);
            } else {
                let u = UNITS[rng.below(UNITS.len() as u64) as usize];
                units.push(u);
                input.push_str(&if rng.below(2) == 0 {
                    format!("\\u{u:04x}")
                } else {
                    format!("\\u{u:04X}")
                });
            }
        }
        input.push('"');
        let want = stringify_units(&units);
        let value = parse(&input).expect(&input);
        assert_eq!(to_js_string(&value), want, "{input}");
        // Reading what was written gives the same value.
        assert_eq!(parse(&want).expect(&want), value, "{want}");
    }
}

#[test]
fn to_utf8_is_what_javascript_encodes() {
    let v = parse(
        r#""a\ud83d b\udbff\udfff \ud83d\ude00 c\u{10ffff}""#
            .replace("\\u{10ffff}", "\u{10ffff}")
            .as_str(),
    )
    .unwrap();
    assert_eq!(
        to_utf8(v.as_str().unwrap()),
        "a\u{fffd} b\u{10ffff} \u{1f600} c\u{10ffff}"
    );
    assert!(matches!(to_utf8("plain"), std::borrow::Cow::Borrowed(_)));
}
