"""MessagePackHandler(tls=True): frames encrypted and sent by the engine's
consumer thread (rustls) to receivers that are Python's own ``ssl`` servers,
with the committed test certificates (tests/certs, made by make.sh).
"""

import os
import socket
import ssl
import time

import pytest

pytest.importorskip('msgpack')

import attologging                      # noqa: E402
import attologging.handlers as ah       # noqa: E402

from test_network_handlers import (     # noqa: E402,F401 (fixtures)
    QUICK, StreamReceiver, make_logger, sockdir, wait_for)

CERTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'certs')


def cert(name):
    return os.path.join(CERTS, name)


class TlsReceiver(StreamReceiver):
    """A StreamReceiver behind Python's TLS server (client certificates
    required when *mutual*); failed handshakes go to ``refused``."""

    def __init__(self, *args, mutual=False, **kwargs):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert('server.pem'), cert('server.key'))
        if mutual:
            self.ctx.verify_mode = ssl.CERT_REQUIRED
            self.ctx.load_verify_locations(cert('ca.pem'))
        self.refused = []
        StreamReceiver.__init__(self, *args, **kwargs)

    def _read(self, conn, n):
        try:
            conn.settimeout(10)
            tls = self.ctx.wrap_socket(conn, server_side=True)
            tls.settimeout(None)
            self.conns[n] = tls          # wrapping detached conn: stop() closes this
        except (ssl.SSLError, OSError) as e:
            self.refused.append(e)
            return
        StreamReceiver._read(self, tls, n)


def tls_handler(port, **options):
    options.setdefault('cafile', cert('ca.pem'))
    return ah.MessagePackHandler(options.pop('host', 'localhost'), port, tls=True,
                                 **options)


def log_numbered(log, n, start=0):
    for i in range(start, start + n):
        log.info('record %d', i, extra={'seq': i})


@pytest.mark.parametrize('host', ['localhost', '127.0.0.1'])
def test_records_arrive_encrypted_and_in_order(host, make_logger):
    recv = TlsReceiver()
    h = tls_handler(recv.port, host=host)
    log = make_logger(h)
    n = 5000
    log_numbered(log, n)
    wait_for(lambda: len(recv.frames) >= n, 'all records', timeout=30)
    recv.stop()
    assert not recv.errors and not recv.refused
    assert recv.seqs() == list(range(n))
    assert [f['message'] for _, f in recv.frames[:2]] == ['record 0', 'record 1']
    attologging._runtime.flush()
    assert h.peer.counts()['written'] == n and h.peer.counts()['lost'] == 0


def test_over_a_unix_socket_with_a_server_name(make_logger, sockdir):
    path = os.path.join(sockdir, 'tls.sock')
    recv = TlsReceiver(path=path)
    h = ah.MessagePackHandler(path=path, tls=True, server_hostname='localhost',
                              cafile=cert('ca.pem'))
    log_numbered(make_logger(h), 10)
    wait_for(lambda: len(recv.frames) >= 10, 'all records')
    recv.stop()
    assert recv.seqs() == list(range(10))


@pytest.mark.parametrize('options', [
    {'cafile': cert('other-ca.pem')},                   # unknown issuer
    {'server_hostname': 'logs.example'},                # not the certificate's name
], ids=['unknown-issuer', 'wrong-name'])
def test_an_unverified_server_gets_nothing(options, make_logger):
    recv = TlsReceiver()
    h = tls_handler(recv.port, backoff_base=0.01, backoff_cap=0.05, **options)
    log_numbered(make_logger(h), 5)
    wait_for(lambda: len(recv.refused) >= 2, 'refused handshakes (retried)')
    assert not recv.frames
    assert h.peer.counts()['errors'] >= 1
    h.close()                           # what waited is lost, and counted
    recv.stop()
    assert h.peer.counts() is None or h.peer.counts()['lost'] == 5


def test_verification_off_accepts_any_certificate(make_logger):
    recv = TlsReceiver()
    h = tls_handler(recv.port, cafile=None, verify=False, server_hostname='logs.example')
    log_numbered(make_logger(h), 10)
    wait_for(lambda: len(recv.frames) >= 10, 'all records')
    recv.stop()
    assert recv.seqs() == list(range(10)) and not recv.refused


def test_a_client_certificate_for_mutual_tls(make_logger):
    recv = TlsReceiver(mutual=True)
    h = tls_handler(recv.port, certfile=cert('client.pem'), keyfile=cert('client.key'))
    log_numbered(make_logger(h), 10)
    wait_for(lambda: len(recv.frames) >= 10, 'all records')
    recv.stop()
    assert recv.seqs() == list(range(10)) and not recv.refused


def test_a_restarted_receiver_gets_the_records_of_the_outage(make_logger):
    r1 = TlsReceiver()
    h = tls_handler(r1.port, **QUICK)
    log = make_logger(h)
    log_numbered(log, 50)
    wait_for(lambda: len(r1.frames) == 50, 'first receiver')
    r1.stop()
    time.sleep(0.2)                      # its close has reached the sender
    for i in range(50, 150):
        log.info('outage %d', i, extra={'seq': i})
        time.sleep(0.002)
    r2 = TlsReceiver(port=r1.port)
    try:
        wait_for(lambda: 149 in r2.seqs(), 'the new receiver')
    finally:
        r2.stop()
    assert r1.seqs() == list(range(50))
    assert r2.seqs() == list(range(50, 150)), 'missing: %s' % sorted(
        set(range(50, 150)) - set(r2.seqs()))
    assert not r1.errors and not r2.errors and h.peer.counts()['lost'] == 0


def test_bad_settings_raise_when_the_handler_is_made():
    with pytest.raises(FileNotFoundError, match='missing.pem'):
        ah.MessagePackHandler('localhost', 1, tls=True, cafile=cert('missing.pem'))
    with pytest.raises(ValueError, match='no certificate'):
        ah.MessagePackHandler('localhost', 1, tls=True, cafile=cert('make.sh'))
    with pytest.raises(ValueError, match='certificate file'):
        ah.MessagePackHandler('localhost', 1, tls=True, keyfile=cert('client.key'))
    with pytest.raises(ValueError, match='server_hostname'):
        ah.MessagePackHandler(path='/tmp/x.sock', tls=True)
    with pytest.raises(ValueError, match='without tls=True'):
        ah.MessagePackHandler('localhost', 1, cafile=cert('ca.pem'))
    # Without a cafile, the system's roots are loaded; a system without
    # any (no ca-certificates) is told so, clearly.
    try:
        ah.MessagePackHandler('localhost', 1, tls=True).close()
    except ValueError as e:
        assert 'no trusted root certificates' in str(e)


def test_a_plain_server_fails_the_handshake_and_is_retried(make_logger):
    """A server that speaks no TLS answers the ClientHello with its own
    protocol: the handshake fails at once, and is retried."""
    srv = socket.socket()
    srv.bind(('127.0.0.1', 0))
    srv.listen(8)
    srv.settimeout(10)
    h = tls_handler(srv.getsockname()[1], **QUICK)
    log_numbered(make_logger(h), 3)
    try:
        for _ in range(2):
            conn, _ = srv.accept()
            conn.recv(1024)             # the ClientHello
            conn.sendall(b'HTTP/1.1 400 Bad Request\r\n\r\n')
            conn.close()
    finally:
        srv.close()
    assert h.peer.counts()['written'] == 0


def test_plain_and_tls_frames_are_the_same(make_logger):
    plain, enc = StreamReceiver(), TlsReceiver()
    hp = ah.MessagePackHandler('127.0.0.1', plain.port)
    ht = tls_handler(enc.port)
    log = make_logger(hp, ht)
    log_numbered(log, 100)
    log.warning('caf\u00e9 %s', '\U0001F600', extra={'seq': 100, 'b': b'\x00\xff'})
    wait_for(lambda: len(plain.frames) >= 101 and len(enc.frames) >= 101, 'both')
    plain.stop()
    enc.stop()
    assert [f for _, f in plain.frames] == [f for _, f in enc.frames]
