//! `agentDir/chat/config.json`: its typed view, how its bytes read (a missing or unreadable file
//! is the documented default plus a diagnostic saying why), how it is written (tab indent and a
//! newline, as the gateway's `JSON.stringify(config, null, "\t") + "\n"`), and the mutations.
//!
//! Mutations work on the file's own JSON object (the *document*), never on the typed view: every
//! key this package does not know stays where it was, byte for byte, and a rewrite changes only
//! what the mutation changes (a blank `botName` reads as `"pie"` but is not rewritten).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::account::{ChatAccount, ChatChannel, Gondolin};
use super::secret::UnknownKeys;
use crate::error::{Error, ErrorCode, Result};

/// The bot name a missing or blank `botName` reads as.
pub const DEFAULT_BOT_NAME: &str = "pie";

/// The chat config: bot name, sandbox secrets and accounts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatConfig {
    /// The bot's name (`"pie"` when the file has none or a blank one).
    #[serde(default, deserialize_with = "nullable_string")]
    pub bot_name: String,
    /// Sandbox secrets for every account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gondolin: Option<Gondolin>,
    /// The bot accounts, by account id.
    #[serde(default)]
    pub accounts: BTreeMap<String, ChatAccount>,
    /// Keys this package does not know, kept as they are.
    #[serde(flatten)]
    pub extra: UnknownKeys,
}

impl Default for ChatConfig {
    fn default() -> Self {
        ChatConfig {
            bot_name: DEFAULT_BOT_NAME.into(),
            gondolin: None,
            accounts: BTreeMap::new(),
            extra: UnknownKeys::default(),
        }
    }
}

fn nullable_string<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// Why a read gave the default config instead of the file's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ConfigProblem {
    /// There is no file (nothing is wrong; a CLI may still say so).
    Missing,
    /// The file is not valid JSON (or not UTF-8).
    InvalidJson,
    /// The file is JSON but not the documented shape.
    InvalidShape,
}

/// What a read of the config reports besides the config: why it is the default. Never quotes
/// the file (it holds bot tokens).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigDiagnostic {
    /// What is wrong.
    pub problem: ConfigProblem,
    /// For people.
    pub message: String,
    /// The part of the config that is wrong (`accounts.tg.channels.general`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// A read of the config: the typed view, and the diagnostic when the file was not used.
/// `Debug` leaves out the file's raw object (it holds the tokens).
#[derive(Clone, PartialEq)]
pub struct ChatConfigRead {
    /// The config (the default when `diagnostic` is set).
    pub config: ChatConfig,
    /// Why the default was used, if it was.
    pub diagnostic: Option<ConfigDiagnostic>,
    /// The file's object as read (with `botName` resolved), what JavaScript receives: it keeps
    /// the file's key order.
    pub(crate) document: Map<String, Value>,
}

impl std::fmt::Debug for ChatConfigRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatConfigRead")
            .field("config", &self.config)
            .field("diagnostic", &self.diagnostic)
            .finish_non_exhaustive()
    }
}

impl ChatConfigRead {
    fn default_because(problem: ConfigProblem, message: &str, path: Option<String>) -> Self {
        ChatConfigRead {
            config: ChatConfig::default(),
            diagnostic: Some(ConfigDiagnostic {
                problem,
                message: message.into(),
                path,
            }),
            document: default_document(),
        }
    }

    /// The read as JavaScript receives it: `{config, diagnostic}` (`null` when the file was used).
    pub(crate) fn to_json(&self) -> Value {
        let diagnostic = self
            .diagnostic
            .as_ref()
            .map(|d| serde_json::to_value(d).expect("diagnostic serializes"))
            .unwrap_or(Value::Null);
        serde_json::json!({ "config": Value::Object(self.document.clone()), "diagnostic": diagnostic })
    }
}

/// The document of a missing file: `{botName: "pie", accounts: {}}`.
pub(crate) fn default_document() -> Map<String, Value> {
    let mut doc = Map::new();
    doc.insert("botName".into(), DEFAULT_BOT_NAME.into());
    doc.insert("accounts".into(), Value::Object(Map::new()));
    doc
}

/// Reads the config file's bytes (`None`: no file). Never fails: what cannot be used reads as
/// the default, with a diagnostic saying why.
///
/// ```
/// use pie_storage_core::chat::{read_chat_config, ConfigProblem};
///
/// let read = read_chat_config(Some(b"{\"botName\": \"  \", \"accounts\": {}}"));
/// assert_eq!((read.config.bot_name.as_str(), read.diagnostic), ("pie", None));
/// let read = read_chat_config(Some(b"{oops"));
/// assert_eq!(read.diagnostic.unwrap().problem, ConfigProblem::InvalidJson);
/// ```
pub fn read_chat_config(bytes: Option<&[u8]>) -> ChatConfigRead {
    let Some(bytes) = bytes else {
        return ChatConfigRead::default_because(
            ConfigProblem::Missing,
            "no chat config file",
            None,
        );
    };
    let doc = match parse_document(bytes) {
        Ok(doc) => doc,
        Err(read) => return *read,
    };
    match typed(&doc) {
        Ok(config) => {
            let mut document = doc;
            if let Some(Value::String(name)) = document.get_mut("botName") {
                if name.trim().is_empty() {
                    *name = DEFAULT_BOT_NAME.into();
                }
            } else {
                document.insert("botName".into(), DEFAULT_BOT_NAME.into());
            }
            if !document.contains_key("accounts") {
                document.insert("accounts".into(), Value::Object(Map::new()));
            }
            ChatConfigRead {
                config,
                diagnostic: None,
                document,
            }
        }
        Err(path) => ChatConfigRead::default_because(
            ConfigProblem::InvalidShape,
            "the chat config is not of the documented shape",
            path,
        ),
    }
}

/// The file's JSON object, or the default read saying why there is none.
fn parse_document(bytes: &[u8]) -> std::result::Result<Map<String, Value>, Box<ChatConfigRead>> {
    let invalid = |message: String| {
        Box::new(ChatConfigRead::default_because(
            ConfigProblem::InvalidJson,
            &message,
            None,
        ))
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|_| invalid("the chat config is not UTF-8 text".into()))?;
    match crate::json::parse(text) {
        Ok(Value::Object(doc)) => Ok(doc),
        Ok(_) => Err(Box::new(ChatConfigRead::default_because(
            ConfigProblem::InvalidShape,
            "the chat config is not a JSON object",
            None,
        ))),
        Err(e) => Err(invalid(format!("the chat config is not valid JSON: {e}"))),
    }
}

/// The typed view of a document, or the path of its first part that is not the documented
/// shape (`None`: the top level). Serde's own messages are not used: they quote values.
fn typed(doc: &Map<String, Value>) -> std::result::Result<ChatConfig, Option<String>> {
    if let Ok(mut config) = serde_json::from_value::<ChatConfig>(Value::Object(doc.clone())) {
        if config.bot_name.trim().is_empty() {
            config.bot_name = DEFAULT_BOT_NAME.into();
        }
        return Ok(config);
    }
    let Some(Value::Object(accounts)) = doc.get("accounts") else {
        return Err(doc.contains_key("accounts").then(|| "accounts".into()));
    };
    for (id, account) in accounts {
        if serde_json::from_value::<ChatAccount>(account.clone()).is_ok() {
            continue;
        }
        let channels = account.get("channels").and_then(Value::as_object);
        let bad_channel = channels.into_iter().flatten().find(|(_, channel)| {
            serde_json::from_value::<ChatChannel>((*channel).clone()).is_err()
        });
        return Err(Some(match bad_channel {
            Some((key, _)) => format!("accounts.{id}.channels.{key}"),
            None => format!("accounts.{id}"),
        }));
    }
    Err(None)
}

/// Parses a config given as a JSON value (a JavaScript argument); not the documented shape is
/// `PIE_INVALID_INPUT`.
pub(crate) fn config_of(value: &Value) -> Result<ChatConfig> {
    let Value::Object(doc) = value else {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            "a chat config is an object",
        ));
    };
    typed(doc).map_err(|path| {
        let e = Error::new(
            ErrorCode::InvalidInput,
            "the chat config is not of the documented shape",
        );
        match path {
            Some(path) => e.with_field(path),
            None => e,
        }
    })
}

/// The file's bytes for `doc`: `JSON.stringify(doc, null, "\t") + "\n"`.
pub(crate) fn document_bytes(doc: &Map<String, Value>) -> Vec<u8> {
    let mut text = crate::json::to_js_string_indented(&Value::Object(doc.clone()), "\t");
    text.push('\n');
    text.into_bytes()
}

/// The config as the file writes it (tab indent plus newline), for a config built in Rust.
///
/// ```
/// let bytes = pie_storage_core::chat::chat_config_file_bytes(&Default::default());
/// assert_eq!(bytes, b"{\n\t\"botName\": \"pie\",\n\t\"accounts\": {}\n}\n");
/// ```
pub fn chat_config_file_bytes(config: &ChatConfig) -> Vec<u8> {
    match serde_json::to_value(config).expect("config serializes") {
        Value::Object(doc) => document_bytes(&doc),
        _ => unreachable!("a struct serializes as an object"),
    }
}

/// A config mutation, applied to the file's document.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigChange {
    /// Sets (replaces) an account; the object is one [`ChatAccount`] reads.
    SetAccount {
        /// The account id.
        id: String,
        /// The account's JSON object.
        account: Map<String, Value>,
    },
    /// Removes an account.
    RemoveAccount {
        /// The account id.
        id: String,
    },
    /// Sets (replaces) a channel of an existing account.
    SetChannel {
        /// The account id.
        account_id: String,
        /// The channel key.
        key: String,
        /// The channel's JSON object (one [`ChatChannel`] reads).
        channel: Map<String, Value>,
    },
    /// Removes a channel of an existing account.
    RemoveChannel {
        /// The account id.
        account_id: String,
        /// The channel key.
        key: String,
    },
    /// Sets the bot name.
    SetBotName(String),
}

fn invalid(message: &str, field: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message).with_field(field)
}

fn non_empty(text: &str, field: &str) -> Result<()> {
    match text.is_empty() {
        true => Err(invalid("must be a non-empty string", field)),
        false => Ok(()),
    }
}

impl ConfigChange {
    /// Sets a typed account.
    pub fn set_account(id: impl Into<String>, account: &ChatAccount) -> Self {
        ConfigChange::SetAccount {
            id: id.into(),
            account: object_of(account),
        }
    }

    /// Sets a typed channel.
    pub fn set_channel(
        account_id: impl Into<String>,
        key: impl Into<String>,
        channel: &ChatChannel,
    ) -> Self {
        ConfigChange::SetChannel {
            account_id: account_id.into(),
            key: key.into(),
            channel: object_of(channel),
        }
    }

    /// Refuses ids, keys, accounts and channels that are not of the documented shape (messages
    /// never quote a value: an account holds its bot token).
    pub(crate) fn check(&self) -> Result<()> {
        match self {
            ConfigChange::SetAccount { id, account } => {
                non_empty(id, "accountId")?;
                serde_json::from_value::<ChatAccount>(Value::Object(account.clone()))
                    .map(drop)
                    .map_err(|_| invalid("not a chat account", "account"))
            }
            ConfigChange::RemoveAccount { id } => non_empty(id, "accountId"),
            ConfigChange::SetChannel {
                account_id,
                key,
                channel,
            } => {
                non_empty(account_id, "accountId")?;
                non_empty(key, "channelKey")?;
                serde_json::from_value::<ChatChannel>(Value::Object(channel.clone()))
                    .map(drop)
                    .map_err(|_| invalid("not a chat channel", "channel"))
            }
            ConfigChange::RemoveChannel { account_id, key } => {
                non_empty(account_id, "accountId")?;
                non_empty(key, "channelKey")
            }
            ConfigChange::SetBotName(_) => Ok(()),
        }
    }

    /// Applies the change to a document of the documented shape; the result is whether
    /// something was removed (`true` for sets). An account of a channel change that does not
    /// exist is `PIE_NOT_FOUND`.
    pub(crate) fn apply(self, doc: &mut Map<String, Value>) -> Result<bool> {
        match self {
            ConfigChange::SetAccount { id, mut account } => {
                if !account.contains_key("channels") {
                    account.insert("channels".into(), Value::Object(Map::new()));
                }
                accounts(doc).insert(id, Value::Object(account));
                Ok(true)
            }
            ConfigChange::RemoveAccount { id } => Ok(accounts(doc).shift_remove(&id).is_some()),
            ConfigChange::SetChannel {
                account_id,
                key,
                channel,
            } => {
                channels(doc, &account_id)?.insert(key, Value::Object(channel));
                Ok(true)
            }
            ConfigChange::RemoveChannel { account_id, key } => {
                Ok(channels(doc, &account_id)?.shift_remove(&key).is_some())
            }
            ConfigChange::SetBotName(name) => {
                doc.insert("botName".into(), name.into());
                Ok(true)
            }
        }
    }
}

fn object_of(value: &impl Serialize) -> Map<String, Value> {
    match serde_json::to_value(value).expect("chat types serialize") {
        Value::Object(map) => map,
        _ => unreachable!("a struct serializes as an object"),
    }
}

/// The document's `accounts` object, added when the file has none.
fn accounts(doc: &mut Map<String, Value>) -> &mut Map<String, Value> {
    let slot = doc
        .entry("accounts")
        .or_insert_with(|| Value::Object(Map::new()));
    match slot {
        Value::Object(map) => map,
        // The shape was checked before any change is applied.
        _ => unreachable!("accounts is an object in a checked document"),
    }
}

fn channels<'d>(
    doc: &'d mut Map<String, Value>,
    account_id: &str,
) -> Result<&'d mut Map<String, Value>> {
    let account = accounts(doc)
        .get_mut(account_id)
        .and_then(Value::as_object_mut);
    let account = account.ok_or_else(|| {
        Error::new(ErrorCode::NotFound, "no such chat account").with_field("accountId")
    })?;
    let slot = account
        .entry("channels")
        .or_insert_with(|| Value::Object(Map::new()));
    Ok(slot
        .as_object_mut()
        .expect("channels is an object in a checked document"))
}

/// Whether `doc` (a parsed file) is of the documented shape, so that it may be changed.
pub(crate) fn is_valid_document(doc: &Map<String, Value>) -> bool {
    typed(doc).is_ok()
}

/// The document of the file's bytes when they can be changed: a missing file is the default
/// document; a file that cannot be read as a config is `PIE_CORRUPT_FILE` (never overwritten).
pub(crate) fn changeable_document(bytes: Option<&[u8]>, name: &str) -> Result<Map<String, Value>> {
    let Some(bytes) = bytes else {
        return Ok(default_document());
    };
    match parse_document(bytes) {
        Ok(doc) if is_valid_document(&doc) => Ok(doc),
        _ => Err(Error::new(
            ErrorCode::CorruptFile,
            "the chat config cannot be parsed; it is left as it is",
        )
        .with_file(name)),
    }
}
