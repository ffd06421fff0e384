//! Who may talk to the bot: an account's [`AccessPolicy`], refined per channel.

use serde::{Deserialize, Serialize};

/// What makes the bot answer in a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// Only messages that mention the bot.
    Mention,
    /// Every message.
    Message,
}

/// An access policy (`{trigger?, ignoreBots?, allowedUserIds?, allowedRoleIds?}`); an unset
/// field is inherited (see [`merge_access_policy`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessPolicy {
    /// What makes the bot answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    /// Whether messages from other bots are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_bots: Option<bool>,
    /// Only these users may talk to the bot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_user_ids: Option<Vec<String>>,
    /// Only members of these roles may talk to the bot (Discord).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_role_ids: Option<Vec<String>>,
}

/// The policy in force in a channel: the account's, with every field the channel sets taken
/// from the channel (the later one wins per field, as `{...account, ...channel}`); arrays are
/// copies, so changing the result changes neither input.
///
/// ```
/// use pie_storage_core::chat::{merge_access_policy, AccessPolicy, Trigger};
///
/// let account = AccessPolicy { trigger: Some(Trigger::Mention), ignore_bots: Some(true), ..Default::default() };
/// let channel = AccessPolicy { trigger: Some(Trigger::Message), ..Default::default() };
/// let merged = merge_access_policy(Some(&account), Some(&channel));
/// assert_eq!((merged.trigger, merged.ignore_bots), (Some(Trigger::Message), Some(true)));
/// ```
pub fn merge_access_policy(
    account: Option<&AccessPolicy>,
    channel: Option<&AccessPolicy>,
) -> AccessPolicy {
    let (a, c) = (account.cloned().unwrap_or_default(), channel.cloned());
    let Some(c) = c else { return a };
    AccessPolicy {
        trigger: c.trigger.or(a.trigger),
        ignore_bots: c.ignore_bots.or(a.ignore_bots),
        allowed_user_ids: c.allowed_user_ids.or(a.allowed_user_ids),
        allowed_role_ids: c.allowed_role_ids.or(a.allowed_role_ids),
    }
}
