//! Runs every case of `tests/vectors/formatter.txt` (CPython's own
//! `logging.Formatter(...).format(record)` answers for real `LogRecord`s, see
//! `tests/vectors/gen_formatter.py` for the format and how to regenerate)
//! through `attologging_engine::Formatter`, driving the engine the way the
//! consumer does (`dispatch.rs`): the record is encoded with
//! `RecordSpec::to_vec` and decoded with `RecordView::parse`, the message is
//! the template without args or `pyfmt::interpolate` with them, the level name
//! comes from the `L` table or is `Level N`, the time fields come from
//! `pytime::time_fields_with`, and `Formatter::format` renders.
//!
//! A case passes when the output is byte-identical; when CPython raised, the
//! engine must fail too: either `Formatter::compile` / `new_state` fails
//! (the bindings then keep that formatter in Python), or the message or
//! `format` returns an error of the same exception class (and message, where
//! the file has one). Formats the engine rejects by design (flag `x`) must fail
//! to compile; date configurations it declines (flag `t`) may fail `new_state`.
//!
//! Everything runs in one test function: `TZ` must be set process-wide before
//! the first `tzset()`. `FORMATTER_VECTORS=<file>` runs another vector file,
//! `FORMATTER_VECTORS_ALL=1` prints every mismatch instead of the first 20.
//!
//! Known engine bugs when these vectors were added (kept in the vectors, so
//! this test fails until `src/formatter.rs` is fixed): `Formatter(fmt="")`
//! must mean the style's default format; `%(key)%` must be an error; on
//! CPython 3.11 a record has no `taskName` unless one is given (missing field
//! / `defaults`); the missing-field message must use `repr(key)`; the `module`
//! of a non-str pathname is "Unknown module"; `{٣}` (any Unicode decimal
//! digits) is a positional index in `str.format`.

use std::collections::HashMap;

use attologging_engine::formatter::{Formatter, FormatterSpec, FormatterState, RecordCtx, Style};
use attologging_engine::pyfmt::{interpolate, FormatError};
use attologging_engine::pytime::{time_fields_with, PyVersion, StartTime};
use attologging_engine::record::{Field, RecordSpec, RecordView};
use attologging_engine::value::{Args, OwnedValue, Value};

mod common;
use common::{decode_value, text, unhex};

const TZ: &str = "Europe/Berlin";

/// A str token or `N`.
fn decode_opt_str(tok: &str) -> Option<String> {
    match decode_value(tok) {
        OwnedValue::None => None,
        OwnedValue::Str(s) => Some(s),
        other => panic!("expected a str token, got {other:?}"),
    }
}

fn decode_str(tok: &str) -> String {
    decode_opt_str(tok).expect("a str token")
}

/// `<hex key>=<token>,...` or `-`.
fn decode_kv(tok: &str) -> Vec<(String, OwnedValue)> {
    if tok == "-" {
        return Vec::new();
    }
    tok.split(',')
        .map(|item| {
            let (k, v) = item.split_once('=').expect("key=value");
            (text(k), decode_value(v))
        })
        .collect()
}

enum OwnedArgs {
    Positional(Vec<OwnedValue>),
    Mapping(Vec<(String, OwnedValue)>),
}

fn decode_args(tok: &str) -> OwnedArgs {
    let (tag, body) = tok.split_at(1);
    match tag {
        "p" => OwnedArgs::Positional(if body.is_empty() { Vec::new() } else { body.split(',').map(decode_value).collect() }),
        "m" => OwnedArgs::Mapping(decode_kv(body)),
        _ => panic!("bad args token {tok}"),
    }
}

/// A record field: one of the engine's known fields or an extra attribute.
enum FieldKey {
    Known(Field<'static>),
    Extra(String),
}

fn field_key(name: &str) -> FieldKey {
    FieldKey::Known(match name {
        "pathname" => Field::Pathname,
        "lineno" => Field::Lineno,
        "funcName" => Field::FuncName,
        "thread" => Field::Thread,
        "threadName" => Field::ThreadName,
        "process" => Field::Process,
        "processName" => Field::ProcessName,
        "taskName" => Field::TaskName,
        "exc_text" => Field::ExcText,
        "stack_info" => Field::StackInfo,
        _ => match name.strip_prefix('x') {
            Some(h) => return FieldKey::Extra(text(h)),
            None => panic!("bad field name {name}"),
        },
    })
}

struct Rec {
    ts_ns: i64,
    start_ns: i64,
    level: i32,
    logger: String,
    template: String,
    args: OwnedArgs,
    fields: Vec<(FieldKey, OwnedValue)>,
    line: String,
}

fn parse_record(p: &[&str], line: &str) -> Rec {
    let fields = if p[8] == "-" {
        Vec::new()
    } else {
        p[8].split(',')
            .map(|item| {
                let (k, v) = item.split_once('=').expect("field=value");
                (field_key(k), decode_value(v))
            })
            .collect()
    };
    Rec {
        ts_ns: p[2].parse().expect("ts_ns"),
        start_ns: p[3].parse().expect("start_ns"),
        level: p[4].parse().expect("level"),
        logger: decode_str(p[5]),
        template: decode_str(p[6]),
        args: decode_args(p[7]),
        fields,
        line: line.to_string(),
    }
}

impl Rec {
    fn describe(&self) -> String {
        let fields: Vec<String> = self
            .fields
            .iter()
            .map(|(k, v)| match k {
                FieldKey::Known(f) => format!("{}={v:?}", f.name()),
                FieldKey::Extra(e) => format!("extra {e:?}={v:?}"),
            })
            .collect();
        let args = match &self.args {
            OwnedArgs::Positional(v) => format!("{v:?}"),
            OwnedArgs::Mapping(m) => format!("{m:?}"),
        };
        format!(
            "record ts_ns={} start_ns={} level={} logger={:?} msg={:?} args={args} fields=[{}]",
            self.ts_ns,
            self.start_ns,
            self.level,
            self.logger,
            self.template,
            fields.join(", ")
        )
    }
}

struct Fmt {
    spec: FormatterSpec,
    flags: String,
    compiled: Result<Formatter, String>,
    validate: &'static str,
}

fn parse_formatter(p: &[&str]) -> Fmt {
    let flags = if p[2] == "-" { String::new() } else { p[2].to_string() };
    let style = match p[3] {
        "%" => Style::Percent,
        "{" => Style::Brace,
        "$" => Style::Dollar,
        s => panic!("bad style {s}"),
    };
    let spec = FormatterSpec {
        fmt: decode_opt_str(p[4]),
        style,
        datefmt: decode_opt_str(p[5]),
        defaults: decode_kv(p[8]),
        utc: flags.contains('u'),
        default_time_format: decode_str(p[6]),
        default_msec_format: decode_opt_str(p[7]),
    };
    let compiled = Formatter::compile(spec.clone()).map_err(|e| e.to_string());
    let validate = if flags.contains('v') {
        "True"
    } else if flags.contains('w') {
        "False (validate=True raised)"
    } else {
        "False"
    };
    Fmt { spec, flags, compiled, validate }
}

impl Fmt {
    fn describe(&self) -> String {
        let s = &self.spec;
        format!(
            "Formatter(fmt={:?}, style={:?}, datefmt={:?}, validate={}, defaults={:?}), default_time_format={:?}, \
             default_msec_format={:?}, utc={}",
            s.fmt, s.style, s.datefmt, self.validate, s.defaults, s.default_time_format, s.default_msec_format, s.utc
        )
    }
}

/// What the engine did with one case.
enum Got {
    Text(Vec<u8>),
    /// `Formatter::compile` failed.
    Compile(String),
    /// `Formatter::new_state` failed (`Engine::add_formatter` rejects such formatters).
    State(String),
    /// `msg % args` failed (the consumer drops the record with this error).
    Message(FormatError),
    /// `Formatter::format` failed.
    Format(FormatError),
}

impl std::fmt::Display for Got {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Got::Text(t) => write!(f, "{:?}", String::from_utf8_lossy(t)),
            Got::Compile(e) => write!(f, "compile error: {e}"),
            Got::State(e) => write!(f, "new_state error: {e}"),
            Got::Message(e) => write!(f, "message error {}: {}", e.kind, e.message),
            Got::Format(e) => write!(f, "format error {}: {}", e.kind, e.message),
        }
    }
}

fn show_expected(expected: &str) -> String {
    match expected.as_bytes()[0] {
        b'=' => format!("{:?}", String::from_utf8_lossy(&unhex(&expected[1..]))),
        _ => match expected[1..].split_once(':') {
            Some((kind, msg)) => format!("{kind}: {}", text(msg)),
            None => format!("{} (any message)", &expected[1..]),
        },
    }
}

/// Runs one record through one formatter the way `Dispatch::record` does.
fn run(rec: &Rec, f: &Formatter, state: &mut FormatterState, version: PyVersion, level_names: &HashMap<i32, String>) -> Got {
    let owned_args;
    let owned_map;
    let args = match &rec.args {
        OwnedArgs::Positional(v) => {
            owned_args = v.iter().map(OwnedValue::as_value).collect::<Vec<_>>();
            Args::Positional(&owned_args)
        }
        OwnedArgs::Mapping(m) => {
            owned_map = m.iter().map(|(k, v)| (k.as_str(), v.as_value())).collect::<Vec<_>>();
            Args::Mapping(&owned_map)
        }
    };
    let fields: Vec<(Field<'_>, Value<'_>)> = rec
        .fields
        .iter()
        .map(|(k, v)| {
            let f = match k {
                FieldKey::Known(f) => *f,
                FieldKey::Extra(e) => Field::Extra(e),
            };
            (f, v.as_value())
        })
        .collect();
    let spec = RecordSpec { route: 0, level: rec.level, template: &rec.template, args, fields: &fields };
    let bytes = spec.to_vec(7, rec.ts_ns).expect("encode record");
    let view = RecordView::parse(&bytes).expect("decode record");

    // `record.getMessage()`, as `Dispatch::build_message`.
    let mut message = Vec::new();
    if view.n_args() > 0 {
        let res = if view.args_are_mapping() {
            let kvs: Vec<(&str, Value<'_>)> = view.args().map(|(k, v)| (k.unwrap_or(""), v)).collect();
            interpolate(view.template, Args::Mapping(&kvs), &mut message)
        } else {
            let vs: Vec<Value<'_>> = view.args().map(|(_, v)| v).collect();
            interpolate(view.template, Args::Positional(&vs), &mut message)
        };
        if let Err(e) = res {
            return Got::Message(e);
        }
    }
    let message = std::str::from_utf8(&message).expect("message is UTF-8");
    let levelname = match level_names.get(&view.level) {
        Some(n) => n.clone(),
        None => format!("Level {}", view.level),
    };
    let ctx = RecordCtx {
        view: &view,
        logger: &rec.logger,
        levelname: &levelname,
        message: if view.n_args() == 0 { view.template } else { message },
        time: time_fields_with(view.ts_ns, StartTime::at_import(rec.start_ns, version), version.record_arith()),
    };
    let mut out = b"prefix:".to_vec();
    match f.format(&ctx, state, &mut out) {
        Ok(()) => {
            assert!(out.starts_with(b"prefix:"), "format must append");
            Got::Text(out[7..].to_vec())
        }
        Err(e) => Got::Format(e),
    }
}

#[derive(Default)]
struct Tally {
    cases: usize,
    runs: usize,
    ok_text: usize,
    err_compile: usize,
    err_state: usize,
    err_message: usize,
    err_format: usize,
    rejected: usize,
    declined: usize,
}

/// Whether `got` is an acceptable answer for `expected` (`None`) or why not.
fn judge(expected: &str, fmt: &Fmt, got: &Got, tally: &mut Tally) -> Option<&'static str> {
    if fmt.flags.contains('x') {
        return match got {
            Got::Compile(_) => {
                tally.rejected += 1;
                None
            }
            _ => Some("the engine should reject this format at compile time"),
        };
    }
    if fmt.flags.contains('t') {
        if let Got::State(_) = got {
            tally.declined += 1;
            return None;
        }
    }
    match (expected.as_bytes()[0], got) {
        (b'=', Got::Text(out)) if *out == unhex(&expected[1..]) => {
            tally.ok_text += 1;
            None
        }
        (b'=', Got::Text(_)) => Some("different text"),
        (b'=', _) => Some("CPython formats this record, the engine fails"),
        (b'!', Got::Text(_)) => Some("CPython raises, the engine formats"),
        (b'!', Got::Compile(_)) => {
            tally.err_compile += 1;
            None
        }
        (b'!', Got::State(_)) => {
            tally.err_state += 1;
            None
        }
        (b'!', Got::Message(e) | Got::Format(e)) => {
            let (kind, msg) = match expected[1..].split_once(':') {
                Some((kind, msg)) => (kind, Some(text(msg))),
                None => (&expected[1..], None),
            };
            if e.kind != kind {
                return Some("different exception class");
            }
            if msg.is_some_and(|m| m != e.message) {
                return Some("different exception message");
            }
            if let Got::Message(_) = got {
                tally.err_message += 1;
            } else {
                tally.err_format += 1;
            }
            None
        }
        _ => panic!("bad expected {expected}"),
    }
}

#[test]
fn formatter_vectors_match_cpython() {
    // Single test function, nothing else running: safe to change the environment.
    std::env::set_var("TZ", TZ);
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/formatter.txt");
    let path = std::env::var("FORMATTER_VECTORS").unwrap_or_else(|_| default.to_string());
    let data = std::fs::read_to_string(&path).expect("read formatter.txt (regenerate with gen_formatter.py)");

    let mut versions: Vec<(String, PyVersion)> = Vec::new();
    let mut level_names: HashMap<i32, String> = HashMap::new();
    let mut records: Vec<Rec> = Vec::new();
    let mut fmts: Vec<Fmt> = Vec::new();
    // (fid, rid, versions tag, expected, line number)
    let mut cases: Vec<(usize, usize, String, String, usize)> = Vec::new();
    for (i, line) in data.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let p: Vec<&str> = line.split(' ').collect();
        match p[0] {
            "V" => {
                versions = p[1..].iter().map(|v| (v.to_string(), PyVersion::parse(v).expect("version"))).collect();
            }
            "L" => {
                level_names.insert(p[1].parse().expect("level"), decode_str(p[2]));
            }
            "R" => {
                assert_eq!(p[1].parse::<usize>().unwrap(), records.len(), "records in order");
                records.push(parse_record(&p, line));
            }
            "F" => {
                assert_eq!(p[1].parse::<usize>().unwrap(), fmts.len(), "formatters in order");
                fmts.push(parse_formatter(&p));
            }
            "C" => cases.push((p[1].parse().unwrap(), p[2].parse().unwrap(), p[3].to_string(), p[4].to_string(), i + 1)),
            k => panic!("line {}: bad line kind {k}", i + 1),
        }
    }
    assert!(!versions.is_empty(), "no V line");

    let mut tally = Tally::default();
    let mut seen = std::collections::HashSet::new();
    let mut failures: Vec<String> = Vec::new();
    let mut by_reason: HashMap<&'static str, usize> = HashMap::new();
    for (vname, version) in &versions {
        // One state per formatter for the whole run, as on the consumer (exercises the time cache).
        let mut states: HashMap<usize, Result<FormatterState, String>> = HashMap::new();
        for (fid, rid, tag, expected, lineno) in &cases {
            if tag != "*" && !tag.split(',').any(|v| v == vname) {
                continue;
            }
            seen.insert((*fid, *rid));
            tally.runs += 1;
            let (fmt, rec) = (&fmts[*fid], &records[*rid]);
            let got = match &fmt.compiled {
                Err(e) => Got::Compile(e.clone()),
                Ok(f) => match states.entry(*fid).or_insert_with(|| f.new_state(*version).map_err(|e| e.to_string())) {
                    Err(e) => Got::State(e.clone()),
                    Ok(state) => run(rec, f, state, *version, &level_names),
                },
            };
            if let Some(reason) = judge(expected, fmt, &got, &mut tally) {
                *by_reason.entry(reason).or_default() += 1;
                failures.push(format!(
                    "line {lineno} (F {fid}, R {rid}) under {vname}: {reason}\n    {}\n    {}\n    record line: {}\n    expected: {}\n    got:      {got}",
                    fmt.describe(),
                    rec.describe(),
                    rec.line,
                    show_expected(expected),
                ));
            }
        }
    }
    tally.cases = seen.len();
    eprintln!(
        "formatter vectors: {} cases ({} runs over {} versions): {} identical texts; CPython errors matched by \
         {} compile failures, {} new_state failures, {} message errors, {} format errors; {} rejected by design (x), \
         {} declined date formats (t)",
        tally.cases,
        tally.runs,
        versions.len(),
        tally.ok_text,
        tally.err_compile,
        tally.err_state,
        tally.err_message,
        tally.err_format,
        tally.rejected,
        tally.declined
    );
    assert!(tally.cases > 5000, "only {} cases in {path}", tally.cases);
    // FORMATTER_VECTORS_ALL=1 prints every mismatch, not just the first 20.
    let shown = if std::env::var_os("FORMATTER_VECTORS_ALL").is_some() { failures.len() } else { 20 };
    for f in failures.iter().take(shown) {
        eprintln!("{f}");
    }
    let mut reasons: Vec<_> = by_reason.into_iter().collect();
    reasons.sort();
    assert!(failures.is_empty(), "{} of {} formatter vector runs differ from CPython: {reasons:?}", failures.len(), tally.runs);
}
