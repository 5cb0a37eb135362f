//! Criterion benches for the engine alone (no Python):
//!
//! - `producer/3_scalar_args`: one log call from a producer thread — size,
//!   reserve, write, stamp, commit — timed over bursts of 1,000 calls that fit
//!   in the ring (the consumer drains between bursts, untimed), so the figure
//!   is the caller's own cost, not the consumer's rate.
//! - `consumer/format_asctime_levelname_name_message`: what the consumer does
//!   per record for `%(asctime)s %(levelname)s %(name)s %(message)s` — decode
//!   the record, interpolate `msg % args`, compute the time fields, format —
//!   into a reused buffer (the discarding sink). Throughput = 1 / time.
//! - `engine/end_to_end_100k`: 100,000 records logged then flushed through a
//!   `NullSink`: producer and consumer together.
//!
//! - `clock/now_ns`: the timestamp read alone, part of every producer call.
//! - `rotating_sink/{mapped,o_append}`: a `RotatingFileSink` (10 MB files,
//!   2 backups) taking batches of 512 records of 100 bytes, as the consumer
//!   hands them over: through the memory map against plain `O_APPEND`
//!   writes, with the tail trimmed every 64 batches as the idle consumer would.
//!
//! Run: `cargo bench -p attologging-engine --bench engine`

use std::hint::black_box;
use std::time::{Duration, Instant};

use attologging_engine::formatter::RecordCtx;
use attologging_engine::pytime::time_fields;
use attologging_engine::sink::{FileMode, RotatingFileSink, Sink};
use attologging_engine::{pyfmt, Args, Engine, Formatter, FormatterSpec, NullSink, RecordSpec, RecordView, Target, Value};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const TEMPLATE: &str = "user %s did %d things in %.3f s";

fn producer(c: &mut Criterion) {
    let engine = Engine::builder().ring_capacity(1 << 20).build();
    let sink = engine.add_sink(Box::new(NullSink::default()));
    let f = engine.add_formatter(FormatterSpec::percent("%(asctime)s %(levelname)s %(name)s %(message)s")).unwrap();
    let route = engine.add_route("bench", vec![Target { sink, formatter: f, level: 0, terminator: "\n".into() }]);
    let mut g = c.benchmark_group("producer");
    g.throughput(Throughput::Elements(1));
    g.bench_function("3_scalar_args", |b| {
        const BURST: u64 = 1000;
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut done = 0;
            while done < iters {
                let n = BURST.min(iters - done);
                let start = Instant::now();
                for i in 0..n as i64 {
                    let args = [Value::Str("alice"), Value::Int(i), Value::Float(0.5)];
                    let rec = RecordSpec { route: route.0, level: 20, template: TEMPLATE, args: Args::Positional(&args), fields: &[] };
                    black_box(engine.log(black_box(&rec)).unwrap());
                }
                total += start.elapsed();
                done += n;
                engine.flush();
            }
            total
        })
    });
    g.finish();
    engine.flush();
}

fn consumer(c: &mut Criterion) {
    let formatter = Formatter::compile(FormatterSpec::percent("%(asctime)s %(levelname)s %(name)s %(message)s")).unwrap();
    let version = attologging_engine::pytime::PyVersion::new(3, 14, 0);
    let mut state = formatter.new_state(version).unwrap();
    let args = [Value::Str("alice"), Value::Int(42), Value::Float(0.5)];
    let spec = RecordSpec { route: 0, level: 20, template: TEMPLATE, args: Args::Positional(&args), fields: &[] };
    let start = attologging_engine::clock::now_ns();
    let mut bytes = spec.to_vec(0, start).unwrap();
    let mut message = Vec::with_capacity(256);
    let mut out = Vec::with_capacity(1 << 16);
    let mut g = c.benchmark_group("consumer");
    g.throughput(Throughput::Elements(1));
    g.bench_function("format_asctime_levelname_name_message", |b| {
        let mut ts = start;
        b.iter(|| {
            // Records arrive about 200 ns apart: the date cache is hit within a second.
            ts += 200;
            bytes[8..16].copy_from_slice(&ts.to_le_bytes());
            let view = RecordView::parse(black_box(&bytes)).unwrap();
            let mut vals = [Value::None; 16];
            let mut n = 0;
            for (_, v) in view.args() {
                vals[n] = v;
                n += 1;
            }
            message.clear();
            pyfmt::interpolate(view.template, Args::Positional(&vals[..n]), &mut message).unwrap();
            let ctx = RecordCtx {
                view: &view,
                logger: "bench",
                levelname: "INFO",
                message: std::str::from_utf8(&message).unwrap(),
                time: time_fields(view.ts_ns, start, version),
            };
            formatter.format(&ctx, &mut state, &mut out).unwrap();
            out.push(b'\n');
            if out.len() > 60_000 {
                out.clear();
            }
        })
    });
    g.finish();
}

fn end_to_end(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(100_000));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("end_to_end_100k", |b| {
        let engine = Engine::builder().ring_capacity(1 << 20).build();
        let sink = engine.add_sink(Box::new(NullSink::default()));
        let f = engine.add_formatter(FormatterSpec::percent("%(asctime)s %(levelname)s %(name)s %(message)s")).unwrap();
        let route = engine.add_route("bench", vec![Target { sink, formatter: f, level: 0, terminator: "\n".into() }]);
        b.iter(|| {
            for i in 0..100_000i64 {
                let args = [Value::Str("alice"), Value::Int(i), Value::Float(0.5)];
                let rec = RecordSpec { route: route.0, level: 20, template: TEMPLATE, args: Args::Positional(&args), fields: &[] };
                engine.log(&rec).unwrap();
            }
            engine.flush();
        })
    });
    g.finish();
}

/// What the producer's timestamp alone costs (`CLOCK_REALTIME` through the vDSO).
fn clock(c: &mut Criterion) {
    c.bench_function("clock/now_ns", |b| b.iter(|| black_box(attologging_engine::clock::now_ns())));
}

/// The rotating sink's two ways of writing its file, batch by batch.
fn rotating_sink(c: &mut Criterion) {
    const RECORDS: usize = 512;
    let mut batch = Vec::new();
    let mut ends = Vec::new();
    for i in 0..RECORDS {
        batch.extend_from_slice(format!("2026-11-21 10:00:00,123 INFO app.worker request {i:>8} served in 1.25 ms by worker 3 ok{:>20}\n", "").as_bytes());
        ends.push(batch.len());
    }
    let dir = std::env::temp_dir().join(format!("attologging-bench-rot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut g = c.benchmark_group("rotating_sink");
    g.throughput(Throughput::Bytes(batch.len() as u64));
    for (name, map) in [("mapped", true), ("o_append", false)] {
        let path = dir.join(format!("{name}.log"));
        let mut sink = RotatingFileSink::delayed(&path, FileMode::Truncate, 10_000_000, 2, false).through_map(map).opened().unwrap();
        let mut n = 0u64;
        g.bench_function(name, |b| {
            b.iter(|| {
                sink.write_records(black_box(&batch), &ends).unwrap();
                n += 1;
                if n % 64 == 0 {
                    sink.flush().unwrap();
                }
            })
        });
        sink.close().unwrap();
    }
    g.finish();
    std::fs::remove_dir_all(&dir).unwrap();
}

criterion_group!(benches, producer, consumer, end_to_end, clock, rotating_sink);
criterion_main!(benches);
