//! The native route's question about a `%` template: will `template % args`
//! succeed for these argument types? Answered from a parse made once per
//! template, so the producer never formats and the consumer never fails.

use super::parse_printf_spec_at;
use crate::value::Value;

/// What a `%` template asks of its positional arguments.
#[derive(Clone, Debug, PartialEq)]
pub enum Signature {
    /// One conversion character per argument, in order.
    Positional(Vec<u8>),
    /// Mapping keys, `*` widths, huge widths, or a malformed spec: only
    /// Python's own `%` decides (the call takes the compatible route).
    Python,
}

/// Widths and precisions above this are left to Python (the engine caps
/// padding at `MAX_PAD`; CPython does not).
const MAX_NATIVE_PAD: usize = 4096;

/// Parses a template once into its [`Signature`].
pub fn printf_signature(template: &str) -> Signature {
    let t = template.as_bytes();
    let mut convs = Vec::new();
    let mut pos = 0;
    while let Some(off) = t[pos..].iter().position(|&b| b == b'%') {
        pos += off + 1;
        match t.get(pos) {
            Some(b'%') => {
                pos += 1;
                continue;
            }
            Some(b'(') | None => return Signature::Python,
            _ => {}
        }
        match parse_printf_spec_at(t, pos) {
            Ok((spec, used)) => {
                if spec.width.unwrap_or(0) > MAX_NATIVE_PAD || spec.precision.unwrap_or(0) > MAX_NATIVE_PAD {
                    return Signature::Python;
                }
                if spec.conv != b'%' {
                    convs.push(spec.conv);
                }
                pos += used;
            }
            Err(_) => return Signature::Python,
        }
    }
    Signature::Positional(convs)
}

/// Whether CPython's `%` accepts `v` for conversion `conv` (so the consumer,
/// which formats exactly as CPython does, cannot fail on it).
pub fn accepts(conv: u8, v: &Value<'_>) -> bool {
    match conv {
        b's' | b'r' | b'a' => true,
        b'd' | b'i' | b'u' => match v {
            Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => true,
            Value::Float(f) => f.is_finite(),
            _ => false,
        },
        b'x' | b'X' | b'o' => matches!(v, Value::Int(_) | Value::BigInt(_) | Value::Bool(_)),
        b'e' | b'E' | b'f' | b'F' | b'g' | b'G' => {
            matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_))
        }
        b'c' => match v {
            Value::Int(i) => (0..=0x10FFFF).contains(i),
            Value::Bool(_) => true,
            Value::Str(s) => s.chars().count() == 1,
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert_eq!(printf_signature("user %s did %d things in %.3f s"), Signature::Positional(vec![b's', b'd', b'f']));
        assert_eq!(printf_signature("100%% sure"), Signature::Positional(vec![]));
        assert_eq!(printf_signature("%(user)s"), Signature::Python);
        assert_eq!(printf_signature("%*d"), Signature::Python);
        assert_eq!(printf_signature("%"), Signature::Python);
        assert_eq!(printf_signature("%y"), Signature::Python);
        assert_eq!(printf_signature("%99999d"), Signature::Python);
    }

    #[test]
    fn acceptance() {
        assert!(accepts(b'd', &Value::Float(1.5)));
        assert!(!accepts(b'd', &Value::Float(f64::NAN)));
        assert!(!accepts(b'x', &Value::Float(1.0)));
        assert!(!accepts(b'd', &Value::Str("1")));
        assert!(accepts(b'c', &Value::Str("é")));
        assert!(!accepts(b'c', &Value::Str("ab")));
        assert!(!accepts(b'f', &Value::BigInt("1")));
        assert!(accepts(b'r', &Value::Bytes(b"x")));
    }
}
