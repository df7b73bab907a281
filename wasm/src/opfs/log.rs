//! [`DurableLog`]: a [`Wal`] on an OPFS file (or any storage), as the
//! bindings' `OpfsCore` serves it to JavaScript.

use rewal::{Batch, Lsn, Recovery, Result, Storage, Wal, WalIterator};
use std::cell::Cell;
use std::time::Duration;

/// A log open for writing on its own storage.
pub struct DurableLog {
    wal: Wal,
    /// The last LSN `append` returned: the inline pipeline defers writes,
    /// and `Wal::last_lsn` counts only what reached storage.
    last: Cell<Lsn>,
    /// Torn tails cut when it opened.
    repaired: u64,
}

impl DurableLog {
    /// Opens (recovers) the log in `storage`; `name` only labels it (the
    /// storage is the lock). A log refused (`NotALog`, `Corrupted` under
    /// `Recovery::Strict`) is left untouched, and its storage closed.
    pub fn open(name: &str, storage: impl Storage + 'static, recovery: Recovery) -> Result<Self> {
        let wal = Wal::open(name)
            .storage(storage)
            .recovery(recovery)
            .build()?;
        let last = wal.last_lsn();
        let repaired = wal.stats().corruptions;
        Ok(DurableLog {
            wal,
            last: Cell::new(last),
            repaired,
        })
    }

    /// Appends one event (an empty `meta` means none); returns its LSN.
    pub fn append(&self, payload: &[u8], meta: &[u8]) -> Result<Lsn> {
        let lsn = if meta.is_empty() {
            self.wal.append(payload)?
        } else {
            self.wal.append_with_meta(payload, meta)?
        };
        self.last.set(lsn);
        Ok(lsn)
    }

    /// Appends a batch as one frame (all or nothing, after any crash);
    /// returns its last LSN.
    pub fn append_batch(&self, batch: &Batch) -> Result<Lsn> {
        let lsn = self.wal.append_batch(batch)?;
        self.last.set(lsn);
        Ok(lsn)
    }

    /// The last LSN appended (or recovered at open; 0 for an empty log).
    pub fn last_lsn(&self) -> Lsn {
        self.last.get()
    }

    /// The oldest LSN held (1 for a log that has events).
    pub fn first_lsn(&self) -> Lsn {
        self.wal.first_lsn()
    }

    /// How many torn tails the open cut (0 or 1).
    pub fn repaired(&self) -> u64 {
        self.repaired
    }

    /// Where the log's data ends, once what was appended is written.
    pub fn data_end(&self) -> Result<u64> {
        self.wal.flush()?;
        Ok(self.wal.stats().file_size)
    }

    /// Writes what was appended to the file (no flush to disk).
    pub fn flush(&self) -> Result<()> {
        self.wal.flush()
    }

    /// Writes and makes durable (the handle's `flush()`) everything up to
    /// `lsn`.
    pub fn wait_durable(&self, lsn: Lsn) -> Result<()> {
        self.wal.wait_durable(lsn)
    }

    /// Writes and makes durable everything appended.
    pub fn sync(&self) -> Result<()> {
        self.wal.sync()
    }

    /// The events from `from` (0: the first) on.
    pub fn iterator(&self, from: Lsn) -> Result<WalIterator> {
        self.wal.iterator(from)
    }

    /// Writes and syncs everything appended, cuts the zeros written ahead
    /// and releases the file (the engine's `shutdown`). Later calls fail
    /// with `Error::Closed`; closing again does nothing.
    pub fn close(&self) -> Result<()> {
        self.wal.shutdown(Duration::from_secs(5))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Handle, OpfsStorage};
    use super::*;
    use rewal::{Error, ReadStorage};
    use std::io;
    use std::sync::{Arc, Mutex};

    /// A file in memory, with what the tests look at: how often it was
    /// flushed, whether its handle is closed, and failures on request.
    #[derive(Default)]
    struct File {
        bytes: Vec<u8>,
        flushes: u32,
        closed: bool,
        fail_flush: bool,
        fail_grow: bool,
    }

    #[derive(Clone, Default)]
    struct MemHandle(Arc<Mutex<File>>);

    impl MemHandle {
        fn with(bytes: &[u8]) -> MemHandle {
            let handle = MemHandle::default();
            handle.file().bytes = bytes.to_vec();
            handle
        }
        fn file(&self) -> std::sync::MutexGuard<'_, File> {
            self.0.lock().unwrap()
        }
        fn bytes(&self) -> Vec<u8> {
            self.file().bytes.clone()
        }
    }

    impl Handle for MemHandle {
        fn read(&self, buf: &mut [u8], at: u64) -> Result<usize> {
            let file = self.file();
            let at = (at as usize).min(file.bytes.len());
            let n = buf.len().min(file.bytes.len() - at);
            buf[..n].copy_from_slice(&file.bytes[at..at + n]);
            Ok(n)
        }
        fn write(&self, buf: &[u8], at: u64) -> Result<usize> {
            let mut file = self.file();
            let end = at as usize + buf.len();
            if file.bytes.len() < end {
                file.bytes.resize(end, 0);
            }
            file.bytes[at as usize..end].copy_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&self) -> Result<()> {
            let mut file = self.file();
            if file.fail_flush {
                return Err(Error::Io(io::Error::other("flush failed")));
            }
            file.flushes += 1;
            Ok(())
        }
        fn size(&self) -> Result<u64> {
            Ok(self.file().bytes.len() as u64)
        }
        fn truncate(&self, len: u64) -> Result<()> {
            let mut file = self.file();
            if file.fail_grow && len as usize > file.bytes.len() {
                return Err(Error::Io(io::Error::other("QuotaExceededError")));
            }
            file.bytes.resize(len as usize, 0);
            Ok(())
        }
        fn close(&self) {
            self.file().closed = true;
        }
    }

    fn open(handle: &MemHandle) -> Result<DurableLog> {
        DurableLog::open("t", OpfsStorage::new(handle.clone())?, Recovery::Strict)
    }

    fn events(log: &DurableLog) -> Vec<(Lsn, Vec<u8>, Option<Vec<u8>>)> {
        log.iterator(0)
            .unwrap()
            .map(|event| {
                let event = event.unwrap();
                (event.lsn, event.payload, event.meta)
            })
            .collect()
    }

    #[test]
    fn durable_appends_are_flushed_and_read_back_after_a_reopen() {
        let handle = MemHandle::default();
        let log = open(&handle).unwrap();
        assert_eq!(log.append(b"one", b"").unwrap(), 1);
        assert_eq!(log.append(b"two", b"m").unwrap(), 2);
        let flushes = handle.file().flushes;
        log.wait_durable(2).unwrap();
        assert!(handle.file().flushes > flushes, "waitDurable flushed");
        let mut batch = Batch::new();
        batch.add("three");
        batch.add_with_meta("four", "k");
        assert_eq!(log.append_batch(&batch).unwrap(), 4);
        log.close().unwrap();
        assert!(handle.file().closed, "the lock is released at close");
        assert_eq!(log.append(b"late", b""), Err(Error::Closed));

        let log = open(&handle).unwrap();
        assert_eq!(log.last_lsn(), 4);
        assert_eq!(log.repaired(), 0);
        assert_eq!(
            events(&log),
            vec![
                (1, b"one".to_vec(), None),
                (2, b"two".to_vec(), Some(b"m".to_vec())),
                (3, b"three".to_vec(), None),
                (4, b"four".to_vec(), Some(b"k".to_vec())),
            ]
        );
        assert_eq!(log.append(b"five", b"").unwrap(), 5);
        log.close().unwrap();
    }

    #[test]
    fn space_ahead_is_zeros_kept_after_a_kill_and_cut_at_close() {
        let handle = MemHandle::default();
        let log = open(&handle).unwrap();
        let lsn = log.append(&[7; 128], b"").unwrap();
        log.wait_durable(lsn).unwrap();
        let lsn = log.append(&[8; 128], b"").unwrap();
        log.wait_durable(lsn).unwrap();
        let end = log.data_end().unwrap() as usize;
        // The file runs past the data, in zeros (preallocated, flushed).
        let killed = handle.bytes();
        assert!(killed.len() >= 1 << 20, "{} bytes", killed.len());
        assert!(killed[end..].iter().all(|&b| b == 0));
        std::mem::forget(log); // a kill: nothing more is done to the file

        let after = MemHandle::with(&killed);
        let log = open(&after).unwrap();
        assert_eq!(log.repaired(), 0, "zeros after the data are a clean end");
        assert_eq!(log.append(&[9; 128], b"").unwrap(), 3);
        log.close().unwrap();
        let closed = after.bytes();
        assert!(
            closed.len() < 1024,
            "the zeros are cut at close: {}",
            closed.len()
        );
        assert_eq!(closed[..end], killed[..end]);
    }

    #[test]
    fn a_torn_batch_is_cut_whole_and_lsns_go_on_from_the_last_whole_frame() {
        let handle = MemHandle::default();
        let log = open(&handle).unwrap();
        log.append(b"alone", b"").unwrap();
        let before = log.data_end().unwrap() as usize;
        let mut batch = Batch::new();
        for n in 0..10 {
            batch.add(format!("batch {n}"));
        }
        log.append_batch(&batch).unwrap();
        log.close().unwrap();
        let whole = handle.bytes();
        for cut in [before + 1, (before + whole.len()) / 2, whole.len() - 1] {
            let torn = MemHandle::with(&whole[..cut]);
            let log = open(&torn).unwrap();
            assert_eq!(log.repaired(), 1, "cut at {cut}");
            assert_eq!(events(&log), vec![(1, b"alone".to_vec(), None)]);
            assert_eq!(log.append(b"next", b"").unwrap(), 2);
            log.close().unwrap();
            assert_eq!(torn.bytes()[..before], whole[..before]);
        }
    }

    #[test]
    fn what_is_not_a_log_is_refused_untouched_and_released() {
        let junk = b"this is not a rewal log, only some text".to_vec();
        let handle = MemHandle::with(&junk);
        assert!(matches!(open(&handle).err(), Some(Error::NotALog { .. })));
        assert_eq!(handle.bytes(), junk);
        assert!(handle.file().closed);
    }

    #[test]
    fn a_failed_flush_fails_the_log_and_nothing_is_reported_durable() {
        let handle = MemHandle::default();
        let log = open(&handle).unwrap();
        let lsn = log.append(b"x", b"").unwrap();
        handle.file().fail_flush = true;
        assert!(matches!(log.wait_durable(lsn), Err(Error::Io(_))));
        assert!(matches!(log.append(b"y", b""), Err(Error::Io(_))));
    }

    #[test]
    fn without_quota_to_grow_it_goes_on_without_space_ahead() {
        let handle = MemHandle::default();
        handle.file().fail_grow = true;
        let log = open(&handle).unwrap();
        for n in 0..3u8 {
            let lsn = log.append(&[n; 64], b"").unwrap();
            log.wait_durable(lsn).unwrap();
        }
        assert_eq!(handle.bytes().len() as u64, log.data_end().unwrap());
        assert_eq!(events(&log).len(), 3);
    }

    #[test]
    fn a_closed_storage_answers_closed() {
        let handle = MemHandle::default();
        let mut storage = OpfsStorage::new(handle.clone()).unwrap();
        assert_eq!(storage.write(b"abc").unwrap(), 3);
        storage.close().unwrap();
        storage.close().unwrap();
        assert_eq!(storage.write(b"d"), Err(Error::Closed));
        assert_eq!(storage.sync(), Err(Error::Closed));
        assert_eq!(storage.truncate(0), Err(Error::Closed));
        assert_eq!(storage.read_at(&mut [0; 3], 0), Err(Error::Closed));
        assert_eq!(storage.size(), Err(Error::Closed));
        assert_eq!(handle.bytes(), b"abc");
    }
}
