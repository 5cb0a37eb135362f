//! Writing a whole buffer to a file descriptor, the way a log sink must:
//! retried on `EINTR`, continued after a short write, and waited out (with
//! `poll`) on a non-blocking descriptor that reports `EAGAIN`.

use std::io;
use std::os::fd::RawFd;

/// Writes all of `buf` to `fd`.
pub(crate) fn write_all(fd: RawFd, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        // SAFETY: `buf` is a valid, initialized byte slice for its whole length;
        // write(2) only reads from it. A bad `fd` is reported as EBADF, not UB.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n >= 0 {
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::WriteZero, "write returned 0"));
            }
            buf = &buf[n as usize..];
            continue;
        }
        let e = io::Error::last_os_error();
        match e.kind() {
            io::ErrorKind::Interrupted => continue,
            io::ErrorKind::WouldBlock => wait_writable(fd)?,
            _ => return Err(e),
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
