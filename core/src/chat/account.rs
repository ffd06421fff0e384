//! The typed parts of the chat config: accounts (Telegram and Discord fields), their channels
//! and the gondolin sandbox secrets. Keys this package does not know are kept in `extra`, so a
//! config the gateway extends survives a typed round trip.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::policy::AccessPolicy;
use super::secret::Secret;
use super::secret::UnknownKeys;

/// An id that chat services give as a string (Discord) or a number (Telegram chats and users);
/// kept as it was written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChatId {
    /// A string id.
    Text(String),
    /// A numeric id.
    Number(serde_json::Number),
}

/// One secret the gondolin sandbox may use, and the hosts it may be sent to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GondolinSecret {
    /// The secret (never shown by `Debug` or summaries).
    pub value: Secret,
    /// Hosts the secret may be sent to.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Keys this package does not know, kept as they are.
    #[serde(flatten)]
    pub extra: UnknownKeys,
}

/// Gondolin sandbox settings (`{secrets?: {name: {value, hosts}}}`), at the config, account or
/// channel level.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gondolin {
    /// Named secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<BTreeMap<String, GondolinSecret>>,
    /// Keys this package does not know, kept as they are.
    #[serde(flatten)]
    pub extra: UnknownKeys,
}

/// One channel of an account (`channels[channelKey]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatChannel {
    /// The service's id of the chat or channel.
    pub id: ChatId,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether it is a direct-message conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dm: Option<bool>,
    /// Whether the gateway added it on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_discovered: Option<bool>,
    /// The channel's refinement of the account's policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<AccessPolicy>,
    /// Sandbox settings for this channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gondolin: Option<Gondolin>,
    /// Keys this package does not know, kept as they are.
    #[serde(flatten)]
    pub extra: UnknownKeys,
}

/// One bot account (`accounts[accountId]`). `service` is an open string (`"telegram"`,
/// `"discord"`); the Telegram and Discord fields are all optional.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatAccount {
    /// `"telegram"`, `"discord"` or another service.
    pub service: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The account's access policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<AccessPolicy>,
    /// Sandbox settings for the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gondolin: Option<Gondolin>,
    /// The channels, by channel key.
    #[serde(default)]
    pub channels: BTreeMap<String, ChatChannel>,
    /// The bot's token (a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_token: Option<Secret>,
    /// The bot's user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_username: Option<String>,
    /// The bot's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_user_id: Option<ChatId>,
    /// Discord: the application id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// Discord: the server (guild) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<String>,
    /// Discord: the server's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    /// Discord: the home channel's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_channel_id: Option<String>,
    /// Discord: the home channel's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_channel_name: Option<String>,
    /// Discord: channels the bot may answer in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_channel_ids: Option<Vec<String>>,
    /// Discord: channels the bot ignores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignored_channel_ids: Option<Vec<String>>,
    /// Discord: channels where the bot answers without being mentioned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_response_channel_ids: Option<Vec<String>>,
    /// Keys this package does not know, kept as they are.
    #[serde(flatten)]
    pub extra: UnknownKeys,
}

impl ChatAccount {
    /// An account of `service` with no channels and nothing else set.
    pub fn new(service: impl Into<String>) -> Self {
        ChatAccount {
            service: service.into(),
            name: None,
            access: None,
            gondolin: None,
            channels: BTreeMap::new(),
            bot_token: None,
            bot_username: None,
            bot_user_id: None,
            application_id: None,
            server_id: None,
            server_name: None,
            home_channel_id: None,
            home_channel_name: None,
            allowed_channel_ids: None,
            ignored_channel_ids: None,
            free_response_channel_ids: None,
            extra: UnknownKeys::default(),
        }
    }
}

impl ChatChannel {
    /// A channel with the service id `id` and nothing else set.
    pub fn new(id: ChatId) -> Self {
        ChatChannel {
            id,
            name: None,
            dm: None,
            auto_discovered: None,
            access: None,
            gondolin: None,
            extra: UnknownKeys::default(),
        }
    }
}
