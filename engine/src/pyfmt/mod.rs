//! CPython-exact text formatting, as pure functions over [`Value`]s:
//! `str % args` (printf style), the `str.format` mini-language, and the
//! `str()` / `repr()` / `ascii()` of each value type.
//!
//! (Interface stub: filled in by the pyfmt work.)

use crate::value::{Args, Value};

mod error;
pub use error::FormatError;

/// A parsed printf-style conversion: `%[(key)][flags][width][.precision]conv`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PrintfSpec {
    pub minus: bool,
    pub plus: bool,
    pub space: bool,
    pub zero: bool,
    pub alt: bool,
    pub width: Option<usize>,
    pub precision: Option<usize>,
    /// One of `d i o u x X e E f F g G c r s a %`.
    pub conv: u8,
}

/// `template % args`, exactly as CPython's `str.__mod__`, appended to `out`.
pub fn interpolate(template: &str, args: Args<'_, '_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
    let _ = (template, args, out);
    unimplemented!("pyfmt::interpolate")
}

/// Parses the conversion spec that starts right after a `%` (not including any
/// `(key)` part). Returns the spec and the number of bytes consumed.
pub fn parse_printf_spec(s: &[u8]) -> Result<(PrintfSpec, usize), FormatError> {
    let _ = s;
    unimplemented!("pyfmt::parse_printf_spec")
}

/// Formats one value under one printf spec (as `'%<spec>' % (v,)`), appended to `out`.
pub fn format_printf(spec: &PrintfSpec, v: &Value<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
    let _ = (spec, v, out);
    unimplemented!("pyfmt::format_printf")
}
