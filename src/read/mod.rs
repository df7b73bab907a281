//! The read side: sources (map or read buffer), whole-log scans, what is
//! wrong where a scan stopped, recovery at open, and the iterator.

pub(crate) mod ahead;
pub(crate) mod diagnose;
pub(crate) mod iter;
pub(crate) mod lines_ahead;
pub(crate) mod parallel;
pub(crate) mod recover;
pub(crate) mod recover_dir;
pub(crate) mod run;
pub(crate) mod scan;
pub(crate) mod scan_dir;
pub(crate) mod scan_from;
pub(crate) mod set_aside;
pub(crate) mod source;
