"""attologging -- a drop-in replacement for the standard ``logging`` module.

``import attologging as logging`` gives a module with the same public (and
commonly used private) names, signatures and observable behaviour as the
``logging`` module of the running interpreter (Python 3.9 to 3.14; the
per-version differences are selected with ``sys.version_info`` below).

This module is an independent implementation, organised the way data flows
through it.  The level methods (``Logger.debug`` ... ``Logger.log``) are
native (``attologging._native``): when a logger's whole handler chain is
ours with stock formatters (see ``_plan.py``), a call is captured straight
into the Rust engine's ring -- no LogRecord is built -- and formatted and
written on the engine's consumer thread.  Otherwise the native method hands
the call, unchanged, to the Python implementation below, which follows the
stdlib's path exactly; our handlers on that path still write through the
engine (``_runtime.py``):

    Logger.info()  ->  Logger._log()  ->  Logger.findCaller()
                                      ->  Logger.makeRecord() -> LogRecord
                   ->  Logger.handle() -> Filterer.filter()
                   ->  Logger.callHandlers() -> Handler.handle()
                   ->  Handler.emit() -> Handler.format() -> Formatter
"""

import sys, os, time, io, re, traceback, warnings, weakref, collections.abc
import threading
import atexit

from string import Template
from string import Formatter as _StringFieldParser

from . import _native, _runtime, _plan, _traceback

# Every attribute assignment that can change how a call is routed (on
# loggers, handlers, formatters, styles, the manager, this module) calls
# _bump(): the native level methods then re-plan on their next call.
_bump = _native.bump


def _tracked_setattr(self, name, value):
    """__setattr__ of the classes whose attributes steer routing."""
    object.__setattr__(self, name, value)
    _bump()


def _tracked_delattr(self, name):
    object.__delattr__(self, name)
    _bump()

_PY = sys.version_info[:2]
_PY310 = _PY >= (3, 10)
_PY311 = _PY >= (3, 11)
_PY312 = _PY >= (3, 12)
_PY313 = _PY >= (3, 13)

if _PY311:
    from types import GenericAlias


def _public_names():
    names = ['BASIC_FORMAT', 'BufferingFormatter', 'CRITICAL', 'DEBUG',
             'ERROR', 'FATAL', 'FileHandler', 'Filter', 'Formatter',
             'Handler', 'INFO', 'LogRecord', 'Logger', 'LoggerAdapter',
             'NOTSET', 'NullHandler', 'StreamHandler', 'WARN', 'WARNING',
             'addLevelName', 'basicConfig', 'captureWarnings', 'critical',
             'debug', 'disable', 'error', 'exception', 'fatal',
             'getLevelName', 'getLogger', 'getLoggerClass', 'info', 'log',
             'makeLogRecord', 'setLoggerClass', 'shutdown', 'warn',
             'warning', 'getLogRecordFactory', 'setLogRecordFactory',
             'lastResort', 'raiseExceptions']
    if _PY311:
        names.append('getLevelNamesMapping')
    if _PY312:
        names += ['getHandlerByName', 'getHandlerNames']
    return names


__all__ = _public_names()
del _public_names

# ---------------------------------------------------------------------------
# Module-wide switches and data
# ---------------------------------------------------------------------------

# Reference point for LogRecord.relativeCreated.  Python 3.13 switched the
# record clock to integer nanoseconds; earlier versions use float seconds.
_startTime = time.time_ns() if _PY313 else time.time()

# When true, errors raised while emitting a record are reported on stderr
# (Handler.handleError) and misuse such as a non-int level raises.
raiseExceptions = True

# Switches for the (comparatively expensive) context gathered per record.
logThreads = True
logMultiprocessing = True
logProcesses = True
if _PY312:
    logAsyncioTasks = True

# ---------------------------------------------------------------------------
# Levels
# ---------------------------------------------------------------------------

CRITICAL = 50
FATAL = CRITICAL
ERROR = 40
WARNING = 30
WARN = WARNING
INFO = 20
DEBUG = 10
NOTSET = 0

_levelToName = {CRITICAL: 'CRITICAL', ERROR: 'ERROR', WARNING: 'WARNING',
                INFO: 'INFO', DEBUG: 'DEBUG', NOTSET: 'NOTSET'}
_nameToLevel = {'CRITICAL': CRITICAL, 'FATAL': FATAL, 'ERROR': ERROR,
                'WARN': WARNING, 'WARNING': WARNING, 'INFO': INFO,
                'DEBUG': DEBUG, 'NOTSET': NOTSET}

if _PY311:
    def getLevelNamesMapping():
        """Return a copy of the mapping from level names to level numbers."""
        return _nameToLevel.copy()


def getLevelName(level):
    """Translate a level number to its name, or a level name to its number.

    Numbers are looked up first, then names; anything unknown gives the
    string ``"Level %s" % level``.
    """
    name = _levelToName.get(level)
    if name is not None:
        return name
    number = _nameToLevel.get(level)
    if number is not None:
        return number
    return "Level %s" % level


def addLevelName(level, levelName):
    """Register *levelName* as the textual name of the number *level*."""
    with _lock:
        _levelToName[level] = levelName
        _nameToLevel[levelName] = level
    _bump()


# currentframe() returns the frame Logger.findCaller() starts its walk from.
# Up to 3.10 it skipped a fixed number of frames (the lambda, findCaller,
# _log) and findCaller applied stacklevel to raw frames; from 3.11 on it
# returns findCaller's own frame and internal frames are skipped while
# counting stacklevel.
if hasattr(sys, "_getframe"):
    if _PY311:
        currentframe = lambda: sys._getframe(1)
    else:
        currentframe = lambda: sys._getframe(3)
else:  # pragma: no cover - only for interpreters without _getframe
    def currentframe():
        """Return the frame object of the caller's caller."""
        try:
            raise Exception
        except Exception as exc:
            return exc.__traceback__.tb_frame.f_back

# The source file of this module.  Frames executing code from it are
# "internal" and never reported as the origin of a logging call.  Setting
# _srcfile to None disables caller detection altogether (as in the stdlib).
_srcfile = os.path.normcase(addLevelName.__code__.co_filename)


def _stdlib_logging_sources():
    """Normalised paths of the standard library's ``logging/__init__.py``.

    A stdlib LoggerAdapter or a stdlib module-level helper can sit between
    user code and one of our loggers, so its frames are skipped too.
    """
    stdlib_dir = os.path.dirname(os.__file__)
    paths = {os.path.join(stdlib_dir, 'logging', '__init__.py')}
    other = sys.modules.get('logging')
    other_file = getattr(other, '__file__', None)
    if other_file and other_file.endswith('__init__.py'):
        paths.add(other_file)
    return frozenset(os.path.normcase(p) for p in paths)


_STDLIB_SOURCES = _stdlib_logging_sources()
_STDLIB_DIRS = frozenset(os.path.dirname(p) for p in _STDLIB_SOURCES)
del _stdlib_logging_sources


def _is_logging_source(filename):
    """True if the normalised *filename* is this module or stdlib logging."""
    return filename == _srcfile or filename in _STDLIB_SOURCES


def _is_logging_package_dir(dirname):
    """True if *dirname* holds this package or the stdlib logging package."""
    return dirname == __path__[0] or dirname in _STDLIB_DIRS


if _PY311:
    def _is_internal_frame(frame):
        """True for frames of logging itself or of the import machinery."""
        filename = os.path.normcase(frame.f_code.co_filename)
        return _is_logging_source(filename) or (
            "importlib" in filename and "_bootstrap" in filename)


def _checkLevel(level):
    """Validate *level* (an int or a registered name) and return the int."""
    if isinstance(level, int):
        return level
    if str(level) == level:
        if level not in _nameToLevel:
            raise ValueError("Unknown level: %r" % level)
        return _nameToLevel[level]
    if _PY310:
        raise TypeError("Level not an integer or a valid string: %r"
                        % (level,))
    raise TypeError("Level not an integer or a valid string: %r" % level)

# ---------------------------------------------------------------------------
# Locking
# ---------------------------------------------------------------------------

# One re-entrant lock guards the module's shared structures (the logger
# hierarchy, handler registry, level tables).  It is re-entrant because
# configuration code creates handlers while already holding it.
_lock = threading.RLock()

if _PY313:
    def _prepareFork():
        """Take the module lock before fork(); see _afterFork()."""
        try:
            _lock.acquire()
        except BaseException:
            _lock.release()
            raise

    def _afterFork():
        """Release the module lock in the parent after fork()."""
        _lock.release()

    _before_fork, _after_fork_in_parent = _prepareFork, _afterFork
else:
    def _acquireLock():
        """Acquire the module lock; pair with _releaseLock()."""
        if _lock:
            _lock.acquire()

    def _releaseLock():
        """Release the module lock taken by _acquireLock()."""
        if _lock:
            _lock.release()

    _before_fork, _after_fork_in_parent = _acquireLock, _releaseLock

if not hasattr(os, 'register_at_fork'):  # pragma: no cover - Windows
    def _register_at_fork_reinit_lock(instance):
        pass
else:
    # Handlers whose I/O lock must be recreated in a forked child (a lock
    # held by another thread at fork time would otherwise stay locked).
    _at_fork_reinit_lock_weakset = weakref.WeakSet()

    def _register_at_fork_reinit_lock(instance):
        with _lock:
            _at_fork_reinit_lock_weakset.add(instance)

    def _after_at_fork_child_reinit_locks():
        for handler in _at_fork_reinit_lock_weakset:
            handler._at_fork_reinit()
        # The parent took _lock just before forking; start afresh.
        _lock._at_fork_reinit()

    os.register_at_fork(before=_before_fork,
                        after_in_child=_after_at_fork_child_reinit_locks,
                        after_in_parent=_after_fork_in_parent)


class _HandlerLockHeld(object):
    """Context manager holding a handler's I/O lock via acquire()/release().

    Up to 3.12 the stdlib goes through the overridable acquire()/release()
    methods (which tolerate ``lock = None``); 3.13 uses ``with self.lock``.
    """
    __slots__ = ('_handler',)

    def __init__(self, handler):
        self._handler = handler

    def __enter__(self):
        self._handler.acquire()

    def __exit__(self, *exc_details):
        self._handler.release()


if _PY313:
    def _io_locked(handler):
        return handler.lock
else:
    _io_locked = _HandlerLockHeld

# ---------------------------------------------------------------------------
# Log records
# ---------------------------------------------------------------------------

if _PY313:
    def _record_times():
        """(created, msecs, relativeCreated) from one time.time_ns() read."""
        now = time.time_ns()
        created = now / 1e9
        msecs = (now % 1_000_000_000) // 1_000_000 + 0.0
        # The float division may round up into the next second while the
        # integer millisecond count says 999: report 0 ms in that case.
        if msecs == 999.0 and int(created) != now // 1_000_000_000:
            msecs = 0.0
        return created, msecs, (now - _startTime) / 1e6
elif _PY310:
    def _record_times():
        """(created, msecs, relativeCreated) from one time.time() read."""
        now = time.time()
        msecs = int((now - int(now)) * 1000) + 0.0
        return now, msecs, (now - _startTime) * 1000
else:
    def _record_times():
        """(created, msecs, relativeCreated) from one time.time() read."""
        now = time.time()
        return now, (now - int(now)) * 1000, (now - _startTime) * 1000


def _record_args(args):
    """LogRecord.args: a single non-empty mapping argument is used directly,
    so that "%(key)s" style messages work: log("%(a)s", {"a": 1})."""
    if (args and len(args) == 1
            and isinstance(args[0], collections.abc.Mapping)
            and args[0]):
        return args[0]
    return args


# The identity fields of a record; the native route calls these too.
def _current_thread_name():
    return threading.current_thread().name if logThreads else None


def _current_process_id():
    return os.getpid() if logProcesses and hasattr(os, 'getpid') else None


def _current_process_name():
    if not logMultiprocessing:
        return None
    name = 'MainProcess'
    mp = sys.modules.get('multiprocessing')
    if mp is not None:
        # multiprocessing may be only half imported (issue 8200).
        try:
            name = mp.current_process().name
        except Exception:
            pass
    return name


def _current_task_name():
    if not logAsyncioTasks:
        return None
    asyncio = sys.modules.get('asyncio')
    if asyncio:
        try:
            return asyncio.current_task().get_name()
        except Exception:
            pass
    return None


class LogRecord(object):
    """Everything known about one logging event.

    The message text is ``str(msg) % args``, computed lazily by
    getMessage().  Attributes are assigned in the same order as the stdlib
    so that ``vars(record)`` looks the same.
    """

    def __init__(self, name, level, pathname, lineno,
                 msg, args, exc_info, func=None, sinfo=None, **kwargs):
        created, msecs, relative = _record_times()
        self.name = name
        self.msg = msg
        self.args = _record_args(args)
        self.levelname = getLevelName(level)
        self.levelno = level
        self.pathname = pathname
        try:
            self.filename = os.path.basename(pathname)
            self.module = os.path.splitext(self.filename)[0]
        except (TypeError, ValueError, AttributeError):
            self.filename = pathname
            self.module = "Unknown module"
        self.exc_info = exc_info
        self.exc_text = None  # cache for the formatted traceback
        self.stack_info = sinfo
        self.lineno = lineno
        self.funcName = func
        self.created = created
        self.msecs = msecs
        self.relativeCreated = relative
        self._set_context()

    def _set_context(self):
        """Record thread, process (and on 3.12+ asyncio task) identity."""
        self.thread = threading.get_ident() if logThreads else None
        self.threadName = _current_thread_name()
        self.processName = _current_process_name()
        self.process = _current_process_id()
        if _PY312:
            self.taskName = _current_task_name()

    def __repr__(self):
        return '<LogRecord: %s, %s, %s, %s, "%s">' % (
            self.name, self.levelno, self.pathname, self.lineno, self.msg)

    def getMessage(self):
        """Return the user message merged with its arguments."""
        text = str(self.msg)
        if self.args:
            text = text % self.args
        return text


_logRecordFactory = LogRecord


def setLogRecordFactory(factory):
    """Use *factory* (called like LogRecord) to create every new record."""
    global _logRecordFactory
    _logRecordFactory = factory
    _bump()


def getLogRecordFactory():
    """Return the callable used to create log records."""
    return _logRecordFactory


def makeLogRecord(dict):
    """Build a record whose attributes come from the mapping *dict*.

    Handy for records that were serialised as a dict (e.g. over a socket).
    """
    record = _logRecordFactory(None, None, "", 0, "", (), None, None)
    record.__dict__.update(dict)
    return record

# ---------------------------------------------------------------------------
# Formatting styles
# ---------------------------------------------------------------------------

_str_formatter = _StringFieldParser()
del _StringFieldParser


class PercentStyle(object):
    """printf-style formats: ``%(name)s``."""

    __setattr__ = _tracked_setattr
    __delattr__ = _tracked_delattr

    default_format = '%(message)s'
    asctime_format = '%(asctime)s'
    asctime_search = '%(asctime)'
    validation_pattern = re.compile(
        r'%\(\w+\)[#0+ -]*(\*|\d+)?(\.(\*|\d+))?[diouxefgcrsa%]', re.I)

    if _PY310:
        def __init__(self, fmt, *, defaults=None):
            self._fmt = fmt or self.default_format
            self._defaults = defaults

        def _values(self, record):
            """Record attributes, falling back on the formatter defaults."""
            defaults = self._defaults
            if defaults:
                return defaults | record.__dict__
            return record.__dict__
    else:
        def __init__(self, fmt):
            self._fmt = fmt or self.default_format

        def _values(self, record):
            return record.__dict__

    def usesTime(self):
        return self._fmt.find(self.asctime_search) >= 0

    def validate(self):
        """Raise ValueError unless the format has a %(field) directive."""
        if not self.validation_pattern.search(self._fmt):
            raise ValueError("Invalid format '%s' for '%s' style"
                             % (self._fmt, self.default_format[0]))

    def _format(self, record):
        return self._fmt % self._values(record)

    def format(self, record):
        try:
            return self._format(record)
        except KeyError as e:
            raise ValueError('Formatting field not found in record: %s' % e)


class StrFormatStyle(PercentStyle):
    """str.format() style formats: ``{name}``."""

    default_format = '{message}'
    asctime_format = '{asctime}'
    asctime_search = '{asctime'

    fmt_spec = re.compile(
        r'^(.?[<>=^])?[+ -]?#?0?(\d+|{\w+})?[,_]?(\.(\d+|{\w+}))?'
        r'[bcdefgnosx%]?$', re.I)
    field_spec = re.compile(r'^(\d+|\w+)(\.\w+|\[[^]]+\])*$')

    def _format(self, record):
        return self._fmt.format(**self._values(record))

    def validate(self):
        """Check field names, conversions and format specs of the format."""
        seen = set()
        try:
            for _, field, spec, conversion in _str_formatter.parse(self._fmt):
                if field:
                    if not self.field_spec.match(field):
                        raise ValueError('invalid field name/expression: %r'
                                         % field)
                    seen.add(field)
                if conversion and conversion not in 'rsa':
                    raise ValueError('invalid conversion: %r' % conversion)
                if spec and not self.fmt_spec.match(spec):
                    raise ValueError('bad specifier: %r' % spec)
        except ValueError as e:
            raise ValueError('invalid format: %s' % e)
        if not seen:
            raise ValueError('invalid format: no fields')


class StringTemplateStyle(PercentStyle):
    """string.Template formats: ``$name`` / ``${name}``."""

    default_format = '${message}'
    asctime_format = '${asctime}'
    asctime_search = '${asctime}'

    if _PY310:
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._tpl = Template(self._fmt)
    else:
        def __init__(self, fmt):
            self._fmt = fmt or self.default_format
            self._tpl = Template(self._fmt)

    def usesTime(self):
        fmt = self._fmt
        if _PY310:
            marker = self.asctime_search
        else:
            marker = self.asctime_format
        return fmt.find('$asctime') >= 0 or fmt.find(marker) >= 0

    def validate(self):
        """Require at least one placeholder and no lone ``$``."""
        seen = set()
        for match in Template.pattern.finditer(self._fmt):
            groups = match.groupdict()
            if groups['named']:
                seen.add(groups['named'])
            elif groups['braced']:
                seen.add(groups['braced'])
            elif match.group(0) == '$':
                raise ValueError('invalid format: bare \'$\' not allowed')
        if not seen:
            raise ValueError('invalid format: no fields')

    def _format(self, record):
        return self._tpl.substitute(**self._values(record))


BASIC_FORMAT = "%(levelname)s:%(name)s:%(message)s"

_STYLES = {
    '%': (PercentStyle, BASIC_FORMAT),
    '{': (StrFormatStyle, '{levelname}:{name}:{message}'),
    '$': (StringTemplateStyle, '${levelname}:${name}:${message}'),
}


def _style_error():
    return ValueError('Style must be one of: %s' % ','.join(_STYLES.keys()))

# ---------------------------------------------------------------------------
# Formatters
# ---------------------------------------------------------------------------


class Formatter(object):
    """Turns a LogRecord into text.

    *fmt* refers to record attributes using the chosen *style* ('%', '{' or
    '$'); the default is just the message.  Useful attributes: name, levelno,
    levelname, pathname, filename, module, lineno, funcName, created,
    asctime, msecs, relativeCreated, thread, threadName, process,
    processName, taskName (3.12+) and message.  *datefmt* is a
    time.strftime() format for asctime; without it an ISO-8601-like form
    with milliseconds is used.  *validate* checks *fmt* against *style*;
    *defaults* (3.10+) supplies values for custom fields a record lacks.
    """

    __setattr__ = _tracked_setattr
    __delattr__ = _tracked_delattr

    converter = time.localtime

    if _PY310:
        def __init__(self, fmt=None, datefmt=None, style='%', validate=True,
                     *, defaults=None):
            if style not in _STYLES:
                raise _style_error()
            self._style = _STYLES[style][0](fmt, defaults=defaults)
            self._finish_init(validate, datefmt)
    else:
        def __init__(self, fmt=None, datefmt=None, style='%', validate=True):
            if style not in _STYLES:
                raise _style_error()
            self._style = _STYLES[style][0](fmt)
            self._finish_init(validate, datefmt)

    def _finish_init(self, validate, datefmt):
        if validate:
            self._style.validate()
        self._fmt = self._style._fmt
        self.datefmt = datefmt

    default_time_format = '%Y-%m-%d %H:%M:%S'
    default_msec_format = '%s,%03d'

    def formatTime(self, record, datefmt=None):
        """Format record.created with *datefmt* (strftime) or the default.

        The time tuple comes from self.converter (time.localtime unless
        overridden, e.g. with time.gmtime).
        """
        moment = self.converter(record.created)
        if datefmt:
            return time.strftime(datefmt, moment)
        text = time.strftime(self.default_time_format, moment)
        if self.default_msec_format:
            text = self.default_msec_format % (text, record.msecs)
        return text

    def formatException(self, ei):
        """Render an exc_info triple the way traceback.print_exception does,
        without the final newline."""
        text = _traceback.format_exception(ei)
        if text[-1:] == "\n":
            text = text[:-1]
        return text

    def usesTime(self):
        """True if the format needs record.asctime."""
        return self._style.usesTime()

    def formatMessage(self, record):
        return self._style.format(record)

    def formatStack(self, stack_info):
        """Hook for rendering record.stack_info; returns it unchanged."""
        return stack_info

    def format(self, record):
        """Format *record*: message, optional asctime, then exception and
        stack text on following lines (the exception text is cached in
        record.exc_text)."""
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            text = _append_line(text, record.exc_text)
        if record.stack_info:
            text = _append_line(text, self.formatStack(record.stack_info))
        return text


def _append_line(text, more):
    if text[-1:] != "\n":
        text = text + "\n"
    return text + more


_defaultFormatter = Formatter()


class BufferingFormatter(object):
    """Formats a batch of records: header, one line per record, footer."""

    def __init__(self, linefmt=None):
        if linefmt:
            self.linefmt = linefmt
        else:
            self.linefmt = _defaultFormatter

    def formatHeader(self, records):
        """Text placed before the records (empty by default)."""
        return ""

    def formatFooter(self, records):
        """Text placed after the records (empty by default)."""
        return ""

    def format(self, records):
        """Return header + formatted records + footer ("" for no records)."""
        text = ""
        if len(records) > 0:
            text = text + self.formatHeader(records)
            for record in records:
                text = text + self.linefmt.format(record)
            text = text + self.formatFooter(records)
        return text

# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------


class Filter(object):
    """Lets through records of logger *name* and of its descendants.

    ``Filter("A.B")`` passes "A.B" and "A.B.C" but not "A.BB"; an empty
    name passes everything.
    """

    def __init__(self, name=''):
        self.name = name
        self.nlen = len(name)

    def filter(self, record):
        """Return true if *record* should be processed."""
        if self.nlen == 0 or self.name == record.name:
            return True
        if record.name.find(self.name, 0, self.nlen) != 0:
            return False
        return record.name[self.nlen] == "."


def _apply_filter(flt, record):
    if hasattr(flt, 'filter'):
        return flt.filter(record)
    return flt(record)  # any callable works as a filter


class Filterer(object):
    """Base class of loggers and handlers: keeps a list of filters."""

    __setattr__ = _tracked_setattr
    __delattr__ = _tracked_delattr

    def __init__(self):
        self.filters = []

    def addFilter(self, filter):
        """Attach *filter* (a Filter-like object or a callable) once."""
        if not (filter in self.filters):
            self.filters.append(filter)

    def removeFilter(self, filter):
        """Detach *filter* if attached."""
        if filter in self.filters:
            self.filters.remove(filter)

    if _PY312:
        def filter(self, record):
            """Run the filters; False if one rejects the record, otherwise
            the record to continue with (a filter may return a replacement
            LogRecord)."""
            for flt in self.filters:
                verdict = _apply_filter(flt, record)
                if not verdict:
                    return False
                if isinstance(verdict, LogRecord):
                    record = verdict
            return record
    else:
        def filter(self, record):
            """Run the filters; True unless one of them rejects the record."""
            for flt in self.filters:
                if not _apply_filter(flt, record):
                    return False
            return True

# ---------------------------------------------------------------------------
# Handler registry
# ---------------------------------------------------------------------------

_handlers = weakref.WeakValueDictionary()  # handler name -> handler
_handlerList = []  # weak references, in creation order, for shutdown()


def _removeHandlerRef(wr):
    """Weakref callback: forget a garbage-collected handler.

    May run during interpreter teardown when globals are already None.
    """
    handlers, lock = _handlerList, _lock
    if lock and handlers:
        with lock:
            try:
                handlers.remove(wr)
            except ValueError:
                pass


def _addHandlerRef(handler):
    """Remember *handler* (weakly) so that shutdown() can flush it."""
    with _lock:
        _handlerList.append(weakref.ref(handler, _removeHandlerRef))


if _PY312:
    def getHandlerByName(name):
        """Return the handler registered under *name*, or None."""
        return _handlers.get(name)

    def getHandlerNames():
        """Return a frozenset of the names of all named handlers."""
        return frozenset(_handlers)

# ---------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------


class Handler(Filterer):
    """Base class of everything that delivers records somewhere.

    handle() applies the handler's filters and calls emit() under the
    handler's I/O lock; subclasses implement emit().
    """

    def __init__(self, level=NOTSET):
        Filterer.__init__(self)
        self._name = None
        self.level = _checkLevel(level)
        self.formatter = None
        if _PY310:
            self._closed = False
        _addHandlerRef(self)
        self.createLock()

    def get_name(self):
        return self._name

    def set_name(self, name):
        with _lock:
            if self._name in _handlers:
                del _handlers[self._name]
            self._name = name
            if name:
                _handlers[name] = self

    name = property(get_name, set_name)

    def createLock(self):
        """Create the lock that serialises this handler's I/O."""
        self.lock = threading.RLock()
        _register_at_fork_reinit_lock(self)

    def _at_fork_reinit(self):
        self.lock._at_fork_reinit()

    def acquire(self):
        """Take the I/O lock (if there is one)."""
        if self.lock:
            self.lock.acquire()

    def release(self):
        """Release the I/O lock (if there is one)."""
        if self.lock:
            self.lock.release()

    def setLevel(self, level):
        """Set the handler's threshold (an int or a level name)."""
        self.level = _checkLevel(level)

    def format(self, record):
        """Format *record* with our formatter, or the module default."""
        if self.formatter:
            formatter = self.formatter
        else:
            formatter = _defaultFormatter
        return formatter.format(record)

    def emit(self, record):
        """Deliver *record*; must be implemented by subclasses."""
        raise NotImplementedError('emit must be implemented '
                                  'by Handler subclasses')

    # The I/O lock is taken as each version of the stdlib takes it: through
    # the overridable acquire()/release() up to 3.12, `with self.lock` on 3.13.
    if _PY313:
        def handle(self, record):
            """Filter *record*, emit it under the I/O lock and return the
            record that was emitted (or a false value if filtered out)."""
            verdict = self.filter(record)
            if isinstance(verdict, LogRecord):
                record = verdict
            if verdict:
                with self.lock:
                    self.emit(record)
            return verdict
    else:
        def handle(self, record):
            """Filter *record*, emit it under the I/O lock and return
            whether it passed the filters (3.12: the record emitted)."""
            verdict = self.filter(record)
            if _PY312 and isinstance(verdict, LogRecord):
                record = verdict
            if verdict:
                self.acquire()
                try:
                    self.emit(record)
                finally:
                    self.release()
            return verdict

    def setFormatter(self, fmt):
        """Use *fmt* to format records."""
        self.formatter = fmt

    def flush(self):
        """Flush buffered output; nothing to do in the base class."""
        pass

    def close(self):
        """Release resources; drops the handler from the name registry.

        Overriding close() methods must call this one.
        """
        with _lock:
            if _PY310:
                self._closed = True
            if self._name and self._name in _handlers:
                del _handlers[self._name]

    def handleError(self, record):
        """Report an exception raised while emitting *record*.

        Called from an ``except`` block in emit().  When raiseExceptions is
        true, prints "--- Logging error ---", the traceback, the call stack
        of the logging call and the message and arguments to sys.stderr;
        otherwise stays silent.
        """
        if raiseExceptions and sys.stderr:  # sys.stderr may be None
            exc_type, exc, tb = sys.exc_info()
            _runtime.flush()  # records logged before this one come first
            try:
                _report_logging_error(record, exc_type, exc, tb, sys.stderr)
            except OSError:
                pass  # stderr itself is unusable; nothing more to do
            finally:
                del exc_type, exc, tb

    def __repr__(self):
        return '<%s (%s)>' % (self.__class__.__name__,
                              getLevelName(self.level))


def _report_logging_error(record, exc_type, exc, tb, stream):
    """Write the "--- Logging error ---" report used by handleError()."""
    stream.write('--- Logging error ---\n')
    if _PY313:
        traceback.print_exception(exc, limit=None, file=stream)
    else:
        traceback.print_exception(exc_type, exc, tb, None, stream)
    stream.write('Call stack:\n')
    # Show where the logging call came from: climb out of logging's frames.
    frame = exc.__traceback__.tb_frame if _PY313 else tb.tb_frame
    while frame and _is_logging_package_dir(
            os.path.dirname(frame.f_code.co_filename)):
        frame = frame.f_back
    if frame:
        traceback.print_stack(frame, file=stream)
    else:
        stream.write('Logged from file %s, line %s\n'
                     % (record.filename, record.lineno))
    try:
        stream.write('Message: %r\nArguments: %s\n'
                     % (record.msg, record.args))
    except RecursionError:
        raise
    except Exception:
        stream.write('Unable to print the message and arguments'
                     ' - possible formatting error.\nUse the'
                     ' traceback above to help find the error.\n')


class StreamHandler(Handler):
    """Writes formatted records, each followed by ``terminator``, to a
    stream (sys.stderr by default).  The stream is never closed here.

    The stream is shared with the rest of the program (print(), warnings
    and tracebacks write to stdout and stderr too), so records are written
    synchronously, in order with that output.  FileHandler, which owns its
    stream, hands its output to the engine instead (``_engine_io``)."""

    terminator = '\n'
    _engine_io = False

    def __init__(self, stream=None):
        Handler.__init__(self)
        if stream is None:
            stream = sys.stderr
        self.stream = stream

    def _flush_stream(self):
        stream = self.stream
        if stream and hasattr(stream, "flush"):
            if self.__dict__.get('_atto_io'):
                _runtime.flush()
            stream.flush()

    # Locked as each version's stdlib locks it (see Handler.handle).
    if _PY313:
        def flush(self):
            """Flush the stream, if it can be flushed: everything logged to
            it so far is written when this returns."""
            with self.lock:
                self._flush_stream()
    else:
        def flush(self):
            """Flush the stream, if it can be flushed: everything logged to
            it so far is written when this returns."""
            self.acquire()
            try:
                self._flush_stream()
            finally:
                self.release()

    def emit(self, record):
        """Format *record* and write it (one write call) to the stream.

        A FileHandler's file (when it takes UTF-8) is written by the
        engine's consumer thread, after the records queued before it."""
        try:
            text = self.format(record)
            stream = self.stream
            if not (self._engine_io
                    and _runtime.write(self, stream, text + self.terminator)):
                stream.write(text + self.terminator)
                self.flush()
            elif type(self).flush is not StreamHandler.flush:
                self.flush()  # a subclass's flush() runs after each write
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def setStream(self, stream):
        """Switch to *stream*; return the previous stream, or None if
        *stream* already was the current one."""
        if stream is self.stream:
            return None
        previous = self.stream
        with _io_locked(self):
            self.flush()
            self.stream = stream
        return previous

    def __repr__(self):
        name = str(getattr(self.stream, 'name', ''))  # may be an int fd
        if name:
            name += ' '
        return '<%s %s(%s)>' % (self.__class__.__name__, name,
                                getLevelName(self.level))

    if _PY311:
        __class_getitem__ = classmethod(GenericAlias)


class FileHandler(StreamHandler):
    """Writes formatted records to a file.

    With *delay* the file is opened on the first emit().  After close(), an
    emit() reopens the file (except, from 3.10 on, in mode 'w', which would
    truncate what was written).
    """

    _engine_io = True

    def __init__(self, filename, mode='a', encoding=None, delay=False,
                 errors=None):
        filename = os.fspath(filename)
        # Absolute, so that a later chdir() does not move the log file.
        self.baseFilename = os.path.abspath(filename)
        self.mode = mode
        self.encoding = encoding
        if _PY310 and "b" not in mode:
            self.encoding = io.text_encoding(encoding)
        self.errors = errors
        self.delay = delay
        if _PY310:
            # Keep open() reachable even during interpreter finalisation.
            self._builtin_open = open
        if delay:
            Handler.__init__(self)
            self.stream = None
        else:
            StreamHandler.__init__(self, self._open())

    def close(self):
        """Flush and close the file, then unregister the handler."""
        with _io_locked(self):
            try:
                if self.stream:
                    try:
                        self.flush()
                    finally:
                        _runtime.detach(self)
                        stream, self.stream = self.stream, None
                        if hasattr(stream, "close"):
                            stream.close()
            finally:
                # Always, so that a never-opened (delayed) handler is
                # unregistered and marked closed too.
                StreamHandler.close(self)

    def _open(self):
        """Open baseFilename with the configured mode/encoding/errors."""
        opener = self._builtin_open if _PY310 else open
        return opener(self.baseFilename, self.mode,
                      encoding=self.encoding, errors=self.errors)

    if _PY310:
        def emit(self, record):
            """Open the file if needed, then write *record* to it."""
            if self.stream is None:
                if self.mode != 'w' or not self._closed:
                    self.stream = self._open()
            if self.stream:
                StreamHandler.emit(self, record)
    else:
        def emit(self, record):
            """Open the file if needed, then write *record* to it."""
            if self.stream is None:
                self.stream = self._open()
            StreamHandler.emit(self, record)

    def __repr__(self):
        return '<%s %s (%s)>' % (self.__class__.__name__, self.baseFilename,
                                 getLevelName(self.level))


class _StderrHandler(StreamHandler):
    """A StreamHandler bound to whatever sys.stderr is at emit time."""

    def __init__(self, level=NOTSET):
        Handler.__init__(self, level)

    @property
    def stream(self):
        return sys.stderr


# Used by Logger.callHandlers() when no handler at all is found.
_defaultLastResort = _StderrHandler(WARNING)
lastResort = _defaultLastResort

# ---------------------------------------------------------------------------
# The logger hierarchy
# ---------------------------------------------------------------------------


class PlaceHolder(object):
    """Stands in the hierarchy for a dotted name that has descendants but
    no logger of its own yet (internal)."""

    def __init__(self, alogger):
        self.loggerMap = {alogger: None}

    def append(self, alogger):
        """Register *alogger* as a descendant of this placeholder."""
        if alogger not in self.loggerMap:
            self.loggerMap[alogger] = None


def _check_logger_class(klass):
    if klass != Logger:
        if not issubclass(klass, Logger):
            raise TypeError("logger not derived from logging.Logger: "
                            + klass.__name__)


def setLoggerClass(klass):
    """Make getLogger() create loggers of class *klass* (a Logger subclass
    whose constructor accepts just a name)."""
    global _loggerClass
    _check_logger_class(klass)
    _loggerClass = klass


def getLoggerClass():
    """Return the class getLogger() instantiates."""
    return _loggerClass


class Manager(object):
    """Owns the logger hierarchy (normally there is exactly one)."""

    def __init__(self, rootnode):
        self.root = rootnode
        self.disable = 0
        self.emittedNoHandlerWarning = False
        self.loggerDict = {}
        self.loggerClass = None
        self.logRecordFactory = None

    @property
    def disable(self):
        return self._disable

    @disable.setter
    def disable(self, value):
        self._disable = _checkLevel(value)
        _bump()

    def getLogger(self, name):
        """Return the logger called *name*, creating it (and wiring it into
        the hierarchy in place of any PlaceHolder) if needed."""
        if not isinstance(name, str):
            raise TypeError('A logger name must be a string')
        with _lock:
            if name in self.loggerDict:
                logger = self.loggerDict[name]
                if not isinstance(logger, PlaceHolder):
                    return logger
                placeholder = logger
                logger = self._new_logger(name)
                self._fixupChildren(placeholder, logger)
            else:
                logger = self._new_logger(name)
            self._fixupParents(logger)
        return logger

    def _new_logger(self, name):
        logger = (self.loggerClass or _loggerClass)(name)
        logger.manager = self
        self.loggerDict[name] = logger
        return logger

    def setLoggerClass(self, klass):
        """Use *klass* for loggers created by this manager."""
        _check_logger_class(klass)
        self.loggerClass = klass

    def setLogRecordFactory(self, factory):
        """Store a record factory for this manager."""
        self.logRecordFactory = factory

    def _fixupParents(self, alogger):
        """Link *alogger* to its nearest existing ancestor, leaving
        placeholders for the missing intermediate names."""
        name = alogger.name
        parent = None
        dot = name.rfind(".")
        while dot > 0 and not parent:
            prefix = name[:dot]
            node = self.loggerDict.get(prefix)
            if prefix not in self.loggerDict:
                self.loggerDict[prefix] = PlaceHolder(alogger)
            elif isinstance(node, Logger):
                parent = node
            else:
                assert isinstance(node, PlaceHolder)
                node.append(alogger)
            dot = name.rfind(".", 0, dot - 1)
        if not parent:
            parent = self.root
        alogger.parent = parent

    def _fixupChildren(self, ph, alogger):
        """Re-parent the loggers below placeholder *ph* onto *alogger*."""
        name = alogger.name
        size = len(name)
        for child in ph.loggerMap.keys():
            # Unless the child already hangs below something deeper than us.
            if child.parent.name[:size] != name:
                alogger.parent = child.parent
                child.parent = alogger

    def _clear_cache(self):
        """Forget every logger's cached isEnabledFor() answers."""
        with _lock:
            for logger in self.loggerDict.values():
                if isinstance(logger, Logger):
                    logger._cache.clear()
            self.root._cache.clear()


_UNKNOWN_CALLER = ("(unknown file)", 0, "(unknown function)")


def _stack_info_text(frame):
    """The stack_info text for a call made from *frame*."""
    with io.StringIO() as buffer:
        buffer.write('Stack (most recent call last):\n')
        traceback.print_stack(frame, file=buffer)
        text = buffer.getvalue()
    if text[-1] == '\n':
        text = text[:-1]
    return text


def _normalise_exc_info(exc_info):
    if isinstance(exc_info, BaseException):
        return (type(exc_info), exc_info, exc_info.__traceback__)
    if not isinstance(exc_info, tuple):
        return sys.exc_info()
    return exc_info


class _LevelCache(dict):
    """Logger._cache: isEnabledFor()'s answers.  The native level methods
    keep a copy in their plan, so every change invalidates plans."""
    __slots__ = ()

    def __setitem__(self, key, value):
        dict.__setitem__(self, key, value)
        _bump()

    def __delitem__(self, key):
        dict.__delitem__(self, key)
        _bump()

    def clear(self):
        dict.clear(self)
        _bump()

    def pop(self, *args):
        _bump()
        return dict.pop(self, *args)

    def popitem(self):
        _bump()
        return dict.popitem(self)

    def setdefault(self, *args):
        _bump()
        return dict.setdefault(self, *args)

    def update(self, *args, **kwargs):
        dict.update(self, *args, **kwargs)
        _bump()


class Logger(Filterer, _native.LoggerBase):
    """A named channel in the dotted logger hierarchy.

    Each logger has a level (NOTSET defers to the parent), handlers,
    filters and a ``propagate`` flag that decides whether records also go
    to the ancestors' handlers.  Obtain loggers with getLogger().

    ``debug`` ... ``critical`` and ``log`` are native methods (see the
    module docstring); what they do not handle natively they pass to the
    Python implementations kept in ``_PY_LEVEL_METHODS``.
    """

    def __init__(self, name, level=NOTSET):
        Filterer.__init__(self)
        self.name = name
        self.level = _checkLevel(level)
        self.parent = None
        self.propagate = True
        self.handlers = []
        self.disabled = False
        self._cache = _LevelCache()

    def setLevel(self, level):
        """Set this logger's level (an int or a level name)."""
        self.level = _checkLevel(level)
        self.manager._clear_cache()

    # Each level method calls _log() directly: findCaller() relies on the
    # fixed depth  <level method> -> _log -> findCaller.
    def _py_debug(self, msg, *args, **kwargs):
        """Log ``msg % args`` at DEBUG level."""
        if self.isEnabledFor(DEBUG):
            self._log(DEBUG, msg, args, **kwargs)

    def _py_info(self, msg, *args, **kwargs):
        """Log ``msg % args`` at INFO level."""
        if self.isEnabledFor(INFO):
            self._log(INFO, msg, args, **kwargs)

    def _py_warning(self, msg, *args, **kwargs):
        """Log ``msg % args`` at WARNING level."""
        if self.isEnabledFor(WARNING):
            self._log(WARNING, msg, args, **kwargs)

    def warn(self, msg, *args, **kwargs):
        warnings.warn("The 'warn' method is deprecated, "
                      "use 'warning' instead", DeprecationWarning, 2)
        self.warning(msg, *args, **kwargs)

    def _py_error(self, msg, *args, **kwargs):
        """Log ``msg % args`` at ERROR level."""
        if self.isEnabledFor(ERROR):
            self._log(ERROR, msg, args, **kwargs)

    def exception(self, msg, *args, exc_info=True, **kwargs):
        """Log at ERROR level with the current exception's traceback."""
        self.error(msg, *args, exc_info=exc_info, **kwargs)

    def _py_critical(self, msg, *args, **kwargs):
        """Log ``msg % args`` at CRITICAL level."""
        if self.isEnabledFor(CRITICAL):
            self._log(CRITICAL, msg, args, **kwargs)

    if _PY310:
        def fatal(self, msg, *args, **kwargs):
            """Alias of critical()."""
            self.critical(msg, *args, **kwargs)

    def _py_log(self, level, msg, *args, **kwargs):
        """Log ``msg % args`` at the integer *level*."""
        if not isinstance(level, int):
            if raiseExceptions:
                raise TypeError("level must be an integer")
            return
        if self.isEnabledFor(level):
            self._log(level, msg, args, **kwargs)

    if _PY311:
        def findCaller(self, stack_info=False, stacklevel=1):
            """Return (filename, lineno, function, stack text or None) of
            the *stacklevel*-th non-logging frame up the stack."""
            frame = currentframe()
            if frame is None:
                return _UNKNOWN_CALLER + (None,)
            while stacklevel > 0:
                caller = frame.f_back
                if caller is None:
                    break  # stack too shallow: keep the outermost frame
                frame = caller
                if not _is_internal_frame(frame):
                    stacklevel -= 1
            code = frame.f_code
            sinfo = _stack_info_text(frame) if stack_info else None
            return code.co_filename, frame.f_lineno, code.co_name, sinfo
    else:
        def findCaller(self, stack_info=False, stacklevel=1):
            """Return (filename, lineno, function, stack text or None) of
            the caller: go up stacklevel - 1 frames from the frame that
            called the logging method, then past any logging frames."""
            frame = currentframe()
            if frame is not None:
                frame = frame.f_back
            start = frame
            while frame and stacklevel > 1:
                frame = frame.f_back
                stacklevel -= 1
            if not frame:
                frame = start
            while hasattr(frame, "f_code"):
                code = frame.f_code
                if _is_logging_source(os.path.normcase(code.co_filename)):
                    frame = frame.f_back
                    continue
                sinfo = _stack_info_text(frame) if stack_info else None
                return code.co_filename, frame.f_lineno, code.co_name, sinfo
            return _UNKNOWN_CALLER + (None,)

    debug = _native.LEVEL_METHODS['debug']
    info = _native.LEVEL_METHODS['info']
    warning = _native.LEVEL_METHODS['warning']
    error = _native.LEVEL_METHODS['error']
    critical = _native.LEVEL_METHODS['critical']
    log = _native.LEVEL_METHODS['log']
    if not _PY310:
        fatal = critical

    def makeRecord(self, name, level, fn, lno, msg, args, exc_info,
                   func=None, extra=None, sinfo=None):
        """Create the LogRecord (via the record factory) and add *extra*,
        which may not overwrite existing attributes."""
        record = _logRecordFactory(name, level, fn, lno, msg, args, exc_info,
                                   func, sinfo)
        if extra is not None:
            attributes = record.__dict__
            for key in extra:
                if key in ("message", "asctime") or key in attributes:
                    raise KeyError("Attempt to overwrite %r in LogRecord"
                                   % key)
                attributes[key] = extra[key]
        return record

    def _log(self, level, msg, args, exc_info=None, extra=None,
             stack_info=False, stacklevel=1):
        """Build a record for this call and pass it to handle()."""
        sinfo = None
        if _srcfile:
            try:
                fn, lno, func, sinfo = self.findCaller(stack_info, stacklevel)
            except ValueError:  # stack shallower than currentframe() needs
                fn, lno, func = _UNKNOWN_CALLER
        else:
            fn, lno, func = _UNKNOWN_CALLER
        if exc_info:
            exc_info = _normalise_exc_info(exc_info)
        record = self.makeRecord(self.name, level, fn, lno, msg, args,
                                 exc_info, func, extra, sinfo)
        self.handle(record)

    if _PY312:
        def handle(self, record):
            """Apply this logger's filters, then call the handlers (with
            the record a filter may have substituted)."""
            if self.disabled:
                return
            verdict = self.filter(record)
            if not verdict:
                return
            if isinstance(verdict, LogRecord):
                record = verdict
            self.callHandlers(record)
    else:
        def handle(self, record):
            """Apply this logger's filters, then call the handlers."""
            if (not self.disabled) and self.filter(record):
                self.callHandlers(record)

    def addHandler(self, hdlr):
        """Attach *hdlr* (once)."""
        with _lock:
            if not (hdlr in self.handlers):
                self.handlers.append(hdlr)

    def removeHandler(self, hdlr):
        """Detach *hdlr* if attached."""
        with _lock:
            if hdlr in self.handlers:
                self.handlers.remove(hdlr)

    def hasHandlers(self):
        """True if this logger or an ancestor reachable through propagation
        has at least one handler."""
        node = self
        while node:
            if node.handlers:
                return True
            if not node.propagate:
                return False
            node = node.parent
        return False

    def callHandlers(self, record):
        """Offer *record* to the handlers of this logger and its ancestors
        (until propagate is false).  With no handler at all, fall back on
        lastResort, or print a one-time notice if that is None."""
        node = self
        found = 0
        while node:
            for hdlr in node.handlers:
                found = found + 1
                if record.levelno >= hdlr.level:
                    hdlr.handle(record)
            node = node.parent if node.propagate else None
        if found == 0:
            self._no_handlers(record)

    def _no_handlers(self, record):
        if lastResort:
            if record.levelno >= lastResort.level:
                lastResort.handle(record)
        elif raiseExceptions and not self.manager.emittedNoHandlerWarning:
            sys.stderr.write("No handlers could be found for logger"
                             " \"%s\"\n" % self.name)
            self.manager.emittedNoHandlerWarning = True

    def getEffectiveLevel(self):
        """The first non-NOTSET level found walking up the hierarchy."""
        logger = self
        while logger:
            if logger.level:
                return logger.level
            logger = logger.parent
        return NOTSET

    def isEnabledFor(self, level):
        """Would a record at *level* be processed by this logger?"""
        if self.disabled:
            return False
        try:
            return self._cache[level]
        except KeyError:
            with _lock:
                if self.manager.disable >= level:
                    enabled = self._cache[level] = False
                else:
                    enabled = self._cache[level] = (
                        level >= self.getEffectiveLevel())
            return enabled

    def getChild(self, suffix):
        """getLogger(self.name + '.' + suffix), or getLogger(suffix) on the
        root logger."""
        if self.root is not self:
            suffix = '.'.join((self.name, suffix))
        return self.manager.getLogger(suffix)

    if _PY312:
        def getChildren(self):
            """The set of loggers that are immediate children of this one."""
            own_depth = _hierarchy_depth(self)
            with _lock:
                return set(item for item in self.manager.loggerDict.values()
                           if isinstance(item, Logger)
                           and item.parent is self
                           and _hierarchy_depth(item) == 1 + own_depth)

    def __repr__(self):
        return '<%s %s (%s)>' % (self.__class__.__name__, self.name,
                                 getLevelName(self.getEffectiveLevel()))

    def __reduce__(self):
        if getLogger(self.name) is not self:
            import pickle
            raise pickle.PicklingError('logger cannot be pickled')
        return getLogger, (self.name,)


def _hierarchy_depth(logger):
    if logger is logger.manager.root:
        return 0
    return 1 + logger.name.count('.')


class RootLogger(Logger):
    """The logger at the top of the hierarchy, named "root"."""

    def __init__(self, level):
        Logger.__init__(self, "root", level)

    def __reduce__(self):
        return getLogger, ()


_loggerClass = Logger


class LoggerAdapter(object):
    """Wraps a logger and injects contextual information into each call.

    process() decides what to inject; by default it passes ``extra`` (the
    adapter's mapping) to the logger, replacing any per-call ``extra``
    (3.13+: merged with it when *merge_extra* is true).
    """

    if _PY313:
        def __init__(self, logger, extra=None, merge_extra=False):
            self.logger = logger
            self.extra = extra
            self.merge_extra = merge_extra

        def process(self, msg, kwargs):
            """Return (msg, kwargs) with the adapter's extra put in."""
            if self.merge_extra and "extra" in kwargs:
                kwargs["extra"] = {**self.extra, **kwargs["extra"]}
            else:
                kwargs["extra"] = self.extra
            return msg, kwargs
    else:
        if _PY310:
            def __init__(self, logger, extra=None):
                self.logger = logger
                self.extra = extra
        else:
            def __init__(self, logger, extra):
                self.logger = logger
                self.extra = extra

        def process(self, msg, kwargs):
            """Return (msg, kwargs) with the adapter's extra put in."""
            kwargs["extra"] = self.extra
            return msg, kwargs

    def debug(self, msg, *args, **kwargs):
        """Log at DEBUG level through the wrapped logger."""
        self.log(DEBUG, msg, *args, **kwargs)

    def info(self, msg, *args, **kwargs):
        """Log at INFO level through the wrapped logger."""
        self.log(INFO, msg, *args, **kwargs)

    def warning(self, msg, *args, **kwargs):
        """Log at WARNING level through the wrapped logger."""
        self.log(WARNING, msg, *args, **kwargs)

    def warn(self, msg, *args, **kwargs):
        warnings.warn("The 'warn' method is deprecated, "
                      "use 'warning' instead", DeprecationWarning, 2)
        self.warning(msg, *args, **kwargs)

    def error(self, msg, *args, **kwargs):
        """Log at ERROR level through the wrapped logger."""
        self.log(ERROR, msg, *args, **kwargs)

    def exception(self, msg, *args, exc_info=True, **kwargs):
        """Log at ERROR level with exception information."""
        self.log(ERROR, msg, *args, exc_info=exc_info, **kwargs)

    def critical(self, msg, *args, **kwargs):
        """Log at CRITICAL level through the wrapped logger."""
        self.log(CRITICAL, msg, *args, **kwargs)

    def log(self, level, msg, *args, **kwargs):
        """Run process() and log the result at *level*."""
        if self.isEnabledFor(level):
            msg, kwargs = self.process(msg, kwargs)
            self.logger.log(level, msg, *args, **kwargs)

    def isEnabledFor(self, level):
        """Ask the wrapped logger."""
        return self.logger.isEnabledFor(level)

    def setLevel(self, level):
        """Set the wrapped logger's level."""
        self.logger.setLevel(level)

    def getEffectiveLevel(self):
        """The wrapped logger's effective level."""
        return self.logger.getEffectiveLevel()

    def hasHandlers(self):
        """Whether the wrapped logger has handlers."""
        return self.logger.hasHandlers()

    if _PY313:
        def _log(self, level, msg, args, **kwargs):
            """Forward to the wrapped logger's _log (adapters can nest)."""
            return self.logger._log(level, msg, args, **kwargs)
    else:
        def _log(self, level, msg, args, exc_info=None, extra=None,
                 stack_info=False):
            """Forward to the wrapped logger's _log (adapters can nest)."""
            return self.logger._log(level, msg, args, exc_info=exc_info,
                                    extra=extra, stack_info=stack_info)

    @property
    def manager(self):
        return self.logger.manager

    @manager.setter
    def manager(self, value):
        self.logger.manager = value

    @property
    def name(self):
        return self.logger.name

    def __repr__(self):
        logger = self.logger
        return '<%s %s (%s)>' % (self.__class__.__name__, logger.name,
                                 getLevelName(logger.getEffectiveLevel()))

    if _PY311:
        __class_getitem__ = classmethod(GenericAlias)


root = RootLogger(WARNING)
Logger.root = root
Logger.manager = Manager(Logger.root)


def _py_level_methods():
    """The Python level methods, named as the stdlib's (error messages such
    as "Logger.info() missing 1 required positional argument" match)."""
    methods = []
    for name in ('debug', 'info', 'warning', 'error', 'critical', 'log'):
        func = Logger.__dict__['_py_' + name]
        func.__name__ = name
        func.__qualname__ = 'Logger.' + name
        methods.append(func)
    return tuple(methods)


def _render_message(msg, args):
    """LogRecord.getMessage() for a native call whose arguments the engine
    does not take as they are (rendered on the calling thread)."""
    return msg % _record_args(args)


_PY_LEVEL_METHODS = _py_level_methods()
_native.register(_plan.plan, _PY_LEVEL_METHODS, _render_message,
                 _current_thread_name, _current_process_name,
                 _current_task_name)
_plan.bind(sys.modules[__name__])
_runtime.configure(_startTime)
del _py_level_methods

# ---------------------------------------------------------------------------
# basicConfig()
# ---------------------------------------------------------------------------


def basicConfig(**kwargs):
    """One-shot configuration of the root logger for simple scripts.

    Does nothing if the root logger already has handlers, unless
    ``force=True`` (which first removes and closes them).  Otherwise adds a
    StreamHandler (to *stream*, default sys.stderr), or a FileHandler for
    *filename* (opened with *filemode*, default 'a', *encoding* and
    *errors*, default 'backslashreplace'), or the given *handlers*, and
    gives those without a formatter one built from *format*, *datefmt* and
    *style*.  *level* sets the root logger's level.  'stream', 'filename'
    and 'handlers' are mutually exclusive; unknown keywords raise
    ValueError.
    """
    with _lock:
        force = kwargs.pop('force', False)
        encoding = kwargs.pop('encoding', None)
        errors = kwargs.pop('errors', 'backslashreplace')
        if force:
            for hdlr in root.handlers[:]:
                root.removeHandler(hdlr)
                hdlr.close()
        if len(root.handlers) == 0:
            handlers = _basic_handlers(kwargs, encoding, errors)
            formatter = _basic_formatter(kwargs)
            for hdlr in handlers:
                if hdlr.formatter is None:
                    hdlr.setFormatter(formatter)
                root.addHandler(hdlr)
            level = kwargs.pop("level", None)
            if level is not None:
                root.setLevel(level)
            if kwargs:
                raise ValueError('Unrecognised argument(s): %s'
                                 % ', '.join(kwargs.keys()))


def _basic_handlers(kwargs, encoding, errors):
    """The handlers basicConfig() installs (consumes their keywords)."""
    handlers = kwargs.pop("handlers", None)
    if handlers is not None:
        if "stream" in kwargs or "filename" in kwargs:
            raise ValueError("'stream' or 'filename' should not be "
                             "specified together with 'handlers'")
        return handlers
    if "stream" in kwargs and "filename" in kwargs:
        raise ValueError("'stream' and 'filename' should not be "
                         "specified together")
    filename = kwargs.pop("filename", None)
    mode = kwargs.pop("filemode", 'a')
    if filename:
        if 'b' in mode:
            errors = None
        elif _PY310:
            encoding = io.text_encoding(encoding)
        return [FileHandler(filename, mode, encoding=encoding, errors=errors)]
    return [StreamHandler(kwargs.pop("stream", None))]


def _basic_formatter(kwargs):
    """The Formatter basicConfig() builds (consumes its keywords)."""
    datefmt = kwargs.pop("datefmt", None)
    style = kwargs.pop("style", '%')
    if style not in _STYLES:
        raise _style_error()
    fmt = kwargs.pop("format", _STYLES[style][1])
    return Formatter(fmt, datefmt, style)

# ---------------------------------------------------------------------------
# Module-level convenience functions (root logger)
# ---------------------------------------------------------------------------


def getLogger(name=None):
    """Return the logger called *name* (the root logger for no name or
    "root"), creating it if necessary."""
    if not name or isinstance(name, str) and name == root.name:
        return root
    return Logger.manager.getLogger(name)


# Each of these configures the root logger with basicConfig() if it has no
# handlers, then calls the root logger's method of the same name directly
# (keeping the frame layout findCaller() expects).

def critical(msg, *args, **kwargs):
    """Log at CRITICAL level on the root logger."""
    if len(root.handlers) == 0:
        basicConfig()
    root.critical(msg, *args, **kwargs)


if _PY310:
    def fatal(msg, *args, **kwargs):
        """Alias of critical()."""
        critical(msg, *args, **kwargs)
else:
    fatal = critical


def error(msg, *args, **kwargs):
    """Log at ERROR level on the root logger."""
    if len(root.handlers) == 0:
        basicConfig()
    root.error(msg, *args, **kwargs)


def exception(msg, *args, exc_info=True, **kwargs):
    """Log at ERROR level, with exception information, on the root logger."""
    error(msg, *args, exc_info=exc_info, **kwargs)


def warning(msg, *args, **kwargs):
    """Log at WARNING level on the root logger."""
    if len(root.handlers) == 0:
        basicConfig()
    root.warning(msg, *args, **kwargs)


def warn(msg, *args, **kwargs):
    warnings.warn("The 'warn' function is deprecated, "
                  "use 'warning' instead", DeprecationWarning, 2)
    warning(msg, *args, **kwargs)


def info(msg, *args, **kwargs):
    """Log at INFO level on the root logger."""
    if len(root.handlers) == 0:
        basicConfig()
    root.info(msg, *args, **kwargs)


def debug(msg, *args, **kwargs):
    """Log at DEBUG level on the root logger."""
    if len(root.handlers) == 0:
        basicConfig()
    root.debug(msg, *args, **kwargs)


def log(level, msg, *args, **kwargs):
    """Log at the integer *level* on the root logger."""
    if len(root.handlers) == 0:
        basicConfig()
    root.log(level, msg, *args, **kwargs)


def disable(level=CRITICAL):
    """Suppress, in every logger, all events of severity *level* or lower."""
    root.manager.disable = level
    root.manager._clear_cache()


def shutdown(handlerList=_handlerList):
    """Flush and close every live handler, newest first.

    Registered with atexit.  Errors are ignored unless raiseExceptions is
    true (OSError and ValueError from handlers are always ignored).
    """
    for ref in reversed(handlerList[:]):
        try:
            hdlr = ref()
            if hdlr:
                _flush_and_close(hdlr)
        except:  # noqa: E722 - anything at all, we are shutting down
            if raiseExceptions:
                raise


def _flush_and_close(hdlr):
    try:
        hdlr.acquire()
        # A handler may opt out of the final flush (MemoryHandler); 3.12+.
        if not _PY312 or getattr(hdlr, 'flushOnClose', True):
            hdlr.flush()
        hdlr.close()
    except (OSError, ValueError):
        pass  # e.g. already closed by the application
    finally:
        hdlr.release()


atexit.register(shutdown)


class NullHandler(Handler):
    """A handler that discards everything.

    Libraries attach one to their top-level logger so that, when the
    application configures no logging, nothing is printed on their behalf.
    """

    def handle(self, record):
        """Discard *record*."""

    def emit(self, record):
        """Discard *record*."""

    def createLock(self):
        self.lock = None

    def _at_fork_reinit(self):
        pass

# ---------------------------------------------------------------------------
# warnings integration
# ---------------------------------------------------------------------------

_warnings_showwarning = None


def _showwarning(message, category, filename, lineno, file=None, line=None):
    """warnings.showwarning replacement installed by captureWarnings(True).

    Warnings aimed at a specific file go to the original implementation;
    the others are logged at WARNING level on the "py.warnings" logger.
    """
    if file is not None:
        if _warnings_showwarning is not None:
            _warnings_showwarning(message, category, filename, lineno, file,
                                  line)
        return
    text = warnings.formatwarning(message, category, filename, lineno, line)
    logger = getLogger("py.warnings")
    if not logger.handlers:
        logger.addHandler(NullHandler())
    if _PY311:
        logger.warning(str(text))
    else:
        logger.warning("%s", text)


def captureWarnings(capture):
    """Route warnings to logging (True) or back to their usual place."""
    global _warnings_showwarning
    if capture:
        if _warnings_showwarning is None:
            _warnings_showwarning = warnings.showwarning
            warnings.showwarning = _showwarning
    elif _warnings_showwarning is not None:
        warnings.showwarning = _warnings_showwarning
        _warnings_showwarning = None

class _Module(type(sys)):
    """This module's class: assigning a module attribute (raiseExceptions,
    logThreads, _srcfile, ...) invalidates the native route's plans."""

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        _bump()

    def __delattr__(self, name):
        super().__delattr__(name)
        _bump()


sys.modules[__name__].__class__ = _Module

# --- install(): make `import logging` give attologging (see _install.py) ---
# Deliberately not in __all__: that must stay equal to the stdlib's.
from ._install import install, is_installed
# --- end install ---
