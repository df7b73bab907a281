//! A sandboxed plugin that keeps its state in a WAL: a command, built for
//! `wasm32-wasip1` (a core module) or `wasm32-wasip2` (a component) and run
//! by a host under wasmtime with one preopened directory
//! (`tests/wasi_plugin.rs` is that host). `examples/host/` has a plugin
//! component with a WIT interface instead of a command line, and a host
//! in Rust.
//!
//! The plugin counts page views per page. Every view is an event; its state
//! (the counts) is rebuilt at start by replaying the log. Commands:
//!
//! ```text
//! plugin DIR view PAGE COUNT [--crash]   record COUNT views, then stop
//! plugin DIR report                      print the counts
//! ```
//!
//! With `--crash` the plugin makes its views durable every 10 events and
//! then exits without shutting the log down, as a killed plugin would:
//! whatever was not written yet is lost, what was made durable is not.

use rewal::{Result, Wal};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = Path::new(args.first().map_or("/data", String::as_str)).join("views.wal");
    let wal = Wal::open(&path).build()?;

    // Rebuild the state from the log.
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut events = 0;
    wal.replay(0, |event| {
        let page = String::from_utf8_lossy(&event.payload).into_owned();
        *counts.entry(page).or_default() += 1;
        events += 1;
        Ok(())
    })?;
    println!("recovered {events} events, last LSN {}", wal.last_lsn());

    match args.get(1).map(String::as_str) {
        Some("view") => {
            let page = args.get(2).map_or("index", String::as_str);
            let count: u64 = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1);
            let crash = args.iter().any(|arg| arg == "--crash");
            let mut durable = wal.last_lsn();
            for i in 1..=count {
                let lsn = wal.append_with_meta(page, "view")?;
                if i % 10 == 0 {
                    wal.wait_durable(lsn)?;
                    durable = lsn;
                }
            }
            println!("durable up to LSN {durable}");
            if crash {
                // A killed plugin: no shutdown, no flush of the last events.
                std::process::exit(0);
            }
            wal.shutdown(Duration::from_secs(5))?;
        }
        _ => {
            for (page, count) in &counts {
                println!("{page} {count}");
            }
            wal.shutdown(Duration::from_secs(5))?;
        }
    }
    Ok(())
}
