#!/usr/bin/env python3
"""Generate engine/tests/vectors/pytime.txt: what real CPython `logging` stores in
LogRecord.created / .msecs / .relativeCreated and what Formatter.formatTime returns, per version.

Regenerate (from the repository root, any python3):

    python3 engine/tests/vectors/gen_pytime.py

The driver runs this file again under every interpreter in INTERPRETERS ("--child" mode), once per
time zone in TIME_ZONES (TZ set in the child's environment), feeding the case list as JSON on stdin,
and writes engine/tests/vectors/pytime.txt.

Child mode builds real `logging.LogRecord`s with `time.time` / `time.time_ns` monkeypatched to return
the chosen instant: `time.time()` is what CPython returns for a clock reading of `ns` nanoseconds,
i.e. `_PyTime_AsSecondsDouble(ns)`, obtained from `_testcapi.PyTime_AsSecondsDouble` (verified
against the real `time.time()` with an LD_PRELOAD'ed fake `clock_gettime` on 3.9.18 ... 3.13.0).
`logging._startTime` is set to the same kind of value the module computes at import (float before
3.13, int from 3.13).

File format (one record per line, space separated; `#` starts a comment line):
  C <cid> <utc 0|1> <datefmt> <default_time_format> <default_msec_format>   formatter configs
  V <python version> <TZ>                                  following lines come from this run
  F <ts_ns> <start_ns> <created> <msecs> <relativeCreated>                  LogRecord fields
  T <cid> <ts_ns> <result>                 formatTime of the record made at ts_ns (start 0)
  R <cid> <created> <msecs> <result>       formatTime of a record with these created / msecs
Floats are the 16 hex digits of the IEEE-754 bits (Rust f64::to_bits). Strings are "x" followed by
the hex of their UTF-8 bytes; "-" is None. A result "!Name" means formatTime raised Name.
"""
import json
import os
import random
import struct
import subprocess
import sys

INTERPRETERS = [
    "~/.pyenv/versions/3.9.18/bin/python",
    "~/.pyenv/versions/3.10.13/bin/python",
    "~/.pyenv/versions/3.11.7/bin/python",
    "~/.pyenv/versions/3.12.1/bin/python",
    "~/.pyenv/versions/3.13.0/bin/python",
]
TIME_ZONES = ["Europe/Berlin", "UTC"]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pytime.txt")

NS = 10**9
I64_MAX = 2**63 - 1

DATEFMTS = [
    None,
    "%Y-%m-%d %H:%M:%S",
    "%H:%M:%S",
    "%d/%b/%Y:%H:%M:%S %z",
    "%Z %j %a %A %b %B %p %I %y %U %W %c %x %X",
    "%s",
    "%%literal",
    "",
    "%G-W%V-%u %C %e %k %l|%n|%t %D %F %R %T %r %h %P",
    "%Ey %EC %Od %OH %_H %-m %^a %#Z %10A %010d %+",
    "%",
    "x%Q%E%5Y",
    "\u00e9%Z\u00fc %Y\u2192",
    "a\x00b %Y",
    "%1500Y",
    "%5000Y",
]

# (default_time_format, default_msec_format) with datefmt None
DEFAULTS = [
    ("%Y-%m-%dT%H:%M:%S", "%s.%03d"),
    ("%Y-%m-%d %H:%M:%S", None),
    ("%Y-%m-%d %H:%M:%S", ""),
    ("%H:%M:%S", "%s.%03dZ"),
    ("%H:%M:%S", "%s,%06.2f"),
    ("%H:%M:%S", "%s %r"),
    ("%H:%M:%S", "%-12s|%+8.3e|"),
    ("%H:%M:%S", "%.5s %g"),
    ("%H:%M:%S", "%s %#x"),
    ("%Y", "%d %s"),
    ("", "%s,%03d"),
    ("%H:%M:%S", "%s"),
    ("%H:%M:%S", "%s%%%i%%"),
    ("%H:%M:%S", "%(x)s %d"),
    ("%H:%M:%S\u00e9", "%-9s|%5d"),
]

# msec formats exercised with a literal time string: `fmt % ("T\u00e9", msecs)`
PCT_FORMATS = [
    "%s|%d", "%s|%i", "%s|%u", "%s|%5d", "%s|%-5d|", "%s|%05d", "%s|%+d", "%s| %d", "%s|%.4d",
    "%s|%08.4d", "%s|%-+8.4d|", "%s|%f", "%s|%.0f", "%s|%#.0f", "%s|%10.3f|", "%s|%-+10.2f|",
    "%s|% 011.4f", "%s|%e", "%s|%.2E", "%s|%#.0e", "%s|%g", "%s|%G", "%s|%.3g", "%s|%#g",
    "%s|%#.3g", "%s|%.0g", "%s|%.17g", "%s|%F", "%s|%s", "%s|%r", "%s|%a", "%s|%12r|", "%s|%-12s|",
    "%s|%.3s|", "%s|%012s", "%-6s|%d", "%6.1s|%d", "%05s|%d", "%+s|%d", "% s|%d", "%.0s|%d",
    "%ls|%hd|", "%%%s%%|%d%%", "%s|%Lf",
    # errors
    "%s|%x", "%s|%o", "%s|%c", "%d|%s", "%s", "%s|%d|%d", "%s|%5%", "%s|%", "%s|%*d", "%s|%.*f",
    "%s|%(k)d", "%s|%y",
]
PCT_FLOATS = [
    0.0, -0.0, 999.9999999999999, 123.456, -500.0, -0.5, 9.5367431640625e-05, 2.5, 1e16,
    5e-324, 1.7976931348623157e308, 0.125,
]
# created values beyond what an i64 of nanoseconds can hold (e.g. 2**40 s), and odd ones
FAR_CREATED = [
    2.0**40, 2.0**40 + 0.5, -(2.0**35) + 0.25, 1e11 + 0.999, 2.0**53, -0.5, 0.0, -1e-9,
    1700000000.9999999, 253402300799.0, 253402300800.0, -62135596800.0, 9.2e18, 1e19,
]


def build_configs():
    configs = []
    for d in DATEFMTS:
        for utc in (0, 1):
            configs.append((utc, d, "%Y-%m-%d %H:%M:%S", "%s,%03d"))
    for dtf, dmf in DEFAULTS:
        for utc in (0, 1):
            configs.append((utc, None, dtf, dmf))
    pct_first = len(configs)
    for f in PCT_FORMATS:
        configs.append((1, None, "T\u00e9", f))
    return configs, pct_first


def build_ts():
    ts = [0, 1, -1, 999_999, 1_000_000, 999_999_999, NS, NS + 1, -999_999_999, -NS, -NS - 1,
          -1_500_000_000, -86_400 * NS - 1, I64_MAX, I64_MAX - 1, -(2**63) + NS, 2**53, 2**62,
          2**62 + NS, 8_589_934_592 * NS, 4_611_686_019 * NS, 9_000_000_000 * NS]
    bases = [1_677_903_920, 1_677_793_338, 1_700_000_000, 1_711_846_799, 1_711_846_800,
             1_729_990_799, 1_729_990_800, 2_147_483_647, 4_102_444_800, 946_684_799, 86_399,
             951_782_400, 1_000_000_000, 9_000_000_000, -1_000_000]
    offsets = [0, 1, 100, 500_000, 999_999, 1_000_000, 99_999_999, 100_000_000, 123_456_789,
               500_000_000, 999_000_000, 999_499_999, 999_500_000, 999_999_000, 999_999_499,
               999_999_500, 999_999_900, 999_999_999]
    for b in bases:
        for o in offsets:
            ts.append(b * NS + o)
    rng = random.Random(20240601)
    subs = offsets + [rng.randrange(NS) for _ in range(8)]
    for i in range(1200):
        k = i % 5
        if k == 0:
            t = rng.randrange(0, 2**62)
        elif k == 1:
            t = rng.randrange(1_600_000_000, 1_800_000_000) * NS + rng.choice(subs)
        elif k == 2:
            t = rng.randrange(1_600_000_000 * NS, 1_800_000_000 * NS)
        elif k == 3:
            t = -rng.randrange(0, 2**62)
        else:
            t = rng.randrange(2**62, I64_MAX)
        ts.append(t)
    out, seen = [], set()
    for t in ts:
        if t not in seen and -(2**63) <= t <= I64_MAX:
            seen.add(t)
            out.append(t)
    return out


STARTS = [0, 1_700_000_000_123_456_789, -7, 2**62 + 12_345, 1_677_903_920_000_000_000]


def build_spec():
    configs, pct_first = build_configs()
    ts = build_ts()
    # cross product: a few clusters of same-second instants, every config, in order
    cross = [1_700_000_000 * NS + o for o in (0, 1, 500_000_000, 999_999_999)] + \
            [1_711_846_799 * NS + 999_999_999, 1_711_846_800 * NS, 1_729_990_799 * NS + 500_000_000,
             1_729_990_800 * NS + 500_000_000, -1_500_000_000, 4_611_686_019 * NS]
    sparse = [cid for cid, c in enumerate(configs) if c[1] == "%1500Y"]
    return {"configs": configs, "pct_first": pct_first, "ts": ts, "starts": STARTS, "cross": cross,
            "sparse": sparse,
            "pct_floats": PCT_FLOATS, "far_created": FAR_CREATED}


# ---------------------------------------------------------------------------------------------
# child

def fhex(x):
    return struct.pack(">d", x).hex()


def shex(s):
    return "-" if s is None else "x" + s.encode("utf-8", "surrogatepass").hex()


def child(tz, primary):
    import logging
    import time

    spec = json.load(sys.stdin)
    ns_start = isinstance(logging._startTime, int)
    if not ns_start:
        from _testcapi import PyTime_AsSecondsDouble as as_seconds_double
    real_time, real_time_ns = time.time, time.time_ns

    def record_at(ns, start_ns):
        logging._startTime = start_ns if ns_start else as_seconds_double(start_ns)
        time.time_ns = lambda: ns
        time.time = (lambda: float(ns)) if ns_start else (lambda: as_seconds_double(ns))
        try:
            return logging.LogRecord("n", logging.INFO, __file__, 1, "m", (), None)
        finally:
            time.time, time.time_ns = real_time, real_time_ns

    formatters = []
    for utc, datefmt, dtf, dmf in spec["configs"]:
        f = logging.Formatter(datefmt=datefmt)
        f.default_time_format = dtf
        f.default_msec_format = dmf
        if utc:
            f.converter = time.gmtime
        formatters.append(f)

    def fmt_time(cid, rec):
        f = formatters[cid]
        try:
            return shex(f.formatTime(rec, f.datefmt))
        except Exception as e:  # noqa: BLE001 - the exception type is the expected result
            return "!" + type(e).__name__

    out = []
    w = out.append
    w("V %s %s" % (sys.version.split()[0], tz))
    configs, pct_first = spec["configs"], spec["pct_first"]
    ts, starts = spec["ts"], spec["starts"]
    # configs with a huge result (%1500Y) only get a couple of lines
    dense = [c for c in range(pct_first) if c not in spec["sparse"]]
    if primary:
        for i, t in enumerate(ts):
            s = starts[i % len(starts)]
            r = record_at(t, s)
            w("F %d %d %s %s %s" % (t, s, fhex(r.created), fhex(r.msecs), fhex(r.relativeCreated)))
    # one config per instant, rotating (the UTC run takes every 4th instant)
    step = 1 if primary else 4
    for i in range(0, len(ts), step):
        t = ts[i]
        cid = dense[(i // step) % len(dense)]
        w("T %d %d %s" % (cid, t, fmt_time(cid, record_at(t, 0))))
    # every time config on a few same-second clusters
    cross = spec["cross"] if primary else spec["cross"][:4]
    for cid in range(pct_first):
        for t in (cross if cid in dense else cross[:2] if primary else []):
            w("T %d %d %s" % (cid, t, fmt_time(cid, record_at(t, 0))))
    if primary:
        rec = record_at(1_700_000_000 * NS, 0)
        for cid in range(pct_first, len(configs)):
            for x in spec["pct_floats"]:
                rec.created, rec.msecs = 0.0, x
                w("R %d %s %s %s" % (cid, fhex(0.0), fhex(x), fmt_time(cid, rec)))
        for cid in range(0, 12):
            for c in spec["far_created"]:
                rec.created, rec.msecs = c, 123.0
                w("R %d %s %s %s" % (cid, fhex(c), fhex(123.0), fmt_time(cid, rec)))
    sys.stdout.write("\n".join(out) + "\n")


# ---------------------------------------------------------------------------------------------
# driver

def driver():
    spec = build_spec()
    payload = json.dumps(spec)
    lines = [
        "# CPython logging time-field vectors: LogRecord.created/msecs/relativeCreated and",
        "# Formatter.formatTime, per interpreter and TZ. Generated by gen_pytime.py; regenerate with",
        "#   python3 engine/tests/vectors/gen_pytime.py",
        "# (needs the pyenv interpreters listed in the script). Format: see the script's docstring.",
    ]
    for cid, (utc, datefmt, dtf, dmf) in enumerate(spec["configs"]):
        lines.append("C %d %d %s %s %s" % (cid, utc, shex(datefmt), shex(dtf), shex(dmf)))
    for interp in INTERPRETERS:
        exe = os.path.expanduser(interp)
        for k, tz in enumerate(TIME_ZONES):
            env = dict(os.environ, TZ=tz, LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8",
                       PYTHONHASHSEED="0")
            args = [exe, os.path.abspath(__file__), "--child", tz, "1" if k == 0 else "0"]
            res = subprocess.run(args, input=payload.encode(), stdout=subprocess.PIPE, env=env,
                                 check=True)
            lines.extend(res.stdout.decode().splitlines())
            print("%s TZ=%s: %d lines" % (interp, tz, len(res.stdout.splitlines())), file=sys.stderr)
    with open(OUT, "w", encoding="ascii", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    print("wrote %s (%d bytes)" % (OUT, os.path.getsize(OUT)), file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3] == "1")
    else:
        driver()
