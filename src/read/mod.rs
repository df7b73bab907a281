//! The read side: sources (map or read buffer), whole-log scans, recovery at
//! open, and the iterator.

pub(crate) mod iter;
pub(crate) mod recover;
pub(crate) mod scan;
pub(crate) mod source;
