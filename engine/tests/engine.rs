//! The engine used from Rust alone: delivery guarantees, ordering, overflow
//! policies, ring reclamation, routes, flush/close and sink errors.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use attologging_engine::{Args, Engine, FileMode, FileSink, FormatterSpec, OverflowPolicy, RecordSpec, RouteId, Sink, SinkId, Target, Value};

/// A sink that hands every batch to a closure (run on the consumer thread).
struct FnSink<F: FnMut(&[u8]) -> io::Result<()> + Send>(F);

impl<F: FnMut(&[u8]) -> io::Result<()> + Send> Sink for FnSink<F> {
    fn write_batch(&mut self, batch: &[u8]) -> attologging_engine::sink::WriteResult {
        (self.0)(batch).map_err(Into::into)
    }
    fn describe(&self) -> String {
        "test sink".into()
    }
}

fn capture(engine: &Engine) -> (SinkId, Arc<Mutex<Vec<u8>>>) {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let b = buf.clone();
    let sink = engine.add_sink(Box::new(FnSink(move |batch: &[u8]| {
        b.lock().unwrap().extend_from_slice(batch);
        Ok(())
    })));
    (sink, buf)
}

fn route(engine: &Engine, logger: &str, sinks: &[SinkId], fmt: &str) -> RouteId {
    let f = engine.add_formatter(FormatterSpec::percent(fmt)).unwrap();
    let targets = sinks.iter().map(|&sink| Target { sink, formatter: f, level: 0, terminator: "\n".into() }).collect();
    engine.add_route(logger, targets)
}

fn log(engine: &Engine, route: RouteId, template: &str, args: &[Value<'_>]) {
    let rec = RecordSpec { route: route.0, level: 20, template, args: Args::Positional(args), fields: &[] };
    engine.log(&rec).unwrap();
}

fn text(buf: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8(buf.lock().unwrap().clone()).unwrap()
}

/// Verifies the output of `lossless_*` as it streams by.
#[derive(Default)]
struct OrderCheck {
    next: Vec<i64>,
    last_ts: f64,
    lines: u64,
    errors: Vec<String>,
}

impl OrderCheck {
    fn line(&mut self, line: &str) {
        self.lines += 1;
        let mut it = line.split(' ');
        let (ts, t, i) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
        let (ts, t, i): (f64, usize, i64) = (ts.parse().unwrap(), t.parse().unwrap(), i.parse().unwrap());
        if ts < self.last_ts && self.errors.len() < 10 {
            self.errors.push(format!("time went back: {} after {}", ts, self.last_ts));
        }
        self.last_ts = self.last_ts.max(ts);
        if self.next.len() <= t {
            self.next.resize(t + 1, 0);
        }
        if self.next[t] != i && self.errors.len() < 10 {
            self.errors.push(format!("thread {t}: got record {i}, expected {}", self.next[t]));
        }
        self.next[t] = i + 1;
    }
}

#[test]
fn lossless_8_threads_x_1m_in_time_order() {
    const THREADS: usize = 8;
    const PER_THREAD: i64 = 1_000_000;
    let engine = Engine::builder().ring_capacity(64 * 1024).build();
    let check = Arc::new(Mutex::new(OrderCheck::default()));
    let c = check.clone();
    let mut partial = String::new();
    let sink = engine.add_sink(Box::new(FnSink(move |batch: &[u8]| {
        partial.push_str(std::str::from_utf8(batch).unwrap());
        let mut c = c.lock().unwrap();
        let keep = partial.rfind('\n').map_or(0, |i| i + 1);
        for line in partial[..keep].lines() {
            c.line(line);
        }
        partial.drain(..keep);
        Ok(())
    })));
    let r = route(&engine, "stress", &[sink], "%(relativeCreated)r %(message)s");
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let engine = &engine;
            s.spawn(move || {
                for i in 0..PER_THREAD {
                    log(engine, r, "%d %d", &[Value::Int(t as i64), Value::Int(i)]);
                }
            });
        }
    });
    engine.flush();
    let c = check.lock().unwrap();
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.lines, THREADS as u64 * PER_THREAD as u64);
    assert!(c.next.iter().all(|&n| n == PER_THREAD), "{:?}", c.next);
    assert_eq!(engine.sink_counts(sink).written, THREADS as u64 * PER_THREAD as u64);
    assert_eq!(engine.counts().dropped, 0);
}

/// A sink slow enough that small rings overflow.
fn slow_counting_sink(engine: &Engine) -> (SinkId, Arc<Mutex<u64>>) {
    let n = Arc::new(Mutex::new(0u64));
    let c = n.clone();
    let sink = engine.add_sink(Box::new(FnSink(move |batch: &[u8]| {
        std::thread::sleep(Duration::from_micros(200));
        *c.lock().unwrap() += batch.iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(())
    })));
    (sink, n)
}

fn overflow_accounting(policy: OverflowPolicy) {
    let engine = Engine::builder().ring_capacity(4096).overflow(policy).build();
    let (sink, lines) = slow_counting_sink(&engine);
    let r = route(&engine, "drop", &[sink], "%(message)s");
    let logged = 4 * 50_000u64;
    std::thread::scope(|s| {
        for t in 0..4 {
            let engine = &engine;
            s.spawn(move || {
                for i in 0..50_000 {
                    let rec = RecordSpec {
                        route: r.0,
                        level: 20,
                        template: "record %d %d padding padding padding",
                        args: Args::Positional(&[Value::Int(t), Value::Int(i)]),
                        fields: &[],
                    };
                    engine.log(&rec).unwrap();
                }
            });
        }
    });
    engine.flush();
    let written = *lines.lock().unwrap();
    let dropped = engine.counts().dropped;
    assert!(dropped > 0, "the test must overflow the rings");
    assert_eq!(written + dropped, logged);
    assert_eq!(engine.sink_counts(sink).dropped, dropped);
    assert_eq!(engine.sink_counts(sink).written, written);
}

#[test]
fn drop_policy_written_plus_dropped_equals_logged() {
    overflow_accounting(OverflowPolicy::Drop);
}

#[test]
fn timeout_policy_written_plus_dropped_equals_logged() {
    overflow_accounting(OverflowPolicy::Timeout(Duration::from_micros(20)));
}

fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4
}

#[test]
fn rings_of_exited_threads_are_reclaimed() {
    let engine = Engine::builder().ring_capacity(256 * 1024).build();
    let (sink, buf) = capture(&engine);
    let r = route(&engine, "threads", &[sink], "%(message)s");
    let spawn_many = |n: i64| {
        for i in 0..n {
            let engine = &engine;
            std::thread::scope(|s| {
                s.spawn(move || log(engine, r, "t%d", &[Value::Int(i)]));
            });
        }
        engine.flush();
    };
    spawn_many(1_000);
    std::thread::sleep(Duration::from_millis(50));
    let before = rss_kib();
    spawn_many(10_000);
    std::thread::sleep(Duration::from_millis(50));
    let after = rss_kib();
    // Unreclaimed, 10,000 rings of 256 KiB would be 2.5 GiB.
    assert!(after < before + 64 * 1024, "RSS grew from {before} KiB to {after} KiB");
    assert_eq!(text(&buf).lines().count(), 11_000);
}

#[test]
fn record_larger_than_the_ring_is_delivered_in_order() {
    let engine = Engine::builder().ring_capacity(4096).build();
    let (sink, buf) = capture(&engine);
    let r = route(&engine, "big", &[sink], "%(message)s");
    let big = "x".repeat(100_000);
    log(&engine, r, "before", &[]);
    log(&engine, r, "%s", &[Value::Str(&big)]);
    log(&engine, r, "after", &[]);
    engine.flush();
    assert_eq!(text(&buf), format!("before\n{big}\nafter\n"));
}

#[test]
fn a_new_route_affects_only_later_records_and_close_stops_a_sink() {
    let engine = Engine::builder().build();
    let (a, buf_a) = capture(&engine);
    let r1 = route(&engine, "app", &[a], "%(name)s:%(message)s");
    log(&engine, r1, "one", &[]);
    let (b, buf_b) = capture(&engine);
    let r2 = route(&engine, "app", &[a, b], "%(name)s:%(message)s");
    log(&engine, r2, "two", &[]);
    engine.flush();
    assert_eq!(text(&buf_a), "app:one\napp:two\n");
    assert_eq!(text(&buf_b), "app:two\n");
    engine.close_sink(b);
    log(&engine, r2, "three", &[]);
    engine.flush();
    assert_eq!(text(&buf_a), "app:one\napp:two\napp:three\n");
    assert_eq!(text(&buf_b), "app:two\n");
}

#[test]
fn handler_levels_filter_per_target() {
    let engine = Engine::builder().build();
    let (a, buf_a) = capture(&engine);
    let (b, buf_b) = capture(&engine);
    let f = engine.add_formatter(FormatterSpec::percent("%(levelname)s %(message)s")).unwrap();
    let t = |sink, level| Target { sink, formatter: f, level, terminator: "\n".into() };
    let r = engine.add_route("lv", vec![t(a, 0), t(b, 30)]);
    for level in [10, 20, 30, 40, 35] {
        engine.log(&RecordSpec { route: r.0, level, template: "m", args: Args::Positional(&[]), fields: &[] }).unwrap();
    }
    engine.set_level_name(35, "NOTICE");
    engine.flush();
    assert_eq!(text(&buf_a), "DEBUG m\nINFO m\nWARNING m\nERROR m\nNOTICE m\n");
    assert_eq!(text(&buf_b), "WARNING m\nERROR m\nNOTICE m\n");
}

#[test]
fn file_sink_appends_and_flush_means_written() {
    let dir = std::env::temp_dir().join(format!("attolog-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("app.log");
    std::fs::write(&path, "existing\n").unwrap();
    let engine = Engine::builder().build();
    let sink = engine.add_sink(Box::new(FileSink::open(&path, FileMode::Append).unwrap()));
    let r = route(&engine, "file", &[sink], "%(levelname)s:%(name)s:%(message)s");
    for i in 0..1000 {
        log(&engine, r, "line %d of %s", &[Value::Int(i), Value::Str("file")]);
    }
    engine.flush();
    let got = std::fs::read_to_string(&path).unwrap();
    assert_eq!(got.lines().count(), 1001);
    assert!(got.starts_with("existing\nINFO:file:line 0 of file\n"));
    assert!(got.ends_with("INFO:file:line 999 of file\n"));
    drop(engine);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sink_errors_are_counted_and_logging_resumes() {
    let engine = Engine::builder().report_interval(Duration::from_millis(1)).build();
    let fail = Arc::new(Mutex::new(true));
    let f = fail.clone();
    let out = Arc::new(Mutex::new(String::new()));
    let o = out.clone();
    let sink = engine.add_sink(Box::new(FnSink(move |batch: &[u8]| {
        if *f.lock().unwrap() {
            return Err(io::Error::from_raw_os_error(libc::ENOSPC));
        }
        o.lock().unwrap().push_str(std::str::from_utf8(batch).unwrap());
        Ok(())
    })));
    let r = route(&engine, "err", &[sink], "%(message)s");
    log(&engine, r, "lost", &[]);
    engine.flush();
    *fail.lock().unwrap() = false;
    log(&engine, r, "kept", &[]);
    engine.flush();
    let c = engine.sink_counts(sink);
    assert_eq!((c.written, c.lost), (1, 1));
    assert!(c.errors >= 1);
    assert_eq!(*out.lock().unwrap(), "kept\n");
}

/// A sink that takes at most `budget` more bytes, then fails like a full
/// disk after writing what fitted.
struct Budget(Arc<Mutex<(usize, Vec<u8>)>>);

impl Sink for Budget {
    fn write_batch(&mut self, batch: &[u8]) -> attologging_engine::WriteResult {
        let (budget, out) = &mut *self.0.lock().unwrap();
        let n = batch.len().min(*budget);
        out.extend_from_slice(&batch[..n]);
        *budget -= n;
        match n == batch.len() {
            true => Ok(()),
            false => Err(attologging_engine::WriteError { written: n, error: io::Error::from_raw_os_error(libc::ENOSPC) }),
        }
    }
    fn describe(&self) -> String {
        "budget sink".into()
    }
}

#[test]
fn a_partial_write_counts_whole_records_and_the_next_starts_a_line() {
    let engine = Engine::builder().report_interval(Duration::from_secs(3600)).build();
    let state = Arc::new(Mutex::new((8, Vec::new())));
    let sink = engine.add_sink(Box::new(Budget(state.clone())));
    let r = route(&engine, "partial", &[sink], "%(message)s");
    for m in ["aaaa", "bbbb", "cccc"] {
        log(&engine, r, m, &[]);
    }
    engine.flush(); // "aaaa\n" and "bbb" land: one written, two lost (one torn)
    let c = engine.sink_counts(sink);
    assert_eq!((c.written, c.lost), (1, 2));
    state.lock().unwrap().0 = 0; // still full: nothing lands, the newline is owed
    log(&engine, r, "dddd", &[]);
    engine.flush();
    state.lock().unwrap().0 = 1 << 20;
    log(&engine, r, "eeee", &[]);
    engine.flush();
    let c = engine.sink_counts(sink);
    assert_eq!((c.written, c.lost), (2, 3));
    assert_eq!(state.lock().unwrap().1, b"aaaa\nbbb\neeee\n");
}

#[test]
fn stream_sink_on_a_bad_fd_does_not_stall() {
    let engine = Engine::builder().build();
    let sink = engine.add_sink(Box::new(attologging_engine::StreamSink::new(987_654)));
    let r = route(&engine, "badfd", &[sink], "%(message)s");
    log(&engine, r, "nowhere", &[]);
    engine.flush();
    assert_eq!(engine.sink_counts(sink).lost, 1);
}

#[test]
fn log_after_shutdown_is_an_error() {
    let engine = Engine::builder().build();
    let (sink, buf) = capture(&engine);
    let r = route(&engine, "end", &[sink], "%(message)s");
    log(&engine, r, "last", &[]);
    engine.shutdown();
    assert_eq!(text(&buf), "last\n");
    let rec = RecordSpec { route: r.0, level: 20, template: "late", args: Args::Positional(&[]), fields: &[] };
    assert!(engine.log(&rec).is_err());
}

#[test]
fn datagrams_to_several_sinks_leave_in_the_order_logged() {
    use attologging_engine::{NetSink, Peer};
    let receiver = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    receiver.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let engine = Engine::builder().build();
    let peer = || Peer::Udp(vec![receiver.local_addr().unwrap()]);
    let (a, b) = (engine.add_sink(Box::new(NetSink::new(peer(), Default::default()))), engine.add_sink(Box::new(NetSink::new(peer(), Default::default()))));
    let (ra, rb) = (route(&engine, "a", &[a], "a%(message)s"), route(&engine, "b", &[b], "b%(message)s"));
    let n = 100;
    for i in 0..n {
        let r = if i % 2 == 0 { ra } else { rb };
        log(&engine, r, "%d", &[Value::Int(i)]);
    }
    engine.flush();
    let mut buf = [0u8; 64];
    for i in 0..n {
        let len = receiver.recv(&mut buf).unwrap_or_else(|e| panic!("datagram {i}: {e}"));
        let want = format!("{}{i}\n", if i % 2 == 0 { 'a' } else { 'b' });
        assert_eq!(std::str::from_utf8(&buf[..len]).unwrap(), want);
    }
}
