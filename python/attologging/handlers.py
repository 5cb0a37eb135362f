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

``RotatingFileHandler`` is then specialised: its file is an engine sink
that decides rotation on the consumer thread, record by record, so its
records can take the native route (see docs/handlers.md).  The other file
handlers decide rotation and reopening from the Python stream's position
and the file's inode, so they write synchronously through that stream
(``_engine_io = False``).
"""

import codecs as _codecs
import functools as _functools
import math as _math
import weakref as _weakref

from . import _runtime, _stdlib

_stdlib.run('handlers', globals())
del _stdlib

TimedRotatingFileHandler._engine_io = False
WatchedFileHandler._engine_io = False

_StdlibRotatingFileHandler = RotatingFileHandler

# The stdlib's shouldRollover() leaves an empty file alone from 3.13 (and
# 3.12.6): that version reads the position into a local ``pos`` first.
_ROTATE_EMPTY = 'pos' not in _StdlibRotatingFileHandler.shouldRollover.__code__.co_varnames

# Error handlers whose output is valid UTF-8 (the engine writes UTF-8 text).
_UTF8_SAFE_ERRORS = (None, 'strict', 'replace', 'ignore', 'backslashreplace',
                     'xmlcharrefreplace', 'namereplace')


class RotatingFileHandler(_StdlibRotatingFileHandler):
    """Size-based rotation, as ``logging.handlers.RotatingFileHandler``.

    When the file can be an engine sink -- UTF-8 text, mode 'a' (or 'w'
    without rotation), no ``namer``/``rotator``, and a class that keeps
    the rotation methods -- ``stream`` is an ``_runtime.SinkStream``: the
    consumer thread writes the file and rolls it over before any record
    that would take it to ``maxBytes``, where the stdlib would.  Otherwise
    the stdlib's own logic runs in the calling thread, writing
    synchronously through a Python file.
    """

    def __init__(self, filename, mode='a', maxBytes=0, backupCount=0,
                 encoding=None, delay=False, errors=None):
        # The limits are the sink's settings: known before the file opens.
        self.maxBytes, self.backupCount = maxBytes, backupCount
        _StdlibRotatingFileHandler.__init__(
            self, filename, mode=mode, maxBytes=maxBytes,
            backupCount=backupCount, encoding=encoding, delay=delay,
            errors=errors)

    @property
    def _engine_io(self):
        return type(self.__dict__.get('stream')) is _runtime.SinkStream

    def _engine_capable(self, stream):
        """Can *stream*'s file be (or stay) an engine sink?"""
        cls = type(self)
        return (self.namer is None and self.rotator is None
                and all(getattr(cls, n) is getattr(RotatingFileHandler, n)
                        for n in _ROTATION_METHODS)
                and _sink_limits(self) is not None
                and self.mode in ('a', 'w')
                and self.errors in _UTF8_SAFE_ERRORS
                and _is_utf8(getattr(stream, 'encoding', None))
                and _runtime.engine() is not None)

    def _open(self):
        """The file: an engine sink when the handler allows it, else the
        Python file the stdlib opens."""
        return self._open_file(self.mode)

    def _open_file(self, mode):
        # Opened by Python first: failures raise exactly what open() raises,
        # and the stream tells the encoding that 'locale' or None resolve to.
        opener = self.__dict__.get('_builtin_open', open)
        stream = opener(self.baseFilename, mode, encoding=self.encoding,
                        errors=self.errors)
        if not self._engine_capable(stream):
            return stream
        encoding = stream.encoding
        stream.close()
        ref = _weakref.ref(self)
        return _runtime.SinkStream(self.baseFilename, mode, encoding,
                                   self.errors, lambda: _sink_spec(ref()))

    def emit(self, record):
        """Write *record*; rotation is the consumer's (engine sink) or the
        stdlib's (Python file), whichever the handler's settings allow."""
        stream = self.stream
        if stream is not None and (type(stream) is _runtime.SinkStream) \
                != self._engine_capable(stream):
            self._reopen()   # namer or rotator set, limits or engine changed
        if self._engine_io:
            logging.FileHandler.emit(self, record)
        else:
            _StdlibRotatingFileHandler.emit(self, record)

    def doRollover(self):
        """Roll over now: what was logged before the call is in the backup
        when this returns."""
        stream = self.stream
        # Without backups the stdlib only reopens the file, which truncates
        # it in mode 'w': that path is left to the stdlib's code.
        if type(stream) is _runtime.SinkStream and self._engine_capable(stream) \
                and (self.backupCount > 0 or self.mode != 'w'):
            sink, e = stream.sink_id(), _runtime.engine()
            if sink is not None and e is not None:
                e.roll_over_sink(sink)
                return
        _StdlibRotatingFileHandler.doRollover(self)

    def _reopen(self):
        """Switch between engine sink and Python file (appending: what
        mode 'w' truncates is truncated once, when the handler opens)."""
        with logging._io_locked(self):
            stream, self.stream = self.stream, None
            if stream is not None:
                stream.flush()
                stream.close()
            self.stream = self._open_file('a')


_ROTATION_METHODS = ('shouldRollover', 'doRollover', 'rotate',
                     'rotation_filename', '_open', 'emit')


def _sink_limits(handler):
    """(maxBytes, backupCount) as the sink's integers, or None if the
    values are of a kind only the stdlib's comparisons handle."""
    max_bytes, backups = handler.maxBytes, handler.backupCount
    if type(max_bytes) is float and _math.isfinite(max_bytes):
        max_bytes = _math.ceil(max_bytes)   # pos + len >= 1e6.5 <=> >= ceil
    if type(max_bytes) is not int or type(backups) is not int:
        return None
    return (min(max(max_bytes, 0), 2**63 - 1), min(max(backups, 0), 2**32 - 1))


def _sink_spec(handler):
    """The rotating sink's settings, read from the handler on each use."""
    limits = _sink_limits(handler) if handler is not None else None
    delay = bool(handler.delay) if handler is not None else False
    return (limits or (0, 0)) + (_ROTATE_EMPTY, delay)


@_functools.lru_cache(maxsize=None)
def _is_utf8(encoding):
    try:
        return encoding is not None and _codecs.lookup(encoding).name == 'utf-8'
    except LookupError:
        return False
