"""A demo that logs through attologging, used exactly like the stdlib.

Four threads log to a file (the native route: each call is captured into
the engine's ring and formatted on its consumer thread) and, at WARNING and
above, to stderr. Run: python examples/demo.py
"""
import os
import sys
import tempfile
import threading
import time

import attologging as logging

path = os.path.join(tempfile.mkdtemp(prefix="attologging-demo-"), "demo.log")
logging.basicConfig(
    filename=path, level=logging.DEBUG,
    format="%(asctime)s %(levelname)-8s [%(threadName)s] %(name)s: %(message)s")
console = logging.StreamHandler(sys.stderr)
console.setLevel(logging.WARNING)
logging.getLogger().addHandler(console)
log = logging.getLogger("demo")


def worker(n):
    for i in range(3):
        log.info("worker %d: step %d of %d took %.3f s", n, i + 1, 3, 0.25 * (i + 1))
    log.debug("worker %d done", n)


threads = [threading.Thread(target=worker, args=(n,), name="worker-%d" % n) for n in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
log.warning("all %d workers finished", len(threads))

# A quick look at the cost of a call on the native route.
file_only = logging.getLogger("demo.bench")
file_only.propagate = False
file_only.addHandler(logging.root.handlers[0])
n = 100_000
start = time.perf_counter()
for i in range(n):
    file_only.info("user %s did %d things in %.3f s", "alice", i, 0.5)
per_call = (time.perf_counter() - start) / n * 1e9

logging.shutdown()  # drains the engine: everything is in the file now
with open(path) as f:
    lines = f.read().splitlines()
print("\n".join(line for line in lines if "demo.bench" not in line))
print("... %d records in %s; %.0f ns per native-route call"
      % (len(lines), path, per_call))
