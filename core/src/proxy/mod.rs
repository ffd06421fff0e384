//! Proxy resolution for the quota and token-refresh calls (§6.7, 9router §6.2–6.3): which
//! route a connection's outgoing request takes, as pure functions (the environment is an
//! argument; the core never reads it).

mod no_proxy;
mod resolve;

pub use no_proxy::matches_no_proxy;
pub use resolve::{resolve_connection_proxy, ProxyRoute, ProxySource, ResolvedProxy};
