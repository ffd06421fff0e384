//! One error type for the whole core, with stable codes that hosts expose verbatim
//! (`err.code` in JavaScript). Messages never contain record values or file contents: they may
//! hold secrets.

use std::fmt;
use std::sync::Arc;

/// Stable, machine-readable error codes: what a caller matches on.
///
/// The string forms ([`ErrorCode::as_str`]) are part of the public API (JavaScript reads them as
/// `err.code`) and never change. New codes may be added, hence `#[non_exhaustive]`.
#[non_exhaustive]
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
    /// A request-details record does not match its declared types.
    InvalidRequestDetail,
    /// What an operation names does not exist (a proxy pool, a chat account or channel).
    NotFound,
}

impl ErrorCode {
    /// The stable `PIE_...` string hosts expose (`err.code` in JavaScript).
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
            ErrorCode::InvalidRequestDetail => "PIE_INVALID_REQUEST_DETAIL",
            ErrorCode::NotFound => "PIE_NOT_FOUND",
        }
    }

    /// Whether a path attached to an error of this code names a file rather than a field:
    /// storage, lock and corrupt-file errors are about files, the others about input.
    fn is_about_a_file(self) -> bool {
        matches!(
            self,
            ErrorCode::Storage
                | ErrorCode::LockTimeout
                | ErrorCode::LockCompromised
                | ErrorCode::CorruptFile
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`Error::path`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PathKind {
    Field,
    File,
}

/// An error from the core: match on [`code`](Error::code), read
/// [`field_path`](Error::field_path) or [`file`](Error::file) for where, and
/// [`source`](std::error::Error::source) for the I/O cause.
///
/// `Display` prints `CODE: message`; the alternate form (`{:#}`) appends the cause chain, for
/// one-line logs.
///
/// ```
/// use pie_storage_core::ErrorCode;
///
/// let err = pie_storage_core::usage::validate_usage_record(&serde_json::json!({"id": 1}))
///     .unwrap_err();
/// assert_eq!(err.code, ErrorCode::InvalidUsageRecord);
/// assert_eq!(err.code.as_str(), "PIE_INVALID_USAGE_RECORD");
/// assert_eq!(err.field_path(), Some("id"));
/// assert_eq!(err.file(), None);
/// ```
#[derive(Clone, Debug)]
pub struct Error {
    /// What went wrong, stable across versions.
    pub code: ErrorCode,
    /// Human-readable, without record values or secrets.
    pub message: String,
    /// The field or file the error is about, as JavaScript receives it (`err.path`). Prefer
    /// [`field_path`](Error::field_path) and [`file`](Error::file), which say which one it is.
    pub path: Option<String>,
    kind: Option<PathKind>,
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// An error with a code and a message, about no particular field or file.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            path: None,
            kind: None,
            source: None,
        }
    }

    /// Attaches a path; whether it is a field or a file follows from the code (storage, lock and
    /// corrupt-file errors name files). [`with_field`](Error::with_field) and
    /// [`with_file`](Error::with_file) say it explicitly.
    pub fn with_path(self, path: impl Into<String>) -> Self {
        let kind = if self.code.is_about_a_file() {
            PathKind::File
        } else {
            PathKind::Field
        };
        self.located(path.into(), kind)
    }

    /// Attaches the record field the error is about (`usage.input`, `status`).
    pub fn with_field(self, field: impl Into<String>) -> Self {
        self.located(field.into(), PathKind::Field)
    }

    /// Attaches the file the error is about.
    pub fn with_file(self, file: impl Into<String>) -> Self {
        self.located(file.into(), PathKind::File)
    }

    fn located(mut self, path: String, kind: PathKind) -> Self {
        self.path = Some(path);
        self.kind = Some(kind);
        self
    }

    /// Keeps the underlying cause (an `std::io::Error`, usually) for
    /// [`source`](std::error::Error::source).
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// A [`ErrorCode::Storage`] error.
    pub fn storage(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Storage, message)
    }

    fn kind(&self) -> Option<PathKind> {
        self.path.as_ref()?;
        Some(self.kind.unwrap_or(if self.code.is_about_a_file() {
            PathKind::File
        } else {
            PathKind::Field
        }))
    }

    /// The record field a validation or input error is about (`usage.input`), if any.
    pub fn field_path(&self) -> Option<&str> {
        match self.kind()? {
            PathKind::Field => self.path.as_deref(),
            PathKind::File => None,
        }
    }

    /// The file a storage, lock or corrupt-file error is about, if known.
    pub fn file(&self) -> Option<&str> {
        match self.kind()? {
            PathKind::File => self.path.as_deref(),
            PathKind::Field => None,
        }
    }

    /// The I/O error underneath, when the cause was one: `kind()` tells `NotFound` from
    /// `PermissionDenied` without parsing the message.
    pub fn io_error(&self) -> Option<&std::io::Error> {
        self.source.as_deref()?.downcast_ref()
    }
}

/// Equal when code, message and path are: causes are compared by neither identity nor value
/// (`std::io::Error` has no equality).
impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
            && self.message == other.message
            && self.path == other.path
            && self.kind() == other.kind()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if f.alternate() {
            let mut cause = std::error::Error::source(self);
            while let Some(c) = cause {
                write!(f, ": {c}")?;
                cause = c.source();
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// `Result` with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn paths_are_fields_or_files_by_code_unless_said() {
        let field = Error::new(ErrorCode::InvalidUsageRecord, "x").with_path("usage.input");
        assert_eq!(field.field_path(), Some("usage.input"));
        assert_eq!(field.file(), None);
        let file = Error::storage("x").with_path("/tmp/u.jsonl");
        assert_eq!(
            (file.file(), file.field_path()),
            (Some("/tmp/u.jsonl"), None)
        );
        let explicit = Error::storage("x").with_field("status");
        assert_eq!(explicit.field_path(), Some("status"));
        assert_eq!(explicit.path.as_deref(), Some("status"));
    }

    #[test]
    fn the_io_cause_is_the_source() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let err = Error::storage("cannot open /x")
            .with_file("/x")
            .with_source(io);
        assert_eq!(
            err.io_error().map(std::io::Error::kind),
            Some(std::io::ErrorKind::PermissionDenied)
        );
        assert_eq!(
            err.source().map(|s| s.to_string()).as_deref(),
            Some("denied")
        );
        assert_eq!(err.to_string(), "PIE_STORAGE_ERROR: cannot open /x");
        assert_eq!(
            format!("{err:#}"),
            "PIE_STORAGE_ERROR: cannot open /x: denied"
        );
        assert_eq!(err.clone(), err);
    }
}
