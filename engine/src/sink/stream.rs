use std::os::fd::RawFd;

use super::{fd::write_all, Sink, WriteResult};

/// Writes to a file descriptor the caller owns: stdout, stderr, an open file
/// or pipe (what `logging.StreamHandler` wraps). Closing the sink never
/// closes the descriptor.
#[derive(Debug)]
pub struct StreamSink {
    fd: RawFd,
}

impl StreamSink {
    /// A sink on `fd`, which must stay open while the sink is in use (a
    /// closed or reused descriptor gives EBADF or stray output, never UB).
    pub fn new(fd: RawFd) -> StreamSink {
        StreamSink { fd }
    }

    pub fn stdout() -> StreamSink {
        StreamSink::new(1)
    }

    pub fn stderr() -> StreamSink {
        StreamSink::new(2)
    }
}

impl Sink for StreamSink {
    fn write_batch(&mut self, batch: &[u8]) -> WriteResult {
        write_all(self.fd, batch)
    }

    fn describe(&self) -> String {
        match self.fd {
            1 => "stream <stdout>".to_owned(),
            2 => "stream <stderr>".to_owned(),
            fd => format!("stream fd {fd}"),
        }
    }
}
