"""attologging.config -- the counterpart of ``logging.config``:
``dictConfig``, ``fileConfig``, ``listen`` and ``stopListening``, and the
configurator classes behind them (``DictConfigurator``,
``BaseConfigurator``, ``ConvertingDict``...).

This is the running Python version's own ``logging/config.py``, executed
against attologging (see ``attologging._stdlib``): every configuration the
standard library accepts is accepted, every one it rejects is rejected with
the same exception type at the same point, and a failed call leaves what the
standard library would leave.  Class paths name attologging's classes:
``'logging.StreamHandler'`` is ``attologging.StreamHandler`` and
``'logging.handlers.RotatingFileHandler'`` is
``attologging.handlers.RotatingFileHandler``, whether or not
``attologging.install()`` is in effect; any other class (a third-party
handler, formatter or filter, including subclasses of the standard library's
``logging.Handler``) is used as it is.  See docs/configuration.md.
"""

from . import _stdlib

_stdlib.run('config', globals())
del _stdlib
