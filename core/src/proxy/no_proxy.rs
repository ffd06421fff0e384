//! `NO_PROXY` patterns: a comma list, case-insensitive, entries trimmed and empty ones skipped.
//! `*` matches every host; `.example.com` (or `*.example.com`) matches `example.com` and its
//! subdomains; `example.com` matches itself and its subdomains. An entry with a port
//! (`example.com:8443`) matches only that port; an entry without one matches any port.

/// Splits `host[:port]` (also `[v6]:port`) into the lowercase host and the port.
fn split_port(s: &str) -> (String, Option<&str>) {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').filter(|p| !p.is_empty());
            return (host.to_ascii_lowercase(), port);
        }
    }
    match s.rsplit_once(':') {
        // One colon and digits after it: a port (a bare IPv6 address has several colons).
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => (
            host.to_ascii_lowercase(),
            (!port.is_empty()).then_some(port),
        ),
        _ => (s.to_ascii_lowercase(), None),
    }
}

fn entry_matches(entry: &str, host: &str, port: Option<&str>) -> bool {
    if entry == "*" {
        return true;
    }
    let (pattern, want_port) = split_port(entry);
    if want_port.is_some() && want_port != port {
        return false;
    }
    let domain = pattern
        .strip_prefix("*.")
        .or_else(|| pattern.strip_prefix('.'))
        .unwrap_or(&pattern);
    if domain.is_empty() {
        return false;
    }
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|head| head.ends_with('.'))
}

/// Whether `host` (`name`, `name:port` or `[v6]:port`) is exempt from the proxy by `list`.
///
/// ```
/// use pie_storage_core::proxy::matches_no_proxy;
/// assert!(matches_no_proxy("api.Example.com", " localhost, .example.com"));
/// assert!(matches_no_proxy("example.com", ".example.com"));
/// assert!(!matches_no_proxy("notexample.com", "example.com"));
/// assert!(matches_no_proxy("anything", "*"));
/// assert!(!matches_no_proxy("example.com:443", "example.com:8443"));
/// ```
pub fn matches_no_proxy(host: &str, list: &str) -> bool {
    let (host, port) = split_port(host);
    if host.is_empty() {
        return false;
    }
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|e| entry_matches(&e.to_ascii_lowercase(), &host, port))
}
