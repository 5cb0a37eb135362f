"""SocketHandler, DatagramHandler and SysLogHandler (default form) of
``attologging.handlers``: the stdlib's classes whose bytes are sent by the
engine's consumer thread.

Most tests are differential: the same records go through the stdlib's
handler (on a stdlib logger) and attologging's (on an attologging logger of
the same name), each to its own receiver, and what the receivers got is
compared.  Receivers run in threads of this process; the fork scenario runs
in a fresh interpreter.
"""

import logging
import logging.handlers
import os
import pickle
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import pytest

import attologging
import attologging.handlers as ah

PYTHON_DIR = os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), 'python')

# Fields of the unpickled record dicts that legitimately differ between the
# stdlib's record and attologging's for the same call: the clock is read
# once per record (created, and msecs derived from it), and relativeCreated
# is measured from each module's own import time (_startTime).  Everything
# else -- name, levels, msg/args, pathname/lineno/funcName (both calls are
# made from the same source line), thread/process ids and names, exc_text,
# stack_info, extra attributes -- must be equal.
VOLATILE = frozenset({'created', 'msecs', 'relativeCreated'})


def eventually(cond, timeout=15.0):
    """Poll *cond* until true (True) or *timeout* seconds passed (False)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def wait_for(cond, what, timeout=15.0):
    if not eventually(cond, timeout):
        raise AssertionError('timed out waiting for ' + what)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def unpickle(frame):
    """The record dict of one SocketHandler frame (4-byte length + pickle),
    as CPython's test receivers read it."""
    assert struct.unpack('>L', frame[:4])[0] == len(frame) - 4
    return pickle.loads(frame[4:])


def stable(d):
    return {k: v for k, v in d.items() if k not in VOLATILE}


class StreamReceiver(object):
    """Accepts connections (TCP on 127.0.0.1 or a Unix stream socket at
    *path*).  ``raw``: the bytes of each connection (by connection number);
    with *frames*, each connection is also split into SocketHandler frames
    (4-byte big-endian length, then that many bytes): ``frames`` holds
    (connection number, frame bytes incl. the length).  ``ended``: the
    connections whose peer closed.  Reading starts once ``reading`` is set."""

    def __init__(self, path=None, port=0, frames=True, read=True):
        family = socket.AF_UNIX if path else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if path:
            self.sock.bind(path)
            self.address = path
        else:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind(('127.0.0.1', port))
            self.address = self.sock.getsockname()
        self.sock.listen(16)
        self.parse = frames
        self.raw, self.frames, self.conns, self.ended = {}, [], [], set()
        self.errors, self.readers = [], []
        self.reading = threading.Event()
        if read:
            self.reading.set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            n = len(self.conns)
            self.raw[n] = bytearray()
            self.conns.append(conn)
            t = threading.Thread(target=self._read, args=(conn, n), daemon=True)
            t.start()
            self.readers.append(t)

    def _read(self, conn, n):
        self.reading.wait()
        buf = b''
        while True:
            try:
                data = conn.recv(1 << 16)
            except OSError:
                break
            if not data:
                break
            self.raw[n] += data
            if self.parse:
                buf += data
                pos = 0
                while len(buf) - pos >= 4:
                    end = pos + 4 + struct.unpack('>L', buf[pos:pos + 4])[0]
                    if end > len(buf):
                        break
                    self.frames.append((n, buf[pos:end]))
                    pos = end
                buf = buf[pos:]
        if buf:
            self.errors.append((n, 'partial frame', len(buf)))
        self.ended.add(n)

    def dicts(self):
        return [unpickle(f) for _, f in list(self.frames)]

    def msgs(self):
        return [d['msg'] for d in self.dicts()]

    def by_conn(self):
        out = {}
        for n, f in list(self.frames):
            out.setdefault(n, []).append(unpickle(f)['msg'])
        return out

    def data(self):
        return b''.join(bytes(self.raw[n]) for n in sorted(self.raw))

    def stop(self):
        self.reading.set()
        for s in [self.sock] + self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        for t in self.readers:
            t.join(5)


class DatagramReceiver(object):
    def __init__(self, path=None):
        family = socket.AF_UNIX if path else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind(path or ('127.0.0.1', 0))
        self.address = path or self.sock.getsockname()
        self.frames = []
        self._stopping = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        try:
            while True:
                data = self.sock.recv(1 << 17)
                if not data and self._stopping:
                    return           # woken by shutdown()
                self.frames.append(data)
        except OSError:
            pass

    def dicts(self):
        return [unpickle(f) for f in list(self.frames)]

    def stop(self):
        self._stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(5)


@pytest.fixture
def sockdir():
    d = tempfile.mkdtemp(prefix='ats', dir='/tmp')  # short: AF_UNIX path limit
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def loggers(request):
    """make(atto_handler, std_handler=None) -> (attologging logger, stdlib
    logger of the same name); handlers removed and closed afterwards."""
    made = []

    def make(atto_handler, std_handler=None):
        name = 'sock.%s.%d' % (request.node.name, len(made))
        log = attologging.getLogger(name)
        log.propagate, log.handlers = False, [atto_handler]
        log.setLevel(1)
        std_log = logging.getLogger(name)
        std_log.propagate = False
        std_log.handlers = [std_handler] if std_handler is not None else []
        std_log.setLevel(1)
        made.append((log, std_log))
        return log, std_log
    yield make
    for log, std_log in made:
        for lg in (log, std_log):
            for h in list(lg.handlers):
                lg.removeHandler(h)
                h.close()


def transports(sockdir, transport, name='s'):
    """(address for a receiver, handler (host, port) arguments)."""
    if transport == 'unix':
        path = os.path.join(sockdir, name)
        return path, (path, None)
    port = free_port()
    return port, ('127.0.0.1', port)


def stream_receiver(transport, where, **kw):
    if transport == 'unix':
        return StreamReceiver(path=where, **kw)
    return StreamReceiver(port=where, **kw)


class Keep(attologging.Handler):
    """Keeps the records it is given."""

    def __init__(self):
        attologging.Handler.__init__(self)
        self.records = []

    def emit(self, record):
        self.records.append(record)


class Unpicklable(object):
    def __reduce__(self):
        raise TypeError('no pickling for you')


def _raise_chained():
    try:
        {}['missing']
    except KeyError as e:
        raise ValueError('bad value \u00e9') from e


EXTRA = {'user': 'alice', 'n': 3, 'big': 2 ** 80, 'f': 1.5, 'none': None,
         'tup': (1, 'a'), 'lst': [1, 2.5, None], 'dct': {'k': [1, {'x': b'\xff'}]},
         'raw': b'\x00\xff\x80', 'uni': 'caf\u00e9 \U0001F600', 'yes': True}

MESSAGES = [
    ('plain message', ()),
    ('str %s', ('text',)),
    ('int %d and %5d', (42, -7)),
    ('float %.3f %g %s', (3.14159, 1e-30, 2.5)),
    ('none %s %r', (None, None)),
    ('tuple %r', ((1, 'two', 3.0),)),
    ('dict %(a)s %(b)d %(c)r', ({'a': 'x', 'b': 2, 'c': None},)),
    ('unicode caf\u00e9 \u65e5\u672c %s', ('\U0001F600\U0001F680',)),
    ('multi\nline\r\n  indented\ttab %s', ('arg\nwith newline',)),
    ('percent %d%% done', (50,)),
    (12345, ()),                      # a message that is not a str
    ('', ()),
]
LEVELS = [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR,
          logging.CRITICAL, 5, 25, 60]


def generated_cases():
    """(level, msg, args, kwargs) for a few dozen records."""
    cases = []
    for i, (msg, args) in enumerate(MESSAGES):
        level = LEVELS[i % len(LEVELS)]
        cases.append((level, msg, args, {}))
        cases.append((LEVELS[(i + 3) % len(LEVELS)], msg, args,
                      {'extra': dict(EXTRA, seq=i)}))
    cases.append((logging.ERROR, 'with exc_info %s', ('x',), {'exc_info': True}))
    cases.append((logging.WARNING, 'with stack', (), {'stack_info': True}))
    cases.append((logging.CRITICAL, 'both', (),
                  {'exc_info': True, 'stack_info': True, 'extra': {'k': 'v'}}))
    return cases


def log_cases(pairs, cases):
    """Log each case through each logger of *pairs* (same source line)."""
    try:
        _raise_chained()
    except ValueError:
        for level, msg, args, kwargs in cases:
            for lg in pairs:
                lg.log(level, msg, *args, **kwargs)


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


# --- DatagramHandler ---------------------------------------------------------

@pytest.mark.parametrize('transport', ['udp', 'unix'])
def test_datagrams_equal_stdlib(transport, loggers, sockdir):
    if transport == 'unix':
        std_recv = DatagramReceiver(os.path.join(sockdir, 'std'))
        atto_recv = DatagramReceiver(os.path.join(sockdir, 'atto'))
        std_args, atto_args = (std_recv.address, None), (atto_recv.address, None)
    else:
        std_recv, atto_recv = DatagramReceiver(), DatagramReceiver()
        std_args = ('localhost', std_recv.address[1])
        atto_args = ('localhost', atto_recv.address[1])   # resolved as IPv4
    made = []

    class Remember(ah.DatagramHandler):
        def makePickle(self, record):
            made.append(ah.DatagramHandler.makePickle(self, record))
            return made[-1]

    std_h = logging.handlers.DatagramHandler(*std_args)
    atto_h = Remember(*atto_args)
    log, std_log = loggers(atto_h, std_h)
    cases = generated_cases()
    try:
        log_cases((std_log, log), cases)
        wait_for(lambda: len(atto_recv.frames) >= len(cases)
                 and len(std_recv.frames) >= len(cases), 'the datagrams')
        time.sleep(0.05)
    finally:
        std_recv.stop()
        atto_recv.stop()
    assert '_peer' in atto_h.__dict__          # the engine sent them
    assert type(atto_h.sock) is type(std_h.sock) is socket.socket   # as stdlib
    assert atto_h.sock.family == std_h.sock.family
    assert atto_recv.frames == made            # one datagram per pickle
    std, atto = std_recv.dicts(), atto_recv.dicts()
    assert len(std) == len(atto) == len(cases)
    for s, a in zip(std, atto):
        assert stable(a) == stable(s)
    attologging._runtime.flush()
    counts = atto_h._peer.counts()
    assert counts['written'] == len(cases) and counts['lost'] == 0, counts


def test_unix_datagrams_wait_for_the_socket(loggers, sockdir, capsys):
    path = os.path.join(sockdir, 'later')
    h = ah.DatagramHandler(path, None)
    log, _ = loggers(h)
    recv = None
    try:
        for i in range(5):
            log.info('early %d', i)           # nothing bound at path yet
        attologging._runtime.flush()
        recv = DatagramReceiver(path)
        wait_for(lambda: len(recv.frames) >= 5, 'the early records', timeout=10)
        log.info('late')
        wait_for(lambda: len(recv.frames) >= 6, 'the late record')
    finally:
        if recv is not None:
            recv.stop()
    assert [d['msg'] for d in recv.dicts()] == \
        ['early %d' % i for i in range(5)] + ['late']
    assert 'Logging error' not in capsys.readouterr().err


def test_datagram_makeSocket_override_takes_the_stdlib_path(loggers):
    recv = DatagramReceiver()
    sent = []

    class Spy(socket.socket):
        def sendto(self, data, *args):
            sent.append(bytes(data))
            return socket.socket.sendto(self, data, *args)

    class Custom(ah.DatagramHandler):
        def makeSocket(self):
            return Spy(socket.AF_INET, socket.SOCK_DGRAM)

    h = Custom('127.0.0.1', recv.address[1])
    log, _ = loggers(h)
    try:
        log.info('one')
        log.info('two')
        wait_for(lambda: len(recv.frames) >= 2, 'the datagrams')
    finally:
        recv.stop()
    assert sent == recv.frames and len(sent) == 2
    assert '_peer' not in h.__dict__


# --- SysLogHandler (default form) --------------------------------------------

SYSLOG_CONFIGS = [('', False, ah.SysLogHandler.LOG_USER),
                  ('app[1]: ', True, ah.SysLogHandler.LOG_LOCAL7),
                  ('caf\u00e9 \U0001F600: ', False, ah.SysLogHandler.LOG_DAEMON),
                  ('x', True, 'local3')]
SYSLOG_MESSAGES = [(logging.DEBUG, 'debug %s', ('x',)),
                   (logging.INFO, 'caf\u00e9 \u65e5\u672c \U0001F600', ()),
                   (logging.WARNING, 'multi\nline\r\n  indented', ()),
                   (logging.ERROR, '%d%%', (5,)),
                   (logging.CRITICAL, '', ()),
                   (25, 'custom, mapped to notice', ()),
                   (60, 'custom, unmapped: warning', ()),
                   (5, 'below debug %r', ({'k': 'v'},))]


def _syslog_pair(transport, sockdir):
    """Receivers for the stdlib and attologging, and handler arguments
    ('unix_auto': socktype None on a Unix stream socket, the stdlib's
    fallback from SOCK_DGRAM to SOCK_STREAM)."""
    if transport in ('udp', 'unix_dgram'):
        if transport == 'udp':
            recvs = [DatagramReceiver(), DatagramReceiver()]
        else:
            recvs = [DatagramReceiver(os.path.join(sockdir, n)) for n in 'sa']
        kinds = {}
    else:
        if transport == 'tcp':
            recvs = [StreamReceiver(frames=False), StreamReceiver(frames=False)]
        else:
            recvs = [StreamReceiver(path=os.path.join(sockdir, n), frames=False)
                     for n in 'sa']
        kinds = {} if transport == 'unix_auto' else {'socktype': socket.SOCK_STREAM}
    return recvs, [(r.address, kinds) for r in recvs]


def _syslog_output(recv):
    if isinstance(recv, DatagramReceiver):
        return list(recv.frames)
    return recv.data()


# Python 3.9/3.10's SysLogHandler cannot reconnect TCP: attologging keeps
# the stdlib's code there.
TCP_ENGINE = hasattr(logging.handlers.SysLogHandler, 'createSocket') \
    and sys.version_info >= (3, 11)


@pytest.mark.parametrize('transport', ['udp', 'tcp', 'unix_dgram', 'unix_stream',
                                       'unix_auto'])
def test_syslog_bytes_equal_stdlib(transport, loggers, sockdir):
    (std_recv, atto_recv), ((std_addr, kw), (atto_addr, _)) = \
        _syslog_pair(transport, sockdir)
    std_h = logging.handlers.SysLogHandler(std_addr, **kw)
    atto_h = ah.SysLogHandler(atto_addr, **kw)
    fmt = '%(levelname)s:%(name)s:%(message)s'
    std_h.setFormatter(logging.Formatter(fmt))
    atto_h.setFormatter(attologging.Formatter(fmt))
    for h in (std_h, atto_h):
        h.priority_map = dict(h.priority_map, **{'Level 25': 'notice'})
    log, std_log = loggers(atto_h, std_h)
    n = 0
    try:
        for ident, nul, facility in SYSLOG_CONFIGS:
            for h in (std_h, atto_h):
                h.ident, h.append_nul, h.facility = ident, nul, facility
            for level, msg, args in SYSLOG_MESSAGES:
                for lg in (std_log, log):
                    lg.log(level, msg, *args)
                n += 1
        if transport in ('udp', 'unix_dgram'):
            wait_for(lambda: len(atto_recv.frames) >= n
                     and len(std_recv.frames) >= n, 'the datagrams')
        else:
            eventually(lambda: std_recv.data()
                       and atto_recv.data() == std_recv.data())
    finally:
        std_recv.stop()
        atto_recv.stop()
    std, atto = _syslog_output(std_recv), _syslog_output(atto_recv)
    assert atto == std
    assert len(std) > 0
    assert atto_h.socktype == std_h.socktype
    if transport in ('udp', 'unix_dgram'):
        assert len(std) == n
        assert std[0].startswith(b'<15>DEBUG:') and std[-1].endswith(b'\x00')
    else:
        assert std.startswith(b'<15>DEBUG:') and std.endswith(b'\x00')
        assert std_h.socktype == socket.SOCK_STREAM
    engine = transport != 'tcp' or TCP_ENGINE
    assert ('_link' in atto_h.__dict__) == engine
    if engine:
        attologging._runtime.flush()
        counts = atto_h._link[1].counts()
        assert counts['written'] == n and counts['lost'] == 0, counts


@pytest.mark.parametrize('transport', ['unix_dgram', 'unix_stream', 'tcp'])
def test_syslog_server_restarted(transport, loggers, sockdir, capsys):
    """The receiver goes away and a new one takes its address: the handler
    connects again (as the stdlib's does for Unix sockets; over TCP the
    stdlib never reconnects, attologging does from Python 3.11)."""
    if transport == 'tcp' and not TCP_ENGINE:
        pytest.skip('TCP is the stdlib code (no reconnection) before 3.11')
    path = os.path.join(sockdir, 'log')
    kw = {} if transport == 'unix_dgram' else {'socktype': socket.SOCK_STREAM}

    def receiver(port=0):
        if transport == 'unix_dgram':
            return DatagramReceiver(path)
        return StreamReceiver(path=None if transport == 'tcp' else path,
                              port=port, frames=False)

    def received(recv):
        if transport == 'unix_dgram':
            msgs = list(recv.frames)
        else:
            msgs = [m for m in recv.data().split(b'\x00') if m]
        return [int(m.rstrip(b'\x00').split()[-1]) for m in msgs]
    r1 = receiver()
    h = ah.SysLogHandler(r1.address, **kw)
    log, _ = loggers(h)
    seq = [0]

    def say(what):
        log.warning('%s %d', what, seq[0])
        seq[0] += 1
    r2 = None
    try:
        for _ in range(5):
            say('first')
        wait_for(lambda: len(received(r1)) == 5, 'the first server')
        assert '_link' in h.__dict__
        first_socket = h.socket
        r1.stop()
        if transport != 'tcp':
            os.unlink(path)
        r2 = receiver(port=r1.address[1] if transport == 'tcp' else 0)
        restart = seq[0]

        def progress():
            say('again')
            return len(received(r2)) > 0
        wait_for(progress, 'the new server')
        assert h.socket is not first_socket
        for _ in range(10):
            say('after')
        wait_for(lambda: len(received(r2)) >= seq[0] - restart, 'later records')
    finally:
        r1.stop()
        if r2 is not None:
            r2.stop()
    assert received(r1) == list(range(5))
    # Every record logged after the restart arrived, once, in order.
    assert received(r2) == list(range(restart, seq[0]))
    assert 'Logging error' not in capsys.readouterr().err


def test_syslog_unix_server_absent_at_first(loggers, sockdir, capsys):
    """No socket at the path when the handler is made and for the first
    records: each is a logging error, as with the stdlib; records logged
    once the server is there arrive."""
    got = {}
    for impl, H in (('std', logging.handlers.SysLogHandler),
                    ('atto', ah.SysLogHandler)):
        path = os.path.join(sockdir, impl)
        h = H(path)
        log = loggers(h)[0] if impl == 'atto' else loggers(Keep(), h)[1]
        log.warning('before 1')
        log.warning('before 2')
        recv = DatagramReceiver(path)
        try:
            log.warning('after 1')
            log.warning('after 2')
            wait_for(lambda: len(recv.frames) >= 2, 'the records')
        finally:
            recv.stop()
        err = capsys.readouterr().err
        got[impl] = (list(recv.frames), err.count('--- Logging error ---'),
                     [l for l in err.splitlines() if l.startswith('FileNotFound')][-1:])
    assert got['atto'] == got['std'] == (
        [b'<12>after 1\x00', b'<12>after 2\x00'], 2,
        ['FileNotFoundError: [Errno 2] No such file or directory'])


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
