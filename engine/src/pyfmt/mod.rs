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
//! strings (3.10+), `%c` of an int beyond C `long` being an OverflowError
//! (3.10+), fractional digit grouping `.3_f` / `._` (3.14+), and the 3.11-3.13
//! error messages.
//!
//! Modules: `interp` walks a `%` template, `printf` parses and applies one
//! `%` conversion, `spec` parses a format spec, `format` applies it per
//! type, `number` lays numbers out (sign, padding, grouping), `float` /
//! `digits` / `int` render numbers, `repr` does `str`/`repr`/`ascii`,
//! `tables` holds the Unicode data.
//!
//! Known, documented differences from CPython:
//! - `repr()` decides printability from a Unicode 15.1 table (CPython 3.13);
//!   other CPython versions ship other Unicode versions (see `tables.rs`).
//! - A lone surrogate code point from `%c` / `format(n, 'c')` cannot be
//!   UTF-8: it is written as its `backslashreplace` escape `\udXXX`.
//! - A width or numeric precision above [`MAX_PAD`] fails with
//!   `MemoryError` instead of allocating gigabytes.
//! - [`parse_printf_spec`] knows no arguments: `*` is "* wants int" (as
//!   CPython says when `*` meets a mapping argument), and it reports an
//!   unknown conversion character at parse time, where CPython would first
//!   look the argument up (so a missing key would win).
//! - `format_value` with a [`FormatSpec`] parsed ahead of time cannot
//!   reproduce CPython's order for `None`/`bytes` with a malformed spec
//!   (CPython never parses it); [`format_builtin`] can.

use crate::value::Value;

mod digits;
mod error;
mod float;
mod format;
mod int;
mod interp;
mod number;
mod printf;
mod repr;
mod signature;
mod spec;
mod tables;

pub use error::FormatError;
pub use format::{format_builtin, format_value};
pub use interp::interpolate;
pub use printf::PrintfSpec;
pub use repr::{ascii_value, repr_value, str_value};
pub use signature::{accepts, printf_signature, Signature};
pub use spec::{parse_format_spec, FormatSpec};
pub(crate) use tables::decimal_value;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Args;

    fn printf(spec: &str, v: Value<'_>) -> Result<String, FormatError> {
        let (spec, used) = parse_printf_spec(spec.as_bytes())?;
        let mut out = Vec::new();
        format_printf(&spec, &v, &mut out)?;
        assert!(used > 0);
        Ok(String::from_utf8(out).unwrap())
    }

    /// The Formatter's `%(name)-8s` path: parse once, format many.
    #[test]
    fn printf_spec_api() {
        let (spec, used) = parse_printf_spec(b"-8s|rest").unwrap();
        assert_eq!(used, 3);
        assert_eq!(spec, PrintfSpec { minus: true, width: Some(8), conv: b's', ..PrintfSpec::default() });
        assert_eq!(printf("-8s", Value::Str("INFO")).unwrap(), "INFO    ");
        assert_eq!(printf("%", Value::None).unwrap(), "%");
        assert_eq!(printf("08.3f", Value::Float(-3.14159)).unwrap(), "-003.142");
        assert_eq!(parse_printf_spec(b"*d").unwrap_err().message, "* wants int");
        assert_eq!(parse_printf_spec(b"-q").unwrap_err().message, "unsupported format character 'q' (0x71) at index 1");
        let err = parse_printf_spec_at("é%(k)-q".as_bytes(), 6).unwrap_err();
        assert_eq!(err.message, "unsupported format character 'q' (0x71) at index 6");
    }

    /// A lone surrogate cannot be UTF-8: `%c` / `format(n, 'c')` write its
    /// `backslashreplace` escape.
    #[test]
    fn surrogates() {
        assert_eq!(printf("c", Value::Int(0xd800)).unwrap(), "\\ud800");
        let mut out = Vec::new();
        format_builtin(&Value::Int(0xdfff), ">3c", &mut out).unwrap();
        assert_eq!(out, b"  \\udfff");
    }

    /// Widths beyond MAX_PAD fail instead of allocating gigabytes.
    #[test]
    fn huge_width() {
        let args = [Value::Int(1 << 40), Value::Int(1)];
        let mut out = Vec::new();
        assert_eq!(interpolate("%*d", Args::Positional(&args), &mut out).unwrap_err().kind, "MemoryError");
        assert_eq!(format_builtin(&Value::Int(1), "999999999999", &mut out).unwrap_err().kind, "MemoryError");
        assert!(out.is_empty());
    }

    /// `str()` / `repr()` / `ascii()` of every value type.
    #[test]
    fn str_repr_ascii() {
        let show = |f: fn(&Value<'_>, &mut Vec<u8>), v: Value<'_>| {
            let mut out = Vec::new();
            f(&v, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(show(str_value, Value::Str("é")), "é");
        assert_eq!(show(repr_value, Value::Str("é")), "'é'");
        assert_eq!(show(ascii_value, Value::Str("é")), "'\\xe9'");
        assert_eq!(show(str_value, Value::Bytes(b"x")), "b'x'");
        assert_eq!(show(repr_value, Value::BigInt("-00012345678901234567890")), "-12345678901234567890");
        assert_eq!(show(ascii_value, Value::Rendered("ünï")), "ünï");
        assert_eq!(show(str_value, Value::Float(1e16)), "1e+16");
        assert_eq!(show(repr_value, Value::Bool(false)), "False");
        assert_eq!(show(str_value, Value::None), "None");
    }
}
