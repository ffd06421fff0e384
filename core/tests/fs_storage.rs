//! `FileStorage` against real temporary folders, and its lock against the real `proper-lockfile`.
//!
//! The interop tests need Node and the root `node_modules` (`npm install` at the root); they fail
//! when either is missing rather than passing without checking anything.

#![cfg(feature = "fs")]

use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use pie_storage_core::io::LockTiming;
use pie_storage_core::storage::{with_lock, ByteStorage, FileStorage};
use pie_storage_core::ErrorCode;

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

fn lock_dir(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.lock", path.display()))
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn set_dir_mtime(dir: &Path, time: SystemTime) {
    fs::File::open(dir)
        .expect("open dir")
        .set_modified(time)
        .expect("set mtime");
}

#[test]
fn missing_file_reads_as_absent() {
    let dir = temp();
    let storage = FileStorage::new(dir.path().join("nope.jsonl"));
    assert_eq!(storage.read_all().expect("read"), None);
    assert_eq!(storage.size().expect("size"), None);
    assert_eq!(storage.read_range(0, 10).expect("range"), Vec::<u8>::new());
    assert_eq!(storage.path(), dir.path().join("nope.jsonl"));
}

#[test]
fn read_errors_name_the_path() {
    let dir = temp();
    // A folder where a file is expected: reading fails with something other than "not found".
    let storage = FileStorage::new(dir.path());
    let err = storage
        .read_all()
        .expect_err("a folder is not readable as a file");
    assert_eq!(err.code, ErrorCode::Storage);
    assert_eq!(
        err.path.as_deref(),
        Some(dir.path().to_str().expect("utf8"))
    );
}

#[test]
fn append_creates_folders_and_a_private_file() {
    let dir = temp();
    let path = dir.path().join("a/b/usage.jsonl");
    let storage = FileStorage::new(&path);
    storage.append(b"{\"n\":1}\n").expect("append");
    storage.append(b"{\"n\":2}\n").expect("append");
    storage.append(b"").expect("empty append");
    assert_eq!(
        storage.read_all().expect("read").as_deref(),
        Some(&b"{\"n\":1}\n{\"n\":2}\n"[..])
    );
    assert_eq!(storage.size().expect("size"), Some(16));
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn empty_append_creates_the_file() {
    let dir = temp();
    let storage = FileStorage::new(dir.path().join("empty.jsonl")).with_sync(true);
    storage.append(b"").expect("append");
    assert_eq!(storage.read_all().expect("read"), Some(Vec::new()));
    storage.append(b"synced\n").expect("append with fsync");
    assert_eq!(
        storage.read_all().expect("read").as_deref(),
        Some(&b"synced\n"[..])
    );
}

#[test]
fn read_range_is_clamped_to_the_file() {
    let dir = temp();
    let storage = FileStorage::new(dir.path().join("f"));
    storage.append(b"0123456789").expect("append");
    assert_eq!(storage.read_range(2, 3).expect("range"), b"234");
    assert_eq!(storage.read_range(8, 10).expect("range"), b"89");
    assert_eq!(storage.read_range(10, 5).expect("range"), b"");
    assert_eq!(
        storage.read_range(u64::MAX, usize::MAX).expect("range"),
        b""
    );
    assert_eq!(
        storage.read_range(0, usize::MAX).expect("range"),
        b"0123456789"
    );
}

#[test]
fn replace_writes_exact_content_and_leaves_no_temp_files() {
    let dir = temp();
    let path = dir.path().join("cfg/provider-connections.json");
    let storage = FileStorage::new(&path);
    storage
        .replace(b"{\"connections\":[1,2,3]}")
        .expect("create");
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    storage.replace(b"{}").expect("shrink");
    assert_eq!(
        storage.read_all().expect("read").as_deref(),
        Some(&b"{}"[..])
    );
    storage.replace(b"").expect("empty");
    assert_eq!(storage.read_all().expect("read"), Some(Vec::new()));
    assert_eq!(
        entries(&dir.path().join("cfg")),
        vec!["provider-connections.json"]
    );
}

#[cfg(unix)]
#[test]
fn replace_keeps_the_existing_permission_bits() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp();
    let path = dir.path().join("shared.json");
    fs::write(&path, b"old").expect("seed");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
    FileStorage::new(&path).replace(b"new").expect("replace");
    assert_eq!(mode(&path), 0o640);
    assert_eq!(fs::read(&path).expect("read"), b"new");
}

#[cfg(unix)]
#[test]
fn replace_through_a_symlink_replaces_its_target() {
    let dir = temp();
    let real = dir.path().join("real.json");
    let link = dir.path().join("link.json");
    fs::write(&real, b"old").expect("seed");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    FileStorage::new(&link).replace(b"new").expect("replace");
    assert!(fs::symlink_metadata(&link)
        .expect("lstat")
        .file_type()
        .is_symlink());
    assert_eq!(fs::read(&real).expect("read"), b"new");
}

#[test]
fn failed_replace_removes_its_temp_file_and_keeps_the_target() {
    let dir = temp();
    // Renaming a file over a non-empty folder fails after the temporary file was written.
    let target = dir.path().join("occupied");
    fs::create_dir(&target).expect("mkdir");
    fs::write(target.join("keep"), b"x").expect("seed");
    let err = FileStorage::new(&target)
        .replace(b"secret")
        .expect_err("rename over a folder");
    assert_eq!(err.code, ErrorCode::Storage);
    assert!(!err.message.contains("secret"));
    assert_eq!(err.path.as_deref(), Some(target.to_str().expect("utf8")));
    assert_eq!(entries(dir.path()), vec!["occupied"]);
    assert_eq!(entries(&target), vec!["keep"]);
}

#[test]
fn readers_see_the_old_or_the_new_content_never_a_mix() {
    let dir = temp();
    let path = dir.path().join("big.json");
    let a = vec![b'a'; 256 * 1024];
    let b = vec![b'b'; 200 * 1024];
    let storage = Arc::new(FileStorage::new(&path));
    storage.replace(&a).expect("seed");
    let done = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (storage, done, a, b) = (
            Arc::clone(&storage),
            Arc::clone(&done),
            a.clone(),
            b.clone(),
        );
        thread::spawn(move || {
            let mut reads = 0;
            while done.load(Ordering::SeqCst) == 0 {
                let content = storage.read_all().expect("read").expect("always present");
                assert!(
                    content == a || content == b,
                    "torn read of {} bytes",
                    content.len()
                );
                reads += 1;
            }
            reads
        })
    };
    for i in 0..200 {
        storage
            .replace(if i % 2 == 0 { &b } else { &a })
            .expect("replace");
    }
    done.store(1, Ordering::SeqCst);
    assert!(reader.join().expect("reader") > 0);
    assert_eq!(entries(dir.path()), vec!["big.json"]);
}

#[test]
fn concurrent_appends_never_interleave_within_a_line() {
    const THREADS: usize = 8;
    const LINES: usize = 500;
    let dir = temp();
    let path = dir.path().join("logs/usage.jsonl");
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            // Separate instances, as separate processes would have.
            let (storage, barrier) = (FileStorage::new(&path), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                for n in 0..LINES {
                    let pad = "x".repeat((t * 37 + n) % 300);
                    storage
                        .append(format!("{{\"t\":{t},\"n\":{n},\"pad\":\"{pad}\"}}\n").as_bytes())
                        .expect("append");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("appender");
    }
    let text = String::from_utf8(fs::read(&path).expect("read")).expect("utf8");
    let mut seen = HashSet::new();
    for line in text.lines() {
        let rest = line
            .strip_prefix("{\"t\":")
            .unwrap_or_else(|| panic!("bad line {line:.80}"));
        let (t, rest) = rest
            .split_once(",\"n\":")
            .unwrap_or_else(|| panic!("bad line {line:.80}"));
        let (n, rest) = rest
            .split_once(",\"pad\":\"")
            .unwrap_or_else(|| panic!("bad line {line:.80}"));
        let (t, n): (usize, usize) = (t.parse().expect("t"), n.parse().expect("n"));
        let pad = rest
            .strip_suffix("\"}")
            .unwrap_or_else(|| panic!("bad line {line:.80}"));
        assert_eq!(pad.len(), (t * 37 + n) % 300);
        assert!(pad.bytes().all(|c| c == b'x'));
        assert!(seen.insert((t, n)), "duplicate line {t}/{n}");
    }
    assert_eq!(seen.len(), THREADS * LINES);
    assert!(text.ends_with('\n'));
}

fn timing(stale_ms: f64, timeout_ms: f64) -> LockTiming {
    LockTiming {
        stale_ms,
        timeout_ms,
    }
}

#[test]
fn the_lock_excludes_a_second_thread_until_released() {
    let dir = temp();
    let path = dir.path().join("usage.jsonl");
    let (locked_tx, locked_rx) = mpsc::channel();
    let first = {
        let path = path.clone();
        thread::spawn(move || {
            let storage = FileStorage::new(&path);
            let mut released_at = None;
            with_lock(&storage, LockTiming::default(), || {
                assert!(lock_dir(&path).is_dir());
                locked_tx.send(()).expect("signal");
                thread::sleep(Duration::from_millis(400));
                released_at = Some(Instant::now());
                Ok(())
            })
            .expect("first lock");
            released_at.expect("ran")
        })
    };
    locked_rx.recv().expect("first locked");
    let second = FileStorage::new(&path);
    let asked_at = Instant::now();
    let acquired_at =
        with_lock(&second, LockTiming::default(), || Ok(Instant::now())).expect("second lock");
    let released_at = first.join().expect("first");
    assert!(
        acquired_at >= released_at,
        "second thread got the lock before the first released it"
    );
    assert!(acquired_at - asked_at >= Duration::from_millis(300));
    assert!(!lock_dir(&path).exists());
}

#[test]
fn locked_read_modify_write_loses_no_update() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 25;
    let dir = temp();
    let path = dir.path().join("counter");
    let inside = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (storage, inside) = (FileStorage::new(&path), Arc::clone(&inside));
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    with_lock(&storage, LockTiming::default(), || {
                        assert_eq!(
                            inside.fetch_add(1, Ordering::SeqCst),
                            0,
                            "two holders at once"
                        );
                        let n: usize = storage
                            .read_all()?
                            .map(|b| String::from_utf8_lossy(&b).trim().parse().expect("number"))
                            .unwrap_or(0);
                        thread::yield_now();
                        storage.replace(format!("{}\n", n + 1).as_bytes())?;
                        inside.fetch_sub(1, Ordering::SeqCst);
                        Ok(())
                    })
                    .expect("locked update");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker");
    }
    assert_eq!(
        fs::read_to_string(&path).expect("read").trim(),
        (THREADS * ROUNDS).to_string()
    );
}

#[test]
fn the_lock_is_not_reentrant_a_nested_take_times_out() {
    let dir = temp();
    let storage = FileStorage::new(dir.path().join("sub/f"));
    let err = with_lock(&storage, LockTiming::default(), || {
        assert!(
            dir.path().join("sub/f.lock").is_dir(),
            "lock creates the folder"
        );
        with_lock(&storage, timing(10_000.0, 100.0), || Ok(()))
    })
    .expect_err("re-entrant lock");
    assert_eq!(err.code, ErrorCode::LockTimeout);
    assert!(
        !dir.path().join("sub/f.lock").exists(),
        "the outer lock was released"
    );
}

#[test]
fn a_stale_lock_directory_is_taken_over() {
    let dir = temp();
    let path = dir.path().join("usage.jsonl");
    let lock = lock_dir(&path);
    fs::create_dir(&lock).expect("abandoned lock");
    set_dir_mtime(&lock, SystemTime::now() - Duration::from_secs(20));
    let storage = FileStorage::new(&path);
    let started = Instant::now();
    with_lock(&storage, timing(10_000.0, 5_000.0), || {
        // At once, not by waiting for it to go away.
        assert!(started.elapsed() < Duration::from_secs(2));
        let age = SystemTime::now().duration_since(
            fs::metadata(&lock)
                .expect("stat")
                .modified()
                .expect("mtime"),
        );
        assert!(
            age.map_or(true, |a| a < Duration::from_secs(2)),
            "the new lock is fresh"
        );
        Ok(())
    })
    .expect("takes over the stale lock");
    assert!(!lock.exists());
}

#[test]
fn a_fresh_lock_directory_makes_lock_time_out() {
    let dir = temp();
    let path = dir.path().join("usage.jsonl");
    fs::create_dir(lock_dir(&path)).expect("someone else's lock");
    let storage = FileStorage::new(&path);
    let started = Instant::now();
    let err =
        with_lock(&storage, timing(10_000.0, 300.0), || Ok(())).expect_err("held by someone else");
    assert_eq!(err.code, ErrorCode::LockTimeout);
    assert!(err.message.contains("usage.jsonl.lock"), "{}", err.message);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(lock_dir(&path).is_dir(), "a fresh lock is left alone");
}

#[test]
fn a_vanished_lock_is_reported_as_compromised() {
    let dir = temp();
    let path = dir.path().join("usage.jsonl");
    let storage = FileStorage::new(&path);
    let err = with_lock(&storage, LockTiming::default(), || {
        fs::remove_dir(lock_dir(&path)).expect("someone removes it");
        Ok(())
    })
    .expect_err("lost");
    assert_eq!(err.code, ErrorCode::LockCompromised);
    // The storage can lock again afterwards.
    with_lock(&storage, LockTiming::default(), || Ok(())).expect("relock");
}

#[test]
fn a_taken_over_lock_is_compromised_and_left_to_its_new_owner() {
    let dir = temp();
    let path = dir.path().join("usage.jsonl");
    let storage = FileStorage::new(&path);
    let err = with_lock(&storage, timing(60_000.0, 30_000.0), || {
        // Another process took it over: same directory, an mtime we did not set.
        set_dir_mtime(&lock_dir(&path), SystemTime::now() - Duration::from_secs(3));
        Ok(())
    })
    .expect_err("not ours any more");
    assert_eq!(err.code, ErrorCode::LockCompromised);
    assert!(
        lock_dir(&path).is_dir(),
        "the new owner's lock must survive"
    );
}

// ---------------------------------------------------------------- interop with proper-lockfile

/// `node` plus the interop folder with `proper-lockfile` installed, or a failure saying what to do.
fn interop() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/interop");
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.map(|o| o.status.success()).unwrap_or(false),
        "Node.js is required for the proper-lockfile interop tests: install `node` (the root `npm test` needs it too)"
    );
    // Node resolves `proper-lockfile` from the repository root's node_modules (a devDependency
    // of the workspace root).
    let root = dir.join("../..");
    assert!(
        root.join("node_modules/proper-lockfile/package.json")
            .is_file(),
        "proper-lockfile is not installed: run `npm install` in {} (the root `npm test` does it)",
        root.display()
    );
    dir
}

struct NodeHolder {
    child: Child,
    out: BufReader<ChildStdout>,
}

impl NodeHolder {
    fn spawn(args: &[&str]) -> Self {
        let dir = interop();
        let mut child = Command::new("node")
            .arg(dir.join("lock-holder.mjs"))
            .args(args)
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn node");
        let out = BufReader::new(child.stdout.take().expect("stdout"));
        NodeHolder { child, out }
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.out.read_line(&mut line).expect("read node output");
        line.trim_end().to_string()
    }

    fn finish(mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = self.line();
            if line.is_empty() {
                break;
            }
            lines.push(line);
        }
        assert!(
            self.child.wait().expect("wait node").success(),
            "node failed: {lines:?}"
        );
        lines
    }
}

impl Drop for NodeHolder {
    fn drop(&mut self) {
        // Only reached with the child still running when a test failed midway.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn interop_rust_waits_for_a_node_holder() {
    interop();
    let dir = temp();
    let path = dir.path().join("usage.jsonl");
    let file = path.to_str().expect("utf8 temp path");
    // Both sides use a 2 s stale threshold and Node holds for 3 s: Rust must see Node's mtime
    // refreshes and wait, not take the lock over as stale.
    let mut node = NodeHolder::spawn(&["hold", file, "3000", "2000"]);
    assert_eq!(node.line(), "LOCKED");
    let seen_at = Instant::now();
    let storage = FileStorage::new(&path);
    with_lock(&storage, timing(2_000.0, 30_000.0), || {
        let waited = seen_at.elapsed();
        assert!(
            waited >= Duration::from_millis(2_900),
            "took the lock from node after {waited:?}"
        );
        Ok(())
    })
    .expect("lock after node releases");
    assert_eq!(node.finish(), vec!["RELEASED"]);
    assert!(!lock_dir(&path).exists());
}

#[test]
fn interop_node_is_refused_while_rust_holds_the_lock() {
    interop();
    let dir = temp();
    let path = dir.path().join("provider-connections.json");
    let file = path.to_str().expect("utf8 temp path");
    let storage = FileStorage::new(&path);
    with_lock(&storage, timing(2_000.0, 30_000.0), || {
        assert_eq!(
            NodeHolder::spawn(&["try", file, "2000"]).finish(),
            vec!["ELOCKED"]
        );
        Ok(())
    })
    .expect("lock");
    assert_eq!(
        NodeHolder::spawn(&["try", file, "2000"]).finish(),
        vec!["LOCKED", "RELEASED"]
    );
    assert!(!lock_dir(&path).exists());
}

#[test]
fn interop_node_and_rust_increments_are_serialised() {
    interop();
    const NODE_TIMES: usize = 40;
    const RUST_TIMES: usize = 40;
    let dir = temp();
    let path = dir.path().join("counter");
    fs::write(&path, b"0\n").expect("seed");
    let file = path.to_str().expect("utf8 temp path").to_string();
    let times = NODE_TIMES.to_string();
    let node = thread::spawn(move || NodeHolder::spawn(&["count", &file, &times]).finish());
    let storage = FileStorage::new(&path);
    for _ in 0..RUST_TIMES {
        with_lock(&storage, LockTiming::default(), || {
            let n: usize = storage
                .read_all()?
                .map(|b| String::from_utf8_lossy(&b).trim().parse().expect("number"))
                .unwrap_or(0);
            thread::sleep(Duration::from_millis(2));
            storage.replace(format!("{}\n", n + 1).as_bytes())
        })
        .expect("locked update");
    }
    assert_eq!(node.join().expect("node thread"), vec!["DONE"]);
    assert_eq!(
        fs::read_to_string(&path).expect("read").trim(),
        (NODE_TIMES + RUST_TIMES).to_string()
    );
}

#[cfg(unix)]
#[test]
fn folders_it_creates_are_private_to_their_owner() {
    let dir = temp();
    let file = dir
        .path()
        .join("agent")
        .join("nested")
        .join("provider-connections.json");
    FileStorage::new(&file).replace(b"{}\n").unwrap();
    assert_eq!(mode(&dir.path().join("agent")), 0o700);
    assert_eq!(mode(&dir.path().join("agent").join("nested")), 0o700);
    let log = dir.path().join("logs").join("usage.jsonl");
    FileStorage::new(&log).append(b"{}\n").unwrap();
    assert_eq!(mode(&dir.path().join("logs")), 0o700);
}
