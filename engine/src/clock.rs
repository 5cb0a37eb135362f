//! The one clock records are stamped with: the wall clock (`CLOCK_REALTIME`),
//! in nanoseconds since the Unix epoch — what Python's `time.time_ns()` reads.

/// Nanoseconds since the Unix epoch, from `CLOCK_REALTIME` (a vDSO call on
/// Linux: no syscall).
#[inline]
pub fn now_ns() -> i64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_REALTIME always exists,
    // so clock_gettime cannot fail here (and on failure `ts` stays zeroed).
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
    ts.tv_sec as i64 * 1_000_000_000 + ts.tv_nsec as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn agrees_with_system_time() {
        let sys = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as i64;
        assert!((super::now_ns() - sys).abs() < 1_000_000_000);
    }
}
