"""Network handlers whose I/O is the engine consumer's: frames are built in
the calling thread and sent by a ``NetSink`` (non-blocking, outage buffer,
reconnects with backoff and full jitter; see docs/handlers.md).

- ``MessagePackHandler``: length-prefixed MessagePack maps over TCP or a
  Unix socket.
- ``rfc5424_message``: an RFC 5424 syslog message, for
  ``SysLogHandler(rfc5424=True)`` (``attologging.handlers``).
"""

import datetime
import os
import re
import socket
import sys
import threading

from . import Handler, LogRecord, _runtime


class EnginePeer(object):
    """One network sink and its frame route in the current engine,
    re-created in a forked child (a new engine) and after ``close()``.
    *settings* are ``Engine.add_net_sink``'s arguments."""

    def __init__(self, *settings, **options):
        self._settings = settings
        self._options = options
        self._state = None          # (epoch, sink, route)
        self._lock = threading.Lock()

    def send(self, frame):
        """Queue *frame*; RuntimeError once the engine is gone
        (interpreter exit), which the handler reports as a logging error."""
        e, route = self._route()
        e.send_frame(route, frame)

    def _route(self):
        """The engine and this peer's frame route in it (made if needed)."""
        state = self._state
        if state is None or state[0] != _runtime._epoch:
            state = self._open()
        e = _runtime._engine
        if state is None or e is None:
            raise RuntimeError('the logging engine has shut down')
        return e, state[2]

    def _open(self):
        with self._lock:
            state = self._state
            if state is not None and state[0] == _runtime._epoch:
                return state
            e = _runtime.engine()
            if e is None:
                return None
            sink = self._add_sink(e)
            self._state = (_runtime._epoch, sink, e.add_frame_route(sink))
            return self._state

    def _add_sink(self, e):
        return e.add_net_sink(*self._settings, **self._options)

    def close(self):
        """Send what is buffered (for at most a second), then close."""
        with self._lock:
            state, self._state = self._state, None
        if state is not None and state[0] == _runtime._epoch:
            _runtime._close_sink(state[1])

    def counts(self):
        """The sink's counters (written, lost, errors), or None."""
        state, e = self._state, _runtime._engine
        if state is None or e is None or state[0] != _runtime._epoch:
            return None
        return e.sink_counts(state[1])


def datagram_peer(address, family=0):
    """An ``EnginePeer`` sending datagrams to *address*: a Unix socket's
    path, or ``(host, port)`` resolved now (``getaddrinfo`` with *family*,
    as ``sendto()`` would resolve it; errors raise here).  Its ``address``
    is the one it was made for."""
    if isinstance(address, str):
        peer = EnginePeer('unix_dgram', address)
    else:
        host, port = address
        peer = EnginePeer('udp', socket.getaddrinfo(
            host, port, family, socket.SOCK_DGRAM)[0][4][:2])
    peer.address = address
    return peer


class HandoverPeer(EnginePeer):
    """An engine sink that sends on the sockets a handler connects itself
    (the stdlib's ``SocketHandler`` connects in the calling thread, on its
    own retry schedule, through methods a subclass may override).  The
    handler passes its socket with each frame; the sink sends on a
    duplicate of the latest one, and ``failed(sock)`` tells the handler
    when that connection broke, so that it connects again.  Frames wait,
    up to a bound, while the handler has no connection."""

    def __init__(self, stream):
        EnginePeer.__init__(self, stream)
        self._handover = self._given = None

    def _add_sink(self, e):
        sink, self._handover = e.add_handover_sink(self._settings[0])
        self._given = None
        return sink

    def send(self, frame, sock=None):
        """Queue *frame*, to go on *sock* (a connected ``socket.socket``)
        or, while it is None, on the next socket given."""
        e, route = self._route()
        if sock is not None and sock is not self._given:
            self._handover.give(sock.fileno())
            self._given = sock
        e.send_frame(route, frame)

    def failed(self, sock):
        """Did the consumer find *sock*'s connection broken?"""
        return (sock is self._given and self._handover is not None
                and self._state is not None
                and self._state[0] == _runtime._epoch
                and self._handover.failed())


_record_attrs = None


def record_attrs():
    """Attributes every LogRecord has; the others are its key/values.
    (Made on first use: making a record reads the clock, which programs
    and tests that replace ``time.time`` count.)"""
    global _record_attrs
    if _record_attrs is None:
        _record_attrs = frozenset(vars(LogRecord('', 0, '', 0, '', (), None))) \
            | {'message', 'asctime', 'taskName'}
    return _record_attrs


class MessagePackHandler(Handler):
    """Sends each record as a MessagePack map behind a 4-byte big-endian
    length, over TCP (*host*, *port*) or a Unix stream socket (*path*).

    The map: ``logger``, ``level``, ``message`` (the formatted record; the
    default formatter gives the message alone), ``timestamp_ns``,
    ``filename``, ``line_number``, ``module_path``, ``thread_id``,
    ``thread_name`` and ``key_values`` (the record's extra attributes).
    The consumer thread sends the frames: a dead or slow receiver never
    blocks the logging call; frames wait in a buffer of *buffer_limit*
    bytes during an outage, reconnection backs off exponentially with
    full jitter (*backoff_base* doubling up to *backoff_cap* seconds, reset
    after *backoff_reset* seconds connected); frames over *max_frame*
    bytes, and those that do not fit the buffer, are dropped and counted.

    ``tls=True`` encrypts the stream (rustls, on the consumer thread).  As
    with ``ssl.create_default_context()``, the server's certificate must
    chain to a trusted root (the system's, or those in *cafile*) and carry
    *server_hostname* (default: *host*; required over a Unix socket);
    ``verify=False`` turns both checks off.  *certfile* and *keyfile*
    present a client certificate (as ``load_cert_chain``).  The files are
    read when the handler is made: a missing or bad one raises then.
    """

    def __init__(self, host=None, port=None, path=None, level=0, *,
                 buffer_limit=16 << 20, max_frame=1 << 20, backoff_base=0.1,
                 backoff_cap=10.0, backoff_reset=30.0, tls=False,
                 server_hostname=None, cafile=None, verify=True,
                 certfile=None, keyfile=None):
        super().__init__(level)
        if (path is None) == (host is None or port is None):
            raise ValueError('give either host and port, or path')
        kind, address = ('unix', os.fspath(path)) if path is not None \
            else ('tcp', (host, int(port)))
        self.address = address
        options = {}
        if tls:
            options['tls'] = _tls_config(server_hostname or host, cafile,
                                         verify, certfile, keyfile)
        elif any(x is not None for x in (server_hostname, cafile,
                                          certfile, keyfile)):
            raise ValueError('TLS settings given without tls=True')
        self.peer = EnginePeer(kind, address, buffer_limit, max_frame,
                               float(backoff_base), float(backoff_cap),
                               float(backoff_reset), **options)

    def makeFrame(self, record):
        """The bytes sent for *record*."""
        from ._native import msgpack_frame
        message = self.format(record)
        standard = record_attrs()
        extra = {k: v for k, v in record.__dict__.items()
                 if k not in standard}
        return msgpack_frame(
            record.name, record.levelno, message,
            int(record.created * 1e9), record.pathname or '',
            record.lineno or 0, record.module or '',
            record.thread or 0, record.threadName or '', extra)

    def emit(self, record):
        try:
            self.peer.send(self.makeFrame(record))
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def close(self):
        with self.lock:
            self.peer.close()
            super().close()


def _tls_config(server_hostname, cafile, verify, certfile, keyfile):
    """The engine's TLS client configuration (files read now)."""
    from ._native import TlsConfig
    if not server_hostname:
        raise ValueError('TLS over a Unix socket needs server_hostname')
    path = lambda p: None if p is None else os.fspath(p)
    return TlsConfig(server_hostname, path(cafile), bool(verify),
                     path(certfile), path(keyfile))


_SD_NAME = re.compile(r'[\x21-\x7e]{1,32}\Z')
_SD_ESCAPE = re.compile(r'(["\\\]])')


def _field(value, limit):
    """A header field: printable ASCII without spaces, or '-'."""
    value = '' if value is None else str(value)
    value = ''.join(c for c in value if '\x21' <= c <= '\x7e')[:limit]
    return value or '-'


def structured_data(sd):
    """RFC 5424 STRUCTURED-DATA for ``{sd_id: {name: value}}``, or '-'."""
    if not sd:
        return '-'
    parts = []
    for sd_id, params in sd.items():
        names = [sd_id] + list(params or ())
        for name in names:
            if not _SD_NAME.match(name) or any(c in name for c in '= ]"'):
                raise ValueError('invalid structured data name %r' % (name,))
        parts.append('[' + sd_id + ''.join(
            ' %s="%s"' % (k, _SD_ESCAPE.sub(r'\\\1', str(v)))
            for k, v in (params or {}).items()) + ']')
    return ''.join(parts)


def rfc5424_message(handler, record, text):
    """``<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`` for
    *record* whose formatted text is *text*, as UTF-8 bytes."""
    pri = handler.encodePriority(handler.facility,
                                 handler.mapPriority(record.levelname))
    ts = datetime.datetime.fromtimestamp(record.created).astimezone()
    msgid = getattr(record, 'msgid', None) or handler.msgid
    sd = getattr(record, 'structured_data', None)
    if sd is None:
        sd = handler.structured_data
    header = '<%d>1 %s %s %s %s %s %s' % (
        pri, ts.isoformat(timespec='microseconds'),
        _field(handler.hostname or socket.gethostname(), 255),
        _field(handler.app_name, 48), _field(handler.procid or os.getpid(), 128),
        _field(msgid, 32), structured_data(sd))
    return (header + ' ' + text).encode('utf-8')


def default_app_name(ident):
    """APP-NAME: the handler's ident (without the ': ' it usually ends
    with), else the program's name."""
    name = (ident or '').strip().rstrip(':').strip()
    if not name and sys.argv and sys.argv[0]:
        name = os.path.basename(sys.argv[0])
    return name or None
