//! One error type for the whole core, with stable codes that hosts expose verbatim
//! (`err.code` in JavaScript). Messages never contain record values: they may hold secrets.

use std::fmt;

/// Stable, machine-readable error codes. The string forms are part of the public API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A usage record does not match the declared types.
    InvalidUsageRecord,
    /// A query argument is malformed.
    InvalidQuery,
    /// Text handed to the core is not valid JSON.
    InvalidJson,
    /// The underlying storage failed (I/O error, permission, ...).
    Storage,
    /// The cross-process lock could not be taken in time.
    LockTimeout,
    /// The lock was lost while held (another process took it over as stale).
    LockCompromised,
    /// A stored file cannot be parsed; it is left untouched and mutations are refused.
    CorruptFile,
    /// An argument handed to a store operation is malformed.
    InvalidInput,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidUsageRecord => "PIE_INVALID_USAGE_RECORD",
            ErrorCode::InvalidQuery => "PIE_INVALID_QUERY",
            ErrorCode::InvalidJson => "PIE_INVALID_JSON",
            ErrorCode::Storage => "PIE_STORAGE_ERROR",
            ErrorCode::LockTimeout => "PIE_LOCK_TIMEOUT",
            ErrorCode::LockCompromised => "PIE_LOCK_COMPROMISED",
            ErrorCode::CorruptFile => "PIE_CORRUPT_FILE",
            ErrorCode::InvalidInput => "PIE_INVALID_INPUT",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from the core. `path` names the offending field (`usage.input`) or file.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    /// Field path for validation errors, file path for storage errors.
    pub path: Option<String>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            path: None,
        }
    }

    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn storage(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Storage, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
