//! A plugin component (`wasm32-wasip2`) that keeps a ledger in a rewal log:
//! the `event-log` world of `../wit/plugin.wit`. The host
//! (`rewal-plugin-host`) grants it one directory and calls its exports.
//!
//! Each `handle` is one rewal batch (one frame: after a crash, all of its
//! events or none), each event one record: the amount as 8 bytes
//! little-endian, then the account's name. The balances live in memory and
//! are rebuilt from the log by `open`.

mod bindings {
    wit_bindgen::generate!({ path: "../wit", world: "event-log" });
}

use bindings::exports::rewal::plugin::ledger::{Balance, Event, Guest, Summary};
use rewal::{Batch, Wal};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

/// The open log and what it holds.
struct Ledger {
    wal: Wal,
    /// Per account: the balance and the number of its events.
    balances: BTreeMap<String, (i64, u64)>,
    events: u64,
}

thread_local! {
    // One instance, one thread: the plugin's state between calls.
    static LEDGER: RefCell<Option<Ledger>> = const { RefCell::new(None) };
}

impl Ledger {
    fn apply(&mut self, account: &str, amount: i64) {
        let (total, events) = self.balances.entry(account.to_string()).or_default();
        *total = total.wrapping_add(amount);
        *events += 1;
        self.events += 1;
    }

    fn state(&self) -> Summary {
        Summary {
            balances: self
                .balances
                .iter()
                .map(|(account, &(total, events))| Balance {
                    account: account.clone(),
                    total,
                    events,
                })
                .collect(),
            events: self.events,
            // The last LSN handed out (`last_lsn` would be the last one
            // written, which lags behind until the next flush point).
            last_lsn: self.wal.last_appended_lsn(),
        }
    }
}

/// A record's payload: the amount, then the account.
fn encode(event: &Event) -> Vec<u8> {
    let mut payload = Vec::with_capacity(8 + event.account.len());
    payload.extend_from_slice(&event.amount.to_le_bytes());
    payload.extend_from_slice(event.account.as_bytes());
    payload
}

fn decode(lsn: u64, payload: &[u8]) -> Result<(&str, i64), String> {
    let bad = || format!("event {lsn} is not a ledger event");
    let (amount, account) = payload.split_first_chunk::<8>().ok_or_else(bad)?;
    let account = std::str::from_utf8(account).map_err(|_| bad())?;
    Ok((account, i64::from_le_bytes(*amount)))
}

/// Why a replay stopped, in words: a bad event, or rewal's error.
struct Stopped(String);

impl From<rewal::Error> for Stopped {
    fn from(error: rewal::Error) -> Self {
        Stopped(error.to_string())
    }
}

/// Runs `f` on the open ledger, or says that `open` comes first.
fn with_ledger<R>(f: impl FnOnce(&mut Ledger) -> Result<R, String>) -> Result<R, String> {
    LEDGER.with_borrow_mut(|ledger| match ledger {
        Some(ledger) => f(ledger),
        None => Err("the plugin is not open: call open first".into()),
    })
}

struct Plugin;

impl Guest for Plugin {
    fn open(dir: String) -> Result<Summary, String> {
        LEDGER.with_borrow_mut(|slot| {
            if slot.is_some() {
                return Err("the plugin is already open".into());
            }
            let path = Path::new(&dir).join("events.wal");
            let wal = Wal::open(&path)
                .build()
                .map_err(|error| format!("cannot open {}: {error}", path.display()))?;
            let mut ledger = Ledger {
                wal,
                balances: BTreeMap::new(),
                events: 0,
            };
            // The replay borrows the log while the balances change: the
            // events are applied from a list. A bad one stops the replay
            // with the plugin's own message (rewal's errors become theirs).
            let mut applied = Vec::new();
            ledger
                .wal
                .try_replay_borrowed(0, |event| {
                    let (account, amount) = decode(event.lsn, event.payload).map_err(Stopped)?;
                    applied.push((account.to_string(), amount));
                    Ok(())
                })
                .map_err(|Stopped(problem)| {
                    format!("cannot replay {}: {problem}", path.display())
                })?;
            for (account, amount) in applied {
                ledger.apply(&account, amount);
            }
            let state = ledger.state();
            *slot = Some(ledger);
            Ok(state)
        })
    }

    fn handle(events: Vec<Event>) -> Result<u64, String> {
        with_ledger(|ledger| {
            let mut batch = Batch::with_capacity(events.len());
            for event in &events {
                batch.add(encode(event));
            }
            let lsn = ledger
                .wal
                .append_batch(&batch)
                .map_err(|error| error.to_string())?;
            for event in &events {
                ledger.apply(&event.account, event.amount);
            }
            Ok(lsn)
        })
    }

    fn state() -> Summary {
        LEDGER.with_borrow(|ledger| match ledger {
            Some(ledger) => ledger.state(),
            None => Summary {
                balances: Vec::new(),
                events: 0,
                last_lsn: 0,
            },
        })
    }

    fn snapshot() -> Result<Summary, String> {
        with_ledger(|ledger| {
            ledger.wal.sync().map_err(|error| error.to_string())?;
            Ok(ledger.state())
        })
    }
}

bindings::export!(Plugin with_types_in bindings);
