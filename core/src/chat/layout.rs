//! Where chat state lives under the agent folder, and how ids become path segments.
//!
//! Every id is one path segment after [`sanitize_segment`]: runs of characters outside
//! `[a-zA-Z0-9._-]` become one `_` (the gateway's rule), and what that rule leaves that would
//! still leave the folder is renamed: an empty id becomes `_`, `.` becomes `_`, `..` becomes
//! `__`. So no account id or channel key, and no cache file name, names a file outside
//! `agentDir/chat`.

use serde::Serialize;

use crate::paths::join;

/// The chat folder inside the agent folder.
pub const CHAT_FOLDER: &str = "chat";
/// The config file's name inside the chat folder.
pub const CHAT_CONFIG_FILE: &str = "config.json";
/// The channel log's name inside a channel folder.
pub const CHANNEL_LOG_FILE: &str = "channel.jsonl";

/// `id` as one safe path segment (see the module documentation).
///
/// ```
/// use pie_storage_core::chat::sanitize_segment;
/// assert_eq!(sanitize_segment("team/ops chat"), "team_ops_chat");
/// assert_eq!(sanitize_segment(".."), "__");
/// assert_eq!(sanitize_segment(""), "_");
/// ```
pub fn sanitize_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    let mut in_run = false;
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
    match out.as_str() {
        "" | "." => "_".into(),
        ".." => "__".into(),
        _ => out,
    }
}

/// Every path of one conversation (an account's channel).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationPaths {
    /// `chat/accounts/<acc>`.
    pub account_dir: String,
    /// `chat/accounts/<acc>/shared/memory.md`: memory shared by the account's channels.
    pub shared_memory: String,
    /// `chat/accounts/<acc>/channels/<ch>`.
    pub channel_dir: String,
    /// `…/channels/<ch>/workspace`.
    pub workspace_dir: String,
    /// `…/channels/<ch>/workspace/memory.md`.
    pub workspace_memory: String,
    /// `…/channels/<ch>/workspace/incoming`: files users sent.
    pub incoming_dir: String,
    /// `…/channels/<ch>/gondolin`: the sandbox's folder.
    pub gondolin_dir: String,
    /// `…/channels/<ch>/channel.jsonl`: the channel's event log.
    pub channel_log: String,
    /// `…/channels/<ch>/.lock`: the channel log's lock directory.
    pub lock: String,
}

/// `agentDir/chat`.
pub fn chat_dir(agent_dir: &str) -> String {
    join(agent_dir, CHAT_FOLDER)
}

/// `agentDir/chat/config.json`.
///
/// ```
/// assert_eq!(pie_storage_core::chat::chat_config_path("/a"), "/a/chat/config.json");
/// ```
pub fn chat_config_path(agent_dir: &str) -> String {
    join(&chat_dir(agent_dir), CHAT_CONFIG_FILE)
}

/// `agentDir/chat/cache/<accountId>.json`, the account id sanitized like every segment.
///
/// ```
/// assert_eq!(pie_storage_core::chat::chat_cache_path("/a", "../x"), "/a/chat/cache/.._x.json");
/// ```
pub fn chat_cache_path(agent_dir: &str, account_id: &str) -> String {
    let cache = join(&chat_dir(agent_dir), "cache");
    join(&cache, &format!("{}.json", sanitize_segment(account_id)))
}

/// Every path of the conversation `account_id`/`channel_key`.
///
/// ```
/// let paths = pie_storage_core::chat::conversation_paths("/a", "tg", "-100 42");
/// assert_eq!(paths.channel_log, "/a/chat/accounts/tg/channels/-100_42/channel.jsonl");
/// assert_eq!(paths.lock, "/a/chat/accounts/tg/channels/-100_42/.lock");
/// ```
pub fn conversation_paths(
    agent_dir: &str,
    account_id: &str,
    channel_key: &str,
) -> ConversationPaths {
    let accounts = join(&chat_dir(agent_dir), "accounts");
    let account_dir = join(&accounts, &sanitize_segment(account_id));
    let channel_dir = join(
        &join(&account_dir, "channels"),
        &sanitize_segment(channel_key),
    );
    let workspace_dir = join(&channel_dir, "workspace");
    ConversationPaths {
        shared_memory: join(&join(&account_dir, "shared"), "memory.md"),
        workspace_memory: join(&workspace_dir, "memory.md"),
        incoming_dir: join(&workspace_dir, "incoming"),
        gondolin_dir: join(&channel_dir, "gondolin"),
        channel_log: join(&channel_dir, CHANNEL_LOG_FILE),
        lock: join(&channel_dir, ".lock"),
        account_dir,
        channel_dir,
        workspace_dir,
    }
}
