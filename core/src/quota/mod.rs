//! Provider quota (README "Quota"): the snapshot rule that turns a fetched quota result into
//! `pieLabQuotaSelection` (§6.7), the quota file `provider-quota.json` (windows with a bounded
//! history, the deactivation rule and its event log), and the preparer: a refresh plan, the
//! host's parallel fetches, one locked mutation of `provider-connections.json`.

mod deactivate;
mod prepare;
mod record;
mod run;
mod snapshot;
mod store;

pub use deactivate::{
    DeactivationRule, QuotaAction, QuotaEvent, ABOVE_THRESHOLD, BELOW_THRESHOLD, DEACTIVATION_MARK,
    RESET_REACHED,
};
pub(crate) use prepare::{apply_in, plan_in};
pub use prepare::{
    plan_quota_refresh, PlannedFetch, RefreshOff, RefreshPlan, RefreshReport, SkipReason,
    APIKEY_USAGE_PROVIDERS, DEFAULT_CONCURRENCY, DEFAULT_REFRESH_TTL_MS, USAGE_SUPPORTED_PROVIDERS,
};
pub use record::{
    FetchOutcome, QuotaEntry, QuotaLimits, QuotaRecords, QuotaWindow, RecordedFetch,
    DEFAULT_MAX_EVENTS, DEFAULT_MAX_HISTORY, PROVIDER_QUOTA_FILE,
};
pub use run::{prepare_provider_connections, PrepareOptions, QuotaFetcher, QuotaLog};
pub use snapshot::{derive_quota_selection, QuotaSelection, QuotaStatus};
pub use store::{JsonQuotaStore, QuotaCall, QuotaFile};
