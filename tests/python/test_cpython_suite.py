"""CPython's own logging tests, run against attologging.

The interpreter's ``test.test_logging`` (shipped with CPython; some
distributions leave the ``test`` package out, and then this is skipped) is
run in a fresh process after ``attologging.install()``, so every ``import
logging``, ``logging.config`` and ``logging.handlers`` in it is attologging.
That is the whole suite -- loggers, handlers, formatters, basicConfig,
dictConfig, fileConfig, listen(), the handler family, shutdown -- on the
running version's own terms.

A test that fails is run once more, alone, in another fresh process: a few
of CPython's tests depend on timing (sockets, rotation at second
boundaries) and can fail on a loaded machine under the stdlib too.  Only a
test that fails both times fails here.

``ASYNC_IO`` lists the tests that read a FileHandler's file while the
handler is open and without flushing it.  attologging writes files on its
consumer thread (docs/guide.md, "Differences from the stdlib"), so
they may read the file before the records reach it; they are skipped, with
that reason, rather than counted.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

ASYNC_IO = {
    # The QueueListener's FileHandler is read after the queue drains.
    'test.test_logging.ConfigDictTest.test_config_queue_handler':
        'reads the open FileHandler file without flush()',
    # WatchedFileHandler: the deleted file must exist again right after
    # handle() returns; attologging's consumer recreates it when it writes.
    'test.test_logging.HandlerTest.test_builtin_handlers':
        'checks the file right after handle(), without flush()',
    # RotatingFileHandler (3.13): the backup must exist right after emit()
    # returns; attologging's consumer rolls the file over when it writes.
    'test.test_logging.RotatingFileHandlerTest.test_max_bytes':
        'checks the rotated files right after emit(), without flush()',
    'test.test_logging.RotatingFileHandlerTest.test_max_bytes_delay':
        'checks the rotated files right after emit(), without flush()',
    # basicConfig(filename=...) then the file is read before close().
    'test.test_logging.BasicConfigTest.test_log_taskName':
        'reads the open FileHandler file without flush()',
}

RUNNER = textwrap.dedent('''
    import json, sys, unittest
    import attologging
    attologging.install()
    from test import test_logging
    assert test_logging.logging is attologging

    skips = json.loads(sys.argv[1])
    only = sys.argv[2:]
    loader = unittest.defaultTestLoader
    if only:
        suite = loader.loadTestsFromNames(only, test_logging)
    else:
        suite = loader.loadTestsFromModule(test_logging)

    def flatten(s):
        for t in s:
            if isinstance(t, unittest.TestSuite):
                yield from flatten(t)
            else:
                yield t

    tests = []
    for t in flatten(suite):
        reason = skips.get(t.id())
        if reason is not None:
            setattr(t, t._testMethodName,
                    unittest.skip('attologging: ' + reason)(lambda: None))
        tests.append(t)
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=1).run(
        unittest.TestSuite(tests))
    failed = [t.id() for t, _ in result.failures + result.errors]
    failed += [t.id() for t in result.unexpectedSuccesses]
    print(json.dumps({'run': result.testsRun, 'failed': failed,
                      'skipped': len(result.skipped)}))
''')


def _has_cpython_suite():
    probe = subprocess.run(
        [sys.executable, '-c', 'import test.test_logging'],
        capture_output=True)
    return probe.returncode == 0


def _run(*names):
    env = dict(os.environ)
    env.pop('ATTOLOGGING_INSTALL', None)
    proc = subprocess.run(
        [sys.executable, '-c', RUNNER, json.dumps(ASYNC_IO)] + list(names),
        capture_output=True, text=True, timeout=900, env=env,
        cwd=os.path.dirname(os.path.abspath(__file__)))
    lines = proc.stdout.strip().splitlines()
    if not lines:
        pytest.fail('the CPython suite did not report (exit %s):\n%s'
                    % (proc.returncode, proc.stderr[-4000:]))
    return json.loads(lines[-1]), proc.stderr


@pytest.mark.skipif(sys.implementation.name != 'cpython'
                    or not _has_cpython_suite(),
                    reason="this Python has no test.test_logging")
def test_cpython_logging_suite():
    summary, log = _run()
    assert summary['run'] > 150, log[-4000:]
    still_failing = {}
    for name in summary['failed']:
        again, again_log = _run(name[len('test.test_logging.'):])
        if again['failed'] or again['run'] != 1:
            still_failing[name] = again_log[-3000:]
    assert not still_failing, '\n\n'.join(
        '%s\n%s' % item for item in still_failing.items())
