//! Request bodies as store inputs (§7.2, §7.3, §7.4): the servers' coercions, applied to what a
//! client sent, and the 400 answers for what cannot be stored. A key left out of an input is
//! `undefined` for the store.

use serde_json::{json, Map, Value};

use crate::connections::{mask_proxy_url, Object};
use crate::js_value::{js_trim, to_number};

/// A body refused: the status and the JSON error body, as the route module writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyError {
    /// HTTP status.
    pub status: u16,
    /// JSON body (`{error: "…"}` in the connection and pool modules).
    pub body: Value,
}

fn refuse(message: &str) -> BodyError {
    BodyError {
        status: 400,
        body: json!({"error": message}),
    }
}

fn object(body: &Value) -> Object {
    body.as_object().cloned().unwrap_or_default()
}

/// A trimmed string, or `null` for anything else (and for a blank string).
fn text_or_null(v: Option<&Value>) -> Value {
    match v.and_then(Value::as_str).map(js_trim) {
        Some(s) if !s.is_empty() => Value::from(s),
        _ => Value::Null,
    }
}

/// `Number(v)` when finite, else `null`.
fn finite_or_null(v: &Value) -> Value {
    let n = to_number(v);
    if n.is_finite() {
        json!(n)
    } else {
        Value::Null
    }
}

/// A connection field as `POST /provider-connections` coerces it; `None` is `undefined`.
fn connection_field(key: &str, v: &Value) -> Option<Value> {
    Some(match key {
        "name" | "displayName" | "email" | "projectId" => text_or_null(Some(v)),
        "priority" => match v {
            Value::Null => Value::Null,
            Value::String(s) if s.is_empty() => Value::Null,
            Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => v.clone(),
            _ => return None,
        },
        "isActive" => Value::Bool(v == &Value::Bool(true)),
        "apiKey" | "accessToken" | "refreshToken" => text_or_null(Some(v)),
        "providerSpecificData" => match v {
            Value::Object(_) => v.clone(),
            _ => Value::Null,
        },
        _ => return None,
    })
}

const CONNECTION_FIELDS: [&str; 10] = [
    "name",
    "displayName",
    "email",
    "projectId",
    "priority",
    "isActive",
    "apiKey",
    "accessToken",
    "refreshToken",
    "providerSpecificData",
];

/// `POST /provider-connections`: the store's create input, or 400 without a provider.
///
/// ```
/// use pie_storage_core::admin::connection_create_input;
/// let input = connection_create_input(&serde_json::json!({"provider": " openai ", "apiKey": " sk "})).unwrap();
/// assert_eq!(input["authType"], "apikey");
/// assert_eq!(input["apiKey"], "sk");
/// assert_eq!(input["isActive"], true);
/// ```
pub fn connection_create_input(body: &Value) -> Result<Object, BodyError> {
    let body = object(body);
    let provider = text_or_null(body.get("provider"));
    if provider.is_null() {
        return Err(refuse("provider is required"));
    }
    let mut input = Map::new();
    input.insert("provider".into(), provider);
    let auth = text_or_null(body.get("authType"));
    input.insert(
        "authType".into(),
        if auth.is_null() {
            Value::from("apikey")
        } else {
            auth
        },
    );
    for key in CONNECTION_FIELDS {
        match body.get(key) {
            Some(v) => {
                if let Some(v) = connection_field(key, v) {
                    input.insert(key.into(), v);
                }
            }
            None if key == "isActive" => drop(input.insert(key.into(), Value::Bool(true))),
            None if key.starts_with("name")
                || key == "displayName"
                || key == "email"
                || key == "projectId" =>
            {
                drop(input.insert(key.into(), Value::Null))
            }
            None => {}
        }
    }
    input.insert("testStatus".into(), Value::from("unknown"));
    Ok(input)
}

/// `PUT /provider-connections/:id`: the update of the keys present in `body`, over the
/// `existing` connection, with `pool_ids` the proxy pools that exist. A non-empty
/// `proxyPoolId` must name one of them and is written into `providerSpecificData` (the
/// existing one; any sent in the same body is overridden, as in the reference).
pub fn connection_update_input(
    body: &Value,
    existing: &Object,
    pool_ids: &[String],
) -> Result<Object, BodyError> {
    let body = object(body);
    let mut update = Map::new();
    if let Some(v) = body.get("provider") {
        let provider = text_or_null(Some(v));
        if provider.is_null() {
            return Err(refuse("provider is required"));
        }
        update.insert("provider".into(), provider);
    }
    if let Some(v) = body.get("authType") {
        let auth = text_or_null(Some(v));
        if !auth.is_null() {
            update.insert("authType".into(), auth);
        }
    }
    for key in CONNECTION_FIELDS {
        if let Some(v) = body.get(key).and_then(|v| connection_field(key, v)) {
            update.insert(key.into(), v);
        }
    }
    if let Some(v) = body.get("proxyPoolId") {
        let mut data = existing
            .get("providerSpecificData")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        match v.as_str().map(js_trim).filter(|s| !s.is_empty()) {
            Some(id) if pool_ids.iter().any(|p| p == id) => {
                drop(data.insert("proxyPoolId".into(), Value::from(id)))
            }
            Some(_) => return Err(refuse("Proxy pool not found")),
            None => drop(data.remove("proxyPoolId")),
        }
        update.insert("providerSpecificData".into(), Value::Object(data));
    }
    Ok(update)
}

fn required_text(body: &Object, key: &str, message: &str) -> Result<Value, BodyError> {
    let v = text_or_null(body.get(key));
    if v.is_null() {
        Err(refuse(message))
    } else {
        Ok(v)
    }
}

fn pool_type(v: Option<&Value>) -> Value {
    Value::from(if v.and_then(Value::as_str) == Some("vercel") {
        "vercel"
    } else {
        "http"
    })
}

/// `POST /proxy-pools`: the store's create input, or 400 without a name or a URL.
///
/// ```
/// use pie_storage_core::admin::proxy_pool_create_input;
/// let body = serde_json::json!({"name": "eu", "proxyUrl": "http://p:8080", "isActive": "yes"});
/// let input = proxy_pool_create_input(&body).unwrap();
/// assert_eq!((input["isActive"].clone(), input["type"].clone()), (false.into(), "http".into()));
/// assert_eq!(proxy_pool_create_input(&serde_json::json!({"name": "x"})).unwrap_err().status, 400);
/// ```
pub fn proxy_pool_create_input(body: &Value) -> Result<Object, BodyError> {
    let body = object(body);
    let mut input = Map::new();
    input.insert(
        "name".into(),
        required_text(&body, "name", "Name is required")?,
    );
    input.insert(
        "proxyUrl".into(),
        required_text(&body, "proxyUrl", "Proxy URL is required")?,
    );
    if let Some(s) = body.get("noProxy").and_then(Value::as_str) {
        input.insert("noProxy".into(), Value::from(js_trim(s)));
    }
    let active = body.get("isActive").is_none_or(|v| v == &Value::Bool(true));
    input.insert("isActive".into(), Value::Bool(active));
    input.insert(
        "strictProxy".into(),
        Value::Bool(body.get("strictProxy") == Some(&Value::Bool(true))),
    );
    input.insert("type".into(), pool_type(body.get("type")));
    Ok(input)
}

/// `PUT /proxy-pools/:id`: the keys present in `body`. A `proxyUrl` equal to the masked form of
/// the stored one is the form sent back unchanged, so the stored credential is kept.
pub fn proxy_pool_update_input(body: &Value, existing: &Object) -> Result<Object, BodyError> {
    let body = object(body);
    let mut update = Map::new();
    if body.contains_key("name") {
        update.insert(
            "name".into(),
            required_text(&body, "name", "Name is required")?,
        );
    }
    if body.contains_key("proxyUrl") {
        let url = required_text(&body, "proxyUrl", "Proxy URL is required")?;
        let stored = existing
            .get("proxyUrl")
            .and_then(Value::as_str)
            .unwrap_or("");
        if url.as_str() != Some(mask_proxy_url(stored).as_str()) && url.as_str() != Some(stored) {
            update.insert("proxyUrl".into(), url);
        }
    }
    if let Some(v) = body.get("noProxy") {
        update.insert(
            "noProxy".into(),
            v.as_str()
                .map(|s| Value::from(js_trim(s)))
                .unwrap_or(Value::Null),
        );
    }
    for key in ["isActive", "strictProxy"] {
        if let Some(v) = body.get(key) {
            update.insert(key.into(), Value::Bool(v == &Value::Bool(true)));
        }
    }
    if body.contains_key("type") {
        update.insert("type".into(), pool_type(body.get("type")));
    }
    if let Some(v) = body.get("testStatus") {
        update.insert(
            "testStatus".into(),
            if v == "" {
                Value::from("unknown")
            } else {
                v.clone()
            },
        );
    }
    if let Some(v) = body.get("lastTestedAt") {
        update.insert(
            "lastTestedAt".into(),
            if v == "" { Value::Null } else { v.clone() },
        );
    }
    if let Some(v) = body.get("lastError") {
        update.insert("lastError".into(), v.clone());
    }
    Ok(update)
}

const RAW_SETTINGS: [&str; 6] = [
    "fallbackStrategy",
    "stickyRoundRobinLimit",
    "quotaStrategy",
    "quotaMinRemainingPercentage",
    "quotaMaxAgeMs",
    "quotaRefreshTtlMs",
];

fn budget_rule(rule: &Object) -> Object {
    let mut out = Map::new();
    let mode = rule
        .get("mode")
        .and_then(Value::as_str)
        .map(js_trim)
        .unwrap_or("");
    out.insert(
        "mode".into(),
        Value::from(if mode.is_empty() { "off" } else { mode }),
    );
    for key in ["requestUsd", "dailyUsd", "monthlyUsd"] {
        out.insert(
            key.into(),
            rule.get(key).map(finite_or_null).unwrap_or(Value::Null),
        );
    }
    out
}

fn budget_limits(v: &Value) -> Value {
    let limits = object(v);
    let mut out = budget_rule(&limits);
    let providers: Map<String, Value> = limits
        .get("providerLimits")
        .and_then(Value::as_object)
        .map(|p| {
            p.iter()
                .map(|(k, r)| (k.clone(), Value::Object(budget_rule(&object(r)))))
                .collect()
        })
        .unwrap_or_default();
    out.insert("providerLimits".into(), Value::Object(providers));
    Value::Object(out)
}

fn provider_strategy(v: &Value) -> Value {
    let s = object(v);
    let mut out = Map::new();
    for key in ["fallbackStrategy", "quotaStrategy"] {
        out.insert(
            key.into(),
            s.get(key)
                .filter(|v| !v.is_null())
                .cloned()
                .unwrap_or(Value::from("")),
        );
    }
    for key in [
        "stickyRoundRobinLimit",
        "quotaMinRemainingPercentage",
        "quotaMaxAgeMs",
        "quotaRefreshTtlMs",
    ] {
        if let Some(v) = s.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    if let Some(v) = s.get("quotaRefreshBeforeSelection") {
        out.insert(
            "quotaRefreshBeforeSelection".into(),
            Value::Bool(v == &Value::Bool(true)),
        );
    }
    if let Some(id) = s.get("proxyPoolId").and_then(Value::as_str) {
        out.insert("proxyPoolId".into(), Value::from(js_trim(id)));
    }
    Value::Object(out)
}

/// `PUT /provider-settings` (body `{settings}` or the settings themselves): the update for the
/// store. `routerPolicy` is left to its own route.
///
/// Deliberate difference: only the keys present are sent, so saving one setting does not reset
/// the others to their defaults (the reference copies every key, absent ones as `undefined`).
///
/// ```
/// use pie_storage_core::admin::settings_update_input;
/// let input = settings_update_input(&serde_json::json!({"settings": {"rtkEnabled": 0,
///     "providerStrategies": {"openai": {"fallbackStrategy": "round-robin"}}}}));
/// assert_eq!(input["rtkEnabled"], true);
/// assert_eq!(input["providerStrategies"]["openai"]["quotaStrategy"], "");
/// ```
pub fn settings_update_input(body: &Value) -> Object {
    let body = object(body);
    let settings = match body.get("settings") {
        Some(Value::Object(s)) => s.clone(),
        _ => body,
    };
    let mut update = Map::new();
    for key in RAW_SETTINGS {
        if let Some(v) = settings.get(key) {
            update.insert(key.into(), v.clone());
        }
    }
    if let Some(v) = settings.get("quotaRefreshBeforeSelection") {
        update.insert(
            "quotaRefreshBeforeSelection".into(),
            Value::Bool(v == &Value::Bool(true)),
        );
    }
    if let Some(v) = settings.get("rtkEnabled") {
        update.insert("rtkEnabled".into(), Value::Bool(v != &Value::Bool(false)));
    }
    if let Some(v) = settings.get("budgetLimits") {
        update.insert("budgetLimits".into(), budget_limits(v));
    }
    if let Some(Value::Object(p)) = settings.get("providerStrategies") {
        let rebuilt = p
            .iter()
            .map(|(k, v)| (k.clone(), provider_strategy(v)))
            .collect();
        update.insert("providerStrategies".into(), Value::Object(rebuilt));
    }
    update
}
