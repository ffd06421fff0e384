//! Record ids: `prefix_` + a lowercase v4 UUID, as `createUsageRecordId` makes them.

use crate::error::{Error, Result};

/// Formats 16 random bytes as `prefix_xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` (RFC 4122 v4).
/// Randomness is injected so the core stays deterministic under test.
pub fn usage_record_id_from_bytes(prefix: &str, bytes: [u8; 16]) -> String {
    format!("{prefix}_{}", crate::env::uuid_v4(bytes))
}

/// `createUsageRecordId(prefix = "usage")` with the platform's secure random source.
pub fn create_usage_record_id(prefix: &str) -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Error::storage(format!("no random source: {e}")))?;
    Ok(usage_record_id_from_bytes(prefix, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_a_v4_uuid() {
        let id = usage_record_id_from_bytes("usage", [0xff; 16]);
        assert_eq!(id, "usage_ffffffff-ffff-4fff-bfff-ffffffffffff");
        let id = usage_record_id_from_bytes("request", [0; 16]);
        assert_eq!(id, "request_00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn random_ids_differ_and_have_the_shape() {
        let a = create_usage_record_id("usage").unwrap();
        let b = create_usage_record_id("usage").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), "usage_".len() + 36);
        assert_eq!(&a[6 + 14..6 + 15], "4");
    }
}
