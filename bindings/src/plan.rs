//! A logger's plan: what the Python side decided about its handler chain
//! (native route or not), and the snapshot that says when to decide again.
//!
//! A plan stays valid while nothing it was computed from has changed:
//! - the global generation ([`GENERATION`]), bumped by every attribute
//!   assignment on loggers, handlers, formatters, the manager and the module;
//! - the version tags of the classes involved (CPython changes a class's tag
//!   whenever the class or a base is modified, e.g. `Formatter.converter = ...`);
//! - the contents of the lists involved (`logger.handlers`, `.filters`),
//!   which callers mutate in place.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

use attologging_engine as eng;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyType};

use crate::capture::{CallerMode, CallerWalk};

/// Bumped by every change that may invalidate a plan.
pub static GENERATION: AtomicU64 = AtomicU64::new(1);

/// Invalidates every logger's plan (called by attribute assignments).
#[pyfunction]
pub fn bump() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// The current generation (a plan records the one it was computed under).
#[pyfunction]
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

/// CPython before 3.12 marks a valid tag with a flag; later versions zero it.
static TAG_FLAG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

fn tag_flagged(py: Python<'_>) -> bool {
    *TAG_FLAG.get_or_init(|| py.version_info() < (3, 12))
}

fn type_tag(flagged: bool, t: &Bound<'_, PyType>) -> u32 {
    let p = t.as_type_ptr();
    // SAFETY: `p` is a live type object (we hold a reference through `t`);
    // reading plain fields of a full (non-limited API) PyTypeObject.
    unsafe {
        if flagged && ((*p).tp_flags & ffi::Py_TPFLAGS_VALID_VERSION_TAG) == 0 {
            return 0;
        }
        (*p).tp_version_tag as u32
    }
}

/// Where the native route sends a record and which fields it captures.
pub struct NativeRoute {
    pub engine: Arc<eng::Engine>,
    pub route: u32,
    /// `None`: no format reads caller information.
    pub caller: Option<CallerMode>,
    /// Normalised source paths whose frames are logging's own.
    pub internal: Vec<String>,
    /// 0: not read, 1: `threading.get_ident()`, 2: None (`logThreads` off).
    pub thread: u8,
    pub thread_name: bool,
    /// `Some(pid or None)` when a format reads `process`.
    pub process: Option<Option<i64>>,
    pub process_name: bool,
    pub task_name: bool,
    /// A replacement for `time.time` / `time.time_ns` (a test's fake clock):
    /// called for each record, its value becomes `created`.
    pub fake_clock: Option<Py<PyAny>>,
    /// The record clock is `time.time_ns` (3.13+), not `time.time`.
    pub clock_ns: bool,
}

/// Unknown / disabled / enabled, per level 0..=63.
const LEVEL_SLOTS: usize = 64;

#[pyclass(module = "attologging._native", frozen)]
pub struct Plan {
    gen: u64,
    logger_type: usize,
    tags: Vec<(Py<PyType>, u32)>,
    lists: Vec<(Py<PyList>, Vec<usize>)>,
    /// `(time.__dict__, name, function)`: the clock LogRecord reads must
    /// still be the real one (test tools such as freezegun replace it), or
    /// the engine's timestamps would not be what the stdlib records.
    clock: Option<(Py<PyDict>, Py<PyString>, Py<PyAny>)>,
    /// The logger's class runs the stock level logic (isEnabledFor, _log...).
    pub stock: bool,
    pub native: Option<NativeRoute>,
    enabled: [AtomicU8; LEVEL_SLOTS],
}

fn snapshot(list: &Bound<'_, PyList>) -> Vec<usize> {
    list.iter().map(|item| item.as_ptr() as usize).collect()
}

fn same_items(py: Python<'_>, list: &Py<PyList>, snap: &[usize]) -> bool {
    let l = list.bind(py);
    // SAFETY: `l` is a list we hold a reference to; indices are below its
    // current length, and GET_ITEM only reads (borrowed, not retained).
    unsafe {
        let n = ffi::PyList_GET_SIZE(l.as_ptr()) as usize;
        n == snap.len() && snap.iter().enumerate().all(|(i, &p)| ffi::PyList_GET_ITEM(l.as_ptr(), i as ffi::Py_ssize_t) as usize == p)
    }
}

fn same_clock(py: Python<'_>, dict: &Py<PyDict>, key: &Py<PyString>, func: &Py<PyAny>) -> bool {
    // SAFETY: `dict` and `key` are live (held by the plan); the key is an
    // exact str, so the lookup cannot run Python code or raise.
    unsafe { ffi::PyDict_GetItem(dict.bind(py).as_ptr(), key.bind(py).as_ptr()) == func.as_ptr() }
}

impl Plan {
    /// Still right about `logger`'s level decision (`stock` and the enabled
    /// cache)? Those depend only on the logger, its class and the state
    /// every attribute assignment bumps: no chain, no clock. A disabled call
    /// checks only this.
    #[inline]
    pub fn valid_for_level(&self, py: Python<'_>, logger: &Bound<'_, PyAny>) -> bool {
        self.gen == GENERATION.load(Ordering::Relaxed)
            && logger.get_type_ptr() as usize == self.logger_type
            && self.tags.first().is_some_and(|(t, tag)| *tag != 0 && type_tag(tag_flagged(py), t.bind(py)) == *tag)
    }

    /// Still right about the handler chain (its classes, lists and the
    /// record clock)? Checked, after [`Plan::valid_for_level`], before a
    /// record is captured.
    #[inline]
    pub fn valid_for_capture(&self, py: Python<'_>) -> bool {
        let flagged = tag_flagged(py);
        self.tags.iter().skip(1).all(|(t, tag)| *tag != 0 && type_tag(flagged, t.bind(py)) == *tag)
            && self.lists.iter().all(|(l, snap)| same_items(py, l, snap))
            && self.clock.as_ref().is_none_or(|(d, k, f)| same_clock(py, d, k, f))
    }

    /// The cached answer of `isEnabledFor(level)`, if any.
    #[inline]
    pub fn enabled(&self, level: i64) -> Option<bool> {
        let slot = self.enabled.get(usize::try_from(level).ok()?)?;
        match slot.load(Ordering::Relaxed) {
            1 => Some(false),
            2 => Some(true),
            _ => None,
        }
    }

    pub fn remember_enabled(&self, level: i64, enabled: bool) {
        if let Some(slot) = usize::try_from(level).ok().and_then(|l| self.enabled.get(l)) {
            slot.store(if enabled { 2 } else { 1 }, Ordering::Relaxed);
        }
    }
}

#[pymethods]
impl Plan {
    /// Built by the Python planner. `types` are the classes whose version tags
    /// must not change, `lists` the lists whose items must not change; the
    /// rest describes the native route (`engine` None: no native route).
    #[new]
    #[pyo3(signature = (gen, logger_type, types, lists, stock, engine = None, route = 0, caller = 0,
                        internal = Vec::new(), thread = 0, thread_name = false, process = None,
                        process_name = false, task_name = false, clock = None, fake_clock = false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        gen: u64,
        logger_type: &Bound<'_, PyType>,
        types: Vec<Bound<'_, PyType>>,
        lists: Vec<Bound<'_, PyList>>,
        stock: bool,
        engine: Option<&Bound<'_, crate::engine::Engine>>,
        route: u32,
        caller: u8,
        internal: Vec<Bound<'_, PyString>>,
        thread: u8,
        thread_name: bool,
        process: Option<(Option<i64>,)>,
        process_name: bool,
        task_name: bool,
        clock: Option<(Py<PyDict>, Py<PyString>, Py<PyAny>)>,
        fake_clock: bool,
    ) -> PyResult<Self> {
        let native = match engine {
            None => None,
            Some(e) => Some(NativeRoute {
                engine: e.get().inner.clone(),
                route,
                caller: match caller {
                    1 => Some(CallerMode::Walk(CallerWalk::Modern)),
                    2 => Some(CallerMode::Walk(CallerWalk::Legacy)),
                    3 => Some(CallerMode::Unknown),
                    _ => None,
                },
                internal: internal.iter().map(|s| s.to_str().map(str::to_owned)).collect::<PyResult<_>>()?,
                thread,
                thread_name,
                process: process.map(|(p,)| p),
                process_name,
                task_name,
                clock_ns: py.version_info() >= (3, 13),
                fake_clock: match (&clock, fake_clock) {
                    (Some((_, _, f)), true) => Some(f.clone_ref(py)),
                    _ => None,
                },
            }),
        };
        Ok(Plan {
            gen,
            logger_type: logger_type.as_type_ptr() as usize,
            // The logger's own class first: holding it keeps `logger_type` from being reused.
            tags: std::iter::once(logger_type).chain(types.iter()).map(|t| (t.clone().unbind(), type_tag(tag_flagged(py), t))).collect(),
            lists: lists.iter().map(|l| (l.clone().unbind(), snapshot(l))).collect(),
            clock,
            stock,
            native,
            enabled: std::array::from_fn(|_| AtomicU8::new(0)),
        })
    }

    /// Whether the plan routes natively (for tests and diagnostics).
    #[getter]
    fn is_native(&self) -> bool {
        self.native.is_some()
    }
}
