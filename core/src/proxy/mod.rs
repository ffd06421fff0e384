//! Proxies: how a proxy URL is read ([`url`]) and how a proxy pool is tested ([`test`]). The
//! network calls themselves are the host's: the core says what to send and decides from what
//! came back.

pub mod run;
pub mod test;
pub mod url;

pub use run::{test_proxy_pool, ProxyProber};

pub use test::{
    continue_proxy_test, plan_proxy_test, Probe, ProbeFailure, ProbeMode, ProbeProxy, ProbeReply,
    ProxyTestOptions, ProxyTestOutcome, ProxyTestResult, ProxyTestStep,
};
pub use url::{normalize_proxy_url, ProxyEndpoint, ProxyScheme};
