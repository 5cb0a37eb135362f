"""SocketHandler of ``attologging.handlers``: the stdlib's class whose
frames are sent by the engine's consumer thread.

Most tests are differential: the same records go through the stdlib's
handler and attologging's, each to its own receiver (socket_fixtures.py),
and what the receivers got is compared; the fork scenario runs in a fresh
interpreter.
"""

import logging
import logging.handlers
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

import attologging
import attologging.handlers as ah

from socket_fixtures import (  # noqa: F401 (fixtures)
    PYTHON_DIR,
    StreamReceiver,
    Unpicklable,
    generated_cases,
    log_cases,
    loggers,
    sockdir,
    stable,
    stream_receiver,
    transports,
    wait_for)


# --- SocketHandler -----------------------------------------------------------

@pytest.mark.parametrize('transport', ['tcp', 'unix'])
def test_socket_records_equal_stdlib(transport, loggers, sockdir):
    where_s, args_s = transports(sockdir, transport, 'std')
    where_a, args_a = transports(sockdir, transport, 'atto')
    std_recv = stream_receiver(transport, where_s)
    atto_recv = stream_receiver(transport, where_a)
    std_h = logging.handlers.SocketHandler(*args_s)
    atto_h = ah.SocketHandler(*args_a)
    log, std_log = loggers(atto_h, std_h)
    cases = generated_cases()
    assert len(cases) >= 24
    try:
        log_cases((std_log, log), cases)
        # The worker thread: threadName/thread travel too.
        t = threading.Thread(target=log_cases, name='w\u00f6rker',
                             args=((std_log, log), cases[:3]))
        t.start()
        t.join(10)
        n = len(cases) + 3
        wait_for(lambda: len(atto_recv.frames) >= n and len(std_recv.frames) >= n,
                 'all frames')
    finally:
        std_recv.stop()
        atto_recv.stop()
    assert not std_recv.errors and not atto_recv.errors
    std, atto = std_recv.dicts(), atto_recv.dicts()
    assert len(std) == len(atto) == n
    for s, a in zip(std, atto):
        assert stable(a) == stable(s)
        assert set(a) == set(s)
        assert abs(a['created'] - s['created']) < 5
    assert atto[-1]['threadName'] == 'w\u00f6rker'
    exc, stack = atto[len(cases) - 3], atto[len(cases) - 2]
    assert 'ValueError: bad value' in exc['exc_text']
    assert 'KeyError' in exc['exc_text'] and exc['exc_info'] is None
    assert stack['stack_info'].startswith('Stack (most recent call last):')
    # One connection each, everything delivered.
    assert set(c for c, _ in atto_recv.frames) == {0}
    attologging._runtime.flush()
    assert atto_h._peer.counts()['lost'] == 0


@pytest.mark.parametrize('transport', ['tcp', 'unix'])
def test_socket_sends_exactly_the_makePickle_bytes(transport, loggers, sockdir):
    where, args = transports(sockdir, transport)
    recv = stream_receiver(transport, where)
    made = []

    class Remember(ah.SocketHandler):
        def makePickle(self, record):
            s = ah.SocketHandler.makePickle(self, record)
            made.append(s)
            return s

    h = Remember(*args)
    log, _ = loggers(h)
    try:
        log_cases((log,), generated_cases())
        total = sum(map(len, made))
        wait_for(lambda: len(recv.data()) >= total, 'all bytes')
    finally:
        recv.stop()
    assert len(made) == len(generated_cases())
    assert recv.data() == b''.join(made)
    attologging._runtime.flush()
    assert h._peer.counts()['written'] == len(made)   # sent by the engine


def test_many_records_arrive_complete_and_in_order(loggers):
    recv = StreamReceiver()
    h = ah.SocketHandler('127.0.0.1', recv.address[1])
    log, _ = loggers(h)
    n = 20000
    try:
        for i in range(n):
            log.info('record %d', i)
        wait_for(lambda: len(recv.frames) >= n, 'all records', timeout=60)
    finally:
        recv.stop()
    assert not recv.errors
    assert recv.msgs() == ['record %d' % i for i in range(n)]
    assert set(c for c, _ in recv.frames) == {0}
    attologging._runtime.flush()
    counts = h._peer.counts()
    assert counts['lost'] == 0 and counts['written'] == n, counts


@pytest.mark.parametrize('transport', ['tcp', 'unix'])
def test_no_server_then_server_starts(transport, loggers, sockdir, capsys):
    """Connection attempts follow the stdlib's schedule exactly; unlike the
    stdlib's, records logged while there is no connection are kept and sent
    on the next connection."""
    where_s, args_s = transports(sockdir, transport, 'std')
    where_a, args_a = transports(sockdir, transport, 'atto')
    std_h = logging.handlers.SocketHandler(*args_s)
    atto_h = ah.SocketHandler(*args_a)
    for h in (std_h, atto_h):
        h.retryStart, h.retryFactor, h.retryMax = 0.4, 2.0, 0.6
    log, std_log = loggers(atto_h, std_h)
    receivers = []
    try:
        t0 = time.time()
        for lg in (std_log, log):
            lg.info('down 0')
        for h in (std_h, atto_h):
            assert h.sock is None
            assert h.retryTime > time.time()
            assert t0 + 0.4 <= h.retryTime <= time.time() + 0.4
            assert h.retryPeriod == 0.4
        first_retry = atto_h.retryTime
        for i in range(1, 5):                # before retryTime: no attempt
            for lg in (std_log, log):
                lg.info('down %d', i)
        assert atto_h.retryTime == first_retry and std_h.retryTime is not None
        wait_for(lambda: time.time() > max(std_h.retryTime, atto_h.retryTime),
                 'the retry time')
        for lg in (std_log, log):
            lg.info('down 5')                # attempted again: fails
        for h in (std_h, atto_h):
            assert h.sock is None and h.retryPeriod == 0.6   # capped
            assert h.retryTime > first_retry
        receivers = [stream_receiver(transport, where_s),
                     stream_receiver(transport, where_a)]
        assert std_h.sock is None and atto_h.sock is None
        wait_for(lambda: time.time() > max(std_h.retryTime, atto_h.retryTime),
                 'the retry time')
        for lg in (std_log, log):
            lg.info('up 6')
        for h in (std_h, atto_h):
            assert h.sock is not None and h.retryTime is None
        std_recv, atto_recv = receivers
        wait_for(lambda: len(atto_recv.frames) >= 7 and std_recv.frames,
                 'the records')
        attologging._runtime.flush()
        assert atto_h._peer.counts()['lost'] == 0
    finally:
        for r in receivers:
            r.stop()
    # The stdlib drops what it could not send; attologging kept it.
    assert std_recv.msgs() == ['up 6']
    assert atto_recv.msgs() == ['down %d' % i for i in range(6)] + ['up 6']
    assert capsys.readouterr().err == ''     # handleError was never called


def _restart_scenario(transport, loggers, sockdir):
    where, args = transports(sockdir, transport)
    r1 = stream_receiver(transport, where)
    h = ah.SocketHandler(*args)
    h.retryStart, h.retryMax = 0.02, 0.1
    log, _ = loggers(h)
    seq = [0]

    def say(what):
        log.info('%s %d', what, seq[0])
        seq[0] += 1
    for _ in range(50):
        say('before')
    r2 = None
    try:
        wait_for(lambda: len(r1.frames) == 50, 'the first receiver')
        first_sock = h.sock
        r1.stop()
        if transport == 'unix':
            os.unlink(where)
        for _ in range(50):                  # logged while it is down
            say('down')
            time.sleep(0.002)
        r2 = stream_receiver(transport, where)

        def progress():                      # the handler reconnects on a call
            say('again')
            return len(r2.frames) > 0
        wait_for(progress, 'the new receiver')
        assert h.sock is not first_sock
        last = seq[0]
        for _ in range(20):
            say('after')
        wait_for(lambda: len(r2.frames) >= seq[0] - 50, 'records after restart')
    finally:
        r1.stop()
        if r2 is not None:
            r2.stop()
    assert not r1.errors and not r2.errors
    first = [int(m.split()[1]) for m in r1.msgs()]
    second = [int(m.split()[1]) for m in r2.msgs()]
    return first, second, last, seq[0], h


@pytest.mark.parametrize('transport', ['tcp', 'unix'])
def test_restarted_server_gets_buffered_and_later_records(transport, loggers,
                                                          sockdir):
    first, second, last, total, h = _restart_scenario(transport, loggers, sockdir)
    assert first == list(range(50))
    # Increasing within each connection, nothing received twice (nothing was
    # in flight: the first receiver had read everything when it died), and
    # nothing logged after the kill is missing.
    assert second == sorted(set(second))
    assert not set(first) & set(second)
    assert set(second) == set(range(50, total)), sorted(
        set(range(50, total)) - set(second))
    assert second[-20:] == list(range(last, total))
    attologging._runtime.flush()
    assert h._peer.counts()['lost'] == 0


@pytest.mark.parametrize('transport', ['tcp', 'unix'])
def test_server_killed_mid_stream(transport, loggers, sockdir):
    """The receiver dies with frames unread: what was in the kernel's
    buffers then is gone (as with the stdlib), the rest -- and everything
    logged after the kill -- arrives once, in order, at the new one."""
    where, args = transports(sockdir, transport)
    r1 = stream_receiver(transport, where)
    h = ah.SocketHandler(*args)
    h.retryStart, h.retryMax = 0.02, 0.1
    log, _ = loggers(h)
    seq = [0]

    def say():
        log.info('%d %s', seq[0], 'p' * 500)
        seq[0] += 1
    r2 = None
    try:
        for _ in range(2000):
            say()                            # r1 is still reading these
        first_sock = h.sock
        r1.stop()
        if transport == 'unix':
            os.unlink(where)
        killed = seq[0]
        noticed = None
        for _ in range(100):
            say()
            if noticed is None and h.sock is not first_sock:
                noticed = seq[0] - 1         # the call that reconnected
            time.sleep(0.002)
        assert noticed is not None, 'the broken connection went unnoticed'
        r2 = stream_receiver(transport, where)

        def progress():
            say()
            return len(r2.frames) > 0
        wait_for(progress, 'the new receiver')
        total = seq[0]
        wait_for(lambda: r2.frames and r2.msgs()[-1].startswith('%d ' % (total - 1)),
                 'the last record')
    finally:
        r1.stop()
        if r2 is not None:
            r2.stop()
    assert all(e[1] == 'partial frame' for e in r1.errors)   # cut by the kill
    assert not r2.errors
    first = [int(m.split()[0]) for m in r1.msgs()]
    second = [int(m.split()[0]) for m in r2.msgs()]
    assert first == list(range(len(first)))
    assert second and second == list(range(second[0], total))
    assert second[0] >= len(first)           # nothing twice
    assert second[0] <= killed <= noticed    # nothing logged after the kill lost
    attologging._runtime.flush()
    assert h._peer.counts()['lost'] == 0


def test_receiver_that_never_reads_does_not_block(loggers):
    recv = StreamReceiver(read=False)
    h = ah.SocketHandler('127.0.0.1', recv.address[1])
    log, _ = loggers(h)
    n, pad = 20000, 'x' * 2000
    try:
        log.info('%05d %s', -1, 'hello')
        wait_for(lambda: recv.conns, 'the connection')

        def burst():
            for i in range(n):
                log.info('%05d %s', i, pad)
        t = threading.Thread(target=burst)
        t.start()
        t.join(10)
        assert not t.is_alive(), 'the logging calls blocked'
        attologging._runtime.flush()
        lost = h._peer.counts()['lost']
        assert lost > 0                      # ~40 MB > 16 MiB + socket buffers
        recv.reading.set()
        wait_for(lambda: len(recv.frames) >= n + 1 - lost, 'the backlog',
                 timeout=60)
        attologging._runtime.flush()
        assert h._peer.counts()['lost'] == lost
        time.sleep(0.1)
        assert len(recv.frames) == n + 1 - lost
    finally:
        recv.stop()
    assert not recv.errors
    seqs = [int(m.split()[0]) for m in recv.msgs()]
    assert seqs[:2] == [-1, 0] and seqs == sorted(set(seqs))


def test_counters_count_each_record_once(loggers):
    recv = StreamReceiver(read=False)
    h = ah.SocketHandler('127.0.0.1', recv.address[1])
    log, _ = loggers(h)
    n, pad = 20000, 'x' * 2000
    try:
        log.info('first')
        wait_for(lambda: recv.conns, 'the connection')
        for i in range(n):
            log.info('%05d %s', i, pad)
        attologging._runtime.flush()
        peer = h._peer
        sink = peer._state[1]
        assert peer.counts()['lost'] > 0
        h.close()                            # what is still buffered is lost
        counts = attologging._runtime.engine().sink_counts(sink)
    finally:
        recv.stop()
    assert counts['written'] + counts['lost'] == n + 1, counts


def test_makeSocket_returning_a_subclass_takes_the_stdlib_path(loggers):
    recv = StreamReceiver()
    calls = []

    class Sock(socket.socket):
        def sendall(self, data, *args):
            calls.append(bytes(data))
            return socket.socket.sendall(self, data, *args)

    class Custom(ah.SocketHandler):
        def makeSocket(self, timeout=1):
            s = Sock(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(timeout)
            s.connect(self.address)
            return s

    class Plain(ah.SocketHandler):
        def makeSocket(self, timeout=1):
            return socket.create_connection(self.address, timeout=timeout)

    custom = Custom('127.0.0.1', recv.address[1])
    plain = Plain('127.0.0.1', recv.address[1])
    keep = []
    custom.makePickle = lambda r: keep.append(
        ah.SocketHandler.makePickle(custom, r)) or keep[-1]
    log, _ = loggers(custom)
    log2, _ = loggers(plain)
    try:
        for i in range(5):
            log.info('custom %d', i)
        log2.info('plain')
        assert calls == keep and len(calls) == 5   # sent in the calling thread
        assert type(custom.sock) is Sock
        wait_for(lambda: len(recv.frames) >= 6, 'the records')
    finally:
        recv.stop()
    by_conn = recv.by_conn()
    assert sorted(by_conn.values()) == [['custom %d' % i for i in range(5)],
                                        ['plain']]
    attologging._runtime.flush()
    assert plain._peer.counts()['written'] == 1    # the engine sent this one
    assert custom._peer.counts() is None or custom._peer.counts()['written'] == 0


def _error_lines(text):
    return [l for l in text.splitlines()
            if l.startswith(('--- Logging error', 'TypeError', 'Message:',
                             'Arguments:'))]


def test_closeOnError_and_handleError_as_stdlib(loggers, capsys):
    receivers = [StreamReceiver(), StreamReceiver()]
    std_h = logging.handlers.SocketHandler('127.0.0.1', receivers[0].address[1])
    atto_h = ah.SocketHandler('127.0.0.1', receivers[1].address[1])
    log, std_log = loggers(atto_h, std_h)
    pairs = ((std_log, std_h, receivers[0]), (log, atto_h, receivers[1]))
    try:
        for lg, h, recv in pairs:
            h.closeOnError = True
            lg.info('one')
            wait_for(lambda: len(recv.frames) == 1, 'the first record')
            lg.info('bad %s', 'x', extra={'obj': Unpicklable()})
            assert h.sock is None            # closed silently
        assert capsys.readouterr().err == ''
        for lg, h, recv in pairs:
            lg.info('two')                   # connects again
            assert h.sock is not None
            wait_for(lambda: len(recv.frames) == 2 and 0 in recv.ended,
                     'the record on a new connection, the old one closed')
            h.closeOnError = False
            sock = h.sock
            lg.info('bad %s', 'y', extra={'obj': Unpicklable()})
            assert h.sock is sock            # reported, socket kept
        err = capsys.readouterr().err
        lg.info('three')
        std_log.info('three')
        wait_for(lambda: all(len(r.frames) == 3 for r in receivers), 'three')
    finally:
        for r in receivers:
            r.stop()
    assert receivers[0].by_conn() == receivers[1].by_conn() == {
        0: ['one'], 1: ['two', 'three']}
    lines = _error_lines(err)
    assert lines.count('--- Logging error ---') == 2
    assert lines == 2 * ['--- Logging error ---', 'TypeError: no pickling for you',
                         "Message: 'bad %s'", "Arguments: ('y',)"]


def test_close_then_log_again_reconnects(loggers):
    receivers = [StreamReceiver(), StreamReceiver()]
    std_h = logging.handlers.SocketHandler('127.0.0.1', receivers[0].address[1])
    atto_h = ah.SocketHandler('127.0.0.1', receivers[1].address[1])
    log, std_log = loggers(atto_h, std_h)
    try:
        for i in range(3):
            for lg in (std_log, log):
                lg.info('before %d', i)
        for h in (std_h, atto_h):
            h.close()                         # what was logged is sent first
            assert h.sock is None
        wait_for(lambda: 0 in receivers[1].ended and 0 in receivers[0].ended,
                 'the first connection to close')
        assert receivers[1].by_conn() == {0: ['before %d' % i for i in range(3)]}
        for lg in (std_log, log):
            lg.info('after close')
        for h in (std_h, atto_h):
            assert h.sock is not None
        wait_for(lambda: all(len(r.frames) == 4 for r in receivers), 'after close')
    finally:
        for r in receivers:
            r.stop()
    assert receivers[0].by_conn() == receivers[1].by_conn() == {
        0: ['before 0', 'before 1', 'before 2'], 1: ['after close']}


# --- fork --------------------------------------------------------------------

FORK = r'''
import os, sys, attologging
from attologging.handlers import SocketHandler
mode = sys.argv[2]
log = attologging.getLogger('fork'); log.propagate = False; log.setLevel(1)
h = SocketHandler('127.0.0.1', int(sys.argv[1]))
log.addHandler(h)
log.info('parent before')
attologging._runtime.flush()
pid = os.fork()
if pid == 0:
    for i in range(200):
        log.info('child %d', i)
    if mode == 'shutdown':
        attologging.shutdown()
    os._exit(0)
_, status = os.waitpid(pid, 0)
log.info('parent after')
print(pid, os.getpid(), status, flush=True)
'''


@pytest.mark.parametrize('mode', ['exit', 'shutdown'])
def test_fork_child_logs_through_inherited_handler(mode):
    recv = StreamReceiver()
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR + os.pathsep
               + os.environ.get('PYTHONPATH', ''))
    try:
        proc = subprocess.run([sys.executable, '-c', FORK, str(recv.address[1]),
                               mode], capture_output=True, text=True,
                              timeout=60, env=env)
        assert proc.returncode == 0, proc.stderr
        child, parent, status = map(int, proc.stdout.split())
        assert status == 0
        wait_for(lambda: len(recv.frames) >= 202, 'all records')
    finally:
        recv.stop()
    assert not recv.errors
    dicts = recv.dicts()
    # One connection (the child writes on the parent's inherited socket).
    assert set(c for c, _ in recv.frames) == {0}
    assert [d['msg'] for d in dicts] == \
        ['parent before'] + ['child %d' % i for i in range(200)] + ['parent after']
    assert [d['process'] for d in dicts] == [parent] + [child] * 200 + [parent]
    assert 'records lost' not in proc.stderr and 'Logging error' not in proc.stderr
