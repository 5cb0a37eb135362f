"""attologging.install(), ``python -m attologging`` and ATTOLOGGING_INSTALL.

Every scenario runs in a fresh interpreter (a subprocess of sys.executable),
because install() changes process-wide state (sys.modules, sys.meta_path and,
when the stdlib's logging was imported first, the stdlib's logger objects).
See docs/install.md for the behaviour under test.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PYTHON_DIR = os.path.join(ROOT, 'python')
PTH_FILE = os.path.join(PYTHON_DIR, 'attologging_install.pth')
# Where pytest (and its dependencies) can be imported from, for the
# pytest-in-a-subprocess tests.
_PYTEST_DIR = os.path.dirname(os.path.dirname(os.path.abspath(
    pytest.__file__)))


def _env(python_path=True, **extra):
    """The current environment minus anything that could leak into the
    child: our own variable, pytest's, warning filters."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('ATTOLOGGING_', 'PYTEST_'))
           and k not in ('PYTHONWARNINGS', 'PYTHONPATH', 'PYTHONSTARTUP',
                         'PYTHONSAFEPATH', 'PYTHONINSPECT')}
    if python_path:
        env['PYTHONPATH'] = PYTHON_DIR
    env.update(extra)
    return env


def _run(args, cwd=None, env=None, python=None):
    return subprocess.run([python or sys.executable] + list(args), cwd=cwd,
                          env=_env() if env is None else env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120)


def _script(tmp_path, source, name='scenario.py'):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return str(path)


def _line(path, marker):
    """The line number of the line of file *path* that contains *marker*."""
    with open(path) as handle:
        for number, line in enumerate(handle, 1):
            if marker in line:
                return number
    raise AssertionError(marker)


def _check(proc):
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


# ---------------------------------------------------------------------------
# install()
# ---------------------------------------------------------------------------

def test_install_before_logging_is_imported(tmp_path):
    script = _script(tmp_path, """
        import importlib, sys
        assert 'logging' not in sys.modules
        import attologging
        assert not attologging.is_installed()
        assert attologging.install() is None
        assert attologging.is_installed()
        attologging.install()                       # idempotent
        assert sys.meta_path.count(sys.meta_path[0]) == 1
        # Nothing beyond the package itself is imported eagerly.
        assert 'attologging.handlers' not in sys.modules
        assert 'attologging.config' not in sys.modules

        import logging
        assert logging is attologging
        import logging.handlers
        assert logging.handlers is attologging.handlers
        assert sys.modules['logging.handlers'] is attologging.handlers
        import logging.config
        assert logging.config is attologging.config
        assert sys.modules['logging.config'] is attologging.config
        from logging import handlers, config
        assert (handlers, config) == (attologging.handlers, attologging.config)
        assert importlib.import_module('logging.handlers') is handlers
        try:
            import logging.does_not_exist
        except ModuleNotFoundError as exc:
            assert "logging.does_not_exist" in str(exc)
        else:
            raise AssertionError('imported a missing submodule')

        # Even if someone drops the sys.modules entries, the alias holds.
        for name in ('logging', 'logging.handlers'):
            del sys.modules[name]
        import logging as again, logging.handlers as again_handlers
        assert again is attologging
        assert again_handlers is attologging.handlers
        assert attologging.is_installed()

        logging.basicConfig(format='%(name)s %(levelname)s %(message)s',
                            stream=sys.stdout)
        logging.getLogger('app').warning('hello %s', 'there')
        print('OK')
    """)
    proc = _check(_run(['-W', 'error', script]))
    assert proc.stdout == 'app WARNING hello there\nOK\n'
    assert proc.stderr == ''


def test_install_after_stdlib_imported_but_unused(tmp_path):
    script = _script(tmp_path, """
        import sys
        import logging as std
        import logging.handlers as std_handlers
        import warnings
        std.captureWarnings(True)
        import attologging
        attologging.install()              # -W error: must not warn
        assert warnings.showwarning is attologging._showwarning
        import logging
        import logging.handlers
        assert logging is attologging and logging is not std
        assert logging.handlers is attologging.handlers
        assert logging.handlers is not std_handlers

        logging.basicConfig(format='%(name)s:%(filename)s:%(message)s',
                            stream=sys.stdout)
        # Code that kept the stdlib module object still ends up here.
        old = std.getLogger('old.style')
        assert isinstance(old, std.Logger)
        assert old is std.getLogger('old.style')
        old.warning('via the stdlib module')
        std.warning('module-level stdlib function')
        logging.getLogger('old.style').setLevel(logging.ERROR)
        assert old.level == logging.ERROR
        old.warning('filtered by the level set through attologging')
        warnings.simplefilter('always')
        warnings.warn('careful')
        print('OK')
    """)
    proc = _check(_run(['-W', 'error', script]))
    lines = proc.stdout.splitlines()
    assert lines[:2] == ['old.style:scenario.py:via the stdlib module',
                         'root:scenario.py:module-level stdlib function']
    assert lines[2].startswith('py.warnings:')
    assert 'UserWarning: careful' in lines[2]
    assert lines[-1] == 'OK'


def test_install_after_stdlib_configured_moves_configuration(tmp_path):
    script = _script(tmp_path, """
        import pickle, sys, warnings
        import logging as std
        import logging.handlers

        std.basicConfig(level=std.INFO, stream=sys.stdout,
                        format='%(levelname)s|%(name)s|%(filename)s:'
                               '%(lineno)d|%(funcName)s|%(message)s')
        root_handler = std.root.handlers[0]
        buffer = std.handlers.BufferingHandler(100)
        only_a = std.Filter('app')
        app = std.getLogger('app')
        app.setLevel(std.DEBUG)
        app.propagate = False
        app.addHandler(buffer)
        app.addFilter(only_a)
        std.getLogger('lib').addHandler(std.NullHandler())  # not "configured"
        std.getLogger('quiet').disabled = True
        plain = std.getLogger('plain')                     # created only
        std.addLevelName(25, 'NOTICE')

        import attologging
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            attologging.install()                         # INSTALL
        attologging.install()                             # no second warning
        (warning,) = caught
        assert warning.category is RuntimeWarning
        assert warning.filename == __file__
        print('warned at', warning.lineno)
        text = str(warning.message)
        assert "'root', 'app', 'quiet'" in text, text
        assert "'lib'" not in text and "'plain'" not in text, text

        import logging
        assert logging is attologging
        new_app = logging.getLogger('app')
        assert isinstance(new_app, attologging.Logger)
        assert new_app.level == logging.DEBUG
        assert new_app.propagate is False
        assert new_app.handlers == [buffer] and new_app.filters == [only_a]
        assert logging.root.level == logging.INFO
        assert logging.root.handlers == [root_handler]
        assert logging.getLogger('quiet').disabled
        (null,) = logging.getLogger('lib').handlers
        assert type(null) is std.NullHandler
        assert logging.getLevelName(25) == 'NOTICE'

        # The stdlib objects that modules already hold now forward.
        assert isinstance(app, std.Logger) and isinstance(plain, std.Logger)
        assert app.handlers == [buffer] and app.level == logging.DEBUG
        def work():
            app.debug('old object %d', 1)
            new_app.log(25, 'new object')
            plain.info('plain')                                # PLAIN
            std.getLogger('created.later').info('later')       # LATER
            std.info('root via the stdlib module')             # MODULE
        work()
        assert [(r.getMessage(), r.levelname, r.funcName, type(r).__module__)
                for r in buffer.buffer] == [
            ('old object 1', 'DEBUG', 'work', 'attologging'),
            ('new object', 'NOTICE', 'work', 'attologging')]
        app.setLevel(std.WARNING)          # through the old object ...
        assert new_app.level == logging.WARNING    # ... lands on the new one
        assert pickle.loads(pickle.dumps(app)) is new_app
        assert std.getLogger() is std.root
        assert std.root.handlers is logging.root.handlers
        print('OK')
    """)
    proc = _check(_run([script]))
    assert proc.stdout == (
        'warned at %d\n'
        'INFO|plain|scenario.py:%d|work|plain\n'
        'INFO|created.later|scenario.py:%d|work|later\n'
        'INFO|root|scenario.py:%d|work|root via the stdlib module\n'
        'OK\n' % tuple(_line(script, '# ' + marker) for marker in
                       ('INSTALL', 'PLAIN', 'LATER', 'MODULE')))
    assert proc.stderr == ''


def test_install_warning_lists_a_bounded_number_of_loggers(tmp_path):
    script = _script(tmp_path, """
        import warnings
        import logging as std
        for i in range(25):
            std.getLogger('l%02d' % i).setLevel(std.ERROR)
        std.disable(std.INFO)
        std.setLogRecordFactory(lambda *a, **k: std.LogRecord(*a, **k))
        import attologging
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            attologging.install()
        text = str(caught[0].message)
        assert "'l19'" in text and "'l20'" not in text, text
        assert 'and 5 more' in text, text
        assert 'logging.disable(20)' in text, text
        assert 'custom LogRecord factory' in text, text
        assert attologging.root.manager.disable == std.INFO
        print('OK')
    """)
    _check(_run([script]))


# ---------------------------------------------------------------------------
# python -m attologging
# ---------------------------------------------------------------------------

PROGRAM = """
import json, logging, sys
import attologging
def fail():
    raise ValueError('bad ' + ' '.join(sys.argv[1:]))
info = dict(argv=sys.argv, name=__name__, path0=sys.path[0],
            file=globals().get('__file__'),
            spec=getattr(__spec__, 'name', None),
            main_is_me=sys.modules['__main__'].__dict__ is globals(),
            installed=attologging.is_installed(),
            logging=logging.__name__)
print(json.dumps(info))
if 'fail' in sys.argv:
    fail()
if 'exit' in sys.argv:
    sys.exit(int(sys.argv[-1]))
"""


@pytest.fixture
def program(tmp_path):
    directory = tmp_path / 'progdir'
    directory.mkdir()
    path = directory / 'prog.py'
    path.write_text(PROGRAM)
    return path


def test_main_runs_a_script(tmp_path, program):
    proc = _check(_run(['-m', 'attologging', 'progdir/prog.py', 'a', 'b'],
                       cwd=str(tmp_path)))
    assert json.loads(proc.stdout) == dict(
        argv=['progdir/prog.py', 'a', 'b'], name='__main__',
        path0=str(program.parent), file=str(program), spec=None,
        main_is_me=True, installed=True, logging='attologging')


def test_main_script_exit_status_and_traceback(tmp_path, program):
    proc = _run(['-m', 'attologging', 'progdir/prog.py', 'exit', '7'],
                cwd=str(tmp_path))
    assert proc.returncode == 7

    ours = _run(['-m', 'attologging', 'progdir/prog.py', 'fail', 'x'],
                cwd=str(tmp_path))
    plain = _run(['progdir/prog.py', 'fail', 'x'], cwd=str(tmp_path))
    assert ours.returncode == plain.returncode == 1
    # The very same traceback as "python prog.py": no launcher frames.
    assert ours.stderr == plain.stderr
    assert ours.stderr.startswith('Traceback (most recent call last):\n'
                                  '  File "%s", line ' % program)
    assert ours.stderr.endswith('ValueError: bad fail x\n')

    (tmp_path / 'broken.py').write_text('def (\n')
    ours = _run(['-m', 'attologging', 'broken.py'], cwd=str(tmp_path))
    plain = _run(['broken.py'], cwd=str(tmp_path))
    assert ours.returncode == plain.returncode == 1
    assert ours.stderr == plain.stderr and 'SyntaxError' in ours.stderr

    missing = _run(['-m', 'attologging', 'missing.py'], cwd=str(tmp_path))
    assert missing.returncode == 2 and "can't open file" in missing.stderr


def test_main_runs_a_module(tmp_path, program):
    proc = _check(_run(['-m', 'attologging', '-m', 'prog', 'x', '-m', 'y'],
                       cwd=str(program.parent)))
    assert json.loads(proc.stdout) == dict(
        argv=[str(program), 'x', '-m', 'y'], name='__main__',
        path0=str(program.parent), file=str(program), spec='prog',
        main_is_me=True, installed=True, logging='attologging')

    package = tmp_path / 'pkg'
    package.mkdir()
    (package / '__init__.py').write_text('')
    (package / '__main__.py').write_text(PROGRAM)
    proc = _run(['-m', 'attologging', '-mpkg', 'fail'], cwd=str(tmp_path))
    assert proc.returncode == 1
    assert json.loads(proc.stdout.splitlines()[0])['spec'] == 'pkg.__main__'
    assert proc.stderr.startswith('Traceback (most recent call last):\n'
                                  '  File "%s"' % (package / '__main__.py'))
    assert 'runpy' not in proc.stderr and '__main__.py", line' in proc.stderr

    proc = _run(['-m', 'attologging', '-m', 'no_such_module_here'],
                cwd=str(tmp_path))
    assert proc.returncode == 1
    assert 'No module named no_such_module_here' in proc.stderr


def test_main_usage(tmp_path):
    proc = _run(['-m', 'attologging'], cwd=str(tmp_path))
    assert proc.returncode == 2 and 'usage:' in proc.stderr
    proc = _run(['-m', 'attologging', '--help'], cwd=str(tmp_path))
    assert proc.returncode == 0 and 'usage:' in proc.stdout
    proc = _run(['-m', 'attologging', '-X', 'prog.py'], cwd=str(tmp_path))
    assert proc.returncode == 2 and 'unknown option' in proc.stderr


# ---------------------------------------------------------------------------
# ATTOLOGGING_INSTALL=1 through the .pth file shipped in the wheel
# ---------------------------------------------------------------------------

@pytest.fixture(scope='module')
def site_venv(tmp_path_factory):
    """A throw-away virtual environment whose site-packages holds the
    project's attologging_install.pth, as a wheel install would put it,
    plus a path file that makes attologging (and pytest) importable."""
    import venv
    root = tmp_path_factory.mktemp('venv')
    try:
        venv.EnvBuilder(symlinks=(os.name != 'nt'), with_pip=False).create(
            str(root))
    except Exception as exc:  # pragma: no cover - unusual interpreters
        pytest.skip('cannot create a virtual environment: %s' % exc)
    python = os.path.join(str(root), 'Scripts' if os.name == 'nt' else 'bin',
                          'python')
    site_packages = _run(
        ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
        env=_env(python_path=False), python=python).stdout.strip()
    # Processed before attologging_install.pth (site sorts by name).
    with open(os.path.join(site_packages, '_attologging_test_paths.pth'),
              'w') as handle:
        handle.write(PYTHON_DIR + '\n' + _PYTEST_DIR + '\n')
    shutil.copy(PTH_FILE, site_packages)
    return python


def test_pth_file_is_shipped_and_guarded():
    with open(PTH_FILE) as handle:
        lines = handle.read().splitlines()
    assert len(lines) == 1 and lines[0].startswith('import os;')
    assert 'ATTOLOGGING_INSTALL' in lines[0]
    with open(os.path.join(ROOT, 'pyproject.toml')) as handle:
        assert '"attologging_install.pth"' in handle.read()


@pytest.mark.parametrize('value, expected', [
    (None, False), ('', False), ('0', False), ('false', False),
    ('1', True), ('yes', True)])
def test_env_var_startup_hook(site_venv, value, expected):
    extra = {} if value is None else {'ATTOLOGGING_INSTALL': value}
    code = ('import sys; loaded = "attologging" in sys.modules; '
            'import logging; '
            'print(loaded, logging is sys.modules.get("attologging"))')
    proc = _check(_run(['-c', code], python=site_venv,
                       env=_env(python_path=False, **extra)))
    # Without the variable, the hook imports nothing at all.
    assert proc.stdout.split() == [str(expected), str(expected)]
    assert proc.stderr == ''


# ---------------------------------------------------------------------------
# pytest's caplog and capsys with attologging installed
# ---------------------------------------------------------------------------

INNER_TESTS = """
import logging, os, sys
import pytest

MODE = os.environ['INNER_MODE']

def test_logging_is_attologging():
    assert logging is sys.modules['attologging']
    pytest_logging = sys.modules['_pytest.logging'].logging
    # Installed before pytest started: pytest itself uses attologging.
    assert (pytest_logging is logging) == (MODE != 'conftest')

def test_caplog(caplog):
    log = logging.getLogger('inner.app')
    caplog.set_level(logging.INFO)
    log.info('hello %s', 'world')
    log.debug('hidden')
    assert [r.getMessage() for r in caplog.records] == ['hello world']
    assert type(caplog.records[0]).__module__ == 'attologging'
    assert caplog.records[0].funcName == 'test_caplog'
    assert 'hello world' in caplog.text
    with caplog.at_level(logging.DEBUG, logger='inner.app'):
        log.debug('now visible')
    log.debug('hidden again')
    assert caplog.record_tuples[-1] == ('inner.app', logging.DEBUG,
                                        'now visible')
    assert 'hidden again' not in caplog.text
    caplog.clear()
    logging.warning('module level')
    assert caplog.messages == ['module level']

def test_caplog_levels_restored(caplog):
    assert logging.getLogger('inner.app').level == logging.NOTSET
    logging.getLogger('inner.app').info('below WARNING')
    logging.getLogger('inner.app').warning('w')
    assert caplog.messages == ['w']

def test_capsys_sees_stream_handler_output(capsys):
    log = logging.getLogger('inner.cap')
    handler = logging.StreamHandler()          # sys.stderr, as replaced
    handler.setFormatter(logging.Formatter('%(levelname)s:%(message)s'))
    log.addHandler(handler)
    try:
        log.warning('to stderr')
    finally:
        log.removeHandler(handler)
    assert capsys.readouterr().err == 'WARNING:to stderr\\n'

nonprop = logging.getLogger('inner.nonprop')
nonprop.propagate = False

# pytest 9 attaches caplog's handler to non-propagating loggers too; older
# versions never see them (under the stdlib neither).
@pytest.mark.xfail(MODE == 'conftest' or pytest.version_tuple < (9,),
                   strict=True,
                   reason='installed too late for pytest to see it, '
                          'or pytest < 9')
def test_caplog_non_propagating_logger(caplog):
    nonprop.warning('np')
    assert caplog.messages == ['np']

def test_failure_report_shows_captured_log():
    logging.getLogger('inner.report').warning('shown in the report')
    assert os.environ.get('INNER_EXPECT_FAILURE') != '1'
"""


@pytest.mark.parametrize('mode', ['env', 'main', 'conftest'])
def test_pytest_caplog_and_capsys(tmp_path, site_venv, mode):
    (tmp_path / 'test_inner.py').write_text(INNER_TESTS)
    (tmp_path / 'pytest.ini').write_text('[pytest]\n')
    args = ['-m', 'pytest', '-q', '-p', 'no:cacheprovider',
            '-W', 'error::RuntimeWarning', 'test_inner.py']
    env = _env(INNER_MODE=mode, INNER_EXPECT_FAILURE='1',
               PYTHONPATH=os.pathsep.join((PYTHON_DIR, _PYTEST_DIR)))
    python = None
    if mode == 'env':
        python = site_venv
        env = _env(python_path=False, INNER_MODE=mode,
                   INNER_EXPECT_FAILURE='1', ATTOLOGGING_INSTALL='1')
    elif mode == 'main':
        args = ['-m', 'attologging'] + args
    else:
        (tmp_path / 'conftest.py').write_text(
            'import attologging\nattologging.install()\n')
    proc = _run(args, cwd=str(tmp_path), env=env, python=python)
    summary = (proc.stdout.strip().splitlines() or [''])[-1]
    expected = '1 failed, 5 passed' \
        if mode != 'conftest' and pytest.version_tuple >= (9,) else \
        '1 failed, 4 passed, 1 xfailed'
    assert summary.startswith(expected), proc.stdout + proc.stderr
    assert re.search(r'Captured log call -+\nWARNING +inner\.report:'
                     r'test_inner\.py:\d+ shown in the report', proc.stdout)
