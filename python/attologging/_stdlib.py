"""attologging._stdlib -- run a submodule of the standard library's
``logging`` package against attologging.

``logging.config`` and the pure-Python handlers of ``logging.handlers`` are
plain Python written against the ``logging`` API.  attologging provides that
API (its classes, its private helpers ``_handlers``, ``_handlerList``,
``_checkLevel``, ``_lock``...), so instead of re-implementing roughly a
thousand lines whose exact behaviour -- schema, retry rules, error types and
messages, what a failed call leaves behind -- changes from one Python
version to the next, attologging runs the interpreter's own copy of that
code with the name ``logging`` bound to attologging:

* the code object is loaded from the standard library's ``logging`` package
  directory (from source or from a sourceless ``.pyc``, whichever the
  installation has), never from ``sys.modules``, and never through
  attologging's own import hook;
* it is executed in the namespace of the attologging module that exposes
  it (``attologging.config``, ``attologging.handlers``), whose
  ``__builtins__`` carry an ``__import__`` that maps ``logging`` and
  ``logging.X`` to ``attologging`` and ``attologging.X``.  That one mapping
  covers the module's own ``import logging``, the configurators' class
  resolution (``'logging.handlers.RotatingFileHandler'`` names attologging's
  class) and ``ext://logging...`` references.

So the behaviour is, by construction, the running Python version's.  The
code runs unchanged; nothing of it is copied into this package.
"""

import builtins
import importlib.machinery
import os

_PACKAGE = __name__.rpartition('.')[0]   # 'attologging'


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    """``__import__`` with ``logging[.X]`` meaning ``attologging[.X]``."""
    if level == 0 and (name == 'logging' or name.startswith('logging.')):
        target = _PACKAGE + name[len('logging'):]
        try:
            return builtins.__import__(target, globals, locals, fromlist, 0)
        except ModuleNotFoundError as exc:
            if exc.name is None or not exc.name.startswith(_PACKAGE):
                raise
            # Name the modules the configuration named, as the stdlib
            # would: "No module named 'logging.nosuch'", "...; 'logging.
            # handlers' is not a package".
            missing = 'logging' + exc.name[len(_PACKAGE):]
            text = str(exc).replace("'%s." % _PACKAGE, "'logging.").replace(
                "'%s'" % _PACKAGE, "'logging'")
            suppress = exc.__suppress_context__
        # Raised out here, so that its context is what the caller was
        # handling (as for the stdlib's own import), not the renamed error;
        # the import system suppresses that context for some messages.
        renamed = ModuleNotFoundError(text, name=missing)
        if suppress:
            raise renamed from None
        raise renamed
    return builtins.__import__(name, globals, locals, fromlist, level)


def _builtins():
    namespace = dict(vars(builtins))
    namespace['__import__'] = _import
    return namespace


def _stdlib_logging_dirs():
    """Where the standard library's ``logging`` package may be: next to
    ``os`` first, then wherever ``sys.path`` has it (a zipped stdlib)."""
    spec = importlib.machinery.PathFinder.find_spec(
        'logging', [os.path.dirname(os.__file__)])
    if spec is None:
        spec = importlib.machinery.PathFinder.find_spec('logging')
    if spec is None or not spec.submodule_search_locations:
        return []
    return list(spec.submodule_search_locations)


def _code(submodule):
    dirs = _stdlib_logging_dirs()
    spec = importlib.machinery.PathFinder.find_spec(submodule, dirs)
    code = None
    if spec is not None and spec.loader is not None:
        code = spec.loader.get_code(spec.name)
    if code is None:
        raise ImportError(
            '%s.%s runs the standard library\'s logging/%s.py, which this '
            'Python installation does not have (looked in %s)'
            % (_PACKAGE, submodule, submodule, os.pathsep.join(dirs) or
               'no logging package found'), name='%s.%s' % (_PACKAGE, submodule))
    return code


def run(submodule, namespace):
    """Execute the stdlib's ``logging/<submodule>.py`` in *namespace* (the
    globals of the attologging module that exposes it).

    The module keeps its own ``__doc__``; everything the stdlib module
    defines becomes an attribute of it.
    """
    doc = namespace.get('__doc__')
    namespace['__builtins__'] = _builtins()
    exec(_code(submodule), namespace)
    namespace['__doc__'] = doc
    return namespace


__all__ = ['run']
