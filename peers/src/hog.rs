//! The CPU hog of the `loaded` condition: busy-looping threads at the
//! normal priority (also when the bench runs under a real-time policy:
//! see [`crate::priority`]), in a process of their own (a copy of the
//! bench binary), so that every library's cells compete with the same load
//! and the hog's threads are no part of the measured process.
//!
//! The hog ends when its standard input closes: when [`Hog`] is dropped,
//! and also when the parent dies without dropping it.

use crate::priority;
use std::io::Read;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const HOG: &str = "REWAL_BENCH_HOG";

/// A running hog process; stopped when dropped.
#[derive(Debug)]
pub struct Hog {
    child: Child,
    threads: usize,
}

impl Hog {
    /// Starts a process of `threads` busy-looping threads.
    pub fn start(threads: usize) -> std::io::Result<Hog> {
        let child = priority::normal(std::env::current_exe()?)
            .env(HOG, threads.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        // Give its threads the time to start spinning.
        std::thread::sleep(Duration::from_millis(50));
        Ok(Hog { child, threads })
    }

    /// How many threads it keeps busy.
    pub fn threads(&self) -> usize {
        self.threads
    }
}

impl Drop for Hog {
    fn drop(&mut self) {
        // Closing its standard input tells it to end.
        drop(self.child.stdin.take());
        let began = Instant::now();
        while began.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// In a process started by [`Hog::start`]: spins its threads until standard
/// input closes, then exits the process. Anywhere else, returns at once.
/// Call it first thing in `main`.
pub fn serve_if_asked() {
    let Some(threads) = std::env::var(HOG)
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return;
    };
    for _ in 0..threads {
        std::thread::spawn(spin);
    }
    let mut sink = [0u8; 64];
    while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
    std::process::exit(0);
}

/// Integer work that the compiler cannot drop, forever.
fn spin() {
    let mut x = 1u64;
    loop {
        x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
    }
}
