//! Parsing the `str.format` mini-language:
//! `[[fill]align][sign][z][#][0][width][grouping][.[precision][grouping]][type]`.

use super::tables::decimal_value;
use super::FormatError;

/// A parsed format spec (the part after `:` in `{x:>10.3f}`), exactly as
/// CPython's `parse_internal_render_format_spec` reads it. The defaults that
/// depend on the value's type (type, alignment, what `0` means) are applied
/// by [`format_value`](super::format_value).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FormatSpec {
    /// The fill character, if given together with an alignment.
    pub fill: Option<char>,
    /// `<`, `>`, `=` or `^`, if given.
    pub align: Option<u8>,
    /// `+`, `-` or space, if given.
    pub sign: Option<u8>,
    /// `z` (3.11+): coerce negative zero to zero (floats only).
    pub no_neg_0: bool,
    /// `#`: alternate form.
    pub alt: bool,
    /// A `0` before the width (only when no fill was given): fill with `0`
    /// and, for numbers without an explicit alignment, align with `=`.
    pub zero: bool,
    pub width: Option<usize>,
    /// `,` or `_` after the width: integer-part digit grouping.
    pub grouping: Option<u8>,
    /// `,` or `_` after the precision (3.14+): fractional-part grouping.
    pub frac_grouping: Option<u8>,
    pub precision: Option<usize>,
    /// The presentation type character, if given.
    pub ty: Option<char>,
    /// The spec was the empty string (`format(x, '')` is `str(x)`).
    pub empty: bool,
    /// The whole spec, when more than one character was left where the type
    /// goes; CPython's error message names the value's type, so the error
    /// is raised by `format_value`.
    pub invalid: Option<String>,
}

/// Reads the spec one character at a time.
struct Cursor<'s> {
    rest: &'s str,
}

impl Cursor<'_> {
    fn peek(&self, n: usize) -> Option<char> {
        self.rest.chars().nth(n)
    }

    fn bump(&mut self) {
        if let Some(c) = self.rest.chars().next() {
            self.rest = &self.rest[c.len_utf8()..];
        }
    }

    /// Consumes `c` if it is next.
    fn eat(&mut self, c: char) -> bool {
        if self.peek(0) == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// CPython's `get_integer`: any Unicode decimal digits; returns the value
    /// and how many digits were consumed.
    fn integer(&mut self) -> Result<(usize, usize), FormatError> {
        let mut value: usize = 0;
        let mut count = 0;
        while let Some(d) = self.peek(0).and_then(decimal_value) {
            let d = d as usize;
            if value > (isize::MAX as usize - d) / 10 {
                return Err(FormatError::value_error("Too many decimal digits in format string"));
            }
            value = value * 10 + d;
            count += 1;
            self.bump();
        }
        Ok((value, count))
    }
}

fn is_align(c: Option<char>) -> bool {
    matches!(c, Some('<' | '>' | '=' | '^'))
}

fn both_separators() -> FormatError {
    FormatError::value_error("Cannot specify both ',' and '_'.")
}

/// Parses a `str.format` spec. Errors that do not depend on the value's type
/// ("Format specifier missing precision", "Cannot specify both ',' and
/// '_'.", "Too many decimal digits in format string") are raised here; the
/// rest by [`format_value`](super::format_value).
///
/// Note: for `None` and `bytes` values CPython never parses the spec (any
/// non-empty spec is "unsupported format string passed to
/// NoneType.__format__"); [`format_builtin`](super::format_builtin) mirrors
/// that ordering exactly.
pub fn parse_format_spec(spec: &str) -> Result<FormatSpec, FormatError> {
    let mut f = FormatSpec { empty: spec.is_empty(), ..FormatSpec::default() };
    let mut c = Cursor { rest: spec };
    if is_align(c.peek(1)) {
        f.fill = c.peek(0);
        f.align = c.peek(1).map(|a| a as u8);
        c.bump();
        c.bump();
    } else if is_align(c.peek(0)) {
        f.align = c.peek(0).map(|a| a as u8);
        c.bump();
    }
    if let Some(s @ ('+' | '-' | ' ')) = c.peek(0) {
        f.sign = Some(s as u8);
        c.bump();
    }
    f.no_neg_0 = c.eat('z');
    f.alt = c.eat('#');
    if f.fill.is_none() {
        f.zero = c.eat('0');
    }
    let (width, n) = c.integer()?;
    f.width = (n > 0).then_some(width);
    f.grouping = grouping_after(&mut c)?;
    if c.eat('.') {
        let (precision, n) = c.integer()?;
        f.precision = (n > 0).then_some(precision);
        f.frac_grouping = grouping_after(&mut c)?;
        if n == 0 && f.frac_grouping.is_none() {
            return Err(FormatError::value_error("Format specifier missing precision"));
        }
    }
    let mut rest = c.rest.chars();
    match (rest.next(), rest.next()) {
        (Some(_), Some(_)) => f.invalid = Some(spec.to_string()),
        (Some(t), None) => f.ty = Some(t),
        _ => {}
    }
    Ok(f)
}

/// An optional `,` or `_` (but not both, in either order).
fn grouping_after(c: &mut Cursor<'_>) -> Result<Option<u8>, FormatError> {
    let mut sep = None;
    if c.eat(',') {
        sep = Some(b',');
    }
    if c.peek(0) == Some('_') {
        if sep.is_some() {
            return Err(both_separators());
        }
        sep = Some(b'_');
        c.bump();
    }
    if c.peek(0) == Some(',') && sep == Some(b'_') {
        return Err(both_separators());
    }
    Ok(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_spec() {
        let f = parse_format_spec("*^+z#012,.3_f").unwrap();
        assert_eq!(f.fill, Some('*'));
        assert_eq!(f.align, Some(b'^'));
        assert_eq!(f.sign, Some(b'+'));
        assert!(f.no_neg_0 && f.alt);
        assert!(!f.zero, "a 0 after an explicit fill is part of the width");
        assert_eq!(f.width, Some(12));
        assert_eq!(f.grouping, Some(b','));
        assert_eq!(f.precision, Some(3));
        assert_eq!(f.frac_grouping, Some(b'_'));
        assert_eq!(f.ty, Some('f'));
    }

    /// The fill may be any character, even an alignment token or a digit;
    /// widths may use any Unicode decimal digits.
    #[test]
    fn odd_fills_and_digits() {
        let f = parse_format_spec("<<5").unwrap();
        assert_eq!((f.fill, f.align, f.width), (Some('<'), Some(b'<'), Some(5)));
        let f = parse_format_spec("٣").unwrap();
        assert_eq!(f.width, Some(3));
        let f = parse_format_spec("05").unwrap();
        assert!(f.zero);
        assert_eq!(f.width, Some(5));
    }

    #[test]
    fn errors() {
        assert_eq!(parse_format_spec(".").unwrap_err().message, "Format specifier missing precision");
        assert_eq!(parse_format_spec(",_d").unwrap_err().message, "Cannot specify both ',' and '_'.");
        assert_eq!(parse_format_spec("_,d").unwrap_err().message, "Cannot specify both ',' and '_'.");
        assert_eq!(parse_format_spec("99999999999999999999").unwrap_err().message, "Too many decimal digits in format string");
        assert_eq!(parse_format_spec("abc").unwrap().invalid.as_deref(), Some("abc"));
    }
}
