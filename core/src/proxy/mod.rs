//! Proxies: how a proxy URL is read ([`url`]), how a proxy pool is tested ([`test`]), and which
//! route a connection's quota and token-refresh calls take (§6.7, 9router §6.2–6.3:
//! [`resolve_connection_proxy`], [`matches_no_proxy`]; the environment is an argument, the core
//! never reads it). The network calls themselves are the host's: the core says what to send and
//! decides from what came back.

mod no_proxy;
mod resolve;
pub mod run;
pub mod test;
pub mod url;

pub use no_proxy::matches_no_proxy;
pub use resolve::{resolve_connection_proxy, ProxyRoute, ProxySource, ResolvedProxy};
pub use run::{test_proxy_pool, ProxyProber};

pub use test::{
    continue_proxy_test, plan_proxy_test, Probe, ProbeFailure, ProbeMode, ProbeProxy, ProbeReply,
    ProxyTestOptions, ProxyTestOutcome, ProxyTestResult, ProxyTestStep,
};
pub use url::{normalize_proxy_url, ProxyEndpoint, ProxyScheme};
