//! The route table of the admin server, in the reference server's dispatch order (§7): every
//! storage route with and without the `/v1` prefix (`/health` without only), the extras of
//! this server (raw usage JSONL, 9router's chart and request details, the event stream,
//! pricing, the page and its files), and which routes mutate (need the token, get no CORS).

use serde_json::{json, Value};

/// Request bodies above this are refused with 413 before they are read to the end.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The request method, as far as routing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET (and HEAD, which the host answers without a body).
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
    /// OPTIONS: the CORS preflight.
    Options,
    /// Anything else.
    Other,
}

impl Method {
    /// From the request line's method token.
    pub fn parse(method: &str) -> Method {
        match method.to_ascii_uppercase().as_str() {
            "GET" | "HEAD" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            _ => Method::Other,
        }
    }
}

/// What a request asks for. Ids are URI-decoded path segments.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Endpoint {
    Health,
    UsageList,
    UsageSummary,
    UsageDetail(String),
    UsageJsonl,
    UsageChart,
    UsageStream,
    RequestDetails,
    RequestDetail(String),
    ConnectionList,
    ConnectionCreate,
    ConnectionGet(String),
    ConnectionUpdate(String),
    ConnectionDelete(String),
    ProxyPoolList,
    ProxyPoolCreate,
    ProxyPoolGet(String),
    ProxyPoolUpdate(String),
    ProxyPoolDelete(String),
    ProxyPoolTest(String),
    SettingsGet,
    SettingsUpdate,
    PolicyGet,
    PolicyReplace,
    ComboSave,
    ComboDelete(String),
    AliasSave,
    AliasDelete(String),
    IntentSave,
    IntentDelete(String),
    PolicyPreview,
    AccountSelection,
    AvailabilityGet,
    AvailabilityAction,
    QuotaList,
    QuotaRefresh(String),
    Budget,
    PricingGet,
    PricingSet,
    PricingReset,
    PricingDelete { provider: String, model: String },
    SessionGet,
    SessionCheck,
    Page,
    Asset(String),
    Package(String),
}

impl Endpoint {
    /// The stable name the host dispatches on.
    pub fn name(&self) -> &'static str {
        use Endpoint::*;
        match self {
            Health => "health",
            UsageList => "usage.list",
            UsageSummary => "usage.summary",
            UsageDetail(_) => "usage.detail",
            UsageJsonl => "usage.jsonl",
            UsageChart => "usage.chart",
            UsageStream => "usage.stream",
            RequestDetails => "requestDetails.list",
            RequestDetail(_) => "requestDetails.get",
            ConnectionList => "connections.list",
            ConnectionCreate => "connections.create",
            ConnectionGet(_) => "connections.get",
            ConnectionUpdate(_) => "connections.update",
            ConnectionDelete(_) => "connections.delete",
            ProxyPoolList => "proxyPools.list",
            ProxyPoolCreate => "proxyPools.create",
            ProxyPoolGet(_) => "proxyPools.get",
            ProxyPoolUpdate(_) => "proxyPools.update",
            ProxyPoolDelete(_) => "proxyPools.delete",
            ProxyPoolTest(_) => "proxyPools.test",
            SettingsGet => "settings.get",
            SettingsUpdate => "settings.update",
            PolicyGet => "policy.get",
            PolicyReplace => "policy.replace",
            ComboSave => "policy.combo.save",
            ComboDelete(_) => "policy.combo.delete",
            AliasSave => "policy.alias.save",
            AliasDelete(_) => "policy.alias.delete",
            IntentSave => "policy.intent.save",
            IntentDelete(_) => "policy.intent.delete",
            PolicyPreview => "policy.preview",
            AccountSelection => "accountSelection",
            AvailabilityGet => "availability.get",
            AvailabilityAction => "availability.action",
            QuotaList => "quota.list",
            QuotaRefresh(_) => "quota.refresh",
            Budget => "budget",
            PricingGet => "pricing.get",
            PricingSet => "pricing.set",
            PricingReset => "pricing.reset",
            PricingDelete { .. } => "pricing.delete",
            SessionGet => "session.get",
            SessionCheck => "session.check",
            Page => "page",
            Asset(_) => "asset",
            Package(_) => "package",
        }
    }

    /// Whether the request changes a file (and so needs the token and gets no CORS headers).
    /// The preview only computes; the session check exists to test the token.
    pub fn mutates(&self, method: Method) -> bool {
        match self {
            Endpoint::PolicyPreview => false,
            Endpoint::SessionCheck => true,
            _ => method != Method::Get,
        }
    }

    fn param(&self) -> Option<&str> {
        use Endpoint::*;
        match self {
            UsageDetail(v) | RequestDetail(v) | ConnectionGet(v) | ConnectionUpdate(v)
            | ConnectionDelete(v) | ProxyPoolGet(v) | ProxyPoolUpdate(v) | ProxyPoolDelete(v)
            | ProxyPoolTest(v) | ComboDelete(v) | AliasDelete(v) | IntentDelete(v)
            | QuotaRefresh(v) | Asset(v) | Package(v) => Some(v),
            _ => None,
        }
    }
}

/// How the server answers a request line.
#[derive(Debug, Clone, PartialEq)]
pub enum RouteMatch {
    /// OPTIONS: 204 with the CORS headers.
    Preflight,
    /// A route: the host reads the body (up to [`MAX_BODY_BYTES`]) when `mutates` or the
    /// method has one, checks the token when `mutates`, and adds CORS headers when `cors`.
    Route {
        /// What is asked.
        endpoint: Endpoint,
        /// Needs the token.
        mutates: bool,
        /// Gets `access-control-allow-origin: *`.
        cors: bool,
    },
    /// An answer that needs no store: status and JSON body.
    Respond {
        /// HTTP status.
        status: u16,
        /// JSON body.
        body: Value,
    },
}

impl RouteMatch {
    /// The wire form for the host: `{kind: "preflight" | "route" | "respond", ...}`.
    pub fn to_json(&self) -> Value {
        match self {
            RouteMatch::Preflight => json!({"kind": "preflight"}),
            RouteMatch::Respond { status, body } => {
                json!({"kind": "respond", "status": status, "body": body})
            }
            RouteMatch::Route {
                endpoint,
                mutates,
                cors,
            } => {
                let mut out = json!({"kind": "route", "name": endpoint.name(),
                    "mutates": mutates, "cors": cors});
                if let Some(p) = endpoint.param() {
                    out["param"] = Value::from(p);
                }
                if let Endpoint::PricingDelete { provider, model } = endpoint {
                    out["provider"] = Value::from(provider.as_str());
                    out["model"] = Value::from(model.as_str());
                }
                out
            }
        }
    }
}

/// Routes `method path` (the path without its query string).
///
/// ```
/// use pie_storage_core::admin::{route, Endpoint, Method, RouteMatch};
/// let m = route(Method::Put, "/v1/provider-connections/c%201");
/// assert_eq!(m, RouteMatch::Route {
///     endpoint: Endpoint::ConnectionUpdate("c 1".into()), mutates: true, cors: false });
/// let RouteMatch::Respond { status, .. } = route(Method::Post, "/usage") else { panic!() };
/// assert_eq!(status, 405);
/// ```
pub fn route(method: Method, path: &str) -> RouteMatch {
    if path == "/health" {
        return respond(200, json!({"ok": true}));
    }
    if method == Method::Options {
        return RouteMatch::Preflight;
    }
    let found = match static_route(path) {
        Some(e) if method == Method::Get => Some(Ok(e)),
        Some(_) => None,
        None => {
            let bare = path
                .strip_prefix("/v1")
                .filter(|p| p.starts_with('/'))
                .unwrap_or(path);
            let parts: Vec<&str> = bare.split('/').skip(1).collect();
            storage_route(method, &parts)
        }
    };
    match found {
        Some(Ok(endpoint)) => {
            let mutates = endpoint.mutates(method);
            RouteMatch::Route {
                endpoint,
                mutates,
                cors: !mutates,
            }
        }
        Some(Err(())) => respond(
            400,
            json!({"error": {"message": "Malformed URI in path", "path": path}}),
        ),
        None if method != Method::Get => respond(
            405,
            json!({"error": {"message": "Only GET and OPTIONS requests are supported."}}),
        ),
        None => respond(
            404,
            json!({"error": {"message": "Not found", "path": path}}),
        ),
    }
}

fn respond(status: u16, body: Value) -> RouteMatch {
    RouteMatch::Respond { status, body }
}

/// The page and its files; never under `/v1`. Names are plain (no `..`, no hidden files).
fn static_route(path: &str) -> Option<Endpoint> {
    if path == "/" || path == "/index.html" {
        return Some(Endpoint::Page);
    }
    let plain = |rest: &str| {
        !rest.is_empty()
            && rest.split('/').all(|s| {
                !s.is_empty()
                    && !s.starts_with('.')
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            })
    };
    if let Some(rest) = path.strip_prefix("/admin/") {
        return plain(rest).then(|| Endpoint::Asset(rest.to_owned()));
    }
    let rest = path.strip_prefix("/pkg/")?;
    let under = rest.starts_with("dist/") || rest.starts_with("wasm/");
    (under && plain(rest)).then(|| Endpoint::Package(rest.to_owned()))
}

/// `decodeURIComponent` of one segment; `Err` where JavaScript throws.
fn decode(segment: &str) -> Result<String, ()> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3).ok_or(())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| ())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ())
}

type Found = Option<Result<Endpoint, ()>>;

fn storage_route(method: Method, parts: &[&str]) -> Found {
    use Endpoint::*;
    use Method::*;
    let id = |i: usize| decode(parts[i]);
    let with = |i: usize, f: fn(String) -> Endpoint| Some(id(i).map(f));
    let one = |e: Endpoint| Some(Ok(e));
    match (method, parts) {
        (Get, ["provider-connections"]) => one(ConnectionList),
        (Post, ["provider-connections"]) => one(ConnectionCreate),
        (Get, ["provider-connections", _]) => with(1, ConnectionGet),
        (Put, ["provider-connections", _]) => with(1, ConnectionUpdate),
        (Delete, ["provider-connections", _]) => with(1, ConnectionDelete),
        (Get, ["provider-settings"]) => one(SettingsGet),
        (Put, ["provider-settings"]) => one(SettingsUpdate),
        (Get, ["models", "availability"]) => one(AvailabilityGet),
        (Post, ["models", "availability"]) => one(AvailabilityAction),
        (Get, ["account-selection"]) => one(AccountSelection),
        (Get, ["budget"]) => one(Budget),
        (Get, ["quota"]) => one(QuotaList),
        (Get, ["quota", _]) => with(1, QuotaRefresh),
        (Get, ["proxy-pools"]) => one(ProxyPoolList),
        (Post, ["proxy-pools"]) => one(ProxyPoolCreate),
        (Get, ["proxy-pools", _]) => with(1, ProxyPoolGet),
        (Put, ["proxy-pools", _]) => with(1, ProxyPoolUpdate),
        (Delete, ["proxy-pools", _]) => with(1, ProxyPoolDelete),
        (Post, ["proxy-pools", _, "test"]) => with(1, ProxyPoolTest),
        (Get, ["routing-policy"]) => one(PolicyGet),
        (Put, ["routing-policy"]) => one(PolicyReplace),
        (Post, ["routing-policy", "combos"]) => one(ComboSave),
        (Delete, ["routing-policy", "combos", _]) => with(2, ComboDelete),
        (Post, ["routing-policy", "aliases"]) => one(AliasSave),
        (Delete, ["routing-policy", "aliases", _]) => with(2, AliasDelete),
        (Post, ["routing-policy", "intents"]) => one(IntentSave),
        (Delete, ["routing-policy", "intents", _]) => with(2, IntentDelete),
        (Post, ["routing-policy", "preview"]) => one(PolicyPreview),
        (Get, ["pricing"]) => one(PricingGet),
        (Put, ["pricing"]) => one(PricingSet),
        (Delete, ["pricing"]) => one(PricingReset),
        (Delete, ["pricing", provider, model]) => Some(decode(provider).and_then(|provider| {
            Ok(PricingDelete {
                provider,
                model: decode(model)?,
            })
        })),
        (Get, ["admin", "session"]) => one(SessionGet),
        (Post, ["admin", "session"]) => one(SessionCheck),
        (Get, ["usage.jsonl"]) => one(UsageJsonl),
        (Get, ["api", "usage", "chart"]) => one(UsageChart),
        (Get, ["api", "usage", "stream"]) => one(UsageStream),
        (Get, ["api", "usage", "request-details"]) => one(RequestDetails),
        (Get, ["api", "usage", "request-details", _]) => with(3, RequestDetail),
        (Get, ["usage"]) => one(UsageList),
        (Get, ["usage", "summary"]) => one(UsageSummary),
        (Get, ["usage", _]) if !parts[1].is_empty() => with(1, UsageDetail),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(method: Method, path: &str) -> String {
        match route(method, path) {
            RouteMatch::Route { endpoint, .. } => endpoint.name().into(),
            RouteMatch::Respond { status, .. } => status.to_string(),
            RouteMatch::Preflight => "preflight".into(),
        }
    }

    #[test]
    fn prefixes_and_order() {
        assert_eq!(name(Method::Get, "/v1/usage/summary"), "usage.summary");
        assert_eq!(name(Method::Get, "/usage/summary"), "usage.summary");
        assert_eq!(name(Method::Get, "/v1/health"), "404");
        assert_eq!(name(Method::Post, "/health"), "200");
        assert_eq!(name(Method::Get, "/admin/../x"), "404");
        assert_eq!(name(Method::Get, "/pkg/dist/browser.js"), "package");
        assert_eq!(name(Method::Get, "/pkg/src/x.ts"), "404");
        assert_eq!(name(Method::Get, "/usage/a%ZZ"), "400");
        assert_eq!(name(Method::Options, "/anything"), "preflight");
    }
}
