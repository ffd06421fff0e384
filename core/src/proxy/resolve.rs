//! `resolveConnectionProxy`: the route of a connection's quota and token-refresh calls.
//!
//! Order (§6.7, 9router §6.2): the connection's pool (`providerSpecificData.proxyPoolId`,
//! trimmed; `"__none__"` is none) when it exists, `isActive === true` and has a non-empty
//! `proxyUrl` (`type: "vercel"` → relay, else an HTTP proxy with the pool's `noProxy`); else the
//! legacy fields (`connectionProxyEnabled === true` with a non-empty `connectionProxyUrl` and
//! `connectionNoProxy`; else a non-empty `vercelRelayUrl`); else the environment
//! (`HTTPS_PROXY`/`https_proxy`/`ALL_PROXY`/`all_proxy` for an https target, `HTTP_PROXY`/
//! `http_proxy`/`ALL_PROXY`/`all_proxy` for http; no target counts as https) with
//! `NO_PROXY`/`no_proxy`; else direct. `strictProxy` is always false: a failing proxy falls back
//! to a direct call. A proxy URL without a scheme gets `http://`. With a target URL, a proxy
//! whose `noProxy` list matches the target's host (and port) is bypassed: the route is direct,
//! the source still says which setting was found, and `noProxyMatched` is true.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use super::matches_no_proxy;
use super::url::normalize_proxy_url;
use crate::connections::redact::mask_proxy_url;
use crate::connections::{Object, ProviderConnection, ProxyPool, ProxyPoolType};
use crate::js_value::normalize_string;

/// Where a request goes.
#[derive(Clone, PartialEq, Eq)]
pub enum ProxyRoute {
    /// Straight to the target.
    Direct,
    /// Through an HTTP(S) proxy.
    Http {
        /// The proxy URL (credentials included: for the fetcher only, never shown).
        url: String,
        /// Hosts that bypass it (a `NO_PROXY` list, `""` for none).
        no_proxy: String,
    },
    /// To a Vercel-style relay with `x-relay-target` / `x-relay-path` headers.
    Relay {
        /// The relay's URL.
        relay_url: String,
    },
}

/// Which setting gave the route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxySource {
    /// The connection's proxy pool.
    Pool,
    /// The connection's legacy proxy fields.
    Legacy,
    /// `HTTPS_PROXY` and friends.
    Env,
    /// Nothing: a direct call.
    None,
}

impl ProxySource {
    /// Its JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProxySource::Pool => "pool",
            ProxySource::Legacy => "legacy",
            ProxySource::Env => "env",
            ProxySource::None => "none",
        }
    }
}

/// A resolved route. `Debug` and [`ResolvedProxy::display_url`] mask a proxy password.
#[derive(Clone, PartialEq, Eq)]
pub struct ResolvedProxy {
    /// Where the request goes.
    pub route: ProxyRoute,
    /// Which setting gave it.
    pub source: ProxySource,
    /// The pool used, for [`ProxySource::Pool`].
    pub pool_id: Option<String>,
    /// The target matched the proxy's `noProxy` list, so the route is direct.
    pub no_proxy_matched: bool,
}

impl ResolvedProxy {
    fn direct() -> Self {
        ResolvedProxy::of(ProxyRoute::Direct, ProxySource::None)
    }

    fn of(route: ProxyRoute, source: ProxySource) -> Self {
        ResolvedProxy {
            route,
            source,
            pool_id: None,
            no_proxy_matched: false,
        }
    }

    /// Always false: a proxy failure falls back to a direct call (the quota endpoint's rule).
    pub fn strict_proxy(&self) -> bool {
        false
    }

    /// The proxy or relay URL with its password masked (for logs and dashboards).
    pub fn display_url(&self) -> Option<String> {
        match &self.route {
            ProxyRoute::Direct => None,
            ProxyRoute::Http { url, .. } => Some(mask_proxy_url(url)),
            ProxyRoute::Relay { relay_url } => Some(mask_proxy_url(relay_url)),
        }
    }

    /// The JSON form the host's fetcher receives: `{type, url?, noProxy?, relayUrl?,
    /// displayUrl?, strictProxy: false, source, poolId?, noProxyMatched}`.
    pub fn to_value(&self) -> Value {
        let mut o = Map::new();
        let kind = match &self.route {
            ProxyRoute::Direct => "direct",
            ProxyRoute::Http { url, no_proxy } => {
                o.insert("url".into(), Value::from(url.clone()));
                o.insert("noProxy".into(), Value::from(no_proxy.clone()));
                "http"
            }
            ProxyRoute::Relay { relay_url } => {
                o.insert("relayUrl".into(), Value::from(relay_url.clone()));
                "relay"
            }
        };
        let mut out = Map::new();
        out.insert("type".into(), Value::from(kind));
        out.extend(o);
        if let Some(shown) = self.display_url() {
            out.insert("displayUrl".into(), Value::from(shown));
        }
        out.insert("strictProxy".into(), Value::Bool(false));
        out.insert("source".into(), Value::from(self.source.as_str()));
        if let Some(id) = &self.pool_id {
            out.insert("poolId".into(), Value::from(id.clone()));
        }
        out.insert("noProxyMatched".into(), Value::Bool(self.no_proxy_matched));
        Value::Object(out)
    }
}

impl fmt::Debug for ResolvedProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolvedProxy")
            .field("route", &self.route)
            .field("source", &self.source)
            .field("pool_id", &self.pool_id)
            .field("no_proxy_matched", &self.no_proxy_matched)
            .finish()
    }
}

impl fmt::Debug for ProxyRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyRoute::Direct => f.write_str("Direct"),
            ProxyRoute::Http { url, no_proxy } => f
                .debug_struct("Http")
                .field("url", &mask_proxy_url(url))
                .field("no_proxy", no_proxy)
                .finish(),
            ProxyRoute::Relay { relay_url } => f
                .debug_struct("Relay")
                .field("relay_url", &mask_proxy_url(relay_url))
                .finish(),
        }
    }
}

/// The target's `host:port` (default port filled in) and whether it is plain http.
fn target_of(target: Option<&str>) -> Option<(String, bool)> {
    let parsed = url::Url::parse(target?).ok()?;
    let host = match parsed.host()? {
        url::Host::Ipv6(a) => format!("[{a}]"),
        other => other.to_string(),
    };
    let port = parsed.port_or_known_default();
    let text = port.map_or(host.clone(), |p| format!("{host}:{p}"));
    Some((text, parsed.scheme() == "http"))
}

fn http(url: &str, no_proxy: &str, source: ProxySource) -> ResolvedProxy {
    let route = ProxyRoute::Http {
        url: normalize_proxy_url(url),
        no_proxy: no_proxy.to_owned(),
    };
    ResolvedProxy::of(route, source)
}

fn from_pool(connection: &ProviderConnection, pools: &[Object]) -> Option<ResolvedProxy> {
    let id = connection.proxy_pool_id()?;
    let pool = pools
        .iter()
        .map(|p| ProxyPool::from(p.clone()))
        .find(|p| p.id() == Some(id.as_str()))?;
    let url = pool.proxy_url().map(str::trim).filter(|u| !u.is_empty())?;
    if pool.get("isActive") != Some(&Value::Bool(true)) {
        return None;
    }
    let mut resolved = match pool.pool_type() {
        ProxyPoolType::Vercel => ResolvedProxy::of(
            ProxyRoute::Relay {
                relay_url: url.to_owned(),
            },
            ProxySource::Pool,
        ),
        ProxyPoolType::Http => http(url, pool.no_proxy().unwrap_or(""), ProxySource::Pool),
    };
    resolved.pool_id = Some(id);
    Some(resolved)
}

fn from_legacy(connection: &ProviderConnection) -> Option<ResolvedProxy> {
    let data = connection.provider_specific_data()?;
    let text = |key: &str| normalize_string(data.get(key));
    let url = text("connectionProxyUrl");
    if data.get("connectionProxyEnabled") == Some(&Value::Bool(true)) && !url.is_empty() {
        return Some(http(&url, &text("connectionNoProxy"), ProxySource::Legacy));
    }
    let relay = text("vercelRelayUrl");
    (!relay.is_empty())
        .then(|| ResolvedProxy::of(ProxyRoute::Relay { relay_url: relay }, ProxySource::Legacy))
}

fn from_env(env: &BTreeMap<String, String>, plain_http: bool) -> Option<ResolvedProxy> {
    let keys: [&str; 4] = if plain_http {
        ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    };
    let url = keys
        .iter()
        .filter_map(|k| env.get(*k))
        .map(|v| v.trim())
        .find(|v| !v.is_empty())?;
    let no_proxy = ["NO_PROXY", "no_proxy"]
        .iter()
        .filter_map(|k| env.get(*k))
        .map(|v| v.trim())
        .find(|v| !v.is_empty())
        .unwrap_or("");
    Some(http(url, no_proxy, ProxySource::Env))
}

/// The route of `connection`'s quota call to `target` (rules in the module comment).
///
/// ```
/// use std::collections::BTreeMap;
/// use pie_storage_core::proxy::{resolve_connection_proxy, ProxyRoute, ProxySource};
/// use serde_json::json;
/// let connection = json!({"id": "c1", "providerSpecificData": {"proxyPoolId": " p1 "}});
/// let pools = [json!({"id": "p1", "proxyUrl": "user:secret@proxy:8080", "isActive": true, "noProxy": ""})];
/// let pools: Vec<_> = pools.iter().map(|p| p.as_object().unwrap().clone()).collect();
/// let r = resolve_connection_proxy(connection.as_object().unwrap(), &pools, &BTreeMap::new(), None);
/// assert_eq!(r.source, ProxySource::Pool);
/// assert!(matches!(&r.route, ProxyRoute::Http { url, .. } if url == "http://user:secret@proxy:8080"));
/// assert!(!format!("{r:?}").contains("secret"));
/// ```
pub fn resolve_connection_proxy(
    connection: &Object,
    pools: &[Object],
    env: &BTreeMap<String, String>,
    target_url: Option<&str>,
) -> ResolvedProxy {
    let connection = ProviderConnection::from(connection.clone());
    let target = target_of(target_url);
    let plain_http = target.as_ref().is_some_and(|(_, http)| *http);
    let found = from_pool(&connection, pools)
        .or_else(|| from_legacy(&connection))
        .or_else(|| from_env(env, plain_http));
    let Some(mut resolved) = found else {
        return ResolvedProxy::direct();
    };
    if let (ProxyRoute::Http { no_proxy, .. }, Some((host, _))) = (&resolved.route, &target) {
        if matches_no_proxy(host, no_proxy) {
            resolved.route = ProxyRoute::Direct;
            resolved.no_proxy_matched = true;
        }
    }
    resolved
}
