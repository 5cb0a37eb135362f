//! The engine: its configuration, the tables producers and the consumer share
//! (routes, formatters, level names), and the public API.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::clock::now_ns;
use crate::consumer;
use crate::formatter::{CompileError, Formatter, FormatterSpec};
use crate::pytime::{PyVersion, StartTime};
use crate::record::RecordSpec;
use crate::ring::{self, LogError, Logged, OverflowPolicy, ProducerConfig, RingRegistry, MIN_RING_CAPACITY};
use crate::sink::Sink;
use crate::value::{Args, Value};
use crate::wake::Waker;

/// Identifies a sink within its engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SinkId(pub u32);

/// Identifies a compiled formatter within its engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FormatterId(pub u32);

/// Identifies a route: a logger name and the (sink, formatter, level) targets
/// its records go to. Routes never change; a new configuration is a new route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteId(pub u32);

/// One destination of a route: a handler, in stdlib terms.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    pub sink: SinkId,
    pub formatter: FormatterId,
    /// The handler's level: records below it skip this target.
    pub level: i32,
    /// Appended after each formatted record (`StreamHandler.terminator`).
    pub terminator: String,
}

/// A route as the consumer reads it.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Route {
    /// The logger name (`%(name)s`).
    pub logger: String,
    pub targets: Vec<Target>,
    /// A route of finished frames ([`Engine::add_frame_route`]): each
    /// record's one bytes argument goes to the sinks as it is.
    pub frames: bool,
}

/// The record that carries one frame on a route made by
/// [`Engine::add_frame_route`]: `[Value::Bytes(frame)]` as its one argument.
/// [`Engine::send_frame`] logs it; [`Engine::try_log`] logs it without waiting.
pub fn frame_record<'a, 'v>(route: RouteId, frame: &'v [Value<'a>; 1]) -> RecordSpec<'a, 'v> {
    RecordSpec { route: route.0, level: 0, template: "", args: Args::Positional(frame), fields: &[] }
}

/// Engine settings; see [`Engine::builder`].
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Bytes per producer thread's ring.
    pub ring_capacity: usize,
    pub overflow: OverflowPolicy,
    /// How long the consumer naps between passes while records flow.
    pub nap: Duration,
    /// How far behind the clock the consumer's merge watermark trails.
    pub grace: Duration,
    /// Sink errors and drops are reported to stderr at most this often.
    pub report_interval: Duration,
    /// `logging._startTime` (for `relativeCreated`), as that Python version holds it.
    pub start: StartTime,
    /// Whose arithmetic `created`/`msecs`/`relativeCreated` reproduce.
    pub py_version: PyVersion,
}

/// Builds an [`Engine`].
#[derive(Clone, Debug)]
pub struct EngineBuilder {
    config: EngineConfig,
}

impl EngineBuilder {
    pub fn ring_capacity(mut self, bytes: usize) -> Self {
        self.config.ring_capacity = bytes.max(MIN_RING_CAPACITY);
        self
    }
    pub fn overflow(mut self, policy: OverflowPolicy) -> Self {
        self.config.overflow = policy;
        self
    }
    pub fn nap(mut self, d: Duration) -> Self {
        self.config.nap = d;
        self
    }
    pub fn report_interval(mut self, d: Duration) -> Self {
        self.config.report_interval = d;
        self
    }
    /// The program's start (`logging._startTime`), in ns since the epoch.
    pub fn start_ns(mut self, ns: i64) -> Self {
        self.config.start = StartTime::Nanos(ns);
        self
    }
    /// The program's start exactly as `logging._startTime` holds it
    /// (a float before Python 3.13, integer ns since).
    pub fn start_time(mut self, start: StartTime) -> Self {
        self.config.start = start;
        self
    }
    /// Whose arithmetic and `strftime` behaviour to reproduce (default 3.14).
    pub fn py_version(mut self, v: PyVersion) -> Self {
        self.config.py_version = v;
        self
    }
    /// Starts the consumer thread.
    pub fn build(self) -> Engine {
        Engine::start(self.config)
    }
}

/// Counters of one sink.
#[derive(Debug, Default)]
pub struct SinkStats {
    /// Records handed to the OS.
    pub written: AtomicU64,
    /// Records routed here that a full ring dropped.
    pub dropped: AtomicU64,
    /// Records lost to write errors.
    pub lost: AtomicU64,
    /// Failed writes.
    pub errors: AtomicU64,
}

/// A snapshot of [`SinkStats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SinkCounts {
    pub written: u64,
    pub dropped: u64,
    pub lost: u64,
    pub errors: u64,
}

impl SinkStats {
    fn snapshot(&self) -> SinkCounts {
        SinkCounts {
            written: self.written.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            lost: self.lost.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
        }
    }
}

/// Engine-wide counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineCounts {
    /// Records dropped because a ring was full (policy `Drop` or `Timeout`).
    pub dropped: u64,
    /// Records whose message or format could not be rendered.
    pub format_errors: u64,
}

/// Routes, formatters, level names and sink counters: written by the API
/// (rarely), read by the consumer when it meets an id it has not cached.
#[derive(Default)]
pub(crate) struct Tables {
    pub routes: Vec<Arc<Route>>,
    route_index: HashMap<Arc<Route>, u32>,
    pub formatters: Vec<Arc<Formatter>>,
    pub level_names: HashMap<i32, String>,
    pub sink_stats: Vec<Arc<SinkStats>>,
}

/// A request for the consumer: sinks travel to it by value.
pub(crate) enum Command {
    AddSink(SinkId, Box<dyn Sink>),
}

#[derive(Default)]
pub(crate) struct FlushState {
    pub requested: u64,
    pub done: u64,
    /// Clock reading of the newest request: everything stamped before it is written.
    pub until_ns: i64,
    /// Sinks to close once the pending requests are served.
    pub close: Vec<SinkId>,
    /// Sinks whose files to renew ([`Sink::renew_file`]) once they are served.
    pub renew_file: Vec<SinkId>,
    pub consumer_exited: bool,
}

pub(crate) struct Shared {
    pub id: u64,
    pub config: EngineConfig,
    pub rings: RingRegistry,
    pub waker: Waker,
    pub tables: Mutex<Tables>,
    /// Bumped on every change of `tables`.
    pub tables_version: AtomicU64,
    pub commands: Mutex<Vec<Command>>,
    pub flush: Mutex<FlushState>,
    pub flush_done: Condvar,
    pub shutdown: AtomicBool,
    pub dropped: AtomicU64,
    pub format_errors: AtomicU64,
}

impl Shared {
    pub fn tables(&self) -> MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn flush_state(&self) -> MutexGuard<'_, FlushState> {
        self.flush.lock().unwrap_or_else(|e| e.into_inner())
    }
}

static NEXT_ENGINE_ID: AtomicU64 = AtomicU64::new(1);

/// The logging engine: per-thread rings in front, one consumer thread behind
/// that merges records by time, formats them and writes them to sinks.
///
/// ```
/// use attologging_engine::{Engine, FormatterSpec, StreamSink, Target, Value, RecordSpec, Args};
///
/// let engine = Engine::builder().build();
/// let sink = engine.add_sink(Box::new(StreamSink::stdout()));
/// let fmt = engine.add_formatter(FormatterSpec::percent("%(levelname)s:%(name)s:%(message)s")).unwrap();
/// let route = engine.add_route("app", vec![Target { sink, formatter: fmt, level: 0, terminator: "\n".into() }]);
///
/// std::thread::scope(|s| {
///     for t in 0..4 {
///         let engine = &engine;
///         s.spawn(move || {
///             let args = [Value::Int(t), Value::Str("ok")];
///             let rec = RecordSpec { route: route.0, level: 20, template: "thread %d says %s", args: Args::Positional(&args), fields: &[] };
///             engine.log(&rec).unwrap();
///         });
///     }
/// });
/// engine.flush(); // everything logged above is now written: "INFO:app:thread 0 says ok", ...
/// ```
pub struct Engine {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Engine {
    /// Default settings: 256 KiB rings, `Block` on overflow, 1 ms naps.
    pub fn builder() -> EngineBuilder {
        EngineBuilder {
            config: EngineConfig {
                ring_capacity: 256 * 1024,
                overflow: OverflowPolicy::Block,
                nap: Duration::from_millis(1),
                grace: Duration::from_micros(10),
                report_interval: Duration::from_secs(5),
                start: StartTime::Nanos(now_ns()),
                py_version: PyVersion::new(3, 14, 0),
            },
        }
    }

    fn start(config: EngineConfig) -> Engine {
        let (waker, parker) = Waker::new();
        let mut tables = Tables::default();
        for (n, name) in [(50, "CRITICAL"), (40, "ERROR"), (30, "WARNING"), (20, "INFO"), (10, "DEBUG"), (0, "NOTSET")] {
            tables.level_names.insert(n, name.to_owned());
        }
        let shared = Arc::new(Shared {
            id: NEXT_ENGINE_ID.fetch_add(1, Ordering::Relaxed),
            config,
            rings: RingRegistry::default(),
            waker,
            tables: Mutex::new(tables),
            tables_version: AtomicU64::new(0),
            commands: Mutex::new(Vec::new()),
            flush: Mutex::new(FlushState::default()),
            flush_done: Condvar::new(),
            shutdown: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
            format_errors: AtomicU64::new(0),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("attologging-consumer".into())
            .spawn(move || consumer::run(s, parker))
            .expect("cannot start the attologging consumer thread");
        Engine { shared, thread: Mutex::new(Some(thread)) }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.shared.config
    }

    fn producer(&self) -> ProducerConfig<'_> {
        ProducerConfig {
            engine_id: self.shared.id,
            registry: &self.shared.rings,
            waker: &self.shared.waker,
            capacity: self.shared.config.ring_capacity,
            policy: self.shared.config.overflow,
        }
    }

    /// Enqueues one record from the calling thread, applying the overflow
    /// policy if its ring is full (under `Block` this may wait).
    pub fn log(&self, rec: &RecordSpec<'_, '_>) -> Result<Logged, LogError> {
        self.log_inner(rec, true)
    }

    /// Like [`Engine::log`] but never waits: a full ring under `Block` or
    /// `Timeout` gives [`LogError::WouldBlock`] (call `log` after releasing
    /// whatever lock must not be held while waiting).
    pub fn try_log(&self, rec: &RecordSpec<'_, '_>) -> Result<Logged, LogError> {
        self.log_inner(rec, false)
    }

    #[inline]
    fn log_inner(&self, rec: &RecordSpec<'_, '_>, may_wait: bool) -> Result<Logged, LogError> {
        if self.shared.shutdown.load(Ordering::Relaxed) {
            return Err(LogError::Closed);
        }
        let r = ring::produce(&self.producer(), rec, may_wait)?;
        if r == Logged::Dropped {
            self.count_drop(rec.route);
        }
        Ok(r)
    }

    fn count_drop(&self, route: u32) {
        self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        let t = self.shared.tables();
        if let Some(r) = t.routes.get(route as usize) {
            for target in &r.targets {
                if let Some(s) = t.sink_stats.get(target.sink.0 as usize) {
                    s.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Registers a sink; the consumer owns it from now on.
    pub fn add_sink(&self, sink: Box<dyn Sink>) -> SinkId {
        let id = {
            let mut t = self.shared.tables();
            t.sink_stats.push(Arc::new(SinkStats::default()));
            SinkId(t.sink_stats.len() as u32 - 1)
        };
        self.shared.commands.lock().unwrap_or_else(|e| e.into_inner()).push(Command::AddSink(id, sink));
        self.bump();
        id
    }

    /// Compiles a formatter (an identical spec gives the same id).
    pub fn add_formatter(&self, spec: FormatterSpec) -> Result<FormatterId, CompileError> {
        let mut t = self.shared.tables();
        if let Some(i) = t.formatters.iter().position(|f| *f.spec() == spec) {
            return Ok(FormatterId(i as u32));
        }
        let f = Formatter::compile(spec)?;
        // Formats `time.strftime` would reject fail here, not on every record.
        f.new_state(self.shared.config.py_version).map_err(|e| CompileError(format!("{e:?}")))?;
        t.formatters.push(Arc::new(f));
        let id = FormatterId(t.formatters.len() as u32 - 1);
        drop(t);
        self.bump();
        Ok(id)
    }

    /// The compiled formatter behind an id (to read its [`crate::formatter::Needs`]).
    pub fn formatter(&self, id: FormatterId) -> Option<Arc<Formatter>> {
        self.shared.tables().formatters.get(id.0 as usize).cloned()
    }

    /// Registers a route (an identical route gives the same id).
    pub fn add_route(&self, logger: &str, targets: Vec<Target>) -> RouteId {
        self.insert_route(Route { logger: logger.to_owned(), targets, frames: false })
    }

    /// A route that carries finished frames to `sink` (a pickled record for
    /// a `SocketHandler`, a syslog message, a MessagePack map): each frame
    /// logged with [`Engine::send_frame`] reaches the sink byte for byte,
    /// as one record, with no formatting and no terminator.
    pub fn add_frame_route(&self, sink: SinkId) -> RouteId {
        let target = Target { sink, formatter: FormatterId(0), level: i32::MIN, terminator: String::new() };
        self.insert_route(Route { logger: String::new(), targets: vec![target], frames: true })
    }

    /// Queues one frame on a route made by [`Engine::add_frame_route`]
    /// (waiting for ring space as [`Engine::log`] does).
    pub fn send_frame(&self, route: RouteId, frame: &[u8]) -> Result<Logged, LogError> {
        self.log_inner(&frame_record(route, &[Value::Bytes(frame)]), true)
    }

    fn insert_route(&self, route: Route) -> RouteId {
        let route = Arc::new(route);
        let mut t = self.shared.tables();
        if let Some(&id) = t.route_index.get(&route) {
            return RouteId(id);
        }
        let id = t.routes.len() as u32;
        t.routes.push(route.clone());
        t.route_index.insert(route, id);
        drop(t);
        self.bump();
        RouteId(id)
    }

    /// `logging.addLevelName(level, name)`, for `%(levelname)s`.
    pub fn set_level_name(&self, level: i32, name: &str) {
        self.shared.tables().level_names.insert(level, name.to_owned());
        self.bump();
    }

    fn bump(&self) {
        self.shared.tables_version.fetch_add(1, Ordering::Release);
    }

    /// Returns once every record enqueued before the call (by any thread) has
    /// been written to its sink, i.e. handed to the OS.
    pub fn flush(&self) {
        self.flush_then(|_| {});
    }

    /// Flushes, then closes the sink: records logged to it later are ignored.
    pub fn close_sink(&self, id: SinkId) {
        self.flush_then(|st| st.close.push(id));
    }

    /// Flushes, then lets the sink start a new file ([`Sink::renew_file`]:
    /// a rotating sink rolls over, a watched one reopens if its path changed):
    /// records logged before the call are in the old file, records logged
    /// after it in the new one.
    pub fn renew_sink_file(&self, id: SinkId) {
        self.flush_then(|st| st.renew_file.push(id));
    }

    fn flush_then(&self, request: impl FnOnce(&mut FlushState)) {
        let mut st = self.shared.flush_state();
        if st.consumer_exited {
            return;
        }
        st.requested += 1;
        let ticket = st.requested;
        st.until_ns = now_ns();
        request(&mut st);
        self.shared.waker.wake();
        while st.done < ticket && !st.consumer_exited {
            st = self.shared.flush_done.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Counters of one sink.
    pub fn sink_counts(&self, id: SinkId) -> SinkCounts {
        self.shared.tables().sink_stats.get(id.0 as usize).map(|s| s.snapshot()).unwrap_or_default()
    }

    /// Engine-wide counters.
    pub fn counts(&self) -> EngineCounts {
        EngineCounts { dropped: self.shared.dropped.load(Ordering::Relaxed), format_errors: self.shared.format_errors.load(Ordering::Relaxed) }
    }

    /// Writes everything enqueued so far, closes every sink and stops the
    /// consumer. Later calls to `log` return [`LogError::Closed`].
    pub fn shutdown(&self) {
        let handle = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = handle {
            self.flush();
            self.shared.shutdown.store(true, Ordering::SeqCst);
            self.shared.waker.wake();
            let _ = h.join();
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.shutdown();
    }
}
