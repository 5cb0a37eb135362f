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

``RotatingFileHandler`` and ``WatchedFileHandler`` are then specialised:
their file is an engine sink that rotates or reopens on the consumer
thread, so their records can take the native route.
``TimedRotatingFileHandler`` keeps the stdlib's rotation code in the
calling thread and writes through an engine sink (see docs/handlers.md).
Third-party subclasses of ``BaseRotatingHandler`` write synchronously
through their Python stream (``_engine_io = False``), whose position their
rotation logic reads.
"""

import inspect as _inspect
import math as _math
import os as _os
import socket as _socket
import weakref as _weakref

from . import _network, _runtime, _stdlib

# Defines here every name of the stdlib module (BaseRotatingHandler,
# RotatingFileHandler, WatchedFileHandler, ...), and ``logging`` as attologging.
_stdlib.run('handlers', globals())
del _stdlib

# The stdlib's rotating and watching logic (and third-party subclasses of
# it) reads the Python stream's position and the file's inode, which must
# see every record written: synchronous writes through that stream.  The
# RotatingFileHandler and WatchedFileHandler below move that logic to the
# engine instead.
BaseRotatingHandler._engine_io = False
WatchedFileHandler._engine_io = False

_StdlibRotatingFileHandler = RotatingFileHandler
_StdlibWatchedFileHandler = WatchedFileHandler
_StdlibTimedRotatingFileHandler = TimedRotatingFileHandler
_StdlibSysLogHandler = SysLogHandler
_StdlibSocketHandler = SocketHandler
_StdlibDatagramHandler = DatagramHandler

# The stdlib's shouldRollover() leaves an empty file alone from 3.13 (and
# 3.12.6): that version reads the position into a local ``pos`` first.
_ROTATE_EMPTY = 'pos' not in _StdlibRotatingFileHandler.shouldRollover.__code__.co_varnames

# ATTOLOGGING_MMAP=1: rotating files are written through a memory map
# instead of O_APPEND writes (docs/handlers.md: slower on ext4, as measured).
_MMAP = _os.environ.get('ATTOLOGGING_MMAP') == '1'

# Error handlers whose output is valid UTF-8 (the engine writes UTF-8 text).
_UTF8_SAFE_ERRORS = (None, 'strict', 'replace', 'ignore', 'backslashreplace',
                     'xmlcharrefreplace', 'namereplace')


class _EngineFile(object):
    """What a file handler needs for its file to be an engine sink
    (``_runtime.SinkStream``) that applies the handler's policy -- rotation,
    watching -- on the consumer thread, and to fall back to the stdlib's
    own code, writing synchronously through a Python file, whenever its
    settings need Python: a hook set, a method overridden by a subclass, an
    encoding or mode the engine does not write.  The choice is re-made at
    each record that reaches ``emit()`` (records on the native route imply
    the engine sink is still right: any change rebuilds their plan).

    A subclass names the methods whose stock version the engine sink
    reproduces (``_ENGINE_METHODS``), the class that has them
    (``_ENGINE_CLASS``: subclasses of it take the stdlib's code if they
    override one) and gives the sink's settings (``_sink_spec()``: engine
    method name and arguments, or None).  ``_NATIVE_ROUTE`` says whether
    the sink applies the whole policy, so records may skip ``emit()``.
    """

    _NATIVE_ROUTE = True

    @property
    def _engine_io(self):
        return type(self.__dict__.get('stream')) is _runtime.SinkStream

    def _engine_capable(self, stream):
        """Can *stream*'s file be (or stay) an engine sink?"""
        cls, stock = type(self), self._ENGINE_CLASS
        return (all(getattr(cls, n) is getattr(stock, n)
                    for n in self._ENGINE_METHODS)
                and self._sink_spec() is not None
                and self.mode in ('a', 'w')
                and self.errors in _UTF8_SAFE_ERRORS
                and _runtime.is_utf8(getattr(stream, 'encoding', None))
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
        # Closed only once the engine has the file open too: a FIFO's
        # reader that stops at EOF (`cat`) would go away in between, and
        # the engine's open would then wait for a reader for ever.
        with stream:
            ref = _weakref.ref(self)
            return _runtime.SinkStream(self.baseFilename, mode,
                                       stream.encoding, self.errors,
                                       lambda: _spec_of(ref))

    def _engine_emit(self, record):
        """Write *record* through the engine sink and return True, or
        return False if the stdlib's code must handle it."""
        stream = self.stream
        if stream is not None and (type(stream) is _runtime.SinkStream) \
                != self._engine_capable(stream):
            self._reopen()   # a hook was set, settings or the engine changed
        if not self._engine_io:
            return False
        logging.FileHandler.emit(self, record)
        return True

    def _renew_engine_file(self):
        """Have the engine sink renew its file now; False if there is none."""
        stream = self.stream
        if type(stream) is _runtime.SinkStream and self._engine_capable(stream):
            sink, e = stream.sink_id(), _runtime.engine()
            if sink is not None and e is not None:
                e.renew_sink_file(sink)
                return True
        return False

    def _reopen(self):
        """Switch between engine sink and Python file (appending: what
        mode 'w' truncates is truncated once, when the handler opens)."""
        with logging._io_locked(self):
            stream, self.stream = self.stream, None
            if stream is not None:
                stream.flush()
                stream.close()
            self.stream = self._open_file('a')


def _spec_of(ref):
    handler = ref()
    return handler._sink_spec() if handler is not None else None


class RotatingFileHandler(_EngineFile, _StdlibRotatingFileHandler):
    """Size-based rotation, as ``logging.handlers.RotatingFileHandler``.

    With no ``namer``/``rotator`` and a class that keeps the rotation
    methods, the consumer thread writes the file and rolls it over before
    any record that would take it to ``maxBytes``, where the stdlib would
    (see ``_EngineFile`` for when the stdlib's code runs instead).
    """

    _ENGINE_METHODS = ('shouldRollover', 'doRollover', 'rotate',
                       'rotation_filename', '_open', 'emit')

    def __init__(self, filename, mode='a', maxBytes=0, backupCount=0,
                 encoding=None, delay=False, errors=None):
        # The limits are the sink's settings: known before the file opens.
        self.maxBytes, self.backupCount = maxBytes, backupCount
        _StdlibRotatingFileHandler.__init__(
            self, filename, mode=mode, maxBytes=maxBytes,
            backupCount=backupCount, encoding=encoding, delay=delay,
            errors=errors)

    def _sink_spec(self):
        if self.namer is not None or self.rotator is not None:
            return None
        limits = _sink_limits(self)
        if limits is None:
            return None
        return ('add_rotating_sink',) + limits + (_ROTATE_EMPTY,
                                                  bool(self.delay), _MMAP)

    def emit(self, record):
        """Write *record*; rotation is the consumer's (engine sink) or the
        stdlib's (Python file), whichever the handler's settings allow."""
        if not self._engine_emit(record):
            _StdlibRotatingFileHandler.emit(self, record)

    def shouldRollover(self, record):
        """Would *record* roll the file over now (the stdlib's answer)?
        With an engine sink, what was logged before is written (and rolled
        over) first, so the answer sees the file as the stdlib's would."""
        if self._engine_io:
            _runtime.flush()
        return _StdlibRotatingFileHandler.shouldRollover(self, record)

    def doRollover(self):
        """Roll over now: what was logged before the call is in the backup
        when this returns."""
        # Without backups the stdlib only reopens the file, which truncates
        # it in mode 'w': that path is left to the stdlib's code.
        if self.backupCount > 0 or self.mode != 'w':
            if self._renew_engine_file():
                return
        _StdlibRotatingFileHandler.doRollover(self)


class WatchedFileHandler(_EngineFile, _StdlibWatchedFileHandler):
    """Reopens the file when its path comes to name another file (after
    logrotate renamed or deleted it), as ``logging.handlers.
    WatchedFileHandler``.  With an engine sink the consumer checks the
    path's device and inode before each batch it writes."""

    _ENGINE_METHODS = ('reopenIfNeeded', '_statstream', '_open', 'emit')

    def _sink_spec(self):
        return ('add_watched_sink', bool(self.delay))

    def _statstream(self):
        if self._engine_io:
            try:
                st = _os.stat(self.baseFilename)
            except OSError:
                self.dev, self.ino = -1, -1
            else:
                self.dev, self.ino = st.st_dev, st.st_ino
        else:
            _StdlibWatchedFileHandler._statstream(self)

    def reopenIfNeeded(self):
        """Reopen the file now if its path names another file."""
        if self._renew_engine_file():
            self._statstream()
        else:
            _StdlibWatchedFileHandler.reopenIfNeeded(self)

    def emit(self, record):
        """Write *record*; the consumer (engine sink) or this call (Python
        file) reopens the file first if its path changed."""
        if not self._engine_emit(record):
            _StdlibWatchedFileHandler.emit(self, record)


class TimedRotatingFileHandler(_EngineFile, _StdlibTimedRotatingFileHandler):
    """Time-based rotation, as ``logging.handlers.TimedRotatingFileHandler``:
    the stdlib's own code decides (``shouldRollover``), names, renames and
    prunes (``doRollover``, ``getFilesToDelete``) in the calling thread, so
    ``when``, ``interval``, ``utc``, ``atTime``, ``namer``/``rotator`` and
    ``extMatch`` are exactly the running version's.  Only the writes go to
    an engine sink: closing the stream at a rollover writes out every record
    logged before it, so each lands in the file its time belongs to.  Its
    records take the compatible route (the rollover check is per record).
    """

    _ENGINE_METHODS = ('_open',)
    _NATIVE_ROUTE = False

    def _sink_spec(self):
        # The stdlib rotates: the sink only appends (no size limit).
        return ('add_rotating_sink', 0, 0, False, bool(self.delay), _MMAP)


class SocketHandler(_StdlibSocketHandler):
    """``logging.handlers.SocketHandler``, its frames sent by the consumer.

    It connects as the stdlib does -- ``createSocket()`` calls
    ``makeSocket()`` in the calling thread, on the ``retryStart`` /
    ``retryFactor`` / ``retryMax`` schedule, setting ``sock`` and
    ``retryTime`` -- and ``makePickle()`` builds each frame in the calling
    thread; an engine sink sends the frames on (a duplicate of) ``sock``.
    A slow receiver never blocks the logging call, and frames logged
    while the handler has no connection wait for the next one (up to
    16 MiB, then they are counted as lost) instead of being dropped.  When
    the consumer finds the connection broken, the next record closes
    ``sock`` and connects again, as after the stdlib's failed
    ``sendall()``.  A socket that is not a plain ``socket.socket`` (a
    ``makeSocket()`` that returns an SSL socket) is written by the
    stdlib's code.
    """

    def send(self, s):
        peer = self.__dict__.get('_peer')
        if peer is None:
            if _runtime.engine() is None:
                return _StdlibSocketHandler.send(self, s)
            peer = self._peer = _network.HandoverPeer(True)
        sock = self.sock
        if sock is not None and peer.failed(sock):
            sock.close()
            self.sock = None
        if self.sock is None:
            self.createSocket()
        sock = self.sock
        if sock is not None and type(sock) is not _socket.socket:
            return _StdlibSocketHandler.send(self, s)
        peer.send(s, sock)

    def close(self):
        with self.lock:
            peer = self.__dict__.pop('_peer', None)
            if peer is not None:
                peer.close()
            _StdlibSocketHandler.close(self)


class DatagramHandler(_StdlibDatagramHandler, SocketHandler):
    """``logging.handlers.DatagramHandler``, its datagrams sent by the
    consumer: to the address resolved when the first record is sent
    (IPv4, as the stdlib's socket), or to the Unix datagram socket at
    ``host`` when ``port`` is None, waiting (up to a bound) while that
    socket does not exist.  A subclass with its own ``makeSocket()`` is
    sent to by the stdlib's code.
    """

    def send(self, s):
        if type(self).makeSocket is not _StdlibDatagramHandler.makeSocket \
                or _runtime.engine() is None:
            return _StdlibDatagramHandler.send(self, s)
        if self.sock is None:
            self.createSocket()   # the stdlib's socket, for those who look
        peer = self.__dict__.get('_peer')
        if peer is None or peer.address != self.address:
            peer = self._peer = _network.datagram_peer(self.address,
                                                       _socket.AF_INET)
        peer.send(s)


class SysLogHandler(_StdlibSysLogHandler):
    """``logging.handlers.SysLogHandler``, sent by the consumer, plus
    RFC 5424.

    By default it sends the stdlib's messages (RFC 3164-style ``<PRI>ident
    message``), byte for byte, through an engine sink: over UDP to the
    address resolved when the first record is sent, or on (a duplicate
    of) the handler's own connected ``socket`` (Unix socket, TCP), which
    the handler reconnects when the consumer finds the connection broken:
    as the stdlib does for a Unix socket, and for TCP too (Python 3.11+),
    where the stdlib's socket would fail at every later record.  With ``rfc5424=True`` each record is an RFC 5424
    message, ``<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
    STRUCTURED-DATA MSG``, framed with RFC 6587 octet counting over TCP;
    the engine's sink makes its own connection (see docs/handlers.md).
    *app_name* defaults to ``ident`` or the program's name, *procid* to
    the process id, *hostname* to ``socket.gethostname()``; *msgid* and
    *structured_data* (``{sd_id: {name: value}}``) can be set per record
    through ``extra`` (``msgid``, ``structured_data``).  In either form a
    dead receiver never blocks the logging call.
    """

    def __init__(self, *args, rfc5424=False, app_name=None, procid=None,
                 msgid=None, structured_data=None, hostname=None, **kwargs):
        self.rfc5424 = rfc5424
        self.app_name, self.procid, self.msgid = app_name, procid, msgid
        self.structured_data, self.hostname = structured_data, hostname
        if not rfc5424:
            _StdlibSysLogHandler.__init__(self, *args, **kwargs)
            return
        params = _inspect.signature(_StdlibSysLogHandler.__init__).bind(
            self, *args, **kwargs).arguments
        logging.Handler.__init__(self)
        self.address = params.get('address', ('localhost', SYSLOG_UDP_PORT))
        self.facility = params.get('facility', self.LOG_USER)
        self.socktype = params.get('socktype')
        self.timeout = params.get('timeout')
        self.socket = None
        self.unixsocket = isinstance(self.address, str)
        if self.unixsocket:
            kind = 'unix' if self.socktype == _socket.SOCK_STREAM else 'unix_dgram'
        else:
            kind = 'tcp' if self.socktype == _socket.SOCK_STREAM else 'udp'
            if self.socktype is None:
                self.socktype = _socket.SOCK_DGRAM
        self._peer = _network.EnginePeer(kind, self.address)
        self._octet_counting = kind == 'tcp' or kind == 'unix'

    def emit(self, record):
        if '_peer' in self.__dict__:
            return self._emit_rfc5424(record)
        if _runtime.engine() is None \
                or type(self.socket) not in (_socket.socket, type(None)) \
                or (not self.unixsocket and self.socktype != _socket.SOCK_DGRAM
                    and not hasattr(_StdlibSysLogHandler, 'createSocket')):
            # Python < 3.11 cannot reconnect TCP: the stdlib's code.
            return _StdlibSysLogHandler.emit(self, record)
        try:
            msg = self.format(record)
            if self.ident:
                msg = self.ident + msg
            if self.append_nul:
                msg += '\000'
            prio = '<%d>' % self.encodePriority(
                self.facility, self.mapPriority(record.levelname))
            self._send(prio.encode('utf-8') + msg.encode('utf-8'))
        except Exception:
            self.handleError(record)

    def _send(self, msg):
        """Queue the stdlib's message *msg* on this handler's engine sink."""
        if not self.socket and hasattr(self, 'createSocket'):
            self.createSocket()
        if not self.unixsocket and self.socktype == _socket.SOCK_DGRAM:
            key = ('udp', self.address)
        else:
            key = ('socket', self.socktype == _socket.SOCK_STREAM)
        link = self.__dict__.get('_link')
        if link is None or link[0] != key:
            if key[0] == 'udp':
                peer = _network.datagram_peer(self.address)
            else:
                peer = _network.HandoverPeer(key[1])
            if link is not None:
                link[1].close()
            link = self._link = (key, peer)
        if key[0] == 'udp':
            return link[1].send(msg)
        sock = self.socket
        if sock is not None and (sock.fileno() == -1 or link[1].failed(sock)):
            # As the stdlib after a failed send: connect again (an error
            # is the record's logging error; queued frames wait).
            sock.close()
            if self.unixsocket:
                self._connect_unixsocket(self.address)
            else:
                self.socket = None
                self.createSocket()
            if key[1] != (self.socktype == _socket.SOCK_STREAM):
                return self._send(msg)   # the Unix socket's type changed
        link[1].send(msg, self.socket)

    def _emit_rfc5424(self, record):
        try:
            if self.app_name is None:
                self.app_name = _network.default_app_name(self.ident)
            msg = _network.rfc5424_message(self, record, self.format(record))
            if self._octet_counting:
                msg = b'%d %s' % (len(msg), msg)
            self._peer.send(msg)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def close(self):
        with self.lock:
            if '_peer' in self.__dict__:   # rfc5424: opens again if used
                self._peer.close()
                return logging.Handler.close(self)
            link = self.__dict__.pop('_link', None)
            if link is not None:
                link[1].close()
            _StdlibSysLogHandler.close(self)


MessagePackHandler = _network.MessagePackHandler


RotatingFileHandler._ENGINE_CLASS = RotatingFileHandler
WatchedFileHandler._ENGINE_CLASS = WatchedFileHandler
TimedRotatingFileHandler._ENGINE_CLASS = TimedRotatingFileHandler


def _sink_limits(handler):
    """(maxBytes, backupCount) as the sink's integers, or None if the
    values are of a kind only the stdlib's comparisons handle."""
    max_bytes, backups = handler.maxBytes, handler.backupCount
    if type(max_bytes) is float and _math.isfinite(max_bytes):
        max_bytes = _math.ceil(max_bytes)   # pos + len >= 1e6.5 <=> >= ceil
    if type(max_bytes) is not int or type(backups) is not int:
        return None
    return (min(max(max_bytes, 0), 2**63 - 1), min(max(backups, 0), 2**32 - 1))

