//! The JSON connection store natively on real files: the file format, private permissions,
//! corrupt files, and concurrent writers (threads, and Node processes running the npm package).

#![cfg(feature = "fs")]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use pie_storage_core::connections::{
    JsonProviderConnectionStore, Object, Patch, ProviderConnectionStore,
};
use pie_storage_core::storage::FileStorage;
use pie_storage_core::ErrorCode;
use serde_json::{json, Value};

fn object(v: Value) -> Patch {
    Patch::from(v.as_object().cloned().unwrap_or_default())
}

fn store(path: &Path) -> JsonProviderConnectionStore<FileStorage> {
    JsonProviderConnectionStore::new(FileStorage::new(path))
}

fn temp_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("agent").join("provider-connections.json");
    (dir, path)
}

#[test]
fn writes_the_reference_format_privately_and_reads_it_back() {
    let (_dir, path) = temp_file();
    let s = store(&path);
    assert!(s
        .get_provider_connections(&Object::new())
        .unwrap()
        .is_empty());
    assert!(!path.exists(), "reads never create the file");
    let c = s
        .create_provider_connection(&object(
            json!({"provider": "openai", "authType": "apikey", "apiKey": "sk-1"}),
        ))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("{\n  \"connections\": [\n    {\n      \"provider\": \"openai\""));
    assert!(text.ends_with("\n}\n"));
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        s.get_provider_connection_by_id(c["id"].as_str().unwrap())
            .unwrap(),
        Some(c)
    );
}

#[test]
fn a_corrupt_file_is_reported_and_left_alone() {
    let (_dir, path) = temp_file();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let content = "{\"connections\": [{\"apiKey\": \"sk-secret\"";
    std::fs::write(&path, content).unwrap();
    let s = store(&path);
    let err = s.get_settings().unwrap_err();
    assert_eq!(err.code, ErrorCode::CorruptFile);
    assert!(err.message.contains("provider-connections.json"));
    assert!(err.message.contains("line 1"));
    assert!(!err.message.contains("sk-secret"));
    let err = s
        .create_provider_connection(&object(json!({"provider": "p"})))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::CorruptFile);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
}

#[test]
fn threads_creating_concurrently_lose_nothing() {
    let (_dir, path) = temp_file();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let path = path.clone();
            scope.spawn(move || {
                let s = store(&path);
                for i in 0..40 {
                    s.create_provider_connection(&object(
                        json!({"provider": "p", "name": format!("t{t}_{i}")}),
                    ))
                    .unwrap();
                }
            });
        }
    });
    let all = store(&path)
        .get_provider_connections(&Object::new())
        .unwrap();
    assert_eq!(all.len(), 160);
    let mut priorities: Vec<f64> = all
        .iter()
        .map(|c| c["priority"].as_f64().unwrap())
        .collect();
    priorities.sort_by(f64::total_cmp);
    assert_eq!(priorities, (1..=160).map(f64::from).collect::<Vec<_>>());
}

/// Node processes running the npm package and Rust threads write the same file at once.
#[test]
fn rust_and_node_writers_exclude_each_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let worker = root.join("tests/node/connection-worker.mjs");
    assert!(
        root.join("node-host/dist/index.js").is_file()
            && root.join("node_modules/@pie-lab/storage").exists(),
        "the npm package is not built: run `npm run build` (the root `npm test` does it first)"
    );
    let (_dir, path) = temp_file();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let nodes: Vec<_> = (0..2)
        .map(|n| {
            Command::new("node")
                .arg(&worker)
                .args(["create", path.to_str().unwrap(), &format!("node{n}"), "40"])
                .current_dir(&root)
                .spawn()
                .expect("node runs")
        })
        .collect();
    std::thread::scope(|scope| {
        for t in 0..2 {
            let path = path.clone();
            scope.spawn(move || {
                let s = store(&path);
                for i in 0..40 {
                    s.create_provider_connection(&object(
                        json!({"provider": "openai", "name": format!("rust{t}_{i}")}),
                    ))
                    .unwrap();
                }
            });
        }
    });
    for mut node in nodes {
        assert!(node.wait().unwrap().success());
    }
    let all = store(&path)
        .get_provider_connections(&Object::new())
        .unwrap();
    let names: std::collections::HashSet<_> = all
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all.len(), 160);
    assert_eq!(names.len(), 160);
}
