//! The locks, condition variables and threads the engine uses: the
//! standard library's, or, under `--cfg rewal_shuttle`, the model
//! checker's (the `shuttle` crate), which runs the real pipeline under
//! many schedules and reports any in which every thread waits for ever
//! (`tests/model.rs`). Nothing else in the engine names `std::sync` locks
//! or `std::thread`, so the model checks the code that ships.
//!
//! The lock helpers ignore poisoning: a panic in code the log calls is
//! caught where it is called, and the state behind every lock stays
//! consistent at each point a panic could start.

#[cfg(not(rewal_shuttle))]
pub(crate) use std::sync::{Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
#[cfg(not(rewal_shuttle))]
pub(crate) use std::thread;

#[cfg(rewal_shuttle)]
pub(crate) use shuttle::sync::{
    Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};
#[cfg(rewal_shuttle)]
pub(crate) use shuttle::thread;

use std::time::Duration;

/// Locks `mutex`, whatever a panicking holder left.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Takes `lock` shared.
pub(crate) fn read<T: ?Sized>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Takes `lock` exclusively.
pub(crate) fn write<T: ?Sized>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Waits on `condvar` until notified.
pub(crate) fn wait<'a, T>(condvar: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    condvar
        .wait(guard)
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Waits on `condvar` until notified or `timeout` passes. (The model
/// checker never lets a timeout pass: a schedule in which every thread
/// waits, some with a timeout, counts as a hang there. That is the point:
/// no caller may depend on a timer to be answered.)
pub(crate) fn wait_timeout<'a, T>(
    condvar: &Condvar,
    guard: MutexGuard<'a, T>,
    timeout: Duration,
) -> MutexGuard<'a, T> {
    condvar
        .wait_timeout(guard, timeout)
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .0
}
