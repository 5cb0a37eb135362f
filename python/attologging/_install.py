"""attologging._install -- make ``import logging`` give attologging.

``attologging.install()`` switches the running interpreter over: from then
on ``import logging``, ``import logging.handlers`` and ``import
logging.config`` return ``attologging``, ``attologging.handlers`` and
``attologging.config``.  ``attologging.is_installed()`` tells whether that is
in effect.  See docs/install.md for the user-facing description.

How it works:

* ``sys.modules['logging']`` is set to the ``attologging`` package, and any
  ``logging.*`` submodule entries left by the standard library are removed.
* A meta path finder (first on ``sys.meta_path``) maps ``logging`` and
  ``logging.X`` to ``attologging`` and ``attologging.X``, so submodules are
  aliased lazily (``install()`` imports nothing beyond this package) and an
  ``import logging`` after someone deleted ``sys.modules['logging']`` still
  gives attologging.  The alias loader swaps the real module into
  ``sys.modules`` during ``exec_module``; the import system then returns
  that module (it re-reads ``sys.modules`` after loading) and binds it as
  an attribute of the parent, so ``logging.handlers is attologging.handlers``.
* If the standard library's ``logging`` was imported before, its state is
  taken over (see ``_take_over``): configuration moves onto the attologging
  loggers, and the stdlib's logger objects (which modules may hold in
  globals) are turned into forwarding proxies of their attologging
  counterparts.

This module must not import the standard library's ``logging`` (directly or
through other modules) and must stay cheap to import: it is imported by
``attologging/__init__.py`` and, with ``ATTOLOGGING_INSTALL=1``, at every
interpreter start-up.
"""

import sys

_installed = False

# How many logger names the take-over warning spells out.
_MAX_NAMED_LOGGERS = 20


_PACKAGE = __name__.rpartition('.')[0]   # 'attologging'


def _package():
    return sys.modules[_PACKAGE]


# ---------------------------------------------------------------------------
# The import hook
# ---------------------------------------------------------------------------

class _AliasLoader(object):
    """Loads ``logging[.X]`` by importing ``attologging[.X]`` in its place."""

    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return None  # a throw-away module; exec_module() replaces it

    def exec_module(self, module):
        import importlib
        real = importlib.import_module(self.target)
        # The import system re-reads sys.modules after exec_module() and
        # returns (and binds on the parent package) whatever is there.
        sys.modules[module.__spec__.name] = real


class _AliasFinder(object):
    """Meta path finder: ``logging[.X]`` -> ``attologging[.X]``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == 'logging':
            target_name = _PACKAGE
        elif fullname.startswith('logging.'):
            target_name = _PACKAGE + fullname[len('logging'):]
        else:
            return None
        if not _installed:
            return None
        import importlib.machinery
        import importlib.util
        origin = None
        real = sys.modules.get(target_name)
        if real is None:
            try:
                real_spec = importlib.util.find_spec(target_name)
            except (ImportError, ValueError):
                real_spec = None
            if real_spec is None:
                return None  # "No module named 'logging.X'", as before
            origin = real_spec.origin
        else:
            origin = getattr(getattr(real, '__spec__', None), 'origin', None)
        return importlib.machinery.ModuleSpec(
            fullname, _AliasLoader(target_name), origin=origin)

    def invalidate_caches(self):
        pass

    def __repr__(self):
        return '<attologging import alias: logging -> attologging>'


_finder = _AliasFinder()


# ---------------------------------------------------------------------------
# install() / is_installed()
# ---------------------------------------------------------------------------

def install():
    """Make ``import logging`` (and ``logging.handlers``, ``logging.config``)
    return attologging's modules, for the rest of the process.

    Idempotent; returns None.  If the standard library's ``logging`` was
    imported already, its configuration is moved over (a RuntimeWarning
    names the loggers whose configuration moved) and its logger objects
    forward to attologging from then on.  See docs/install.md.
    """
    global _installed
    atto = _package()
    previous = sys.modules.get('logging')
    if (_installed and previous is atto
            and any(f is _finder for f in sys.meta_path)):
        return None
    std = None
    std_lock = _NullContext()
    if (previous is not None and previous is not atto
            and _looks_like_stdlib_logging(previous)):
        std = previous
        std_lock = getattr(std, '_lock', None) or std_lock
    # Lock order: the stdlib's, then ours, as when stdlib code that holds
    # its lock (stdlib logging.config, say) reaches us through a proxy.
    with std_lock, atto._lock:
        report = None
        if std is not None:
            report = _take_over(std, atto)
        _alias_modules(atto)
        if not any(f is _finder for f in sys.meta_path):
            sys.meta_path.insert(0, _finder)
        _installed = True
    if report:
        import warnings
        warnings.warn(report, RuntimeWarning, stacklevel=2)
    return None


def is_installed():
    """True if install() has run and ``sys.modules['logging']`` is still
    attologging (so ``import logging`` gives attologging)."""
    return _installed and sys.modules.get('logging') is _package()


def _alias_modules(atto):
    """Point ``sys.modules['logging']`` and ``logging.*`` at attologging."""
    prefix = atto.__name__ + '.'
    for name in [n for n in list(sys.modules) if n.startswith('logging.')]:
        real = sys.modules.get(prefix + name[len('logging.'):])
        if real is not None:
            sys.modules[name] = real
        else:
            # The stdlib's submodule, or a failed import: forget it, the
            # finder aliases the name on the next import.
            sys.modules.pop(name, None)
    sys.modules['logging'] = atto


def _startup_hook():
    """Called by attologging_install.pth when ATTOLOGGING_INSTALL is set."""
    try:
        install()
    except Exception as exc:  # never prevent the interpreter from starting
        sys.stderr.write('attologging: ATTOLOGGING_INSTALL is set but '
                         'install() failed: %s: %s\n'
                         % (type(exc).__name__, exc))


# ---------------------------------------------------------------------------
# Taking over an already imported standard library logging
# ---------------------------------------------------------------------------

def _looks_like_stdlib_logging(mod):
    try:
        manager = mod.Logger.manager
        return (isinstance(mod.Logger, type)
                and isinstance(manager.loggerDict, dict)
                and isinstance(manager.root, mod.Logger)
                and isinstance(mod._levelToName, dict)
                and isinstance(mod._nameToLevel, dict))
    except Exception:
        return False


def _is_proxy(obj):
    return getattr(type(obj), '_attologging_proxy_class', False)


class _NullContext(object):
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


def _take_over(std, atto):
    """Move the stdlib's configuration onto attologging and redirect it.

    Returns the text of the warning to emit, or None if no configuration
    had to be moved.
    """
    manager = std.Logger.manager
    moved = []
    notes = []
    # Called with the stdlib's lock and ours held.
    # Level names: merge the stdlib's custom names, then share the
    # tables so that addLevelName()/getLevelName() agree on both sides.
    for level, name in list(std._levelToName.items()):
        if level not in atto._levelToName:
            atto.addLevelName(level, name)
    for name, level in list(std._nameToLevel.items()):
        atto._nameToLevel.setdefault(name, level)
    std._levelToName = atto._levelToName
    std._nameToLevel = atto._nameToLevel

    std_disable = getattr(manager, 'disable', 0)
    if std_disable and std_disable > atto.root.manager.disable:
        atto.disable(std_disable)
        notes.append('logging.disable(%s)' % (std_disable,))

    for name, logger in list(manager.loggerDict.items()):
        if not isinstance(logger, std.Logger) or _is_proxy(logger):
            continue  # PlaceHolder, or taken over before
        if not isinstance(name, str) or logger is manager.root:
            continue
        target = atto.getLogger(name)
        if _move_logger(std, logger, target, std.NOTSET):
            moved.append(name)
        if not _redirect(logger, target):
            notes.append('logger %r of class %s (not redirected)'
                         % (name, type(logger).__qualname__))

    std_root = manager.root
    if not _is_proxy(std_root):
        if _move_logger(std, std_root, atto.root, std.WARNING):
            moved.insert(0, 'root')
        if not _redirect(std_root, atto.root):
            notes.append('a root logger of class %s (not redirected)'
                         % (type(std_root).__qualname__,))

    # logging.captureWarnings(True) done through the stdlib: hand it over
    # (unless someone wrapped warnings.showwarning since).
    import warnings
    if (getattr(std, '_warnings_showwarning', None) is not None
            and warnings.showwarning is getattr(std, '_showwarning', None)):
        std.captureWarnings(False)
        atto.captureWarnings(True)

    # Loggers the stdlib creates from now on are proxies too.
    manager.getLogger = _make_stdlib_getLogger(std, atto)
    std.basicConfig = atto.basicConfig

    factory = getattr(std, '_logRecordFactory', None)
    if factory is not None and factory is not std.LogRecord:
        notes.append('a custom LogRecord factory (%r, not moved)'
                     % (factory,))
    klass = getattr(std, '_loggerClass', None)
    if klass is not None and klass is not std.Logger:
        notes.append('a custom Logger class (%s, not moved)'
                     % (getattr(klass, '__qualname__', klass),))
    atto.root.manager._clear_cache()

    if not moved and not notes:
        return None
    text = ('attologging.install(): the standard library\'s logging module '
            'was already configured; its configuration was moved to '
            'attologging')
    if moved:
        shown = moved[:_MAX_NAMED_LOGGERS]
        text += ' for logger%s %s' % ('s' if len(moved) > 1 else '',
                                       ', '.join(repr(n) for n in shown))
        if len(moved) > len(shown):
            text += ' and %d more' % (len(moved) - len(shown))
    if notes:
        text += '; also found: ' + ', '.join(notes)
    text += ('.  Call attologging.install() before anything imports '
             'logging (or use ATTOLOGGING_INSTALL=1 or '
             '"python -m attologging") to avoid this.')
    return text


def _move_logger(std, src, dst, default_level):
    """Copy *src*'s configuration onto *dst*; True if any was not default
    (a NullHandler alone does not count: moving it changes nothing)."""
    configured = False
    level = src.level
    if level != default_level:
        dst.setLevel(level)
        configured = True
    if not src.propagate:
        dst.propagate = False
        configured = True
    if src.disabled:
        dst.disabled = True
        configured = True
    for flt in list(src.filters):
        if flt not in dst.filters:
            dst.addFilter(flt)
        configured = True
    for hdlr in list(src.handlers):
        if hdlr not in dst.handlers:
            dst.addHandler(hdlr)
        if not isinstance(hdlr, std.NullHandler):
            configured = True
    return configured


# Attributes of a proxy that stay on the proxy itself.
_OWN_ATTRIBUTES = frozenset(('_attologging_target',))

_proxy_classes = {}


def _proxy_class(base):
    """A subclass of the stdlib logger class *base* whose instances forward
    every attribute (read, write, delete) to an attologging logger."""
    try:
        return _proxy_classes[base]
    except KeyError:
        pass
    std = sys.modules.get(base.__module__)
    stdlib_classes = set()
    if std is not None and isinstance(getattr(std, 'Logger', None), type):
        stdlib_classes = set(std.Logger.__mro__)
        stdlib_classes.update(getattr(std, 'RootLogger', std.Logger).__mro__)
    # Names a user-defined subclass adds or overrides keep resolving on the
    # proxy (their code then calls the forwarded methods).
    own = set(_OWN_ATTRIBUTES)
    for klass in base.__mro__:
        if klass not in stdlib_classes:
            own.update(vars(klass))
    own = frozenset(own)

    def __getattribute__(self, name):
        if name in own or name[:2] == '__':
            return object.__getattribute__(self, name)
        target = object.__getattribute__(self, '_attologging_target')
        try:
            return getattr(target, name)
        except AttributeError:
            return object.__getattribute__(self, name)

    def __setattr__(self, name, value):
        if name in own or name[:2] == '__':
            object.__setattr__(self, name, value)
        else:
            setattr(object.__getattribute__(self, '_attologging_target'),
                    name, value)

    def __delattr__(self, name):
        if name in own or name[:2] == '__':
            object.__delattr__(self, name)
        else:
            delattr(object.__getattribute__(self, '_attologging_target'),
                    name)

    def __reduce__(self):
        target = object.__getattribute__(self, '_attologging_target')
        return target.__reduce__()

    namespace = {
        '__slots__': (),
        '__module__': __name__,
        '__doc__': ('A %s of the standard library that forwards to the '
                    'attologging logger of the same name (made by '
                    'attologging.install()).' % base.__name__),
        '__getattribute__': __getattribute__,
        '__setattr__': __setattr__,
        '__delattr__': __delattr__,
        '__reduce__': __reduce__,
        '_attologging_proxy_class': True,
    }
    cls = type(base.__name__, (base,), namespace)
    cls.__qualname__ = base.__qualname__
    _proxy_classes[base] = cls
    return cls


def _redirect(std_logger, target):
    """Turn the stdlib logger object *std_logger* into a proxy of *target*
    in place (modules may hold it in globals, so its identity must stay).
    False if its class does not allow that."""
    try:
        cls = _proxy_class(type(std_logger))
        object.__setattr__(std_logger, '_attologging_target', target)
        std_logger.__class__ = cls
    except (TypeError, AttributeError):  # an exotic class: leave it be
        return False
    return True


def _make_stdlib_getLogger(std, atto):
    """Replacement for the stdlib Manager.getLogger: a proxy of the
    attologging logger of that name (one proxy object per name)."""
    manager = std.Logger.manager
    plain_class = _proxy_class(std.Logger)
    std_lock = getattr(std, '_lock', None) or _NullContext()

    def getLogger(name):
        target = atto.Logger.manager.getLogger(name)  # validates the name
        if target is atto.root:
            return manager.root
        with std_lock:
            existing = manager.loggerDict.get(name)
            if (_is_proxy(existing) and object.__getattribute__(
                    existing, '_attologging_target') is target):
                return existing
            proxy = object.__new__(plain_class)
            object.__setattr__(proxy, '_attologging_target', target)
            manager.loggerDict[name] = proxy
            return proxy

    getLogger.__doc__ = ('stdlib logging.Logger.manager.getLogger, '
                         'redirected to attologging by '
                         'attologging.install()')
    return getLogger
