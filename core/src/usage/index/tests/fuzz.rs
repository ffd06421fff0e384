//! Fuzzing the saved-index loader, deterministically (no nightly toolchain, no cargo-fuzz):
//! random files and mutations of valid saves (bit flips, truncations, huge header fields,
//! splices, overwritten words), half of them resealed with matching checksums as a crafted
//! file would be. Each must load without a panic and with memory bounded by its size, and be
//! either refused or give an index that is safe to use: equal to the full read of the file
//! when only damaged, and never reading out of range when crafted (a crafted save with valid
//! checksums may lie about amounts; the checksum catches damage, not tampering).
//!
//! `cargo test` runs for at most about two seconds; `PIE_FUZZ_SECS=<n>` runs longer,
//! `PIE_FUZZ_SEED=<s>` starts at seed `s` (a failure names its seed).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

use super::*;

/// Counts, on threads that ask for it, the bytes allocated and not yet freed.
struct Counting;

thread_local! {
    static TRACKING: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn note(delta: isize) {
    let _ = TRACKING.try_with(|on| {
        if on.get() {
            let live = LIVE.get() + delta;
            LIVE.set(live);
            PEAK.set(PEAK.get().max(live));
        }
    });
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// SAFETY: every call is passed on to `System` unchanged; counting touches only `Cell`s.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// The most bytes `f` had allocated at once on this thread, and its result.
fn peak_of<T>(f: impl FnOnce() -> T) -> (usize, T) {
    LIVE.set(0);
    PEAK.set(0);
    TRACKING.set(true);
    let out = f();
    TRACKING.set(false);
    (PEAK.get().max(0) as usize, out)
}

/// What loading may hold at once for a saved index of `len` bytes.
fn memory_bound(len: usize) -> usize {
    16 * len + (64 << 10)
}

/// A usage file and a valid save of its index.
struct Fixture {
    file: MemoryStorage,
    saved: Vec<u8>,
}

fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for (seed, lines, torn) in [(41, 80, false), (42, 30, true), (43, 3, false)] {
        let mut content = file(&mut Rng(seed), lines);
        if torn {
            content.extend_from_slice(b"{\"status\":\"succ");
        }
        let file = MemoryStorage::with_content(content);
        let mut index = UsageIndex::new();
        index.refresh_on(&file).unwrap();
        out.push(Fixture {
            saved: persist::encode(&index),
            file,
        });
    }
    out
}

/// Values that break naive arithmetic.
fn nasty(rng: &mut Rng, original: u64) -> u64 {
    match rng.below(9) {
        0 => u64::MAX,
        1 => 1 << 63,
        2 => 1 << 40,
        3 => 1 << 27,
        4 => 0,
        5 => original.wrapping_add(1 + rng.below(16)),
        6 => original.wrapping_sub(1 + rng.below(16)),
        7 => u64::from(u32::MAX),
        _ => rng.next(),
    }
}

/// One mutation of `good` (or random bytes); `other` is another valid save to splice from.
fn mutate(rng: &mut Rng, good: &[u8], other: &[u8]) -> Vec<u8> {
    let mut bytes = good.to_vec();
    let len = bytes.len();
    match rng.below(6) {
        0 => {
            let n = rng.below(200) as usize;
            let mut random: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            if rng.below(2) == 0 {
                random.splice(0..0, good[..16].iter().copied());
            }
            return random;
        }
        1 => {
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(len as u64) as usize;
                bytes[at] ^= 1 << rng.below(8);
            }
        }
        2 => bytes.truncate(rng.below(len as u64) as usize),
        3 => {
            let at = [16, 24, 32, 40, 48, 56][rng.below(6) as usize];
            let value = nasty(
                rng,
                u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()),
            );
            bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
        }
        4 => {
            let from = rng.below(other.len() as u64) as usize;
            let piece = &other[from..(from + 1 + rng.below(300) as usize).min(other.len())];
            let at = rng.below(len as u64) as usize;
            match rng.below(3) {
                0 => drop(bytes.splice(at..at, piece.iter().copied())),
                1 => drop(bytes.drain(at..(at + piece.len()).min(len))),
                _ => {
                    let end = (at + piece.len()).min(len);
                    bytes[at..end].copy_from_slice(&piece[..end - at]);
                }
            }
        }
        _ => {
            // An aligned word of the body: a length, offset, id or start.
            let at = 64 + 8 * rng.below(((len - 64) / 8) as u64) as usize;
            let value = nasty(
                rng,
                u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()),
            );
            let width = if rng.below(2) == 0 { 4 } else { 8 };
            bytes[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
        }
    }
    bytes
}

/// Loads `case` as a saved index of `fixture.file` and checks the outcome (see the module);
/// whether it was used.
fn check(case: &[u8], fixture: &Fixture, crafted: bool) -> bool {
    let saved = MemoryStorage::with_content(case.to_vec());
    let (peak, loaded) = peak_of(|| {
        let mut index = persist::on::load(&saved).unwrap()?;
        persist::on::load_deferred(&mut index, &saved)
            .unwrap()
            .then_some(index)
    });
    assert!(
        peak <= memory_bound(case.len()),
        "{peak} bytes for {}",
        case.len()
    );
    let Some(mut index) = loaded else {
        return false;
    };
    index.refresh_on(&fixture.file).unwrap();
    if !crafted {
        assert_matches_full_read(&index, &fixture.file);
        return true;
    }
    let size = fixture.file.snapshot().map_or(0, |b| b.len() as u64);
    for query in queries() {
        let rows = index.query(&query);
        for &row in &rows {
            let (offset, len) = index.line_range(row).unwrap();
            assert!(offset + len as u64 <= size, "row {row} out of the file");
        }
        index.read_lines_on(&fixture.file, &rows).unwrap();
        let _ = index.summarize(&query);
    }
    true
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.parse().ok()
}

#[test]
fn the_loader_survives_damaged_and_crafted_saves() {
    let secs = env_u64("PIE_FUZZ_SECS");
    let budget = Duration::from_secs_f64(secs.map_or(2.0, |s| s as f64));
    let max_cases = if secs.is_some() { u64::MAX } else { 20_000 };
    let first = env_u64("PIE_FUZZ_SEED").unwrap_or(1);
    let fixtures = fixtures();
    let started = Instant::now();
    let (mut seed, mut used) = (first, 0);
    while seed - first < max_cases && (seed == first || started.elapsed() < budget) {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let fixture = &fixtures[rng.below(fixtures.len() as u64) as usize];
        let other = &fixtures[rng.below(fixtures.len() as u64) as usize].saved;
        let mut case = mutate(&mut rng, &fixture.saved, other);
        let crafted = rng.below(2) == 0;
        if crafted {
            persist::reseal(&mut case);
        }
        let outcome = std::panic::catch_unwind(|| check(&case, fixture, crafted));
        let Ok(was_used) = outcome else {
            panic!("PIE_FUZZ_SEED={seed} fails");
        };
        used += usize::from(was_used);
        seed += 1;
    }
    println!(
        "saved-index fuzz: seeds {first}..{seed} ({} cases, {used} loaded) in {:?}",
        seed - first,
        started.elapsed()
    );
}
