//! Combo rotation (reference §6.8, `getRotatedModels`), with the state handed in and out
//! instead of living in a process-global map.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};
use crate::js_value::{parse_int, to_js_string};

/// Rotation key used when a combo has no name (`comboName || "__default__"`).
pub const DEFAULT_ROTATION_KEY: &str = "__default__";
/// Sticky limit of a combo when none is set: the settings' default, one constant for both.
pub use crate::connections::settings::DEFAULT_COMBO_STICKY_LIMIT;

/// The rotation of one combo: the model the next plan starts at, and how many plans in a row
/// have started there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RotationEntry {
    /// Position of the model the next plan starts at.
    pub index: u64,
    /// Plans in a row that started there (against the sticky limit).
    pub consecutive_use_count: u64,
}

/// Rotation state of every round-robin combo, keyed by combo name (or
/// [`DEFAULT_ROTATION_KEY`]). JSON form: `{"<name>": {"index": n, "consecutiveUseCount": n}}`,
/// keys in code-point order. A missing entry means `{0, 0}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ComboRotation {
    entries: BTreeMap<String, RotationEntry>,
}

impl ComboRotation {
    /// No combo has rotated yet (a fresh process in the reference).
    pub fn new() -> Self {
        Self::default()
    }

    /// The stored entry of `name`, if any.
    pub fn get(&self, name: &str) -> Option<RotationEntry> {
        self.entries.get(name).copied()
    }

    /// Every stored entry, by key.
    pub fn entries(&self) -> &BTreeMap<String, RotationEntry> {
        &self.entries
    }

    /// Replaces the entry of `name`.
    pub fn set(&mut self, name: &str, entry: RotationEntry) {
        self.entries.insert(name.to_owned(), entry);
    }

    /// `resetComboRotation(name?)`: forgets one combo, or all of them when `name` is `None`
    /// or empty.
    pub fn reset(&mut self, name: Option<&str>) {
        match name.filter(|n| !n.is_empty()) {
            Some(n) => {
                self.entries.remove(n);
            }
            None => self.entries.clear(),
        }
    }

    /// Reads the JSON form leniently: missing, `null` or `undefined` is an empty state; an
    /// `index` or `consecutiveUseCount` that is not a non-negative integer reads as 0, and a
    /// non-object entry as `{0, 0}`. Anything but an object at the top is an error.
    pub fn from_value(v: Option<&Value>) -> Result<Self> {
        let map = match v {
            None | Some(Value::Null) => return Ok(Self::new()),
            Some(Value::Object(map)) => map,
            Some(_) => {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    "rotation state must be an object keyed by combo name",
                ))
            }
        };
        let entries = map
            .iter()
            .map(|(name, entry)| {
                let field = |key: &str| entry.get(key).map_or(0, count_value);
                let entry = RotationEntry {
                    index: field("index"),
                    consecutive_use_count: field("consecutiveUseCount"),
                };
                (name.clone(), entry)
            })
            .collect();
        Ok(Self { entries })
    }

    /// The JSON form (see the type docs).
    pub fn to_value(&self) -> Value {
        let entries = self
            .entries
            .iter()
            .map(|(name, e)| {
                let mut entry = Map::new();
                entry.insert("index".into(), Value::from(e.index));
                entry.insert(
                    "consecutiveUseCount".into(),
                    Value::from(e.consecutive_use_count),
                );
                (name.clone(), Value::Object(entry))
            })
            .collect();
        Value::Object(entries)
    }
}

/// A non-negative whole JSON number, else 0.
fn count_value(v: &Value) -> u64 {
    match v.as_f64() {
        // `as` saturates; counts that large never occur in practice.
        Some(n) if n.is_finite() && n >= 0.0 && n.fract() == 0.0 => n as u64,
        _ => 0,
    }
}

/// The router's per-combo `normalizeStickyLimit` (§2.7): `parseInt(String(v), 10)` if it is
/// `> 0`, else [`DEFAULT_COMBO_STICKY_LIMIT`]. So `"abc"`, `0`, `-4`, `null` and a missing
/// value give 1, `"2"` and `2.9` give 2.
pub fn parse_combo_sticky_limit(v: Option<&Value>) -> u64 {
    let parsed = match v {
        Some(v) => parse_int(&to_js_string(v)),
        None => f64::NAN,
    };
    if parsed.is_finite() && parsed > 0.0 {
        parsed as u64
    } else {
        DEFAULT_COMBO_STICKY_LIMIT
    }
}

/// `getRotatedModels` (§6.8). With at most one model, or a strategy other than exactly
/// `"round-robin"`, returns `models` and leaves `rotation` alone. Otherwise returns `models`
/// rotated left by `index % len`, then counts the use: once `count + 1 >= sticky_limit` the
/// index moves to the next model (wrapping, so it stays below `len`) and the count restarts
/// at 0; before that only the count grows (and the index is stored as `index % len`). A
/// `sticky_limit` of 0 behaves like 1.
pub fn rotate_models(
    models: &[String],
    combo_name: &str,
    strategy: &str,
    sticky_limit: u64,
    rotation: &mut ComboRotation,
) -> Vec<String> {
    if models.len() <= 1 || strategy != "round-robin" {
        return models.to_vec();
    }
    let key = if combo_name.is_empty() {
        DEFAULT_ROTATION_KEY
    } else {
        combo_name
    };
    let state = rotation.get(key).unwrap_or_default();
    let len = models.len() as u64;
    let current = state.index % len;
    let mut rotated = models.to_vec();
    // `current < len`, so it fits in usize.
    rotated.rotate_left(current as usize);
    let next = state.consecutive_use_count.saturating_add(1);
    let entry = if next >= sticky_limit {
        RotationEntry {
            index: (current + 1) % len,
            consecutive_use_count: 0,
        }
    } else {
        RotationEntry {
            index: current,
            consecutive_use_count: next,
        }
    };
    rotation.set(key, entry);
    rotated
}
