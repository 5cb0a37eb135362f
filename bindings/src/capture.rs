//! What the native route captures on the calling thread: exact-typed
//! arguments, a check that `msg % args` will succeed on the consumer, and
//! the caller's frame.

use attologging_engine as eng;
use eng::pyfmt::{accepts, printf_signature, Signature};
use eng::Value;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::gil::{GilCell, Interned};

/// A short list kept inline (no allocation) up to `N` items: the hot path
/// captures a few arguments and fields per call. (A dozen lines instead of a
/// dependency on `smallvec`.)
pub struct Inline<T: Copy, const N: usize> {
    buf: [T; N],
    len: usize,
    spill: Vec<T>,
}

impl<T: Copy, const N: usize> Inline<T, N> {
    /// An empty list; `filler` only pads the unused inline slots.
    pub fn new(filler: T) -> Self {
        Inline { buf: [filler; N], len: 0, spill: Vec::new() }
    }

    pub fn push(&mut self, v: T) {
        if self.spill.is_empty() && self.len < N {
            self.buf[self.len] = v;
            self.len += 1;
        } else {
            if self.spill.is_empty() {
                self.spill.extend_from_slice(&self.buf[..self.len]);
            }
            self.spill.push(v);
        }
    }

    pub fn clear(&mut self) {
        self.len = 0;
        self.spill.clear();
    }

    pub fn as_slice(&self) -> &[T] {
        if self.spill.is_empty() {
            &self.buf[..self.len]
        } else {
            &self.spill
        }
    }
}

/// The value of an argument of an exact builtin scalar type, or `None` for
/// anything else (subclasses included: their `__str__`/`__format__` may
/// differ). A `BigInt` carries no text; callers render it. An error is a
/// `str` that is not valid Unicode for UTF-8 (lone surrogates).
pub fn exact_value<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Option<Value<'a>>> {
    // SAFETY: `obj` is alive for 'a (we borrow it for 'a).
    unsafe { exact_value_ptr(obj.py(), obj.as_ptr()) }
}

/// [`exact_value`] of a borrowed object pointer.
///
/// # Safety
/// `p` must be a valid object that stays alive (and, being of an immutable
/// type when a borrow is returned, unchanged) for `'a`.
pub unsafe fn exact_value_ptr<'a>(py: Python<'_>, p: *mut ffi::PyObject) -> PyResult<Option<Value<'a>>> {
    let ty = ffi::Py_TYPE(p);
    Ok(Some(if p == ffi::Py_None() {
        Value::None
    } else if ty == std::ptr::addr_of_mut!(ffi::PyUnicode_Type) {
        let mut len: ffi::Py_ssize_t = 0;
        let data = ffi::PyUnicode_AsUTF8AndSize(p, &mut len);
        if data.is_null() {
            return Err(PyErr::fetch(py));
        }
        // SAFETY: CPython caches the UTF-8 form inside the str object, which
        // lives for 'a; it is valid UTF-8 by construction.
        Value::Str(std::str::from_utf8_unchecked(std::slice::from_raw_parts(data.cast::<u8>(), len as usize)))
    } else if ty == std::ptr::addr_of_mut!(ffi::PyLong_Type) {
        let mut overflow = 0;
        let v = ffi::PyLong_AsLongLongAndOverflow(p, &mut overflow);
        if overflow != 0 {
            Value::BigInt("")
        } else if v == -1 && !ffi::PyErr_Occurred().is_null() {
            return Err(PyErr::fetch(py));
        } else {
            Value::Int(v)
        }
    } else if ty == std::ptr::addr_of_mut!(ffi::PyFloat_Type) {
        Value::Float(ffi::PyFloat_AS_DOUBLE(p))
    } else if ty == std::ptr::addr_of_mut!(ffi::PyBool_Type) {
        Value::Bool(p == ffi::Py_True())
    } else if ty == std::ptr::addr_of_mut!(ffi::PyBytes_Type) {
        // SAFETY: a bytes object's buffer is immutable and lives with it.
        let data = ffi::PyBytes_AsString(p);
        Value::Bytes(std::slice::from_raw_parts(data.cast::<u8>(), ffi::PyBytes_Size(p) as usize))
    } else {
        return Ok(None);
    }))
}

const CACHE_SLOTS: usize = 512;

/// Templates seen recently, keyed by the address of the `str` object (kept
/// alive by the entry, so the address cannot be reused while cached).
struct SignatureCache {
    slots: Vec<Option<(Py<PyString>, Signature)>>,
}

static CO_FILENAME: Interned = Interned::new("co_filename");
static CO_NAME: Interned = Interned::new("co_name");

static SIGNATURES: GilCell<SignatureCache> = GilCell::new(SignatureCache { slots: Vec::new() });

/// Whether `template % args` is sure to succeed with these exact-typed args.
pub fn args_fit(py: Python<'_>, msg: &Bound<'_, PyString>, template: &str, args: &[Value<'_>]) -> bool {
    let key = msg.as_ptr() as usize;
    let slot = (key >> 4) % CACHE_SLOTS;
    let hit = SIGNATURES.with(py, |c| match c.slots.get(slot) {
        Some(Some((s, sig))) if s.as_ptr() as usize == key => Some(fits(sig, args)),
        _ => None,
    });
    if let Some(ok) = hit {
        return ok;
    }
    let sig = printf_signature(template);
    let ok = fits(&sig, args);
    let old = SIGNATURES.with(py, |c| {
        if c.slots.is_empty() {
            c.slots.resize_with(CACHE_SLOTS, || None);
        }
        c.slots[slot].replace((msg.clone().unbind(), sig))
    });
    drop(old); // a str: dropping it runs no Python code, but do it outside the borrow anyway
    ok
}

fn fits(sig: &Signature, args: &[Value<'_>]) -> bool {
    match sig {
        Signature::Positional(convs) => convs.len() == args.len() && convs.iter().zip(args).all(|(c, v)| accepts(*c, v)),
        Signature::Python => false,
    }
}

/// The caller of a logging call as `findCaller` would report it.
pub struct Caller<'py> {
    pub filename: Bound<'py, PyString>,
    pub lineno: i64,
    pub func: Bound<'py, PyString>,
}

/// How `findCaller` walks the stack in the running version.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CallerWalk {
    /// 3.11+: count `stacklevel` non-internal frames (internal: logging's
    /// own sources and importlib's bootstrap).
    Modern,
    /// 3.9/3.10: from the caller, skip frames of logging's own sources.
    Legacy,
}

/// Whether, and how, the native route reports the caller.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CallerMode {
    /// Walk the frames as this version's `findCaller` does.
    Walk(CallerWalk),
    /// `logging._srcfile` is None: "(unknown file)", 0, "(unknown function)".
    Unknown,
}

fn is_internal(walk: CallerWalk, filename: &str, internal: &[String]) -> bool {
    internal.iter().any(|s| s == filename) || (walk == CallerWalk::Modern && filename.contains("importlib") && filename.contains("_bootstrap"))
}

/// The frame that called the native method (the innermost Python frame),
/// walked as `findCaller(stacklevel=1)` would. `None` if there is no
/// Python frame or a frame's attributes are unusual (the call then takes
/// the compatible route).
pub fn find_caller<'py>(py: Python<'py>, walk: CallerWalk, internal: &[String]) -> Option<Caller<'py>> {
    // SAFETY: the GIL is held (token). `PyEval_GetFrame` returns a borrowed
    // reference to the executing frame, which lives at least as long as
    // this native call; we take our own reference at once.
    let top = unsafe { ffi::PyEval_GetFrame() };
    if top.is_null() {
        return None;
    }
    // SAFETY: `top` is a valid frame object (non-null, see above).
    let mut frame: Bound<'py, PyAny> = unsafe { Bound::from_borrowed_ptr(py, top.cast()) };
    loop {
        // SAFETY: `frame` is a live frame object we hold a reference to;
        // PyFrame_GetCode returns a new (never null) reference.
        let code: Bound<'py, PyAny> = unsafe { Bound::from_owned_ptr(py, ffi::PyFrame_GetCode(frame.as_ptr().cast()).cast()) };
        let filename = code.getattr(CO_FILENAME.get(py)).ok()?.cast_into::<PyString>().ok()?;
        let internal_frame = is_internal(walk, filename.to_str().ok()?, internal);
        // SAFETY: as above; PyFrame_GetBack returns a new reference or NULL.
        let back = unsafe { Bound::from_owned_ptr_or_opt(py, ffi::PyFrame_GetBack(frame.as_ptr().cast()).cast()) };
        match (internal_frame, back) {
            (true, Some(b)) => frame = b,
            (true, None) if walk == CallerWalk::Legacy => return None,
            _ => {
                // SAFETY: `frame` is a live frame object.
                let lineno = unsafe { ffi::PyFrame_GetLineNumber(frame.as_ptr().cast()) } as i64;
                let func = code.getattr(CO_NAME.get(py)).ok()?.cast_into::<PyString>().ok()?;
                return Some(Caller { filename, lineno, func });
            }
        }
    }
}
