//! `attologging._native`: the engine as a Python extension.
//!
//! This module exposes the engine directly (`Engine`): sinks, formatters,
//! routes, `log`, `flush`. The `logging`-compatible API in the Python package
//! is built on top of it.

use std::sync::Arc;
use std::time::Duration;

use attologging_engine as eng;
use eng::{Args, FileMode, FileSink, FormatterSpec, LogError, OverflowPolicy, RecordSpec, StreamSink, Style, Target, Value};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyString, PyTuple};

/// A Python argument converted for the engine: borrowed where Python already
/// holds the bytes (str as UTF-8, bytes), owned where text had to be made.
enum Arg<'a> {
    Value(Value<'a>),
    BigInt(String),
    Rendered(String),
}

impl Arg<'_> {
    fn value(&self) -> Value<'_> {
        match self {
            Arg::Value(v) => *v,
            Arg::BigInt(s) => Value::BigInt(s),
            Arg::Rendered(s) => Value::Rendered(s),
        }
    }
}

/// Converts by exact type (subclasses are rendered with `str()`, as `%s` would).
fn convert<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Arg<'a>> {
    if obj.is_none() {
        return Ok(Arg::Value(Value::None));
    }
    if obj.is_exact_instance_of::<PyString>() {
        let s: &Bound<'_, PyString> = obj.cast()?;
        return Ok(Arg::Value(Value::Str(s.to_str()?)));
    }
    if obj.is_exact_instance_of::<PyBool>() {
        return Ok(Arg::Value(Value::Bool(obj.is_truthy()?)));
    }
    if obj.is_exact_instance_of::<PyInt>() {
        return Ok(match obj.extract::<i64>() {
            Ok(i) => Arg::Value(Value::Int(i)),
            Err(_) => Arg::BigInt(obj.str()?.to_str()?.to_owned()),
        });
    }
    if obj.is_exact_instance_of::<PyFloat>() {
        return Ok(Arg::Value(Value::Float(obj.extract::<f64>()?)));
    }
    if obj.is_exact_instance_of::<PyBytes>() {
        let b: &Bound<'_, PyBytes> = obj.cast()?;
        return Ok(Arg::Value(Value::Bytes(b.as_bytes())));
    }
    Ok(Arg::Rendered(obj.str()?.to_str()?.to_owned()))
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

/// The logging engine: per-thread rings, one consumer thread, sinks.
#[pyclass(module = "attologging._native", frozen)]
struct Engine {
    inner: Arc<eng::Engine>,
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (ring_capacity = 262144, overflow = "block", timeout_ms = None))]
    fn new(ring_capacity: usize, overflow: &str, timeout_ms: Option<u64>) -> PyResult<Self> {
        let policy = overflow_policy(overflow, timeout_ms)?;
        let inner = eng::Engine::builder().ring_capacity(ring_capacity).overflow(policy).build();
        Ok(Engine { inner: Arc::new(inner) })
    }

    /// A sink writing to an open file descriptor the caller keeps open.
    fn add_stream_sink(&self, fd: i32) -> u32 {
        self.inner.add_sink(Box::new(StreamSink::new(fd))).0
    }

    /// A sink owning a file opened for append (`"a"`) or truncation (`"w"`).
    #[pyo3(signature = (path, mode = "a"))]
    fn add_file_sink(&self, path: std::path::PathBuf, mode: &str) -> PyResult<u32> {
        let mode = match mode {
            "a" => FileMode::Append,
            "w" => FileMode::Truncate,
            _ => return Err(PyValueError::new_err("mode must be 'a' or 'w'")),
        };
        let sink = FileSink::open(&path, mode).map_err(|e| PyOSError::new_err(format!("{}: {e}", path.display())))?;
        Ok(self.inner.add_sink(Box::new(sink)).0)
    }

    /// Compiles a `logging.Formatter` equivalent; raises ValueError for a
    /// format the engine cannot render.
    #[pyo3(signature = (fmt = None, style = "%", datefmt = None, utc = false))]
    fn add_formatter(&self, fmt: Option<&str>, style: &str, datefmt: Option<&str>, utc: bool) -> PyResult<u32> {
        let mut spec = FormatterSpec::new(fmt, style_of(style)?);
        spec.datefmt = datefmt.map(str::to_owned);
        spec.utc = utc;
        self.inner.add_formatter(spec).map(|f| f.0).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// A route: the logger name and `(sink, formatter, level, terminator)` targets.
    fn add_route(&self, logger: &str, targets: Vec<(u32, u32, i32, String)>) -> u32 {
        let targets = targets
            .into_iter()
            .map(|(s, f, level, terminator)| Target { sink: eng::SinkId(s), formatter: eng::FormatterId(f), level, terminator })
            .collect();
        self.inner.add_route(logger, targets).0
    }

    /// Enqueues `msg % args` at `level` on `route`. Returns False if the
    /// record was dropped (overflow policy `drop`/`timeout`).
    #[pyo3(signature = (route, level, msg, *args))]
    fn log(&self, py: Python<'_>, route: u32, level: i32, msg: &Bound<'_, PyString>, args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        let template = msg.to_str()?;
        let owned = args.as_slice().iter().map(convert).collect::<PyResult<Vec<_>>>()?;
        let values: Vec<Value<'_>> = owned.iter().map(Arg::value).collect();
        let rec = RecordSpec { route, level, template, args: Args::Positional(&values), fields: &[] };
        let r = match self.inner.try_log(&rec) {
            Err(LogError::WouldBlock) => py.detach(|| self.inner.log(&rec)),
            r => r,
        };
        match r {
            Ok(logged) => Ok(logged == eng::Logged::Enqueued),
            Err(LogError::Closed) => Err(PyRuntimeError::new_err("the engine is shut down")),
            Err(e) => Err(PyTypeError::new_err(format!("cannot log this record: {e:?}"))),
        }
    }

    /// Returns once everything logged before the call is written.
    fn flush(&self, py: Python<'_>) {
        py.detach(|| self.inner.flush());
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
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Engine>()?;
    Ok(())
}
