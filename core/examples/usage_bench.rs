//! Cold-start measurement for `npm run bench`: one process, one summary of a usage file.
//!
//! ```sh
//! cargo run --release -p pie-storage-core --features fs --example usage_bench -- <usage.jsonl> <saved|memory> [provider] [from]
//! ```
//!
//! `saved` uses (and writes) the index saved beside the file; `memory` indexes the file from
//! scratch without saving. Prints one JSON line: `{"ms": …, "summary": …}`, where `ms` runs from
//! opening the store to having the summary.

use std::time::Instant;

use pie_storage_core::json::to_js_string;
use pie_storage_core::storage::FileStorage;
use pie_storage_core::usage::{DateBound, JsonlUsageStore, UsageRecordQuery};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, mode, rest @ ..] = args.as_slice() else {
        return Err("usage: usage_bench <usage.jsonl> <saved|memory> [provider] [from]".into());
    };
    let query = UsageRecordQuery {
        provider: rest.first().map(|p| p.as_str().into()),
        from: rest.get(1).map(|f| DateBound::Text(f.clone())),
        ..Default::default()
    };
    let start = Instant::now();
    let summary = match mode.as_str() {
        "saved" => JsonlUsageStore::open(path).summarize_usage(&query)?,
        _ => JsonlUsageStore::new(FileStorage::new(path)).summarize_usage(&query)?,
    };
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let summary = to_js_string(&serde_json::to_value(&summary)?);
    println!("{{\"ms\":{ms},\"summary\":{summary}}}");
    Ok(())
}
