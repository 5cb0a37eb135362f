//! Frames built in the calling thread for network sinks: `msgpack_frame`,
//! one record as the MessagePack socket handler sends it.

use attologging_engine::frame::{msgpack_record, MsgpackRecord};
use attologging_engine::Value;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::engine::Arg;

/// The frame (4-byte big-endian length, then a MessagePack map) for one
/// record. `key_values` maps str keys to values: None, bool, int, float,
/// str and bytes keep their type; anything else is sent as `str(value)`.
#[pyfunction]
#[pyo3(signature = (logger, level, message, timestamp_ns, filename, line_number, module_path, thread_id, thread_name, key_values))]
#[allow(clippy::too_many_arguments)]
pub fn msgpack_frame<'py>(
    py: Python<'py>,
    logger: &str,
    level: i64,
    message: &str,
    timestamp_ns: i64,
    filename: &str,
    line_number: i64,
    module_path: &str,
    thread_id: u64,
    thread_name: &str,
    key_values: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyBytes>> {
    let pairs: Vec<(Bound<'py, PyString>, Bound<'py, PyAny>)> = key_values.iter().map(|(k, v)| Ok((k.str()?, v))).collect::<PyResult<_>>()?;
    let mut owned: Vec<(&str, Arg<'_>)> = Vec::with_capacity(pairs.len());
    for (k, v) in &pairs {
        owned.push((k.to_str()?, crate::engine::convert(v)?));
    }
    let kvs: Vec<(&str, Value<'_>)> = owned.iter().map(|(k, a)| (*k, a.value())).collect();
    let rec = MsgpackRecord { logger, level, message, timestamp_ns, filename, line_number, module_path, thread_id, thread_name, key_values: &kvs };
    let mut out = Vec::with_capacity(256);
    msgpack_record(&rec, &mut out);
    Ok(PyBytes::new(py, &out))
}
