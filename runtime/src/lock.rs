//! The one way this crate takes a lock. ws-test's locks guard lists and counters that a panic elsewhere cannot leave
//! half-written (pushes, removals, replacements), and a test's own panic must never hide later reports: so a lock
//! poisoned by a panic is used as it is.

use std::sync::{Mutex, MutexGuard, PoisonError};

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
