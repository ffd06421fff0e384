//! The configured conversations (one per account channel), their ids and names, and finding one
//! from what a user typed.

use serde::Serialize;

use super::account::{ChatAccount, ChatChannel, ChatId};
use super::config::ChatConfig;
use super::policy::{merge_access_policy, AccessPolicy};
use crate::error::{Error, ErrorCode, Result};
use crate::sort::stable_sort_by;
use crate::usage::collate::locale_compare;

/// One configured conversation. It holds no secret (no bot token, no sandbox secret).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    /// `"<accountId>/<channelKey>"`.
    pub conversation_id: String,
    /// `"<account.name ?? accountId> / <channel.name ?? channelKey>"`.
    pub conversation_name: String,
    /// The account id.
    pub account_id: String,
    /// The channel key.
    pub channel_key: String,
    /// The account's service.
    pub service: String,
    /// The channel's service id.
    pub channel_id: ChatId,
    /// The policy in force: the account's merged with the channel's.
    pub access: AccessPolicy,
}

fn conversation(id: &str, account: &ChatAccount, key: &str, channel: &ChatChannel) -> Conversation {
    let account_name = account.name.as_deref().unwrap_or(id);
    let channel_name = channel.name.as_deref().unwrap_or(key);
    Conversation {
        conversation_id: format!("{id}/{key}"),
        conversation_name: format!("{account_name} / {channel_name}"),
        account_id: id.into(),
        channel_key: key.into(),
        service: account.service.clone(),
        channel_id: channel.id.clone(),
        access: merge_access_policy(account.access.as_ref(), channel.access.as_ref()),
    }
}

/// Every channel of every account, sorted by `conversationId` as `localeCompare` sorts.
///
/// ```
/// use pie_storage_core::chat::{list_configured_conversations, ChatAccount, ChatChannel, ChatConfig, ChatId};
///
/// let mut account = ChatAccount::new("telegram");
/// account.channels.insert("b".into(), ChatChannel::new(ChatId::Text("2".into())));
/// account.channels.insert("A".into(), ChatChannel::new(ChatId::Text("1".into())));
/// let mut config = ChatConfig::default();
/// config.accounts.insert("tg".into(), account);
/// let ids: Vec<_> = list_configured_conversations(&config).into_iter().map(|c| c.conversation_id).collect();
/// assert_eq!(ids, ["tg/A", "tg/b"]);
/// ```
pub fn list_configured_conversations(config: &ChatConfig) -> Vec<Conversation> {
    let mut out: Vec<Conversation> = config
        .accounts
        .iter()
        .flat_map(|(id, account)| {
            account
                .channels
                .iter()
                .map(move |(key, channel)| conversation(id, account, key, channel))
        })
        .collect();
    stable_sort_by(&mut out, &|a, b| {
        locale_compare(&a.conversation_id, &b.conversation_id)
    });
    out
}

/// The conversation `spec` names: `"<accountId>/<channelKey>"`, trimmed, with leading and
/// trailing slashes removed; anything but exactly two non-empty segments is
/// `PIE_INVALID_INPUT`, an account or channel that is not configured `PIE_NOT_FOUND`.
///
/// ```
/// use pie_storage_core::chat::{resolve_conversation, ChatAccount, ChatChannel, ChatConfig, ChatId};
/// use pie_storage_core::ErrorCode;
///
/// let mut account = ChatAccount::new("discord");
/// account.channels.insert("general".into(), ChatChannel::new(ChatId::Text("9".into())));
/// let mut config = ChatConfig::default();
/// config.accounts.insert("dc".into(), account);
/// assert_eq!(resolve_conversation(&config, " /dc/general/ ")?.conversation_name, "dc / general");
/// assert_eq!(resolve_conversation(&config, "dc").unwrap_err().code, ErrorCode::InvalidInput);
/// assert_eq!(resolve_conversation(&config, "dc/x").unwrap_err().code, ErrorCode::NotFound);
/// # Ok::<(), pie_storage_core::Error>(())
/// ```
pub fn resolve_conversation(config: &ChatConfig, spec: &str) -> Result<Conversation> {
    let trimmed = spec.trim().trim_matches('/');
    let segments: Vec<&str> = trimmed.split('/').collect();
    let [account_id, key] = segments[..] else {
        return Err(invalid_spec());
    };
    if account_id.is_empty() || key.is_empty() {
        return Err(invalid_spec());
    }
    let account = config.accounts.get(account_id).ok_or_else(|| {
        Error::new(ErrorCode::NotFound, "no such chat account").with_field("accountId")
    })?;
    let channel = account.channels.get(key).ok_or_else(|| {
        Error::new(ErrorCode::NotFound, "no such channel in the chat account")
            .with_field("channelKey")
    })?;
    Ok(conversation(account_id, account, key, channel))
}

fn invalid_spec() -> Error {
    Error::new(
        ErrorCode::InvalidInput,
        "a conversation is \"<accountId>/<channelKey>\"",
    )
}
