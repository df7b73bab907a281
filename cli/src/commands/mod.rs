//! One module per subcommand; each has a `run` that returns the exit code,
//! or a [`Failure`](crate::failure::Failure) to report.

pub mod append;
pub mod demo;
pub mod dump;
pub mod info;
mod info_json;
pub mod repair;
pub mod repair_dir;
pub mod tail;
pub mod tail_dir;
pub mod verify;
