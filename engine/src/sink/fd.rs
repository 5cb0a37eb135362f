//! Writing a whole buffer to a file descriptor, the way a log sink must:
//! retried on `EINTR`, continued after a short write, and waited out (with
//! `poll`) on a non-blocking descriptor that reports `EAGAIN`.

use std::io;
use std::os::fd::RawFd;

use super::{WriteError, WriteResult};

/// Writes all of `buf` to `fd`; on failure, says how much of it landed.
pub(crate) fn write_all(fd: RawFd, buf: &[u8]) -> WriteResult {
    let mut written = 0;
    while written < buf.len() {
        let rest = &buf[written..];
        // SAFETY: `rest` is a valid, initialized byte slice for its whole length;
        // write(2) only reads from it. A bad `fd` is reported as EBADF, not UB.
        let n = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        if n > 0 {
            written += n as usize;
            continue;
        }
        let error = match n {
            0 => io::Error::new(io::ErrorKind::WriteZero, "write returned 0"),
            _ => io::Error::last_os_error(),
        };
        match error.kind() {
            io::ErrorKind::Interrupted => continue,
            io::ErrorKind::WouldBlock => wait_writable(fd).map_err(|error| WriteError { written, error })?,
            _ => return Err(WriteError { written, error }),
        }
    }
    Ok(())
}

fn wait_writable(fd: RawFd) -> io::Result<()> {
    let mut p = libc::pollfd { fd, events: libc::POLLOUT, revents: 0 };
    // SAFETY: `p` is one valid pollfd and we pass a count of 1.
    let r = unsafe { libc::poll(&mut p, 1, 1000) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(())
}
