//! Python `int`s as text in base 2, 8, 10 or 16, for both the `i64` fast
//! path and arbitrary-size integers given as decimal text (`Value::BigInt`,
//! or `int(x)` of a large float).

use std::borrow::Cow;

use super::FormatError;

/// An integer value: sign and magnitude.
#[derive(Clone, Debug)]
pub(crate) struct IntRef<'a> {
    pub negative: bool,
    pub mag: Mag<'a>,
}

/// The magnitude of an [`IntRef`].
#[derive(Clone, Debug)]
pub(crate) enum Mag<'a> {
    Small(u64),
    /// Decimal digits, no sign, no leading zeros (never empty).
    Big(Cow<'a, str>),
}

impl<'a> IntRef<'a> {
    pub(crate) fn small(i: i64) -> Self {
        IntRef { negative: i < 0, mag: Mag::Small(i.unsigned_abs()) }
    }

    /// From decimal text with an optional sign (`Value::BigInt`); leading
    /// zeros are dropped and `-0` is zero.
    pub(crate) fn big(text: &'a str) -> Self {
        let (negative, digits) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let digits = digits.trim_start_matches('0');
        if digits.is_empty() {
            return IntRef { negative: false, mag: Mag::Small(0) };
        }
        IntRef { negative, mag: Mag::Big(Cow::Borrowed(digits)) }
    }

    /// `int(x)` of a finite float (truncation toward zero); CPython's errors
    /// for infinities and NaN.
    pub(crate) fn from_float(x: f64) -> Result<IntRef<'static>, FormatError> {
        if x.is_nan() {
            return Err(FormatError::value_error("cannot convert float NaN to integer"));
        }
        if x.is_infinite() {
            return Err(FormatError::overflow_error("cannot convert float infinity to integer"));
        }
        let t = x.trunc();
        let negative = t < 0.0;
        if t.abs() < 1.8e19 {
            return Ok(IntRef { negative, mag: Mag::Small(t.abs() as u64) });
        }
        Ok(IntRef { negative, mag: Mag::Big(Cow::Owned(format!("{:.0}", t.abs()))) })
    }

    /// The value as `f64`, as `float(int)` (correctly rounded), or CPython's
    /// OverflowError when it is out of range.
    pub(crate) fn to_f64(&self) -> Result<f64, FormatError> {
        let mag = match &self.mag {
            Mag::Small(m) => *m as f64,
            Mag::Big(d) => d.parse::<f64>().unwrap_or(f64::INFINITY),
        };
        if mag.is_infinite() {
            return Err(FormatError::overflow_error("int too large to convert to float"));
        }
        Ok(if self.negative { -mag } else { mag })
    }

    /// The value as an `i64`, if it fits.
    pub(crate) fn to_i64(&self) -> Option<i64> {
        match &self.mag {
            Mag::Small(m) if self.negative => 0i64.checked_sub_unsigned(*m),
            Mag::Small(m) => i64::try_from(*m).ok(),
            Mag::Big(d) => {
                let v: i128 = d.parse().ok()?;
                i64::try_from(if self.negative { -v } else { v }).ok()
            }
        }
    }

    /// Appends the magnitude's digits in `base` (2, 8, 10 or 16), lower- or
    /// upper-case; no sign, no prefix.
    pub(crate) fn push_digits(&self, base: u32, upper: bool, out: &mut Vec<u8>) {
        match &self.mag {
            Mag::Small(m) if base == 10 => out.extend_from_slice(itoa::Buffer::new().format(*m).as_bytes()),
            Mag::Small(m) => push_small_radix(*m, base, upper, out),
            Mag::Big(d) if base == 10 => out.extend_from_slice(d.as_bytes()),
            Mag::Big(d) => push_big_radix(d, base, upper, out),
        }
    }
}

fn digit_char(d: u32, upper: bool) -> u8 {
    let table: &[u8; 16] = if upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    table[d as usize]
}

fn push_small_radix(mut m: u64, base: u32, upper: bool, out: &mut Vec<u8>) {
    let mut buf = [0u8; 64];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = digit_char((m % u64::from(base)) as u32, upper);
        m /= u64::from(base);
        if m == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Decimal text to little-endian 32-bit limbs.
fn decimal_to_limbs(digits: &str) -> Vec<u32> {
    let mut limbs: Vec<u32> = Vec::with_capacity(digits.len() / 9 + 1);
    for chunk in digits.as_bytes().chunks(9) {
        let mut mul: u64 = 1;
        let mut add: u64 = 0;
        for &b in chunk {
            mul *= 10;
            add = add * 10 + u64::from(b.wrapping_sub(b'0') % 10);
        }
        let mut carry = add;
        for limb in limbs.iter_mut() {
            let v = u64::from(*limb) * mul + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            limbs.push(carry as u32);
        }
    }
    limbs
}

/// Digits of a big decimal number in base 2, 8 or 16 (bit groups of the
/// binary value, most significant first).
fn push_big_radix(digits: &str, base: u32, upper: bool, out: &mut Vec<u8>) {
    let limbs = decimal_to_limbs(digits);
    let bits_per_digit = base.trailing_zeros() as usize;
    let total_bits = match limbs.iter().rposition(|&l| l != 0) {
        Some(top) => top * 32 + (32 - limbs[top].leading_zeros() as usize),
        None => 0,
    };
    let ndigits = total_bits.div_ceil(bits_per_digit).max(1);
    let bit = |i: usize| -> u32 { limbs.get(i / 32).map_or(0, |l| (l >> (i % 32)) & 1) };
    out.reserve(ndigits);
    for d in (0..ndigits).rev() {
        let mut v = 0;
        for b in (0..bits_per_digit).rev() {
            v = (v << 1) | bit(d * bits_per_digit + b);
        }
        out.push(digit_char(v, upper));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(v: &IntRef<'_>, base: u32) -> String {
        let mut out = Vec::new();
        v.push_digits(base, false, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn small_bases() {
        assert_eq!(digits(&IntRef::small(i64::MIN), 16), "8000000000000000");
        assert_eq!(digits(&IntRef::small(0), 2), "0");
        assert_eq!(digits(&IntRef::small(-255), 8), "377");
    }

    /// Big ints are converted from their decimal text exactly.
    #[test]
    fn big_bases() {
        let v = IntRef::big("-340282366920938463463374607431768211456"); // -(2**128)
        assert!(v.negative);
        assert_eq!(digits(&v, 16), format!("1{}", "0".repeat(32)));
        assert_eq!(digits(&v, 2), format!("1{}", "0".repeat(128)));
        assert_eq!(digits(&v, 8), format!("4{}", "0".repeat(42)));
        let v = IntRef::big("123456789012345678901234567890");
        assert_eq!(digits(&v, 16), "18ee90ff6c373e0ee4e3f0ad2");
        assert_eq!(digits(&IntRef::big("-000"), 10), "0");
    }

    /// `int(1e300)` is the float's exact integer value.
    #[test]
    fn from_float() {
        let v = IntRef::from_float(-1e20).unwrap();
        assert_eq!(digits(&v, 10), "100000000000000000000");
        assert!(v.negative);
        assert_eq!(IntRef::from_float(-0.9).unwrap().to_i64(), Some(0));
        assert_eq!(IntRef::from_float(f64::NAN).unwrap_err().kind, "ValueError");
    }
}
