//! The one binding layer: what JavaScript (the wasm glue) and the JSON conformance vectors
//! call by name. It owns the npm name tables, positional arguments, JavaScript's `undefined`
//! and the coercions of arguments; the domain modules it calls take and return typed values.

mod admin;
mod args;
mod chat;
mod operator;
mod pricing;
mod proxy_test;
mod quota;
pub(crate) mod routing;
mod store;

pub use admin::admin_call;
pub use args::{decode_value, Args};
pub use chat::{chat_call, chat_function};
pub use operator::operator_call;
pub use pricing::{override_call, pricing_call};
pub use proxy_test::proxy_test_call;
pub use quota::{quota_call, quota_store_call};
pub use routing::routing_call;
pub use store::{dispatch, state_call};
