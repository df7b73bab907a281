//! A `Storage` over memory that can be told to fail, stall or count: for the
//! tests of failure handling, backpressure and group commit.

use rewal::{Error, MemoryStorage, ReadStorage, Result, Storage};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex};

/// Knobs and counters shared between a test and its `FaultStorage`.
#[derive(Default)]
pub struct Faults {
    /// Writes and syncs so far.
    pub writes: AtomicU64,
    pub syncs: AtomicU64,
    /// Fail every write once this many have succeeded (u64::MAX: never).
    pub fail_writes_after: AtomicU64,
    /// Fail every sync.
    pub fail_syncs: AtomicBool,
    /// Return Ok(0) from write.
    pub zero_writes: AtomicBool,
    /// Accept at most this many bytes per write call (0: no limit).
    pub max_write: AtomicUsize,
    /// While true, writes wait (the writer stalls: the queue fills up).
    gate_closed: Mutex<bool>,
    gate: Condvar,
    /// Set while a write waits at the closed gate.
    pub stalled: AtomicBool,
}

impl Faults {
    pub fn new() -> Arc<Faults> {
        let faults = Faults::default();
        faults.fail_writes_after.store(u64::MAX, SeqCst);
        Arc::new(faults)
    }

    pub fn close_gate(&self) {
        *self.gate_closed.lock().unwrap() = true;
    }

    pub fn open_gate(&self) {
        *self.gate_closed.lock().unwrap() = false;
        self.gate.notify_all();
    }

    /// Waits (bounded) until a write is stalled at the gate.
    pub fn wait_stalled(&self) {
        for _ in 0..2000 {
            if self.stalled.load(SeqCst) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        panic!("the writer never reached the gate");
    }
}

/// Memory storage with faults.
pub struct FaultStorage {
    pub inner: MemoryStorage,
    pub faults: Arc<Faults>,
}

impl FaultStorage {
    pub fn new(inner: MemoryStorage, faults: &Arc<Faults>) -> FaultStorage {
        FaultStorage {
            inner,
            faults: Arc::clone(faults),
        }
    }
}

impl ReadStorage for FaultStorage {
    fn size(&self) -> Result<u64> {
        self.inner.size()
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        self.inner.read_at(buf, offset)
    }
}

impl Storage for FaultStorage {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        {
            let mut closed = self.faults.gate_closed.lock().unwrap();
            while *closed {
                self.faults.stalled.store(true, SeqCst);
                closed = self.faults.gate.wait(closed).unwrap();
            }
            self.faults.stalled.store(false, SeqCst);
        }
        if self.faults.zero_writes.load(SeqCst) {
            return Ok(0);
        }
        let done = self.faults.writes.fetch_add(1, SeqCst);
        if done >= self.faults.fail_writes_after.load(SeqCst) {
            return Err(Error::Io(io::Error::other("injected: disk full")));
        }
        let max = self.faults.max_write.load(SeqCst);
        let take = if max == 0 {
            buf.len()
        } else {
            buf.len().min(max)
        };
        self.inner.write(&buf[..take])
    }

    fn sync(&self) -> Result<()> {
        self.faults.syncs.fetch_add(1, SeqCst);
        if self.faults.fail_syncs.load(SeqCst) {
            return Err(Error::Io(io::Error::other("injected: sync failed")));
        }
        self.inner.sync()
    }

    fn close(&mut self) -> Result<()> {
        self.inner.close()
    }

    fn truncate(&mut self, size: u64) -> Result<()> {
        self.inner.truncate(size)
    }
}
