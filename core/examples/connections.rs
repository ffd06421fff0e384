//! Embedding example: list the provider accounts of a `provider-connections.json` safely (no
//! credentials printed), and optionally add an API-key account.
//!
//! ```sh
//! cargo run -p pie-storage-core --features fs --example connections -- ~/.pie/agent/provider-connections.json
//! cargo run -p pie-storage-core --features fs --example connections -- /tmp/pc.json add openai sk-test
//! ```

use pie_storage_core::connections::{
    to_provider_connection_summary, JsonProviderConnectionStore, Patch, ProviderConnectionStore,
};
use pie_storage_core::json::to_js_string_pretty;
use pie_storage_core::storage::FileStorage;
use serde_json::{json, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or("usage: connections <provider-connections.json> [add <provider> <api key>]")?;
    let store = JsonProviderConnectionStore::new(FileStorage::new(path));
    if let [_, cmd, provider, key] = args.as_slice() {
        if cmd == "add" {
            let input = Patch::new()
                .set("provider", json!(provider))
                .set("authType", json!("apikey"))
                .set("apiKey", json!(key));
            let created = store.create_provider_connection(&input)?;
            println!("created {}", created["id"]);
        }
    }
    let connections: Vec<Value> = store
        .get_provider_connections(&Default::default())?
        .iter()
        .map(|c| Value::Object(to_provider_connection_summary(c)))
        .collect();
    println!("{}", to_js_string_pretty(&Value::Array(connections)));
    let settings = store.get_settings()?;
    println!("fallbackStrategy: {}", settings["fallbackStrategy"]);
    Ok(())
}
