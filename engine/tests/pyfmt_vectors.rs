//! Runs every case of `tests/vectors/pyfmt.txt` (CPython's own answers, see
//! `tests/vectors/gen_pyfmt.py`) through `attologging_engine::pyfmt` and
//! requires byte-identical output, or the same exception class (and, where
//! the file has one, the same message).

use attologging_engine::pyfmt::{
    ascii_value, format_builtin, format_printf, format_value, interpolate, parse_format_spec, parse_printf_spec_at, repr_value, str_value, FormatError,
};
use attologging_engine::value::{Args, OwnedValue as Owned, Value};

mod common;
use common::{decode_value, text, unhex};

enum OwnedArgs {
    Positional(Vec<Owned>),
    Mapping(Vec<(String, Owned)>),
}

fn decode_args(tok: &str) -> OwnedArgs {
    let (tag, body) = tok.split_at(1);
    let items: Vec<&str> = if body.is_empty() { Vec::new() } else { body.split(',').collect() };
    match tag {
        "p" => OwnedArgs::Positional(items.iter().map(|t| decode_value(t)).collect()),
        "m" => OwnedArgs::Mapping(
            items
                .iter()
                .map(|item| {
                    let (k, v) = item.split_once('=').expect("key=value");
                    (text(k), decode_value(v))
                })
                .collect(),
        ),
        _ => panic!("bad args token {tok}"),
    }
}

type Outcome = Result<Vec<u8>, FormatError>;

fn run_interp(template: &str, args: &OwnedArgs) -> Outcome {
    let mut out = Vec::new();
    match args {
        OwnedArgs::Positional(vals) => {
            let vals: Vec<Value<'_>> = vals.iter().map(Owned::as_value).collect();
            interpolate(template, Args::Positional(&vals), &mut out)?;
        }
        OwnedArgs::Mapping(entries) => {
            let entries: Vec<(&str, Value<'_>)> = entries.iter().map(|(k, v)| (k.as_str(), v.as_value())).collect();
            interpolate(template, Args::Mapping(&entries), &mut out)?;
        }
    }
    Ok(out)
}

/// `template % (v,)` for a template holding one conversion, through
/// `parse_printf_spec_at` + `format_printf`.
fn run_printf(template: &str, v: &Owned) -> Outcome {
    let (spec, used) = parse_printf_spec_at(template.as_bytes(), 1)?;
    if spec.conv == b'%' {
        // `'%%' % (v,)`: the `%%` takes no argument.
        return Err(FormatError { kind: "TypeError", message: "not all arguments converted during string formatting".into() });
    }
    assert_eq!(1 + used, template.len(), "spec length for {template:?}");
    let mut out = Vec::new();
    format_printf(&spec, &v.as_value(), &mut out)?;
    Ok(out)
}

/// `format(v, spec)`; also checks that `parse_format_spec` + `format_value`
/// agree with `format_builtin` whenever the spec parses.
fn run_format(spec: &str, v: &Owned) -> Outcome {
    let mut out = Vec::new();
    let res = format_builtin(&v.as_value(), spec, &mut out).map(|()| out);
    if let Ok(parsed) = parse_format_spec(spec) {
        let mut out2 = Vec::new();
        let res2 = format_value(&parsed, &v.as_value(), &mut out2).map(|()| out2);
        assert_eq!(res, res2, "format_value disagrees with format_builtin for {spec:?} {v:?}");
    }
    res
}

fn run_case(fields: &[&str]) -> (String, Outcome) {
    match fields[0] {
        "I" => {
            let (t, a) = (text(fields[1]), decode_args(fields[2]));
            (format!("{t:?} % {}", fields[2]), run_interp(&t, &a))
        }
        "P" => {
            let (t, v) = (text(fields[1]), decode_value(fields[2]));
            let out = run_printf(&t, &v);
            (format!("{t:?} % ({v:?},)"), out)
        }
        "F" => {
            let (s, v) = (text(fields[1]), decode_value(fields[2]));
            let out = run_format(&s, &v);
            (format!("format({v:?}, {s:?})"), out)
        }
        kind @ ("S" | "R" | "A") => {
            let v = decode_value(fields[1]);
            let mut out = Vec::new();
            let f = match kind {
                "S" => str_value,
                "R" => repr_value,
                _ => ascii_value,
            };
            f(&v.as_value(), &mut out);
            (format!("{kind} {v:?}"), Ok(out))
        }
        k => panic!("bad case kind {k}"),
    }
}

fn matches(expected: &str, got: &Outcome) -> bool {
    match (expected.as_bytes()[0], got) {
        (b'=', Ok(out)) => *out == unhex(&expected[1..]),
        (b'!', Err(e)) => match expected[1..].split_once(':') {
            Some((kind, msg)) => e.kind == kind && e.message.as_bytes() == unhex(msg).as_slice(),
            None => e.kind == &expected[1..],
        },
        _ => false,
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

fn show_got(got: &Outcome) -> String {
    match got {
        Ok(out) => format!("{:?}", String::from_utf8_lossy(out)),
        Err(e) => format!("{}: {}", e.kind, e.message),
    }
}

#[test]
fn pyfmt_vectors_match_cpython() {
    // PYFMT_VECTORS may name another file made by gen_pyfmt.py --seed N --out FILE.
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/pyfmt.txt");
    let path = std::env::var("PYFMT_VECTORS").unwrap_or_else(|_| default.to_string());
    let data = std::fs::read_to_string(&path).expect("read pyfmt.txt (regenerate with gen_pyfmt.py)");
    let mut total = 0;
    let mut failures = Vec::new();
    for (lineno, line) in data.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let expected = fields[fields.len() - 1];
        total += 1;
        let (input, got) = run_case(&fields[..fields.len() - 1]);
        if !matches(expected, &got) {
            failures.push(format!("line {}: {input}\n    expected: {}\n    got:      {}", lineno + 1, show_expected(expected), show_got(&got)));
        }
    }
    assert!(total > 10_000, "only {total} cases in {path}");
    for f in failures.iter().take(20) {
        eprintln!("{f}");
    }
    assert!(failures.is_empty(), "{} of {total} pyfmt vectors differ from CPython", failures.len());
}
