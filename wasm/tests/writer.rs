//! The in-memory writer writes what the native library writes to a file
//! for the same appends, and reports the engine's errors.

use rewal::{Batch, Wal};
use rewal_wasm::writer::LogWriter;
use std::time::Duration;

#[test]
fn the_bytes_equal_a_native_file_log_for_the_same_appends() {
    let dir = std::env::temp_dir().join(format!("rewal-wasm-writer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("native.wal");
    let _ = std::fs::remove_file(&path);
    let native = Wal::open(&path).build().unwrap();
    let memory = LogWriter::new().unwrap();

    let mut batch = Batch::new();
    batch.add_with_meta("batch-1", "type:a");
    batch.add("batch-2");
    for wal_append in [
        (b"hello".as_slice(), b"".as_slice()),
        (b"with meta", b"type:update"),
        (b"", b"type:empty"),
    ] {
        let (payload, meta) = wal_append;
        let lsn = memory.append(payload, meta).unwrap();
        let native_lsn = if meta.is_empty() {
            native.append(payload).unwrap()
        } else {
            native.append_with_meta(payload, meta).unwrap()
        };
        assert_eq!(lsn, native_lsn);
    }
    assert_eq!(memory.append_batch(&batch).unwrap(), 5);
    assert_eq!(native.append_batch(&batch).unwrap(), 5);
    assert_eq!(memory.last_lsn(), 5);

    native.shutdown(Duration::from_secs(5)).unwrap();
    let so_far = memory.bytes().unwrap();
    let finished = memory.finish().unwrap();
    let file = std::fs::read(&path).unwrap();
    assert_eq!(so_far, file);
    assert_eq!(finished, file);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_are_the_engines() {
    let writer = LogWriter::new().unwrap();
    let too_long = vec![b'm'; 65_536];
    let error = writer.append(b"x", &too_long).unwrap_err();
    assert_eq!(error, rewal::Error::TooLarge);
    assert_eq!(
        writer.append_batch(&Batch::new()).unwrap_err(),
        rewal::Error::EmptyBatch
    );
    writer.finish().unwrap();
    assert_eq!(
        writer.append(b"late", b"").unwrap_err(),
        rewal::Error::Closed
    );
    // Nothing was appended: the log is empty, and still readable.
    assert_eq!(writer.bytes().unwrap(), Vec::<u8>::new());
}
