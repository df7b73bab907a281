//! Issue 23, item 5: replay with a callback that fails with the caller's
//! own error type, which comes back out unchanged.

use rewal::{Error, Wal};
use rewal_testkit::Scratch;
use std::path::Path;

/// A caller's error: its own reasons, and rewal's.
#[derive(Debug, PartialEq)]
enum LedgerError {
    Log(Error),
    NotAnAmount { lsn: u64, payload: String },
}

impl From<Error> for LedgerError {
    fn from(error: Error) -> Self {
        LedgerError::Log(error)
    }
}

/// A log of amounts, one of them (LSN 3) not a number.
fn ledger(path: &Path) -> Wal {
    let wal = Wal::open(path).build().unwrap();
    for payload in ["10", "-4", "twelve", "7"] {
        wal.append(payload).unwrap();
    }
    wal
}

fn amount(lsn: u64, payload: &[u8]) -> Result<i64, LedgerError> {
    let text = String::from_utf8_lossy(payload);
    text.parse().map_err(|_| LedgerError::NotAnAmount {
        lsn,
        payload: text.into_owned(),
    })
}

#[test]
fn the_callers_error_stops_the_replay_and_comes_back_unchanged() {
    let scratch = Scratch::new("try-replay");
    let wal = ledger(&scratch.path("ledger.wal"));
    let mut seen = Vec::new();
    let outcome = wal.try_replay(0, |event| {
        seen.push(event.lsn);
        let _amount = amount(event.lsn, &event.payload)?;
        Ok(())
    });
    let want = LedgerError::NotAnAmount {
        lsn: 3,
        payload: "twelve".into(),
    };
    assert_eq!(outcome, Err(want));
    assert_eq!(seen, [1, 2, 3], "stopped at the bad event");
    wal.close().unwrap();
}

#[test]
fn the_borrowed_form_too() {
    let scratch = Scratch::new("try-replay-borrowed");
    let wal = ledger(&scratch.path("ledger.wal"));
    let mut total = 0;
    let outcome = wal.try_replay_borrowed(0, |event| {
        total += amount(event.lsn, event.payload)?;
        Ok(())
    });
    assert_eq!(
        outcome,
        Err(LedgerError::NotAnAmount {
            lsn: 3,
            payload: "twelve".into(),
        })
    );
    assert_eq!(total, 6);
    // From LSN 4 on, every event is an amount.
    let mut total = 0;
    let outcome: Result<(), LedgerError> = wal.try_replay_borrowed(4, |event| {
        total += amount(event.lsn, event.payload)?;
        Ok(())
    });
    assert_eq!((outcome, total), (Ok(()), 7));
    wal.close().unwrap();
}

#[test]
fn rewals_own_errors_come_out_converted() {
    let scratch = Scratch::new("try-replay-closed");
    let wal = ledger(&scratch.path("ledger.wal"));
    wal.close().unwrap();
    let outcome = wal.try_replay(0, |event| amount(event.lsn, &event.payload).map(drop));
    assert_eq!(outcome, Err(LedgerError::Log(Error::Closed)));
    let outcome = wal.try_replay_borrowed(0, |event| amount(event.lsn, event.payload).map(drop));
    assert_eq!(outcome, Err(LedgerError::Log(Error::Closed)));
}

/// rewal 0.1.0's form is unchanged: a closure that ends in `Ok(())` and
/// uses `?` on rewal's errors still compiles, its error type inferred.
#[test]
fn the_0_1_form_still_infers_rewals_error() -> rewal::Result<()> {
    let scratch = Scratch::new("try-replay-old");
    let wal = ledger(&scratch.path("ledger.wal"));
    let mut lsns = Vec::new();
    wal.replay(0, |event| {
        let lsn = event.lsn;
        wal.last_lsn().checked_sub(lsn).ok_or(Error::InvalidLsn)?;
        lsns.push(lsn);
        Ok(())
    })?;
    wal.replay_borrowed(0, |_| Ok(()))?;
    assert_eq!(lsns, [1, 2, 3, 4]);
    wal.close()
}
