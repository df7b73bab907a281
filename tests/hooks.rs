//! Hooks (all eleven) and the indexer: what they are told, and that a
//! panicking one does not break the writer.

use rewal::{Batch, BatchView, Hooks, Indexer, Lsn, Wal};
use rewal_testkit::Scratch;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    fn push(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    fn has(&self, prefix: &str) -> bool {
        self.lines().iter().any(|line| line.starts_with(prefix))
    }
}

impl Hooks for Recorder {
    fn on_start(&self) {
        self.push("start".into());
    }
    fn on_shutdown_start(&self) {
        self.push("shutdown_start".into());
    }
    fn on_shutdown_done(&self, _elapsed: Duration) {
        self.push("shutdown_done".into());
    }
    fn before_append(&self, events: BatchView<'_>) {
        let payloads: Vec<String> = events
            .iter()
            .map(|(payload, meta)| {
                format!(
                    "{}{}",
                    String::from_utf8_lossy(payload),
                    meta.map(|m| format!("/{}", String::from_utf8_lossy(m)))
                        .unwrap_or_default()
                )
            })
            .collect();
        self.push(format!("before_append {}", payloads.join(",")));
    }
    fn after_append(&self, lsn: Lsn, count: usize) {
        self.push(format!("after_append {lsn} {count}"));
    }
    fn before_write(&self, size: usize) {
        self.push(format!("before_write {size}"));
    }
    fn after_write(&self, written: usize) {
        self.push(format!("after_write {written}"));
    }
    fn before_sync(&self) {
        self.push("before_sync".into());
    }
    fn after_sync(&self, _elapsed: Duration) {
        self.push("after_sync".into());
    }
    fn on_corruption(&self, offset: u64) {
        self.push(format!("corruption {offset}"));
    }
    fn on_drop(&self, count: usize) {
        self.push(format!("drop {count}"));
    }
}

#[test]
fn every_hook_is_called_with_what_happened() {
    let dir = Scratch::new("hooks");
    let path = dir.path("a.wal");
    let recorder = Recorder::default();
    let wal = Wal::open(&path).hooks(recorder.clone()).build().unwrap();
    assert_eq!(recorder.lines(), vec!["start"]);
    wal.append_with_meta("a", "m").unwrap();
    let mut batch = Batch::new();
    batch.add("b");
    batch.add("c");
    wal.append_batch(&batch).unwrap();
    wal.sync().unwrap();
    let lines = recorder.lines();
    assert_eq!(lines[1], "before_append a/m");
    assert_eq!(lines[2], "after_append 1 1");
    assert_eq!(lines[3], "before_append b,c");
    assert_eq!(lines[4], "after_append 2 2");
    // 36 + 42 bytes (28 + 6 + 1 + 1; 28 + 2 × 7), in one or two writes.
    let written: usize = lines
        .iter()
        .filter_map(|l| l.strip_prefix("after_write "))
        .map(|n| n.parse::<usize>().unwrap())
        .sum();
    assert_eq!(written, 36 + 42);
    assert!(recorder.has("before_write"));
    assert!(recorder.has("before_sync") && recorder.has("after_sync"));
    wal.shutdown(Duration::from_secs(1)).unwrap();
    let lines = recorder.lines();
    assert!(lines.contains(&"shutdown_start".to_string()));
    assert_eq!(lines.last().unwrap(), "shutdown_done");

    // A torn tail found at open is reported with its offset.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"EWAL\x02\x00");
    std::fs::write(&path, &bytes).unwrap();
    let recorder = Recorder::default();
    let wal = Wal::open(&path).hooks(recorder.clone()).build().unwrap();
    assert!(recorder.has("corruption 78"), "{:?}", recorder.lines());
    assert_eq!(wal.stats().corruptions, 1);
}

#[cfg(not(any(target_family = "wasm", rewal_inline)))]
#[test]
fn on_drop_reports_backpressure_drops() {
    use rewal_testkit::fault::{FaultStorage, Faults};
    let faults = Faults::new();
    let recorder = Recorder::default();
    let wal = Wal::open("mem")
        .storage(FaultStorage::new(rewal::MemoryStorage::new(), &faults))
        .backpressure(rewal::Backpressure::Drop)
        .queue_capacity(1)
        .hooks(recorder.clone())
        .build()
        .unwrap();
    faults.close_gate();
    wal.append("x").unwrap();
    faults.wait_stalled();
    wal.append("queued").unwrap();
    let mut batch = Batch::new();
    batch.add("d1");
    batch.add("d2");
    wal.append_batch(&batch).unwrap();
    assert!(recorder.has("drop 2"));
    faults.open_gate();
}

#[cfg(panic = "unwind")]
struct Panicker;

#[cfg(panic = "unwind")]
impl Hooks for Panicker {
    fn before_append(&self, _events: BatchView<'_>) {
        panic!("hook panics before append");
    }
    fn after_append(&self, _lsn: Lsn, _count: usize) {
        panic!("hook panics after append");
    }
    fn before_write(&self, _size: usize) {
        panic!("hook panics in the writer");
    }
    fn after_write(&self, _written: usize) {
        panic!("hook panics in the writer");
    }
    fn before_sync(&self) {
        panic!("hook panics before sync");
    }
    fn on_shutdown_start(&self) {
        panic!("hook panics at shutdown");
    }
}

#[cfg(panic = "unwind")]
struct PanickingIndexer;

#[cfg(panic = "unwind")]
impl Indexer for PanickingIndexer {
    fn on_append(&self, _lsn: Lsn, _meta: Option<&[u8]>, _offset: u64) {
        panic!("indexer panics");
    }
}

// Catching a panic needs unwinding; wasm32 aborts on panic.
#[cfg(panic = "unwind")]
#[test]
fn panicking_hooks_and_indexer_do_not_break_the_log() {
    let dir = Scratch::new("panic");
    let path = dir.path("a.wal");
    let wal = Wal::open(&path)
        .hooks(Panicker)
        .indexer(PanickingIndexer)
        .build()
        .unwrap();
    for i in 0..100u32 {
        wal.append(i.to_le_bytes()).unwrap();
    }
    wal.sync().unwrap();
    assert_eq!(wal.stats().events_written, 100);
    wal.shutdown(Duration::from_secs(1)).unwrap();
    assert_eq!(rewal_testkit::read_all(&path).len(), 100);
}

/// What the indexer was told: LSN, meta, frame offset.
type Indexed = (Lsn, Option<Vec<u8>>, u64);

#[derive(Clone, Default)]
struct IndexLog(Arc<Mutex<Vec<Indexed>>>);

impl Indexer for IndexLog {
    fn on_append(&self, lsn: Lsn, meta: Option<&[u8]>, offset: u64) {
        self.0
            .lock()
            .unwrap()
            .push((lsn, meta.map(<[u8]>::to_vec), offset));
    }
}

#[test]
fn the_indexer_hears_every_event_with_its_meta_and_frame_offset() {
    let dir = Scratch::new("indexer");
    let path = dir.path("a.wal");
    // A log that already holds one frame: offsets continue after it.
    {
        let wal = Wal::open(&path).build().unwrap();
        wal.append("old").unwrap();
        wal.shutdown(Duration::from_secs(1)).unwrap();
    }
    let index = IndexLog::default();
    let wal = Wal::open(&path)
        .indexer(index.clone())
        .compressor(rewal_testkit::Rle)
        .build()
        .unwrap();
    wal.append_with_meta("aaaa", "k1").unwrap();
    let mut batch = Batch::new();
    batch.add("b");
    batch.add_with_meta("c", "k3");
    wal.append_batch(&batch).unwrap();
    wal.flush().unwrap();
    let seen = index.0.lock().unwrap().clone();
    // "old" is 28 + 6 + 3 = 37 bytes; the compressed single-event frame:
    // records region 6 + 2 + 4 = 12 bytes → RLE pairs.
    let second_frame =
        37 + 28 + common_rle_len(&[4, 0, 0, 0, 2, 0, b'k', b'1', b'a', b'a', b'a', b'a']);
    assert_eq!(
        seen,
        vec![
            (2, Some(b"k1".to_vec()), 37),
            (3, None, second_frame as u64),
            (4, Some(b"k3".to_vec()), second_frame as u64),
        ]
    );
}

fn common_rle_len(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    rewal_testkit::rle_compress(bytes, &mut out);
    out.len()
}
