//! The file a rotating sink is writing, appended to through a memory map.
//!
//! While records flow, the file ends in a preallocated segment: `fallocate`
//! reserves the blocks (so a full disk or a file-size limit is an error code
//! from `fallocate`, never a `SIGBUS` from a store into a sparse page), the
//! segment is mapped, records are copied into it, and the pages ahead of the
//! cursor are touched so that the copies do not fault. The unused tail is cut
//! off (`ftruncate` to the true end) when the consumer goes idle, on flush,
//! before a rollover and on close: between bursts the file's size is exactly
//! what was written.
//!
//! Every batch holds an exclusive `flock` on the file, and the sink re-derives
//! the true end whenever the file changed since its last batch, so several
//! processes (each with an attologging sink) can append to one path without
//! overwriting each other. The true end of a file whose last bytes are NULs
//! (a segment left behind by a killed process, or another process's live
//! tail) is just after its last non-NUL byte; if that byte is not a newline
//! (a record torn by the kill) a newline is written first, so the next record
//! starts a line of its own.
//!
//! When the map cannot be used (a FIFO or device, a filesystem without `mmap`
//! or `fallocate`, an `flock` held by another program for more than a second)
//! the file is written with `O_APPEND` `write(2)`s instead, and the sink says
//! so once on stderr.
//!
//! ```
//! use attologging_engine::sink::{FileMode, RotatingFileSink, Sink};
//! let path = std::env::temp_dir().join(format!("mapped-doc-{}.log", std::process::id()));
//! let mut sink = RotatingFileSink::delayed(&path, FileMode::Truncate, 0, 0, false).through_map(true).opened().unwrap();
//! sink.write_batch(b"one\n").unwrap();
//! // While records flow, the file ends in a preallocated segment of NULs ...
//! assert!(std::fs::metadata(&path).unwrap().len() > 4);
//! // ... cut off when the consumer goes idle, on flush and on close.
//! sink.flush().unwrap();
//! assert_eq!(std::fs::read(&path).unwrap(), b"one\n");
//! # std::fs::remove_file(&path).unwrap();
//! ```

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, FileTypeExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use memmap2::{MmapMut, MmapOptions};

use super::{fd::write_all, FileMode, WriteResult};

/// How much the file grows at a time while records flow.
const SEGMENT: u64 = 4 << 20;
/// How far ahead of the cursor pages are faulted in.
const TOUCH_AHEAD: u64 = 256 << 10;
const PAGE: u64 = 4096;
/// How long a batch waits for another program's `flock` before the sink
/// gives up on the map.
const LOCK_PATIENCE: Duration = Duration::from_secs(1);
const UNLOCKED_WRITER: &str = "another program appends to the file without taking its lock";

/// A file opened for appending, through a map when it can be.
#[derive(Debug)]
pub(crate) struct ActiveFile {
    file: File,
    path: PathBuf,
    /// False once the sink writes with `O_APPEND` instead.
    mapped: bool,
    regular: bool,
    /// The largest segment to preallocate (a rotating file's `maxBytes`).
    segment: u64,
    /// Whether this sink holds the `flock` (during a batch).
    locked: bool,
    /// The true end: where the next record goes (while `locked`).
    end: u64,
    /// The file's size as this sink last left it.
    size: u64,
    /// The mapped segment: file offsets `base..size`.
    map: Option<(MmapMut, u64)>,
    /// File offset below which the map's pages have been faulted in.
    touched: u64,
}

impl ActiveFile {
    /// Opens `path` (`Truncate`: emptied first). With `map` false, or for a
    /// file that is not a regular file, the sink writes with `O_APPEND`.
    pub fn open(path: &Path, mode: FileMode, map: bool, segment: u64) -> io::Result<ActiveFile> {
        // A FIFO or device is opened as the stdlib opens it (write-only,
        // which waits for a FIFO's reader); only regular files are mapped.
        let regular = std::fs::metadata(path).map_or(true, |m| m.file_type().is_file());
        let mapped = map && regular;
        let mut o = OpenOptions::new();
        o.create(true).read(mapped);
        match (mode, mapped) {
            (FileMode::Truncate, _) => o.write(true).truncate(true),
            (FileMode::Append, true) => o.write(true),
            (FileMode::Append, false) => o.append(true),
        };
        let file = o.open(path)?;
        let ft = file.metadata()?.file_type();
        let regular = ft.is_file() && !ft.is_fifo();
        Ok(ActiveFile {
            file,
            path: path.to_path_buf(),
            mapped,
            regular,
            segment: segment.clamp(PAGE, SEGMENT),
            locked: false,
            end: 0,
            size: 0,
            map: None,
            touched: 0,
        })
    }

    /// A regular file (rotation applies), not a FIFO or device.
    pub fn is_regular(&self) -> bool {
        self.regular
    }

    /// Starts a batch: takes the lock and returns the file's true end (its
    /// size, for a sink writing with `O_APPEND`).
    pub fn begin(&mut self) -> io::Result<u64> {
        if !self.mapped {
            return Ok(self.file.metadata()?.len());
        }
        if !self.locked {
            if let Err(why) = self.lock() {
                self.fall_back(&why, true);
                return Ok(self.file.metadata()?.len());
            }
        }
        let size = self.file.metadata()?.len();
        if size > self.size && self.size > self.end && self.nul_at(self.end)? {
            // The file grew past this sink's tail, and the tail is as it
            // left it: a writer that ignores the lock appended at the size.
            self.fall_back(UNLOCKED_WRITER, false);
            return Ok(size);
        }
        // Unchanged since this sink's last batch: same size, and nobody
        // wrote at the cursor (another sink appending into this tail).
        let unchanged = size == self.size && (self.end == size || self.byte_at(self.end) == Some(0));
        if !unchanged {
            self.map = None;
            self.size = size;
            self.end = self.true_end(size)?;
        }
        Ok(self.end)
    }

    /// Appends `buf` at the true end (within a batch).
    pub fn append(&mut self, buf: &[u8]) -> WriteResult {
        if !self.mapped {
            return write_all(self.file.as_raw_fd(), buf);
        }
        if !self.locked {
            self.begin()?;
            if !self.mapped {
                return write_all(self.file.as_raw_fd(), buf);
            }
        }
        let need = self.end + buf.len() as u64;
        if self.map.as_ref().map_or(true, |(_, base)| *base > self.end) || need > self.size {
            match self.map_through(need) {
                Ok(true) => {}
                Ok(false) => {
                    self.fall_back(UNLOCKED_WRITER, false);
                    return write_all(self.file.as_raw_fd(), buf);
                }
                Err(e) if is_unsupported(&e) => {
                    self.fall_back(&format!("cannot map the file ({e})"), true);
                    return write_all(self.file.as_raw_fd(), buf);
                }
                Err(e) => return Err(e.into()),
            }
        }
        let (map, base) = self.map.as_mut().expect("mapped above");
        let at = (self.end - *base) as usize;
        copy_in_order(&mut map[at..at + buf.len()], buf);
        self.end = need;
        // Fault in the pages ahead of the cursor now, not during the next
        // copy: in one madvise call where the kernel has it (5.14+), else
        // one store per page.
        let ahead = (self.end + TOUCH_AHEAD).min(self.size);
        let from = self.touched.max(self.end).next_multiple_of(PAGE);
        if from < ahead {
            let (start, len) = ((from - *base) as usize, (ahead - from) as usize);
            if map.advise_range(memmap2::Advice::PopulateWrite, start, len).is_err() {
                for page in (start..start + len).step_by(PAGE as usize) {
                    map[page] = 0; // the tail is NULs and this sink's alone (locked)
                }
            }
            self.touched = ahead;
        }
        Ok(())
    }

    /// Ends a batch: releases the lock (the segment stays mapped).
    pub fn finish(&mut self) {
        if self.locked {
            self.unlock();
        }
    }

    /// Cuts the unused tail off (the file's size becomes its true end) and
    /// unmaps it; the next batch preallocates again.
    pub fn trim(&mut self) -> io::Result<()> {
        if !self.mapped || (self.map.is_none() && !self.locked) {
            return Ok(());
        }
        let result = self.begin().and_then(|end| {
            self.map = None;
            if self.mapped && self.size > end {
                self.file.set_len(end)?;
                self.size = end;
            }
            Ok(())
        });
        self.finish();
        result
    }

    /// Grows the file to at least `need` bytes and maps `end..size`.
    /// `Ok(false)`: a writer that ignores the lock appended at the file's
    /// size during this batch, where the sink was about to grow into.
    fn map_through(&mut self, need: u64) -> io::Result<bool> {
        self.map = None;
        let grown_from = self.size;
        if need > self.size {
            // Under the lock the size changes only by such a writer. One
            // that appends between this check and the allocation is caught
            // below: after it, the file is longer than anything appended.
            if self.file.metadata()?.len() != self.size {
                return Ok(false);
            }
            let want = need.max(self.end + self.segment).next_multiple_of(PAGE);
            self.size = match allocate(&self.file, self.size, want) {
                Ok(()) => want,
                // A whole segment may not fit (disk, RLIMIT_FSIZE): then just the records.
                Err(e) if want > need && !is_unsupported(&e) => allocate(&self.file, self.size, need).map(|()| need)?,
                Err(e) => return Err(e),
            };
        }
        // SAFETY: the map covers `end..size`, inside the file (its size was
        // just read, and only grows while this sink holds the lock). Its bytes
        // are only ever read and written as plain bytes, under the `flock` that
        // every attologging sink on this file takes for each batch and after
        // checking that nobody changed the file since (`begin`), so no other
        // writer that follows the protocol changes them concurrently. A
        // program that truncates the file without the lock during a batch
        // would make the next store raise SIGBUS: documented in docs/handlers.md.
        let map = unsafe { MmapOptions::new().offset(self.end).len((self.size - self.end) as usize).map_mut(&self.file)? };
        // What was appended at the old size before the allocation is where
        // this batch's records would go.
        let fresh = (grown_from.max(self.end) - self.end) as usize..(need.min(self.size) - self.end) as usize;
        if map.get(fresh).is_some_and(|b| b.iter().any(|&b| b != 0)) {
            return Ok(false);
        }
        self.map = Some((map, self.end));
        self.touched = self.end;
        Ok(true)
    }

    fn nul_at(&self, at: u64) -> io::Result<bool> {
        let mut b = [1u8];
        self.file.read_exact_at(&mut b, at)?;
        Ok(b[0] == 0)
    }

    fn byte_at(&self, at: u64) -> Option<u8> {
        let (map, base) = self.map.as_ref()?;
        map.get(at.checked_sub(*base)? as usize).copied()
    }

    /// The offset just after the last non-NUL byte, with a newline added
    /// after a torn last record (see the module's documentation).
    fn true_end(&mut self, size: u64) -> io::Result<u64> {
        let mut end = size;
        let mut chunk = vec![0u8; 64 << 10];
        while end > 0 {
            let n = chunk.len().min(end as usize);
            self.file.read_exact_at(&mut chunk[..n], end - n as u64)?;
            match chunk[..n].iter().rposition(|&b| b != 0) {
                Some(i) => {
                    end = end - n as u64 + i as u64 + 1;
                    if end < size && chunk[i] != b'\n' {
                        self.file.write_all_at(b"\n", end)?;
                        end += 1;
                    }
                    return Ok(end);
                }
                None => end -= n as u64,
            }
        }
        Ok(0)
    }

    fn lock(&mut self) -> Result<(), String> {
        let start = Instant::now();
        loop {
            // SAFETY: flock(2) on a descriptor this struct owns; no memory is passed.
            if unsafe { libc::flock(self.file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                self.locked = true;
                return Ok(());
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock if start.elapsed() < LOCK_PATIENCE => std::thread::sleep(Duration::from_millis(1)),
                io::ErrorKind::WouldBlock => return Err("another program holds a lock on the file".into()),
                _ => return Err(format!("cannot lock the file ({e})")),
            }
        }
    }

    fn unlock(&mut self) {
        // SAFETY: as in `lock`. Unlocking a descriptor cannot fail in a way
        // that matters here: the lock goes with the descriptor at close anyway.
        unsafe { libc::flock(self.file.as_raw_fd(), libc::LOCK_UN) };
        self.locked = false;
    }

    /// From now on, writes go through `O_APPEND`; says so once. `trim`:
    /// cut this sink's unused tail off first (not when another writer's
    /// records may lie past it).
    fn fall_back(&mut self, why: &str, trim: bool) {
        if self.locked {
            self.map = None;
            if trim && self.size > self.end && self.file.set_len(self.end).is_ok() {
                self.size = self.end;
            }
            self.unlock();
        }
        self.map = None;
        self.mapped = false;
        if self.set_append().is_ok() {
            eprintln!("attologging: {}: {why}; writing with O_APPEND instead of a memory map", self.path.display());
        }
    }

    fn set_append(&self) -> io::Result<()> {
        let fd = self.file.as_raw_fd();
        // SAFETY: fcntl(2) F_GETFL/F_SETFL on a descriptor this struct owns; no memory is passed.
        let r = unsafe { libc::fcntl(fd, libc::F_SETFL, libc::fcntl(fd, libc::F_GETFL) | libc::O_APPEND) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Extends the file from `from` to `to` bytes with real blocks.
fn allocate(file: &File, from: u64, to: u64) -> io::Result<()> {
    if to <= from {
        return Ok(());
    }
    loop {
        // SAFETY: fallocate(2) on a descriptor we own, with in-range offsets; no memory is passed.
        let r = unsafe { libc::fallocate(file.as_raw_fd(), 0, from as libc::off_t, (to - from) as libc::off_t) };
        if r == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// An error that says the filesystem cannot preallocate or map, rather
/// than that it is full.
fn is_unsupported(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::ENOSYS | libc::ENODEV | libc::EACCES | libc::EINVAL))
}

/// Copies `src` into `dst` front to back, one aligned 8-byte store at a
/// time, so that a process killed during the copy leaves a prefix of `src`
/// followed by the tail's NULs, never a hole: `true_end` then finds the cut
/// (a plain `memcpy` may store the end of a large copy first). Each store
/// is one instruction, which a kill -9 cannot split; volatile keeps the
/// compiler from merging or reordering them.
fn copy_in_order(dst: &mut [u8], src: &[u8]) {
    assert_eq!(dst.len(), src.len());
    let (head, words, tail) = {
        // SAFETY: any bit pattern is a valid u64, and `align_to_mut` only
        // returns the aligned middle part of the slice as u64s.
        unsafe { dst.align_to_mut::<u64>() }
    };
    let (src_head, rest) = src.split_at(head.len());
    let (src_words, src_tail) = rest.split_at(words.len() * 8);
    for (d, s) in head.iter_mut().zip(src_head) {
        // SAFETY: `d` is a valid, aligned, exclusive reference.
        unsafe { std::ptr::write_volatile(d, *s) };
    }
    for (d, s) in words.iter_mut().zip(src_words.chunks_exact(8)) {
        let w = u64::from_ne_bytes(s.try_into().expect("chunks of 8"));
        // SAFETY: `d` is a valid, aligned, exclusive reference.
        unsafe { std::ptr::write_volatile(d, w) };
    }
    for (d, s) in tail.iter_mut().zip(src_tail) {
        // SAFETY: `d` is a valid, aligned, exclusive reference.
        unsafe { std::ptr::write_volatile(d, *s) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(name: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("attologging-mapped-{name}-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&p);
        p
    }

    fn append(f: &mut ActiveFile, text: &[u8]) {
        f.begin().unwrap();
        f.append(text).unwrap();
        f.finish();
    }

    #[test]
    fn preallocates_while_writing_and_trims_to_the_true_end() {
        let p = path("trim");
        let mut f = ActiveFile::open(&p, FileMode::Append, true, u64::MAX).unwrap();
        for i in 0..10_000 {
            append(&mut f, format!("record {i}\n").as_bytes());
        }
        let written: u64 = (0..10_000).map(|i| format!("record {i}\n").len() as u64).sum();
        assert!(f.mapped);
        assert!(std::fs::metadata(&p).unwrap().len() > written);
        f.trim().unwrap();
        let text = std::fs::read(&p).unwrap();
        assert_eq!(text.len() as u64, written);
        assert!(text.ends_with(b"record 9999\n"));
    }

    #[test]
    fn recovers_the_true_end_after_a_crash() {
        for (left, expect) in [(&b"a\nb\n"[..], &b"a\nb\nc\n"[..]), (b"a\nbb", b"a\nbb\nc\n"), (b"", b"c\n")] {
            let p = path("crash");
            let mut content = left.to_vec();
            content.resize(left.len() + 10_000, 0); // the segment a killed process left
            std::fs::write(&p, &content).unwrap();
            let mut f = ActiveFile::open(&p, FileMode::Append, true, u64::MAX).unwrap();
            append(&mut f, b"c\n");
            f.trim().unwrap();
            assert_eq!(std::fs::read(&p).unwrap(), expect);
        }
    }

    #[test]
    fn two_writers_on_one_path_never_overwrite_each_other() {
        // Two descriptors lock each other out exactly as two processes do.
        let p = path("two");
        let mut a = ActiveFile::open(&p, FileMode::Append, true, u64::MAX).unwrap();
        let mut b = ActiveFile::open(&p, FileMode::Append, true, u64::MAX).unwrap();
        let mut expect = Vec::new();
        for i in 0..2000 {
            let (f, who) = if i % 3 == 0 { (&mut b, "b") } else { (&mut a, "a") };
            let line = format!("{who} {i}\n");
            append(f, line.as_bytes());
            expect.extend_from_slice(line.as_bytes());
        }
        a.trim().unwrap();
        b.trim().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), expect);
    }

    #[test]
    fn a_writer_that_ignores_the_lock_loses_nothing_and_the_sink_falls_back() {
        use std::io::Write;
        let lines = |p: &Path| -> Vec<String> {
            let text = std::fs::read(p).unwrap().into_iter().filter(|&b| b != 0).collect::<Vec<u8>>();
            String::from_utf8(text).unwrap().lines().map(str::to_owned).collect()
        };
        // More than the 4 KiB segment: the sink grows the file.
        let big = format!("{}\n", "b".repeat(5000));
        // 1. Between batches: the other's line lands past the sink's tail.
        // 2. Inside a batch, just before the sink grows the file.
        for inside in [false, true] {
            let p = path(if inside { "unlocked-in" } else { "unlocked-between" });
            let mut f = ActiveFile::open(&p, FileMode::Append, true, PAGE).unwrap();
            let mut other = OpenOptions::new().append(true).open(&p).unwrap();
            append(&mut f, b"a1\n");
            if inside {
                f.begin().unwrap();
                other.write_all(b"std\n").unwrap();
                f.append(big.as_bytes()).unwrap();
                f.finish();
            } else {
                other.write_all(b"std\n").unwrap();
                append(&mut f, big.as_bytes());
            }
            assert!(!f.mapped, "the sink writes with O_APPEND from now on");
            append(&mut f, b"a3\n");
            other.write_all(b"std2\n").unwrap();
            f.trim().unwrap();
            assert_eq!(lines(&p), ["a1", "std", big.trim_end(), "a3", "std2"]);
            let nuls = std::fs::read(&p).unwrap().iter().filter(|&&b| b == 0).count();
            assert!(nuls <= 2 * PAGE as usize, "one segment's tail is left behind at most: {nuls}");
        }
    }

    #[test]
    fn non_regular_files_are_written_with_o_append() {
        let mut f = ActiveFile::open(Path::new("/dev/null"), FileMode::Append, true, u64::MAX).unwrap();
        assert!(!f.mapped && !f.is_regular());
        append(&mut f, b"x\n");
    }

    #[test]
    fn a_lock_held_elsewhere_falls_back_to_o_append() {
        let p = path("locked");
        std::fs::write(&p, b"first\n").unwrap();
        let other = File::open(&p).unwrap();
        // SAFETY: flock(2) on a descriptor the test owns.
        assert_eq!(unsafe { libc::flock(other.as_raw_fd(), libc::LOCK_EX) }, 0);
        let mut f = ActiveFile::open(&p, FileMode::Append, true, u64::MAX).unwrap();
        append(&mut f, b"second\n");
        assert!(!f.mapped);
        append(&mut f, b"third\n");
        assert_eq!(std::fs::read(&p).unwrap(), b"first\nsecond\nthird\n");
    }

    #[test]
    fn copy_in_order_copies_every_alignment() {
        let src: Vec<u8> = (0..100u8).collect();
        for off in 0..9 {
            for len in [0, 1, 7, 8, 9, 63, 91] {
                let mut dst = vec![0u8; 100];
                copy_in_order(&mut dst[off..off + len], &src[..len]);
                assert_eq!(&dst[off..off + len], &src[..len]);
                assert!(dst[..off].iter().chain(&dst[off + len..]).all(|&b| b == 0));
            }
        }
    }
}
