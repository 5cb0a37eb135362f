"""MessagePackHandler and SysLogHandler(rfc5424=True): frames sent by the
engine's consumer thread to Python receivers (TCP, UDP, Unix sockets).

Receivers run in threads of this process; scenarios whose process-wide
state matters (stderr reports, exit, fork) run in fresh interpreters.
"""

import datetime
import json
import logging
import logging.handlers
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import pytest

msgpack = pytest.importorskip('msgpack')

import attologging                      # noqa: E402
import attologging.handlers as ah       # noqa: E402

PYTHON_DIR = os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), 'python')
QUICK = dict(backoff_base=0.01, backoff_cap=0.05)


def wait_for(cond, what, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for ' + what)
        time.sleep(0.01)


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_script(code, *args, timeout=60):
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR + os.pathsep
               + os.environ.get('PYTHONPATH', ''))
    return subprocess.run([sys.executable, '-c', code] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=timeout, env=env)


def lost_reported(stderr):
    return sum(int(n) for n in re.findall(r'(\d+) records lost', stderr))


class StreamReceiver(object):
    """Accepts connections (TCP on 127.0.0.1, or a Unix stream socket) and
    splits each into frames: MessagePack maps behind a 4-byte length, or
    RFC 6587 octet-counted messages.  ``frames``: (connection no, frame);
    ``errors``: undecodable or partial frames.  Reading starts when
    ``reading`` is set."""

    def __init__(self, port=0, path=None, octets=False, read=True, rcvbuf=None):
        family = socket.AF_UNIX if path else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if rcvbuf:   # inherited by accepted connections: a small TCP window
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if path:
            self.sock.bind(path)
        else:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind(('127.0.0.1', port))
            self.port = self.sock.getsockname()[1]
        self.sock.listen(16)
        self.octets, self.frames, self.errors, self.conns = octets, [], [], []
        self.readers = []
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
            self.conns.append(conn)
            t = threading.Thread(target=self._read, daemon=True,
                                 args=(conn, len(self.conns) - 1))
            t.start()
            self.readers.append(t)

    def _split(self, buf, n):
        pos = 0
        while True:
            if self.octets:
                sp = buf.find(b' ', pos)
                if sp < 0:
                    break
                if not buf[pos:sp].isdigit():
                    self.errors.append((n, 'bad octet count', buf[pos:sp + 20]))
                    return b''
                start, end = sp + 1, sp + 1 + int(buf[pos:sp])
            else:
                if len(buf) - pos < 4:
                    break
                start = pos + 4
                end = start + struct.unpack('>I', buf[pos:start])[0]
            if end > len(buf):
                break
            frame = buf[start:end]
            try:
                self.frames.append((n, frame if self.octets else msgpack.unpackb(frame)))
            except Exception as e:
                self.errors.append((n, repr(e)))
            pos = end
        return buf[pos:]

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
            buf = self._split(buf + data, n)
        if buf:
            self.errors.append((n, 'partial frame', len(buf)))

    def seqs(self):
        return [f['key_values']['seq'] for _, f in list(self.frames)]

    def stop(self):
        """Closes everything; a frame cut short shows in ``errors``."""
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
        self.sock.bind(path or ('127.0.0.1', 0))
        self.address = path or self.sock.getsockname()
        self.frames = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            while True:
                self.frames.append(self.sock.recv(1 << 17))
        except OSError:
            pass

    def stop(self):
        self.sock.close()


def Keep(base=attologging.Handler):
    """A handler (of attologging's or the stdlib's) keeping its records."""
    keep = type('Keep', (base,), {'emit': lambda self, r: self.records.append(r)})()
    keep.records = []
    return keep


@pytest.fixture
def sockdir():
    d = tempfile.mkdtemp(prefix='atn', dir='/tmp')  # short: AF_UNIX path limit
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def make_logger(request):
    """An attologging logger of its own with *handlers*; closed afterwards."""
    made = []

    def make(*handlers):
        log = attologging.getLogger('net.%s.%d' % (request.node.name, len(made)))
        log.propagate = False
        log.setLevel(1)
        for h in handlers:
            log.addHandler(h)
            made.append((log, h))
        return log
    yield make
    for log, h in made:
        log.removeHandler(h)
        h.close()


def std_twin(log, handler):
    """The stdlib logger of *log*'s name, with *handler* only."""
    std_log = logging.getLogger(log.name)
    std_log.propagate, std_log.handlers = False, [handler]
    std_log.setLevel(1)
    return std_log


Shown = type('Shown', (), {'__str__': lambda self: 'shown \u00e9'})


EXTRAS = {'s': 'text', 'i': -7, 'big': 2 ** 70, 'f': 2.5, 'whole': 3.0,
          'yes': True, 'no': False, 'none': None, 'raw': b'\x00\xff\x80',
          'uni': 'caf\u00e9 \u65e5\u672c \U0001F600', 'obj': Shown()}
CASES = [(logging.INFO, 'plain', (), None),
         (logging.WARNING, 'args %s %d %r %.2f %s', ('s', 42, None, 1.5, b'b'), None),
         (logging.ERROR, 'non-ASCII %s\nsecond line', ('caf\u00e9 \U0001F600',), EXTRAS),
         (25, 'custom level %(k)s', ({'k': 'v'},), {'seq': 1})]


@pytest.mark.parametrize('transport', ['tcp', 'unix'])
def test_msgpack_round_trip(transport, make_logger, sockdir):
    path = os.path.join(sockdir, 'mp.sock') if transport == 'unix' else None
    recv = StreamReceiver(path=path)
    h = ah.MessagePackHandler(path=path) if path else \
        ah.MessagePackHandler('127.0.0.1', recv.port)
    keep, std_keep = Keep(), Keep(logging.Handler)
    log = make_logger(h, keep)
    std_log = std_twin(log, std_keep)
    fmt = '%(levelname)s|%(name)s|%(funcName)s|%(lineno)d|%(message)s'

    def run():
        for level, msg, args, extra in CASES:
            for lg in (log, std_log):
                lg.log(level, msg, *args, extra=extra)

    run()
    h.setFormatter(attologging.Formatter(fmt))
    worker = threading.Thread(target=run, name='w\u00f6rker-1')
    worker.start()
    worker.join()
    n = 2 * len(CASES)
    wait_for(lambda: len(recv.frames) >= n, 'frames')
    try:
        assert not recv.errors
        assert len(recv.frames) == n
        for i, ((_, got), rec, std) in enumerate(zip(recv.frames, keep.records,
                                                      std_keep.records)):
            expected_msg = logging.Formatter(fmt).format(std) if i >= len(CASES) \
                else std.getMessage()
            assert got['message'] == expected_msg
            assert set(got) == {'logger', 'level', 'message', 'timestamp_ns',
                                'filename', 'line_number', 'module_path',
                                'thread_id', 'thread_name', 'key_values'}
            assert got['logger'] == std.name == log.name
            assert got['level'] == std.levelno == rec.levelno
            assert abs(got['timestamp_ns'] - rec.created * 1e9) < 2000
            assert got['filename'] == std.pathname == __file__
            assert got['line_number'] == std.lineno
            assert got['module_path'] == std.module == 'test_network_handlers'
            assert got['thread_id'] == std.thread
            assert got['thread_name'] == std.threadName
            extra = CASES[i % len(CASES)][3] or {}
            want = {k: v if type(v) in (str, int, float, bool, bytes, type(None))
                    and v != 2 ** 70 else str(v) for k, v in extra.items()}
            assert got['key_values'] == want
            assert [type(v) for v in got['key_values'].values()] == \
                [type(v) for v in want.values()]
        assert recv.frames[-1][1]['thread_name'] == 'w\u00f6rker-1'
        assert recv.frames[-1][1]['thread_id'] == worker.ident
        assert h.peer.counts()['lost'] == 0
    finally:
        recv.stop()


def test_many_records_arrive_in_order(make_logger):
    recv = StreamReceiver()
    h = ah.MessagePackHandler('127.0.0.1', recv.port)
    log = make_logger(h)
    n = 20000
    for i in range(n):
        log.info('record %d of %d', i, n, extra={'seq': i})
    wait_for(lambda: len(recv.frames) >= n, 'all records', timeout=30)
    recv.stop()
    assert not recv.errors
    assert recv.seqs() == list(range(n))
    assert all(f['message'] == 'record %d of %d' % (i, n)
               for i, (_, f) in enumerate(recv.frames))
    attologging._runtime.flush()
    counts = h.peer.counts()
    assert counts['lost'] == 0 and counts['written'] == n, counts


DEAD_PEER = r'''
import json, socket, sys, time, attologging
from attologging.handlers import MessagePackHandler
mode, port = sys.argv[1], int(sys.argv[2])
log = attologging.getLogger('dead'); log.propagate = False; log.setLevel(1)
keep = []
class Keep(attologging.Handler):
    def emit(self, record): keep.append(record)
def emit(i): log.info('record %05d', i)
log.addHandler(Keep()); emit(0); log.handlers = []
size = len(MessagePackHandler('127.0.0.1', port).makeFrame(keep[0]))
fits = 100   # frames the buffer holds
h = MessagePackHandler('127.0.0.1', port, buffer_limit=fits * size + size // 2,
                       backoff_base=0.02, backoff_cap=0.1)
log.addHandler(h)
t0 = time.monotonic()
for i in range(fits): emit(i)
attologging._runtime.flush()
out = {'under': h.peer.counts()}
if mode == 'overflow':
    for i in range(fits, 10000): emit(i)
    out['elapsed'] = time.monotonic() - t0
    attologging._runtime.flush()
    out['over'] = h.peer.counts()
else:
    srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', port)); srv.listen(); srv.settimeout(20)
    conn, _ = srv.accept(); conn.settimeout(20)
    data = b''
    while len(data) < fits * size:
        data += conn.recv(65536)
    out['received'] = len(data) // size
    out['after'] = h.peer.counts()
print(json.dumps(out), flush=True)
'''


def test_dead_peer_never_blocks_and_losses_start_at_the_bound():
    proc = run_script(DEAD_PEER, 'overflow', free_port())
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out['elapsed'] < 5.0, out
    assert out['under']['lost'] == 0, out
    assert out['over']['lost'] == 10000 - 100, out
    # The 100 still buffered at exit are lost too: every loss is reported.
    assert 'records lost' in proc.stderr
    assert lost_reported(proc.stderr) == 10000, proc.stderr


def test_dead_peer_buffer_is_delivered_when_it_starts():
    proc = run_script(DEAD_PEER, 'recover', free_port())
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out['under']['lost'] == 0 and out['received'] == 100, out
    assert out['after']['lost'] == 0, out
    assert lost_reported(proc.stderr) == 0, proc.stderr


def _outage(make_logger):
    """Receiver gets 0-49, dies; 50-149 are logged while it is down; a new
    receiver on the same port then gets records with no action from the
    program; 150-199 follow."""
    r1 = StreamReceiver()
    h = ah.MessagePackHandler('127.0.0.1', r1.port, **QUICK)
    log = make_logger(h)
    for i in range(50):
        log.info('before %d', i, extra={'seq': i})
    wait_for(lambda: len(r1.frames) == 50, 'first receiver')
    r1.stop()
    time.sleep(0.2)                      # its FIN has reached the sender
    for i in range(50, 150):
        log.info('outage %d', i, extra={'seq': i})
        time.sleep(0.002)
    r2 = StreamReceiver(port=r1.port)
    try:
        wait_for(lambda: 149 in r2.seqs(), 'the new receiver (no new record)')
        for i in range(150, 200):
            log.info('after %d', i, extra={'seq': i})
        wait_for(lambda: 199 in r2.seqs(), 'records after the restart')
    finally:
        r2.stop()
    assert not r1.errors and not r2.errors
    return r1.seqs(), r2.seqs(), h


def test_restarted_peer_gets_records_again(make_logger):
    first, second, h = _outage(make_logger)
    assert first == list(range(50))
    assert second == sorted(set(second)) and second[-51:] == list(range(149, 200))


def test_records_logged_during_an_outage_arrive(make_logger):
    first, second, h = _outage(make_logger)
    assert second == list(range(50, 200)), 'missing: %s' % sorted(
        set(range(50, 200)) - set(second))
    assert h.peer.counts()['lost'] == 0


def test_frames_over_max_frame_are_dropped_whole(make_logger):
    recv = StreamReceiver()
    h = ah.MessagePackHandler('127.0.0.1', recv.port, max_frame=1000)
    keep = Keep()
    log = make_logger(h, keep)

    def say(msg, **extra):
        log.warning(msg, extra=extra)
    say('y' * 300)
    fit = 1000 - len(h.makeFrame(keep.records[0])) + 300
    say('y' * fit)                       # exactly max_frame bytes: sent
    say('y' * (fit + 1))                 # one byte over: dropped
    say('small', blob=b'z' * 5000)       # over through its key/values
    say('after')
    wait_for(lambda: len(recv.frames) >= 3, 'small frames')
    attologging._runtime.flush()
    time.sleep(0.2)
    recv.stop()
    assert not recv.errors
    assert [len(f['message']) for _, f in recv.frames] == [300, fit, 5]
    assert recv.frames[-1][1]['message'] == 'after'
    assert h.peer.counts()['lost'] == 2


def test_slow_receiver_blocks_neither_calls_nor_other_handlers(make_logger, tmp_path):
    recv = StreamReceiver(read=False, rcvbuf=1 << 16)
    h = ah.MessagePackHandler('127.0.0.1', recv.port, buffer_limit=64 << 20)
    fh = attologging.FileHandler(str(tmp_path / 'other.log'))
    log = make_logger(h, fh)
    log.info('hello', extra={'seq': -1})
    wait_for(lambda: recv.conns, 'the connection')
    n, pad = 1500, 'x' * 8000            # ~12 MB: far more than socket buffers
    t0 = time.monotonic()
    for i in range(n):
        log.info('rec %05d %s', i, pad, extra={'seq': i})
    elapsed = time.monotonic() - t0
    fh.flush()
    with open(fh.baseFilename) as f:
        lines = [l for l in f.read().splitlines() if l.startswith('rec ')]
    assert len(lines) == n and lines[-1].startswith('rec %05d' % (n - 1))
    assert not recv.frames            # nothing read yet
    assert elapsed < 10.0
    recv.reading.set()
    try:
        wait_for(lambda: len(recv.frames) > 0 and recv.seqs()[-1] == n - 1,
                 'the backlog', timeout=30)
    finally:
        recv.stop()
    assert not recv.errors
    seqs = [s for s in recv.seqs() if s >= 0]
    assert seqs == list(range(n))
    assert h.peer.counts()['lost'] == 0


FORK = r'''
import json, os, sys, attologging
from attologging.handlers import MessagePackHandler
log = attologging.getLogger('fork'); log.propagate = False; log.setLevel(1)
h = MessagePackHandler('127.0.0.1', int(sys.argv[1]), backoff_base=0.02, backoff_cap=0.1)
log.addHandler(h)
log.info('parent before', extra={'pid': os.getpid(), 'seq': -1})
attologging._runtime.flush()
pid = os.fork()
if pid == 0:
    for i in range(200):
        log.info('child %d', i, extra={'pid': os.getpid(), 'seq': i})
    os._exit(0)
os.waitpid(pid, 0)
log.info('parent after', extra={'pid': os.getpid(), 'seq': 1000})
print(pid, os.getpid(), flush=True)
'''


def test_fork_child_logs_through_the_same_handler():
    recv = StreamReceiver()
    proc = run_script(FORK, recv.port)
    assert proc.returncode == 0, proc.stderr
    child, parent = map(int, proc.stdout.split())
    try:
        wait_for(lambda: sum(1 for _, f in recv.frames
                             if f['key_values']['pid'] == child) >= 200
                 and 1000 in recv.seqs(), 'child and parent records')
    finally:
        recv.stop()
    assert not recv.errors
    by_conn = {}
    for conn, f in recv.frames:
        by_conn.setdefault(conn, []).append(f)
    pids = {c: {f['key_values']['pid'] for f in fs} for c, fs in by_conn.items()}
    assert sorted(map(len, pids.values())) == [1, 1], pids
    frames = {p.pop(): by_conn[c] for c, p in pids.items()}
    assert set(frames) == {child, parent}
    assert [f['key_values']['seq'] for f in frames[child]] == list(range(200))
    assert [f['message'] for f in frames[parent]] == ['parent before', 'parent after']
    assert lost_reported(proc.stderr) == 0, proc.stderr


# --- SysLogHandler -----------------------------------------------------------

H5424 = re.compile(rb'<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) ')
SD_NAME = r'[^ =\]"]{1,32}'


def parse_5424(data):
    m = H5424.match(data)
    assert m, data
    rest = data[m.end():].decode('utf-8')
    sd = None
    if rest.startswith('-'):
        rest = rest[1:]
    else:
        sd = {}
        while rest.startswith('['):
            sid = re.match(SD_NAME, rest[1:]).group(0)
            params, rest = sd.setdefault(sid, {}), rest[1 + len(sid):]
            while not rest.startswith(']'):
                pm = re.match(r' (%s)="' % SD_NAME, rest)
                assert pm, rest
                i, value = pm.end(), ''
                while rest[i] != '"':
                    if rest[i] == '\\':
                        assert rest[i + 1] in '"\\]', rest
                        i += 1
                    else:
                        assert rest[i] != ']', 'unescaped ]'
                    value += rest[i]
                    i += 1
                params[pm.group(1)], rest = value, rest[i + 1:]
            rest = rest[1:]
    assert rest.startswith(' '), rest
    fields = [int(m.group(1))] + [g.decode('ascii') for g in m.groups()[1:]]
    return fields + [sd, rest[1:]]


SYSLOG_SD = {'meta@32473': {'env': 'prod', 'tricky': 'a"b\\c]d'}}
RECORD_SD = {'ex@1': {'q': '"', 'bs': '\\', 'br': ']', 'mix': 'x"]\\y]'},
             'other@2': {}}


@pytest.mark.parametrize('transport', ['udp', 'tcp', 'unix_dgram'])
def test_syslog_rfc5424(transport, make_logger, sockdir):
    H = ah.SysLogHandler
    if transport == 'tcp':
        recv = StreamReceiver(octets=True)
        address, socktype = ('127.0.0.1', recv.port), socket.SOCK_STREAM
    else:
        recv = DatagramReceiver(os.path.join(sockdir, 'log') if transport == 'unix_dgram'
                                else None)
        address, socktype = recv.address, socket.SOCK_DGRAM
    named = H(address, H.LOG_LOCAL3, socktype, rfc5424=True, msgid='DEFID',
              structured_data=SYSLOG_SD)
    named.ident = 'myapp: '
    plain = H(address=address, socktype=socktype, rfc5424=True)
    failed = []
    named.handleError = failed.append
    keep = Keep()
    log = make_logger(named, keep)
    log2 = make_logger(plain)
    text = 'multi\nline caf\u00e9 \u65e5\u672c \U0001F600\n  indented'
    log.warning('plain %d', 1)
    log.error(text, extra={'msgid': 'PER', 'structured_data': RECORD_SD})
    log.log(25, 'no sd', extra={'structured_data': {}})
    log.info('bad id', extra={'structured_data': {'bad id': {'k': 'v'}}})
    log.info('bad name', extra={'structured_data': {'ok@1': {'a=b': 'v'}}})
    log.critical('last', extra={'msgid': 'M' * 40})
    log2.debug('defaults')
    try:
        wait_for(lambda: len(recv.frames) >= 5, 'syslog messages')
        time.sleep(0.1)
    finally:
        recv.stop()
    assert [r.getMessage() for r in failed] == ['bad id', 'bad name']
    frames = [f[1] if transport == 'tcp' else f for f in recv.frames]
    frames.sort(key=lambda f: f.endswith(b' defaults'))   # two sinks: any order
    assert len(frames) == 5 and not getattr(recv, 'errors', None)
    got = [parse_5424(f) for f in frames]
    sent = [r for r in keep.records if r not in failed]
    host = socket.gethostname()
    app = os.path.basename(sys.argv[0])
    expected = [  # (pri, app, msgid, sd, msg)
        (19 * 8 + 4, 'myapp', 'DEFID', SYSLOG_SD, 'plain 1'),
        (19 * 8 + 3, 'myapp', 'PER', RECORD_SD, text),
        (19 * 8 + 4, 'myapp', 'DEFID', None, 'no sd'),
        (19 * 8 + 2, 'myapp', 'M' * 32, SYSLOG_SD, 'last'),
        (1 * 8 + 7, app, '-', None, 'defaults')]
    for (pri, ts, hostname, app_name, procid, msgid, sd, msg), want, rec in zip(
            got, expected, sent + [None]):
        assert (pri, app_name, msgid, sd, msg) == want
        assert hostname == host and procid == str(os.getpid())
        assert re.search(r'T\d\d:\d\d:\d\d\.\d{6}([+-]\d\d:\d\d|Z)$', ts), ts
        stamp = datetime.datetime.fromisoformat(ts.replace('Z', '+00:00'))
        assert stamp.tzinfo is not None
        if rec is not None:
            assert abs(stamp.timestamp() - rec.created) < 1e-5


def test_syslog_legacy_matches_stdlib_bytes(make_logger):
    std_recv, atto_recv = DatagramReceiver(), DatagramReceiver()
    std_h = logging.handlers.SysLogHandler(std_recv.address,
                                           logging.handlers.SysLogHandler.LOG_LOCAL1)
    atto_h = ah.SysLogHandler(atto_recv.address, ah.SysLogHandler.LOG_LOCAL1)
    assert not hasattr(atto_h, '_peer')
    fmt = '%(levelname)s:%(name)s:%(message)s'
    for h, formatter in ((std_h, logging.Formatter), (atto_h, attologging.Formatter)):
        h.ident = 'app[1]: '
        h.setFormatter(formatter(fmt))
    atto_log = make_logger(atto_h)
    std_log = std_twin(atto_log, std_h)
    cases = [(logging.DEBUG, 'debug %s', ('x',)), (logging.INFO, 'caf\u00e9 \U0001F600', ()),
             (logging.WARNING, 'multi\nline\r\n', ()), (logging.ERROR, '%d%%', (5,)),
             (logging.CRITICAL, '', ()), (25, 'custom', ()), (60, 'high', ())]
    try:
        for level, msg, args in cases:
            std_log.log(level, msg, *args)
            atto_log.log(level, msg, *args)
        wait_for(lambda: len(atto_recv.frames) >= len(cases)
                 and len(std_recv.frames) >= len(cases), 'datagrams')
    finally:
        std_h.close()
        std_recv.stop()
        atto_recv.stop()
    assert atto_recv.frames == std_recv.frames
