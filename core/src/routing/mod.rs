//! Routing decisions over the stored accounts (reference §6): which connection serves a request,
//! how long a failing one cools down, what success clears. Pure functions; the current time is
//! always an argument.
//!
//! ```
//! use pie_storage_core::routing::{
//!     check_fallback_error, select_provider_connection, SelectOptions, Selection,
//! };
//! use serde_json::json;
//!
//! let connections = [
//!     json!({"id": "a", "provider": "openai", "isActive": true, "priority": 1}),
//!     json!({"id": "b", "provider": "openai", "isActive": true, "priority": 2}),
//! ];
//! let options = SelectOptions {
//!     provider: "openai".into(),
//!     model: Some("gpt-5.4".into()),
//!     connections: connections.iter().filter_map(|c| c.as_object().cloned()).collect(),
//!     settings: Default::default(),
//!     exclude_connection_ids: vec!["a".into()],
//!     preferred_connection_id: None,
//!     now: 1_779_408_000_000.0,
//! };
//! match select_provider_connection(&options) {
//!     Selection::Selected { connection, .. } => assert_eq!(connection["id"], "b"),
//!     other => panic!("expected a selection, got {other:?}"),
//! }
//!
//! // A 429 falls back and cools the account down, longer at each level.
//! let decision = check_fallback_error(Some(429.0), &json!("rate limit"), 0.0);
//! assert!(decision.should_fallback);
//! assert_eq!(decision.cooldown_ms, 2000.0);
//! assert_eq!(decision.new_backoff_level, Some(1.0));
//! ```

pub(crate) mod acquire;
pub(crate) mod auth_sync;
mod availability;
pub(crate) mod budget;
pub(crate) mod cooldown;
mod explanation;
pub(crate) mod health;
pub(crate) mod plan;
pub(crate) mod select;

pub use acquire::{acquire_provider_connection, AcquireOptions};
pub use auth_sync::{sync_auth_json_connections, SyncReport};
pub use availability::{clear_cooldown_in, ClearedCooldown};
pub use budget::{
    evaluate_budget, resolve_budget_rule, BudgetDecision, BudgetInput, BudgetMode, BudgetRule,
    BudgetScope, BudgetViolation, BudgetWindow,
};
pub use cooldown::{
    check_fallback_error, extract_provider_reset_cooldown_ms, format_retry_after,
    get_quota_cooldown, FallbackDecision,
};
pub use explanation::{
    CandidateExplanation, CandidateReason, SelectionExplanation, SelectionPolicy, SelectionStatus,
};
pub use health::{clear_provider_connection_error, mark_provider_connection_unavailable};
pub use plan::{
    resolve_route_plan, rotate_models, ComboRotation, ComboRotationSettings, ComboStrategy,
    PlannedRoute, RotationEntry, RoutePlan, RoutingMode, DEFAULT_COMBO_STICKY_LIMIT,
    DEFAULT_ROTATION_KEY,
};
pub use select::{
    earliest_model_lock_until, explain_provider_connection_selection, is_model_lock_active,
    select_provider_connection, QuotaStrategy, SelectOptions, Selection, SelectionUpdates,
};
