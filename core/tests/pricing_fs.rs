//! The price override store natively on real files: private permissions, reads that never
//! create the file, corrupt files left untouched, and concurrent writers under the lock.

#![cfg(feature = "fs")]

use std::os::unix::fs::PermissionsExt;

use pie_storage_core::pricing::{JsonPriceOverrideStore, Rates};
use pie_storage_core::storage::FileStorage;
use pie_storage_core::ErrorCode;

fn input(v: f64) -> Rates {
    Rates {
        input: Some(v),
        ..Rates::default()
    }
}

#[test]
fn writes_privately_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent").join("pricing-overrides.json");
    let store = JsonPriceOverrideStore::new(FileStorage::new(&path));
    assert!(store.list().unwrap().overrides.is_empty());
    assert!(!path.exists(), "reads never create the file");
    assert!(!store.delete("a", None).unwrap());
    assert!(
        !path.exists(),
        "a mutation that changes nothing writes nothing"
    );
    store.set("anthropic", "claude-*", input(2.0)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, "{\n  \"overrides\": {\n    \"anthropic\": {\n      \"claude-*\": {\n        \"input\": 2\n      }\n    }\n  }\n}\n");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    let again = JsonPriceOverrideStore::new(FileStorage::new(&path));
    assert_eq!(
        again.list().unwrap().overrides["anthropic"]["claude-*"],
        input(2.0)
    );
    again.reset().unwrap();
    assert!(store.list().unwrap().overrides.is_empty());
}

#[test]
fn a_corrupt_file_is_reported_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pricing-overrides.json");
    for text in [
        "{\"overrides\": {\"a\": {\"m\": {\"input\": -1}}}}",
        "{torn",
    ] {
        std::fs::write(&path, text).unwrap();
        let store = JsonPriceOverrideStore::new(FileStorage::new(&path));
        assert_eq!(store.list().unwrap_err().code, ErrorCode::CorruptFile);
        assert_eq!(
            store.set("a", "m", input(1.0)).unwrap_err().code,
            ErrorCode::CorruptFile
        );
        assert_eq!(store.reset().unwrap_err().code, ErrorCode::CorruptFile);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
}

#[test]
fn concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pricing-overrides.json");
    std::thread::scope(|s| {
        for t in 0..4 {
            let path = &path;
            s.spawn(move || {
                let store = JsonPriceOverrideStore::new(FileStorage::new(path));
                for i in 0..10 {
                    store
                        .set(&format!("p{t}"), &format!("m{i}"), input(i as f64))
                        .unwrap();
                }
            });
        }
    });
    let all = JsonPriceOverrideStore::new(FileStorage::new(&path))
        .list()
        .unwrap();
    assert_eq!(all.overrides.values().map(|m| m.len()).sum::<usize>(), 40);
}
