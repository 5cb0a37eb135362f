"""Real projects' logging configurations, applied unchanged.

uvicorn, gunicorn and Django ship logging configurations (dicts for
``dictConfig``, an INI file for ``fileConfig``) and their own formatters,
filters and handlers, subclasses of the standard library's classes.  Each
scenario here is a small program that configures logging through the
framework's own code path and logs the way the framework does.  The program
runs in fresh interpreters (``sys.executable``), in up to three modes:

``stdlib``
    the program as it is, on the standard library's ``logging``;
``install``
    ``import attologging; attologging.install()`` first, then exactly the
    same program (so the framework itself imports attologging as
    ``logging``);
``direct``
    where meaningful, no install: the program's one ``import logging...``
    line becomes ``import attologging as logging...``, so the framework's
    configuration dict is applied with ``attologging.config.dictConfig`` and
    records are logged through ``attologging.getLogger()``, while the
    framework's own classes still subclass the stdlib's ``logging`` classes.

stdout, stderr, the exit status and every file the program wrote must be
byte-identical between the modes.  Made deterministic rather than masked
(as in differential.py): the clock (``time.time``/``time.time_ns`` are
replaced by a fake clock before anything imports ``logging``, so asctime,
msecs, created and Django's ``server_time`` are compared exactly; TZ=UTC)
and ``os.getpid``.  Masked: the run's directory, the main thread's
identifier, object addresses, frames of the logging implementation inside
tracebacks (differential.mask_logging_frames), the TCP ports of the live
uvicorn server, gunicorn's ``%(t)s`` atom and the "Server time" line of
Django's error e-mail (both read the wall clock without ``time.time``).

Scenarios: uvicorn's LOGGING_CONFIG through dictConfig, through
``uvicorn.Config`` (dict, JSON file, INI file, access_log=False,
log_config=None) and a live uvicorn server; gunicorn's CONFIG_DEFAULTS
through dictConfig and ``glogging.Logger`` with its default configuration,
access log to stdout, log files reopened as on SIGUSR1, ``logconfig_dict``
(rotating files), gunicorn's example ``logging.conf`` and syslog over UDP;
Django's DEFAULT_LOGGING and a typical project LOGGING, applied directly
and by ``django.setup()``, with requests through the test client (error
e-mails from AdminEmailHandler) and through Django's development server.

The child leaves normally, so ``logging.shutdown()`` runs at exit and
attologging's asynchronous FileHandlers are drained before the parent reads
the files.
"""

import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

from differential import mask_logging_frames

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# DIFFTEST_PYTHON_DIR runs the comparison against another copy of the
# package, as in differential.py.
PYTHON_DIR = os.environ.get('DIFFTEST_PYTHON_DIR') or os.path.join(REPO,
                                                                   'python')
STDLIB_LOGGING_DIR = os.path.join(os.path.dirname(os.__file__), 'logging')

STDLIB, INSTALL, DIRECT = 'stdlib', 'install', 'direct'
ALL_MODES = (STDLIB, INSTALL, DIRECT)
FRAMEWORK_MODES = (STDLIB, INSTALL)

# Every program starts with this line; the 'direct' mode swaps it for the
# next one (same line count, so line numbers in tracebacks stay the same).
LOGGING_IMPORT = 'import logging, logging.config, logging.handlers'
DIRECT_IMPORT = ('import attologging as logging, attologging.config, '
                 'attologging.handlers')

TIMEOUT = 60

# ---------------------------------------------------------------------------
# The child process
# ---------------------------------------------------------------------------

BOOT = r'''
import sys, os, time, json, threading, runpy

MODE, PROG, META, STDLIB_LOGGING_DIR = sys.argv[1:5]


class FakeClock:
    """Deterministic time.time()/time.time_ns() (see differential.py)."""
    def __init__(self):
        self.now = 1_700_000_000_123_456_789
        self.step = 1_234_567_891

    def _read(self, caller):
        value = self.now
        # The logging modules' own import-time read (_startTime) does not
        # advance the clock: in the 'direct' mode both the stdlib's logging
        # (imported by the framework) and attologging make one.
        if not (caller.f_code.co_name == '<module>' and
                caller.f_globals.get('__name__') in ('logging',
                                                     'attologging')):
            self.now += self.step
        return value

    def time_ns(self):
        return self._read(sys._getframe(1))

    def time(self):
        return self._read(sys._getframe(1)) / 1e9


clock = FakeClock()
time.time = clock.time
time.time_ns = clock.time_ns
os.getpid = lambda: 4242

meta = {'ident': threading.get_ident(),
        'logging_preimported': 'logging' in sys.modules}
if MODE == 'install':
    import attologging
    attologging.install()
sys.argv = [PROG]
try:
    runpy.run_path(PROG, run_name='__main__')
finally:
    module = sys.modules.get('logging')
    meta['logging'] = getattr(module, '__name__', None)
    meta['attologging_imported'] = 'attologging' in sys.modules
    meta['installed'] = bool(
        'attologging' in sys.modules
        and sys.modules['attologging'].is_installed())
    meta['stdlib_logging_loaded'] = sorted(
        name for name, mod in list(sys.modules.items())
        if os.path.dirname(getattr(mod, '__file__', None) or '')
        == STDLIB_LOGGING_DIR)
    with open(META, 'w') as handle:
        json.dump(meta, handle)
'''


def _environment():
    env = dict(os.environ)
    env['PYTHONPATH'] = PYTHON_DIR
    env['TZ'] = 'UTC'
    env['PYTHONIOENCODING'] = 'utf-8'
    env['PYTHONHASHSEED'] = '0'
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    for name in ('PYTHONWARNINGS', 'PYTHONDEVMODE', 'PYTHONASYNCIODEBUG',
                 'PYTHONSTARTUP', 'ATTOLOGGING_INSTALL',
                 'DJANGO_SETTINGS_MODULE', 'DJANGO_COLORS', 'FORCE_COLOR',
                 'NO_COLOR'):
        env.pop(name, None)
    return env


class Run:
    """One program run in one mode."""

    def __init__(self, mode, program, files):
        self.mode = mode
        # One prefix for every mode: paths (and so sizes, e.g. of Django's
        # technical 500 page) must not depend on the mode.
        self.workdir = tempfile.mkdtemp(prefix='realcfg-')
        self.cwd = os.path.join(self.workdir, 'cwd')
        os.makedirs(self.cwd)
        if mode == DIRECT:
            first, rest = program.split('\n', 1)
            assert first == LOGGING_IMPORT, first
            program = DIRECT_IMPORT + '\n' + rest
        prog = os.path.join(self.workdir, 'prog.py')
        boot = os.path.join(self.workdir, 'boot.py')
        self.meta_file = os.path.join(self.workdir, 'meta.json')
        with open(prog, 'w') as handle:
            handle.write(program)
        with open(boot, 'w') as handle:
            handle.write(BOOT)
        self.inputs = set()
        for name, text in (files or {}).items():
            with open(os.path.join(self.cwd, name), 'w') as handle:
                handle.write(text)
            self.inputs.add(name)
        self.proc = subprocess.Popen(
            [sys.executable, boot, mode, prog, self.meta_file,
             STDLIB_LOGGING_DIR],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=self.cwd, env=_environment())

    def finish(self):
        try:
            out, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            self.cleanup()
            raise AssertionError('%s run timed out:\n%s\n%s' % (
                self.mode, out.decode('utf-8', 'replace'),
                err.decode('utf-8', 'replace')))
        self.stdout = out.decode('utf-8', 'backslashreplace')
        self.stderr = err.decode('utf-8', 'backslashreplace')
        self.rc = self.proc.returncode
        self.files = {}
        for base, _, names in os.walk(self.cwd):
            for name in names:
                path = os.path.join(base, name)
                rel = os.path.relpath(path, self.cwd)
                if rel in self.inputs:
                    continue
                with open(path, 'rb') as handle:
                    self.files[rel] = handle.read()
        try:
            with open(self.meta_file) as handle:
                self.meta = json.load(handle)
        except (OSError, ValueError):
            self.meta = {}
        self.cleanup()
        return self

    def cleanup(self):
        shutil.rmtree(self.workdir, ignore_errors=True)


_ADDRESS_RE = re.compile(r'0x[0-9a-fA-F]{6,}')


def normalise(text, run, masks=()):
    text = text.replace(run.workdir, '<DIR>')
    ident = run.meta.get('ident')
    if ident:
        text = re.sub(r'\b(%d|0x%x|%x)\b' % (ident, ident, ident),
                      '<THREAD-ID>', text)
    text = mask_logging_frames(text)
    text = _ADDRESS_RE.sub('0xADDR', text)
    for pattern, replacement in masks:
        text = re.sub(pattern, replacement, text)
    return text


def view(run, masks=()):
    files = {}
    for name, data in run.files.items():
        try:
            files[name] = normalise(data.decode('utf-8'), run, masks)
        except UnicodeDecodeError:
            files[name] = data
    return {'rc': run.rc,
            'stdout': normalise(run.stdout, run, masks),
            'stderr': normalise(run.stderr, run, masks),
            'files': files}


def _explain(name_a, want, name_b, got):
    lines = ['%s and %s differ:' % (name_a, name_b)]
    for key in ('rc', 'stdout', 'stderr'):
        if want[key] != got[key]:
            if isinstance(want[key], str):
                lines.append('--- %s:' % key)
                lines.extend(difflib.unified_diff(
                    want[key].splitlines(), got[key].splitlines(),
                    name_a, name_b, lineterm=''))
            else:
                lines.append('--- %s: %r != %r' % (key, want[key], got[key]))
    for name in sorted(set(want['files']) | set(got['files'])):
        a = want['files'].get(name)
        b = got['files'].get(name)
        if a == b:
            continue
        if isinstance(a, str) and isinstance(b, str):
            lines.append('--- file %s:' % name)
            lines.extend(difflib.unified_diff(
                a.splitlines(), b.splitlines(), name_a, name_b, lineterm=''))
        else:
            lines.append('--- file %s: %r != %r' % (name, a, b))
    return '\n'.join(lines)


def run_modes(program, modes, files=None, masks=()):
    """Run *program* in every mode of *modes* (concurrently), check that
    each mode really ran on the intended logging module, and assert that
    all outputs equal the stdlib's.  Returns the stdlib run's view."""
    program = program.lstrip('\n')
    assert program.startswith(LOGGING_IMPORT + '\n')
    assert modes[0] == STDLIB
    runs = [Run(mode, program, files) for mode in modes]
    finished = []
    try:
        for run in runs:
            finished.append(run.finish())
    finally:
        for run in runs:
            if run not in finished:
                if run.proc.poll() is None:
                    run.proc.kill()
                run.proc.wait()
                run.cleanup()
    by_mode = {run.mode: run for run in finished}
    expected = by_mode[STDLIB]
    detail = '\n--- stdout:\n%s\n--- stderr:\n%s' % (expected.stdout,
                                                      expected.stderr)
    assert expected.meta, 'the stdlib run did not finish:' + detail
    assert expected.rc == 0, 'the stdlib run failed:' + detail
    assert not expected.meta['logging_preimported']
    assert expected.meta['logging'] == 'logging'
    assert not expected.meta['attologging_imported']
    want = view(expected, masks)
    for mode in modes[1:]:
        run = by_mode[mode]
        assert run.meta, ('the %s run did not finish:\n--- stdout:\n%s\n'
                          '--- stderr:\n%s' % (mode, run.stdout, run.stderr))
        if mode == INSTALL:
            # The framework ran on attologging: the stdlib's logging was
            # never imported in that process.
            assert run.meta['installed'], run.meta
            assert run.meta['logging'] == 'attologging', run.meta
            assert run.meta['stdlib_logging_loaded'] == [], run.meta
        else:
            assert run.meta['attologging_imported'], run.meta
            assert not run.meta['installed'], run.meta
        got = view(run, masks)
        assert got == want, _explain(STDLIB, want, mode, got)
    return want


def expect_in(text, *needles):
    for needle in needles:
        assert needle in text, 'expected %r in:\n%s' % (needle, text)


# ---------------------------------------------------------------------------
# uvicorn
# ---------------------------------------------------------------------------

# Logging the way uvicorn's server and protocols do (uvicorn/server.py,
# uvicorn/protocols/http/h11_impl.py), including the access logger's
# (client_addr, method, full_path, http_version, status_code) arguments.
UVICORN_CALLS = r'''
error = logging.getLogger('uvicorn.error')
access = logging.getLogger('uvicorn.access')
print('access log enabled:', access.hasHandlers())
print('levels:', logging.getLogger('uvicorn').level, error.level,
      access.level, error.getEffectiveLevel(),
      logging.getLogger('uvicorn.asgi').getEffectiveLevel())
message = 'Started server process [%d]'
color_message = 'Started server process [' + '\x1b[36m%d\x1b[0m' + ']'
error.info(message, os.getpid(), extra={'color_message': color_message})
error.info('Waiting for application startup.')
error.info('Application startup complete.')
error.info('Uvicorn running on %s://%s:%d (Press CTRL+C to quit)',
           'http', '127.0.0.1', 8000,
           extra={'color_message': 'Uvicorn running on '
                  '\x1b[1m%s://%s:%d\x1b[0m (Press CTRL+C to quit)'})
error.debug('%sHTTP connection made', '127.0.0.1:51234 - ')
error.log(TRACE_LOG_LEVEL, '%sHTTP connection made', '127.0.0.1:51234 - ')
for args in [('127.0.0.1:51234', 'GET', '/', '1.1', 200),
             ('127.0.0.1:51234', 'POST', '/items?id=3&q=caf\u00e9', '1.1',
              201),
             ('[::1]:40000', 'GET', '/static/app.js', '1.1', 304),
             ('10.0.0.7:1234', 'GET', '/missing', '1.0', 404),
             ('10.0.0.7:1234', 'GET', '/teapot', '1.1', 418),
             ('10.0.0.7:1234', 'DELETE', '/items/3', '2', 500),
             ('10.0.0.7:1234', 'GET', '/odd', '1.1', 599),
             ('10.0.0.7:1234', 'GET', '/ws', '1.1', 101)]:
    access.info('%s - "%s %s HTTP/%s" %d', *args)
error.warning('Invalid HTTP request received.')
try:
    raise RuntimeError('boom in the application')
except RuntimeError as exc:
    error.error('Exception in ASGI application\n', exc_info=exc)
logging.getLogger('uvicorn.asgi').info('ASGI [%d] Started scope=%s', 1,
                                       {'type': 'http'})
logging.getLogger('uvicorn').warning('parent logger: %s', 'warning')
logging.getLogger('myapp').warning('an application warning')
logging.getLogger('myapp').info('an application info')
error.info('Shutting down')
error.info('Waiting for application shutdown.')
error.info('Application shutdown complete.')
error.info('Finished server process [%d]', os.getpid(),
           extra={'color_message': 'Finished server process ['
                  '\x1b[36m%d\x1b[0m]'})
print('done')
'''

UVICORN_DICTCONFIG = LOGGING_IMPORT + r'''
import os
import uvicorn.config
from uvicorn.logging import TRACE_LOG_LEVEL

# What uvicorn.Config.configure_logging() does with the default log_config.
logging.addLevelName(TRACE_LOG_LEVEL, 'TRACE')
logging.config.dictConfig(uvicorn.config.LOGGING_CONFIG)
''' + UVICORN_CALLS


def test_uvicorn_logging_config_dictconfig():
    pytest.importorskip('uvicorn')
    out = run_modes(UVICORN_DICTCONFIG, ALL_MODES)
    expect_in(out['stderr'], 'INFO:     Started server process [4242]',
              'ERROR:    Exception in ASGI application\nTraceback',
              'RuntimeError: boom in the application',
              'WARNING:  parent logger: warning',
              'INFO:     ASGI [1] Started',
              'an application warning')
    expect_in(out['stdout'],
              'INFO:     127.0.0.1:51234 - "GET / HTTP/1.1" 200 OK',
              '"DELETE /items/3 HTTP/2" 500 Internal Server Error',
              '"GET /odd HTTP/1.1" 599 \n', 'done')
    assert 'HTTP connection made' not in out['stderr']
    assert 'an application info' not in out['stderr']


UVICORN_INI = r'''[loggers]
keys=root,uvicorn,uvicorn.error,uvicorn.access

[handlers]
keys=default,access

[formatters]
keys=default,access

[logger_root]
level=WARNING
handlers=default

[logger_uvicorn]
level=INFO
handlers=default
propagate=0
qualname=uvicorn

[logger_uvicorn.error]
level=INFO
handlers=
propagate=1
qualname=uvicorn.error

[logger_uvicorn.access]
level=INFO
handlers=access
propagate=0
qualname=uvicorn.access

[handler_default]
class=StreamHandler
formatter=default
args=(sys.stderr,)

[handler_access]
class=StreamHandler
formatter=access
args=(sys.stdout,)

[formatter_default]
class=uvicorn.logging.DefaultFormatter
format=%(asctime)s.%(msecs)03d %(levelprefix)s %(message)s
datefmt=%Y-%m-%d %H:%M:%S

[formatter_access]
class=uvicorn.logging.AccessFormatter
format=%(asctime)s %(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s
'''

UVICORN_CONFIG = LOGGING_IMPORT + r'''
import json, os
import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import TRACE_LOG_LEVEL

VARIANT = @VARIANT@


async def app(scope, receive, send):
    pass


if VARIANT == 'dict-debug-colors':
    config = uvicorn.Config(app, log_config=LOGGING_CONFIG,
                            log_level='debug', use_colors=True)
elif VARIANT == 'dict-trace-nocolors':
    config = uvicorn.Config(app, log_level='trace', use_colors=False)
elif VARIANT == 'json-file':
    with open('log_config.json', 'w') as handle:
        json.dump(LOGGING_CONFIG, handle)
    config = uvicorn.Config(app, log_config='log_config.json',
                            log_level='warning')
elif VARIANT == 'ini-file':
    config = uvicorn.Config(app, log_config='log_config.ini')
elif VARIANT == 'no-access-log':
    config = uvicorn.Config(app, access_log=False, log_level=logging.INFO)
elif VARIANT == 'user-basicconfig':
    logging.basicConfig(
        format='%(asctime)s %(levelname)s %(name)s %(message)s',
        level=logging.DEBUG)
    config = uvicorn.Config(app, log_config=None, log_level='info')
''' + UVICORN_CALLS

UVICORN_VARIANTS = ['dict-debug-colors', 'dict-trace-nocolors', 'json-file',
                    'ini-file', 'no-access-log', 'user-basicconfig']


@pytest.mark.parametrize('variant', UVICORN_VARIANTS)
def test_uvicorn_config_configure_logging(variant):
    pytest.importorskip('uvicorn')
    program = UVICORN_CONFIG.replace('@VARIANT@', repr(variant))
    out = run_modes(program, FRAMEWORK_MODES,
                    files={'log_config.ini': UVICORN_INI})
    if variant == 'dict-debug-colors':
        expect_in(out['stderr'],
                  '\x1b[32mINFO\x1b[0m:     Started server process '
                  '[\x1b[36m4242\x1b[0m]',
                  '\x1b[36mDEBUG\x1b[0m:    127.0.0.1:51234 - HTTP '
                  'connection made')
        expect_in(out['stdout'], '"\x1b[1mGET / HTTP/1.1\x1b[0m" '
                  '\x1b[32m200 OK\x1b[0m')
    elif variant == 'dict-trace-nocolors':
        expect_in(out['stderr'], 'TRACE:    127.0.0.1:51234 - HTTP '
                  'connection made')
    elif variant == 'json-file':
        expect_in(out['stderr'], 'WARNING:  Invalid HTTP request received.')
        assert 'Started server process' not in out['stderr']
    elif variant == 'ini-file':
        expect_in(out['stderr'], '2023-11-14 22:13:')
        expect_in(out['stdout'], '127.0.0.1:51234 - "GET / HTTP/1.1" 200 OK')
    elif variant == 'no-access-log':
        expect_in(out['stdout'], 'access log enabled: False')
        assert 'HTTP/1.1' not in out['stdout']
    elif variant == 'user-basicconfig':
        expect_in(out['stderr'], ' INFO uvicorn.error Started server process'
                  ' [4242]', ' INFO uvicorn.access 127.0.0.1:51234 - '
                  '"GET / HTTP/1.1" 200', ' WARNING myapp an application')


UVICORN_SERVER = LOGGING_IMPORT + r'''
import os, sys, threading, time, urllib.error, urllib.request
import uvicorn


async def app(scope, receive, send):
    if scope['type'] == 'lifespan':
        while True:
            message = await receive()
            if message['type'] == 'lifespan.startup':
                await send({'type': 'lifespan.startup.complete'})
            elif message['type'] == 'lifespan.shutdown':
                await send({'type': 'lifespan.shutdown.complete'})
                return
    if scope['path'] == '/boom':
        raise RuntimeError('boom from the application')
    body = b'hello from ' + scope['path'].encode()
    status = 404 if scope['path'] == '/missing' else 200
    await send({'type': 'http.response.start', 'status': status,
                'headers': [(b'content-type', b'text/plain'),
                            (b'content-length', str(len(body)).encode())]})
    await send({'type': 'http.response.body', 'body': body})


config = uvicorn.Config(app, host='127.0.0.1', port=0, http='h11',
                        lifespan='on', log_level='info')
server = uvicorn.Server(config)
thread = threading.Thread(target=server.run, daemon=True)
thread.start()
deadline = time.monotonic() + 20
while not server.started:
    assert thread.is_alive() and time.monotonic() < deadline
    time.sleep(0.01)
port = server.servers[0].sockets[0].getsockname()[1]
for path in ['/', '/items?id=3&q=x', '/missing', '/boom']:
    url = 'http://127.0.0.1:%d%s' % (port, path)
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            print('client:', path, response.status, response.read())
    except urllib.error.HTTPError as exc:
        print('client:', path, exc.code, exc.read())
server.should_exit = True
thread.join(20)
print('server stopped:', not thread.is_alive())
'''


def test_uvicorn_live_server():
    pytest.importorskip('uvicorn')
    pytest.importorskip('h11')
    masks = [(r'127\.0\.0\.1:\d+', '127.0.0.1:<PORT>')]
    out = run_modes(UVICORN_SERVER, FRAMEWORK_MODES, masks=masks)
    expect_in(out['stderr'],
              'INFO:     Started server process [4242]\n'
              'INFO:     Waiting for application startup.\n'
              'INFO:     Application startup complete.\n'
              'INFO:     Uvicorn running on http://127.0.0.1:<PORT> '
              '(Press CTRL+C to quit)\n',
              'ERROR:    Exception in ASGI application\n',
              'RuntimeError: boom from the application',
              'INFO:     Shutting down\n'
              'INFO:     Waiting for application shutdown.\n'
              'INFO:     Application shutdown complete.\n'
              'INFO:     Finished server process [4242]\n')
    expect_in(out['stdout'],
              'INFO:     127.0.0.1:<PORT> - "GET / HTTP/1.1" 200 OK\n'
              "client: / 200 b'hello from /'\n",
              '"GET /items?id=3&q=x HTTP/1.1" 200 OK',
              '"GET /missing HTTP/1.1" 404 Not Found\nclient: /missing 404',
              '"GET /boom HTTP/1.1" 500 Internal Server Error\n'
              "client: /boom 500 b'Internal Server Error'",
              'server stopped: True')


# ---------------------------------------------------------------------------
# gunicorn
# ---------------------------------------------------------------------------

GUNICORN_DICTCONFIG = LOGGING_IMPORT + r'''
import os
from gunicorn import glogging

logging.config.dictConfig(glogging.CONFIG_DEFAULTS)
error = logging.getLogger('gunicorn.error')
access = logging.getLogger('gunicorn.access')
error.info('Starting gunicorn %s', '23.0.0')
error.info('Listening at: %s (%s)', 'http://127.0.0.1:8000', os.getpid())
error.info('Using worker: %s', 'sync')
error.info('Booting worker with pid: %s', 4243)
error.debug('Current configuration: %s', {'workers': 1})
error.warning('Worker with pid %s was terminated due to signal %s', 4243, 9)
atoms = glogging.SafeAtoms({'h': '127.0.0.1', 'l': '-', 'u': '-',
                            'r': 'GET /path?q="x" HTTP/1.1', 's': '200',
                            'b': '1234', 'f': '-', 'a': 'curl/8.0'})
access.info('%(h)s %(l)s %(u)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
            '%(missing)s %({x-request-id}i)s', atoms)
try:
    raise OSError(98, 'Address already in use')
except OSError:
    error.exception('Exception in worker process')
error.critical('WORKER TIMEOUT (pid:%s)', 4243)
logging.getLogger().info('the root logger')
logging.getLogger('myapp.views').warning('propagates to %s', 'root')
logging.getLogger('myapp.views').debug('dropped')
'''


def test_gunicorn_config_defaults_dictconfig():
    pytest.importorskip('gunicorn')
    out = run_modes(GUNICORN_DICTCONFIG, ALL_MODES)
    expect_in(out['stderr'],
              '[2023-11-14 22:13:', ' +0000] [4242] [INFO] Starting gunicorn',
              '[ERROR] Exception in worker process\nTraceback',
              'OSError: [Errno 98] Address already in use')
    expect_in(out['stdout'],
              '127.0.0.1 - - "GET /path?q=\\"x\\" HTTP/1.1" 200 1234 "-" '
              '"curl/8.0" - -\n',
              '[INFO] the root logger', '[WARNING] propagates to root',
              '[CRITICAL] WORKER TIMEOUT (pid:4243)')
    assert 'dropped' not in out['stdout'] + out['stderr']


# gunicorn's own examples/logging.conf (benoitc/gunicorn), unchanged except
# that its two log files are written to the run's directory instead of /tmp.
GUNICORN_EXAMPLE_LOGGING_CONF = r'''[loggers]
keys=root, gunicorn.error, gunicorn.access

[handlers]
keys=console, error_file, access_file

[formatters]
keys=generic, access

[logger_root]
level=INFO
handlers=console

[logger_gunicorn.error]
level=INFO
handlers=error_file
propagate=1
qualname=gunicorn.error

[logger_gunicorn.access]
level=INFO
handlers=access_file
propagate=0
qualname=gunicorn.access

[handler_console]
class=StreamHandler
formatter=generic
args=(sys.stdout, )

[handler_error_file]
class=logging.FileHandler
formatter=generic
args=('/tmp/gunicorn.error.log',)

[handler_access_file]
class=logging.FileHandler
formatter=access
args=('/tmp/gunicorn.access.log',)

[formatter_generic]
format=%(asctime)s [%(process)d] [%(levelname)s] %(message)s
datefmt=%Y-%m-%d %H:%M:%S
class=logging.Formatter

[formatter_access]
format=%(message)s
class=logging.Formatter
'''.replace("'/tmp/", "'")

GUNICORN_LOGGER = LOGGING_IMPORT + r'''
import base64, datetime, os
from gunicorn import glogging
from gunicorn.config import Config

VARIANT = @VARIANT@

cfg = Config()
if VARIANT == 'stdout-access-debug':
    cfg.set('accesslog', '-')
    cfg.set('loglevel', 'debug')
elif VARIANT == 'files-reopen':
    cfg.set('errorlog', 'error.log')
    cfg.set('accesslog', 'access.log')
    cfg.set('access_log_format',
            '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
            '%({x-request-id}i)s %({content-type}o)s %({remote_addr}e)s '
            '%(L)s %(D)s %(M)s %(T)s %(p)s %(U)s %(q)s %(m)s %(H)s %(B)s')
elif VARIANT == 'logconfig-dict':
    cfg.set('logconfig_dict', {
        'version': 1,
        'disable_existing_loggers': False,
        'root': {'level': 'INFO', 'handlers': ['console']},
        'loggers': {
            'gunicorn.error': {'level': 'DEBUG', 'handlers': ['error_file'],
                               'propagate': False,
                               'qualname': 'gunicorn.error'},
            'gunicorn.access': {'level': 'INFO',
                                'handlers': ['access_file'],
                                'propagate': False,
                                'qualname': 'gunicorn.access'},
        },
        'handlers': {
            'console': {'class': 'logging.StreamHandler',
                        'formatter': 'generic',
                        'stream': 'ext://sys.stdout'},
            'error_file': {'class': 'logging.handlers.RotatingFileHandler',
                           'formatter': 'generic',
                           'filename': 'gunicorn.error.log',
                           'maxBytes': 400, 'backupCount': 3},
            'access_file': {'class': 'logging.handlers.RotatingFileHandler',
                            'formatter': 'access',
                            'filename': 'gunicorn.access.log',
                            'maxBytes': 300, 'backupCount': 2},
        },
        'formatters': {
            'generic': {'format': '%(asctime)s [%(process)d] '
                                  '[%(levelname)s] %(message)s',
                        'datefmt': '[%Y-%m-%d %H:%M:%S %z]',
                        'class': 'logging.Formatter'},
            'access': {'format': '%(message)s',
                       'class': 'logging.Formatter'},
        },
    })
elif VARIANT == 'logconfig-ini':
    cfg.set('logconfig', os.path.abspath('logging.conf'))
elif VARIANT == 'syslog-udp':
    import socket
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(('127.0.0.1', 0))
    receiver.settimeout(0.5)
    cfg.set('syslog', True)
    cfg.set('syslog_addr', 'udp://127.0.0.1:%d' % receiver.getsockname()[1])
    cfg.set('syslog_facility', 'local3')

log = glogging.Logger(cfg)


class Response:
    def __init__(self, status, sent, headers):
        self.status = status
        self.sent = sent
        self.headers = headers


class Request:
    headers = [('HOST', 'example.com'), ('USER-AGENT', 'curl/8.0'),
               ('X-REQUEST-ID', 'req-42')]


environ = {
    'REQUEST_METHOD': 'GET', 'RAW_URI': '/path?q=1',
    'SERVER_PROTOCOL': 'HTTP/1.1', 'REMOTE_ADDR': '192.168.0.7',
    'PATH_INFO': '/path', 'QUERY_STRING': 'q=1',
    'HTTP_USER_AGENT': 'curl/8.0 "quoted"',
    'HTTP_REFERER': 'https://example.com/',
    'HTTP_AUTHORIZATION': 'Basic ' + base64.b64encode(b'alice:pw').decode(),
}


def traffic(round):
    log.info('Starting gunicorn %s (round %d)', '23.0.0', round)
    log.info('Listening at: %s (%s)', 'http://127.0.0.1:8000', os.getpid())
    log.debug('Arbiter booted')
    log.log('info', 'level given by name: %s', 'info')
    log.log(logging.WARNING, 'level given by number')
    log.access(Response('200 OK', 1234,
                        [('Content-Type', 'text/html'), ('X-Extra', '1')]),
               Request(), environ,
               datetime.timedelta(seconds=1, microseconds=234567))
    log.access(Response(404, None, {'Content-Type': 'text/plain'}),
               {'X-Request-Id': 'req-43'}, dict(environ, RAW_URI='/nope',
                                               HTTP_AUTHORIZATION='Basic !'),
               datetime.timedelta(microseconds=999))
    try:
        {}['missing']
    except KeyError:
        log.exception('Error handling request %s', '/path?q=1')
    log.error('Worker (pid:%s) exited with code %s', 4243, 1)
    log.warning('Worker graceful timeout (pid:%s)', 4243)
    log.critical('WORKER TIMEOUT (pid:%s)', 4243)
    logging.getLogger('myapp').warning('application warning %d', round)


traffic(1)
if VARIANT == 'files-reopen':
    # What the arbiter does on SIGUSR1 after logrotate moved the files.
    os.rename('error.log', 'error.log.1')
    os.rename('access.log', 'access.log.1')
    log.reopen_files()
    log.close_on_exec()
    traffic(2)
    # A configuration reload runs setup() again.
    log.setup(cfg)
    traffic(3)
elif VARIANT == 'logconfig-dict':
    # Enough traffic for both RotatingFileHandlers to roll over.
    traffic(2)
    traffic(3)
elif VARIANT == 'syslog-udp':
    while True:
        try:
            print('datagram:', receiver.recv(65536))
        except socket.timeout:
            break
print('done')
'''

GUNICORN_VARIANTS = ['default', 'stdout-access-debug', 'files-reopen',
                     'logconfig-dict', 'logconfig-ini', 'syslog-udp']
GUNICORN_MASKS = [(r'\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]',
                   '[<NOW>]')]


@pytest.mark.parametrize('variant', GUNICORN_VARIANTS)
def test_gunicorn_glogging_logger(variant):
    pytest.importorskip('gunicorn')
    program = GUNICORN_LOGGER.replace('@VARIANT@', repr(variant))
    out = run_modes(program, FRAMEWORK_MODES, masks=GUNICORN_MASKS,
                    files={'logging.conf': GUNICORN_EXAMPLE_LOGGING_CONF})
    files = out['files']
    if variant == 'default':
        expect_in(out['stderr'], '] [4242] [INFO] Starting gunicorn',
                  '[ERROR] Error handling request /path?q=1\nTraceback',
                  "KeyError: 'missing'", 'application warning 1')
        assert 'Arbiter booted' not in out['stderr']
        assert out['stdout'] == 'done\n'
    elif variant == 'stdout-access-debug':
        expect_in(out['stderr'], '[DEBUG] Arbiter booted')
        expect_in(out['stdout'], '192.168.0.7 - alice [<NOW>] '
                  '"GET /path?q=1 HTTP/1.1" 200 1234 "https://example.com/" '
                  '"curl/8.0 \\"quoted\\""\n')
    elif variant == 'files-reopen':
        assert sorted(files) == ['access.log', 'access.log.1', 'error.log',
                                 'error.log.1']
        expect_in(files['error.log.1'], '(round 1)')
        expect_in(files['error.log'], '(round 2)', '(round 3)')
        assert '(round 1)' not in files['error.log']
        expect_in(files['access.log.1'], 'req-42 text/html 192.168.0.7 '
                  '1.234567 1234567 1234 1 <4242> /path q=1 GET HTTP/1.1 '
                  '1234\n')
        assert files['access.log'].count('\n') == 4
    elif variant == 'logconfig-dict':
        assert sorted(files) == [
            'gunicorn.access.log', 'gunicorn.access.log.1',
            'gunicorn.access.log.2', 'gunicorn.error.log',
            'gunicorn.error.log.1', 'gunicorn.error.log.2',
            'gunicorn.error.log.3']
        expect_in(out['stdout'], '[WARNING] application warning 1')
    elif variant == 'logconfig-ini':
        assert sorted(files) == ['gunicorn.access.log', 'gunicorn.error.log']
        expect_in(files['gunicorn.error.log'], ' [4242] [INFO] Starting')
        expect_in(out['stdout'], '[ERROR] Error handling request')
    elif variant == 'syslog-udp':
        # local3 (19) * 8 + info (6) = 158; gunicorn's prefix and format.
        expect_in(out['stdout'],
                  "datagram: b'<158>gunicorn.gunicorn.error: [4242] Starting "
                  "gunicorn 23.0.0 (round 1)\\x00'\n",
                  "datagram: b'<155>gunicorn.gunicorn.error: [4242] Error "
                  "handling request /path?q=1\\nTraceback",
                  "datagram: b'<158>gunicorn.gunicorn.access: [4242] "
                  "192.168.0.7 - alice [<NOW>]")
        expect_in(out['stderr'], '[INFO] Starting gunicorn')


# ---------------------------------------------------------------------------
# Django
# ---------------------------------------------------------------------------

DJANGO_SETTINGS = r'''
import django
from django.conf import settings

DEBUG = @DEBUG@

# A typical project's LOGGING (after the example in Django's logging docs).
LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'formatters': {
        'verbose': {
            'format': '{levelname} {asctime} {module} {process:d} '
                      '{thread:d} {message}',
            'style': '{',
        },
        'simple': {
            'format': '{levelname} {message}',
            'style': '{',
        },
    },
    'filters': {
        'require_debug_true': {
            '()': 'django.utils.log.RequireDebugTrue',
        },
        'require_debug_false': {
            '()': 'django.utils.log.RequireDebugFalse',
        },
    },
    'handlers': {
        'console': {
            'level': 'INFO',
            'filters': ['require_debug_true'],
            'class': 'logging.StreamHandler',
            'formatter': 'simple',
        },
        'file': {
            'level': 'DEBUG',
            'class': 'logging.FileHandler',
            'filename': 'debug.log',
            'formatter': 'verbose',
        },
        'mail_admins': {
            'level': 'ERROR',
            'class': 'django.utils.log.AdminEmailHandler',
            'filters': ['require_debug_false'],
        },
    },
    'loggers': {
        'django': {
            'handlers': ['console', 'file'],
            'level': 'INFO',
            'propagate': True,
        },
        'django.request': {
            'handlers': ['mail_admins', 'file'],
            'level': 'WARNING',
            'propagate': False,
        },
        'myapp': {
            'handlers': ['console', 'file', 'mail_admins'],
            'level': 'DEBUG',
            'propagate': False,
        },
    },
    'root': {
        'handlers': ['console'],
        'level': 'WARNING',
    },
}

if django.VERSION >= (6, 0):
    ADMINS = ['a@example.com']
else:
    ADMINS = [('a', 'a@example.com')]
'''

DJANGO_CALLS = r'''
import sys
from django.core import mail
from django.test import RequestFactory

request = RequestFactory().get('/boom/?q=1', HTTP_USER_AGENT='test-agent')
django_logger = logging.getLogger('django')
django_logger.info('django info %s', 'message')
django_logger.debug('django debug, below INFO')
django_logger.warning('django warning')
logging.getLogger('django.request').warning(
    'Not Found: %s', '/missing/',
    extra={'status_code': 404, 'request': request})
try:
    raise ValueError('boom from a view')
except ValueError:
    logging.getLogger('django.request').error(
        'Internal Server Error: %s', '/boom/', exc_info=True,
        extra={'status_code': 500, 'request': request})
logging.getLogger('django.security.DisallowedHost').error(
    "Invalid HTTP_HOST header: %r. You may need to add %r to ALLOWED_HOSTS.",
    'evil.example', 'evil.example',
    extra={'status_code': 400, 'request': request})
logging.getLogger('django.db.backends').debug(
    '(%.3f) %s; args=%s; alias=%s', 0.0012, 'SELECT 1', (), 'default',
    extra={'duration': 0.0012, 'sql': 'SELECT 1', 'params': (),
           'alias': 'default'})
server = logging.getLogger('django.server')
for status, size in [(200, 1234), (304, 0), (302, 0), (404, 179),
                     (400, 143), (500, 145), (101, 0)]:
    server.info('"%s" %s %s', 'GET /page/ HTTP/1.1', str(status), size,
                extra={'request': None, 'status_code': status})
server.error('"%s" %s %s', 'POST /api/ HTTP/1.1', '500', 145,
             extra={'request': None, 'status_code': 500,
                    'server_time': '14/Nov/2023 22:13:20'})
server.info('%s - Broken pipe from %s', 'x', ('127.0.0.1', 5000))
app = logging.getLogger('myapp')
app.debug('myapp debug %d', 1)
app.info('myapp info %s', {'key': 'value'})
app.warning('myapp warning')
try:
    1 / 0
except ZeroDivisionError:
    app.exception('myapp failed: %s', 'division')
logging.getLogger('myapp.tasks').error('child of myapp: %s', 'error')
logging.getLogger('other').warning('an unconfigured logger')
logging.getLogger('other').info('dropped by the root level')

outbox = getattr(mail, 'outbox', [])
print('emails:', len(outbox))
for message in outbox:
    print('=== subject:', message.subject)
    print('=== from:', message.from_email, 'to:', message.to)
    print(message.body)
sys.stdout.flush()
'''

DJANGO_DICTCONFIG = LOGGING_IMPORT + DJANGO_SETTINGS + r'''
WHICH = @WHICH@
settings.configure(
    DEBUG=DEBUG, LOGGING_CONFIG=None, ADMINS=ADMINS,
    EMAIL_BACKEND='django.core.mail.backends.locmem.EmailBackend',
    ALLOWED_HOSTS=['testserver'], TIME_ZONE='UTC', USE_TZ=True,
    SECRET_KEY='not-secret', ROOT_URLCONF=__name__)
django.setup()
urlpatterns = []

# What django.utils.log.configure_logging() does, directly.
from django.utils.log import DEFAULT_LOGGING
logging.config.dictConfig(DEFAULT_LOGGING)
if WHICH == 'project':
    logging.config.dictConfig(LOGGING)
''' + DJANGO_CALLS

DJANGO_MASKS = [(r'Server time: .*', 'Server time: <NOW>')]


@pytest.mark.parametrize('which', ['default', 'project'])
@pytest.mark.parametrize('debug', [True, False], ids=['debug', 'nodebug'])
def test_django_logging_dictconfig(which, debug):
    pytest.importorskip('django')
    program = (DJANGO_DICTCONFIG.replace('@DEBUG@', repr(debug))
               .replace('@WHICH@', repr(which)))
    out = run_modes(program, ALL_MODES, masks=DJANGO_MASKS)
    _check_django_output(out, which, debug)


def _check_django_output(out, which, debug, client=False):
    """Sanity checks on the (common) stdlib output of DJANGO_CALLS."""
    emails = re.search(r'emails: (\d+)', out['stdout'])
    assert emails, out['stdout']
    emails = int(emails.group(1))
    if which == 'default':
        # DEFAULT_LOGGING: console (require_debug_true) and mail_admins
        # (require_debug_false) on 'django'; django.server on its own.
        expect_in(out['stderr'], '[14/Nov/2023 ',
                  '"GET /page/ HTTP/1.1" 200 1234',
                  '[14/Nov/2023 22:13:20] "POST /api/ HTTP/1.1" 500 145')
        if debug:
            assert emails == 0
            expect_in(out['stderr'], 'django info message\n',
                      'Internal Server Error: /boom/\nTraceback',
                      'ValueError: boom from a view')
        else:
            # django.request's error and DisallowedHost's, via 'django'.
            assert emails == 2
            assert 'django info message' not in out['stderr']
    else:
        log = out['files']['debug.log']
        expect_in(log, 'INFO 2023-11-14 ', ' 4242 <THREAD-ID> myapp info',
                  'ZeroDivisionError: division by zero')
        assert 'other' not in log
        if debug:
            expect_in(out['stderr'], 'INFO django info message\n',
                      'INFO myapp info', 'ERROR myapp failed: division\n'
                      'Traceback', 'WARNING an unconfigured logger\n')
            assert emails == 0
        else:
            assert out['stderr'] == ''
            # django.request's error (and the client's /boom/), myapp's two.
            assert emails == (4 if client else 3)
    if emails:
        expect_in(out['stdout'], '=== subject: ',
                  '=== from: root@localhost to: ',
                  'Server time: <NOW>')
    assert 'dropped by the root level' not in out['stderr']


DJANGO_SETUP = LOGGING_IMPORT + DJANGO_SETTINGS + r'''
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import path

settings.configure(
    DEBUG=DEBUG, LOGGING=LOGGING, ADMINS=ADMINS,
    EMAIL_BACKEND='django.core.mail.backends.locmem.EmailBackend',
    ALLOWED_HOSTS=['testserver'], TIME_ZONE='UTC', USE_TZ=True,
    ROOT_URLCONF=__name__, SECRET_KEY='not-secret',
    MIDDLEWARE=['django.middleware.common.CommonMiddleware'])
# Runs django.utils.log.configure_logging(): logging.config.dictConfig()
# with DEFAULT_LOGGING, then with LOGGING.
django.setup()


def index(request):
    logging.getLogger('myapp.views').info('index view for %s', request.path)
    return HttpResponse('ok')


def boom(request):
    raise ValueError('boom from a view')


def bad(request):
    return HttpResponseBadRequest('bad request')


urlpatterns = [path('', index), path('boom/', boom), path('bad/', bad)]

from django.test import Client
client = Client(raise_request_exception=False)
for url, extra in [('/', {}), ('/missing/', {}), ('/bad/', {}),
                   ('/boom/', {}), ('/', {'HTTP_HOST': 'evil.example'})]:
    print('client:', url, client.get(url, **extra).status_code)
''' + DJANGO_CALLS


@pytest.mark.parametrize('debug', [True, False], ids=['debug', 'nodebug'])
def test_django_setup_project_logging(debug):
    pytest.importorskip('django')
    program = DJANGO_SETUP.replace('@DEBUG@', repr(debug))
    out = run_modes(program, FRAMEWORK_MODES, masks=DJANGO_MASKS)
    _check_django_output(out, 'project', debug, client=True)
    expect_in(out['stdout'], 'client: / 200', 'client: /missing/ 404',
              'client: /bad/ 400', 'client: /boom/ 500')
    expect_in(out['files']['debug.log'], 'prog 4242 <THREAD-ID> index view for /',
              'WARNING ', 'Not Found: /missing/', 'Bad Request: /bad/',
              'ERROR ', 'Internal Server Error: /boom/',
              'Invalid HTTP_HOST header')
    if not debug:
        expect_in(out['stdout'],
                  '=== subject: [Django] ERROR (EXTERNAL IP): Internal '
                  'Server Error: /boom/')


# Django's development server (what ``manage.py runserver`` runs) serving
# real requests: 'django.server' records come from Django's own
# WSGIRequestHandler.log_message() (with the request socket and the server
# time in ``extra``), formatted by DEFAULT_LOGGING's ServerFormatter.
DJANGO_DEV_SERVER = LOGGING_IMPORT + r'''
import threading, urllib.error, urllib.request
import django
from django.conf import settings
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=@DEBUG@, ALLOWED_HOSTS=['127.0.0.1'], ROOT_URLCONF=__name__,
    SECRET_KEY='not-secret', TIME_ZONE='UTC', USE_TZ=True,
    EMAIL_BACKEND='django.core.mail.backends.locmem.EmailBackend')
django.setup()


def index(request):
    logging.getLogger('django').info('index view, DEBUG=%s', settings.DEBUG)
    return HttpResponse('ok')


def boom(request):
    raise ValueError('boom from a view')


urlpatterns = [path('', index), path('boom/', boom)]

from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.core.wsgi import get_wsgi_application

server = WSGIServer(('127.0.0.1', 0), WSGIRequestHandler)
server.set_app(get_wsgi_application())
port = server.server_address[1]
thread = threading.Thread(target=server.serve_forever,
                          kwargs={'poll_interval': 0.05}, daemon=True)
thread.start()
for url in ['/', '/missing/', '/boom/', '/']:
    try:
        with urllib.request.urlopen('http://127.0.0.1:%d%s' % (port, url),
                                    timeout=10) as response:
            print('client:', url, response.status, response.read())
    except urllib.error.HTTPError as exc:
        print('client:', url, exc.code)
server.shutdown()
server.server_close()
thread.join(10)
print('server stopped:', not thread.is_alive())
'''


@pytest.mark.parametrize('debug', [True, False], ids=['debug', 'nodebug'])
def test_django_dev_server(debug):
    pytest.importorskip('django')
    program = DJANGO_DEV_SERVER.replace('@DEBUG@', repr(debug))
    out = run_modes(program, FRAMEWORK_MODES)
    expect_in(out['stdout'], "client: / 200 b'ok'\n", 'client: /missing/ 404',
              'client: /boom/ 500', 'server stopped: True')
    expect_in(out['stderr'], '"GET / HTTP/1.1" 200 2\n',
              '"GET /missing/ HTTP/1.1" 404 ', '"GET /boom/ HTTP/1.1" 500 ')
    assert re.search(r'^\[\d\d/Nov/2023 \d\d:\d\d:\d\d\] "GET / HTTP/1.1" '
                     r'200 2$', out['stderr'], re.M), out['stderr']
    if debug:
        expect_in(out['stderr'], 'index view, DEBUG=True\n',
                  'Not Found: /missing/\n', 'Internal Server Error: /boom/\n'
                  'Traceback', 'ValueError: boom from a view')
    else:
        assert 'index view' not in out['stderr']
        assert 'Not Found' not in out['stderr']
