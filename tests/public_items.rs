//! The smaller public items, each doing what its docs say: events and
//! batches, the codec functions, the CRC, storages, scans, states.

use rewal::encoding::{self, FrameHeader, FLAG_COMPRESSED, HEADER_LEN, MIN_FRAME_LEN};
use rewal::inspect::{self, LogEnd};
use rewal::{
    Batch, BatchView, Event, FileStorage, MemoryStorage, ReadStorage, State, Storage, Wal,
};

#[test]
fn events_and_batches() {
    let event = Event::new("p");
    assert_eq!(
        (event.lsn, &event.payload[..], event.meta.as_deref()),
        (0, &b"p"[..], None)
    );
    assert_eq!(Event::with_meta("p", "m").meta.as_deref(), Some(&b"m"[..]));
    assert_eq!(Event::with_meta("p", "").meta, None);

    let mut batch = Batch::default();
    assert!(batch.is_empty());
    batch.add("a");
    batch.add_with_meta(b"b", b"mb");
    batch.add(vec![0u8, 255]);
    let items: Vec<_> = batch.iter().collect();
    assert_eq!(
        items,
        vec![
            (&b"a"[..], None),
            (&b"b"[..], Some(&b"mb"[..])),
            (&[0u8, 255][..], None)
        ]
    );
    let view = batch.view();
    assert_eq!(view.len(), 3);
    assert!(!view.is_empty());
    assert_eq!(view.iter().count(), 3);
    let single = BatchView::Single {
        payload: b"x",
        meta: Some(b"y"),
    };
    assert_eq!(
        single.iter().collect::<Vec<_>>(),
        vec![(&b"x"[..], Some(&b"y"[..]))]
    );
    let copy = batch.clone();
    batch.clear();
    assert_eq!((batch.len(), copy.len()), (0, 3));
}

#[test]
fn the_codec_round_trips_and_agrees_with_itself() {
    let mut batch = Batch::new();
    batch.add_with_meta("first", "m1");
    batch.add("second");
    let mut bytes = Vec::new();
    let len = encoding::encode_batch(&mut bytes, &batch, 10, None).unwrap();
    let len2 = encoding::encode_event(&mut bytes, b"third", b"", 12, None).unwrap();
    assert_eq!(bytes.len(), len + len2);
    assert_eq!(len2, MIN_FRAME_LEN + 6 + 5);

    let header = encoding::scan_batch_header(&bytes, 0).unwrap();
    assert_eq!(header, encoding::check_frame(&bytes, 0).unwrap());
    assert_eq!(
        header,
        encoding::parse_header(&bytes[..HEADER_LEN]).unwrap()
    );
    assert_eq!(
        (header.record_count, header.first_lsn, header.last_lsn()),
        (2, 10, 11)
    );
    assert_eq!(header.len(), len);
    assert!(!header.is_compressed() && !header.is_empty());

    let mut scratch = Vec::new();
    let (events, next) =
        encoding::decode_batch_frame_borrowed(&bytes, 0, None, &mut scratch).unwrap();
    assert_eq!(events.remaining(), 2);
    let decoded: Vec<_> = events.collect();
    assert_eq!(next, len);
    assert_eq!(decoded[0].meta, Some(&b"m1"[..]));
    assert_eq!(
        decoded[1].to_event(),
        Event {
            lsn: 11,
            payload: b"second".to_vec(),
            meta: None
        }
    );

    let (all, end, error) = encoding::decode_all_batches(&bytes, None);
    assert_eq!((all.len(), end, error), (3, bytes.len(), None));
    assert_eq!(all[2].lsn, 12);
    assert!(encoding::check_records(&bytes[HEADER_LEN..len - 4], 2).is_ok());
    assert!(encoding::check_records(&bytes[HEADER_LEN..len - 4], 3).is_err());

    // A compressed frame sets flag bit 0 and decodes with the compressor.
    let mut packed = Vec::new();
    encoding::encode_batch(&mut packed, &batch, 1, Some(&rewal_testkit::Rle)).unwrap();
    let header: FrameHeader = encoding::check_frame(&packed, 0).unwrap();
    assert_eq!(header.flags, FLAG_COMPRESSED);
    let (events, _) =
        encoding::decode_batch_frame_borrowed(&packed, 0, Some(&rewal_testkit::Rle), &mut scratch)
            .unwrap();
    assert_eq!(
        events.map(|e| e.payload.to_vec()).collect::<Vec<_>>(),
        vec![b"first".to_vec(), b"second".to_vec()]
    );

    let mut out = Vec::new();
    encoding::push_record(&mut out, b"pay", b"me").unwrap();
    assert_eq!(out, [3, 0, 0, 0, 2, 0, b'm', b'e', b'p', b'a', b'y']);
}

#[test]
fn crc_is_castagnoli_and_chains() {
    assert_eq!(rewal::crc::checksum(b"123456789"), 0xE306_9283);
    assert_eq!(
        rewal::crc::update(rewal::crc::checksum(b"1234"), b"56789"),
        0xE306_9283
    );
    assert_eq!(rewal::crc::checksum(b""), 0);
}

#[test]
fn memory_storage_is_a_shared_byte_vector() {
    let mut storage = MemoryStorage::from_bytes(b"abc".to_vec());
    let handle = storage.clone();
    assert_eq!(storage.write(b"def").unwrap(), 3);
    assert_eq!(handle.to_bytes(), b"abcdef");
    assert_eq!((handle.len(), handle.is_empty()), (6, false));
    let mut buf = [0u8; 4];
    assert_eq!(storage.read_at(&mut buf, 4).unwrap(), 2);
    assert_eq!(&buf[..2], b"ef");
    assert_eq!(storage.read_at(&mut buf, 100).unwrap(), 0);
    storage.truncate(2).unwrap();
    assert_eq!(storage.size().unwrap(), 2);
    storage.sync().unwrap();
    assert!(
        storage.map(2).unwrap().is_none(),
        "memory is read through the buffer"
    );
    storage.close().unwrap();
    assert_eq!(storage.write(b"x"), Err(rewal::Error::Closed));
    assert_eq!(handle.to_bytes(), b"ab", "other handles keep the bytes");
}

#[test]
fn file_storage_maps_reads_and_refuses_writes_when_read_only() {
    let dir = rewal_testkit::Scratch::new("filestorage");
    let path = dir.path("f.wal");
    let mut storage = FileStorage::new(&path).unwrap();
    assert_eq!(storage.path(), path);
    storage.write(b"hello world").unwrap();
    storage.sync().unwrap();
    let map = storage.map(5).unwrap();
    if cfg!(target_family = "wasm") {
        assert!(map.is_none(), "WASI has no memory maps");
    } else {
        assert_eq!(map.as_ref().unwrap().bytes(), b"hello");
    }
    let reader = FileStorage::open_read_only(&path).unwrap();
    let mut buf = [0u8; 5];
    assert_eq!(reader.read_at(&mut buf, 6).unwrap(), 5);
    assert_eq!(&buf, b"world");
    let mut reader = reader;
    assert!(matches!(reader.write(b"x"), Err(rewal::Error::Io(_))));
    storage.truncate(5).unwrap();
    assert_eq!(storage.size().unwrap(), 5);
    drop(map);
    storage.close().unwrap();
    // Closed: no more writes, syncs or cuts; reads go on, and the file is
    // free for the next open at once.
    assert_eq!(storage.write(b"x"), Err(rewal::Error::Closed));
    assert_eq!(storage.sync(), Err(rewal::Error::Closed));
    assert_eq!(storage.truncate(0), Err(rewal::Error::Closed));
    assert_eq!(storage.size().unwrap(), 5);
    assert_eq!(storage.read_at(&mut buf, 0).unwrap(), 5);
    assert_eq!(&buf, b"hello");
    assert!(storage.map(5).unwrap().is_none(), "unlocked: never mapped");
    FileStorage::new(&path).unwrap();
}

#[test]
fn scans_report_frames_and_how_the_log_ends() {
    let memory = MemoryStorage::new();
    {
        let wal = Wal::open("m")
            .storage(memory.clone())
            .compressor(rewal_testkit::Rle)
            .build()
            .unwrap();
        wal.append("a").unwrap();
        let mut batch = Batch::new();
        batch.add("b");
        batch.add("c");
        wal.append_batch(&batch).unwrap();
        wal.shutdown(std::time::Duration::from_secs(1)).unwrap();
    }
    let mut frames = Vec::new();
    let scan = inspect::scan_storage(memory.clone(), |frame| frames.push(*frame)).unwrap();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[1].offset, u64::from(frames[0].header.batch_size));
    assert_eq!(scan.end, LogEnd::Clean);
    assert_eq!(
        (scan.frames, scan.events, scan.compressed_frames),
        (2, 3, 2)
    );
    assert_eq!((scan.first_lsn, scan.last_lsn), (1, 3));
    assert_eq!(scan.valid_len, scan.file_len);
    assert_eq!(
        scan.largest_frame,
        frames[1].header.batch_size.max(frames[0].header.batch_size)
    );
    assert_eq!(
        inspect::scan_bytes(&memory.to_bytes(), |_| {}).unwrap(),
        scan
    );
    let empty = inspect::scan_bytes(&[], |_| {}).unwrap();
    assert_eq!(
        (empty.end, empty.frames, empty.first_lsn),
        (LogEnd::Clean, 0, 0)
    );
    assert_eq!(inspect::LogScan::new(0), empty);
    // A reader that walks the frames itself adds them up as the scan does.
    let mut counted = inspect::LogScan::new(scan.file_len);
    for frame in &frames {
        counted.count_frame(frame);
    }
    assert_eq!(counted, scan);
}

#[test]
fn states_display_in_lowercase() {
    let names: Vec<String> = [State::Init, State::Running, State::Draining, State::Closed]
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(names, ["init", "running", "draining", "closed"]);
}

#[test]
fn a_wal_formats_for_debugging() {
    let wal = Wal::open("dbg")
        .storage(MemoryStorage::new())
        .build()
        .unwrap();
    wal.append("x").unwrap();
    wal.flush().unwrap();
    let text = format!("{wal:?}");
    assert!(
        text.contains("Running") && text.contains("last_lsn: 1"),
        "{text}"
    );
}

#[test]
fn read_file_iterates_a_log_without_locking_it_and_knows_frame_offsets() {
    let dir = rewal_testkit::Scratch::new("readfile");
    let path = dir.path("a.wal");
    let wal = Wal::open(&path).build().unwrap();
    wal.append("one").unwrap();
    let mut batch = Batch::new();
    batch.add("two");
    batch.add("three");
    wal.append_batch(&batch).unwrap();
    wal.flush().unwrap();
    // The log is still open (and locked) here: reading needs no lock.
    let mut events = inspect::read_file(&path, 2, None).unwrap();
    let two = events.next().unwrap().unwrap();
    assert_eq!((two.lsn, events.frame_offset()), (2, 37));
    let three = events.next_borrowed().unwrap().unwrap();
    assert_eq!(three.payload, b"three");
    assert_eq!(events.frame_offset(), 37);
    assert!(events.next().unwrap().is_none());
    // A torn tail ends the iteration with Corrupted; the bytes stay.
    wal.close().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"EWAL\x02");
    std::fs::write(&path, &bytes).unwrap();
    let mut events = inspect::read_file(&path, 0, None).unwrap();
    for _ in 0..3 {
        events.next().unwrap().unwrap();
    }
    assert!(matches!(events.next(), Err(rewal::Error::Corrupted { .. })));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}
