//! `float` to text, as CPython's `PyOS_double_to_string` does it for the
//! `%`-conversions `e f g` (and upper-case), for `repr()` and for the format
//! mini-language.
//!
//! The correctly rounded digits come from [`digits`](super::digits); the
//! layout rules (where the point goes, zero padding, when to switch to an
//! exponent, `#`) are CPython's, re-implemented here.

use super::digits::{push_fixed_digits, shortest_digits, significant_digits, DigitBuf};

/// How to render one float (the arguments of `PyOS_double_to_string`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FloatFmt {
    /// `b'e'`, `b'f'`, `b'g'` (upper-case for `E F G`: `INF`, `NAN`, `E`), or
    /// `b'r'` for repr-style shortest digits.
    pub code: u8,
    /// Digits after the point (`e`, `f`) or significant digits (`g`, where
    /// 0 means 1); ignored for `r`.
    pub prec: usize,
    /// `#`: keep the point and, for `g`, trailing zeros.
    pub alt: bool,
    /// Append `.0` to an integral value printed without exponent (repr and
    /// the format spec's empty type); for `g` also moves the switch to
    /// exponent notation one digit earlier.
    pub add_dot_0: bool,
    /// `z` (3.11+): a negative value that rounds to zero prints unsigned.
    pub no_neg_0: bool,
}

/// Appends `repr(x)`: shortest round-trip digits, fixed notation when the
/// decimal exponent is in -4..16 (`0.0001`, `1e-05`, `1234567890123456.0`,
/// `1e+16`), with `.0` added to integral values in fixed notation.
pub(crate) fn push_float_repr(x: f64, out: &mut Vec<u8>) {
    if x.is_sign_negative() && !x.is_nan() {
        out.push(b'-');
    }
    let fmt = FloatFmt { code: b'r', prec: 0, alt: false, add_dot_0: true, no_neg_0: false };
    push_float(x.abs(), &fmt, out);
}

/// Appends the magnitude of `x` (no sign) as `PyOS_double_to_string` would
/// print it; returns whether a `-` sign belongs in front (false for NaN,
/// and under `z` for values that print as zero).
pub(crate) fn push_float(x: f64, f: &FloatFmt, out: &mut Vec<u8>) -> bool {
    let negative = x.is_sign_negative() && !x.is_nan();
    let upper = f.code.is_ascii_uppercase();
    if !x.is_finite() {
        let text: &[u8] = match (x.is_nan(), upper) {
            (true, false) => b"nan",
            (true, true) => b"NAN",
            (false, false) => b"inf",
            (false, true) => b"INF",
        };
        out.extend_from_slice(text);
        return negative;
    }
    let start = out.len();
    let x = x.abs();
    match f.code.to_ascii_lowercase() {
        b'f' => push_fixed(x, f, out),
        b'e' => push_exp(x, f, upper, out),
        b'g' => push_general(x, f, upper, out),
        _ => push_shortest(x, f, out),
    }
    negative && !(f.no_neg_0 && is_all_zero(&out[start..]))
}

/// True if the digits of a rendered magnitude (up to any exponent) are all 0.
fn is_all_zero(text: &[u8]) -> bool {
    text.iter().take_while(|&&b| b != b'e' && b != b'E').all(|&b| b == b'0' || b == b'.')
}

/// `%f`: the fixed digits already have CPython's layout; `#` keeps a bare
/// point.
fn push_fixed(x: f64, f: &FloatFmt, out: &mut Vec<u8>) {
    push_fixed_digits(x, f.prec, out);
    if f.alt && f.prec == 0 {
        out.push(b'.');
    }
}

/// `%e`: precision+1 significant digits, `d.ddd` (a bare `d.` with `#` at
/// precision 0), then CPython's exponent (`e+05`: sign, at least two digits).
fn push_exp(x: f64, f: &FloatFmt, upper: bool, out: &mut Vec<u8>) {
    let mut digits = DigitBuf::new();
    let decpt = significant_digits(x, f.prec + 1, &mut digits);
    let lay = Layout { decpt, use_exp: true, vend: f.prec + 1, add_dot_0: false, alt: f.alt, upper };
    lay.write(digits.as_bytes(), out);
}

/// Appends `e+05` / `E-300`.
fn push_exponent(exp: i32, upper: bool, out: &mut Vec<u8>) {
    out.push(if upper { b'E' } else { b'e' });
    out.push(if exp < 0 { b'-' } else { b'+' });
    let mag = exp.unsigned_abs();
    if mag < 10 {
        out.push(b'0');
    }
    out.extend_from_slice(itoa::Buffer::new().format(mag).as_bytes());
}

/// `%g`: round to P significant digits (P = precision, 0 meaning 1); use
/// exponent notation if the rounded value's exponent is < -4 or >= P
/// (>= P-1 with `add_dot_0`); drop trailing zeros unless `#`.
fn push_general(x: f64, f: &FloatFmt, upper: bool, out: &mut Vec<u8>) {
    let p = f.prec.max(1);
    let mut digits = DigitBuf::new();
    let decpt = significant_digits(x, p, &mut digits);
    let mut d = digits.as_bytes();
    let limit = if f.add_dot_0 { p as i64 - 1 } else { p as i64 };
    let use_exp = decpt <= -4 || i64::from(decpt) > limit;
    let vend = if f.alt {
        p
    } else {
        while d.len() > 1 && d[d.len() - 1] == b'0' {
            d = &d[..d.len() - 1];
        }
        d.len()
    };
    let lay = Layout { decpt, use_exp, vend, add_dot_0: f.add_dot_0, alt: f.alt, upper };
    lay.write(d, out);
}

/// repr-style: the shortest digits that round-trip (from `ryu`), fixed
/// notation for decimal exponents -4..16.
fn push_shortest(x: f64, f: &FloatFmt, out: &mut Vec<u8>) {
    let mut ryu_buf = ryu::Buffer::new();
    let text = ryu_buf.format_finite(x).as_bytes();
    // ryu's fixed notation (`0.001`, `123.45`, `1234567890123456.0`) is
    // CPython's whenever CPython also uses fixed notation, i.e. unless it
    // has four zeros after the point (1e-05 and below).
    if f.add_dot_0 && !f.alt && !text.contains(&b'e') && !text.starts_with(b"0.0000") {
        out.extend_from_slice(text);
        return;
    }
    let mut digits = [0u8; 24];
    let (n, decpt) = shortest_digits(x, &mut digits);
    let use_exp = decpt <= -4 || decpt > 16;
    let lay = Layout { decpt, use_exp, vend: n, add_dot_0: f.add_dot_0, alt: f.alt, upper: false };
    lay.write(&digits[..n], out);
}

/// CPython's digit layout: print the slice `vdigits[start..vend]` of the
/// digit string padded with zeros on both sides, with the point before
/// virtual digit `decpt` (after the first digit with an exponent), then the
/// exponent.
struct Layout {
    decpt: i32,
    use_exp: bool,
    vend: usize,
    add_dot_0: bool,
    alt: bool,
    upper: bool,
}

impl Layout {
    fn write(&self, digits: &[u8], out: &mut Vec<u8>) {
        let (decpt, exp) = if self.use_exp { (1i64, self.decpt - 1) } else { (i64::from(self.decpt), 0) };
        let vstart = if decpt <= 0 { decpt - 1 } else { 0 };
        let min_end = if !self.use_exp && self.add_dot_0 { decpt + 1 } else { decpt };
        let vend = (self.vend as i64).max(min_end);
        let at = |i: i64| -> u8 {
            if i >= 0 && (i as usize) < digits.len() {
                digits[i as usize]
            } else {
                b'0'
            }
        };
        out.reserve((vend - vstart) as usize + 8);
        for i in vstart..vend {
            if i == decpt {
                out.push(b'.');
            }
            out.push(at(i));
        }
        if decpt == vend {
            out.push(b'.');
        }
        if !self.alt && out.last() == Some(&b'.') {
            out.pop();
        }
        if self.use_exp {
            push_exponent(exp, self.upper, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(x: f64) -> String {
        let mut out = Vec::new();
        push_float_repr(x, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn fmt(x: f64, code: u8, prec: usize, alt: bool) -> String {
        let mut out = Vec::new();
        let f = FloatFmt { code, prec, alt, add_dot_0: false, no_neg_0: false };
        if push_float(x, &f, &mut out) {
            out.insert(0, b'-');
        }
        String::from_utf8(out).unwrap()
    }

    /// repr: fixed for exponents -4..16 with `.0` on integral values,
    /// otherwise `1e+16` / `1.5e-05` (no `.0` in exponent form).
    #[test]
    fn repr_layout() {
        assert_eq!(repr(1.0), "1.0");
        assert_eq!(repr(-0.0), "-0.0");
        assert_eq!(repr(0.1), "0.1");
        assert_eq!(repr(1e16), "1e+16");
        assert_eq!(repr(1234567890123456.0), "1234567890123456.0");
        assert_eq!(repr(1.5e-5), "1.5e-05");
        assert_eq!(repr(0.0001), "0.0001");
        assert_eq!(repr(5e-324), "5e-324");
        assert_eq!(repr(1.7976931348623157e308), "1.7976931348623157e+308");
        assert_eq!(repr(f64::NAN), "nan");
        assert_eq!(repr(f64::NEG_INFINITY), "-inf");
    }

    /// `%g`: precision 0 means 1; the exponent test uses the rounded value
    /// (9.9995 at 4 digits is 10.00); trailing zeros go unless `#`.
    #[test]
    fn general() {
        assert_eq!(fmt(0.0, b'g', 6, false), "0");
        assert_eq!(fmt(0.0, b'g', 6, true), "0.00000");
        assert_eq!(fmt(123456.789, b'g', 0, false), "1e+05");
        assert_eq!(fmt(9.9995, b'g', 4, false), "9.999");
        assert_eq!(fmt(99999.5, b'g', 5, false), "1e+05");
        assert_eq!(fmt(0.0001, b'g', 6, false), "0.0001");
        assert_eq!(fmt(0.00001, b'G', 6, false), "1E-05");
        assert_eq!(fmt(100.0, b'g', 3, true), "100.");
        assert_eq!(fmt(1e10, b'g', 3, true), "1.00e+10");
    }

    /// `%e` always has a signed, at-least-two-digit exponent; `#` keeps the
    /// point at precision 0; ties round half-to-even on the exact value.
    #[test]
    fn exp_and_fixed() {
        assert_eq!(fmt(0.0, b'e', 6, false), "0.000000e+00");
        assert_eq!(fmt(1e300, b'E', 2, false), "1.00E+300");
        assert_eq!(fmt(2.5, b'e', 0, true), "2.e+00");
        assert_eq!(fmt(2.5, b'f', 0, false), "2");
        assert_eq!(fmt(0.125, b'f', 2, false), "0.12");
        assert_eq!(fmt(2.675, b'f', 2, false), "2.67");
        assert_eq!(fmt(-0.0, b'f', 1, false), "-0.0");
        assert_eq!(fmt(f64::INFINITY, b'F', 1, false), "INF");
    }
}
