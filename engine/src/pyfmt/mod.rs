//! CPython-exact text formatting, as pure functions over [`Value`]s:
//! `str % args` (printf style), the `str.format` mini-language, and the
//! `str()` / `repr()` / `ascii()` of each value type.
//!
//! Every function appends to a caller-supplied `Vec<u8>` (always valid
//! UTF-8 for valid input) and produces what CPython 3.9-3.14 produce, byte
//! for byte, including the exception class and message on failure
//! ([`FormatError`]). The common paths (`%s` of a str, `%d` of an int,
//! `%.3f` and `repr()` of a float) do not allocate.
//!
//! Where CPython versions disagree, the newest behaviour is implemented:
//! the `z` flag (3.11+), `0` before the width meaning only "fill with 0" for
//! strings (3.10+), fractional digit grouping `.3_f` (3.14+), and the 3.10+
//! error messages.
//!
//! Known, documented differences from CPython:
//! - `repr()` decides printability from a Unicode 15.1 table (CPython 3.13);
//!   other CPython versions ship other Unicode versions (see `tables.rs`).
//! - A lone surrogate code point from `%c` / `format(n, 'c')` cannot be
//!   UTF-8: it is written as its `backslashreplace` escape `\udXXX`.
//! - A width or numeric precision above [`MAX_PAD`] fails with
//!   `MemoryError` instead of allocating gigabytes.
//! - [`parse_printf_spec`] knows no arguments: `*` is "* wants int" (as
//!   CPython says when `*` meets a mapping argument).

use crate::value::{Args, Value};

mod error;
mod float;
mod format;
mod int;
mod interp;
mod number;
mod printf;
mod repr;
mod spec;
mod tables;

pub use error::FormatError;
pub use format::{format_builtin, format_value};
pub use interp::interpolate;
pub use printf::PrintfSpec;
pub use repr::{ascii_value, repr_value, str_value};
pub use spec::{parse_format_spec, FormatSpec};

/// The largest width (or numeric precision) honoured; beyond it formatting
/// fails with a `MemoryError` rather than allocating that much.
pub const MAX_PAD: usize = 1 << 28;

/// Parses the conversion spec that starts right after a `%` (not including any
/// `(key)` part). Returns the spec and the number of bytes consumed.
///
/// `"%"` (the second `%` of `%%`) parses as conversion `%`. Errors are
/// CPython's ("incomplete format", "width too big", ...); for an unknown
/// conversion character the message's index counts characters from the
/// start of `s` (see [`parse_printf_spec_at`] for template offsets).
pub fn parse_printf_spec(s: &[u8]) -> Result<(PrintfSpec, usize), FormatError> {
    parse_printf_spec_at(s, 0)
}

/// Like [`parse_printf_spec`], for the spec starting at byte `start` of a
/// whole template (just after its `%` and `(key)`): the returned length
/// counts from `start`, and an unknown conversion character's error index
/// counts characters from the start of `template`, as CPython reports it.
pub fn parse_printf_spec_at(template: &[u8], start: usize) -> Result<(PrintfSpec, usize), FormatError> {
    if template.get(start) == Some(&b'%') {
        return Ok((PrintfSpec { conv: b'%', ..PrintfSpec::default() }, 1));
    }
    let mut star = || Err(FormatError::type_error("* wants int"));
    let parsed = printf::parse_spec(template, start, &mut star)?;
    if parsed.spec.conv == 0 {
        let index = printf::char_count(&template[..parsed.conv_pos]);
        return Err(printf::unsupported_char(printf::char_at(template, parsed.conv_pos), index));
    }
    Ok((parsed.spec, parsed.end - start))
}

/// Formats one value under one printf spec (as `'%<spec>' % (v,)`), appended to `out`.
/// On error `out` is left as it was.
pub fn format_printf(spec: &PrintfSpec, v: &Value<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
    let start = out.len();
    let result = printf::format_arg(spec, printf::Arg::Val(v), out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Convenience: `template % args` as a new `String`.
pub fn interpolate_to_string(template: &str, args: Args<'_, '_>) -> Result<String, FormatError> {
    let mut out = Vec::with_capacity(template.len() + 16);
    interpolate(template, args, &mut out)?;
    Ok(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}
