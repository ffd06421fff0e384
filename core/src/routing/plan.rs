//! Route plans: the ordered `provider/model` routes a requested model is tried on, resolved
//! through the router policy's combos, aliases and intents (reference §2.4, §6.8), in the shape
//! `POST /routing-policy/preview` returns (§7.4). Pure functions: combo rotation state is
//! explicit data ([`ComboRotation`]) that the caller passes in and stores back, instead of the
//! reference's process-global map. Resolving a plan advances that state, previews included.
//!
//! # Requested models
//!
//! The text is trimmed (and reported trimmed as `requestedModel`). A prefix is what precedes
//! the first `:` (when that is not the first character), compared case-insensitively; the rest,
//! trimmed, is its value, which must not be empty. Each form gives a `routingMode` (the
//! `UsageRecord.routingMode` enum) and a `source` for its routes (`routeSource`):
//!
//! | requested | routes | `routingMode` | `source` |
//! |---|---|---|---|
//! | `fixed:<p/m>` | `<p/m>` only; never looked up in the policy | `fixed` | `fixed` |
//! | `combo:<name>` | combo `<name>` (or a combo named `combo:<name>`); if none, as `auto:` | `router` | `router` |
//! | `auto:<i>`, `cheap:<i>`, `fast:<i>` | `aliases["<requested>"]` then `intents["<i>"]` | `router` | `router` |
//! | `<name>`, `fallback:<name>`, or an unknown prefix (`ollama/llama3:8b` is all name) | combo `<name>`, else `aliases["<name>"]` | `fallback` | `router` |
//! | the same, when neither exists | `<name>` itself | `fallback` | `fallback` |
//!
//! So `source` says how a route was found: pinned (`fixed`), from the routing policy
//! (`router`), or the requested model taken as given (`fallback`). Every route of a plan has
//! the same source. Each list entry is split at its first `/` into `provider` and `model`
//! (`id` is `provider/model`); entries without a non-empty part on both sides are skipped,
//! and a repeated `id` is kept only at its first position (after rotation).
//!
//! # Combo strategy and sticky limit
//!
//! Fixes the reference surprise of §2.4, where the global `comboStrategy` and
//! `comboStickyLimit` never apply. Precedence, per field: `comboStrategies[name]` (string or
//! object), then the combo's own, then the global value. Because normalization writes
//! `"fallback"` and `1` wherever nothing was given, those values mean "not set", so a combo
//! without its own settings inherits the global ones, and `comboStrategies: {c: {stickyLimit:
//! 2}}` no longer forces fallback. A string `comboStrategies` entry always counts as set (only
//! a user writes one), which is how one combo is pinned to `"fallback"` under a global
//! round-robin. See [`resolve_combo_strategy`]. The policy is normalized first
//! (idempotent), so a raw policy (a preview body) and the stored one resolve alike.
//!
//! # Decisions where the reference document is silent
//!
//! * The plain-name forms look up combos (as the reference does) and also aliases, so an alias
//!   named `smart` or `openai/gpt-4` (a redirect) resolves when requested by that name.
//! * `combo:<name>` prefers the combo over `aliases`/`intents`; `auto:` never reads combos.
//! * Entries that name no provider (a bare model id, another alias or combo) are skipped: the
//!   reference resolves bare ids through a model catalog the core does not have, and nesting
//!   is not followed. A request that resolves to nothing gives `routes: []` (the reference
//!   throws "No route found"); the host decides how to report it. The rotation still advances
//!   when the combo rotated.
//! * An empty requested model, or a prefix with nothing after it, is `PIE_INVALID_INPUT`.
//! * The stored rotation index is kept below the list length (see [`rotate_models`]).

mod rotation;
mod strategy;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use serde_json::{Map, Value};

pub use rotation::{
    parse_combo_sticky_limit, rotate_models, ComboRotation, RotationEntry,
    DEFAULT_COMBO_STICKY_LIMIT, DEFAULT_ROTATION_KEY,
};
pub use strategy::{resolve_combo_strategy, ComboRotationSettings, ComboStrategy};

use crate::connections::settings::normalize_router_policy;
use crate::error::{Error, ErrorCode, Result};
use crate::js_value::{js_trim, string_or_list};

/// `RoutingMode` / `RouteSource` of a plan and its routes: the usage record's enum, so a plan's
/// mode is written into records as it is.
pub use crate::usage::RoutingMode;

/// One route of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedRoute {
    /// 0-based position in the plan (the usage record's `attemptIndex`).
    pub index: usize,
    /// How the route entered the plan.
    pub source: RoutingMode,
    /// The provider to call.
    pub provider: String,
    /// The model to call.
    pub model: String,
}

impl PlannedRoute {
    /// `provider/model`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.provider, self.model)
    }
}

/// A resolved plan; [`RoutePlan::to_value`] gives the preview JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutePlan {
    /// The requested model, trimmed.
    pub requested_model: String,
    /// How the plan was made.
    pub routing_mode: RoutingMode,
    /// Routes to try, in order.
    pub routes: Vec<PlannedRoute>,
}

impl RoutePlan {
    /// `{requestedModel, routingMode, routes: [{index, source, provider, model, id}]}`.
    pub fn to_value(&self) -> Value {
        let routes = self
            .routes
            .iter()
            .map(|r| {
                let mut route = Map::new();
                route.insert("index".into(), Value::from(r.index));
                route.insert("source".into(), r.source.as_str().into());
                route.insert("provider".into(), r.provider.clone().into());
                route.insert("model".into(), r.model.clone().into());
                route.insert("id".into(), r.id().into());
                Value::Object(route)
            })
            .collect();
        let mut plan = Map::new();
        plan.insert("requestedModel".into(), self.requested_model.clone().into());
        plan.insert("routingMode".into(), self.routing_mode.as_str().into());
        plan.insert("routes".into(), Value::Array(routes));
        Value::Object(plan)
    }
}

/// The parsed requested model (module docs, first table).
enum Selection<'a> {
    Fixed(&'a str),
    Fallback(&'a str),
    /// `alias` is the whole requested text, `intent` the value after the prefix.
    Router {
        alias: &'a str,
        intent: &'a str,
        combo: bool,
    },
}

fn parse_selection(requested: &str) -> Result<Selection<'_>> {
    if requested.is_empty() {
        return Err(invalid("requested model must not be empty"));
    }
    let Some(colon) = requested.find(':').filter(|&i| i > 0) else {
        return Ok(Selection::Fallback(requested));
    };
    let value = js_trim(&requested[colon + 1..]);
    if value.is_empty() {
        return Err(invalid("requested model has nothing after its prefix"));
    }
    Ok(match requested[..colon].to_lowercase().as_str() {
        "fixed" => Selection::Fixed(value),
        "fallback" => Selection::Fallback(value),
        prefix @ ("auto" | "cheap" | "fast" | "combo") => Selection::Router {
            alias: requested,
            intent: value,
            combo: prefix == "combo",
        },
        _ => Selection::Fallback(requested),
    })
}

/// Resolves `requested_model` against a router policy, or against whole settings (an object
/// with a `routerPolicy` key); `None`/`null` is the default (empty) policy. Combos that rotate
/// read and advance `rotation`. See the module docs for every rule.
pub fn resolve_route_plan(
    requested_model: &str,
    settings_or_policy: Option<&Value>,
    rotation: &mut ComboRotation,
) -> Result<RoutePlan> {
    let requested = js_trim(requested_model);
    let selection = parse_selection(requested)?;
    let policy = router_policy(settings_or_policy);
    let (routing_mode, source, references) = match selection {
        Selection::Fixed(model) => (
            RoutingMode::Fixed,
            RoutingMode::Fixed,
            vec![model.to_owned()],
        ),
        Selection::Fallback(name) => {
            match combo_models(&policy, name, rotation).or_else(|| named_list(&policy, name)) {
                Some(models) => (RoutingMode::Fallback, RoutingMode::Router, models),
                None => (
                    RoutingMode::Fallback,
                    RoutingMode::Fallback,
                    vec![name.to_owned()],
                ),
            }
        }
        Selection::Router {
            alias,
            intent,
            combo,
        } => {
            let from_combo = if combo {
                [intent, alias]
                    .into_iter()
                    .find_map(|name| combo_models(&policy, name, rotation))
            } else {
                None
            };
            let models = from_combo.unwrap_or_else(|| {
                let mut models = model_list(policy.get("aliases").and_then(|a| a.get(alias)));
                models.extend(model_list(
                    policy.get("intents").and_then(|i| i.get(intent)),
                ));
                models
            });
            (RoutingMode::Router, RoutingMode::Router, models)
        }
    };

    let mut seen = HashSet::new();
    let routes = references
        .iter()
        .filter_map(|reference| split_model(reference))
        .filter(|(provider, model)| seen.insert((*provider, *model)))
        .enumerate()
        .map(|(index, (provider, model))| PlannedRoute {
            index,
            source,
            provider: provider.to_owned(),
            model: model.to_owned(),
        })
        .collect();
    Ok(RoutePlan {
        requested_model: requested.to_owned(),
        routing_mode,
        routes,
    })
}

/// The normalized router policy of settings or of a policy.
fn router_policy(settings_or_policy: Option<&Value>) -> Value {
    let policy = match settings_or_policy {
        Some(Value::Object(map)) if map.contains_key("routerPolicy") => map.get("routerPolicy"),
        other => other,
    };
    normalize_router_policy(policy)
}

/// The models of the combo called `name`, rotated by its strategy; `None` if there is none.
fn combo_models(policy: &Value, name: &str, rotation: &mut ComboRotation) -> Option<Vec<String>> {
    let combo = policy
        .get("combos")?
        .as_array()?
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(name))?;
    let models = model_list(combo.get("models"));
    let settings = resolve_combo_strategy(policy, combo);
    Some(rotate_models(
        &models,
        name,
        settings.strategy.as_str(),
        settings.sticky_limit,
        rotation,
    ))
}

/// `aliases[name]` for a plain name, if that alias exists.
fn named_list(policy: &Value, name: &str) -> Option<Vec<String>> {
    let value = policy.get("aliases")?.get(name)?;
    Some(model_list(Some(value)))
}

/// A normalized model list: a string is one model, an array its strings.
fn model_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(string_or_list).unwrap_or_default()
}

/// `provider/model` split at the first `/`, both sides non-empty.
fn split_model(reference: &str) -> Option<(&str, &str)> {
    reference
        .split_once('/')
        .filter(|(provider, model)| !provider.is_empty() && !model.is_empty())
}

fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}
