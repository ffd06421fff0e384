//! Truncation of an oversized payload field, in the shape 9router's readers expect.

use serde_json::{json, Value};

use crate::json::to_js_string;

/// How many characters of the field's JSON a truncated field keeps.
pub const PREVIEW_CHARS: usize = 200;

/// `{_truncated: true, _originalSize, _preview}` when the JSON text of `value` is longer than
/// `max` (in UTF-16 units, as JavaScript's `JSON.stringify(v).length`); `None` when it fits.
/// `_preview` is the first 200 UTF-16 units of that text, never splitting a surrogate pair.
///
/// ```
/// use pie_storage_core::details::truncate_field;
/// use serde_json::json;
///
/// assert_eq!(truncate_field(&json!({"a": 1}), 100), None);
/// let marker = truncate_field(&json!("x".repeat(300)), 100).unwrap();
/// assert_eq!(marker["_truncated"], true);
/// assert_eq!(marker["_originalSize"], 302); // the JSON text, quotes included
/// assert_eq!(marker["_preview"].as_str().unwrap().len(), 200);
/// ```
pub fn truncate_field(value: &Value, max: u64) -> Option<Value> {
    let text = to_js_string(value);
    let size: usize = text.chars().map(char::len_utf16).sum();
    if size as u64 <= max {
        return None;
    }
    let mut units = 0;
    let preview: String = text
        .chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= PREVIEW_CHARS
        })
        .collect();
    Some(json!({"_truncated": true, "_originalSize": size, "_preview": preview}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_fields_become_a_marker_with_a_preview() {
        let value = json!({"messages": "x".repeat(300)});
        assert_eq!(truncate_field(&value, 400), None);
        let marker = truncate_field(&value, 100).unwrap();
        let text = to_js_string(&value);
        assert_eq!(marker["_truncated"], true);
        assert_eq!(marker["_originalSize"], text.len());
        assert_eq!(marker["_preview"], text[..200]);
        // 199 ASCII then a pair that would end at unit 201: the pair is left out whole.
        let astral = Value::String(format!("{}😀😀", "a".repeat(198)));
        let cut = truncate_field(&astral, 10).unwrap();
        assert_eq!(
            cut["_preview"].as_str().unwrap().encode_utf16().count(),
            199
        );
    }
}
