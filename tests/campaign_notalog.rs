//! Not-a-log campaign: other people's files (text, images, programs,
//! archives, files that begin with zeros or with "EWAL"; see
//! testkit/src/corpus.rs) are refused as not a log, by every way in
//! (the open with either recovery policy, the scan, the read-only reader,
//! the diagnosis), and never modified: not their bytes, not their length,
//! not their modification time. What a torn first write leaves is the
//! log's own file and opens as an empty log.

use rewal::inspect::{self, LogEnd, Problem};
use rewal::{Error, MemoryStorage, Recovery, Wal};
use rewal_testkit::campaign::{size, Campaign};
use rewal_testkit::corpus::{self, Kind, Sample};
use rewal_testkit::Scratch;
use std::path::Path;
use std::time::{Duration, SystemTime};

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Every check of a stranger in a real file.
fn check_stranger_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).unwrap();
    let before = modified(path);
    let scan = inspect::scan_file(path, |_| {}).map_err(|e| format!("scan: {e}"))?;
    if scan.end != LogEnd::NotALog || scan.frames != 0 {
        return Err(format!("scan says {scan:?}"));
    }
    let problem = inspect::diagnose_file(path, 0).map_err(|e| format!("diagnose: {e}"))?;
    let head = bytes[..bytes.len().min(8)].to_vec();
    // A file that begins with neither zeros nor the magic is "not a log"
    // for the diagnosis too (showing how it begins); for the others (zeros
    // or "EWAL" first) it names what is wrong with the frame there.
    let stranger_from_the_first_byte = bytes[0] != 0 && bytes[0] != b'E';
    match problem {
        Problem::NotALog { head: shown } if shown.as_bytes() == head => {}
        Problem::LsnsOutOfOrder { .. } => return Err("diagnose finds a valid frame".into()),
        other if stranger_from_the_first_byte => return Err(format!("diagnose says {other:?}")),
        _ => {}
    }
    let mut reader = inspect::read_file(path, 0, None).map_err(|e| format!("read_file: {e}"))?;
    if reader.next().is_ok() {
        return Err("the read-only reader read it as a log".into());
    }
    for policy in [Recovery::Strict, Recovery::TruncateAtCorruption] {
        match Wal::open(path).recovery(policy).build() {
            Err(Error::NotALog { .. }) => {}
            Err(other) => return Err(format!("{policy:?}: refused with {other}")),
            Ok(wal) => {
                let _ = wal.close();
                return Err(format!("{policy:?}: opened as a log"));
            }
        }
    }
    if std::fs::read(path).unwrap() != bytes {
        return Err("the file was modified".into());
    }
    if modified(path) != before {
        return Err("the file's modification time changed".into());
    }
    Ok(())
}

/// The checks of a stranger in memory (the read buffer).
fn check_stranger_memory(bytes: &[u8]) -> Result<(), String> {
    let scan = inspect::scan_bytes(bytes, |_| {}).map_err(|e| format!("scan: {e}"))?;
    if scan.end != LogEnd::NotALog {
        return Err(format!("scan says {scan:?}"));
    }
    for policy in [Recovery::Strict, Recovery::TruncateAtCorruption] {
        let memory = MemoryStorage::from_bytes(bytes);
        let opened = Wal::open("m")
            .storage(memory.clone())
            .recovery(policy)
            .build();
        if !matches!(opened, Err(Error::NotALog { .. })) {
            return Err(format!("{policy:?}: {:?}", opened.map(|_| "opened")));
        }
        if memory.to_bytes() != bytes {
            return Err(format!("{policy:?}: the bytes were modified"));
        }
    }
    Ok(())
}

/// What a torn first write leaves opens as an empty log that takes
/// appends from LSN 1.
fn check_empty_log(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).unwrap();
    let wal = Wal::open(path).build().map_err(|e| format!("open: {e}"))?;
    let mut events = 0;
    wal.replay(0, |_| {
        events += 1;
        Ok(())
    })
    .map_err(|e| format!("replay: {e}"))?;
    if events != 0 || wal.last_lsn() != 0 {
        return Err(format!("{events} events, last LSN {}", wal.last_lsn()));
    }
    let lsn = wal.append("first").map_err(|e| format!("append: {e}"))?;
    wal.shutdown(Duration::from_secs(10))
        .map_err(|e| format!("shutdown: {e}"))?;
    let events = rewal_testkit::read_all(path);
    if lsn != 1 || events.len() != 1 || events[0].payload != b"first" {
        return Err(format!(
            "append got LSN {lsn}, then {} events",
            events.len()
        ));
    }
    Ok(())
}

fn check(c: &mut Campaign, dir: &Scratch, samples: &[Sample], files: bool) {
    for (i, s) in samples.iter().enumerate() {
        let path = dir.path(&format!("{i}-{}", s.name));
        let outcome = match s.kind {
            Kind::Stranger => {
                c.add("strangers", 1);
                let file = if files {
                    c.add("files", 1);
                    check_stranger_file(&path, &s.bytes)
                } else {
                    Ok(())
                };
                file.and_then(|()| check_stranger_memory(&s.bytes))
            }
            Kind::EmptyLog => {
                c.add("empty_log_shapes", 1);
                check_empty_log(&path, &s.bytes)
            }
            Kind::Log => Ok(()),
        };
        outcome
            .map_err(|e| format!("{} ({} bytes): {e}", s.name, s.bytes.len()))
            .unwrap();
    }
}

#[test]
fn other_peoples_files_are_refused_and_never_modified() {
    let mut c = Campaign::start("not-a-log");
    let dir = Scratch::new("campaign-not-a-log");
    check(&mut c, &dir, &corpus::strangers(), true);
    check(&mut c, &dir, &corpus::empty_logs(), true);
    check(&mut c, &dir, &corpus::altered_heads(), true);
    // Random files that begin with neither zeros nor the magic.
    let mut rng = c.rng(0);
    let random: Vec<Sample> = (0..size(300, 100_000))
        .map(|i| {
            let len = 1 + rng.below(5000) as usize;
            let mut bytes = rng.bytes(len);
            while bytes[0] == 0 || bytes[0] == b'E' {
                bytes[0] = rng.next_u64() as u8;
            }
            Sample {
                name: format!("random-{i}.bin"),
                bytes,
                kind: Kind::Stranger,
            }
        })
        .collect();
    check(&mut c, &dir, &random, true);
    // A real program: this test's own binary (its first MiB).
    #[cfg(not(target_family = "wasm"))]
    {
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let exe = &exe[..exe.len().min(1 << 20)];
        check_stranger_file(&dir.path("program"), exe).unwrap();
        c.add("strangers", 1);
        c.add("files", 1);
    }
    c.finish();
}

/// Writes the corpus into `REWAL_CORPUS_DIR` (the viewer's hostile-file
/// test reads it from there); does nothing without it.
#[test]
fn corpus_dump() {
    let Some(dir) = std::env::var_os("REWAL_CORPUS_DIR") else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    let mut list = String::new();
    for s in corpus::all() {
        std::fs::write(Path::new(&dir).join(&s.name), &s.bytes).unwrap();
        list.push_str(&format!("{}\t{:?}\n", s.name, s.kind));
    }
    std::fs::write(Path::new(&dir).join("corpus.tsv"), list).unwrap();
}
