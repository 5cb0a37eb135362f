//! `_native.Engine`: the engine's sinks, formatters, routes and counters,
//! as the Python package drives them (one engine per process).

use std::os::fd::FromRawFd;
use std::sync::Arc;
use std::time::Duration;

use attologging_engine as eng;
use eng::pytime::{PyVersion, StartTime};
use eng::{
    Args, FileMode, FileSink, FormatterSpec, Handover, LogError, NetOptions, NetSink, OverflowPolicy, OwnedValue, Peer, RecordSpec, RotatingFileSink,
    StreamSink, Style, Target, Tls, TlsOptions, Value, WatchedFileSink,
};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString, PyTuple};

/// A Python argument converted for the engine: borrowed where Python already
/// holds the bytes (str as UTF-8, bytes), owned where text had to be made.
pub enum Arg<'a> {
    Value(Value<'a>),
    BigInt(String),
    Rendered(String),
}

impl Arg<'_> {
    pub fn value(&self) -> Value<'_> {
        match self {
            Arg::Value(v) => *v,
            Arg::BigInt(s) => Value::BigInt(s),
            Arg::Rendered(s) => Value::Rendered(s),
        }
    }
}

/// Converts by exact type (subclasses are rendered with `str()`, as `%s` would).
pub(crate) fn convert<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Arg<'a>> {
    if let Some(v) = crate::capture::exact_value(obj)? {
        return Ok(match v {
            Value::BigInt(_) => Arg::BigInt(obj.str()?.to_str()?.to_owned()),
            v => Arg::Value(v),
        });
    }
    Ok(Arg::Rendered(obj.str()?.to_str()?.to_owned()))
}

/// A `Formatter(defaults=...)` value: exact scalar types only.
fn owned_value(obj: &Bound<'_, PyAny>) -> PyResult<OwnedValue> {
    match crate::capture::exact_value(obj)? {
        Some(Value::BigInt(_)) => Ok(OwnedValue::BigInt(obj.str()?.to_str()?.to_owned())),
        Some(v) => Ok(v.into()),
        None => Err(PyValueError::new_err("a defaults value of this type is rendered by Python")),
    }
}

fn overflow_policy(name: &str, timeout_ms: Option<u64>) -> PyResult<OverflowPolicy> {
    Ok(match name {
        "block" => OverflowPolicy::Block,
        "drop" => OverflowPolicy::Drop,
        "timeout" => OverflowPolicy::Timeout(Duration::from_millis(timeout_ms.unwrap_or(100))),
        other => return Err(PyValueError::new_err(format!("unknown overflow policy {other:?} (block, drop, timeout)"))),
    })
}

fn style_of(s: &str) -> PyResult<Style> {
    Ok(match s {
        "%" => Style::Percent,
        "{" => Style::Brace,
        "$" => Style::Dollar,
        _ => return Err(PyValueError::new_err("Style must be one of: %,{,$")),
    })
}

/// `logging._startTime`: an int of nanoseconds (3.13+) or a float of seconds.
fn start_time(obj: &Bound<'_, PyAny>) -> PyResult<StartTime> {
    if obj.is_exact_instance_of::<PyInt>() {
        return Ok(StartTime::Nanos(obj.extract()?));
    }
    Ok(StartTime::Seconds(obj.extract()?))
}

/// Logs one record, releasing the GIL only if the ring is full and the
/// policy waits. `rec` borrows Python objects the caller keeps alive.
pub fn log_record(py: Python<'_>, engine: &eng::Engine, rec: &RecordSpec<'_, '_>) -> Result<eng::Logged, LogError> {
    match engine.try_log(rec) {
        Err(LogError::WouldBlock) => py.detach(|| engine.log(rec)),
        r => r,
    }
}

/// The logging engine: per-thread rings, one consumer thread, sinks.
#[pyclass(module = "attologging._native", frozen)]
pub struct Engine {
    pub inner: Arc<eng::Engine>,
}

#[pymethods]
impl Engine {
    /// `start` is `logging._startTime` and `version` the `(major, minor,
    /// micro)` whose `LogRecord` arithmetic and `strftime` to reproduce;
    /// both default to "now" and the newest version.
    #[new]
    #[pyo3(signature = (ring_capacity = 262144, overflow = "block", timeout_ms = None, start = None, version = None))]
    fn new(ring_capacity: usize, overflow: &str, timeout_ms: Option<u64>, start: Option<&Bound<'_, PyAny>>, version: Option<(u8, u8, u8)>) -> PyResult<Self> {
        let policy = overflow_policy(overflow, timeout_ms)?;
        let mut b = eng::Engine::builder().ring_capacity(ring_capacity).overflow(policy);
        if let Some((major, minor, micro)) = version {
            b = b.py_version(PyVersion::new(major, minor, micro));
        }
        if let Some(s) = start {
            b = b.start_time(start_time(s)?);
        }
        Ok(Engine { inner: Arc::new(b.build()) })
    }

    /// A sink writing to an open file descriptor the caller keeps open.
    fn add_stream_sink(&self, fd: i32) -> u32 {
        self.inner.add_sink(Box::new(StreamSink::new(fd))).0
    }

    /// A sink owning a file opened for append (`"a"`) or truncation (`"w"`).
    #[pyo3(signature = (path, mode = "a"))]
    fn add_file_sink(&self, path: std::path::PathBuf, mode: &str) -> PyResult<u32> {
        let sink = FileSink::open(&path, file_mode(mode)?).map_err(|e| os_error(&path, e))?;
        Ok(self.inner.add_sink(Box::new(sink)).0)
    }

    /// A sink that rolls `path` over to `path.1` ... `path.<backup_count>`
    /// by size, deciding before each record on the consumer
    /// (`RotatingFileHandler`). With `delay` the file is opened on the first
    /// write. `rotate_empty`: whether an empty file rolls over (before
    /// Python 3.13 and 3.12.6 it does).
    /// With `map` the file is written through a memory map (see
    /// `RotatingFileSink::through_map`), else with `O_APPEND` writes.
    #[pyo3(signature = (path, mode, max_bytes, backup_count, rotate_empty, delay = false, map = false))]
    #[allow(clippy::too_many_arguments)]
    fn add_rotating_sink(
        &self,
        path: std::path::PathBuf,
        mode: &str,
        max_bytes: u64,
        backup_count: u32,
        rotate_empty: bool,
        delay: bool,
        map: bool,
    ) -> PyResult<u32> {
        let mode = file_mode(mode)?;
        let sink = RotatingFileSink::delayed(&path, mode, max_bytes, backup_count, rotate_empty).through_map(map);
        let sink = if delay { sink } else { sink.opened().map_err(|e| os_error(&path, e))? };
        Ok(self.inner.add_sink(Box::new(sink)).0)
    }

    /// A sink that reopens `path` whenever the path names another file
    /// (`WatchedFileHandler`), checked before each batch.
    #[pyo3(signature = (path, mode, delay = false))]
    fn add_watched_sink(&self, path: std::path::PathBuf, mode: &str, delay: bool) -> PyResult<u32> {
        let mode = file_mode(mode)?;
        let sink = if delay { WatchedFileSink::delayed(&path, mode) } else { WatchedFileSink::open(&path, mode).map_err(|e| os_error(&path, e))? };
        Ok(self.inner.add_sink(Box::new(sink)).0)
    }

    /// A sink that sends frames to a network peer from the consumer thread,
    /// never blocking: `kind` is `'tcp'` or `'udp'` with `address` a
    /// `(host, port)` pair (resolved now), or `'unix'` / `'unix_dgram'`
    /// with a path. Frames wait in a buffer of at most `buffer_limit` bytes
    /// while the peer is unreachable; frames over `max_frame` bytes, and
    /// those that do not fit, are counted as lost. Reconnects back off
    /// exponentially with full jitter (seconds: `backoff_base`,
    /// `backoff_cap`, reset after `backoff_reset` up).
    /// `tls`: a `TlsConfig` (stream peers only).
    #[pyo3(signature = (kind, address, buffer_limit = 16 << 20, max_frame = 1 << 20, backoff_base = 0.1, backoff_cap = 10.0, backoff_reset = 30.0, tls = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_net_sink(
        &self,
        py: Python<'_>,
        kind: &str,
        address: &Bound<'_, PyAny>,
        buffer_limit: usize,
        max_frame: usize,
        backoff_base: f64,
        backoff_cap: f64,
        backoff_reset: f64,
        tls: Option<PyRef<'_, TlsConfig>>,
    ) -> PyResult<u32> {
        if tls.is_some() && !matches!(kind, "tcp" | "unix") {
            return Err(PyValueError::new_err(format!("TLS needs a stream peer (tcp or unix), not {kind}")));
        }
        let peer = match kind {
            "tcp" | "udp" => {
                let (host, port): (String, u16) = address.extract()?;
                let addrs = py
                    .detach(|| std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)).map(Iterator::collect::<Vec<_>>))
                    .map_err(|e| PyOSError::new_err(format!("{host}:{port}: {e}")))?;
                if kind == "tcp" {
                    Peer::Tcp(addrs)
                } else {
                    Peer::Udp(addrs)
                }
            }
            "unix" => Peer::UnixStream(address.extract()?),
            "unix_dgram" => Peer::UnixDatagram(address.extract()?),
            other => return Err(PyValueError::new_err(format!("unknown peer kind {other:?} (tcp, udp, unix, unix_dgram)"))),
        };
        let secs = |s: f64| Duration::try_from_secs_f64(s).map_err(|e| PyValueError::new_err(format!("backoff: {e}")));
        let opts = NetOptions {
            backoff_base: secs(backoff_base)?,
            backoff_cap: secs(backoff_cap)?,
            backoff_reset: secs(backoff_reset)?,
            buffer_limit,
            max_frame,
            tls: tls.map(|t| t.0.clone()),
            ..NetOptions::default()
        };
        Ok(self.inner.add_sink(Box::new(NetSink::new(peer, opts))).0)
    }

    /// A network sink that sends on the sockets the handler connects and
    /// hands over (`SocketHandler`'s own connection and retry schedule):
    /// returns the sink and its `SocketHandover`. The buffer and frame
    /// limits default to `NetOptions`'.
    #[pyo3(signature = (stream, buffer_limit = None, max_frame = None))]
    fn add_handover_sink(&self, stream: bool, buffer_limit: Option<usize>, max_frame: Option<usize>) -> (u32, SocketHandover) {
        let handover = Arc::new(Handover::default());
        let d = NetOptions::default();
        let opts = NetOptions { buffer_limit: buffer_limit.unwrap_or(d.buffer_limit), max_frame: max_frame.unwrap_or(d.max_frame), ..d };
        let sink = self.inner.add_sink(Box::new(NetSink::new(Peer::Handover(handover.clone(), stream), opts)));
        (sink.0, SocketHandover(handover))
    }

    /// A route that carries finished frames (bytes) to `sink` unchanged.
    fn add_frame_route(&self, sink: u32) -> u32 {
        self.inner.add_frame_route(eng::SinkId(sink)).0
    }

    /// Queues one frame on a frame route; the GIL is released while the
    /// ring is full.
    fn send_frame(&self, py: Python<'_>, route: u32, frame: &[u8]) -> PyResult<()> {
        let frame = [Value::Bytes(frame)];
        match log_record(py, &self.inner, &eng::frame_record(eng::RouteId(route), &frame)) {
            Ok(_) => Ok(()),
            Err(LogError::Closed) => Err(PyRuntimeError::new_err("the engine is shut down")),
            Err(e) => Err(PyValueError::new_err(format!("cannot queue this frame: {e:?}"))),
        }
    }

    /// Compiles a `logging.Formatter` equivalent; raises ValueError for a
    /// format the engine cannot render.
    #[pyo3(signature = (fmt = None, style = "%", datefmt = None, utc = false, defaults = None,
                        default_time_format = "%Y-%m-%d %H:%M:%S", default_msec_format = Some("%s,%03d")))]
    #[allow(clippy::too_many_arguments)]
    fn add_formatter(
        &self,
        fmt: Option<&str>,
        style: &str,
        datefmt: Option<&str>,
        utc: bool,
        defaults: Option<&Bound<'_, PyDict>>,
        default_time_format: &str,
        default_msec_format: Option<&str>,
    ) -> PyResult<u32> {
        let mut spec = FormatterSpec::new(fmt, style_of(style)?);
        spec.datefmt = datefmt.map(str::to_owned);
        spec.utc = utc;
        spec.default_time_format = default_time_format.to_owned();
        spec.default_msec_format = default_msec_format.map(str::to_owned);
        if let Some(d) = defaults {
            for (k, v) in d.iter() {
                let k = k.cast::<PyString>().map_err(|_| PyValueError::new_err("defaults keys must be str"))?;
                spec.defaults.push((k.to_str()?.to_owned(), owned_value(&v)?));
            }
        }
        self.inner.add_formatter(spec).map(|f| f.0).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The optional record fields formatter `id` reads: a dict of flags
    /// (`caller`, `thread`, `threadName`, `process`, `processName`,
    /// `taskName`) plus `others`, the attribute names the engine cannot supply.
    fn formatter_needs<'py>(&self, py: Python<'py>, id: u32) -> PyResult<Bound<'py, PyDict>> {
        let f = self.inner.formatter(eng::FormatterId(id)).ok_or_else(|| PyValueError::new_err("unknown formatter"))?;
        let n = f.needs();
        let d = PyDict::new(py);
        d.set_item("caller", n.caller)?;
        d.set_item("thread", n.thread)?;
        d.set_item("threadName", n.thread_name)?;
        d.set_item("process", n.process)?;
        d.set_item("processName", n.process_name)?;
        d.set_item("taskName", n.task_name)?;
        d.set_item("others", n.others.clone())?;
        Ok(d)
    }

    /// A route: the logger name and `(sink, formatter, level, terminator)` targets.
    fn add_route(&self, logger: &str, targets: Vec<(u32, u32, i32, String)>) -> u32 {
        let targets =
            targets.into_iter().map(|(s, f, level, terminator)| Target { sink: eng::SinkId(s), formatter: eng::FormatterId(f), level, terminator }).collect();
        self.inner.add_route(logger, targets).0
    }

    /// `%(levelname)s` of `level` from now on.
    fn set_level_name(&self, level: i32, name: &str) {
        self.inner.set_level_name(level, name);
    }

    /// Enqueues `msg % args` at `level` on `route`. Returns False if the
    /// record was dropped (overflow policy `drop`/`timeout`).
    #[pyo3(signature = (route, level, msg, *args))]
    fn log(&self, py: Python<'_>, route: u32, level: i32, msg: &Bound<'_, PyString>, args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        let template = msg.to_str()?;
        let owned = args.as_slice().iter().map(convert).collect::<PyResult<Vec<_>>>()?;
        let values: Vec<Value<'_>> = owned.iter().map(Arg::value).collect();
        let rec = RecordSpec { route, level, template, args: Args::Positional(&values), fields: &[] };
        match log_record(py, &self.inner, &rec) {
            Ok(logged) => Ok(logged == eng::Logged::Enqueued),
            Err(LogError::Closed) => Err(PyRuntimeError::new_err("the engine is shut down")),
            Err(e) => Err(PyTypeError::new_err(format!("cannot log this record: {e:?}"))),
        }
    }

    /// Returns once everything logged before the call is written.
    fn flush(&self, py: Python<'_>) {
        py.detach(|| self.inner.flush());
    }

    /// Flushes, then lets one sink start a new file: a rotating sink rolls
    /// over (`doRollover()`), a watched one reopens if its path changed.
    fn renew_sink_file(&self, py: Python<'_>, sink: u32) {
        py.detach(|| self.inner.renew_sink_file(eng::SinkId(sink)));
    }

    /// Flushes, then closes one sink.
    fn close_sink(&self, py: Python<'_>, sink: u32) {
        py.detach(|| self.inner.close_sink(eng::SinkId(sink)));
    }

    /// Sink counters: written, dropped, lost, errors.
    fn sink_counts<'py>(&self, py: Python<'py>, sink: u32) -> PyResult<Bound<'py, PyDict>> {
        let c = self.inner.sink_counts(eng::SinkId(sink));
        let d = PyDict::new(py);
        d.set_item("written", c.written)?;
        d.set_item("dropped", c.dropped)?;
        d.set_item("lost", c.lost)?;
        d.set_item("errors", c.errors)?;
        Ok(d)
    }

    /// Engine counters: dropped, format_errors.
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = self.inner.counts();
        let d = PyDict::new(py);
        d.set_item("dropped", c.dropped)?;
        d.set_item("format_errors", c.format_errors)?;
        Ok(d)
    }

    /// Writes everything, closes all sinks and stops the consumer thread.
    fn shutdown(&self, py: Python<'_>) {
        py.detach(|| self.inner.shutdown());
    }

    /// For a forked child: this engine's consumer thread did not survive the
    /// fork, so it must never be shut down (that would wait for the thread
    /// forever) nor written to (the parent writes what its rings held).
    /// Leaks one reference so it is never dropped.
    fn abandon(&self) {
        std::mem::forget(self.inner.clone());
    }
}

fn file_mode(mode: &str) -> PyResult<FileMode> {
    match mode {
        "a" => Ok(FileMode::Append),
        "w" => Ok(FileMode::Truncate),
        _ => Err(PyValueError::new_err("mode must be 'a' or 'w'")),
    }
}

fn os_error(path: &std::path::Path, e: std::io::Error) -> PyErr {
    PyOSError::new_err(format!("{}: {e}", path.display()))
}

/// A TLS client configuration for `Engine.add_net_sink` (rustls): the
/// files are read, and the system's roots loaded, when it is made, so a bad
/// file raises here. Verification (chain and name) is on unless `verify`
/// is false; `server_hostname` is the name the certificate must carry.
#[pyclass(module = "attologging._native", frozen)]
pub struct TlsConfig(Arc<Tls>);

#[pymethods]
impl TlsConfig {
    #[new]
    #[pyo3(signature = (server_hostname, cafile = None, verify = true, certfile = None, keyfile = None))]
    fn new(
        py: Python<'_>,
        server_hostname: String,
        cafile: Option<std::path::PathBuf>,
        verify: bool,
        certfile: Option<std::path::PathBuf>,
        keyfile: Option<std::path::PathBuf>,
    ) -> PyResult<TlsConfig> {
        let opts = TlsOptions { server_name: server_hostname, ca_file: cafile, verify, cert_file: certfile, key_file: keyfile };
        let tls = py.detach(|| Tls::new(&opts)).map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidInput => PyValueError::new_err(e.to_string()),
            _ => PyErr::from(e), // FileNotFoundError, PermissionError, ...
        })?;
        Ok(TlsConfig(Arc::new(tls)))
    }
}

/// The handler's side of a handover sink: gives it connected sockets and
/// learns when the one in use failed.
#[pyclass(module = "attologging._native", frozen)]
pub struct SocketHandover(Arc<Handover>);

#[pymethods]
impl SocketHandover {
    /// Has the sink send on (a duplicate of) the connected socket `fd`,
    /// from its next pass on.
    fn give(&self, fd: i32) -> PyResult<()> {
        // SAFETY: fcntl(F_DUPFD_CLOEXEC) reads no memory; a bad `fd` is EBADF.
        let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
        if dup < 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        // SAFETY: `dup` was just returned by fcntl and is owned by nobody else.
        self.0.give(unsafe { std::os::fd::OwnedFd::from_raw_fd(dup) });
        Ok(())
    }

    /// Whether the last socket given failed (the handler connects again).
    fn failed(&self) -> bool {
        self.0.failed()
    }
}
