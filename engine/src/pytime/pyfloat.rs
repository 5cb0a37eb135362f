//! CPython's float → text conversions needed by `default_msec_format % (s, msecs)`:
//! `repr(float)` (used by `%s`/`%r`/`%a`) and `PyOS_double_to_string(x, 'e'|'f'|'g', prec, flags)`
//! (used by `%e %E %f %F %g %G`), plus `str(int(x))` for `%d %i %u`.
//!
//! `repr` uses the shortest round-tripping digits (CPython: `_Py_dg_dtoa` mode 0; here: `ryu`, which
//! picks the same shortest, closest digit string) laid out like `float_repr_style == 'short'`:
//! exponent notation iff the decimal-point position `decpt <= -4 || decpt > 16`, two-digit minimum
//! exponent, `.0` added to integral values.
//!
//! `%e/%f/%g` round the *exact* binary value half-to-even at the requested digit (CPython: `_Py_dg_dtoa`
//! modes 2/3), computed here from the exact decimal expansion of the double.

/// `repr(x)` appended to `out` (no allocation).
pub(crate) fn write_repr(x: f64, out: &mut Vec<u8>) {
    if x.is_nan() {
        out.extend_from_slice(b"nan");
        return;
    }
    if x.is_infinite() {
        out.extend_from_slice(if x > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    if x.is_sign_negative() {
        out.push(b'-');
    }
    if x == 0.0 {
        out.extend_from_slice(b"0.0");
        return;
    }
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(x.abs()).as_bytes();
    let mut digits = [0u8; 32];
    let (n, point) = parse_shortest(s, &mut digits);
    let digits = &digits[..n];
    if point <= -4 || point > 16 {
        out.push(digits[0]);
        if n > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        write_exponent(b'e', point - 1, out);
    } else if point <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat(b'0').take((-point) as usize));
        out.extend_from_slice(digits);
    } else if point as usize >= n {
        out.extend_from_slice(digits);
        out.extend(std::iter::repeat(b'0').take(point as usize - n));
        out.extend_from_slice(b".0");
    } else {
        out.extend_from_slice(&digits[..point as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[point as usize..]);
    }
}

/// Parses ryu's output (`"123.0"`, `"0.001"`, `"1.5e-7"`, `"1e30"`, ...) of a positive finite,
/// non-zero value into significant digits (no leading/trailing zeros) and the decimal-point
/// position: value = 0.DIGITS × 10^point.
fn parse_shortest(s: &[u8], digits: &mut [u8; 32]) -> (usize, i32) {
    let (mant, exp) = match s.iter().position(|&c| c == b'e' || c == b'E') {
        Some(p) => {
            let e = std::str::from_utf8(&s[p + 1..]).ok().and_then(|t| t.parse::<i32>().ok()).unwrap_or(0);
            (&s[..p], e)
        }
        None => (s, 0),
    };
    let int_len = mant.iter().position(|&c| c == b'.').unwrap_or(mant.len());
    let mut n = 0usize;
    let mut point = int_len as i32 + exp;
    let mut leading = true;
    for &c in mant.iter().filter(|c| c.is_ascii_digit()) {
        if leading && c == b'0' {
            point -= 1;
            continue;
        }
        leading = false;
        if n < digits.len() {
            digits[n] = c;
            n += 1;
        }
    }
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    (n, point)
}

/// `e+05` / `e-308`: sign and at least two exponent digits (CPython and C agree).
fn write_exponent(e: u8, exp: i32, out: &mut Vec<u8>) {
    out.push(e);
    out.push(if exp < 0 { b'-' } else { b'+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        out.push(b'0');
    }
    let mut b = itoa::Buffer::new();
    out.extend_from_slice(b.format(a).as_bytes());
}

/// `str(int(x))` for a finite `x` (truncation toward zero), appended to `out`.
pub(crate) fn write_trunc_int(x: f64, out: &mut Vec<u8>) {
    let t = x.trunc();
    if t.abs() < 9.2e18 {
        let mut b = itoa::Buffer::new();
        out.extend_from_slice(b.format(t as i64).as_bytes());
        return;
    }
    // Large integral value: exact decimal expansion.
    if t < 0.0 {
        out.push(b'-');
    }
    let (ds, point) = exact_digits(t);
    out.extend_from_slice(&ds);
    out.extend(std::iter::repeat(b'0').take(point as usize - ds.len()));
}

/// `PyOS_double_to_string(x, conv, prec, alt ? Py_DTSF_ALT : 0)` for `conv` in `eEfFgG`.
pub(crate) fn write_fixed(x: f64, conv: u8, prec: usize, alt: bool, out: &mut Vec<u8>) {
    let upper = conv.is_ascii_uppercase();
    if x.is_nan() || x.is_infinite() {
        if x.is_infinite() && x < 0.0 {
            out.push(b'-');
        }
        let word: &[u8] = match (x.is_nan(), upper) {
            (true, false) => b"nan",
            (true, true) => b"NAN",
            (false, false) => b"inf",
            (false, true) => b"INF",
        };
        out.extend_from_slice(word);
        return;
    }
    if x.is_sign_negative() {
        out.push(b'-');
    }
    let (ds, point) = exact_digits(x);
    match conv.to_ascii_lowercase() {
        b'f' => {
            // round(|x| * 10^prec) as an integer digit string
            let r = round_at(&ds, point as i64 + prec as i64);
            let r: &[u8] = if r.is_empty() { b"0" } else { &r };
            if r.len() <= prec {
                out.extend_from_slice(b"0");
                if prec > 0 || alt {
                    out.push(b'.');
                }
                out.extend(std::iter::repeat(b'0').take(prec - r.len()));
                out.extend_from_slice(r);
            } else {
                let int_len = r.len() - prec;
                out.extend_from_slice(&r[..int_len]);
                if prec > 0 || alt {
                    out.push(b'.');
                }
                out.extend_from_slice(&r[int_len..]);
            }
        }
        b'e' => {
            let (sig, exp) = round_sig(&ds, point, prec + 1);
            out.push(sig[0]);
            if prec > 0 || alt {
                out.push(b'.');
            }
            out.extend_from_slice(&sig[1..]);
            write_exponent(if upper { b'E' } else { b'e' }, exp, out);
        }
        _ => {
            // 'g'
            let p = prec.max(1);
            let (sig, exp) = round_sig(&ds, point, p);
            let mut body: Vec<u8> = Vec::with_capacity(p + 8);
            let use_exp = exp < -4 || exp >= p as i32;
            if use_exp {
                body.push(sig[0]);
                body.push(b'.');
                body.extend_from_slice(&sig[1..]);
            } else if exp < 0 {
                body.extend_from_slice(b"0.");
                body.extend(std::iter::repeat(b'0').take((-exp - 1) as usize));
                body.extend_from_slice(&sig);
            } else {
                let int_len = exp as usize + 1;
                body.extend_from_slice(&sig[..int_len]);
                body.push(b'.');
                body.extend_from_slice(&sig[int_len..]);
            }
            if !alt {
                while body.last() == Some(&b'0') {
                    body.pop();
                }
                if body.last() == Some(&b'.') {
                    body.pop();
                }
            }
            out.extend_from_slice(&body);
            if use_exp {
                write_exponent(if upper { b'E' } else { b'e' }, exp, out);
            }
        }
    }
}

/// Rounds to `n >= 1` significant digits (half-even, exact). Returns exactly `n` digits and the
/// decimal exponent of the first one. Zero gives `n` zeros and exponent 0.
fn round_sig(ds: &[u8], point: i32, n: usize) -> (Vec<u8>, i32) {
    if ds.is_empty() {
        return (vec![b'0'; n], 0);
    }
    let mut r = round_at(ds, n as i64);
    let mut exp = point - 1;
    if r.len() > n {
        // carry out of the top digit (e.g. 9.99 -> 10.0): the extra digit is a zero
        r.truncate(n);
        exp += 1;
    }
    (r, exp)
}

/// The digit string `ds` means 0.ds (no leading zeros, no trailing zeros, empty for zero).
/// Returns the digits of round_half_even(0.ds × 10^n) as an integer, without leading zeros
/// (empty for zero).
fn round_at(ds: &[u8], n: i64) -> Vec<u8> {
    if n < 0 || ds.is_empty() {
        return Vec::new();
    }
    let n = n as usize;
    if n == 0 {
        // 0.ds against 0.5; a tie rounds to the even 0.
        let up = ds[0] > b'5' || (ds[0] == b'5' && ds.len() > 1);
        return if up { vec![b'1'] } else { Vec::new() };
    }
    let mut kept: Vec<u8> = Vec::with_capacity(n + 1);
    kept.extend_from_slice(&ds[..n.min(ds.len())]);
    kept.resize(n, b'0');
    if n < ds.len() {
        let next = ds[n];
        let rest_nonzero = ds.len() > n + 1; // no trailing zeros in ds
        let last_odd = (kept[n - 1] - b'0') % 2 == 1;
        if next > b'5' || (next == b'5' && (rest_nonzero || last_odd)) {
            let mut i = n;
            loop {
                if i == 0 {
                    kept.insert(0, b'1');
                    break;
                }
                i -= 1;
                if kept[i] == b'9' {
                    kept[i] = b'0';
                } else {
                    kept[i] += 1;
                    break;
                }
            }
        }
    }
    kept
}

/// The exact decimal expansion of |x| (finite): digits without leading/trailing zeros (empty for
/// zero) and the decimal-point position: |x| = 0.DIGITS × 10^point.
pub(crate) fn exact_digits(x: f64) -> (Vec<u8>, i32) {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (mut mant, mut e2) = if biased == 0 { (frac, -1074) } else { (frac | (1u64 << 52), biased - 1075) };
    if mant == 0 {
        return (Vec::new(), 0);
    }
    let tz = mant.trailing_zeros();
    mant >>= tz;
    e2 += tz as i32;
    let mut big = Big::from_u64(mant);
    let scale10 = if e2 >= 0 {
        big.shl(e2 as u32);
        0
    } else {
        // m / 2^k = m * 5^k / 10^k
        big.mul_pow5((-e2) as u32);
        e2
    };
    let mut ds = big.to_decimal();
    let point = ds.len() as i32 + scale10;
    while ds.last() == Some(&b'0') {
        ds.pop();
    }
    (ds, point)
}

/// A minimal unsigned big integer (little-endian base-2^32 limbs).
struct Big(Vec<u32>);

impl Big {
    fn from_u64(v: u64) -> Big {
        Big(vec![v as u32, (v >> 32) as u32])
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in self.0.iter_mut() {
            let t = *limb as u64 * m as u64 + carry;
            *limb = t as u32;
            carry = t >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow5(&mut self, mut k: u32) {
        const P13: u32 = 1_220_703_125; // 5^13
        while k >= 13 {
            self.mul_small(P13);
            k -= 13;
        }
        if k > 0 {
            self.mul_small(5u32.pow(k));
        }
    }

    fn shl(&mut self, bits: u32) {
        let limbs = (bits / 32) as usize;
        let rem = bits % 32;
        if rem != 0 {
            let mut carry = 0u32;
            for limb in self.0.iter_mut() {
                let v = *limb;
                *limb = (v << rem) | carry;
                carry = v >> (32 - rem);
            }
            if carry != 0 {
                self.0.push(carry);
            }
        }
        if limbs != 0 {
            self.0.splice(0..0, std::iter::repeat(0u32).take(limbs));
        }
    }

    fn is_zero(&self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }

    /// Divides in place by `d`, returning the remainder.
    fn divmod_small(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.0.iter_mut().rev() {
            let cur = (rem << 32) | *limb as u64;
            *limb = (cur / d as u64) as u32;
            rem = cur % d as u64;
        }
        while self.0.len() > 1 && *self.0.last().unwrap() == 0 {
            self.0.pop();
        }
        rem as u32
    }

    fn to_decimal(mut self) -> Vec<u8> {
        let mut chunks = Vec::new();
        while !self.is_zero() {
            chunks.push(self.divmod_small(1_000_000_000));
        }
        let mut out = Vec::with_capacity(chunks.len() * 9);
        let mut b = itoa::Buffer::new();
        for (i, c) in chunks.iter().rev().enumerate() {
            let s = b.format(*c).as_bytes();
            if i > 0 {
                out.extend(std::iter::repeat(b'0').take(9 - s.len()));
            }
            out.extend_from_slice(s);
        }
        if out.is_empty() {
            out.push(b'0');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(x: f64) -> String {
        let mut v = Vec::new();
        write_repr(x, &mut v);
        String::from_utf8(v).unwrap()
    }

    fn fixed(x: f64, conv: u8, prec: usize, alt: bool) -> String {
        let mut v = Vec::new();
        write_fixed(x, conv, prec, alt, &mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn repr_matches_cpython() {
        for (x, s) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (123.456, "123.456"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (9.5367431640625e-05, "9.5367431640625e-05"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.1, "0.1"),
            (-500.0, "-500.0"),
        ] {
            assert_eq!(repr(x), s, "{x:e}");
        }
    }

    #[test]
    fn fixed_matches_cpython() {
        assert_eq!(fixed(0.25, b'f', 1, false), "0.2");
        assert_eq!(fixed(0.35, b'f', 1, false), "0.3");
        assert_eq!(fixed(2.5, b'f', 0, false), "2");
        assert_eq!(fixed(2.5, b'f', 0, true), "2.");
        assert_eq!(fixed(2.5, b'e', 0, true), "2.e+00");
        assert_eq!(fixed(-0.0, b'f', 1, false), "-0.0");
        assert_eq!(fixed(100000.0, b'g', 6, false), "100000");
        assert_eq!(fixed(1000000.0, b'g', 6, false), "1e+06");
        assert_eq!(fixed(1.5, b'g', 6, true), "1.50000");
        assert_eq!(fixed(0.0001234, b'g', 0, false), "0.0001");
        assert_eq!(fixed(1e-10, b'G', 6, false), "1E-10");
        assert_eq!(fixed(-123.456, b'e', 3, false), "-1.235e+02");
        assert_eq!(fixed(0.5, b'e', 0, false), "5e-01");
        assert_eq!(fixed(0.0, b'e', 6, false), "0.000000e+00");
        assert_eq!(fixed(999.5, b'g', 3, false), "1e+03");
        assert_eq!(fixed(0.1, b'g', 17, false), "0.10000000000000001");
        assert_eq!(fixed(0.0, b'g', 6, false), "0");
        assert_eq!(fixed(0.0, b'g', 6, true), "0.00000");
        assert_eq!(fixed(999.9999999, b'f', 3, false), "1000.000");
        assert_eq!(fixed(5e-324, b'e', 3, false), "4.941e-324");
    }

    #[test]
    fn trunc_int() {
        let mut v = Vec::new();
        write_trunc_int(1e22, &mut v);
        assert_eq!(v, b"10000000000000000000000");
        v.clear();
        write_trunc_int(-0.5, &mut v);
        assert_eq!(v, b"0");
        v.clear();
        write_trunc_int(-5.7, &mut v);
        assert_eq!(v, b"-5");
    }
}
