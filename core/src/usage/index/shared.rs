//! One index per file per process: every store opened on the same path uses the same index,
//! so a second store costs nothing and sees what the first already read.
//!
//! A call that panics while it holds the index may leave it half updated, so the index is
//! then dropped and the next call starts over from the file (or its saved copy). Natively the
//! panic unwinds through the guard, which puts back an empty index; in WebAssembly without
//! threads a panic traps and nothing unwinds, so the guard is never dropped: the next call
//! finds the index still out, which with one thread can only mean abandoned, and starts over
//! instead of failing forever ("cannot recursively acquire mutex").

use std::collections::{HashMap, VecDeque};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};

use super::UsageIndex;

/// Whether another thread may be holding the index (so waiting for it makes sense).
const THREADS: bool = !cfg!(all(target_family = "wasm", not(target_feature = "atomics")));

/// Counts the panics of this process. Without threads, an index still out from an earlier
/// count was abandoned by a call that trapped; one out in the current count belongs to a paused
/// operation and is waited for.
static PANICS: AtomicU64 = AtomicU64::new(0);

/// Called by a panic hook: indexes held by the interrupted call are taken as abandoned.
#[doc(hidden)]
pub fn after_panic() {
    PANICS.fetch_add(1, Ordering::SeqCst);
}

/// An index shared between stores.
#[derive(Clone, Default)]
pub struct SharedIndex(Arc<Slot>);

struct Slot {
    /// The index, `None` while a guard has it out.
    index: Mutex<Option<UsageIndex>>,
    returned: Condvar,
    /// [`PANICS`] when the index was last taken out.
    taken_at: AtomicU64,
    /// The operations waiting for the index, first come first served: `(ticket, PANICS at
    /// arrival)`. Without a queue, waiters polling a step at a time win at random and some
    /// wait for seconds under load.
    queue: Mutex<VecDeque<(u64, u64)>>,
    next_ticket: AtomicU64,
}

/// An operation's place in the index's queue; leaving the queue when dropped (an operation
/// abandoned while it waits must not hold up the ones behind it).
pub(crate) struct Turn<'a> {
    slot: &'a Slot,
    ticket: u64,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut queue = self.slot.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.retain(|(t, _)| *t != self.ticket);
    }
}

/// Exclusive use of a shared index until dropped.
pub struct IndexGuard<'a> {
    slot: &'a Slot,
    index: UsageIndex,
}

impl SharedIndex {
    /// The index, waiting while another thread has it.
    #[cfg(test)]
    pub fn lock(&self) -> IndexGuard<'_> {
        let slot = &*self.0;
        let mut held = slot.index.lock().unwrap_or_else(|e| e.into_inner());
        while held.is_none() && THREADS {
            held = slot.returned.wait(held).unwrap_or_else(|e| e.into_inner());
        }
        slot.taken_at
            .store(PANICS.load(Ordering::SeqCst), Ordering::SeqCst);
        let index = held.take().unwrap_or_default();
        IndexGuard { slot, index }
    }

    /// The index if no other operation has it; `None` while one has it out (the caller pauses a
    /// step and asks again). Never blocks, natively either: the holder may be a paused
    /// operation of this very thread, which only this thread's host can resume (a host that
    /// drives operations step by step interleaves them), so waiting for it here would deadlock.
    /// Without threads, an index still out from before the last trap was abandoned by the
    /// trapped call and is started over.
    pub(crate) fn try_lock(&self) -> Option<IndexGuard<'_>> {
        self.try_lock_with(THREADS)
    }

    /// A place in the queue for the index; pass it to [`SharedIndex::try_lock_turn`].
    pub(crate) fn turn(&self) -> Turn<'_> {
        let slot = &*self.0;
        let ticket = slot.next_ticket.fetch_add(1, Ordering::SeqCst);
        let mut queue = slot.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.push_back((ticket, PANICS.load(Ordering::SeqCst)));
        Turn { slot, ticket }
    }

    /// [`SharedIndex::try_lock`] for the operation at the head of the queue only. Without
    /// threads, places taken before the last trap belong to trapped calls and are skipped.
    pub(crate) fn try_lock_turn(&self, turn: &Turn<'_>) -> Option<IndexGuard<'_>> {
        let slot = &*self.0;
        {
            let mut queue = slot.queue.lock().unwrap_or_else(|e| e.into_inner());
            let now = PANICS.load(Ordering::SeqCst);
            while !THREADS
                && queue
                    .front()
                    .is_some_and(|(t, at)| *at != now && *t != turn.ticket)
            {
                queue.pop_front();
            }
            if queue.front().map(|(t, _)| *t) != Some(turn.ticket) {
                return None;
            }
        }
        let guard = self.try_lock()?;
        slot.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front();
        Some(guard)
    }

    /// [`SharedIndex::try_lock`]; `threads: false` as a build without threads runs it.
    fn try_lock_with(&self, threads: bool) -> Option<IndexGuard<'_>> {
        let slot = &*self.0;
        let mut held = slot.index.lock().unwrap_or_else(|e| e.into_inner());
        let now = PANICS.load(Ordering::SeqCst);
        let abandoned = !threads && slot.taken_at.load(Ordering::SeqCst) != now;
        let index = match held.take() {
            Some(index) => index,
            None if abandoned => UsageIndex::new(),
            None => return None,
        };
        slot.taken_at.store(now, Ordering::SeqCst);
        Some(IndexGuard { slot, index })
    }

    /// Whether both handles name the same index.
    #[cfg(test)]
    pub fn same(&self, other: &SharedIndex) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Default for Slot {
    fn default() -> Self {
        Slot {
            index: Mutex::new(Some(UsageIndex::new())),
            returned: Condvar::new(),
            taken_at: AtomicU64::new(0),
            queue: Mutex::new(VecDeque::new()),
            next_ticket: AtomicU64::new(0),
        }
    }
}

impl Drop for IndexGuard<'_> {
    /// Puts the index back, or an empty one when a panic interrupted its update.
    fn drop(&mut self) {
        let index = std::mem::take(&mut self.index);
        let index = if std::thread::panicking() {
            UsageIndex::new()
        } else {
            index
        };
        *self.slot.index.lock().unwrap_or_else(|e| e.into_inner()) = Some(index);
        self.slot.returned.notify_one();
    }
}

impl Deref for IndexGuard<'_> {
    type Target = UsageIndex;
    fn deref(&self) -> &UsageIndex {
        &self.index
    }
}

impl DerefMut for IndexGuard<'_> {
    fn deref_mut(&mut self) -> &mut UsageIndex {
        &mut self.index
    }
}

type Registry = Mutex<HashMap<String, Weak<Slot>>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The index for `key` (a file's absolute path), created on first use. It lives as long as
/// some store holds it.
pub fn shared_index(key: &str) -> SharedIndex {
    let mut map = registry().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(slot) = map.get(key).and_then(Weak::upgrade) {
        return SharedIndex(slot);
    }
    map.retain(|_, weak| weak.strong_count() > 0);
    let index = SharedIndex::default();
    map.insert(key.to_owned(), Arc::downgrade(&index.0));
    index
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemoryStorage;

    #[test]
    fn same_key_same_index_until_dropped() {
        let a = shared_index("/tmp/pie-shared-test/usage.jsonl");
        let b = shared_index("/tmp/pie-shared-test/usage.jsonl");
        assert!(a.same(&b));
        let other = shared_index("/tmp/pie-shared-test/other.jsonl");
        assert!(!a.same(&other));
        let weak = Arc::downgrade(&a.0);
        drop((a, b));
        assert!(weak.upgrade().is_none());
    }

    fn indexed(shared: &SharedIndex) -> usize {
        let storage = MemoryStorage::with_content(b"{\"status\":\"success\"}\n".repeat(3));
        let mut index = shared.lock();
        let io = crate::io::Io::default();
        crate::io::Host::of(&storage)
            .run(&io, index.refresh(&io))
            .unwrap();
        index.rows()
    }

    #[test]
    fn a_panic_while_held_drops_the_index_instead_of_poisoning_it() {
        let shared = SharedIndex::default();
        assert_eq!(indexed(&shared), 3);
        let caught = std::panic::catch_unwind(|| {
            let _held = shared.lock();
            panic!("interrupted in the middle of an update");
        });
        assert!(caught.is_err());
        assert!(shared.lock().is_unread(), "the interrupted index was kept");
        assert_eq!(indexed(&shared), 3);
    }

    #[test]
    fn without_threads_an_abandoned_index_is_started_over() {
        let shared = SharedIndex::default();
        assert_eq!(indexed(&shared), 3);
        // What a trapped WebAssembly call leaves: a guard that is never dropped, and a panic.
        std::mem::forget(shared.lock());
        after_panic();
        let index = shared
            .try_lock_with(false)
            .expect("an abandoned index is taken");
        assert!(index.is_unread());
        drop(index);
        assert_eq!(indexed(&shared), 3);
    }
}
