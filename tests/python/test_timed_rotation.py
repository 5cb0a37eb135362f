"""TimedRotatingFileHandler: attologging's (the stdlib's rotation code in
the calling thread, writes through an engine sink) against the stdlib's,
byte for byte.

Each generated case -- a clock that jumps in steps (across DST changes in
Europe/Berlin, America/New_York, Australia/Lord_Howe's half-hour shift,
and UTC), records logged between the steps, direct doRollover() and
shouldRollover() calls, handlers closed and re-made on the same file,
pre-existing backups that extMatch does or does not match, namers and
rotators -- runs through ``logging.handlers.TimedRotatingFileHandler`` in
one interpreter and ``attologging.handlers.TimedRotatingFileHandler`` in
another.  Both runs fake ``time.time``/``time.time_ns`` (all that the
handler and LogRecord read) and the mtime ``os.stat`` gives for files
written during the run (read when a handler is made on an existing file),
and set TZ before importing.  The
comparison covers every file's name and bytes, ``rolloverAt`` after every
step, the shouldRollover() answers, the exception if any, and stderr.
"""

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

import attologging
import attologging.handlers
from attologging import _runtime

# DIFFTEST_PYTHON_DIR runs the comparison against another copy of the
# package (to check that the comparison notices injected bugs).
PYTHON_DIR = os.environ.get('DIFFTEST_PYTHON_DIR') or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), 'python')

# The program run in each interpreter: argv = module, cases file, root
# directory (one sub-directory per case), results file.
RUNNER = r'''
import datetime, json, os, shutil, sys, time

MOD, CASES_FILE, ROOT, OUT = sys.argv[1:5]
NOW = [0]                                   # the fake clock, nanoseconds
REAL_START = time.time_ns() - 10**9
time.time = lambda: NOW[0] / 1e9
time.time_ns = lambda: NOW[0]
real_stat = os.stat


def fake_stat(path, *args, **kwargs):
    # A file made or changed during the run has the fake clock's time as
    # its mtime (the handler reads it when made on an existing file, and
    # with delay=False the file exists by then).  Files given a (past,
    # fake) time by os.utime keep it.
    st = real_stat(path, *args, **kwargs)
    if st.st_mtime_ns < REAL_START:
        return st
    extra = {k: getattr(st, k) for k in (
        'st_atime', 'st_ctime', 'st_atime_ns', 'st_ctime_ns', 'st_blksize',
        'st_blocks', 'st_rdev') if hasattr(st, k)}
    extra.update(st_mtime=NOW[0] / 1e9, st_mtime_ns=NOW[0])
    fields = list(st)
    fields[8] = NOW[0] // 10**9
    return os.stat_result(fields, extra)


os.stat = fake_stat
if MOD == 'attologging':
    import attologging as logging
    import attologging.handlers
else:
    import logging
    import logging.handlers

NAMERS = {
    None: None,
    'gz': lambda name: name + '.gz',
    'prefix': lambda name: name.replace('app.log.', 'app.') + '.log',
}


def copying_rotator(source, dest):
    if not os.path.exists(source):     # as the default rotator does
        return
    with open(source, 'rb') as f:
        data = f.read()
    with open(dest, 'wb') as f:
        f.write(b'[rotated]\n' + data)
    os.remove(source)


def keeping_rotator(source, dest):     # the source stays: reopened by mode
    if os.path.exists(source):
        shutil.copyfile(source, dest)


ROTATORS = {None: None, 'copy': copying_rotator, 'keep': keeping_rotator}


class OwnOpen(logging.handlers.TimedRotatingFileHandler):
    def _open(self):
        stream = open(self.baseFilename, self.mode, encoding=self.encoding,
                      errors=self.errors)
        stream.write('# opened %d\n' % int(time.time()))
        return stream


def make(case, path):
    cls = OwnOpen if case['own_open'] else \
        logging.handlers.TimedRotatingFileHandler
    at = datetime.time(*case['at_time']) if case['at_time'] else None
    handler = cls(path, when=case['when'], interval=case['interval'],
                  backupCount=case['backups'], encoding=case['encoding'],
                  delay=case['delay'], utc=case['utc'], atTime=at,
                  errors=case['errors'])
    handler.namer = NAMERS[case['namer']]
    handler.rotator = ROTATORS[case['rotator']]
    if case['mode_w']:
        handler.mode = 'w'
    formatter = logging.Formatter(case['fmt'], case['datefmt'])
    if case['gmt']:
        formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    return handler


def run(case, directory):
    os.makedirs(directory)
    NOW[0] = case['start']
    path = os.path.join(directory, 'app.log')
    for name, content, mtime in case['existing']:
        with open(os.path.join(directory, name), 'wb') as f:
            f.write(content.encode('latin-1'))
        os.utime(os.path.join(directory, name), ns=(mtime, mtime))
    logger = logging.getLogger('timed.%s' % case['id'])
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler, trace, answers, error, sink = None, [], [], None, False
    try:
        handler = make(case, path)
        logger.addHandler(handler)
        trace.append(handler.rolloverAt)
        for step in case['steps']:
            kind = step[0]
            if kind == 'tick':
                NOW[0] += step[1]
            elif kind == 'to_rollover':
                NOW[0] = handler.rolloverAt * 10**9 + step[1]
            elif kind == 'log':
                logger.info('%s', step[1])
            elif kind == 'rollover':
                handler.doRollover()
            elif kind == 'should':
                record = logging.makeLogRecord({'msg': 'q'})
                answers.append(bool(handler.shouldRollover(record)))
            elif kind == 'restart':
                logger.removeHandler(handler)
                handler.close()
                if os.path.exists(path):
                    os.utime(path, ns=(NOW[0], NOW[0]))
                handler = make(case, path)
                logger.addHandler(handler)
            elif kind == 'namer':
                handler.namer = NAMERS[step[1]]
            elif kind == 'flush':
                handler.flush()
            trace.append(handler.rolloverAt)
            sink = sink or type(handler.stream).__name__ == 'SinkStream'
    except Exception as e:
        error = '%s: %s' % (type(e).__name__, str(e).replace(directory, '@'))
    finally:
        if handler is not None:
            logger.removeHandler(handler)
            handler.close()
    return {'trace': trace, 'answers': answers, 'error': error,
            'sink': sink}


with open(CASES_FILE) as f:
    cases = json.load(f)
results = {}
for case in cases:
    results[case['id']] = run(case, os.path.join(ROOT, case['id']))
with open(OUT, 'w') as f:
    json.dump(results, f)
'''

# DST changes (UTC seconds) of 2021: Berlin and New York shift by an hour,
# Lord Howe by half an hour (the stdlib's code assumes an hour: both sides
# run the same code, so both are wrong alike).
TRANSITIONS = {
    'UTC': [1616893200, 1635642000],
    'Europe/Berlin': [1616893200, 1635642000],
    'America/New_York': [1615705200, 1636264800],
    'Australia/Lord_Howe': [1617462000, 1633188600],
}
UNITS = {'S': 1, 'M': 60, 'H': 3600, 'D': 86400, 'MIDNIGHT': 86400,
         'W': 7 * 86400}
WHENS = ['S', 's', 'M', 'm', 'H', 'h', 'D', 'd', 'MIDNIGHT', 'midnight',
         'Midnight', 'W0', 'W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'w6']
# (name, content) of files that may be there before the handler: backups
# whose suffix each extMatch matches or not, other files of the directory.
POOL = [
    ('app.log.2020-01-01_00-00-00', 's\n'), ('app.log.2020-01-01_00-00', 'm\n'),
    ('app.log.2020-01-01_00', 'h\n'), ('app.log.2020-01-01', 'd\n'),
    ('app.log.2020-01-02', 'd2\n'), ('app.log.2099-12-31', 'future\n'),
    ('app.log.bak', 'bak\n'), ('app.log.1', 'one\n'),
    ('app.log.2020-01-01_00-00-00.gz', 'sgz\n'), ('app.log.2020-01-01.gz', 'dgz\n'),
    ('app.2020-01-01.log', 'pfx\n'), ('app.2020-01-01_00-00-00.log', 'pfxs\n'),
    ('app.logx.2020-01-01', 'x\n'), ('other.log.2020-01-01', 'other\n'),
    ('app.log.2020-01-01.tar.gz', 'tgz\n'), ('app.log.20200101', 'compact\n'),
]
ENCODINGS = [('utf-8', None), ('utf-8', None), (None, None), ('UTF8', None),
             ('latin-1', None), ('ascii', 'backslashreplace'),
             ('utf-8', 'replace')]
FORMATS = [('%(message)s', None), ('%(asctime)s %(message)s', None),
           ('%(asctime)s|%(msecs)03d|%(created)f %(message)s',
            '%Y-%m-%dT%H:%M:%S%z')]


def _when_unit(when):
    when = when.upper()
    return UNITS['W' if when.startswith('W') else when]


def _case(rng, tz, number):
    when = rng.choice(WHENS)
    interval = rng.randint(1, 3)
    period = _when_unit(when) * interval
    anchor = rng.choice(TRANSITIONS[tz] + [rng.randrange(1577836800,
                                                         1735689600)])
    start = int((anchor - rng.uniform(0, 3 * period)) * 1000) * 10**6
    encoding, errors = rng.choice(ENCODINGS)
    fmt, datefmt = rng.choice(FORMATS)
    existing = []
    if rng.random() < 0.5:
        mtime = start - int(rng.uniform(0, 2 * period) * 10**9)
        existing.append(('app.log', 'old line\n', mtime))
    if rng.random() < 0.6:
        for name, content in rng.sample(POOL, rng.randint(1, 8)):
            existing.append((name, content, 1577836800 * 10**9))
    steps = []
    for _ in range(rng.randrange(8, 36)):
        roll = rng.random()
        if roll < 0.36:
            scale = rng.choice([0, 0.01, 0.1, 0.3, 0.5, 0.9, 0.999, 1, 1, 1.5,
                                2, 3.7])
            if rng.random() < 0.04:
                scale = -0.2          # the clock is set back
            steps.append(('tick', int(period * scale * 10**9)
                          + rng.randrange(0, 10**9)))
        elif roll < 0.42:
            steps.append(('to_rollover',
                          rng.choice([-1, 0, 1, 999 * 10**6, -10**9])))
        elif roll < 0.76:
            text = 'record %d' % len(steps)
            if rng.random() < 0.2:
                text += ' caf\u00e9'
            if errors and rng.random() < 0.3:
                text += ' \udcff'    # for the error handler
            steps.append(('log', text))
        elif roll < 0.83:
            steps.append(('rollover',))
        elif roll < 0.90:
            steps.append(('should',))
        elif roll < 0.95:
            steps.append(('restart',))
        elif roll < 0.98:
            steps.append(('flush',))
        else:
            steps.append(('namer', rng.choice([None, 'gz', 'prefix'])))
    at_time = None
    if rng.random() < 0.4:
        at_time = [rng.randrange(24), rng.choice([0, 0, 30, 59]),
                   rng.choice([0, 0, 1, 59])]
    return {
        'id': '%03d-%s-%s%d' % (number, tz.split('/')[-1], when, interval),
        'tz': tz, 'when': when, 'interval': interval, 'start': start,
        'backups': rng.randint(0, 4), 'delay': rng.random() < 0.3,
        'utc': rng.random() < 0.3, 'at_time': at_time,
        'encoding': encoding, 'errors': errors,
        'namer': rng.choice([None, None, None, 'gz', 'prefix']),
        'rotator': rng.choice([None] * 6 + ['copy', 'keep']),
        'own_open': rng.random() < 0.08, 'mode_w': rng.random() < 0.08,
        'fmt': fmt, 'datefmt': datefmt, 'gmt': rng.random() < 0.2,
        'existing': existing, 'steps': steps,
    }


def _generated():
    rng = random.Random(20261122)
    return [_case(rng, tz, i * len(TRANSITIONS) + j)
            for i in range(90) for j, tz in enumerate(sorted(TRANSITIONS))]


def _handwritten():
    base = {'tz': 'Europe/Berlin', 'when': 'midnight', 'interval': 1,
            'start': 1616800000 * 10**9, 'backups': 2, 'delay': False,
            'utc': False, 'at_time': None, 'encoding': 'utf-8',
            'errors': None, 'namer': None, 'rotator': None,
            'own_open': False, 'mode_w': False, 'fmt': '%(asctime)s %(message)s',
            'datefmt': None, 'gmt': False, 'existing': [], 'steps': []}
    days = [('log', 'a'), ('log', 'b'), ('tick', 86400 * 10**9), ('log', 'c'),
            ('rollover',), ('log', 'd'), ('tick', 86400 * 10**9),
            ('log', 'e caf\u00e9'), ('tick', 3 * 86400 * 10**9), ('log', 'f'),
            ('should',), ('to_rollover', 0), ('should',), ('log', 'g')]
    cases = [
        dict(base, id='own-open', own_open=True, steps=days),
        dict(base, id='own-open-delay', own_open=True, delay=True, steps=days),
        dict(base, id='mode-w-keeping-rotator', mode_w=True, rotator='keep',
             steps=days),
        dict(base, id='mode-w-delay', mode_w=True, delay=True, steps=days,
             existing=[('app.log', 'truncated?\n', 1616790000 * 10**9)]),
        dict(base, id='latin-1', encoding='latin-1', steps=days),
        dict(base, id='utf-16', encoding='utf-16', steps=days),
        dict(base, id='ascii-replace', encoding='ascii', errors='replace',
             steps=days),
        dict(base, id='copying-rotator-gz', rotator='copy', namer='gz',
             steps=days),
        dict(base, id='weekly-dst-lord-howe', tz='Australia/Lord_Howe',
             when='W6', start=1617000000 * 10**9, at_time=[1, 45, 0],
             steps=[('log', 'w%d' % i) if i % 2 else ('tick', 3 * 86400 * 10**9)
                    for i in range(24)]),
        dict(base, id='hourly-restarts-new-york', tz='America/New_York',
             when='H', start=1636257600 * 10**9, backups=3,
             existing=[(name, content, 1577836800 * 10**9)
                       for name, content in POOL[:6]],
             steps=[s for i in range(12) for s in (
                 ('log', 'h%d' % i), ('tick', 1700 * 10**9), ('restart',))]),
    ]
    return cases


GENERATED = _generated()
HANDWRITTEN = _handwritten()


def _files(directory):
    out = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), 'rb') as f:
            out[name] = f.read()
    return out


def _start(module, tz, cases, root):
    os.makedirs(root, exist_ok=True)
    cases_file = os.path.join(root, 'cases-%s.json' % tz.replace('/', '-'))
    with open(cases_file, 'w') as f:
        json.dump(cases, f)
    runner = cases_file[:-5] + '-runner.py'     # not rewritten while read
    with open(runner, 'w') as f:
        f.write(RUNNER)
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR, TZ=tz, LC_ALL='C.UTF-8',
               PYTHONDONTWRITEBYTECODE='1', PYTHONHASHSEED='0')
    env.pop('PYTHONWARNINGS', None)
    out = cases_file[:-5] + '-results.json'
    proc = subprocess.Popen([sys.executable, runner, module, cases_file,
                             root, out], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    return proc, out


@pytest.fixture(scope='module')
def outcomes():
    """Every case run by both implementations: {module: {id: (result,
    files)}}, each interpreter's stderr in stderr[module]."""
    # Not under pytest's basetemp, which a concurrent pytest may prune.
    root = tempfile.mkdtemp(prefix='timed-rotation-')
    try:
        yield _run_all(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run_all(root):
    by_tz = {}
    for case in GENERATED + HANDWRITTEN:
        by_tz.setdefault(case['tz'], []).append(case)
    runs = [(module, _start(module, tz, cases, os.path.join(root, module)))
            for module in ('logging', 'attologging')
            for tz, cases in sorted(by_tz.items())]
    results = {'logging': {}, 'attologging': {}}
    stderr = {'logging': b'', 'attologging': b''}
    try:
        for module, (proc, out) in runs:
            _, err = proc.communicate(timeout=300)
            stderr[module] += err
            assert proc.returncode == 0, err.decode('utf-8', 'replace')
            with open(out) as f:
                for key, value in json.load(f).items():
                    files = _files(os.path.join(root, module, key))
                    results[module][key] = (value, files)
    finally:
        for _, (proc, _) in runs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    return results, stderr


def test_no_errors_reported(outcomes):
    _, stderr = outcomes
    assert stderr['logging'] == b''
    assert stderr['attologging'] == b''


@pytest.mark.parametrize('case', GENERATED, ids=[c['id'] for c in GENERATED])
def test_timed_rotation_matches_stdlib(outcomes, case):
    results, _ = outcomes
    (expected, expected_files), (got, got_files) = (
        results[module][case['id']] for module in ('logging', 'attologging'))
    assert got['trace'] == expected['trace']        # rolloverAt, each step
    assert got['answers'] == expected['answers']    # shouldRollover()
    assert got['error'] == expected['error']
    assert got_files == expected_files              # names and bytes


@pytest.mark.parametrize('case', HANDWRITTEN,
                         ids=[c['id'] for c in HANDWRITTEN])
def test_handwritten_matches_stdlib(outcomes, case):
    results, _ = outcomes
    (expected, expected_files), (got, got_files) = (
        results[module][case['id']] for module in ('logging', 'attologging'))
    assert expected['error'] is None
    for key in ('trace', 'answers', 'error'):
        assert got[key] == expected[key]
    assert got_files == expected_files


def test_generated_cases_rotate(outcomes):
    """The generated cases do exercise rotation and pruning."""
    results, _ = outcomes
    rotated = pruned = 0
    for case in GENERATED:
        files = results['logging'][case['id']][1]
        names = set(files) - {name for name, _, _ in case['existing']}
        rotated += len(names - {'app.log'}) > 0
        pruned += any(name not in files for name, _, _ in case['existing']
                      if name != 'app.log')
    assert rotated > len(GENERATED) // 2
    assert pruned > len(GENERATED) // 10
    # ... and most of them write through attologging's engine sink.
    sinks = sum(results['attologging'][c['id']][0]['sink'] for c in GENERATED)
    assert sinks > len(GENERATED) // 2


# -- direct tests of attologging's handler --------------------------------


def _handler(path, **kwargs):
    kwargs.setdefault('encoding', 'utf-8')
    handler = attologging.handlers.TimedRotatingFileHandler(path, **kwargs)
    handler.setFormatter(attologging.Formatter('%(message)s'))
    return handler


def test_stream_is_engine_sink(tmp_path):
    handler = _handler(str(tmp_path / 'a.log'), when='h', backupCount=1)
    try:
        assert type(handler.stream) is _runtime.SinkStream
        handler.rolloverAt = 0
        handler.handle(attologging.makeLogRecord({'msg': 'x'}))
        assert type(handler.stream) is _runtime.SinkStream
    finally:
        handler.close()
    for kwargs in ({'encoding': 'latin-1'}, {'encoding': 'utf-16'}):
        handler = _handler(str(tmp_path / 'b.log'), **kwargs)
        try:
            assert type(handler.stream) is not _runtime.SinkStream
        finally:
            handler.close()


def test_records_before_rollover_land_in_rotated_file(tmp_path):
    path = str(tmp_path / 'a.log')
    handler = _handler(path, when='S', backupCount=0)
    logger = attologging.getLogger('timed.direct')
    logger.propagate = False
    logger.addHandler(handler)
    try:
        handler.rolloverAt = int(time.time()) + 3600
        for i in range(200):
            logger.warning('before %d', i)
        handler.rolloverAt = 1000000000
        logger.warning('after')           # rolls over first, no flush
        rotated = [n for n in os.listdir(str(tmp_path)) if n != 'a.log']
        assert len(rotated) == 1 and rotated[0].startswith('a.log.2001-09-')
        with open(os.path.join(str(tmp_path), rotated[0])) as f:
            assert f.read() == ''.join('before %d\n' % i for i in range(200))
        assert type(handler.stream) is _runtime.SinkStream
    finally:
        logger.removeHandler(handler)
        handler.close()
    with open(path) as f:
        assert f.read() == 'after\n'


def test_rotator_reads_everything_logged(tmp_path):
    seen = []
    path = str(tmp_path / 'a.log')
    handler = _handler(path, when='D', backupCount=0)

    def rotator(source, dest):
        with open(source) as f:
            seen.append(f.read())
        os.rename(source, dest)

    handler.rotator = rotator
    try:
        for i in range(50):
            handler.handle(attologging.makeLogRecord({'msg': 'r%d' % i}))
        handler.doRollover()
    finally:
        handler.close()
    assert seen == [''.join('r%d\n' % i for i in range(50))]
