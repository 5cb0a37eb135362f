"""A demo that logs through the attologging engine.

Four threads log to stdout and to a file through one engine; the consumer
thread formats every record exactly as logging.Formatter would and writes
them in batches, in time order. Run: python examples/demo.py
"""
import os
import sys
import tempfile
import threading

from attologging import _native

engine = _native.Engine()
stdout = engine.add_stream_sink(sys.stdout.fileno())
path = os.path.join(tempfile.mkdtemp(prefix="attologging-demo-"), "demo.log")
logfile = engine.add_file_sink(path)
fmt = engine.add_formatter("%(asctime)s %(levelname)-8s %(name)s: %(message)s")
route = engine.add_route("demo", [(stdout, fmt, 20, "\n"), (logfile, fmt, 0, "\n")])

sys.stdout.flush()  # the engine writes to the fd directly: keep print() output first
engine.log(route, 20, "attologging %s: logging from %d threads", _native.__version__, 4)


def worker(n):
    for i in range(3):
        engine.log(route, 20, "worker %d: step %d of %d took %.3f s", n, i + 1, 3, 0.25 * (i + 1))
    engine.log(route, 10, "worker %d done (debug: file only)", n)


threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
engine.flush()

with open(path) as f:
    lines = f.read().splitlines()
print(f"{len(lines)} records in {path} (stdout shows the {len(lines) - 4} at INFO and above)")
print("counts:", engine.sink_counts(logfile))
engine.shutdown()
