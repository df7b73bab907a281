//! A memory storage that runs a test's hook before each write and each
//! sync: how a test holds a sync at a gate, or makes a write panic.

use rewal::{MemoryStorage, ReadStorage, Result, Storage};

/// What runs before the storage's calls; each does nothing unless the test
/// says otherwise.
pub trait StorageHooks: Send + Sync {
    fn before_write(&self) {}
    fn before_sync(&self) {}
}

/// A [`MemoryStorage`] with `hooks` run before its writes and syncs.
pub struct Hooked<H> {
    inner: MemoryStorage,
    hooks: H,
}

impl<H: StorageHooks> Hooked<H> {
    pub fn new(hooks: H) -> Hooked<H> {
        Hooked {
            inner: MemoryStorage::new(),
            hooks,
        }
    }
}

impl<H: StorageHooks> ReadStorage for Hooked<H> {
    fn size(&self) -> Result<u64> {
        self.inner.size()
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        self.inner.read_at(buf, offset)
    }
}

impl<H: StorageHooks> Storage for Hooked<H> {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        self.hooks.before_write();
        self.inner.write(buf)
    }
    fn sync(&self) -> Result<()> {
        self.hooks.before_sync();
        self.inner.sync()
    }
    fn close(&mut self) -> Result<()> {
        self.inner.close()
    }
    fn truncate(&mut self, size: u64) -> Result<()> {
        self.inner.truncate(size)
    }
}
