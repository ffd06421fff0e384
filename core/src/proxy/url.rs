//! Proxy URLs as the router reads them (9router §6.3, reference §6.7): a URL without a scheme is
//! an HTTP proxy (`http://` is prepended), credentials in the URL become a `Proxy-Authorization`
//! header.

use std::fmt;

use url::Url;

use crate::connections::redact::mask_proxy_url;

/// The proxy protocols the router knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyScheme {
    /// `http://`: requests (or `CONNECT` tunnels) go to the proxy in clear.
    Http,
    /// `https://`: the connection to the proxy itself is TLS.
    Https,
    /// `socks4://`, `socks4a://`, `socks5://`, `socks5h://`, `socks://`.
    Socks,
}

/// `proxyUrl` with `http://` prepended when it names no scheme (`127.0.0.1:3128`,
/// `user:pass@proxy:8080`), trimmed; other text is returned as it is.
///
/// ```
/// use pie_storage_core::proxy::normalize_proxy_url;
/// assert_eq!(normalize_proxy_url(" proxy.example:8080 "), "http://proxy.example:8080");
/// assert_eq!(normalize_proxy_url("socks5://10.0.0.1:1080"), "socks5://10.0.0.1:1080");
/// assert_eq!(normalize_proxy_url("bob:pa://ss@proxy:1"), "http://bob:pa://ss@proxy:1");
/// ```
pub fn normalize_proxy_url(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() || has_scheme(text) {
        text.to_owned()
    } else {
        format!("http://{text}")
    }
}

/// Whether `url` starts with `scheme://` (a letter, then letters, digits, `+`, `-`, `.`), so a
/// `://` later in the text (in a password) does not count.
fn has_scheme(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, _)| {
        let mut chars = scheme.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// A parsed proxy: where to connect and how to authenticate. `Debug` shows the URL masked.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyEndpoint {
    url: Url,
    scheme: ProxyScheme,
    port: u16,
}

impl ProxyEndpoint {
    /// Reads `proxyUrl` ([`normalize_proxy_url`] first); `None` when it is not a URL with a
    /// host and a known proxy scheme.
    ///
    /// ```
    /// use pie_storage_core::proxy::{ProxyEndpoint, ProxyScheme};
    /// let p = ProxyEndpoint::parse("bob:s%40cret@127.0.0.1:3128").unwrap();
    /// assert_eq!((p.scheme(), p.host(), p.port()), (ProxyScheme::Http, "127.0.0.1", 3128));
    /// assert_eq!(p.authorization().as_deref(), Some("Basic Ym9iOnNAY3JldA=="));
    /// assert!(!format!("{p:?}").contains("cret"));
    /// ```
    pub fn parse(text: &str) -> Option<ProxyEndpoint> {
        let url = Url::parse(&normalize_proxy_url(text)).ok()?;
        let scheme = match url.scheme() {
            "http" => ProxyScheme::Http,
            "https" => ProxyScheme::Https,
            "socks" | "socks4" | "socks4a" | "socks5" | "socks5h" => ProxyScheme::Socks,
            _ => return None,
        };
        url.host_str().filter(|h| !h.is_empty())?;
        let port = url.port_or_known_default().unwrap_or(match scheme {
            ProxyScheme::Socks => 1080,
            ProxyScheme::Http | ProxyScheme::Https => 80,
        });
        Some(ProxyEndpoint { url, scheme, port })
    }

    /// The protocol spoken to the proxy.
    pub fn scheme(&self) -> ProxyScheme {
        self.scheme
    }

    /// The proxy's host name or address (IPv6 without brackets).
    pub fn host(&self) -> &str {
        let host = self.url.host_str().unwrap_or_default();
        host.strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
    }

    /// The proxy's port (the scheme's default when the URL names none).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `Basic base64(user:password)` from the URL's credentials (percent-decoded), if any.
    pub fn authorization(&self) -> Option<String> {
        if self.url.username().is_empty() && self.url.password().is_none() {
            return None;
        }
        let decode = |s: &str| percent_encoding::percent_decode_str(s).collect::<Vec<u8>>();
        let mut pair = decode(self.url.username());
        pair.push(b':');
        pair.extend(decode(self.url.password().unwrap_or_default()));
        Some(format!("Basic {}", base64(&pair)))
    }

    /// The URL as the pool routes show it (password masked).
    pub fn masked(&self) -> String {
        mask_proxy_url(self.url.as_str())
    }
}

impl fmt::Debug for ProxyEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ProxyEndpoint")
            .field(&self.masked())
            .finish()
    }
}

/// Standard base64 with padding (RFC 4648 §4), for the `Basic` credentials.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, &b| n << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_examples() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn reads_schemes_ports_and_credentials() {
        let p = ProxyEndpoint::parse("https://proxy.example").unwrap();
        assert_eq!(
            (p.scheme(), p.port(), p.authorization()),
            (ProxyScheme::Https, 443, None)
        );
        let p = ProxyEndpoint::parse("socks5://u:p@[::1]:1080").unwrap();
        assert_eq!(
            (p.scheme(), p.host(), p.port()),
            (ProxyScheme::Socks, "::1", 1080)
        );
        let p = ProxyEndpoint::parse("http://user@proxy:1").unwrap();
        assert_eq!(p.authorization().as_deref(), Some("Basic dXNlcjo="));
        for bad in [
            "",
            "   ",
            "ftp://proxy:21",
            "http://",
            "not a url at all://x",
        ] {
            assert!(ProxyEndpoint::parse(bad).is_none(), "{bad:?}");
        }
    }
}
