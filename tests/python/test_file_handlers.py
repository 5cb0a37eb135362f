"""RotatingFileHandler and WatchedFileHandler: attologging's (rotation
and reopening decided on the engine's consumer thread) against the
stdlib's, byte for byte.

Each case runs the same sequence -- records of generated lengths, direct
doRollover() calls, limits changed mid-way, a namer set mid-way -- through
``logging.handlers.RotatingFileHandler`` and
``attologging.handlers.RotatingFileHandler`` in two directories, then
compares every file's name and content.  Messages are ASCII: for non-ASCII
text the stdlib counts characters and attologging counts encoded bytes
(docs/handlers.md).
"""

import itertools
import logging
import logging.handlers
import os
import random

import pytest

import attologging
import attologging.handlers

FMT = '%(levelname)s:%(name)s:%(message)s'


def _files(directory):
    out = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), 'rb') as f:
            out[name] = f.read()
    return out


def _run(mod, directory, case):
    path = os.path.join(directory, 'app.log')
    for name, content in case['existing'].items():
        with open(os.path.join(directory, name), 'wb') as f:
            f.write(content)
    handler = mod.handlers.RotatingFileHandler(
        path, mode=case['mode'], maxBytes=case['max_bytes'],
        backupCount=case['backups'], encoding='utf-8', delay=case['delay'])
    handler.setFormatter(mod.Formatter(FMT))
    logger = mod.getLogger('rot.%s' % case['id'])
    logger.propagate = False
    logger.setLevel(mod.DEBUG)
    logger.addHandler(handler)
    answers = []
    try:
        for step in case['steps']:
            kind = step[0]
            if kind == 'log':
                logger.info('%s', step[1])
            elif kind == 'rollover':
                handler.doRollover()
            elif kind == 'should':
                record = mod.makeLogRecord({'msg': step[1], 'levelno': 20,
                                            'levelname': 'INFO',
                                            'name': logger.name})
                answers.append(bool(handler.shouldRollover(record)))
            elif kind == 'limits':
                handler.maxBytes, handler.backupCount = step[1], step[2]
            elif kind == 'namer':
                handler.namer = lambda name: name + '.gz'
    finally:
        logger.removeHandler(handler)
        handler.close()
    return _files(directory), answers


def _cases():
    rng = random.Random(20261121)
    cases = []
    combos = itertools.product([0, 1, 40, 64, 100, 257], [0, 1, 3],
                               [False, True], ['a', 'w'],
                               ['none', 'content', 'backups'])
    for i, (max_bytes, backups, delay, mode, existing) in enumerate(combos):
        if existing == 'none':
            pre = {}
        elif existing == 'content':
            pre = {'app.log': b'x' * rng.randrange(1, 80) + b'\n'}
        else:
            pre = {'app.log': b'old\n', 'app.log.1': b'one\n',
                   'app.log.2': b'two\n', 'app.log.5': b'five\n'}
        steps = []
        for _ in range(rng.randrange(5, 30)):
            roll = rng.random()
            if roll < 0.06:
                steps.append(('rollover',))
            elif roll < 0.12:
                steps.append(('should', 'm' * rng.randrange(0, 120)))
            else:
                steps.append(('log', 'm' * rng.randrange(0, 120)))
        if i % 7 == 0:
            steps.insert(len(steps) // 2, ('limits', rng.choice([30, 90]),
                                           rng.choice([1, 2])))
        if i % 11 == 0:
            steps.insert(len(steps) * 2 // 3, ('namer',))
        cases.append({'id': i, 'max_bytes': max_bytes, 'backups': backups,
                      'delay': delay, 'mode': mode, 'existing': pre,
                      'steps': steps})
    return cases


CASES = _cases()


@pytest.mark.parametrize('case', CASES, ids=[
    'max%d-bk%d-%s-%s-%d' % (c['max_bytes'], c['backups'],
                             'delay' if c['delay'] else 'open', c['mode'],
                             c['id']) for c in CASES])
def test_rotation_matches_stdlib(tmp_path, case):
    std_dir, atto_dir = tmp_path / 'std', tmp_path / 'atto'
    std_dir.mkdir()
    atto_dir.mkdir()
    expected = _run(logging, str(std_dir), case)
    got = _run(attologging, str(atto_dir), case)
    assert got == expected


def test_engine_sink_and_native_route(tmp_path):
    path = str(tmp_path / 'a.log')
    handler = attologging.handlers.RotatingFileHandler(
        path, maxBytes=200, backupCount=2, encoding='utf-8')
    logger = attologging.getLogger('rot.native')
    logger.propagate = False
    logger.addHandler(handler)
    try:
        assert type(handler.stream).__name__ == 'SinkStream'
        assert logger._plan().is_native
        for i in range(50):
            logger.warning('record %d of %s', i, 'fifty')
        handler.flush()
        sizes = [os.path.getsize(path + s) for s in ('', '.1', '.2')]
        assert all(0 < size < 200 for size in sizes)
        handler.namer = lambda name: name + '.old'
        assert not logger._plan().is_native   # the stdlib's logic runs
        logger.warning('after namer')
        assert type(handler.stream).__name__ == 'TextIOWrapper'
    finally:
        logger.removeHandler(handler)
        handler.close()


def test_doRollover_takes_effect_before_returning(tmp_path):
    path = str(tmp_path / 'a.log')
    handler = attologging.handlers.RotatingFileHandler(
        path, maxBytes=10**6, backupCount=1, encoding='utf-8')
    logger = attologging.getLogger('rot.direct')
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.warning('before')
        handler.doRollover()
        with open(path + '.1') as f:
            assert f.read() == 'before\n'
        assert os.path.getsize(path) == 0
        logger.warning('after')
    finally:
        logger.removeHandler(handler)
        handler.close()
    with open(path) as f:
        assert f.read() == 'after\n'


def test_subclass_rotate_hook_runs(tmp_path):
    calls = []

    class Compressing(attologging.handlers.RotatingFileHandler):
        def rotate(self, source, dest):
            calls.append((os.path.basename(source), os.path.basename(dest)))
            os.rename(source, dest)

    path = str(tmp_path / 'a.log')
    handler = Compressing(path, maxBytes=20, backupCount=1, encoding='utf-8')
    handler.setFormatter(attologging.Formatter('%(message)s'))
    try:
        for i in range(3):
            handler.handle(attologging.makeLogRecord({'msg': 'x' * 12}))
    finally:
        handler.close()
    assert calls == [('a.log', 'a.log.1')] * 2


def _run_watched(mod, directory, steps, delay):
    path = os.path.join(directory, 'w.log')
    handler = mod.handlers.WatchedFileHandler(path, encoding='utf-8',
                                              delay=delay)
    handler.setFormatter(mod.Formatter(FMT))
    logger = mod.getLogger('watched')
    logger.propagate = False
    logger.addHandler(handler)
    rotated = 0
    try:
        for step in steps:
            # Another process (logrotate) acts on the file: what was logged
            # before is on disk by then (handler.flush(), as the program
            # would have to for attologging's asynchronous writes).
            if step == 'log':
                logger.warning('line %d', rotated)
            elif step == 'rename':
                handler.flush()
                rotated += 1
                if os.path.exists(path):
                    os.rename(path, '%s.%d' % (path, rotated))
            elif step == 'delete':
                handler.flush()
                if os.path.exists(path):
                    os.remove(path)
            elif step == 'reopen':
                handler.reopenIfNeeded()
    finally:
        logger.removeHandler(handler)
        handler.close()
    return _files(directory)


WATCHED = [(seed, delay) for seed in range(24) for delay in (False, True)]


@pytest.mark.parametrize('seed,delay', WATCHED)
def test_watched_matches_stdlib(tmp_path, seed, delay):
    rng = random.Random(seed)
    steps = [rng.choice(['log', 'log', 'log', 'rename', 'delete', 'reopen'])
             for _ in range(rng.randrange(4, 25))]
    std_dir, atto_dir = tmp_path / 'std', tmp_path / 'atto'
    std_dir.mkdir()
    atto_dir.mkdir()
    expected = _run_watched(logging, str(std_dir), steps, delay)
    got = _run_watched(attologging, str(atto_dir), steps, delay)
    assert got == expected


def test_watched_native_route_follows_logrotate(tmp_path):
    path = str(tmp_path / 'w.log')
    handler = attologging.handlers.WatchedFileHandler(path, encoding='utf-8')
    logger = attologging.getLogger('watched.native')
    logger.propagate = False
    logger.addHandler(handler)
    try:
        assert logger._plan().is_native
        logger.warning('before')
        handler.flush()
        os.rename(path, path + '.1')
        logger.warning('after')
        handler.flush()
        os.remove(path)
        logger.warning('recreated')
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert _files(str(tmp_path)) == {'w.log': b'recreated\n',
                                     'w.log.1': b'before\n'}
