//! The template compilers and `msg % args` must never panic, whatever the
//! format string: they return a result or a CompileError/FormatError.
#![no_main]

use attologging_engine::{pyfmt, Args, Formatter, FormatterSpec, Style, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    for style in [Style::Percent, Style::Brace, Style::Dollar] {
        let _ = Formatter::compile(FormatterSpec::new(Some(s), style));
    }
    let args = [Value::Int(-7), Value::Float(2.5), Value::Str("x'\u{e9}"), Value::BigInt("-123456789012345678901234567890"), Value::Bytes(b"\x00b"), Value::None, Value::Bool(true)];
    for n in 0..=args.len() {
        let mut out = Vec::new();
        if pyfmt::interpolate(s, Args::Positional(&args[..n]), &mut out).is_ok() {
            assert!(std::str::from_utf8(&out).is_ok(), "interpolation produced invalid UTF-8");
        }
    }
    let kvs = [("a", Value::Int(1)), ("b", Value::Float(-0.0)), ("", Value::Str("e"))];
    let mut out = Vec::new();
    let _ = pyfmt::interpolate(s, Args::Mapping(&kvs), &mut out);
    if let Ok(spec) = pyfmt::parse_format_spec(s) {
        for v in &args {
            let _ = pyfmt::format_value(&spec, v, &mut out);
        }
    }
});
