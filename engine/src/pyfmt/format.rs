//! `format(value, spec)` for each value type: `str.__format__`,
//! `int.__format__` (and `bool`), `float.__format__`, and
//! `object.__format__` for `None` and `bytes`.

use super::digits::DigitBuf;
use super::float::{push_float, FloatFmt};
use super::int::IntRef;
use super::number::{write_number, Grouping, Pad, Parts};
use super::printf::{char_count, push_code_point};
use super::repr::{str_value, type_name};
use super::spec::{parse_format_spec, FormatSpec};
use super::{FormatError, MAX_PAD};
use crate::value::Value;

/// A spec with the type-dependent defaults applied.
struct Resolved {
    pad: Pad,
    no_neg_0: bool,
    alt: bool,
    grouping: Grouping,
    precision: Option<usize>,
    /// The presentation type, `'\0'` for float's "no type".
    ty: char,
}

fn value_error(msg: String) -> FormatError {
    FormatError::value_error(msg)
}

/// How CPython's messages show a type character: itself if in 33..=127,
/// else `\x` and its hex value.
fn shown(c: char) -> String {
    if (33..=127).contains(&(c as u32)) {
        c.to_string()
    } else {
        format!("\\x{:x}", c as u32)
    }
}

fn unknown_code(ty: char, type_name: &str) -> FormatError {
    value_error(format!("Unknown format code '{}' for object of type '{}'", shown(ty), type_name))
}

fn separator_not_allowed(sep: u8, ty: char) -> FormatError {
    value_error(format!("Cannot specify '{}' with '{}'.", sep as char, shown(ty)))
}

/// Applies the defaults of `parse_internal_render_format_spec` for a type
/// (default type and alignment; `0` means `=` alignment only for numbers)
/// and its type-independent validation.
fn resolve(spec: &FormatSpec, default_type: char, default_align: u8, type_name: &str) -> Result<Resolved, FormatError> {
    if let Some(raw) = &spec.invalid {
        return Err(value_error(format!("Invalid format specifier '{}' for object of type '{}'", raw, type_name)));
    }
    let align = spec.align.unwrap_or(if spec.zero && default_align == b'>' { b'=' } else { default_align });
    let fill = spec.fill.unwrap_or(if spec.zero { '0' } else { ' ' });
    let ty = spec.ty.unwrap_or(default_type);
    let mut size = 3;
    if let Some(sep) = spec.grouping {
        match ty {
            'd' | 'e' | 'f' | 'g' | 'E' | 'G' | '%' | 'F' | '\0' => {}
            'b' | 'o' | 'x' | 'X' if sep == b'_' => size = 4,
            _ => return Err(separator_not_allowed(sep, ty)),
        }
    }
    if let (Some(sep), 'n') = (spec.frac_grouping, ty) {
        return Err(separator_not_allowed(sep, ty));
    }
    Ok(Resolved {
        pad: Pad { fill, align, sign: spec.sign.unwrap_or(0), width: spec.width },
        no_neg_0: spec.no_neg_0,
        alt: spec.alt,
        grouping: Grouping { sep: spec.grouping, size, frac_sep: spec.frac_grouping },
        precision: spec.precision,
        ty,
    })
}

/// `format(v, spec)`, exactly as CPython's built-in `format()`, appended to
/// `out` (on error `out` is left as it was). This is the exact entry point:
/// for `None` and `bytes` it reports "unsupported format string" before
/// looking at the spec's syntax, as CPython does.
pub fn format_builtin(v: &Value<'_>, spec: &str, out: &mut Vec<u8>) -> Result<(), FormatError> {
    if matches!(v, Value::None | Value::Bytes(_)) {
        return object_format(v, spec.is_empty(), out);
    }
    format_value(&parse_format_spec(spec)?, v, out)
}

/// Formats one value under a parsed spec (as `format(v, spec)`), appended to
/// `out`; on error `out` is left as it was.
pub fn format_value(spec: &FormatSpec, v: &Value<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
    let start = out.len();
    let result = match v {
        Value::Str(s) | Value::Rendered(s) => format_str(spec, s, out),
        Value::Int(i) => format_int(spec, &IntRef::small(*i), "int", out),
        Value::BigInt(t) => format_int(spec, &IntRef::big(t), "int", out),
        Value::Bool(_) if spec.empty => {
            str_value(v, out);
            Ok(())
        }
        Value::Bool(b) => format_int(spec, &IntRef::small(i64::from(*b)), "bool", out),
        Value::Float(x) => format_float(spec, *x, "float", out),
        Value::None | Value::Bytes(_) => object_format(v, spec.empty, out),
    };
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// `object.__format__`: `str(v)` for an empty spec, else a TypeError.
fn object_format(v: &Value<'_>, empty: bool, out: &mut Vec<u8>) -> Result<(), FormatError> {
    if !empty {
        let msg = format!("unsupported format string passed to {}.__format__", type_name(v));
        return Err(FormatError::type_error(msg));
    }
    str_value(v, out);
    Ok(())
}

/// `str.__format__`: type `s` only; no sign, `z`, `#` or `=`; precision
/// truncates; padding counts characters.
fn format_str(spec: &FormatSpec, s: &str, out: &mut Vec<u8>) -> Result<(), FormatError> {
    if spec.empty {
        out.extend_from_slice(s.as_bytes());
        return Ok(());
    }
    let r = resolve(spec, 's', b'<', "str")?;
    if r.ty != 's' {
        return Err(unknown_code(r.ty, "str"));
    }
    match r.pad.sign {
        b' ' => return Err(value_error("Space not allowed in string format specifier".into())),
        0 => {}
        _ => return Err(value_error("Sign not allowed in string format specifier".into())),
    }
    if r.no_neg_0 {
        return Err(value_error("Negative zero coercion (z) not allowed in string format specifier".into()));
    }
    if r.alt {
        return Err(value_error("Alternate form (#) not allowed in string format specifier".into()));
    }
    if r.pad.align == b'=' {
        return Err(value_error("'=' alignment not allowed in string format specifier".into()));
    }
    let mut text = s.as_bytes();
    let mut len = char_count(text);
    if let Some(p) = r.precision.filter(|&p| p < len) {
        text = &text[..s.char_indices().nth(p).map_or(text.len(), |(i, _)| i)];
        len = p;
    }
    let width = r.pad.width.unwrap_or(0);
    if width > MAX_PAD {
        return Err(FormatError::memory_error());
    }
    let total = width.max(len);
    let left = match r.pad.align {
        b'>' => total - len,
        b'^' => (total - len) / 2,
        _ => 0,
    };
    let mut fill = [0u8; 4];
    let fill = r.pad.fill.encode_utf8(&mut fill).as_bytes();
    out.reserve(text.len() + (total - len) * fill.len());
    (0..left).for_each(|_| out.extend_from_slice(fill));
    out.extend_from_slice(text);
    (0..total - len - left).for_each(|_| out.extend_from_slice(fill));
    Ok(())
}

/// `int.__format__` (also for `bool`, whose name shows in errors).
fn format_int(spec: &FormatSpec, v: &IntRef<'_>, name: &str, out: &mut Vec<u8>) -> Result<(), FormatError> {
    if spec.empty {
        if v.negative {
            out.push(b'-');
        }
        v.push_digits(10, false, out);
        return Ok(());
    }
    let r = resolve(spec, 'd', b'>', name)?;
    match r.ty {
        'b' | 'c' | 'd' | 'o' | 'x' | 'X' | 'n' => format_long(&r, v, out),
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%' => float_internal(&r, v.to_f64()?, out),
        t => Err(unknown_code(t, name)),
    }
}

/// `format_long_internal`: no precision, no `z`; `c` makes a character;
/// other types print digits in their base with an optional `0b`/`0o`/`0x`.
fn format_long(r: &Resolved, v: &IntRef<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
    if r.precision.is_some() {
        return Err(value_error("Precision not allowed in integer format specifier".into()));
    }
    if r.no_neg_0 {
        return Err(value_error("Negative zero coercion (z) not allowed in integer format specifier".into()));
    }
    let mut buf = DigitBuf::new();
    if r.ty == 'c' {
        if r.pad.sign != 0 {
            return Err(value_error("Sign not allowed with integer format specifier 'c'".into()));
        }
        if r.alt {
            return Err(value_error("Alternate form (#) not allowed with integer format specifier 'c'".into()));
        }
        let x = v.to_i64().ok_or_else(|| FormatError::overflow_error("Python int too large to convert to C long"))?;
        if !(0..=0x10ffff).contains(&x) {
            return Err(FormatError::overflow_error("%c arg not in range(0x110000)"));
        }
        let start = out.len();
        push_code_point(x as u32, out);
        buf.push_slice(&out[start..]);
        out.truncate(start);
        let rest = buf.as_bytes();
        let parts = Parts { negative: false, prefix: b"", digits: b"", has_point: false, frac: b"", rest, rest_chars: 1 };
        return write_number(&parts, &r.pad, &Grouping { sep: None, ..r.grouping }, out);
    }
    let (base, prefix): (u32, &[u8]) = match r.ty {
        'b' => (2, b"0b"),
        'o' => (8, b"0o"),
        'x' => (16, b"0x"),
        'X' => (16, b"0X"),
        _ => (10, b""),
    };
    let start = out.len();
    v.push_digits(base, r.ty == 'X', out);
    buf.push_slice(&out[start..]);
    out.truncate(start);
    let grouping = if r.ty == 'n' { Grouping::default() } else { Grouping { frac_sep: None, ..r.grouping } };
    let prefix = if r.alt { prefix } else { b"" };
    let digits = buf.as_bytes();
    let parts = Parts { negative: v.negative, prefix, digits, has_point: false, frac: b"", rest: b"", rest_chars: 0 };
    write_number(&parts, &r.pad, &grouping, out)
}

/// `float.__format__`.
fn format_float(spec: &FormatSpec, x: f64, name: &str, out: &mut Vec<u8>) -> Result<(), FormatError> {
    if spec.empty {
        super::float::push_float_repr(x, out);
        return Ok(());
    }
    let r = resolve(spec, '\0', b'>', name)?;
    match r.ty {
        '\0' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%' => float_internal(&r, x, out),
        t => Err(unknown_code(t, name)),
    }
}

/// `format_float_internal`: no type is repr-like (or `g` with at least one
/// decimal when a precision is given), `n` is `g` in the C locale, `%` is
/// `f` of x*100 followed by `%`; default precision 6.
fn float_internal(r: &Resolved, mut x: f64, out: &mut Vec<u8>) -> Result<(), FormatError> {
    if r.precision.map_or(false, |p| p > i32::MAX as usize) {
        return Err(value_error("precision too big".into()));
    }
    let (code, add_dot_0, default_prec) = match r.ty {
        '\0' if r.precision.is_some() => (b'g', true, 0),
        '\0' => (b'r', true, 0),
        'n' => (b'g', false, 6),
        '%' => (b'f', false, 6),
        t => (t as u8, false, 6),
    };
    if r.ty == '%' {
        x *= 100.0;
    }
    let prec = r.precision.unwrap_or(default_prec);
    if prec > MAX_PAD {
        return Err(FormatError::memory_error());
    }
    let f = FloatFmt { code, prec, alt: r.alt, add_dot_0, no_neg_0: r.no_neg_0 };
    // Render into the tail of `out`, move it aside, then lay it out.
    let start = out.len();
    let negative = push_float(x, &f, out);
    if r.ty == '%' {
        out.push(b'%');
    }
    let mut text = DigitBuf::new();
    text.push_slice(&out[start..]);
    out.truncate(start);
    let grouping = if r.ty == 'n' { Grouping::default() } else { r.grouping };
    write_number(&Parts::split(negative, text.as_bytes()), &r.pad, &grouping, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: Value<'_>, spec: &str) -> Result<String, FormatError> {
        let mut out = Vec::new();
        format_builtin(&v, spec, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    /// `bool` is `str()` for an empty spec and an int otherwise.
    #[test]
    fn bools() {
        assert_eq!(f(Value::Bool(true), "").unwrap(), "True");
        assert_eq!(f(Value::Bool(true), ">5").unwrap(), "    1");
        assert_eq!(f(Value::Bool(false), "d").unwrap(), "0");
        assert_eq!(f(Value::Bool(true), "s").unwrap_err().message, "Unknown format code 's' for object of type 'bool'");
    }

    /// The float empty type is repr without precision, and `g` keeping at
    /// least one decimal with one (switching to exponent one digit early).
    #[test]
    fn float_no_type() {
        assert_eq!(f(Value::Float(1e16), "").unwrap(), "1e+16");
        assert_eq!(f(Value::Float(1.0), ">6").unwrap(), "   1.0");
        assert_eq!(f(Value::Float(1234.0), ".4").unwrap(), "1.234e+03");
        assert_eq!(f(Value::Float(1234.0), ".4g").unwrap(), "1234");
        assert_eq!(f(Value::Float(0.5), ".0").unwrap(), "0.5");
        assert_eq!(f(Value::Float(-0.0), "z.1f").unwrap(), "0.0");
        assert_eq!(f(Value::Float(0.125), ".1%").unwrap(), "12.5%");
    }

    /// `0` means `=` alignment with `0` fill for numbers, but for strings
    /// only the fill (3.10+).
    #[test]
    fn zero_flag() {
        assert_eq!(f(Value::Int(-42), "06").unwrap(), "-00042");
        assert_eq!(f(Value::Str("ab"), "05").unwrap(), "ab000");
        assert_eq!(f(Value::Int(255), "#010_b").unwrap(), "0b1111_1111");
        assert_eq!(f(Value::Int(-255), "#X").unwrap(), "-0XFF");
    }

    /// 3.14: a `,` or `_` after the precision groups the fractional digits
    /// by three from the point (CPython's documented examples).
    #[test]
    fn fractional_grouping() {
        let x = Value::Float(123456789.123456789);
        assert_eq!(f(x, "._").unwrap(), "123456789.123_456_79");
        assert_eq!(f(x, ".,").unwrap(), "123456789.123,456,79");
        assert_eq!(f(x, "_._").unwrap(), "123_456_789.123_456_79");
        assert_eq!(f(x, ",._").unwrap(), "123,456,789.123_456_79");
        assert_eq!(f(Value::Float(123456.123456), ".4_f").unwrap(), "123456.123_5");
        assert_eq!(f(Value::Float(1.1), ".,_f").unwrap_err().message, "Cannot specify both ',' and '_'.");
        assert_eq!(f(Value::Float(1.1), "._n").unwrap_err().message, "Cannot specify '_' with 'n'.");
        assert_eq!(f(Value::Int(1234), "._d").unwrap(), "1234");
    }

    #[test]
    fn errors() {
        assert_eq!(f(Value::None, "x").unwrap_err().message, "unsupported format string passed to NoneType.__format__");
        assert_eq!(f(Value::None, "").unwrap(), "None");
        assert_eq!(f(Value::Str("a"), ",").unwrap_err().message, "Cannot specify ',' with 's'.");
        assert_eq!(f(Value::Str("a"), "d").unwrap_err().message, "Unknown format code 'd' for object of type 'str'");
        assert_eq!(f(Value::Int(1), "abc").unwrap_err().message, "Invalid format specifier 'abc' for object of type 'int'");
        assert_eq!(f(Value::Int(1), "5 ").unwrap_err().message, "Unknown format code '\\x20' for object of type 'int'");
        assert_eq!(f(Value::BigInt("1".repeat(400).as_str()), "f").unwrap_err().kind, "OverflowError");
    }
}
