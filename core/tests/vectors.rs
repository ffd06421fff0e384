//! Runs the shared conformance vectors in `tests/vectors/*.json` against the core.
//! The Node suite runs the same files against the npm package (tests/node/vectors.test.mjs).

use std::path::PathBuf;

use pie_storage_core::connections::{
    dispatch, mask_proxy_url, to_provider_connection_summary, InMemoryProviderConnectionStore,
    JsonProviderConnectionStore, ProviderConnectionStore,
};
use pie_storage_core::env::{FixedClock, SequenceRandom};
use pie_storage_core::json::to_js_string;
use pie_storage_core::paths::{default_provider_connection_file_path, default_usage_file_path};
use pie_storage_core::storage::MemoryStorage;
use pie_storage_core::usage::{
    create_usage_record_id, jsonl::read_jsonl, query_indices, summarize_facts,
    summarize_usage_records, validate_usage_record, UsageRecordQuery,
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
        query.limit = Some(limit);
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
        let a = actual.as_f64().unwrap_or(f64::NAN);
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
        "jsonl" => {
            let bytes = match case.get("base64").and_then(Value::as_str) {
                Some(b64) => decode_base64(b64),
                None => case["text"]
                    .as_str()
                    .unwrap_or_default()
                    .as_bytes()
                    .to_vec(),
            };
            let read = read_jsonl(&bytes);
            let records = Value::Array(read.records.into_iter().map(Value::Object).collect());
            exact_matches(&case["expectRecords"], &records)?;
            let diags: Vec<Value> = read
                .diagnostics
                .iter()
                .map(|d| serde_json::json!({"line": d.line, "byteOffset": d.byte_offset, "code": d.code}))
                .collect();
            exact_matches(&case["expectDiagnostics"], &Value::Array(diags))
        }
        "usageFile" => run_usage_file(case),
        "validate" => {
            let result = validate_usage_record(&case["record"]);
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
        "line" => {
            validate_usage_record(&case["record"]).map_err(|e| e.to_string())?;
            let line = to_js_string(&case["record"]);
            if Some(line.as_str()) == case["expectLine"].as_str() {
                Ok(())
            } else {
                Err(format!("expected {}\n     got {line}", case["expectLine"]))
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
                let updates = step.as_object().cloned().unwrap_or_default();
                store.update_settings(&updates).map_err(|e| e.to_string())?;
            }
            let settings = store.get_settings().map_err(|e| e.to_string())?;
            exact_matches(&case["expect"], &Value::Object(settings))
        }
        "connectionStore" => run_connection_store(case),
        "routing" => {
            let args = case["args"].as_array().cloned().unwrap_or_default();
            let got =
                pie_storage_core::routing::call(case["fn"].as_str().unwrap_or_default(), &args)
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
        let store = InMemoryProviderConnectionStore::with_env(case.get("seed"), clock, random);
        return run_steps(&store, &steps);
    }
    let storage = match case["initialFile"].as_str() {
        Some(text) => MemoryStorage::with_content(text.as_bytes().to_vec()),
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
            if got == want {
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
        match (dispatch(store, call, &args), step.get("expectError")) {
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
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("readable"))
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
    let text = |v: &Value| v.as_str().unwrap_or_default().as_bytes().to_vec();
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
        } else if let Some(query) = step.get("summary") {
            let summary = store
                .summarize_usage(&decode_query(query))
                .map_err(|e| at(e.to_string()))?;
            let actual = serde_json::to_value(&summary).map_err(|e| e.to_string())?;
            subset_matches(&step["expect"], &actual, "summary").map_err(at)?;
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
