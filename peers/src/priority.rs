//! Starting a copy of the bench binary at the normal scheduling priority.
//!
//! Quiet runs are measured under a real-time policy (`chrt -f 50 cargo
//! bench ...`), and every process the bench starts inherits it. The CPU
//! hog of the `loaded` condition must not: busy threads at a real-time
//! priority equal to the bench's own would never let the bench run again
//! on their cores (the run hangs), and the load stands for the normal
//! work of a machine. The cells measured under that load run at the normal
//! priority too, or the real-time cells would simply push the hog aside
//! and the load would be no load.
//!
//! On Linux, `chrt --other 0 PROGRAM` runs a program at the normal policy
//! (a no-op for a process already there). Where `chrt` cannot be started,
//! the program is run directly, at whatever policy the bench has.

use std::ffi::OsStr;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// A command that runs `program` at the normal scheduling policy.
pub fn normal(program: impl AsRef<OsStr>) -> Command {
    if chrt_works() {
        let mut command = Command::new("chrt");
        command.args(["--other", "0"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// Whether `chrt --other 0` can be run here (asked once).
fn chrt_works() -> bool {
    static WORKS: OnceLock<bool> = OnceLock::new();
    *WORKS.get_or_init(|| {
        cfg!(target_os = "linux")
            && Command::new("chrt")
                .args(["--other", "0", "true"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy `chrt -p` reports for a shell started by `command`,
    /// itself started under `SCHED_FIFO` (`chrt -f 1`); `None` where that
    /// cannot be done here (no `chrt`, or no right to a real-time policy).
    fn policy_under_fifo(mut command: Command) -> Option<String> {
        command.args(["-c", "chrt -p $$"]);
        let output = Command::new("chrt")
            .args(["-f", "1"])
            .arg(command.get_program())
            .args(command.get_args())
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    #[test]
    fn a_program_started_normal_leaves_a_real_time_parent_s_policy() {
        let Some(inherited) = policy_under_fifo(Command::new("sh")) else {
            eprintln!("no chrt, or no real-time policy allowed here: nothing to check");
            return;
        };
        // Started plainly, a child keeps its parent's policy (the hang).
        assert!(inherited.contains("SCHED_FIFO"), "{inherited}");
        let normal = policy_under_fifo(normal("sh")).expect("ran once already");
        assert!(normal.contains("SCHED_OTHER"), "{normal}");
    }
}
