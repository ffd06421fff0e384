//! The operator's token: every mutating request carries it (a header, never a cookie, so a
//! page on another origin cannot ride on a browser's credentials).

/// What a request's token is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCheck {
    /// The token matches.
    Valid,
    /// No token was sent: 401.
    Missing,
    /// A token was sent and it is not the server's: 403.
    Invalid,
}

impl TokenCheck {
    /// The HTTP status of a refusal, `None` when the token is valid.
    pub fn refusal_status(self) -> Option<u16> {
        match self {
            TokenCheck::Valid => None,
            TokenCheck::Missing => Some(401),
            TokenCheck::Invalid => Some(403),
        }
    }

    /// The stable error code of a refusal.
    pub fn code(self) -> &'static str {
        match self {
            TokenCheck::Valid => "",
            TokenCheck::Missing => "PIE_ADMIN_TOKEN_REQUIRED",
            TokenCheck::Invalid => "PIE_ADMIN_TOKEN_INVALID",
        }
    }
}

/// Compares the sent token (`x-pie-admin-token`, else `authorization: Bearer …`) with the
/// server's in time independent of where they differ.
///
/// ```
/// use pie_storage_core::admin::{check_token, TokenCheck};
/// assert_eq!(check_token("s3cret", Some("s3cret"), None), TokenCheck::Valid);
/// assert_eq!(check_token("s3cret", None, Some("Bearer s3cret")), TokenCheck::Valid);
/// assert_eq!(check_token("s3cret", None, None), TokenCheck::Missing);
/// assert_eq!(check_token("s3cret", Some("guess"), None), TokenCheck::Invalid);
/// ```
pub fn check_token(
    expected: &str,
    header: Option<&str>,
    authorization: Option<&str>,
) -> TokenCheck {
    let bearer = authorization.and_then(|a| {
        let (scheme, rest) = a.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    let Some(sent) = header.map(str::trim).filter(|h| !h.is_empty()).or(bearer) else {
        return TokenCheck::Missing;
    };
    if expected.is_empty() {
        return TokenCheck::Invalid;
    }
    let (a, b) = (expected.as_bytes(), sent.as_bytes());
    let mut diff = (a.len() ^ b.len()) as u8 | u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0);
    }
    if diff == 0 {
        TokenCheck::Valid
    } else {
        TokenCheck::Invalid
    }
}
