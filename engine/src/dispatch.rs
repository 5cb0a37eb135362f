//! From a decoded record to bytes in sink buffers: route lookup, the message
//! (`msg % args`), the time fields, each target's formatter, and the batched
//! writes — plus counting and reporting what went wrong.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use crate::engine::{Command, FormatterId, Route, Shared, SinkId, SinkStats};
use crate::formatter::{Formatter, FormatterState, RecordCtx};
use crate::pyfmt::{self, FormatError};
use crate::pytime::{time_fields_from_seconds, time_fields_with, RecordArith, TimeFields};
use crate::record::{Field, RecordView};
use crate::sink::{Sink, WriteError};
use crate::value::{Args, Value};

/// A sink's batch is written early once it grows past this.
const BATCH_LIMIT: usize = 1 << 20;
/// Arguments decoded on the stack; records with more use the heap.
const INLINE_ARGS: usize = 16;

struct SinkSlot {
    sink: Box<dyn Sink>,
    stats: Arc<SinkStats>,
    batch: Vec<u8>,
    records: u64,
    /// Where each record in `batch` ends.
    ends: Vec<usize>,
    /// Write each record at once (`Sink::sends_each_record`).
    each: bool,
    /// The sink counts the records it delivers (`Sink::take_delivered`).
    counts_own: bool,
    /// A failed write cut a record in two: `batch` starts with a newline,
    /// so that the next record starts a line of its own.
    torn: bool,
    /// Errors and losses since the last report, and the last error's text.
    unreported: (u64, u64, String),
}

impl SinkSlot {
    fn new(mut sink: Box<dyn Sink>, stats: Arc<SinkStats>) -> SinkSlot {
        let (each, counts_own) = (sink.sends_each_record(), sink.take_delivered().is_some());
        SinkSlot { sink, stats, batch: Vec::new(), records: 0, ends: Vec::new(), each, counts_own, torn: false, unreported: (0, 0, String::new()) }
    }

    /// A record was appended to `batch`: count it, note where it ends, and
    /// write early if the batch is full (or the sink sends each record).
    fn end_record(&mut self) {
        self.records += 1;
        self.ends.push(self.batch.len());
        if self.each || self.batch.len() >= BATCH_LIMIT {
            self.write();
        }
    }

    fn write(&mut self) {
        if self.records == 0 {
            return;
        }
        let prefix = self.torn as usize;
        let result = match self.sink.wants_record_ends() {
            true => self.sink.write_records(&self.batch, &self.ends),
            false => self.sink.write_batch(&self.batch),
        };
        self.batch.clear();
        match result {
            Ok(()) => {
                self.torn = false;
                if !self.counts_own {
                    self.stats.written.fetch_add(self.records, Ordering::Relaxed);
                }
                self.take_sink_losses();
            }
            Err(WriteError { written, error }) => {
                // The records wholly written count as written; the rest
                // (a torn one included) as lost.
                let whole = self.ends.partition_point(|&end| end <= written);
                let lost = self.records - whole as u64;
                self.stats.written.fetch_add(whole as u64, Ordering::Relaxed);
                self.stats.lost.fetch_add(lost, Ordering::Relaxed);
                self.unreported.1 += lost;
                self.error(error);
                self.torn = match written > prefix {
                    true => whole == 0 || self.ends[whole - 1] != written,
                    false => written < prefix,
                };
                if self.torn {
                    self.batch.push(b'\n');
                }
            }
        }
        self.ends.clear();
        self.records = 0;
    }

    /// What the sink delivered, dropped or failed at on its own (network
    /// buffers and outages, failed rollovers): counted and reported.
    fn take_sink_losses(&mut self) {
        if let Some(n) = self.sink.take_delivered() {
            self.stats.written.fetch_add(n, Ordering::Relaxed);
        }
        let dropped = self.sink.take_dropped();
        if dropped > 0 {
            self.stats.lost.fetch_add(dropped, Ordering::Relaxed);
            self.unreported.1 += dropped;
        }
        if let Some(e) = self.sink.take_error() {
            self.error(e);
        }
    }

    fn error(&mut self, e: std::io::Error) {
        self.stats.errors.fetch_add(1, Ordering::Relaxed);
        self.unreported.0 += 1;
        self.unreported.2 = e.to_string();
    }
}

/// The consumer's view of the engine's tables, refreshed when they change.
pub(crate) struct Dispatch {
    shared: Arc<Shared>,
    version: u64,
    routes: Vec<Arc<Route>>,
    /// Each formatter with its cache.
    formatters: Vec<(Arc<Formatter>, FormatterState)>,
    /// `(level, name)`: a handful of entries, scanned (cheaper per record
    /// than hashing the level).
    level_names: Vec<(i32, String)>,
    sinks: Vec<Option<SinkSlot>>,
    message: Vec<u8>,
    rendered: Vec<u8>,
    last_report: Instant,
    reported_drops: u64,
    unreported_format_errors: (u64, String),
}

impl Dispatch {
    pub fn new(shared: Arc<Shared>) -> Dispatch {
        Dispatch {
            shared,
            version: u64::MAX,
            routes: Vec::new(),
            formatters: Vec::new(),
            level_names: Default::default(),
            sinks: Vec::new(),
            message: Vec::new(),
            rendered: Vec::new(),
            last_report: Instant::now(),
            reported_drops: 0,
            unreported_format_errors: (0, String::new()),
        }
    }

    /// Picks up new sinks, routes, formatters and level names.
    fn refresh(&mut self) {
        let v = self.shared.tables_version.load(Ordering::Acquire);
        if v == self.version {
            return;
        }
        self.version = v;
        for cmd in std::mem::take(&mut *self.shared.commands.lock().unwrap_or_else(|e| e.into_inner())) {
            let Command::AddSink(id, sink) = cmd;
            let stats = self.shared.tables().sink_stats[id.0 as usize].clone();
            let i = id.0 as usize;
            if self.sinks.len() <= i {
                self.sinks.resize_with(i + 1, || None);
            }
            self.sinks[i] = Some(SinkSlot::new(sink, stats));
        }
        let t = self.shared.tables();
        self.routes.clone_from(&t.routes);
        for f in &t.formatters[self.formatters.len()..] {
            // `Engine::add_formatter` built this same state (same spec, same
            // version) before registering the formatter, so this cannot fail.
            let state = f.new_state(self.shared.config.py_version).expect("validated by Engine::add_formatter");
            self.formatters.push((f.clone(), state));
        }
        self.level_names = t.level_names.iter().map(|(l, n)| (*l, n.clone())).collect();
    }

    /// Formats one record for every target of its route.
    pub fn record(&mut self, bytes: &[u8]) {
        let Ok(view) = RecordView::parse(bytes) else {
            self.format_error("malformed record".into(), "");
            return;
        };
        if view.route as usize >= self.routes.len() {
            self.refresh();
        }
        let Some(route) = self.routes.get(view.route as usize).cloned() else {
            self.format_error(format!("unknown route {}", view.route), view.template);
            return;
        };
        if route.targets.iter().any(|t| (!route.frames && t.formatter.0 as usize >= self.formatters.len()) || self.sink_missing(t.sink)) {
            self.refresh();
        }
        if route.frames {
            return self.frame(&route, &view);
        }
        if let Err(e) = self.build_message(&view) {
            self.format_error(e.to_string(), view.template);
            return;
        }
        let unnamed;
        let levelname = match self.level_names.iter().find(|(l, _)| *l == view.level) {
            Some((_, n)) => n.as_str(),
            None => {
                unnamed = format!("Level {}", view.level);
                unnamed.as_str()
            }
        };
        let message = std::str::from_utf8(&self.message).unwrap_or("");
        let ctx = RecordCtx {
            view: &view,
            logger: &route.logger,
            levelname,
            message: if view.n_args() == 0 { view.template } else { message },
            time: self.time_fields(&view),
        };
        let mut rendered_with = None;
        let mut errors = Vec::new();
        for t in &route.targets {
            if view.level < t.level {
                continue;
            }
            let Some(Some(slot)) = self.sinks.get_mut(t.sink.0 as usize) else {
                continue;
            };
            if route.targets.len() == 1 {
                // The common case: render straight into the sink's batch.
                if let Err(e) = render(&mut self.formatters, t.formatter, &ctx, &mut slot.batch) {
                    errors.push(e);
                    continue;
                }
            } else {
                // Targets sharing a formatter share one rendering.
                if rendered_with != Some(t.formatter) {
                    self.rendered.clear();
                    rendered_with = None;
                    if let Err(e) = render(&mut self.formatters, t.formatter, &ctx, &mut self.rendered) {
                        errors.push(e);
                        continue;
                    }
                    rendered_with = Some(t.formatter);
                }
                slot.batch.extend_from_slice(&self.rendered);
            }
            slot.batch.extend_from_slice(t.terminator.as_bytes());
            slot.end_record();
        }
        for e in errors {
            self.format_error(e, view.template);
        }
    }

    /// A finished frame (a frame route's record): its bytes, as they are.
    fn frame(&mut self, route: &Route, view: &RecordView<'_>) {
        let Some((_, Value::Bytes(frame))) = view.args().next() else {
            self.format_error("a frame record without its bytes".into(), view.template);
            return;
        };
        for t in &route.targets {
            if let Some(Some(slot)) = self.sinks.get_mut(t.sink.0 as usize) {
                slot.batch.extend_from_slice(frame);
                slot.end_record();
            }
        }
    }

    /// `created`, `msecs`, `relativeCreated`: from the ring timestamp, or from
    /// the value a replacement clock gave the producer.
    fn time_fields(&self, view: &RecordView<'_>) -> TimeFields {
        let (start, arith) = (self.shared.config.start, self.shared.config.py_version.record_arith());
        match view.field(Field::Created) {
            Some(Value::Float(ct)) if arith != RecordArith::Nanoseconds => time_fields_from_seconds(ct, start, arith),
            Some(Value::Int(ns)) => time_fields_with(ns, start, arith),
            _ => time_fields_with(view.ts_ns, start, arith),
        }
    }

    /// A sink this consumer has not received yet (closed ones stay `None` in place).
    fn sink_missing(&self, id: SinkId) -> bool {
        id.0 as usize >= self.sinks.len()
    }

    /// `record.getMessage()` into `self.message` (only when there are args).
    fn build_message(&mut self, view: &RecordView<'_>) -> Result<(), FormatError> {
        self.message.clear();
        if view.n_args() == 0 {
            return Ok(());
        }
        if view.args_are_mapping() {
            let kvs: Vec<(&str, Value<'_>)> = view.args().map(|(k, v)| (k.unwrap_or(""), v)).collect();
            return pyfmt::interpolate(view.template, Args::Mapping(&kvs), &mut self.message);
        }
        if view.n_args() <= INLINE_ARGS {
            let mut arr = [Value::None; INLINE_ARGS];
            let mut n = 0;
            for (_, v) in view.args() {
                arr[n] = v;
                n += 1;
            }
            pyfmt::interpolate(view.template, Args::Positional(&arr[..n]), &mut self.message)
        } else {
            let vs: Vec<Value<'_>> = view.args().map(|(_, v)| v).collect();
            pyfmt::interpolate(view.template, Args::Positional(&vs), &mut self.message)
        }
    }

    fn format_error(&mut self, err: String, template: &str) {
        self.shared.format_errors.fetch_add(1, Ordering::Relaxed);
        self.unreported_format_errors.0 += 1;
        self.unreported_format_errors.1 = format!("{err} (message: {template:?})");
    }

    /// Writes every sink's pending batch.
    pub fn write_all(&mut self) {
        for slot in self.sinks.iter_mut().flatten() {
            slot.write();
        }
    }

    /// Lets every sink do its own work (retries), records or not.
    pub fn poll_sinks(&mut self) {
        for slot in self.sinks.iter_mut().flatten() {
            slot.sink.poll();
            slot.take_sink_losses();
        }
    }

    pub fn flush_sinks(&mut self) {
        for slot in self.sinks.iter_mut().flatten() {
            if let Err(e) = slot.sink.flush() {
                slot.error(e);
            }
        }
    }

    /// Writes one sink's pending batch, then lets it start a new file.
    pub fn renew_file(&mut self, id: SinkId) {
        self.refresh();
        if let Some(Some(slot)) = self.sinks.get_mut(id.0 as usize) {
            slot.write();
            if let Err(e) = slot.sink.renew_file() {
                slot.error(e);
            }
        }
    }

    /// Writes and closes one sink; later records routed to it are skipped.
    pub fn close(&mut self, id: SinkId) {
        self.refresh();
        if let Some(Some(mut slot)) = self.sinks.get_mut(id.0 as usize).map(Option::take) {
            slot.write();
            if let Err(e) = slot.sink.close() {
                slot.error(e);
            }
            slot.take_sink_losses();
            self.report_sink(&mut slot);
        }
    }

    pub fn close_all(&mut self) {
        self.refresh();
        for i in 0..self.sinks.len() {
            self.close(SinkId(i as u32));
        }
        self.report();
    }

    /// Reports errors and drops to stderr, at most once per interval.
    pub fn report_if_due(&mut self) {
        if self.last_report.elapsed() >= self.shared.config.report_interval {
            self.report();
        }
    }

    fn report(&mut self) {
        let mut text = String::new();
        let dropped = self.shared.dropped.load(Ordering::Relaxed);
        if dropped > self.reported_drops {
            let _ = writeln!(text, "attologging: {} records dropped (a producer's ring was full)", dropped - self.reported_drops);
            self.reported_drops = dropped;
        }
        let (n, last) = std::mem::take(&mut self.unreported_format_errors);
        if n > 0 {
            let _ = writeln!(text, "attologging: {n} records could not be formatted; last: {last}");
        }
        for slot in self.sinks.iter_mut().flatten() {
            text.push_str(&sink_report(slot));
        }
        if !text.is_empty() {
            stderr_write(&text);
        }
        self.last_report = Instant::now();
    }

    fn report_sink(&mut self, slot: &mut SinkSlot) {
        let text = sink_report(slot);
        if !text.is_empty() {
            stderr_write(&text);
        }
    }
}

fn sink_report(slot: &mut SinkSlot) -> String {
    let (errors, lost, last) = std::mem::take(&mut slot.unreported);
    if errors == 0 {
        if lost == 0 {
            return String::new();
        }
        return format!("attologging: {}: {lost} records lost (not delivered: the outage buffer was full, or the sink closed while its peer was unreachable, or a frame was over the size limit)\n", slot.sink.describe());
    }
    format!("attologging: {}: {errors} failed writes, {lost} records lost; last error: {last}\n", slot.sink.describe())
}

fn stderr_write(text: &str) {
    let _ = crate::sink::StreamSink::stderr().write_batch(text.as_bytes());
}

/// Appends `formatter`'s rendering of `ctx` to `out`; on error `out` is left as it was.
fn render(formatters: &mut [(Arc<Formatter>, FormatterState)], formatter: FormatterId, ctx: &RecordCtx<'_>, out: &mut Vec<u8>) -> Result<(), String> {
    let (f, state) = &mut formatters[formatter.0 as usize];
    let start = out.len();
    f.format(ctx, state, out).map_err(|e| {
        out.truncate(start);
        e.to_string()
    })
}
