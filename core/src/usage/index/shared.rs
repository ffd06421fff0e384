//! One index per file per process: every store opened on the same path uses the same index,
//! so a second store costs nothing and sees what the first already read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use super::UsageIndex;

/// An index shared between stores.
pub type SharedIndex = Arc<Mutex<UsageIndex>>;

fn registry() -> &'static Mutex<HashMap<String, Weak<Mutex<UsageIndex>>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<Mutex<UsageIndex>>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The index for `key` (a file's absolute path), created on first use. It lives as long as
/// some store holds it.
pub fn shared_index(key: &str) -> SharedIndex {
    let mut map = registry().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(index) = map.get(key).and_then(Weak::upgrade) {
        return index;
    }
    map.retain(|_, weak| weak.strong_count() > 0);
    let index = Arc::new(Mutex::new(UsageIndex::new()));
    map.insert(key.to_owned(), Arc::downgrade(&index));
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_index_until_dropped() {
        let a = shared_index("/tmp/pie-shared-test/usage.jsonl");
        let b = shared_index("/tmp/pie-shared-test/usage.jsonl");
        assert!(Arc::ptr_eq(&a, &b));
        let other = shared_index("/tmp/pie-shared-test/other.jsonl");
        assert!(!Arc::ptr_eq(&a, &other));
        let weak = Arc::downgrade(&a);
        drop((a, b));
        assert!(weak.upgrade().is_none());
    }
}
