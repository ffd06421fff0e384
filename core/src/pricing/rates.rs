//! Prices of one model, USD per million tokens, and their field-by-field merge.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};

/// USD per million tokens for each kind of token. A `None` field is "not priced here": merging
/// keeps the field of the layer below instead (a partial override never yields NaN).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rates {
    /// Prompt tokens not read from or written to the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<f64>,
    /// Completion tokens (reasoning included unless [`Rates::reasoning`] prices them apart).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<f64>,
    /// Prompt tokens served from the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
    /// Prompt tokens written to the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
    /// Reasoning tokens, when priced apart from output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<f64>,
}

impl Rates {
    /// `self` with every field `top` sets replaced by `top`'s.
    pub fn merged_with(self, top: &Rates) -> Rates {
        Rates {
            input: top.input.or(self.input),
            output: top.output.or(self.output),
            cache_read: top.cache_read.or(self.cache_read),
            cache_write: top.cache_write.or(self.cache_write),
            reasoning: top.reasoning.or(self.reasoning),
        }
    }

    /// Rates from a JSON object (`{"input": 3, "output": 15}`); unknown fields and
    /// non-numbers are [`ErrorCode::InvalidInput`].
    ///
    /// ```
    /// let rates = pie_storage_core::pricing::Rates::from_json(&serde_json::json!({"input": 3}))?;
    /// assert_eq!((rates.input, rates.output), (Some(3.0), None));
    /// # Ok::<(), pie_storage_core::Error>(())
    /// ```
    pub fn from_json(value: &serde_json::Value) -> Result<Rates> {
        Rates::deserialize(value).map_err(|_| {
            Error::new(
                ErrorCode::InvalidInput,
                "prices are {input, output, cacheRead, cacheWrite, reasoning} numbers",
            )
        })
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Rates::default()
    }

    /// The first field that is not a finite number ≥ 0, if any (what an override may not hold).
    pub(crate) fn invalid_field(&self) -> Option<&'static str> {
        let fields = [
            ("input", self.input),
            ("output", self.output),
            ("cacheRead", self.cache_read),
            ("cacheWrite", self.cache_write),
            ("reasoning", self.reasoning),
        ];
        fields
            .into_iter()
            .find(|(_, v)| v.is_some_and(|v| !v.is_finite() || v < 0.0))
            .map(|(name, _)| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_unset_fields_of_the_base() {
        let base = Rates {
            input: Some(3.0),
            output: Some(15.0),
            ..Rates::default()
        };
        let top = Rates {
            input: Some(1.0),
            ..Rates::default()
        };
        let merged = base.merged_with(&top);
        assert_eq!((merged.input, merged.output), (Some(1.0), Some(15.0)));
    }
}
