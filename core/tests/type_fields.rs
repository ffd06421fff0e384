//! The field names of the core's types that the npm package's TypeScript interfaces mirror,
//! checked against `tests/types/fields.json`, which `tests/types/fields.ts` reads: there, at
//! compile time (`tsc -p tests/types`), each interface must declare exactly these keys (and,
//! for the usage types, make exactly the `required` ones required). So a field added, removed
//! or renamed on either side fails one of the two suites:
//!
//! - in Rust, a field of a typed view is a name in its `FIELDS` constant (every accessor reads
//!   through that list, checked in debug builds, and the view's tests tie the list to what the
//!   core writes); the usage and summary types are serde types, read here from their JSON;
//!   nested settings blocks are read from what the store writes;
//! - a difference with the file fails this test; `PIE_UPDATE_TYPE_FIELDS=1 cargo test -p
//!   pie-storage-core --test type_fields` rewrites the file, and then the TypeScript check
//!   fails until the interfaces follow.

use std::path::PathBuf;

use pie_storage_core::connections::{
    default_settings, to_provider_connection_summary, InMemoryProviderConnectionStore, Object,
    Patch, ProviderConnection, ProviderConnectionSettings, ProviderConnectionStore,
    ProviderStrategy, ProxyPool,
};
use pie_storage_core::routing::{CandidateExplanation, SelectionExplanation};
use pie_storage_core::usage::{
    summarize_usage_records, DiagnosticCode, ErrorCodeValue, LineDiagnostic, RoutingMode,
    UsageCost, UsageMedia, UsageRecord, UsageRecordStatus, UsageTokenSaver, UsageTokens,
    UsageTraceEvent,
};
use serde::Serialize;
use serde_json::{json, Map, Value};

const FILE: &str = "../tests/types/fields.json";

/// One TypeScript interface: where the Rust side takes its names from, the names (in the Rust
/// order) and, where Rust knows it, which are always present.
struct Entry {
    ts_name: &'static str,
    from: &'static str,
    fields: Vec<String>,
    required: Option<Vec<String>>,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("expected an object, got {value}"))
        .keys()
        .cloned()
        .collect()
}

fn json_of<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serializes")
}

/// A serde type: every key of a fully populated value, and the keys of one with every
/// optional part absent.
fn serde_entry<T: Serialize>(
    ts_name: &'static str,
    from: &'static str,
    full: &T,
    minimal: &T,
) -> Entry {
    Entry {
        ts_name,
        from,
        fields: keys(&json_of(full)),
        required: Some(keys(&json_of(minimal))),
    }
}

fn tokens(full: bool) -> UsageTokens {
    UsageTokens {
        input: 1.0,
        output: 2.0,
        cache_read: 0.0,
        cache_write: 0.0,
        reasoning: full.then_some(1.0),
        total_tokens: 3.0,
        estimated: full.then_some(false),
    }
}

fn cost(full: bool) -> UsageCost {
    UsageCost {
        input: 0.1,
        output: 0.2,
        cache_read: 0.0,
        cache_write: 0.0,
        reasoning: full.then_some(0.0),
        total: 0.3,
        currency: "USD".into(),
        pricing_source: "pie-metadata".into(),
    }
}

fn media(full: bool) -> UsageMedia {
    let n = full.then_some(1.0);
    UsageMedia {
        kind: "tts".into(),
        input_bytes: n,
        output_bytes: n,
        input_chars: n,
        audio_seconds: n,
        billable_seconds: n,
        billable_tokens: n,
        billing_unit: full.then(|| "request".into()),
        cached: full.then_some(false),
        estimated: full.then_some(false),
        pricing_version: full.then(|| "v1".into()),
    }
}

fn token_saver() -> UsageTokenSaver {
    UsageTokenSaver {
        provider: "rtk".into(),
        filters: vec!["f".into()],
        ..Default::default()
    }
}

fn trace_event(full: bool) -> UsageTraceEvent {
    let text = |s: &str| full.then(|| s.to_owned());
    UsageTraceEvent {
        timestamp: "2026-05-22T00:00:00.000Z".into(),
        phase: "attempt.start".into(),
        message: text("m"),
        provider: text("p"),
        model: text("m"),
        connection_id: text("c"),
        attempt_index: full.then_some(0.0),
        status: text("ok"),
        metadata: full.then(Map::new),
    }
}

fn record(full: bool) -> UsageRecord {
    let minimal = UsageRecord::new("usage_1", "req_1", "2026-05-22T00:00:00.000Z", "p", "m");
    if !full {
        return minimal;
    }
    let text = |s: &str| Some(s.to_owned());
    UsageRecord {
        route_source: Some(RoutingMode::Router),
        connection_id: text("c"),
        endpoint: text("/v1/chat/completions"),
        client_origin: text("o"),
        api_key_id: text("k"),
        agent_run_id: text("r"),
        usage: Some(tokens(true)),
        cost: Some(cost(true)),
        media: Some(media(true)),
        token_saver: Some(token_saver()),
        input_tokens: Some(1.0),
        output_tokens: Some(2.0),
        cost_usd: Some(0.3),
        status: UsageRecordStatus::Error,
        error_code: Some(ErrorCodeValue::Number(429.0)),
        error_message: text("e"),
        trace: Some(vec![trace_event(true)]),
        ..minimal
    }
}

/// The names on the Rust side, per TypeScript interface.
fn entries() -> Vec<Entry> {
    let view = |ts_name, from, fields: &[&str]| Entry {
        ts_name,
        from,
        fields: names(fields),
        required: None,
    };
    let written = |ts_name, from, value: &Value| Entry {
        ts_name,
        from,
        fields: keys(value),
        required: None,
    };

    // The list view of a connection holding every field.
    let full: Object = ProviderConnection::FIELDS
        .iter()
        .map(|k| ((*k).to_owned(), json!("x")))
        .collect();
    let summary = Value::Object(to_provider_connection_summary(&full));

    // Nested settings blocks, as the store writes them.
    let defaults = Value::Object(default_settings());
    let store = InMemoryProviderConnectionStore::new(None);
    let updates = json!({
        "budgetLimits": {"providerLimits": {"openai": {}}},
        "routerPolicy": {"combos": [{"name": "c", "models": ["openai/gpt-5.4"]}], "comboStrategies": {"c": {}}},
    });
    let settings = Value::Object(
        store
            .update_settings(&Patch::from(updates.as_object().expect("an object")))
            .expect("settings update"),
    );

    let diagnostic = LineDiagnostic {
        line: 1,
        byte_offset: 0,
        code: DiagnosticCode::InvalidJson,
        message: "m".into(),
    };
    let summary_of_nothing = json_of(&summarize_usage_records(&[]));
    let one_record = json_of(&summarize_usage_records(&[record(false).to_object()]));
    let group = one_record["byProvider"][0].clone();
    let with_groups = json_of(&pie_storage_core::usage::summarize_usage_records_with(
        &[record(false).to_object()],
        &pie_storage_core::usage::SummaryOptions {
            group_by: pie_storage_core::usage::SummaryGroupBy::ALL.to_vec(),
            top: None,
        },
    ));
    let series = json_of(
        &pie_storage_core::usage::summarize_usage_records_by_time(
            &[record(false).to_object()],
            &Default::default(),
            &Default::default(),
        )
        .expect("a series"),
    );
    let bucket = series["buckets"][0].clone();

    vec![
        view(
            "ProviderConnection",
            "ProviderConnection::FIELDS (core/src/connections/connection.rs)",
            ProviderConnection::FIELDS,
        ),
        written(
            "ProviderConnectionSummary",
            "to_provider_connection_summary of a connection with every field (core/src/connections/redact.rs)",
            &summary,
        ),
        view(
            "ProxyPool",
            "ProxyPool::FIELDS (core/src/connections/proxy_pool.rs)",
            ProxyPool::FIELDS,
        ),
        view(
            "ProviderConnectionSettings",
            "ProviderConnectionSettings::FIELDS (core/src/connections/provider_connection_settings.rs)",
            ProviderConnectionSettings::FIELDS,
        ),
        view(
            "ProviderStrategyConfig",
            "ProviderStrategy::FIELDS (core/src/connections/provider_connection_settings.rs)",
            ProviderStrategy::FIELDS,
        ),
        written(
            "BudgetLimitSettings",
            "budgetLimits as the store writes it",
            &defaults["budgetLimits"],
        ),
        written(
            "BudgetLimitRule",
            "a budgetLimits.providerLimits entry as the store writes it",
            &settings["budgetLimits"]["providerLimits"]["openai"],
        ),
        written(
            "RouterPolicySettings",
            "routerPolicy as the store writes it",
            &defaults["routerPolicy"],
        ),
        written(
            "RouterPolicyCombo",
            "a routerPolicy.combos entry as the store writes it",
            &settings["routerPolicy"]["combos"][0],
        ),
        written(
            "RouterPolicyComboStrategyConfig",
            "a routerPolicy.comboStrategies entry as the store writes it",
            &settings["routerPolicy"]["comboStrategies"]["c"],
        ),
        view(
            "ProviderConnectionSelectionExplanation",
            "SelectionExplanation::FIELDS (core/src/routing/explanation.rs)",
            SelectionExplanation::FIELDS,
        ),
        view(
            "ProviderConnectionCandidate",
            "CandidateExplanation::FIELDS (core/src/routing/explanation.rs)",
            CandidateExplanation::FIELDS,
        ),
        serde_entry(
            "UsageRecord",
            "usage::UsageRecord (serde)",
            &record(true),
            &record(false),
        ),
        serde_entry(
            "UsageTokens",
            "usage::UsageTokens (serde)",
            &tokens(true),
            &tokens(false),
        ),
        serde_entry(
            "UsageCost",
            "usage::UsageCost (serde)",
            &cost(true),
            &cost(false),
        ),
        serde_entry(
            "UsageMedia",
            "usage::UsageMedia (serde)",
            &media(true),
            &media(false),
        ),
        serde_entry(
            "UsageTokenSaver",
            "usage::UsageTokenSaver (serde)",
            &token_saver(),
            &token_saver(),
        ),
        serde_entry(
            "UsageTraceEvent",
            "usage::UsageTraceEvent (serde)",
            &trace_event(true),
            &trace_event(false),
        ),
        serde_entry(
            "UsageLineDiagnostic",
            "usage::LineDiagnostic (serde)",
            &diagnostic,
            &diagnostic,
        ),
        Entry {
            ts_name: "UsageSummary",
            from: "usage::UsageSummary (serialized)",
            fields: keys(&summary_of_nothing),
            required: Some(keys(&summary_of_nothing)),
        },
        Entry {
            ts_name: "UsageSummaryGroup",
            from: "usage::UsageSummaryGroup (serialized)",
            fields: keys(&group),
            required: Some(keys(&group)),
        },
        Entry {
            ts_name: "UsageSummaryWithGroups",
            from: "usage::UsageSummary with every SummaryGroupBy (serialized)",
            fields: keys(&with_groups),
            required: Some(keys(&summary_of_nothing)),
        },
        Entry {
            ts_name: "UsageSeries",
            from: "usage::UsageSeries (serialized)",
            fields: keys(&series),
            required: Some(keys(&series)),
        },
        Entry {
            ts_name: "UsageSeriesBucket",
            from: "usage::SeriesBucket (serialized)",
            fields: keys(&bucket),
            required: Some(keys(&bucket)),
        },
    ]
    .into_iter()
    .chain(chat_entries())
    .collect()
}

/// The chat results JavaScript receives (serde types of `core/src/chat/`).
fn chat_entries() -> Vec<Entry> {
    use pie_storage_core::chat::{
        conversation_paths, to_chat_config_summary, AccessPolicy, ChatAccount, ChatChannel,
        ChatConfig, ChatId, Gondolin, GondolinSecret, Secret, Trigger,
    };
    let policy = AccessPolicy {
        trigger: Some(Trigger::Mention),
        ignore_bots: Some(true),
        allowed_user_ids: Some(vec![]),
        allowed_role_ids: Some(vec![]),
    };
    let secrets = |name: &str| Gondolin {
        secrets: Some(
            [(
                name.into(),
                GondolinSecret {
                    value: Secret::new("v"),
                    hosts: vec![],
                    extra: Default::default(),
                },
            )]
            .into(),
        ),
        extra: Default::default(),
    };
    let mut full = ChatAccount::new("discord");
    full.name = Some("n".into());
    full.bot_token = Some(Secret::new("t"));
    full.bot_username = Some("u".into());
    full.bot_user_id = Some(ChatId::Text("1".into()));
    full.server_name = Some("s".into());
    full.gondolin = Some(secrets("S"));
    full.channels
        .insert("c".into(), ChatChannel::new(ChatId::Text("2".into())));
    let mut config = ChatConfig {
        gondolin: Some(secrets("G")),
        ..Default::default()
    };
    config.accounts.insert("full".into(), full);
    config
        .accounts
        .insert("minimal".into(), ChatAccount::new("telegram"));
    let summary = json_of(&to_chat_config_summary(&config));
    let accounts = summary["accounts"].as_array().expect("accounts").clone();
    let paths = json_of(&conversation_paths("/a", "b", "c"));
    vec![
        serde_entry(
            "AccessPolicy",
            "chat::AccessPolicy (serde)",
            &policy,
            &AccessPolicy::default(),
        ),
        Entry {
            ts_name: "ChatConversation",
            from: "chat::Conversation (serialized)",
            fields: keys(&summary["conversations"][0]),
            required: Some(keys(&summary["conversations"][0])),
        },
        Entry {
            ts_name: "ConversationPaths",
            from: "chat::ConversationPaths (serialized)",
            fields: keys(&paths),
            required: Some(keys(&paths)),
        },
        Entry {
            ts_name: "ChatConfigSummary",
            from: "chat::ChatConfigSummary (serialized)",
            fields: keys(&summary),
            required: Some(keys(&summary)),
        },
        Entry {
            ts_name: "ChatAccountSummary",
            from: "chat::AccountSummary (serialized)",
            fields: keys(&accounts[0]),
            required: Some(keys(&accounts[1])),
        },
        Entry {
            ts_name: "ChatSecretSummary",
            from: "chat::SecretSummary (serialized)",
            fields: keys(&summary["gondolinSecrets"][0]),
            required: Some(keys(&summary["gondolinSecrets"][0])),
        },
    ]
}

/// The file's text: one object per interface, field names as keys (TypeScript keeps the keys
/// of an imported JSON object as literal types; values widen), valued by their position.
fn render(entries: &[Entry]) -> String {
    let positions = |list: &[String]| -> Value {
        Value::Object(
            list.iter()
                .enumerate()
                .map(|(i, name)| (name.clone(), Value::from(i)))
                .collect(),
        )
    };
    let mut out = Map::new();
    out.insert(
        "$comment".into(),
        Value::from(
            "Field names of the Rust core's types, per TypeScript interface of @pie-lab/storage. Written by core/tests/type_fields.rs (PIE_UPDATE_TYPE_FIELDS=1 rewrites it), checked by tests/types/fields.ts. Do not edit by hand.",
        ),
    );
    for e in entries {
        let mut entry = Map::new();
        entry.insert("from".into(), Value::from(e.from));
        entry.insert("fields".into(), positions(&e.fields));
        if let Some(required) = &e.required {
            entry.insert("required".into(), positions(required));
        }
        out.insert(e.ts_name.into(), Value::Object(entry));
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(out)).expect("serializes");
    text.push('\n');
    text
}

/// What differs between the committed file and the Rust side, per interface.
fn differences(committed: &Value, expected: &Value) -> Vec<String> {
    let names_of = |v: &Value, ty: &str, part: &str| -> Vec<String> {
        v.get(ty)
            .and_then(|e| e.get(part))
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    let types: Vec<String> = keys(expected).into_iter().chain(keys(committed)).collect();
    for ty in types.iter().filter(|t| !t.starts_with('$')) {
        for part in ["fields", "required"] {
            let have = names_of(committed, ty, part);
            let want = names_of(expected, ty, part);
            let added: Vec<_> = want.iter().filter(|n| !have.contains(n)).collect();
            let removed: Vec<_> = have.iter().filter(|n| !want.contains(n)).collect();
            if !added.is_empty() || !removed.is_empty() {
                out.push(format!("{ty}.{part}: Rust has {added:?} the file lacks; the file has {removed:?} Rust lacks"));
            }
        }
    }
    out.dedup();
    out
}

#[test]
fn typescript_field_lists_match_the_rust_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(FILE);
    let expected = render(&entries());
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == expected {
        return;
    }
    if std::env::var_os("PIE_UPDATE_TYPE_FIELDS").is_some() {
        std::fs::write(&path, &expected).expect("writes tests/types/fields.json");
        eprintln!(
            "rewrote {}: now make the TypeScript interfaces follow (tsc -p tests/types)",
            path.display()
        );
        return;
    }
    let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    let diff = differences(&parse(&committed), &parse(&expected));
    panic!(
        "tests/types/fields.json differs from the Rust types:\n  {}\n\
         If the Rust side is right, rewrite the file with\n  \
         PIE_UPDATE_TYPE_FIELDS=1 cargo test -p pie-storage-core --test type_fields\n\
         and change the TypeScript interfaces in node-host/src until `npx tsc -p tests/types` passes.",
        if diff.is_empty() { "(order or formatting only)".to_owned() } else { diff.join("\n  ") }
    );
}
