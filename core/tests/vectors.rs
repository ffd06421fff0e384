//! Runs the shared conformance vectors in `tests/vectors/*.json` against the core.
//! The Node suite runs the same files against the npm package (tests/node/vectors.test.mjs).

use std::path::PathBuf;

#[path = "vectors/admin.rs"]
mod admin;
#[path = "vectors/proxy.rs"]
mod proxy;

use pie_storage_core::bindings_support::{self, dispatch, query_indices, summarize_facts, Args};
use pie_storage_core::connections::{
    mask_proxy_url, to_provider_connection_summary, InMemoryProviderConnectionStore,
    JsonProviderConnectionStore, ProviderConnectionStore,
};
use pie_storage_core::env::{FixedClock, SequenceRandom};
use pie_storage_core::json::{to_js_string, to_utf8};
use pie_storage_core::paths::{default_provider_connection_file_path, default_usage_file_path};
use pie_storage_core::storage::MemoryStorage;
use pie_storage_core::usage::{
    create_usage_record_id, read_jsonl, summarize_usage_records, validate_usage_record,
    UsageRecordQuery,
};
use serde_json::{Map, Value};

fn vector_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/vectors exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// Decodes the vectors' encodings of values JSON cannot hold: `{"$number": "NaN"}` and
/// `{"$date": iso}` (a JavaScript Date, which the core receives as epoch milliseconds).
fn decode_query(value: &Value) -> UsageRecordQuery {
    let mut query: UsageRecordQuery =
        serde_json::from_value(strip_specials(value)).expect("query decodes");
    if let Some(limit) = value.get("limit").and_then(special_number) {
        query.limit = bindings_support::limit_from_js_number(limit);
    }
    for (key, slot) in [("from", &mut query.from), ("to", &mut query.to)] {
        if let Some(iso) = value
            .get(key)
            .and_then(|v| v.get("$date"))
            .and_then(Value::as_str)
        {
            let ms = pie_storage_core::time::parse_js_date(iso).expect("vector dates parse");
            *slot = Some(pie_storage_core::usage::DateBound::Millis(ms));
        }
    }
    query
}

fn special_number(v: &Value) -> Option<f64> {
    match v.get("$number")?.as_str()? {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

fn strip_specials(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !(v.get("$number").is_some() || v.get("$date").is_some()))
                .map(|(k, v)| (k.clone(), strip_specials(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn records_of(file: &Value, case: &Value) -> Vec<Map<String, Value>> {
    let list = match &case["records"] {
        Value::String(name) => &file["recordSets"][name.as_str()],
        inline => inline,
    };
    list.as_array()
        .expect("records is a list")
        .iter()
        .map(|r| r.as_object().expect("record is an object").clone())
        .collect()
}

/// `expected` ⊆ `actual`: objects compare only the expected keys, arrays compare whole.
fn subset_matches(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    if let Some(n) = special_number(expected) {
        let a = special_number(actual)
            .or(actual.as_f64())
            .unwrap_or(f64::NAN);
        return if n.is_nan() && (actual.is_null() || a.is_nan()) || n == a {
            Ok(())
        } else {
            Err(format!("{path}: expected {n}, got {actual}"))
        };
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                let got = a.get(k).ok_or_else(|| format!("{path}.{k}: missing"))?;
                subset_matches(v, got, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: expected {} items, got {}: {actual}",
                    e.len(),
                    a.len()
                ));
            }
            e.iter()
                .zip(a)
                .enumerate()
                .try_for_each(|(i, (e, a))| subset_matches(e, a, &format!("{path}[{i}]")))
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => Ok(()),
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: expected {e}, got {a}")),
    }
}

/// Exact comparison: same keys (and the same key order) everywhere.
fn exact_matches(expected: &Value, actual: &Value) -> Result<(), String> {
    let e = to_js_string(expected);
    let a = to_js_string(actual);
    if e == a {
        Ok(())
    } else {
        Err(format!("expected {e}\n     got {a}"))
    }
}

fn ids(records: &[Map<String, Value>], picked: &[usize]) -> Value {
    Value::Array(picked.iter().map(|&i| records[i]["id"].clone()).collect())
}

fn run_case(file: &Value, case: &Value) -> Result<(), String> {
    match case["op"].as_str().unwrap_or_default() {
        "query" => {
            let records = records_of(file, case);
            let picked = query_indices(records.as_slice(), &decode_query(&case["query"]));
            exact_matches(&case["expect"], &ids(&records, &picked))
        }
        "summary" | "summarizeQuery" => {
            let records = records_of(file, case);
            let summary = if case["op"] == "summary" {
                summarize_usage_records(&records)
            } else {
                let query = UsageRecordQuery {
                    limit: None,
                    ..decode_query(&case["query"])
                };
                summarize_facts(
                    records.as_slice(),
                    query_indices(records.as_slice(), &query),
                )
            };
            let actual = serde_json::to_value(&summary).map_err(|e| e.to_string())?;
            match (&case.get("expectExact"), &case.get("expect")) {
                (Some(exact), _) => exact_matches(exact, &actual),
                (None, Some(expected)) => subset_matches(expected, &actual, "summary"),
                _ => Err("case has no expectation".into()),
            }
        }
        "pricingTableInfo" | "pricingCost" | "pricingOverrides" | "pricingFile" => {
            run_pricing(case)
        }
        "chatFunction" => run_chat_function(case),
        "operator" => run_operator(case),
        "chatStore" => run_chat_store(case),
        "jsonl" => {
            let bytes = match case.get("base64").and_then(Value::as_str) {
                Some(b64) => decode_base64(b64),
                None => to_utf8(case["text"].as_str().unwrap_or_default())
                    .as_bytes()
                    .to_vec(),
            };
            let (records, diags) = every_read_path(&bytes)?;
            match (case.get("expectRecords"), case.get("expectRecordIds")) {
                (Some(want), _) => exact_matches(&decode_specials(want), &records)?,
                (None, Some(want)) => {
                    let ids: Vec<Value> = records
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|r| r["id"].clone())
                        .collect();
                    exact_matches(want, &Value::Array(ids))?
                }
                _ => return Err("case has no record expectation".into()),
            }
            exact_matches(&case["expectDiagnostics"], &diags)?;
            if let Some(want) = case.get("expectSummary") {
                let summary = bindings_support::UsageIndex::of_bytes(&bytes)
                    .summarize(&UsageRecordQuery::default());
                let actual = serde_json::to_value(&summary).map_err(|e| e.to_string())?;
                subset_matches(want, &summary_value(&summary, actual), "summary")?;
            }
            Ok(())
        }
        "line" => {
            validate_usage_record(&case["record"]).map_err(|e| e.to_string())?;
            let line = to_js_string(&case["record"]);
            if Some(line.as_str()) != case["expectLine"].as_str() {
                return Err(format!("expected {}\n     got {line}", case["expectLine"]));
            }
            // The line reads back as the record on every read path.
            let (records, diags) = every_read_path(format!("{line}\n").as_bytes())?;
            exact_matches(&Value::Array(vec![case["record"].clone()]), &records)?;
            exact_matches(&Value::Array(vec![]), &diags)
        }
        "usageFile" => run_usage_file(case),
        "series" => run_series(file, case),
        "summaryGroups" => run_summary_groups(file, case),
        "budgetWindows" => run_budget_windows(file, case),
        "requestDetails" => run_request_details(case),
        "proxyTest" | "proxyPoolSummary" => proxy::run(case),
        "admin" => admin::run(case),
        "validate" => {
            let result = validate_usage_record(&case["record"]);
            // The in-memory store accepts exactly what validation accepts, and keeps nothing else.
            if let Some(record) = case["record"].as_object() {
                let store = pie_storage_core::usage::InMemoryUsageStore::new();
                let stored = store.record_usage_object(record);
                if stored.is_ok() != result.is_ok()
                    || store.get_usage_records().len() != usize::from(stored.is_ok())
                {
                    return Err("InMemoryUsageStore disagrees with validate_usage_record".into());
                }
            }
            match (case.get("expectValid"), case.get("expectError"), result) {
                (Some(_), _, Ok(())) => Ok(()),
                (Some(_), _, Err(e)) => Err(format!("expected valid, got {e}")),
                (_, Some(want), Err(e)) => {
                    let got = serde_json::json!({"code": e.code.as_str(), "path": e.path});
                    exact_matches(want, &got)
                }
                (_, Some(_), Ok(())) => Err("expected an error, the record was accepted".into()),
                _ => Err("case has no expectation".into()),
            }
        }
        "defaultUsagePath" => {
            let env = case["env"].as_object().cloned().unwrap_or_default();
            let lookup = |k: &str| env.get(k).and_then(Value::as_str).map(str::to_owned);
            let got = default_usage_file_path(&lookup, case["home"].as_str().unwrap_or_default());
            exact_matches(&case["expect"], &Value::String(got))
        }
        "recordId" => {
            let prefix = case["prefix"].as_str().unwrap_or("usage");
            let id = create_usage_record_id(prefix).map_err(|e| e.to_string())?;
            let pattern = case["expectPattern"].as_str().unwrap_or_default();
            if matches_uuid_pattern(&id, prefix) {
                Ok(())
            } else {
                Err(format!("{id} does not match {pattern}"))
            }
        }
        "updateSettings" => {
            let store = InMemoryProviderConnectionStore::new(None);
            for step in case["steps"].as_array().cloned().unwrap_or_default() {
                let updates = Args::from_wire("updateSettings", vec![step])
                    .patch(0, false)
                    .map_err(|e| e.to_string())?;
                store.update_settings(&updates).map_err(|e| e.to_string())?;
            }
            let settings = store.get_settings().map_err(|e| e.to_string())?;
            exact_matches(&case["expect"], &Value::Object(settings))
        }
        "connectionStore" => run_connection_store(case),
        "quota" => run_quota_fn(case),
        "quotaStore" => run_quota_store(case),
        "quotaPrepare" => run_quota_prepare(case),
        "routing" => {
            let args = case["args"].as_array().cloned().unwrap_or_default();
            let name = case["fn"].as_str().unwrap_or_default();
            let got = bindings_support::routing_call(&Args::from_wire(name, args))
                .map_err(|e| e.to_string())?;
            exact_matches(&case["expect"], &got)
        }
        "defaultConnectionPath" => {
            let env = case["env"].as_object().cloned().unwrap_or_default();
            let lookup = |k: &str| env.get(k).and_then(Value::as_str).map(str::to_owned);
            let got = default_provider_connection_file_path(
                &lookup,
                case["home"].as_str().unwrap_or_default(),
            );
            exact_matches(&case["expect"], &Value::String(got))
        }
        "maskProxyUrl" => {
            let got = mask_proxy_url(case["input"].as_str().unwrap_or_default());
            exact_matches(&case["expect"], &Value::String(got))
        }
        "connectionSummary" => {
            let input = case["input"].as_object().cloned().unwrap_or_default();
            exact_matches(
                &case["expect"],
                &Value::Object(to_provider_connection_summary(&input)),
            )
        }
        other => Err(format!("unknown op {other:?}")),
    }
}

/// Runs a sequence of store calls with a fixed clock and sequential ids, checking each result
/// and, for the JSON store, the exact file bytes afterwards.
fn run_connection_store(case: &Value) -> Result<(), String> {
    let now = pie_storage_core::time::parse_js_date(case["fixedNow"].as_str().unwrap_or_default())
        .ok_or("fixedNow must be a date")?;
    let env = || -> (Box<FixedClock>, Box<SequenceRandom>) {
        (Box::new(FixedClock(now)), Box::default())
    };
    let steps = case["steps"].as_array().cloned().unwrap_or_default();
    if case["store"] == "memory" {
        let (clock, random) = env();
        let seed = case.get("seed").and_then(bindings_support::decode_value);
        let store = InMemoryProviderConnectionStore::with_env(seed.as_ref(), clock, random);
        return run_steps(&store, &steps);
    }
    let storage = match case["initialFile"].as_str() {
        Some(text) => MemoryStorage::with_content(to_utf8(text).as_bytes().to_vec()),
        None => MemoryStorage::new(),
    };
    let (clock, random) = env();
    let store = JsonProviderConnectionStore::with_env(storage, clock, random);
    run_steps(&store, &steps)?;
    match case.get("expectFile").and_then(Value::as_str) {
        None => Ok(()),
        Some(want) => {
            let got = String::from_utf8(store.storage().snapshot().unwrap_or_default())
                .map_err(|e| e.to_string())?;
            if got == to_utf8(want) {
                Ok(())
            } else {
                Err(format!(
                    "file differs:\n--- expected\n{want}\n--- got\n{got}"
                ))
            }
        }
    }
}

fn run_steps<S: ProviderConnectionStore>(store: &S, steps: &[Value]) -> Result<(), String> {
    for (i, step) in steps.iter().enumerate() {
        let args = step["args"].as_array().cloned().unwrap_or_default();
        let call = step["call"].as_str().unwrap_or_default();
        match (
            dispatch(store, &Args::from_wire(call, args)),
            step.get("expectError"),
        ) {
            (Ok(got), None) => {
                if let Some(want) = step.get("expect") {
                    exact_matches(want, &got).map_err(|e| format!("step {i} ({call}): {e}"))?;
                }
            }
            (Err(e), Some(code)) if code == e.code.as_str() => {}
            (Ok(_), Some(code)) => return Err(format!("step {i} ({call}): expected error {code}")),
            (Err(e), _) => return Err(format!("step {i} ({call}): {e}")),
        }
    }
    Ok(())
}

/// The id pattern of the vectors (`^prefix_` + lowercase v4 UUID), checked without a regex crate.
fn matches_uuid_pattern(id: &str, prefix: &str) -> bool {
    let Some(uuid) = id.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')) else {
        return false;
    };
    let groups: Vec<&str> = uuid.split('-').collect();
    let hex = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    };
    groups.len() == 5
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| hex(g))
        && groups[2].starts_with('4')
        && groups[3].starts_with(['8', '9', 'a', 'b'])
}

fn decode_base64(input: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = input.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::new();
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= u32::from(value(c)) << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn conformance_vectors() {
    let mut failures = Vec::new();
    let mut count = 0;
    for path in vector_files() {
        // Read as `JSON.parse` reads it: the vectors hold lone surrogates.
        let file =
            pie_storage_core::json::parse(&std::fs::read_to_string(&path).expect("readable"))
                .expect("valid JSON");
        for case in file["cases"].as_array().expect("cases") {
            count += 1;
            if let Err(why) = run_case(&file, case) {
                failures.push(format!(
                    "{} / {}: {why}",
                    path.file_name().unwrap().to_string_lossy(),
                    case["name"]
                ));
            }
        }
    }
    assert!(
        count >= 50,
        "expected the full vector set, found {count} cases"
    );
    assert!(
        failures.is_empty(),
        "{} of {count} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{count} conformance vectors passed");
}

/// Steps on one usage file (see tests/vectors/usage-file.json), through the store's index.
fn run_usage_file(case: &Value) -> Result<(), String> {
    use pie_storage_core::storage::{ByteStorage, MemoryStorage};
    use pie_storage_core::usage::JsonlUsageStore;
    let store = JsonlUsageStore::new(MemoryStorage::new());
    let text = |v: &Value| to_utf8(v.as_str().unwrap_or_default()).as_bytes().to_vec();
    for (i, step) in case["steps"].as_array().into_iter().flatten().enumerate() {
        let at = |e: String| format!("step {i}: {e}");
        if let Some(bytes) = step.get("append") {
            store
                .storage()
                .append(&text(bytes))
                .map_err(|e| at(e.to_string()))?;
        } else if let Some(bytes) = step.get("rewrite") {
            store.storage().rewrite_in_place(text(bytes));
        } else if let Some(bytes) = step.get("replace") {
            store
                .storage()
                .replace(&text(bytes))
                .map_err(|e| at(e.to_string()))?;
        } else if let Some(query) = step.get("query") {
            let records = store
                .query_usage(&decode_query(query))
                .map_err(|e| at(e.to_string()))?;
            let ids = Value::Array(records.iter().map(|r| r["id"].clone()).collect());
            exact_matches(&step["expectIds"], &ids).map_err(at)?;
            // The incremental index agrees with a full read of the same bytes, and every read
            // path agrees on those bytes.
            let bytes = store.storage().snapshot().unwrap_or_default();
            let full = read_jsonl(&bytes).records;
            let picked = query_indices(full.as_slice(), &decode_query(query));
            let want: Vec<Value> = picked
                .iter()
                .map(|&i| Value::Object(full[i].clone()))
                .collect();
            let got: Vec<Value> = records.into_iter().map(Value::Object).collect();
            exact_matches(&Value::Array(want), &Value::Array(got)).map_err(at)?;
            every_read_path(&bytes).map_err(at)?;
        } else if let Some(query) = step.get("summary") {
            let summary = store
                .summarize_usage(&decode_query(query))
                .map_err(|e| at(e.to_string()))?;
            let actual = serde_json::to_value(&summary).map_err(|e| e.to_string())?;
            subset_matches(&step["expect"], &actual, "summary").map_err(at)?;
            let bytes = store.storage().snapshot().unwrap_or_default();
            let full = read_jsonl(&bytes).records;
            let query = UsageRecordQuery {
                limit: None,
                ..decode_query(query)
            };
            let want = summarize_facts(full.as_slice(), query_indices(full.as_slice(), &query));
            if format!("{want:?}") != format!("{summary:?}") {
                return Err(at(format!("summary differs from a full read: {summary:?}")));
            }
            every_read_path(&bytes).map_err(at)?;
        } else if let Some(expected) = step.get("expectDiagnostics") {
            let diags: Vec<Value> = store
                .diagnostics()
                .iter()
                .map(|d| serde_json::json!({"line": d.line, "byteOffset": d.byte_offset, "code": d.code}))
                .collect();
            exact_matches(expected, &Value::Array(diags)).map_err(at)?;
        } else {
            return Err(at("unknown step".into()));
        }
    }
    Ok(())
}

/// `{"$number": "Infinity"}` (and `-Infinity`) in expected records → the reader's in-memory form
/// of `1e400`, which the writer prints as `null`, as `JSON.stringify(Infinity)` does.
fn decode_specials(v: &Value) -> Value {
    use pie_storage_core::json::{NEG_INFINITY, POS_INFINITY};
    match (special_number(v), v) {
        (Some(f64::INFINITY), _) => Value::String(POS_INFINITY.into()),
        (Some(f64::NEG_INFINITY), _) => Value::String(NEG_INFINITY.into()),
        (_, Value::Object(map)) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), decode_specials(v)))
                .collect(),
        ),
        (_, Value::Array(items)) => Value::Array(items.iter().map(decode_specials).collect()),
        _ => v.clone(),
    }
}

/// A summary as JSON with its non-finite numbers kept (`serde_json` turns them into `null`):
/// the total's amounts and the groups' `costUsd` as `{"$number": ...}`.
fn summary_value(summary: &pie_storage_core::usage::UsageSummary, mut value: Value) -> Value {
    let debug = format!("{summary:?}");
    if !debug.contains("NaN") && !debug.contains("inf") {
        return value;
    }
    fn fix(v: &mut Value, numbers: &[(&str, f64)]) {
        for (key, n) in numbers {
            if !n.is_finite() {
                let text = if n.is_nan() {
                    "NaN"
                } else if *n > 0.0 {
                    "Infinity"
                } else {
                    "-Infinity"
                };
                v[*key] = serde_json::json!({ "$number": text });
            }
        }
    }
    let group = |g: &pie_storage_core::usage::UsageSummaryGroup| {
        [
            ("inputTokens", g.input_tokens),
            ("outputTokens", g.output_tokens),
            ("costUsd", g.cost_usd),
        ]
    };
    fix(&mut value, &group(&summary.total));
    for (name, groups) in [
        ("byProvider", &summary.by_provider),
        ("byModel", &summary.by_model),
        ("byEndpoint", &summary.by_endpoint),
        ("byClientOrigin", &summary.by_client_origin),
    ] {
        for (i, g) in groups.iter().enumerate() {
            fix(&mut value[name][i], &group(g));
        }
    }
    value
}

/// Reads `bytes` on every read path of the core and checks they agree: the full reader
/// (`read_jsonl`), the records array text JavaScript hosts parse, `JsonlUsageStore` over memory
/// (records, records text, `query_usage`, `query_usage_array_text`, `summarize_usage`, all over
/// its index), the index built at once and streamed in small chunks, and the native file store.
/// Returns the records and diagnostics (`{line, byteOffset, code}`) they agree on.
fn every_read_path(bytes: &[u8]) -> Result<(Value, Value), String> {
    use pie_storage_core::bindings_support::records_array_text;
    use pie_storage_core::bindings_support::{StreamingIndex, UsageIndex};
    use pie_storage_core::storage::MemoryStorage;
    use pie_storage_core::usage::JsonlUsageStore;
    use pie_storage_core::usage::LineDiagnostic;
    let diags_of = |d: &[LineDiagnostic]| {
        Value::Array(
            d.iter()
                .map(|d| serde_json::json!({"line": d.line, "byteOffset": d.byte_offset, "code": d.code}))
                .collect(),
        )
    };
    let same = |what: &str, want: &Value, got: &Value| {
        exact_matches(want, got).map_err(|e| format!("{what} differs from read_jsonl: {e}"))
    };
    let as_array = |records: Vec<Map<String, Value>>| {
        Value::Array(records.into_iter().map(Value::Object).collect())
    };
    let read = read_jsonl(bytes);
    let diags = diags_of(&read.diagnostics);
    let full: Vec<Map<String, Value>> = read.records;
    let records = as_array(full.clone());

    // The array texts are the accepted lines verbatim (JavaScript parses them with one
    // `JSON.parse`; `json::parse` of a line is `JSON.parse` of it, tested in `json`). They are
    // compared as text: wrapping adds a level, so the array may nest deeper than MAX_DEPTH.
    let mut good = Vec::new();
    bindings_support::each_line(bytes, |line| {
        if bindings_support::parse_line(&line).is_ok() {
            good.push(String::from_utf8_lossy(line.bytes).into_owned());
        }
    });
    let array_of = |picked: &mut dyn Iterator<Item = usize>| {
        format!(
            "[{}]",
            picked
                .map(|i| good[i].as_str())
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    let all_lines = array_of(&mut (0..good.len()));
    let (text, text_diags) = records_array_text(bytes);
    if text != all_lines {
        return Err(format!(
            "records_array_text is not the accepted lines: {text}"
        ));
    }
    same(
        "records_array_text diagnostics",
        &diags,
        &diags_of(&text_diags),
    )?;

    let query = UsageRecordQuery::default();
    let asc: UsageRecordQuery =
        serde_json::from_value(serde_json::json!({"order": "asc"})).map_err(|e| e.to_string())?;
    let want_summary = format!(
        "{:?}",
        summarize_facts(full.as_slice(), query_indices(full.as_slice(), &query))
    );
    let check_store = |what: &str,
                       store: &dyn Fn() -> Result<(Value, Value, String, Vec<Value>), String>|
     -> Result<(), String> {
        let (got, got_diags, summary, queried) = store()?;
        same(&format!("{what} get_usage_records"), &records, &got)?;
        same(&format!("{what} diagnostics"), &diags, &got_diags)?;
        if summary != want_summary {
            return Err(format!(
                "{what} summarize_usage differs from the full read:\n{want_summary}\n{summary}"
            ));
        }
        for (q, got) in [&query, &asc].into_iter().zip(queried.chunks(2)) {
            let picked = query_indices(full.as_slice(), q);
            let want = Value::Array(
                picked
                    .iter()
                    .map(|&i| Value::Object(full[i].clone()))
                    .collect(),
            );
            same(&format!("{what} query_usage"), &want, &got[0])?;
            let want_text = array_of(&mut picked.iter().copied());
            if got[1] != Value::String(want_text) {
                return Err(format!("{what} query_usage_array_text: {}", got[1]));
            }
        }
        Ok(())
    };
    macro_rules! run_store {
        ($store:expr) => {{
            let store = $store;
            let got = as_array(store.get_usage_records().map_err(|e| e.to_string())?);
            let got_diags = diags_of(&store.diagnostics());
            let text = store.read_records_array_text().map_err(|e| e.to_string())?;
            if text != all_lines {
                return Err(format!(
                    "read_records_array_text is not the accepted lines: {text}"
                ));
            }
            let summary = format!(
                "{:?}",
                store.summarize_usage(&query).map_err(|e| e.to_string())?
            );
            let mut queried = Vec::new();
            for q in [&query, &asc] {
                queried.push(as_array(store.query_usage(q).map_err(|e| e.to_string())?));
                queried.push(Value::String(
                    store.query_usage_array_text(q).map_err(|e| e.to_string())?,
                ));
            }
            Ok((got, got_diags, summary, queried))
        }};
    }
    check_store("JsonlUsageStore (memory)", &|| {
        run_store!(JsonlUsageStore::new(MemoryStorage::with_content(
            bytes.to_vec()
        )))
    })?;

    let index = UsageIndex::of_bytes(bytes);
    same("index diagnostics", &diags, &diags_of(index.diagnostics()))?;
    let summary = format!("{:?}", index.summarize(&query));
    if summary != want_summary {
        return Err(format!("index summary differs:\n{want_summary}\n{summary}"));
    }
    for chunk in [1, 3, 64] {
        let mut stream = StreamingIndex::new();
        bytes.chunks(chunk).for_each(|c| stream.push(c));
        let index = stream.finish();
        same(
            "streamed index diagnostics",
            &diags,
            &diags_of(index.diagnostics()),
        )?;
        let summary = format!("{:?}", index.summarize(&query));
        if summary != want_summary {
            return Err(format!(
                "streamed summary ({chunk}-byte chunks) differs:\n{want_summary}\n{summary}"
            ));
        }
    }

    #[cfg(feature = "fs")]
    {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("usage.jsonl");
        std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
        check_store("JsonlUsageStore (file)", &|| {
            run_store!(JsonlUsageStore::new(
                pie_storage_core::storage::FileStorage::new(&path)
            ))
        })?;
    }
    Ok((records, diags))
}

/// The records of a case as JSONL bytes, each line as `JSON.stringify` writes it.
fn jsonl_of(records: &[Map<String, Value>]) -> Vec<u8> {
    records
        .iter()
        .map(|r| to_js_string(&Value::Object(r.clone())) + "\n")
        .collect::<String>()
        .into_bytes()
}

/// Runs `answer` on every path a usage store or pure function offers (records, JSONL bytes,
/// the JSONL store without and with a saved index, the in-memory store through the
/// `UsageStore` trait) and checks that they agree; returns the records path's answer.
///
/// The saved-index path needs more rows than the save threshold, so it runs on the records
/// repeated and is compared with the records path on the same repetition.
fn every_store_path<T: PartialEq + std::fmt::Debug>(
    records: &[Map<String, Value>],
    answer: &dyn Fn(Source<'_>) -> pie_storage_core::Result<T>,
) -> Result<pie_storage_core::Result<T>, String> {
    use pie_storage_core::usage::{InMemoryUsageStore, JsonlUsageStore};
    use std::sync::Arc;
    let want = answer(Source::Records(records));
    let bytes = jsonl_of(records);
    let file = JsonlUsageStore::new(MemoryStorage::with_content(bytes.clone()));
    let memory = InMemoryUsageStore::new();
    for r in records {
        memory.record_usage_object(r).map_err(|e| e.to_string())?;
    }
    let others = [
        ("JSONL bytes", answer(Source::Bytes(&bytes))),
        ("JSONL store", answer(Source::Store(&file))),
        ("in-memory store", answer(Source::Store(&memory))),
    ];
    for (what, got) in others {
        if format!("{got:?}") != format!("{want:?}") {
            return Err(format!(
                "{what} differs from the records path: {got:?}\n vs {want:?}"
            ));
        }
    }
    let repeat = 1100 / records.len().max(1) + 1;
    let many: Vec<Map<String, Value>> = (0..repeat).flat_map(|_| records.iter().cloned()).collect();
    let (data, saved) = (
        Arc::new(MemoryStorage::with_content(jsonl_of(&many))),
        Arc::new(MemoryStorage::new()),
    );
    let first = JsonlUsageStore::with_saved_index(data.clone(), saved.clone());
    let built = answer(Source::Store(&first));
    if saved.snapshot().is_none_or(|b| b.is_empty()) {
        return Err("the first store saved no index".into());
    }
    let loaded = answer(Source::Store(&JsonlUsageStore::with_saved_index(
        data, saved,
    )));
    let want_many = answer(Source::Records(&many));
    for (what, got) in [("built index", built), ("saved index", loaded)] {
        if format!("{got:?}") != format!("{want_many:?}") {
            return Err(format!(
                "{what} differs from the records path: {got:?}\n vs {want_many:?}"
            ));
        }
    }
    Ok(want)
}

/// Where a case's records are read from.
enum Source<'a> {
    Records(&'a [Map<String, Value>]),
    Bytes(&'a [u8]),
    Store(&'a dyn pie_storage_core::usage::UsageStore),
}

/// The error code or the JSON of a result, for comparison with a case's expectation.
fn expect_result<T: serde::Serialize>(
    case: &Value,
    got: pie_storage_core::Result<T>,
) -> Result<(), String> {
    match (case.get("expectError"), got) {
        (Some(code), Err(e)) => exact_matches(code, &Value::String(e.code.as_str().into())),
        (Some(code), Ok(_)) => Err(format!("expected {code}, got a result")),
        (None, Err(e)) => Err(format!("unexpected error {e}")),
        (None, Ok(value)) => {
            let actual = serde_json::to_value(&value).map_err(|e| e.to_string())?;
            if let Some(keys) = case.get("expectKeys") {
                let got: Vec<Value> = actual
                    .as_object()
                    .map(|o| o.keys().map(|k| Value::String(k.clone())).collect())
                    .unwrap_or_default();
                exact_matches(keys, &Value::Array(got))?;
            }
            match (case.get("expectExact"), case.get("expect")) {
                (Some(exact), _) => exact_matches(exact, &actual),
                (None, Some(expected)) => subset_matches(expected, &actual, "result"),
                _ => Err("case has no expectation".into()),
            }
        }
    }
}

/// Options JavaScript sends, read as the bindings read them: a value that does not decode is
/// `PIE_INVALID_QUERY`.
fn decode_options<T: serde::de::DeserializeOwned>(v: &Value) -> pie_storage_core::Result<T> {
    serde_json::from_value(v.clone()).map_err(|e| {
        pie_storage_core::Error::new(pie_storage_core::ErrorCode::InvalidQuery, e.to_string())
    })
}

fn run_series(file: &Value, case: &Value) -> Result<(), String> {
    use pie_storage_core::usage::{
        summarize_usage_jsonl_by_time, summarize_usage_records_by_time, UsageSeriesOptions,
    };
    let records = records_of(file, case);
    let query = decode_query(&case["query"]);
    let options = match decode_options::<UsageSeriesOptions>(&case["options"]) {
        Ok(options) => options,
        Err(e) => return expect_result::<()>(case, Err(e)),
    };
    let got = every_store_path(&records, &|source| match source {
        Source::Records(r) => summarize_usage_records_by_time(r, &query, &options),
        Source::Bytes(b) => summarize_usage_jsonl_by_time(b, &query, &options),
        Source::Store(s) => s.summarize_usage_by_time(&query, &options),
    })?;
    expect_result(case, got)
}

fn run_summary_groups(file: &Value, case: &Value) -> Result<(), String> {
    use pie_storage_core::usage::{summarize_usage_records_with, SummaryOptions};
    let records = records_of(file, case);
    let query = UsageRecordQuery {
        limit: None,
        ..decode_query(&case["query"])
    };
    let options = match decode_options::<SummaryOptions>(&case["options"]) {
        Ok(options) => options,
        Err(e) => return expect_result::<()>(case, Err(e)),
    };
    let got = every_store_path(&records, &|source| match source {
        Source::Records(r) => {
            let picked: Vec<_> = query_indices(r, &query)
                .into_iter()
                .map(|i| r[i].clone())
                .collect();
            Ok(summarize_usage_records_with(&picked, &options))
        }
        Source::Bytes(b) => {
            Ok(bindings_support::UsageIndex::of_bytes(b).summarize_with(&query, &options))
        }
        Source::Store(s) => s.summarize_usage_with(&query, &options),
    })?;
    expect_result(case, got)
}

/// `evaluateBudget`'s daily and monthly windows start where the series' day and month buckets
/// containing `now` start, in the same zone.
fn run_budget_windows(file: &Value, case: &Value) -> Result<(), String> {
    use pie_storage_core::time::Bucket;
    use pie_storage_core::usage::{summarize_usage_records_by_time, DateBound, UsageSeriesOptions};
    let records = records_of(file, case);
    let mut options = serde_json::json!({"settings": null, "now": case["now"], "records": records});
    if let Some(zone) = case.get("timeZone") {
        options["timeZone"] = zone.clone();
    }
    let budget = bindings_support::routing_call(&Args::from_wire("evaluateBudget", vec![options]))
        .map_err(|e| e.to_string())?;
    exact_matches(&case["expectDailyFrom"], &budget["daily"]["from"])?;
    exact_matches(&case["expectMonthlyFrom"], &budget["monthly"]["from"])?;
    let zone = case["timeZone"].as_str().unwrap_or("UTC");
    let now = pie_storage_core::time::parse_js_date(case["now"].as_str().unwrap_or_default());
    for (bucket, want) in [
        (Bucket::Day, "expectDailyFrom"),
        (Bucket::Month, "expectMonthlyFrom"),
    ] {
        let query = UsageRecordQuery {
            from: now.map(DateBound::Millis),
            to: now.map(DateBound::Millis),
            ..Default::default()
        };
        let options = UsageSeriesOptions::new(bucket, zone).map_err(|e| e.to_string())?;
        let series = summarize_usage_records_by_time(&records, &query, &options)
            .map_err(|e| e.to_string())?;
        let start = serde_json::to_value(&series).map_err(|e| e.to_string())?["from"].clone();
        exact_matches(&case[want], &start)?;
    }
    Ok(())
}

/// Steps on one request-details folder (a temp folder, the real file storage), as in
/// request-details.json; the Node suite runs the same steps through `createRequestDetailsStore`.
fn run_request_details(case: &Value) -> Result<(), String> {
    use pie_storage_core::details::{
        RequestDetailsOptions, RequestDetailsQuery, RequestDetailsStore,
    };
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let folder = dir.path().join("request-details");
    let options = RequestDetailsOptions::from_json(&case["options"]).map_err(|e| e.to_string());
    let store = match options.and_then(|o| {
        RequestDetailsStore::open(&folder, &o).map_err(|e| e.code.as_str().to_owned())
    }) {
        Ok(store) => store,
        Err(code) if case["expectError"].is_string() => {
            return exact_matches(
                &case["expectError"],
                &Value::from(code.replace("invalid request-details options", "PIE_INVALID_INPUT")),
            );
        }
        Err(e) => return Err(e),
    };
    let files = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .map(|d| {
                d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let segment = |name: &str| std::fs::read(folder.join(name)).unwrap_or_default();
    for (i, step) in case["steps"].as_array().into_iter().flatten().enumerate() {
        let at = |e: String| format!("step {i}: {e}");
        let outcome: Result<Value, pie_storage_core::Error> =
            if let Some(record) = step.get("record") {
                store
                    .record_request_detail(record.as_object().expect("record object"))
                    .map(Value::from)
            } else if let Some(query) = step.get("page") {
                RequestDetailsQuery::from_json(query)
                    .and_then(|q| store.get_request_details(&q))
                    .map(|page| {
                        serde_json::json!({
                            "ids": page.details.iter().map(|d| d["id"].clone()).collect::<Vec<_>>(),
                            "pagination": page.pagination,
                        })
                    })
            } else if let Some(id) = step.get("detail") {
                store
                    .get_request_detail(id.as_str().expect("id"))
                    .map(|d| d.map_or(Value::Null, Value::Object))
            } else if step.get("providers").is_some() {
                store.get_request_detail_providers().map(Value::from)
            } else {
                Ok(Value::Null)
            };
        if let Some(code) = step.get("expectError") {
            let got = outcome.err().map(|e| e.code.as_str().to_owned());
            exact_matches(code, &Value::from(got)).map_err(at)?;
            continue;
        }
        let got = outcome.map_err(|e| at(e.to_string()))?;
        if let Some(written) = step.get("expectWritten") {
            exact_matches(written, &got).map_err(at)?;
        }
        if let Some(ids) = step.get("expectIds") {
            exact_matches(ids, &got["ids"]).map_err(at)?;
        }
        if let Some(p) = step.get("expectPagination") {
            subset_matches(p, &got["pagination"], "pagination").map_err(at)?;
        }
        if step.get("detail").is_some() {
            if let Some(want) = step.get("expect") {
                if want.is_null() {
                    exact_matches(want, &got)
                } else {
                    subset_matches(want, &got, "detail")
                }
                .map_err(at)?;
            }
            if let Some(want) = step.get("expectExact") {
                exact_matches(want, &got).map_err(at)?;
            }
        }
        if let Some(want) = step.get("providers") {
            exact_matches(want, &got).map_err(at)?;
        }
        if let Some(want) = step.get("files") {
            exact_matches(want, &Value::from(files())).map_err(at)?;
        }
        if let Some(raw) = step.get("appendRaw") {
            std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
            let path = folder.join(raw["segment"].as_str().expect("segment"));
            let mut bytes = segment(raw["segment"].as_str().expect("segment"));
            bytes.extend_from_slice(raw["text"].as_str().expect("text").as_bytes());
            std::fs::write(path, bytes).map_err(|e| e.to_string())?;
        }
        if let Some(counts) = step.get("segmentLines").and_then(Value::as_object) {
            for (name, want) in counts {
                let lines = segment(name).iter().filter(|b| **b == b'\n').count();
                exact_matches(want, &Value::from(lines)).map_err(at)?;
            }
        }
        if let Some(starts) = step.get("segmentStartsWith").and_then(Value::as_object) {
            for (name, want) in starts {
                if !segment(name).starts_with(want.as_str().expect("text").as_bytes()) {
                    return Err(at(format!("{name} was changed")));
                }
            }
        }
        if let Some(secrets) = step.get("filesExclude").and_then(Value::as_array) {
            for name in files() {
                let text = String::from_utf8_lossy(&segment(&name)).into_owned();
                for secret in secrets.iter().filter_map(Value::as_str) {
                    if text.contains(secret) {
                        return Err(at(format!("{name} holds a secret: {secret}")));
                    }
                }
            }
        }
        if let Some(want) = step.get("diagnostics") {
            let got: Vec<Value> = store
                .diagnostics()
                .iter()
                .map(|d| serde_json::json!({"segment": d.segment, "line": d.line, "byteOffset": d.byte_offset, "code": d.code}))
                .collect();
            exact_matches(want, &Value::Array(got)).map_err(at)?;
        }
        if let Some(want) = step.get("config") {
            let got = serde_json::to_value(store.config()).map_err(|e| e.to_string())?;
            subset_matches(want, &got, "config").map_err(at)?;
        }
    }
    Ok(())
}

/// Numbers within 1e-9 (costs are sums of products of decimal rates); everything else exactly.
fn close_matches(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Number(e), Value::Number(a)) => {
            let (e, a) = (e.as_f64().unwrap(), a.as_f64().unwrap());
            ((e - a).abs() <= 1e-9)
                .then_some(())
                .ok_or(format!("{path}: expected {e}, got {a}"))
        }
        (Value::Object(e), Value::Object(a)) => e.iter().try_for_each(|(k, v)| {
            close_matches(v, a.get(k).unwrap_or(&Value::Null), &format!("{path}.{k}"))
        }),
        _ if expected == actual => Ok(()),
        _ => Err(format!("{path}: expected {expected}, got {actual}")),
    }
}

/// Pricing vectors (tests/vectors/pricing.json) through the public `pricing` API.
fn run_pricing(case: &Value) -> Result<(), String> {
    use pie_storage_core::pricing::{price_table_info, PriceOverrides, Rates};
    let state = |o: &PriceOverrides| serde_json::to_value(o).unwrap();
    match case["op"].as_str().unwrap() {
        "pricingTableInfo" => close_matches(
            &case["expect"],
            &serde_json::to_value(price_table_info()).unwrap(),
            "info",
        ),
        "pricingCost" => {
            // Through the binding layer, as JavaScript calls it (the coercions are checked too).
            let mut options = case
                .get("options")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({}));
            if let Some(overrides) = case.get("overrides") {
                options["overrides"] = overrides.clone();
            }
            let args = [
                case["tokens"].clone(),
                case["provider"].clone(),
                case["model"].clone(),
                options,
            ];
            let out = bindings_support::pricing_call(&Args::plain("computeUsageCost", &args))
                .expect("a pricing function");
            let actual = match (out, case.get("expectError")) {
                (Err(e), Some(code)) if code == e.code.as_str() => return Ok(()),
                (Ok(_), Some(code)) => return Err(format!("expected {code}")),
                (out, _) => out.map_err(|e| e.to_string())?,
            };
            match case.get("expectExact") {
                Some(exact) => exact_matches(exact, &actual),
                None => close_matches(&case["expect"], &actual, "cost"),
            }
        }
        "pricingOverrides" => {
            let mut o = PriceOverrides::default();
            for step in case["steps"].as_array().unwrap() {
                let result = if let Some(a) = step.get("set") {
                    Rates::from_json(&a[2])
                        .and_then(|r| o.set(a[0].as_str().unwrap(), a[1].as_str().unwrap(), r))
                        .map(|()| Value::Null)
                } else if let Some(a) = step.get("delete") {
                    Ok(Value::Bool(o.delete(a[0].as_str().unwrap(), a[1].as_str())))
                } else {
                    o = PriceOverrides::default();
                    Ok(Value::Null)
                };
                match (result, step.get("expectError")) {
                    (Err(e), Some(code)) if code == e.code.as_str() => {}
                    (Err(e), _) => return Err(format!("{step}: {e}")),
                    (Ok(_), Some(code)) => return Err(format!("{step}: expected {code}")),
                    (Ok(v), None) => {
                        if let Some(expected) = step.get("expectResult") {
                            exact_matches(expected, &v)?;
                        }
                    }
                }
                if let Some(expected) = step.get("expectState") {
                    exact_matches(expected, &state(&o))?;
                }
            }
            Ok(())
        }
        _ => {
            for file in case["files"].as_array().unwrap() {
                let parsed =
                    PriceOverrides::from_file(file["text"].as_str().unwrap().as_bytes(), "f");
                match (parsed, file.get("expectError")) {
                    (Err(e), Some(code)) if code == e.code.as_str() => {}
                    (Ok(o), None) => exact_matches(&file["expectState"], &state(&o))?,
                    (other, _) => return Err(format!("{}: got {other:?}", file["text"])),
                }
            }
            Ok(())
        }
    }
}

/// Quota and proxy functions through the binding layer, as JavaScript calls them.
fn run_quota_fn(case: &Value) -> Result<(), String> {
    let args = case["args"].as_array().cloned().unwrap_or_default();
    let name = case["fn"].as_str().unwrap_or_default();
    let out = bindings_support::quota_call(&Args::from_wire(name, args))
        .ok_or(format!("unknown quota function {name}"))?;
    match (out, case.get("expectError")) {
        (Err(e), Some(code)) if code == e.code.as_str() => Ok(()),
        (Ok(_), Some(code)) => Err(format!("expected {code}")),
        (Err(e), _) => Err(e.to_string()),
        (Ok(got), _) => match case.get("expectSubset") {
            Some(want) => subset_matches(want, &got, "result"),
            None => exact_matches(&case["expect"], &got),
        },
    }
}

fn quota_limits(case: &Value) -> pie_storage_core::quota::QuotaLimits {
    let mut limits = pie_storage_core::quota::QuotaLimits::default();
    let n = |k: &str| case["limits"][k].as_u64().map(|n| n as usize);
    limits.max_history = n("maxHistory").unwrap_or(limits.max_history);
    limits.max_events = n("maxEvents").unwrap_or(limits.max_events);
    limits
}

/// Steps on one quota file (tests/vectors/quota.json), with its bytes checked afterwards.
fn run_quota_store(case: &Value) -> Result<(), String> {
    use pie_storage_core::quota::JsonQuotaStore;
    let initial = case["initialFile"].as_str();
    let storage = match initial {
        Some(text) => MemoryStorage::with_content(text.as_bytes().to_vec()),
        None => MemoryStorage::new(),
    };
    let store = JsonQuotaStore::new(storage, quota_limits(case));
    for (i, step) in case["steps"].as_array().into_iter().flatten().enumerate() {
        let call = step["call"].as_str().unwrap_or_default();
        let args = Args::from_wire(call, step["args"].as_array().cloned().unwrap_or_default());
        let out = bindings_support::quota_store_call(&args).and_then(|c| store.call(c));
        let at = |e: String| format!("step {i} ({call}): {e}");
        match (out, step.get("expectError")) {
            (Err(e), Some(code)) if code == e.code.as_str() => {}
            (Ok(_), Some(code)) => return Err(at(format!("expected {code}"))),
            (Err(e), _) => return Err(at(e.to_string())),
            (Ok(got), None) => {
                if let Some(want) = step.get("expect") {
                    exact_matches(want, &got).map_err(at)?;
                }
            }
        }
    }
    let file = store_file(&store);
    if let Some(want) = case.get("expectFile").and_then(Value::as_str) {
        if file.as_deref() != Some(want) {
            return Err(format!(
                "file differs:\n--- expected\n{want}\n--- got\n{file:?}"
            ));
        }
    }
    if case["expectFileUnchanged"] == true && file.as_deref() != initial {
        return Err("the corrupt file was overwritten".into());
    }
    Ok(())
}

fn store_file(store: &pie_storage_core::quota::JsonQuotaStore<MemoryStorage>) -> Option<String> {
    String::from_utf8(store.storage().snapshot()?).ok()
}

/// Rounds of `prepareProviderConnections` on an in-memory store with a fake fetcher.
fn run_quota_prepare(case: &Value) -> Result<(), String> {
    use pie_storage_core::quota::{
        prepare_provider_connections, DeactivationRule, JsonQuotaStore, PrepareOptions,
    };
    use std::sync::Mutex;
    let now = pie_storage_core::time::parse_js_date(case["fixedNow"].as_str().unwrap_or_default())
        .ok_or("fixedNow must be a date")?;
    let seed = case.get("seed").and_then(bindings_support::decode_value);
    let store = InMemoryProviderConnectionStore::with_env(
        seed.as_ref(),
        Box::new(FixedClock(now)),
        Box::<SequenceRandom>::default(),
    );
    let quota = JsonQuotaStore::new(MemoryStorage::new(), Default::default());
    if let Some(rule) = case.get("rule") {
        let rule = DeactivationRule::from_json(rule).map_err(|e| e.to_string())?;
        quota
            .set_deactivation_rule(rule)
            .map_err(|e| e.to_string())?;
    }
    for (i, round) in case["rounds"].as_array().into_iter().flatten().enumerate() {
        let at = |e: String| format!("round {i}: {e}");
        let fetched = Mutex::new(Vec::<(String, Value)>::new());
        let fetcher = |c: &pie_storage_core::ProviderConnection,
                       proxy: &pie_storage_core::proxy::ResolvedProxy| {
            let id = c.id().unwrap_or_default().to_owned();
            fetched.lock().unwrap().push((id.clone(), proxy.to_value()));
            match &round["fetch"][&id] {
                Value::Object(o) if o.contains_key("$throw") => {
                    Err(o["$throw"].as_str().unwrap_or_default().to_owned())
                }
                Value::Null => Err("no fake result".to_owned()),
                v => Ok(v.clone()),
            }
        };
        let env = round["env"].as_object().into_iter().flatten();
        let options = PrepareOptions {
            provider: case["provider"].as_str().unwrap_or_default().into(),
            now_ms: round["now"]
                .as_str()
                .and_then(pie_storage_core::time::parse_js_date),
            env: env
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect(),
            concurrency: 2,
        };
        let got = prepare_provider_connections(&store, &fetcher, Some(&quota), &options)
            .map_err(|e| at(e.to_string()))?;
        let mut ids: Vec<_> = fetched.lock().unwrap().clone();
        ids.sort_by(|a, b| a.0.cmp(&b.0));
        let fetched_ids: Vec<Value> = ids.iter().map(|(id, _)| Value::from(id.clone())).collect();
        exact_matches(&round["expectFetched"], &Value::Array(fetched_ids)).map_err(at)?;
        if let Some(want) = round["expectProxies"].as_object() {
            for (id, proxy) in want {
                let got = ids.iter().find(|(i, _)| i == id).map(|(_, p)| p.clone());
                exact_matches(proxy, &got.unwrap_or(Value::Null)).map_err(at)?;
            }
        }
        let got = Value::Array(got.into_iter().map(Value::Object).collect());
        subset_matches(&round["expectConnections"], &got, "connections").map_err(at)?;
        if let Some(want) = round.get("expectAll") {
            let all = store
                .get_provider_connections(&Map::new())
                .map_err(|e| e.to_string())?;
            let all = Value::Array(all.into_iter().map(Value::Object).collect());
            subset_matches(want, &all, "all").map_err(at)?;
        }
        for id in round["expectNoMark"].as_array().into_iter().flatten() {
            let c = store.get_provider_connection_by_id(id.as_str().unwrap_or_default());
            let c = c.map_err(|e| e.to_string())?.ok_or("no such connection")?;
            if c["providerSpecificData"]
                .get("pieLabQuotaDeactivation")
                .is_some()
            {
                return Err(at(format!("{id} still carries the deactivation mark")));
            }
        }
        if let Some(want) = round.get("expectEvents") {
            let events = serde_json::to_value(quota.events().map_err(|e| e.to_string())?).unwrap();
            exact_matches(want, &events).map_err(at)?;
        }
        if let Some(want) = round["expectQuota"].as_object() {
            for (id, entry) in want {
                let latest =
                    serde_json::to_value(quota.latest(id).map_err(|e| e.to_string())?).unwrap();
                subset_matches(entry, &latest, id).map_err(at)?;
            }
        }
    }
    Ok(())
}

/// Compares a chat result with the case's `expect` (exact) or `expectSubset`, or its error with
/// `expectError`; `expectNotContaining` strings must not appear in the result's JSON.
fn chat_outcome(case: &Value, out: pie_storage_core::Result<Value>) -> Result<(), String> {
    let actual = match (out, case.get("expectError")) {
        (Err(e), Some(code)) if code == e.code.as_str() => return Ok(()),
        (Err(e), _) => return Err(e.to_string()),
        (Ok(v), Some(code)) => return Err(format!("expected {code}, got {v}")),
        (Ok(v), None) => v,
    };
    let text = to_js_string(&actual);
    for secret in case["expectNotContaining"].as_array().into_iter().flatten() {
        if text.contains(secret.as_str().unwrap()) {
            return Err(format!("the result holds {secret}"));
        }
    }
    match (case.get("expect"), case.get("expectSubset")) {
        (Some(exact), _) => exact_matches(exact, &actual),
        (None, Some(subset)) => subset_matches(subset, &actual, "result"),
        (None, None) => Ok(()),
    }
}

/// A chat vector's pure function, by npm name through the binding layer.
/// Operator rules (tests/vectors/operator.json) through the binding table.
fn run_operator(case: &Value) -> Result<(), String> {
    let name = case["fn"].as_str().unwrap_or_default();
    let args = Args::from_wire(name, case["args"].as_array().cloned().unwrap_or_default());
    let out = bindings_support::operator_call(&args)
        .ok_or("not an operator function")?
        .map_err(|e| e.to_string())?;
    exact_matches(&case["expect"], &out)
}

fn run_chat_function(case: &Value) -> Result<(), String> {
    let name = case["fn"].as_str().unwrap();
    let args = Args::from_wire(name, case["args"].as_array().unwrap().clone());
    let out = bindings_support::chat_function(&args).ok_or("not a chat function")?;
    chat_outcome(case, out)
}

/// A chat vector's store steps on a temporary agent folder (`ChatStateStore::open`).
#[cfg(feature = "fs")]
fn run_chat_store(case: &Value) -> Result<(), String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let at = |rel: &str| dir.path().join(rel);
    for (rel, content) in case["files"].as_object().into_iter().flatten() {
        let bytes = match content {
            Value::String(text) => text.clone().into_bytes(),
            other => decode_base64(other["$base64"].as_str().unwrap()),
        };
        std::fs::create_dir_all(at(rel).parent().unwrap()).unwrap();
        std::fs::write(at(rel), bytes).unwrap();
    }
    let stamp = |rel: &str| {
        std::fs::metadata(at(rel))
            .map(|m| (m.ino(), m.mtime_nsec(), m.mtime()))
            .ok()
    };
    let store = pie_storage_core::chat::ChatStateStore::open(dir.path().to_str().unwrap());
    for step in case["steps"].as_array().unwrap() {
        let name = format!("{}: {step}", case["name"]);
        if let Some(call) = step["call"].as_str() {
            let untouched = step["expectUntouched"].as_str();
            let before = untouched.map(stamp);
            let args = Args::from_wire(call, step["args"].as_array().unwrap().clone());
            let out = bindings_support::chat_call(&args).and_then(|c| store.call(c));
            chat_outcome(step, out).map_err(|e| format!("{name}: {e}"))?;
            if let (Some(rel), Some(before)) = (untouched, before) {
                if stamp(rel) != before {
                    return Err(format!("{name}: {rel} was rewritten"));
                }
            }
        }
        for (rel, text) in step["expectFile"].as_object().into_iter().flatten() {
            let got = std::fs::read(at(rel)).map_err(|e| format!("{name}: {e}"))?;
            let want = text.as_str().unwrap();
            if got != want.as_bytes() {
                return Err(format!(
                    "{name}: {rel} is {:?}",
                    String::from_utf8_lossy(&got)
                ));
            }
        }
        if let Some(rel) = step["expectMissing"].as_str() {
            if at(rel).exists() {
                return Err(format!("{name}: {rel} exists"));
            }
        }
        for (rel, mode) in step["expectMode"].as_object().into_iter().flatten() {
            let got = std::fs::metadata(at(rel)).unwrap().permissions().mode() & 0o777;
            if format!("{got:o}") != mode.as_str().unwrap() {
                return Err(format!("{name}: {rel} has mode {got:o}"));
            }
        }
    }
    Ok(())
}

#[cfg(not(feature = "fs"))]
fn run_chat_store(_case: &Value) -> Result<(), String> {
    Ok(())
}
