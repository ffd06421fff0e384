//! The storage contract (`tests/vectors/contract/storage.json`) against the native host: what
//! the stores do to the file system (symbolic links, temporary files, modes). The Node suite
//! (`tests/node/storage-contract.test.mjs`) runs the same cases against the Node host.

#![cfg(all(feature = "fs", unix))]

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use pie_storage_core::connections::{JsonProviderConnectionStore, ProviderConnectionStore};
use pie_storage_core::storage::FileStorage;
use pie_storage_core::usage::{JsonlUsageStore, UsageRecordQuery};
use serde_json::Value;

/// A valid usage line (the same template the Node runner writes).
fn usage_line(i: u64) -> String {
    format!(
        "{{\"id\":\"u{i}\",\"requestId\":\"r\",\"timestamp\":\"2026-05-22T00:00:00.000Z\",\"requestedModel\":\"m\",\"routingMode\":\"fixed\",\"resolvedProvider\":\"p\",\"resolvedModel\":\"m\",\"attemptIndex\":0,\"attemptCount\":1,\"status\":\"success\"}}\n"
    )
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

fn setup(root: &Path, step: &Value) {
    let path = |v: &Value| root.join(v["path"].as_str().expect("path"));
    let parent = |p: &Path| fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    if let Some(w) = step.get("write") {
        let p = path(w);
        parent(&p);
        fs::write(&p, w["text"].as_str().expect("text")).expect("write");
        if let Some(m) = w["mode"].as_u64() {
            fs::set_permissions(&p, fs::Permissions::from_mode(m as u32)).expect("chmod");
        }
    } else if let Some(l) = step.get("symlink") {
        let p = path(l);
        parent(&p);
        std::os::unix::fs::symlink(l["target"].as_str().expect("target"), &p).expect("symlink");
    } else if let Some(u) = step.get("usage") {
        let p = path(u);
        parent(&p);
        let text: String = (0..u["records"].as_u64().expect("records"))
            .map(usage_line)
            .collect();
        fs::write(&p, text).expect("write usage");
    } else {
        panic!("unknown setup step {step}");
    }
}

/// The stores of one case, one per path, kept across its run's steps.
#[derive(Default)]
struct Stores {
    usage: HashMap<String, JsonlUsageStore<FileStorage>>,
}

impl Stores {
    fn usage_at(&mut self, root: &Path, path: String) -> &JsonlUsageStore<FileStorage> {
        let file = root.join(&path);
        self.usage
            .entry(path)
            .or_insert_with(|| JsonlUsageStore::open(file))
    }
}

/// One step of a case's run.
fn run(root: &Path, step: &Value, stores: &mut Stores) {
    let path = |v: &Value| v["path"].as_str().expect("path").to_owned();
    if let Some(c) = step.get("createProviderConnection") {
        let store = JsonProviderConnectionStore::new(FileStorage::new(root.join(path(c))));
        let data = c["data"].as_object().cloned().expect("data");
        store
            .create_provider_connection(&data.into())
            .expect("create");
    } else if let Some(s) = step.get("summarizeUsage") {
        let summary = stores
            .usage_at(root, path(s))
            .summarize_usage(&UsageRecordQuery::default())
            .expect("summary");
        if let Some(want) = s["records"].as_f64() {
            assert_eq!(summary.total.records, want, "summary of {}", path(s));
        }
    } else if let Some(r) = step.get("recordUsage") {
        let line = usage_line(0);
        let mut record: serde_json::Map<String, Value> =
            serde_json::from_str(line.trim_end()).expect("usage line");
        record.insert("id".into(), r["id"].clone());
        stores
            .usage_at(root, path(r))
            .record_usage_object(&record)
            .expect("record");
    } else if let Some(m) = step.get("move") {
        let at = |key: &str| root.join(m[key].as_str().expect("move path"));
        fs::rename(at("from"), at("to")).expect("move");
    } else {
        setup(root, step);
    }
}

fn check(root: &Path, name: &str, expect: &Value) {
    let path = |v: &Value| root.join(v["path"].as_str().expect("path"));
    if let Some(l) = expect.get("symlink") {
        let p = path(l);
        let target = fs::read_link(&p).unwrap_or_else(|e| panic!("{name}: {p:?} is a link: {e}"));
        assert_eq!(
            target,
            Path::new(l["target"].as_str().expect("target")),
            "{name}"
        );
    } else if let Some(f) = expect.get("file") {
        let p = path(f);
        let meta = fs::symlink_metadata(&p).unwrap_or_else(|e| panic!("{name}: {p:?}: {e}"));
        assert!(meta.is_file(), "{name}: {p:?} is a plain file");
        let text = fs::read_to_string(&p).unwrap_or_default();
        if let Some(want) = f["contains"].as_str() {
            assert!(
                text.contains(want),
                "{name}: {p:?} contains {want:?}: {text}"
            );
        }
        if let Some(lacks) = f["lacks"].as_str() {
            assert!(
                !text.contains(lacks),
                "{name}: {p:?} lacks {lacks:?}: {text}"
            );
        }
        if let Some(want) = f["equals"].as_str() {
            assert_eq!(text, want, "{name}: {p:?}");
        }
        if let Some(want) = f["mode"].as_u64() {
            assert_eq!(mode(&p), want as u32, "{name}: mode of {p:?}");
        }
    } else if let Some(d) = expect.get("folder") {
        let p = path(d);
        assert!(p.is_dir(), "{name}: {p:?} is a folder");
        assert_eq!(
            mode(&p),
            d["mode"].as_u64().expect("mode") as u32,
            "{name}: mode of {p:?}"
        );
    } else if let Some(a) = expect.get("absent") {
        let p = path(a);
        assert!(
            fs::symlink_metadata(&p).is_err(),
            "{name}: {p:?} must not exist"
        );
    } else {
        panic!("unknown expectation {expect}");
    }
}

#[test]
fn the_native_host_meets_the_storage_contract() {
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/contract/storage.json"),
    )
    .expect("contract vectors");
    let file: Value = serde_json::from_str(&text).expect("contract JSON");
    let cases = file["cases"].as_array().expect("cases");
    assert!(cases.len() >= 5);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let dir = tempfile::tempdir().expect("temp dir");
        for step in case["setup"].as_array().expect("setup") {
            setup(dir.path(), step);
        }
        let mut stores = Stores::default();
        let steps = match &case["run"] {
            Value::Array(steps) => steps.clone(),
            step => vec![step.clone()],
        };
        for step in &steps {
            run(dir.path(), step, &mut stores);
        }
        for expect in case["expect"].as_array().expect("expect") {
            check(dir.path(), name, expect);
        }
    }
}
