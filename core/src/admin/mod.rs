//! The admin server's rules (`pie-storage serve`, reference §7): which route a request is,
//! whether it needs the operator's token, how query strings and bodies become store inputs, and
//! the shapes and status codes of the answers. The host only reads requests, calls the stores
//! the route names and writes what these functions return.

mod availability;
mod bodies;
mod chart;
mod policy_edit;
mod routes;
mod token;
mod usage_detail;
mod usage_params;

pub use availability::model_availability;
pub use bodies::{
    connection_create_input, connection_update_input, proxy_pool_create_input,
    proxy_pool_update_input, settings_update_input, BodyError,
};
pub use chart::{usage_chart, ChartPeriod};
pub use policy_edit::{delete_policy_entry, save_policy_entry, PolicyPart};
pub use routes::{route, Endpoint, Method, RouteMatch, MAX_BODY_BYTES};
pub use token::{check_token, TokenCheck};
pub use usage_detail::usage_detail;
pub use usage_params::parse_usage_record_query;
