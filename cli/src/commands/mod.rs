//! One module per subcommand; each has a `run` that returns the exit code,
//! or a [`Failure`](crate::failure::Failure) to report. None uses another:
//! what they share is beside them (`target`, `events`, `follow`, ...).

pub mod append;
pub mod demo;
pub mod dump;
pub mod frames;
pub mod info;
mod info_json;
pub mod repair;
pub mod stats;
pub mod tail;
pub mod verify;
