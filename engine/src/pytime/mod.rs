//! The time fields of a log record — `created`, `msecs`, `relativeCreated` and `asctime` —
//! byte-for-byte as CPython's `logging.LogRecord.__init__` and `logging.Formatter.formatTime`
//! produce them, for CPython 3.9 … 3.14 on Linux/glibc, computed without Python from the record's
//! wall-clock instant `ts_ns` (nanoseconds since the Unix epoch, what `time.time_ns()` returns).
//!
//! # What CPython does, by version (`Lib/logging/__init__.py`)
//!
//! `LogRecord.__init__` (see [`RecordArith`]):
//!
//! * **3.9.x, 3.10.0–3.10.6** ([`RecordArith::FloatFraction`]): `ct = time.time()`,
//!   `created = ct`, `msecs = (ct - int(ct)) * 1000` (a float with a fraction, negative before
//!   1970), `relativeCreated = (created - _startTime) * 1000` with `_startTime = time.time()` taken
//!   at import.
//! * **3.10.7+, 3.11.x, 3.12.x** ([`RecordArith::FloatTruncated`]):
//!   `msecs = int((ct - int(ct)) * 1000) + 0.0  # see gh-89047` — gh-89047 / PR #96340, merged to
//!   main on 2022-08-27 and backported to 3.11 (first in 3.11.0; 3.11.0 alphas…rc1 still had the
//!   old line) and 3.10 (first release after the merge: 3.10.7, 2022-09-05; the NEWS file has no
//!   entry for it, so the patch number is inferred from the dates). Verified present in 3.10.13,
//!   3.11.7, 3.12.1 and absent from 3.9.18 (3.9 was security-only by then).
//! * **3.13.0+, 3.14** ([`RecordArith::Nanoseconds`]; gh-102402 / PR #102412):
//!   `ct = time.time_ns()`, `created = ct / 1e9`, `msecs = (ct % 1_000_000_000) // 1_000_000 + 0.0`,
//!   then `if msecs == 999.0 and int(created) != ct // 1_000_000_000: msecs = 0.0` (gh-120683 /
//!   PR #120709, in 3.13.0 final), `relativeCreated = (ct - _startTime) / 1e6` with the integer
//!   `_startTime = time.time_ns()`. Not backported to 3.12. (3.14: the same lines in every
//!   post-3.13 copy of the file available; no 3.14 interpreter was at hand for the vectors.)
//!
//! `time.time()` is `_PyTime_AsSecondsDouble(ns)` of the same nanosecond clock reading
//! (`Python/pytime.c`): `(double)(ns / 10**9)` when `ns` is a whole number of seconds, else
//! `(double)ns / 1e9`. `ct / 1e9` (int / float) is always `(double)ct / 1e9`. The two `created`
//! values are therefore identical except for whole-second instants at or beyond 2**62 ns
//! (≈ year 2116), where they can differ by one ulp; each version's formula is reproduced.
//!
//! `Formatter.formatTime(record, datefmt)` is the same in 3.9–3.14:
//!
//! ```python
//! ct = self.converter(record.created)          # time.localtime or time.gmtime
//! if datefmt:                                  # '' counts as "no datefmt"
//!     s = time.strftime(datefmt, ct)
//! else:
//!     s = time.strftime(self.default_time_format, ct)   # '%Y-%m-%d %H:%M:%S'
//!     if self.default_msec_format:                       # '%s,%03d'; None or '' skips it
//!         s = self.default_msec_format % (s, record.msecs)
//! ```
//!
//! `relativeCreated` needs `logging._startTime`: [`StartTime`] (a float before 3.13, an int from
//! 3.13); [`time_fields`] derives it from the import-time clock reading, [`time_fields_with`] takes
//! the value as read from the interpreter.
//!
//! `ts_ns` is an `i64`, so instants beyond ±292 years around 1970 (e.g. 2**40 s) cannot come from
//! [`time_fields`]; [`TimeFormatter::format`] still takes any `created` (year 36812 formats fine;
//! beyond `time_t`/`int` years it fails like CPython's `OverflowError`/`OSError`).
//!
//! `time.localtime(float)` floors to a `time_t` (`_PyTime_ROUND_FLOOR`). For `time.strftime` see
//! [`StrftimeMode`] and the notes in `cstrftime.rs`: glibc `wcsftime`, a 1024-`wchar_t` buffer
//! doubling up to 256 × the format length (then `""`), `%Z` of `gmtime` is glibc's `"GMT"` (the
//! `"UTC"` fallback in `timemodule.c` is only used where `struct tm` has no `tm_zone`), glibc
//! extensions such as `%s`, `%-d`, `%5Y` pass through.
//!
//! # Time zone
//!
//! [`TimeFormatter::new`] calls `tzset()`, like `time.tzset()`; glibc's `localtime_r` does not
//! re-read `TZ` by itself. The formatter caches the rendered `strftime` text for the last second it
//! saw, so after a time-zone change (`TZ` changed and `time.tzset()` called in Python) output changes
//! only once a different second is formatted — call [`TimeFormatter::reset`] to re-run `tzset()`
//! and drop the cache.
//!
//! # Locale
//!
//! `wcsftime` uses the process's `LC_TIME` (CPython leaves it at `"C"` unless the application calls
//! `locale.setlocale`), so names (`%a`, `%b`, `%c`, `%p`, …) match as long as this runs in the same
//! process as the interpreter.

mod cstrftime;

use crate::pyfmt;
use crate::value::{Args, Value};
use std::fmt;

/// `logging.Formatter.default_time_format` (3.9–3.14).
pub const DEFAULT_TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
/// `logging.Formatter.default_msec_format` (3.9–3.14).
pub const DEFAULT_MSEC_FORMAT: &str = "%s,%03d";

/// The CPython version whose arithmetic and formatting to reproduce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PyVersion {
    pub major: u8,
    pub minor: u8,
    pub micro: u8,
}

impl PyVersion {
    pub const fn new(major: u8, minor: u8, micro: u8) -> Self {
        PyVersion { major, minor, micro }
    }

    /// Parses `"3.12.1"` or `"3.12"` (micro 0). Trailing release tags (`"3.13.0rc1"`) are ignored.
    pub fn parse(s: &str) -> Option<Self> {
        let mut it = s.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        let micro = match it.next() {
            Some(m) => {
                let digits: String = m.chars().take_while(|c| c.is_ascii_digit()).collect();
                digits.parse().ok()?
            }
            None => 0,
        };
        Some(PyVersion { major, minor, micro })
    }

    /// Which `LogRecord.__init__` arithmetic this version uses. Versions before 3.9 map to
    /// [`RecordArith::FloatFraction`] (their `formatTime` also differs; they are not supported).
    pub fn record_arith(self) -> RecordArith {
        if self >= PyVersion::new(3, 13, 0) {
            RecordArith::Nanoseconds
        } else if self >= PyVersion::new(3, 10, 7) {
            RecordArith::FloatTruncated
        } else {
            RecordArith::FloatFraction
        }
    }

    /// Which `time.strftime` driver this version uses.
    pub fn strftime_mode(self) -> StrftimeMode {
        if self >= PyVersion::new(3, 13, 1) {
            StrftimeMode::AsciiRuns
        } else {
            StrftimeMode::WholeFormat
        }
    }
}

impl fmt::Display for PyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.micro)
    }
}

/// The distinct `LogRecord.__init__` time arithmetics (see the module docs for the versions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordArith {
    /// `created = time.time()`, `msecs = (ct - int(ct)) * 1000`.
    FloatFraction,
    /// `created = time.time()`, `msecs = int((ct - int(ct)) * 1000) + 0.0` (gh-89047).
    FloatTruncated,
    /// `created = time_ns / 1e9`, integer `msecs` and `relativeCreated` arithmetic (gh-102402).
    Nanoseconds,
}

/// The two generations of CPython's `time.strftime` driver (see `cstrftime.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StrftimeMode {
    /// ≤ 3.13.0: one `wcsftime` call on the whole format; an embedded NUL is a `ValueError`.
    WholeFormat,
    /// ≥ 3.13.1: ASCII runs through `wcsftime`, other characters copied up to the next `%`.
    AsciiRuns,
}

/// `record.created`, `record.msecs`, `record.relativeCreated`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeFields {
    pub created: f64,
    pub msecs: f64,
    pub relative_created: f64,
}

/// CPython's `_PyTime_AsSecondsDouble` (what `time.time()` returns for the clock reading `ns`).
fn as_seconds_double(ns: i64) -> f64 {
    if ns % 1_000_000_000 == 0 {
        (ns / 1_000_000_000) as f64
    } else {
        ns as f64 / 1e9
    }
}

/// `logging._startTime`, the base of `relativeCreated`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StartTime {
    /// A float, as CPython < 3.13 stores it (`time.time()` at import). Read it straight from
    /// `logging._startTime`: several nanosecond readings map to the same float.
    Seconds(f64),
    /// An int, as CPython ≥ 3.13 stores it (`time.time_ns()` at import).
    Nanos(i64),
}

impl StartTime {
    /// What `logging` of `version` stores in `_startTime` when imported at clock reading `ns`.
    pub fn at_import(ns: i64, version: PyVersion) -> StartTime {
        match version.record_arith() {
            RecordArith::Nanoseconds => StartTime::Nanos(ns),
            _ => StartTime::Seconds(as_seconds_double(ns)),
        }
    }
}

/// The time fields `logging.LogRecord.__init__` of `version` stores for a record made at clock
/// reading `ts_ns`, `logging` having been imported at clock reading `start_ns` (see
/// [`StartTime::at_import`]; use [`time_fields_with`] to pass `logging._startTime` as read).
pub fn time_fields(ts_ns: i64, start_ns: i64, version: PyVersion) -> TimeFields {
    time_fields_with(ts_ns, StartTime::at_import(start_ns, version), version.record_arith())
}

/// [`time_fields`] for an explicit `_startTime` value and arithmetic (e.g. one detected by probing
/// the running interpreter). Mixed combinations follow Python's int/float rules.
pub fn time_fields_with(ts_ns: i64, start: StartTime, arith: RecordArith) -> TimeFields {
    match arith {
        RecordArith::FloatFraction | RecordArith::FloatTruncated => time_fields_from_seconds(as_seconds_double(ts_ns), start, arith),
        RecordArith::Nanoseconds => {
            const NS: i64 = 1_000_000_000;
            let created = ts_ns as f64 / 1e9;
            let mut msecs = (ts_ns.rem_euclid(NS) / 1_000_000) as f64;
            if msecs == 999.0 && created.trunc() as i64 != ts_ns.div_euclid(NS) {
                msecs = 0.0;
            }
            // `(ct - _startTime) / 1e6`: exact int difference, correctly rounded to float
            let rel = match start {
                StartTime::Nanos(n) => (ts_ns as i128 - n as i128) as f64 / 1e6,
                StartTime::Seconds(s) => (ts_ns as f64 - s) / 1e6,
            };
            TimeFields { created, msecs, relative_created: rel }
        }
    }
}

/// The time fields of a record whose `time.time()` returned `ct` (a float
/// clock, CPython < 3.13: the real one, or a replacement such as a test's
/// fake clock). `arith` is one of the float arithmetics.
pub fn time_fields_from_seconds(ct: f64, start: StartTime, arith: RecordArith) -> TimeFields {
    // `ct - int(ct)`: int(ct) converts back to the same double exactly.
    let frac_ms = (ct - ct.trunc()) * 1000.0;
    let msecs = if arith == RecordArith::FloatFraction {
        frac_ms
    } else {
        // int(...) + 0.0: an int has no negative zero, and -0.0 + 0.0 == +0.0.
        frac_ms.trunc() + 0.0
    };
    // `(self.created - _startTime) * 1000` (float - int converts the int to float)
    let start = match start {
        StartTime::Seconds(s) => s,
        StartTime::Nanos(n) => n as f64,
    };
    TimeFields { created: ct, msecs, relative_created: (ct - start) * 1000.0 }
}

/// Why an `asctime` could not be produced (CPython would raise from `formatTime`; `logging` then
/// reports it through `Handler.handleError`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeFormatError {
    /// `default_msec_format % (str, float)` raises; the text is CPython's message.
    MsecFormat(String),
    /// The strftime format contains NUL: `ValueError: embedded null character` (CPython ≤ 3.13.0).
    EmbeddedNul,
    /// `record.created` is NaN (`ValueError`) or outside `time_t` (`OverflowError`).
    TimestampOutOfRange,
    /// `localtime_r`/`gmtime_r` failed with this errno (`OSError`).
    Localtime(i32),
    /// `wcsftime` produced something that is not a Unicode scalar value, or the buffer overflowed.
    Strftime,
}

impl fmt::Display for TimeFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeFormatError::MsecFormat(why) => write!(f, "default_msec_format: {why}"),
            TimeFormatError::EmbeddedNul => f.write_str("embedded null character"),
            TimeFormatError::TimestampOutOfRange => f.write_str("timestamp out of range for platform time_t"),
            TimeFormatError::Localtime(e) => write!(f, "localtime/gmtime failed: errno {e}"),
            TimeFormatError::Strftime => f.write_str("strftime result is not valid text"),
        }
    }
}

impl std::error::Error for TimeFormatError {}

/// `time.localtime`/`time.gmtime`'s float → `time_t`: floor, range-checked like
/// `_PyTime_ObjectToTime_t(obj, _PyTime_ROUND_FLOOR)`.
fn created_to_time_t(created: f64) -> Result<i64, TimeFormatError> {
    let d = created.floor();
    // NaN fails both comparisons.
    if !(-9_223_372_036_854_775_808.0 <= d && d < 9_223_372_036_854_775_808.0) {
        return Err(TimeFormatError::TimestampOutOfRange);
    }
    Ok(d as i64)
}

/// Fails now for a `default_msec_format` that fails for every record (too few or
/// too many conversions, an unknown one), as CPython would at each `formatTime`.
fn check_msec_format(m: &str) -> Result<String, TimeFormatError> {
    let args = [Value::Str("1970-01-01 00:00:00"), Value::Float(0.0)];
    match pyfmt::interpolate(m, Args::Positional(&args), &mut Vec::new()) {
        Ok(()) => Ok(m.to_owned()),
        Err(e) => Err(TimeFormatError::MsecFormat(e.to_string())),
    }
}

/// `logging.Formatter.formatTime` for one formatter configuration, with a per-second cache.
///
/// Construction validates everything that does not depend on the record (so `format` only fails
/// for out-of-range timestamps). The cached path (same second as the previous call) does not
/// allocate: it copies the cached `strftime` text and, for the default path, formats `msecs`.
#[derive(Clone, Debug)]
pub struct TimeFormatter {
    utc: bool,
    wfmt: cstrftime::WideFormat,
    /// `default_msec_format`, applied as `fmt % (asctime, msecs)` by [`crate::pyfmt`].
    msec: Option<String>,
    /// The second `text` was rendered for.
    cached_sec: Option<i64>,
    text: String,
    wbuf: Vec<libc::wchar_t>,
}

impl TimeFormatter {
    /// A formatter equivalent to a `logging.Formatter` of CPython `version` with the given
    /// `datefmt`, `default_time_format` and `default_msec_format` attributes, and
    /// `converter = time.gmtime` if `utc` else `time.localtime`. Calls `tzset()`.
    pub fn new(
        datefmt: Option<&str>,
        default_time_format: &str,
        default_msec_format: Option<&str>,
        utc: bool,
        version: PyVersion,
    ) -> Result<Self, TimeFormatError> {
        let (fmt, msec) = match datefmt {
            Some(d) if !d.is_empty() => (d, None),
            _ => {
                let msec = match default_msec_format {
                    Some(m) if !m.is_empty() => Some(check_msec_format(m)?),
                    _ => None,
                };
                (default_time_format, msec)
            }
        };
        let wfmt = cstrftime::WideFormat::new(fmt, version.strftime_mode())?;
        cstrftime::call_tzset();
        Ok(TimeFormatter { utc, wfmt, msec, cached_sec: None, text: String::new(), wbuf: Vec::new() })
    }

    /// Re-reads the time zone (`tzset()`) and drops the cached second.
    pub fn reset(&mut self) {
        cstrftime::call_tzset();
        self.cached_sec = None;
    }

    /// Appends `formatTime(record)` (the `asctime` text, UTF-8) for a record with these fields.
    /// Only `created` and `msecs` are used. On error nothing is appended.
    pub fn format(&mut self, fields: &TimeFields, out: &mut Vec<u8>) -> Result<(), TimeFormatError> {
        let sec = created_to_time_t(fields.created)?;
        if self.cached_sec != Some(sec) {
            self.refresh(sec)?;
        }
        match &self.msec {
            None => {
                out.extend_from_slice(self.text.as_bytes());
                Ok(())
            }
            // The stdlib's default, `'%s,%03d' % (t, msecs)`, without a template parse.
            Some(m) if m == DEFAULT_MSEC_FORMAT && fields.msecs >= 0.0 && fields.msecs < 1000.0 => {
                let ms = fields.msecs as u32; // %d truncates toward zero, like int()
                out.extend_from_slice(self.text.as_bytes());
                out.extend_from_slice(&[b',', b'0' + (ms / 100) as u8, b'0' + (ms / 10 % 10) as u8, b'0' + (ms % 10) as u8]);
                Ok(())
            }
            Some(m) => {
                let args = [Value::Str(&self.text), Value::Float(fields.msecs)];
                pyfmt::interpolate(m, Args::Positional(&args), out).map_err(|e| TimeFormatError::MsecFormat(e.to_string()))
            }
        }
    }

    fn refresh(&mut self, sec: i64) -> Result<(), TimeFormatError> {
        self.cached_sec = None;
        let tm = cstrftime::broken_down(sec, self.utc)?;
        self.text.clear();
        self.wfmt.render(&tm, &mut self.wbuf, &mut self.text)?;
        self.cached_sec = Some(sec);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V39: PyVersion = PyVersion::new(3, 9, 18);
    const V312: PyVersion = PyVersion::new(3, 12, 1);
    const V313: PyVersion = PyVersion::new(3, 13, 0);
    const V314: PyVersion = PyVersion::new(3, 14, 0);

    #[test]
    fn version_boundaries() {
        assert_eq!(PyVersion::parse("3.9.18"), Some(V39));
        assert_eq!(PyVersion::parse("3.13.0rc1"), Some(V313));
        assert_eq!(PyVersion::new(3, 10, 6).record_arith(), RecordArith::FloatFraction);
        assert_eq!(PyVersion::new(3, 10, 7).record_arith(), RecordArith::FloatTruncated);
        assert_eq!(PyVersion::new(3, 11, 0).record_arith(), RecordArith::FloatTruncated);
        assert_eq!(V312.record_arith(), RecordArith::FloatTruncated);
        assert_eq!(V313.record_arith(), RecordArith::Nanoseconds);
        assert_eq!(V314.record_arith(), RecordArith::Nanoseconds);
        assert_eq!(V313.strftime_mode(), StrftimeMode::WholeFormat);
        assert_eq!(PyVersion::new(3, 13, 1).strftime_mode(), StrftimeMode::AsciiRuns);
    }

    #[test]
    fn fields_examples() {
        // The example from CPython's own comment: the ns -> s conversion rounds up.
        let ts = 1_677_903_920_999_999_900;
        let f = time_fields(ts, ts, V313);
        assert_eq!(f.created, 1_677_903_921.0);
        assert_eq!(f.msecs, 0.0);
        assert_eq!(f.relative_created, 0.0);
        let f = time_fields(ts, ts, V312);
        assert_eq!(f.created, 1_677_903_921.0);
        assert_eq!(f.msecs, 0.0);
        // gh-102402: 100 ms lost by the float arithmetic, kept by the ns one.
        let ts = 1_677_793_338_100_000_000;
        assert_eq!(time_fields(ts, 0, V312).msecs, 99.0);
        assert_eq!(time_fields(ts, 0, V313).msecs, 100.0);
        assert!(time_fields(ts, 0, V39).msecs < 100.0);
        // Before 1970.
        assert_eq!(time_fields(-500_000_000, 0, V39).msecs, -500.0);
        assert_eq!(time_fields(-500_000_000, 0, V312).msecs, -500.0);
        assert_eq!(time_fields(-500_000_000, 0, V313).msecs, 500.0);
        assert_eq!(time_fields(-1, 0, V313).msecs, 0.0);
        // `_startTime` read back from Python gives the same result as the import-time reading.
        let (ts, st) = (1_700_000_000_123_456_789, 1_699_999_000_987_654_321);
        let read = StartTime::Seconds(as_seconds_double(st));
        assert_eq!(time_fields_with(ts, read, RecordArith::FloatTruncated), time_fields(ts, st, V312));
        assert_eq!(time_fields_with(ts, StartTime::Nanos(st), RecordArith::Nanoseconds), time_fields(ts, st, V313));
    }

    fn fmt_utc(datefmt: Option<&str>, dmf: Option<&str>, v: PyVersion, created: f64, msecs: f64) -> Result<String, TimeFormatError> {
        let mut f = TimeFormatter::new(datefmt, DEFAULT_TIME_FORMAT, dmf, true, v)?;
        let mut out = Vec::new();
        f.format(&TimeFields { created, msecs, relative_created: 0.0 }, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn format_utc() {
        let d = Some(DEFAULT_MSEC_FORMAT);
        assert_eq!(fmt_utc(None, d, V312, 0.0, 7.0).unwrap(), "1970-01-01 00:00:00,007");
        assert_eq!(fmt_utc(Some(""), d, V312, 0.0, 7.0).unwrap(), "1970-01-01 00:00:00,007");
        assert_eq!(fmt_utc(None, None, V312, 0.0, 7.0).unwrap(), "1970-01-01 00:00:00");
        assert_eq!(fmt_utc(None, Some(""), V312, 0.0, 7.0).unwrap(), "1970-01-01 00:00:00");
        assert_eq!(fmt_utc(None, d, V39, -0.5, -500.0).unwrap(), "1969-12-31 23:59:59,-500");
        assert_eq!(fmt_utc(Some("%Z %z"), d, V312, 0.0, 0.0).unwrap(), "GMT +0000");
        assert_eq!(fmt_utc(Some("%%literal"), d, V312, 0.0, 0.0).unwrap(), "%literal");
        assert_eq!(fmt_utc(Some("%5000Y"), d, V312, 0.0, 0.0).unwrap(), "");
        assert_eq!(fmt_utc(Some("%1500Y"), d, V312, 0.0, 0.0).unwrap().len(), 1500);
        assert_eq!(fmt_utc(Some("é%Yü"), d, V312, 0.0, 0.0).unwrap(), "é1970ü");
        assert_eq!(fmt_utc(Some("a\0b"), d, V313, 0.0, 0.0), Err(TimeFormatError::EmbeddedNul));
        assert_eq!(fmt_utc(Some("a\0b%Y"), d, V314, 0.0, 0.0).unwrap(), "a\0b1970");
        assert_eq!(fmt_utc(Some("é%Y%é"), d, V314, 0.0, 0.0).unwrap(), "é1970%é");
        assert_eq!(fmt_utc(Some("%Y"), d, V312, f64::NAN, 0.0), Err(TimeFormatError::TimestampOutOfRange));
        assert!(fmt_utc(None, Some("%s"), V312, 0.0, 0.0).is_err());
    }

    #[test]
    fn cache_reuses_second_and_redoes_msecs() {
        let mut f = TimeFormatter::new(None, DEFAULT_TIME_FORMAT, Some(DEFAULT_MSEC_FORMAT), true, V313).unwrap();
        let mut out = Vec::new();
        for (ts, want) in [
            (1_700_000_000_000_000_000i64, "2023-11-14 22:13:20,000"),
            (1_700_000_000_123_000_000, "2023-11-14 22:13:20,123"),
            (1_700_000_000_999_999_999, "2023-11-14 22:13:21,000"),
            (1_700_000_001_500_000_000, "2023-11-14 22:13:21,500"),
        ] {
            out.clear();
            f.format(&time_fields(ts, 0, V313), &mut out).unwrap();
            assert_eq!(std::str::from_utf8(&out).unwrap(), want);
        }
    }

    /// Timing of the cached path (run with `--ignored --nocapture`; debug builds are ~10x slower).
    #[test]
    #[ignore]
    fn cached_path_timing() {
        let mut f = TimeFormatter::new(None, DEFAULT_TIME_FORMAT, Some(DEFAULT_MSEC_FORMAT), false, V312).unwrap();
        let mut out = Vec::with_capacity(64);
        let base = 1_700_000_000_000_000_000i64;
        let n = 2_000_000i64;
        let t0 = std::time::Instant::now();
        for i in 0..n {
            out.clear();
            let fields = time_fields(base + (i % 1000) * 997_000, 0, V312);
            f.format(std::hint::black_box(&fields), &mut out).unwrap();
            std::hint::black_box(&out);
        }
        let dt = t0.elapsed();
        println!("time_fields + cached format: {:.1} ns/call", dt.as_nanos() as f64 / n as f64);
    }
}
