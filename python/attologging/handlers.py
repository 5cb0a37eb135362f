"""attologging.handlers -- the counterpart of ``logging.handlers``.

Every class and constant of the standard library's ``logging.handlers``
(WatchedFileHandler, RotatingFileHandler, TimedRotatingFileHandler,
SocketHandler, DatagramHandler, SysLogHandler, SMTPHandler,
NTEventLogHandler, HTTPHandler, BufferingHandler, MemoryHandler,
QueueHandler, QueueListener, DEFAULT_TCP_LOGGING_PORT...) with the running
Python version's exact behaviour: this is that version's own
``logging/handlers.py``, executed against attologging (see
``attologging._stdlib``), so each class is a subclass of
``attologging.Handler`` (or ``FileHandler``/``StreamHandler``) and takes the
compatible route.

The file handlers here decide rotation and reopening from the Python
stream's position and the file's inode, so they write synchronously through
that stream (``_engine_io = False``) rather than through the engine's
consumer thread, whose writes land later.
"""

from . import _stdlib

_stdlib.run('handlers', globals())
del _stdlib

BaseRotatingHandler._engine_io = False
WatchedFileHandler._engine_io = False
