//! The append/replay model: operations decoded from the fuzz input run on
//! a log in memory, and a simple model (a list of events, the events of
//! each session joining the list when the session ends) says what every
//! replay must return. Sessions end with a shutdown, a flush and a close,
//! or a shutdown and a torn cut of the last frame (with zeros after it, as
//! preallocated space leaves, or not), and the next session recovers.

use super::{mode, Input, Rle};
use rewal::{encoding, inspect, Batch, Event, MemoryStorage, SyncMode, Wal};
use std::time::Duration;

/// A session: the open log and the events appended in it.
struct Session {
    wal: Wal,
    memory: MemoryStorage,
    appended: Vec<Event>,
}

/// The options every session opens the log with.
struct Options {
    mode: SyncMode,
    compress: bool,
}

fn open(options: &Options, bytes: Vec<u8>, model: &[Event]) -> Session {
    let memory = MemoryStorage::from_bytes(bytes);
    let builder = Wal::open("model")
        .storage(memory.clone())
        .sync_mode(options.mode);
    let builder = if options.compress {
        builder.compressor(Rle)
    } else {
        builder
    };
    let wal = builder.build().expect("a log rewal wrote reopens");
    assert_eq!(wal.last_lsn(), model.last().map_or(0, |e| e.lsn));
    Session {
        wal,
        memory,
        appended: Vec::new(),
    }
}

/// The model after this session: what it held, then what was appended.
fn all(model: &[Event], session: &Session) -> Vec<Event> {
    model.iter().chain(&session.appended).cloned().collect()
}

pub fn model(input: &[u8]) {
    let mut input = Input(input);
    let options = Options {
        mode: mode(input.byte()),
        compress: input.byte() & 1 == 1,
    };
    let mut model: Vec<Event> = Vec::new();
    let mut session = open(&options, Vec::new(), &model);
    let mut ops = 0;
    while !input.is_empty() && ops < 200 {
        ops += 1;
        let last = session.appended.last().or(model.last());
        let next = last.map_or(0, |e| e.lsn) + 1;
        match input.byte() % 11 {
            0 | 1 => {
                let len = usize::from(input.byte()) * 3;
                let payload = input.take(len);
                let meta = match input.byte() % 3 {
                    0 => {
                        let len = usize::from(input.byte() % 16);
                        Some(input.take(len)).filter(|m| !m.is_empty())
                    }
                    _ => None,
                };
                let lsn = match &meta {
                    Some(meta) => session.wal.append_with_meta(&payload, meta),
                    None => session.wal.append(&payload),
                }
                .expect("append");
                assert_eq!(lsn, next);
                session.appended.push(Event { lsn, payload, meta });
            }
            2 => {
                let n = 1 + usize::from(input.byte() % 8);
                let mut batch = Batch::new();
                for i in 0..n {
                    let len = usize::from(input.byte());
                    let payload = input.take(len);
                    batch.add(&payload);
                    session.appended.push(Event {
                        lsn: next + i as u64,
                        payload,
                        meta: None,
                    });
                }
                let last = session.wal.append_batch(&batch).expect("append_batch");
                assert_eq!(last, next + n as u64 - 1);
            }
            3 => {
                // A payload holding a valid frame with a later LSN, as a
                // log stored in a log would: a torn cut of it must not
                // make it a frame of the log.
                let len = usize::from(input.byte() % 8);
                let mut payload = input.take(len);
                let ahead = next + 1 + u64::from(input.byte());
                encoding::encode_event(&mut payload, b"embedded", b"", ahead, None)
                    .expect("encode");
                let lsn = session.wal.append(&payload).expect("append");
                assert_eq!(lsn, next);
                session.appended.push(Event {
                    lsn,
                    payload,
                    meta: None,
                });
            }
            4 => session.wal.flush().expect("flush"),
            5 => session.wal.sync().expect("sync"),
            6 => {
                let upto = next - 1;
                if upto > 0 {
                    let lsn = 1 + u64::from(input.u16()) % upto;
                    session.wal.wait_durable(lsn).expect("wait_durable");
                }
            }
            7 => {
                let from = u64::from(input.byte());
                let mut got = Vec::new();
                session
                    .wal
                    .replay(from, |event| {
                        got.push(event);
                        Ok(())
                    })
                    .expect("replay");
                let want: Vec<Event> = all(&model, &session)
                    .into_iter()
                    .filter(|e| e.lsn >= from)
                    .collect();
                assert_eq!(got, want, "replay from {from}");
            }
            8 => {
                session
                    .wal
                    .shutdown(Duration::from_secs(5))
                    .expect("shutdown");
                model = all(&model, &session);
                session = open(&options, session.memory.to_bytes(), &model);
            }
            9 => {
                session.wal.flush().expect("flush");
                session.wal.close().expect("close");
                model = all(&model, &session);
                session = open(&options, session.memory.to_bytes(), &model);
            }
            _ => {
                session
                    .wal
                    .shutdown(Duration::from_secs(5))
                    .expect("shutdown");
                model = all(&model, &session);
                let mut bytes = session.memory.to_bytes();
                let mut last_frame = None;
                inspect::scan_bytes(&bytes, |frame| last_frame = Some(*frame)).expect("scan");
                if let Some(frame) = last_frame {
                    // Cut anywhere in the last frame, its start included.
                    let start = frame.offset as usize;
                    let whole = bytes.clone();
                    let cut = start + usize::from(input.u16()) % (bytes.len() - start);
                    bytes.truncate(cut);
                    if input.byte() & 1 == 1 {
                        bytes.resize(cut + usize::from(input.byte()) * 16, 0);
                    }
                    // The zeros may put back exactly what was cut (a CRC
                    // whose last bytes are zero): then the frame is whole.
                    // F7 (tests/campaign_found.rs): a torn frame whose
                    // payload embeds the next frame, cut exactly where an
                    // embedded frame ends, is refused on purpose (it is
                    // the same bytes as a damaged frame and real ones
                    // after it); such a cut is undone.
                    let f7 = match inspect::scan_bytes(&bytes, |_| {}).expect("scan").end {
                        inspect::LogEnd::Corrupted {
                            next_valid: Some(next),
                            ..
                        } => bytes
                            .get(next as usize..)
                            .and_then(|rest| inspect::scan_bytes(rest, |_| {}).ok())
                            .is_some_and(|rest| rest.end == inspect::LogEnd::Clean),
                        _ => false,
                    };
                    if f7 {
                        bytes = whole;
                    } else if !bytes.starts_with(&whole) {
                        model.retain(|e| e.lsn < frame.header.first_lsn);
                    }
                }
                session = open(&options, bytes, &model);
            }
        }
    }
    session
        .wal
        .shutdown(Duration::from_secs(5))
        .expect("shutdown");
    let model = all(&model, &session);
    let session = open(&options, session.memory.to_bytes(), &model);
    let mut got = Vec::new();
    session
        .wal
        .replay(0, |event| {
            got.push(event);
            Ok(())
        })
        .expect("replay");
    assert_eq!(got, model);
}
