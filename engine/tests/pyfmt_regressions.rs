//! Inputs the fuzzers found, with CPython's output (expected values from
//! CPython 3.11: length, first 40 and last 12 characters of `fmt % x`).

use attologging_engine::{pyfmt, Args, Value};

#[test]
fn huge_float_precisions_match_cpython() {
    let cases: [(&str, f64, usize, &str, &str); 5] = [
        ("%.70000f", 0.1_f64, 70002, "0.10000000000000000555111512312578270211", "000000000000"),
        ("%.1100e", 0.1_f64, 1106, "1.00000000000000005551115123125782702118", "00000000e-01"),
        ("%.2000g", 0.3333333333333333_f64, 56, "0.33333333333333331482961625624739099293", "198486328125"),
        ("%#.1500G", 1e+300_f64, 1501, "1000000000000000052504760255204420248704", "000000000000"),
        ("%.1055005e", 2.5_f64, 1055011, "2.50000000000000000000000000000000000000", "00000000e+00"),
    ];
    for (fmt, x, len, head, tail) in cases {
        let mut out = Vec::new();
        pyfmt::interpolate(fmt, Args::Positional(&[Value::Float(x)]), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s.len(), len, "{fmt}");
        assert!(s.starts_with(head) && s.ends_with(tail), "{fmt}: {}...{}", &s[..40], &s[s.len() - 12..]);
    }
}
