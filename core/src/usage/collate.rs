//! Group keys are ordered as JavaScript's `a.localeCompare(b)` orders them in Node's default
//! locale (en-US): ICU root collation, i.e. punctuation first, then letters ignoring case at the
//! first level, lowercase before uppercase.
//!
//! Natively the bundled ICU4X data does it (feature `icu`, on by default). A JavaScript host can
//! install its own `Intl.Collator("en-US")` instead with [`set_host_collator`], which keeps
//! about a megabyte of collation tables out of the WebAssembly build.

use std::cmp::Ordering;
use std::sync::OnceLock;

/// A `localeCompare`-compatible comparison supplied by the host.
pub type HostCollator = fn(&str, &str) -> Ordering;

static HOST_COLLATOR: OnceLock<HostCollator> = OnceLock::new();

/// Installs the host's collator; the first installation wins.
pub fn set_host_collator(compare: HostCollator) {
    let _ = HOST_COLLATOR.set(compare);
}

/// `a.localeCompare(b)` as an [`Ordering`].
pub fn locale_compare(a: &str, b: &str) -> Ordering {
    if let Some(compare) = HOST_COLLATOR.get() {
        return compare(a, b);
    }
    icu::compare(a, b)
}

#[cfg(feature = "icu")]
mod icu {
    use std::cmp::Ordering;
    use std::sync::OnceLock;

    use icu_collator::options::CollatorOptions;
    use icu_collator::{Collator, CollatorBorrowed};

    fn collator() -> Option<&'static CollatorBorrowed<'static>> {
        static COLLATOR: OnceLock<Option<CollatorBorrowed<'static>>> = OnceLock::new();
        COLLATOR
            .get_or_init(|| Collator::try_new(Default::default(), CollatorOptions::default()).ok())
            .as_ref()
    }

    /// Falls back to code-point order only if the bundled data could not be loaded.
    pub fn compare(a: &str, b: &str) -> Ordering {
        match collator() {
            Some(c) => c.compare(a, b),
            None => a.cmp(b),
        }
    }
}

#[cfg(not(feature = "icu"))]
mod icu {
    use std::cmp::Ordering;

    /// Without ICU data and without a host collator, code-point order is the only choice left;
    /// the wasm build always installs the host's collator at start-up.
    pub fn compare(a: &str, b: &str) -> Ordering {
        a.cmp(b)
    }
}

#[cfg(all(test, feature = "icu"))]
mod tests {
    use super::*;

    #[test]
    fn orders_like_node_default_locale() {
        let mut keys = vec!["Z", "unknown", "B", "b", "a", "/v1/x"];
        keys.sort_by(|a, b| locale_compare(a, b));
        assert_eq!(keys, ["/v1/x", "a", "b", "B", "unknown", "Z"]);
    }

    #[test]
    fn equal_strings_compare_equal() {
        assert_eq!(locale_compare("openai", "openai"), Ordering::Equal);
        assert_eq!(locale_compare("", "a"), Ordering::Less);
    }
}
