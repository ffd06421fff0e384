//! The chat state's store operations as steps, and [`ChatStateStore`] running them natively.
//!
//! Each operation works on one file, which [`ChatCall::file`] names (the config, one account's
//! cache, one channel's log): a host carries out the operation's requests on that file (its
//! [`Blob::Data`](crate::io::Blob::Data)), so the lock, replace and append rules are the ones
//! every other store uses.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use super::account::{ChatAccount, ChatChannel};
use super::cache::{cache_write, read_cache, ChatCacheRead};
use super::config::{
    changeable_document, document_bytes, read_chat_config, ChatConfigRead, ConfigChange,
};
use super::document::{change_file, read_file};
use super::layout::{chat_cache_path, chat_config_path, conversation_paths};
use super::log::{append_event, read_events, ChannelEvents};
use crate::env::{Random, SystemRandom};
use crate::error::{Error, ErrorCode, Result};
use crate::io::{Host, Io, LockTiming, Operation};
use crate::storage::{ByteStorage, MemoryStorage};

/// One chat state operation.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatCall {
    /// Reads the config (never fails on content: see [`read_chat_config`]).
    ReadConfig,
    /// Changes the config; the result is whether something was removed (`true` for sets).
    ChangeConfig(ConfigChange),
    /// Reads an account's cache.
    ReadCache {
        /// The account id.
        account_id: String,
    },
    /// Writes (replaces) an account's cache; the result is whether the file changed.
    WriteCache {
        /// The account id.
        account_id: String,
        /// The cache object.
        value: Map<String, Value>,
    },
    /// Appends one event to a channel's log.
    AppendEvent {
        /// The account id.
        account_id: String,
        /// The channel key.
        channel_key: String,
        /// The event (one JSON object, one line).
        event: Map<String, Value>,
    },
    /// Reads a channel's events, or its last `tail` ones.
    ReadEvents {
        /// The account id.
        account_id: String,
        /// The channel key.
        channel_key: String,
        /// How many of the last events to return (`None`: all).
        tail: Option<usize>,
    },
}

impl ChatCall {
    /// The one file under `agent_dir` the operation works on.
    ///
    /// ```
    /// use pie_storage_core::chat::ChatCall;
    /// let call = ChatCall::ReadCache { account_id: "tg".into() };
    /// assert_eq!(call.file("/agent"), "/agent/chat/cache/tg.json");
    /// ```
    pub fn file(&self, agent_dir: &str) -> String {
        match self {
            ChatCall::ReadConfig | ChatCall::ChangeConfig(_) => chat_config_path(agent_dir),
            ChatCall::ReadCache { account_id } | ChatCall::WriteCache { account_id, .. } => {
                chat_cache_path(agent_dir, account_id)
            }
            ChatCall::AppendEvent {
                account_id,
                channel_key,
                ..
            }
            | ChatCall::ReadEvents {
                account_id,
                channel_key,
                ..
            } => conversation_paths(agent_dir, account_id, channel_key).channel_log,
        }
    }
}

/// The I/O-free steps of the chat state under one agent folder; hosts drive them
/// ([`ChatStateStore`] synchronously, the Node host step by step) on the file
/// [`ChatCall::file`] names.
pub struct ChatState {
    agent_dir: String,
    random: Box<dyn Random>,
    lock: LockTiming,
}

impl ChatState {
    /// The chat state of `agent_dir`.
    pub fn new(agent_dir: impl Into<String>) -> Self {
        ChatState {
            agent_dir: agent_dir.into(),
            random: Box::new(SystemRandom),
            lock: LockTiming::default(),
        }
    }

    /// The file `call` works on.
    pub fn file(&self, call: &ChatCall) -> String {
        call.file(&self.agent_dir)
    }

    /// `call` as an operation a host drives step by step, on the file [`ChatState::file`]
    /// names; its value is what JavaScript receives.
    pub fn operation(self: &Rc<Self>, call: ChatCall) -> Operation<'static, Value> {
        let state = self.clone();
        Operation::new(move |io| async move { state.call(&io, call).await })
    }

    async fn call(&self, io: &Io, call: ChatCall) -> Result<Value> {
        let name = self.file(&call);
        Ok(match call {
            ChatCall::ReadConfig => self.read_config(io).await?.to_json(),
            ChatCall::ChangeConfig(change) => {
                Value::Bool(self.change_config(io, change, &name).await?)
            }
            ChatCall::ReadCache { .. } => to_json(&self.read_cache(io).await?),
            ChatCall::WriteCache { value, .. } => {
                Value::Bool(self.write_cache(io, &value, &name).await?)
            }
            ChatCall::AppendEvent { event, .. } => {
                append_event(io, self.lock, &event).await?;
                Value::Null
            }
            ChatCall::ReadEvents { tail, .. } => to_json(&self.read_events(io, tail).await?),
        })
    }

    pub(crate) async fn read_config(&self, io: &Io) -> Result<ChatConfigRead> {
        Ok(read_chat_config(read_file(io).await?.as_deref()))
    }

    /// One locked read-modify-write of the config; an unchanged document is not written.
    pub(crate) async fn change_config(
        &self,
        io: &Io,
        change: ConfigChange,
        name: &str,
    ) -> Result<bool> {
        change.check()?;
        change_file(io, self.lock, self.random.as_ref(), |bytes| {
            let mut doc = changeable_document(bytes, name)?;
            let before = bytes.is_some().then(|| doc.clone());
            let out = change.apply(&mut doc)?;
            let write = (before.as_ref() != Some(&doc)).then(|| document_bytes(&doc));
            Ok((out, write))
        })
        .await
    }

    pub(crate) async fn read_cache(&self, io: &Io) -> Result<ChatCacheRead> {
        Ok(read_cache(read_file(io).await?.as_deref()))
    }

    pub(crate) async fn write_cache(
        &self,
        io: &Io,
        value: &Map<String, Value>,
        name: &str,
    ) -> Result<bool> {
        change_file(io, self.lock, self.random.as_ref(), |bytes| {
            let write = cache_write(bytes, value, name)?;
            Ok((write.is_some(), write))
        })
        .await
    }

    pub(crate) async fn read_events(&self, io: &Io, tail: Option<usize>) -> Result<ChannelEvents> {
        Ok(read_events(read_file(io).await?.as_deref(), tail))
    }
}

fn to_json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("chat results serialize")
}

/// The chat state of an agent folder over [`ByteStorage`]s: `open(path)` gives the storage of
/// each file the operations name (a [`FileStorage`](crate::FileStorage) natively, see
/// [`ChatStateStore::open`]).
///
/// ```
/// use pie_storage_core::chat::{ChatAccount, ChatChannel, ChatId, ChatStateStore, Secret};
///
/// let store = ChatStateStore::in_memory("/agent");
/// let mut account = ChatAccount::new("telegram");
/// account.bot_token = Some(Secret::new("123:abc"));
/// store.set_account("tg", &account)?;
/// store.set_channel("tg", "home", &ChatChannel::new(ChatId::Text("42".into())))?;
/// store.append_event("tg", "home", serde_json::json!({"type": "message"}).as_object().unwrap())?;
/// assert_eq!(store.read_events("tg", "home", None)?.events.len(), 1);
/// assert_eq!(store.read_config()?.config.accounts["tg"].channels.len(), 1);
/// # Ok::<(), pie_storage_core::Error>(())
/// ```
pub struct ChatStateStore<S: ByteStorage> {
    state: ChatState,
    open: Box<dyn Fn(&str) -> S>,
}

impl<S: ByteStorage> ChatStateStore<S> {
    /// The chat state of `agent_dir`, each file's storage given by `open(path)`.
    pub fn new(agent_dir: impl Into<String>, open: impl Fn(&str) -> S + 'static) -> Self {
        ChatStateStore {
            state: ChatState::new(agent_dir),
            open: Box::new(open),
        }
    }

    fn run<T>(
        &self,
        call: &ChatCall,
        f: impl AsyncFnOnce(&ChatState, &Io, &str) -> Result<T>,
    ) -> Result<T> {
        let name = self.state.file(call);
        let storage = (self.open)(&name);
        let io = Io::default();
        Host::of(&storage).run(&io, f(&self.state, &io, &name))
    }

    /// Runs `call`, giving what JavaScript receives (the binding layer's names build the call).
    pub fn call(&self, call: ChatCall) -> Result<Value> {
        let name = self.state.file(&call);
        let storage = (self.open)(&name);
        let io = Io::default();
        Host::of(&storage).run(&io, self.state.call(&io, call))
    }

    /// Reads the config: the default plus a diagnostic when the file is missing or unusable.
    pub fn read_config(&self) -> Result<ChatConfigRead> {
        self.run(&ChatCall::ReadConfig, async |s, io, _| {
            s.read_config(io).await
        })
    }

    /// Applies one change to the config (see [`ChatCall::ChangeConfig`]).
    pub fn change_config(&self, change: ConfigChange) -> Result<bool> {
        let call = ChatCall::ChangeConfig(change.clone());
        self.run(&call, async |s, io, name| {
            s.change_config(io, change, name).await
        })
    }

    /// Sets (replaces) an account.
    pub fn set_account(&self, id: &str, account: &ChatAccount) -> Result<()> {
        self.change_config(ConfigChange::set_account(id, account))
            .map(drop)
    }

    /// Removes an account; whether it existed.
    pub fn remove_account(&self, id: &str) -> Result<bool> {
        self.change_config(ConfigChange::RemoveAccount { id: id.into() })
    }

    /// Sets (replaces) a channel of an existing account (`PIE_NOT_FOUND` otherwise).
    pub fn set_channel(&self, account_id: &str, key: &str, channel: &ChatChannel) -> Result<()> {
        self.change_config(ConfigChange::set_channel(account_id, key, channel))
            .map(drop)
    }

    /// Removes a channel; whether it existed.
    pub fn remove_channel(&self, account_id: &str, key: &str) -> Result<bool> {
        self.change_config(ConfigChange::RemoveChannel {
            account_id: account_id.into(),
            key: key.into(),
        })
    }

    /// Sets the bot name.
    pub fn set_bot_name(&self, name: &str) -> Result<()> {
        self.change_config(ConfigChange::SetBotName(name.into()))
            .map(drop)
    }

    /// Reads an account's cache.
    pub fn read_cache(&self, account_id: &str) -> Result<ChatCacheRead> {
        let call = ChatCall::ReadCache {
            account_id: account_id.into(),
        };
        self.run(&call, async |s, io, _| s.read_cache(io).await)
    }

    /// Writes (replaces) an account's cache; whether the file changed.
    pub fn write_cache(&self, account_id: &str, value: &Map<String, Value>) -> Result<bool> {
        let call = ChatCall::ReadCache {
            account_id: account_id.into(),
        };
        self.run(&call, async |s, io, name| {
            s.write_cache(io, value, name).await
        })
    }

    /// Appends one event to a channel's log.
    pub fn append_event(
        &self,
        account_id: &str,
        channel_key: &str,
        event: &Map<String, Value>,
    ) -> Result<()> {
        let call = self.log_call(account_id, channel_key);
        self.run(&call, async |s, io, _| {
            append_event(io, s.lock, event).await
        })
    }

    /// A channel's events (the last `tail` of them when given) and the lines skipped.
    pub fn read_events(
        &self,
        account_id: &str,
        channel_key: &str,
        tail: Option<usize>,
    ) -> Result<ChannelEvents> {
        let call = self.log_call(account_id, channel_key);
        self.run(&call, async |s, io, _| s.read_events(io, tail).await)
    }

    fn log_call(&self, account_id: &str, channel_key: &str) -> ChatCall {
        ChatCall::ReadEvents {
            account_id: account_id.into(),
            channel_key: channel_key.into(),
            tail: None,
        }
    }
}

impl ChatStateStore<Arc<MemoryStorage>> {
    /// The chat state of `agent_dir` in memory (one [`MemoryStorage`] per file), for tests.
    pub fn in_memory(agent_dir: impl Into<String>) -> Self {
        let files: Mutex<HashMap<String, Arc<MemoryStorage>>> = Mutex::default();
        ChatStateStore::new(agent_dir, move |path| {
            let mut files = files.lock().unwrap_or_else(|e| e.into_inner());
            files.entry(path.into()).or_default().clone()
        })
    }
}

#[cfg(feature = "fs")]
impl ChatStateStore<crate::FileStorage> {
    /// The chat state of the agent folder `agent_dir` on disk (files 0600, folders 0700).
    pub fn open(agent_dir: impl Into<String>) -> Self {
        ChatStateStore::new(agent_dir, |path: &str| crate::FileStorage::new(path))
    }
}

/// Refuses an event that is not a JSON object (`PIE_INVALID_INPUT`).
pub(crate) fn event_of(value: Option<&Value>) -> Result<Map<String, Value>> {
    match value {
        Some(Value::Object(map)) => Ok(map.clone()),
        _ => Err(
            Error::new(ErrorCode::InvalidInput, "a channel event is an object").with_field("event"),
        ),
    }
}
