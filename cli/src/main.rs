//! `rewal`: look inside, check, dump, append to and repair rewal logs.
//!
//! This file is the command line's shape (clap) and the dispatch; each
//! subcommand lives in `commands/`, and the pieces they share (failures and
//! exit codes, payload encodings, output, progress, scans) beside it. What
//! is wrong with a damaged log is the engine's to say
//! (`rewal::inspect::Problem`), so the browser viewer says the same.

mod commands;
mod dir;
mod dir_stream;
mod failure;
mod input;
mod manual;
mod output;
mod payload;
mod pipe;
mod progress;
mod scan;
mod stream;

use clap::{Args, Parser, Subcommand};
use failure::{exit, Failure};
use output::{Format, InfoFormat};
use payload::Encoding;
use std::path::PathBuf;
use std::process::ExitCode;

/// Look inside, check, dump, append to and repair rewal write-ahead logs.
///
/// info, verify, dump, tail and repair take a log file, or a directory of
/// segment files (a log kept by `Wal::open_dir`), read as one log. info,
/// verify and dump also read a log from standard input (`-`) or a pipe
/// (`/dev/stdin`, a FIFO), once, front to back, in bounded memory:
/// `curl -s URL | rewal verify -`.
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
    ///
    /// For a segment directory: the totals, how it ends, then one line per
    /// segment file (name, size, LSN range, how it ends).
    ///
    /// --format json prints the same as one JSON object, whose fields are
    /// listed in cli/README.md ("info --format json").
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
    /// process has open. Exit code: 0 clean, 1 torn tail, 2 corrupted,
    /// 3 unreadable or not a rewal log.
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
    Dump {
        /// The log file, a directory of segment files, or `-` for standard
        /// input.
        #[arg(value_name = "FILE|DIR|-")]
        file: PathBuf,
        /// Start at the first event with this LSN or a larger one.
        #[arg(long, value_name = "LSN", default_value_t = 0)]
        from: u64,
        /// Print at most this many events.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
        #[command(flatten)]
        shape: Shape,
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
    /// Repair a damaged log: cut a torn tail, or (on request) cut at a
    /// corruption, keeping the removed bytes in FILE.removed-OFFSET.
    ///
    /// Holds the log's exclusive lock while cutting, and syncs after.
    ///
    /// For a segment directory: cuts a torn tail in the newest segment (as
    /// opening the log would), holding the directory's lock; a corrupted
    /// directory is refused, --cut-at-corruption or not (cutting there
    /// would remove every newer segment).
    Repair {
        /// The log file, or a directory of segment files.
        #[arg(value_name = "FILE|DIR")]
        file: PathBuf,
        /// Say what would be done, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Cut at a corruption even though valid frames follow it (they are
        /// lost from the log, and kept in FILE.removed-OFFSET).
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

/// How events are printed (`dump` and `tail`).
#[derive(Debug, Clone, Copy, Args)]
struct Shape {
    /// text: LSN, meta and payload separated by tabs; jsonl: one JSON
    /// object per event with lsn, meta, payload and frame_offset.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// How payloads and metas are shown. utf8 writes text: in the text
    /// format quoted, with bytes other than printable ASCII escaped; in
    /// JSON as strings (not valid UTF-8: replaced, and marked "utf8_lossy").
    #[arg(long, value_enum, default_value_t = Encoding::Utf8)]
    payload: Encoding,
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
                failure::say(&failure.message);
            }
            ExitCode::from(failure.code)
        }
    }
}

fn run(command: Command) -> Result<u8, Failure> {
    use commands::*;
    match command {
        Command::Demo { dir } => demo::run(&dir),
        Command::Info { file, format } => info::run(&file, format),
        Command::Verify { file, quiet } => {
            if quiet {
                output::silence();
            }
            verify::run(&file)
        }
        Command::Dump {
            file,
            from,
            limit,
            shape,
        } => dump::run(&file, from, limit, shape.format, shape.payload),
        Command::Append {
            file,
            meta,
            batch,
            payload,
        } => {
            input::not_stdin(&file, "append")?;
            append::run(&file, meta.as_deref(), batch, payload)
        }
        Command::Repair {
            file,
            dry_run,
            cut_at_corruption,
        } => {
            input::not_stdin(&file, "repair")?;
            repair::run(&file, dry_run, cut_at_corruption)
        }
        Command::Tail {
            file,
            lines,
            follow,
            interval_ms,
            shape,
        } => {
            input::not_stdin(&file, "tail")?;
            tail::run(
                &file,
                lines,
                follow.then_some(std::time::Duration::from_millis(interval_ms)),
                shape.format,
                shape.payload,
            )
        }
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
