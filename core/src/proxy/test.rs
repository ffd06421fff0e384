//! Testing a proxy pool (reference §7.3, 9router §6.4) as steps: [`plan_proxy_test`] says what
//! to send, the host sends it and reports a [`ProbeReply`], [`continue_proxy_test`] decides (a
//! redirect to follow, or the outcome). The outcome's [`ProxyTestOutcome::update`] is what the
//! host stores on the pool with `updateProxyPool`.
//!
//! Deliberate difference: the reference also stores `isActive = ok`, so one failed test (a
//! flaky moment, or a test target the proxy's network blocks) deactivates the pool and its
//! connections start leaving **direct**, without the proxy they were bound to (9router §11.9).
//! Here a test only records its result; [`ProxyTestOptions::set_active`] restores the
//! reference's behaviour.

use std::fmt;

use serde_json::Value;
use url::Url;

use super::url::{normalize_proxy_url, ProxyEndpoint, ProxyScheme};
use crate::connections::patch::Patch;
use crate::connections::{ProxyPool, ProxyPoolType};
use crate::error::{Error, ErrorCode, Result};
use crate::secrets::redact_text;
use crate::time::to_iso_string;

/// The reference's targets, agent and timeouts.
const HTTP_TARGET: &str = "https://google.com/";
const RELAY_TARGET: &str = "https://httpbin.org/get";
const USER_AGENT: &str = "9Router";
const HTTP_TIMEOUT_MS: f64 = 8_000.0;
const RELAY_TIMEOUT_MS: f64 = 10_000.0;
/// A caller's timeout is capped here (9router's tester does the same).
const MAX_TIMEOUT_MS: f64 = 30_000.0;
/// Redirects followed through an HTTP proxy (`https://google.com/` answers with one).
const MAX_REDIRECTS: u32 = 5;

/// What a caller may change about a test.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProxyTestOptions {
    /// Milliseconds for the whole test, redirects included; default 8000 for an HTTP proxy and
    /// 10000 for a relay; at most 30000.
    pub timeout_ms: Option<f64>,
    /// The `http(s)` URL fetched through the pool: default `https://google.com/` (HEAD through
    /// an HTTP proxy) or `https://httpbin.org/get` (GET through a relay).
    pub target_url: Option<String>,
    /// The `User-Agent` sent (default `9Router`, the reference tester's).
    pub user_agent: Option<String>,
    /// Also store `isActive = ok`, as the reference does (see the module doc). Default `false`.
    pub set_active: bool,
}

/// How the pool is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeMode {
    /// Through an HTTP(S) proxy.
    HttpProxy,
    /// A Vercel-style relay addressed with `x-relay-target` / `x-relay-path`.
    Relay,
}

/// The proxy a [`Probe`] goes through.
#[derive(Clone, PartialEq, Eq)]
pub struct ProbeProxy {
    /// TLS to the proxy itself (`https://` proxy URL).
    pub secure: bool,
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// `Proxy-Authorization` value, from the URL's credentials. A secret: never log it.
    pub authorization: Option<String>,
}

impl fmt::Debug for ProbeProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbeProxy")
            .field("secure", &self.secure)
            .field("host", &self.host)
            .field("port", &self.port)
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "****"),
            )
            .finish()
    }
}

/// One HTTP request for the host to make. It carries the test's progress, so the host hands it
/// back with its reply and the core keeps no state between steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// `HEAD` (HTTP proxy) or `GET` (relay).
    pub method: &'static str,
    /// What is requested: the target, or the relay.
    pub url: String,
    /// Request headers, in order.
    pub headers: Vec<(String, String)>,
    /// The proxy to go through; `None`: connect to `url` directly.
    pub proxy: Option<ProbeProxy>,
    /// Open a `CONNECT` tunnel through the proxy to `url`'s host (an `https` target); without,
    /// the proxy gets the absolute URL.
    pub tunnel: bool,
    /// Milliseconds the host may spend on this request.
    pub timeout_ms: f64,
    /// The redirect count so far.
    pub hop: u32,
    /// Milliseconds spent by earlier hops.
    pub elapsed_ms: f64,
    /// The test's whole budget.
    pub budget_ms: f64,
    /// How the pool is reached.
    pub mode: ProbeMode,
    /// [`ProxyTestOptions::set_active`].
    pub set_active: bool,
}

/// How a probe failed without an HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeFailure {
    /// It ran out of time.
    Timeout,
    /// The proxy answered the `CONNECT` with this status instead of 200.
    Refused(u16),
    /// The connection failed (refused, reset, DNS, TLS): the host's message.
    Network(String),
}

/// What the host reports for a [`Probe`].
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeReply {
    /// Milliseconds the request took.
    pub elapsed_ms: f64,
    /// The response's status, status text and `Location` header; or why there was none.
    pub response: std::result::Result<(u16, String, Option<String>), ProbeFailure>,
}

/// What the test found (the server's response body without `proxyPool`).
#[derive(Clone, Debug, PartialEq)]
pub struct ProxyTestResult {
    /// A 2xx response came back through the pool.
    pub ok: bool,
    /// The response's status; 400 for a URL that cannot be tested, 500 for a timeout or a
    /// network error.
    pub status: u16,
    /// The response's status text, if it had one.
    pub status_text: Option<String>,
    /// Why it failed (credentials masked).
    pub error: Option<String>,
    /// Milliseconds spent, redirects included.
    pub elapsed_ms: f64,
    /// When it finished (ISO 8601).
    pub tested_at: String,
}

/// The result and what to store on the pool.
#[derive(Clone, Debug, PartialEq)]
pub struct ProxyTestOutcome {
    /// What the test found.
    pub result: ProxyTestResult,
    /// `{testStatus, lastTestedAt, lastError}` (and `isActive` with `set_active`), for
    /// `updateProxyPool`.
    pub update: Patch,
}

/// The next step of a test.
#[derive(Clone, Debug, PartialEq)]
pub enum ProxyTestStep {
    /// Make this request and report it to [`continue_proxy_test`].
    Probe(Probe),
    /// The test is over.
    Done(ProxyTestOutcome),
}

/// The first step of testing `pool`. A pool URL that cannot be tested ends the test at once with
/// status 400; options that make no sense are an [`ErrorCode::InvalidInput`] error.
///
/// ```
/// use pie_storage_core::proxy::{plan_proxy_test, ProxyTestOptions, ProxyTestStep};
/// use pie_storage_core::ProxyPool;
/// let pool = ProxyPool::from(serde_json::json!({"id": "p", "proxyUrl": "127.0.0.1:3128"})
///     .as_object().unwrap().clone());
/// let ProxyTestStep::Probe(probe) = plan_proxy_test(&pool, &ProxyTestOptions::default(), 0.0)?
/// else { panic!("a probe") };
/// assert_eq!((probe.method, probe.url.as_str(), probe.tunnel), ("HEAD", "https://google.com/", true));
/// assert_eq!(probe.proxy.unwrap().port, 3128);
/// # Ok::<(), pie_storage_core::Error>(())
/// ```
pub fn plan_proxy_test(
    pool: &ProxyPool,
    options: &ProxyTestOptions,
    now_ms: f64,
) -> Result<ProxyTestStep> {
    let mode = match pool.pool_type() {
        ProxyPoolType::Vercel => ProbeMode::Relay,
        ProxyPoolType::Http => ProbeMode::HttpProxy,
    };
    let default_target = match mode {
        ProbeMode::HttpProxy => HTTP_TARGET,
        ProbeMode::Relay => RELAY_TARGET,
    };
    let target = target_url(options.target_url.as_deref().unwrap_or(default_target))?;
    let budget_ms = budget(options.timeout_ms, mode)?;
    let user_agent = options.user_agent.as_deref().unwrap_or(USER_AGENT);
    let headers = vec![("User-Agent".to_owned(), user_agent.to_owned())];
    let fail = |error: &str| done(options.set_active, 400, None, error, 0.0, now_ms);
    let url = pool.proxy_url().unwrap_or_default();
    let probe = match mode {
        ProbeMode::Relay => {
            let Some(relay) = http_url(&normalize_proxy_url(url)) else {
                return Ok(fail("Invalid relay URL"));
            };
            relay_probe(relay, &target, headers)
        }
        ProbeMode::HttpProxy => match ProxyEndpoint::parse(url) {
            None => return Ok(fail("Invalid proxy URL")),
            Some(p) if p.scheme() == ProxyScheme::Socks => {
                return Ok(fail("SOCKS proxies cannot be tested by this version"))
            }
            Some(p) => proxy_probe(&p, &target, headers),
        },
    };
    Ok(ProxyTestStep::Probe(Probe {
        timeout_ms: budget_ms,
        hop: 0,
        elapsed_ms: 0.0,
        budget_ms,
        mode,
        set_active: options.set_active,
        ..probe
    }))
}

/// The step after `probe` got `reply`, at `now_ms`: a redirect to follow through the same
/// proxy (HTTP proxies, within the budget), or the outcome (ok on 2xx).
pub fn continue_proxy_test(probe: &Probe, reply: &ProbeReply, now_ms: f64) -> ProxyTestStep {
    let elapsed = probe.elapsed_ms + reply.elapsed_ms.max(0.0);
    let finish = |status, text, error: Option<String>| {
        let error = error.as_deref().map(|e| redact_text(e).into_owned());
        let ok = error.is_none();
        ProxyTestStep::Done(outcome(
            probe.set_active,
            ok,
            status,
            text,
            error,
            elapsed,
            now_ms,
        ))
    };
    match &reply.response {
        Err(ProbeFailure::Timeout) => finish(500, None, Some("Proxy test timed out".into())),
        Err(ProbeFailure::Refused(status)) => finish(
            *status,
            None,
            Some(format!("Proxy refused the connection with status {status}")),
        ),
        Err(ProbeFailure::Network(message)) => {
            let message = message.trim();
            let message = if message.is_empty() {
                "Proxy test failed"
            } else {
                message
            };
            finish(500, None, Some(message.to_owned()))
        }
        Ok((status, text, location)) => {
            if let Some(next) = redirect(probe, *status, location.as_deref(), elapsed) {
                return ProxyTestStep::Probe(next);
            }
            let text = Some(text.clone()).filter(|t| !t.is_empty());
            let ok = (200..300).contains(status);
            let error = (!ok).then(|| format!("Proxy test failed with status {status}"));
            finish(*status, text, error)
        }
    }
}

/// The next hop of a 301/302/303/307/308 with a `Location`, through the same proxy.
fn redirect(probe: &Probe, status: u16, location: Option<&str>, elapsed: f64) -> Option<Probe> {
    let followed = matches!(status, 301 | 302 | 303 | 307 | 308);
    if !followed || probe.mode != ProbeMode::HttpProxy || probe.hop >= MAX_REDIRECTS {
        return None;
    }
    let left = probe.budget_ms - elapsed;
    let next = Url::parse(&probe.url).ok()?.join(location?).ok()?;
    if left <= 0.0 || !matches!(next.scheme(), "http" | "https") {
        return None;
    }
    Some(Probe {
        tunnel: next.scheme() == "https",
        url: next.to_string(),
        timeout_ms: left,
        hop: probe.hop + 1,
        elapsed_ms: elapsed,
        ..probe.clone()
    })
}

fn proxy_probe(proxy: &ProxyEndpoint, target: &Url, headers: Vec<(String, String)>) -> Probe {
    Probe {
        method: "HEAD",
        url: target.to_string(),
        headers,
        proxy: Some(ProbeProxy {
            secure: proxy.scheme() == ProxyScheme::Https,
            host: proxy.host().to_owned(),
            port: proxy.port(),
            authorization: proxy.authorization(),
        }),
        tunnel: target.scheme() == "https",
        ..blank_probe()
    }
}

/// 9router §6.3: the relay gets the target's `protocol//host` and `path+search` as headers.
fn relay_probe(relay: Url, target: &Url, mut headers: Vec<(String, String)>) -> Probe {
    let host = match target.port() {
        Some(port) => format!("{}:{port}", target.host_str().unwrap_or_default()),
        None => target.host_str().unwrap_or_default().to_owned(),
    };
    let mut path = target.path().to_owned();
    if let Some(query) = target.query() {
        path.push('?');
        path.push_str(query);
    }
    headers.push((
        "x-relay-target".into(),
        format!("{}://{host}", target.scheme()),
    ));
    headers.push(("x-relay-path".into(), path));
    Probe {
        method: "GET",
        url: relay.to_string(),
        headers,
        ..blank_probe()
    }
}

fn blank_probe() -> Probe {
    Probe {
        method: "GET",
        url: String::new(),
        headers: Vec::new(),
        proxy: None,
        tunnel: false,
        timeout_ms: 0.0,
        hop: 0,
        elapsed_ms: 0.0,
        budget_ms: 0.0,
        mode: ProbeMode::HttpProxy,
        set_active: false,
    }
}

fn http_url(text: &str) -> Option<Url> {
    Url::parse(text)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

fn target_url(text: &str) -> Result<Url> {
    http_url(text).ok_or_else(|| {
        Error::new(ErrorCode::InvalidInput, "targetUrl must be an http(s) URL")
            .with_field("targetUrl")
    })
}

fn budget(timeout_ms: Option<f64>, mode: ProbeMode) -> Result<f64> {
    match timeout_ms {
        None => Ok(match mode {
            ProbeMode::HttpProxy => HTTP_TIMEOUT_MS,
            ProbeMode::Relay => RELAY_TIMEOUT_MS,
        }),
        Some(ms) if ms.is_finite() && ms >= 1.0 => Ok(ms.min(MAX_TIMEOUT_MS).floor()),
        Some(_) => Err(Error::new(
            ErrorCode::InvalidInput,
            "timeoutMs must be a number of milliseconds >= 1",
        )
        .with_field("timeoutMs")),
    }
}

fn done(
    set_active: bool,
    status: u16,
    text: Option<String>,
    error: &str,
    elapsed_ms: f64,
    now_ms: f64,
) -> ProxyTestStep {
    let error = Some(error.to_owned());
    ProxyTestStep::Done(outcome(
        set_active, false, status, text, error, elapsed_ms, now_ms,
    ))
}

#[allow(clippy::too_many_arguments)]
fn outcome(
    set_active: bool,
    ok: bool,
    status: u16,
    status_text: Option<String>,
    error: Option<String>,
    elapsed_ms: f64,
    now_ms: f64,
) -> ProxyTestOutcome {
    let tested_at = to_iso_string(now_ms).unwrap_or_default();
    let mut update = Patch::new()
        .set(
            "testStatus",
            Value::from(if ok { "active" } else { "error" }),
        )
        .set("lastTestedAt", Value::from(tested_at.clone()))
        .set("lastError", error.clone().map_or(Value::Null, Value::from));
    if set_active {
        update = update.set("isActive", Value::Bool(ok));
    }
    let result = ProxyTestResult {
        ok,
        status,
        status_text,
        error,
        elapsed_ms: elapsed_ms.round(),
        tested_at,
    };
    ProxyTestOutcome { result, update }
}
