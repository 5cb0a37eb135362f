"""The process's engine and the OS files it writes to.

One engine (``attologging._native.Engine``) per process, created on first
use.  Handlers whose stream is an OS file with UTF-8 text (stderr, stdout,
the file a FileHandler opened) hand their output to it: records on the
native route are formatted on its consumer thread, records formatted in
Python (the compatible route) are queued as finished text on the same ring,
so one file sees one ordered sequence either way.

Each distinct file -- identified by (device, inode), so stdout and stderr on
one terminal are one file -- is one engine sink writing through its own
duplicate of the descriptor; the Python stream stays the caller's.

A forked child gets a fresh engine: the parent's consumer thread does not
exist in the child, so the inherited engine is abandoned (never written to,
never shut down) and what it still held is written by the parent alone.
"""

import atexit
import codecs
import functools
import io
import os
import sys
import threading

from . import _native

_lock = threading.Lock()
_engine = None
_epoch = 0              # increases when a forked child replaces the engine
_start_time = None      # logging._startTime, for relativeCreated
_sinks = {}             # (dev, ino) -> [sink id, duplicated fd, users]
_raw_routes = {}        # sink id -> route that writes finished text
_closed = False         # after interpreter exit began: write synchronously


def configure(start_time):
    """Called once by the package with ``_startTime``."""
    global _start_time
    _start_time = start_time


def engine():
    """The engine of this process, created on first use; None after exit."""
    e = _engine
    if e is None and not _closed:
        with _lock:
            e = _engine
            if e is None:
                e = _create()
    return e


def _create():
    global _engine
    _engine = _native.Engine(start=_start_time,
                             version=tuple(sys.version_info[:3]))
    # os._exit() skips atexit: forked children (multiprocessing's
    # included) end with it, so it drains first.
    if getattr(os._exit, '__wrapped__', None) is None:
        os._exit = _flush_then(os._exit)
    # Records logged before an uncaught exception precede its traceback.
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _flush_then(sys.excepthook)
    if threading.excepthook is getattr(threading, '__excepthook__', None):
        threading.excepthook = _flush_then(threading.excepthook)
    return _engine


def flush():
    """Return once everything logged so far is written."""
    e = _engine
    if e is not None:
        e.flush()


@functools.lru_cache(maxsize=None)
def is_utf8(encoding):
    """Does *encoding* name UTF-8, the text the engine writes?"""
    try:
        return codecs.lookup(encoding).name == 'utf-8'
    except (LookupError, TypeError):
        return False


def _stream_file(stream):
    """(fd, (dev, ino)) of a stream the engine can write for, else None.

    Only text streams over an OS file that encode UTF-8: anything else
    (StringIO, pytest's capture, other encodings) is written by Python.
    """
    if type(stream) is not io.TextIOWrapper:
        return None
    try:
        if stream.closed or not stream.writable():
            return None
        if not is_utf8(stream.encoding):
            return None
        fd = stream.fileno()
        st = os.fstat(fd)
    except (OSError, ValueError, AttributeError, LookupError, TypeError):
        return None
    return fd, (st.st_dev, st.st_ino)


def _acquire(stream):
    """A sink for *stream*'s file (shared per file), or None."""
    found = _stream_file(stream)
    e = engine()
    if found is None or e is None:
        return None
    fd, key = found
    with _lock:
        entry = _sinks.get(key)
        if entry is None:
            dup = os.dup(fd)
            entry = _sinks[key] = [e.add_stream_sink(dup), dup, 0]
        entry[2] += 1
    try:
        stream.flush()  # what Python buffered so far goes out first
    except (OSError, ValueError):
        pass
    return entry[0], key


def _release(key):
    with _lock:
        entry = _sinks.get(key)
        if entry is None:
            return
        entry[2] -= 1
        if entry[2] > 0:
            return
        del _sinks[key]
    _close_sink(entry[0])
    os.close(entry[1])


def _close_sink(sink):
    """Write what *sink* has queued, then close it in the engine."""
    _raw_routes.pop(sink, None)
    e = _engine
    if e is not None:
        e.close_sink(sink)


class SinkStream(io.TextIOBase):
    """A text stream that is an engine sink owning its file (what a
    RotatingFileHandler's ``stream`` is): writes are queued for the
    consumer, which opens, writes and rotates the file itself.

    ``name``, ``mode``, ``encoding`` and ``errors`` are the file's, as on
    the stream ``open()`` would give; ``flush()`` returns once everything
    queued is written; ``tell()`` (and ``seek(0, 2)``) drain, then give the
    file's size.  *spec* is called for the sink's settings whenever the
    sink is used: the name of the engine method that makes it
    (``'add_rotating_sink'``) and that method's arguments after path and
    mode, or None to keep the current sink.  When they change, or in a
    forked child, the sink is re-created (the file is reopened for
    append).  Once the engine has stopped (interpreter exit), writes
    append to the file synchronously.
    """

    def __init__(self, path, mode, encoding, errors, spec):
        self.name = path
        self._mode = mode
        self._encoding = encoding
        self._errors = errors
        self._spec = spec
        self._state = None            # (epoch, sink id, spec)
        self.sink_id()

    mode = property(lambda self: self._mode)
    encoding = property(lambda self: self._encoding)
    errors = property(lambda self: self._errors)

    def sink_id(self):
        """This stream's sink in the current engine, or None after exit."""
        state, spec = self._state, self._spec()
        if state is not None and state[0] == _epoch and (
                spec is None or state[2] == spec):
            return state[1]
        if spec is None:
            spec = state[2]
        if self.closed:
            return None
        e = engine()
        if e is None:
            return None
        # 'w' truncates the first time only. The new sink opens the file
        # before the old one closes it, so that a FIFO keeps a writer.
        mode = self._mode if state is None else 'a'
        sink = getattr(e, spec[0])(self.name, mode, *spec[1:])
        if state is not None and state[0] == _epoch:
            _close_sink(state[1])
        self._state = (_epoch, sink, spec)
        return sink

    def write(self, text):
        if self.closed:
            raise ValueError('I/O operation on closed file.')
        sink = self.sink_id()
        e = _engine
        if sink is not None and e is not None:
            route = _raw_route(e, sink)
            try:
                try:
                    e.log(route, 0, text)
                except UnicodeEncodeError:
                    if self._errors in (None, 'strict'):
                        raise
                    # What the file's error handler would have written.
                    e.log(route, 0, text.encode('utf-8', self._errors)
                          .decode('utf-8'))
                return len(text)
            except RuntimeError:  # the engine was shut down at exit
                pass
        with open(self.name, 'a', encoding=self._encoding,
                  errors=self._errors) as f:
            return f.write(text)

    def flush(self):
        if not self.closed:
            flush()

    def tell(self):
        """The file's size once everything queued is written.  The file
        exists from here on, as an open stream's file does (a rotating
        sink made with delay creates it only at its next write)."""
        self.flush()
        fd = os.open(self.name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            return os.fstat(fd).st_size
        finally:
            os.close(fd)

    def seek(self, offset, whence=0):
        if (offset, whence) != (0, 2):
            raise io.UnsupportedOperation('only seek(0, 2) is supported')
        return self.tell()

    def writable(self):
        return True

    def close(self):
        if self.closed:
            return
        state, self._state = self._state, None
        if state is not None and state[0] == _epoch:
            _close_sink(state[1])
        io.TextIOBase.close(self)

    def __repr__(self):
        return '<attologging engine file name=%r mode=%r encoding=%r>' % (
            self.name, self._mode, self._encoding)


def sink_for(handler, stream):
    """The sink *handler* writes *stream* through, or None (Python writes).

    The answer is kept in the handler's ``__dict__`` (not through setattr,
    which would invalidate every plan) until the stream or the engine
    changes.
    """
    if type(stream) is SinkStream:
        return stream.sink_id()
    state = handler.__dict__.get('_atto_io')
    if state is not None and state[0] is stream and state[3] == _epoch:
        return state[1]
    if state is not None and state[2] is not None and state[3] == _epoch:
        _release(state[2])
    acquired = _acquire(stream) if stream is not None else None
    sink, key = acquired if acquired else (None, None)
    handler.__dict__['_atto_io'] = (stream, sink, key, _epoch)
    return sink


def detach(handler):
    """Forget *handler*'s sink (on close); the sink closes with its last user."""
    state = handler.__dict__.pop('_atto_io', None)
    if state is not None and state[2] is not None and state[3] == _epoch:
        _release(state[2])


def _raw_route(e, sink):
    route = _raw_routes.get(sink)
    if route is None:
        fmt = e.add_formatter('%(message)s')
        route = _raw_routes[sink] = e.add_route('', [(sink, fmt, -2**31, '')])
    return route


def write(handler, stream, text):
    """Queue finished *text* for *stream*'s file; False if Python must
    write it instead (not an engine-backed file, or after exit began).

    Raises UnicodeEncodeError, as the stream's own write would, for text
    that strict UTF-8 cannot encode.
    """
    sink = sink_for(handler, stream)
    e = _engine
    if sink is None or e is None:
        return False
    try:
        e.log(_raw_route(e, sink), 0, text)
    except UnicodeEncodeError:
        if stream.errors == 'strict':
            raise
        e.flush()   # keep the order; the stream applies its error handler
        return False
    except RuntimeError:  # the engine was shut down at exit
        return False
    return True


def _after_fork_in_child():
    global _engine, _epoch, _lock
    _lock = threading.Lock()
    if _engine is not None:
        _engine.abandon()
    _engine = None
    _epoch += 1
    for sink, dup, users in _sinks.values():
        try:
            os.close(dup)
        except OSError:
            pass
    _sinks.clear()
    _raw_routes.clear()
    _native.bump()


def _at_exit():
    """Registered before logging.shutdown, so it runs after it: write
    everything, stop the consumer; later records are written by Python."""
    global _closed, _engine
    _closed = True
    e = _engine
    _engine = None
    _native.bump()
    if e is not None:
        e.shutdown()


def _flush_then(hook):
    def excepthook(*args):
        flush()
        return hook(*args)
    excepthook.__wrapped__ = hook
    return excepthook


if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_at_exit)
