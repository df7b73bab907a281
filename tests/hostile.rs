//! Hostile input: random bytes, truncated frames, lying length fields. Every
//! decoder and the open path must fail cleanly: an error, never a panic,
//! never an allocation sized by what the file claims.

use rewal::encoding::{self, FrameHeader};
use rewal::inspect::{self, LogEnd};
use rewal::{Error, MemoryStorage, Wal};
use rewal_testkit::rng::Rng;
use rewal_testkit::Scratch;

/// One valid frame: `count` events "ab", first LSN 7, no compression.
fn frame(count: usize) -> Vec<u8> {
    let mut batch = rewal::Batch::new();
    for _ in 0..count {
        batch.add_with_meta("ab", "m");
    }
    let mut out = Vec::new();
    encoding::encode_batch(&mut out, &batch, 7, None).unwrap();
    out
}

/// Rewrites a header field and reseals the CRC, so only the lie is wrong.
fn forge(mut bytes: Vec<u8>, at: usize, value: &[u8]) -> Vec<u8> {
    bytes[at..at + value.len()].copy_from_slice(value);
    let end = bytes
        .len()
        .min(u32::from_le_bytes(bytes[20..24].try_into().unwrap()) as usize);
    if end >= 28 && end <= bytes.len() {
        let crc = rewal::crc::checksum(&bytes[..end - 4]);
        bytes[end - 4..end].copy_from_slice(&crc.to_le_bytes());
    }
    bytes
}

fn decode(bytes: &[u8]) -> Result<usize, Error> {
    let mut scratch = Vec::new();
    encoding::decode_batch_frame_borrowed(bytes, 0, None, &mut scratch)
        .map(|(events, _)| events.count())
}

#[test]
fn a_valid_frame_decodes() {
    assert_eq!(decode(&frame(3)), Ok(3));
    let header = encoding::scan_batch_header(&frame(3), 0).unwrap();
    assert_eq!(
        header,
        FrameHeader {
            flags: 0,
            record_count: 3,
            first_lsn: 7,
            batch_size: 28 + 3 * 9,
        }
    );
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = frame(3);
    for len in 0..bytes.len() {
        assert_eq!(
            decode(&bytes[..len]),
            Err(Error::InvalidRecord),
            "len {len}"
        );
        assert!(encoding::check_frame(&bytes[..len], 0).is_err());
    }
}

#[test]
fn every_single_bit_flip_is_caught() {
    let bytes = frame(2);
    for bit in 0..bytes.len() * 8 {
        let mut damaged = bytes.clone();
        damaged[bit / 8] ^= 1 << (bit % 8);
        // flag bits other than bit 0 are ignored when read, but the CRC
        // covers them, so every flip fails somewhere.
        assert!(decode(&damaged).is_err(), "bit {bit}");
    }
}

#[test]
fn lying_lengths_are_errors_not_allocations() {
    let good = frame(2);
    // batch_size = u32::MAX: beyond the data.
    let bytes = forge(good.clone(), 20, &u32::MAX.to_le_bytes());
    assert_eq!(decode(&bytes), Err(Error::InvalidRecord));
    // batch_size below the minimum.
    let bytes = forge(good.clone(), 20, &27u32.to_le_bytes());
    assert_eq!(decode(&bytes), Err(Error::InvalidRecord));
    // record_count = u32::MAX with a correct CRC: the records do not fit.
    let bytes = forge(good.clone(), 8, &u32::MAX.to_le_bytes());
    assert_eq!(decode(&bytes), Err(Error::InvalidRecord));
    // record_count = 0.
    let bytes = forge(good.clone(), 8, &0u32.to_le_bytes());
    assert_eq!(decode(&bytes), Err(Error::InvalidRecord));
    // first_lsn so large the LSNs overflow.
    let bytes = forge(good.clone(), 12, &u64::MAX.to_le_bytes());
    assert_eq!(decode(&bytes), Err(Error::InvalidRecord));
    // meta_len of the first record past the end of the region.
    let bytes = forge(good.clone(), 28, &u16::MAX.to_le_bytes());
    assert_eq!(decode(&bytes), Err(Error::InvalidRecord));
    // payload_len = u32::MAX.
    let bytes = forge(good.clone(), 24, &u32::MAX.to_le_bytes());
    assert_eq!(decode(&bytes), Err(Error::InvalidRecord));
    // Wrong version, wrong magic.
    assert_eq!(
        decode(&forge(good.clone(), 4, &3u16.to_le_bytes())),
        Err(Error::InvalidRecord)
    );
    assert_eq!(
        decode(&forge(good.clone(), 0, b"XWAL")),
        Err(Error::InvalidRecord)
    );
    // A bad CRC alone.
    let mut bytes = good.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    assert_eq!(decode(&bytes), Err(Error::CrcMismatch));
}

#[test]
fn a_compressed_frame_without_a_compressor_is_refused() {
    let mut batch = rewal::Batch::new();
    batch.add("aaaa");
    let mut bytes = Vec::new();
    encoding::encode_batch(&mut bytes, &batch, 1, Some(&rewal_testkit::Rle)).unwrap();
    assert_eq!(decode(&bytes), Err(Error::CompressorRequired));
    let memory = MemoryStorage::from_bytes(bytes.clone());
    let wal = Wal::open("m").storage(memory).build().unwrap();
    assert_eq!(wal.replay(0, |_| Ok(())), Err(Error::CompressorRequired));
    // A compressed region that decompresses to garbage is an error too.
    let forged = forge(bytes, 24, &[0, 0]);
    let mut scratch = Vec::new();
    assert!(encoding::decode_batch_frame_borrowed(
        &forged,
        0,
        Some(&rewal_testkit::Rle),
        &mut scratch
    )
    .is_err());
}

#[test]
fn random_bytes_never_panic_any_decoder() {
    let mut rng = Rng::new(0xBAD5EED);
    let good = frame(4);
    for round in 0..3000 {
        let len = rng.below(200) as usize;
        let mut bytes = if round % 2 == 0 {
            rng.bytes(len)
        } else {
            // Start from a real frame and damage a few bytes: gets past the
            // magic and version checks far more often.
            let mut bytes = good.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len() as u64) as usize;
                bytes[at] = rng.next_u64() as u8;
            }
            bytes.truncate(rng.below(bytes.len() as u64 + 1) as usize);
            bytes
        };
        let _ = decode(&bytes);
        let _ = encoding::check_frame(&bytes, 0);
        let _ = encoding::scan_batch_header(&bytes, 0);
        let _ = encoding::decode_all_batches(&bytes, Some(&rewal_testkit::Rle));
        let _ = inspect::scan_bytes(&bytes, |_| {});
        bytes.extend_from_slice(&good);
        let _ = inspect::scan_bytes(&bytes, |_| {});
    }
}

#[test]
fn opening_hostile_files_fails_cleanly() {
    let dir = Scratch::new("hostile");
    let path = dir.path("h.wal");
    let mut rng = Rng::new(42);
    // A frame claiming 4 GiB, alone: a torn tail (nothing valid after it).
    let claim = forge(frame(1), 20, &u32::MAX.to_le_bytes());
    std::fs::write(&path, &claim).unwrap();
    assert_eq!(
        inspect::scan_file(&path, |_| {}).unwrap().end,
        LogEnd::TornTail { offset: 0 }
    );
    // The same claim followed by a valid frame: that frame lies inside the
    // 4 GiB the header claims, so it is the payload of a torn write.
    let mut bytes = claim.clone();
    let mut next = Vec::new();
    encoding::encode_event(&mut next, b"x", b"", 100, None).unwrap();
    bytes.extend_from_slice(&next);
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(
        inspect::scan_file(&path, |_| {}).unwrap().end,
        LogEnd::TornTail { offset: 0 }
    );
    // But if only the size field was damaged (the CRC is the frame's own,
    // for its true size), the valid frame after it is real: a corruption,
    // untouched.
    let mut bytes = frame(1);
    bytes[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(&next);
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        Wal::open(&path).build().unwrap_err(),
        Error::Corrupted { .. }
    ));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    // Random files: either refused (not a log) or opened; never a panic.
    for _ in 0..50 {
        let len = rng.below(5000) as usize;
        let content = rng.bytes(len);
        std::fs::write(&path, &content).unwrap();
        match Wal::open(&path).build() {
            Ok(wal) => wal.close().unwrap(),
            Err(error) => {
                assert!(
                    matches!(error, Error::NotALog { .. } | Error::Corrupted { .. }),
                    "{error}"
                );
                assert_eq!(std::fs::read(&path).unwrap(), content);
            }
        }
    }
}

#[test]
fn a_file_full_of_frame_headers_is_scanned_in_bounded_time() {
    // 170 000 magic occurrences after a damaged first frame, each claiming
    // to run exactly to the end of the file: checking every one would CRC
    // hundreds of gigabytes. The search has a work budget and gives up,
    // which counts as "could not rule out valid data".
    const LEN: usize = 4 << 20;
    let mut bytes = frame(1);
    bytes[30] ^= 1;
    let header = frame(1)[..24].to_vec();
    while bytes.len() + 24 <= LEN {
        let claim = (LEN - bytes.len()) as u32;
        bytes.extend_from_slice(&header);
        let at = bytes.len() - 4;
        bytes[at..].copy_from_slice(&claim.to_le_bytes());
    }
    bytes.resize(LEN, 0);
    let started = std::time::Instant::now();
    let scan = inspect::scan_bytes(&bytes, |_| {}).unwrap();
    assert_eq!(
        scan.end,
        LogEnd::Corrupted {
            offset: 0,
            next_valid: None,
        }
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn the_frame_checker_asked_past_the_end_of_a_slice_says_nothing_is_there() {
    let bytes = frame(1);
    let at_the_end = rewal::frame::check_frame(&mut &bytes[..], bytes.len() as u64).unwrap();
    assert!(at_the_end.is_err(), "no frame at the end: {at_the_end:?}");
    for off in [bytes.len() as u64 + 1, u64::MAX] {
        let found = rewal::frame::check_frame(&mut &bytes[..], off).unwrap();
        assert_eq!(found, at_the_end, "at {off}");
    }
}
