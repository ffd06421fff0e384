//! The simulated-fault suite: every store operation driven step by step through an in-memory
//! file host that delays replies, fails requests, returns short reads, tears writes, crashes a
//! process after any step, and steals or removes a held lock, while several simulated processes
//! interleave their operations on the same files.
//!
//! After each seed it checks that no acknowledged usage record or connection is lost or
//! doubled, that `provider-connections.json` always parses, that no error message holds an API
//! key, and that once the faults stop and the stale threshold has passed a new operation
//! succeeds at once.
//!
//! - `PIE_FAULT_SEEDS=N` runs seeds `0..N` (default [`DEFAULT_SEEDS`]);
//! - `PIE_FAULT_SEED=k` runs seed `k` only;
//! - `PIE_FAULT_TRACE=1` prints every step (use with `PIE_FAULT_SEED` to replay a failure).
//!
//! `cargo test -p pie-storage-core --features fs --test faults -- --nocapture` prints how much
//! was exercised.
//!
//! What the suite does not count as a defect: a write performed by an operation that no longer
//! holds the lock, because it stalled past the stale threshold (or the lock was removed by
//! someone else) *between its last lock check and the write itself*. No advisory lock protocol
//! without fencing can prevent that; the simulator knows who really holds each lock, records
//! every such write and accepts a loss only when such a write happened inside the losing
//! writer's own lock window. Any other loss fails the seed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use pie_storage_core::bindings_support::{state_call, Args};
use pie_storage_core::connections::ConnectionFile;
use pie_storage_core::env::{Clock, Random};
use pie_storage_core::io::{Blob, Location, Operation, Reply, Request, Step};
use pie_storage_core::storage::{BlobStat, MkdirOutcome};
use pie_storage_core::usage::{UsageLog, UsageRecordQuery, UsageSummary};
use pie_storage_core::Error;
use serde_json::{json, Map, Value};

/// Seeds per `cargo test` when `PIE_FAULT_SEEDS` is not set (about 5–10 s in a debug build).
const DEFAULT_SEEDS: u64 = 600;
/// Operations started per seed while faults are on.
const OPS_PER_SEED: usize = 40;
/// `proper-lockfile`'s stale threshold, which the stores use.
const STALE_MS: f64 = 10_000.0;
/// Scheduler steps after which a seed is declared stuck.
const MAX_STEPS: u64 = 200_000;

const FOLDER: &str = "/agent";
const USAGE: &str = "/agent/usage.jsonl";
const SAVED_INDEX: &str = "/agent/usage.jsonl.pie-index";
const CONNECTIONS: &str = "/agent/provider-connections.json";
const CONNECTIONS_NAME: &str = "provider-connections.json";
/// Every API key the suite stores starts with this; no error message may contain it.
const SECRET_MARK: &str = "sk-fault";

// ---------------------------------------------------------------------------------------------
// Deterministic randomness and time.

/// SplitMix64: small, fast, good enough to pick faults.
#[derive(Clone)]
struct Rng(u64);

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5EED_F417_0000_0000)
    }
    fn next(&mut self) -> u64 {
        splitmix(&mut self.0)
    }
    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && ((self.next() >> 11) as f64) / ((1u64 << 53) as f64) < p
    }
}

/// The simulated wall clock, shared with the connection stores (for `createdAt`).
#[derive(Clone)]
struct SimClock(Arc<AtomicU64>);

impl SimClock {
    fn new(ms: f64) -> Self {
        SimClock(Arc::new(AtomicU64::new(ms.to_bits())))
    }
    fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::SeqCst))
    }
    fn set(&self, ms: f64) {
        self.0.store(ms.to_bits(), Ordering::SeqCst);
    }
}

impl Clock for SimClock {
    fn now_ms(&self) -> f64 {
        self.get()
    }
}

/// The random source of one simulated process (ids and temporary file names).
struct SimRandom(AtomicU64);

impl Random for SimRandom {
    fn bytes16(&self) -> [u8; 16] {
        let mut state = self.0.load(Ordering::SeqCst);
        let (a, b) = (splitmix(&mut state), splitmix(&mut state));
        self.0.store(state, Ordering::SeqCst);
        let mut out = [0; 16];
        out[..8].copy_from_slice(&a.to_le_bytes());
        out[8..].copy_from_slice(&b.to_le_bytes());
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The in-memory file system.

struct File {
    bytes: Vec<u8>,
    inode: u64,
    mtime: f64,
}

/// Who made a lock directory: a simulated operation, or "another process" of the fault
/// injector.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Owner {
    Task(u64),
    Ghost,
}

struct Dir {
    mtime: f64,
    owner: Owner,
}

#[derive(Default)]
struct Fs {
    files: BTreeMap<String, File>,
    dirs: BTreeMap<String, Dir>,
    next_inode: u64,
}

impl Fs {
    fn new_inode(&mut self) -> u64 {
        self.next_inode += 1;
        self.next_inode
    }

    fn write_new(&mut self, path: &str, bytes: Vec<u8>, now: f64) {
        let inode = self.new_inode();
        self.files.insert(
            path.to_owned(),
            File {
                bytes,
                inode,
                mtime: now,
            },
        );
    }

    fn names_in(&self, folder: &str) -> Vec<String> {
        let prefix = format!("{folder}/");
        self.files
            .keys()
            .chain(self.dirs.keys())
            .filter_map(|p| p.strip_prefix(&prefix))
            .filter(|rest| !rest.contains('/'))
            .map(str::to_owned)
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Faults.

/// Per-step fault probabilities of one seed.
#[derive(Clone, Copy, Default)]
struct Faults {
    /// A delay before a request is carried out or before its reply is delivered.
    delay: f64,
    /// Of the delays, those longer than the stale threshold.
    long_delay: f64,
    /// A request fails with an error and has no effect.
    fail: f64,
    /// The process crashes before a request (= after the previous step) or right after it.
    crash: f64,
    /// A `ReadAt` returns fewer bytes than asked, not at the end.
    short_read: f64,
    /// An `Append` or a replace's temporary file is written only in part, then the process dies.
    torn: f64,
    /// A replace writes its temporary file completely, then the process dies before the rename.
    crash_before_rename: f64,
    /// An `Append` or `Replace` takes effect, then reports a failure (a failed flush).
    done_then_fail: f64,
    /// Per scheduler step: another process steals, removes or takes a lock.
    lock_event: f64,
}

impl Faults {
    fn at_level(level: u64) -> Self {
        let m = [0.0, 0.5, 1.0, 2.0][level as usize % 4];
        Faults {
            delay: 0.06 * m,
            long_delay: 0.2,
            fail: 0.02 * m,
            crash: 0.006 * m,
            short_read: 0.3 * m.min(1.0),
            torn: 0.06 * m,
            crash_before_rename: 0.04 * m,
            done_then_fail: 0.03 * m,
            lock_event: 0.004 * m,
        }
    }
}

/// Counts of what was exercised, over all seeds.
#[derive(Default, Debug, Clone)]
struct Stats {
    seeds: u64,
    ops: u64,
    ops_ok: u64,
    ops_failed: u64,
    ops_crashed: u64,
    io_steps: u64,
    delays: u64,
    long_delays: u64,
    failures: u64,
    crashes: u64,
    short_reads: u64,
    torn_writes: u64,
    crashes_before_rename: u64,
    done_then_fail: u64,
    lock_steals: u64,
    lock_removals: u64,
    ghost_locks: u64,
    stale_takeovers: u64,
    writes_without_lock: u64,
    adopted_after_read_back: u64,
    losses_explained: u64,
    seeds_with_loss: u64,
    acked_records: u64,
    acked_connections: u64,
    error_codes: BTreeMap<String, u64>,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        macro_rules! sum { ($($f:ident),*) => { $( self.$f += o.$f; )* } }
        sum!(
            seeds,
            ops,
            ops_ok,
            ops_failed,
            ops_crashed,
            io_steps,
            delays,
            long_delays,
            failures,
            crashes,
            short_reads,
            torn_writes,
            crashes_before_rename,
            done_then_fail,
            lock_steals,
            lock_removals,
            ghost_locks,
            stale_takeovers,
            writes_without_lock,
            adopted_after_read_back,
            losses_explained,
            seeds_with_loss,
            acked_records,
            acked_connections
        );
        for (code, n) in &o.error_codes {
            *self.error_codes.entry(code.clone()).or_default() += n;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Simulated processes and their operations.

#[derive(Clone, Copy, Debug, PartialEq)]
enum Store {
    Usage,
    Connections,
}

impl Store {
    fn data_path(self) -> &'static str {
        match self {
            Store::Usage => USAGE,
            Store::Connections => CONNECTIONS,
        }
    }
    fn lock_path(self) -> String {
        format!("{}.lock", self.data_path())
    }
}

#[derive(Debug, Clone)]
enum What {
    Record(String),
    RecordsText,
    QueryText,
    Summary,
    Create(String),
    Update(String),
    List,
}

enum Out {
    Unit,
    Text(String),
    Summary(UsageSummary),
    Json(Value),
}

enum State {
    Start,
    Pending(Request),
    Answer(Reply),
}

struct Task {
    uid: u64,
    pid: usize,
    store: Store,
    what: What,
    op: Operation<'static, Out>,
    state: State,
    ready_at: f64,
    /// How many records and connections were acknowledged when it started.
    acked_at_start: (usize, usize),
    /// The scheduler step at which it took its lock.
    locked_at: Option<u64>,
}

/// One incarnation of a process: its stores (and their in-memory index) die with it.
struct Process {
    usage: Rc<UsageLog>,
    connections: Rc<ConnectionFile>,
}

struct World {
    seed: u64,
    rng: Rng,
    faults: Faults,
    trace: bool,
    fs: Fs,
    clock: SimClock,
    step: u64,
    procs: Vec<Process>,
    tasks: Vec<Task>,
    next_uid: u64,
    next_item: u64,
    incarnations: u64,
    acked_records: Vec<String>,
    acked_connections: Vec<String>,
    /// Acknowledged items whose loss is explained by a write without the lock.
    lost_records: HashSet<String>,
    lost_connections: HashSet<String>,
    /// (step, store) of every write performed by an operation that did not hold the lock.
    violations: Vec<(u64, Store)>,
    /// Operations whose lock was removed or replaced by someone else while they held it.
    lost_locks: HashMap<u64, LockLoss>,
    /// What each operation last made or set its lock's mtime to, and what it believes it is.
    lock_views: HashMap<u64, LockView>,
    stats: Stats,
}

/// An operation's idea of its lock directory's mtime.
#[derive(Default)]
struct LockView {
    /// What it made the directory with (mkdir) or last set it to (refresh).
    written: Option<f64>,
    /// What it read back after that, and compares later checks against.
    believed: Option<f64>,
    /// It made or set the mtime and has not read it back yet. The core keeps what it reads
    /// back as its own (see `a_lock_replaced_right_after_a_refresh_is_adopted`).
    pending: bool,
}

/// What an operation did after it lost its lock (without knowing it yet).
#[derive(Default)]
struct LockLoss {
    /// It performed a request other than a lock check, a lock refresh or a clock step since
    /// its last lock check: the core promises to confirm the lock right before each write, so
    /// a write after that is a defect.
    other_io: bool,
    /// It read the lock directory and found it gone or with an mtime it did not set itself.
    saw_it: bool,
    /// Its read-back after mkdir or a refresh found a directory it did not make or set, and
    /// took it as its own: from then on only a changed mtime can tell it.
    adopted: bool,
}

fn usage_record(id: &str, n: u64) -> Map<String, Value> {
    let v = json!({
        "id": id, "requestId": format!("req_{n}"), "timestamp": "2026-05-22T00:00:00.000Z",
        "requestedModel": "m", "routingMode": "fixed", "resolvedProvider": (["p1", "p2"][n as usize % 2]),
        "resolvedModel": "m", "attemptIndex": 0, "attemptCount": 1, "status": "success",
        "costUsd": 0.25, "errorMessage": "none"
    });
    v.as_object().cloned().unwrap_or_default()
}

/// The ids of the objects of a JSON array (a records text, a connection list).
fn ids_of(items: &Value) -> Vec<String> {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("id").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn connection_ids(bytes: &[u8]) -> Result<Vec<String>, serde_json::Error> {
    let v: Value = serde_json::from_slice(bytes)?;
    Ok(ids_of(v.get("connections").unwrap_or(&Value::Null)))
}

/// The usage file as this test reads it: `(ids of the parsed records, lines that do not parse)`.
fn usage_ids(bytes: &[u8]) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut bad = 0;
    for line in bytes.split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Value>(line) {
            Ok(v) => match v.get("id").and_then(Value::as_str) {
                Some(id) => ids.push(id.to_owned()),
                None => bad += 1,
            },
            Err(_) => bad += 1,
        }
    }
    (ids, bad)
}

fn counts(ids: &[String]) -> HashMap<&str, usize> {
    let mut out = HashMap::new();
    for id in ids {
        *out.entry(id.as_str()).or_default() += 1;
    }
    out
}

fn sim_error(what: &str) -> Error {
    Error::storage(format!("{what} (simulated)"))
}

impl World {
    fn new(seed: u64, trace: bool) -> Self {
        let mut rng = Rng::new(seed);
        let faults = Faults::at_level(seed % 4);
        let nprocs = rng.between(2, 4) as usize;
        let clock = SimClock::new(1_780_000_000_000.0 + rng.below(1_000_000) as f64);
        let mut world = World {
            seed,
            rng,
            faults,
            trace,
            fs: Fs::default(),
            clock,
            step: 0,
            procs: Vec::new(),
            tasks: Vec::new(),
            next_uid: 0,
            next_item: 0,
            incarnations: 0,
            acked_records: Vec::new(),
            acked_connections: Vec::new(),
            lost_records: HashSet::new(),
            lost_connections: HashSet::new(),
            violations: Vec::new(),
            lost_locks: HashMap::new(),
            lock_views: HashMap::new(),
            stats: Stats {
                seeds: 1,
                ..Stats::default()
            },
        };
        for _ in 0..nprocs {
            let p = world.new_process();
            world.procs.push(p);
        }
        world
    }

    fn at(&self) -> String {
        format!(
            "seed {} step {} (replay: PIE_FAULT_SEED={} PIE_FAULT_TRACE=1)",
            self.seed, self.step, self.seed
        )
    }

    fn now(&self) -> f64 {
        self.clock.get()
    }

    fn new_process(&mut self) -> Process {
        self.incarnations += 1;
        let saves_index = self.rng.chance(0.5);
        let random_seed = splitmix(&mut (self.seed.wrapping_mul(1_000_003) ^ self.incarnations));
        Process {
            usage: Rc::new(UsageLog::new(None, saves_index)),
            connections: Rc::new(ConnectionFile::with_env(
                CONNECTIONS_NAME,
                Box::new(self.clock.clone()),
                Box::new(SimRandom(AtomicU64::new(random_seed))),
            )),
        }
    }

    fn crash(&mut self, pid: usize) {
        let dropped = self.tasks.iter().filter(|t| t.pid == pid).count() as u64;
        self.tasks.retain(|t| t.pid != pid);
        // The task being stepped is not in `tasks`: the caller drops it.
        self.stats.ops_crashed += dropped + 1;
        self.stats.crashes += 1;
        self.procs[pid] = self.new_process();
        if self.trace {
            eprintln!("  crash of process {pid}");
        }
    }

    fn spawn(&mut self, pid: usize, what: What) {
        let uid = self.next_uid;
        self.next_uid += 1;
        let p = &self.procs[pid];
        let call = |name: &str, args: &[Value]| {
            state_call(&Args::plain(name, args), &Default::default())
                .unwrap_or_else(|e| panic!("state_call {name}: {e}"))
        };
        let (store, op): (Store, Operation<'static, Out>) = match &what {
            What::Record(id) => {
                let n = self.next_item;
                (
                    Store::Usage,
                    p.usage
                        .record_operation(usage_record(id, n))
                        .map(|()| Ok(Out::Unit)),
                )
            }
            What::RecordsText => (
                Store::Usage,
                p.usage.records_text_operation().map(|t| Ok(Out::Text(t))),
            ),
            What::QueryText => (
                Store::Usage,
                p.usage
                    .query_text_operation(UsageRecordQuery {
                        limit: Some(5),
                        ..Default::default()
                    })
                    .map(|t| Ok(Out::Text(t))),
            ),
            What::Summary => (
                Store::Usage,
                p.usage
                    .summarize_operation(UsageRecordQuery::default())
                    .map(|s| Ok(Out::Summary(s))),
            ),
            What::Create(key) => {
                let data = json!({
                    "provider": (["openai", "anthropic"][uid as usize % 2]),
                    "authType": "apikey",
                    "apiKey": key,
                    "providerSpecificData": {"note": "fault suite"}
                });
                (
                    Store::Connections,
                    p.connections
                        .operation(call("createProviderConnection", &[data]))
                        .map(|v| Ok(Out::Json(v))),
                )
            }
            What::Update(id) => {
                let patch = json!({"priority": uid % 7, "testStatus": "active"});
                (
                    Store::Connections,
                    p.connections
                        .operation(call("updateProviderConnection", &[json!(id), patch]))
                        .map(|v| Ok(Out::Json(v))),
                )
            }
            What::List => (
                Store::Connections,
                p.connections
                    .operation(call("getProviderConnections", &[json!({})]))
                    .map(|v| Ok(Out::Json(v))),
            ),
        };
        if self.trace {
            eprintln!("  spawn #{uid} on process {pid}: {what:?}");
        }
        self.stats.ops += 1;
        self.tasks.push(Task {
            uid,
            pid,
            store,
            what,
            op,
            state: State::Start,
            ready_at: self.now(),
            acked_at_start: (self.acked_records.len(), self.acked_connections.len()),
            locked_at: None,
        });
    }

    fn spawn_random(&mut self) {
        let free: Vec<usize> = (0..self.procs.len())
            .filter(|&pid| self.tasks.iter().filter(|t| t.pid == pid).count() < 2)
            .collect();
        if free.is_empty() {
            return;
        }
        let pid = free[self.rng.below(free.len() as u64) as usize];
        self.next_item += 1;
        let n = self.next_item;
        let what = match self.rng.below(100) {
            0..45 => What::Record(format!("usage_{}_{n}", self.seed)),
            45..60 => What::Create(format!(
                "{SECRET_MARK}{}x{n}-{:016x}",
                self.seed,
                self.rng.next()
            )),
            60..72 if !self.acked_connections.is_empty() => {
                let i = self.rng.below(self.acked_connections.len() as u64) as usize;
                What::Update(self.acked_connections[i].clone())
            }
            60..72 => What::Update("conn_missing".into()),
            72..82 => What::RecordsText,
            82..87 => What::QueryText,
            87..95 => What::Summary,
            _ => What::List,
        };
        self.spawn(pid, what);
    }

    /// "Another process" acts on a lock directory.
    fn lock_event(&mut self) {
        let store = if self.rng.chance(0.5) {
            Store::Usage
        } else {
            Store::Connections
        };
        let path = store.lock_path();
        let now = self.now();
        let held = self.fs.dirs.get(&path).map(|d| (d.mtime, d.owner));
        if let Some((_, owner)) = held {
            self.lock_taken_from(owner, false);
        }
        match held.map(|(mtime, _)| mtime) {
            Some(old) if self.rng.chance(0.5) => {
                // Stolen: removed and made again, with an mtime the holder did not set.
                let mut mtime = now.floor() - self.rng.between(1, 3_000) as f64;
                if mtime == old.floor() {
                    mtime -= 1.0;
                }
                self.fs.dirs.insert(
                    path,
                    Dir {
                        mtime,
                        owner: Owner::Ghost,
                    },
                );
                self.stats.lock_steals += 1;
                if self.trace {
                    eprintln!("  lock {store:?} stolen");
                }
            }
            Some(_) => {
                self.fs.dirs.remove(&path);
                self.stats.lock_removals += 1;
                if self.trace {
                    eprintln!("  lock {store:?} removed");
                }
            }
            None => {
                // Taken by a process that then dies holding it.
                self.fs.dirs.insert(
                    path,
                    Dir {
                        mtime: now,
                        owner: Owner::Ghost,
                    },
                );
                self.stats.ghost_locks += 1;
                if self.trace {
                    eprintln!("  lock {store:?} taken by a process that dies");
                }
            }
        }
    }

    fn delay(&mut self) -> f64 {
        self.stats.delays += 1;
        if self.rng.chance(self.faults.long_delay) {
            self.stats.long_delays += 1;
            self.rng.between(STALE_MS as u64 + 1, 15_000) as f64
        } else {
            self.rng.between(1, 500) as f64
        }
    }

    fn path_of(store: Store, blob: Blob) -> &'static str {
        match (store, blob) {
            (_, Blob::Data) => store.data_path(),
            (Store::Usage, Blob::SavedIndex) => SAVED_INDEX,
            (Store::Connections, Blob::SavedIndex) => {
                panic!("the connection store asked for a saved index")
            }
            (_, Blob::Segment(_)) => panic!("a usage or connection store asked for a segment"),
        }
    }

    /// Whether `task` holds the lock of its store right now (ground truth). A write without it
    /// is recorded; it fails the seed unless the lock was lost after the operation's last
    /// chance to notice (its last lock check, with nothing but lock and clock steps since).
    fn check_write_holds_lock(&mut self, task: &Task) -> bool {
        let holds = self
            .fs
            .dirs
            .get(&task.store.lock_path())
            .is_some_and(|d| d.owner == Owner::Task(task.uid));
        if !holds {
            let at = self.at();
            match self.lost_locks.get(&task.uid) {
                None => panic!(
                    "{at}: defect: #{} ({:?}) wrote {} without ever holding its lock",
                    task.uid,
                    task.what,
                    task.store.data_path()
                ),
                Some(loss) if loss.saw_it || (loss.other_io && !loss.adopted) => panic!(
                    "{at}: defect: #{} ({:?}) wrote {} after losing its lock, although it {} \
                     since",
                    task.uid,
                    task.what,
                    task.store.data_path(),
                    if loss.saw_it {
                        "had read the lock directory gone or changed"
                    } else {
                        "had done other I/O"
                    }
                ),
                Some(_) => {}
            }
            self.violations.push((self.step, task.store));
            self.stats.writes_without_lock += 1;
            if self.trace {
                eprintln!("  write without the lock by #{}", task.uid);
            }
        }
        holds
    }

    /// The lock directory `path`, held by `owner`, is removed or replaced: the holder lost it.
    fn lock_taken_from(&mut self, owner: Owner, by_itself: bool) {
        if let Owner::Task(uid) = owner {
            let loss = self.lost_locks.entry(uid).or_default();
            // Releasing its own lock, it knows.
            loss.saw_it |= by_itself;
        }
    }

    /// Notes what an operation believes of its lock, and what it does after losing it.
    fn after_loss(&mut self, task: &Task, request: &Request, reply: &Reply) {
        let lock = task.store.lock_path();
        let now = self.now();
        let view = self.lock_views.entry(task.uid).or_default();
        // `Some(found)` for the read-back after mkdir or a refresh: found is not what was made
        // or set, so the core adopted someone else's directory.
        let mut adopted = None;
        match (request, reply) {
            (Request::MakeDir { path, .. }, Reply::MakeDir(MkdirOutcome::Created))
                if *path == lock =>
            {
                view.written = Some(now.floor());
                view.pending = true;
                // A new acquisition: what happened to an earlier hold no longer matters.
                self.lost_locks.remove(&task.uid);
            }
            (Request::SetDirMtime { path, ms, .. }, Reply::Done) if *path == lock => {
                view.written = Some(ms.floor());
                view.pending = true;
            }
            (Request::DirMtime { path, .. }, Reply::Mtime(Some(m)))
                if *path == lock && view.pending =>
            {
                view.pending = false;
                adopted = Some(Some(m.floor()) != view.written);
                view.believed = Some(m.floor());
            }
            (Request::DirMtime { path, .. }, _) if *path == lock => view.pending = false,
            _ => {}
        }
        let believed = view.believed;
        let Some(loss) = self.lost_locks.get_mut(&task.uid) else {
            return;
        };
        match (request, reply) {
            (Request::Now | Request::Sleep(_), _) => {}
            (Request::MakeDir { path, .. } | Request::SetDirMtime { path, .. }, _)
                if *path == lock => {}
            (Request::DirMtime { path, .. }, Reply::Mtime(m)) if *path == lock => match adopted {
                Some(true) => {
                    self.stats.adopted_after_read_back += 1;
                    loss.adopted = true;
                }
                Some(false) => {}
                None => {
                    if m.is_none() || m.map(f64::floor) != believed {
                        loss.saw_it = true;
                    } else {
                        // A check that cannot tell (another holder made it in the same ms).
                        loss.other_io = false;
                    }
                }
            },
            (Request::DirMtime { path, .. }, _) if *path == lock => {}
            (
                Request::Append {
                    blob: Blob::Data, ..
                },
                _,
            )
            | (
                Request::Replace {
                    blob: Blob::Data, ..
                },
                _,
            ) => {}
            _ => loss.other_io = true,
        }
    }

    /// Whether a loss observed at a write by `task` is explained by a write without the lock
    /// inside `task`'s lock window.
    fn loss_explained(&self, task: &Task) -> bool {
        let from = task.locked_at.unwrap_or(0);
        self.violations
            .iter()
            .any(|&(s, store)| store == task.store && s >= from && s <= self.step)
    }

    /// Carries out one request, with this seed's faults. `None`: the process crashed during it.
    fn perform(&mut self, task: &mut Task, request: Request) -> Option<Reply> {
        if let Request::All(requests) = request {
            return self.perform_all(task, requests);
        }
        let (seen, reply) = self.perform_one(task, request)?;
        self.after_loss(task, &seen, &reply);
        Some(reply)
    }

    /// Carries out one request; with what [`World::after_loss`] needs to know of it.
    fn perform_one(&mut self, task: &mut Task, request: Request) -> Option<(Request, Reply)> {
        let lock = task.store.lock_path();
        // What `after_loss` needs to know of the request (it is moved into `perform_io`).
        let seen = match &request {
            Request::Now | Request::Sleep(_) => Request::Now,
            Request::SetDirMtime { path, ms, .. } if *path == lock => Request::SetDirMtime {
                blob: Blob::Data,
                path: lock.clone(),
                ms: *ms,
            },
            Request::MakeDir { path, .. } if *path == lock => Request::MakeDir {
                blob: Blob::Data,
                path: lock.clone(),
            },
            Request::DirMtime { path, .. } if *path == lock => Request::DirMtime {
                blob: Blob::Data,
                path: lock.clone(),
            },
            Request::Append {
                blob: Blob::Data, ..
            } => Request::Append {
                blob: Blob::Data,
                bytes: Vec::new(),
                identity: None,
            },
            Request::Replace {
                blob: Blob::Data, ..
            } => Request::Append {
                blob: Blob::Data,
                bytes: Vec::new(),
                identity: None,
            },
            _ => Request::Stat(Blob::Data),
        };
        let reply = self.perform_io(task, request)?;
        if self.trace {
            let text = format!("{reply:?}");
            eprintln!("    -> {}", &text[..text.len().min(80)]);
        }
        Some((seen, reply))
    }

    /// Requests the operation asked side by side: carried out in a random order, each with its
    /// own faults, and the process may crash between them. No other process runs while they
    /// are carried out, and none of them can depend on what another one finds, so what they
    /// found counts once all of them are done, lock checks last (as if the batch ended with
    /// them): a write in the batch was decided before a lock check carried out just before it,
    /// and a read beside a lock check happened as much before it as after.
    fn perform_all(&mut self, task: &mut Task, requests: Vec<Request>) -> Option<Reply> {
        let n = requests.len();
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, self.rng.below(i as u64 + 1) as usize);
        }
        let mut requests: Vec<Option<Request>> = requests.into_iter().map(Some).collect();
        let mut replies: Vec<Option<Reply>> = (0..n).map(|_| None).collect();
        let mut seen = Vec::with_capacity(n);
        for (k, &i) in order.iter().enumerate() {
            if k > 0 && self.rng.chance(self.faults.crash) {
                return None;
            }
            let request = requests[i].take().expect("each request once");
            if self.trace {
                eprintln!("  #{}   side by side: {}", task.uid, request.kind());
            }
            let (request, reply) = match request {
                Request::All(_) => panic!("requests side by side are never nested"),
                request => self.perform_one(task, request)?,
            };
            seen.push((request, i));
            replies[i] = Some(reply);
        }
        let lock = task.store.lock_path();
        let is_lock_check = |r: &Request| {
            matches!(r, Request::MakeDir { path, .. } | Request::DirMtime { path, .. }
                | Request::SetDirMtime { path, .. } if *path == lock)
        };
        seen.sort_by_key(|(request, _)| is_lock_check(request));
        for (request, i) in seen {
            let reply = replies[i].as_ref().expect("answered");
            self.after_loss(task, &request, reply);
        }
        Some(Reply::All(replies.into_iter().flatten().collect()))
    }

    fn perform_io(&mut self, task: &mut Task, request: Request) -> Option<Reply> {
        self.stats.io_steps += 1;
        let now = self.now();
        let f = self.faults;
        if !matches!(request, Request::Sleep(_) | Request::Now) && self.rng.chance(f.fail) {
            self.stats.failures += 1;
            return Some(Reply::Failed(sim_error(&format!(
                "EIO: {} failed",
                request.kind()
            ))));
        }
        let done_or_fail = |w: &mut World| {
            if w.rng.chance(f.done_then_fail) {
                w.stats.done_then_fail += 1;
                Reply::Failed(sim_error("EIO: flush failed after the write"))
            } else {
                Reply::Done
            }
        };
        let reply = match request {
            Request::Sleep(ms) => {
                task.ready_at = now + f64::from(ms);
                Reply::Done
            }
            Request::Now => Reply::Now(now),
            Request::Stat(blob) => {
                let path = Self::path_of(task.store, blob);
                Reply::Stat(self.fs.files.get(path).map(|f| BlobStat {
                    size: f.bytes.len() as u64,
                    identity: Some((7, f.inode)),
                    modified_ms: Some(f.mtime),
                }))
            }
            Request::ReadAll(blob) => {
                let path = Self::path_of(task.store, blob);
                Reply::Bytes(self.fs.files.get(path).map(|f| f.bytes.clone()))
            }
            // This host keeps no file open: it reads and appends what the path names.
            Request::ReadAt {
                blob,
                offset,
                mut buf,
                ..
            } => {
                let path = Self::path_of(task.store, blob);
                let bytes = self.fs.files.get(path).map_or(&[][..], |f| &f.bytes[..]);
                let start = (offset as usize).min(bytes.len());
                let avail = (bytes.len() - start).min(buf.len());
                let mut n = avail;
                if n >= 2 && self.rng.chance(f.short_read) {
                    n = self.rng.between(1, n as u64 - 1) as usize;
                    self.stats.short_reads += 1;
                }
                let bytes = self.fs.files.get(path).map_or(&[][..], |f| &f.bytes[..]);
                buf[..n].copy_from_slice(&bytes[start..start + n]);
                Reply::Filled(buf, n)
            }
            Request::Locate { blob, .. } => {
                let path = Self::path_of(task.store, blob);
                let (folder, name) = path.rsplit_once('/').expect("absolute path");
                Reply::Location(Location {
                    path: path.to_owned(),
                    folder: folder.to_owned(),
                    name: name.to_owned(),
                })
            }
            Request::Append { blob, bytes, .. } => {
                let path = Self::path_of(task.store, blob);
                let on_data = blob == Blob::Data;
                let holds = !on_data || self.check_write_holds_lock(task);
                if !bytes.is_empty() && self.rng.chance(f.torn) {
                    let cut = self.rng.between(1, bytes.len() as u64 - 1) as usize;
                    self.append(path, &bytes[..cut], now);
                    self.stats.torn_writes += 1;
                    if self.trace {
                        eprintln!("  torn append ({cut} of {} bytes)", bytes.len());
                    }
                    return None;
                }
                if on_data {
                    let tail = self
                        .fs
                        .files
                        .get(path)
                        .and_then(|f| f.bytes.last().copied());
                    if tail.is_some_and(|b| b != b'\n') && bytes.first() != Some(&b'\n') {
                        // This line is glued onto a torn one: its record is lost.
                        if let What::Record(id) = &task.what {
                            if !holds || self.loss_explained(task) {
                                self.lost_records.insert(id.clone());
                                self.stats.losses_explained += 1;
                            } else {
                                panic!(
                                    "{}: defect: #{} appended record {id} onto a torn line \
                                     while holding the lock",
                                    self.at(),
                                    task.uid
                                );
                            }
                        }
                    }
                }
                self.append(path, &bytes, now);
                done_or_fail(self)
            }
            Request::Replace {
                blob,
                at,
                temp_name,
                bytes,
            } => {
                let temp = format!("{}/{temp_name}", at.folder);
                if !bytes.is_empty() && self.rng.chance(f.torn) {
                    let cut = self.rng.between(1, bytes.len() as u64 - 1) as usize;
                    self.fs.write_new(&temp, bytes[..cut].to_vec(), now);
                    self.stats.torn_writes += 1;
                    if self.trace {
                        eprintln!("  torn temporary file {temp_name}");
                    }
                    return None;
                }
                if self.rng.chance(f.crash_before_rename) {
                    self.fs.write_new(&temp, bytes, now);
                    self.stats.crashes_before_rename += 1;
                    if self.trace {
                        eprintln!("  crash before renaming {temp_name}");
                    }
                    return None;
                }
                let holds = blob != Blob::Data || self.check_write_holds_lock(task);
                if at.path == CONNECTIONS {
                    let parsed = connection_ids(&bytes);
                    let new_ids = parsed.unwrap_or_else(|e| {
                        panic!(
                            "{}: the core wrote a provider-connections.json that does not \
                             parse: {e}",
                            self.at()
                        )
                    });
                    let old_ids = self
                        .fs
                        .files
                        .get(CONNECTIONS)
                        .map(|f| connection_ids(&f.bytes).expect("the file parsed before"))
                        .unwrap_or_default();
                    let kept: HashSet<&String> = new_ids.iter().collect();
                    for id in old_ids.iter().filter(|id| !kept.contains(id)) {
                        if !holds || self.loss_explained(task) {
                            self.lost_connections.insert(id.clone());
                            self.stats.losses_explained += 1;
                        } else {
                            panic!(
                                "{}: defect: #{} ({:?}) replaced provider-connections.json \
                                 under its lock and dropped connection {id}",
                                self.at(),
                                task.uid,
                                task.what
                            );
                        }
                    }
                }
                // Write the temporary file, then rename it over the file.
                self.fs.write_new(&temp, bytes, now);
                let file = self.fs.files.remove(&temp).expect("just written");
                self.fs.files.insert(at.path.clone(), file);
                done_or_fail(self)
            }
            Request::ListFolder { folder, .. } => Reply::Names(self.fs.names_in(&folder)),
            Request::RemoveFile { folder, name, .. } => {
                self.fs.files.remove(&format!("{folder}/{name}"));
                Reply::Done
            }
            Request::MakeDir { path, .. } => {
                if self.fs.dirs.contains_key(&path) {
                    Reply::MakeDir(MkdirOutcome::Exists)
                } else {
                    if path == task.store.lock_path() {
                        task.locked_at = Some(self.step);
                    }
                    self.fs.dirs.insert(
                        path,
                        Dir {
                            mtime: now,
                            owner: Owner::Task(task.uid),
                        },
                    );
                    Reply::MakeDir(MkdirOutcome::Created)
                }
            }
            Request::DirMtime { path, .. } => {
                Reply::Mtime(self.fs.dirs.get(&path).map(|d| d.mtime))
            }
            Request::RemoveDir { path, .. } => {
                if let Some(d) = self.fs.dirs.remove(&path) {
                    let by_itself = d.owner == Owner::Task(task.uid);
                    if !by_itself {
                        self.stats.stale_takeovers += 1;
                    }
                    self.lock_taken_from(d.owner, by_itself);
                }
                Reply::Done
            }
            Request::SetDirMtime { path, ms, .. } => match self.fs.dirs.get_mut(&path) {
                Some(d) => {
                    d.mtime = ms;
                    Reply::Done
                }
                None => Reply::Failed(sim_error("ENOENT: no such directory")),
            },
            other => panic!("{}: unknown request {other:?}", self.at()),
        };
        Some(reply)
    }

    fn append(&mut self, path: &str, bytes: &[u8], now: f64) {
        match self.fs.files.get_mut(path) {
            Some(f) => {
                f.bytes.extend_from_slice(bytes);
                f.mtime = now;
            }
            None => self.fs.write_new(path, bytes.to_vec(), now),
        }
    }

    /// Advances one operation by one step (with faults); it is put back unless it finished or
    /// its process crashed.
    fn advance(&mut self, mut task: Task) {
        let f = self.faults;
        let state = std::mem::replace(&mut task.state, State::Start);
        let step = match state {
            State::Start => task.op.resume(None),
            State::Pending(request) => {
                if self.rng.chance(f.delay) {
                    task.ready_at = self.now() + self.delay();
                    task.state = State::Pending(request);
                    self.tasks.push(task);
                    return;
                }
                if self.rng.chance(f.crash) {
                    return self.crash(task.pid);
                }
                if self.trace {
                    eprintln!("  #{} performs {}", task.uid, request.kind());
                }
                let Some(reply) = self.perform(&mut task, request) else {
                    return self.crash(task.pid);
                };
                if self.rng.chance(f.crash) {
                    return self.crash(task.pid);
                }
                task.state = State::Answer(reply);
                self.tasks.push(task);
                return;
            }
            State::Answer(reply) => {
                if self.rng.chance(f.delay) {
                    task.ready_at = self.now() + self.delay();
                    task.state = State::Answer(reply);
                    self.tasks.push(task);
                    return;
                }
                task.op.resume(Some(reply))
            }
        };
        match step {
            Step::Io(request) => {
                task.state = State::Pending(request);
                self.tasks.push(task);
            }
            Step::Done(out) => self.finish(task, out),
        }
    }

    fn finish(&mut self, task: Task, out: pie_storage_core::Result<Out>) {
        let at = self.at();
        let out = match out {
            Ok(out) => out,
            Err(e) => {
                let text = format!("{e:#} {:?} {e:?}", e.path);
                assert!(
                    !text.contains(SECRET_MARK),
                    "{at}: an error message holds an API key: {text}"
                );
                self.stats.ops_failed += 1;
                *self
                    .stats
                    .error_codes
                    .entry(e.code.as_str().to_owned())
                    .or_default() += 1;
                if self.trace {
                    eprintln!("  #{} failed: {e}", task.uid);
                }
                return;
            }
        };
        self.stats.ops_ok += 1;
        if self.trace {
            eprintln!("  #{} done", task.uid);
        }
        let (records_before, connections_before) = task.acked_at_start;
        match (&task.what, out) {
            (What::Record(id), Out::Unit) => {
                self.acked_records.push(id.clone());
                self.stats.acked_records += 1;
            }
            (What::RecordsText, Out::Text(text)) => {
                let v: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{at}: getUsageRecords text: {e}"));
                let ids = ids_of(&v);
                let seen = counts(&ids);
                if let Some((id, _)) = seen.iter().find(|(_, &n)| n > 1) {
                    panic!("{at}: getUsageRecords returned {id} twice");
                }
                for id in &self.acked_records[..records_before] {
                    assert!(
                        seen.contains_key(id.as_str()) || self.lost_records.contains(id),
                        "{at}: getUsageRecords misses acknowledged record {id}"
                    );
                }
            }
            (What::QueryText, Out::Text(text)) => {
                let v: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{at}: queryUsage text: {e}"));
                assert!(ids_of(&v).len() <= 5, "{at}: queryUsage ignored its limit");
            }
            (What::Summary, Out::Summary(s)) => {
                let lost = self.acked_records[..records_before]
                    .iter()
                    .filter(|id| self.lost_records.contains(*id))
                    .count();
                assert!(
                    s.total.records >= (records_before - lost) as f64,
                    "{at}: summarizeUsage counted {} records, {} were acknowledged before",
                    s.total.records,
                    records_before - lost
                );
            }
            (What::Create(key), Out::Json(v)) => {
                assert_eq!(
                    v.get("apiKey").and_then(Value::as_str),
                    Some(key.as_str()),
                    "{at}"
                );
                let id = v.get("id").and_then(Value::as_str).expect("created id");
                self.acked_connections.push(id.to_owned());
                self.stats.acked_connections += 1;
            }
            (What::Update(_), Out::Json(_)) => {}
            (What::List, Out::Json(v)) => {
                let ids = ids_of(&v);
                let seen = counts(&ids);
                if let Some((id, _)) = seen.iter().find(|(_, &n)| n > 1) {
                    panic!("{at}: getProviderConnections returned {id} twice");
                }
                for id in &self.acked_connections[..connections_before] {
                    assert!(
                        seen.contains_key(id.as_str()) || self.lost_connections.contains(id),
                        "{at}: getProviderConnections misses acknowledged connection {id}"
                    );
                }
            }
            (what, _) => panic!("{at}: unexpected result kind for {what:?}"),
        }
    }

    /// Runs the scheduler: starts up to `ops` new operations, then runs every operation in
    /// flight to its end.
    fn run(&mut self, ops: usize) {
        let mut started = 0;
        loop {
            self.step += 1;
            assert!(
                self.step < MAX_STEPS,
                "{}: stuck: {} operations still in flight",
                self.at(),
                self.tasks.len()
            );
            if started < ops && (self.tasks.is_empty() || self.rng.chance(0.15)) {
                let before = self.tasks.len();
                self.spawn_random();
                started += usize::from(self.tasks.len() > before);
            }
            if self.tasks.is_empty() {
                if started >= ops {
                    return;
                }
                continue;
            }
            if self.rng.chance(self.faults.lock_event) {
                self.lock_event();
            }
            let now = self.now();
            let ready: Vec<usize> = (0..self.tasks.len())
                .filter(|&i| self.tasks[i].ready_at <= now)
                .collect();
            if ready.is_empty() {
                // Everyone waits: time moves to the next wake-up.
                let next = self
                    .tasks
                    .iter()
                    .map(|t| t.ready_at)
                    .fold(f64::INFINITY, f64::min);
                self.clock.set(next);
                continue;
            }
            let i = ready[self.rng.below(ready.len() as u64) as usize];
            let task = self.tasks.remove(i);
            self.advance(task);
        }
    }

    /// The checks after the faults stopped.
    fn verify(&mut self) {
        // Faults stop; what is in flight runs to its end.
        self.faults = Faults::default();
        self.run(0);
        // Time passes beyond the stale threshold; every new operation must succeed at once.
        self.clock.set(self.now() + STALE_MS + 1_000.0);
        let at = self.at();
        let start = self.now();
        let pid = 0;
        self.procs[pid] = self.new_process();
        let acked_before = (self.acked_records.len(), self.acked_connections.len());
        self.next_item += 1;
        let id = format!("usage_{}_final", self.seed);
        self.spawn(pid, What::Record(id));
        self.run(0);
        let key = format!("{SECRET_MARK}{}final-0123456789abcdef", self.seed);
        self.spawn(pid, What::Create(key));
        self.run(0);
        assert_eq!(
            (self.acked_records.len(), self.acked_connections.len()),
            (acked_before.0 + 1, acked_before.1 + 1),
            "{at}: after the faults stopped and {STALE_MS} ms passed, a new operation failed"
        );
        assert!(
            self.now() - start < 1_000.0,
            "{at}: a new operation waited {} ms for a lock after the stale threshold",
            self.now() - start
        );
        let leftovers: Vec<String> = self
            .fs
            .names_in(FOLDER)
            .into_iter()
            .filter(|n| n.starts_with(".provider-connections.json.") || n.ends_with(".lock"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "{at}: left behind after a clean mutation: {leftovers:?}"
        );

        // Every acknowledged record is in usage.jsonl exactly once; none is there twice.
        let usage = self
            .fs
            .files
            .get(USAGE)
            .map(|f| f.bytes.clone())
            .unwrap_or_default();
        let (ids, _bad) = usage_ids(&usage);
        let in_file = counts(&ids);
        if let Some((id, n)) = in_file.iter().find(|(_, &n)| n > 1) {
            panic!("{at}: record {id} is in usage.jsonl {n} times");
        }
        for id in &self.acked_records {
            assert!(
                in_file.contains_key(id.as_str()) || self.lost_records.contains(id),
                "{at}: acknowledged record {id} is not in usage.jsonl"
            );
        }
        // A full read through the core finds the same records; summaries (fresh and of every
        // surviving process) count exactly those.
        let fresh = Process {
            usage: Rc::new(UsageLog::new(None, true)),
            connections: Rc::new(ConnectionFile::new(CONNECTIONS_NAME)),
        };
        self.procs.push(fresh);
        let fresh_pid = self.procs.len() - 1;
        let text = self.solo(fresh_pid, Store::Usage, |p| {
            p.usage.records_text_operation().map(|t| Ok(Out::Text(t)))
        });
        let Out::Text(text) = text else {
            unreachable!()
        };
        let read_ids = ids_of(&serde_json::from_str(&text).expect("records text"));
        let mut sorted_read = read_ids.clone();
        let mut sorted_file = ids.clone();
        sorted_read.sort();
        sorted_file.sort();
        assert_eq!(
            sorted_read, sorted_file,
            "{at}: getUsageRecords and the file's lines differ"
        );
        for pid in 0..self.procs.len() {
            let out = self.solo(pid, Store::Usage, |p| {
                p.usage
                    .summarize_operation(UsageRecordQuery::default())
                    .map(|s| Ok(Out::Summary(s)))
            });
            let Out::Summary(s) = out else { unreachable!() };
            assert_eq!(
                s.total.records,
                read_ids.len() as f64,
                "{at}: process {pid}'s summary counts {} records, a full read finds {}",
                s.total.records,
                read_ids.len()
            );
        }

        // provider-connections.json parses and holds every acknowledged creation exactly once.
        let bytes = &self.fs.files.get(CONNECTIONS).expect("created").bytes;
        let ids = connection_ids(bytes)
            .unwrap_or_else(|e| panic!("{at}: provider-connections.json does not parse: {e}"));
        let in_file = counts(&ids);
        if let Some((id, n)) = in_file.iter().find(|(_, &n)| n > 1) {
            panic!("{at}: connection {id} is in provider-connections.json {n} times");
        }
        for id in &self.acked_connections {
            assert!(
                in_file.contains_key(id.as_str()) || self.lost_connections.contains(id),
                "{at}: acknowledged connection {id} is not in provider-connections.json"
            );
        }
        let out = self.solo(fresh_pid, Store::Connections, |p| {
            p.connections
                .operation(
                    state_call(
                        &Args::plain("getProviderConnections", &[json!({})]),
                        &Default::default(),
                    )
                    .expect("call"),
                )
                .map(|v| Ok(Out::Json(v)))
        });
        let Out::Json(list) = out else { unreachable!() };
        assert_eq!(ids_of(&list).len(), ids.len(), "{at}");
        if !self.lost_records.is_empty() || !self.lost_connections.is_empty() {
            self.stats.seeds_with_loss += 1;
        }
    }

    /// Runs one operation alone, without faults, to its end; it must succeed.
    fn solo(
        &mut self,
        pid: usize,
        store: Store,
        make: impl FnOnce(&Process) -> Operation<'static, Out>,
    ) -> Out {
        let mut op = make(&self.procs[pid]);
        let mut task = Task {
            uid: u64::MAX,
            pid,
            store,
            what: What::RecordsText,
            op: Operation::ready(Ok(Out::Unit)),
            state: State::Start,
            ready_at: self.now(),
            acked_at_start: (0, 0),
            locked_at: None,
        };
        let mut reply = None;
        loop {
            match op.resume(reply.take()) {
                Step::Done(out) => {
                    return out
                        .unwrap_or_else(|e| panic!("{}: a read after the run: {e}", self.at()))
                }
                Step::Io(request) => {
                    reply = self.perform(&mut task, request);
                    self.clock.set(self.now().max(task.ready_at));
                }
            }
        }
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

#[test]
fn stores_survive_simulated_faults() {
    let seeds: Vec<u64> = match env_u64("PIE_FAULT_SEED") {
        Some(k) => vec![k],
        None => (0..env_u64("PIE_FAULT_SEEDS").unwrap_or(DEFAULT_SEEDS)).collect(),
    };
    let trace = std::env::var("PIE_FAULT_TRACE").is_ok_and(|v| v == "1");
    let started = Instant::now();
    let mut total = Stats::default();
    for &seed in &seeds {
        let mut world = World::new(seed, trace);
        world.run(OPS_PER_SEED);
        world.verify();
        total.add(&world.stats);
    }
    eprintln!(
        "fault suite: {} seeds, {} operations ({} ok, {} failed, {} dropped by crashes), \
         {} I/O steps in {:.1} s",
        total.seeds,
        total.ops,
        total.ops_ok,
        total.ops_failed,
        total.ops_crashed,
        total.io_steps,
        started.elapsed().as_secs_f64()
    );
    eprintln!(
        "  faults: {} delays ({} past the stale threshold), {} failed requests, {} crashes, \
         {} short reads, {} torn writes, {} crashes before a rename, {} writes reported failed, \
         {} locks stolen, {} removed, {} taken and abandoned; {} stale locks taken over",
        total.delays,
        total.long_delays,
        total.failures,
        total.crashes,
        total.short_reads,
        total.torn_writes,
        total.crashes_before_rename,
        total.done_then_fail,
        total.lock_steals,
        total.lock_removals,
        total.ghost_locks,
        total.stale_takeovers
    );
    eprintln!(
        "  acknowledged: {} usage records, {} connections; writes without the lock (stall or \
         removed lock between the last check and the write): {} ({} foreign lock directories adopted \
         by the read-back after mkdir or a refresh), losses they explain: {} in {} seeds",
        total.acked_records,
        total.acked_connections,
        total.writes_without_lock,
        total.adopted_after_read_back,
        total.losses_explained,
        total.seeds_with_loss
    );
    eprintln!("  error codes: {:?}", total.error_codes);
}

/// Found by the suite (seed 7): two operations of one [`UsageLog`] driven step by step on one
/// thread (what the Node host does, and any Rust host that interleaves operations) deadlocked
/// natively. The first took the log's index and paused on a request; the second blocked on the
/// index's condition variable waiting for a holder that only this very thread could resume.
#[test]
fn two_paused_operations_of_one_log_on_one_thread_do_not_deadlock() {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let log = Rc::new(UsageLog::new(None, false));
        let mut first = log.summarize_operation(UsageRecordQuery::default());
        // The first operation takes the index and asks for the file's size.
        let Step::Io(request) = first.resume(None) else {
            panic!("the summary asked for nothing")
        };
        assert!(matches!(request, Request::Stat(Blob::Data)), "{request:?}");
        // The second must pause (ask for a step) instead of blocking the thread.
        let mut second = log.summarize_operation(UsageRecordQuery::default());
        let step = second.resume(None);
        assert!(matches!(step, Step::Io(Request::Sleep(_))), "{step:?}");
        // Both then finish on an empty (missing) file.
        let Step::Done(Ok(a)) = first.resume(Some(Reply::Stat(None))) else {
            panic!("first")
        };
        let mut reply = Reply::Done;
        let b = loop {
            match second.resume(Some(reply)) {
                Step::Done(out) => break out.expect("second"),
                Step::Io(Request::Stat(_)) => reply = Reply::Stat(None),
                Step::Io(Request::Sleep(_)) => reply = Reply::Done,
                Step::Io(other) => panic!("{other:?}"),
            }
        };
        assert_eq!((a.total.records, b.total.records), (0.0, 0.0));
        done.send(()).expect("send");
    });
    finished
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the second operation blocked its thread (deadlock)");
}

/// Found by the suite (fixed in `DirLock::bump`): a refresh set the lock directory's mtime, then
/// read it back and kept whatever it found as its own. A directory replaced in between (removed and made again by a
/// process that does not follow the protocol, with another mtime) is adopted, and the write
/// goes ahead without the lock. The same read-back after `mkdir` adopts a directory replaced
/// right after it was made. The suite counts these ("adopted by the read-back") instead of
/// failing on them. A fix: accept a read-back only when it is the mtime just set, or that mtime
/// coarsened by the file system (not older than its granularity, 2 s at most), and report
/// the lock compromised otherwise.
#[test]
fn a_lock_replaced_right_after_a_refresh_is_not_adopted() {
    let log = Rc::new(UsageLog::new(None, false));
    let mut op = log.record_operation(usage_record("usage_adopted", 1));
    let mut now = 1_780_000_000_000.0_f64;
    let mut lock: Option<f64> = None;
    let mut appended = false;
    let mut reply = None;
    // Requests side by side are answered in their order.
    fn each(request: Request, answer: &mut dyn FnMut(Request) -> Reply) -> Reply {
        match request {
            Request::All(parts) => Reply::All(parts.into_iter().map(answer).collect()),
            one => answer(one),
        }
    }
    let out = loop {
        let request = match op.resume(reply.take()) {
            Step::Done(out) => break out,
            Step::Io(request) => request,
        };
        reply = Some(each(request, &mut |request| match request {
            Request::Locate { .. } => Reply::Location(Location {
                path: USAGE.into(),
                folder: FOLDER.into(),
                name: "usage.jsonl".into(),
            }),
            Request::Now => Reply::Now(now),
            Request::MakeDir { .. } => {
                lock = Some(now);
                Reply::MakeDir(MkdirOutcome::Created)
            }
            Request::DirMtime { .. } => Reply::Mtime(lock),
            Request::Stat(_) => {
                // The holder is slow: the refresh before its write is due.
                now += 6_000.0;
                Reply::Stat(None)
            }
            Request::SetDirMtime { ms, .. } => {
                // Right after the refresh, another process replaces the directory.
                lock = Some(ms - 5_000.0);
                Reply::Done
            }
            Request::Append { .. } => {
                appended = true;
                Reply::Done
            }
            Request::RemoveDir { .. } => {
                lock = None;
                Reply::Done
            }
            other => panic!("unexpected {other:?}"),
        }));
    };
    let err = out.expect_err("the write went ahead under someone else's lock");
    assert_eq!(err.code, pie_storage_core::ErrorCode::LockCompromised);
    assert!(!appended);
}
