"""One benchmark measurement in one fresh process; prints one JSON object.

    python benches/workload.py IMPL SCENARIO MODE [--n N] [--out-dir DIR]
                               [--timeout SECONDS]

IMPL      attologging | logging | picologging | floor
SCENARIO  one of SCENARIOS below (disabled_debug, info_plain, info_args, ...)
MODE      throughput | latency

The implementation is imported as a module ``mod`` and configured through
its ``logging`` API only, identically for all of them: ``mod.getLogger
("bench")``, ``setLevel(mod.INFO)``, a handler with ``mod.Formatter(fmt,
datefmt)``, ``addHandler``, ``propagate = False``.  ``floor`` is a C no-op
object (``attologging._native.Floor``): the same timed loop runs with it in
place of the logger, which measures the interpreter's own cost of the call
expression (for ``exception`` that includes raising and catching).

Each run first logs WARMUP records (i = -1000 .. -1, same logger, counted
in the verification), then N timed records (i = 0 .. N-1; ``exception``
uses N // 10, ``threads_T`` N // T per thread, each with its own name):

- throughput: one plain ``for i in range(N)`` loop; ``caller_ns`` is the
  caller-side cost per call, ``e2e_ms`` runs to the end of
  ``handler.close()`` (attologging drains its queue there), CPU time is
  ``getrusage(RUSAGE_SELF)`` (all threads, including attologging's
  consumer thread).  ``threads_T``: T threads start on a barrier; the wall
  time runs from the barrier release to the last join.
- latency: every call timed alone with ``perf_counter_ns``; the
  percentiles INCLUDE the timer's own cost, reported as ``timer_ns`` (the
  median of the same measurement with nothing between the two reads).
  The thread scenarios are throughput-only (latency reports unavailable).

After close, the whole output is read back and every record is checked
(full line shape, interpolation, each expected i exactly once and in order
per thread, timestamps inside the run's wall window, the pid).  The first 5
records and the distinct record "shapes" (volatile parts and i masked) are
reported so that compare.py can diff them against the stdlib's.  An
implementation that cannot run a scenario (no picologging wheel, no
RotatingFileHandler) prints {"unavailable": reason}.  --timeout is a
deadlock watchdog: all stacks to stderr, then exit 1.
"""
import argparse
import collections
import faulthandler
import importlib
import json
import math
import os
import platform
import re
import resource
import shutil
import sys
import tempfile
import threading
import time
from array import array
from time import perf_counter_ns

WARMUP = 1000
BASE_FMT = "%(asctime)s %(levelname)s %(name)s %(message)s"
RICH_FMT = ("%(asctime)s %(levelname)-8s [%(process)d:%(threadName)s] "
            "%(name)s %(module)s:%(lineno)d %(funcName)s - %(message)s")
SHORT_FMT = "%(asctime)s %(levelname)s %(message)s"
ISO_DATEFMT = "%Y-%m-%dT%H:%M:%S"

# Scenario definitions: handler kind, format, datefmt, call, thread count,
# N divisor.  Defaults are filled in by scenario().
SCENARIOS = {
    "disabled_debug": {"call": "debug_args"},
    "info_plain": {"call": "info_plain"},
    "info_args": {},
    "rich_format": {"fmt": RICH_FMT},
    "datefmt": {"fmt": SHORT_FMT, "datefmt": ISO_DATEFMT},
    "exception": {"call": "exception", "n_div": 10},
    "stream_handler": {"handler": "stream"},
    "threads_1": {"threads": 1},
    "threads_2": {"threads": 2},
    "threads_4": {"threads": 4},
    "rotating": {"handler": "rotating"},
}
DEFAULTS = {"handler": "file", "fmt": BASE_FMT, "datefmt": None,
            "call": "info_args", "threads": 0, "n_div": 1}
IMPLS = ("attologging", "logging", "picologging", "floor")
MODES = ("throughput", "latency")


def scenario(name):
    return dict(DEFAULTS, name=name, **SCENARIOS[name])


class Unavailable(Exception):
    """This implementation cannot run this scenario (reported, not failed)."""


# --- the code that raises, for the exception scenario ----------------------

def _raise_bad_value(i):
    raise ValueError("bad value %d" % i)


def fail(i):
    _raise_bad_value(i)


# --- timed loops: one pair (throughput, latency) per call expression -------
# `logger` is the configured logger, or the Floor object for the floor.

def loop_debug_args(logger, rng, name):
    for i in rng:
        logger.debug("user %s did %d things in %.3f s", name, i, 0.5)


def loop_info_plain(logger, rng, name):
    for i in rng:
        logger.info("request handled")


def loop_info_args(logger, rng, name):
    for i in rng:
        logger.info("user %s did %d things in %.3f s", name, i, 0.5)


def loop_exception(logger, rng, name):
    for i in rng:
        try:
            fail(i)
        except ValueError:
            logger.exception("request %d failed", i)


def lat_debug_args(logger, rng, name, samples):
    now = perf_counter_ns
    for i in rng:
        a = now()
        logger.debug("user %s did %d things in %.3f s", name, i, 0.5)
        b = now()
        samples[i] = b - a


def lat_info_plain(logger, rng, name, samples):
    now = perf_counter_ns
    for i in rng:
        a = now()
        logger.info("request handled")
        b = now()
        samples[i] = b - a


def lat_info_args(logger, rng, name, samples):
    now = perf_counter_ns
    for i in rng:
        a = now()
        logger.info("user %s did %d things in %.3f s", name, i, 0.5)
        b = now()
        samples[i] = b - a


def lat_exception(logger, rng, name, samples):
    now = perf_counter_ns
    for i in rng:
        a = now()
        try:
            fail(i)
        except ValueError:
            logger.exception("request %d failed", i)
        b = now()
        samples[i] = b - a


def lat_timer(rng, samples):
    now = perf_counter_ns
    for i in rng:
        a = now()
        b = now()
        samples[i] = b - a


LOOPS = {
    "debug_args": (loop_debug_args, lat_debug_args),
    "info_plain": (loop_info_plain, lat_info_plain),
    "info_args": (loop_info_args, lat_info_args),
    "exception": (loop_exception, lat_exception),
}

# --- expected output --------------------------------------------------------

ASCTIME_RE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
ISO_RE = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"
RECORD_START = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")
ARGS_MSG_RE = r"user (?P<name>\w+) did (?P<i>-?\d+) things in 0\.500 s"
MESSAGE_RE = {
    "debug_args": ARGS_MSG_RE,
    "info_args": ARGS_MSG_RE,
    "info_plain": r"request handled",
    "exception": (r"request (?P<i>-?\d+) failed\n"
                  r"Traceback \(most recent call last\):\n"
                  r"(?:  .*\n)+"
                  r"ValueError: bad value (?P=i)"),
}
LEVEL = {"debug_args": "DEBUG", "info_args": "INFO", "info_plain": "INFO",
         "exception": "ERROR"}
MASKS = [(re.compile(ASCTIME_RE), "<TIME>"), (re.compile(ISO_RE), "<TIME>"),
         (re.compile(r"\[\d+:"), "[<PID>:")]
I_MASKS = [(re.compile(r"did -?\d+ things"), "did <I> things"),
           (re.compile(r"request -?\d+ failed"), "request <I> failed"),
           (re.compile(r"bad value -?\d+"), "bad value <I>")]


def record_regex(scen):
    """The full expected text of one record, volatile parts as groups."""
    level = LEVEL[scen["call"]]
    heads = {
        BASE_FMT: r"(?P<time>%s) %s bench " % (ASCTIME_RE, level),
        RICH_FMT: (r"(?P<time>%s) %-8s \[(?P<pid>\d+):MainThread\] "
                   r"bench workload:\d+ \w+ - " % (ASCTIME_RE, level)),
        SHORT_FMT: r"(?P<time>%s) %s " % (ISO_RE if scen["datefmt"]
                                           else ASCTIME_RE, level),
    }
    return re.compile(heads[scen["fmt"]] + MESSAGE_RE[scen["call"]] + r"\Z")


def expected_records(scen, n):
    """{name: [i, ...] in the order each thread logs them}."""
    if scen["call"] == "debug_args":
        return {}
    expected = {"alice": list(range(-WARMUP, 0))}
    if scen["threads"]:
        per = n // scen["threads"]
        for k in range(scen["threads"]):
            expected["t%d" % k] = list(range(per))
    else:
        expected["alice"] += list(range(n))
    return expected


def mask(text, masks=MASKS):
    for pattern, repl in masks:
        text = pattern.sub(repl, text)
    return text


# --- reading the output back and checking it --------------------------------

def output_files(path, handler_kind):
    """The files written, oldest first (rotation: path.K ... path.1, path)."""
    if handler_kind != "rotating":
        return [path]
    backups = []
    k = 1
    while os.path.exists("%s.%d" % (path, k)):
        backups.append("%s.%d" % (path, k))
        k += 1
    return backups[::-1] + [path]


def split_records(text, errors):
    """Records start with a timestamp; other lines continue the record."""
    records, orphans = [], []
    if text and not text.endswith("\n"):
        errors.append("the output does not end with a newline")
    lines = text.split("\n") if text else []
    for line in lines[:-1] if text.endswith("\n") else lines:
        if RECORD_START.match(line):
            records.append(line)
        elif records:
            records[-1] += "\n" + line
        else:
            orphans.append(line)
    if orphans:
        errors.append("%d lines before the first record, first: %r"
                      % (len(orphans), orphans[0][:200]))
    return records


class TimeWindow:
    """Checks a record's timestamp (local time, second resolution)."""

    def __init__(self, wall0, wall1):
        self.lo, self.hi = int(wall0) - 2, wall1 + 2
        self.cache = {}

    def ok(self, stamp):
        key = stamp[:19].replace("T", " ")
        if key not in self.cache:
            tm = time.strptime(key, "%Y-%m-%d %H:%M:%S")
            self.cache[key] = self.lo <= time.mktime(tm) <= self.hi
        return self.cache[key]


def check_records(records, scen, n, window):
    """Returns a list of problems (empty = correct)."""
    errors = []
    regex = record_regex(scen)
    seen = collections.defaultdict(list)
    bad_shape = bad_time = bad_pid = 0
    for rec in records:
        m = regex.match(rec)
        if m is None:
            bad_shape += 1
            if bad_shape <= 3:
                errors.append("unexpected record: %r" % rec[:400])
            continue
        groups = m.groupdict()
        if not window.ok(groups["time"]):
            bad_time += 1
        if groups.get("pid") not in (None, str(os.getpid())):
            bad_pid += 1
        i = groups.get("i")
        seen[groups.get("name", "alice")].append(int(i) if i else None)
    if bad_shape:
        errors.append("%d records with the wrong shape" % bad_shape)
    if bad_time:
        errors.append("%d timestamps outside the run's wall window" % bad_time)
    if bad_pid:
        errors.append("%d records with a wrong %%(process)d" % bad_pid)
    errors += compare_sequences(seen, expected_records(scen, n), scen)
    return errors


def compare_sequences(seen, expected, scen):
    if scen["call"] == "info_plain":   # no i in the message: count only
        got, want = len(seen.get("alice", [])), len(expected["alice"])
        return [] if got == want else ["%d records, expected %d" % (got, want)]
    errors = []
    for name in sorted(set(seen) | set(expected)):
        got, want = seen.get(name, []), expected.get(name, [])
        if got == want:
            continue
        g, w = collections.Counter(got), collections.Counter(want)
        missing, extra = sum((w - g).values()), sum((g - w).values())
        if missing or extra:
            errors.append("%s: %d records missing%s, %d unexpected or "
                          "duplicated%s" % (name, missing, examples(w - g),
                                             extra, examples(g - w)))
        else:
            pos = next(k for k, (a, b) in enumerate(zip(got, want)) if a != b)
            errors.append("%s: all records present but out of order from "
                          "position %d" % (name, pos))
    return errors


def examples(counter):
    return " (e.g. i = %s)" % sorted(counter)[:5] if counter else ""


def verify(path, scen, n, wall0, wall1):
    files = output_files(path, scen["handler"])
    text = ""
    for f in files:
        with open(f, encoding="utf-8", errors="replace", newline="") as fh:
            text += fh.read()
    errors = []
    if scen["call"] == "debug_args" and text:
        errors.append("disabled debug() wrote %d bytes: %r" % (len(text),
                                                               text[:200]))
    records = split_records(text, errors)
    errors += check_records(records, scen, n, TimeWindow(wall0, wall1))
    shapes = sorted({mask(mask(r), I_MASKS) for r in records})
    return {"verified": not errors, "errors": errors[:8],
            "records_found": len(records), "files": len(files),
            "first_lines": [mask(r) for r in (records or
                                              text.splitlines())[:5]],
            "shapes": shapes[:20], "n_shapes": len(shapes)}


# --- setup -------------------------------------------------------------------

def import_impl(impl):
    if impl == "picologging":
        try:
            return importlib.import_module("picologging")
        except ImportError:
            raise Unavailable("picologging has no wheel for Python %d.%d"
                              % sys.version_info[:2])
    return importlib.import_module(impl)


def impl_version(impl):
    if impl == "logging":
        return "stdlib " + platform.python_version()
    try:
        from importlib.metadata import version
        return version(impl if impl != "floor" else "attologging")
    except Exception:
        return None


def make_handler(mod, scen, path):
    """Returns (handler, extra file object to close afterwards or None)."""
    if scen["handler"] == "file":
        return mod.FileHandler(path), None
    if scen["handler"] == "stream":
        f = open(path, "w")
        return mod.StreamHandler(f), f
    handlers = importlib.import_module(mod.__name__ + ".handlers")
    cls = getattr(handlers, "RotatingFileHandler", None)
    if cls is None:
        raise Unavailable("%s.handlers has no RotatingFileHandler"
                          % mod.__name__)
    return cls(path, maxBytes=1_000_000, backupCount=1000), None


def configure(mod, scen, path):
    """Returns (logger, close function)."""
    handler, stream = make_handler(mod, scen, path)
    handler.setFormatter(mod.Formatter(scen["fmt"], scen["datefmt"]))
    logger = mod.getLogger("bench")
    logger.setLevel(mod.INFO)
    logger.addHandler(handler)
    logger.propagate = False

    def close():
        handler.close()
        if stream is not None:
            stream.close()
    return logger, close


# --- measurement -------------------------------------------------------------

def cpu_ns():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return int((ru.ru_utime + ru.ru_stime) * 1e9)


def run_threads(loop, target, n, nthreads):
    """Returns the wall ns from the barrier release to the last join."""
    barrier = threading.Barrier(nthreads + 1)
    per = n // nthreads

    def work(k):
        name = "t%d" % k
        barrier.wait()
        loop(target, range(per), name)
    threads = [threading.Thread(target=work, args=(k,), name="worker-%d" % k)
               for k in range(nthreads)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = perf_counter_ns()
    for t in threads:
        t.join()
    return t0, perf_counter_ns()


def measure_throughput(target, scen, n, close):
    loop = LOOPS[scen["call"]][0]
    loop(target, range(-WARMUP, 0), "alice")
    cpu0 = cpu_ns()
    if scen["threads"]:
        n = n // scen["threads"] * scen["threads"]
        t0, t1 = run_threads(loop, target, n, scen["threads"])
    else:
        t0 = perf_counter_ns()
        loop(target, range(n), "alice")
        t1 = perf_counter_ns()
    close()
    t2 = perf_counter_ns()
    cpu2 = cpu_ns()
    return {"n": n, "caller_ns": (t1 - t0) / n, "e2e_ms": (t2 - t0) / 1e6,
            "cpu_ns_per_record": (cpu2 - cpu0) / n,
            "calls_per_s": n * 1e9 / (t1 - t0),
            "e2e_records_per_s": n * 1e9 / (t2 - t0)}


def percentile(sorted_samples, q):
    """Nearest-rank percentile of an already sorted sequence."""
    k = max(0, min(len(sorted_samples) - 1,
                   math.ceil(q * len(sorted_samples)) - 1))
    return sorted_samples[k]


def measure_latency(target, scen, n, close):
    if scen["threads"]:
        raise Unavailable("thread scenarios are throughput-only")
    loop, lat = LOOPS[scen["call"]]
    loop(target, range(-WARMUP, 0), "alice")
    timer = array("q", bytes(8 * n))
    lat_timer(range(n), timer)
    samples = array("q", bytes(8 * n))
    lat(target, range(n), "alice", samples)
    close()
    s = sorted(samples)
    return {"n": n, "p50_ns": percentile(s, 0.50), "p99_ns": percentile(s, 0.99),
            "p999_ns": percentile(s, 0.999), "max_ns": s[-1],
            "mean_ns": sum(s) / n, "timer_ns": sorted(timer)[n // 2],
            "latency_includes_timer": True}


def run(impl, scen, mode, n, out_dir):
    n = max(1, n // scen["n_div"])
    measure = measure_throughput if mode == "throughput" else measure_latency
    if impl == "floor":
        from attologging._native import Floor
        result = measure(Floor(), scen, n, lambda: None)
        result["verified"] = None   # no output, nothing to check
        return result
    mod = import_impl(impl)
    tmp = tempfile.mkdtemp(prefix="bench-%s-%s-" % (impl, scen["name"]),
                           dir=out_dir)
    try:
        path = os.path.join(tmp, "bench.log")
        wall0 = time.time()
        logger, close = configure(mod, scen, path)
        result = measure(logger, scen, n, close)
        result.update(verify(path, scen, result["n"], wall0, time.time()))
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("impl", choices=IMPLS)
    p.add_argument("scenario", choices=sorted(SCENARIOS))
    p.add_argument("mode", choices=MODES)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--out-dir", default=tempfile.gettempdir())
    p.add_argument("--timeout", type=float, default=0,
                   help="dump all threads' stacks to stderr and exit 1 after "
                        "this many seconds (a deadlock watchdog); 0 = none")
    args = p.parse_args(argv)
    if args.timeout:
        faulthandler.dump_traceback_later(args.timeout, exit=True)
    head = {"impl": args.impl, "scenario": args.scenario, "mode": args.mode,
            "python": platform.python_version(),
            "impl_version": impl_version(args.impl), "warmup": WARMUP}
    try:
        head.update(run(args.impl, scenario(args.scenario), args.mode,
                        args.n, args.out_dir))
    except Unavailable as e:
        head["unavailable"] = str(e)
    print(json.dumps(head))


if __name__ == "__main__":
    main()
