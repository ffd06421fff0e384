//! Per-account cache files (`chat/cache/<accountId>.json`): one JSON object each, written like
//! the config (tab indent, newline, atomic, 0600) and read leniently (a file that cannot be
//! read is no cache, with a diagnostic); a cache that exists but cannot be parsed is never
//! overwritten.

use serde::Serialize;
use serde_json::{Map, Value};

use super::config::document_bytes;
use crate::error::{Error, ErrorCode, Result};

/// A read of an account's cache.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ChatCacheRead {
    /// The cached object (`None`: no file, or one that cannot be used).
    pub value: Option<Map<String, Value>>,
    /// Why a file that exists was not used (never quoting it).
    pub diagnostic: Option<String>,
}

/// The cache object of a file's bytes, or why there is none.
fn parse(bytes: &[u8]) -> std::result::Result<Map<String, Value>, &'static str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| "the chat cache is not UTF-8 text")?;
    match crate::json::parse(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the chat cache is not a JSON object"),
        Err(_) => Err("the chat cache is not valid JSON"),
    }
}

/// Reads a cache file's bytes (`None`: no file).
pub(crate) fn read_cache(bytes: Option<&[u8]>) -> ChatCacheRead {
    match bytes.map(parse) {
        None => ChatCacheRead::default(),
        Some(Ok(value)) => ChatCacheRead {
            value: Some(value),
            diagnostic: None,
        },
        Some(Err(why)) => ChatCacheRead {
            value: None,
            diagnostic: Some(why.into()),
        },
    }
}

/// The bytes to write for `value` over the current file: `None` when the file already holds
/// it; `PIE_CORRUPT_FILE` when the file exists but cannot be parsed.
pub(crate) fn cache_write(
    current: Option<&[u8]>,
    value: &Map<String, Value>,
    name: &str,
) -> Result<Option<Vec<u8>>> {
    if let Some(bytes) = current {
        let old = parse(bytes).map_err(|_| {
            Error::new(
                ErrorCode::CorruptFile,
                "the chat cache cannot be parsed; it is left as it is",
            )
            .with_file(name)
        })?;
        if &old == value {
            return Ok(None);
        }
    }
    Ok(Some(document_bytes(value)))
}
