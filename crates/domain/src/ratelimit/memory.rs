//! The in-process limiter backend: the GCRA state (one instant per key) in a map.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{Decision, Quota, gcra_step};

/// Stale entries are swept after this many writes.
const SWEEP_EVERY: u64 = 1024;

#[derive(Debug)]
struct Inner {
    /// Theoretical arrival time per key, in milliseconds since `epoch`.
    tats: HashMap<String, u64>,
    epoch: Instant,
    writes: u64,
}

/// GCRA state behind one mutex: each decision is a lookup and an insert.
#[derive(Debug, Clone)]
pub struct MemoryLimiter {
    inner: Arc<Mutex<Inner>>,
}

impl Default for MemoryLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryLimiter {
    /// An empty limiter.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                tats: HashMap::new(),
                epoch: Instant::now(),
                writes: 0,
            })),
        }
    }

    pub(super) fn gcra(&self, key: &str, quota: Quota, consume: bool) -> Decision {
        // Every update is a single insert: a poisoned lock is safe to reuse.
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let now = u64::try_from(inner.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        let tat = inner.tats.get(key).copied();
        let (decision, store) = gcra_step(now, tat, quota, consume);
        if let Some(tat) = store {
            inner.writes = inner.writes.wrapping_add(1);
            if inner.writes.is_multiple_of(SWEEP_EVERY) {
                inner.tats.retain(|_, t| *t > now);
            }
            inner.tats.insert(key.to_owned(), tat);
        }
        decision
    }
}
