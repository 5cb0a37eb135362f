//! `template % args`: walking the template, consuming arguments the way
//! CPython's `PyUnicode_Format` does (including its quirks), and handing each
//! conversion to [`printf`](super::printf).

use super::printf::{char_at, format_arg, is_conversion, parse_spec, unsupported_char, Arg, PrintfSpec};
use super::repr::push_str_repr;
use super::FormatError;
use crate::value::{Args, Value};

/// CPython's argument cursor. A tuple has `arglen` = its length; any other
/// object (the mapping itself, or the value a `(key)` selected) has
/// `arglen = -1` and starts at `argidx = -2`, so it can be consumed exactly
/// once by a conversion without `(key)`.
struct ArgState<'x, 'a> {
    tuple: &'x [Value<'a>],
    object: Option<Arg<'x, 'a>>,
    arglen: isize,
    argidx: isize,
    dict: Option<&'x [(&'a str, Value<'a>)]>,
}

impl<'x, 'a> ArgState<'x, 'a> {
    fn new(args: Args<'a, 'x>) -> Self {
        match args {
            Args::Positional(values) => ArgState { tuple: values, object: None, arglen: values.len() as isize, argidx: 0, dict: None },
            Args::Mapping(entries) => ArgState { tuple: &[], object: Some(Arg::Map(entries)), arglen: -1, argidx: -2, dict: Some(entries) },
        }
    }

    fn next(&mut self) -> Result<Arg<'x, 'a>, FormatError> {
        if self.argidx < self.arglen {
            let i = self.argidx;
            self.argidx += 1;
            if self.arglen < 0 {
                if let Some(obj) = self.object {
                    return Ok(obj);
                }
            } else if let Some(v) = self.tuple.get(i as usize) {
                return Ok(Arg::Val(v));
            }
        }
        Err(FormatError::type_error("not enough arguments for format string"))
    }

    /// `%(key)`: look the key up in the mapping argument; the value becomes
    /// the current single argument.
    fn select(&mut self, key: &str) -> Result<(), FormatError> {
        let entries = self.dict.ok_or_else(|| FormatError::type_error("format requires a mapping"))?;
        let value = entries.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| v);
        let value = value.ok_or_else(|| {
            let mut msg = Vec::new();
            push_str_repr(key, false, &mut msg);
            FormatError::new("KeyError", String::from_utf8_lossy(&msg).into_owned())
        })?;
        self.object = Some(Arg::Val(value));
        self.arglen = -1;
        self.argidx = -2;
        Ok(())
    }
}

/// `template % args`, exactly as CPython's `str.__mod__`, appended to `out`.
/// On error `out` is left as it was.
pub fn interpolate(template: &str, args: Args<'_, '_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
    let start = out.len();
    let result = run(template, args, out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn run(template: &str, args: Args<'_, '_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
    let t = template.as_bytes();
    let mut state = ArgState::new(args);
    let mut pos = 0;
    while let Some(off) = find_percent(&t[pos..]) {
        out.extend_from_slice(&t[pos..pos + off]);
        pos += off + 1;
        if t.get(pos) == Some(&b'%') {
            out.push(b'%');
            pos += 1;
            continue;
        }
        pos = one_conversion(t, pos, &mut state, out)?;
        if state.dict.is_some() && state.argidx < state.arglen {
            return Err(FormatError::type_error("not all arguments converted during string formatting"));
        }
    }
    out.extend_from_slice(&t[pos..]);
    if state.argidx < state.arglen && state.dict.is_none() {
        return Err(FormatError::type_error("not all arguments converted during string formatting"));
    }
    Ok(())
}

/// The offset of the first `%` in `t`: eight bytes at a time (a SWAR
/// zero-byte test on `word ^ 0x2525...`), then byte by byte.
fn find_percent(t: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut chunks = t.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ (ONES * u64::from(b'%'));
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(base + (found.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks.remainder().iter().position(|&b| b == b'%').map(|i| base + i)
}

/// Handles one conversion starting just after its `%`; returns the position
/// after it.
fn one_conversion(t: &[u8], mut pos: usize, state: &mut ArgState<'_, '_>, out: &mut Vec<u8>) -> Result<usize, FormatError> {
    if t.get(pos) == Some(&b'(') {
        if state.dict.is_none() {
            return Err(FormatError::type_error("format requires a mapping"));
        }
        let (key, end) = mapping_key(t, pos)?;
        state.select(key)?;
        pos = end;
    }
    if let Some(&c) = t.get(pos).filter(|&&c| is_conversion(c)) {
        // The common `%s` / `%d`: no flags, width or precision.
        let arg = state.next()?;
        format_arg(&PrintfSpec { conv: c, ..PrintfSpec::default() }, arg, out)?;
        return Ok(pos + 1);
    }
    let parsed = {
        let mut star = || state.next();
        parse_spec(t, pos, &mut star)?
    };
    let arg = state.next()?;
    if parsed.spec.conv == 0 {
        let index = super::printf::char_count(&t[..parsed.conv_pos]);
        return Err(unsupported_char(char_at(t, parsed.conv_pos), index));
    }
    format_arg(&parsed.spec, arg, out)?;
    Ok(parsed.end)
}

/// The key of `%(key)`, whose parentheses may nest (`%(a(b))s` has key
/// `a(b)`); `pos` is at the `(`.
fn mapping_key(t: &[u8], pos: usize) -> Result<(&str, usize), FormatError> {
    let mut depth = 1;
    let mut i = pos + 1;
    while depth > 0 {
        match t.get(i) {
            Some(b')') => depth -= 1,
            Some(b'(') => depth += 1,
            Some(_) => {}
            None => return Err(FormatError::value_error("incomplete format key")),
        }
        i += 1;
    }
    let key = std::str::from_utf8(&t[pos + 1..i - 1]).unwrap_or("");
    Ok((key, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interp(t: &str, args: Args<'_, '_>) -> Result<String, FormatError> {
        let mut out = b"keep:".to_vec();
        let r = interpolate(t, args, &mut out);
        if r.is_err() {
            assert_eq!(out, b"keep:");
        }
        r.map(|()| String::from_utf8(out[5..].to_vec()).unwrap())
    }

    /// The running example: one string, one int, one float.
    #[test]
    fn basic() {
        let args = [Value::Str("bob"), Value::Int(3), Value::Float(0.12345)];
        let s = interp("user %s did %d things in %.3f s", Args::Positional(&args)).unwrap();
        assert_eq!(s, "user bob did 3 things in 0.123 s");
    }

    /// `'abc' % ()` is fine; extra or missing arguments are TypeErrors.
    #[test]
    fn counts() {
        assert_eq!(interp("abc", Args::Positional(&[])).unwrap(), "abc");
        let one = [Value::Int(1)];
        assert_eq!(interp("abc", Args::Positional(&one)).unwrap_err().message, "not all arguments converted during string formatting");
        assert_eq!(interp("%s %s", Args::Positional(&one)).unwrap_err().message, "not enough arguments for format string");
        assert_eq!(interp("100%%", Args::Positional(&[])).unwrap(), "100%");
    }

    /// A mapping argument: `%(key)s` looks up keys (parentheses may nest);
    /// a bare `%s` formats the whole mapping, once; unused keys are fine.
    #[test]
    fn mapping() {
        let m = [("a", Value::Int(1)), ("b(c)", Value::Str("x"))];
        assert_eq!(interp("%(a)05d|%(b(c))r", Args::Mapping(&m)).unwrap(), "00001|'x'");
        assert_eq!(interp("%s", Args::Mapping(&m)).unwrap(), "{'a': 1, 'b(c)': 'x'}");
        assert_eq!(interp("%s %s", Args::Mapping(&m)).unwrap_err().message, "not enough arguments for format string");
        assert_eq!(interp("%(z)s", Args::Mapping(&m)).unwrap_err(), FormatError::new("KeyError", "'z'"));
        assert_eq!(interp("%(a)s", Args::Positional(&[])).unwrap_err().message, "format requires a mapping");
        assert_eq!(interp("%(a", Args::Mapping(&m)).unwrap_err().message, "incomplete format key");
    }

    /// `*` takes width/precision from the arguments; the unknown-conversion
    /// error comes after the argument is fetched and counts characters.
    #[test]
    fn star_and_errors() {
        let args = [Value::Int(-5), Value::Int(2), Value::Float(3.14159)];
        assert_eq!(interp("[%*.*f]", Args::Positional(&args)).unwrap(), "[3.14 ]");
        let one = [Value::Int(1)];
        assert_eq!(interp("é%z", Args::Positional(&one)).unwrap_err().message, "unsupported format character 'z' (0x7a) at index 2");
        assert_eq!(interp("%z", Args::Positional(&[])).unwrap_err().message, "not enough arguments for format string");
        assert_eq!(interp("%*d", Args::Positional(&[Value::Str("x"), Value::Int(1)])).unwrap_err().message, "* wants int");
    }
}
