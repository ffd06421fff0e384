//! A channel's event log (`…/channels/<ch>/channel.jsonl`): append-only JSON lines. An append is
//! one write of one complete line under the channel folder's `.lock` (the usage log's protocol
//! and torn-tail rule); reads skip and report lines that cannot be parsed; nothing ever
//! rewrites the file.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Result;
use crate::io::append::append_line;
use crate::io::{Io, Location, LockTiming};
use crate::usage::{read_jsonl, LineDiagnostic};

/// The events of a channel log (or its last ones) and the lines skipped.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ChannelEvents {
    /// The events, oldest first.
    pub events: Vec<Map<String, Value>>,
    /// The lines that could not be read (a torn or corrupt line), never quoting them.
    pub diagnostics: Vec<LineDiagnostic>,
}

/// The channel folder's `.lock`, beside the log (the layout's lock, not `channel.jsonl.lock`).
fn channel_lock(at: &Location) -> String {
    match at.path.strip_suffix(&at.name) {
        Some(folder_with_separator) => format!("{folder_with_separator}.lock"),
        None => crate::paths::join(&at.folder, ".lock"),
    }
}

/// Appends `event` as one line (`JSON.stringify(event)`).
pub(crate) async fn append_event(
    io: &Io,
    timing: LockTiming,
    event: &Map<String, Value>,
) -> Result<()> {
    let line = crate::json::to_js_string(&Value::Object(event.clone())).into_bytes();
    append_line(io, timing, channel_lock, line).await
}

/// The events of the log's bytes (`None`: no log), the last `tail` of them when given.
pub(crate) fn read_events(bytes: Option<&[u8]>, tail: Option<usize>) -> ChannelEvents {
    let read = bytes.map(read_jsonl).unwrap_or_default();
    let mut events = read.records;
    if let Some(n) = tail {
        events.drain(..events.len().saturating_sub(n));
    }
    ChannelEvents {
        events,
        diagnostics: read.diagnostics,
    }
}
