//! A view of the chat config safe to show or log: no bot token (`hasBotToken` instead), no
//! sandbox secret value (only the names and hosts), no key this package does not know (it may
//! hold a credential).

use std::collections::BTreeMap;

use serde::Serialize;

use super::account::{ChatAccount, ChatId, Gondolin};
use super::config::ChatConfig;
use super::conversations::{list_configured_conversations, Conversation};

/// One sandbox secret without its value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SecretSummary {
    /// The secret's name.
    pub name: String,
    /// Hosts it may be sent to.
    pub hosts: Vec<String>,
}

/// One account without its token.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountSummary {
    /// The account id.
    pub account_id: String,
    /// Its service.
    pub service: String,
    /// Its display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether a bot token is set (the token is never shown).
    pub has_bot_token: bool,
    /// The bot's user name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_username: Option<String>,
    /// The bot's user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_user_id: Option<ChatId>,
    /// Discord: the server's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    /// How many channels it has.
    pub channel_count: usize,
    /// Its sandbox secrets, without values.
    pub gondolin_secrets: Vec<SecretSummary>,
}

/// The chat config without secrets.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatConfigSummary {
    /// The bot's name.
    pub bot_name: String,
    /// The config-wide sandbox secrets, without values.
    pub gondolin_secrets: Vec<SecretSummary>,
    /// The accounts, by account id.
    pub accounts: Vec<AccountSummary>,
    /// The configured conversations (sorted as [`list_configured_conversations`] sorts).
    pub conversations: Vec<Conversation>,
}

fn secrets(gondolin: Option<&Gondolin>) -> Vec<SecretSummary> {
    let none = BTreeMap::new();
    let secrets = gondolin.and_then(|g| g.secrets.as_ref()).unwrap_or(&none);
    secrets
        .iter()
        .map(|(name, s)| SecretSummary {
            name: name.clone(),
            hosts: s.hosts.clone(),
        })
        .collect()
}

fn account(id: &str, a: &ChatAccount) -> AccountSummary {
    AccountSummary {
        account_id: id.into(),
        service: a.service.clone(),
        name: a.name.clone(),
        has_bot_token: a.bot_token.as_ref().is_some_and(|t| !t.expose().is_empty()),
        bot_username: a.bot_username.clone(),
        bot_user_id: a.bot_user_id.clone(),
        server_name: a.server_name.clone(),
        channel_count: a.channels.len(),
        gondolin_secrets: secrets(a.gondolin.as_ref()),
    }
}

/// The config with every secret left out.
///
/// ```
/// use pie_storage_core::chat::{to_chat_config_summary, ChatAccount, ChatConfig, Secret};
///
/// let mut account = ChatAccount::new("telegram");
/// account.bot_token = Some(Secret::new("123:abc"));
/// let mut config = ChatConfig::default();
/// config.accounts.insert("tg".into(), account);
/// let summary = to_chat_config_summary(&config);
/// assert!(summary.accounts[0].has_bot_token);
/// assert!(!serde_json::to_string(&summary).unwrap().contains("123:abc"));
/// ```
pub fn to_chat_config_summary(config: &ChatConfig) -> ChatConfigSummary {
    ChatConfigSummary {
        bot_name: config.bot_name.clone(),
        gondolin_secrets: secrets(config.gondolin.as_ref()),
        accounts: config
            .accounts
            .iter()
            .map(|(id, a)| account(id, a))
            .collect(),
        conversations: list_configured_conversations(config),
    }
}
