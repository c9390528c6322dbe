//! The in-process cache backend.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Expired entries are swept after this many writes (reads skip them lazily).
const SWEEP_EVERY: u64 = 1024;

#[derive(Debug)]
struct Entry {
    value: Vec<u8>,
    expires: Instant,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<String, Entry>,
    writes: u64,
}

/// A map with per-entry expiry behind one mutex: critical sections are a hash lookup.
#[derive(Debug, Clone, Default)]
pub struct MemoryCache {
    inner: Arc<Mutex<Inner>>,
}

impl MemoryCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map inconsistent (every update is
        // a single insert or remove), so a poisoned lock is safe to reuse.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn get(&self, key: &str) -> Option<Vec<u8>> {
        let now = Instant::now();
        self.lock()
            .map
            .get(key)
            .filter(|e| e.expires > now)
            .map(|e| e.value.clone())
    }

    pub(super) fn set(&self, key: &str, value: &[u8], ttl: Duration) {
        let mut inner = self.lock();
        inner.write(key, value.to_vec(), ttl);
    }

    pub(super) fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> bool {
        let mut inner = self.lock();
        if inner.live(key).is_some() {
            return false;
        }
        inner.write(key, value.to_vec(), ttl);
        true
    }

    pub(super) fn delete(&self, key: &str) -> bool {
        let now = Instant::now();
        self.lock().map.remove(key).is_some_and(|e| e.expires > now)
    }

    pub(super) fn incr(&self, key: &str, ttl: Duration) -> i64 {
        let mut inner = self.lock();
        let now = Instant::now();
        if let Some(entry) = inner.map.get_mut(key).filter(|e| e.expires > now) {
            let n = std::str::from_utf8(&entry.value)
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0)
                .saturating_add(1);
            entry.value = n.to_string().into_bytes();
            return n;
        }
        inner.write(key, b"1".to_vec(), ttl);
        1
    }
}

impl Inner {
    fn live(&self, key: &str) -> Option<&Entry> {
        let now = Instant::now();
        self.map.get(key).filter(|e| e.expires > now)
    }

    fn write(&mut self, key: &str, value: Vec<u8>, ttl: Duration) {
        let now = Instant::now();
        self.writes = self.writes.wrapping_add(1);
        if self.writes.is_multiple_of(SWEEP_EVERY) {
            self.map.retain(|_, e| e.expires > now);
        }
        self.map.insert(
            key.to_owned(),
            Entry {
                value,
                expires: now + ttl,
            },
        );
    }
}
