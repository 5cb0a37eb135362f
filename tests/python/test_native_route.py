"""The native route: when it is taken, that every change takes effect on the
very next call, and that nothing is lost across threads, fork and exit.

Output equality with the stdlib across generated scenarios is checked by
test_differential.py (its 'file' variant runs every scenario on this route);
these tests check the routing decisions and the lifecycle around it.
"""

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import attologging as L

FMT = '%(levelname)s %(name)s %(message)s'


@pytest.fixture
def logfile(tmp_path):
    """A fresh non-propagating logger with a FileHandler; yields
    (logger, handler, read) where read() flushes and returns the text."""
    path = tmp_path / 'out.log'
    logger = L.getLogger('native.%s' % tmp_path.name)
    logger.propagate = False
    logger.setLevel(L.DEBUG)
    handler = L.FileHandler(path)
    handler.setFormatter(L.Formatter(FMT))
    logger.addHandler(handler)

    def read():
        handler.flush()
        return path.read_text()

    yield logger, handler, read
    logger.removeHandler(handler)
    handler.close()


def native(logger):
    return logger._plan().is_native


def test_file_handler_chain_is_native(logfile):
    logger, handler, read = logfile
    assert native(logger)
    logger.info('user %s did %d things in %.3f s', 'alice', 3, 0.5)
    assert read() == 'INFO %s user alice did 3 things in 0.500 s\n' % logger.name


@pytest.mark.parametrize('change', [
    'handler.setLevel(L.ERROR)',
    'handler.setFormatter(L.Formatter("X %(message)s"))',
    'handler.formatter._style._fmt = "Y %(message)s"',
    'logger.setLevel(L.ERROR)',
    'logger.disabled = True',
    'L.disable(L.INFO)',
    'logger.filters.append(lambda r: False)',
    'handler.filters.append(lambda r: False)',
    'logger.handlers.append(L.StreamHandler(sink))',
    'logger.handlers[:] = []',
    'logger.propagate = True',
    'L.setLogRecordFactory(Factory)',
    'L.LogRecord.getMessage = lambda self: "patched"',
    'L.Formatter.converter = time.gmtime',
    'L.logThreads = False',
    'L.addLevelName(L.INFO, "NOTICE")',
])
def test_every_change_takes_effect_on_the_next_call(logfile, change, tmp_path):
    """The same change, applied to attologging and to the stdlib, gives the
    same next record."""
    import io
    import logging

    def scenario(mod, path):
        logger = mod.getLogger('chg.%s' % path.stem)
        logger.propagate = False
        logger.setLevel(mod.DEBUG)
        handler = mod.FileHandler(path)
        handler.setFormatter(mod.Formatter('%(levelname)s %(thread)s %(message)s'))
        logger.addHandler(handler)
        logger.info('before')
        sink = io.StringIO()
        saved = (mod.LogRecord.getMessage, mod.Formatter.converter,
                 mod.getLogRecordFactory(), mod.logThreads,
                 mod.getLevelName(mod.INFO))

        class Factory(mod.LogRecord):
            def getMessage(self):
                return 'factory'
        try:
            exec(change, {'L': mod, 'logger': logger, 'handler': handler,
                          'time': time, 'sink': sink, 'Factory': Factory})
            logger.info('after %s', 1)
        finally:
            (mod.LogRecord.getMessage, mod.Formatter.converter) = saved[:2]
            mod.setLogRecordFactory(saved[2])
            mod.logThreads = saved[3]
            mod.addLevelName(mod.INFO, saved[4])
            mod.disable(mod.NOTSET)
            logger.handlers[:] = []
            handler.close()
        return path.read_text() + sink.getvalue()

    ours = scenario(L, tmp_path / 'ours.log')
    theirs = scenario(logging, tmp_path / 'theirs.log')
    ident = str(threading.get_ident())
    assert ours.replace(ident, 'T') == theirs.replace(ident, 'T')


def test_compatible_route_for_python_defined_parts(logfile):
    logger, handler, read = logfile

    class Sub(L.Formatter):
        pass
    handler.setFormatter(Sub(FMT))
    assert not native(logger)
    logger.info('via %s', 'python')
    handler.setFormatter(L.Formatter(FMT))
    assert native(logger)
    logger.info('via %s', 'engine')
    assert read().splitlines() == ['INFO %s via python' % logger.name,
                                   'INFO %s via engine' % logger.name]


def test_fake_clock_is_honoured(logfile):
    """A replaced time.time (freezegun and the like) is read per record."""
    logger, handler, read = logfile
    handler.setFormatter(L.Formatter('%(created)f %(message)s'))
    name = 'time_ns' if sys.version_info >= (3, 13) else 'time'
    real = getattr(time, name)
    fake = (lambda: 1_000_000_000_000_000_000) if name == 'time_ns' \
        else (lambda: 1e9)
    setattr(time, name, fake)
    try:
        logger.info('frozen')
    finally:
        setattr(time, name, real)
    logger.info('real')
    lines = read().splitlines()
    assert lines[0] == '1000000000.000000 frozen'
    assert abs(float(lines[1].split()[0]) - time.time()) < 60


def test_threads_lose_nothing_and_keep_their_order(logfile):
    logger, handler, read = logfile
    per_thread = 20000

    def work(n):
        for i in range(per_thread):
            logger.info('t%d %d', n, i)
    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seen = {n: [] for n in range(4)}
    for line in read().splitlines():
        _, _, tag, i = line.split()
        seen[int(tag[1:])].append(int(i))
    assert all(seen[n] == list(range(per_thread)) for n in range(4))


def run(code, **kw):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.path.dirname(os.path.dirname(L.__file__))
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          capture_output=True, text=True, env=env,
                          timeout=60, **kw)


def test_exit_and_os_exit_and_fork_drain(tmp_path):
    """Records queued when the interpreter exits, when a child calls
    os._exit(), and in a child forked while another thread logs, are all
    written exactly once."""
    path = tmp_path / 'fork.log'
    proc = run('''
        import os, threading, attologging as L
        h = L.FileHandler(%r)
        h.setFormatter(L.Formatter('%%(process)d %%(message)s'))
        L.root.addHandler(h)
        L.root.setLevel(L.INFO)
        stop = False
        def chatter():
            while not stop:
                L.info('background')
        t = threading.Thread(target=chatter)
        t.start()
        children = []
        for n in range(3):
            pid = os.fork()
            if pid == 0:
                for i in range(1000):
                    L.info('child %%d %%d', n, i)
                os._exit(0)
            children.append(pid)
        for pid in children:
            os.waitpid(pid, 0)
        stop = True
        t.join()
        for i in range(1000):
            L.info('parent %%d', i)
    ''' % str(path))
    assert proc.returncode == 0, proc.stderr
    lines = path.read_text().splitlines()
    for n in range(3):
        got = [l.split()[-1] for l in lines if ' child %d ' % n in l]
        assert got == [str(i) for i in range(1000)]
    assert [l.split()[-1] for l in lines if ' parent ' in l] == \
        [str(i) for i in range(1000)]


def test_log_after_shutdown_still_written(tmp_path):
    path = tmp_path / 'late.log'
    proc = run('''
        import atexit, attologging as L
        h = L.FileHandler(%r)
        L.root.addHandler(h)
        def late():
            L.warning('from an atexit handler registered first')
        atexit.register(late)
        L.warning('normal')
    ''' % str(path))
    assert proc.returncode == 0, proc.stderr
    assert path.read_text() == ('normal\n'
                                'from an atexit handler registered first\n')


def test_uncaught_exception_comes_after_the_records(tmp_path):
    proc = run('''
        import attologging as L
        L.basicConfig(filename='/dev/stderr', format='%(message)s')
        L.error('logged first')
        L.error('then %s', 'this')
        raise RuntimeError('crash')
    ''')
    lines = proc.stderr.splitlines()
    assert lines[:3] == ['logged first', 'then this',
                         'Traceback (most recent call last):']
    assert lines[-1] == 'RuntimeError: crash'
