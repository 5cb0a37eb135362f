//! Sinks: where formatted text goes. The consumer hands each sink one batch
//! at a time (everything formatted for it in one pass), so a sink issues one
//! `write(2)` per batch, not per record.
//!
//! A sink never sees Python and never panics on I/O errors: it returns them,
//! and the consumer counts them, reports them to stderr once per interval, and
//! carries on with the next batch (so logging resumes when the fault clears).

use std::{fmt, io};

mod fd;
mod file;
mod mapped;
mod net;
mod rotating;
mod socket;
mod stream;
mod tls;
mod watched;

pub use file::{FileMode, FileSink};
pub use net::{Handover, NetOptions, NetSink, Peer};
pub use rotating::RotatingFileSink;
pub use stream::StreamSink;
pub use tls::{Tls, TlsOptions};
pub use watched::WatchedFileSink;

/// A batch write that stopped part-way: the first `written` bytes of the
/// batch landed, then `error` stopped the rest. The consumer counts the
/// records wholly inside `written` as written and the others as lost, and
/// starts the sink's next batch on a new line when the cut fell inside a
/// record.
#[derive(Debug)]
pub struct WriteError {
    pub written: usize,
    pub error: io::Error,
}

impl WriteError {
    /// The same failure, seen from a buffer that had `n` bytes landed
    /// before the part that failed.
    pub fn after(self, n: usize) -> WriteError {
        WriteError { written: n + self.written, error: self.error }
    }
}

impl From<io::Error> for WriteError {
    /// A failure before any byte of the batch landed.
    fn from(error: io::Error) -> WriteError {
        WriteError { written: 0, error }
    }
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

/// What a sink's write returns.
pub type WriteResult = Result<(), WriteError>;

/// A destination for formatted records (one per `Handler`).
pub trait Sink: Send {
    /// Writes all of `batch`, or returns the error that stopped it and how
    /// much of the batch had landed by then.
    fn write_batch(&mut self, batch: &[u8]) -> WriteResult;

    /// True for a sink that acts between records (rotation): the consumer
    /// then hands it batches through [`Sink::write_records`].
    fn wants_record_ends(&self) -> bool {
        false
    }

    /// True for a sink that sends each record on its own (datagrams): it
    /// gets each record as soon as it is rendered, not a batch per pass,
    /// so that records to several such sinks leave in the order they were
    /// logged (batching would save it no system call).
    fn sends_each_record(&self) -> bool {
        false
    }

    /// Writes `batch`, whose records end at the offsets `ends` (ascending,
    /// the last one `batch.len()`). Only called if `wants_record_ends()`.
    fn write_records(&mut self, batch: &[u8], ends: &[usize]) -> WriteResult {
        let _ = ends;
        self.write_batch(batch)
    }

    /// An error that cost no records (a failed rollover: the records went
    /// to the current file), taken once; the consumer counts and reports it.
    fn take_error(&mut self) -> Option<io::Error> {
        None
    }

    /// Records the sink accepted but then had to drop (a network peer's
    /// outage buffer overflowed, a frame over its size limit), taken once;
    /// the consumer counts them as lost.
    fn take_dropped(&mut self) -> u64 {
        0
    }

    /// For a sink that sends records later than it is given them (a
    /// network sink's buffer): the records it handed to the OS whole since
    /// the consumer last asked. `None` (the default): a batch written
    /// without error is handed to the OS, all its records.
    fn take_delivered(&mut self) -> Option<u64> {
        None
    }

    /// Called on every consumer pass, records or not: a sink with work of
    /// its own (a network sink retrying its peer) does it here.
    fn poll(&mut self) {}

    /// Starts a new file now if the sink's policy says so: a rotating sink
    /// rolls over (`doRollover()`), a watched one reopens if its path names
    /// another file (`reopenIfNeeded()`). A no-op for other sinks.
    fn renew_file(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Pushes anything the sink buffers itself to the OS (`handler.flush()`).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Releases the sink's resources (`handler.close()`), after its last batch.
    fn close(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// A short description for error reports (`file '/var/log/app.log'`).
    fn describe(&self) -> String;
}

/// A sink that discards everything (benchmarks, and `NullHandler`-like uses).
#[derive(Debug, Default)]
pub struct NullSink {
    /// Total bytes it was given.
    pub bytes: u64,
}

impl Sink for NullSink {
    fn write_batch(&mut self, batch: &[u8]) -> WriteResult {
        self.bytes += batch.len() as u64;
        Ok(())
    }

    fn describe(&self) -> String {
        "null sink".to_owned()
    }
}
