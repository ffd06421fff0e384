//! Time and randomness, injected so the core stays deterministic under test. The system
//! implementations are the defaults for embedders and hosts.

/// Wall-clock time in epoch milliseconds.
pub trait Clock: Send + Sync {
    /// Epoch milliseconds.
    fn now_ms(&self) -> f64;
}

/// 16 random bytes per call (ids are v4 UUIDs).
pub trait Random: Send + Sync {
    /// 16 unpredictable bytes (a UUID's worth).
    fn bytes16(&self) -> [u8; 16];
}

/// The system clock (on wasm32, JavaScript's `Date.now()` through chrono).
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> f64 {
        chrono::Utc::now().timestamp_millis() as f64
    }
}

/// The platform's secure random source (on wasm32, `crypto.getRandomValues`).
pub struct SystemRandom;

impl Random for SystemRandom {
    fn bytes16(&self) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        // Without a random source, fall back to time-derived bytes rather than failing a write.
        if getrandom::fill(&mut bytes).is_err() {
            let t = chrono::Utc::now()
                .timestamp_nanos_opt()
                .unwrap_or_default()
                .to_le_bytes();
            bytes[..8].copy_from_slice(&t);
        }
        bytes
    }
}

/// A lowercase v4 UUID from 16 random bytes.
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 0x0f), 16).unwrap_or('0'));
    }
    out
}

/// A fixed clock and a counter-based random source, for tests and reproducible embedding.
pub struct FixedClock(pub f64);

impl Clock for FixedClock {
    fn now_ms(&self) -> f64 {
        self.0
    }
}

/// Deterministic "random" bytes: a counter, so ids differ and are predictable.
#[derive(Default)]
pub struct SequenceRandom(std::sync::atomic::AtomicU64);

impl Random for SequenceRandom {
    fn bytes16(&self) -> [u8; 16] {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let mut bytes = [0u8; 16];
        bytes[8..].copy_from_slice(&n.to_be_bytes());
        bytes
    }
}
