//! Chat state by npm name: the pure functions (`listConfiguredConversations`, `resolveConversation`,
//! `mergeAccessPolicy`, `toChatConfigSummary`, the paths, `parseChatConfig`, `chatConfigText`)
//! and the store operations of `createChatStateStore(agentDir)`.

use serde_json::{Map, Value};

use super::args::Args;
use crate::chat::{
    chat_cache_path, chat_config_path, config_of, conversation_paths, document_bytes, event_of,
    list_configured_conversations, merge_access_policy, read_chat_config, resolve_conversation,
    sanitize_segment, to_chat_config_summary, AccessPolicy, ChatCall, ConfigChange,
};
use crate::error::{Error, ErrorCode, Result};

fn invalid(message: &str, field: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message).with_field(field)
}

fn text(args: &Args, at: usize, field: &str) -> Result<String> {
    args.text(at)
        .ok_or_else(|| invalid("must be a string", field))
}

fn object(args: &Args, at: usize, field: &str) -> Result<Map<String, Value>> {
    args.get(at)
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| invalid("must be an object", field))
}

/// A policy argument: `undefined`/`null` is none; anything but an access policy is refused.
fn policy(args: &Args, at: usize, field: &str) -> Result<Option<AccessPolicy>> {
    match args.get(at) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|_| invalid("not an access policy", field)),
    }
}

fn json(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("chat results serialize")
}

fn config(args: &Args, at: usize) -> Result<crate::chat::ChatConfig> {
    config_of(args.get(at).unwrap_or(&Value::Null))
}

/// The pure chat functions by npm name; `None` for other names.
pub fn chat_function(args: &Args) -> Option<Result<Value>> {
    let run = || -> Result<Value> {
        Ok(match args.op() {
            "listConfiguredConversations" => json(list_configured_conversations(&config(args, 0)?)),
            "resolveConversation" => {
                let spec = text(args, 1, "spec")?;
                json(resolve_conversation(&config(args, 0)?, &spec)?)
            }
            "mergeAccessPolicy" => json(merge_access_policy(
                policy(args, 0, "account")?.as_ref(),
                policy(args, 1, "channel")?.as_ref(),
            )),
            "toChatConfigSummary" => json(to_chat_config_summary(&config(args, 0)?)),
            "conversationPaths" => json(conversation_paths(
                &text(args, 0, "agentDir")?,
                &text(args, 1, "accountId")?,
                &text(args, 2, "channelKey")?,
            )),
            "chatConfigPath" => json(chat_config_path(&text(args, 0, "agentDir")?)),
            "chatCachePath" => json(chat_cache_path(
                &text(args, 0, "agentDir")?,
                &text(args, 1, "accountId")?,
            )),
            "sanitizeChatPathSegment" => json(sanitize_segment(&text(args, 0, "id")?)),
            "parseChatConfig" => {
                let text = text(args, 0, "text")?;
                read_chat_config(Some(text.as_bytes())).to_json()
            }
            "chatConfigText" => {
                let doc = object(args, 0, "config")?;
                config_of(&Value::Object(doc.clone()))?;
                let bytes = document_bytes(&doc);
                json(String::from_utf8(bytes).expect("JSON text is UTF-8"))
            }
            _ => unreachable!("only names of CHAT_FUNCTIONS get here"),
        })
    };
    CHAT_FUNCTIONS.contains(&args.op()).then(run)
}

/// The names [`chat_function`] answers.
const CHAT_FUNCTIONS: &[&str] = &[
    "listConfiguredConversations",
    "resolveConversation",
    "mergeAccessPolicy",
    "toChatConfigSummary",
    "conversationPaths",
    "chatConfigPath",
    "chatCachePath",
    "sanitizeChatPathSegment",
    "parseChatConfig",
    "chatConfigText",
];

/// The store operation `args.op()` names: `readConfig()`, `setAccount(id, account)`,
/// `removeAccount(id)`, `setChannel(accountId, key, channel)`, `removeChannel(accountId, key)`,
/// `setBotName(name)`, `readCache(accountId)`, `writeCache(accountId, value)`,
/// `appendChannelEvent(accountId, key, event)`, `readChannelEvents(accountId, key, {tail}?)`.
pub fn chat_call(args: &Args) -> Result<ChatCall> {
    let account_id = || text(args, 0, "accountId");
    let channel_key = || text(args, 1, "channelKey");
    Ok(match args.op() {
        "readConfig" => ChatCall::ReadConfig,
        "setAccount" => ChatCall::ChangeConfig(ConfigChange::SetAccount {
            id: account_id()?,
            account: object(args, 1, "account")?,
        }),
        "removeAccount" => {
            ChatCall::ChangeConfig(ConfigChange::RemoveAccount { id: account_id()? })
        }
        "setChannel" => ChatCall::ChangeConfig(ConfigChange::SetChannel {
            account_id: account_id()?,
            key: channel_key()?,
            channel: object(args, 2, "channel")?,
        }),
        "removeChannel" => ChatCall::ChangeConfig(ConfigChange::RemoveChannel {
            account_id: account_id()?,
            key: channel_key()?,
        }),
        "setBotName" => ChatCall::ChangeConfig(ConfigChange::SetBotName(text(args, 0, "botName")?)),
        "readCache" => ChatCall::ReadCache {
            account_id: account_id()?,
        },
        "writeCache" => ChatCall::WriteCache {
            account_id: account_id()?,
            value: object(args, 1, "value")?,
        },
        "appendChannelEvent" => ChatCall::AppendEvent {
            account_id: account_id()?,
            channel_key: channel_key()?,
            event: event_of(args.get(2))?,
        },
        "readChannelEvents" => ChatCall::ReadEvents {
            account_id: account_id()?,
            channel_key: channel_key()?,
            tail: tail(args.object_or_empty(2).get("tail"))?,
        },
        other => {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("unknown chat state operation {other}"),
            ))
        }
    })
}

/// `tail`: a whole number ≥ 0, or none.
fn tail(value: Option<&Value>) -> Result<Option<usize>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n.is_finite() => {
                Ok(Some(n.min(usize::MAX as f64) as usize))
            }
            _ => Err(invalid("tail is a whole number >= 0", "tail")),
        },
    }
}
