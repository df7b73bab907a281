//! Runs a rewal plugin component over a directory: opens its log (saying
//! what it recovered), hands it the events given on the command line as
//! one batch, makes them durable, and prints the balances.
//!
//! ```text
//! rewal-plugin-host PLUGIN.wasm DIR [ACCOUNT=AMOUNT ...]
//! ```

use rewal_plugin_host::{Event, Host, Limits, Summary};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rewal-plugin-host: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: rewal-plugin-host PLUGIN.wasm DIR [ACCOUNT=AMOUNT ...]";
    let wasm = PathBuf::from(args.next().ok_or(usage)?);
    let dir = PathBuf::from(args.next().ok_or(usage)?);
    let events = args
        .map(|arg| parse_event(&arg))
        .collect::<Result<Vec<_>, _>>()?;

    let host = Host::load(&wasm).map_err(|error| format!("{}: {error}", wasm.display()))?;
    let mut plugin = host
        .start(&dir, Limits::default())
        .map_err(|error| error.to_string())?;
    let opened = plugin.opened();
    println!(
        "recovered {} events, last LSN {}",
        opened.events, opened.last_lsn
    );
    if !events.is_empty() {
        let lsn = plugin.handle(&events).map_err(|error| error.to_string())?;
        println!("handled {} events, last LSN {lsn}", events.len());
    }
    let summary = plugin.snapshot().map_err(|error| error.to_string())?;
    print_summary(&summary);
    Ok(())
}

/// `ACCOUNT=AMOUNT`, e.g. `alice=100` or `bob=-20`.
fn parse_event(arg: &str) -> Result<Event, String> {
    let (account, amount) = arg
        .rsplit_once('=')
        .ok_or_else(|| format!("{arg:?} is not ACCOUNT=AMOUNT"))?;
    let amount = amount
        .parse()
        .map_err(|_| format!("{arg:?}: the amount is not a whole number"))?;
    Ok(Event {
        account: account.to_string(),
        amount,
    })
}

fn print_summary(summary: &Summary) {
    println!(
        "durable: {} events, last LSN {}",
        summary.events, summary.last_lsn
    );
    for balance in &summary.balances {
        println!(
            "{} {} ({} events)",
            balance.account, balance.total, balance.events
        );
    }
}
