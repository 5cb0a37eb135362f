//! A network peer (`SocketHandler`, `DatagramHandler`, `SysLogHandler`, the
//! MessagePack handler): frames sent over TCP, UDP or a Unix socket by the
//! consumer thread, which a dead or slow peer never blocks.
//!
//! Every socket is non-blocking. Frames wait in an outage buffer (at most
//! `buffer_limit` bytes; frames that do not fit are counted as dropped, as
//! are frames over `max_frame`, which are never partly sent) while the peer
//! is unreachable or slow; the consumer retries the connection on its own
//! schedule — exponential backoff with full jitter: the n-th retry waits a
//! uniformly random time below `min(cap, base * 2^n)`, and n goes back to 0
//! once a connection stayed up for `reset_after` — so a restarted receiver
//! gets records again with no action from the program. A stream connection
//! that breaks mid-frame resends that frame whole on the next connection.
//!
//! Host names are resolved once, when the sink is made (the consumer never
//! waits on DNS).
//!
//! A stream peer may speak TLS ([`NetOptions::tls`], see [`super::tls`]).
//! A frame counts as sent only once its encrypted bytes were all handed to
//! the socket, so a connection lost mid-frame still resends it whole.
//!
//! A [`Peer::Handover`] sink connects nothing itself: the program connects
//! (the stdlib's `SocketHandler` does, in the calling thread, on its own
//! retry schedule) and hands each new connection over ([`Handover::give`]);
//! the sink sends on the latest one, tells when it failed
//! ([`Handover::failed`]), and buffers until the next one comes.
//!
//! ```
//! use std::io::Read;
//! use attologging_engine::sink::{NetSink, Peer, Sink};
//! let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
//! let peer = Peer::Tcp(vec![server.local_addr().unwrap()]);
//! let mut sink = NetSink::new(peer, Default::default());
//! sink.write_records(b"onetwo", &[3, 6]).unwrap();
//! while sink.buffered() > 0 {
//!     sink.poll(); // the consumer does this on every pass
//! }
//! let mut got = [0u8; 6];
//! server.accept().unwrap().0.read_exact(&mut got).unwrap();
//! assert_eq!(&got, b"onetwo");
//! ```

use std::collections::VecDeque;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::socket::{self, connected, hung_up, start_connect};
use super::tls::{self, Tls};
use super::{Sink, WriteResult};

/// Where a [`NetSink`] sends its frames.
#[derive(Clone, Debug)]
pub enum Peer {
    /// A TCP stream to the first of these addresses that accepts.
    Tcp(Vec<SocketAddr>),
    /// UDP datagrams, one per frame.
    Udp(Vec<SocketAddr>),
    /// A Unix stream socket.
    UnixStream(PathBuf),
    /// Unix datagrams, one per frame (`/dev/log`).
    UnixDatagram(PathBuf),
    /// Connected sockets the program hands over; `true` for a stream
    /// socket (frames go back to back), `false` for datagrams.
    Handover(Arc<Handover>, bool),
}

impl Peer {
    fn is_stream(&self) -> bool {
        matches!(self, Peer::Tcp(_) | Peer::UnixStream(_) | Peer::Handover(_, true))
    }
}

/// Connections handed from the program to a [`Peer::Handover`] sink, and
/// the news of their failure handed back.
#[derive(Debug, Default)]
pub struct Handover {
    next: Mutex<Option<(OwnedFd, u64)>>,
    /// How many connections were given, and the number of the last one
    /// that failed (connections are numbered from 1).
    given: AtomicU64,
    failed: AtomicU64,
}

impl Handover {
    /// Gives the sink a connected socket (its own descriptor: a `dup` of
    /// the program's). The sink sends on it from its next pass, resending
    /// a frame cut short on the previous connection whole.
    pub fn give(&self, fd: OwnedFd) {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let n = self.given.fetch_add(1, Ordering::AcqRel) + 1;
        *next = Some((fd, n));
    }

    /// Whether the last connection given has failed (a send error, or the
    /// receiver closed it): the program should connect again.
    pub fn failed(&self) -> bool {
        let given = self.given.load(Ordering::Acquire);
        given > 0 && self.failed.load(Ordering::Acquire) == given
    }

    fn take(&self, using: u64) -> Option<(OwnedFd, u64)> {
        if self.given.load(Ordering::Acquire) == using {
            return None;
        }
        self.next.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// How a [`NetSink`] buffers and reconnects.
#[derive(Clone, Debug)]
pub struct NetOptions {
    /// The first retry waits up to this long.
    pub backoff_base: Duration,
    /// No retry waits longer.
    pub backoff_cap: Duration,
    /// A connection up this long resets the backoff.
    pub backoff_reset: Duration,
    /// Bytes of frames held while the peer is unreachable or slow.
    pub buffer_limit: usize,
    /// Larger frames are dropped (and counted), never partly sent.
    pub max_frame: usize,
    /// How long `close` keeps trying to send what is buffered.
    pub close_timeout: Duration,
    /// TLS over the stream (`None`: plain).
    pub tls: Option<Arc<Tls>>,
    /// How long a TLS server may take to finish the handshake.
    pub handshake_timeout: Duration,
}

impl Default for NetOptions {
    fn default() -> NetOptions {
        NetOptions {
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(10),
            backoff_reset: Duration::from_secs(30),
            buffer_limit: 16 << 20,
            max_frame: 1 << 20,
            close_timeout: Duration::from_secs(1),
            tls: None,
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

enum Conn {
    Down,
    /// A TCP connect in progress to `addrs[i]`.
    Connecting(OwnedFd, usize),
    Up(OwnedFd),
}

/// Frames to a network peer, sent by the consumer without ever blocking.
pub struct NetSink {
    peer: Peer,
    opts: NetOptions,
    conn: Conn,
    /// Frames not yet wholly sent, back to back; `out[0]` is byte `head` of
    /// everything ever queued, and `ends` are where the frames end (same count).
    out: VecDeque<u8>,
    head: u64,
    ends: VecDeque<u64>,
    /// Everything before this was sent (it lies within the first frame).
    sent: u64,
    /// A datagram that wraps around the end of `out`, made contiguous.
    scratch: Vec<u8>,
    /// Consecutive failed connections (the backoff exponent).
    failures: u32,
    retry_at: Instant,
    /// When the current connection came up (`None`: down).
    up_since: Option<Instant>,
    dropped: u64,
    /// Frames sent whole since the consumer last asked.
    delivered: u64,
    error: Option<io::Error>,
    rng: u64,
    /// The number of the handed-over connection in use ([`Peer::Handover`]).
    using: u64,
    /// The TLS state of the connection that is up (with [`NetOptions::tls`]).
    session: Option<rustls::ClientConnection>,
}

impl NetSink {
    pub fn new(peer: Peer, opts: NetOptions) -> NetSink {
        let now = Instant::now();
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos() as u64;
        NetSink {
            peer,
            opts,
            conn: Conn::Down,
            out: VecDeque::new(),
            head: 0,
            ends: VecDeque::new(),
            sent: 0,
            scratch: Vec::new(),
            failures: 0,
            retry_at: now,
            up_since: None,
            dropped: 0,
            delivered: 0,
            error: None,
            rng: (t ^ (u64::from(std::process::id()) << 32)) | 1,
            using: 0,
            session: None,
        }
    }

    /// Whether a connection is up now.
    pub fn is_connected(&self) -> bool {
        matches!(self.conn, Conn::Up(_))
    }

    /// Bytes waiting to be sent.
    pub fn buffered(&self) -> usize {
        self.out.len()
    }

    fn queue(&mut self, frame: &[u8]) {
        if frame.len() > self.opts.max_frame || self.out.len() + frame.len() > self.opts.buffer_limit {
            self.dropped += 1;
            return;
        }
        self.out.extend(frame);
        self.ends.push_back(self.head + self.out.len() as u64);
    }

    /// Sends what it can now; connects first if a retry is due.
    fn pump(&mut self) {
        self.take_handover();
        let mut checked = false;
        loop {
            match &self.conn {
                Conn::Down => {
                    if self.out.is_empty() || Instant::now() < self.retry_at || matches!(self.peer, Peer::Handover(..)) {
                        return;
                    }
                    match self.connect(0) {
                        Ok(c) => self.up(c),
                        Err(e) => return self.failed(e),
                    }
                }
                Conn::Connecting(fd, i) => {
                    let i = *i;
                    match connected(fd) {
                        Ok(false) => return,
                        Ok(true) => {
                            let Conn::Connecting(fd, _) = std::mem::replace(&mut self.conn, Conn::Down) else { unreachable!() };
                            self.up(Conn::Up(fd));
                        }
                        // The next address, if any, else a retry later.
                        Err(e) => match self.connect(i + 1) {
                            Ok(c) => self.up(c),
                            Err(_) => return self.failed(e),
                        },
                    }
                }
                Conn::Up(fd) => {
                    if self.out.is_empty() {
                        return;
                    }
                    // A receiver that closed its end still takes one send
                    // (answered by a reset): look before sending.
                    if !checked && self.peer.is_stream() {
                        checked = true;
                        if hung_up(fd) {
                            return self.failed(io::Error::new(io::ErrorKind::ConnectionReset, "the receiver closed the connection"));
                        }
                    }
                    let fd = fd.as_raw_fd();
                    let step = if self.session.is_some() { self.send_tls(fd) } else { self.send_some(fd) };
                    match step {
                        Ok(true) => {}
                        Ok(false) => return, // the peer is slow: later
                        Err(e) => return self.failed(e),
                    }
                }
            }
        }
    }

    /// Switches to a connection the program handed over, if there is a new one.
    fn take_handover(&mut self) {
        let Peer::Handover(h, _) = &self.peer else { return };
        if let Some((fd, n)) = h.take(self.using) {
            self.using = n;
            self.sent = self.head; // a frame cut short goes again, whole
            self.up(Conn::Up(fd));
        }
    }

    fn up(&mut self, c: Conn) {
        let is_up = matches!(c, Conn::Up(_));
        self.conn = c;
        if is_up {
            self.up_since = Some(Instant::now());
            if let Some(tls) = &self.opts.tls {
                match tls.connect() {
                    Ok(session) => self.session = Some(session),
                    Err(e) => self.failed(e),
                }
            }
        }
    }

    /// [`send_some`](Self::send_some) over TLS: finishes the handshake, then
    /// encrypts from the first unsent byte. Frames are released only once
    /// their encrypted bytes all left, so a connection lost with bytes
    /// still in the TLS buffer resends them (whole frames) on the next one.
    fn send_tls(&mut self, fd: i32) -> io::Result<bool> {
        let s = self.session.as_mut().expect("a TLS connection");
        tls::receive(s, fd)?;
        if s.wants_write() {
            return tls::send(s, fd);
        }
        if s.is_handshaking() {
            // The server's turn; one that never answers is given up on.
            if self.up_since.is_some_and(|t| t.elapsed() > self.opts.handshake_timeout) {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "TLS: the server did not finish the handshake"));
            }
            return Ok(false);
        }
        self.delivered += self.release_sent(); // everything encrypted so far has left
        let from = (self.sent - self.head) as usize;
        let (a, b) = self.out.as_slices();
        let chunk = if from < a.len() { &a[from..] } else { &b[from - a.len()..] };
        if chunk.is_empty() {
            return Ok(true);
        }
        let s = self.session.as_mut().expect("a TLS connection");
        self.sent += s.writer().write(chunk)? as u64;
        Ok(true)
    }

    /// Sends from the first unsent byte: as much of the stream as the socket
    /// takes, or the first frame as one datagram. `Ok(false)`: it would block.
    fn send_some(&mut self, fd: i32) -> io::Result<bool> {
        let stream = self.peer.is_stream();
        let first_end = *self.ends.front().expect("frames are queued");
        let from = (self.sent - self.head) as usize;
        let (a, b) = self.out.as_slices();
        let chunk: &[u8] = if stream {
            if from < a.len() {
                &a[from..]
            } else {
                &b[from - a.len()..]
            }
        } else {
            let len = (first_end - self.head) as usize;
            if a.len() >= len {
                &a[..len]
            } else {
                self.scratch.clear();
                self.scratch.extend_from_slice(a);
                self.scratch.extend_from_slice(&b[..len - a.len()]);
                &self.scratch
            }
        };
        let n = match socket::send(fd, chunk) {
            Ok(n) => n,
            Err(e) => {
                return match e.kind() {
                    io::ErrorKind::WouldBlock => Ok(false),
                    io::ErrorKind::Interrupted => Ok(true),
                    // A datagram too big for the peer: dropped, the rest go on.
                    _ if !stream && e.raw_os_error() == Some(libc::EMSGSIZE) => {
                        self.dropped += 1;
                        self.sent = first_end;
                        self.release_sent();
                        Ok(true)
                    }
                    _ => Err(e),
                };
            }
        };
        self.sent = if stream { self.sent + n as u64 } else { first_end };
        self.delivered += self.release_sent();
        Ok(true)
    }

    /// Forgets the frames sent whole; returns how many.
    fn release_sent(&mut self) -> u64 {
        let mut n = 0;
        while let Some(&end) = self.ends.front() {
            if end > self.sent {
                break;
            }
            self.ends.pop_front();
            self.out.drain(..(end - self.head) as usize);
            self.head = end;
            n += 1;
        }
        n
    }

    /// The connection failed: drop it, resend a part-sent frame whole
    /// next time, and schedule the retry.
    fn failed(&mut self, e: io::Error) {
        self.conn = Conn::Down;
        self.session = None;
        self.sent = self.head;
        if let Peer::Handover(h, _) = &self.peer {
            h.failed.fetch_max(self.using, Ordering::AcqRel);
        }
        if self.up_since.take().is_some_and(|t| t.elapsed() >= self.opts.backoff_reset) {
            self.failures = 0;
        }
        self.failures = self.failures.saturating_add(1);
        let ceiling = self.opts.backoff_base.saturating_mul(1u32 << (self.failures - 1).min(20)).min(self.opts.backoff_cap);
        self.retry_at = Instant::now() + ceiling.mul_f64(self.random());
        self.error.get_or_insert(e);
    }

    /// A uniform number in [0, 1) (xorshift64*: jitter needs no better).
    fn random(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Starts a connection to the peer (to its `i`-th address).
    fn connect(&self, i: usize) -> io::Result<Conn> {
        match &self.peer {
            Peer::Tcp(addrs) => {
                let addr = addrs.get(i).ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address to connect to"))?;
                start_connect(addr, libc::SOCK_STREAM).map(|(fd, done)| if done { Conn::Up(fd) } else { Conn::Connecting(fd, i) })
            }
            Peer::Udp(addrs) => {
                let addr = addrs.get(i).ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address to send to"))?;
                start_connect(addr, libc::SOCK_DGRAM).map(|(fd, _)| Conn::Up(fd))
            }
            Peer::UnixStream(path) => {
                let s = UnixStream::connect(path)?;
                s.set_nonblocking(true)?;
                Ok(Conn::Up(s.into()))
            }
            Peer::Handover(..) => Err(io::Error::new(io::ErrorKind::NotConnected, "waiting for the program to connect")),
            Peer::UnixDatagram(path) => {
                let s = UnixDatagram::unbound()?;
                s.connect(path)?;
                s.set_nonblocking(true)?;
                Ok(Conn::Up(s.into()))
            }
        }
    }
}

impl Sink for NetSink {
    fn write_batch(&mut self, batch: &[u8]) -> WriteResult {
        self.write_records(batch, &[batch.len()])
    }

    fn wants_record_ends(&self) -> bool {
        true
    }

    fn sends_each_record(&self) -> bool {
        !self.peer.is_stream()
    }

    fn write_records(&mut self, batch: &[u8], ends: &[usize]) -> WriteResult {
        let mut start = 0;
        for &end in ends {
            self.queue(&batch[start..end]);
            start = end;
        }
        self.pump();
        Ok(())
    }

    fn poll(&mut self) {
        if !self.out.is_empty() || matches!(self.conn, Conn::Connecting(..)) {
            self.pump();
        }
    }

    fn take_dropped(&mut self) -> u64 {
        std::mem::take(&mut self.dropped)
    }

    fn take_delivered(&mut self) -> Option<u64> {
        Some(std::mem::take(&mut self.delivered))
    }

    fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Sends what the socket takes now. Never waits: the consumer flushes
    /// every sink for any `flush()`, and a dead peer must not slow the others.
    fn flush(&mut self) -> io::Result<()> {
        self.pump();
        Ok(())
    }

    /// Sends what it can within `close_timeout`; the rest is dropped.
    fn close(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            self.retry_at = Instant::now(); // one last attempt now
        }
        self.drain_for(self.opts.close_timeout);
        if let (Some(s), Conn::Up(fd)) = (&mut self.session, &self.conn) {
            s.send_close_notify();
            let _ = tls::send(s, fd.as_raw_fd()); // best effort: the receiver learns the stream ended cleanly
        }
        self.session = None;
        self.dropped += self.ends.len() as u64;
        self.head += self.out.len() as u64;
        self.sent = self.head;
        self.out.clear();
        self.ends.clear();
        self.conn = Conn::Down;
        Ok(())
    }

    fn describe(&self) -> String {
        match &self.peer {
            Peer::Tcp(a) => format!("TCP peer {}", a.first().map_or("?".into(), |a| a.to_string())),
            Peer::Udp(a) => format!("UDP peer {}", a.first().map_or("?".into(), |a| a.to_string())),
            Peer::UnixStream(p) | Peer::UnixDatagram(p) => format!("socket '{}'", p.display()),
            Peer::Handover(..) => "handler's socket".to_owned(),
        }
    }
}

impl NetSink {
    /// Pumps until the buffer is empty, the connection is down, or `limit` passes.
    fn drain_for(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            self.pump();
            if self.out.is_empty() || Instant::now() >= deadline {
                return;
            }
            match &self.conn {
                Conn::Up(fd) | Conn::Connecting(fd, _) => {
                    let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLOUT, revents: 0 };
                    // SAFETY: one valid pollfd, count 1; waits at most 10 ms.
                    unsafe { libc::poll(&mut p, 1, 10) };
                }
                Conn::Down if self.retry_at <= deadline && !matches!(self.peer, Peer::Handover(..)) => std::thread::sleep(Duration::from_millis(5)),
                Conn::Down => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::{TcpListener, UdpSocket};

    fn quick() -> NetOptions {
        NetOptions { backoff_base: Duration::from_millis(5), backoff_cap: Duration::from_millis(20), ..Default::default() }
    }

    fn frames(list: &[&[u8]]) -> (Vec<u8>, Vec<usize>) {
        let mut batch = Vec::new();
        let mut ends = Vec::new();
        for f in list {
            batch.extend_from_slice(f);
            ends.push(batch.len());
        }
        (batch, ends)
    }

    /// Polls the sink (as the consumer does) until `done` or 5 s pass.
    fn poll_until(sink: &mut NetSink, mut done: impl FnMut(&mut NetSink) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !done(sink) {
            assert!(Instant::now() < deadline, "timed out");
            sink.poll();
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn buffers_while_the_peer_is_down_and_delivers_when_it_starts() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // free, now closed
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut sink = NetSink::new(Peer::Tcp(vec![addr]), quick());
        let (b, e) = frames(&[b"one\n", b"two\n"]);
        sink.write_records(&b, &e).unwrap();
        assert!(!sink.is_connected());
        assert!(sink.take_error().is_some(), "the refused connection is reported");
        let server = TcpListener::bind(addr).unwrap();
        poll_until(&mut sink, |s| s.buffered() == 0);
        let mut got = [0u8; 8];
        server.accept().unwrap().0.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"one\ntwo\n");
        assert_eq!(sink.take_dropped(), 0);
    }

    #[test]
    fn a_restarted_receiver_gets_records_again() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addr().unwrap();
        let mut sink = NetSink::new(Peer::Tcp(vec![addr]), quick());
        sink.write_batch(b"before\n").unwrap();
        poll_until(&mut sink, |s| s.buffered() == 0);
        let (mut conn, _) = server.accept().unwrap();
        let mut got = [0u8; 7];
        conn.read_exact(&mut got).unwrap();
        drop((conn, server)); // the receiver dies
                              // Writes into a dead connection fail sooner or later: keep logging until then.
        let server = TcpListener::bind(addr).unwrap();
        server.set_nonblocking(true).unwrap();
        let mut received = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !received.ends_with(b"after\n") {
            assert!(Instant::now() < deadline, "timed out");
            sink.write_batch(b"after\n").unwrap();
            sink.poll();
            if let Ok((mut c, _)) = server.accept() {
                c.set_nonblocking(false).unwrap();
                c.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
                let mut buf = [0u8; 6];
                c.read_exact(&mut buf).unwrap();
                received.extend_from_slice(&buf);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn the_outage_buffer_is_bounded_and_big_frames_are_dropped_whole() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap(); // discard port: nothing listens
        let opts = NetOptions { buffer_limit: 10, max_frame: 6, backoff_base: Duration::from_secs(60), ..Default::default() };
        let mut sink = NetSink::new(Peer::Tcp(vec![addr]), opts);
        let (b, e) = frames(&[b"aaaa", b"bbbb", b"cccc", b"toolong"]);
        sink.write_records(&b, &e).unwrap();
        assert_eq!(sink.buffered(), 8);
        assert_eq!(sink.take_dropped(), 2);
        sink.close().unwrap();
        assert_eq!(sink.take_dropped(), 2, "what was still buffered at close is counted");
    }

    #[test]
    fn datagrams_are_sent_one_per_frame() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        server.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut sink = NetSink::new(Peer::Udp(vec![server.local_addr().unwrap()]), quick());
        let (b, e) = frames(&[b"first", b"second"]);
        sink.write_records(&b, &e).unwrap();
        let mut buf = [0u8; 64];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"first");
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"second");
    }

    #[test]
    fn unix_datagrams_wait_for_the_socket_to_appear() {
        let path = std::env::temp_dir().join(format!("attologging-net-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut sink = NetSink::new(Peer::UnixDatagram(path.clone()), quick());
        sink.write_batch(b"early").unwrap();
        let server = UnixDatagram::bind(&path).unwrap();
        server.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        poll_until(&mut sink, |s| s.buffered() == 0);
        let mut buf = [0u8; 16];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"early");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn backoff_grows_with_full_jitter_up_to_the_cap() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let opts = NetOptions { backoff_base: Duration::from_millis(100), backoff_cap: Duration::from_secs(10), ..Default::default() };
        let mut sink = NetSink::new(Peer::Tcp(vec![addr]), opts);
        let mut waits = Vec::new();
        for _ in 0..12 {
            let before = Instant::now();
            sink.failed(io::Error::from(io::ErrorKind::ConnectionRefused));
            waits.push(sink.retry_at.saturating_duration_since(before));
        }
        for (n, w) in waits.iter().enumerate() {
            let ceiling = Duration::from_millis(100 * (1 << n.min(20))).min(Duration::from_secs(10));
            assert!(*w <= ceiling + Duration::from_millis(5), "retry {n} waits {w:?} > {ceiling:?}");
        }
        assert!(waits[8..].iter().any(|w| *w > Duration::from_secs(1)), "later retries wait longer: {waits:?}");
    }

    #[test]
    fn handed_over_connections_carry_the_frames_and_failures_are_told() {
        use std::net::TcpStream;
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let h = Arc::new(Handover::default());
        let mut sink = NetSink::new(Peer::Handover(h.clone(), true), quick());
        // Nothing given yet: frames wait.
        let (batch, ends) = frames(&[b"one|", b"two|"]);
        sink.write_records(&batch, &ends).unwrap();
        assert_eq!(sink.buffered(), 8);
        assert!(!h.failed());
        let give = |h: &Handover| h.give(OwnedFd::from(TcpStream::connect(server.local_addr().unwrap()).unwrap()));
        give(&h);
        sink.poll();
        assert_eq!(sink.buffered(), 0);
        let (mut first, _) = server.accept().unwrap();
        let mut got = [0u8; 8];
        first.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"one|two|");
        // The receiver goes away: the next send finds out, the frame stays.
        drop(first);
        std::thread::sleep(Duration::from_millis(50));
        sink.write_records(b"three|", &[6]).unwrap();
        assert!(h.failed());
        assert_eq!(sink.buffered(), 6);
        // A new connection: the buffered frame goes on it.
        give(&h);
        assert!(!h.failed());
        sink.poll();
        let (mut second, _) = server.accept().unwrap();
        let mut got = [0u8; 6];
        second.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"three|");
        assert_eq!(sink.take_dropped(), 0);
    }
}
