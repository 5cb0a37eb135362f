"""The benchmark harness (benches/workload.py) checks outputs; keep it honest.

No timing is asserted here: the point is that a run of every scenario on a
small N produces verified output for attologging and the stdlib, and that
the verification rejects output that is wrong.
"""
import json
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "benches"))
import workload  # noqa: E402

SCENARIOS = sorted(workload.SCENARIOS)


def run(impl, scenario, mode="throughput", n=2000):
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benches", "workload.py"), impl, scenario, mode,
         "--n", str(n), "--timeout", "120"],
        capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_attologging_output_is_verified_and_same_as_stdlib(scenario):
    ours, theirs = run("attologging", scenario), run("logging", scenario)
    if "unavailable" in ours:
        pytest.skip(ours["unavailable"])
    assert ours["verified"], ours["errors"]
    assert theirs["verified"], theirs["errors"]
    assert ours["first_lines"] == theirs["first_lines"]
    assert ours["shapes"] == theirs["shapes"]


def test_latency_mode_reports_percentiles():
    r = run("attologging", "info_args", "latency")
    assert r["verified"], r["errors"]
    assert 0 < r["p50_ns"] <= r["p99_ns"] <= r["p999_ns"] <= r["max_ns"]
    assert r["timer_ns"] > 0


def write_and_verify(tmp_path, lines, scenario="info_args", n=3):
    scen = workload.scenario(scenario)
    path = tmp_path / "bench.log"
    path.write_text("".join(line + "\n" for line in lines))
    return workload.verify(str(path), scen, n, time.time() - 60, time.time() + 60)


def good_lines(n=3):
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime()) + ",123"
    return ["%s INFO bench user alice did %d things in 0.500 s" % (stamp, i)
            for i in range(-workload.WARMUP, n)]


def test_verification_accepts_the_right_output(tmp_path):
    assert write_and_verify(tmp_path, good_lines())["verified"]


@pytest.mark.parametrize("corrupt", ["drop", "duplicate", "misformat", "reorder", "level"])
def test_verification_rejects_wrong_output(tmp_path, corrupt):
    lines = good_lines()
    if corrupt == "drop":
        del lines[-1]
    elif corrupt == "duplicate":
        lines.append(lines[-1])
    elif corrupt == "misformat":
        lines[-1] = lines[-1].replace("0.500", "0.5")
    elif corrupt == "reorder":
        lines[-1], lines[-2] = lines[-2], lines[-1]
    elif corrupt == "level":
        lines[-1] = lines[-1].replace(" INFO ", " WARNING ")
    assert not write_and_verify(tmp_path, lines)["verified"]
