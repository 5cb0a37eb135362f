"""The planner: decides, for one logger, whether its calls take the native
route, and builds the ``_native.Plan`` that the native level methods cache.

The native route is taken when the stdlib's own code path would do nothing
that the engine cannot reproduce: the logger's class runs the stock logic,
the record factory is LogRecord, the logger has no filters, and every handler
on the chain is our FileHandler, without filters, writing UTF-8 to an OS
file, with a stock Formatter whose format the engine compiles.  (A
StreamHandler's stream is shared with the rest of the program -- print(),
warnings, tracebacks write to stdout and stderr too -- so its records are
written synchronously, in order with that output, on the compatible route.)
Anything else takes the compatible route: a real LogRecord and the stdlib's
exact semantics.

A plan lists what it depends on (the classes, whose version tags change on
any modification, and the lists, compared item by item); attribute
assignments on loggers, handlers, formatters, the manager and the module
bump a global generation.  Any change means a new plan on the next call.
"""

import os
import sys
import threading
import time

from . import _native, _runtime

L = None  # the attologging package, set by bind()

# Methods whose stock implementation the native route reproduces: a class
# or an instance that overrides one of them takes the compatible route.
_LOGGER_METHODS = ('isEnabledFor', 'getEffectiveLevel', '_log', 'findCaller',
                   'makeRecord', 'handle', 'filter', 'callHandlers')
_HANDLER_METHODS = ('handle', 'filter', 'emit', 'format', 'flush',
                    'handleError', 'acquire', 'release')
_FORMATTER_METHODS = ('format', 'formatTime', 'formatMessage',
                      'formatException', 'formatStack', 'usesTime')
_STYLE_METHODS = ('format', '_format', 'usesTime', 'validate')

_CALLER_MODERN, _CALLER_LEGACY, _CALLER_UNKNOWN = 1, 2, 3

_BUILTIN = type(len)


def _is_real_clock(func, name):
    """The time module's own C function (not a test's replacement)?"""
    return (type(func) is _BUILTIN and getattr(func, '__self__', None) is time
            and func.__name__ == name)

_level_names = {}   # what the engine was told: level -> name
_formatter_ids = {}  # (spec, switches) -> (formatter id, needs), this engine


def bind(package):
    global L
    L = package


def _overrides(obj, names):
    d = getattr(obj, '__dict__', None)
    return bool(d) and any(n in d for n in names)


def _stock_logger(logger):
    cls = type(logger)
    base = L.Logger
    return (all(getattr(cls, n, None) is getattr(base, n) for n in _LOGGER_METHODS)
            and not _overrides(logger, _LOGGER_METHODS))


def plan(logger):
    """Build the plan of *logger* (called by the native level methods)."""
    gen = _native.generation()
    types = [L.LogRecord]
    lists = []
    if not _stock_logger(logger):
        return _native.Plan(gen, type(logger), types, lists, False)
    try:
        route = _native_route(logger, types, lists)
    except Exception:  # anything unusual: the compatible route decides
        route = None
    if route is None:
        return _native.Plan(gen, type(logger), types, lists, True)
    return _native.Plan(gen, type(logger), types, lists, True, **route)


def _chain(logger, lists):
    """The handlers a record from *logger* reaches, in callHandlers order."""
    handlers = []
    node = logger
    while node:
        hs = node.handlers
        if type(hs) is not list:
            return None
        lists.append(hs)
        handlers.extend(hs)
        node = node.parent if node.propagate else None
    return handlers


def _native_route(logger, types, lists):
    if L._logRecordFactory is not L.LogRecord:
        return None
    filters = logger.filters
    if type(filters) is not list:
        return None
    lists.append(filters)
    if filters:
        return None
    handlers = _chain(logger, lists)
    if not handlers:
        return None  # lastResort or the one-time notice: rare, stay simple
    engine = _runtime.engine()
    if engine is None:
        return None
    targets = []
    needs = set()
    for h in handlers:
        target = _target(engine, h, types, lists, needs)
        if target is None:
            return None
        targets.append(target)
    name = logger.name
    if type(name) is not str:
        return None
    _sync_level_names(engine)
    clock_name = 'time_ns' if sys.version_info >= (3, 13) else 'time'
    clock = time.__dict__.get(clock_name)
    route = dict(engine=engine, route=engine.add_route(name, targets),
                 clock=(time.__dict__, clock_name, clock),
                 # A replacement clock (freezegun, a test's fake) is called
                 # for each record, as LogRecord would call it.
                 fake_clock=not _is_real_clock(clock, clock_name))
    if 'caller' in needs:
        route['caller'] = _caller_mode()
        route['internal'] = sorted({L._srcfile} | set(L._STDLIB_SOURCES)
                                   if L._srcfile else set())
    if 'thread' in needs:
        route['thread'] = 1 if L.logThreads else 2
    route['thread_name'] = 'threadName' in needs
    if 'process' in needs:
        route['process'] = (L._current_process_id(),)
    route['process_name'] = 'processName' in needs
    route['task_name'] = 'taskName' in needs
    return route


def _caller_mode():
    if not L._srcfile:
        return _CALLER_UNKNOWN
    return _CALLER_MODERN if sys.version_info >= (3, 11) else _CALLER_LEGACY


def _target(engine, h, types, lists, needs):
    cls = type(h)
    if cls is not L.FileHandler and not _engine_file(h, cls):
        return None
    types.append(cls)
    if _overrides(h, _HANDLER_METHODS):
        return None
    if type(h.filters) is not list:
        return None
    lists.append(h.filters)
    if h.filters:
        return None
    level, terminator = h.level, h.terminator
    if type(level) is not int or type(terminator) is not str:
        return None
    stream = h.stream
    sink = _runtime.sink_for(h, stream)
    if sink is None:
        return None
    formatter = _formatter(engine, h.formatter or L._defaultFormatter, types,
                           needs)
    if formatter is None:
        return None
    return (sink, formatter, level, terminator)


def _engine_file(h, cls):
    """A handler of attologging.handlers whose file is an engine sink that
    applies its policy (rotation, watching) on the consumer, and stays one?"""
    handlers = sys.modules.get(L.__name__ + '.handlers')
    return (handlers is not None and isinstance(h, handlers._EngineFile)
            and cls is cls._ENGINE_CLASS and cls._NATIVE_ROUTE
            and h._engine_io and h._engine_capable(h.stream))


_STYLE_CHARS = None


def _formatter(engine, fmt, types, needs):
    global _STYLE_CHARS
    if _STYLE_CHARS is None:
        _STYLE_CHARS = {L.PercentStyle: '%', L.StrFormatStyle: '{',
                        L.StringTemplateStyle: '$'}
    if type(fmt) is not L.Formatter or _overrides(fmt, _FORMATTER_METHODS):
        return None
    types.append(L.Formatter)
    style = fmt._style
    char = _STYLE_CHARS.get(type(style))
    if char is None or _overrides(style, _STYLE_METHODS):
        return None
    types.append(type(style))
    converter = fmt.converter
    if converter is time.localtime:
        utc = False
    elif converter is time.gmtime:
        utc = True
    else:
        return None
    spec = (style._fmt, char, fmt.datefmt, utc,
            getattr(style, '_defaults', None) or None,
            fmt.default_time_format, fmt.default_msec_format)
    if type(spec[0]) is not str or not all(
            v is None or type(v) is str for v in (spec[2], spec[6])) \
            or type(spec[5]) is not str:
        return None
    defaults = spec[4]
    if defaults is not None and type(defaults) is not dict:
        return None
    key = (spec[:4] + (tuple(defaults.items()) if defaults else None,)
           + spec[5:], L.logThreads, L.logProcesses, L.logMultiprocessing)
    try:
        found = _formatter_ids.get(key)
    except TypeError:  # unhashable defaults values
        return None
    if found is None:
        try:
            fid = engine.add_formatter(*spec)
        except ValueError:
            return None
        wanted = engine.formatter_needs(fid)
        others = set(wanted.pop('others'))
        if not others.issubset(defaults or ()):
            fid = None  # an attribute only a LogRecord (or extra=) has
        elif 'taskName' in wanted and wanted['taskName'] \
                and sys.version_info < (3, 12):
            fid = None
        elif not _formats_cleanly(fmt):
            fid = None  # e.g. '%(created)x': the stdlib reports an error
        found = _formatter_ids[key] = (
            fid, frozenset(k for k, v in wanted.items() if v))
    fid, wanted = found
    if fid is None:
        return None
    needs.update(wanted)
    return fid


def _formats_cleanly(fmt):
    """Does *fmt* format a record with the attribute types of a real one?

    The consumer cannot report a formatting error the way the stdlib does
    ("--- Logging error ---" with the caller's stack), so a format that
    fails for the types alone (``%(created)x``, ``{thread:d}`` with
    logThreads off) stays on the compatible route.
    """
    record = L.LogRecord.__new__(L.LogRecord)
    values = dict(
        name='trial', msg='message', args=(), levelname='INFO', levelno=20,
        pathname='/trial/path.py', filename='path.py', module='path',
        exc_info=None, exc_text=None, stack_info=None, lineno=1,
        funcName='trial', created=1700000000.5, msecs=500.0,
        relativeCreated=1.5,
        thread=threading.get_ident() if L.logThreads else None,
        threadName=L._current_thread_name(),
        processName=L._current_process_name(),
        process=L._current_process_id())
    if sys.version_info >= (3, 12):
        values['taskName'] = None
    record.__dict__.update(values)
    try:
        fmt.format(record)
    except Exception:
        return False
    return True


def _sync_level_names(engine):
    for level, name in list(L._levelToName.items()):
        if type(level) is int and type(name) is str \
                and _level_names.get(level) != name:
            engine.set_level_name(level, name)
            _level_names[level] = name


def after_fork():
    """The child's engine is new: forget what the old one knew."""
    _level_names.clear()
    _formatter_ids.clear()


if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=after_fork)
