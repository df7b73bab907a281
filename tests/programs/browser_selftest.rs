//! The engine on `wasm32-unknown-unknown`, without JavaScript: a module
//! with no imports that exports `selftest`, which runs a log on
//! `MemoryStorage` through the inline pipeline (append, batch, meta,
//! durability, replay, shutdown, recovery of a torn tail) and returns the
//! number of events it replayed at the end, or 0 on an error. A panic from
//! std (a clock, a thread) would trap instead. `tests/wasm_unknown.rs`
//! builds it and calls it under wasmtime.

use rewal::{Batch, MemoryStorage, Result, SyncMode, Wal};
use std::time::Duration;

/// Runs the self-test; see the module docs.
#[no_mangle]
pub extern "C" fn selftest() -> u32 {
    run().unwrap_or(0)
}

fn run() -> Result<u32> {
    let memory = MemoryStorage::new();
    let wal = Wal::open("browser")
        .storage(memory.clone())
        .sync_mode(SyncMode::Interval(Duration::from_millis(5)))
        .build()?;
    for i in 0..1000u32 {
        wal.append(i.to_le_bytes())?;
    }
    let mut batch = Batch::new();
    batch.add_with_meta("a", "m");
    batch.add("b");
    let last = wal.append_batch(&batch)?;
    wal.wait_durable(last)?;
    let mut seen = 0u32;
    wal.replay(0, |event| {
        if event.lsn <= 1000 && event.payload != (event.lsn as u32 - 1).to_le_bytes() {
            return Err(rewal::Error::InvalidRecord);
        }
        seen += 1;
        Ok(())
    })?;
    wal.shutdown(Duration::from_secs(1))?;
    if seen != 1002 {
        return Ok(0);
    }
    // A torn tail is cut on reopen; the rest replays.
    let mut bytes = memory.to_bytes();
    bytes.truncate(bytes.len() - 3);
    let wal = Wal::open("again")
        .storage(MemoryStorage::from_bytes(bytes))
        .build()?;
    let mut again = 0u32;
    wal.replay(0, |_| {
        again += 1;
        Ok(())
    })?;
    wal.close()?;
    Ok(again)
}
