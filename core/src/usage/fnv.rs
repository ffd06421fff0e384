//! FNV-1a for maps keyed by short strings (dictionary values, group keys), where SipHash's
//! setup dominates. Not collision-resistant: keys chosen to collide would make a summary slow,
//! never wrong.

use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` builder using [`Fnv`].
pub type FnvBuild = BuildHasherDefault<Fnv>;

#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
