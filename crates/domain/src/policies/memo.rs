//! Short-lived, per-node memory of what a decision reads from the database: the principal
//! (user, effective roles, groups, permissions) and the relations ACL entries give it on a
//! resource. Without it a decision costs about ten database reads; with it, none while warm.
//!
//! An entry is used for at most the time-to-live (`policies.recheck_secs`), and not at all
//! after a change through the same [`crate::Store`]: role, group, ACL and account-status
//! changes raise the store's [`Changes`] generation, which every entry remembers. Changes
//! made on another node apply here within the time-to-live, like a policy set stored there.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The generation of what decisions read, raised by every change that can alter a
/// principal or its relations. Clones (one per service built on a store) share it.
#[derive(Debug, Clone, Default)]
pub struct Changes(Arc<AtomicU64>);

impl Changes {
    /// Marks every remembered principal and relation as stale. Called by the services that
    /// change roles, groups, memberships, ACL entries or account status.
    pub fn changed(&self) {
        self.0.fetch_add(1, Ordering::Release);
    }

    /// The current generation, to pass to [`Memo::put`] after a load.
    pub(crate) fn generation(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
}

#[derive(Debug)]
struct Entry<V> {
    filled: Instant,
    generation: u64,
    value: V,
}

/// A bounded map whose entries expire after `ttl` or at the next change. Clones share it.
#[derive(Debug)]
pub(crate) struct Memo<K, V> {
    entries: Arc<Mutex<HashMap<K, Entry<V>>>>,
    changes: Changes,
    ttl: Duration,
    capacity: usize,
}

impl<K, V> Clone for Memo<K, V> {
    fn clone(&self) -> Self {
        Self {
            entries: self.entries.clone(),
            changes: self.changes.clone(),
            ttl: self.ttl,
            capacity: self.capacity,
        }
    }
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    /// A memo keeping at most `capacity` entries for `ttl` each (`ttl` zero: keeps nothing).
    pub(crate) fn new(changes: &Changes, ttl: Duration, capacity: usize) -> Self {
        Self {
            entries: Arc::default(),
            changes: changes.clone(),
            ttl,
            capacity,
        }
    }

    /// The remembered value of `key`, when it is fresh.
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.lock();
        let entry = entries.get(key)?;
        (entry.generation == self.changes.generation() && entry.filled.elapsed() < self.ttl)
            .then(|| entry.value.clone())
    }

    /// The generation to pass to [`Memo::put`] once a value is loaded.
    pub(crate) fn generation(&self) -> u64 {
        self.changes.generation()
    }

    /// Remembers `value` for `key`. `generation` is the one read before the value was
    /// loaded, so a change made during the load is not hidden.
    pub(crate) fn put(&self, key: K, value: V, generation: u64) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.capacity {
            let now = self.changes.generation();
            entries.retain(|_, e| e.generation == now && e.filled.elapsed() < self.ttl);
            // Still full of fresh entries: start over rather than grow without bound.
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                filled: Instant::now(),
                generation,
                value,
            },
        );
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, Entry<V>>> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_forgotten_after_a_change_or_its_time() {
        let changes = Changes::default();
        let memo: Memo<&str, u32> = Memo::new(&changes, Duration::from_secs(60), 10);
        memo.put("a", 1, changes.generation());
        assert_eq!(memo.get(&"a"), Some(1));
        changes.changed();
        assert_eq!(memo.get(&"a"), None);

        let stale = changes.generation();
        changes.changed();
        memo.put("b", 2, stale);
        assert_eq!(memo.get(&"b"), None, "a change during the load wins");

        let short: Memo<&str, u32> = Memo::new(&changes, Duration::from_millis(1), 10);
        short.put("a", 1, changes.generation());
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(short.get(&"a"), None, "expired");

        let none: Memo<&str, u32> = Memo::new(&changes, Duration::ZERO, 10);
        none.put("a", 1, changes.generation());
        assert_eq!(none.get(&"a"), None);
    }

    #[test]
    fn a_full_memo_does_not_grow() {
        let changes = Changes::default();
        let memo: Memo<u32, u32> = Memo::new(&changes, Duration::from_secs(60), 4);
        for i in 0..100 {
            memo.put(i, i, changes.generation());
        }
        assert!(memo.lock().len() <= 4);
    }
}
