"""Quick caller-cost check of the native route (the full harness is issue 4).

    python benches/quick_native.py attologging
    python benches/quick_native.py logging

Logs 200,000 x `logger.info("user %s did %d things in %.3f s", name, i, 0.5)`
to a FileHandler with "%(asctime)s %(levelname)s %(name)s %(message)s",
then the same number of disabled `debug()` calls, then the same expression
on a C no-op method (`attologging._native.Floor().info`), three times, in
one process; prints ns per call and checks that every record is in the file.
"""
import importlib
import os
import sys
import tempfile
import time

from attologging._native import Floor

N = 200_000
mod = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else 'attologging')
path = os.path.join(tempfile.mkdtemp(), 'bench.log')
handler = mod.FileHandler(path)
handler.setFormatter(mod.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
logger = mod.getLogger("bench")
logger.setLevel(mod.INFO)
logger.addHandler(handler)
logger.propagate = False
floor = Floor()


def per_call(target, method):
    call = getattr(target, method)
    name = "alice"
    start = time.perf_counter_ns()
    for i in range(N):
        call("user %s did %d things in %.3f s", name, i, 0.5)
    return (time.perf_counter_ns() - start) / N


for _ in range(3):
    print("%s: info %.0f ns, disabled debug %.0f ns, floor %.0f ns"
          % (mod.__name__, per_call(logger, 'info'), per_call(logger, 'debug'),
             per_call(floor, 'info')))
handler.close()
with open(path) as f:
    lines = f.read().splitlines()
assert len(lines) == 3 * N, len(lines)
assert all(line.endswith(" INFO bench user alice did %d things in 0.500 s" % (i % N))
           for i, line in enumerate(lines))
print("all %d records present and correct" % len(lines))
