"""Differential testing of attologging against the standard library.

A *scenario* is a short Python script body that uses the name ``L`` for the
logging module under test.  ``run_pair()`` executes a list of scenarios
twice, in two fresh interpreters (``sys.executable``), once with
``L = logging`` and once with ``L = attologging``, and captures for every
scenario its stdout, stderr, exit code and the files it wrote.
``compare_case()`` then demands byte-for-byte equality after masking only
what legitimately differs between the two runs.

How a run works
---------------
One interpreter per module runs all scenarios.  Its parent process imports
the module once and then, for each scenario, writes a delimiter to stdout
and stderr and ``fork()``s; the child changes into a fresh per-case
directory, executes the scenario, runs the ``atexit`` callbacks (so
``logging.shutdown()`` runs exactly as at interpreter exit) and leaves with
``os._exit()``.  Every scenario therefore sees a pristine logging module,
and forking keeps several hundred cases within seconds.

Made deterministic instead of masked:

* the clock: ``time.time`` / ``time.time_ns`` are replaced (before the
  module is imported, so ``_startTime`` is affected too) by a fake clock
  that advances by a fixed step per call, so created / msecs /
  relativeCreated / asctime are compared exactly (TZ=UTC);
* ``os.getpid`` returns a stable number;
* the scenario's source is registered in ``linecache`` under a fixed fake
  path, so tracebacks and stack_info show the same file, lines and source;
* reading a log file back: attologging's FileHandler writes on the
  engine's consumer thread (the documented asynchronous I/O), so in its
  run ``open()`` first drains what was logged -- as a program reading its
  own log file must call ``handler.flush()`` first;
* in the 'file' variant (``handler()`` makes a FileHandler on /dev/stdout,
  so that every scenario also runs on attologging's native route), other
  writes to stdout drain first for the same reason.

Masked (see ``normalise()``):

* the two runs' working directories;
* the main thread's identifier (decimal and hex), which each forked child
  reports on a marker line (scenarios do not print other threads' ids);
* object addresses (``0x7f...``);
* frames of the logging implementation itself inside ``Traceback (most
  recent call last):`` blocks (a run of such frames becomes one marker
  line) -- their paths, line numbers and source lines necessarily differ;
* the module name ``attologging`` -> ``logging`` (class reprs, messages).

Checked separately (``check_no_own_frames()``): outside those traceback
blocks the attologging output never mentions attologging's source files,
i.e. no attologging frame leaks into stack_info, "Call stack:", record
pathnames or exception tracebacks of user code.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

FAKE_ROOT = '/difftest'
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# DIFFTEST_PYTHON_DIR runs the comparison against another copy of the
# package (used to check that the harness notices injected bugs).
PYTHON_DIR = os.environ.get('DIFFTEST_PYTHON_DIR') or os.path.join(REPO,
                                                                   'python')
ATTOLOGGING_DIR = os.path.join(PYTHON_DIR, 'attologging')
STDLIB_LOGGING_DIR = os.path.join(os.path.dirname(os.__file__), 'logging')

_CASE_RE = re.compile(r'\n@@@@ case (\d+) @@@@\n')
_END_RE = re.compile(r'@@@@ end (\d+) rc=(-?\w+) @@@@\n')
_IDENT_RE = re.compile(r'@@@@ ident (\d+) @@@@\n')


@dataclass
class Scenario:
    """One generated case: a unique *name* and a script *body*."""
    name: str
    body: str


@dataclass
class CaseResult:
    stdout: str = ''
    stderr: str = ''
    rc: str = '?'
    ident: int = 0
    files: dict = field(default_factory=dict)


@dataclass
class RunResult:
    module: str
    workdir: str
    cases: list
    header: str
    stderr_tail: str


# ---------------------------------------------------------------------------
# The program executed in the subprocess
# ---------------------------------------------------------------------------

RUNNER = r'''
import sys, os, json, time, threading, linecache, traceback, atexit, io
import signal

MODULE, CASES_FILE, WORKDIR, FAKE_ROOT, HANDLER_KIND = sys.argv[1:6]


class FakeClock:
    """Deterministic replacement for time.time()/time.time_ns()."""
    def __init__(self):
        self.now = 1_700_000_000_123_456_789
        self.step = 1_234_567_891
    def set(self, ns, step=None):
        self.now = ns
        if step is not None:
            self.step = step
    def time_ns(self):
        value = self.now
        self.now += self.step
        return value
    def time(self):
        return self.time_ns() / 1e9


clock = FakeClock()
time.time = clock.time
time.time_ns = clock.time_ns
os.getpid = lambda: 4242

import importlib
L = importlib.import_module(MODULE)


def sync():
    """Drain attologging's queued records (nothing to do for logging)."""
    runtime = getattr(L, '_runtime', None)
    if runtime is not None:
        runtime.flush()


if hasattr(L, '_runtime'):
    import builtins
    _builtin_open = builtins.open

    def _draining_open(*args, **kwargs):
        sync()
        return _builtin_open(*args, **kwargs)

    builtins.open = _draining_open
    if HANDLER_KIND == 'file':
        # The FileHandler's records and everything else written to stdout
        # (print, StreamHandlers) share one file: other writers drain the
        # engine first, as such a program must flush its FileHandler.
        class _DrainingStream:
            def __init__(self, stream):
                self._stream = stream

            def write(self, text):
                sync()
                return self._stream.write(text)

            def __getattr__(self, name):
                return getattr(self._stream, name)

        sys.stdout = _DrainingStream(sys.stdout)


class Obj:
    def __str__(self):
        return 'Obj-str'
    def __repr__(self):
        return 'Obj-repr'


class BadStr:
    def __str__(self):
        raise RuntimeError('no str for you')
    def __repr__(self):
        return 'BadStr-repr'


def handler(fmt=None, style='%', stream=None, level=None, datefmt=None,
            **kwargs):
    """A StreamHandler to stdout (by default) with the given Formatter.

    In the 'file' variant the default is a FileHandler on /dev/stdout:
    attologging's native route (records formatted by the engine)."""
    if stream is None and HANDLER_KIND == 'file':
        sys.stdout.flush()
        hdlr = L.FileHandler('/dev/stdout')
    else:
        hdlr = L.StreamHandler(sys.stdout if stream is None else stream)
    if fmt is not None or datefmt is not None or style != '%' or kwargs:
        hdlr.setFormatter(L.Formatter(fmt, datefmt, style, **kwargs))
    if level is not None:
        hdlr.setLevel(level)
    return hdlr


def fresh(name, fmt='%(levelname)s:%(name)s:%(message)s', style='%',
          level=10, **kwargs):
    """A non-propagating logger with one stdout handler."""
    logger = L.getLogger(name)
    logger.setLevel(level)
    logger.propagate = False
    logger.addHandler(handler(fmt, style, **kwargs))
    return logger


def attempt(func, *args, **kwargs):
    """Call func; print 'OK <result>' or 'EXC <type> <message>'."""
    try:
        result = func(*args, **kwargs)
    except Exception as exc:
        print('EXC', type(exc).__name__, exc)
        return None
    print('OK', result)
    return result


def run_case(index, case):
    code = 0
    signal.alarm(60)  # a hung scenario must not hang the whole run
    print('@@@@ ident %d @@@@' % threading.get_ident())
    try:
        directory = os.path.join(WORKDIR, 'case%04d' % index)
        os.makedirs(directory)
        os.chdir(directory)
        filename = '%s/%s.py' % (FAKE_ROOT, case['name'])
        source = case['body']
        linecache.cache[filename] = (len(source), None,
                                     source.splitlines(True), filename)
        namespace = {'__name__': '__main__', 'L': L, 'clock': clock,
                     'sys': sys, 'os': os, 'io': io, 'Obj': Obj,
                     'BadStr': BadStr, 'handler': handler, 'fresh': fresh,
                     'attempt': attempt}
        exec(compile(source, filename, 'exec'), namespace)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        atexit._run_exitfuncs()
    except BaseException:
        traceback.print_exc()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(code)


def main():
    print('@@@@ header stdlib-logging-imported=%s' % ('logging' in sys.modules))
    with open(CASES_FILE) as handle:
        cases = json.load(handle)
    for index, case in enumerate(cases):
        for stream in (sys.stdout, sys.stderr):
            stream.write('\n@@@@ case %d @@@@\n' % index)
            stream.flush()
        pid = os.fork()
        if pid == 0:
            run_case(index, case)
        _, status = os.waitpid(pid, 0)
        sys.stdout.write('@@@@ end %d rc=%s @@@@\n'
                         % (index, os.waitstatus_to_exitcode(status)))
        sys.stdout.flush()


main()
'''

BOOTSTRAP = (
    "import sys, linecache\n"
    "src = open(sys.argv.pop(1)).read()\n"
    "name = sys.argv[4] + '/runner.py'\n"
    "linecache.cache[name] = (len(src), None, src.splitlines(True), name)\n"
    "exec(compile(src, name, 'exec'), {'__name__': '__main__'})\n"
)


def _environment():
    env = dict(os.environ)
    env['PYTHONPATH'] = PYTHON_DIR
    env['TZ'] = 'UTC'
    env['PYTHONIOENCODING'] = 'utf-8'
    env['PYTHONHASHSEED'] = '0'
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    for noisy in ('PYTHONWARNINGS', 'PYTHONDEVMODE', 'PYTHONASYNCIODEBUG'):
        env.pop(noisy, None)
    return env


def start_run(module, scenarios, python=None, kind='stream'):
    """Start one subprocess running every scenario against *module*;
    *kind* is the handler the scenarios' ``handler()`` makes by default
    ('stream': StreamHandler(sys.stdout); 'file': FileHandler on
    /dev/stdout, attologging's native route)."""
    workdir = tempfile.mkdtemp(prefix='difftest-%s-' % module)
    cases_file = os.path.join(workdir, 'cases.json')
    runner_file = os.path.join(workdir, 'runner.py')
    with open(cases_file, 'w') as handle:
        json.dump([{'name': s.name, 'body': s.body} for s in scenarios],
                  handle)
    with open(runner_file, 'w') as handle:
        handle.write(RUNNER)
    cases_dir = os.path.join(workdir, 'cases')
    os.makedirs(cases_dir)
    command = [python or sys.executable, '-c', BOOTSTRAP, runner_file,
               module, cases_file, cases_dir, FAKE_ROOT, kind]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_environment(),
                            cwd=workdir)
    return proc, module, workdir, len(scenarios)


def finish_run(started, timeout=300):
    """Wait for a run, split its output per case, collect written files
    and remove its temporary directory."""
    proc, module, workdir, count = started
    cases_dir = os.path.join(workdir, 'cases')
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    out = out.decode('utf-8', 'backslashreplace')
    err = err.decode('utf-8', 'backslashreplace')
    cases = [CaseResult() for _ in range(count)]
    header = _split(out, cases, 'stdout')
    tail = _split(err, cases, 'stderr')
    for match in _END_RE.finditer(out):
        cases[int(match.group(1))].rc = match.group(2)
    for index, case in enumerate(cases):
        case.files = _collect_files(os.path.join(cases_dir, 'case%04d' % index))
    shutil.rmtree(workdir, ignore_errors=True)
    return RunResult(module, cases_dir, cases, header, tail)


def run_pair(scenarios, python=None, kind='stream'):
    """Run *scenarios* against logging and attologging (in parallel)."""
    started = [start_run(m, scenarios, python, kind)
               for m in ('logging', 'attologging')]
    return tuple(finish_run(s) for s in started)


def _split(text, cases, attribute):
    pieces = _CASE_RE.split(text)
    header = pieces[0]
    for i in range(1, len(pieces), 2):
        case = cases[int(pieces[i])]
        chunk = _END_RE.sub('', pieces[i + 1])
        ident = _IDENT_RE.search(chunk)
        if ident:
            case.ident = int(ident.group(1))
            chunk = _IDENT_RE.sub('', chunk, count=1)
        setattr(case, attribute, chunk)
    return header


def _collect_files(directory):
    found = {}
    if not os.path.isdir(directory):
        return found
    for base, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(base, name)
            with open(path, 'rb') as handle:
                found[os.path.relpath(path, directory)] = handle.read()
    return found

# ---------------------------------------------------------------------------
# Masking and comparison
# ---------------------------------------------------------------------------


_ADDRESS_RE = re.compile(r'0x[0-9a-fA-F]{6,}')
_FRAME_RE = re.compile(r'^ *File "([^"]*)", line \d+, in .*$')
_LOGGING_FRAMES = '  <logging frames>'


def _is_logging_file(path):
    directory = os.path.dirname(path)
    return directory in (ATTOLOGGING_DIR, STDLIB_LOGGING_DIR)


def mask_logging_frames(text):
    """Collapse frames of either logging implementation that occur inside
    ``Traceback (most recent call last):`` blocks into one marker line."""
    out = []
    in_traceback = skipping = False
    for line in text.split('\n'):
        if line.startswith('Traceback (most recent call last):'):
            in_traceback, skipping = True, False
            out.append(line)
            continue
        if in_traceback and not line.startswith(' '):
            in_traceback = skipping = False
        match = _FRAME_RE.match(line) if in_traceback else None
        if match:
            skipping = _is_logging_file(match.group(1))
            if skipping:
                if out[-1] != _LOGGING_FRAMES:
                    out.append(_LOGGING_FRAMES)
                continue
        elif skipping:
            continue  # source / caret lines of a masked frame
        out.append(line)
    return '\n'.join(out)


def normalise(text, run, ident=0):
    """Mask what legitimately differs between the two runs."""
    text = text.replace(run.workdir, '<WORKDIR>')
    if ident:
        text = re.sub(r'\b(%d|%x)\b' % (ident, ident), '<THREAD-ID>', text)
    text = mask_logging_frames(text)
    text = _ADDRESS_RE.sub('0xADDR', text)
    text = re.sub(r'\battologging\b', 'logging', text)
    return text


def check_no_own_frames(text):
    """attologging's files must not show up outside traceback blocks."""
    masked = mask_logging_frames(text)
    assert ATTOLOGGING_DIR not in masked, (
        'attologging source path leaked into the output:\n' + masked)


def _normalise_files(files, run, ident):
    result = {}
    for name, data in files.items():
        try:
            result[name] = normalise(data.decode('utf-8'), run, ident)
        except UnicodeDecodeError:
            result[name] = data
    return result


def compare_case(index, expected_run, actual_run):
    """Assert that case *index* behaved identically in both runs."""
    expected = expected_run.cases[index]
    actual = actual_run.cases[index]
    for stream in ('stdout', 'stderr'):
        check_no_own_frames(getattr(actual, stream))
    got = _case_view(actual, actual_run)
    want = _case_view(expected, expected_run)
    assert got == want, _explain(want, got)


def _case_view(case, run):
    return {'stdout': normalise(case.stdout, run, case.ident),
            'stderr': normalise(case.stderr, run, case.ident),
            'rc': case.rc,
            'files': _normalise_files(case.files, run, case.ident)}


def _explain(want, got):
    import difflib
    lines = []
    for key in ('rc', 'stdout', 'stderr', 'files'):
        if want[key] == got[key]:
            continue
        if isinstance(want[key], str):
            diff = difflib.unified_diff(
                want[key].splitlines(), got[key].splitlines(),
                'logging', 'attologging', lineterm='')
            lines.append('--- %s differs:\n%s' % (key, '\n'.join(diff)))
        else:
            lines.append('--- %s differs:\nlogging:     %r\nattologging: %r'
                         % (key, want[key], got[key]))
    return '\n'.join(lines)
