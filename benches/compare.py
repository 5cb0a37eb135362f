"""Compare attologging, stdlib logging, picologging and a C no-op floor.

    python benches/compare.py [--repeats 5] [--n 100000] [--impls ...]
        [--scenarios ...] [--quick] [--criterion] [--no-write]

Each measurement is a fresh process (`benches/workload.py IMPL SCENARIO
MODE`), run in the order repeat -> scenario -> mode -> impl (the impl order
rotating with the repeat) so that machine noise spreads evenly.  Each run's
output is checked by the workload, and its first records and record shapes
are compared here with the stdlib's: a run failing either check is shown as
WRONG, never as fast.  A run that hangs is stopped by a watchdog and its
later repeats are skipped.  --quick = --n 10000 --repeats 2.

Writes (unless --no-write) benches/results/latest.json (every run, raw),
docs/benchmarks.png and the part of docs/benchmarks.md between
<!-- harness:begin --> and <!-- harness:end -->; progress goes to stderr,
the tables to stdout.  --criterion first runs `cargo bench -p
attologging-engine --bench engine`; criterion medians found under
target/criterion are summarised either way.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import workload  # noqa: E402  (scenario definitions only; imports no logger)

WORKLOAD = os.path.join(HERE, "workload.py")
RESULTS = os.path.join(HERE, "results", "latest.json")
PLOT = os.path.join(ROOT, "docs", "benchmarks.png")
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
BEGIN, END = "<!-- harness:begin -->", "<!-- harness:end -->"
IMPLS = ["floor", "attologging", "logging", "picologging"]
LABEL = {"floor": "floor", "attologging": "attologging",
         "logging": "stdlib logging", "picologging": "picologging"}
COLORS = {"floor": "#999999", "attologging": "#1f77b4", "logging": "#2ca02c",
          "picologging": "#ff7f0e"}
THREADS = ["threads_1", "threads_2", "threads_4"]
PCTS = [("p50_ns", "p50"), ("p99_ns", "p99"), ("p999_ns", "p99.9"),
        ("max_ns", "max")]


def modes_for(scenario):
    return ["throughput"] if scenario in THREADS else ["throughput", "latency"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, help="default 5 (--quick: 2)")
    p.add_argument("--n", type=int, help="default 100,000 (--quick: 10,000)")
    p.add_argument("--impls", nargs="+", default=IMPLS, choices=IMPLS)
    p.add_argument("--scenarios", nargs="+", default=list(workload.SCENARIOS),
                   choices=list(workload.SCENARIOS))
    p.add_argument("--quick", action="store_true",
                   help="n=10,000, repeats=2 (for development)")
    p.add_argument("--criterion", action="store_true",
                   help="run the engine's criterion benches first")
    p.add_argument("--no-write", action="store_true",
                   help="print the tables only; write no files")
    args = p.parse_args(argv)
    quick = {"n": 10_000, "repeats": 2} if args.quick else {}
    args.n = args.n or quick.get("n", 100_000)
    args.repeats = args.repeats or quick.get("repeats", 5)
    args.impls = [i for i in IMPLS if i in args.impls]   # floor first
    args.timeout = 30 + args.n / 2000
    return args


# --- running -----------------------------------------------------------------

def run_one(impl, scenario, mode, args, out_dir):
    cmd = [sys.executable, WORKLOAD, impl, scenario, mode, "--n", str(args.n),
           "--out-dir", out_dir, "--timeout", str(args.timeout)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           timeout=args.timeout + 30)
    except subprocess.TimeoutExpired:
        return {"error": "killed after %.0f s" % (args.timeout + 30),
                "hung": True}
    if p.returncode != 0 or not p.stdout.strip():
        hung = "Timeout (" in p.stderr
        what = ("hung: watchdog fired after %.0f s" % args.timeout if hung
                else "exit code %d" % p.returncode)
        return {"error": what, "stderr": p.stderr[-3000:], "hung": hung}
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except ValueError:
        return {"error": "no JSON on stdout", "stdout": p.stdout[-3000:]}


def describe(run):
    """One progress line's verdict for a run."""
    if "unavailable" in run:
        return "unavailable: " + run["unavailable"]
    if "error" in run:
        return "FAILED: " + run["error"]
    value = ("%.0f ns/call" % run["caller_ns"] if run["mode"] == "throughput"
             else "p50 %d ns, p99.9 %d ns" % (run["p50_ns"], run["p999_ns"]))
    if run.get("verified") is False:
        return value + "  WRONG: " + "; ".join(run["errors"][:2])
    return value + ("" if run.get("verified") is None else "  verified")


def run_all(args):
    out_dir = tempfile.mkdtemp(prefix="attologging-bench-")
    plan = [(r, s, m, args.impls[r % len(args.impls):] +
             args.impls[:r % len(args.impls)])
            for r in range(args.repeats) for s in args.scenarios
            for m in modes_for(s)]
    total, k, runs, hung = sum(len(p[3]) for p in plan), 0, [], set()
    try:
        for repeat, scenario, mode, impls in plan:
            for impl in impls:
                k += 1
                key = (impl, scenario, mode)
                if key in hung:
                    res = {"error": "skipped: hung in an earlier repeat"}
                else:
                    res = run_one(impl, scenario, mode, args, out_dir)
                    if res.get("hung"):
                        hung.add(key)
                run = dict(res, impl=impl, scenario=scenario, mode=mode,
                           repeat=repeat)
                runs.append(run)
                line = "[%d/%d] r%d %-15s %-10s %-12s %s" % (
                    k, total, repeat, scenario, mode, impl, describe(run))
                print(line[:200], file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    return runs


# --- output check against the stdlib ------------------------------------------

def first_difference(mine, ref):
    """(what, ours, stdlib's): the first line that differs, or None."""
    for key in ("first_lines", "shapes"):
        a, b = mine.get(key, []), ref.get(key, [])
        for k, (x, y) in enumerate(zip(a, b)):
            if x != y:
                xs, ys = x.split("\n"), y.split("\n") + ["(end of record)"]
                m = next(m for m, line in enumerate(xs + [None]) if
                         m >= len(xs) or line != ys[m])
                return ("%s differ from the stdlib's (record %d, line %d)"
                        % (key, k + 1, m + 1),
                        xs[m] if m < len(xs) else "(end of record)", ys[m])
        if len(a) != len(b):
            return ("%s differ from the stdlib's" % key, "%d entries" % len(a),
                    "%d entries" % len(b))
    return None


def mark_wrong(runs):
    """Sets run["wrong"] to a reason (or None) on every completed run."""
    refs = {}   # (scenario, mode) -> the first verified stdlib run
    for run in runs:
        if run["impl"] == "logging" and run.get("verified"):
            refs.setdefault((run["scenario"], run["mode"]), run)
    for run in runs:
        if "error" in run or "unavailable" in run or run["impl"] == "floor":
            continue
        ref = refs.get((run["scenario"], run["mode"]))
        diff = first_difference(run, ref) if ref and run is not ref else None
        run["wrong"] = None
        if run.get("verified") is False:
            run["wrong"] = "verification failed: " + "; ".join(run["errors"][:2])
        elif diff:
            run["wrong"] = diff[0]
        if diff:
            run["diff"] = {"ours": diff[1], "stdlib": diff[2]}


# --- aggregation ----------------------------------------------------------------

def med(xs):
    return statistics.median(xs) if xs else None


def spread(xs):
    q = statistics.quantiles(xs, n=4) if len(xs) > 1 else [xs[0]] * 3
    return {"min": min(xs), "max": max(xs), "q1": q[0], "q3": q[2]}


def ratios(runs, base_runs, key):
    """Per-repeat ratios run/base, for the repeats both have."""
    base = {r["repeat"]: r[key] for r in base_runs if r.get(key)}
    return [r[key] / base[r["repeat"]] for r in runs if r["repeat"] in base]


def cell_status(runs):
    """The completed runs of one (impl, scenario, mode), and what went wrong."""
    done = [r for r in runs if "error" not in r and "unavailable" not in r]
    status = {"runs": done,
              "wrong": sorted({r["wrong"] for r in done if r.get("wrong")})}
    if runs and not done:
        status["na"] = (runs[0].get("unavailable") or
                        "failed: " + runs[0].get("error", "?"))
    return status


def aggregate_cell(group, floor_runs):
    cell = {m: cell_status(group.get(m, [])) for m in ("throughput", "latency")}
    t, lat = cell["throughput"]["runs"], cell["latency"]["runs"]
    if t:
        caller = [r["caller_ns"] for r in t]
        cell.update(caller_ns=med(caller), spread=spread(caller),
                    x_floor=med(ratios(t, floor_runs, "caller_ns")))
        for key in ("e2e_ms", "cpu_ns_per_record", "calls_per_s",
                    "e2e_records_per_s"):
            cell[key] = med([r[key] for r in t])
    for key, _ in PCTS + [("timer_ns", "")]:
        cell[key] = med([r[key] for r in lat])
    return cell


def aggregate(runs, args):
    """{(impl, scenario): medians, spreads, ratios and the runs behind them}."""
    groups = {}
    for r in runs:
        groups.setdefault((r["impl"], r["scenario"]), {}).setdefault(
            r["mode"], []).append(r)
    agg = {}
    for s in args.scenarios:
        floor_runs = [r for r in groups.get(("floor", s), {}).get(
            "throughput", []) if "caller_ns" in r]
        for impl in args.impls:
            agg[(impl, s)] = aggregate_cell(groups.get((impl, s), {}),
                                            floor_runs)
    return agg


def runs_of(agg, impl, scenario, mode="throughput"):
    cell = agg.get((impl, scenario))
    return cell[mode]["runs"] if cell else []


def first_wrong(agg, impl, scenarios, mode="throughput"):
    """The first wrong-output reason among those cells, or None."""
    for s in scenarios:
        cell = agg.get((impl, s))
        if cell and cell[mode]["wrong"]:
            return cell[mode]["wrong"][0]
    return None


def ratio_of(agg, num_impl, den_impl, num_scenario, den_scenario, key):
    """Median of the per-repeat ratios num/den."""
    return med(ratios(runs_of(agg, num_impl, num_scenario),
                      runs_of(agg, den_impl, den_scenario), key))


# --- goals ---------------------------------------------------------------------

A, S = "attologging", "logging"
# (text, value(agg), target, higher is better, unit,
#  attologging cells whose output must be right, their mode)
GOALS = [
    ("1. attologging `info_args` caller ns vs floor",
     lambda g: g.get((A, "info_args"), {}).get("x_floor"), 5, False, "×",
     ["info_args"], "throughput"),
    ("2. attologging `disabled_debug` caller ns vs floor",
     lambda g: g.get((A, "disabled_debug"), {}).get("x_floor"), 1.5, False,
     "×", ["disabled_debug"], "throughput"),
    ("3. attologging `info_args` latency p99.9 (incl. timer)",
     lambda g: g.get((A, "info_args"), {}).get("p999_ns"), 2000, False, "ns",
     ["info_args"], "latency"),
    ("4. attologging records/s, threads_4 / threads_1",
     lambda g: ratio_of(g, A, A, "threads_4", "threads_1", "calls_per_s"),
     0.9, True, "×", ["threads_1", "threads_4"], "throughput"),
    ("5. `info_args` end-to-end ms, stdlib / attologging",
     lambda g: ratio_of(g, S, A, "info_args", "info_args", "e2e_ms"),
     25, True, "×", ["info_args"], "throughput"),
    ("6. `exception` caller ns, stdlib / attologging, output identical",
     lambda g: ratio_of(g, S, A, "exception", "exception", "caller_ns"),
     3, True, "×", ["exception"], "throughput"),
]


def fmt_num(value, unit):
    return "%.2f×" % value if unit == "×" else "{:,.0f} {}".format(value, unit)


def goal_rows(agg):
    rows = []
    for text, value_of, target, higher, unit, cells, mode in GOALS:
        want = ("≥ " if higher else "≤ ") + fmt_num(target, unit)
        value, wrong = value_of(agg), first_wrong(agg, A, cells, mode)
        if wrong:
            rows.append([text, "wrong output", want, "**missed** (%s)" % wrong])
            continue
        if value is None:
            rows.append([text, "n/a", want, "not measured"])
            continue
        off = (value - target) / target * 100
        met = off >= 0 if higher else off <= 0
        how = ("met, %.0f%% %s the target" % (abs(off), "above" if off >= 0
                                              else "below")
               if met else "**missed** by %.0f%%" % abs(off))
        rows.append([text, fmt_num(value, unit), want, how])
    return rows


# --- tables --------------------------------------------------------------------

def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def num(x, digits=0):
    if x is None:
        return "–"
    return "{:,.{}f}".format(x, digits if x < 100 else 0)


def guard(agg, impl, scenario, texts, mode="throughput"):
    """The cells' texts, struck out if the output was wrong; or n/a."""
    cell = agg[(impl, scenario)][mode]
    if not cell["runs"]:
        na = "n/a (%s)" % cell["na"][:70] if "na" in cell else "n/a"
        return [na] + ["–"] * (len(texts) - 1)
    if cell["wrong"]:
        return ["~~%s~~" % t for t in texts[:-1]] + [
            "~~%s~~ **wrong output**" % texts[-1]]
    return texts


def caller_cell(c):
    if c.get("caller_ns") is None:
        return ""
    return "%s (%s×) [%s–%s]" % (num(c["caller_ns"], 1), num(c["x_floor"], 1),
                                 num(c["spread"]["min"], 1),
                                 num(c["spread"]["max"], 1))


def caller_table(agg, args):
    rows = [["`%s`" % s] + [guard(agg, i, s, [caller_cell(agg[(i, s)])])[0]
                            for i in args.impls] for s in args.scenarios]
    return table(["scenario"] + ["%s ns (× floor) [min–max]" % LABEL[i]
                                 for i in args.impls], rows)


def per_impl_table(agg, args, columns, mode, with_floor):
    """Rows (scenario, impl); columns = [(header, key, digits)]."""
    rows = []
    for s in args.scenarios:
        if mode not in modes_for(s):
            continue
        for impl in args.impls:
            if impl == "floor" and not with_floor:
                continue
            c = agg[(impl, s)]
            vals = [num(c.get(key), digits) for _, key, digits in columns]
            rows.append(["`%s`" % s, LABEL[impl]] + guard(agg, impl, s, vals,
                                                          mode))
    return table(["scenario", "impl"] + [h for h, _, _ in columns], rows)


LATENCY_COLUMNS = [(n + " ns", k, 0) for k, n in PCTS] + [
    ("timer ns", "timer_ns", 0)]
E2E_COLUMNS = [("end-to-end ms", "e2e_ms", 1),
               ("CPU ns/record", "cpu_ns_per_record", 0),
               ("records/s end-to-end", "e2e_records_per_s", 0)]


def thread_table(agg, args):
    present = [s for s in THREADS if s in args.scenarios]
    if not present:
        return "(no thread scenarios run)"
    rows = []
    for impl in args.impls:
        row = [LABEL[impl]] + [guard(agg, impl, s, [num(agg[(impl, s)].get(
            "calls_per_s"))])[0] for s in present]
        ratio = ratio_of(agg, impl, impl, "threads_4", "threads_1",
                         "calls_per_s")
        text = num(ratio, 2) + ("×" if ratio else "")
        if first_wrong(agg, impl, ["threads_1", "threads_4"]):
            text = "~~%s~~" % text
        rows.append(row + [text])
    return table(["impl"] + ["%s records/s" % s for s in present]
                 + ["threads_4 / threads_1"], rows)


def printable(text, limit=300):
    """One line for markdown: newlines as ⏎, control characters escaped."""
    text = text[:limit].replace("\n", "⏎").replace("`", "'")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def problems(runs):
    """Markdown list: every (impl, scenario, mode) with wrong output or a
    failed run, with the first record that differs from the stdlib's."""
    seen, lines = set(), []
    for r in runs:
        key = (r["impl"], r["scenario"], r["mode"])
        what = r.get("wrong") or r.get("error")
        if not what or key in seen or what.startswith("skipped"):
            continue
        seen.add(key)
        lines.append("- %s `%s` (%s): %s" % (LABEL[r["impl"]], r["scenario"],
                                            r["mode"], printable(what, 200)))
        if "diff" in r:
            lines.append("  - %s: `%s`\n  - stdlib: `%s`" % (
                LABEL[r["impl"]], printable(r["diff"]["ours"]),
                printable(r["diff"]["stdlib"])))
    if not any(r["impl"] == "logging" and r.get("verified") for r in runs):
        lines.append("- no verified stdlib run: nothing was compared with "
                     "the stdlib's output")
    return "\n".join(lines) or ("Every run's output was complete and identical "
                                "to the stdlib's (timestamps, pid masked).")


# --- criterion (the Rust engine alone) -----------------------------------------

def run_criterion():
    cmd = ["cargo", "bench", "-p", "attologging-engine", "--bench", "engine"]
    print("running: " + " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, cwd=ROOT, stdout=sys.stderr, check=True)


def fmt_ns(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return "%.2f %s" % (ns / scale, unit)
    return "%.1f ns" % ns


def criterion_section(ran):
    """A table of criterion's medians (95% CI) under target/criterion."""
    base = os.path.join(ROOT, "target", "criterion")
    rows, newest = [], 0
    for path in sorted(glob.glob(os.path.join(base, "**", "new",
                                              "estimates.json"), recursive=True)):
        with open(path) as f:
            m = json.load(f)["median"]
        try:
            with open(os.path.join(os.path.dirname(path), "benchmark.json")) as f:
                elements = json.load(f)["throughput"]["Elements"]
        except (OSError, ValueError, KeyError, TypeError):
            elements = None
        newest = max(newest, os.path.getmtime(path))
        ci = m["confidence_interval"]
        rows.append(["`%s`" % os.path.relpath(os.path.dirname(
            os.path.dirname(path)), base), fmt_ns(m["point_estimate"]),
            fmt_ns(ci["lower_bound"]) + " – " + fmt_ns(ci["upper_bound"]),
            "%.2f M/s" % (elements / m["point_estimate"] * 1e3)
            if elements else ""])
    if not rows:
        return ("No criterion results under `target/criterion`: produce them "
                "with `cargo bench -p attologging-engine --bench engine` or "
                "`python benches/compare.py --criterion`.")
    note = ("run just now (`--criterion`)" if ran else
            "read from `target/criterion`, newest written %s UTC, %.1f h "
            "before this run (`--criterion` re-runs them)"
            % (utc(newest), (time.time() - newest) / 3600))
    return ("Criterion medians, %s:\n\n" % note + table(
        ["bench", "median", "95% CI", "elements/s"], rows))


# --- environment, plot, markdown ------------------------------------------------

def utc(ts=None):
    return datetime.datetime.fromtimestamp(
        ts or time.time(), datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f
                        if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True).stdout.strip()
    except OSError:
        return None


def environment(args):
    return {"command": "python benches/compare.py " + " ".join(sys.argv[1:]),
            "repeats": args.repeats, "n": args.n, "impls": args.impls,
            "scenarios": args.scenarios, "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(), "cpu": cpu_model(),
            "nproc": os.cpu_count(), "commit": commit(), "date": utc() + " UTC"}


def plot(agg, args, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    scen = list(reversed(args.scenarios))
    fig, ax = plt.subplots(figsize=(10, 5), dpi=120)
    h = 0.8 / len(args.impls)
    for k, impl in enumerate(args.impls):
        for j, s in enumerate(scen):
            c, y = agg[(impl, s)], j + 0.4 - (k + 0.5) * h
            if c.get("caller_ns") is None:
                ax.text(11, y, "%s: n/a (%s)" % (LABEL[impl], c["throughput"]
                                                 .get("na", "not run")[:60]),
                        va="center", fontsize=6, color=COLORS[impl])
                continue
            wrong = bool(c["throughput"]["wrong"])
            lo, hi = c["spread"]["min"], c["spread"]["max"]
            ax.barh(y, c["caller_ns"], h, color=COLORS[impl],
                    xerr=[[c["caller_ns"] - lo], [hi - c["caller_ns"]]],
                    hatch="////" if wrong else None, alpha=0.35 if wrong else 1,
                    error_kw={"elinewidth": 0.7, "capsize": 1.5})
            ax.text(hi * 1.08, y, num(c["caller_ns"]) + (
                " wrong output" if wrong else ""), va="center", fontsize=5.5,
                color="red" if wrong else "black")
    ax.set_xscale("log")
    ax.set_xlim(10, max(c.get("spread", {}).get("max", 10)
                        for c in agg.values()) * 4)
    ax.set_yticks(range(len(scen)), scen)
    ax.set_xlabel("ns per call in the calling thread, log scale (median of %d "
                  "fresh processes; whiskers: min–max)" % args.repeats)
    ax.set_title("Caller-side cost per logging call: N = %s, Python %s\n"
                 % (format(args.n, ","), platform.python_version()))
    ax.grid(axis="x", which="both", alpha=0.3)
    handles = [Patch(color=COLORS[i], label=LABEL[i]) for i in args.impls]
    handles.append(Patch(facecolor="white", edgecolor="gray", hatch="////",
                         label="wrong output"))
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0),
              ncol=len(handles), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def goals_note(env):
    """The goals are set for CPython 3.11 on this machine, N = 100,000."""
    notes = []
    if not env["python"].startswith("3.11."):
        notes.append("the goals are set for Python 3.11; this run used %s"
                     % env["python"])
    if env["n"] != 100_000:
        notes.append("goal 5 is set for N = 100,000; this run used N = %s"
                     % format(env["n"], ","))
    return "".join("Note: %s.\n" % n for n in notes) + ("\n" if notes else "")


def render_section(agg, runs, env, crit, args):
    e = env
    intro = [
        "Generated by `benches/compare.py` on %s, commit `%s`:" % (
            e["date"], e["commit"]), "",
        "```sh\n%s\n```" % e["command"], "",
        "%d repeats of N = %s calls (`exception`: N/10), every figure from a "
        "fresh process; %s %s on %s (%s), %d CPUs. Medians over the repeats; "
        "× floor = median of the per-repeat ratios to the floor's run of the "
        "same repeat. Struck-out figures come from runs whose output was "
        "wrong (missing, duplicated or misformatted records, or records that "
        "differ from the stdlib's); see *Output check*."
        % (e["repeats"], format(e["n"], ","), e["implementation"], e["python"],
           e["cpu"], e["platform"], e["nproc"]), "",
        "![Caller-side ns per call, log scale](benchmarks.png)"]
    sections = [
        ("Goals", goals_note(env) + table(
            ["goal", "measured", "target", "result"], goal_rows(agg))),
        ("Caller cost (ns per call in the calling thread)",
         caller_table(agg, args)),
        ("Latency per call (ns; includes the timer's own cost, shown as timer)",
         per_impl_table(agg, args, LATENCY_COLUMNS, "latency", True)),
        ("End to end (first call to handler.close() returning) and CPU time "
         "of all threads", per_impl_table(agg, args, E2E_COLUMNS, "throughput",
                                          False)),
        ("Thread scaling (records/s: N / wall time from the barrier release "
         "to the last join)", thread_table(agg, args)),
        ("Output check", problems(runs)),
        ("Engine alone (criterion)", crit),
    ]
    for title, body in sections:
        intro += ["", "### " + title, "", body]
    return "\n".join(intro) + "\n"


def update_markdown(path, section):
    """Replaces the text between the markers (or inserts them)."""
    with open(path) as f:
        text = f.read()
    block = BEGIN + "\n" + section + END
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = insert_after_heading(text, block)
    with open(path, "w") as f:
        f.write(text)


def insert_after_heading(text, block):
    """Puts block after the paragraph under '## Python comparison harness'."""
    lines = text.split("\n")
    if "## Python comparison harness" not in lines:
        return text.rstrip("\n") + "\n\n## Python comparison harness\n\n" \
            + block + "\n"
    k = lines.index("## Python comparison harness") + 1
    while k < len(lines) and not lines[k].strip():
        k += 1
    while k < len(lines) and lines[k].strip():
        k += 1
    return "\n".join(lines[:k] + ["", block] + lines[k:])


def main(argv=None):
    args = parse_args(argv)
    if args.criterion:
        run_criterion()
    env = environment(args)
    runs = run_all(args)
    mark_wrong(runs)
    agg = aggregate(runs, args)
    crit = criterion_section(args.criterion)
    section = render_section(agg, runs, env, crit, args)
    print(section)
    if args.no_write:
        return
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump({"environment": env, "runs": runs}, f, indent=1)
    plot(agg, args, PLOT)
    update_markdown(DOC, section)
    print("wrote %s, %s, %s" % tuple(os.path.relpath(p, ROOT)
                                     for p in (RESULTS, PLOT, DOC)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
