//! Embedding example: summarize a `usage.jsonl` natively.
//!
//! ```sh
//! cargo run -p pie-storage-core --features fs --example usage_summary -- ~/.pie/agent/usage.jsonl openai
//! ```

use pie_storage_core::json::to_js_string_pretty;
use pie_storage_core::storage::FileStorage;
use pie_storage_core::usage::{JsonlUsageStore, UsageRecordQuery};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: usage_summary <usage.jsonl> [provider]")?;
    let store = JsonlUsageStore::new(FileStorage::new(&path));
    let query = UsageRecordQuery {
        provider: args.next().map(|p| p.as_str().into()),
        ..Default::default()
    };
    let summary = store.summarize_usage(&query)?;
    println!("{}", to_js_string_pretty(&serde_json::to_value(&summary)?));
    for skipped in store.diagnostics() {
        eprintln!("skipped {:?}: {}", skipped.code, skipped.message);
    }
    Ok(())
}
