//! The scanner against the exact path: whenever it answers, it must answer what
//! `crate::json::parse` + `UsageFacts::from_object` (and `index_jsonl` before the scanner) give.

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::Value;

use super::*;
use crate::usage::columns::TEXT_FIELDS;
use crate::usage::facts::UsageFacts;

/// Facts in a comparable form: amounts as bit patterns, so `-0.0` differs from `0.0`.
type Facts = (Vec<Option<String>>, [Option<u64>; 10]);

fn facts(texts: [Option<&str>; crate::usage::columns::TEXT_COUNT], a: &Amounts) -> Facts {
    let amounts = [
        a.usage_input,
        a.usage_output,
        a.usage_cache_read,
        a.usage_cache_write,
        a.usage_reasoning,
        a.usage_total_tokens,
        a.input_tokens,
        a.output_tokens,
        a.cost_total,
        a.cost_usd,
    ]
    .map(|v| v.map(f64::to_bits));
    (
        texts.iter().map(|t| t.map(str::to_owned)).collect(),
        amounts,
    )
}

/// What the exact path gives: `None` when `crate::json::parse` rejects the line or it is not
/// an object.
fn exact(line: &[u8]) -> Option<Facts> {
    let text = String::from_utf8_lossy(line);
    match crate::json::parse(&text) {
        Ok(Value::Object(map)) => {
            let f = UsageFacts::from_object(&map);
            Some(facts(TEXT_FIELDS.map(|name| f.field(name)), &f.amounts))
        }
        _ => None,
    }
}

fn scanned(line: &[u8]) -> Option<Facts> {
    scan_line(line).map(|s| facts(s.texts(), &s.amounts))
}

/// Checks the contract on one line and returns whether the scanner answered.
fn agrees(line: &[u8]) -> Result<bool, TestCaseError> {
    let Some(got) = scanned(line) else {
        return Ok(false);
    };
    let shown = String::from_utf8_lossy(line);
    let want = exact(line);
    prop_assert!(
        want.is_some(),
        "scanned a line json::parse rejects: {shown:?}"
    );
    prop_assert_eq!(Some(&got), want.as_ref(), "exact path differs: {:?}", shown);
    Ok(true)
}

/// Asserts the scanner reads `line`, agreeing with the exact path, and returns its facts.
#[track_caller]
fn accepted(line: &str) -> ScannedLine<'static> {
    assert!(agrees(line.as_bytes()).unwrap(), "gave up on {line}");
    let s = scan_line(line.as_bytes()).unwrap();
    ScannedLine {
        texts: s.texts.map(|t| t.map(|t| Cow::Owned(t.into_owned()))),
        amounts: s.amounts,
    }
}

#[track_caller]
fn rejected(line: &[u8]) {
    assert!(
        scan_line(line).is_none(),
        "scanner accepted {:?}",
        String::from_utf8_lossy(line)
    );
}

/// Three lines of the bench file (`npm run bench`, seed 42): success, error, aborted.
const SAMPLES: [&str; 3] = [
    r#"{"id":"usage_84666a65-e579-4893-a545-a32b51509376","requestId":"chatcmpl_f2bb362a-53ae-45c6-a2d5-0baee39720bb","timestamp":"2026-01-01T00:00:05.165Z","requestedModel":"combo:coding","routingMode":"router","routeSource":"router","resolvedProvider":"openrouter","resolvedModel":"deepseek/deepseek-v3.2","connectionId":"conn_bec72d8d-e729-4c36-a8f7-ddb0128acfda","attemptIndex":0,"attemptCount":1,"endpoint":"/v1/responses","clientOrigin":"pie-chat:telegram","usage":{"input":39592,"output":656,"cacheRead":3381,"cacheWrite":0,"totalTokens":43629},"cost":{"input":0.01108576,"output":0.00027551999999999996,"cacheRead":0.00009466800000000001,"cacheWrite":0,"total":0.011455948,"currency":"USD","pricingSource":"pie-metadata"},"inputTokens":39592,"outputTokens":656,"costUsd":0.011455948,"status":"success","trace":[{"timestamp":"2026-01-01T00:00:05.165Z","phase":"attempt.start","provider":"openrouter","model":"deepseek/deepseek-v3.2","attemptIndex":0},{"timestamp":"2026-01-01T00:00:05.165Z","phase":"budget.check","metadata":{"mode":"off"}},{"timestamp":"2026-01-01T00:00:05.165Z","phase":"upstream.complete","status":"success"}]}"#,
    r#"{"id":"usage_bb7abe2c-68fc-4937-a2ef-9f42b81282ff","requestId":"chatcmpl_9f7661ca-2ef9-464b-a32a-e6f2e56658fc","timestamp":"2026-01-01T00:02:24.301Z","requestedModel":"combo:coding","routingMode":"router","routeSource":"router","resolvedProvider":"anthropic","resolvedModel":"claude-haiku-4.5","connectionId":"conn_84774441-f271-42e6-a8af-6b87041ecc84","attemptIndex":0,"attemptCount":1,"endpoint":"/v1/chat/completions","clientOrigin":"pie-chat:web","usage":{"input":0,"output":0,"cacheRead":0,"cacheWrite":0,"totalTokens":0},"cost":{"input":0,"output":0,"cacheRead":0,"cacheWrite":0,"total":0,"currency":"USD","pricingSource":"pie-metadata"},"inputTokens":0,"outputTokens":0,"costUsd":0,"status":"error","errorCode":429,"errorMessage":"rate limit exceeded","trace":[{"timestamp":"2026-01-01T00:02:24.301Z","phase":"attempt.start","provider":"anthropic","model":"claude-haiku-4.5","attemptIndex":0},{"timestamp":"2026-01-01T00:02:24.301Z","phase":"budget.check","metadata":{"mode":"off"}},{"timestamp":"2026-01-01T00:02:24.301Z","phase":"upstream.error","status":"error"}]}"#,
    r#"{"id":"usage_a2dac116-2620-47a9-a872-f080a4140e27","requestId":"chatcmpl_396c16a1-c61e-4719-a0a1-dfd682f0dab0","timestamp":"2026-01-01T00:19:04.462Z","requestedModel":"openrouter/gpt-5.4","routingMode":"fixed","routeSource":"fixed","resolvedProvider":"openai","resolvedModel":"gpt-5.4","connectionId":"conn_3402fbdc-f04d-4510-af7d-84a23036cc96","attemptIndex":0,"attemptCount":2,"endpoint":"/v1/chat/completions","clientOrigin":"pie-chat:web","usage":{"input":0,"output":0,"cacheRead":0,"cacheWrite":0,"totalTokens":0},"cost":{"input":0,"output":0,"cacheRead":0,"cacheWrite":0,"total":0,"currency":"USD","pricingSource":"pie-metadata"},"inputTokens":0,"outputTokens":0,"costUsd":0,"status":"aborted","errorCode":429,"errorMessage":"rate limit exceeded","trace":[{"timestamp":"2026-01-01T00:19:04.462Z","phase":"attempt.start","provider":"openai","model":"gpt-5.4","attemptIndex":0},{"timestamp":"2026-01-01T00:19:04.462Z","phase":"budget.check","metadata":{"mode":"off"}},{"timestamp":"2026-01-01T00:19:04.462Z","phase":"upstream.error","status":"aborted"}]}"#,
];

#[test]
fn sample_lines_match_the_exact_path() {
    for line in SAMPLES {
        accepted(line);
        let s = scan_line(line.as_bytes()).unwrap();
        assert_eq!(Some(facts(s.texts(), &s.amounts)), exact(line.as_bytes()));
        assert!(s
            .texts
            .iter()
            .flatten()
            .all(|t| matches!(t, Cow::Borrowed(_))));
    }
    let s = accepted(SAMPLES[0]);
    assert_eq!(
        s.texts(),
        [
            Some("2026-01-01T00:00:05.165Z"),
            Some("success"),
            Some("router"),
            Some("openrouter"),
            Some("deepseek/deepseek-v3.2"),
            Some("chatcmpl_f2bb362a-53ae-45c6-a2d5-0baee39720bb"),
            None,
            Some("/v1/responses"),
            Some("pie-chat:telegram"),
            Some("conn_bec72d8d-e729-4c36-a8f7-ddb0128acfda"),
            None,
            Some("combo:coding"),
        ]
    );
    assert_eq!(s.amounts.usage_total_tokens, Some(43629.0));
    assert_eq!(s.amounts.usage_reasoning, None);
    assert_eq!(s.amounts.cost_total, Some(0.011455948));
}

#[test]
fn escapes_in_needed_strings_are_decoded() {
    let line = r#"{"status":"a\"b\\c\/d\be\ff\ng\rh\ti\u00e9\u20AC\ud83d\ude00\u0000","endpoint":"/plain"}"#;
    accepted(line);
    let s = scan_line(line.as_bytes()).unwrap();
    assert_eq!(
        s.texts[1].as_deref(),
        Some("a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti\u{e9}\u{20ac}\u{1f600}\0")
    );
    assert!(matches!(s.texts[1], Some(Cow::Owned(_))));
    assert!(matches!(s.texts[7], Some(Cow::Borrowed("/plain"))));
    accepted(r#"{"status":"ünïcødé ✓ 😀"}"#);
    accepted(r#"{"status":"\""}"#);
    accepted(r#"{"status":""}"#);
}

#[test]
fn escapes_in_skipped_strings_are_validated() {
    accepted(r#"{"x":"\"\\\/\b\f\n\r\t\u0041\uD834\uDD1E","status":"ok"}"#);
    rejected(br#"{"x":"\x"}"#);
    rejected(br#"{"x":"\u12G4"}"#);
    rejected(br#"{"x":"\u12"}"#);
    rejected(br#"{"x":"\U0041"}"#);
    rejected(br#"{"x":"\'"}"#);
    rejected(br#"{"x":"\"#);
}

#[test]
fn lone_surrogates_are_skipped_or_left_to_the_exact_path() {
    for s in [
        r"\ud800",
        r"\udc00",
        r"\ud800\u0041",
        r"\ud800\n",
        r"\ud800x",
        r"\ud800\ud800",
        r"\udbff\udfff",
    ] {
        // In a skipped string: read, as by `JSON.parse`.
        accepted(&format!(r#"{{"trace":[{{"a":"{s}"}}],"status":"ok"}}"#));
        accepted(&format!(r#"{{"errorMessage":"abc{s}","status":"ok"}}"#));
        accepted(&format!(r#"{{"trace":{{"{s}":1}},"status":"ok"}}"#));
        // In a needed string or a top-level key: the exact path reads it (in its reserved
        // encoding).
        for line in [
            format!(r#"{{"status":"{s}"}}"#),
            format!(r#"{{"{s}":1,"status":"ok"}}"#),
        ] {
            assert!(crate::json::parse(&line).is_ok(), "{line}");
            rejected(line.as_bytes());
        }
    }
    // U+10FFFF, the reserved code point, in a needed string is left to the exact path too.
    rejected("{\"status\":\"a\u{10ffff}\"}".as_bytes());
    rejected("{\"status\":\"\\n\u{10ffff}\"}".as_bytes());
    accepted("{\"x\":\"\u{10ffff}\",\"status\":\"ok\"}");
    // A lone surrogate in a needed string agrees on the fallback path.
    let line = br#"{"status":"\ud83d","resolvedProvider":"p\ud83d","costUsd":1}"#;
    let mut builder = crate::usage::columns::ColumnsBuilder::default();
    let parsed = crate::usage::jsonl::Line {
        number: 1,
        offset: 0,
        bytes: line,
        terminated: true,
    };
    crate::usage::jsonl::push_line_facts(&mut builder, &parsed).expect("read");
}

#[test]
fn numbers_convert_like_serde_json() {
    let cases: [(&str, f64); 21] = [
        ("0", 0.0),
        ("-0", -0.0),
        ("-0.0", -0.0),
        ("-0e3", -0.0),
        ("7", 7.0),
        ("-42", -42.0),
        ("999999999999999", 999999999999999.0),
        ("9007199254740993", 9007199254740992.0),
        ("18446744073709551615", 18446744073709551615.0),
        ("18446744073709551616", 18446744073709551616.0),
        ("-9223372036854775809", -9223372036854775809.0),
        ("123456789012345678901234567890", 1.2345678901234568e29),
        ("1e3", 1000.0),
        ("1E+3", 1000.0),
        ("25e-1", 2.5),
        ("2.5E-3", 0.0025),
        ("0.1", 0.1),
        ("0.30000000000000004", 0.30000000000000004),
        ("1e-400", 0.0),
        ("1e308", 1e308),
        ("5e-324", 5e-324),
    ];
    for (text, want) in cases {
        let s = accepted(&format!(r#"{{"costUsd":{text}}}"#));
        assert_eq!(
            s.amounts.cost_usd.map(f64::to_bits),
            Some(want.to_bits()),
            "{text}"
        );
    }
}

#[test]
fn numbers_beyond_a_double_are_infinite() {
    for (text, want) in [
        ("1e400", f64::INFINITY),
        ("-1e400", f64::NEG_INFINITY),
        ("1.8e308", f64::INFINITY),
        ("1e99999999999999999999", f64::INFINITY),
        ("-1e99999999999999999999", f64::NEG_INFINITY),
    ] {
        let line = format!(r#"{{"x":[{text}],"status":"ok"}}"#);
        assert!(crate::json::parse(&line).is_ok(), "{line}");
        accepted(&line);
        let s = accepted(&format!(r#"{{"costUsd":{text}}}"#));
        assert_eq!(s.amounts.cost_usd, Some(want), "{text}");
        let s = accepted(&format!(
            r#"{{"usage":{{"input":{text}}},"cost":{{"total":{text}}}}}"#
        ));
        assert_eq!(
            (s.amounts.usage_input, s.amounts.cost_total),
            (Some(want), Some(want))
        );
    }
    accepted(&format!(r#"{{"x":{},"status":"ok"}}"#, "9".repeat(400)));
    accepted(&format!(r#"{{"costUsd":{}}}"#, "9".repeat(400)));
    accepted(&format!(r#"{{"x":{},"status":"ok"}}"#, "9".repeat(300)));
    accepted(&format!(r#"{{"x":0.{}1,"status":"ok"}}"#, "0".repeat(500)));
    accepted(r#"{"x":[1e-400,0e999,-0E+5],"status":"ok"}"#);
}

#[test]
fn number_grammar_is_enforced() {
    for text in [
        "01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "1.e3", "0x10", "NaN", "Infinity", "1_0",
        "--1", "1.5.5", "1ee5", "- 1",
    ] {
        rejected(format!(r#"{{"costUsd":{text}}}"#).as_bytes());
        rejected(format!(r#"{{"x":{text},"status":"ok"}}"#).as_bytes());
        rejected(format!(r#"{{"x":[{text}],"status":"ok"}}"#).as_bytes());
    }
}

#[test]
fn nested_values_are_skipped() {
    let s = accepted(
        r#"{"trace":[{"status":"no","usage":{"input":9}},[[[]]],{},[{"a":[1,{"b":null}]}],"x",true,false,null,-1.5e-3],"meta":{"status":{"costUsd":3},"list":[]},"status":"yes","usage":{"input":2,"nested":{"input":5},"total":[1]},"cost":{"x":{"total":1},"total":4}}"#,
    );
    assert_eq!(s.texts[1].as_deref(), Some("yes"));
    assert_eq!(s.amounts.usage_input, Some(2.0));
    assert_eq!(s.amounts.cost_total, Some(4.0));
    assert_eq!(s.amounts.cost_usd, None);
    accepted(r#"{}"#);
    accepted(r#"{"a":{},"b":[],"c":[{}],"d":{"e":[]}}"#);
}

#[test]
fn needed_fields_of_another_type_are_missing() {
    for value in [
        "1",
        "null",
        "true",
        "false",
        "{}",
        r#"{"a":"b"}"#,
        "[]",
        r#"["x"]"#,
    ] {
        let s = accepted(&format!(r#"{{"status":{value},"endpoint":"e"}}"#));
        assert_eq!(s.texts[1], None, "{value}");
        assert_eq!(s.texts[7].as_deref(), Some("e"));
    }
    for value in [r#""1""#, "null", "true", "{}", "[1]"] {
        let s = accepted(&format!(
            r#"{{"costUsd":{value},"usage":{{"input":{value},"output":1}},"cost":{{"total":{value}}}}}"#
        ));
        assert_eq!(s.amounts.cost_usd, None, "{value}");
        assert_eq!(s.amounts.usage_input, None);
        assert_eq!(s.amounts.usage_output, Some(1.0));
        assert_eq!(s.amounts.cost_total, None);
    }
    for value in ["5", r#""x""#, "null", "[1]", "true"] {
        let s = accepted(&format!(
            r#"{{"usage":{value},"cost":{value},"costUsd":2}}"#
        ));
        assert_eq!(s.amounts.usage_input, None);
        assert_eq!(s.amounts.cost_total, None);
        assert_eq!(s.amounts.cost(), Some(2.0));
    }
}

#[test]
fn whitespace_is_accepted_where_json_allows_it() {
    let s = accepted(
        " \t\r\n{ \"status\" :\t\"ok\" ,\r\n\"usage\" : { \"input\" : 1 , \"x\" : [ 1 , { \"y\" : null } ] } , \"trace\" : [ ] , \"cost\" :{\"total\":\t2 } }\r\n\t ",
    );
    assert_eq!(s.texts[1].as_deref(), Some("ok"));
    assert_eq!(s.amounts.usage_input, Some(1.0));
    assert_eq!(s.amounts.cost_total, Some(2.0));
    // Only JSON's four whitespace bytes: not a vertical tab, form feed, NBSP or BOM.
    for ws in [&b"\x0b"[..], b"\x0c", b"\xc2\xa0", b"\xef\xbb\xbf"] {
        for at in [0, 1, 10] {
            let mut line = br#"{"status":"ok"}"#.to_vec();
            line.splice(at..at, ws.iter().copied());
            rejected(&line);
        }
    }
}

#[test]
fn duplicate_needed_keys_give_up() {
    for line in [
        r#"{"status":"a","status":"b"}"#,
        r#"{"status":1,"status":"b"}"#,
        r#"{"costUsd":1,"x":0,"costUsd":2}"#,
        r#"{"usage":{"input":1},"usage":{"input":2}}"#,
        r#"{"usage":1,"usage":{"input":2}}"#,
        r#"{"cost":{"total":1},"cost":{}}"#,
        r#"{"usage":{"input":1,"input":2}}"#,
        r#"{"usage":{"totalTokens":1,"output":3,"totalTokens":"x"}}"#,
        r#"{"cost":{"total":1,"total":2}}"#,
    ] {
        assert!(crate::json::parse(line).is_ok(), "{line}");
        rejected(line.as_bytes());
    }
    // Duplicates the facts never read are harmless.
    accepted(r#"{"x":1,"x":2,"usage":{"y":1,"y":2},"cost":{"input":1,"input":2},"status":"s"}"#);
}

#[test]
fn escaped_keys_are_decoded() {
    let s =
        accepted(r#"{"st\u0061tus":"a","\"":1,"usage":{"inp\u0075t":1},"c\u006fst":{"t\/":2}}"#);
    assert_eq!(s.texts[1].as_deref(), Some("a"));
    assert_eq!(s.amounts.usage_input, Some(1.0));
    assert_eq!(s.amounts.cost_total, None);
    accepted(r#"{"trace":[{"st\u0061tus":"a","\"":1}],"status":"b"}"#);
    rejected(br#"{"status":"a","st\u0061tus":"b"}"#);
    rejected(br#"{"usage":{"input":1,"\u0069nput":2}}"#);
    rejected(br#"{"\ud800":1}"#);
    rejected(br#"{"\q":1}"#);
}

#[test]
fn control_bytes_in_strings_give_up() {
    for b in [0u8, 0x01, b'\t', b'\n', b'\r', 0x1f] {
        for template in [
            &br#"{"status":"a_b"}"#[..],
            br#"{"x":"a_b","status":"s"}"#,
            br#"{"a_b":1}"#,
        ] {
            let line: Vec<u8> = template
                .iter()
                .map(|&c| if c == b'_' { b } else { c })
                .collect();
            rejected(&line);
        }
    }
    // DEL is not a control byte for JSON.
    accepted("{\"status\":\"a\x7fb\"}");
}

#[test]
fn invalid_utf8_only_in_skipped_strings() {
    rejected(b"{\"status\":\"ok\xff\"}");
    rejected(b"{\"status\":\"ok\\n\xc3\"}");
    rejected(b"{\"x\":1,\xff\"status\":\"ok\"}");
    rejected(b"{\"x\":1}\xff");
    for line in [
        &b"{\"x\":\"\xff\xfe\",\"status\":\"ok\"}"[..],
        b"{\"trace\":[{\"m\":\"\xc3\"}],\"status\":\"ok\"}",
        b"{\"\xe2\x82\":1,\"status\":\"ok\"}",
        b"{\"status\xff\":\"no\",\"status\":\"ok\"}",
    ] {
        assert!(agrees(line).unwrap(), "{}", String::from_utf8_lossy(line));
        let s = scan_line(line).unwrap();
        assert_eq!(s.texts[1].as_deref(), Some("ok"));
    }
}

#[test]
fn grammar_violations_give_up() {
    for line in [
        "",
        " ",
        "{",
        "}",
        "[]",
        "[1]",
        "1",
        "\"s\"",
        "null",
        "{,}",
        r#"{"a":1,}"#,
        r#"{"a" 1}"#,
        r#"{"a":}"#,
        r#"{"a"}"#,
        r#"{a:1}"#,
        r#"{'a':1}"#,
        r#"{"a":1 "b":2}"#,
        r#"{"a":tru}"#,
        r#"{"a":nul}"#,
        r#"{"a":True}"#,
        r#"{"a":[1,]}"#,
        r#"{"a":[,1]}"#,
        r#"{"a":[1 2]}"#,
        r#"{"a":{"b"}}"#,
        r#"{"a":{"b":1,}}"#,
        r#"{"a":{,}}"#,
        r#"{"a":[}"#,
        r#"{"a":[1}}"#,
        r#"{"a":{"b":1]}"#,
        r#"{"a":"x}"#,
        r#"{"a":[1]"#,
        r#"{"a":1}}"#,
        r#"{} {}"#,
        r#"{}x"#,
        r#"{"status":"ok"},"#,
        r#"{"status":"ok""#,
        r#"{"status":"#,
        r#"{"status"#,
        r#"{"usage":{"input":1}"#,
        r#"{"usage":{"input":1,}}"#,
        r#"{"usage":{"input"}}"#,
        r#"{"cost":{"total":}}"#,
        r#"{"a":"\"}"#,
        "{\"a\":1}\x00",
    ] {
        rejected(line.as_bytes());
    }
}

#[test]
fn truncations_of_a_real_line_never_scan() {
    let line = SAMPLES[0].as_bytes();
    for end in 0..line.len() {
        assert!(scan_line(&line[..end]).is_none(), "{end}");
    }
}

/// `n` nested arrays inside a field of the top-level object: `n + 1` levels in all.
fn nested(n: usize) -> String {
    format!(
        r#"{{"x":{}{},"status":"ok"}}"#,
        "[".repeat(n),
        "]".repeat(n)
    )
}

#[test]
fn nesting_stops_where_the_exact_path_does() {
    const MAX: usize = crate::json::MAX_DEPTH;
    // `nested(n)` has n + 1 levels.
    assert!(crate::json::parse(&nested(MAX - 1)).is_ok());
    assert!(crate::json::parse(&nested(MAX)).is_err());
    for n in [120, 125, 126, 127, 128, 129, 255, 256, 257, 300, MAX - 1] {
        accepted(&nested(n));
    }
    rejected(nested(MAX).as_bytes());
    rejected(nested(100_000).as_bytes());
    // Objects and arrays mixed, across the 128-level words of the bit stack.
    let mixed = |n: usize| {
        let open: String = (0..n)
            .map(|i| if i % 3 == 0 { r#"{"a":"# } else { "[" })
            .collect();
        let close: String = (0..n)
            .rev()
            .map(|i| if i % 3 == 0 { "}" } else { "]" })
            .collect();
        format!(r#"{{"x":{open}1{close},"status":"ok"}}"#)
    };
    for n in [127, 128, 129, 256, 257, 400, MAX - 1] {
        accepted(&mixed(n));
    }
    rejected(mixed(MAX).as_bytes());
    // A mismatched bracket beyond the first word is still caught.
    let broken = format!(
        r#"{{"x":{}1{}}},"status":"ok"}}"#,
        "[".repeat(200),
        "]".repeat(199)
    );
    rejected(broken.as_bytes());
    // Inside `usage`, which is itself one level down.
    let deep = |n: usize| format!(r#"{{"usage":{{"x":{}{}}}}}"#, "[".repeat(n), "]".repeat(n));
    accepted(&deep(MAX - 2));
    rejected(deep(MAX - 1).as_bytes());
}

#[test]
fn special_mask_flags_exactly_the_special_bytes() {
    // Every byte value, in every lane, next to neighbours that could borrow or carry.
    for b in 0..=255u8 {
        for lane in 0..8 {
            for fill in [b'a', b'"', 0x00, 0x1f, 0x20, 0x21, 0x23, b'\\', 0x80, 0xff] {
                let mut bytes = [fill; 8];
                bytes[lane] = b;
                let mask = special_mask(u64::from_le_bytes(bytes));
                for (i, &byte) in bytes.iter().enumerate() {
                    let flagged = mask >> (i * 8 + 7) & 1 == 1;
                    assert_eq!(flagged, is_special(byte), "{bytes:?} lane {i}");
                }
                assert_eq!(mask & !HIGHS, 0);
            }
        }
    }
}

#[test]
fn find_special_finds_the_first_special_byte() {
    let mut bytes = vec![b'a'; 40];
    assert_eq!(find_special(&bytes, 0), None);
    for at in 0..40 {
        for special in [b'"', b'\\', 0, 0x1f, b'\n'] {
            bytes[at] = special;
            assert_eq!(find_special(&bytes, 0), Some((at, special)));
            // A later special must not hide the first.
            if at < 39 {
                bytes[39] = b'"';
                assert_eq!(find_special(&bytes, 0), Some((at, special)));
                bytes[39] = b'a';
            }
            bytes[at] = b'a';
        }
    }
    let near = [
        b' ', b'!', b'#', b'[', b']', 0x7f, 0x80, 0xa2, 0xdc, 0xff, 0x21, 0x20,
    ];
    assert_eq!(find_special(&near, 0), None);
}

// ---- Random lines ----

/// A JSON value to render, with strings as raw bytes so they can hold anything.
#[derive(Clone, Debug)]
enum J {
    Lit(&'static str),
    Num(String),
    Str(Vec<u8>),
    Arr(Vec<J>),
    Obj(Vec<(Vec<u8>, J)>),
}

/// Renders `j`, with whitespace between tokens chosen by `rng` when `spacing` is set.
fn render(j: &J, out: &mut Vec<u8>, rng: &mut u64, spacing: bool) {
    let ws = |out: &mut Vec<u8>, rng: &mut u64| {
        if spacing {
            *rng ^= *rng << 13;
            *rng ^= *rng >> 7;
            *rng ^= *rng << 17;
            let choices: [&[u8]; 8] = [b"", b"", b"", b"", b" ", b"\t", b"\r\n", b"  "];
            out.extend_from_slice(choices[(*rng % 8) as usize]);
        }
    };
    ws(out, rng);
    match j {
        J::Lit(s) => out.extend_from_slice(s.as_bytes()),
        J::Num(n) => out.extend_from_slice(n.as_bytes()),
        J::Str(s) => {
            out.push(b'"');
            out.extend_from_slice(s);
            out.push(b'"');
        }
        J::Arr(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                render(item, out, rng, spacing);
            }
            ws(out, rng);
            out.push(b']');
        }
        J::Obj(members) => {
            out.push(b'{');
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                render(&J::Str(key.clone()), out, rng, spacing);
                ws(out, rng);
                out.push(b':');
                render(value, out, rng, spacing);
            }
            ws(out, rng);
            out.push(b'}');
        }
    }
    ws(out, rng);
}

/// Keeps the first member of each key, at every level.
fn dedupe(j: &mut J) {
    match j {
        J::Arr(items) => items.iter_mut().for_each(dedupe),
        J::Obj(members) => {
            let mut keys = std::collections::HashSet::new();
            members.retain(|(k, _)| keys.insert(k.clone()));
            members.iter_mut().for_each(|(_, v)| dedupe(v));
        }
        _ => {}
    }
}

/// Pieces of string content; `odd` adds what makes a line invalid or unusual.
fn string_bytes(odd: bool) -> BoxedStrategy<Vec<u8>> {
    let escapes = prop::sample::select(vec![
        r#"\""#, r"\\", r"\/", r"\b", r"\f", r"\n", r"\r", r"\t",
    ]);
    let mut pieces = vec![
        (
            4,
            "[a-zA-Z0-9 :._/-]{0,8}"
                .prop_map(String::into_bytes)
                .boxed(),
        ),
        (
            2,
            any::<char>()
                .prop_filter("plain char", |c| *c >= ' ' && *c != '"' && *c != '\\')
                .prop_map(|c| c.to_string().into_bytes())
                .boxed(),
        ),
        (2, escapes.prop_map(|e| e.as_bytes().to_vec()).boxed()),
        (
            2,
            (any::<u16>(), any::<bool>())
                .prop_filter("not a surrogate", |(u, _)| !(0xD800..=0xDFFF).contains(u))
                .prop_map(|(u, upper)| hex_escape(u, upper))
                .boxed(),
        ),
        (
            1,
            (0x10000u32..=0x10FFFF)
                .prop_map(|c| {
                    let c = c - 0x10000;
                    let mut v = hex_escape(0xD800 + (c >> 10) as u16, false);
                    v.extend(hex_escape(0xDC00 + (c & 0x3ff) as u16, true));
                    v
                })
                .boxed(),
        ),
    ];
    if odd {
        let odd_pieces = prop::sample::select(vec![
            &br"\ud800"[..],
            br"\uDBFF",
            br"\udc00",
            br"\ud800\u0041",
            br"\x",
            br"\u12",
            b"\x00",
            b"\x1f",
            b"\n",
            b"\xff",
            b"\xc3",
            b"\xe2\x82",
            b"\x80",
            b"\x7f",
        ]);
        pieces.push((2, odd_pieces.prop_map(<[u8]>::to_vec).boxed()));
    }
    vec(prop::strategy::Union::new_weighted(pieces), 0..5)
        .prop_map(|v| v.concat())
        .boxed()
}

fn hex_escape(u: u16, upper: bool) -> Vec<u8> {
    let s = if upper {
        format!(r"\u{u:04X}")
    } else {
        format!(r"\u{u:04x}")
    };
    s.into_bytes()
}

fn number(odd: bool) -> BoxedStrategy<String> {
    let mut choices = vec![
        any::<i64>().prop_map(|n| n.to_string()).boxed(),
        any::<u64>().prop_map(|n| n.to_string()).boxed(),
        (0u64..100_000).prop_map(|n| n.to_string()).boxed(),
        any::<f64>()
            .prop_filter("in range", |f| f.is_finite() && f.abs() <= 1e308)
            .prop_map(|f| format!("{f:?}"))
            .boxed(),
        "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,25})?([eE][+-]?[0-9]{1,2})?".boxed(),
        prop::sample::select(vec!["-0", "-0.0", "0", "0e0", "-0E+0", "9007199254740993"])
            .prop_map(str::to_owned)
            .boxed(),
    ];
    if odd {
        choices.push("-?(0|[1-9][0-9]{0,3})(\\.[0-9]{1,3})?[eE][+-]?[0-9]{3}".boxed());
        choices.push("[1-9][0-9]{300,320}".boxed());
        choices.push(
            prop::sample::select(vec![
                "1.7976931348623157e308",
                "1.7976931348623159e308",
                "01",
                "1.",
                ".5",
                "-",
                "+1",
                "1e",
                "NaN",
            ])
            .prop_map(str::to_owned)
            .boxed(),
        );
    }
    prop::strategy::Union::new(choices).boxed()
}

fn value(odd: bool) -> BoxedStrategy<J> {
    let leaf = prop_oneof![
        prop::sample::select(vec!["null", "true", "false"]).prop_map(J::Lit),
        number(odd).prop_map(J::Num),
        string_bytes(odd).prop_map(J::Str),
    ];
    leaf.prop_recursive(4, 24, 5, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(J::Arr),
            vec((key_bytes(odd), inner), 0..5).prop_map(J::Obj),
        ]
    })
    .boxed()
}

/// Keys of skipped objects: needed names among others, so the scanner must not read them.
fn key_bytes(odd: bool) -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            "status", "input", "total", "usage", "costUsd", "a", "b"
        ])
        .prop_map(|k| k.as_bytes().to_vec()),
        string_bytes(odd),
    ]
    .boxed()
}

const NUMBER_KEYS: [&str; 3] = ["inputTokens", "outputTokens", "costUsd"];
const USAGE_KEYS: [&str; 6] = [
    "input",
    "output",
    "cacheRead",
    "cacheWrite",
    "reasoning",
    "totalTokens",
];
const UNNEEDED_KEYS: [&str; 12] = [
    "id",
    "trace",
    "metadata",
    "input",
    "total",
    "Status",
    "statu",
    "statuss",
    "usage_",
    "costs",
    "",
    "routingmode",
];

/// A needed or unneeded key, with a value usually of the type the facts read.
fn member(
    odd: bool,
    keys: &'static [&'static str],
    mostly: BoxedStrategy<J>,
) -> BoxedStrategy<(Vec<u8>, J)> {
    (
        prop::sample::select(keys).prop_map(|k| k.as_bytes().to_vec()),
        prop_oneof![3 => mostly, 1 => value(odd)],
    )
        .boxed()
}

fn nested_object(odd: bool, keys: &'static [&'static str]) -> BoxedStrategy<J> {
    vec(
        prop_oneof![
            3 => member(odd, keys, number(odd).prop_map(J::Num).boxed()),
            1 => member(odd, &UNNEEDED_KEYS, value(odd)),
        ],
        0..8,
    )
    .prop_map(J::Obj)
    .boxed()
}

fn line_object(odd: bool) -> BoxedStrategy<J> {
    let text = member(
        odd,
        &TEXT_FIELDS,
        string_bytes(odd).prop_map(J::Str).boxed(),
    );
    let number = member(odd, &NUMBER_KEYS, number(odd).prop_map(J::Num).boxed());
    let usage = member(odd, &["usage"], nested_object(odd, &USAGE_KEYS));
    let cost = member(
        odd,
        &["cost"],
        nested_object(odd, &["total", "input", "currency"]),
    );
    let other = member(odd, &UNNEEDED_KEYS, value(odd));
    vec(
        prop_oneof![4 => text, 2 => number, 1 => usage, 1 => cost, 3 => other],
        0..16,
    )
    .prop_map(J::Obj)
    .boxed()
}

/// Lines the scanner must read: valid, no duplicate keys, nothing odd.
fn clean_line() -> impl Strategy<Value = Vec<u8>> {
    (line_object(false), any::<u64>(), any::<bool>()).prop_map(|(mut j, seed, spacing)| {
        dedupe(&mut j);
        let mut out = Vec::new();
        render(&j, &mut out, &mut (seed | 1), spacing);
        out
    })
}

/// Anything: odd values, duplicate keys, and random damage to the text.
fn wild_line() -> impl Strategy<Value = Vec<u8>> {
    let damage = prop_oneof![
        Just(None),
        (
            0u8..5,
            any::<prop::sample::Index>(),
            prop::sample::select(b"\"\\{}[],:0-e.+ u\x00\xff\x80nt".to_vec())
        )
            .prop_map(Some),
    ];
    (
        prop_oneof![line_object(true), line_object(false)],
        any::<u64>(),
        any::<bool>(),
        vec(damage, 0..3),
    )
        .prop_map(|(j, seed, spacing, damage)| {
            let mut out = Vec::new();
            render(&j, &mut out, &mut (seed | 1), spacing);
            for (kind, at, byte) in damage.into_iter().flatten() {
                let i = at.index(out.len() + 1);
                match kind {
                    0 => out.truncate(i),
                    1 if i < out.len() => {
                        out.remove(i);
                    }
                    2 => out.insert(i, byte),
                    3 if i < out.len() => out[i] = byte,
                    _ => {
                        let copy = out[i..].to_vec();
                        out.extend(copy);
                    }
                }
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn clean_lines_are_scanned_exactly(line in clean_line()) {
        prop_assert!(agrees(&line)?, "gave up on {:?}", String::from_utf8_lossy(&line));
    }

    #[test]
    fn wild_lines_never_disagree(line in wild_line()) {
        agrees(&line)?;
    }

    #[test]
    fn numbers_agree_with_serde_json(text in number(true)) {
        for line in [format!(r#"{{"costUsd":{text}}}"#), format!(r#"{{"x":[{text}],"status":"s"}}"#)] {
            agrees(line.as_bytes())?;
        }
    }

    #[test]
    fn find_special_agrees_with_a_plain_search(
        bytes in vec(prop::sample::select(b"a\"\\\x00\x02\x1f\x20\x21\x23\x5b\x5d\x7f\x80\xa2\xdc\xffZ".to_vec()), 0..40),
        start in 0usize..40,
    ) {
        let start = start.min(bytes.len());
        let plain = bytes[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .map(|i| (start + i, bytes[start + i]));
        prop_assert_eq!(find_special(&bytes, start), plain);
    }
}
