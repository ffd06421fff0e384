//! Chat channel state (reference §8): the gateway's `agentDir/chat/config.json` (accounts, their
//! channels, access policies, sandbox secrets), per-account cache files, the per-conversation
//! folder layout with sanitized segments, and each channel's append-only `channel.jsonl`. The
//! rules are in the README's "Chat channel state" section.

mod account;
mod cache;
mod config;
mod conversations;
mod document;
mod layout;
mod log;
mod policy;
mod secret;
mod store;
mod summary;

pub use account::{ChatAccount, ChatChannel, ChatId, Gondolin, GondolinSecret};
pub use cache::ChatCacheRead;
pub use config::{
    chat_config_file_bytes, read_chat_config, ChatConfig, ChatConfigRead, ConfigChange,
    ConfigDiagnostic, ConfigProblem, DEFAULT_BOT_NAME,
};
pub(crate) use config::{config_of, document_bytes};
pub use conversations::{list_configured_conversations, resolve_conversation, Conversation};
pub use layout::{
    chat_cache_path, chat_config_path, chat_dir, conversation_paths, sanitize_segment,
    ConversationPaths, CHANNEL_LOG_FILE, CHAT_CONFIG_FILE, CHAT_FOLDER,
};
pub use log::ChannelEvents;
pub use policy::{merge_access_policy, AccessPolicy, Trigger};
pub use secret::{Secret, UnknownKeys};
pub(crate) use store::event_of;
pub use store::{ChatCall, ChatState, ChatStateStore};
pub use summary::{to_chat_config_summary, AccountSummary, ChatConfigSummary, SecretSummary};
