//! The quota store and the preparer natively on real files: private permissions, reads that
//! never create the file, corrupt files left untouched, concurrent writers under the lock, and
//! the preparer's parallel, bounded fetches.

#![cfg(feature = "fs")]

use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pie_storage_core::quota::{
    prepare_provider_connections, FetchOutcome, JsonQuotaStore, PrepareOptions, QuotaLimits,
    RecordedFetch,
};
use pie_storage_core::storage::FileStorage;
use pie_storage_core::{ErrorCode, JsonProviderConnectionStore, ProviderConnectionStore};
use serde_json::{json, Value};

fn fetch(id: &str, at: &str, remaining: u32) -> RecordedFetch {
    let result = json!({"quotas": {"session": {"remaining": remaining, "total": 100}}});
    RecordedFetch {
        connection_id: id.into(),
        checked_at: at.into(),
        outcome: FetchOutcome::Fetched(result),
    }
}

#[test]
fn writes_privately_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent").join("provider-quota.json");
    let store = JsonQuotaStore::new(FileStorage::new(&path), QuotaLimits::default());
    assert!(store.latest("c1").unwrap().is_none());
    assert!(!store.remove("c1").unwrap());
    assert!(
        !path.exists(),
        "reads and no-op mutations never create the file"
    );
    store
        .record(&[fetch("c1", "2026-01-01T00:00:00.000Z", 40)], &[])
        .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    let again = JsonQuotaStore::new(FileStorage::new(&path), QuotaLimits::default());
    assert_eq!(
        again.latest("c1").unwrap().unwrap().remaining_percentage,
        Some(40.0)
    );
}

#[test]
fn a_corrupt_file_is_reported_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("provider-quota.json");
    for text in ["{torn", "{\"connections\": []}"] {
        std::fs::write(&path, text).unwrap();
        let store = JsonQuotaStore::new(FileStorage::new(&path), QuotaLimits::default());
        assert_eq!(store.records().unwrap_err().code, ErrorCode::CorruptFile);
        let write = store.record(&[fetch("c1", "2026-01-01T00:00:00.000Z", 1)], &[]);
        assert_eq!(write.unwrap_err().code, ErrorCode::CorruptFile);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
}

#[test]
fn four_threads_recording_fetches_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("provider-quota.json");
    let limits = QuotaLimits {
        max_history: 100,
        ..QuotaLimits::default()
    };
    std::thread::scope(|s| {
        for t in 0..4 {
            let path = &path;
            s.spawn(move || {
                let store = JsonQuotaStore::new(FileStorage::new(path), limits);
                for i in 0..10 {
                    let at = format!("2026-01-01T00:00:{i:02}.000Z");
                    store
                        .record(&[fetch(&format!("c{t}"), &at, i)], &[])
                        .unwrap();
                }
            });
        }
    });
    let all = JsonQuotaStore::new(FileStorage::new(&path), limits)
        .records()
        .unwrap();
    assert_eq!(all.connections.len(), 4);
    assert!(all.connections.values().all(|h| h.len() == 10));
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

/// Six fetches, four at a time: in flight together up to the bound, every snapshot written
/// (a failure redacted), every fetch recorded in the quota file.
#[test]
fn the_preparer_fetches_in_parallel_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("provider-connections.json");
    let store = JsonProviderConnectionStore::new(FileStorage::new(&path));
    for i in 0..6 {
        let data = json!({"id": format!("c{i}"), "provider": "codex", "authType": "oauth", "priority": i + 1});
        let patch = pie_storage_core::bindings_support::Args::plain("x", &[data])
            .patch(0, true)
            .unwrap();
        store.create_provider_connection(&patch).unwrap();
    }
    let quota = JsonQuotaStore::new(
        FileStorage::new(dir.path().join("provider-quota.json")),
        QuotaLimits::default(),
    );
    let (now, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let fetcher = |c: &pie_storage_core::ProviderConnection, _: &_| {
        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(n, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(50));
        now.fetch_sub(1, Ordering::SeqCst);
        if c.priority() == Some(6.0) {
            return Err("Bearer sk-live-abcdefghijklmnopqrstuvwxyz012345 rejected".to_owned());
        }
        Ok::<Value, String>(json!({"quotas": {"s": {"remainingPercentage": 50}}}))
    };
    let options = PrepareOptions {
        provider: "codex".into(),
        concurrency: 4,
        ..Default::default()
    };
    let out = prepare_provider_connections(&store, &fetcher, Some(&quota), &options).unwrap();
    assert_eq!(
        peak.load(Ordering::SeqCst),
        4,
        "bounded by the concurrency, and parallel"
    );
    assert_eq!(out.len(), 6);
    let status =
        |i: usize| out[i]["providerSpecificData"]["pieLabQuotaSelection"]["status"].clone();
    assert_eq!(status(0), json!("available"));
    assert_eq!(status(5), json!("error"), "{out:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("sk-live-abcdefghijklmnopqrstuvwxyz012345"),
        "the message is redacted"
    );
    assert_eq!(quota.records().unwrap().connections.len(), 6);
}
