"""Differential tests of ``attologging.config`` (issue 5): ``dictConfig``,
``fileConfig``, ``listen`` / ``stopListening`` must behave exactly as the
standard library's ``logging.config`` (see differential.py for the method).

Every scenario is a script body run twice in fresh (forked) interpreters,
once with ``L = logging`` and once with ``L = attologging``.  PRELUDE (put in
front of every body) imports ``L.config`` / ``L.handlers`` and defines the
helpers both runs share:

* ``configure(func, ...)`` calls a configuration function and prints either
  ``configured OK`` or the exception: its type, its message (with
  'attologging' replaced by 'logging'), the chain of ``__cause__`` types and
  messages, and the ``__context__`` type;
* ``dump()`` prints a canonical view of the logger tree: for every name in
  ``sorted(L.root.manager.loggerDict)`` plus the root, placeholder or logger,
  level, effective level, propagate, disabled, parent, filters and handlers
  (class, level, name, formatter's ``_fmt`` / ``datefmt`` / style class /
  defaults, filters, stream, files, targets, queues...), and the names of the
  registered handlers;
* ``exercise()`` logs the same records (arguments, ``extra``, exceptions,
  every level) through several loggers of the tree.

The cases are generated from combinations of building blocks (formatter
keys x styles x formats x validate, filter kinds x placement, handler kinds
x options, logger options, incremental changes, disable_existing_loggers x
configured names, error configurations x prior state, INI sources x handler
spellings, ...).  A scenario must end with ``DONE`` and exit code 0 in the
standard library's run, so that a broken scenario can never pass by failing
identically in both runs.  Real differences the scenarios found are listed
in KNOWN_DIFFERENCES (strict xfail) rather than masked.
"""

import sys
import textwrap

import pytest

import differential
from differential import Scenario

PY = sys.version_info[:2]

PRELUDE = r'''
import configparser, importlib, io, json, socket, struct, sys
importlib.import_module(L.__name__ + '.config')
importlib.import_module(L.__name__ + '.handlers')
C = L.config
H = L.handlers
_main = sys.modules['__main__']


def export(obj):
    """Make obj resolvable as '__main__.<name>' / 'ext://__main__.<name>'."""
    setattr(_main, obj.__name__, obj)
    return obj


def _props(obj):
    try:
        items = sorted(vars(obj).items())
    except TypeError:
        return ''
    found = ['%s=%r' % (k, v) for k, v in items if k.startswith('prop_')]
    return (' ' + ' '.join(found)) if found else ''


def _fdesc(f):
    if f is None:
        return 'None'
    text = '%s(fmt=%r datefmt=%r' % (type(f).__name__,
                                     getattr(f, '_fmt', '?'),
                                     getattr(f, 'datefmt', '?'))
    style = getattr(f, '_style', None)
    if style is not None:
        text += ' style=%s/%r' % (type(style).__name__,
                                  getattr(style, '_fmt', '?'))
        if sys.version_info >= (3, 10):
            text += ' defaults=%r' % (getattr(style, '_defaults', '?'),)
    return text + _props(f) + ')'


def _filtdesc(f):
    if isinstance(f, L.Filter):
        return '%s(name=%r)%s' % (type(f).__name__, f.name, _props(f))
    return '%s:%s%s' % (type(f).__name__, getattr(f, '__name__', '?'),
                        _props(f))


def _stream(s):
    if s is None:
        return 'None'
    if s is sys.stdout:
        return 'stdout'
    if s is sys.stderr:
        return 'stderr'
    if isinstance(getattr(s, 'name', None), str):
        # A file: its type is an implementation detail (attologging's
        # RotatingFileHandler writes through an engine sink stream).
        return 'file(name=%r mode=%r encoding=%r closed=%r)' % (
            s.name, getattr(s, 'mode', '?'), getattr(s, 'encoding', '?'),
            s.closed)
    return '%s(closed=%r)' % (type(s).__name__, getattr(s, 'closed', '?'))


_HATTRS = [
    ('FileHandler', ('baseFilename', 'mode', 'encoding', 'errors', 'delay')),
    ('RotatingFileHandler', ('maxBytes', 'backupCount')),
    ('TimedRotatingFileHandler', ('when', 'interval', 'backupCount', 'utc')),
    ('MemoryHandler', ('capacity', 'flushLevel', 'flushOnClose')),
    ('SysLogHandler', ('address', 'facility', 'socktype')),
    ('SMTPHandler', ('mailhost', 'mailport', 'fromaddr', 'toaddrs',
                     'subject', 'username', 'secure', 'timeout')),
    ('SocketHandler', ('host', 'port', 'address')),
]


def _hdesc(h, indent='      '):
    lines = ['%s(level=%s name=%r)%s' % (type(h).__name__, h.level,
                                         h.get_name(), _props(h))]
    lines.append('formatter=' + _fdesc(h.formatter))
    if h.filters:
        lines.append('filters=[%s]' % ', '.join(_filtdesc(f)
                                                for f in h.filters))
    if isinstance(h, L.StreamHandler):
        lines.append('stream=%s terminator=%r' % (_stream(h.stream),
                                                  h.terminator))
    for cls_name, attrs in _HATTRS:
        cls = getattr(L, cls_name, None) or getattr(H, cls_name)
        if isinstance(h, cls):
            for attr in attrs:
                lines.append('%s=%r' % (attr, getattr(h, attr, '<missing>')))
    if isinstance(h, H.BufferingHandler):
        lines.append('buffered=%d' % len(h.buffer))
    if isinstance(h, H.MemoryHandler):
        target = h.target
        lines.append('target=' + ('None' if target is None else
                                  _hdesc(target, indent + '  ')))
    if isinstance(h, H.QueueHandler):
        lines.append('queue=%s' % type(h.queue).__name__)
        listener = getattr(h, 'listener', '<none>')
        if isinstance(listener, H.QueueListener):
            lines.append('listener=%s(respect_handler_level=%r queue_is_same=%r)'
                         % (type(listener).__name__,
                            listener.respect_handler_level,
                            listener.queue is h.queue))
            for sub in listener.handlers:
                lines.append('listener handler ' + _hdesc(sub, indent + '  '))
        else:
            lines.append('listener=%r' % (listener,))
    return ('\n' + indent).join(lines)


def dump(title='tree'):
    """Canonical view of the logger tree and the registered handlers."""
    print('== %s' % title)
    manager = L.root.manager
    for name in sorted(manager.loggerDict) + ['<root>']:
        obj = L.root if name == '<root>' else manager.loggerDict[name]
        if isinstance(obj, L.PlaceHolder):
            print('  %s: placeholder for %s' % (
                name, sorted(child.name for child in obj.loggerMap)))
            continue
        print('  %s: %s level=%s effective=%s propagate=%r disabled=%r '
              'parent=%s' % (name, type(obj).__name__, obj.level,
                             obj.getEffectiveLevel(), obj.propagate,
                             obj.disabled,
                             obj.parent.name if obj.parent else None))
        for f in obj.filters:
            print('    filter ' + _filtdesc(f))
        for h in obj.handlers:
            print('    handler ' + _hdesc(h))
    print('  registered handlers: %s' % sorted(L._handlers))
    print('  manager.disable=%r' % manager.disable)
    sys.stdout.flush()


def _exc_line(exc):
    return '%s: %s' % (type(exc).__name__,
                       str(exc).replace('attologging', 'logging'))


def show_exc(exc):
    print('EXC ' + _exc_line(exc))
    cause, depth = exc.__cause__, 0
    while cause is not None and depth < 8:
        print('  caused by ' + _exc_line(cause))
        cause, depth = cause.__cause__, depth + 1
    context = exc.__context__
    print('  context=%s suppress_context=%r' % (
        type(context).__name__ if context is not None else None,
        exc.__suppress_context__))


def configure(func, *args, **kwargs):
    """Run a configuration call; print its outcome."""
    try:
        func(*args, **kwargs)
    except Exception as exc:
        show_exc(exc)
        sys.stdout.flush()
        return False
    print('configured OK')
    sys.stdout.flush()
    return True


NAMES = ['', 'a', 'a.b', 'a.b.c', 'b', 'other']


def _log(method, *args, **kwargs):
    """Call a logging method; report an exception that escapes it."""
    try:
        method(*args, **kwargs)
    except Exception as exc:
        print('ESCAPED ' + _exc_line(exc))


def exercise(names=NAMES, short=False):
    """Log the same records through several loggers."""
    for n in names:
        who = n or 'root'
        lg = L.getLogger(n or None)
        _log(lg.debug, 'debug from %s #%d', who, 1)
        _log(lg.info, 'info %r', {'who': who}, extra={'user': 'u-' + who})
        _log(lg.warning, 'warning from %s', who, extra={'user': 'w-' + who})
        if short:
            continue
        _log(lg.log, 15, 'level 15 %s', who)
        _log(lg.error, 'error %s%%', 50)
        try:
            raise KeyError(who)
        except KeyError:
            _log(lg.exception, 'exception in %s', who)
        _log(lg.critical, 'critical %s', Obj())
    sys.stdout.flush()
    sys.stderr.flush()


def show_files(*names):
    """Print log files back (after flushing, as a reader must)."""
    for h in list(L.root.handlers):
        h.flush()
    for name in names:
        try:
            with open(name, encoding='utf-8', errors='replace') as handle:
                print('-- %s:' % name)
                print(handle.read(), end='')
        except OSError as exc:
            print('-- %s: %s' % (name, type(exc).__name__))


@export
class MyFormatter(L.Formatter):
    def format(self, record):
        return '<my>' + L.Formatter.format(self, record)


@export
class NoDefaultsFormatter(L.Formatter):
    def __init__(self, fmt=None, datefmt=None, style='%', validate=True):
        L.Formatter.__init__(self, fmt, datefmt, style, validate)


@export
def fmt_only(fmt=None, datefmt=None, style='%', tag=None):
    """A formatter factory that rejects 'format' (takes 'fmt')."""
    f = L.Formatter(fmt, datefmt, style)
    f.prop_tag = tag
    return f


@export
def fmt_kw(**kwargs):
    """A formatter factory that takes anything."""
    f = L.Formatter(kwargs.pop('format', None) or kwargs.pop('fmt', None))
    f.prop_kwargs = sorted(kwargs)
    return f


@export
def fmt_picky(fmt=None):
    return L.Formatter(fmt)


@export
def fmt_broken(**kwargs):
    raise TypeError('broken factory, not about the fmt argument')


@export
class MyFilter(L.Filter):
    def __init__(self, name='', allow='o'):
        L.Filter.__init__(self, name)
        self.prop_allow = allow

    def filter(self, record):
        return self.prop_allow in record.getMessage()


@export
def filter_factory(allow='e'):
    def only(record):
        return allow in record.getMessage()
    only.prop_allow = allow
    return only


@export
class MyHandler(L.StreamHandler):
    def __init__(self, stream=None, tag='none'):
        L.StreamHandler.__init__(self, stream)
        self.prop_tag = tag

    def format(self, record):
        return '[%s] %s' % (self.prop_tag, L.StreamHandler.format(self, record))


@export
class OldStyleHandler(L.StreamHandler):
    def __init__(self, strm=None):
        L.StreamHandler.__init__(self, strm)


@export
def handler_factory(stream=None, tag='f'):
    h = MyHandler(stream, tag)
    h.prop_factory = True
    return h


@export
class ProbeHandler(L.Handler):
    """Records what fileConfig's eval() of args/kwargs produced."""
    def __init__(self, *args, **kwargs):
        L.Handler.__init__(self)
        self.prop_args = [_describe(a) for a in args]
        self.prop_kwargs = {k: _describe(v) for k, v in sorted(kwargs.items())}

    def emit(self, record):
        pass


def _describe(value):
    if isinstance(value, type(sys)):
        return 'module %s' % value.__name__.replace('attologging', 'logging')
    if isinstance(value, (str, int, float, tuple, list, dict, type(None))):
        return repr(value)
    if isinstance(value, type):
        return 'type %s' % value.__name__
    return 'instance of %s' % type(value).__name__


@export
class MyListener(H.QueueListener):
    pass


# -- end of prelude --
'''

_SCENARIOS = []


def scenario(name, body):
    assert all(s.name != name for s in _SCENARIOS), name
    body = PRELUDE + textwrap.dedent(body).strip() + "\nprint('DONE')\n"
    _SCENARIOS.append(Scenario(name, body))


class Code:
    """A value rendered as Python source in a scenario (repr = the code)."""

    def __init__(self, source):
        self.source = source

    def __repr__(self):
        return self.source


def dict_scenario(name, config, pre='', post='', exercise='exercise()'):
    """Configure with dictConfig (after *pre*), dump, exercise, *post*."""
    scenario(name, '\n'.join([
        textwrap.dedent(pre).strip(),
        'config = %r' % (config,),
        'configure(C.dictConfig, config)',
        'dump()',
        exercise,
        textwrap.dedent(post).strip(),
    ]))


STDOUT = 'ext://sys.stdout'
STDERR = 'ext://sys.stderr'
BASIC = '%(levelname)s:%(name)s:%(message)s'

# ---------------------------------------------------------------------------
# A. dictConfig: version / top level
# ---------------------------------------------------------------------------

VERSIONS = {'missing': None, 'none': Code('None'), 'zero': 0, 'two': 2,
            'str1': '1', 'float1': 1.0, 'true': True, 'one': 1}


def gen_versions():
    for vname, version in VERSIONS.items():
        for incremental in (False, True):
            config = {'handlers': {'out': {'class': 'logging.StreamHandler',
                                           'stream': STDOUT}},
                      'root': {'level': 'INFO', 'handlers': ['out']}}
            if version is not None:
                config['version'] = version
            if incremental:
                config['incremental'] = True
            dict_scenario('dict_version_%s_%s' % (vname, 'incr' if incremental
                                                  else 'full'),
                          config, exercise='exercise(short=True)')
    for name, value in [('list', ['version', 1]), ('none', Code('None')),
                        ('str', 'version'), ('int', 1)]:
        dict_scenario('dict_not_a_dict_%s' % name, value,
                      exercise='exercise(short=True)')

# ---------------------------------------------------------------------------
# B. dictConfig: formatters
# ---------------------------------------------------------------------------


FORMATS = {
    '%': {'good': '%(levelname)s|%(name)s|%(message)s', 'nofield': 'no fields',
          'bad': '%(message)'},
    '{': {'good': '{levelname}|{name}|{message}', 'nofield': 'no fields',
          'bad': '{message'},
    '$': {'good': '$levelname|${name}|$message', 'nofield': 'no fields',
          'bad': '${message'},
}
STYLE_NAMES = {None: 'nostyle', '%': 'pct', '{': 'brace', '$': 'dollar'}


def formatter_config(formatter, handler_extra=None):
    handler = {'class': 'logging.StreamHandler', 'stream': STDOUT,
               'formatter': 'f'}
    handler.update(handler_extra or {})
    return {'version': 1,
            'formatters': {'f': formatter},
            'handlers': {'out': handler},
            'loggers': {'a': {'level': 'DEBUG'}},
            'root': {'level': 'INFO', 'handlers': ['out']}}


def gen_formatters():
    number = 0
    for key in ('format', 'fmt'):
        for style in (None, '%', '{', '$'):
            for kind in ('good', 'nofield', 'bad'):
                for validate in (None, True, False):
                    fmt = FORMATS[style or '%'][kind]
                    formatter = {key: fmt}
                    if style is not None:
                        formatter['style'] = style
                    if validate is not None:
                        formatter['validate'] = validate
                    if number % 2:
                        formatter['datefmt'] = '%H:%M:%S'
                    number += 1
                    dict_scenario(
                        'dict_formatter_%s_%s_%s_%s' % (
                            key, STYLE_NAMES[style], kind,
                            {None: 'dflt', True: 'val', False: 'noval'}[
                                validate]),
                        formatter_config(formatter),
                        exercise="exercise(['', 'a'], short=True)")
    # datefmt / asctime
    for number, datefmt in enumerate((None, '%H:%M:%S', '%Y-%m-%d %j', '')):
        formatter = {'format': '%(asctime)s %(msecs)03d %(message)s'}
        if datefmt is not None:
            formatter['datefmt'] = datefmt
        dict_scenario('dict_formatter_datefmt_%d' % number,
                      formatter_config(formatter),
                      exercise="exercise(['a'], short=True)")


FORMATTER_CLASSES = {
    'logging_formatter': 'logging.Formatter',
    'custom_main': '__main__.MyFormatter',
    'custom_ext': 'ext://__main__.MyFormatter',
    'class_object': Code('MyFormatter'),
    'no_defaults': '__main__.NoDefaultsFormatter',
    'missing_attr': 'logging.NoSuchFormatter',
    'missing_module': 'nosuchmodule.Formatter',
    'missing_submodule': 'logging.nosuch.Formatter',
    'not_a_class': 'logging.INFO',
}


def gen_formatter_classes():
    for cname, cls in FORMATTER_CLASSES.items():
        variants = [('plain', {'format': BASIC}),
                    ('styled', {'format': '{levelname}/{message}',
                                'style': '{', 'validate': True,
                                'datefmt': '%H'})]
        if PY >= (3, 12):
            variants.append(('defaults', {'format': '%(user)s %(message)s',
                                          'defaults': {'user': 'anon'}}))
        for vname, formatter in variants:
            formatter = dict(formatter, **{'class': cls})
            dict_scenario('dict_formatter_class_%s_%s' % (cname, vname),
                          formatter_config(formatter),
                          exercise="exercise(['', 'a'], short=True)")


FORMATTER_FACTORIES = {
    'logging_formatter': 'logging.Formatter',
    'fmt_only': '__main__.fmt_only',
    'fmt_only_ext': 'ext://__main__.fmt_only',
    'fmt_only_callable': Code('fmt_only'),
    'fmt_kw': '__main__.fmt_kw',
    'fmt_picky': '__main__.fmt_picky',
    'fmt_broken': '__main__.fmt_broken',
    'my_formatter': '__main__.MyFormatter',
}


def gen_formatter_factories():
    for fname, factory in FORMATTER_FACTORIES.items():
        for key in ('format', 'fmt'):
            for extra in ('none', 'kwargs', 'props'):
                formatter = {'()': factory, key: '%(name)s~%(message)s'}
                if extra == 'kwargs':
                    formatter['tag'] = 'T1'
                    formatter['datefmt'] = '%H:%M'
                elif extra == 'props':
                    formatter['.'] = {'prop_one': 1, 'prop_list': [1, 'x']}
                dict_scenario('dict_formatter_factory_%s_%s_%s'
                              % (fname, key, extra),
                              formatter_config(formatter),
                              exercise="exercise(['a'], short=True)")


def gen_formatter_defaults():
    if PY < (3, 12):
        return
    for style in ('%', '{', '$'):
        fmt = {'%': '%(user)s %(message)s', '{': '{user} {message}',
               '$': '$user $message'}[style]
        for defaults in ({'user': 'anon'}, {}, {'user': 'anon',
                                                'message': 'x'}):
            dict_scenario('dict_formatter_defaults_%s_%d' % (
                STYLE_NAMES[style], len(defaults)),
                formatter_config({'format': fmt, 'style': style,
                                  'defaults': defaults}),
                exercise="exercise(['a'], short=True)")

# ---------------------------------------------------------------------------
# C. dictConfig: filters x placement
# ---------------------------------------------------------------------------


FILTER_SPECS = {
    'name_a': {'name': 'a'},
    'name_ab': {'name': 'a.b'},
    'name_empty': {'name': ''},
    'no_name': {},
    'factory_class': {'()': '__main__.MyFilter', 'allow': 'o'},
    'factory_name_kw': {'()': '__main__.MyFilter', 'name': 'a',
                        'allow': 'r'},
    'factory_func': {'()': Code('filter_factory'), 'allow': 'e',
                     '.': {'prop_dot': 'set'}},
    'factory_ext': {'()': 'ext://__main__.filter_factory'},
}
FILTER_PLACES = ['handler', 'logger_a', 'root', 'handler_and_logger']


def gen_filters():
    for fname, spec in FILTER_SPECS.items():
        for place in FILTER_PLACES:
            handler = {'class': 'logging.StreamHandler', 'stream': STDOUT,
                       'formatter': 'basic'}
            config = {'version': 1,
                      'formatters': {'basic': {'format': BASIC}},
                      'filters': {'flt': spec},
                      'handlers': {'out': handler},
                      'loggers': {'a': {'level': 'DEBUG'}},
                      'root': {'level': 'DEBUG', 'handlers': ['out']}}
            if place in ('handler', 'handler_and_logger'):
                handler['filters'] = ['flt']
            if place in ('logger_a', 'handler_and_logger'):
                config['loggers']['a']['filters'] = ['flt']
            if place == 'root':
                config['root']['filters'] = ['flt']
            dict_scenario('dict_filter_%s_on_%s' % (fname, place), config)
    if PY >= (3, 12):
        # Filter instances and callables given directly (3.12+).
        for name, value in [('instance', Code("L.Filter('a.b')")),
                            ('callable', Code("filter_factory('o')")),
                            ('object', Code("MyFilter(allow='in')"))]:
            for place in ('handler', 'logger'):
                handler = {'class': 'logging.StreamHandler', 'stream': STDOUT}
                config = {'version': 1, 'handlers': {'out': handler},
                          'root': {'level': 'DEBUG', 'handlers': ['out']}}
                if place == 'handler':
                    handler['filters'] = [value]
                else:
                    config['loggers'] = {'a': {'filters': [value]}}
                dict_scenario('dict_filter_direct_%s_on_%s' % (name, place),
                              config)

# ---------------------------------------------------------------------------
# D. dictConfig: handlers x options
# ---------------------------------------------------------------------------


HANDLER_SPECS = {
    'stream_stdout': {'class': 'logging.StreamHandler', 'stream': STDOUT},
    'stream_stderr': {'class': 'logging.StreamHandler', 'stream': STDERR},
    'stream_default': {'class': 'logging.StreamHandler'},
    'stream_cfg': {'class': 'logging.StreamHandler',
                   'stream': 'cfg://streams.out'},
    'stream_cfg_index': {'class': 'logging.StreamHandler',
                         'stream': 'cfg://streamlist[1]'},
    'file_w': {'class': 'logging.FileHandler', 'filename': 'app.log',
               'mode': 'w', 'encoding': 'utf-8'},
    'file_delay': {'class': 'logging.FileHandler', 'filename': 'app.log',
                   'delay': True},
    'file_cfg_name': {'class': 'logging.FileHandler',
                      'filename': 'cfg://files.main'},
    'null': {'class': 'logging.NullHandler'},
    'rotating': {'class': 'logging.handlers.RotatingFileHandler',
                 'filename': 'rot.log', 'maxBytes': 600, 'backupCount': 2},
    'watched': {'class': 'logging.handlers.WatchedFileHandler',
                'filename': 'watched.log'},
    'timed': {'class': 'logging.handlers.TimedRotatingFileHandler',
              'filename': 'timed.log', 'when': 'midnight', 'backupCount': 1},
    'custom_class': {'class': '__main__.MyHandler', 'stream': STDOUT,
                     'tag': 'T'},
    'strm_retry': {'class': '__main__.OldStyleHandler', 'stream': STDOUT},
    'factory': {'()': '__main__.handler_factory', 'stream': STDOUT,
                'tag': 'F', '.': {'prop_dot': [1, 2]}},
    'factory_callable': {'()': Code('handler_factory'), 'tag': 'G'},
    'factory_ext': {'()': 'ext://__main__.handler_factory',
                    'stream': STDOUT},
    'class_object': {'class': Code('L.StreamHandler'), 'stream': STDOUT},
    'class_ext': {'class': 'ext://logging.StreamHandler', 'stream': STDOUT},
    'memory_target_after': {'class': 'logging.handlers.MemoryHandler',
                            'capacity': 3, 'flushLevel': 40,
                            'target': 'zz_target'},
    'memory_target_before': {'class': 'logging.handlers.MemoryHandler',
                             'capacity': 100, 'target': 'aa_target'},
    'memory_no_flush_on_close': {'class': 'logging.handlers.MemoryHandler',
                                 'capacity': 100, 'target': 'zz_target',
                                 'flushOnClose': False},
    'memory_no_target': {'class': 'logging.handlers.MemoryHandler',
                         'capacity': 4},
    'memory_level_name': {'class': 'logging.handlers.MemoryHandler',
                          'capacity': 50, 'flushLevel': 'ERROR',
                          'target': 'zz_target'},
}
HANDLER_OPTIONS = [
    ('plain', {}),
    ('info_brief', {'level': 'INFO', 'formatter': 'brief'}),
    ('error_filter', {'level': 'ERROR', 'filters': ['only_a']}),
    ('int15_all', {'level': 15, 'formatter': 'brief',
                   'filters': ['only_a', 'msg_o']}),
]


def handler_config(spec, handler_name='h', loggers=None):
    config = {'version': 1,
              'streams': {'out': STDOUT},
              'streamlist': [STDERR, STDOUT],
              'files': {'main': 'main.log'},
              'formatters': {'brief': {'format': BASIC},
                             'target': {'format': 'T> %(name)s %(message)s'}},
              'filters': {'only_a': {'name': 'a'},
                          'msg_o': {'()': '__main__.MyFilter', 'allow': 'o'}},
              'handlers': {handler_name: spec,
                           'aa_target': {'class': 'logging.StreamHandler',
                                         'stream': STDOUT,
                                         'formatter': 'target'},
                           'zz_target': {'class': 'logging.StreamHandler',
                                         'stream': STDOUT,
                                         'formatter': 'target'}},
              'root': {'level': 'DEBUG', 'handlers': [handler_name]}}
    if loggers:
        config['loggers'] = loggers
    return config


def gen_handlers():
    for sname, spec in HANDLER_SPECS.items():
        for oname, options in HANDLER_OPTIONS:
            dict_scenario('dict_handler_%s_%s' % (sname, oname),
                          handler_config(dict(spec, **options)),
                          post="show_files('app.log', 'main.log', 'rot.log', "
                               "'rot.log.1', 'rot.log.2', 'watched.log', "
                               "'timed.log')")
    # A list value converted to a tuple (address / mailhost); not used.
    tuple_cases = {
        'syslog_list': {'class': 'logging.handlers.SysLogHandler',
                        'address': ['127.0.0.1', 51400]},
        'syslog_cfg_list': {'class': 'logging.handlers.SysLogHandler',
                            'address': 'cfg://addresses[0]'},
        'syslog_tuple': {'class': 'logging.handlers.SysLogHandler',
                         'address': Code("('127.0.0.1', 51401)"),
                         'facility': 'local0'},
        'smtp_list': {'class': 'logging.handlers.SMTPHandler',
                      'mailhost': ['localhost', 2525], 'fromaddr': 'a@b',
                      'toaddrs': ['c@d', 'e@f'], 'subject': 'subj',
                      'credentials': ['user', 'pw'], 'timeout': 2.5},
        'smtp_str': {'class': 'logging.handlers.SMTPHandler',
                     'mailhost': 'localhost', 'fromaddr': 'a@b',
                     'toaddrs': 'c@d', 'subject': 'subj'},
        'socket': {'class': 'logging.handlers.SocketHandler',
                   'host': '127.0.0.1', 'port': 9},
        'datagram': {'class': 'logging.handlers.DatagramHandler',
                     'host': '127.0.0.1', 'port': 9},
    }
    for cname, spec in tuple_cases.items():
        config = handler_config(spec, 'q', loggers={'quiet': {
            'handlers': ['q'], 'propagate': False}})
        config['root'] = {'level': 'DEBUG', 'handlers': ['aa_target']}
        config['addresses'] = [['127.0.0.1', 51402]]
        dict_scenario('dict_handler_tuple_%s' % cname, config,
                      post="print(type(L.getLogger('quiet').handlers[0]"
                           ".__dict__.get('address', L.getLogger('quiet')"
                           ".handlers[0].__dict__.get('mailhost'))).__name__)")


CFG_CASES = {
    'level_index': ({'level': 'cfg://levels[0]'}, {}),
    'level_index_neg': ({'level': 'cfg://levels[-1]'}, {}),
    'level_deep': ({'level': 'cfg://nested.deep[1].k'}, {}),
    'level_brackets': ({'level': 'cfg://nested[deep][0][k]'}, {}),
    'level_later_handler': ({'level': 'cfg://handlers.zz.level'}, {}),
    'level_earlier_handler': ({'level': 'cfg://handlers.aa.level'}, {}),
    'level_ext': ({'level': 'ext://logging.ERROR'}, {}),
    'formatter_fmt': ({'formatter': 'viacfg'}, {}),
    'filters_list': ({'filters': 'cfg://filterlist'}, {}),
    'missing_key': ({'level': 'cfg://nosuch'}, {}),
    'bad_index': ({'level': 'cfg://levels[9]'}, {}),
    'malformed': ({'level': 'cfg://'}, {}),
    'malformed_rest': ({'level': 'cfg://levels!x'}, {}),
    'ext_missing': ({'level': 'ext://logging.NOSUCH'}, {}),
    'ext_module_missing': ({'stream': 'ext://nosuchmod.stream'}, {}),
}


def gen_cfg_refs():
    for cname, (extra, _) in CFG_CASES.items():
        handler = {'class': 'logging.StreamHandler', 'stream': STDOUT}
        handler.update(extra)
        config = {'version': 1,
                  'levels': ['ERROR', 'DEBUG', 'WARNING'],
                  'nested': {'deep': [{'k': 'CRITICAL'}, {'k': 'INFO'}]},
                  'fmts': {'short': '%(levelname).1s %(message)s'},
                  'filterlist': ['fa'],
                  'formatters': {'viacfg': {'format': 'cfg://fmts.short'}},
                  'filters': {'fa': {'name': 'a'}},
                  'handlers': {'aa': {'class': 'logging.NullHandler',
                                      'level': 'WARNING'},
                               'mid': handler,
                               'zz': {'class': 'logging.NullHandler',
                                      'level': 'CRITICAL'}},
                  'root': {'level': 'DEBUG', 'handlers': ['mid']}}
        dict_scenario('dict_cfg_%s' % cname, config,
                      exercise="exercise(short=True)")


def gen_queue_handlers():
    if PY < (3, 12):
        return
    queues = {'default': None, 'resolved': 'queue.Queue',
              'factory': {'()': 'queue.Queue', 'maxsize': 100},
              'object': Code('__import__("queue").Queue()'),
              'bad_str': 'logging.INFO',
              'bad_dict': {'maxsize': 3}}
    listeners = {'default': None, 'dotted': 'logging.handlers.QueueListener',
                 'custom': '__main__.MyListener',
                 'class_object': Code('H.QueueListener'),
                 'factory': {'()': '__main__.MyListener'},
                 'bad_class': 'logging.StreamHandler'}
    combos = [(q, 'default', ['out'], False) for q in queues]
    combos += [('default', lsn, ['out', 'err'], True) for lsn in listeners
               if lsn != 'default']
    combos += [('default', 'default', ['nosuch'], False),
               ('default', 'default', [], False),
               ('default', 'default', None, False)]
    for qname, lname, handlers, respect in combos:
        spec = {'class': 'logging.handlers.QueueHandler'}
        if queues[qname] is not None:
            spec['queue'] = queues[qname]
        if listeners[lname] is not None:
            spec['listener'] = listeners[lname]
        if handlers is not None:
            spec['handlers'] = handlers
        if respect:
            spec['respect_handler_level'] = True
        config = {'version': 1,
                  'formatters': {'brief': {'format': BASIC}},
                  'handlers': {'qh': spec,
                               'out': {'class': 'logging.StreamHandler',
                                       'stream': STDOUT,
                                       'formatter': 'brief'},
                               'err': {'class': 'logging.StreamHandler',
                                       'stream': STDOUT, 'level': 'ERROR',
                                       'formatter': 'brief'}},
                  'root': {'level': 'DEBUG', 'handlers': ['qh']}}
        dict_scenario(
            'dict_queue_%s_%s_%s%s' % (qname, lname,
                                       'nohandlers' if handlers is None else
                                       '_'.join(handlers) or 'empty',
                                       '_respect' if respect else ''),
            config, exercise='', post='''
                qh = L.getHandlerByName('qh')
                listener = getattr(qh, 'listener', None)
                if listener is not None:
                    listener.start()
                    exercise()
                    listener.stop()
                    print('stopped')
            ''')

# ---------------------------------------------------------------------------
# E. dictConfig: loggers, root, incremental, disable_existing_loggers
# ---------------------------------------------------------------------------


def base_config():
    return {'version': 1,
            'formatters': {'brief': {'format': BASIC},
                           'other': {'format': 'E %(name)s %(message)s'}},
            'filters': {'only_ab': {'name': 'a.b'},
                        'msg_o': {'()': '__main__.MyFilter', 'allow': 'o'}},
            'handlers': {'out': {'class': 'logging.StreamHandler',
                                 'stream': STDOUT, 'formatter': 'brief'},
                         'err': {'class': 'logging.StreamHandler',
                                 'stream': STDERR, 'formatter': 'other'}}}


def gen_loggers():
    number = 0
    roots = [None, {'level': 'INFO', 'handlers': ['err']},
             {'level': 'CRITICAL', 'filters': ['msg_o']}, {}]
    for level in (None, 'DEBUG', 'ERROR', 15):
        for propagate in (None, True, False):
            for filters in (None, ['only_ab']):
                for handlers in (None, ['out']):
                    logger = {}
                    if level is not None:
                        logger['level'] = level
                    if propagate is not None:
                        logger['propagate'] = propagate
                    if filters is not None:
                        logger['filters'] = filters
                    if handlers is not None:
                        logger['handlers'] = handlers
                    if number % 3 == 1:
                        logger['bogus_key'] = 'ignored'
                    lname = ('a', 'a.b')[number % 2]
                    config = base_config()
                    config['loggers'] = {lname: logger}
                    root = roots[number % len(roots)]
                    if root is not None:
                        config['root'] = root
                    dict_scenario(
                        'dict_logger_%s_%s_%s_%s_%s_%d' % (
                            lname, level, propagate, filters and 'flt',
                            handlers and 'hdl', number % len(roots)),
                        config)
                    number += 1
    # Root given as a logger named '' / 'root' in loggers.
    for name in ('', 'root'):
        config = base_config()
        config['loggers'] = {name: {'level': 'DEBUG', 'handlers': ['out']}}
        dict_scenario('dict_logger_named_%s' % (name or 'empty'), config)


INCR_HANDLER = {'none': None, 'error': {'out': {'level': 'ERROR'}},
                'unknown': {'nosuch': {'level': 'ERROR'}},
                'bad_level': {'out': {'level': 'LOUD'}},
                'with_formatter': {'out': {'level': 'DEBUG',
                                           'formatter': 'other'}}}
INCR_LOGGER = {'none': None, 'debug': {'a': {'level': 'DEBUG'}},
               'noprop': {'a': {'level': 'WARNING', 'propagate': False,
                                'handlers': ['err']}},
               'new': {'z.y': {'level': 'INFO'}}}
INCR_ROOT = {'none': None, 'critical': {'level': 'CRITICAL'}}


def gen_incremental():
    for hname, handlers in INCR_HANDLER.items():
        for lname, loggers in INCR_LOGGER.items():
            for rname, root in INCR_ROOT.items():
                if hname in ('unknown', 'bad_level', 'with_formatter') and \
                        (lname, rname) != ('debug', 'none'):
                    continue
                first = base_config()
                first['loggers'] = {'a': {'level': 'INFO',
                                          'handlers': ['out']},
                                    'b': {'level': 'ERROR'}}
                first['root'] = {'level': 'WARNING', 'handlers': ['err']}
                second = {'version': 1, 'incremental': True,
                          'formatters': {'other': {'format': 'NEW %(message)s'}}}
                if handlers:
                    second['handlers'] = handlers
                if loggers:
                    second['loggers'] = loggers
                if root:
                    second['root'] = root
                dict_scenario('dict_incremental_%s_%s_%s'
                              % (hname, lname, rname), second,
                              pre='''
                                  configure(C.dictConfig, %r)
                                  dump('first')
                              ''' % (first,))


PRE_EXISTING = ['a', 'a.b', 'a.b.c', 'ab', 'b', 'b.c', 'other', 'p.q.r']
DLE_CONFIGURED = {'none': [], 'a': ['a'], 'ab': ['a.b'],
                  'b_abc': ['b', 'a.b.c'], 'ab_sibling': ['ab'],
                  'placeholder': ['p', 'p.q']}


def gen_disable_existing():
    for cname, configured in DLE_CONFIGURED.items():
        for dle in (None, True, False):
            config = base_config()
            config['loggers'] = {n: {'level': 'INFO', 'handlers': ['out']}
                                 for n in configured}
            config['root'] = {'level': 'WARNING', 'handlers': ['err']}
            if dle is not None:
                config['disable_existing_loggers'] = dle
            pre = '\n'.join(
                ["for n in %r:" % (PRE_EXISTING,),
                 "    lg = L.getLogger(n)",
                 "    lg.setLevel('DEBUG')",
                 "    lg.propagate = n != 'b'",
                 "    lg.addHandler(L.StreamHandler(sys.stdout))",
                 "dump('before')"])
            dict_scenario('dict_dle_%s_%s' % (cname, dle), config, pre=pre,
                          exercise='exercise(NAMES + %r, short=True)'
                                   % (PRE_EXISTING,))


FIRST_CONFIGS = {
    'loggers_ab': {'loggers': {'a': {'level': 'DEBUG', 'handlers': ['out'],
                                     'filters': ['msg_o']},
                               'a.b': {'propagate': False,
                                       'handlers': ['err']},
                               'b': {'level': 'ERROR'}},
                   'root': {'level': 'INFO', 'handlers': ['out']}},
    'root_only': {'root': {'level': 'DEBUG', 'handlers': ['err'],
                           'filters': ['only_ab']}},
}
SECOND_CONFIGS = {
    'empty': {},
    'only_b': {'loggers': {'b': {'level': 'DEBUG', 'handlers': ['out']}}},
    'a_again': {'loggers': {'a': {'handlers': ['err']}},
                'root': {'level': 'WARNING'}},
}


def gen_second_call():
    for fname, first in FIRST_CONFIGS.items():
        for sname, second in SECOND_CONFIGS.items():
            for dle in (True, False):
                one = dict(base_config(), **first)
                two = dict(base_config(), **second)
                two['disable_existing_loggers'] = dle
                dict_scenario('dict_second_%s_%s_%s' % (fname, sname, dle),
                              two, pre='''
                                  configure(C.dictConfig, %r)
                                  dump('first')
                                  exercise(short=True)
                              ''' % (one,))

# ---------------------------------------------------------------------------
# F. dictConfig errors x prior state
# ---------------------------------------------------------------------------


def _with(section, value, base=None):
    config = base_config() if base is None else base
    config[section] = value
    return config


def _handler(**kwargs):
    spec = {'class': 'logging.StreamHandler', 'stream': STDOUT}
    spec.update(kwargs)
    return _with('handlers', {'out': spec, 'zz': {'class':
                                                  'logging.NullHandler'}},
                 dict(base_config(), root={'handlers': ['out']}))


DICT_ERRORS = {
    'handler_class_attr': _handler(**{'class': 'logging.NoSuchHandler'}),
    'handler_class_module': _handler(**{'class': 'nosuchmodule.Handler'}),
    'handler_class_submodule': _handler(**{'class':
                                           'logging.handlers.NoSuch'}),
    'handler_class_config_attr': _handler(**{'class': 'logging.config.NoSuch'}),
    'handler_class_class_attr': _handler(**{'class':
                                            'logging.StreamHandler.nosuch'}),
    'handler_class_missing': _with('handlers', {'out': {'level': 'INFO'}}),
    'handler_not_handler': _handler(**{'class': 'logging.Formatter'}),
    'handler_bad_kwarg': _handler(nosuch_kwarg=1),
    'handler_formatter_unknown': _handler(formatter='nope'),
    'handler_filter_unknown': _handler(filters=['nope']),
    'handler_filters_string': _handler(filters='abc'),
    'handler_level_name': _handler(level='LOUD'),
    'handler_level_float': _handler(level=1.5),
    'handler_level_list': _handler(level=[10]),
    'handler_not_dict': _with('handlers', {'out': 'logging.StreamHandler'}),
    'handlers_list': _with('handlers', ['out']),
    'handlers_string': _with('handlers', 'out'),
    'memory_target_unknown': _with('handlers', {'mem': {
        'class': 'logging.handlers.MemoryHandler', 'capacity': 2,
        'target': 'nosuch'}}),
    'formatter_style': _with('formatters', {'f': {'format': BASIC,
                                                  'style': 'x'}}),
    'formatter_validate': _with('formatters', {'f': {'format': '%(message)',
                                                     'validate': True}}),
    'formatter_not_dict': _with('formatters', {'f': '%(message)s'}),
    'formatters_list': _with('formatters', ['f']),
    'formatter_class': _with('formatters', {'f': {'class': 'nosuch.Fmt'}}),
    'formatter_factory_kw': _with('formatters', {'f': {
        '()': '__main__.fmt_picky', 'format': BASIC, 'datefmt': '%H'}}),
    'formatter_factory_broken': _with('formatters', {'f': {
        '()': '__main__.fmt_broken', 'format': BASIC}}),
    'formatter_factory_missing': _with('formatters', {'f': {
        '()': '__main__.no_such_factory'}}),
    'filter_factory_bad_kw': _with('filters', {'f': {
        '()': '__main__.MyFilter', 'nosuch': 1}}),
    'filter_not_dict': _with('filters', {'f': 'a.b'}),
    'filters_none': _with('filters', Code('None')),
    'logger_level': _with('loggers', {'a': {'level': 'LOUD'}}),
    'logger_handler_unknown': _with('loggers', {'a': {'handlers': ['out',
                                                                   'nope']}}),
    'logger_filter_unknown': _with('loggers', {'a': {'filters': ['nope']}}),
    'logger_not_dict': _with('loggers', {'a': 'DEBUG'}),
    'loggers_none': _with('loggers', Code('None')),
    'loggers_list': _with('loggers', ['a']),
    'root_level': _with('root', {'level': 'LOUD', 'handlers': ['out']}),
    'root_handler_unknown': _with('root', {'handlers': ['out', 'nope']}),
    'root_handlers_string': _with('root', {'handlers': 'out'}),
    'root_not_dict': _with('root', 'DEBUG'),
    'incremental_unknown': dict(base_config(), incremental=True,
                                handlers={'nope': {'level': 'INFO'}}),
    'incremental_logger_level': {'version': 1, 'incremental': True,
                                 'loggers': {'a': {'level': 'LOUD'}}},
    'incremental_root_level': {'version': 1, 'incremental': True,
                               'root': {'level': 'LOUD'}},
    'incremental_handler_level': {'version': 1, 'incremental': True,
                                  'handlers': {'out': {'level': 'LOUD'}}},
}


def gen_dict_errors():
    for ename, config in DICT_ERRORS.items():
        for prior in ('fresh', 'configured'):
            pre = ''
            if prior == 'configured':
                first = base_config()
                first['loggers'] = {'a': {'level': 'INFO',
                                          'handlers': ['out']},
                                    'pre.x': {'handlers': ['err']}}
                first['root'] = {'level': 'ERROR', 'handlers': ['err']}
                pre = ("L.getLogger('existing').setLevel('DEBUG')\n"
                       "configure(C.dictConfig, %r)\ndump('first')" % (first,))
            if isinstance(config, dict) and 'loggers' not in config:
                config = dict(config, loggers={
                    'a': {'level': 'DEBUG', 'handlers': ['out']}})
            dict_scenario('dict_error_%s_%s' % (ename, prior), config,
                          pre=pre, exercise='exercise(short=True)')

# ---------------------------------------------------------------------------
# G. fileConfig
# ---------------------------------------------------------------------------


def ini(sections):
    """Render [(section, [(key, value)...])...] as INI text."""
    parts = []
    for name, items in sections:
        parts.append('[%s]' % name)
        parts.extend('%s=%s' % (k, v) for k, v in items)
        parts.append('')
    return '\n'.join(parts)


def ini_config(handler=None, logger=None, formatter=None, root=None,
               loggers=('root', 'a'), extra=()):
    """A base INI configuration, with sections overridden."""
    handler = handler or [('class', 'StreamHandler'), ('level', 'NOTSET'),
                          ('formatter', 'std'), ('args', '(sys.stdout,)')]
    logger = logger or [('level', 'DEBUG'), ('handlers', 'h'),
                        ('qualname', 'a'), ('propagate', '0')]
    formatter = formatter or [('format', BASIC)]
    root = root or [('level', 'WARNING'), ('handlers', 'err')]
    sections = [('loggers', [('keys', ','.join(loggers))]),
                ('handlers', [('keys', 'h,err,tgt')]),
                ('formatters', [('keys', 'std,raw')]),
                ('logger_root', root),
                ('logger_a', logger),
                ('handler_h', handler),
                ('handler_err', [('class', 'StreamHandler'),
                                 ('formatter', 'raw'),
                                 ('args', '(sys.stderr,)')]),
                ('handler_tgt', [('class', 'StreamHandler'),
                                 ('formatter', 'raw'),
                                 ('args', '(sys.stdout,)')]),
                ('formatter_std', formatter),
                ('formatter_raw', [('format', 'R %(name)s %(message)s')])]
    sections.extend(extra)
    return ini(sections)


FILE_SOURCES = ['path', 'stream', 'parser']
if PY >= (3, 10):
    FILE_SOURCES.append('path_encoding')
FILE_DEFAULTS = {'logfile': 'app.log', 'tag': 'dflt'}


def file_body(text, source, extra_args='', pre=''):
    """Code that runs fileConfig on *text* from *source*."""
    lines = [textwrap.dedent(pre).strip(), 'text = %r' % (text,)]
    if source == 'path':
        lines += ["with open('logging.ini', 'w', encoding='utf-8') as f:",
                  "    f.write(text)",
                  "configure(C.fileConfig, 'logging.ini', %r%s)"
                  % (FILE_DEFAULTS, extra_args)]
    elif source == 'path_encoding':
        lines += ["with open('logging.ini', 'w', encoding='latin-1') as f:",
                  "    f.write(text)",
                  "configure(C.fileConfig, 'logging.ini', %r%s, "
                  "encoding='latin-1')" % (FILE_DEFAULTS, extra_args)]
    elif source == 'stream':
        lines += ["configure(C.fileConfig, io.StringIO(text), %r%s)"
                  % (FILE_DEFAULTS, extra_args)]
    elif source == 'parser':
        lines += ["cp = configparser.ConfigParser(%r)" % (FILE_DEFAULTS,),
                  "cp.read_string(text)",
                  "configure(C.fileConfig, cp%s)" % (extra_args,)]
    elif source == 'rawparser':
        lines += ["cp = configparser.RawConfigParser()",
                  "cp.read_string(text)",
                  "configure(C.fileConfig, cp%s)" % (extra_args,)]
    elif source == 'missing_path':
        lines += ["configure(C.fileConfig, 'no-such.ini'%s)" % (extra_args,)]
    else:
        raise AssertionError(source)
    lines += ['dump()', 'exercise()',
              "show_files('app.log', '%(logfile)s', 'rot.log')"]
    return '\n'.join(lines)


FILE_HANDLERS = {
    'stream_short': [('class', 'StreamHandler'), ('args', '(sys.stdout,)')],
    'stream_dotted': [('class', 'logging.StreamHandler'),
                      ('args', '(sys.stdout,)')],
    'stream_stderr': [('class', 'StreamHandler'), ('args', '(sys.stderr,)'),
                      ('level', 'INFO')],
    'stream_kwargs': [('class', 'StreamHandler'),
                      ('kwargs', "{'stream': sys.stdout}")],
    'stream_no_args': [('class', 'StreamHandler'), ('formatter', 'std')],
    'file_interp': [('class', 'FileHandler'),
                    ('args', "('%(logfile)s', 'a')"), ('formatter', 'std')],
    'file_kwargs': [('class', 'FileHandler'), ('args', "('%(logfile)s',)"),
                    ('kwargs', "{'mode': 'w', 'encoding': 'utf-8', "
                               "'delay': True}"), ('level', 'INFO')],
    'rotating_short': [('class', 'handlers.RotatingFileHandler'),
                       ('args', "('rot.log', 'a', 500, 2)"),
                       ('formatter', 'std')],
    'rotating_dotted': [('class', 'logging.handlers.RotatingFileHandler'),
                        ('args', "('rot.log',)"),
                        ('kwargs', "{'maxBytes': 400, 'backupCount': 1}")],
    'null': [('class', 'NullHandler')],
    'custom': [('class', '__main__.MyHandler'), ('args', '(sys.stdout,)'),
               ('kwargs', "{'tag': '%(tag)s'}"), ('formatter', 'std')],
    'memory': [('class', 'handlers.MemoryHandler'), ('args', '(3, ERROR)'),
               ('target', 'tgt'), ('formatter', 'std')],
    'memory_no_target': [('class', 'handlers.MemoryHandler'),
                         ('args', '(3,)')],
}


def gen_file_handlers():
    for hname, handler in FILE_HANDLERS.items():
        for source in FILE_SOURCES:
            scenario('file_handler_%s_%s' % (hname, source),
                     file_body(ini_config(handler=handler), source))
    for source in ('rawparser', 'path', 'stream'):
        scenario('file_interp_source_%s' % source,
                 file_body(ini_config(handler=FILE_HANDLERS['file_interp']),
                           source))


FILE_LOGGERS = {
    'prop0': [('level', 'DEBUG'), ('handlers', 'h'), ('qualname', 'a'),
              ('propagate', '0')],
    'prop1': [('level', 'INFO'), ('handlers', 'h'), ('qualname', 'a'),
              ('propagate', '1')],
    'prop_default': [('handlers', 'h'), ('qualname', 'a')],
    'qualname_child': [('level', 'DEBUG'), ('handlers', 'h'),
                       ('qualname', 'a.b'), ('propagate', '0')],
    'no_handlers': [('level', 'ERROR'), ('qualname', 'a')],
    'empty_handlers': [('level', 'ERROR'), ('qualname', 'b'),
                       ('handlers', '')],
    'two_handlers': [('level', 'NOTSET'), ('qualname', 'a'),
                     ('handlers', 'h, err')],
}
FILE_ROOTS = {
    'warning_err': [('level', 'WARNING'), ('handlers', 'err')],
    'debug_h': [('level', 'DEBUG'), ('handlers', 'h')],
    'no_level': [('handlers', 'err')],
}


def gen_file_loggers():
    number = 0
    for lname, logger in FILE_LOGGERS.items():
        for rname, root in FILE_ROOTS.items():
            source = FILE_SOURCES[number % len(FILE_SOURCES)]
            number += 1
            scenario('file_logger_%s_%s_%s' % (lname, rname, source),
                     file_body(ini_config(logger=logger, root=root), source))


FILE_FORMATTERS = {}
for _style, _fmt in (('%', BASIC), ('{', '{levelname}/{name}/{message}'),
                     ('$', '$levelname/$name/${message}')):
    for _cls in (None, 'logging.Formatter', '__main__.MyFormatter'):
        _items = [('format', _fmt), ('style', _style)]
        if _cls:
            _items.append(('class', _cls))
        if len(FILE_FORMATTERS) % 2:
            _items.append(('datefmt', '%H:%M:%S'))
        FILE_FORMATTERS['%s_%s' % (STYLE_NAMES[_style],
                                   (_cls or 'none').split('.')[-1])] = _items
FILE_FORMATTERS['asctime_datefmt'] = [('format', '%(asctime)s %(message)s'),
                                      ('datefmt', '%Y/%m/%d %H:%M')]
FILE_FORMATTERS['no_format'] = [('datefmt', '%H')]
FILE_FORMATTERS['interp_format'] = [('format', '%(tag)s %(message)s')]
FILE_FORMATTERS['bad_style'] = [('format', BASIC), ('style', 'x')]
FILE_FORMATTERS['bad_format'] = [('format', '%(message)'), ('style', '%')]
FILE_FORMATTERS['missing_class'] = [('format', BASIC),
                                    ('class', 'nosuch.Formatter')]
if PY >= (3, 12):
    FILE_FORMATTERS['defaults'] = [('format', '%(user)s %(message)s'),
                                   ('defaults', "{'user': 'anon'}")]
    FILE_FORMATTERS['defaults_brace'] = [('format', '{user} {message}'),
                                         ('style', '{'),
                                         ('defaults', "{'user': INFO}")]
    FILE_FORMATTERS['defaults_bad'] = [('format', BASIC),
                                       ('defaults', "nosuchname")]


def gen_file_formatters():
    number = 0
    for fname, formatter in FILE_FORMATTERS.items():
        source = FILE_SOURCES[number % len(FILE_SOURCES)]
        number += 1
        scenario('file_formatter_%s_%s' % (fname, source),
                 file_body(ini_config(formatter=formatter), source))


def gen_file_disable_existing():
    for dle in (None, True, False):
        for qualname in ('a', 'a.b', 'ab'):
            extra = '' if dle is None else ', disable_existing_loggers=%r' % dle
            pre = '\n'.join(
                ["for n in %r:" % (PRE_EXISTING,),
                 "    lg = L.getLogger(n)",
                 "    lg.setLevel('DEBUG')",
                 "    lg.propagate = n != 'b'",
                 "    lg.addHandler(L.StreamHandler(sys.stdout))",
                 "dump('before')"])
            text = ini_config(logger=[('level', 'INFO'), ('handlers', 'h'),
                                      ('qualname', qualname)])
            body = file_body(text, 'stream', extra, pre)
            body += '\nexercise(%r, short=True)' % (PRE_EXISTING,)
            scenario('file_dle_%s_%s' % (dle, qualname), body)
    # A second fileConfig after a dictConfig.
    scenario('file_after_dict', file_body(
        ini_config(), 'stream',
        pre="configure(C.dictConfig, %r)\ndump('first')" % (
            dict(base_config(), loggers={'a.b': {'level': 'DEBUG',
                                                 'handlers': ['out']},
                                         'x': {'handlers': ['err']}}),)))


NAMESPACE_EXPRS = ['sys', 'sys.stdout', 'os', 'os.devnull', 'io',
                   'io.StringIO()', 'time', 'threading', 'traceback',
                   'warnings', 'weakref', 're', 'collections', 'Template',
                   'WARNING', 'INFO + 1', 'handlers', 'handlers.MemoryHandler',
                   'config', 'StreamHandler', 'Formatter', 'root',
                   "'%(logfile)s'", "'%(tag)s-%%(x)s'", 'lastResort']


def gen_file_namespace():
    for number, expr in enumerate(NAMESPACE_EXPRS):
        handler = [('class', '__main__.ProbeHandler'),
                   ('args', '(%s,)' % expr),
                   ('kwargs', "{'kw': %s}" % expr)]
        scenario('file_namespace_%d' % number,
                 file_body(ini_config(handler=handler), 'stream'))


def _drop(section_name, text=None):
    text = text or ini_config()
    out, skip = [], False
    for line in text.split('\n'):
        if line.startswith('['):
            skip = line == '[%s]' % section_name
        if not skip:
            out.append(line)
    return '\n'.join(out)


FILE_ERRORS = {
    'no_formatters': (_drop('formatters'), 'stream'),
    'no_formatter_section': (_drop('formatter_std'), 'stream'),
    'no_handlers': (_drop('handlers'), 'stream'),
    'no_handler_section': (_drop('handler_h'), 'stream'),
    'no_loggers': (_drop('loggers'), 'stream'),
    'no_logger_root': (_drop('logger_root'), 'stream'),
    'no_logger_section': (_drop('logger_a'), 'stream'),
    'no_qualname': (ini_config(logger=[('level', 'INFO')]), 'stream'),
    'no_class': (ini_config(handler=[('args', '(sys.stdout,)')]), 'stream'),
    'bad_class': (ini_config(handler=[('class', 'NoSuchHandler')]), 'stream'),
    'bad_class_module': (ini_config(handler=[('class', 'nosuch.Handler')]),
                         'stream'),
    'bad_class_short_submodule': (ini_config(handler=[
        ('class', 'handlers.NoSuch')]), 'stream'),
    'bad_class_dotted_submodule': (ini_config(handler=[
        ('class', 'logging.handlers.NoSuch')]), 'stream'),
    'bad_args_syntax': (ini_config(handler=[('class', 'StreamHandler'),
                                            ('args', '(sys.stdout')]),
                        'stream'),
    'bad_args_name': (ini_config(handler=[('class', 'StreamHandler'),
                                          ('args', '(nosuchname,)')]),
                      'stream'),
    'bad_kwargs': (ini_config(handler=[('class', 'StreamHandler'),
                                       ('kwargs', "{'nosuch': 1}")]),
                   'stream'),
    'unknown_formatter': (ini_config(handler=[('class', 'StreamHandler'),
                                              ('formatter', 'nope')]),
                          'stream'),
    'handler_level': (ini_config(handler=[('class', 'StreamHandler'),
                                          ('level', 'LOUD')]), 'stream'),
    'logger_level': (ini_config(logger=[('level', 'LOUD'),
                                        ('qualname', 'a')]), 'stream'),
    'root_level': (ini_config(root=[('level', 'LOUD')]), 'stream'),
    'unknown_handler': (ini_config(logger=[('handlers', 'nope'),
                                           ('qualname', 'a')]), 'stream'),
    'bad_propagate': (ini_config(logger=[('qualname', 'a'),
                                         ('propagate', 'maybe')]), 'stream'),
    'memory_bad_target': (ini_config(handler=[
        ('class', 'handlers.MemoryHandler'), ('args', '(3,)'),
        ('target', 'nope')]), 'stream'),
    'bad_interpolation': (ini_config(handler=[
        ('class', 'FileHandler'), ('args', "('%(nosuch)s',)")]), 'stream'),
    'missing_file': ('', 'missing_path'),
    'empty_file': ('', 'path'),
    'empty_stream': ('', 'stream'),
    'garbage': ('this is not ini\n', 'stream'),
    'garbage_path': ('this is not ini\n', 'path'),
    'duplicate_section': (ini_config() + '\n[loggers]\nkeys=root\n',
                          'stream'),
}


def gen_file_errors():
    for ename, (text, source) in FILE_ERRORS.items():
        for prior in ('fresh', 'configured'):
            pre = ''
            if prior == 'configured':
                pre = ("L.getLogger('existing').setLevel('DEBUG')\n"
                       "configure(C.fileConfig, io.StringIO(%r), %r)\n"
                       "dump('first')" % (ini_config(), FILE_DEFAULTS))
            scenario('file_error_%s_%s' % (ename, prior),
                     file_body(text, source, pre=pre))

# ---------------------------------------------------------------------------
# H. listen / stopListening
# ---------------------------------------------------------------------------


LISTEN_BODY = '''
def send(port, payload):
    with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
        s.sendall(struct.pack('>L', len(payload)) + payload)

t = C.listen(0, verify=%(verify)s)
t.daemon = True
t.start()
print('ready', t.ready.wait(10))
port = t.port
print('bound', isinstance(port, int) and port > 0)
t.ready.clear()
send(port, %(payload)s)
print('handled', t.ready.wait(10))
C.stopListening()
t.join(10)
print('stopped', not t.is_alive())
dump()
exercise()
'''

LISTEN_DICT = dict(base_config(), loggers={'a': {'level': 'DEBUG',
                                                 'handlers': ['out']}},
                   root={'level': 'INFO', 'handlers': ['err']})


def gen_listen():
    json_payload = 'json.dumps(%r).encode()' % (LISTEN_DICT,)
    ini_payload = '%r.encode()' % (ini_config(),)
    cases = {
        'json': (json_payload, 'None'),
        'ini': (ini_payload, 'None'),
        'json_verify_identity': (json_payload, 'lambda b: b'),
        'json_verify_reject': (json_payload, 'lambda b: None'),
        'ini_verify_transform': ('%s[::-1]' % ini_payload,
                                 'lambda b: b[::-1]'),
        'bad_json_dict': ('json.dumps({"version": 2}).encode()', 'None'),
        'garbage': ("b'neither json nor ini'", 'None'),
    }
    for cname, (payload, verify) in cases.items():
        scenario('listen_%s' % cname, LISTEN_BODY % {'payload': payload,
                                                     'verify': verify})


for _generate in (gen_versions, gen_formatters, gen_formatter_classes,
                  gen_formatter_factories, gen_formatter_defaults,
                  gen_filters, gen_handlers, gen_cfg_refs,
                  gen_queue_handlers, gen_loggers, gen_incremental,
                  gen_disable_existing, gen_second_call, gen_dict_errors,
                  gen_file_handlers, gen_file_loggers, gen_file_formatters,
                  gen_file_disable_existing, gen_file_namespace,
                  gen_file_errors, gen_listen):
    _generate()

SCENARIOS = list(_SCENARIOS)

# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------

_RUNS = []


def runs():
    if not _RUNS:
        _RUNS.append(differential.run_pair(SCENARIOS))
    return _RUNS[0]


def test_enough_cases():
    assert len(SCENARIOS) >= 300


def test_runs_completed():
    for run in runs():
        assert all(case.rc != '?' for case in run.cases), run.stderr_tail


# Real differences found by these scenarios, kept visible (strict xfail:
# a fix makes them XPASS, i.e. fail, until the entry is removed).
KNOWN_DIFFERENCES = {}


def _params():
    params = []
    for index, s in enumerate(SCENARIOS):
        marks = [pytest.mark.xfail(strict=True, reason=reason)
                 for prefixes, reason in KNOWN_DIFFERENCES.values()
                 if s.name.startswith(tuple(prefixes))]
        params.append(pytest.param(index, id=s.name, marks=marks))
    return params


@pytest.mark.parametrize('index', _params())
def test_same_behaviour(index):
    stdlib_run, atto_run = runs()
    expected = stdlib_run.cases[index]
    # The scenario itself must have run to its end under the stdlib (an
    # error in the scenario must not pass by failing identically twice).
    assert expected.rc == '0' and expected.stdout.rstrip().endswith('DONE'), (
        expected.stdout[-2000:] + expected.stderr[-2000:])
    differential.compare_case(index, stdlib_run, atto_run)
