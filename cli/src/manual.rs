//! `rewal completions SHELL` and `rewal man`: generated from the command
//! line's own definition (clap_complete, clap_mangen), so that they never
//! fall behind it.

use crate::console;
use crate::failure::{describe_io, exit, Failure};
use clap::Command;
use clap_mangen::roff::{roman, Roff};
use clap_mangen::Man;
use std::path::Path;

/// The name users type.
const BIN: &str = "rewal";

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, cli: &mut Command) -> Result<u8, Failure> {
    let mut script = Vec::new();
    clap_complete::generate(shell, cli, BIN, &mut script);
    console::print(&String::from_utf8_lossy(&script))?;
    Ok(exit::OK)
}

/// Prints rewal(1), or the page of `command`, or writes every page into
/// `dir`.
pub fn man(cli: Command, command: Option<&str>, dir: Option<&Path>) -> Result<u8, Failure> {
    // Built, so that subcommands know their full names (rewal-dump).
    let mut cli = cli.disable_help_subcommand(true);
    cli.build();
    if let Some(dir) = dir {
        return write_all(&cli, dir);
    }
    let page = match command {
        None => cli.clone(),
        Some(name) => cli.find_subcommand(name).cloned().ok_or_else(|| Failure {
            code: exit::USAGE,
            message: format!(
                "no subcommand {name:?}; the pages are: {}",
                pages(&cli)
                    .map(|page| page.get_name().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?,
    };
    console::print(&String::from_utf8_lossy(&render(&page)))?;
    Ok(exit::OK)
}

/// The subcommands that get a page.
fn pages(cli: &Command) -> impl Iterator<Item = &Command> {
    cli.get_subcommands().filter(|page| !page.is_hide_set())
}

/// Writes rewal.1 and rewal-COMMAND.1 for every subcommand into `dir`,
/// and lists them.
fn write_all(cli: &Command, dir: &Path) -> Result<u8, Failure> {
    let failed = |error: std::io::Error| {
        Failure::at(
            exit::FAILED,
            dir,
            format_args!("cannot write the manual pages: {}", describe_io(&error)),
        )
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    let mut written = String::new();
    for page in std::iter::once(cli).chain(pages(cli)) {
        let path = dir.join(Man::new(page.clone()).get_filename());
        std::fs::write(&path, render(page)).map_err(failed)?;
        written.push_str(&format!("{}\n", path.display()));
    }
    console::print(&written)?;
    Ok(exit::OK)
}

/// The page of `command`: clap_mangen's, then the exit codes (the same
/// for every subcommand) under EXIT STATUS, where man pages keep them,
/// rather than in the help's epilogue, and SEE ALSO.
fn render(command: &Command) -> Vec<u8> {
    let top = command.get_name() == BIN;
    let man = Man::new(command.clone().after_help(None::<&str>))
        .source(format!("rewal {}", env!("CARGO_PKG_VERSION")))
        .manual("rewal manual");
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = man.render(&mut out);
    let mut extra = Roff::new();
    extra.control("SH", ["EXAMPLES"]);
    for (example, what) in examples(command.get_name()) {
        extra.control("TP", []);
        extra.text([roman(*example)]);
        extra.text([roman(*what)]);
    }
    extra.control("SH", ["EXIT STATUS"]);
    for line in crate::EXIT_CODES.lines().skip(1) {
        let line = line.trim();
        match line.split_once(' ') {
            // "3   the file cannot be read ...": a tagged paragraph.
            Some((code, what)) if code.chars().all(|c| c.is_ascii_digit()) => {
                extra.control("TP", []);
                extra.text([roman(code)]);
                extra.text([roman(what.trim())]);
            }
            // The rest of the sentence above.
            _ => {
                extra.text([roman(line)]);
            }
        }
    }
    extra.control("SH", ["SEE ALSO"]);
    let others: Vec<String> = if top {
        pages(command)
            .map(|page| format!("{}(1)", page.get_display_name().unwrap_or(page.get_name())))
            .collect()
    } else {
        vec![format!("{BIN}(1)")]
    };
    extra.text([roman(others.join(", "))]);
    // Without a second preamble: `render` above wrote it.
    out.extend_from_slice(extra.to_roff().as_bytes());
    out
}

/// A page's EXAMPLES: a command line, and what it does.
fn examples(page: &str) -> &'static [(&'static str, &'static str)] {
    match page {
        "demo" => &[(
            "rewal demo /tmp",
            "writes /tmp/demo.wal and prints what it holds",
        )],
        "info" => &[
            (
                "rewal info app.wal",
                "size, frames, events, LSNs, and how the log ends",
            ),
            (
                "rewal info logs/ --format json",
                "a segment directory, as one JSON object",
            ),
            (
                "curl -s URL | rewal info -",
                "a log read from standard input",
            ),
        ],
        "verify" => &[
            (
                "rewal verify app.wal",
                "one line: clean, or where and what is wrong",
            ),
            (
                "rewal verify -q logs/ || echo damaged",
                "the exit code alone",
            ),
        ],
        "dump" => &[
            (
                "rewal dump app.wal --from 100 --to 199",
                "the events 100 to 199",
            ),
            (
                "rewal dump app.wal --meta 'type:order.*' --format jsonl",
                "the events whose meta matches, as JSON lines",
            ),
            (
                "rewal dump app.wal --payload hex --meta-format hex",
                "payloads and metas in hex",
            ),
            (
                "rewal dump logs/ --follow --from 5000",
                "from LSN 5000 on, then new events as they come",
            ),
        ],
        "frames" => &[
            (
                "rewal frames app.wal",
                "offset, size, LSNs, events, compressed, CRC of every frame",
            ),
            (
                "rewal frames logs/ --format jsonl --from 90 --to 99",
                "the frames holding LSNs 90 to 99, as JSON lines",
            ),
        ],
        "stats" => &[
            (
                "rewal stats app.wal",
                "events and payload bytes per meta, and frame sizes",
            ),
            (
                "rewal stats logs/ --meta 'type:*' --format json",
                "the same for matching metas, as JSON",
            ),
        ],
        "append" => &[
            (
                "printf 'one\\ntwo\\n' | rewal append app.wal --meta note",
                "two events with the meta note",
            ),
            (
                "rewal append app.wal --payload hex --batch 100 < lines.hex",
                "hex lines, 100 to a frame",
            ),
        ],
        "repair" => &[
            (
                "rewal repair app.wal --dry-run",
                "what would be cut, touching nothing",
            ),
            (
                "rewal repair app.wal",
                "cuts a torn tail, or a power cut's lost writes (kept beside the log)",
            ),
            (
                "rewal repair logs/ --cut-at-corruption",
                "keeps the segments that hold the most events, the rest moved to logs/removed/",
            ),
        ],
        "tail" => &[
            ("rewal tail app.wal -n 20", "the last 20 events"),
            (
                "rewal tail -f logs/",
                "the last events, then new ones as the writer appends them",
            ),
        ],
        "completions" => &[(
            "rewal completions bash > ~/.local/share/bash-completion/completions/rewal",
            "bash completion",
        )],
        "man" => &[
            ("rewal man dump | man -l -", "reads rewal-dump(1)"),
            (
                "rewal man --dir /usr/local/share/man/man1",
                "installs every page",
            ),
        ],
        _ => &[
            ("rewal verify app.wal", "checks a log"),
            ("rewal dump app.wal --limit 5", "its first events"),
            ("rewal info --help", "what info prints, its JSON fields too"),
        ],
    }
}
