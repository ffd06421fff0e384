//! Group keys are ordered as JavaScript's `a.localeCompare(b)` orders them in Node's default
//! locale: ICU root collation (punctuation first, then letters ignoring case at the first level,
//! lowercase before uppercase). ICU4X supplies the same collation data Node's ICU uses.

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

/// `a.localeCompare(b)` as an [`Ordering`]. Falls back to code-point order only if the compiled
/// collation data could not be loaded, which does not happen with the bundled data.
pub fn locale_compare(a: &str, b: &str) -> Ordering {
    match collator() {
        Some(c) => c.compare(a, b),
        None => a.cmp(b),
    }
}

#[cfg(test)]
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
