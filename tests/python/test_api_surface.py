"""The public surface of attologging matches the running stdlib ``logging``.

Every name in ``dir(logging)`` (minus dunders and imported modules) exists
in attologging; everything logging defines itself is attologging's own
object (never the stdlib's); functions, methods and classes have compatible
signatures; classes have the same members (of the same kind), the same
base-class chain and the same instance attributes in the same order.
"""

import inspect
import logging
import os
import re
import sys
import types

import pytest

import attologging

PY = sys.version_info[:2]

STDLIB_NAMES = sorted(
    name for name in dir(logging)
    if not (name.startswith('__') and name.endswith('__'))
    and not isinstance(getattr(logging, name), types.ModuleType))

STDLIB_CLASSES = sorted(
    name for name in STDLIB_NAMES
    if isinstance(getattr(logging, name), type)
    and getattr(logging, name).__module__ == 'logging')

# Immutable values may legitimately be the very same object (small ints,
# interned strings, True/False/None).
_IMMUTABLE = (int, float, str, bytes, bool, type(None), tuple, frozenset)

# Dunders that are part of a class's behaviour, not Python plumbing.
_INTERESTING_DUNDERS = {'__init__', '__repr__', '__reduce__',
                        '__class_getitem__', '__str__'}


def _defined_by_logging(obj):
    return getattr(obj, '__module__', None) == 'logging'


def test_no_stdlib_logging_import():
    """attologging must not be a wrapper around the stdlib module."""
    with open(attologging.__file__) as handle:
        source = handle.read()
    imports = re.findall(r'^\s*(?:from|import)\s+[^\n]*', source, re.M)
    assert not [i for i in imports if re.search(r'\blogging\b', i)]


def test_all_matches():
    assert attologging.__all__ == logging.__all__


def test_imported_modules_present():
    for name in dir(logging):
        if isinstance(getattr(logging, name), types.ModuleType):
            assert isinstance(getattr(attologging, name, None),
                              types.ModuleType), name


@pytest.mark.parametrize('name', STDLIB_NAMES)
def test_name_exists(name):
    assert hasattr(attologging, name), name


@pytest.mark.parametrize('name', STDLIB_NAMES)
def test_not_the_stdlib_object(name):
    theirs = getattr(logging, name)
    ours = getattr(attologging, name)
    if isinstance(theirs, (type, types.FunctionType)):
        if _defined_by_logging(theirs):
            assert ours is not theirs
            assert ours.__module__ == 'attologging'
            assert ours.__name__ == theirs.__name__
        else:  # re-exported from elsewhere, e.g. string.Template
            assert ours is theirs
    elif name == '_srcfile':
        assert ours == os.path.normcase(attologging.__file__)
    elif name == '_startTime':
        assert type(ours) is type(theirs)
    elif isinstance(theirs, _IMMUTABLE):
        assert ours == theirs
    else:  # module state (root, _lock, _handlers, ...) is our own
        assert ours is not theirs
        assert type(ours).__name__ == type(theirs).__name__


def _signature(obj):
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):
        return None


def _same_default(ours, theirs):
    if theirs is inspect.Parameter.empty or isinstance(theirs, _IMMUTABLE):
        return ours == theirs and type(ours) is type(theirs)
    return type(ours).__name__ == type(theirs).__name__


_METHOD_DESCRIPTOR = type(str.join)


def assert_compatible_signature(ours, theirs, what):
    expected = _signature(theirs)
    if expected is None:
        return
    actual = _signature(ours)
    assert actual is not None, what
    want = list(expected.parameters.values())
    got = list(actual.parameters.values())
    if got and got[0].name == 'self' and isinstance(ours, _METHOD_DESCRIPTOR):
        # A native method's self is positional-only by nature.
        got[0] = got[0].replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD)
    assert [(p.name, p.kind) for p in got] == \
        [(p.name, p.kind) for p in want], '%s: %s != %s' % (what, actual,
                                                           expected)
    for mine, stdlib in zip(got, want):
        assert _same_default(mine.default, stdlib.default), (what, mine)


@pytest.mark.parametrize('name', [n for n in STDLIB_NAMES
                                  if callable(getattr(logging, n))])
def test_signature(name):
    assert_compatible_signature(getattr(attologging, name),
                                getattr(logging, name), name)


def _members(cls):
    names = set()
    for klass in cls.__mro__[:-1]:
        names.update(vars(klass))
    return sorted(n for n in names
                  if not (n.startswith('__') and n.endswith('__'))
                  or n in _INTERESTING_DUNDERS)


NATIVE_METHODS = {(c, m) for c in ('Logger', 'RootLogger', '_loggerClass')
                  for m in ('debug', 'info', 'warning', 'error', 'critical',
                            'log')}
if sys.version_info < (3, 10):
    NATIVE_METHODS |= {(c, 'fatal') for c in ('Logger', 'RootLogger',
                                              '_loggerClass')}

CLASS_MEMBERS = [(c, m) for c in STDLIB_CLASSES
                 for m in _members(getattr(logging, c))]


@pytest.mark.parametrize('cls_name,member', CLASS_MEMBERS,
                         ids=['%s.%s' % cm for cm in CLASS_MEMBERS])
def test_class_member(cls_name, member):
    theirs_cls = getattr(logging, cls_name)
    ours_cls = getattr(attologging, cls_name)
    theirs = inspect.getattr_static(theirs_cls, member)
    ours = inspect.getattr_static(ours_cls, member, None)
    assert ours is not None, '%s.%s missing' % (cls_name, member)
    if (cls_name, member) in NATIVE_METHODS:
        # The level methods are native (method descriptors); their
        # signatures still match.
        assert type(ours).__name__ == 'method_descriptor'
        assert ours.__name__ == theirs.__name__  # fatal is critical on 3.9
    else:
        assert type(ours).__name__ == type(theirs).__name__, (cls_name, member)
    if isinstance(theirs, types.FunctionType) and \
            (cls_name, member) not in NATIVE_METHODS:
        # Methods aliased in the stdlib (fatal = critical on 3.9) stay so.
        assert ours.__name__ == theirs.__name__
        assert ours is not theirs
    if isinstance(theirs, property):
        for part in ('fget', 'fset', 'fdel'):
            assert (getattr(ours, part) is None) == \
                (getattr(theirs, part) is None), (cls_name, member, part)
    if callable(theirs) and not isinstance(theirs, type):
        assert_compatible_signature(getattr(ours_cls, member),
                                    getattr(theirs_cls, member),
                                    '%s.%s' % (cls_name, member))
    elif isinstance(theirs, _IMMUTABLE):
        assert ours == theirs, (cls_name, member)


@pytest.mark.parametrize('cls_name', STDLIB_CLASSES)
def test_class_shape(cls_name):
    theirs = getattr(logging, cls_name)
    ours = getattr(attologging, cls_name)
    # Loggers have one more base: the native LoggerBase (level methods).
    mro = [c for c in ours.__mro__ if c is not attologging._native.LoggerBase]
    assert [c.__name__ for c in mro] == \
        [c.__name__ for c in theirs.__mro__]
    for klass in mro[:-1]:
        assert klass.__module__ == 'attologging'
    assert_compatible_signature(ours, theirs, cls_name)
    assert ('__slots__' in vars(ours)) == ('__slots__' in vars(theirs))


def _instances(mod, tmp_path):
    record = mod.LogRecord('n', 20, __file__, 1, 'm %s', ('a',), None)
    logger = mod.Logger('n')
    return {
        'LogRecord': record,
        'makeLogRecord': mod.makeLogRecord({'x': 1}),
        'Logger': logger,
        'RootLogger': mod.RootLogger(mod.WARNING),
        'Manager': mod.Manager(None),
        'PlaceHolder': mod.PlaceHolder(logger),
        'Filter': mod.Filter('a'),
        'Filterer': mod.Filterer(),
        'Handler': mod.Handler(),
        'StreamHandler': mod.StreamHandler(sys.stdout),
        'FileHandler': mod.FileHandler(str(tmp_path / 'x.log'), delay=True),
        'NullHandler': mod.NullHandler(),
        '_StderrHandler': mod._StderrHandler(),
        'Formatter': mod.Formatter('%(message)s'),
        'BufferingFormatter': mod.BufferingFormatter(),
        'PercentStyle': mod.PercentStyle('%(message)s'),
        'StrFormatStyle': mod.StrFormatStyle('{message}'),
        'StringTemplateStyle': mod.StringTemplateStyle('$message'),
        'LoggerAdapter': mod.LoggerAdapter(logger, {}),
        'root': mod.root,
    }


def test_instance_attributes_in_same_order(tmp_path):
    theirs = _instances(logging, tmp_path)
    ours = _instances(attologging, tmp_path)
    for key, obj in theirs.items():
        expected = list(vars(obj))
        if key == 'root':  # pytest's own plugins touch the stdlib root
            expected = [a for a in expected if a != '_cache'] + ['_cache']
            got = [a for a in vars(ours[key]) if a != '_cache'] + ['_cache']
            assert got == expected
            continue
        assert list(vars(ours[key])) == expected, key
        assert type(ours[key]).__name__ == type(obj).__name__


def test_plain_list_containers():
    logger = attologging.getLogger('surface.lists')
    assert type(logger.handlers) is list
    assert type(logger.filters) is list
    assert type(attologging.Handler().filters) is list
    assert type(attologging._handlerList) is list
    assert type(attologging.Logger.manager.loggerDict) is dict


def test_module_level_values():
    for name in ('CRITICAL', 'FATAL', 'ERROR', 'WARNING', 'WARN', 'INFO',
                 'DEBUG', 'NOTSET', 'BASIC_FORMAT', 'raiseExceptions',
                 'logThreads', 'logProcesses', 'logMultiprocessing'):
        assert getattr(attologging, name) == getattr(logging, name), name
    assert list(attologging._levelToName.items())[:6] == [
        (50, 'CRITICAL'), (40, 'ERROR'), (30, 'WARNING'), (20, 'INFO'),
        (10, 'DEBUG'), (0, 'NOTSET')]
    assert list(attologging._nameToLevel) == [
        'CRITICAL', 'FATAL', 'ERROR', 'WARN', 'WARNING', 'INFO', 'DEBUG',
        'NOTSET']
    assert {k: (v[0].__name__, v[1])
            for k, v in attologging._STYLES.items()} == \
        {k: (v[0].__name__, v[1]) for k, v in logging._STYLES.items()}
    assert type(attologging._startTime) is type(logging._startTime)
    assert attologging.lastResort is attologging._defaultLastResort
    assert attologging.lastResort.level == logging.WARNING
    assert attologging.root is attologging.Logger.root
    assert attologging.Logger.manager.root is attologging.root
    assert attologging._loggerClass is attologging.Logger
    assert attologging._logRecordFactory is attologging.LogRecord
    assert type(attologging._handlers).__name__ == 'WeakValueDictionary'


def test_version_specific_names():
    expect = {
        'getLevelNamesMapping': PY >= (3, 11),
        '_is_internal_frame': PY >= (3, 11),
        'getHandlerByName': PY >= (3, 12),
        'getHandlerNames': PY >= (3, 12),
        'logAsyncioTasks': PY >= (3, 12),
        '_acquireLock': PY < (3, 13),
        '_releaseLock': PY < (3, 13),
        '_prepareFork': PY >= (3, 13),
        '_afterFork': PY >= (3, 13),
    }
    for name, present in expect.items():
        assert hasattr(attologging, name) == present, name
        assert hasattr(logging, name) == present, name
    assert hasattr(attologging.Logger, 'getChildren') == (PY >= (3, 12))
    params = inspect.signature(attologging.LoggerAdapter).parameters
    assert ('merge_extra' in params) == (PY >= (3, 13))
    assert ('defaults' in inspect.signature(
        attologging.Formatter).parameters) == (PY >= (3, 10))


def test_srcfile_and_internal_frames():
    assert attologging._srcfile == os.path.normcase(
        attologging.addLevelName.__code__.co_filename)
    assert attologging._srcfile.endswith(
        os.path.join('attologging', '__init__.py'))
    stdlib_src = os.path.normcase(logging.addLevelName.__code__.co_filename)
    assert stdlib_src in attologging._STDLIB_SOURCES
    if PY >= (3, 11):
        frame = sys._getframe()
        assert not attologging._is_internal_frame(frame)


def test_lock_types():
    assert type(attologging._lock) is type(logging._lock)
    handler = attologging.Handler()
    assert type(handler.lock) is type(logging.Handler().lock)
    assert attologging.NullHandler().lock is None
    assert handler in attologging._at_fork_reinit_lock_weakset
