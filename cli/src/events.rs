//! Printing events (`dump`, `tail`): which ones ([`Filter`]), in which
//! shape ([`EventWriter`]: text or JSON lines), from a log's runs of
//! segments or a held frame of a stream, and why printing stopped early.

use crate::console::{self, halt};
use crate::failure::{exit, Failure};
use crate::payload::Encoding;
use crate::progress::Progress;
use crate::target::Log;
use rewal::frame::Problem;
use rewal::inspect::{segment_last_lsn, segment_name, LogEnd, RunProblem, RunScan};
use rewal::{BorrowedEvent, Lsn, WalIterator};
use rewal_report::{describe, misfit, place, segment_ending, Place, RunVerdict, LEFT_UNTOUCHED};
use std::io::{self, BufWriter, StdoutLock, Write};
use std::path::Path;

/// The `--format` choices of `dump`, `tail` and `frames`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `LSN <TAB> META <TAB> PAYLOAD`, META `-` when there is none.
    Text,
    /// One JSON object per line: lsn, meta (null when none), payload,
    /// frame_offset (and, for a segment directory, segment: the file
    /// frame_offset is in).
    Jsonl,
}

/// The `--meta-format` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MetaFormat {
    /// Text: quoted and escaped as a utf8 payload is.
    #[value(alias = "utf8")]
    Text,
    /// Lower-case hexadecimal.
    Hex,
    /// Standard base64 with padding.
    Base64,
}

impl MetaFormat {
    fn encoding(self) -> Encoding {
        match self {
            MetaFormat::Text => Encoding::Utf8,
            MetaFormat::Hex => Encoding::Hex,
            MetaFormat::Base64 => Encoding::Base64,
        }
    }
}

/// Which events are printed: from an LSN, up to one, at most so many,
/// and those whose meta matches a pattern.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub from: Lsn,
    /// The last LSN printed (inclusive).
    pub to: Option<Lsn>,
    pub limit: Option<u64>,
    /// `--meta`: exact, or a glob with `*` (any bytes) and `?` (one byte);
    /// an event without a meta has an empty one.
    pub meta: Option<Vec<u8>>,
}

impl Filter {
    /// Whether an event with this meta is printed.
    pub fn wants_meta(&self, meta: Option<&[u8]>) -> bool {
        self.meta
            .as_deref()
            .is_none_or(|pattern| glob(pattern, meta.unwrap_or_default()))
    }

    /// Whether nothing more is to be printed after `printed`, the last
    /// event seen being `lsn`.
    fn done(&self, printed: &Printed) -> bool {
        self.limit.is_some_and(|limit| printed.events >= limit)
    }

    /// Whether LSN `lsn` comes after the last one wanted.
    fn past(&self, lsn: Lsn) -> bool {
        self.to.is_some_and(|to| lsn > to)
    }
}

/// Whether `text` matches `pattern`: `*` any run of bytes, `?` any one
/// byte, every other byte itself.
pub fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// What has been printed so far.
#[derive(Debug, Default, Clone, Copy)]
pub struct Printed {
    pub events: u64,
    /// LSN of the last event printed (0: none yet).
    pub last_lsn: Lsn,
    /// LSN of the last event read, printed or not (0: none yet).
    pub seen_lsn: Lsn,
}

/// Writes events to standard output.
pub struct EventWriter {
    out: BufWriter<StdoutLock<'static>>,
    format: Format,
    payload: Encoding,
    meta: Encoding,
    line: Vec<u8>,
    /// The segment file the events come from, in a segment directory:
    /// JSON lines name it, since `frame_offset` is an offset within it.
    segment: Option<String>,
    /// Events whose payload or meta was not valid UTF-8 (utf8 in JSON).
    pub lossy: u64,
    lossy_now: bool,
}

impl EventWriter {
    pub fn new(format: Format, payload: Encoding, meta: MetaFormat) -> EventWriter {
        EventWriter {
            out: BufWriter::with_capacity(64 << 10, io::stdout().lock()),
            format,
            payload,
            meta: meta.encoding(),
            line: Vec::with_capacity(256),
            segment: None,
            lossy: 0,
            lossy_now: false,
        }
    }

    /// Says which segment file the next events come from (`None`: a
    /// single-file log).
    pub fn set_segment(&mut self, segment: Option<String>) {
        self.segment = segment;
    }

    /// Writes one event, in two steps: `stage` formats what comes from the
    /// event, `commit` adds the offset of its frame and writes the line.
    /// Two steps because the event borrows the iterator, which is asked for
    /// the frame offset only once the event is released.
    pub fn stage(&mut self, event: &BorrowedEvent<'_>) -> Result<(), Failure> {
        self.line.clear();
        self.lossy_now = false;
        let lsn = event.lsn.to_string();
        match self.format {
            Format::Text => {
                self.line.extend_from_slice(lsn.as_bytes());
                self.line.push(b'\t');
                match event.meta {
                    Some(meta) => self.meta.write_text(meta, &mut self.line),
                    None => self.line.push(b'-'),
                }
                self.line.push(b'\t');
                self.payload.write_text(event.payload, &mut self.line);
            }
            Format::Jsonl => {
                // Keys in a fixed order; serde_json writes (and escapes)
                // the values.
                self.line.extend_from_slice(b"{\"lsn\":");
                self.line.extend_from_slice(lsn.as_bytes());
                self.line.extend_from_slice(b",\"meta\":");
                match event.meta {
                    Some(meta) => self.json_string(meta, self.meta)?,
                    None => self.line.extend_from_slice(b"null"),
                }
                self.line.extend_from_slice(b",\"payload\":");
                self.json_string(event.payload, self.payload)?;
            }
        }
        Ok(())
    }

    /// Finishes the staged event with its frame's offset and writes it.
    pub fn commit(&mut self, frame_offset: u64) -> Result<(), Failure> {
        if self.format == Format::Jsonl {
            self.line.extend_from_slice(b",\"frame_offset\":");
            self.line
                .extend_from_slice(frame_offset.to_string().as_bytes());
            if let Some(segment) = &self.segment {
                // A segment name is 20 digits and ".wal": nothing to escape.
                self.line.extend_from_slice(b",\"segment\":\"");
                self.line.extend_from_slice(segment.as_bytes());
                self.line.push(b'"');
            }
            if self.lossy_now {
                self.lossy += 1;
                self.line.extend_from_slice(b",\"utf8_lossy\":true");
            }
            self.line.push(b'}');
        }
        self.line.push(b'\n');
        self.out.write_all(&self.line).map_err(|error| halt(&error))
    }

    fn json_string(&mut self, bytes: &[u8], encoding: Encoding) -> Result<(), Failure> {
        let (text, lossy) = encoding.json_text(bytes);
        self.lossy_now |= lossy;
        serde_json::to_writer(&mut self.line, &text).map_err(|error| Failure {
            code: exit::FAILED,
            message: format!("cannot write an event as JSON: {error}"),
        })
    }

    /// Hands everything written so far to standard output.
    pub fn flush(&mut self) -> Result<(), Failure> {
        self.out.flush().map_err(|error| halt(&error))
    }

    /// A note on stderr, about `path`, when `--payload utf8` could not
    /// show some events exactly in JSON.
    pub fn note_lossy(&self, path: &Path) {
        if self.lossy > 0 {
            console::say(format_args!(
                "{}: note: {} not valid UTF-8 and shown with replacement characters (marked \"utf8_lossy\"); --payload hex or base64 shows the exact bytes",
                path.display(),
                if self.lossy == 1 { "1 event is".to_string() } else { format!("{} events are", self.lossy) }
            ));
        }
    }
}

/// What happened to one event offered to [`offer`].
pub enum Offered {
    /// Printed, or passed over by the filter.
    Taken,
    /// Past what is wanted: stop.
    Done,
}

/// Offers one event to the filter and, if it wants it, writes its staged
/// line (the frame's offset is added by [`EventWriter::commit`]).
pub fn offer(
    event: &BorrowedEvent<'_>,
    filter: &Filter,
    out: &mut EventWriter,
    printed: &mut Printed,
) -> Result<Option<Offered>, Failure> {
    if filter.done(printed) || filter.past(event.lsn) {
        return Ok(Some(Offered::Done));
    }
    printed.seen_lsn = event.lsn;
    if event.lsn < filter.from || !filter.wants_meta(event.meta) {
        return Ok(None);
    }
    printed.last_lsn = event.lsn;
    out.stage(event)?;
    Ok(Some(Offered::Taken))
}

/// How [`pump`] ended.
pub enum Pumped {
    /// At the end of the valid frames the iterator reads.
    End,
    /// The filter wants no more events.
    Enough,
    /// The iterator stopped at an error.
    Stopped(rewal::Error),
}

/// Prints events from `iter` until the end of the log or the filter's
/// end. Memory stays constant: events are borrowed from the iterator's map
/// or buffer and formatted into one reused line.
pub fn pump(
    iter: &mut WalIterator,
    filter: &Filter,
    out: &mut EventWriter,
    progress: &mut Progress,
    printed: &mut Printed,
) -> Result<Pumped, Failure> {
    loop {
        let staged = match iter.next_borrowed() {
            Ok(Some(event)) => offer(&event, filter, out, printed)?,
            Ok(None) => return Ok(Pumped::End),
            Err(error) => return Ok(Pumped::Stopped(error)),
        };
        match staged {
            Some(Offered::Done) => return Ok(Pumped::Enough),
            Some(Offered::Taken) => {
                let offset = iter.frame_offset();
                out.commit(offset)?;
                printed.events += 1;
                progress.at(offset);
            }
            None => {}
        }
    }
}

/// Why reading stopped before the end of the log.
pub enum Stop {
    /// At bytes that are not a valid frame; the log ends as `end` there.
    Bad { end: LogEnd, problem: Problem },
    /// At a compressed frame (at `offset`, when known): this tool has no
    /// decompressor.
    Compressed { offset: Option<u64> },
    /// At a frame of a stream too large to hold, whose events therefore
    /// cannot be printed.
    TooLarge { offset: u64, len: u32 },
    /// Reading failed.
    Error(rewal::Error),
}

impl Stop {
    /// Why `iter` stopped with `error`: at a bad frame (its problem), at a
    /// compressed frame, or on another error.
    pub fn after(error: &rewal::Error, iter: &WalIterator) -> Stop {
        match (error, iter.problem()) {
            (rewal::Error::Corrupted { .. }, Some(bad)) => Stop::Bad {
                end: bad.end,
                problem: bad.problem,
            },
            (rewal::Error::CompressorRequired, _) => Stop::Compressed {
                offset: iter.stopped_at(),
            },
            (other, _) => Stop::Error(other.clone()),
        }
    }
}

/// Prints the events of the scanned log `found` wanted by `filter`; the
/// caller flushes `out`. Returns why printing stopped early, if it did (a
/// damaged log, a compressed frame); a failure to write is an error.
///
/// The scan has checked every frame already, and says where the first
/// problem is; each segment is read again as it is printed (memory stays
/// constant), so that what is printed is what was checked.
pub fn print_run(
    log: &Log,
    found: &RunScan,
    filter: &Filter,
    out: &mut EventWriter,
    progress: &mut Progress,
    printed: &mut Printed,
) -> Result<Option<Failure>, Failure> {
    let mut base = 0u64;
    for (i, segment) in found.segments.iter().enumerate() {
        if filter.done(printed) || filter.past(segment.named.unwrap_or_default()) {
            return Ok(None);
        }
        if let Some(RunProblem::Misfit {
            segment,
            misfit: how,
        }) = found.problem
        {
            if segment == i {
                return Ok(Some(Failure::at(
                    exit::CORRUPTED,
                    &log.path,
                    format_args!(
                        "stopped: corrupted: {}; {}, the segments from it on were not",
                        misfit(how),
                        done(*printed)
                    ),
                )));
            }
        }
        // A clean segment whose events all come before `from` has nothing
        // to print: its frames were checked by the scan.
        let file = log.file_of(found, i);
        let before =
            segment_last_lsn(segment.named.unwrap_or_default(), &segment.scan) < filter.from;
        if before && segment.scan.end == LogEnd::Clean && segment.named.is_some() {
            base += segment.scan.file_len;
            continue;
        }
        let mut iter = rewal::FileStorage::open_read_only(file)
            .and_then(|storage| rewal::inspect::read_storage(storage, filter.from, None))
            .map_err(|error| Failure::unreadable(file, &error))?;
        out.set_segment(log.segment_name(found, i));
        progress.set_base(base);
        base += segment.scan.file_len;
        let error = match pump(&mut iter, filter, out, progress, printed)? {
            Pumped::End => continue,
            Pumped::Enough => return Ok(None),
            Pumped::Stopped(error) => error,
        };
        // The scan's word on how the segment ends (it read the sync mark;
        // the reader did not), unless the file changed since.
        if matches!(error, rewal::Error::Corrupted { .. })
            && iter.problem().is_some()
            && segment.scan.end != LogEnd::Clean
        {
            return Ok(Some(stopped_at(log, found, i, *printed)));
        }
        let stop = Stop::after(&error, &iter);
        return Ok(Some(explain(
            &log.path,
            Some(place(found, i)),
            stop,
            *printed,
        )));
    }
    // The reads met no problem where the scan found one: the files changed
    // since (a checkpoint, a writer). What the scan found still stands.
    Ok(found.problem.as_ref().map(|_| {
        Failure::at(
            exit::CORRUPTED,
            &log.path,
            format_args!(
                "stopped: {}; {}",
                RunVerdict::new(found).ending(),
                done(*printed)
            ),
        )
    }))
}

/// Why printing stopped at the end of segment `i` of `found`'s valid
/// frames: the scan's ending of it, in its place.
fn stopped_at(log: &Log, found: &RunScan, i: usize, printed: Printed) -> Failure {
    let ending = segment_ending(found, i);
    match ending.exit_code() {
        exit::CORRUPTED => Failure::at(
            exit::CORRUPTED,
            &log.path,
            format_args!(
                "stopped: {ending}; {}, the valid frames after it were not",
                done(printed)
            ),
        ),
        exit::UNREADABLE => Failure::at(
            exit::UNREADABLE,
            &log.path,
            format_args!("{ending} {LEFT_UNTOUCHED}"),
        ),
        // A reader stops early only at something wrong: never exit 0.
        code => Failure::at(
            code.max(exit::TORN),
            &log.path,
            format_args!("stopped: {ending}; {}", done(printed)),
        ),
    }
}

/// Why reading `path` stopped, after `printed`. For a segment of a
/// directory, `segment` says which and where it stands: the words name
/// it, and a torn tail with newer segments after it is a corruption.
pub fn explain(path: &Path, segment: Option<Place>, stop: Stop, printed: Printed) -> Failure {
    let done = done(printed);
    match stop {
        Stop::Bad { end, problem } => {
            let mut ending = rewal_report::Ending::new(end, Some(describe(&problem)));
            if let Some(place) = segment {
                ending = ending.in_segment(place);
            }
            match ending.exit_code() {
                exit::CORRUPTED => Failure::at(
                    exit::CORRUPTED,
                    path,
                    format_args!("stopped: {ending}; {done}, the valid frames after it were not"),
                ),
                exit::UNREADABLE => Failure::at(
                    exit::UNREADABLE,
                    path,
                    format_args!("{ending} {LEFT_UNTOUCHED}"),
                ),
                code => Failure::at(
                    code.max(exit::TORN),
                    path,
                    format_args!("stopped: {ending}; {done}"),
                ),
            }
        }
        Stop::Compressed { offset } => {
            let which = offset.map_or("a frame".to_string(), |offset| {
                format!("the frame at offset {offset}")
            });
            let of = match segment.and_then(|place| place.named) {
                Some(named) => format!(" of {}", segment_name(named)),
                None => String::new(),
            };
            Failure::at(
                exit::UNREADABLE,
                path,
                format_args!(
                    "{which}{of} is compressed, and this tool has no decompressor for it, so its events cannot be shown (`rewal verify` still checks it)"
                ),
            )
        }
        Stop::TooLarge { offset, len } => Failure::at(
            exit::UNREADABLE,
            path,
            format_args!(
                "the frame at offset {offset} holds {len} bytes, more than the {} MiB that rewal holds of a stream, so its events cannot be shown; {done} (dump the log from a file instead; `rewal verify` checks it from a stream too)",
                crate::piped::HOLD >> 20
            ),
        ),
        Stop::Error(other) => Failure::unreadable(path, &other),
    }
}

/// The verdict on `found` as the end of a walk that printed something
/// else (frames, statistics): nothing when it is clean.
pub fn ends_badly(path: &Path, found: &RunScan) -> Option<Failure> {
    let verdict = RunVerdict::new(found);
    (verdict.exit_code() != exit::OK).then(|| {
        Failure::at(
            verdict.exit_code(),
            path,
            format_args!("the log ends here: {}", verdict.ending()),
        )
    })
}

/// `no event was printed`, or `the events up to LSN 7 were printed`.
pub fn done(printed: Printed) -> String {
    if printed.events == 0 {
        "no event was printed".to_string()
    } else {
        format!("the events up to LSN {} were printed", printed.last_lsn)
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs_match_as_shells_do() {
        for (pattern, text, matches) in [
            ("type:order.created", "type:order.created", true),
            ("type:order.*", "type:order.paid", true),
            ("type:order.*", "type:order", false),
            ("*paid", "type:order.paid", true),
            ("type:?rder.*", "type:order.item", true),
            ("*", "", true),
            ("", "", true),
            ("", "x", false),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
        ] {
            assert_eq!(
                glob(pattern.as_bytes(), text.as_bytes()),
                matches,
                "{pattern} {text}"
            );
        }
    }
}
