//! `_native.LoggerBase` and the native level methods (`debug` ... `critical`,
//! `log`): the hot path of a logging call, top to bottom in [`call`].
//!
//! The methods are raw `METH_FASTCALL | METH_KEYWORDS` functions so that a
//! call allocates nothing before the level check. Whatever the native route
//! does not handle (keyword arguments, a non-stock logger or chain, an
//! argument the consumer could not format) is forwarded, with the very same
//! arguments, to the Python implementation of the method, which has the
//! stdlib's exact semantics; since the native method has no Python frame,
//! the stack the Python method sees is the stdlib's.

use std::ffi::CStr;
use std::sync::OnceLock;

use attologging_engine as eng;
use eng::{Args, Field, RecordSpec, Value};
use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString, PyTuple, PyType};
use pyo3::Borrowed;

use crate::capture::{args_fit, exact_value, exact_value_ptr, find_caller, CallerMode, Inline};
use crate::engine::log_record;
use crate::gil::{GilCell, Interned};
use crate::plan::{NativeRoute, Plan};

/// The base class of `attologging.Logger`: holds the cached plan.
#[pyclass(module = "attologging._native", subclass, dict, weakref, frozen)]
pub struct LoggerBase {
    plan: GilCell<Option<Py<Plan>>>,
}

#[pymethods]
impl LoggerBase {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        LoggerBase { plan: GilCell::new(None) }
    }

    /// The plan in force (computing it if needed); for tests and diagnostics.
    fn _plan<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, Plan>> {
        plan_for(slf.py(), slf, true)
    }
}

/// Python functions the native methods call back into, registered once by
/// the package (`_native.register(...)`).
pub struct Hooks {
    /// `planner(logger) -> Plan`.
    planner: Py<PyAny>,
    /// The Python implementations of debug, info, warning, error, critical, log.
    methods: [Py<PyAny>; 6],
    /// `render(msg, args) -> str`: `LogRecord.getMessage()` for arguments the
    /// engine does not take as they are.
    render: Py<PyAny>,
    thread_name: Py<PyAny>,
    process_name: Py<PyAny>,
    task_name: Py<PyAny>,
}

static HOOKS: OnceLock<Hooks> = OnceLock::new();
static IS_ENABLED_FOR: Interned = Interned::new("isEnabledFor");

/// Registers the package's callbacks (once per process; later calls are ignored).
#[pyfunction]
#[pyo3(signature = (planner, methods, render, thread_name, process_name, task_name))]
pub fn register(
    planner: Py<PyAny>,
    methods: (Py<PyAny>, Py<PyAny>, Py<PyAny>, Py<PyAny>, Py<PyAny>, Py<PyAny>),
    render: Py<PyAny>,
    thread_name: Py<PyAny>,
    process_name: Py<PyAny>,
    task_name: Py<PyAny>,
) -> bool {
    let (a, b, c, d, e, f) = methods;
    HOOKS.set(Hooks { planner, methods: [a, b, c, d, e, f], render, thread_name, process_name, task_name }).is_ok()
}

fn hooks() -> PyResult<&'static Hooks> {
    HOOKS.get().ok_or_else(|| PyRuntimeError::new_err("attologging._native.register() was not called"))
}

const LOG: usize = 5;
const LEVELS: [i64; 5] = [10, 20, 30, 40, 50];

/// The logger's plan, recomputed by the Python planner when stale for the
/// level decision (`full`: or for capturing a record).
///
/// Returns a `Bound` (dropped with a plain decref): the level methods are
/// raw C functions, so PyO3 does not know the GIL is held there and would
/// defer the release of a dropped `Py` to its reference pool.
fn plan_for<'py>(py: Python<'py>, logger: &Bound<'py, LoggerBase>, full: bool) -> PyResult<Bound<'py, Plan>> {
    let me = logger.get();
    let current = me.plan.with(py, |p| p.as_ref().map(|p| p.bind(py).clone()));
    if let Some(p) = current {
        if p.get().valid_for_level(py, logger.as_any()) && (!full || p.get().valid_for_capture(py)) {
            return Ok(p);
        }
    }
    let fresh = hooks()?.planner.bind(py).call1((logger,))?.cast_into::<Plan>()?;
    let old = me.plan.replace(py, Some(fresh.clone().unbind()));
    if let Some(old) = old {
        drop(old.into_bound(py));
    }
    Ok(fresh)
}

/// One level method call. `Ok(None)`: forward to the Python method.
fn call<'py>(py: Python<'py>, which: usize, slf: &Bound<'py, PyAny>, args: &[*mut ffi::PyObject], has_kw: bool) -> PyResult<Option<Bound<'py, PyAny>>> {
    let first = if which == LOG { 1 } else { 0 };
    if has_kw || args.len() <= first {
        return Ok(None);
    }
    // SAFETY: the argument vector holds borrowed references that the caller
    // keeps alive for the duration of the call.
    let arg = |i: usize| unsafe { Borrowed::from_ptr(py, args[i]) };
    let level = if which == LOG {
        let l = arg(0);
        if !l.is_exact_instance_of::<PyInt>() {
            return Ok(None);
        }
        match l.extract::<i64>() {
            Ok(l) => l,
            Err(_) => return Ok(None),
        }
    } else {
        LEVELS[which]
    };
    // SAFETY: a method descriptor of LoggerBase only calls us with an
    // instance of LoggerBase (or a subclass) as `self`.
    let logger: &Bound<'_, LoggerBase> = unsafe { slf.cast_unchecked() };
    let plan = plan_for(py, logger, false)?;
    if !plan.get().stock {
        return Ok(None);
    }
    let enabled = match plan.get().enabled(level) {
        Some(e) => e,
        None => {
            let e = slf.call_method1(IS_ENABLED_FOR.get(py), (level,))?.is_truthy()?;
            plan.get().remember_enabled(level, e);
            e
        }
    };
    if !enabled {
        return Ok(Some(py.None().into_bound(py)));
    }
    // The chain may have changed since the level decision's plan was built;
    // neither `stock` nor the enabled levels depend on it.
    let plan = if plan.get().valid_for_capture(py) { plan } else { plan_for(py, logger, true)? };
    let Some(route) = &plan.get().native else {
        return Ok(None);
    };
    let msg = arg(first);
    if capture(py, route, level, &msg, &args[first + 1..])? {
        Ok(Some(py.None().into_bound(py)))
    } else {
        Ok(None)
    }
}

/// Captures one record into the ring. `Ok(false)`: this call needs the
/// compatible route (nothing was enqueued).
fn capture(py: Python<'_>, route: &NativeRoute, level: i64, msg: &Bound<'_, PyAny>, rest: &[*mut ffi::PyObject]) -> PyResult<bool> {
    let Ok(msg) = msg.cast_exact::<PyString>() else {
        return Ok(false);
    };
    let Ok(template) = msg.to_str() else {
        return Ok(false);
    };
    let Ok(level) = i32::try_from(level) else {
        return Ok(false);
    };
    // SAFETY: the caller's argument vector holds these references for the
    // whole call (`Borrowed` takes none of its own); None is immortal.
    let args: Vec<Borrowed<'_, '_, PyAny>>;
    let mut values: Inline<Value<'_>, 8> = Inline::new(Value::None);
    let mut exact = true;
    for &p in rest {
        // SAFETY: see above: the caller keeps `p` alive for this call.
        match unsafe { exact_value_ptr(py, p) } {
            Ok(Some(Value::BigInt(_))) | Ok(None) => {
                exact = false;
                break;
            }
            Ok(Some(v)) => values.push(v),
            Err(_) => return Ok(false), // a str with lone surrogates
        }
    }
    let hooks = hooks()?;
    let rendered: Bound<'_, PyString>;
    let template = if exact {
        if !rest.is_empty() && !args_fit(py, msg, template, values.as_slice()) {
            return Ok(false);
        }
        template
    } else {
        values.clear();
        // SAFETY: see above.
        args = rest.iter().map(|&p| unsafe { Borrowed::from_ptr(py, p) }).collect();
        let Ok(r) = hooks.render.bind(py).call1((msg, PyTuple::new(py, &args)?)) else {
            return Ok(false);
        };
        let Ok(r) = r.cast_into_exact::<PyString>() else {
            return Ok(false);
        };
        rendered = r;
        match rendered.to_str() {
            Ok(s) => s,
            Err(_) => return Ok(false),
        }
    };
    let mut fields: Inline<(Field<'_>, Value<'_>), 10> = Inline::new((Field::Thread, Value::None));
    let caller;
    let (file, line, func) = match route.caller {
        None => (None, 0, None),
        // `_srcfile` is None: the stdlib reports an unknown caller.
        Some(CallerMode::Unknown) => (Some("(unknown file)"), 0, Some("(unknown function)")),
        Some(CallerMode::Walk(walk)) => {
            let Some(c) = find_caller(py, walk, &route.internal) else {
                return Ok(false);
            };
            caller = c;
            let (Ok(f), Ok(n)) = (caller.filename.to_str(), caller.func.to_str()) else {
                return Ok(false);
            };
            (Some(f), caller.lineno, Some(n))
        }
    };
    if let (Some(file), Some(func)) = (file, func) {
        fields.push((Field::Pathname, Value::Str(file)));
        fields.push((Field::Lineno, Value::Int(line)));
        fields.push((Field::FuncName, Value::Str(func)));
    }
    match route.thread {
        // SAFETY: a plain C call; the GIL is held.
        1 => fields.push((Field::Thread, Value::Int(unsafe { ffi::PyThread_get_thread_ident() } as i64))),
        2 => fields.push((Field::Thread, Value::None)),
        _ => {}
    }
    // Names the stdlib reads from Python (threading, multiprocessing, asyncio).
    let hooked = [
        (route.thread_name, &hooks.thread_name, Field::ThreadName),
        (route.process_name, &hooks.process_name, Field::ProcessName),
        (route.task_name, &hooks.task_name, Field::TaskName),
    ];
    let mut held: [Option<Bound<'_, PyAny>>; 3] = [None, None, None];
    for (slot, (wanted, hook, _)) in held.iter_mut().zip(&hooked) {
        if *wanted {
            let Ok(v) = hook.bind(py).call0() else {
                return Ok(false);
            };
            *slot = Some(v);
        }
    }
    for (v, (_, _, field)) in held.iter().zip(&hooked) {
        if let Some(v) = v {
            match exact_value(v) {
                Ok(Some(Value::Str(s))) => fields.push((*field, Value::Str(s))),
                Ok(Some(Value::None)) => fields.push((*field, Value::None)),
                _ => return Ok(false),
            }
        }
    }
    let clock_value;
    if let Some(clock) = &route.fake_clock {
        let Ok(t) = clock.bind(py).call0() else {
            return Ok(false);
        };
        clock_value = t;
        match exact_value(&clock_value) {
            Ok(Some(Value::Float(f))) if f.is_finite() && !route.clock_ns => fields.push((Field::Created, Value::Float(f))),
            Ok(Some(Value::Int(ns))) if route.clock_ns => fields.push((Field::Created, Value::Int(ns))),
            _ => return Ok(false),
        }
    }
    if let Some(pid) = route.process {
        fields.push((Field::Process, pid.map_or(Value::None, Value::Int)));
    }
    let rec = RecordSpec { route: route.route, level, template, args: Args::Positional(values.as_slice()), fields: fields.as_slice() };
    Ok(log_record(py, &route.engine, &rec).is_ok())
}

/// Calls the Python implementation of method `which` with the original arguments.
///
/// # Safety
/// `slf`, `args[..nargs]` and `kwnames` are the arguments CPython passed to a
/// `METH_FASTCALL | METH_KEYWORDS` method (`kwnames` may be NULL).
unsafe fn forward(py: Python<'_>, which: usize, slf: *mut ffi::PyObject, args: &[*mut ffi::PyObject], kwnames: *mut ffi::PyObject) -> *mut ffi::PyObject {
    let func = match hooks() {
        Ok(h) => h.methods[which].as_ptr(),
        Err(e) => {
            e.restore(py);
            return std::ptr::null_mut();
        }
    };
    let nkw = if kwnames.is_null() { 0 } else { ffi::PyTuple_GET_SIZE(kwnames) as usize };
    let mut all: Vec<*mut ffi::PyObject> = Vec::with_capacity(1 + args.len() + nkw);
    all.push(slf);
    // The keyword values follow the positional ones in the vector.
    all.extend_from_slice(std::slice::from_raw_parts(args.as_ptr(), args.len() + nkw));
    ffi::PyObject_Vectorcall(func, all.as_ptr(), (1 + args.len()) as usize, kwnames)
}

/// The body shared by the six method entry points.
///
/// # Safety
/// Called by CPython as a `METH_FASTCALL | METH_KEYWORDS` method of LoggerBase.
unsafe fn entry(
    which: usize,
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let py = Python::assume_attached();
    let positional: &[*mut ffi::PyObject] = if nargs > 0 { std::slice::from_raw_parts(args, nargs as usize) } else { &[] };
    let has_kw = !kwnames.is_null() && ffi::PyTuple_GET_SIZE(kwnames) > 0;
    let this = Borrowed::from_ptr(py, slf);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call(py, which, &this, positional, has_kw)));
    match outcome {
        Ok(Ok(Some(result))) => result.into_ptr(),
        Ok(Ok(None)) => forward(py, which, slf, positional, kwnames),
        Ok(Err(e)) => {
            e.restore(py);
            std::ptr::null_mut()
        }
        Err(_) => {
            PyRuntimeError::new_err("attologging: internal error in a logging call").restore(py);
            std::ptr::null_mut()
        }
    }
}

macro_rules! level_method {
    ($name:ident, $which:expr) => {
        unsafe extern "C" fn $name(
            slf: *mut ffi::PyObject,
            args: *const *mut ffi::PyObject,
            nargs: ffi::Py_ssize_t,
            kwnames: *mut ffi::PyObject,
        ) -> *mut ffi::PyObject {
            // SAFETY: CPython calls this with the METH_FASTCALL | METH_KEYWORDS
            // calling convention it was registered with (see `level_methods`).
            unsafe { entry($which, slf, args, nargs, kwnames) }
        }
    };
}

level_method!(m_debug, 0);
level_method!(m_info, 1);
level_method!(m_warning, 2);
level_method!(m_error, 3);
level_method!(m_critical, 4);
level_method!(m_log, 5);

type Fast = unsafe extern "C" fn(*mut ffi::PyObject, *const *mut ffi::PyObject, ffi::Py_ssize_t, *mut ffi::PyObject) -> *mut ffi::PyObject;

const METHODS: [(&CStr, &CStr, Fast); 6] = [
    (c"debug", c"debug($self, msg, *args, **kwargs)\n--\n\nLog 'msg % args' with severity 'DEBUG'.", m_debug),
    (c"info", c"info($self, msg, *args, **kwargs)\n--\n\nLog 'msg % args' with severity 'INFO'.", m_info),
    (c"warning", c"warning($self, msg, *args, **kwargs)\n--\n\nLog 'msg % args' with severity 'WARNING'.", m_warning),
    (c"error", c"error($self, msg, *args, **kwargs)\n--\n\nLog 'msg % args' with severity 'ERROR'.", m_error),
    (c"critical", c"critical($self, msg, *args, **kwargs)\n--\n\nLog 'msg % args' with severity 'CRITICAL'.", m_critical),
    (c"log", c"log($self, level, msg, *args, **kwargs)\n--\n\nLog 'msg % args' with the integer severity 'level'.", m_log),
];

/// A method descriptor of class `ty` calling `f` with the fast calling
/// convention (what `#[pymethods]` cannot make: no argument tuple).
fn fast_method<'py>(ty: &Bound<'py, PyType>, name: &'static CStr, doc: &'static CStr, f: Fast) -> PyResult<Bound<'py, PyAny>> {
    let def = Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: name.as_ptr(),
        ml_meth: ffi::PyMethodDefPointer { PyCFunctionFastWithKeywords: f },
        ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: doc.as_ptr(),
    }));
    // SAFETY: `def` is leaked, so it outlives the descriptor; the type object
    // is live (we hold `ty`). Returns a new reference or NULL.
    unsafe { Bound::from_owned_ptr_or_err(ty.py(), ffi::PyDescr_NewMethod(ty.as_type_ptr(), def)) }
}

/// The method descriptors `{name: descriptor}` the Python `Logger` class
/// installs as its level methods.
pub fn level_methods<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
    let ty = py.get_type::<LoggerBase>();
    let d = PyDict::new(py);
    for (name, doc, f) in METHODS {
        d.set_item(name.to_str().expect("ASCII"), fast_method(&ty, name, doc, f)?)?;
    }
    Ok(d)
}

/// The benchmark floor: a native class whose `info(...)` does nothing, called
/// with exactly the expression a logging call uses (`floor.info(fmt, a, b, c)`),
/// so that figures can be read as multiples of CPython's own call cost.
#[pyclass(module = "attologging._native", frozen)]
pub struct Floor;

#[pymethods]
impl Floor {
    #[new]
    fn new() -> Self {
        Floor
    }
}

unsafe extern "C" fn floor_info(
    _slf: *mut ffi::PyObject,
    _args: *const *mut ffi::PyObject,
    _nargs: ffi::Py_ssize_t,
    _kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held; returns a new reference to None.
    unsafe {
        let none = ffi::Py_None();
        ffi::Py_IncRef(none);
        none
    }
}

/// `Floor.debug` ... `Floor.log`: the same no-op under every level method's
/// name, so a benchmark's floor is the very expression it measures.
/// Installed on the class at module initialisation.
pub fn install_floor(py: Python<'_>) -> PyResult<()> {
    let ty = py.get_type::<Floor>();
    for name in [c"debug", c"info", c"warning", c"error", c"exception", c"critical", c"log"] {
        let descr = fast_method(&ty, name, c"Does nothing (the benchmark floor).", floor_info)?;
        // A heap type's dict may be written before instances exist.
        // SAFETY: `tp_dict` of a ready type is a dict; the type is told below.
        unsafe {
            if ffi::PyDict_SetItemString((*ty.as_type_ptr()).tp_dict, name.as_ptr(), descr.as_ptr()) != 0 {
                return Err(PyErr::fetch(py));
            }
        }
    }
    // SAFETY: required after writing a ready type's dict; `ty` is live.
    unsafe { ffi::PyType_Modified(ty.as_type_ptr()) };
    Ok(())
}
