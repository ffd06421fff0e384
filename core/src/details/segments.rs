//! Segment files: their names, when to start a new one, and which old ones retention drops.
//!
//! Retention drops whole segments, oldest first, so no write ever rewrites kept records. It
//! runs when a new segment is started (under the store's lock), so on disk a store holds at
//! most `maxBytes` plus one segment; reads apply `maxRecords` and `maxAgeMs` at once.

use super::config::RequestDetailsConfig;

const PREFIX: &str = "segment-";
const SUFFIX: &str = ".jsonl";

/// `segment-000001.jsonl`: numbered from 1, zero-padded so names sort as numbers.
pub(crate) fn segment_file_name(n: u32) -> String {
    format!("{PREFIX}{n:06}{SUFFIX}")
}

/// The number of a segment's file name; `None` for any other file (left alone).
pub(crate) fn segment_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    if digits.len() < 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// The segment numbers among a folder's entry names, oldest first.
pub(crate) fn segments_in(names: &[String]) -> Vec<u32> {
    let mut out: Vec<u32> = names.iter().filter_map(|n| segment_number(n)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// What retention knows of one segment.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SegmentFacts {
    pub(crate) number: u32,
    pub(crate) size: u64,
    /// The `timestamp` of its newest record, if it has one.
    pub(crate) newest_ms: Option<f64>,
    /// Ids whose latest line is in this segment.
    pub(crate) live: u64,
}

/// The oldest segments to drop (`segments` oldest first; the newest is never dropped): while
/// the segments kept exceed `maxBytes`, or the newer ones alone hold `maxRecords` ids, or the
/// segment's newest record is older than `maxAgeMs` (so every record in it is).
pub(crate) fn segments_to_drop(
    segments: &[SegmentFacts],
    config: &RequestDetailsConfig,
    now_ms: f64,
) -> Vec<u32> {
    let mut bytes: u64 = segments.iter().map(|s| s.size).sum();
    let mut live: u64 = segments.iter().map(|s| s.live).sum();
    let mut out = Vec::new();
    for s in segments.iter().take(segments.len().saturating_sub(1)) {
        let too_big = bytes > config.max_bytes;
        let newer_live = live - s.live;
        let counted_out = newer_live >= config.max_records;
        let too_old = match (config.max_age_ms, s.newest_ms) {
            (Some(age), Some(at)) => at < now_ms - age,
            _ => false,
        };
        if !(too_big || counted_out || too_old) {
            break;
        }
        out.push(s.number);
        bytes -= s.size;
        live = newer_live;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_others_are_ignored() {
        assert_eq!(segment_file_name(7), "segment-000007.jsonl");
        assert_eq!(segment_number("segment-000007.jsonl"), Some(7));
        assert_eq!(segment_number("segment-1234567.jsonl"), Some(1_234_567));
        for other in [
            "segment-7.jsonl",
            "segment-000000.jsonl",
            "x.jsonl",
            "segment-00000a.jsonl",
        ] {
            assert_eq!(segment_number(other), None, "{other}");
        }
        let names = [
            "b".into(),
            "segment-000002.jsonl".into(),
            "segment-000001.jsonl".into(),
        ];
        assert_eq!(segments_in(&names), vec![1, 2]);
    }

    fn facts(number: u32, size: u64, live: u64, newest_ms: f64) -> SegmentFacts {
        SegmentFacts {
            number,
            size,
            newest_ms: Some(newest_ms),
            live,
        }
    }

    #[test]
    fn drops_oldest_segments_by_bytes_count_and_age_never_the_newest() {
        let config = RequestDetailsConfig {
            max_bytes: 250,
            max_records: 1000,
            max_age_ms: Some(1000.0),
            ..Default::default()
        };
        let segs = [
            facts(1, 100, 5, 9000.0),
            facts(2, 100, 5, 9000.0),
            facts(3, 100, 5, 9000.0),
        ];
        assert_eq!(segments_to_drop(&segs, &config, 9500.0), vec![1]);
        let counted = RequestDetailsConfig {
            max_records: 5,
            max_bytes: 1 << 20,
            ..config.clone()
        };
        assert_eq!(segments_to_drop(&segs, &counted, 9500.0), vec![1, 2]);
        let old = [
            facts(1, 1, 1, 100.0),
            facts(2, 1, 1, 9000.0),
            facts(3, 1, 1, 100.0),
        ];
        let aged = RequestDetailsConfig {
            max_bytes: 1 << 20,
            ..config
        };
        assert_eq!(segments_to_drop(&old, &aged, 9500.0), vec![1]);
        assert_eq!(
            segments_to_drop(&old[2..], &aged, 9500.0),
            Vec::<u32>::new()
        );
    }
}
