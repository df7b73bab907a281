//! `rewal`: look inside, check, dump, append to and repair rewal logs.
//!
//! This file is the command line's shape (clap) and the dispatch; each
//! subcommand lives in `commands/` (one `run` each, none using another),
//! and the pieces they share beside it: what an argument names
//! (`target`: a log in files, scanned as a run of segments, or a stream),
//! reading a stream (`piped`), printing events (`events`), following a
//! log (`follow`), the console, failures and exit codes, payload
//! encodings, progress, the manual. What is wrong with a damaged log is
//! the engine's to find (`rewal::inspect`) and `rewal-report`'s to word,
//! so the browser viewer says the same.

mod commands;
mod console;
mod events;
mod failure;
mod follow;
mod manual;
mod payload;
mod piped;
mod progress;
mod target;
mod walk;

use clap::{Args, Parser, Subcommand};
use events::{Filter, Format, MetaFormat};
use failure::{exit, Failure};
use payload::Encoding;
use std::path::PathBuf;
use std::process::ExitCode;

/// Look inside, check, dump, append to and repair rewal write-ahead logs.
///
/// info, verify, dump, frames, stats, tail and repair take a log file, or
/// a directory of segment files (a log kept by `Wal::open_dir`), read as
/// one log. info, verify, dump, frames and stats also read a log from
/// standard input (`-`) or a pipe (`/dev/stdin`, a FIFO), once, front to
/// back, in bounded memory: `curl -s URL | rewal verify -`.
#[derive(Debug, Parser)]
#[command(name = "rewal", bin_name = "rewal", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXIT_CODES: &str = "\
Exit codes:
  0   success (verify: the log is clean)
  1   the log ends with a torn tail (what a crash mid-write leaves; in a
      segment directory, only in the newest segment)
  2   the log is corrupted: invalid bytes followed by valid frames; in a
      segment directory also a missing segment (a gap), two that overlap,
      or damage in a segment other than the newest
  3   the file cannot be read, or is not a rewal log (a directory: holds
      files but no segment file)
  4   the operation failed or was refused (a locked log, bad input, a write error)
  64  the command line is wrong";

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a demo log in DIR (default: the current directory), append a
    /// realistic mix of events, replay it, and print a summary and the stats.
    ///
    /// The log is left in DIR/demo.wal for the other subcommands to look at;
    /// running the demo again continues its LSNs.
    Demo {
        /// Where to put demo.wal.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Describe a log: size, frames, events, LSN range, compressed frames,
    /// largest frame, and how it ends.
    #[command(long_about = INFO_ABOUT)]
    Info {
        /// The log file, a directory of segment files, or `-` for standard
        /// input.
        #[arg(value_name = "FILE|DIR|-")]
        file: PathBuf,
        /// text: aligned lines for people; json: one JSON object.
        #[arg(long, value_enum, default_value_t = InfoFormat::Text)]
        format: InfoFormat,
    },
    /// Check every frame, and say whether and where the log is damaged.
    ///
    /// Reads only and takes no lock, so it works on a log that another
    /// process has open. Exit code: 0 clean, 1 torn tail (or a power cut's
    /// lost writes after the log's last sync), 2 corrupted, 3 unreadable or
    /// not a rewal log.
    ///
    /// For a segment directory, every segment is checked, and that each
    /// begins where the one before it ends; a problem is named by its
    /// segment file and the offset within it. Only the newest segment may
    /// end in a torn tail.
    ///
    /// With -q, nothing is printed (errors included): the exit code alone
    /// says how the log ends.
    Verify {
        /// The log file, a directory of segment files, or `-` for standard
        /// input.
        #[arg(value_name = "FILE|DIR|-")]
        file: PathBuf,
        /// Print nothing; only the exit code tells.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print the events in LSN order.
    ///
    /// Streams: memory stays constant whatever the size of the log. Stops at
    /// the first invalid frame, says so on standard error, and exits with
    /// 1 (torn tail) or 2 (corruption).
    ///
    /// For a segment directory: the events of every segment, oldest first,
    /// after a scan has checked them all (it stops where a segment is
    /// damaged or does not follow the one before it); JSON lines also name
    /// the segment file that frame_offset is in ("segment").
    ///
    /// From standard input (`-`) or a pipe, each frame is held while its
    /// events are printed; a frame larger than 32 MiB is checked but not
    /// printed (exit 3): dump the file instead.
    ///
    /// --follow keeps printing events as they are appended, as tail -f does.
    Dump {
        /// The log file, a directory of segment files, or `-` for standard
        /// input.
        #[arg(value_name = "FILE|DIR|-")]
        file: PathBuf,
        #[command(flatten)]
        range: Range,
        /// Print at most this many events.
        #[arg(long, value_name = "N", conflicts_with = "follow")]
        limit: Option<u64>,
        /// Follow the log: after the events it holds, wait for new ones and
        /// print them, until interrupted (`tail -f` from --from on).
        #[arg(short, long)]
        follow: bool,
        /// How often --follow looks for new events, in milliseconds.
        #[arg(long, value_name = "MS", default_value_t = 200)]
        interval_ms: u64,
        #[command(flatten)]
        shape: Shape,
    },
    /// List the frames: offset, size, LSN range, events, whether
    /// compressed, and CRC-32C, one frame a line.
    ///
    /// As pg_waldump lists records: the log's physical layout, every frame
    /// checked. For a segment directory, each line (and JSON object) also
    /// names the segment file the offset is in. Stops where the valid
    /// frames end, saying how the log ends on standard error, with the exit
    /// code of `verify`.
    Frames {
        /// The log file, a directory of segment files, or `-` for standard
        /// input.
        #[arg(value_name = "FILE|DIR|-")]
        file: PathBuf,
        #[command(flatten)]
        range: Range,
        /// text: aligned columns; jsonl: one JSON object per frame.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Statistics: events and payload bytes per meta value, and frame
    /// sizes (as pg_waldump --stats=record).
    ///
    /// Events without a meta are counted under `-`. Compressed frames are
    /// counted as frames, their events apart (this tool has no
    /// decompressor to read their metas). The valid frames are counted, up
    /// to where the log ends (said on standard error when it is not clean,
    /// with the exit code of `verify`).
    Stats {
        /// The log file, a directory of segment files, or `-` for standard
        /// input.
        #[arg(value_name = "FILE|DIR|-")]
        file: PathBuf,
        #[command(flatten)]
        range: Range,
        /// text: aligned tables for people; json: one JSON object.
        #[arg(long, value_enum, default_value_t = InfoFormat::Text)]
        format: InfoFormat,
    },
    /// Append lines read from standard input, one event per line, then flush
    /// and sync, and print the LSNs written.
    ///
    /// A line ends at "\n" (a "\r" before it is dropped too); for payloads
    /// holding those bytes, use --payload hex or base64. The file is created
    /// if missing; a torn tail is cut first; a corrupted log is refused.
    /// Single-file logs only: a segment directory is refused.
    Append {
        /// The log file.
        file: PathBuf,
        /// Meta (text) given to every event appended.
        #[arg(long, value_name = "M")]
        meta: Option<String>,
        /// Group the lines into atomic batches of N events (one frame each;
        /// the last batch may be smaller).
        #[arg(long, value_name = "N", default_value_t = 1,
              value_parser = clap::value_parser!(u32).range(1..))]
        batch: u32,
        /// How each input line encodes its payload.
        #[arg(long, value_enum, default_value_t = Encoding::Utf8)]
        payload: Encoding,
    },
    /// Repair a damaged log: cut a torn tail, or a power cut's lost writes
    /// (keeping them), or (on request) cut at a corruption, keeping the
    /// removed bytes.
    ///
    /// A file: a torn tail is cut; a power cut's lost writes after the
    /// log's last sync are cut and kept in FILE.removed-OFFSET (no human
    /// needed: nothing acknowledged durable lies there); a corruption is cut
    /// only with --cut-at-corruption, the removed bytes kept in
    /// FILE.removed-OFFSET. Holds the log's exclusive lock while cutting,
    /// and syncs after.
    ///
    /// A segment directory: repaired by the engine itself, as opening it
    /// does (holding its lock): a torn tail in the newest segment is cut, a
    /// power cut's lost writes are moved to DIR/removed/; with
    /// --cut-at-corruption, the segments that follow each other and hold
    /// the most events stay, each cut where its valid frames end, and
    /// everything else is moved to DIR/removed/. Says what moved and what
    /// was cut.
    Repair {
        /// The log file, or a directory of segment files.
        #[arg(value_name = "FILE|DIR")]
        file: PathBuf,
        /// Say what would be done, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Cut at a corruption even though valid frames follow it (they are
        /// lost from the log, and kept beside it).
        #[arg(long)]
        cut_at_corruption: bool,
    },
    /// Print the last events; with -f, keep printing events as they are
    /// appended.
    ///
    /// For a segment directory: the last events across segments; -f
    /// follows the newest segment, moves on to the next one when the
    /// writer starts it, and is not disturbed by a checkpoint removing
    /// older segments.
    Tail {
        /// The log file, or a directory of segment files.
        #[arg(value_name = "FILE|DIR")]
        file: PathBuf,
        /// How many events to print.
        #[arg(short = 'n', long, value_name = "N", default_value_t = 10)]
        lines: u64,
        /// Follow the log: wait for new events and print them, until
        /// interrupted.
        #[arg(short, long)]
        follow: bool,
        /// How often -f looks for new events, in milliseconds.
        #[arg(long, value_name = "MS", default_value_t = 200)]
        interval_ms: u64,
        #[command(flatten)]
        shape: Shape,
    },
    /// Print a shell completion script to standard output.
    ///
    /// bash: `rewal completions bash > ~/.local/share/bash-completion/completions/rewal`;
    /// zsh: into a directory of $fpath, as `_rewal`; fish:
    /// `rewal completions fish > ~/.config/fish/completions/rewal.fish`;
    /// PowerShell: `rewal completions powershell | Out-String | Invoke-Expression`;
    /// elvish: `eval (rewal completions elvish | slurp)`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output, or write every page
    /// into a directory.
    ///
    /// `rewal man | man -l -` reads rewal(1); `rewal man dump` prints
    /// rewal-dump(1); `rewal man --dir DIR` writes rewal.1 and a
    /// rewal-COMMAND.1 for every subcommand into DIR (for
    /// /usr/local/share/man/man1, say).
    Man {
        /// The subcommand whose page to print (default: rewal(1) itself).
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
        /// Write every page into this directory instead of printing one.
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        dir: Option<PathBuf>,
    },
}

/// `info --help`'s long text, and rewal-info(1)'s description: the JSON
/// fields are listed here, where an installed binary's user finds them.
const INFO_ABOUT: &str = "\
Describe a log: size, frames, events, LSN range, compressed frames, largest frame, and how it ends.

For a segment directory: the totals, how it ends, then one line per segment file (name, size, LSN range, how it ends).

--format json prints the same as one JSON object. Its field names are stable: fields may be added, none renamed or removed. For a log file (\"kind\": \"file\") or a stream (\"stream\": standard input, a pipe):

  kind               file, stream or directory
  path               the argument as given (- for standard input)
  size               bytes (of a stream not read to its end: bytes read)
  valid_size         bytes from the start in valid frames
  read_to_end        false only for a stream cut short
  frames, compressed_frames, events
                     counts over the valid frames
  largest_frame      bytes; null without frames
  first_lsn, last_lsn
                     null without events
  status             clean, torn_tail or corrupted: what verify exits with (0, 1, 2)
  ends               the text form's ends: sentence
  damage_offset      where the bytes that are not valid frames begin; null when clean
  next_valid_offset  a corruption: where a valid frame follows; null otherwise (or when the rest was too costly to search)
  problem            what is wrong at damage_offset, in verify's words; null when clean
  notes              the text form's note: lines, as strings

For a segment directory (\"kind\": \"directory\"): path, size (all its segment files), frames, compressed_frames, largest_frame, events, first_lsn, last_lsn, status, ends, notes as above, and segments: one object per segment file, oldest first, with name, size, valid_size, the counts and LSNs, and status, ends (without its name), damage_offset, next_valid_offset, problem of that segment in its place (a torn tail with newer segments after it is corrupted).

A file that is not a log, or cannot be read, prints no JSON: the error goes to standard error with exit 3, as in the text form.";

/// The `info --format` (and `stats --format`) choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InfoFormat {
    /// Aligned `key: value` lines.
    Text,
    /// One JSON object (its fields: see `rewal info --help`).
    Json,
}

/// Which events (`dump`), or the frames holding them (`frames`,
/// `stats`).
#[derive(Debug, Clone, Args)]
struct Range {
    /// Start at the first event with this LSN or a larger one.
    #[arg(long, value_name = "LSN", default_value_t = 0)]
    from: u64,
    /// End at the last event with this LSN or a smaller one.
    #[arg(long, value_name = "LSN")]
    to: Option<u64>,
    /// Only the events whose meta matches: exactly, or as a glob with `*`
    /// (any bytes) and `?` (one byte); an event without a meta has an
    /// empty one.
    #[arg(long, value_name = "PATTERN")]
    meta: Option<String>,
}

impl Range {
    fn filter(&self, limit: Option<u64>) -> Filter {
        Filter {
            from: self.from,
            to: self.to,
            limit,
            meta: self.meta.as_ref().map(|meta| meta.as_bytes().to_vec()),
        }
    }
}

/// How events are printed (`dump` and `tail`).
#[derive(Debug, Clone, Copy, Args)]
struct Shape {
    /// text: LSN, meta and payload separated by tabs; jsonl: one JSON
    /// object per event with lsn, meta, payload and frame_offset.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// How payloads are shown. utf8 writes text: in the text format
    /// quoted, with bytes other than printable ASCII escaped; in JSON as
    /// strings (not valid UTF-8: replaced, and marked "utf8_lossy").
    #[arg(long, value_enum, default_value_t = Encoding::Utf8)]
    payload: Encoding,
    /// How metas are shown: text (as a utf8 payload is), hex or base64.
    #[arg(long, value_enum, default_value_t = MetaFormat::Text)]
    meta_format: MetaFormat,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with 0; a wrong command line
            // gets its own code, since 1 to 3 mean something about the log.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    match run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            if !failure.message.is_empty() {
                console::say(&failure.message);
            }
            ExitCode::from(failure.code)
        }
    }
}

fn run(command: Command) -> Result<u8, Failure> {
    use commands::*;
    let every = |ms: u64| std::time::Duration::from_millis(ms);
    match command {
        Command::Demo { dir } => demo::run(&dir),
        Command::Info { file, format } => info::run(&file, format == InfoFormat::Json),
        Command::Verify { file, quiet } => {
            if quiet {
                console::silence();
            }
            verify::run(&file)
        }
        Command::Dump {
            file,
            range,
            limit,
            follow,
            interval_ms,
            shape,
        } => dump::run(dump::Dump {
            path: &file,
            filter: range.filter(limit),
            follow: follow.then(|| every(interval_ms)),
            format: shape.format,
            payload: shape.payload,
            meta: shape.meta_format,
        }),
        Command::Frames {
            file,
            range,
            format,
        } => frames::run(&file, &range.filter(None), format),
        Command::Stats {
            file,
            range,
            format,
        } => stats::run(&file, &range.filter(None), format == InfoFormat::Json),
        Command::Append {
            file,
            meta,
            batch,
            payload,
        } => append::run(&file, meta.as_deref(), batch, payload),
        Command::Repair {
            file,
            dry_run,
            cut_at_corruption,
        } => repair::run(&file, dry_run, cut_at_corruption),
        Command::Tail {
            file,
            lines,
            follow,
            interval_ms,
            shape,
        } => tail::run(tail::Tail {
            path: &file,
            lines,
            follow: follow.then(|| every(interval_ms)),
            format: shape.format,
            payload: shape.payload,
            meta_format: shape.meta_format,
        }),
        Command::Completions { shell } => manual::completions(shell, &mut cli_command()),
        Command::Man { command, dir } => {
            manual::man(cli_command(), command.as_deref(), dir.as_deref())
        }
    }
}

/// The command line's definition, for completions and manual pages.
fn cli_command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
