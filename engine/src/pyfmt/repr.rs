//! Python's `str()`, `repr()` and `ascii()` of each [`Value`], and the
//! escaping rules behind them.

use super::float::push_float_repr;
use super::int::IntRef;
use super::tables::is_printable;
use crate::value::Value;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Python's `type(v).__name__`, as error messages print it.
pub(crate) fn type_name(v: &Value<'_>) -> &'static str {
    match v {
        Value::None => "NoneType",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::BigInt(_) => "int",
        Value::Float(_) => "float",
        Value::Str(_) | Value::Rendered(_) => "str",
        Value::Bytes(_) => "bytes",
    }
}

/// Appends `str(v)`.
///
/// CPython: `str(None)` is `None`, `str(True)` is `True`, `str(1.0)` is
/// `repr(1.0)`, and `str(b'x')` is `repr(b'x')` (`b'x'`).
pub fn str_value(v: &Value<'_>, out: &mut Vec<u8>) {
    match v {
        Value::Str(s) | Value::Rendered(s) => out.extend_from_slice(s.as_bytes()),
        _ => repr_value(v, out),
    }
}

/// Appends `repr(v)`.
pub fn repr_value(v: &Value<'_>, out: &mut Vec<u8>) {
    match v {
        Value::None => out.extend_from_slice(b"None"),
        Value::Bool(true) => out.extend_from_slice(b"True"),
        Value::Bool(false) => out.extend_from_slice(b"False"),
        Value::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Value::BigInt(t) => {
            let v = IntRef::big(t);
            if v.negative {
                out.push(b'-');
            }
            v.push_digits(10, false, out);
        }
        Value::Float(x) => push_float_repr(*x, out),
        Value::Str(s) => push_str_repr(s, false, out),
        Value::Bytes(b) => push_bytes_repr(b, out),
        Value::Rendered(s) => out.extend_from_slice(s.as_bytes()),
    }
}

/// Appends `ascii(v)`: `repr(v)` with every non-ASCII character escaped.
pub fn ascii_value(v: &Value<'_>, out: &mut Vec<u8>) {
    match v {
        Value::Str(s) => push_str_repr(s, true, out),
        _ => repr_value(v, out),
    }
}

/// Appends `\xNN`, `\uNNNN` or `\UNNNNNNNN` for `c` (the form Python's
/// `repr()` and the `backslashreplace` error handler use: the shortest of
/// the three that fits).
pub(crate) fn push_escape(c: u32, out: &mut Vec<u8>) {
    let (tag, digits) = if c <= 0xff {
        (b'x', 2)
    } else if c <= 0xffff {
        (b'u', 4)
    } else {
        (b'U', 8)
    };
    out.push(b'\\');
    out.push(tag);
    for i in (0..digits).rev() {
        out.push(HEX[((c >> (4 * i)) & 0xf) as usize]);
    }
}

/// Appends Python's `repr(s)` (or `ascii(s)` when `ascii_only`).
///
/// CPython's rules: the quote is `'` unless the text contains `'` and no
/// `"`; the chosen quote and `\` are backslash-escaped; `\t`, `\n`, `\r`
/// get their short escapes; other ASCII controls and DEL become `\xNN`;
/// a non-ASCII character stays as-is if it is printable (see
/// [`is_printable`]) and otherwise becomes `\xNN`, `\uNNNN` or
/// `\UNNNNNNNN`. `ascii()` escapes every non-ASCII character that way.
pub(crate) fn push_str_repr(s: &str, ascii_only: bool, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') { b'"' } else { b'\'' };
    out.reserve(bytes.len() + 2);
    out.push(quote);
    for c in s.chars() {
        let u = c as u32;
        if u < 0x80 {
            push_ascii_escaped(u as u8, quote, out);
        } else if !ascii_only && is_printable(c) {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        } else {
            push_escape(u, out);
        }
    }
    out.push(quote);
}

/// One ASCII byte of a str or bytes repr.
fn push_ascii_escaped(b: u8, quote: u8, out: &mut Vec<u8>) {
    match b {
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\t' => out.extend_from_slice(b"\\t"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        _ if b == quote => {
            out.push(b'\\');
            out.push(b);
        }
        0x20..=0x7e => out.push(b),
        _ => push_escape(u32::from(b), out),
    }
}

/// Appends Python's `repr(b)` for a `bytes` object: `b'...'`, with the same
/// quote choice as for `str`, `\\`, `\t`, `\n`, `\r` escapes and `\xNN` for
/// every other byte outside the printable ASCII range.
pub(crate) fn push_bytes_repr(b: &[u8], out: &mut Vec<u8>) {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') { b'"' } else { b'\'' };
    out.reserve(b.len() + 3);
    out.push(b'b');
    out.push(quote);
    for &c in b {
        push_ascii_escaped(c, quote, out);
    }
    out.push(quote);
}

/// Appends `text` with every non-ASCII character written as a
/// `backslashreplace` escape (how `ascii()` treats an object's `repr()`).
pub(crate) fn push_ascii_text(text: &str, out: &mut Vec<u8>) {
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c as u8);
        } else {
            push_escape(c as u32, out);
        }
    }
}

/// Appends `repr(d)` (or `ascii(d)`) of a `dict` with these `str` keys, as
/// `'%s' % mapping` prints a mapping that no `%(key)` consumed:
/// `{'a': 1, 'b': 'x'}`. Later duplicates of a key replace earlier ones'
/// values in place, as building the dict would.
pub(crate) fn push_mapping_repr(entries: &[(&str, Value<'_>)], ascii_only: bool, out: &mut Vec<u8>) {
    out.push(b'{');
    let mut first = true;
    for (i, (key, _)) in entries.iter().enumerate() {
        if entries[..i].iter().any(|(k, _)| k == key) {
            continue;
        }
        let value = entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v);
        if !first {
            out.extend_from_slice(b", ");
        }
        first = false;
        push_str_repr(key, ascii_only, out);
        out.extend_from_slice(b": ");
        match value {
            Some(Value::Rendered(text)) if ascii_only => push_ascii_text(text, out),
            Some(v) if ascii_only => ascii_value(v, out),
            Some(v) => repr_value(v, out),
            None => {}
        }
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(v: Value<'_>) -> String {
        let mut out = Vec::new();
        repr_value(&v, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn ascii(v: Value<'_>) -> String {
        let mut out = Vec::new();
        ascii_value(&v, &mut out);
        String::from_utf8(out).unwrap()
    }

    /// CPython quotes with `'` unless the text has `'` but no `"`; with both,
    /// `'` is used and escaped.
    #[test]
    fn str_quote_choice() {
        assert_eq!(repr(Value::Str("it's")), "\"it's\"");
        assert_eq!(repr(Value::Str("say \"hi\"")), "'say \"hi\"'");
        assert_eq!(repr(Value::Str("'\"")), "'\\'\"'");
    }

    /// Controls are `\xNN` except `\t\n\r`; U+00A0 (Zs) and U+2028 (Zl) are
    /// not printable, so escaped; é and emoji are printable.
    #[test]
    fn str_escapes() {
        assert_eq!(repr(Value::Str("a\\b\t\n\r\x00\x7f")), "'a\\\\b\\t\\n\\r\\x00\\x7f'");
        assert_eq!(repr(Value::Str("\u{a0}\u{2028}\u{200b}\u{e000}")), "'\\xa0\\u2028\\u200b\\ue000'");
        assert_eq!(repr(Value::Str("é😀")), "'é😀'");
        assert_eq!(repr(Value::Str("\u{10ffff}")), "'\\U0010ffff'");
        assert_eq!(ascii(Value::Str("é😀")), "'\\xe9\\U0001f600'");
    }

    /// `repr(bytes)` uses the same quote choice; bytes >= 0x7f are `\xNN`.
    #[test]
    fn bytes_repr() {
        assert_eq!(repr(Value::Bytes(b"it's\xff\x00")), "b\"it's\\xff\\x00\"");
        assert_eq!(repr(Value::Bytes(b"")), "b''");
    }

    #[test]
    fn mapping_repr() {
        let entries = [("a", Value::Int(1)), ("é", Value::Str("x")), ("a", Value::None)];
        let mut out = Vec::new();
        push_mapping_repr(&entries, false, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "{'a': None, 'é': 'x'}");
        let mut out = Vec::new();
        push_mapping_repr(&entries, true, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "{'a': None, '\\xe9': 'x'}");
    }
}
