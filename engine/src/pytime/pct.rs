//! `default_msec_format % (s, msecs)` — CPython's `str % tuple` for exactly the argument types
//! `Formatter.formatTime` passes: a `str` (the `strftime` result) and a `float` (`record.msecs`).
//!
//! Parsing follows `unicode_format_arg_parse` (Objects/unicodeobject.c): `%%` only as two adjacent
//! characters; flags `-+ #0`; width; `.precision`; one ignored length modifier `h`/`l`/`L`; then the
//! conversion. Output follows `unicode_format_arg_output`: `fill = '0'` only for numeric
//! conversions with the `0` flag, sign handling, left/right padding with spaces, `%s/%r/%a`
//! precision truncation (in code points).
//!
//! Every format whose `%` would raise for `(str, float)` arguments — wrong argument count, a
//! mapping key, `*`, `%x/%o/%X/%c` or a numeric conversion of the string, an incomplete format,
//! an unknown conversion — is rejected when parsed, so formatting itself cannot fail except for a
//! non-finite `msecs` under `%d` (impossible for fields made by `time_fields`). `%r`/`%a`/`%c` of the
//! *string* argument are also rejected (not reproduced here: `repr(str)` needs Unicode tables).

use super::pyfloat;
use super::TimeFormatError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Spec {
    minus: bool,
    plus: bool,
    space: bool,
    zero: bool,
    alt: bool,
    width: usize,
    prec: Option<usize>,
    conv: u8,
}

#[derive(Clone, Debug)]
enum Piece {
    Lit(Box<[u8]>),
    /// `%s` of the time string.
    Str(Spec),
    /// `%s/%r/%a` of msecs: `repr(float)`.
    FloatRepr(Spec),
    /// `%d/%i/%u` of msecs: `int(msecs)`.
    FloatInt(Spec),
    /// `%e/%E/%f/%F/%g/%G` of msecs.
    FloatFixed(Spec),
}

/// A parsed `default_msec_format`.
#[derive(Clone, Debug)]
pub(crate) struct MsecFormat {
    pieces: Vec<Piece>,
}

impl MsecFormat {
    pub(crate) fn parse(fmt: &str) -> Result<MsecFormat, TimeFormatError> {
        let err = |why: &'static str| Err(TimeFormatError::MsecFormat(why));
        let b = fmt.as_bytes();
        let mut pieces = Vec::new();
        let mut lit: Vec<u8> = Vec::new();
        let mut nargs = 0usize;
        let mut i = 0usize;
        while i < b.len() {
            if b[i] != b'%' {
                lit.push(b[i]);
                i += 1;
                continue;
            }
            i += 1;
            if i < b.len() && b[i] == b'%' {
                lit.push(b'%');
                i += 1;
                continue;
            }
            if i >= b.len() {
                return err("incomplete format");
            }
            if b[i] == b'(' {
                return err("format requires a mapping");
            }
            let mut spec = Spec { minus: false, plus: false, space: false, zero: false, alt: false, width: 0, prec: None, conv: 0 };
            while i < b.len() {
                match b[i] {
                    b'-' => spec.minus = true,
                    b'+' => spec.plus = true,
                    b' ' => spec.space = true,
                    b'#' => spec.alt = true,
                    b'0' => spec.zero = true,
                    _ => break,
                }
                i += 1;
            }
            if i < b.len() && b[i] == b'*' {
                return err("* wants int");
            }
            while i < b.len() && b[i].is_ascii_digit() {
                spec.width = match spec.width.checked_mul(10).and_then(|w| w.checked_add((b[i] - b'0') as usize)) {
                    Some(w) if w <= isize::MAX as usize => w,
                    _ => return err("width too big"),
                };
                i += 1;
            }
            if i < b.len() && b[i] == b'.' {
                i += 1;
                let mut p = 0usize;
                if i < b.len() && b[i] == b'*' {
                    return err("* wants int");
                }
                while i < b.len() && b[i].is_ascii_digit() {
                    p = p * 10 + (b[i] - b'0') as usize;
                    if p > i32::MAX as usize {
                        return err("precision too big");
                    }
                    i += 1;
                }
                spec.prec = Some(p);
            }
            if i < b.len() && matches!(b[i], b'h' | b'l' | b'L') {
                i += 1;
            }
            if i >= b.len() {
                return err("incomplete format");
            }
            if !b[i].is_ascii() {
                return err("unsupported format character");
            }
            spec.conv = b[i];
            i += 1;
            let arg = nargs;
            nargs += 1;
            if arg >= 2 {
                return err("not enough arguments for format string");
            }
            let piece = match (arg, spec.conv) {
                (0, b's') => Piece::Str(spec),
                (0, b'r' | b'a' | b'c') => return err("%r/%a/%c of the time string is not reproduced"),
                (1, b's' | b'r' | b'a') => Piece::FloatRepr(spec),
                (1, b'd' | b'i' | b'u') => Piece::FloatInt(spec),
                (1, b'e' | b'E' | b'f' | b'F' | b'g' | b'G') => Piece::FloatFixed(spec),
                (_, b'd' | b'i' | b'u' | b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'o' | b'x' | b'X' | b'c') => {
                    return err("argument of the wrong type for the conversion")
                }
                _ => return err("unsupported format character"),
            };
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut lit).into_boxed_slice()));
            }
            pieces.push(piece);
        }
        if nargs < 2 {
            return err("not all arguments converted during string formatting");
        }
        if !lit.is_empty() {
            pieces.push(Piece::Lit(lit.into_boxed_slice()));
        }
        Ok(MsecFormat { pieces })
    }

    /// Appends `fmt % (s, msecs)`; `s_chars` is the number of code points in `s`.
    /// On error nothing is appended.
    pub(crate) fn write(&self, s: &str, s_chars: usize, msecs: f64, out: &mut Vec<u8>) -> Result<(), TimeFormatError> {
        let start = out.len();
        for piece in &self.pieces {
            match piece {
                Piece::Lit(l) => out.extend_from_slice(l),
                Piece::Str(spec) => emit(out, s.as_bytes(), s_chars, s_chars == s.len(), spec, false),
                Piece::FloatRepr(spec) => {
                    if spec.width == 0 && spec.prec.is_none() {
                        pyfloat::write_repr(msecs, out);
                    } else {
                        let mut t: Vec<u8> = Vec::new();
                        pyfloat::write_repr(msecs, &mut t);
                        emit(out, &t, t.len(), true, spec, false);
                    }
                }
                Piece::FloatInt(spec) => {
                    if !msecs.is_finite() {
                        out.truncate(start);
                        return Err(TimeFormatError::MsecsValue);
                    }
                    if spec.prec.is_none() && msecs.abs() < 9.2e18 {
                        // Fast path (no allocation): covers `%d`, `%03d`, ...
                        let mut b = itoa::Buffer::new();
                        let digits = b.format(msecs.trunc() as i64).as_bytes();
                        emit(out, digits, digits.len(), true, spec, true);
                    } else {
                        let mut t: Vec<u8> = Vec::new();
                        pyfloat::write_trunc_int(msecs, &mut t);
                        if let Some(p) = spec.prec {
                            // `_PyUnicode_FormatLong`: zero-extend the digits to `prec`.
                            let neg = t.first() == Some(&b'-');
                            let nd = t.len() - neg as usize;
                            if p > nd {
                                let at = neg as usize;
                                t.splice(at..at, std::iter::repeat(b'0').take(p - nd));
                            }
                        }
                        emit(out, &t, t.len(), true, spec, true);
                    }
                }
                Piece::FloatFixed(spec) => {
                    let mut t: Vec<u8> = Vec::new();
                    pyfloat::write_fixed(msecs, spec.conv, spec.prec.unwrap_or(6), spec.alt, &mut t);
                    emit(out, &t, t.len(), true, spec, true);
                }
            }
        }
        Ok(())
    }

    #[cfg(test)]
    fn pieces_len(&self) -> usize {
        self.pieces.len()
    }
}

/// `unicode_format_arg_output`: writes `text` (`nchars` code points) under `spec`.
/// `numeric` is CPython's `arg->sign` (set for `d i u e f g ...`, not for `s r a`).
fn emit(out: &mut Vec<u8>, text: &[u8], nchars: usize, ascii: bool, spec: &Spec, numeric: bool) {
    let fill = if numeric && spec.zero { b'0' } else { b' ' };
    let mut len = nchars;
    if len >= spec.width && spec.prec.map_or(true, |p| p >= len) && !(spec.plus || spec.space) {
        out.extend_from_slice(text);
        return;
    }
    if matches!(spec.conv, b's' | b'r' | b'a') {
        if let Some(p) = spec.prec {
            if len > p {
                len = p;
            }
        }
    }
    let mut body = text;
    let mut sign: Option<u8> = None;
    if numeric {
        match text.first() {
            Some(&c @ (b'-' | b'+')) => {
                sign = Some(c);
                body = &text[1..];
                len -= 1;
            }
            _ if spec.plus => sign = Some(b'+'),
            _ if spec.space => sign = Some(b' '),
            _ => {}
        }
    }
    let mut width = spec.width.max(len);
    if let Some(sc) = sign {
        if fill != b' ' {
            out.push(sc);
        }
        if width > len {
            width -= 1;
        }
    }
    if width > len && !spec.minus {
        out.extend(std::iter::repeat(fill).take(width - len));
        width = len;
    }
    if fill == b' ' {
        if let Some(sc) = sign {
            out.push(sc);
        }
    }
    // the first `len` code points of `body`
    let nbytes = if ascii {
        len
    } else {
        let s = std::str::from_utf8(body).unwrap_or("");
        s.char_indices().nth(len).map_or(body.len(), |(i, _)| i)
    };
    out.extend_from_slice(&body[..nbytes]);
    if width > len {
        out.extend(std::iter::repeat(b' ').take(width - len));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(f: &str, s: &str, x: f64) -> Result<String, TimeFormatError> {
        let m = MsecFormat::parse(f)?;
        let mut out = Vec::new();
        m.write(s, s.chars().count(), x, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn default_format() {
        assert_eq!(MsecFormat::parse("%s,%03d").unwrap().pieces_len(), 3);
        assert_eq!(fmt("%s,%03d", "2024-01-01 00:00:00", 7.0).unwrap(), "2024-01-01 00:00:00,007");
        assert_eq!(fmt("%s,%03d", "t", 999.9999).unwrap(), "t,999");
        assert_eq!(fmt("%s,%03d", "t", -500.0).unwrap(), "t,-500");
        assert_eq!(fmt("%s,%03d", "t", -5.0).unwrap(), "t,-05");
    }

    #[test]
    fn cpython_examples() {
        // Outputs taken from CPython 3.9.18 / 3.13.0 (identical).
        let cases: &[(&str, &str, f64, &str)] = &[
            ("%05s|%d", "ab", 0.0, "   ab|0"),
            ("%s|%-05d", "", 5.0, "|5    "),
            ("%s|%05d", "", -5.7, "|-0005"),
            ("%s|%+05d", "", 5.2, "|+0005"),
            ("%s|% 5d", "", 5.0, "|    5"),
            ("%s|%.5d", "", -3.9, "|-00003"),
            ("%s|%08.5d", "", -3.9, "|-0000003"),
            ("%s|%-8.5d|", "", -3.9, "|-00003  |"),
            ("%s|%#d", "", 5.0, "|5"),
            ("%s|%ld", "", 5.5, "|5"),
            ("%hs|%r", "x", 5.0, "x|5.0"),
            ("%s|%a", "", 1e-5, "|1e-05"),
            ("%.2s|%d", "abc", 0.0, "ab|0"),
            ("%5.1s|%d", "abc", 0.0, "    a|0"),
            ("%s|%05.1f", "", -0.0, "|-00.0"),
            ("%s|%+.0f", "", 2.5, "|+2"),
            ("%s|%010.3e", "", -123.456, "|-1.235e+02"),
            ("%05s|%d", "abcdefg", 1.0, "abcdefg|1"),
            ("%s|%-05.2f|", "", 3.14159, "|3.14 |"),
            ("%+s|%d", "ab", 1.0, "ab|1"),
            ("% s|%d", "ab", 1.0, "ab|1"),
            ("%+5s|%d", "ab", 1.0, "   ab|1"),
            ("%s%%%d", "a", 1.0, "a%1"),
            ("%.1s|%d", "éa", 1.0, "é|1"),
            ("%4s|%d", "é", 1.0, "   é|1"),
        ];
        for (f, s, x, want) in cases {
            assert_eq!(fmt(f, s, *x).unwrap(), *want, "{f:?} % ({s:?}, {x})");
        }
    }

    #[test]
    fn rejected_like_cpython() {
        for f in ["%5%", "%s %5%", "%", "%s,%", "%(a)s", "%*d", "%s", "%s %s %s", "%s %x", "%s %c", "%d %s", "%s %q", "%.*f", "%r %d"] {
            assert!(MsecFormat::parse(f).is_err(), "{f:?}");
        }
        assert!(fmt("%s %d", "", f64::NAN).is_err());
        assert_eq!(fmt("%s %f", "", f64::NAN).unwrap(), " nan");
    }
}
