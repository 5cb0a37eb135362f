//! Checks `attologging_engine::pytime` against `tests/vectors/pytime.txt`, produced by real CPython
//! interpreters (see `tests/vectors/gen_pytime.py` for the format and how to regenerate).
//!
//! Everything runs in one test function: the vectors need `TZ` set process-wide before `tzset()`.

use attologging_engine::pytime::{time_fields, PyVersion, TimeFields, TimeFormatter};
use std::collections::{BTreeMap, HashMap};

struct Config {
    utc: bool,
    datefmt: Option<String>,
    dtf: String,
    dmf: Option<String>,
}

fn hex_str(s: &str) -> Option<String> {
    if s == "-" {
        return None;
    }
    let h = s.strip_prefix('x').expect("string field starts with x");
    let bytes: Vec<u8> = (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap()).collect();
    Some(String::from_utf8(bytes).expect("utf-8"))
}

fn hex_f64(s: &str) -> f64 {
    f64::from_bits(u64::from_str_radix(s, 16).expect("float bits"))
}

/// "x<hex>" -> Ok(text), "!Exc" -> Err(Exc)
fn expected(s: &str) -> Result<String, String> {
    match s.strip_prefix('!') {
        Some(e) => Err(e.to_string()),
        None => Ok(hex_str(s).unwrap()),
    }
}

fn run(f: &mut TimeFormatter, fields: &TimeFields) -> Result<String, String> {
    let mut out = b"prefix:".to_vec();
    match f.format(fields, &mut out) {
        Ok(()) => {
            assert!(out.starts_with(b"prefix:"), "format must append");
            Ok(String::from_utf8(out[7..].to_vec()).map_err(|e| format!("non-utf8 output: {e}"))?)
        }
        Err(e) => {
            assert_eq!(out, b"prefix:", "nothing appended on error");
            Err(format!("{e}"))
        }
    }
}

fn new_formatter(cfg: &Config, v: PyVersion) -> Result<TimeFormatter, String> {
    TimeFormatter::new(cfg.datefmt.as_deref(), &cfg.dtf, cfg.dmf.as_deref(), cfg.utc, v).map_err(|e| format!("{e}"))
}

#[test]
fn cpython_time_vectors() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/pytime.txt");
    let text = std::fs::read_to_string(path).expect("read pytime.txt");

    let mut configs: HashMap<u32, Config> = HashMap::new();
    let mut version = PyVersion::new(0, 0, 0);
    let mut tz = String::new();
    // Formatters persist across lines of one V block, so the per-second cache is exercised
    // (lines come in time order per config within the cross-product section).
    let mut formatters: HashMap<u32, Result<TimeFormatter, String>> = HashMap::new();
    let mut mismatches: Vec<String> = Vec::new();
    let mut total = 0usize;
    let mut counts: BTreeMap<(String, &'static str), usize> = BTreeMap::new();

    for (lineno, line) in text.lines().enumerate() {
        let p: Vec<&str> = line.split(' ').collect();
        let lineno = lineno + 1;
        match p[0] {
            "" | "#" => {}
            "C" => {
                let cfg = Config { utc: p[2] == "1", datefmt: hex_str(p[3]), dtf: hex_str(p[4]).expect("default_time_format"), dmf: hex_str(p[5]) };
                configs.insert(p[1].parse().unwrap(), cfg);
            }
            "V" => {
                version = PyVersion::parse(p[1]).expect("version");
                if p[2] != tz {
                    tz = p[2].to_string();
                    // Single test function, no other threads: safe to change the environment.
                    std::env::set_var("TZ", &tz);
                }
                formatters.clear();
            }
            "F" => {
                let ts: i64 = p[1].parse().unwrap();
                let start: i64 = p[2].parse().unwrap();
                let want = (hex_f64(p[3]), hex_f64(p[4]), hex_f64(p[5]));
                let got = time_fields(ts, start, version);
                total += 1;
                *counts.entry((format!("{version}"), "F")).or_default() += 1;
                let same =
                    got.created.to_bits() == want.0.to_bits() && got.msecs.to_bits() == want.1.to_bits() && got.relative_created.to_bits() == want.2.to_bits();
                if !same {
                    mismatches.push(format!(
                        "line {lineno}: {version} fields ts={ts} start={start}: want created={:?} msecs={:?} rel={:?}, got {:?}",
                        want.0, want.1, want.2, got
                    ));
                }
            }
            "T" | "R" => {
                let cid: u32 = p[1].parse().unwrap();
                let cfg = &configs[&cid];
                let (fields, what, want) = if p[0] == "T" {
                    let ts: i64 = p[2].parse().unwrap();
                    (time_fields(ts, 0, version), format!("ts={ts}"), expected(p[3]))
                } else {
                    let created = hex_f64(p[2]);
                    let msecs = hex_f64(p[3]);
                    (TimeFields { created, msecs, relative_created: 0.0 }, format!("created={created:?} msecs={msecs:?}"), expected(p[4]))
                };
                total += 1;
                *counts.entry((format!("{version} {tz}"), if p[0] == "T" { "T" } else { "R" })).or_default() += 1;
                // cached (persistent) formatter
                let f = formatters.entry(cid).or_insert_with(|| new_formatter(cfg, version));
                let got = match f {
                    Ok(f) => run(f, &fields),
                    Err(e) => Err(e.clone()),
                };
                // fresh formatter (no cache history)
                let fresh = new_formatter(cfg, version).and_then(|mut f| run(&mut f, &fields));
                let ok = |g: &Result<String, String>| match (&want, g) {
                    (Ok(w), Ok(g)) => w == g,
                    (Err(_), Err(_)) => true,
                    _ => false,
                };
                if !ok(&got) || !ok(&fresh) {
                    mismatches.push(format!(
                        "line {lineno}: {version} TZ={tz} cfg {cid} (utc={} datefmt={:?} dtf={:?} dmf={:?}) {what}: want {:?}, got {:?} (fresh {:?})",
                        cfg.utc, cfg.datefmt, cfg.dtf, cfg.dmf, want, got, fresh
                    ));
                }
            }
            other => panic!("line {lineno}: unknown record {other:?}"),
        }
    }
    for ((v, kind), n) in &counts {
        println!("{v:<22} {kind}: {n}");
    }
    println!("{total} vector cases");
    for m in mismatches.iter().take(20) {
        eprintln!("{m}");
    }
    assert!(total > 10_000, "suspiciously few vectors: {total}");
    assert_eq!(mismatches.len(), 0, "{} of {total} vector cases mismatch", mismatches.len());
}
