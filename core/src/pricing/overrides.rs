//! User price overrides (`pricing-overrides.json`): per provider and model pattern, a partial
//! [`Rates`] laid over the base table field by field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::pattern::specificity;
use super::rates::Rates;
use crate::error::{Error, ErrorCode, Result};

/// The provider key that applies an override to every provider (below any provider's own key).
pub const ANY_PROVIDER: &str = "*";

/// The overrides: provider id (or [`ANY_PROVIDER`]) → model name or glob → rates.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceOverrides {
    /// Provider → model pattern → the fields it overrides.
    pub overrides: BTreeMap<String, BTreeMap<String, Rates>>,
}

impl PriceOverrides {
    /// The overrides matching `provider`/`model`, least specific first (the order they are laid
    /// over the base): [`ANY_PROVIDER`] before the provider's own key, then globs by literal
    /// length, then an exact name.
    pub(crate) fn matching(&self, provider: &str, model: &str) -> Vec<&Rates> {
        let mut found = Vec::new();
        for (rank, key) in [(0, ANY_PROVIDER), (1, provider)] {
            if rank == 1 && provider == ANY_PROVIDER {
                continue;
            }
            for (pattern, rates) in self.overrides.get(key).into_iter().flatten() {
                if let Some(s) = specificity(pattern, model) {
                    found.push(((rank, s), rates));
                }
            }
        }
        found.sort_by_key(|a| a.0);
        found.into_iter().map(|(_, rates)| rates).collect()
    }

    /// Sets (replaces) the override of `provider`/`model`; refuses empty or invalid rates.
    pub fn set(&mut self, provider: &str, model: &str, rates: Rates) -> Result<()> {
        if provider.is_empty() || model.is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "provider and model must be non-empty",
            ));
        }
        if rates.is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "an override sets at least one price",
            ));
        }
        if let Some(field) = rates.invalid_field() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "a price must be a finite number >= 0",
            )
            .with_field(field));
        }
        self.overrides
            .entry(provider.into())
            .or_default()
            .insert(model.into(), rates);
        Ok(())
    }

    /// Deletes one model's override, or every override of `provider` when `model` is `None`.
    /// Whether anything was deleted.
    pub fn delete(&mut self, provider: &str, model: Option<&str>) -> bool {
        let Some(models) = self.overrides.get_mut(provider) else {
            return false;
        };
        let deleted = match model {
            Some(model) => models.remove(model).is_some(),
            None => !std::mem::take(models).is_empty(),
        };
        if models.is_empty() {
            self.overrides.remove(provider);
        }
        deleted
    }

    /// Parses the content of `pricing-overrides.json` (called `name` in errors); anything but
    /// the documented shape with finite prices ≥ 0 is [`ErrorCode::CorruptFile`].
    ///
    /// ```
    /// use pie_storage_core::pricing::PriceOverrides;
    /// let parsed = PriceOverrides::from_file(br#"{"overrides":{"anthropic":{"claude-*":{"input":2}}}}"#, "f")?;
    /// assert_eq!(parsed.overrides["anthropic"]["claude-*"].input, Some(2.0));
    /// assert!(PriceOverrides::from_file(b"{", "f").is_err());
    /// # Ok::<(), pie_storage_core::Error>(())
    /// ```
    pub fn from_file(bytes: &[u8], name: &str) -> Result<PriceOverrides> {
        let corrupt = || {
            Error::new(
                ErrorCode::CorruptFile,
                "price overrides file cannot be parsed",
            )
            .with_file(name)
        };
        let parsed: PriceOverrides = serde_json::from_slice(bytes).map_err(|_| corrupt())?;
        let valid = parsed
            .overrides
            .values()
            .flat_map(BTreeMap::values)
            .all(|r| r.invalid_field().is_none());
        valid.then_some(parsed).ok_or_else(corrupt)
    }
}

impl crate::io::document::Document for PriceOverrides {
    fn from_file(bytes: &[u8], name: &str) -> Result<Self> {
        PriceOverrides::from_file(bytes, name)
    }

    /// The file's bytes as `JSON.stringify(overrides, null, 2)` writes them, plus a newline.
    fn to_file(&self) -> Vec<u8> {
        let value = serde_json::to_value(self).expect("overrides serialize");
        let mut text = crate::json::to_js_string_pretty(&value);
        text.push('\n');
        text.into_bytes()
    }
}
