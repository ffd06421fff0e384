//! The index must answer exactly as reading the whole file would, whatever happened to the
//! file in between: appends in any pieces, torn tails, truncation, replacement, a saved copy.

use serde_json::{Map, Value};

use super::*;
use crate::storage::{ByteStorage, MemoryStorage};
use crate::usage::jsonl::read_jsonl;
use crate::usage::query::{DateBound, Order, TextFilter};
use crate::usage::summary::summarize_facts;

use crate::test_rng::Rng;

mod fuzz;

/// One line of a plausible, sometimes odd, usage file (with its terminator).
fn line(rng: &mut Rng, clock: &mut i64) -> String {
    line_with(rng, clock, false)
}

/// `ordered`: times never go back and always parse (the index's fast path), with many ties.
fn line_with(rng: &mut Rng, clock: &mut i64, ordered: bool) -> String {
    if ordered {
        *clock += [0, 0, 1_000, 60_000][rng.below(4) as usize];
        let ms = 1_767_225_600_000 + *clock;
        let ts = crate::time::to_iso_string(ms as f64).unwrap_or_default();
        let provider = rng.pick(&["openai", "anthropic"]);
        let cost = (rng.below(1_000_000) as f64) / 7.0e6;
        return format!(
            "{{\"timestamp\":\"{ts}\",\"status\":\"success\",\"resolvedProvider\":\"{provider}\",\"requestId\":\"r{}\",\"costUsd\":{cost}}}\n",
            rng.below(1000)
        );
    }
    match rng.below(40) {
        0 => return "not json\n".into(),
        1 => return "\n".into(),
        2 => return "[1,2]\n".into(),
        _ => {}
    }
    // Mostly forward in time, sometimes equal, sometimes back (out of order).
    *clock += match rng.below(10) {
        0 => 0,
        1 => -5_000,
        _ => rng.below(3_000) as i64,
    };
    let ms = 1_767_225_600_000 + *clock;
    let timestamp = match rng.below(25) {
        0 => Value::Null,
        1 => "garbage".into(),
        2 => "2026-01-01T10:00:00".into(), // local time
        _ => crate::time::to_iso_string(ms as f64)
            .unwrap_or_default()
            .into(),
    };
    let mut m = Map::new();
    m.insert("id".into(), format!("usage_{}", rng.next()).into());
    m.insert("requestId".into(), format!("req_{}", rng.below(50)).into());
    m.insert("timestamp".into(), timestamp);
    m.insert(
        "status".into(),
        rng.pick(&["success", "success", "error", "aborted", "skipped", "weird"])
            .into(),
    );
    m.insert(
        "resolvedProvider".into(),
        rng.pick(&["openai", "anthropic", "openrouter", "é😀"])
            .into(),
    );
    m.insert("resolvedModel".into(), rng.pick(&["a", "b", "c"]).into());
    if rng.below(3) > 0 {
        m.insert(
            "endpoint".into(),
            rng.pick(&["/v1/chat", "/v1/resp"]).into(),
        );
    }
    let cost = (rng.below(1_000_000) as f64) / 7.0e6;
    m.insert("costUsd".into(), cost.into());
    if rng.below(2) == 0 {
        let mut usage = Map::new();
        usage.insert("input".into(), rng.below(5000).into());
        usage.insert("output".into(), rng.below(500).into());
        m.insert("usage".into(), Value::Object(usage));
    }
    let _ = ordered;
    let mut text = crate::json::to_js_string(&Value::Object(m));
    if rng.below(15) == 0 {
        text.push('\r');
    }
    text.push('\n');
    text
}

fn file(rng: &mut Rng, lines: usize) -> Vec<u8> {
    let mut clock = 0;
    (0..lines)
        .flat_map(|_| line(rng, &mut clock).into_bytes())
        .collect()
}

fn queries() -> Vec<UsageRecordQuery> {
    vec![
        UsageRecordQuery::default(),
        UsageRecordQuery {
            limit: Some(7),
            ..Default::default()
        },
        UsageRecordQuery {
            provider: Some(TextFilter::from("anthropic")),
            from: Some(DateBound::Text("2026-01-01T00:05:00.000Z".into())),
            ..Default::default()
        },
        UsageRecordQuery {
            order: Order::OldestFirst,
            limit: Some(5),
            status: Some(vec!["error".into(), "success".into()]),
            ..Default::default()
        },
        UsageRecordQuery {
            request_id: Some(TextFilter::from("req_3")),
            ..Default::default()
        },
    ]
}

/// What reading the whole file gives: records, skipped lines, query results and summaries.
fn assert_matches_full_read(index: &UsageIndex, storage: &MemoryStorage) {
    let bytes = storage.snapshot().unwrap_or_default();
    let full = read_jsonl(&bytes);
    assert_eq!(index.rows(), full.records.len());
    assert_eq!(index.diagnostics(), &full.diagnostics[..]);
    for query in queries() {
        let want = query_indices(full.records.as_slice(), &query);
        let rows = index.query(&query);
        let lines = index.read_lines_on(storage, &rows).unwrap().unwrap();
        let got: Vec<Value> = lines
            .iter()
            .map(|l| crate::json::parse(&String::from_utf8_lossy(l)).unwrap())
            .collect();
        let want_records: Vec<Value> = want
            .iter()
            .map(|&i| Value::Object(full.records[i].clone()))
            .collect();
        assert_eq!(got, want_records, "query {query:?}");
        let unlimited = UsageRecordQuery {
            limit: None,
            ..query.clone()
        };
        let want_summary = summarize_facts(
            full.records.as_slice(),
            query_indices(full.records.as_slice(), &unlimited),
        );
        // Debug text: `NaN` counts must compare equal.
        assert_eq!(
            format!("{:?}", index.summarize(&query)),
            format!("{want_summary:?}"),
            "summary {query:?}"
        );
    }
}

#[test]
fn appends_in_any_pieces_give_the_full_read() {
    for seed in 1..40u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let content = file(&mut rng, 60);
        let storage = MemoryStorage::new();
        let mut index = UsageIndex::new();
        let mut at = 0;
        while at < content.len() {
            let step = 1 + rng.below(400) as usize;
            let end = (at + step).min(content.len());
            storage.append(&content[at..end]).unwrap();
            at = end;
            let refresh = index.refresh_on(&storage).unwrap();
            assert_ne!(refresh, sync::Refresh::Rebuilt, "seed {seed}");
            assert_matches_full_read(&index, &storage);
        }
    }
}

#[test]
fn a_torn_tail_counts_until_finished() {
    let storage =
        MemoryStorage::with_content(b"{\"status\":\"success\"}\n{\"status\":\"er".to_vec());
    let mut index = UsageIndex::new();
    index.refresh_on(&storage).unwrap();
    assert_eq!(index.rows(), 1);
    assert_eq!(index.diagnostics().len(), 1);
    assert_eq!(
        index.diagnostics()[0].code,
        crate::usage::DiagnosticCode::TruncatedLine
    );
    storage.append(b"ror\"}").unwrap();
    index.refresh_on(&storage).unwrap();
    assert_eq!(index.rows(), 2);
    assert!(index.is_provisional(1));
    assert!(index.diagnostics().is_empty());
    storage.append(b"\n").unwrap();
    index.refresh_on(&storage).unwrap();
    assert!(!index.is_provisional(1));
    assert_matches_full_read(&index, &storage);
}

#[test]
fn truncation_and_replacement_are_detected() {
    let mut rng = Rng(7);
    let storage = MemoryStorage::with_content(file(&mut rng, 50));
    let mut index = UsageIndex::new();
    index.refresh_on(&storage).unwrap();
    // Shorter, same identity (truncate + write in place).
    storage.rewrite_in_place(file(&mut rng, 20));
    assert_eq!(index.refresh_on(&storage).unwrap(), sync::Refresh::Rebuilt);
    assert_matches_full_read(&index, &storage);
    // Longer, same identity, different bytes at the end of the indexed part.
    let mut longer = storage.snapshot().unwrap();
    let cut = longer.len() - 10;
    longer.truncate(cut);
    longer.extend_from_slice(b"\"}\n");
    longer.extend(file(&mut rng, 30));
    storage.rewrite_in_place(longer);
    assert_eq!(index.refresh_on(&storage).unwrap(), sync::Refresh::Rebuilt);
    assert_matches_full_read(&index, &storage);
    // Replaced by another file (new identity) that starts the same.
    let mut copy = storage.snapshot().unwrap();
    copy.extend(file(&mut rng, 5));
    storage.replace(&copy).unwrap();
    assert_eq!(index.refresh_on(&storage).unwrap(), sync::Refresh::Rebuilt);
    assert_matches_full_read(&index, &storage);
    // Deleted.
    let missing = crate::storage::MemoryStorage::new();
    assert_eq!(index.refresh_on(&missing).unwrap(), sync::Refresh::Rebuilt);
    assert_eq!(index.rows(), 0);
}

#[test]
fn stale_line_ranges_are_refused() {
    let mut rng = Rng(11);
    let storage = MemoryStorage::with_content(file(&mut rng, 30));
    let mut index = UsageIndex::new();
    index.refresh_on(&storage).unwrap();
    let rows = index.query(&UsageRecordQuery::default());
    let mut shifted = b"{}\n".to_vec();
    shifted.extend(storage.snapshot().unwrap());
    storage.rewrite_in_place(shifted);
    assert!(index.read_lines_on(&storage, &rows).unwrap().is_none());
}

#[test]
fn saved_index_round_trips_and_is_checked() {
    let mut rng = Rng(23);
    let storage = MemoryStorage::with_content(file(&mut rng, 80));
    storage.append(b"{\"status\":\"success\"}").unwrap(); // unfinished: not saved
    let mut index = UsageIndex::new();
    index.refresh_on(&storage).unwrap();
    let saved = MemoryStorage::with_content(persist::encode(&index));
    let mut loaded = persist::on::load(&saved).unwrap().unwrap();
    assert!(loaded.is_deferred());
    assert_eq!(loaded.rows(), index.rows() - 1);
    // Times and line ranges alone answer newest-first queries without filters.
    let recent = UsageRecordQuery {
        limit: Some(5),
        ..Default::default()
    };
    let full = read_jsonl(&storage.snapshot().unwrap());
    let finished = &full.records[..full.records.len() - 1];
    assert_eq!(loaded.query(&recent), query_indices(finished, &recent));
    assert!(persist::on::load_deferred(&mut loaded, &saved).unwrap());
    assert!(!loaded.is_deferred());
    assert_eq!(
        loaded.refresh_on(&storage).unwrap(),
        sync::Refresh::Appended
    );
    assert_matches_full_read(&loaded, &storage);

    // Any damaged byte makes the copy unusable, never wrong: part A at load, part B at
    // `load_deferred`.
    let bytes = saved.snapshot().unwrap();
    for at in (0..bytes.len()).step_by(97) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x20;
        let damaged = MemoryStorage::with_content(damaged);
        if let Some(mut loaded) = persist::on::load(&damaged).unwrap() {
            let whole = persist::on::load_deferred(&mut loaded, &damaged).unwrap();
            assert!(!whole, "damage at byte {at} went unnoticed");
        }
    }
    assert!(
        persist::on::load(&MemoryStorage::with_content(bytes[..100].to_vec()))
            .unwrap()
            .is_none()
    );
    assert!(persist::on::load(&MemoryStorage::new()).unwrap().is_none());

    // Both parts in one pass: the same index, and the same checks.
    let mut whole = persist::on::load_whole(&saved).unwrap().unwrap();
    assert!(!whole.is_deferred());
    assert_eq!(whole.refresh_on(&storage).unwrap(), sync::Refresh::Appended);
    assert_matches_full_read(&whole, &storage);
    for at in (0..bytes.len()).step_by(89) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x20;
        let damaged = MemoryStorage::with_content(damaged);
        assert!(
            persist::on::load_whole(&damaged).unwrap().is_none(),
            "damage at byte {at} went unnoticed"
        );
    }

    // Part B of another save is refused.
    let mut loaded = persist::on::load(&saved).unwrap().unwrap();
    let other_save = {
        let mut other = UsageIndex::new();
        other
            .refresh_on(&MemoryStorage::with_content(file(&mut Rng(5), 30)))
            .unwrap();
        persist::encode(&other)
    };
    saved.replace(&other_save).unwrap();
    assert!(!persist::on::load_deferred(&mut loaded, &saved).unwrap());

    // A saved index of another file is rebuilt on its first refresh.
    let other = MemoryStorage::with_content(file(&mut Rng(99), 40));
    let saved = MemoryStorage::with_content(persist::encode(&index));
    let mut loaded = persist::on::load(&saved).unwrap().unwrap();
    assert!(persist::on::load_deferred(&mut loaded, &saved).unwrap());
    assert_eq!(loaded.refresh_on(&other).unwrap(), sync::Refresh::Rebuilt);
    assert_matches_full_read(&loaded, &other);
}

#[test]
fn of_bytes_equals_the_full_reader() {
    let mut rng = Rng(5);
    let mut content = file(&mut rng, 100);
    content.extend_from_slice(b"{\"x\":");
    let index = UsageIndex::of_bytes(&content);
    let full = read_jsonl(&content);
    assert_eq!(index.rows(), full.records.len());
    assert_eq!(index.diagnostics(), &full.diagnostics[..]);
    use crate::usage::facts::{FactSource, UsageFacts};
    for (row, record) in full.records.iter().enumerate() {
        let mut want = UsageFacts::from_object(record);
        let want_time = crate::usage::query::time_of(want.timestamp);
        assert_eq!(index.columns().time(row).to_bits(), want_time.to_bits());
        // The index keeps parsed times, not the timestamp text.
        want.timestamp = None;
        assert_eq!(index.columns().facts(row), want);
    }
}

#[test]
fn files_in_time_order_take_the_range_path_with_the_same_results() {
    for seed in 1..30u64 {
        let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let mut clock = 0;
        let content: Vec<u8> = (0..80)
            .flat_map(|_| line_with(&mut rng, &mut clock, true).into_bytes())
            .collect();
        let storage = MemoryStorage::with_content(content);
        let mut index = UsageIndex::new();
        index.refresh_on(&storage).unwrap();
        assert!(index.columns().times_in_order, "seed {seed}");
        assert_matches_full_read(&index, &storage);
        let bounds = [
            ("2026-01-01T00:00:00.000Z", "2026-01-01T00:30:00.000Z"),
            ("2026-01-01T00:10:00.000Z", "2026-01-01T00:10:00.000Z"),
            ("2026-01-01T01:00:00.000Z", "2025-01-01T00:00:00.000Z"),
        ];
        let full = read_jsonl(&storage.snapshot().unwrap_or_default());
        for (from, to) in bounds {
            for order in [Order::NewestFirst, Order::OldestFirst] {
                for limit in [None, Some(3), Some(0)] {
                    for provider in [None, Some(TextFilter::from("openai"))] {
                        let query = UsageRecordQuery {
                            from: Some(DateBound::Text(from.into())),
                            to: Some(DateBound::Text(to.into())),
                            order,
                            limit,
                            provider: provider.clone(),
                            ..Default::default()
                        };
                        let want = query_indices(full.records.as_slice(), &query);
                        assert_eq!(index.query(&query), want, "{query:?}");
                    }
                }
            }
        }
    }
}

/// A header field of a saved index (see [`persist`]): rows 16, part A 24, part B 32, meta 56.
fn set_u64(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

fn saved_bytes(seed: u64, lines: usize) -> (MemoryStorage, Vec<u8>) {
    let storage = MemoryStorage::with_content(file(&mut Rng(seed), lines));
    let mut index = UsageIndex::new();
    index.refresh_on(&storage).unwrap();
    let bytes = persist::encode(&index);
    (storage, bytes)
}

fn loads(bytes: &[u8]) -> bool {
    let saved = MemoryStorage::with_content(bytes.to_vec());
    match persist::on::load(&saved).unwrap() {
        Some(mut index) => persist::on::load_deferred(&mut index, &saved).unwrap(),
        None => false,
    }
}

#[test]
fn a_saved_index_with_impossible_lengths_is_refused_without_allocating_them() {
    let (_, good) = saved_bytes(3, 40);
    assert!(loads(&good));
    // The header alone, with lengths far past the end of the file.
    let mut short = good[..64].to_vec();
    set_u64(&mut short, 24, u64::MAX - 8);
    assert!(!loads(&short));
    set_u64(&mut short, 24, 0);
    set_u64(&mut short, 32, u64::MAX);
    assert!(!loads(&short));
    // One flipped bit in part B's length.
    let mut flipped = good.clone();
    flipped[39] ^= 0x80;
    assert!(!loads(&flipped));
    // Row counts that would need terabytes, or a gigabyte, with a part A to match.
    for rows in [1u64 << 40, 1 << 27] {
        let mut huge = good.clone();
        set_u64(&mut huge, 16, rows);
        set_u64(&mut huge, 24, rows * 20);
        persist::reseal(&mut huge);
        assert!(!loads(&huge), "rows {rows}");
    }
    // A meta length past part A.
    let mut meta = good.clone();
    set_u64(&mut meta, 56, u64::MAX);
    assert!(!loads(&meta));
}

#[test]
fn a_crafted_saved_index_with_lines_outside_the_file_is_refused() {
    let (_, good) = saved_bytes(4, 40);
    let rows = u64::from_le_bytes(good[16..24].try_into().unwrap()) as usize;
    let meta_len = u64::from_le_bytes(good[56..64].try_into().unwrap()) as usize;
    let offsets_at = 64 + meta_len.div_ceil(8) * 8 + rows * 8;
    // Far past the file, just past the indexed bytes, and out of order: checksums made to
    // match, as a crafted file would.
    for (row, offset) in [(rows / 2, 1u64 << 60), (rows - 1, 1 << 20), (3, 0)] {
        let mut crafted = good.clone();
        set_u64(&mut crafted, offsets_at + row * 8, offset);
        persist::reseal(&mut crafted);
        assert!(!loads(&crafted), "row {row} at {offset}");
    }
    let mut sealed = good.clone();
    persist::reseal(&mut sealed);
    assert_eq!(sealed, good);
}

/// A file whose modification time the test sets ([`MemoryStorage`] reports none).
struct Timed {
    file: MemoryStorage,
    modified_ms: std::cell::Cell<f64>,
}

impl Timed {
    /// Rewrites one digit of a record in the middle (1-8 becomes the next digit): same size,
    /// same identity and anchors, another modification time.
    fn edit_middle(&self, modified_ms: f64) {
        let mut bytes = self.file.snapshot().unwrap();
        let from = bytes.len() / 2;
        let at = from
            + bytes[from..]
                .iter()
                .position(|b| (b'1'..=b'8').contains(b))
                .unwrap();
        bytes[at] += 1;
        self.file.rewrite_in_place(bytes);
        self.modified_ms.set(modified_ms);
    }
}

impl ByteStorage for Timed {
    fn read_all(&self) -> crate::error::Result<Option<Vec<u8>>> {
        self.file.read_all()
    }
    fn read_range(&self, offset: u64, len: usize) -> crate::error::Result<Vec<u8>> {
        self.file.read_range(offset, len)
    }
    fn size(&self) -> crate::error::Result<Option<u64>> {
        self.file.size()
    }
    fn stat(&self) -> crate::error::Result<Option<crate::storage::BlobStat>> {
        Ok(self.file.stat()?.map(|s| crate::storage::BlobStat {
            modified_ms: Some(self.modified_ms.get()),
            ..s
        }))
    }
    fn append(&self, bytes: &[u8]) -> crate::error::Result<()> {
        self.file.append(bytes)
    }
    fn replace_at(
        &self,
        at: &crate::io::Location,
        temp_name: &str,
        bytes: &[u8],
    ) -> crate::error::Result<()> {
        self.file.replace_at(at, temp_name, bytes)
    }
    fn locate(&self, follow_links: bool) -> crate::error::Result<crate::io::Location> {
        self.file.locate(follow_links)
    }
    fn lock_fs(&self) -> &dyn crate::storage::dir_lock::LockFs {
        self.file.lock_fs()
    }
}

#[test]
fn an_edit_that_keeps_the_size_is_reindexed() {
    let storage = Timed {
        file: MemoryStorage::with_content(file(&mut Rng(31), 60)),
        modified_ms: 1_000.0.into(),
    };
    let mut index = UsageIndex::new();
    index.refresh_on(&storage).unwrap();
    assert_eq!(
        index.refresh_on(&storage).unwrap(),
        sync::Refresh::Unchanged
    );
    storage.edit_middle(2_000.0);
    assert_eq!(index.refresh_on(&storage).unwrap(), sync::Refresh::Rebuilt);
    assert_matches_full_read(&index, &storage.file);
    // An append changes the size as well: still incremental.
    storage.file.append(&file(&mut Rng(32), 5)).unwrap();
    storage.modified_ms.set(3_000.0);
    assert_eq!(index.refresh_on(&storage).unwrap(), sync::Refresh::Appended);
    assert_matches_full_read(&index, &storage.file);
}

#[test]
fn a_saved_index_is_refused_after_an_edit_that_keeps_the_size() {
    let storage = Timed {
        file: MemoryStorage::with_content(file(&mut Rng(33), 60)),
        modified_ms: 1_000.0.into(),
    };
    let mut index = UsageIndex::new();
    index.refresh_on(&storage).unwrap();
    let saved = MemoryStorage::with_content(persist::encode(&index));
    let load = || {
        let mut loaded = persist::on::load(&saved).unwrap().unwrap();
        assert!(persist::on::load_deferred(&mut loaded, &saved).unwrap());
        loaded
    };
    // Untouched: the saved index is used as it is.
    assert_eq!(
        load().refresh_on(&storage).unwrap(),
        sync::Refresh::Appended
    );
    storage.edit_middle(2_000.0);
    let mut loaded = load();
    assert_eq!(loaded.refresh_on(&storage).unwrap(), sync::Refresh::Rebuilt);
    assert_matches_full_read(&loaded, &storage.file);
}

#[test]
fn a_refresh_that_fails_midway_counts_no_line_twice() {
    use crate::io::{Reply, Request};
    let mut rng = Rng(31);
    let storage = MemoryStorage::with_content(file(&mut rng, 20));
    let mut index = UsageIndex::new();
    index.refresh_on(&storage).unwrap();
    // More than one chunk appended: the refresh reads the first bytes, then fails.
    let mut more = String::new();
    while more.len() <= sync::CHUNK + 100 {
        more.push_str(&line(&mut rng, &mut 0));
    }
    storage.append(more.as_bytes()).unwrap();
    let host = crate::io::Host::of(&storage);
    let mut reads = 0;
    let io = crate::io::Io::default();
    let failed = crate::io::drive(&io, index.refresh(&io), |request| {
        let read = match &request {
            Request::ReadAt { buf, .. } => buf.len() > 64,
            Request::All(parts) => parts
                .iter()
                .any(|p| matches!(p, Request::ReadAt { buf, .. } if buf.len() > 64)),
            _ => false,
        };
        reads += usize::from(read);
        if read && reads == 2 {
            return Reply::Failed(crate::Error::storage("EIO (test)"));
        }
        host.perform(request)
    });
    assert!(failed.is_err());
    assert_ne!(
        index.refresh_on(&storage).unwrap(),
        sync::Refresh::Unchanged
    );
    assert_matches_full_read(&index, &storage);
}
