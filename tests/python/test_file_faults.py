"""Fault tests for the engine's rotating file sink, each scenario in fresh
subprocesses: a process killed mid-write, several processes on one path
(attologging and the stdlib), a file size limit (``RLIMIT_FSIZE``: writes
fail with ``EFBIG``), the idle trim, the ``O_APPEND`` fallback (a lock
held elsewhere, a FIFO) and logrotate under a ``WatchedFileHandler``.

Most scenarios run both ways the sink can write (docs/handlers.md):
batched ``O_APPEND`` ``write(2)``s (the default) and, with
``ATTOLOGGING_MMAP=1``, through a memory map (engine/src/sink/mapped.rs):
while records flow the file then ends in a preallocated segment of NULs,
cut off when the consumer goes idle, on flush, before a rollover and on
close; every batch holds an ``flock``, and a sink that finds the file
changed re-derives the true end (after the last non-NUL byte, adding a
newline after a torn record).  A writer that ignores the ``flock`` (the
stdlib in another process) is noticed, and the sink falls back to
``O_APPEND``.

Several scenarios are races: those tests pick their moments (freezing a
writer with SIGSTOP) or repeat the run.
"""

import fcntl
import os
import random
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
for _name in ('PYTHONWARNINGS', 'ATTOLOGGING_MMAP'):
    ENV.pop(_name, None)
MMAP_ENV = dict(ENV, ATTOLOGGING_MMAP='1')

FALLBACK = 'writing with O_APPEND instead of a memory map'

pytestmark = pytest.mark.skipif(not sys.platform.startswith('linux'),
                                reason='Linux fault injection')


@pytest.fixture(autouse=True)
def _drop_big_files(tmp_path):
    """Removes what a test leaves over 1 MiB (pytest keeps the last few
    runs' directories)."""
    yield
    for root, _, names in os.walk(str(tmp_path)):
        for name in names:
            f = os.path.join(root, name)
            if os.path.isfile(f) and os.path.getsize(f) > 1 << 20:
                os.remove(f)


# How the rotating sink writes: parametrize a test with ``mmap``.
BOTH_WAYS = pytest.mark.parametrize('mmap', [False, True],
                                    ids=['write', 'mmap'])

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


def spawn(code, *args, prologue=PROLOGUE, mmap=False, **kw):
    kw.setdefault('stdout', subprocess.PIPE)
    kw.setdefault('stderr', subprocess.PIPE)
    return subprocess.Popen([sys.executable, '-c', prologue + code]
                            + [str(a) for a in args],
                            env=MMAP_ENV if mmap else ENV, **kw)


def run(code, *args, timeout=60, **kw):
    """Runs a child to its end: (exit code, stdout, stderr)."""
    p = spawn(code, *args, **kw)
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


def check_sequence(lines, prefix):
    """Asserts *lines* are '<prefix>0', '<prefix>1', ... without gaps;
    returns how many."""
    pat = re.compile(re.escape(prefix.encode()) + rb'(\d+)')
    for n, line in enumerate(lines):
        m = pat.fullmatch(line)
        assert m and int(m.group(1)) == n, (
            'line %d of %d is %r, expected %r (previous: %r)'
            % (n, len(lines), line, ('%s%d' % (prefix, n)).encode(),
               lines[max(0, n - 3):n]))
    return len(lines)


def first_difference(a, b):
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y),
             min(len(a), len(b)))
    return 'at offset %d: %r instead of %r' % (i, a[max(0, i - 40):i + 40],
                                               b[max(0, i - 40):i + 40])


# -- 1. kill -9 mid-write, then reopen -----------------------------------

KILL_CHILD = r'''
make(maxBytes=int(args[0]), backupCount=int(args[1]))
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


def all_threads_stopped(pid):
    for tid in os.listdir('/proc/%d/task' % pid):
        try:
            with open('/proc/%d/task/%s/stat' % (pid, tid)) as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            continue
        if state not in ('t', 'T'):
            return False
    return True


def nul_inside_written_part(path):
    """The offset of a NUL byte in the last MiB before the end of what
    was written to *path* (its last non-NUL byte), or None."""
    with open(path, 'rb') as f:
        end = os.fstat(f.fileno()).st_size
        while end > 0:
            start = max(0, end - (1 << 20))
            f.seek(start)
            written = f.read(end - start).rstrip(b'\0')
            if written:
                end = start + len(written)
                break
            end = start
        start = max(0, end - (1 << 20))
        f.seek(start)
        i = f.read(end - start).find(b'\0')
    return None if i < 0 else start + i


def identity(path):
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size


def kill_mid_write(child, path, chances):
    """SIGKILLs *child*, which is writing *path* through a map as fast as
    it can, at a moment when the sink has just grown the file by a new
    segment (its busiest moments: the first copies into a new map fault
    page by page).  The child is frozen (SIGSTOP) at up to *chances*
    such moments and killed while frozen -- which leaves exactly what a
    kill at that moment leaves -- at the first one that shows a NUL byte
    inside the file's written part, else at the last.  Returns that
    NUL's offset, or None."""
    last, hole = identity(path), None
    deadline = time.monotonic() + 60
    while chances > 0:
        now = identity(path)
        if now is None or last is None or now[0] != last[0]:
            last = now                    # a new file: not a new segment
        elif now[1] > last[1]:
            last, chances = now, chances - 1
            os.kill(child.pid, signal.SIGSTOP)
            poll(lambda: all_threads_stopped(child.pid), 10,
                 'the child to stop', interval=0.001)
            try:
                hole = nul_inside_written_part(path)
            except FileNotFoundError:    # between a rename and the reopen
                pass
            if hole is not None:
                break
            if chances:
                os.kill(child.pid, signal.SIGCONT)
        if child.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.0005)
    child.kill()
    child.wait(30)
    return hole


def check_reopened(path, hole=None, own_line=True):
    """The files after a kill and a reopen that logged 'after': 'record
    0' ... 'record N' whole and in order, then maybe the killed run's
    last record torn, then 'after'; no NUL byte anywhere.  *own_line*:
    the torn record must be on a line of its own (a sink writing through
    a map adds the newline), else 'after' may follow it on its line, as
    with the stdlib.  Returns the files and the number of whole records."""
    files = chain(path)
    parts = []
    for f in files:
        data = read(f)
        if b'\0' in data:
            at = data.index(b'\0')
            pytest.fail('%s: NUL at offset %d after the reopen (the killed '
                        'process left one inside the written part at %s): %r'
                        % (f, at, hole, data[max(0, at - 40):at + 80]))
        if own_line:
            assert data.endswith(b'\n'), '%s: %r' % (f, data[-80:])
        parts.append(data)
    data = b''.join(parts)
    assert data.endswith(b'after\n'), data[-80:]
    start = data.rfind(b'\n', 0, len(data) - 1) + 1
    body, inline = data[:start], data[start:-len(b'after\n')]
    assert not (own_line and inline), 'no newline after %r' % inline
    k = body.count(b'\n')
    whole = b''.join(b'record %d\n' % i for i in range(k))
    if body == whole:
        torn, n = inline, k
    else:
        assert not inline, 'two torn records? %r' % data[-200:]
        whole = whole[:whole.rindex(b'record ')]
        assert body.startswith(whole), first_difference(body, whole)
        torn, n = body[len(whole):-1], k - 1
        assert torn, 'an empty line'
    assert (b'record %d' % n).startswith(torn), torn
    return files, n


# A kill during the copy into the map once left NUL holes (memcpy stores
# the first bytes of a large copy last); the copy now goes front to back
# (mapped.rs, copy_in_order).
@pytest.mark.parametrize('max_bytes,backups', [(0, 0), (6 << 20, 200)],
                         ids=['no-rotation', 'rotation'])
def test_kill_mid_write_then_reopen_mmap(tmp_path, max_bytes, backups):
    # With rotation, files of 6 MiB: each takes a second 4 MiB segment.
    path = str(tmp_path / 'app.log')
    child = spawn(KILL_CHILD, path, max_bytes, backups, mmap=True,
                  stdout=subprocess.DEVNULL)
    try:
        if backups:
            poll(lambda: size(path + '.2') > 0, 30, 'two rollovers',
                 procs=[child])
        else:
            poll(lambda: size(path) > 0, 30, 'the file', procs=[child])
        hole = kill_mid_write(child, path, 10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)
    assert child.returncode == -signal.SIGKILL
    # What the killed process left may end in a preallocated segment of
    # NULs (that is the point); the backups are whole (trimmed before
    # each rollover).
    for f in chain(path)[:-1]:
        data = read(f)
        assert b'\0' not in data and data.endswith(b'\n'), f

    code, _, err = run(REOPEN_CHILD, path, max_bytes, backups, mmap=True)
    assert code == 0, err
    assert 'lost' not in err and FALLBACK not in err, err
    files, n = check_reopened(path, hole)
    assert hole is None
    # It was killed while writing, well into the run.
    assert n > 100_000, n
    if backups:
        assert len(files) >= 3, files
        for f in files[:-1]:
            assert size(f) <= max_bytes, (f, size(f))


@pytest.mark.parametrize('max_bytes,backups', [(0, 0), (6 << 20, 200)],
                         ids=['no-rotation', 'rotation'])
def test_kill_mid_write_then_reopen_write(tmp_path, max_bytes, backups):
    # Batched O_APPEND writes: no NUL tail; a kill during a write(2) can
    # leave a torn last record, which the next record then continues on
    # the same line (as with the stdlib).
    path = str(tmp_path / 'app.log')
    child = spawn(KILL_CHILD, path, max_bytes, backups,
                  stdout=subprocess.DEVNULL)
    try:
        poll(lambda: size(path + '.2' if backups else path) > 2 << 20, 30,
             'records', procs=[child])
        time.sleep(random.uniform(0, 0.05))
    finally:
        child.kill()
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    code, _, err = run(REOPEN_CHILD, path, max_bytes, backups)
    assert code == 0, err
    assert err == ''
    files, n = check_reopened(path, own_line=False)
    assert n > 100_000, n
    if backups:
        assert len(files) >= 3, files


@pytest.mark.parametrize('max_bytes,backups', [(0, 0), (1 << 20, 5)],
                         ids=['no-rotation', 'rotation'])
@pytest.mark.parametrize('left,tail', [
    (b'record 0\nrecord 1\nrec', 1 << 20),     # a torn record
    (b'record 0\nrecord 1\n', 1 << 20),        # killed between records
    (b'record 0\nrecord 1\n', 100),            # a short tail
    (b'', 4 << 20),                            # nothing written yet
], ids=['torn', 'whole', 'short-tail', 'empty'])
def test_reopen_after_a_killed_writer_mmap(tmp_path, left, tail, max_bytes,
                                           backups):
    # What kill -9 leaves when it lands between two stores of a consumer
    # writing through a map: records, maybe a torn one, then the
    # preallocated NULs.
    path = str(tmp_path / 'app.log')
    with open(path, 'wb') as f:
        f.write(left + b'\0' * tail)
    code, _, err = run(REOPEN_CHILD, path, max_bytes, backups, mmap=True)
    assert code == 0, err
    assert err == ''
    expect = left + (b'\n' if left and not left.endswith(b'\n') else b'')
    assert read(path) == expect + b'after\n'
    assert not os.path.exists(path + '.1')


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

# Bursts of 500 records, 5 ms apart: each burst finds the file changed
# by the other writer.
BURSTS_CHILD = r'''
who, n, go = args[0], int(args[1]), args[2]
h = make(mode=args[3], maxBytes=0)
open(go + '.' + who, 'w').close()
wait_for(go)
for i in range(n):
    log.info('%s %d', who, i)
    if i % 500 == 499:
        time.sleep(0.005)
h.close()
open(go + '.done', 'w').close()
'''

# The stdlib's FileHandler, logging until the other writer is done.
STDLIB_UNTIL_DONE_CHILD = r'''
who, n, go = args[0], int(args[1]), args[2]
h = make(logging.FileHandler, mode='a')
open(go + '.' + who, 'w').close()
wait_for(go)
i = 0
while i < n or not os.path.exists(go + '.done'):
    log.info('%s %d', who, i)
    i += 1
h.close()
print(i)
'''

# One record every 20 ms, interleaved: attologging or (who == 'std') the
# stdlib's FileHandler.
SLOW_CHILD = r'''
who, n, go = args[0], int(args[1]), args[2]
if who == 'std':
    h = make(logging.FileHandler, mode='a')
else:
    h = make(maxBytes=0)
open(go + '.' + who, 'w').close()
wait_for(go)
if who == 'std':
    time.sleep(0.01)
for i in range(n):
    log.info('%s %d', who, i)
    time.sleep(0.02)
h.close()
'''


def run_concurrently(tmp_path, path, children, n, mmap):
    """Starts *children* ((who, code, prologue, mode)), lets them log at
    the same moment, waits for them; returns their outputs and their
    stderr joined."""
    go = str(tmp_path / ('go-' + os.path.basename(path)))
    procs = [spawn(code, path, who, n, go, mode, prologue=prologue,
                   mmap=mmap)
             for who, code, prologue, mode in children]
    try:
        poll(lambda: all(os.path.exists(go + '.' + c[0]) for c in children),
             30, 'children ready', procs=procs)
        open(go, 'w').close()
        outs = [finish(p) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    return [o for o, _ in outs], ''.join(e for _, e in outs)


def split_by_writer(lines, whos):
    out = {who: [] for who in whos}
    for line in lines:
        who = line.split(b' ', 1)[0].decode(errors='replace')
        assert who in out, 'foreign line %r' % line
        out[who].append(line)
    return out


@pytest.mark.parametrize('mode,existing,mmap', [
    ('a', b'', False), ('a', b'already here\n', False),
    ('a', b'', True), ('a', b'already here\n', True),
    # With write(2)s, mode 'w' is not O_APPEND: each process writes at its
    # own offset, over the other's records, as the stdlib's 'w' does.
    ('w', b'truncated\n', True),
], ids=['append-new-write', 'append-existing-write', 'append-new-mmap',
        'append-existing-mmap', 'truncate-mmap'])
def test_two_processes_one_path(tmp_path, mode, existing, mmap):
    # Both open the file (mode 'w': both truncate it) before either logs.
    path = str(tmp_path / 'shared.log')
    if existing:
        with open(path, 'wb') as f:
            f.write(existing)
    n = 30_000
    _, err = run_concurrently(tmp_path, path, [
        ('A', SHARED_CHILD, PROLOGUE, mode),
        ('B', SHARED_CHILD, PROLOGUE, mode)], n, mmap)
    assert err == ''
    data = read(path)
    if mode == 'a':
        assert data.startswith(existing)
        data = data[len(existing):]
    lines = complete_lines(data, path)
    assert len(lines) == 2 * n
    by = split_by_writer(lines, 'AB')
    for who in 'AB':
        assert check_sequence(by[who], who + ' ') == n


UNLOCKED = 'another program appends to the file without taking its lock'


@pytest.mark.parametrize('mmap', [False, True], ids=['write', 'mmap'])
def test_attologging_and_stdlib_process_one_path(tmp_path, mmap):
    # The stdlib's FileHandler does not take the flock: it appends at the
    # file's size.  The map path notices the first such append (past its
    # preallocated tail, or where it was about to grow into), says so once
    # and writes with O_APPEND from then on: one run of NULs may remain
    # between lines -- but no record may be lost or damaged.  attologging
    # logs in bursts while the stdlib logs throughout; a race, so 6 runs
    # (the loss this guards against showed in about half the runs).
    n = 8000
    for attempt in range(6 if mmap else 2):
        path = str(tmp_path / ('mixed%d.log' % attempt))
        try:
            outs, err = run_concurrently(tmp_path, path, [
                ('atto', BURSTS_CHILD, PROLOGUE, 'a'),
                ('std', STDLIB_UNTIL_DONE_CHILD, STDLIB_PROLOGUE, 'a')], n,
                mmap)
            data = read(path)
        finally:
            if os.path.exists(path):
                os.remove(path)     # mmap: up to 100 MiB, mostly NULs
        if mmap and err:
            assert err.count('\n') == 1 and UNLOCKED in err and FALLBACK in err, err
        else:
            assert err == ''
        std_n = int(outs[1])
        if not mmap:
            assert b'\0' not in data
        else:
            assert data.count(b'\0') <= 2 * (4 << 20), 'one tail left behind at most'
        lines = complete_lines(data.replace(b'\0', b''), path)
        by = split_by_writer(lines, ['atto', 'std'])
        assert check_sequence(by['atto'], 'atto ') == n
        assert check_sequence(by['std'], 'std ') == std_n
        assert len(lines) == n + std_n


def test_attologging_and_stdlib_process_slowly_one_path_mmap(tmp_path):
    # Two programs that log now and then to one file: the stdlib's first
    # unlocked append past the sink's tail makes it fall back, so one tail
    # of NULs at most is left behind (it was a 4 MiB segment per append).
    path = str(tmp_path / 'mixed.log')
    n = 8
    try:
        run_concurrently(tmp_path, path, [
            ('atto', SLOW_CHILD, PROLOGUE, 'a'),
            ('std', SLOW_CHILD, STDLIB_PROLOGUE, 'a')], n, True)
        data = read(path)
    finally:
        if os.path.exists(path):
            os.remove(path)
    text = data.replace(b'\0', b'')
    assert len(complete_lines(text, path)) == 2 * n
    nuls = len(data) - len(text)
    assert nuls <= 8 << 20, '%d bytes of text, %d NULs' % (len(text), nuls)


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


def record_numbers(data, where):
    lines = complete_lines(data, where)
    pat = re.compile(rb'record (\d+) ' + PAD.encode())
    nums = []
    for line in lines:
        m = pat.fullmatch(line)
        assert m, '%s: damaged line %r' % (where, line)
        nums.append(int(m.group(1)))
    return nums


@BOTH_WAYS
def test_file_size_limit_loses_records_and_says_so(tmp_path, mmap):
    path = str(tmp_path / 'limited.log')
    n = 25_000       # about 2.3 MiB
    code, _, err = run(FSIZE_CHILD, path, n, 0, 0, mmap=mmap)
    assert code == 0, err
    assert size(path) <= LIMIT
    data = read(path)
    if not data.endswith(b'\n'):
        # The write that reached the limit wrote what fitted: the last
        # record is torn (as with the stdlib) and counted as lost; had a
        # later write succeeded, it would have started a new line.
        assert not mmap and len(data) == LIMIT, (len(data), data[-80:])
        data = data[:data.rindex(b'\n') + 1]
    nums = record_numbers(data, path)
    # What fits is there, in order, from the first record on; records
    # that do not fit are counted as lost, whole ones as written.
    assert nums[:1] == [0] and nums == sorted(set(nums)), nums[:3]
    assert len(nums) * (len(PAD) + 14) > LIMIT // 2, len(nums)
    reports = LOST.findall(err)
    assert reports, err[-2000:]
    assert 'File too large' in reports[-1][2], reports
    # Each record is either in the file or counted as lost.
    lost = sum(int(r[1]) for r in reports)
    assert len(nums) + lost == n, (len(nums), lost, reports)


def test_file_size_limit_stdlib_for_comparison(tmp_path):
    # The stdlib in the same situation: its buffered file writes what
    # fits -- the file ends up exactly at the limit, its last record cut
    # short (1048576 bytes ending in 'record 11273 xxx...') -- then each
    # later record's flush raises OSError(EFBIG) in emit(), and
    # handleError() prints '--- Logging error ---' and a traceback for
    # every lost record (1727 of them here, 850 KB of stderr); nothing is
    # counted.  attologging tears the same record, counts it and every
    # later one as lost (the records that landed whole as written), and
    # prints one line per report interval: "attologging: rotating file
    # '...': 12 failed writes, 13734 records lost; last error: File too
    # large (os error 27)".
    path = str(tmp_path / 'limited.log')
    n = 13_000       # about 1.2 MiB
    code, _, err = run(FSIZE_CHILD, path, n, 0, 0, prologue=STDLIB_PROLOGUE)
    assert code == 0, err[-2000:]
    assert size(path) <= LIMIT
    assert '--- Logging error ---' in err


@BOTH_WAYS
def test_file_size_limit_with_rotation_loses_nothing(tmp_path, mmap):
    # Four files of at most 256 KiB each stay under the 1 MiB limit (with
    # a map, the preallocated segment is at most maxBytes): nothing fails.
    path = str(tmp_path / 'limited.log')
    n = 16_000       # about 1.5 MiB: the oldest records are rotated away
    code, _, err = run(FSIZE_CHILD, path, n, 256 << 10, 3, mmap=mmap)
    assert code == 0, err
    assert err == ''
    files = chain(path)
    assert len(files) == 4, files
    nums = []
    for f in files:
        assert size(f) <= 256 << 10
        nums += record_numbers(read(f), f)
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


@BOTH_WAYS
def test_idle_consumer_leaves_exactly_the_records(tmp_path, mmap):
    # No flush: with a map, the consumer trims the preallocated tail once
    # it has been idle about 100 ms.
    path = str(tmp_path / 'idle.log')
    n = 20
    expected = b''.join(b'record %d\n' % i for i in range(n))
    child = spawn(IDLE_CHILD, path, n, stdin=subprocess.PIPE, mmap=mmap)
    try:
        assert child.stdout.readline() == b'logged\n'
        poll(lambda: size(path) == len(expected), 2.0,
             'the file to be %d bytes (it is %d)'
             % (len(expected), size(path)), procs=[child])
        # A reader that follows the file (tail -f) sees the records whole,
        # and nothing after them.
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


@BOTH_WAYS
def test_lock_held_elsewhere(tmp_path, mmap):
    # With a map, the first batch waits a second for the lock, then the
    # sink writes with O_APPEND and says so once; batched writes do not
    # take the lock.
    path = str(tmp_path / 'locked.log')
    with open(path, 'wb') as f:
        f.write(b'first\n')
    n = 5000
    holder = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)   # held for the whole run
        code, _, err = run(LOCKED_CHILD, path, n, mmap=mmap)
        data = read(path)
    finally:
        os.close(holder)
    assert code == 0, err
    assert err.count(FALLBACK) == (1 if mmap else 0), err
    assert err.replace(FALLBACK, '').count('\n') == (1 if mmap else 0), err
    lines = complete_lines(data, path)
    assert lines[0] == b'first'
    assert check_sequence(lines[1:], 'record ') == n


FIFO_CHILD = r'''
h = make(maxBytes=int(args[1]), backupCount=2)
for i in range(int(args[0])):
    log.info('record %d', i)
h.close()
'''


class FifoDrain(threading.Thread):
    """Reads a FIFO through a read-write descriptor (so it never sees EOF
    and writers never wait to open it) until *want* bytes came."""

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


@BOTH_WAYS
@pytest.mark.parametrize('max_bytes', [0, 1000])
def test_fifo_all_records_arrive(tmp_path, max_bytes, mmap):
    # A FIFO never rotates and is written with O_APPEND write(2)s.  The
    # reader keeps the FIFO open for reading throughout.
    path = str(tmp_path / 'fifo')
    os.mkfifo(path)
    n = 5000
    expected = b''.join(b'record %d\n' % i for i in range(n))
    drain = FifoDrain(path, len(expected), 60)
    drain.start()
    code, _, err = run(FIFO_CHILD, path, n, max_bytes, mmap=mmap)
    drain.join(60)
    assert code == 0, err
    assert err == ''
    assert b''.join(drain.chunks) == expected


class FifoReader(threading.Thread):
    """Reads a FIFO until EOF, as `cat fifo` does."""

    def __init__(self, path):
        threading.Thread.__init__(self, daemon=True)
        self.path = path
        self.data = b''

    def run(self):
        with open(self.path, 'rb') as f:
            self.data = f.read()


FIFOS_CHILD = r'''
for k in range(int(args[1])):
    h = logging.handlers.RotatingFileHandler('%s.%d' % (path, k))
    h.setFormatter(logging.Formatter('%(message)s'))
    log.addHandler(h)
    for i in range(int(args[0])):
        log.info('record %d', i)
    h.close()
    log.removeHandler(h)
'''

def test_fifo_read_until_eof_like_cat(tmp_path):
    # `cat fifo > out & python app.py`: one reader that stops at EOF,
    # which should come once the program closes the handler.  It is a
    # race: one child opens 100 FIFOs one after the other, each with its
    # own reader.  (The stdlib passes this.)
    n, fifos = 20, 100
    expected = b''.join(b'record %d\n' % i for i in range(n))
    path = str(tmp_path / 'fifo')
    readers = []
    for k in range(fifos):
        os.mkfifo('%s.%d' % (path, k))
        readers.append(FifoReader('%s.%d' % (path, k)))
        readers[-1].start()
    child = spawn(FIFOS_CHILD, path, n, fifos)
    try:
        for k, reader in enumerate(readers):
            reader.join(30)
            assert not reader.is_alive(), 'reader %d saw no EOF' % k
            assert reader.data == expected, (
                'FIFO %d: the reader got EOF after %d of %d bytes'
                % (k, len(reader.data), len(expected)))
        _, err = finish(child, timeout=30)
        assert err == ''
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
        for k, reader in enumerate(readers):
            if reader.is_alive():
                # Unblock the reader (a writer comes and goes: EOF).
                os.close(os.open('%s.%d' % (path, k),
                                 os.O_WRONLY | os.O_NONBLOCK))
                reader.join(10)


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
    assert check_sequence(lines, 'record ') == count
