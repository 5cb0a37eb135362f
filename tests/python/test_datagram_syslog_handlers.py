"""DatagramHandler and SysLogHandler (default form) of
``attologging.handlers``: the stdlib's classes whose bytes are sent by the
engine's consumer thread, compared with the stdlib's (receivers in
socket_fixtures.py).
"""

import logging
import logging.handlers
import os
import socket
import sys
import time

import pytest

import attologging
import attologging.handlers as ah

from socket_fixtures import (  # noqa: F401 (fixtures)
    DatagramReceiver,
    Keep,
    StreamReceiver,

    generated_cases,
    log_cases,
    loggers,
    sockdir,
    stable,
    wait_for)


# --- DatagramHandler ---------------------------------------------------------

@pytest.mark.parametrize('transport', ['udp', 'unix'])
def test_datagrams_equal_stdlib(transport, loggers, sockdir):
    if transport == 'unix':
        std_recv = DatagramReceiver(os.path.join(sockdir, 'std'))
        atto_recv = DatagramReceiver(os.path.join(sockdir, 'atto'))
        std_args, atto_args = (std_recv.address, None), (atto_recv.address, None)
    else:
        std_recv, atto_recv = DatagramReceiver(), DatagramReceiver()
        std_args = ('localhost', std_recv.address[1])
        atto_args = ('localhost', atto_recv.address[1])   # resolved as IPv4
    made = []

    class Remember(ah.DatagramHandler):
        def makePickle(self, record):
            made.append(ah.DatagramHandler.makePickle(self, record))
            return made[-1]

    std_h = logging.handlers.DatagramHandler(*std_args)
    atto_h = Remember(*atto_args)
    log, std_log = loggers(atto_h, std_h)
    cases = generated_cases()
    try:
        log_cases((std_log, log), cases)
        wait_for(lambda: len(atto_recv.frames) >= len(cases)
                 and len(std_recv.frames) >= len(cases), 'the datagrams')
        time.sleep(0.05)
    finally:
        std_recv.stop()
        atto_recv.stop()
    assert '_peer' in atto_h.__dict__          # the engine sent them
    assert type(atto_h.sock) is type(std_h.sock) is socket.socket   # as stdlib
    assert atto_h.sock.family == std_h.sock.family
    assert atto_recv.frames == made            # one datagram per pickle
    std, atto = std_recv.dicts(), atto_recv.dicts()
    assert len(std) == len(atto) == len(cases)
    for s, a in zip(std, atto):
        assert stable(a) == stable(s)
    attologging._runtime.flush()
    counts = atto_h._peer.counts()
    assert counts['written'] == len(cases) and counts['lost'] == 0, counts


def test_unix_datagrams_wait_for_the_socket(loggers, sockdir, capsys):
    path = os.path.join(sockdir, 'later')
    h = ah.DatagramHandler(path, None)
    log, _ = loggers(h)
    recv = None
    try:
        for i in range(5):
            log.info('early %d', i)           # nothing bound at path yet
        attologging._runtime.flush()
        recv = DatagramReceiver(path)
        wait_for(lambda: len(recv.frames) >= 5, 'the early records', timeout=10)
        log.info('late')
        wait_for(lambda: len(recv.frames) >= 6, 'the late record')
    finally:
        if recv is not None:
            recv.stop()
    assert [d['msg'] for d in recv.dicts()] == \
        ['early %d' % i for i in range(5)] + ['late']
    assert 'Logging error' not in capsys.readouterr().err


def test_datagram_makeSocket_override_takes_the_stdlib_path(loggers):
    recv = DatagramReceiver()
    sent = []

    class Spy(socket.socket):
        def sendto(self, data, *args):
            sent.append(bytes(data))
            return socket.socket.sendto(self, data, *args)

    class Custom(ah.DatagramHandler):
        def makeSocket(self):
            return Spy(socket.AF_INET, socket.SOCK_DGRAM)

    h = Custom('127.0.0.1', recv.address[1])
    log, _ = loggers(h)
    try:
        log.info('one')
        log.info('two')
        wait_for(lambda: len(recv.frames) >= 2, 'the datagrams')
    finally:
        recv.stop()
    assert sent == recv.frames and len(sent) == 2
    assert '_peer' not in h.__dict__


# --- SysLogHandler (default form) --------------------------------------------

SYSLOG_CONFIGS = [('', False, ah.SysLogHandler.LOG_USER),
                  ('app[1]: ', True, ah.SysLogHandler.LOG_LOCAL7),
                  ('caf\u00e9 \U0001F600: ', False, ah.SysLogHandler.LOG_DAEMON),
                  ('x', True, 'local3')]
SYSLOG_MESSAGES = [(logging.DEBUG, 'debug %s', ('x',)),
                   (logging.INFO, 'caf\u00e9 \u65e5\u672c \U0001F600', ()),
                   (logging.WARNING, 'multi\nline\r\n  indented', ()),
                   (logging.ERROR, '%d%%', (5,)),
                   (logging.CRITICAL, '', ()),
                   (25, 'custom, mapped to notice', ()),
                   (60, 'custom, unmapped: warning', ()),
                   (5, 'below debug %r', ({'k': 'v'},))]


def _syslog_pair(transport, sockdir):
    """Receivers for the stdlib and attologging, and handler arguments
    ('unix_auto': socktype None on a Unix stream socket, the stdlib's
    fallback from SOCK_DGRAM to SOCK_STREAM)."""
    if transport in ('udp', 'unix_dgram'):
        if transport == 'udp':
            recvs = [DatagramReceiver(), DatagramReceiver()]
        else:
            recvs = [DatagramReceiver(os.path.join(sockdir, n)) for n in 'sa']
        kinds = {}
    else:
        if transport == 'tcp':
            recvs = [StreamReceiver(frames=False), StreamReceiver(frames=False)]
        else:
            recvs = [StreamReceiver(path=os.path.join(sockdir, n), frames=False)
                     for n in 'sa']
        kinds = {} if transport == 'unix_auto' else {'socktype': socket.SOCK_STREAM}
    return recvs, [(r.address, kinds) for r in recvs]


def _syslog_output(recv):
    if isinstance(recv, DatagramReceiver):
        return list(recv.frames)
    return recv.data()


# Python 3.9/3.10's SysLogHandler cannot reconnect TCP: attologging keeps
# the stdlib's code there.
TCP_ENGINE = hasattr(logging.handlers.SysLogHandler, 'createSocket') \
    and sys.version_info >= (3, 11)


@pytest.mark.parametrize('transport', ['udp', 'tcp', 'unix_dgram', 'unix_stream',
                                       'unix_auto'])
def test_syslog_bytes_equal_stdlib(transport, loggers, sockdir):
    (std_recv, atto_recv), ((std_addr, kw), (atto_addr, _)) = \
        _syslog_pair(transport, sockdir)
    std_h = logging.handlers.SysLogHandler(std_addr, **kw)
    atto_h = ah.SysLogHandler(atto_addr, **kw)
    fmt = '%(levelname)s:%(name)s:%(message)s'
    std_h.setFormatter(logging.Formatter(fmt))
    atto_h.setFormatter(attologging.Formatter(fmt))
    for h in (std_h, atto_h):
        h.priority_map = dict(h.priority_map, **{'Level 25': 'notice'})
    log, std_log = loggers(atto_h, std_h)
    n = 0
    try:
        for ident, nul, facility in SYSLOG_CONFIGS:
            for h in (std_h, atto_h):
                h.ident, h.append_nul, h.facility = ident, nul, facility
            for level, msg, args in SYSLOG_MESSAGES:
                for lg in (std_log, log):
                    lg.log(level, msg, *args)
                n += 1
        engine = transport != 'tcp' or TCP_ENGINE
        assert ('_link' in atto_h.__dict__) == engine
        if engine:
            # Sent, as the engine counts (flush() does not wait for a peer).
            link = atto_h._link[1]
            wait_for(lambda: link.counts()['written'] == n, 'the sends')
            assert link.counts()['lost'] == 0, link.counts()
        if transport in ('udp', 'unix_dgram'):
            wait_for(lambda: len(atto_recv.frames) >= n
                     and len(std_recv.frames) >= n, 'the datagrams')
        else:
            # Everything is sent once both connections have ended.
            std_h.close()
            atto_h.close()
            wait_for(lambda: all(r.conns and len(r.ended) == len(r.conns)
                                 for r in (std_recv, atto_recv)),
                     'both streams to end')
    finally:
        std_recv.stop()
        atto_recv.stop()
    std, atto = _syslog_output(std_recv), _syslog_output(atto_recv)
    assert atto == std
    assert len(std) > 0
    assert atto_h.socktype == std_h.socktype
    if transport in ('udp', 'unix_dgram'):
        assert len(std) == n
        assert std[0].startswith(b'<15>DEBUG:') and std[-1].endswith(b'\x00')
    else:
        assert std.startswith(b'<15>DEBUG:') and std.endswith(b'\x00')
        assert std_h.socktype == socket.SOCK_STREAM


@pytest.mark.parametrize('transport', ['unix_dgram', 'unix_stream', 'tcp'])
def test_syslog_server_restarted(transport, loggers, sockdir, capsys):
    """The receiver goes away and a new one takes its address: the handler
    connects again (as the stdlib's does for Unix sockets; over TCP the
    stdlib never reconnects, attologging does from Python 3.11)."""
    if transport == 'tcp' and not TCP_ENGINE:
        pytest.skip('TCP is the stdlib code (no reconnection) before 3.11')
    path = os.path.join(sockdir, 'log')
    kw = {} if transport == 'unix_dgram' else {'socktype': socket.SOCK_STREAM}

    def receiver(port=0):
        if transport == 'unix_dgram':
            return DatagramReceiver(path)
        return StreamReceiver(path=None if transport == 'tcp' else path,
                              port=port, frames=False)

    def received(recv):
        if transport == 'unix_dgram':
            msgs = list(recv.frames)
        else:
            msgs = [m for m in recv.data().split(b'\x00') if m]
        return [int(m.rstrip(b'\x00').split()[-1]) for m in msgs]
    r1 = receiver()
    h = ah.SysLogHandler(r1.address, **kw)
    log, _ = loggers(h)
    seq = [0]

    def say(what):
        log.warning('%s %d', what, seq[0])
        seq[0] += 1
    r2 = None
    try:
        for _ in range(5):
            say('first')
        wait_for(lambda: len(received(r1)) == 5, 'the first server')
        assert '_link' in h.__dict__
        first_socket = h.socket
        r1.stop()
        if transport != 'tcp':
            os.unlink(path)
        r2 = receiver(port=r1.address[1] if transport == 'tcp' else 0)
        restart = seq[0]

        def progress():
            say('again')
            return len(received(r2)) > 0
        wait_for(progress, 'the new server')
        assert h.socket is not first_socket
        for _ in range(10):
            say('after')
        wait_for(lambda: len(received(r2)) >= seq[0] - restart, 'later records')
    finally:
        r1.stop()
        if r2 is not None:
            r2.stop()
    assert received(r1) == list(range(5))
    # Every record logged after the restart arrived, once, in order.
    assert received(r2) == list(range(restart, seq[0]))
    assert 'Logging error' not in capsys.readouterr().err


def test_syslog_unix_server_absent_at_first(loggers, sockdir, capsys):
    """No socket at the path when the handler is made and for the first
    records: each is a logging error, as with the stdlib; records logged
    once the server is there arrive."""
    got = {}
    for impl, H in (('std', logging.handlers.SysLogHandler),
                    ('atto', ah.SysLogHandler)):
        path = os.path.join(sockdir, impl)
        h = H(path)
        log = loggers(h)[0] if impl == 'atto' else loggers(Keep(), h)[1]
        log.warning('before 1')
        log.warning('before 2')
        recv = DatagramReceiver(path)
        try:
            log.warning('after 1')
            log.warning('after 2')
            wait_for(lambda: len(recv.frames) >= 2, 'the records')
        finally:
            recv.stop()
        err = capsys.readouterr().err
        got[impl] = (list(recv.frames), err.count('--- Logging error ---'),
                     [l for l in err.splitlines() if l.startswith('FileNotFound')][-1:])
    assert got['atto'] == got['std'] == (
        [b'<12>after 1\x00', b'<12>after 2\x00'], 2,
        ['FileNotFoundError: [Errno 2] No such file or directory'])
