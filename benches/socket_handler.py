"""Network handler cost per logging call: attologging against the stdlib.

    python benches/socket_handler.py [--n 50000] [--repeats 5] [--tls]

Each measurement runs in a fresh process: a receiver process listens on
loopback (the stdlib's receiver pattern: 4-byte length, then a pickle for
``SocketHandler`` or a MessagePack map for ``MessagePackHandler``), the
logging process sends *n* records and times the calls, then ``close()``
(which returns once queued frames are sent), and the receiver's count and
messages are checked: a run that lost or reordered records fails.  Prints
the medians and the ratios within this run, per record: ``calls`` (what
the logging thread spends in the calls) and ``with_close`` (until every
frame left).

The senders:
- ``logging``: the stdlib's ``handlers.SocketHandler``;
- ``attologging``: attologging's ``SocketHandler`` (same API and frames);
- ``attologging-msgpack``: attologging's ``MessagePackHandler``.

With ``--tls`` the receiver speaks TLS (the test certificates in
tests/certs): the two SocketHandlers wrap their socket in Python's ``ssl``
(a ``makeSocket`` override, the usual way to ship stdlib logs over TLS,
which keeps attologging's on the stdlib's send path), and
``MessagePackHandler(tls=True)`` encrypts on the consumer thread.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

RECEIVER = r'''
import logging, pickle, socket, ssl, struct, sys
kind, certs = sys.argv[1], sys.argv[2]
srv = socket.create_server(('127.0.0.1', 0))
print(srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
if certs:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs + '/server.pem', certs + '/server.key')
    # No TLS 1.3 session tickets: the stdlib's handler never reads them, so
    # its close() (with unread bytes) sends a reset, which makes this end
    # drop the records still unread (about 5% of a 2,000-record run).
    ctx.num_tickets = 0
    conn = ctx.wrap_socket(conn, server_side=True)
if kind == 'msgpack':
    import msgpack
    message = lambda frame: msgpack.unpackb(frame)['message']
else:
    message = lambda frame: logging.makeLogRecord(pickle.loads(frame)).getMessage()
# Everything is read first and checked after the sender closed: a receiver
# that decodes as it reads would be the slowest part, and the handlers
# would be timed waiting for it.
chunks = []
while True:
    data = conn.recv(1 << 20)
    if not data:
        break
    chunks.append(data)
buf, pos, count, ordered = b''.join(chunks), 0, 0, True
while pos + 4 <= len(buf):
    end = pos + 4 + struct.unpack('>L', buf[pos:pos + 4])[0]
    msg = message(buf[pos + 4:end])
    ordered = ordered and end <= len(buf) and msg == 'request %d served in %.3f ms' % (count, count / 7)
    count, pos = count + 1, end
print(count, ordered and pos == len(buf), flush=True)
'''

SENDER = r'''
import ssl, sys, time
impl, port, n, certs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
if impl.startswith('attologging'):
    import attologging as logging, attologging.handlers
else:
    import logging, logging.handlers
if impl == 'attologging-msgpack':
    tls = dict(tls=True, cafile=certs + '/ca.pem') if certs else {}
    h = logging.handlers.MessagePackHandler('localhost', port, **tls)
elif certs:
    class TlsSocketHandler(logging.handlers.SocketHandler):
        def makeSocket(self, timeout=1):
            ctx = ssl.create_default_context(cafile=certs + '/ca.pem')
            raw = logging.handlers.SocketHandler.makeSocket(self, timeout)
            return ctx.wrap_socket(raw, server_hostname='localhost')
    h = TlsSocketHandler('localhost', port)
else:
    h = logging.handlers.SocketHandler('localhost', port)
log = logging.getLogger('bench')
log.propagate = False
log.addHandler(h)
log.setLevel(logging.INFO)
t0 = time.perf_counter_ns()
for i in range(n):
    log.info('request %d served in %.3f ms', i, i / 7)
t1 = time.perf_counter_ns()
h.close()
t2 = time.perf_counter_ns()
print((t1 - t0) / n, (t2 - t0) / n)
'''

CERTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     'tests', 'certs')


def once(impl, n, tls):
    certs = CERTS if tls else ''
    kind = 'msgpack' if impl.endswith('msgpack') else 'pickle'
    rx = subprocess.Popen([sys.executable, '-c', RECEIVER, kind, certs],
                          stdout=subprocess.PIPE, text=True)
    port = rx.stdout.readline().strip()
    out = subprocess.run([sys.executable, '-c', SENDER, impl, port, str(n), certs],
                         capture_output=True, text=True, check=True)
    count, ordered = rx.communicate(timeout=120)[0].split()
    if int(count) != n or ordered != 'True':
        raise SystemExit('%s: the receiver got %s of %d records (in order: %s)'
                         % (impl, count, n, ordered))
    calls, total = out.stdout.split()
    return float(calls), float(total)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--n', type=int, default=50_000)
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--tls', action='store_true')
    a = p.parse_args()
    impls = ('logging', 'attologging', 'attologging-msgpack')
    runs = {impl: [] for impl in impls}
    for _ in range(a.repeats):
        for impl in impls:   # interleaved, so that load hits all alike
            runs[impl].append(once(impl, a.n, a.tls))
    result = {'n': a.n, 'repeats': a.repeats, 'tls': a.tls}
    for i, what in enumerate(('calls', 'with_close')):
        med = {impl: statistics.median(r[i] for r in v) for impl, v in runs.items()}
        result[what] = {'ns_per_record': {k: [r[i] for r in v] for k, v in runs.items()},
                        'median_ns': med,
                        'stdlib_over': {impl: med['logging'] / med[impl] for impl in impls[1:]}}
    print(json.dumps(result, indent=1))


if __name__ == '__main__':
    main()
