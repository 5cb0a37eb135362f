"""Receivers, loggers and generated cases shared by the tests of the
socket handlers (test_socket_handlers.py, test_datagram_syslog_handlers.py):
the stdlib's handler on a stdlib logger and attologging's on an attologging
logger of the same name, each sending to its own receiver in a thread of
this process.
"""

import logging
import logging.handlers
import os
import pickle
import shutil
import socket
import struct
import tempfile
import threading
import time

import pytest

import attologging

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
