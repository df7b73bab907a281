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
    /// The LSN of the last event handled (`Wal::last_lsn` is the last one
    /// written, which lags behind until the next flush point).
    last_lsn: u64,
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
            last_lsn: self.last_lsn,
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
            let last_lsn = wal.last_lsn();
            let mut ledger = Ledger {
                wal,
                balances: BTreeMap::new(),
                events: 0,
                last_lsn,
            };
            // The replay borrows the log while the balances change: the
            // events are applied from a list, and a bad one stops the
            // replay (rewal's error says only that the callback stopped it).
            let mut applied = Vec::new();
            let mut problem = None;
            let replayed = ledger.wal.replay_borrowed(0, |event| {
                match decode(event.lsn, event.payload) {
                    Ok((account, amount)) => applied.push((account.to_string(), amount)),
                    Err(bad) => {
                        problem = Some(bad);
                        return Err(rewal::Error::InvalidRecord);
                    }
                }
                Ok(())
            });
            if let Some(problem) = problem {
                return Err(format!("cannot replay {}: {problem}", path.display()));
            }
            replayed.map_err(|error| format!("cannot replay {}: {error}", path.display()))?;
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
            ledger.last_lsn = lsn;
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
