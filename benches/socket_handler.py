"""SocketHandler cost per logging call: attologging against the stdlib.

    python benches/socket_handler.py [--n 50000] [--repeats 5]

Each measurement runs in a fresh process: a receiver process (the stdlib's
receiver pattern: 4-byte length, pickle, ``makeLogRecord``) listens on
loopback, the logging process sends *n* records through
``handlers.SocketHandler`` and times the calls (``close()`` included, so
that queued frames count), and the receiver's count and last message are
checked: a run that lost or reordered records fails.  Prints the medians
and the ratio within this run.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

RECEIVER = r'''
import logging, pickle, socket, struct, sys
srv = socket.create_server(('127.0.0.1', 0))
print(srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
count, ordered = 0, True
f = conn.makefile('rb')
while True:
    head = f.read(4)
    if len(head) < 4:
        break
    rec = logging.makeLogRecord(pickle.loads(f.read(struct.unpack('>L', head)[0])))
    ordered = ordered and rec.args is None and rec.msg == 'request %d served in %.3f ms' % (count, count / 7)
    count += 1
print(count, ordered, flush=True)
'''

SENDER = r'''
import sys, time
impl, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if impl == 'attologging':
    import attologging as logging, attologging.handlers
else:
    import logging, logging.handlers
h = logging.handlers.SocketHandler('127.0.0.1', port)
log = logging.getLogger('bench')
log.propagate = False
log.addHandler(h)
log.setLevel(logging.INFO)
t0 = time.perf_counter_ns()
for i in range(n):
    log.info('request %d served in %.3f ms', i, i / 7)
h.close()
t1 = time.perf_counter_ns()
print((t1 - t0) / n)
'''


def once(impl, n):
    rx = subprocess.Popen([sys.executable, '-c', RECEIVER],
                          stdout=subprocess.PIPE, text=True)
    port = rx.stdout.readline().strip()
    out = subprocess.run([sys.executable, '-c', SENDER, impl, port, str(n)],
                         capture_output=True, text=True, check=True)
    count, ordered = rx.communicate(timeout=120)[0].split()
    if int(count) != n or ordered != 'True':
        raise SystemExit('%s: the receiver got %s of %d records (in order: %s)'
                         % (impl, count, n, ordered))
    return float(out.stdout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--n', type=int, default=50_000)
    p.add_argument('--repeats', type=int, default=5)
    a = p.parse_args()
    impls = ('logging', 'attologging')
    runs = {impl: [] for impl in impls}
    for _ in range(a.repeats):
        for impl in impls:   # interleaved, so that load hits both alike
            runs[impl].append(once(impl, a.n))
    med = {impl: statistics.median(v) for impl, v in runs.items()}
    print(json.dumps({'n': a.n, 'repeats': a.repeats, 'ns_per_call': runs,
                      'median_ns': med,
                      'stdlib_over_attologging':
                          med['logging'] / med['attologging']}, indent=1))


if __name__ == '__main__':
    main()
