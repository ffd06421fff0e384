//! The chat state store on real files natively: threads appending to one channel log, file
//! modes, and secrets that appear only in `config.json` (never in `Debug` output or errors).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use pie_storage_core::chat::{
    conversation_paths, to_chat_config_summary, ChatAccount, ChatChannel, ChatId, ChatStateStore,
    ConfigChange, Gondolin, GondolinSecret, Secret,
};
use serde_json::json;

const TOKEN: &str = "7777777:AAH-native-bot-token-SECRET";
const SANDBOX: &str = "ghp_native_GONDOLIN_SECRET";

fn files_under(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|e| {
            let path = e.unwrap().path();
            if path.is_dir() {
                files_under(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

fn account() -> ChatAccount {
    let mut account = ChatAccount::new("telegram");
    account.bot_token = Some(Secret::new(TOKEN));
    let secret = GondolinSecret {
        value: Secret::new(SANDBOX),
        hosts: vec!["api.github.com".into()],
        extra: Default::default(),
    };
    account.gondolin = Some(Gondolin {
        secrets: Some([("GH".to_owned(), secret)].into()),
        extra: Default::default(),
    });
    account
}

#[test]
fn threads_appending_to_one_channel_log_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let agent = dir.path().to_str().unwrap().to_owned();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let agent = agent.clone();
            scope.spawn(move || {
                let store = ChatStateStore::open(agent);
                for i in 0..50 {
                    let event = json!({"id": format!("t{t}_{i}"), "pad": "x".repeat(1000)});
                    store
                        .append_event("tg", "home", event.as_object().unwrap())
                        .unwrap();
                }
            });
        }
    });
    let read = ChatStateStore::open(&agent)
        .read_events("tg", "home", None)
        .unwrap();
    assert_eq!(read.events.len(), 200);
    assert!(read.diagnostics.is_empty());
    let paths = conversation_paths(&agent, "tg", "home");
    assert!(!Path::new(&paths.lock).exists(), "the lock is released");
    let mode = std::fs::metadata(&paths.channel_log)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn secrets_are_only_in_config_json() {
    let dir = tempfile::tempdir().unwrap();
    let store = ChatStateStore::open(dir.path().to_str().unwrap());
    store.set_account("tg", &account()).unwrap();
    store
        .set_channel("tg", "home", &ChatChannel::new(ChatId::Text("-100".into())))
        .unwrap();
    store
        .write_cache("tg", json!({"offset": 1}).as_object().unwrap())
        .unwrap();
    store
        .append_event("tg", "home", json!({"type": "m"}).as_object().unwrap())
        .unwrap();
    let err = store
        .change_config(ConfigChange::SetAccount {
            id: "x".into(),
            account: json!({"service": 5, "botToken": TOKEN})
                .as_object()
                .unwrap()
                .clone(),
        })
        .unwrap_err();
    assert!(!format!("{err:#} {err:?}").contains(TOKEN));

    let read = store.read_config().unwrap();
    for shown in [
        format!("{read:?}"),
        serde_json::to_string(&to_chat_config_summary(&read.config)).unwrap(),
    ] {
        assert!(
            !shown.contains(TOKEN) && !shown.contains(SANDBOX),
            "{shown}"
        );
    }
    assert_eq!(
        read.config.accounts["tg"]
            .bot_token
            .as_ref()
            .map(Secret::expose),
        Some(TOKEN)
    );

    let chat = dir.path().join("chat");
    let holding: Vec<_> = files_under(&chat)
        .into_iter()
        .filter(|f| String::from_utf8_lossy(&std::fs::read(f).unwrap()).contains(TOKEN))
        .collect();
    assert_eq!(holding, [chat.join("config.json")]);
    for file in files_under(&chat) {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
    }
    for folder in [
        chat.clone(),
        chat.join("cache"),
        chat.join("accounts/tg/channels/home"),
    ] {
        let mode = std::fs::metadata(&folder).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{}", folder.display());
    }
}
