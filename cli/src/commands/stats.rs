//! `rewal stats FILE|DIR|-`: what a log holds, counted: events and payload
//! bytes per meta value, and frame sizes (as pg_waldump --stats=record
//! counts records per type).

use crate::console;
use crate::events::Filter;
use crate::failure::{exit, Failure};
use crate::payload::Encoding;
use crate::piped::Flow;
use crate::walk;
use rewal::frame::FrameEvents;
use rewal_report::count;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Counts the events the filter wants, and the frames holding them.
pub fn run(path: &Path, filter: &Filter, json: bool) -> Result<u8, Failure> {
    let mut counted = Counted::default();
    let code = walk::frames(path, |_, frame| {
        let header = &frame.header;
        if filter.to.is_some_and(|to| header.first_lsn > to) {
            return Ok(Flow::Stop);
        }
        if header.last_lsn() < filter.from {
            return Ok(Flow::Go);
        }
        let events = match frame.region() {
            Some(region) if !header.is_compressed() => {
                let mut taken = 0;
                for event in FrameEvents::new(region, header) {
                    let in_range =
                        event.lsn >= filter.from && filter.to.is_none_or(|to| event.lsn <= to);
                    if !in_range || !filter.wants_meta(event.meta) {
                        continue;
                    }
                    taken += 1;
                    counted.event(event.lsn, event.meta, event.payload.len());
                }
                taken
            }
            // A compressed frame's metas cannot be read here, nor the
            // events of a frame too large to hold.
            _ if filter.meta.is_some() => 0,
            _ => {
                counted.unread += u64::from(header.record_count);
                counted.lsns(header.first_lsn, header.last_lsn());
                u64::from(header.record_count)
            }
        };
        if events > 0 {
            counted.frame(header.batch_size);
        }
        Ok(Flow::Go)
    })?;
    let text = if json {
        let mut text =
            serde_json::to_string_pretty(&counted.report()).map_err(|error| Failure {
                code: exit::FAILED,
                message: format!("cannot write the statistics as JSON: {error}"),
            })?;
        text.push('\n');
        text
    } else {
        counted.text()
    };
    console::print(&text)?;
    Ok(code)
}

/// The counts so far.
#[derive(Default)]
struct Counted {
    /// Per meta (`None`: no meta): events and payload bytes.
    by_meta: BTreeMap<Option<Vec<u8>>, (u64, u64)>,
    /// Events whose meta could not be read (compressed frames, or frames
    /// too large to hold from a stream).
    unread: u64,
    frames: u64,
    frame_bytes: u64,
    smallest: Option<u32>,
    largest: u32,
    /// Frames by size: how many up to 2^k bytes.
    sizes: BTreeMap<u32, u64>,
    first_lsn: Option<u64>,
    last_lsn: u64,
}

impl Counted {
    fn event(&mut self, lsn: u64, meta: Option<&[u8]>, payload: usize) {
        let entry = self.by_meta.entry(meta.map(<[u8]>::to_vec)).or_default();
        entry.0 += 1;
        entry.1 += payload as u64;
        self.lsns(lsn, lsn);
    }

    fn lsns(&mut self, first: u64, last: u64) {
        self.first_lsn.get_or_insert(first);
        self.last_lsn = last;
    }

    fn frame(&mut self, size: u32) {
        self.frames += 1;
        self.frame_bytes += u64::from(size);
        self.smallest = Some(self.smallest.map_or(size, |smallest| smallest.min(size)));
        self.largest = self.largest.max(size);
        *self.sizes.entry(size.next_power_of_two()).or_default() += 1;
    }

    fn events(&self) -> u64 {
        self.by_meta.values().map(|(events, _)| events).sum::<u64>() + self.unread
    }

    fn meta_words(meta: &Option<Vec<u8>>) -> String {
        match meta {
            Some(meta) => {
                let mut text = Vec::new();
                Encoding::Utf8.write_text(meta, &mut text);
                String::from_utf8_lossy(&text).into_owned()
            }
            None => "-".into(),
        }
    }

    fn text(&self) -> String {
        let events = self.events();
        let payload: u64 = self.by_meta.values().map(|(_, bytes)| bytes).sum();
        let mut text = String::new();
        let lsns = match self.first_lsn {
            Some(first) => format!(", LSNs {first} to {}", self.last_lsn),
            None => String::new(),
        };
        let _ = writeln!(
            text,
            "events: {} in {}{lsns}",
            events,
            count(self.frames, "frame", "frames")
        );
        let percent = |part: u64, whole: u64| {
            if whole == 0 {
                0.0
            } else {
                part as f64 * 100.0 / whole as f64
            }
        };
        let rows: Vec<(String, u64, u64)> = self
            .by_meta
            .iter()
            .map(|(meta, (events, bytes))| (Self::meta_words(meta), *events, *bytes))
            .collect();
        let width = rows.iter().map(|row| row.0.len()).max().unwrap_or(0).max(4);
        if !rows.is_empty() || self.unread > 0 {
            let _ = writeln!(
                text,
                "  {:<width$}  {:>10}  {:>6}  {:>14}  {:>6}",
                "meta", "events", "%", "payload bytes", "%"
            );
        }
        for (meta, n, bytes) in &rows {
            let _ = writeln!(
                text,
                "  {meta:<width$}  {n:>10}  {:>5.1}%  {bytes:>14}  {:>5.1}%",
                percent(*n, events),
                percent(*bytes, payload)
            );
        }
        if self.unread > 0 {
            let _ = writeln!(
                text,
                "  {:<width$}  {:>10}  {:>5.1}%  (compressed or not held: metas and payloads not read)",
                "?",
                self.unread,
                percent(self.unread, events)
            );
        }
        if self.frames > 0 {
            let _ = writeln!(
                text,
                "frames: {}, {}: the smallest {}, the largest {}, {:.1} on average",
                self.frames,
                count(self.frame_bytes, "byte", "bytes"),
                self.smallest.unwrap_or_default(),
                self.largest,
                self.frame_bytes as f64 / self.frames as f64
            );
            let _ = writeln!(text, "  {:<16}  {:>10}  {:>6}", "frame size", "frames", "%");
            for (up_to, n) in &self.sizes {
                let _ = writeln!(
                    text,
                    "  {:<16}  {n:>10}  {:>5.1}%",
                    format!("up to {up_to}"),
                    percent(*n, self.frames)
                );
            }
        }
        text
    }

    fn report(&self) -> Report {
        Report {
            events: self.events(),
            frames: self.frames,
            first_lsn: self.first_lsn,
            last_lsn: self.first_lsn.map(|_| self.last_lsn),
            by_meta: self
                .by_meta
                .iter()
                .map(|(meta, (events, payload_bytes))| MetaCount {
                    meta: meta
                        .as_ref()
                        .map(|meta| String::from_utf8_lossy(meta).into_owned()),
                    events: *events,
                    payload_bytes: *payload_bytes,
                })
                .collect(),
            unread_events: self.unread,
            frame_bytes: self.frame_bytes,
            smallest_frame: self.smallest,
            largest_frame: (self.frames > 0).then_some(self.largest),
            frame_sizes: self
                .sizes
                .iter()
                .map(|(up_to, frames)| SizeCount {
                    up_to: *up_to,
                    frames: *frames,
                })
                .collect(),
        }
    }
}

/// `stats --format json`.
#[derive(Serialize)]
struct Report {
    events: u64,
    frames: u64,
    first_lsn: Option<u64>,
    last_lsn: Option<u64>,
    /// Per meta value (`null`: events without a meta), in byte order.
    by_meta: Vec<MetaCount>,
    /// Events in compressed frames (or, from a stream, frames too large
    /// to hold), whose metas were not read.
    unread_events: u64,
    frame_bytes: u64,
    smallest_frame: Option<u32>,
    largest_frame: Option<u32>,
    /// Frames by size: how many of at most `up_to` bytes (and more than
    /// the row before).
    frame_sizes: Vec<SizeCount>,
}

#[derive(Serialize)]
struct MetaCount {
    meta: Option<String>,
    events: u64,
    payload_bytes: u64,
}

#[derive(Serialize)]
struct SizeCount {
    up_to: u32,
    frames: u64,
}
