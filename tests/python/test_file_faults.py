"""Fault tests for the engine's file sinks, each scenario in fresh
subprocesses: a process killed mid-write (the memory-mapped file's
preallocated NUL tail left behind), several processes on one path, a file
size limit (``RLIMIT_FSIZE``: writes fail with ``EFBIG``), the idle trim,
the ``O_APPEND`` fallback (a lock held elsewhere, a FIFO) and logrotate
under a ``WatchedFileHandler``.

What the rotating sink does is described in engine/src/sink/mapped.rs:
while records flow its file ends in a preallocated segment of NULs, cut off
when the consumer goes idle, on flush, before a rollover and on close; a
sink that finds the file changed re-derives the true end (after the last
non-NUL byte, adding a newline after a torn record).
"""

import fcntl
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

PYTHON_DIR = os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), 'python')
ENV = dict(os.environ, PYTHONPATH=PYTHON_DIR + (
    os.pathsep + os.environ['PYTHONPATH'] if os.environ.get('PYTHONPATH')
    else ''))
ENV.pop('PYTHONWARNINGS', None)

FALLBACK = 'writing with O_APPEND instead of a memory map'

pytestmark = pytest.mark.skipif(not sys.platform.startswith('linux'),
                                reason='Linux fault injection')

# The child's prologue: sys.argv[1] is the log file, sys.argv[2:] are
# scenario arguments.  ``make(cls, **kw)`` attaches a handler with a bare
# '%(message)s' format to the logger ``log``.
PROLOGUE = r'''
import os, sys, time
import attologging as logging
import attologging.handlers
path = sys.argv[1]
args = sys.argv[2:]
log = logging.getLogger('fault')
log.setLevel(logging.INFO)
log.propagate = False
def make(cls=logging.handlers.RotatingFileHandler, **kw):
    h = cls(path, **kw)
    h.setFormatter(logging.Formatter('%(message)s'))
    log.addHandler(h)
    return h
def wait_for(name, timeout=60):
    deadline = time.monotonic() + timeout
    while not os.path.exists(name):
        if time.monotonic() > deadline:
            sys.exit('timed out waiting for ' + name)
        time.sleep(0.001)
'''

STDLIB_PROLOGUE = PROLOGUE.replace('import attologging as logging\n'
                                   'import attologging.handlers\n',
                                   'import logging, logging.handlers\n')


def spawn(code, *args, prologue=PROLOGUE, **kw):
    kw.setdefault('stdout', subprocess.PIPE)
    kw.setdefault('stderr', subprocess.PIPE)
    return subprocess.Popen([sys.executable, '-c', prologue + code]
                            + [str(a) for a in args], env=ENV, **kw)


def run(code, *args, timeout=60, prologue=PROLOGUE, **kw):
    p = spawn(code, *args, prologue=prologue, **kw)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        pytest.fail('child hung (killed after %ss); stderr:\n%s'
                    % (timeout, err.decode(errors='replace')[-3000:]))
    return p.returncode, out.decode(errors='replace'), \
        err.decode(errors='replace')


def finish(p, timeout=60, input=None):
    """Waits for *p*; asserts it exited 0; returns (stdout, stderr)."""
    try:
        out, err = p.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        pytest.fail('child hung; stderr:\n%s'
                    % err.decode(errors='replace')[-3000:])
    out, err = out.decode(errors='replace'), err.decode(errors='replace')
    assert p.returncode == 0, err[-3000:]
    return out, err


def poll(predicate, timeout, what, interval=0.005, procs=()):
    """Polls *predicate* until true; fails after *timeout* s, or at once
    if one of *procs* has exited."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        for p in procs:
            if p.poll() is not None:
                err = p.stderr.read().decode(errors='replace') \
                    if p.stderr else ''
                pytest.fail('child exited (%s) before %s:\n%s'
                            % (p.returncode, what, err[-3000:]))
        if time.monotonic() > deadline:
            pytest.fail('timed out waiting for ' + what)
        time.sleep(interval)


def size(path):
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return -1


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def chain(path):
    """The rotated files oldest first (path.N ... path.1, path)."""
    n = 1
    while os.path.exists('%s.%d' % (path, n)):
        n += 1
    return ['%s.%d' % (path, i) for i in range(n - 1, 0, -1)] + [path]


def complete_lines(data, where):
    """*data* split into lines; asserts no NUL and a final newline."""
    assert b'\0' not in data, '%s: NUL at offset %d' % (where,
                                                         data.index(b'\0'))
    assert data == b'' or data.endswith(b'\n'), \
        '%s ends in a partial line: %r' % (where, data[-80:])
    return data.split(b'\n')[:-1]


def check_sequence(lines, prefix, expect_from=0, torn_allowed_at=None):
    """Asserts *lines* are '<prefix><n>' for n = expect_from, +1, ...
    without gaps; the line at index *torn_allowed_at* may instead be a
    non-empty prefix of the next expected record (a record torn by a
    kill).  Returns the next expected n."""
    pat = re.compile(re.escape(prefix.encode()) + rb'(\d+)')
    n = expect_from
    for i, line in enumerate(lines):
        m = pat.fullmatch(line)
        if m and int(m.group(1)) == n:
            n += 1
            continue
        want = ('%s%d' % (prefix, n)).encode()
        assert i == torn_allowed_at and line and want.startswith(line), (
            'line %d of %d is %r, expected %r (previous: %r)'
            % (i, len(lines), line, want, lines[max(0, i - 3):i]))
    return n


# -- 1. kill -9 mid-write, then reopen -----------------------------------

KILL_CHILD = r'''
kw = dict(maxBytes=int(args[0]), backupCount=int(args[1]))
make(**kw)
i = 0
while True:
    log.info('record %d', i)
    i += 1
'''

REOPEN_CHILD = r'''
h = make(maxBytes=int(args[0]), backupCount=int(args[1]))
log.info('after')
h.close()
'''


@pytest.mark.parametrize('max_bytes,backups', [(0, 0), (1 << 20, 50)],
                         ids=['no-rotation', 'rotation'])
def test_kill_mid_write_then_reopen(tmp_path, max_bytes, backups):
    path = str(tmp_path / 'app.log')
    child = spawn(KILL_CHILD, path, max_bytes, backups,
                  stdout=subprocess.DEVNULL)
    try:
        if backups:
            # Well into the fifth file: four rollovers behind it.
            poll(lambda: size(path + '.4') > 0 and size(path) > 200_000,
                 30, 'four rollovers', procs=[child])
        else:
            # Past the first 4 MiB segment: more than 4 MiB of records.
            poll(lambda: size(path) > 8 << 20, 30, 'an 8 MiB file',
                 procs=[child])
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL

    files = chain(path)
    # What the killed process left: complete records in the backups (each
    # trimmed before its rollover), then in the current file its records,
    # maybe a torn one, and maybe (that is the point) a preallocated tail
    # of NULs -- but NULs only as a tail, never between records.
    left = read(path)
    body = left.rstrip(b'\0')
    assert b'\0' not in body, 'NUL inside the written part at %d (of %d)' % (
        body.index(b'\0'), len(body))
    for f in files[:-1]:
        complete_lines(read(f), f)

    code, _, err = run(REOPEN_CHILD, path, max_bytes, backups)
    assert code == 0, err
    assert 'lost' not in err and FALLBACK not in err, err

    files = chain(path)
    lines = []
    for f in files:
        lines += complete_lines(read(f), f)
    assert lines[-1] == b'after'
    n = check_sequence(lines[:-1], 'record ', torn_allowed_at=len(lines) - 2)
    # It was killed while writing, well into the run.
    assert n > 100_000, n
    if backups:
        assert len(files) >= 5, files
        for f in files[:-1]:
            assert size(f) <= max_bytes, (f, size(f))


# -- 2. several processes on one path ------------------------------------

SHARED_CHILD = r'''
who, n, go = args[0], int(args[1]), args[2]
h = make(mode=args[3], maxBytes=0)
open(go + '.' + who, 'w').close()
wait_for(go)
for i in range(n):
    log.info('%s %d', who, i)
h.close()
'''

STDLIB_SHARED_CHILD = r'''
who, n, go = args[0], int(args[1]), args[2]
h = make(logging.FileHandler, mode='a')
open(go + '.' + who, 'w').close()
wait_for(go)
for i in range(n):
    log.info('%s %d', who, i)
h.close()
'''


def run_concurrently(tmp_path, path, children, n):
    """Starts *children* ((who, code, prologue, mode)), lets them log at
    the same moment, waits for them; returns their stderr joined."""
    go = str(tmp_path / 'go')
    procs = [spawn(code, path, who, n, go, mode, prologue=prologue)
             for who, code, prologue, mode in children]
    try:
        poll(lambda: all(os.path.exists(go + '.' + c[0]) for c in children),
             30, 'children ready', procs=procs)
        open(go, 'w').close()
        errs = [finish(p)[1] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    return ''.join(errs)


def split_by_writer(lines, whos):
    out = {who: [] for who in whos}
    for line in lines:
        who = line.split(b' ', 1)[0].decode(errors='replace')
        assert who in out, 'foreign line %r' % line
        out[who].append(line)
    return out


@pytest.mark.parametrize('mode,existing', [('a', b''),
                                           ('a', b'already here\n')],
                         ids=['new-file', 'existing-file'])
def test_two_processes_one_path(tmp_path, mode, existing):
    path = str(tmp_path / 'shared.log')
    if existing:
        with open(path, 'wb') as f:
            f.write(existing)
    n = 30_000
    err = run_concurrently(tmp_path, path, [
        ('A', SHARED_CHILD, PROLOGUE, mode),
        ('B', SHARED_CHILD, PROLOGUE, mode)], n)
    assert 'lost' not in err and FALLBACK not in err, err
    data = read(path)
    assert data.startswith(existing)
    lines = complete_lines(data[len(existing):], path)
    assert len(lines) == 2 * n
    by = split_by_writer(lines, 'AB')
    for who in 'AB':
        assert check_sequence(by[who], who + ' ') == n


def test_attologging_and_stdlib_process_one_path(tmp_path):
    # The stdlib's FileHandler does not take the flock: it appends at the
    # file's size, which may be past the other process's preallocated
    # tail, so a run of NULs may remain between lines -- but no record may
    # be lost or damaged.
    path = str(tmp_path / 'mixed.log')
    n = 20_000
    err = run_concurrently(tmp_path, path, [
        ('atto', SHARED_CHILD, PROLOGUE, 'a'),
        ('std', STDLIB_SHARED_CHILD, STDLIB_PROLOGUE, 'a')], n)
    assert 'lost' not in err, err
    data = read(path)
    lines = complete_lines(data.replace(b'\0', b''), path)
    assert len(lines) == 2 * n
    by = split_by_writer(lines, ['atto', 'std'])
    for who in by:
        assert check_sequence(by[who], who + ' ') == n


# -- 3. a file size limit (RLIMIT_FSIZE: EFBIG) --------------------------

LIMIT = 1 << 20
PAD = 'x' * 80

FSIZE_CHILD = r'''
import resource
resource.setrlimit(resource.RLIMIT_FSIZE, (%d, %d))
n = int(args[0])
h = make(maxBytes=int(args[1]), backupCount=int(args[2]))
for i in range(n):
    log.info('record %%d %s', i)
logging.shutdown()
''' % (LIMIT, LIMIT, PAD)

LOST = re.compile(r"attologging: rotating file '[^']*': (\d+) failed writes, "
                  r"(\d+) records lost; last error: (.*)")


def record_lines(data, where):
    lines = complete_lines(data, where)
    pat = re.compile(rb'record (\d+) ' + PAD.encode())
    nums = []
    for line in lines:
        m = pat.fullmatch(line)
        assert m, '%s: damaged line %r' % (where, line)
        nums.append(int(m.group(1)))
    return nums


def test_file_size_limit_loses_records_and_says_so(tmp_path):
    path = str(tmp_path / 'limited.log')
    n = 25_000       # about 2.3 MiB
    code, _, err = run(FSIZE_CHILD, path, n, 0, 0, timeout=60)
    assert code == 0, err
    assert size(path) <= LIMIT
    nums = record_lines(read(path), path)
    # What fits is there, in order, from the first record on; a batch that
    # does not fit is lost whole, a later smaller one may still fit.
    assert nums[:1] == [0] and nums == sorted(set(nums)), nums[:3]
    assert len(nums) * (len(PAD) + 14) > LIMIT // 2, len(nums)
    reports = LOST.findall(err)
    assert reports, err[-2000:]
    lost = sum(int(r[1]) for r in reports)
    assert 'File too large' in reports[-1][2] or 'EFBIG' in reports[-1][2] \
        or '27' in reports[-1][2], reports
    # Each record is either in the file or counted as lost.
    assert len(nums) + lost == n, (len(nums), lost, reports)


def test_file_size_limit_stdlib_for_comparison(tmp_path):
    # The stdlib in the same situation: its buffered file writes what
    # fits (the file ends up exactly at the limit, its last record cut
    # short), then each later record's flush raises OSError(EFBIG) inside
    # emit(), so handleError() prints '--- Logging error ---' and a
    # traceback to stderr for every lost record; nothing is counted.
    # attologging instead loses whole batches, keeps the file to complete
    # lines, and prints one summary line per report interval.
    path = str(tmp_path / 'limited.log')
    n = 13_000       # about 1.2 MiB: a couple thousand tracebacks
    code, _, err = run(FSIZE_CHILD, path, n, 0, 0, timeout=60,
                       prologue=STDLIB_PROLOGUE)
    assert code == 0, err[-2000:]
    assert size(path) <= LIMIT
    assert '--- Logging error ---' in err


def test_file_size_limit_with_rotation_loses_nothing(tmp_path):
    # Four files of at most 256 KiB each stay under the 1 MiB limit, the
    # preallocated segment included: nothing fails.
    path = str(tmp_path / 'limited.log')
    n = 16_000       # about 1.5 MiB: the oldest records are rotated away
    code, _, err = run(FSIZE_CHILD, path, n, 256 << 10, 3, timeout=60)
    assert code == 0, err
    assert 'lost' not in err and 'failed' not in err, err
    files = chain(path)
    assert len(files) == 4, files
    nums = []
    for f in files:
        assert size(f) <= 256 << 10
        nums += record_lines(read(f), f)
    assert nums and nums[-1] == n - 1
    assert nums == list(range(nums[0], n))
    # Only whole backups went away: about 4 x 256 KiB of records remain.
    assert len(nums) * (len(PAD) + 14) > 3 * (256 << 10)


# -- 4. the idle trim -----------------------------------------------------

IDLE_CHILD = r'''
h = make()
for i in range(int(args[0])):
    log.info('record %d', i)
print('logged', flush=True)
sys.stdin.readline()     # the parent looks at the file meanwhile
h.close()
'''


def test_idle_consumer_trims_the_preallocated_tail(tmp_path):
    path = str(tmp_path / 'idle.log')
    n = 20
    expected = b''.join(b'record %d\n' % i for i in range(n))
    child = spawn(IDLE_CHILD, path, n, stdin=subprocess.PIPE)
    try:
        assert child.stdout.readline() == b'logged\n'
        # No flush: the consumer trims once it has been idle ~100 ms.
        poll(lambda: size(path) == len(expected), 2.0,
             'the file to be trimmed to %d bytes (it is %d)'
             % (len(expected), size(path)), procs=[child])
        # A reader that follows the file (tail -f) sees the records, whole.
        assert read(path) == expected
        time.sleep(0.2)
        assert read(path) == expected
        _, err = finish(child, input=b'\n')
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert err == ''
    assert read(path) == expected


# -- 5. the O_APPEND fallback ----------------------------------------------

LOCKED_CHILD = r'''
h = make()
for i in range(int(args[0])):
    log.info('record %d', i)
    if i % 1000 == 999:
        h.flush()
h.close()
'''


def test_lock_held_elsewhere_falls_back_to_o_append(tmp_path):
    path = str(tmp_path / 'locked.log')
    with open(path, 'wb') as f:
        f.write(b'first\n')
    n = 5000
    holder = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)   # held for the whole run
        code, _, err = run(LOCKED_CHILD, path, n, timeout=60)
        data = read(path)
    finally:
        os.close(holder)
    assert code == 0, err
    assert err.count(FALLBACK) == 1, err
    lines = complete_lines(data, path)
    assert lines[0] == b'first'
    assert check_sequence(lines[1:], 'record ') == n


FIFO_CHILD = r'''
h = make(maxBytes=int(args[1]), backupCount=2)
for i in range(int(args[0])):
    log.info('record %d', i)
h.close()
'''


class FifoReader(threading.Thread):
    """Reads the FIFO until EOF, as `cat fifo` does."""

    def __init__(self, path):
        threading.Thread.__init__(self, daemon=True)
        self.path = path
        self.data = b''

    def run(self):
        with open(self.path, 'rb') as f:
            self.data = f.read()


class FifoDrain(threading.Thread):
    """Reads the FIFO through a read-write descriptor (so it never sees
    EOF and writers never wait to open it) until *want* bytes came."""

    def __init__(self, path, want, timeout):
        threading.Thread.__init__(self, daemon=True)
        self.fd = os.open(path, os.O_RDWR)
        self.want, self.timeout = want, timeout
        self.chunks = []

    def run(self):
        deadline, got = time.monotonic() + self.timeout, 0
        os.set_blocking(self.fd, False)
        while got < self.want and time.monotonic() < deadline:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                time.sleep(0.002)
                continue
            self.chunks.append(chunk)
            got += len(chunk)
        os.close(self.fd)


@pytest.mark.parametrize('max_bytes', [0, 1000])
def test_fifo_all_records_arrive(tmp_path, max_bytes):
    # A FIFO never rotates and is written with O_APPEND write(2)s.  The
    # reader keeps the FIFO open for reading throughout.
    path = str(tmp_path / 'fifo')
    os.mkfifo(path)
    n = 5000
    expected = b''.join(b'record %d\n' % i for i in range(n))
    drain = FifoDrain(path, len(expected), 60)
    drain.start()
    code, _, err = run(FIFO_CHILD, path, n, max_bytes, timeout=60)
    drain.join(60)
    assert code == 0, err
    assert 'lost' not in err, err
    assert b''.join(drain.chunks) == expected


def test_fifo_read_until_eof_like_cat(tmp_path):
    # `cat fifo > out & python app.py`: one reader that stops at EOF.
    path = str(tmp_path / 'fifo')
    os.mkfifo(path)
    n = 5000
    expected = b''.join(b'record %d\n' % i for i in range(n))
    reader = FifoReader(path)
    reader.start()
    child = spawn(FIFO_CHILD, path, n, 0)
    try:
        out, err = child.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        pytest.fail('the child hung; the reader got %d of %d bytes'
                    % (len(reader.data), len(expected)))
    finally:
        if reader.is_alive():
            # Unblock the reader (opens for writing, then EOF).
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)
    assert child.returncode == 0, err
    assert reader.data == expected


# -- 6. WatchedFileHandler and logrotate --------------------------------

WATCHED_CHILD = r'''
stop = args[0]
h = make(logging.handlers.WatchedFileHandler)
i = 0
while True:
    log.info('record %d', i)
    i += 1
    if i % 50 == 0:
        if os.path.exists(stop):
            break
        time.sleep(0.0005)
h.close()
print(i)
'''


def test_watched_file_renamed_and_deleted_while_logging(tmp_path):
    path = str(tmp_path / 'w.log')
    stop = str(tmp_path / 'stop')
    child = spawn(WATCHED_CHILD, path, stop)
    deleted = None
    try:
        poll(lambda: size(path) > 20_000, 30, 'records', procs=[child])
        os.rename(path, path + '.1')                     # logrotate
        poll(lambda: size(path) > 20_000, 30, 'records in the new file',
             procs=[child])
        deleted = os.open(path, os.O_RDONLY)             # keep it readable
        os.unlink(path)                                  # deleted
        poll(lambda: size(path) > 20_000, 30, 'records in a newer file',
             procs=[child])
        open(stop, 'w').close()
        out, err = finish(child)
        gone = b''
        while True:
            chunk = os.read(deleted, 1 << 20)
            if not chunk:
                break
            gone += chunk
    finally:
        if deleted is not None:
            os.close(deleted)
        if child.poll() is None:
            child.kill()
            child.wait()
    assert err == ''
    count = int(out)
    parts = [read(path + '.1'), gone, read(path)]
    lines = []
    for part, where in zip(parts, ['renamed', 'deleted', 'current']):
        got = complete_lines(part, where)
        assert got, where + ' file is empty'
        lines += got
    assert len(lines) == count
    assert check_sequence(lines, 'record ') == count
