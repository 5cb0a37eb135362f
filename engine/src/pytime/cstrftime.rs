//! The C-library half of `time.localtime`/`time.gmtime` + `time.strftime`, as CPython runs it on
//! Linux/glibc (`Modules/timemodule.c`).
//!
//! * `time.localtime(t)` / `time.gmtime(t)`: `_PyTime_ObjectToTime_t(t, ROUND_FLOOR)` then
//!   `localtime_r` / `gmtime_r` (errno → `OSError`). The `struct_time` keeps `tm_zone` and
//!   `tm_gmtoff` from glibc (`HAVE_STRUCT_TM_TM_ZONE`), so `gmtime` reports zone `"GMT"` on glibc —
//!   the `"UTC"` literal in `time_gmtime` is only used on platforms *without* `tm_zone`.
//!   `time.strftime` rebuilds exactly the same `struct tm` from the tuple (`gettmarg` + `checktm`)
//!   and clamps `tm_isdst` to [-1, 1]; we pass glibc's `struct tm` straight through.
//! * `time.strftime` uses `wcsftime` (`HAVE_WCSFTIME` is set on glibc): the format is converted to
//!   `wchar_t` (UCS-4, one unit per code point), and the result buffer starts at 1024 `wchar_t`s and
//!   doubles while `wcsftime` returns 0, giving up (returning `""`) once the buffer is at least 256 ×
//!   the format length. Two generations of the driver code exist:
//!   - [`StrftimeMode::WholeFormat`] (CPython ≤ 3.13.0, incl. all 3.9–3.12): the whole format in one
//!     `wcsftime` call; an embedded NUL raises `ValueError: embedded null character`
//!     (`PyUnicode_AsWideCharString(format, NULL)`).
//!   - [`StrftimeMode::AsciiRuns`] (CPython ≥ 3.13.1 and 3.14; gh-52551, PR #125193, backported to
//!     3.13 by PR #125657): the format is cut into maximal runs of ASCII non-NUL characters, each
//!     passed to `wcsftime` (the buffer size carries over between runs); everything from a non-ASCII
//!     or NUL character up to the next `%` is copied literally. (Read from the 3.14 `time_strftime`
//!     / `time_strftime1`; 3.13.0 still raises for NUL, as the vectors show.)

use super::{StrftimeMode, TimeFormatError};
use libc::{c_int, size_t, time_t, tm, wchar_t};

extern "C" {
    fn tzset();
    fn wcsftime(s: *mut wchar_t, max: size_t, format: *const wchar_t, tm: *const tm) -> size_t;
}

/// `tzset()`: (re)reads `TZ` into the C library's process-wide time-zone state.
pub(crate) fn call_tzset() {
    // SAFETY: `tzset` takes no arguments and only updates libc's internal time-zone state, which
    // glibc guards with its own lock; it reads the `TZ` environment variable (callers must not run
    // it concurrently with `setenv`, as for any libc function reading the environment).
    unsafe { tzset() }
}

/// `localtime_r` / `gmtime_r` of `t`, with `tm_isdst` clamped to [-1, 1] like `time.strftime`.
/// Errors carry the `errno` CPython would turn into `OSError`.
pub(crate) fn broken_down(t: i64, utc: bool) -> Result<tm, TimeFormatError> {
    let tt: time_t = t as time_t;
    // SAFETY: `struct tm` is a plain C struct of integers and one `*const c_char`; all-zero bytes
    // are a valid value (null `tm_zone`), and it is fully overwritten on success.
    let mut out: tm = unsafe { std::mem::zeroed() };
    // SAFETY: `__errno_location` returns a valid pointer to this thread's `errno`; writing it is
    // what C code does with `errno = 0`.
    unsafe { *libc::__errno_location() = 0 };
    // SAFETY: `&tt` and `&mut out` point to live, properly aligned locals for the whole call; the
    // reentrant `_r` variants only read `*timep` and write `*result` (no shared static buffer), and
    // glibc serializes access to its time-zone state internally.
    let r = unsafe {
        if utc {
            libc::gmtime_r(&tt, &mut out)
        } else {
            libc::localtime_r(&tt, &mut out)
        }
    };
    if r.is_null() {
        // SAFETY: as above; reads this thread's `errno` right after the failed call.
        let e = unsafe { *libc::__errno_location() };
        return Err(TimeFormatError::Localtime(if e == 0 { libc::EINVAL } else { e as c_int }));
    }
    out.tm_isdst = out.tm_isdst.clamp(-1, 1);
    Ok(out)
}

#[derive(Clone, Debug)]
enum Run {
    /// A NUL-terminated wide format and its length (in code points, without the NUL).
    Wcs(Box<[wchar_t]>, usize),
    /// Copied as is (only in `AsciiRuns` mode).
    Lit(Box<str>),
}

/// A `time.strftime` format prepared for one CPython generation.
#[derive(Clone, Debug)]
pub(crate) struct WideFormat {
    runs: Vec<Run>,
}

fn to_wide(s: &str) -> (Box<[wchar_t]>, usize) {
    let mut w: Vec<wchar_t> = s.chars().map(|c| c as u32 as wchar_t).collect();
    let n = w.len();
    w.push(0);
    (w.into_boxed_slice(), n)
}

impl WideFormat {
    pub(crate) fn new(fmt: &str, mode: StrftimeMode) -> Result<WideFormat, TimeFormatError> {
        let mut runs = Vec::new();
        match mode {
            StrftimeMode::WholeFormat => {
                if fmt.contains('\0') {
                    return Err(TimeFormatError::EmbeddedNul);
                }
                let (w, n) = to_wide(fmt);
                runs.push(Run::Wcs(w, n));
            }
            StrftimeMode::AsciiRuns => {
                let chars: Vec<char> = fmt.chars().collect();
                let mut i = 0;
                while i < chars.len() {
                    let start = i;
                    while i < chars.len() && chars[i] != '\0' && chars[i].is_ascii() {
                        i += 1;
                    }
                    if i > start {
                        let s: String = chars[start..i].iter().collect();
                        let (w, n) = to_wide(&s);
                        runs.push(Run::Wcs(w, n));
                    }
                    let start = i;
                    while i < chars.len() && chars[i] != '%' {
                        i += 1;
                    }
                    if i > start {
                        let s: String = chars[start..i].iter().collect();
                        runs.push(Run::Lit(s.into_boxed_str()));
                    }
                }
            }
        }
        Ok(WideFormat { runs })
    }

    /// `time.strftime(format, tm)` appended to `out` (UTF-8); returns the number of code points
    /// appended. `wbuf` is scratch space kept by the caller (grown here as needed).
    pub(crate) fn render(&self, t: &tm, wbuf: &mut Vec<wchar_t>, out: &mut String) -> Result<usize, TimeFormatError> {
        let mut size: usize = 1024;
        let mut chars = 0usize;
        for run in &self.runs {
            match run {
                Run::Lit(s) => {
                    out.push_str(s);
                    chars += s.chars().count();
                }
                Run::Wcs(w, fmtlen) => {
                    let limit = fmtlen.saturating_mul(256);
                    let n = loop {
                        if wbuf.len() < size {
                            wbuf.resize(size, 0);
                        }
                        // SAFETY: `wbuf` holds at least `size` writable `wchar_t`s; `w` is
                        // NUL-terminated; `t` is a valid `struct tm` whose `tm_zone` is null or
                        // points to glibc's static zone-name storage (set by localtime_r/gmtime_r).
                        let n = unsafe { wcsftime(wbuf.as_mut_ptr(), size, w.as_ptr(), t) };
                        if n > 0 || size >= limit {
                            break n;
                        }
                        size = size.checked_add(size).ok_or(TimeFormatError::Strftime)?;
                    };
                    for &c in &wbuf[..n] {
                        let ch = char::from_u32(c as u32).ok_or(TimeFormatError::Strftime)?;
                        out.push(ch);
                    }
                    chars += n;
                }
            }
        }
        Ok(chars)
    }
}
