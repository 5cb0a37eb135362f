"""attologging.handlers -- the counterpart of ``logging.handlers``.

Status: placeholder.  The handler family of the standard library's
``logging.handlers`` (WatchedFileHandler, RotatingFileHandler,
TimedRotatingFileHandler, SocketHandler, DatagramHandler, SysLogHandler,
SMTPHandler, NTEventLogHandler, HTTPHandler, BufferingHandler,
MemoryHandler, QueueHandler, QueueListener and their constants) will be
implemented here, on top of ``attologging.Handler`` and the Rust engine's
sinks, in a later step.

Nothing is defined yet, and the stdlib's classes are deliberately *not*
re-exported: a stdlib handler subclasses ``logging.Handler``, not
``attologging.Handler``, so mixing them in would silently bypass this
package.  ``attologging`` itself does not need anything from this module
(``StreamHandler``, ``FileHandler``, ``NullHandler`` and the last-resort
handler live in ``attologging/__init__.py``, as they do in the stdlib).
"""
