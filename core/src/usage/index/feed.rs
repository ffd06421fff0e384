//! Splitting a byte stream into JSONL lines, chunk by chunk.
//!
//! The one line splitter: the file index, the streaming summary and whole buffers
//! ([`each_line`](super::super::jsonl::each_line)) all see lines split on `\n`, a `\r` before
//! it dropped, blank lines (by JavaScript `trim`) skipped but counted, a BOM skipped at offset
//! 0. Only the bytes of an unfinished line are kept between chunks, so memory stays bounded by
//! the chunk size and the longest line.

use crate::usage::jsonl::{is_js_blank, Line, BOM};

/// Line splitter over consecutive chunks of one byte stream.
#[derive(Clone, Debug, Default)]
pub struct LineFeed {
    /// The unfinished line so far.
    carry: Vec<u8>,
    /// Stream offset of the next line's first byte (the start of `carry`).
    line_start: u64,
    /// Lines finished so far, blank ones included (line numbers are 1-based).
    lines: usize,
}

impl LineFeed {
    /// A splitter resuming at a line boundary: `offset` bytes and `lines` lines already seen.
    pub fn resume(offset: u64, lines: usize) -> Self {
        LineFeed {
            carry: Vec::new(),
            line_start: offset,
            lines,
        }
    }

    /// Offset just past the last finished line.
    pub fn complete_offset(&self) -> u64 {
        self.line_start
    }

    /// Lines finished so far.
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// Feeds the next bytes of the stream, calling `on_line` for every line they finish.
    pub fn feed(&mut self, chunk: &[u8], mut on_line: impl FnMut(Line<'_>)) {
        let mut rest = chunk;
        while let Some(nl) = memchr::memchr(b'\n', rest) {
            let (head, tail) = (&rest[..nl], &rest[nl + 1..]);
            if self.carry.is_empty() {
                self.emit(head, true, &mut on_line);
            } else {
                let mut line = std::mem::take(&mut self.carry);
                line.extend_from_slice(head);
                self.emit(&line, true, &mut on_line);
                line.clear();
                self.carry = line;
            }
            rest = tail;
        }
        self.carry.extend_from_slice(rest);
    }

    /// The end of the stream: the unfinished last line, if it is not blank, goes to `on_line`
    /// with `terminated: false`. The splitter keeps it, so more bytes may still be fed.
    pub fn finish(&self, mut on_line: impl FnMut(Line<'_>)) {
        if self.carry.is_empty() {
            return;
        }
        let mut probe = self.clone();
        let line = std::mem::take(&mut probe.carry);
        probe.emit(&line, false, &mut on_line);
    }

    /// Counts the line and passes it on unless it is blank. `raw` excludes the `\n`.
    fn emit(&mut self, raw: &[u8], terminated: bool, on_line: &mut impl FnMut(Line<'_>)) {
        let start = self.line_start;
        self.line_start += raw.len() as u64 + u64::from(terminated);
        self.lines += 1;
        let (mut content, mut offset) = (raw, start);
        if start == 0 && content.starts_with(BOM) {
            content = &content[BOM.len()..];
            offset += BOM.len() as u64;
        }
        if terminated && content.last() == Some(&b'\r') {
            content = &content[..content.len() - 1];
        }
        if !is_js_blank(content) {
            on_line(Line {
                number: self.lines,
                offset,
                bytes: content,
                terminated,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(chunks: &[&[u8]]) -> Vec<(usize, u64, Vec<u8>, bool)> {
        let mut feed = LineFeed::default();
        let mut out = Vec::new();
        for chunk in chunks {
            feed.feed(chunk, |l| {
                out.push((l.number, l.offset, l.bytes.to_vec(), l.terminated))
            });
        }
        feed.finish(|l| out.push((l.number, l.offset, l.bytes.to_vec(), l.terminated)));
        out
    }

    #[test]
    fn any_chunking_gives_the_lines_of_the_whole_buffer() {
        let text: &[u8] = b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \n{\"b\":2}\n\n{\"c\":";
        let whole = collect(&[text]);
        // Line 1 after the BOM, the blank lines 2, 3 and 5 counted but skipped, a torn line 6.
        let numbers: Vec<_> = whole.iter().map(|l| (l.0, l.1, l.3)).collect();
        assert_eq!(numbers, vec![(1, 3, true), (4, 17, true), (6, 26, false)]);
        for split in 0..=text.len() {
            for split2 in split..=text.len() {
                let chunks = [&text[..split], &text[split..split2], &text[split2..]];
                assert_eq!(collect(&chunks), whole, "split at {split}/{split2}");
            }
        }
    }

    #[test]
    fn finish_keeps_the_unfinished_line_for_more_bytes() {
        let mut feed = LineFeed::default();
        let mut seen = Vec::new();
        feed.feed(b"{\"a\":1}\n{\"b\"", |l| seen.push(l.bytes.to_vec()));
        feed.finish(|l| seen.push(l.bytes.to_vec()));
        assert_eq!(seen, vec![b"{\"a\":1}".to_vec(), b"{\"b\"".to_vec()]);
        feed.feed(b":2}\n", |l| seen.push(l.bytes.to_vec()));
        assert_eq!(seen.last().map(Vec::as_slice), Some(&b"{\"b\":2}"[..]));
        assert_eq!(feed.complete_offset(), 16);
        assert_eq!(feed.lines(), 2);
    }
}
