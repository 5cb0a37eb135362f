//! Laying out a number under a format spec: sign, prefix, padding, digit
//! grouping, as CPython's `calc_number_widths` / `fill_number` /
//! `_PyUnicode_InsertThousandsGrouping` do it.

use super::FormatError;
use super::MAX_PAD;

/// The resolved spec fields that matter for the layout.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pad {
    pub fill: char,
    /// `<`, `>`, `=` or `^`.
    pub align: u8,
    /// `+`, space, or 0 for the default (`-` only).
    pub sign: u8,
    pub width: Option<usize>,
}

/// Integer-part grouping: separator and group size (3, or 4 for `_` with
/// `b o x X`), plus the 3.14 fractional-part separator.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Grouping {
    pub sep: Option<u8>,
    pub size: usize,
    pub frac_sep: Option<u8>,
}

/// A number split the way CPython's layout sees it:
/// `[-][prefix]digits[.frac][rest]`.
pub(crate) struct Parts<'b> {
    pub negative: bool,
    pub prefix: &'b [u8],
    /// Integer-part digits (empty for `inf`, `nan` and the `c` type).
    pub digits: &'b [u8],
    pub has_point: bool,
    pub frac: &'b [u8],
    /// Exponent, `%`, `inf`/`nan`, or the character of type `c`.
    pub rest: &'b [u8],
    /// How many characters `rest` stands for (1 for type `c`, even when the
    /// character is a surrogate written as a 6-byte escape).
    pub rest_chars: usize,
}

impl<'b> Parts<'b> {
    /// Splits a rendered magnitude (no sign): leading digits, then an
    /// optional point and the digits after it, then whatever remains.
    pub(crate) fn split(negative: bool, text: &'b [u8]) -> Self {
        let int_end = text.iter().position(|b| !b.is_ascii_digit()).unwrap_or(text.len());
        let has_point = text.get(int_end) == Some(&b'.');
        let frac_start = int_end + usize::from(has_point);
        let frac_len = text[frac_start..].iter().position(|b| !b.is_ascii_digit()).unwrap_or(text.len() - frac_start);
        Parts {
            negative,
            prefix: b"",
            digits: &text[..int_end],
            has_point,
            frac: &text[frac_start..frac_start + frac_len],
            rest: &text[frac_start + frac_len..],
            rest_chars: text.len() - frac_start - frac_len,
        }
    }
}

/// How CPython's `_PyUnicode_InsertThousandsGrouping` lays out `n` digits
/// zero-padded to `min_width` (separators count towards the width):
/// groups of `size` filled right to left, the loop stopping at the first
/// group after which neither digits nor width remain. Returns the digit
/// positions (digits plus leading zeros), the number of groups, and the
/// length of the leftmost group. (So `format(1234, '08,')` is `0,001,234`,
/// one wider than asked.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct GroupPlan {
    positions: usize,
    groups: usize,
    first: usize,
}

impl GroupPlan {
    fn new(n: usize, min_width: isize, size: Option<usize>, sep_len: usize) -> Self {
        let min_width = min_width.max(0) as usize;
        let Some(g) = size else {
            let all = n.max(min_width).max(1);
            return GroupPlan { positions: all, groups: 1, first: all };
        };
        // Group i (from 1, right to left) starts with n - (i-1)g digits and
        // min_width - (i-1)(g+sep) width left; the walk stops after the
        // first group where both fit in one group.
        let by_digits = n.div_ceil(g).max(1);
        let by_width = 1 + min_width.saturating_sub(g).div_ceil(g + sep_len);
        let groups = by_digits.max(by_width);
        let done = (groups - 1) * g;
        let width_left = min_width.saturating_sub((groups - 1) * (g + sep_len));
        let first = n.saturating_sub(done).max(width_left).max(1);
        GroupPlan { positions: done + first, groups, first }
    }

    fn len(&self, sep_len: usize) -> usize {
        self.positions + (self.groups - 1) * sep_len
    }
}

/// Appends the integer digits per `plan`: leading zeros, then the digits,
/// with `sep` between groups.
fn push_grouped(digits: &[u8], plan: &GroupPlan, size: usize, sep: Option<u8>, out: &mut Vec<u8>) {
    let zeros = plan.positions - digits.len();
    if plan.groups == 1 {
        out.resize(out.len() + zeros, b'0');
        out.extend_from_slice(digits);
        return;
    }
    let mut pos = 0;
    for group in 0..plan.groups {
        if group > 0 {
            out.extend(sep);
        }
        let len = if group == 0 { plan.first } else { size };
        for i in pos..pos + len {
            out.push(if i < zeros { b'0' } else { digits[i - zeros] });
        }
        pos += len;
    }
}

/// Fractional digits with the 3.14 separator every three digits from the
/// point.
fn push_frac(frac: &[u8], sep: Option<u8>, out: &mut Vec<u8>) {
    for (i, &d) in frac.iter().enumerate() {
        if i > 0 && i % 3 == 0 {
            if let Some(s) = sep {
                out.push(s);
            }
        }
        out.push(d);
    }
}

fn push_fill(fill: char, n: usize, out: &mut Vec<u8>) {
    let mut buf = [0u8; 4];
    let f = fill.encode_utf8(&mut buf).as_bytes();
    for _ in 0..n {
        out.extend_from_slice(f);
    }
}

/// Appends the number with sign, prefix, padding and grouping.
pub(crate) fn write_number(p: &Parts<'_>, pad: &Pad, g: &Grouping, out: &mut Vec<u8>) -> Result<(), FormatError> {
    if pad.width.map_or(false, |w| w > MAX_PAD) {
        return Err(FormatError::memory_error());
    }
    let sign = match (pad.sign, p.negative) {
        (_, true) => Some(b'-'),
        (b'+', false) => Some(b'+'),
        (b' ', false) => Some(b' '),
        _ => None,
    };
    let n_frac = p.frac.len();
    let grouped_frac = if n_frac > 0 && g.frac_sep.is_some() { n_frac + (n_frac - 1) / 3 } else { n_frac };
    let fixed = usize::from(sign.is_some()) + p.prefix.len() + usize::from(p.has_point) + grouped_frac + p.rest_chars;
    let width = pad.width.map_or(-1, |w| w as isize);
    let min_width = if pad.fill == '0' && pad.align == b'=' { width - fixed as isize } else { 0 };
    // With only a fractional separator the integer part is grouped by 3
    // with an empty separator, which pads exactly like no grouping.
    let size = g.sep.map(|_| g.size);
    let sep_len = usize::from(g.sep.is_some());
    let plan = GroupPlan::new(p.digits.len(), min_width, size, sep_len);
    let n_grouped = if p.digits.is_empty() { 0 } else { plan.len(sep_len) };
    let padding = (width - (fixed + n_grouped) as isize).max(0) as usize;
    let (left, middle, right) = match pad.align {
        b'<' => (0, 0, padding),
        b'^' => (padding / 2, 0, padding - padding / 2),
        b'=' => (0, padding, 0),
        _ => (padding, 0, 0),
    };
    push_fill(pad.fill, left, out);
    out.extend(sign);
    out.extend_from_slice(p.prefix);
    push_fill(pad.fill, middle, out);
    if !p.digits.is_empty() {
        push_grouped(p.digits, &plan, g.size, g.sep, out);
    }
    if p.has_point {
        out.push(b'.');
    }
    push_frac(p.frac, g.frac_sep, out);
    out.extend_from_slice(p.rest);
    push_fill(pad.fill, right, out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(text: &str, negative: bool, pad: Pad, g: Grouping) -> String {
        let mut out = Vec::new();
        write_number(&Parts::split(negative, text.as_bytes()), &pad, &g, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    const COMMA: Grouping = Grouping { sep: Some(b','), size: 3, frac_sep: None };

    /// CPython's grouping loop, step by step, for comparison.
    fn plan_by_loop(n: usize, min_width: isize, g: usize, sep_len: usize) -> GroupPlan {
        let (mut remaining, mut width) = (n as isize, min_width.max(0));
        let (mut positions, mut groups) = (0, 0);
        let mut first;
        loop {
            let len = (g as isize).min(remaining.max(width).max(1));
            positions += len as usize;
            groups += 1;
            first = len as usize;
            remaining -= remaining.min(len);
            width -= len;
            if remaining <= 0 && width <= 0 {
                break;
            }
            width -= sep_len as isize;
        }
        GroupPlan { positions, groups, first }
    }

    #[test]
    fn group_plan_matches_cpython_loop() {
        for n in 1..40 {
            for w in -3..60 {
                for (g, sep) in [(3, 1), (4, 1), (3, 0)] {
                    assert_eq!(GroupPlan::new(n, w, Some(g), sep), plan_by_loop(n, w, g, sep), "n={n} w={w} g={g}");
                }
            }
        }
    }

    /// Zero padding under grouping inserts separators into the zeros and may
    /// overshoot the width by one (CPython: `format(1234, '08,')`).
    #[test]
    fn zero_padded_grouping() {
        let pad = |w| Pad { fill: '0', align: b'=', sign: 0, width: Some(w) };
        assert_eq!(num("1234", false, pad(8), COMMA), "0,001,234");
        assert_eq!(num("1234", false, pad(10), COMMA), "00,001,234");
        assert_eq!(num("1234", true, pad(7), Grouping::default()), "-001234");
        assert_eq!(num("inf", false, pad(6), COMMA), "000inf");
    }

    #[test]
    fn alignments() {
        let pad = |align| Pad { fill: '*', align, sign: b'+', width: Some(9) };
        assert_eq!(num("1234.5", false, pad(b'<'), COMMA), "+1,234.5*");
        assert_eq!(num("1234.5", false, pad(b'^'), COMMA), "+1,234.5*");
        assert_eq!(num("12.5", true, pad(b'^'), COMMA), "**-12.5**");
        assert_eq!(num("12.5", true, pad(b'='), COMMA), "-****12.5");
    }

    /// 3.14: `_` / `,` after the precision groups the fraction from the point.
    #[test]
    fn fractional_grouping() {
        let g = Grouping { sep: None, size: 3, frac_sep: Some(b'_') };
        let pad = Pad { fill: ' ', align: b'>', sign: 0, width: None };
        assert_eq!(num("123456.1234567e+05", false, pad, g), "123456.123_456_7e+05");
    }
}
