//! Reading `usage.jsonl` (reference §4.1), tolerant where the reference is not.
//!
//! Lines are split on `\n` with an optional `\r` before it; lines that are empty after a
//! JavaScript `trim()` are skipped. Unlike the reference, a line that is not a JSON object (a
//! corrupt line, or the torn tail of a crashed append) does not fail the whole read: it is skipped
//! and reported as a [`LineDiagnostic`]. A leading UTF-8 BOM is accepted. Invalid UTF-8 is decoded
//! with replacement characters, as Node's `readFile(path, "utf-8")` does.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::columns::ColumnsBuilder;
use super::facts::UsageFacts;
use super::index::LineFeed;
use super::scan::scan_line;
use crate::js_value::is_js_whitespace;

/// Why a line was skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiagnosticCode {
    /// The line is not valid JSON.
    #[serde(rename = "INVALID_JSON")]
    InvalidJson,
    /// The last line has no newline and is not valid JSON: an append that did not finish.
    #[serde(rename = "TRUNCATED_LINE")]
    TruncatedLine,
    /// The line is valid JSON but not an object.
    #[serde(rename = "NOT_AN_OBJECT")]
    NotAnObject,
    /// The line is an object but lacks what its store needs (a request detail's `id` and
    /// `timestamp`); usage lines never report it.
    #[serde(rename = "NOT_A_RECORD")]
    NotARecord,
}

/// One skipped line. Never carries the line's content: it may hold secrets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineDiagnostic {
    /// 1-based line number in the file.
    pub line: usize,
    /// Byte offset of the line's first byte in the file.
    pub byte_offset: u64,
    /// Why the line was skipped.
    pub code: DiagnosticCode,
    /// For people; never quotes the line.
    pub message: String,
}

/// The records of a JSONL file and the lines that were skipped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonlRead {
    /// The records, in file order.
    pub records: Vec<Map<String, Value>>,
    /// The lines skipped, in file order.
    pub diagnostics: Vec<LineDiagnostic>,
}

/// One non-blank line of a JSONL buffer.
#[derive(Clone, Copy, Debug)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: usize,
    pub offset: u64,
    /// The line without its `\n` / `\r\n` terminator.
    pub bytes: &'a [u8],
    /// Whether a newline terminated the line (false only for the last line of a torn file).
    pub terminated: bool,
}

pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Calls `f` for every non-blank line of `bytes`, in order. The splitting rules (CRLF, blank
/// lines by JavaScript `trim`, a BOM at offset 0) live in one place, [`LineFeed`], which the
/// file index feeds chunk by chunk.
pub fn each_line(bytes: &[u8], mut f: impl FnMut(Line<'_>)) {
    let mut feed = LineFeed::default();
    feed.feed(bytes, &mut f);
    feed.finish(f);
}

/// Whether `String.prototype.trim()` would leave nothing. Decided by the first byte that is
/// not ASCII whitespace: any other ASCII byte means "not blank" without reading further.
pub(crate) fn is_js_blank(line: &[u8]) -> bool {
    match line
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c'))
    {
        None => true,
        Some(at) if line[at].is_ascii() => false,
        Some(_) => String::from_utf8_lossy(line).chars().all(is_js_whitespace),
    }
}

/// Parses one line into a record, or explains why it is skipped.
pub fn parse_line(line: &Line<'_>) -> Result<Map<String, Value>, LineDiagnostic> {
    let text = String::from_utf8_lossy(line.bytes);
    match crate::json::parse(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(diagnostic(
            line,
            DiagnosticCode::NotAnObject,
            "is valid JSON but not an object".into(),
        )),
        Err(e) if !line.terminated => Err(diagnostic(
            line,
            DiagnosticCode::TruncatedLine,
            format!("is an unfinished last line (no newline) and not valid JSON: {e}"),
        )),
        Err(e) => Err(diagnostic(
            line,
            DiagnosticCode::InvalidJson,
            format!("is not valid JSON: {e}"),
        )),
    }
}

fn diagnostic(line: &Line<'_>, code: DiagnosticCode, what: String) -> LineDiagnostic {
    LineDiagnostic {
        line: line.number,
        byte_offset: line.offset,
        code,
        message: format!("line {} (byte {}) {}", line.number, line.offset, what),
    }
}

/// Reads every record of a JSONL buffer, skipping and reporting bad lines.
pub fn read_jsonl(bytes: &[u8]) -> JsonlRead {
    let mut out = JsonlRead::default();
    each_line(bytes, |line| match parse_line(&line) {
        Ok(record) => out.records.push(record),
        Err(d) => out.diagnostics.push(d),
    });
    out
}

/// Adds the facts of one line to `builder`, or explains why the line is skipped. The byte
/// scanner takes ordinary lines; lines it leaves (duplicate keys, odd values, bad lines) go
/// through the full parser, so the facts and the skipped lines are always those of
/// [`read_jsonl`].
pub fn push_line_facts(
    builder: &mut ColumnsBuilder,
    line: &Line<'_>,
) -> Result<(), LineDiagnostic> {
    if let Some(facts) = scan_line(line.bytes) {
        builder.push(facts.texts(), &facts.amounts);
        return Ok(());
    }
    let record = parse_line(line)?;
    builder.push_facts(&UsageFacts::from_object(&record));
    Ok(())
}

/// The good lines of a JSONL buffer joined into one JSON array text (`[l1,l2,...]`), so a
/// JavaScript host materializes all records with a single `JSON.parse` and gets exactly the
/// objects `JSON.parse(line)` would give. Lines are copied verbatim, never re-serialized.
pub fn records_array_text(bytes: &[u8]) -> (String, Vec<LineDiagnostic>) {
    let mut out = ArrayText::with_capacity(bytes.len());
    let mut diagnostics = Vec::new();
    each_line(bytes, |line| match check_object_line(&line) {
        Ok(()) => out.push(line.bytes),
        Err(d) => diagnostics.push(d),
    });
    (out.finish(), diagnostics)
}

/// Lines joined into one JSON array text, or `None` if one is not a JSON object.
pub fn join_object_lines<'a>(lines: impl Iterator<Item = &'a [u8]>) -> Option<String> {
    let mut out = ArrayText::with_capacity(0);
    for bytes in lines {
        let line = Line {
            number: 0,
            offset: 0,
            bytes,
            terminated: true,
        };
        check_object_line(&line).ok()?;
        out.push(bytes);
    }
    Some(out.finish())
}

/// A JSON array text built from lines copied verbatim.
struct ArrayText(Vec<u8>);

impl ArrayText {
    fn with_capacity(bytes: usize) -> Self {
        let mut out = Vec::with_capacity(bytes + 2);
        out.push(b'[');
        ArrayText(out)
    }

    fn push(&mut self, line: &[u8]) {
        if self.0.len() > 1 {
            self.0.push(b',');
        }
        self.0.extend_from_slice(line);
    }

    /// Invalid UTF-8 becomes U+FFFD, as Node's `readFile(path, "utf-8")` decodes it.
    fn finish(mut self) -> String {
        self.0.push(b']');
        match String::from_utf8(self.0) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

/// Validates a line as a JSON object without building it. Accepts what [`parse_line`] accepts:
/// lone surrogate escapes and `1e400` (which `serde::de::IgnoredAny` lets through too), and
/// nesting up to [`crate::json::MAX_DEPTH`] (`IgnoredAny` has no limit, hence the check).
pub(crate) fn check_object_line(line: &Line<'_>) -> Result<(), LineDiagnostic> {
    let first = line
        .bytes
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r'));
    if first != Some(&b'{') || crate::json::nests_too_deep(line.bytes) {
        // Not an object (or not JSON at all): the full parser gives the precise reason.
        return parse_line(line).map(|_| ());
    }
    match serde_json::from_slice::<serde::de::IgnoredAny>(line.bytes) {
        Ok(_) => Ok(()),
        Err(_) => parse_line(line).map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_blank_lines_and_bom() {
        let text = b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n   \n{\"b\":2}\n";
        let read = read_jsonl(text);
        assert_eq!(read.records.len(), 2);
        assert!(read.diagnostics.is_empty());
        let (array, diags) = records_array_text(text);
        assert_eq!(array, "[{\"a\":1},{\"b\":2}]");
        assert!(diags.is_empty());
    }

    #[test]
    fn corrupt_and_torn_lines_are_reported_not_fatal() {
        let text = b"{\"a\":1}\nnot json\n[1]\n{\"b\":2}\n{\"c\":";
        let read = read_jsonl(text);
        assert_eq!(read.records.len(), 2);
        let codes: Vec<_> = read
            .diagnostics
            .iter()
            .map(|d| (d.line, d.byte_offset, d.code))
            .collect();
        assert_eq!(
            codes,
            vec![
                (2, 8, DiagnosticCode::InvalidJson),
                (3, 17, DiagnosticCode::NotAnObject),
                (5, 29, DiagnosticCode::TruncatedLine)
            ]
        );
        let (array, diags) = records_array_text(text);
        assert_eq!(array, "[{\"a\":1},{\"b\":2}]");
        assert_eq!(diags, read.diagnostics);
    }

    #[test]
    fn index_agrees_with_the_full_reader() {
        let text = b"\xEF\xBB\xBF{\"status\":\"success\",\"costUsd\":1}\r\nnot json\n[1]\n{\"status\":\"a\",\"status\":\"error\",\"usage\":{\"input\":2}}\n{\"resolvedProvider\":\"x\xff\"}\n{\"note\":\"\xff\",\"status\":\"ok\",\"costUsd\":-0}\n{\"c\":";
        let full = read_jsonl(text);
        let index = crate::usage::index::UsageIndex::of_bytes(text);
        let (columns, diagnostics) = (index.columns(), index.diagnostics().to_vec());
        assert_eq!(diagnostics, full.diagnostics);
        assert_eq!(columns.rows, full.records.len());
        for (row, record) in full.records.iter().enumerate() {
            use crate::usage::facts::FactSource;
            assert_eq!(columns.facts(row), UsageFacts::from_object(record));
        }
    }

    #[test]
    fn diagnostics_never_echo_content() {
        let read = read_jsonl(b"{\"apiKey\":\"sk-secret\"\n");
        assert_eq!(read.diagnostics.len(), 1);
        assert!(!read.diagnostics[0].message.contains("sk-secret"));
    }
}
