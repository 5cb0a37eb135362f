//! TLS for a stream [`NetSink`](super::NetSink) (the MessagePack handler's
//! `tls=True`), with rustls: Python's `ssl` needs the GIL, which the
//! consumer never takes, and a TLS stack is not something to write by hand.
//!
//! Verification is on by default, as in Python's `ssl.create_default_context()`:
//! the server's certificate must chain to a trusted root (the system's, or
//! those of `ca_file`) and name the server (`server_name`, a host name or an
//! IP address). `verify: false` turns both checks off (the handshake's
//! signatures are still checked), as `CERT_NONE` with `check_hostname=False`.
//!
//! A [`Tls`] is made once, when the sink is made, so that a bad file or an
//! empty trust store is an error for the program then, not a failure of
//! every later connection. The sink makes one [`ClientConnection`] per TCP
//! connection and moves bytes with [`receive`] and [`send`] over the
//! non-blocking socket.

use std::fmt;
use std::io::{self, Read, Write};
use std::os::fd::RawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// What a TLS connection trusts and presents.
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    /// The name the server's certificate must carry (also sent as SNI when
    /// it is a host name).
    pub server_name: String,
    /// PEM file of the roots to trust; `None`: the system's roots.
    pub ca_file: Option<PathBuf>,
    /// Check the server's certificate and name (`false`: accept any).
    pub verify: bool,
    /// PEM files of a client certificate chain and its key, for servers
    /// that ask for one.
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
}

/// A client configuration, ready to start connections.
pub struct Tls {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tls({:?})", self.name)
    }
}

fn invalid(what: impl fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.to_string())
}

impl Tls {
    /// Loads the files `opts` names and builds the configuration.
    pub fn new(opts: &TlsOptions) -> io::Result<Tls> {
        let provider = Arc::new(ring::default_provider());
        let name = ServerName::try_from(opts.server_name.clone()).map_err(|e| invalid(format!("TLS server name {:?}: {e}", opts.server_name)))?;
        let builder = ClientConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions().map_err(invalid)?;
        let builder = if opts.verify {
            builder.with_root_certificates(roots(opts.ca_file.as_ref())?)
        } else {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
        };
        let config = match (&opts.cert_file, &opts.key_file) {
            (None, None) => builder.with_no_client_auth(),
            (Some(cert), key) => {
                let chain = certificates(cert)?;
                let key = key.as_ref().unwrap_or(cert); // as load_cert_chain: the key may sit in the certificate's file
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| pem_error("key", key, e))?;
                builder.with_client_auth_cert(chain, key).map_err(|e| invalid(format!("TLS client certificate: {e}")))?
            }
            (None, Some(_)) => return Err(invalid("a TLS key file needs its certificate file")),
        };
        Ok(Tls { config: Arc::new(config), name })
    }

    /// A new connection's TLS state (the handshake starts with the first [`send`]).
    pub fn connect(&self) -> io::Result<ClientConnection> {
        ClientConnection::new(self.config.clone(), self.name.clone()).map_err(|e| io::Error::other(format!("TLS: {e}")))
    }
}

/// A PEM file's error, naming the file: an I/O error keeps its kind (a
/// missing file is `NotFound`), anything else is bad input.
fn pem_error(what: &str, path: &Path, e: pem::Error) -> io::Error {
    let kind = if let pem::Error::Io(e) = &e { e.kind() } else { io::ErrorKind::InvalidInput };
    io::Error::new(kind, format!("TLS {what} {}: {e}", path.display()))
}

fn certificates(path: &Path) -> io::Result<Vec<CertificateDer<'static>>> {
    let bad = |e| pem_error("certificates", path, e);
    let certs = CertificateDer::pem_file_iter(path).map_err(bad)?.collect::<Result<Vec<_>, _>>().map_err(bad)?;
    if certs.is_empty() {
        return Err(invalid(format!("TLS certificates {}: no certificate in the file", path.display())));
    }
    Ok(certs)
}

/// The roots to trust: those in `ca_file`, or the system's.
fn roots(ca_file: Option<&PathBuf>) -> io::Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let (_, bad) = store.add_parsable_certificates(certificates(path)?);
            if store.is_empty() {
                return Err(invalid(format!("TLS certificates {}: none of the {bad} is a usable root", path.display())));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                let why = found.errors.first().map_or(String::new(), |e| format!(" ({e})"));
                return Err(invalid(format!("no trusted root certificates found on this system{why}: give a CA file, or turn verification off")));
            }
        }
    }
    Ok(store)
}

/// `verify: false`: any certificate, any name (the signatures of the
/// handshake itself are still checked, so the session is the one the
/// certificate's key made).
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A non-blocking socket as `Read`/`Write` for rustls.
struct Socket(RawFd);

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        super::socket::recv(self.0, buf)
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        super::socket::send(self.0, buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Reads and processes what the server sent (handshake messages, session
/// tickets, alerts); application data from the server is read and dropped.
/// An error: the server closed the connection, or broke the protocol (a
/// failed verification among others; its alert is sent first).
pub fn receive(conn: &mut ClientConnection, fd: RawFd) -> io::Result<()> {
    loop {
        match conn.read_tls(&mut Socket(fd)) {
            Ok(0) => return Err(io::Error::new(io::ErrorKind::ConnectionReset, "the receiver closed the TLS connection")),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        let state = match conn.process_new_packets() {
            Ok(state) => state,
            Err(e) => {
                let _ = conn.write_tls(&mut Socket(fd)); // the alert, if it goes
                return Err(io::Error::new(io::ErrorKind::InvalidData, format!("TLS: {e}")));
            }
        };
        let mut unread = state.plaintext_bytes_to_read();
        let mut sink = [0u8; 4096];
        while unread > 0 {
            let n = conn.reader().read(&mut sink)?;
            if n == 0 {
                break;
            }
            unread = unread.saturating_sub(n);
        }
        if state.peer_has_closed() {
            return Err(io::Error::new(io::ErrorKind::ConnectionReset, "the receiver closed the TLS connection"));
        }
    }
}

/// Sends the TLS bytes waiting in `conn`. `Ok(false)`: the socket is full.
pub fn send(conn: &mut ClientConnection, fd: RawFd) -> io::Result<bool> {
    match conn.write_tls(&mut Socket(fd)) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(true),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::{NetOptions, NetSink, Peer, Sink};
    use rustls::server::WebPkiClientVerifier;
    use rustls::{ServerConfig, ServerConnection, StreamOwned};
    use std::net::{SocketAddr, TcpListener};
    use std::path::Path;
    use std::time::{Duration, Instant};

    fn cert(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/certs").join(name)
    }

    /// A TLS server on loopback (client certificates required when
    /// `mutual`) that reads `len` bytes from its first client.
    fn start_server(len: usize, mutual: bool) -> (SocketAddr, std::thread::JoinHandle<io::Result<Vec<u8>>>) {
        let provider = Arc::new(ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions().unwrap();
        let builder = if mutual {
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(certificates(&cert("ca.pem")).unwrap());
            builder.with_client_cert_verifier(WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().unwrap())
        } else {
            builder.with_no_client_auth()
        };
        let config = builder.with_single_cert(certificates(&cert("server.pem")).unwrap(), PrivateKeyDer::from_pem_file(cert("server.key")).unwrap()).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let thread = std::thread::spawn(move || {
            let (tcp, _) = listener.accept()?;
            tcp.set_read_timeout(Some(Duration::from_secs(5)))?;
            let mut stream = StreamOwned::new(ServerConnection::new(Arc::new(config)).map_err(io::Error::other)?, tcp);
            let mut got = vec![0u8; len];
            stream.read_exact(&mut got)?;
            Ok(got)
        });
        (addr, thread)
    }

    fn options(server_name: &str, ca: &str) -> TlsOptions {
        TlsOptions { server_name: server_name.into(), ca_file: Some(cert(ca)), verify: true, ..Default::default() }
    }

    fn tls_sink(addr: SocketAddr, tls: TlsOptions) -> NetSink {
        let opts = NetOptions {
            tls: Some(Arc::new(Tls::new(&tls).unwrap())),
            backoff_base: Duration::from_millis(5),
            handshake_timeout: Duration::from_millis(300),
            ..Default::default()
        };
        NetSink::new(Peer::Tcp(vec![addr]), opts)
    }

    /// Polls (as the consumer does) until the frames all left, or an error
    /// is reported (returned), or 5 s pass.
    fn pump(sink: &mut NetSink) -> Option<io::Error> {
        let deadline = Instant::now() + Duration::from_secs(5);
        while sink.buffered() > 0 && Instant::now() < deadline {
            sink.poll();
            if let Some(e) = sink.take_error() {
                return Some(e);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        None
    }

    #[test]
    fn frames_reach_a_verified_server_by_name_and_by_address() {
        for name in ["localhost", "127.0.0.1"] {
            let (addr, server) = start_server(12, false);
            let mut sink = tls_sink(addr, options(name, "ca.pem"));
            sink.write_records(b"first|second", &[6, 12]).unwrap();
            assert!(pump(&mut sink).is_none());
            assert_eq!(sink.buffered(), 0);
            assert_eq!(server.join().unwrap().unwrap(), b"first|second");
            assert_eq!(sink.take_delivered(), Some(2));
        }
    }

    #[test]
    fn an_unknown_issuer_or_a_wrong_name_is_refused_and_the_frames_kept() {
        for (name, ca, why) in [("localhost", "other-ca.pem", "UnknownIssuer"), ("logs.example", "ca.pem", "not valid for name")] {
            let (addr, server) = start_server(4, false);
            let mut sink = tls_sink(addr, options(name, ca));
            sink.write_batch(b"kept").unwrap();
            let e = pump(&mut sink).expect("the handshake fails");
            assert!(e.to_string().contains(why), "{e}");
            assert_eq!(sink.buffered(), 4, "nothing was sent, nothing dropped");
            assert_eq!(sink.take_delivered(), Some(0));
            assert!(server.join().unwrap().is_err(), "the server got no data");
        }
    }

    #[test]
    fn without_verification_any_certificate_is_accepted() {
        let (addr, server) = start_server(3, false);
        let mut sink = tls_sink(addr, TlsOptions { verify: false, ..options("logs.example", "other-ca.pem") });
        sink.write_batch(b"any").unwrap();
        assert!(pump(&mut sink).is_none());
        assert_eq!(server.join().unwrap().unwrap(), b"any");
    }

    #[test]
    fn a_client_certificate_is_presented_when_given() {
        let (addr, server) = start_server(6, true);
        let tls = TlsOptions { cert_file: Some(cert("client.pem")), key_file: Some(cert("client.key")), ..options("localhost", "ca.pem") };
        let mut sink = tls_sink(addr, tls);
        sink.write_batch(b"mutual").unwrap();
        assert!(pump(&mut sink).is_none());
        assert_eq!(server.join().unwrap().unwrap(), b"mutual");
        // Without one, the server refuses the connection. In TLS 1.3 the
        // client learns it only after its Finished (and a first frame, as
        // with any receiver that dies) went: the refusal is seen by the next.
        let (addr, server) = start_server(6, true);
        let mut sink = tls_sink(addr, options("localhost", "ca.pem"));
        let deadline = Instant::now() + Duration::from_secs(5);
        let e = loop {
            assert!(Instant::now() < deadline, "the refusal is seen");
            sink.write_batch(b"mutual").unwrap();
            if let Some(e) = sink.take_error() {
                break e;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        assert!(e.to_string().contains("CertificateRequired") || e.to_string().contains("closed"), "{e}");
        assert!(server.join().unwrap().is_err());
    }

    #[test]
    fn bad_files_are_errors_when_the_configuration_is_made() {
        let missing = TlsOptions { ca_file: Some(cert("missing.pem")), ..options("localhost", "ca.pem") };
        assert!(Tls::new(&missing).unwrap_err().to_string().contains("missing.pem"));
        let key_only = TlsOptions { key_file: Some(cert("client.key")), ..options("localhost", "ca.pem") };
        assert!(Tls::new(&key_only).is_err());
        let not_a_name = options("bad name!", "ca.pem");
        assert!(Tls::new(&not_a_name).unwrap_err().to_string().contains("server name"));
    }

    #[test]
    fn a_server_that_never_answers_the_handshake_is_given_up_on() {
        let silent = TcpListener::bind("127.0.0.1:0").unwrap(); // accepts (backlog), never speaks
        let mut sink = tls_sink(silent.local_addr().unwrap(), options("localhost", "ca.pem"));
        sink.write_batch(b"waits").unwrap();
        let e = pump(&mut sink).expect("the handshake times out");
        assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
        assert_eq!(sink.buffered(), 5, "the frame waits for the next connection");
    }
}
