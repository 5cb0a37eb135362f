//! `attologging._native`: the engine as a Python extension, and the native
//! route of the `logging` API.
//!
//! - [`engine`]: `Engine` (sinks, formatters, routes, `log`, `flush`).
//! - [`logger`]: `LoggerBase` and the native level methods.
//! - [`plan`]: a logger's cached routing decision and when it goes stale.
//! - [`capture`]: what a native call captures (arguments, caller frame).
//! - [`frames`]: frames for network sinks built in the calling thread.

mod capture;
mod engine;
mod frames;
mod gil;
mod logger;
mod plan;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<engine::Engine>()?;
    m.add_class::<engine::SocketHandover>()?;
    m.add_class::<engine::TlsConfig>()?;
    m.add_class::<logger::LoggerBase>()?;
    m.add_class::<plan::Plan>()?;
    m.add_function(wrap_pyfunction!(frames::msgpack_frame, m)?)?;
    m.add_function(wrap_pyfunction!(plan::bump, m)?)?;
    m.add_function(wrap_pyfunction!(plan::generation, m)?)?;
    m.add_function(wrap_pyfunction!(logger::register, m)?)?;
    m.add("LEVEL_METHODS", logger::level_methods(m.py())?)?;
    m.add_class::<logger::Floor>()?;
    logger::install_floor(m.py())?;
    Ok(())
}
