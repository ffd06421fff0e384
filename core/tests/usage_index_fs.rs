//! The usage index on real files: an edit that keeps the file's size is seen through its new
//! modification time, by the index in memory and by the saved one in the next process.

#![cfg(feature = "fs")]

use std::fs;
use std::path::Path;
use std::time::Duration;

use pie_storage_core::usage::{summarize_usage_records, JsonlUsageStore, UsageRecordQuery};

/// Enough records for the index to be saved (1,024 rows).
fn write_log(path: &Path) {
    let text: String = (0..1_200)
        .map(|i| {
            format!(
                "{{\"timestamp\":\"2026-01-01T00:{:02}:{:02}.000Z\",\"status\":\"success\",\"resolvedModel\":\"m{}\",\"costUsd\":{}}}\n",
                i / 60 % 60,
                i % 60,
                i % 7,
                1 + i % 8
            )
        })
        .collect();
    fs::write(path, text).unwrap();
}

/// Rewrites one cost digit of the middle record (same size) and moves the mtime on.
fn edit_middle(path: &Path, later_by: u64) {
    let mut bytes = fs::read(path).unwrap();
    let from = bytes.len() / 2;
    let at = from
        + bytes[from..]
            .windows(10)
            .position(|w| w == b"\"costUsd\":")
            .unwrap()
        + 10;
    bytes[at] = if bytes[at] == b'9' { b'1' } else { b'9' };
    let modified = fs::metadata(path).unwrap().modified().unwrap();
    fs::write(path, bytes).unwrap();
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(modified + Duration::from_secs(later_by))
        .unwrap();
}

fn assert_summary_is_the_full_reads(
    store: &JsonlUsageStore<pie_storage_core::storage::FileStorage>,
) {
    let all = UsageRecordQuery::default();
    let want = summarize_usage_records(&store.get_usage_records().unwrap());
    assert_eq!(store.summarize_usage(&all).unwrap(), want);
}

#[test]
fn a_same_size_edit_is_seen_in_memory_and_through_the_saved_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.jsonl");
    write_log(&path);
    let store = JsonlUsageStore::open(&path);
    assert_summary_is_the_full_reads(&store);
    assert!(dir.path().join("usage.jsonl.pie-index").exists());
    edit_middle(&path, 3);
    assert_summary_is_the_full_reads(&store);
    drop(store);

    // A new store with no index in memory: the saved one was written before this edit.
    edit_middle(&path, 6);
    let next = JsonlUsageStore::open(&path);
    assert_summary_is_the_full_reads(&next);
}
