"""The engine from Python (attologging._native.Engine): records go through the
rings and the consumer thread, and come out formatted exactly as the stdlib's
logging.Formatter formats the same record."""
import logging
import os
import sys
import threading

import pytest

from attologging import _native


@pytest.fixture
def engine():
    e = _native.Engine()
    yield e
    e.shutdown()


def stdlib_format(fmt, name, level, msg, args, style="%"):
    record = logging.LogRecord(name, level, __file__, 1, msg, args, None)
    return logging.Formatter(fmt, style=style).format(record)


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


CASES = [
    ("%(levelname)s:%(name)s:%(message)s", "%s did %d things in %.3f s", ("alice", 3, 0.5)),
    ("%(name)-10s|%(levelno)5d|%(message)r", "plain message", ()),
    ("[%(levelname)8s] %(message)s", "%x %o %e %g %r %a", (255, 8, 12345.678, 1e-7, "é'", "é")),
    ("%(message)s", "%s %s %s %s %s", (None, True, b"by\x00tes", 2**70, -0.0)),
    ("%(message)s", "%5.1f%% of %-6s|%+d", (99.55, "disk", 7)),
    ("%(message)s", "unicode ✓ %s", ("snow ☃ and \U0001F600",)),
]


@pytest.mark.parametrize("fmt,msg,args", CASES)
def test_file_output_matches_stdlib_formatter(engine, tmp_path, fmt, msg, args):
    path = tmp_path / "out.log"
    sink = engine.add_file_sink(str(path))
    route = engine.add_route("app.sub", [(sink, engine.add_formatter(fmt), 0, "\n")])
    for level in (10, 20, 30, 40, 50):
        engine.log(route, level, msg, *args)
    engine.flush()
    expected = [stdlib_format(fmt, "app.sub", lvl, msg, args) for lvl in (10, 20, 30, 40, 50)]
    assert read_lines(path) == expected


@pytest.mark.parametrize("style,fmt", [("{", "{levelname:<8}|{name!r}|{message}"), ("$", "$levelname ${name}: $message")])
def test_other_styles_match_stdlib(engine, tmp_path, style, fmt):
    path = tmp_path / "out.log"
    sink = engine.add_file_sink(str(path))
    route = engine.add_route("styles", [(sink, engine.add_formatter(fmt, style), 0, "\n")])
    engine.log(route, 30, "value %d", 42)
    engine.flush()
    assert read_lines(path) == [stdlib_format(fmt, "styles", 30, "value %d", (42,), style)]


def test_objects_are_rendered_on_the_calling_thread(engine, tmp_path):
    class Mutable:
        def __init__(self):
            self.state = "before"

        def __str__(self):
            return f"<{self.state}>"

    obj = Mutable()
    path = tmp_path / "out.log"
    sink = engine.add_file_sink(str(path))
    route = engine.add_route("obj", [(sink, engine.add_formatter("%(message)s"), 0, "\n")])
    engine.log(route, 20, "obj=%s", obj)
    obj.state = "after"
    engine.flush()
    assert read_lines(path) == ["obj=<before>"]


def test_threads_lose_nothing_and_keep_order(engine, tmp_path):
    path = tmp_path / "out.log"
    sink = engine.add_file_sink(str(path))
    route = engine.add_route("t", [(sink, engine.add_formatter("%(message)s"), 0, "\n")])

    def work(t):
        for i in range(20_000):
            engine.log(route, 20, "%d %d", t, i)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.flush()
    seen = {t: -1 for t in range(4)}
    lines = read_lines(path)
    assert len(lines) == 80_000
    for line in lines:
        t, i = map(int, line.split())
        assert i == seen[t] + 1
        seen[t] = i
    assert engine.sink_counts(sink)["written"] == 80_000


def test_stream_sink_writes_to_the_fd(engine, tmp_path):
    path = tmp_path / "fd.log"
    with open(path, "wb") as f:
        sink = engine.add_stream_sink(f.fileno())
        route = engine.add_route("fd", [(sink, engine.add_formatter("%(levelname)s %(message)s"), 0, "\n")])
        engine.log(route, 40, "to %s", "fd")
        engine.flush()
        engine.close_sink(sink)  # never closes the caller's descriptor
        f.write(b"still open\n")
    assert read_lines(path) == ["ERROR to fd", "still open"]


def test_bad_input_gives_clear_errors(engine, tmp_path):
    with pytest.raises(ValueError):
        engine.add_formatter("%(message)s", "?")
    with pytest.raises(ValueError):
        _native.Engine(overflow="sometimes")
    with pytest.raises(OSError):
        engine.add_file_sink(str(tmp_path / "no" / "such" / "dir.log"))
    with pytest.raises(UnicodeEncodeError):
        engine.log(engine.add_route("x", []), 20, "lone \udc80 surrogate")


def test_drop_policy_counts(tmp_path):
    e = _native.Engine(ring_capacity=4096, overflow="drop")
    sink = e.add_file_sink(str(tmp_path / "d.log"))
    route = e.add_route("d", [(sink, e.add_formatter("%(message)s"), 0, "\n")])
    results = [e.log(route, 20, "record %d with some padding to fill the ring", i) for i in range(50_000)]
    e.flush()
    dropped = e.counts()["dropped"]
    assert results.count(False) == dropped
    assert e.sink_counts(sink)["written"] + dropped == 50_000
    e.shutdown()
    with pytest.raises(RuntimeError):
        e.log(route, 20, "after shutdown")


def test_demo_runs():
    import subprocess

    demo = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "demo.py")
    out = subprocess.run([sys.executable, demo], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 18
    assert sum("took" in line for line in lines) == 12
    assert sum(line.endswith(" done") for line in lines) == 4
    assert "... 100017 records in " in lines[-1]
    assert out.stderr == "all 4 workers finished\n"
