//! Correctly rounded decimal digits of a `f64` (what David Gay's dtoa gives
//! CPython): fixed-point digits, a given number of significant digits, and
//! the shortest round-trip digits.
//!
//! Each has a fast path and falls back to std's formatting, which is also
//! correctly rounded (ties to even on the exact binary value) but slower.

use std::fmt::Write as _;

/// A small byte buffer for digit strings: inline up to 64 bytes, spilling to
/// the heap beyond (huge precisions, `%f` of 1e300).
pub(crate) struct DigitBuf {
    inline: [u8; 64],
    len: usize,
    heap: Vec<u8>,
}

impl DigitBuf {
    pub(crate) fn new() -> Self {
        DigitBuf { inline: [0; 64], len: 0, heap: Vec::new() }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        if self.heap.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.heap
        }
    }

    pub(crate) fn push(&mut self, b: u8) {
        self.push_slice(std::slice::from_ref(&b));
    }

    /// Appends `n` copies of `b` at once (huge precisions pad millions of zeros).
    pub(crate) fn push_repeat(&mut self, b: u8, n: usize) {
        if self.heap.is_empty() && self.len + n <= self.inline.len() {
            self.inline[self.len..self.len + n].fill(b);
            self.len += n;
        } else {
            if self.heap.is_empty() {
                self.heap.extend_from_slice(&self.inline[..self.len]);
            }
            self.heap.resize(self.heap.len() + n, b);
        }
    }

    pub(crate) fn push_slice(&mut self, b: &[u8]) {
        if self.heap.is_empty() && self.len + b.len() <= self.inline.len() {
            self.inline[self.len..self.len + b.len()].copy_from_slice(b);
            self.len += b.len();
        } else {
            if self.heap.is_empty() {
                self.heap.extend_from_slice(&self.inline[..self.len]);
            }
            self.heap.extend_from_slice(b);
        }
    }
}

impl std::fmt::Write for DigitBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push_slice(s.as_bytes());
        Ok(())
    }
}

/// Powers of ten up to 10^19 (the largest fitting a `u64`).
const POW10: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// Appends `x` (finite, non-negative) with exactly `prec` digits after the
/// point (no point when `prec` is 0), as `%.{prec}f` does.
pub(crate) fn push_fixed_digits(x: f64, prec: usize, out: &mut Vec<u8>) {
    // A double's exact expansion ends within 1,074 digits after the point, so
    // digits past 1,100 are all 0 (and std's `{:.*}` takes at most u16::MAX).
    const EXACT: usize = 1100;
    if !push_fixed_fast(x, prec, out) {
        let mut buf = DigitBuf::new();
        let _ = write!(buf, "{:.*}", prec.min(EXACT), x);
        out.extend_from_slice(buf.as_bytes());
        out.resize(out.len() + prec.saturating_sub(EXACT), b'0');
    }
}

/// `%.{prec}f` of a non-negative finite `x < 2^63` with `prec <= 19`, exactly:
/// the fraction `x - trunc(x)` is exactly `m * 2^-k`, so `m * 10^prec` (at
/// most 117 bits) shifted right by `k` is the truncated fraction digits and
/// the shifted-out bits decide the rounding (half to even, on the exact
/// value, as dtoa does). Returns false (writing nothing) outside that range.
fn push_fixed_fast(x: f64, prec: usize, out: &mut Vec<u8>) -> bool {
    if !(x < 9.2e18) || prec >= POW10.len() {
        return false;
    }
    let mut int_part = x as u64;
    let frac = x - int_part as f64;
    let bits = frac.to_bits();
    let (exp_field, mantissa) = ((bits >> 52) as i64, bits & ((1u64 << 52) - 1));
    let (m, k) = match exp_field {
        _ if frac == 0.0 => (0u64, 1i64),
        0 => (mantissa, 1074),
        e => (mantissa | (1u64 << 52), 1075 - e),
    };
    let scale = POW10[prec];
    let product = u128::from(m) * u128::from(scale);
    let mut digits = if k >= 128 {
        0u64
    } else {
        let q = (product >> k) as u64;
        let rest = product & ((1u128 << k) - 1);
        let half = 1u128 << (k - 1);
        // ties go to the even last printed digit
        let last = if prec == 0 { int_part } else { q };
        q + u64::from(rest > half || (rest == half && last & 1 == 1))
    };
    if digits == scale {
        digits = 0;
        int_part += 1;
    }
    out.extend_from_slice(itoa::Buffer::new().format(int_part).as_bytes());
    if prec > 0 {
        let mut buf = [b'.'; 20];
        for slot in buf[1..=prec].iter_mut().rev() {
            *slot = b'0' + (digits % 10) as u8;
            digits /= 10;
        }
        out.extend_from_slice(&buf[..=prec]);
    }
    true
}

/// The first `p` (>= 1) significant digits of `x` (finite, non-negative),
/// correctly rounded, into `buf`; returns `decpt`, the position of the point
/// relative to them (value = 0.DIGITS * 10^decpt). Zero gives `p` zeros and
/// decpt 1.
pub(crate) fn significant_digits(x: f64, p: usize, buf: &mut DigitBuf) -> i32 {
    if x == 0.0 {
        buf.push_repeat(b'0', p);
        return 1;
    }
    if p <= 15 && x >= f64::MIN_POSITIVE {
        if let Some(decpt) = significant_fast(x, p, buf) {
            return decpt;
        }
    }
    // A double's exact decimal expansion has at most 767 significant digits, so
    // rounding at 800 is exact and every digit after is 0. (std's exact
    // formatter also refuses precisions past about 1,024 digits.)
    const EXACT: usize = 800;
    if p > EXACT {
        let decpt = significant_digits(x, EXACT, buf);
        buf.push_repeat(b'0', p - EXACT);
        return decpt;
    }
    let mut text = DigitBuf::new();
    let _ = write!(text, "{:.*e}", p - 1, x);
    let text = text.as_bytes();
    let e = text.iter().position(|&b| b == b'e').unwrap_or(text.len());
    for &b in text[..e].iter().filter(|b| b.is_ascii_digit()) {
        buf.push(b);
    }
    let exp: i32 = std::str::from_utf8(&text[(e + 1).min(text.len())..]).ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    exp + 1
}

/// Rounds the shortest round-trip digits to `p` digits. This is the correct
/// rounding of `x` itself when `x` is normal and `p <= 15` (so a double's
/// spacing is below one unit of the p-th digit), except when the shortest
/// digits end exactly at a tie (`...5` right after the p-th digit); then
/// returns `None`. (If `x` and its shortest digits rounded differently, the
/// midpoint between the two candidates would lie between them, round-trip
/// to `x`, and be at least as short and closer to `x` -- so the shortest
/// digits would have been that midpoint, a tie.)
fn significant_fast(x: f64, p: usize, buf: &mut DigitBuf) -> Option<i32> {
    let mut digits = [0u8; 24];
    let (n, mut decpt) = shortest_digits(x, &mut digits);
    if n <= p {
        buf.push_slice(&digits[..n]);
        (n..p).for_each(|_| buf.push(b'0'));
        return Some(decpt);
    }
    let tail = &digits[p..n];
    if tail == b"5" {
        return None;
    }
    let mut head = [0u8; 16];
    head[..p].copy_from_slice(&digits[..p]);
    if tail[0] >= b'5' {
        let mut i = p;
        loop {
            if i == 0 {
                head[0] = b'1';
                head[1..p].fill(b'0');
                decpt += 1;
                break;
            }
            i -= 1;
            if head[i] == b'9' {
                head[i] = b'0';
            } else {
                head[i] += 1;
                break;
            }
        }
    }
    buf.push_slice(&head[..p]);
    Some(decpt)
}

/// The shortest digits that round-trip to `x` (finite, non-negative), from
/// ryu, without leading or trailing zeros (`"0"` for zero), and the position
/// of the point relative to them (value = 0.DIGITS * 10^decpt). Returns the
/// digit count.
pub(crate) fn shortest_digits(x: f64, digits: &mut [u8; 24]) -> (usize, i32) {
    let mut ryu_buf = ryu::Buffer::new();
    let text = ryu_buf.format_finite(x).as_bytes();
    parse_ryu(text, digits)
}

/// Parses ryu's output (`123.45`, `1e16`, `1.5e-7`, `0.001`).
fn parse_ryu(text: &[u8], digits: &mut [u8; 24]) -> (usize, i32) {
    let (mantissa, exp) = match text.iter().position(|&b| b == b'e' || b == b'E') {
        Some(e) => (&text[..e], std::str::from_utf8(&text[e + 1..]).ok().and_then(|s| s.parse::<i32>().ok()).unwrap_or(0)),
        None => (text, 0),
    };
    let int_len = mantissa.iter().position(|&b| b == b'.').unwrap_or(mantissa.len());
    let mut decpt = int_len as i32 + exp;
    let mut n = 0;
    for &b in mantissa.iter().filter(|b| b.is_ascii_digit()) {
        if n == 0 && b == b'0' {
            decpt -= 1;
            continue;
        }
        if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    while n > 0 && digits[n - 1] == b'0' {
        n -= 1;
    }
    if n == 0 {
        digits[0] = b'0';
        return (1, 1);
    }
    (n, decpt)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic xorshift generator for the comparisons below.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        /// Random bit patterns, and short decimals (which hit ties).
        fn double(&mut self) -> f64 {
            let r = self.next();
            let x = if r % 2 == 0 {
                f64::from_bits(self.next() >> 1)
            } else {
                let mant = (self.next() % 100_000) as f64;
                mant / 10f64.powi((self.next() % 8) as i32) * 10f64.powi((self.next() % 30) as i32 - 15)
            };
            if x.is_finite() {
                x
            } else {
                0.5
            }
        }
    }

    /// The fast fixed path agrees with std's exact formatting.
    #[test]
    fn fixed_fast_matches_std() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for i in 0..100_000 {
            let x = rng.double();
            let prec = (i % 20) as usize;
            let mut out = Vec::new();
            if push_fixed_fast(x, prec, &mut out) {
                assert_eq!(String::from_utf8(out).unwrap(), format!("{:.*}", prec, x), "{x:e} .{prec}");
            }
        }
        for (x, prec, want) in [(0.5, 0, "0"), (1.5, 0, "2"), (2.5, 0, "2"), (0.125, 2, "0.12"), (2.675, 2, "2.67"), (9.9995, 3, "9.999")] {
            let mut out = Vec::new();
            push_fixed_digits(x, prec, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), want);
        }
    }

    /// The fast significant-digits path agrees with std's exact formatting.
    #[test]
    fn significant_fast_matches_std() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for i in 0..100_000 {
            let x = rng.double();
            let p = 1 + (i % 15) as usize;
            if x < f64::MIN_POSITIVE {
                continue;
            }
            let mut buf = DigitBuf::new();
            if let Some(decpt) = significant_fast(x, p, &mut buf) {
                let std_text = format!("{:.*e}", p - 1, x);
                let (mant, exp) = std_text.split_once('e').unwrap();
                let want: String = mant.chars().filter(char::is_ascii_digit).collect();
                let got = String::from_utf8(buf.as_bytes().to_vec()).unwrap();
                assert_eq!((got, decpt), (want, exp.parse::<i32>().unwrap() + 1), "{x:e} p={p}");
            }
        }
    }
}
