//! One printf-style conversion (`%-8s`, `%+.3f`, `%#x`, ...): parsing the
//! spec and formatting one argument under it, as CPython's
//! `PyUnicode_Format` does.

use super::float::{push_float, FloatFmt};
use super::int::IntRef;
use super::repr::{ascii_value, push_mapping_repr, repr_value, str_value, type_name};
use super::{FormatError, MAX_PAD};
use crate::value::Value;

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

/// What one conversion consumes: a value, or (CPython quirk) the whole
/// mapping when a mapping argument meets a conversion without `(key)`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Arg<'x, 'a> {
    Val(&'x Value<'a>),
    Map(&'x [(&'a str, Value<'a>)]),
}

impl Arg<'_, '_> {
    fn type_name(&self) -> &'static str {
        match self {
            Arg::Val(v) => type_name(v),
            Arg::Map(_) => "dict",
        }
    }
}

/// The result of parsing one conversion spec.
pub(crate) struct Parsed {
    /// `conv` is 0 if the conversion character is not a valid one.
    pub spec: PrintfSpec,
    /// The byte offset of the conversion character in the template.
    pub conv_pos: usize,
    /// Byte offset just past the spec.
    pub end: usize,
}

/// Reads a spec the way CPython does: one character at a time, remembering
/// the last one read and whether the template ran out.
struct Reader<'t> {
    t: &'t [u8],
    pos: usize,
    ch: u8,
    done: bool,
}

impl Reader<'_> {
    fn advance(&mut self) -> bool {
        match self.t.get(self.pos) {
            Some(&b) => {
                self.ch = b;
                self.pos += 1;
                true
            }
            None => {
                self.done = true;
                false
            }
        }
    }

    /// Accumulates digits after a first digit already in `ch`, failing with
    /// `too_big` past `max`.
    fn number(&mut self, max: usize, too_big: &str) -> Result<usize, FormatError> {
        let mut n = usize::from(self.ch - b'0');
        while self.advance() && self.ch.is_ascii_digit() {
            let d = usize::from(self.ch - b'0');
            if n > (max - d) / 10 {
                return Err(FormatError::value_error(too_big));
            }
            n = n * 10 + d;
        }
        Ok(n)
    }
}

/// The callback that supplies the argument for each `*`.
pub(crate) type StarFn<'s, 'x, 'a> = dyn FnMut() -> Result<Arg<'x, 'a>, FormatError> + 's;

/// An int argument for `*`, or CPython's "* wants int".
fn star_int<'a>(arg: Arg<'_, 'a>) -> Result<IntRef<'a>, FormatError> {
    match arg {
        Arg::Val(Value::Int(i)) => Ok(IntRef::small(*i)),
        Arg::Val(Value::Bool(b)) => Ok(IntRef::small(i64::from(*b))),
        Arg::Val(Value::BigInt(t)) => Ok(IntRef::big(t)),
        _ => Err(FormatError::type_error("* wants int")),
    }
}

/// Parses flags, width, precision, an ignored `h`/`l`/`L` and the
/// conversion character, starting at byte `start` of `t` (after the `%` and
/// any `(key)`), with CPython's errors ("incomplete format", "width too
/// big", "* wants int", ...). An unknown conversion character is reported
/// through `Parsed::spec.conv == 0`, because CPython only complains after
/// fetching the argument.
#[inline]
pub(crate) fn parse_spec(t: &[u8], start: usize, star: &mut StarFn<'_, '_, '_>) -> Result<Parsed, FormatError> {
    if let Some(&c) = t.get(start).filter(|&&c| is_conversion(c)) {
        // The common `%s` / `%d`: no flags, width or precision.
        let spec = PrintfSpec { conv: c, ..PrintfSpec::default() };
        return Ok(Parsed { spec, conv_pos: start, end: start + 1 });
    }
    let mut spec = PrintfSpec::default();
    let mut r = Reader { t, pos: start, ch: 0, done: false };
    while r.advance() {
        match r.ch {
            b'-' => spec.minus = true,
            b'+' => spec.plus = true,
            b' ' => spec.space = true,
            b'#' => spec.alt = true,
            b'0' => spec.zero = true,
            _ => break,
        }
    }
    if r.ch == b'*' {
        let w = star_int(star()?)?;
        let w = w.to_i64().ok_or_else(|| FormatError::overflow_error("Python int too large to convert to C ssize_t"))?;
        if w < 0 {
            spec.minus = true;
        }
        spec.width = Some(usize::try_from(w.unsigned_abs()).unwrap_or(usize::MAX));
        r.advance();
    } else if r.ch.is_ascii_digit() {
        spec.width = Some(r.number(isize::MAX as usize, "width too big")?);
    }
    if r.ch == b'.' {
        spec.precision = Some(0);
        r.advance();
        if r.ch == b'*' {
            let p = star_int(star()?)?;
            let p = p.to_i64().and_then(|p| i32::try_from(p).ok());
            let p = p.ok_or_else(|| FormatError::overflow_error("Python int too large to convert to C int"))?;
            spec.precision = Some(usize::try_from(p).unwrap_or(0));
            r.advance();
        } else if r.ch.is_ascii_digit() {
            spec.precision = Some(r.number(i32::MAX as usize, "precision too big")?);
        }
    }
    if !r.done && matches!(r.ch, b'h' | b'l' | b'L') {
        r.advance();
    }
    if r.done {
        return Err(FormatError::value_error("incomplete format"));
    }
    if is_conversion(r.ch) {
        spec.conv = r.ch;
    }
    Ok(Parsed { spec, conv_pos: r.pos - 1, end: r.pos })
}

/// One of the conversion characters `d i u o x X e E f F g G c r s a`.
pub(crate) fn is_conversion(c: u8) -> bool {
    matches!(c, b'd' | b'i' | b'u' | b'o' | b'x' | b'X' | b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'c' | b'r' | b's' | b'a')
}

/// The character starting at byte `pos` (a lone invalid byte as itself).
pub(crate) fn char_at(t: &[u8], pos: usize) -> char {
    let end = (pos + 4).min(t.len());
    for n in (1..=end - pos).rev() {
        if let Ok(s) = std::str::from_utf8(&t[pos..pos + n]) {
            if let Some(c) = s.chars().next() {
                return c;
            }
        }
    }
    char::from(t[pos])
}

/// CPython's error for an unknown conversion character; `index` counts
/// characters (code points) from the start of the template.
pub(crate) fn unsupported_char(c: char, index: usize) -> FormatError {
    let shown = if (31..=126).contains(&(c as u32)) { c } else { '?' };
    FormatError::value_error(format!("unsupported format character '{}' (0x{:x}) at index {}", shown, c as u32, index))
}

/// Number of UTF-8 characters in `b`.
pub(crate) fn char_count(b: &[u8]) -> usize {
    b.iter().filter(|&&c| (c & 0xc0) != 0x80).count()
}

/// Byte length of the first `n` characters of `b`.
fn char_prefix_len(b: &[u8], n: usize) -> usize {
    let mut seen = 0;
    for (i, &c) in b.iter().enumerate() {
        if (c & 0xc0) != 0x80 {
            if seen == n {
                return i;
            }
            seen += 1;
        }
    }
    b.len()
}

/// Formats `arg` under `spec` (whose `conv` must be valid) onto `out`.
pub(crate) fn format_arg(spec: &PrintfSpec, arg: Arg<'_, '_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
    let start = out.len();
    let numeric = match spec.conv {
        b's' | b'r' | b'a' => {
            if let (Arg::Val(Value::Str(s)), b's', None, None) = (arg, spec.conv, spec.width, spec.precision) {
                out.extend_from_slice(s.as_bytes());
                return Ok(());
            }
            push_text(spec.conv, arg, out);
            false
        }
        b'd' | b'i' | b'u' | b'o' | b'x' | b'X' => {
            push_int(spec, arg, out)?;
            true
        }
        b'e' | b'E' | b'f' | b'F' | b'g' | b'G' => {
            push_float_conv(spec, arg, out)?;
            true
        }
        b'c' => {
            push_char(arg, out)?;
            false
        }
        b'%' => {
            out.push(b'%');
            return Ok(());
        }
        c => return Err(unsupported_char(char::from(c), 0)),
    };
    finish(spec, numeric, out, start)
}

/// `str()`, `repr()` or `ascii()` of the argument.
fn push_text(conv: u8, arg: Arg<'_, '_>, out: &mut Vec<u8>) {
    match (arg, conv) {
        (Arg::Val(v), b's') => str_value(v, out),
        (Arg::Val(v), b'r') => repr_value(v, out),
        (Arg::Val(v), _) => ascii_value(v, out),
        (Arg::Map(m), c) => push_mapping_repr(m, c == b'a', out),
    }
}

/// `%d %i %u %o %x %X`: sign, `0o`/`0x`/`0X` with `#`, zeros up to the
/// precision, digits. Floats are truncated by `int()` (except for `o x X`,
/// which need a true int).
fn push_int(spec: &PrintfSpec, arg: Arg<'_, '_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
    let conv = spec.conv;
    let needs_index = matches!(conv, b'o' | b'x' | b'X');
    let v = match arg {
        Arg::Val(Value::Int(i)) => IntRef::small(*i),
        Arg::Val(Value::Bool(b)) => IntRef::small(i64::from(*b)),
        Arg::Val(Value::BigInt(t)) => IntRef::big(t),
        Arg::Val(Value::Float(x)) if !needs_index => IntRef::from_float(*x)?,
        _ => {
            let what = if needs_index { "an integer" } else { "a real number" };
            let msg = format!("%{} format: {} is required, not {}", conv as char, what, arg.type_name());
            return Err(FormatError::type_error(msg));
        }
    };
    let prec = spec.precision.unwrap_or(0);
    if prec > i32::MAX as usize - 3 {
        return Err(FormatError::overflow_error("precision too large"));
    }
    if prec > MAX_PAD {
        return Err(FormatError::memory_error());
    }
    if v.negative {
        out.push(b'-');
    }
    let (base, prefix): (u32, &[u8]) = match conv {
        b'o' => (8, b"0o"),
        b'x' => (16, b"0x"),
        b'X' => (16, b"0X"),
        _ => (10, b""),
    };
    if spec.alt {
        out.extend_from_slice(prefix);
    }
    let digits_start = out.len();
    v.push_digits(base, conv == b'X', out);
    let ndigits = out.len() - digits_start;
    if prec > ndigits {
        out.splice(digits_start..digits_start, std::iter::repeat(b'0').take(prec - ndigits));
    }
    Ok(())
}

/// The `float` value of a numeric argument (`float(int)` for ints).
fn float_arg(arg: Arg<'_, '_>) -> Result<f64, FormatError> {
    match arg {
        Arg::Val(Value::Float(x)) => Ok(*x),
        Arg::Val(Value::Int(i)) => Ok(*i as f64),
        Arg::Val(Value::Bool(b)) => Ok(f64::from(u8::from(*b))),
        Arg::Val(Value::BigInt(t)) => IntRef::big(t).to_f64(),
        _ => Err(FormatError::type_error(format!("must be real number, not {}", arg.type_name()))),
    }
}

/// `%e %E %f %F %g %G` (default precision 6).
fn push_float_conv(spec: &PrintfSpec, arg: Arg<'_, '_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
    let x = float_arg(arg)?;
    let prec = spec.precision.unwrap_or(6);
    if prec > MAX_PAD {
        return Err(FormatError::memory_error());
    }
    if x.is_sign_negative() && !x.is_nan() {
        out.push(b'-');
    }
    let f = FloatFmt { code: spec.conv, prec, alt: spec.alt, add_dot_0: false, no_neg_0: false };
    push_float(x.abs(), &f, out);
    Ok(())
}

/// `%c`: a one-character str, or an int code point.
fn push_char(arg: Arg<'_, '_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
    let code = match arg {
        Arg::Val(Value::Str(s)) => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => u32::from(c),
                _ => return Err(FormatError::type_error("%c requires int or char")),
            }
        }
        Arg::Val(Value::Int(i)) => u32::try_from(*i).unwrap_or(u32::MAX),
        Arg::Val(Value::Bool(b)) => u32::from(*b),
        Arg::Val(Value::BigInt(_)) => u32::MAX,
        _ => return Err(FormatError::type_error("%c requires int or char")),
    };
    if code > 0x10ffff {
        return Err(FormatError::overflow_error("%c arg not in range(0x110000)"));
    }
    push_code_point(code, out);
    Ok(())
}

/// Appends a code point as UTF-8; a lone surrogate (which Python can hold in
/// a `str` but UTF-8 cannot encode) is written as its `backslashreplace`
/// escape `\udXXX`.
pub(crate) fn push_code_point(code: u32, out: &mut Vec<u8>) {
    match char::from_u32(code) {
        Some(c) => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        None => super::repr::push_escape(code, out),
    }
}

/// The padding stage (`unicode_format_arg_output`): precision truncates
/// `s r a` text; numeric conversions get the `+`/space sign and, with `0`,
/// zero padding between sign/prefix and digits; `-` pads on the right.
fn finish(spec: &PrintfSpec, numeric: bool, out: &mut Vec<u8>, start: usize) -> Result<(), FormatError> {
    let mut len = match (numeric, spec.conv) {
        (true, _) => out.len() - start,
        // one code point, even a surrogate written as a 6-byte escape
        (false, b'c') => 1,
        (false, _) => char_count(&out[start..]),
    };
    let wide = spec.width.map_or(false, |w| w > len);
    let done = if numeric { !wide && !(spec.plus || spec.space) } else { !wide && spec.precision.map_or(true, |p| p >= len) };
    if done {
        return Ok(());
    }
    if spec.width.map_or(false, |w| w > MAX_PAD) {
        return Err(FormatError::memory_error());
    }
    if let (b's' | b'r' | b'a', Some(p)) = (spec.conv, spec.precision) {
        if len > p {
            out.truncate(start + char_prefix_len(&out[start..], p));
            len = p;
        }
    }
    let mut sign_in_body = false;
    let mut added_sign: Option<u8> = None;
    if numeric {
        if matches!(out.get(start), Some(b'-' | b'+')) {
            sign_in_body = true;
            len -= 1;
        } else if spec.plus {
            added_sign = Some(b'+');
        } else if spec.space {
            added_sign = Some(b' ');
        }
    }
    let mut width = spec.width.unwrap_or(0).max(len);
    if (sign_in_body || added_sign.is_some()) && width > len {
        width -= 1;
    }
    let prefix_len = if spec.alt && matches!(spec.conv, b'x' | b'X' | b'o') { 2 } else { 0 };
    width = width.saturating_sub(prefix_len);
    len -= prefix_len;
    let left = if !spec.minus && width > len { width - len } else { 0 };
    let right = if left > 0 { 0 } else { width.saturating_sub(len) };
    let sign: &[u8] = match &added_sign {
        Some(s) => std::slice::from_ref(s),
        None => &[],
    };
    if numeric && spec.zero {
        insert(out, start, sign, 0, b'0');
        let digits_at = start + sign.len() + usize::from(sign_in_body) + prefix_len;
        insert(out, digits_at, &[], left, b'0');
    } else {
        insert(out, start, sign, left, b' ');
    }
    out.resize(out.len() + right, b' ');
    Ok(())
}

/// Inserts `n` copies of `fill` followed by `tail` at byte `at` of `out`.
fn insert(out: &mut Vec<u8>, at: usize, tail: &[u8], n: usize, fill: u8) {
    let extra = n + tail.len();
    if extra == 0 {
        return;
    }
    let old_len = out.len();
    out.resize(old_len + extra, fill);
    out.copy_within(at..old_len, at + extra);
    out[at..at + n].fill(fill);
    out[at + n..at + extra].copy_from_slice(tail);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(spec: &str, v: Value<'_>) -> Result<String, FormatError> {
        let mut star = || Err(FormatError::type_error("* wants int"));
        let p = parse_spec(spec.as_bytes(), 0, &mut star)?;
        let mut out = Vec::new();
        format_arg(&p.spec, Arg::Val(&v), &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    /// `0` pads between the sign/prefix and the digits; `-` wins over `0`
    /// and pads with spaces on the right.
    #[test]
    fn zero_padding() {
        assert_eq!(one("#08x", Value::Int(-255)).unwrap(), "-0x000ff");
        assert_eq!(one("+05d", Value::Int(3)).unwrap(), "+0003");
        assert_eq!(one("-05d", Value::Int(3)).unwrap(), "3    ");
        assert_eq!(one("010f", Value::Float(f64::INFINITY)).unwrap(), "0000000inf");
        assert_eq!(one("05s", Value::Str("ab")).unwrap(), "   ab");
    }

    /// Precision on ints is a minimum digit count; on strings a maximum
    /// character count.
    #[test]
    fn precision() {
        assert_eq!(one(".3d", Value::Int(5)).unwrap(), "005");
        assert_eq!(one("#.5o", Value::Int(8)).unwrap(), "0o00010");
        assert_eq!(one(".2s", Value::Str("héllo")).unwrap(), "hé");
        assert_eq!(one("5.1r", Value::Str("x")).unwrap(), "    '");
    }

    #[test]
    fn errors() {
        assert_eq!(one("d", Value::Str("x")).unwrap_err().message, "%d format: a real number is required, not str");
        assert_eq!(one("x", Value::Float(1.0)).unwrap_err().message, "%x format: an integer is required, not float");
        assert_eq!(one("c", Value::Int(0x110000)).unwrap_err().kind, "OverflowError");
        assert_eq!(one("c", Value::Str("ab")).unwrap_err().message, "%c requires int or char");
        assert_eq!(one("5", Value::Int(1)).unwrap_err().message, "incomplete format");
        assert_eq!(one("f", Value::None).unwrap_err().message, "must be real number, not NoneType");
    }

    /// `%d` of a float truncates toward zero via `int()`, exactly.
    #[test]
    fn int_of_float() {
        assert_eq!(one("d", Value::Float(-2.9)).unwrap(), "-2");
        assert_eq!(one("d", Value::Float(1e20)).unwrap(), "100000000000000000000");
        assert_eq!(one("d", Value::Float(f64::NAN)).unwrap_err().kind, "ValueError");
    }
}
