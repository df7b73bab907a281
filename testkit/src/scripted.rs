//! A `Storage` over memory (and a `Compressor`) that counts every call, by
//! kind, and injects one planned fault at one call: an error (EIO, ENOSPC, or a dead disk
//! that fails every call from then on), a short or zero-length write or
//! read, a write that lands in part and then fails, or a panic. It also
//! keeps what a power cut would leave: the bytes as of the last successful
//! sync. For the fault-injection campaign (tests/campaign_faults.rs).

use rewal::{Error, Mapped, ReadStorage, Result, Storage};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

/// The calls of the `Storage` trait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Call {
    Write,
    Sync,
    Size,
    Truncate,
    ReadAt,
    Close,
    Map,
    /// The compressor's calls (see [`ScriptedCompressor`]).
    Compress,
    Decompress,
}

pub const CALLS: [Call; 9] = [
    Call::Write,
    Call::Sync,
    Call::Size,
    Call::Truncate,
    Call::ReadAt,
    Call::Close,
    Call::Map,
    Call::Compress,
    Call::Decompress,
];

/// What goes wrong at the planned call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The call fails with EIO; later calls work.
    Eio,
    /// The call fails with ENOSPC (a write: nothing taken).
    NoSpace,
    /// This call and every later one fail with EIO: the disk is gone.
    Dead,
    /// A write takes only this many bytes (legal: the caller writes the
    /// rest); a read returns only this many (the caller reads on).
    Short(usize),
    /// A write takes nothing (`Ok(0)`); a read returns nothing.
    Zero,
    /// A write lands this many bytes, then reports EIO.
    PartialThenEio(usize),
    /// The call panics.
    Panic,
}

impl Fault {
    /// The faults that make sense for `call`.
    pub fn for_call(call: Call) -> Vec<Fault> {
        let mut faults = vec![Fault::Eio, Fault::Dead];
        if cfg!(panic = "unwind") {
            faults.push(Fault::Panic);
        }
        match call {
            Call::Write => faults.extend([
                Fault::NoSpace,
                Fault::Short(1),
                Fault::Short(7),
                Fault::Zero,
                Fault::PartialThenEio(1),
                Fault::PartialThenEio(30),
            ]),
            Call::ReadAt => faults.extend([Fault::Short(1), Fault::Short(5), Fault::Zero]),
            _ => {}
        }
        faults
    }
}

/// The planned fault: at the `nth` call (from 0) of kind `call`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub call: Call,
    pub nth: u64,
    pub fault: Fault,
}

/// The state a test keeps a handle on.
#[derive(Debug, Default)]
pub struct Disk {
    /// What the storage holds now (what a process crash leaves).
    pub bytes: Vec<u8>,
    /// What it held at the last successful sync (what a power cut
    /// leaves, at least).
    pub synced: Vec<u8>,
    /// Calls so far, by kind.
    pub counts: std::collections::BTreeMap<Call, u64>,
    /// Set once the planned fault was injected.
    pub injected: bool,
    dead: bool,
    closed: bool,
}

/// The storage handed to the log; clones share one `Disk`.
#[derive(Clone)]
pub struct Scripted {
    pub disk: Arc<Mutex<Disk>>,
    plan: Option<Plan>,
    maps: bool,
}

/// A copy of the bytes, as a map.
struct Copied(Vec<u8>);

impl Mapped for Copied {
    fn bytes(&self) -> &[u8] {
        &self.0
    }
}

fn eio() -> Error {
    Error::Io(io::Error::other("injected: I/O error"))
}

impl Scripted {
    /// A storage holding `bytes` (synced), that injects `plan`, and whose
    /// reads go through a map when `maps`, else through the read buffer.
    pub fn new(bytes: Vec<u8>, plan: Option<Plan>, maps: bool) -> Scripted {
        let disk = Disk {
            synced: bytes.clone(),
            bytes,
            ..Disk::default()
        };
        Scripted {
            disk: Arc::new(Mutex::new(disk)),
            plan,
            maps,
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Disk> {
        self.disk.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a call of kind `call`; returns the fault to inject, if any.
    /// Panics (outside the lock) for `Fault::Panic`.
    fn enter(&self, call: Call) -> Result<Option<Fault>> {
        let fault = {
            let mut disk = self.lock();
            let count = disk.counts.entry(call).or_default();
            let nth = *count;
            *count += 1;
            if disk.dead {
                return Err(eio());
            }
            if disk.closed && call != Call::Close {
                return Err(Error::Closed);
            }
            match self.plan {
                Some(plan) if plan.call == call && plan.nth == nth => {
                    disk.injected = true;
                    if plan.fault == Fault::Dead {
                        disk.dead = true;
                    }
                    Some(plan.fault)
                }
                _ => None,
            }
        };
        match fault {
            Some(Fault::Panic) => panic!("injected: the storage panicked"),
            Some(Fault::Eio | Fault::Dead) => Err(eio()),
            // ENOSPC's message (io::ErrorKind::StorageFull is newer than the MSRV).
            Some(Fault::NoSpace) => Err(Error::Io(io::Error::other("no space left on device"))),
            other => Ok(other),
        }
    }
}

impl ReadStorage for Scripted {
    fn size(&self) -> Result<u64> {
        self.enter(Call::Size)?;
        Ok(self.lock().bytes.len() as u64)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let fault = self.enter(Call::ReadAt)?;
        let disk = self.lock();
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let available = disk.bytes.get(start..).unwrap_or(&[]);
        let mut n = buf.len().min(available.len());
        match fault {
            Some(Fault::Zero) => n = 0,
            Some(Fault::Short(short)) => n = n.min(short),
            _ => {}
        }
        buf[..n].copy_from_slice(&available[..n]);
        Ok(n)
    }

    fn map(&self, len: u64) -> Result<Option<Box<dyn Mapped>>> {
        if !self.maps {
            return Ok(None);
        }
        self.enter(Call::Map)?;
        let disk = self.lock();
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        match disk.bytes.get(..len) {
            Some(bytes) => Ok(Some(Box::new(Copied(bytes.to_vec())))),
            None => Err(Error::Io(io::Error::from(io::ErrorKind::UnexpectedEof))),
        }
    }
}

impl Storage for Scripted {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        let fault = self.enter(Call::Write)?;
        let mut disk = self.lock();
        match fault {
            Some(Fault::Zero) => Ok(0),
            Some(Fault::Short(n)) => {
                let n = n.min(buf.len());
                disk.bytes.extend_from_slice(&buf[..n]);
                Ok(n)
            }
            Some(Fault::PartialThenEio(n)) => {
                let n = n.min(buf.len());
                disk.bytes.extend_from_slice(&buf[..n]);
                Err(eio())
            }
            _ => {
                disk.bytes.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }

    fn sync(&self) -> Result<()> {
        self.enter(Call::Sync)?;
        let mut disk = self.lock();
        disk.synced = disk.bytes.clone();
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        self.enter(Call::Close)?;
        self.lock().closed = true;
        Ok(())
    }

    fn truncate(&mut self, size: u64) -> Result<()> {
        self.enter(Call::Truncate)?;
        let mut disk = self.lock();
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        disk.bytes.truncate(size);
        Ok(())
    }
}

/// A compressor (the tests' run-length one) that counts its calls in the
/// storage's `Disk` and fails or panics when the plan says.
pub struct ScriptedCompressor(pub Scripted);

impl rewal::Compressor for ScriptedCompressor {
    fn compress(&self, src: &[u8], dst: &mut Vec<u8>) -> Result<()> {
        self.0.enter(Call::Compress)?;
        rewal::Compressor::compress(&crate::Rle, src, dst)
    }

    fn decompress(&self, src: &[u8], dst: &mut Vec<u8>) -> Result<()> {
        self.0.enter(Call::Decompress)?;
        rewal::Compressor::decompress(&crate::Rle, src, dst)
    }
}

/// Keeps the panics this storage injects off the test output (a campaign
/// injects thousands); every other panic is reported as usual.
pub fn quiet_injected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let injected = info
                .payload()
                .downcast_ref::<&str>()
                .is_some_and(|text| text.starts_with("injected"));
            if !injected {
                report(info);
            }
        }));
    });
}
