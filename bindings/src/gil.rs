//! [`GilCell`]: interior mutability for state that is only touched while the
//! calling thread holds the GIL (a logger's cached plan, the template cache),
//! and [`Interned`], a Python string made once under the GIL.

use std::cell::UnsafeCell;

use pyo3::types::PyString;
use pyo3::{Bound, Py, Python};

/// A cell whose accessors take a [`Python`] token as proof that the GIL is
/// held. Values go in and out by swapping or by copying (never by reference),
/// so no borrow can outlive the call that took it.
pub struct GilCell<T>(UnsafeCell<T>);

// SAFETY: the extension is declared `gil_used` (the default), so every thread
// that runs Python code (and so any thread that can reach a GilCell) holds
// the one GIL while it does; the accessors require the token, so accesses
// from different threads never overlap. Within one thread, the accessors
// hold their `&mut` only for a swap or a copy that runs no Python code,
// so a re-entrant call (Python code run by a destructor after the swap)
// never sees a live borrow. `T: Send` because the value moves between the
// threads that take the GIL in turn.
unsafe impl<T: Send> Sync for GilCell<T> {}

impl<T> GilCell<T> {
    pub const fn new(value: T) -> Self {
        GilCell(UnsafeCell::new(value))
    }

    /// Puts `value` in and returns the previous value, which the caller drops
    /// after this call (its destructor may run Python code).
    pub fn replace(&self, _py: Python<'_>, value: T) -> T {
        // SAFETY: the GIL is held (token) and no other borrow is live (see the
        // `Sync` argument): the `&mut` lasts for this swap only.
        unsafe { std::mem::replace(&mut *self.0.get(), value) }
    }

    /// Runs `f` on the value. `f` must not run Python code (it may not release
    /// the GIL or drop Python objects that could).
    pub fn with<R>(&self, _py: Python<'_>, f: impl FnOnce(&mut T) -> R) -> R {
        // SAFETY: as in `replace`; `f` runs no Python code, so nothing can
        // re-enter this cell while the borrow is live.
        unsafe { f(&mut *self.0.get()) }
    }
}

/// An interned Python string, made on first use: `pyo3::intern!` without its
/// fork hazard. `intern!` is a `PyOnceLock`, whose first caller lets go of the
/// GIL while it holds the once-lock; a `fork()` by the thread that took the
/// GIL meanwhile leaves the child a once-lock held by a thread that does not
/// exist there, and the child's first logging call waits for ever. This one
/// is made and read with the GIL held throughout, and `fork()` is called by
/// a thread holding the GIL, so a child never finds it half made.
pub struct Interned {
    text: &'static str,
    cell: GilCell<Option<Py<PyString>>>,
}

impl Interned {
    pub const fn new(text: &'static str) -> Self {
        Interned { text, cell: GilCell::new(None) }
    }

    pub fn get<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        // Interning a str and taking a reference run no Python code.
        self.cell.with(py, |s| s.get_or_insert_with(|| PyString::intern(py, self.text).unbind()).bind(py).clone())
    }
}
