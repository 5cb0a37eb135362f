//! The consumer parks when idle. Its own test binary (= its own process), so
//! the CPU time it measures is the engine's alone.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use attologging_engine::{Args, Engine, FormatterSpec, RecordSpec, Sink, Target};

struct Discard(Arc<Mutex<u64>>);

impl Sink for Discard {
    fn write_batch(&mut self, batch: &[u8]) -> attologging_engine::sink::WriteResult {
        *self.0.lock().unwrap() += batch.len() as u64;
        Ok(())
    }
    fn describe(&self) -> String {
        "discard".into()
    }
}

fn process_cpu() -> Duration {
    // SAFETY: an all-zero `rusage` is a valid value, and getrusage writes a
    // whole `rusage` through the valid pointer we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1_000_000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
    Duration::from_micros(us as u64)
}

#[test]
fn idle_consumer_uses_almost_no_cpu() {
    let engine = Engine::builder().build();
    let bytes = Arc::new(Mutex::new(0));
    let sink = engine.add_sink(Box::new(Discard(bytes.clone())));
    let f = engine.add_formatter(FormatterSpec::percent("%(message)s")).unwrap();
    let r = engine.add_route("idle", vec![Target { sink, formatter: f, level: 0, terminator: "\n".into() }]);
    let log = |msg: &str| {
        engine.log(&RecordSpec { route: r.0, level: 20, template: msg, args: Args::Positional(&[]), fields: &[] }).unwrap();
    };
    log("wake");
    engine.flush();
    std::thread::sleep(Duration::from_millis(300)); // past the nap phase
    let before = process_cpu();
    std::thread::sleep(Duration::from_secs(1));
    let used = process_cpu() - before;
    assert!(used < Duration::from_millis(50), "idle engine used {used:?} of CPU in 1 s");
    // And a record after the long sleep still arrives promptly.
    log("again");
    engine.flush();
    assert_eq!(*bytes.lock().unwrap(), 11);
}
