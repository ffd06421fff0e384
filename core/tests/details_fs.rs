//! The request-details store on real files: several threads (each its own store, as separate
//! processes would be) appending at once lose nothing; a torn tail and a damaged line are
//! skipped and reported, and the next append starts on a new line; a page read while another
//! store's retention removes segments is answered from the segments that remain; files are
//! private to their owner.
#![cfg(feature = "fs")]

use pie_storage_core::details::{RequestDetailsOptions, RequestDetailsQuery, RequestDetailsStore};
use serde_json::{json, Map, Value};

fn detail(id: &str, second: u32) -> Map<String, Value> {
    let v = json!({
        "id": id, "provider": "openai", "status": "success",
        "timestamp": format!("2026-05-22T00:{:02}:{:02}.000Z", second / 60, second % 60),
        "response": {"content": "z".repeat(500)},
    });
    v.as_object().cloned().unwrap_or_default()
}

fn options(value: Value) -> RequestDetailsOptions {
    let mut o = RequestDetailsOptions::from_json(&value).expect("options");
    o.max_age_ms = Some(0.0);
    o
}

fn all_ids(store: &RequestDetailsStore<pie_storage_core::FileStorage>) -> Vec<String> {
    let mut out = Vec::new();
    for page in 1..=1000 {
        let query = RequestDetailsQuery {
            page: Some(page as f64),
            page_size: Some(100.0),
            ..Default::default()
        };
        let got = store.get_request_details(&query).expect("page");
        out.extend(
            got.details
                .iter()
                .map(|d| d["id"].as_str().unwrap_or_default().to_owned()),
        );
        if !got.pagination.has_next {
            break;
        }
    }
    out
}

#[test]
fn concurrent_appenders_with_rotation_and_retention_lose_nothing_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("request-details");
    // Rotation every few records, retention at each rotation; nothing is dropped (all fit).
    let opts = options(json!({"segmentBytes": 4096, "maxRecords": 100000}));
    std::thread::scope(|s| {
        for t in 0..4 {
            let (folder, opts) = (&folder, &opts);
            s.spawn(move || {
                let store = RequestDetailsStore::open(folder, opts).expect("store");
                for i in 0..50 {
                    store
                        .record_request_detail(&detail(&format!("t{t}_{i}"), t * 50 + i))
                        .expect("append");
                }
            });
        }
    });
    let store = RequestDetailsStore::open(&folder, &opts).expect("store");
    let mut ids = all_ids(&store);
    assert_eq!(ids.len(), 200);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200, "every id once");
    assert!(store.diagnostics().is_empty(), "{:?}", store.diagnostics());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&folder), 0o700);
        for entry in std::fs::read_dir(&folder).expect("list") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "jsonl") {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
            }
        }
    }
}

#[test]
fn a_torn_tail_is_terminated_and_reported_never_removed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("request-details");
    std::fs::create_dir_all(&folder).expect("folder");
    let first = folder.join("segment-000001.jsonl");
    let good = pie_storage_core::json::to_js_string(&Value::Object(detail("a", 1)));
    std::fs::write(&first, format!("{good}\n{{\"id\":\"b\",\"tim")).expect("write");
    let store = RequestDetailsStore::open(&folder, &options(json!({}))).expect("store");
    assert_eq!(all_ids(&store), ["a"]);
    store
        .record_request_detail(&detail("c", 3))
        .expect("append");
    assert_eq!(all_ids(&store), ["c", "a"]);
    let diags = store.diagnostics();
    assert_eq!(diags.len(), 1);
    assert_eq!(
        (diags[0].line, diags[0].segment.as_str()),
        (2, "segment-000001.jsonl")
    );
    let text = std::fs::read_to_string(&first).expect("read");
    assert!(
        text.starts_with(&format!("{good}\n{{\"id\":\"b\",\"tim\n")),
        "the torn line is kept"
    );
}

#[test]
fn a_reader_follows_another_stores_retention() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("request-details");
    let opts = options(json!({"segmentBytes": 1, "maxRecords": 3}));
    let writer = RequestDetailsStore::open(&folder, &opts).expect("store");
    let reader = RequestDetailsStore::open(&folder, &opts).expect("store");
    for i in 0..3 {
        writer
            .record_request_detail(&detail(&format!("d{i}"), i))
            .expect("append");
    }
    assert_eq!(all_ids(&reader), ["d2", "d1", "d0"]);
    for i in 3..6 {
        writer
            .record_request_detail(&detail(&format!("d{i}"), i))
            .expect("append");
    }
    assert_eq!(all_ids(&reader), ["d5", "d4", "d3"]);
    assert_eq!(reader.get_request_detail("d0").expect("detail"), None);
    // A long line (more than one read chunk) is indexed whole.
    let mut big = detail("big", 100);
    big.insert("extra".into(), Value::String("q".repeat(5 << 20)));
    let roomy = options(json!({"maxFieldSize": 64 << 20}));
    let store = RequestDetailsStore::open(dir.path().join("big"), &roomy).expect("store");
    store.record_request_detail(&big).expect("append");
    store
        .record_request_detail(&detail("after", 101))
        .expect("append");
    let fresh = RequestDetailsStore::open(dir.path().join("big"), &roomy).expect("store");
    assert_eq!(all_ids(&fresh), ["after", "big"]);
    assert_eq!(
        fresh
            .get_request_detail("big")
            .expect("detail")
            .expect("shown")["extra"]
            .as_str()
            .map(str::len),
        Some(5 << 20)
    );
}
