//! Size-based rotation (`logging.handlers.RotatingFileHandler`), decided on
//! the consumer thread record by record.
//!
//! Before each record the sink applies the stdlib's rule: with `max_bytes`
//! and `backup_count` both non-zero, a record of `n` bytes (its terminator
//! included) that would take the file from `pos` to `pos + n >= max_bytes`
//! first rolls the file over: `path.(i)` becomes `path.(i+1)` from the
//! highest index down (the oldest, `path.(backup_count)`, is replaced), then
//! `path` becomes `path.1`, and the record starts a new `path`. Files that
//! are not regular files (`/dev/null`, a FIFO) never roll over. From Python
//! 3.13 (and 3.12.6) an empty file never rolls over either (`rotate_empty`
//! is false), so a record bigger than `max_bytes` gets a file of its own
//! instead of leaving an empty backup behind.
//!
//! `pos` is the file's true end at the start of each batch (so another
//! process appending to the same file counts, as the stdlib's `seek(0, 2)`
//! makes it count), plus what this sink wrote since.
//!
//! The file is written with `O_APPEND` writes, or, with
//! [`RotatingFileSink::through_map`], through a memory map with a
//! preallocated tail (see [`ActiveFile`](super::mapped)), trimmed when the
//! consumer goes idle, on flush, before each rollover and on close.
//!
//! ```
//! use attologging_engine::sink::{FileMode, RotatingFileSink, Sink};
//! let dir = std::env::temp_dir().join(format!("rot-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("app.log");
//! let mut sink = RotatingFileSink::open(&path, FileMode::Truncate, 10, 2, false).unwrap();
//! // Three 6-byte records: each second one would reach 10 bytes, so it rolls over.
//! sink.write_records(b"aaaaa\nbbbbb\nccccc\n", &[6, 12, 18]).unwrap();
//! sink.flush().unwrap(); // cuts the preallocated tail off (the consumer does when idle)
//! assert_eq!(std::fs::read(&path).unwrap(), b"ccccc\n");
//! assert_eq!(std::fs::read(dir.join("app.log.1")).unwrap(), b"bbbbb\n");
//! assert_eq!(std::fs::read(dir.join("app.log.2")).unwrap(), b"aaaaa\n");
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{mapped::ActiveFile, FileMode, Sink, WriteError, WriteResult};

/// A file that rolls over to numbered backups by size.
#[derive(Debug)]
pub struct RotatingFileSink {
    path: PathBuf,
    max_bytes: u64,
    backup_count: u32,
    rotate_empty: bool,
    /// How the next open treats an existing file (`Truncate` only before
    /// the first open, as `FileHandler(mode='w')` does).
    mode: FileMode,
    /// `None` until the first write (`delay=True`) and after a rollover.
    file: Option<ActiveFile>,
    /// Write through a memory map (else `O_APPEND` writes).
    map: bool,
    /// Open the file only when a record comes (`delay=True`), also after
    /// a rollover.
    delay: bool,
    regular: bool,
    rollovers: u64,
    /// The first failed rollover since the consumer last asked.
    rollover_error: Option<io::Error>,
}

impl RotatingFileSink {
    /// Opens `path` now (a `FileHandler` without `delay`).
    pub fn open(path: impl AsRef<Path>, mode: FileMode, max_bytes: u64, backup_count: u32, rotate_empty: bool) -> io::Result<RotatingFileSink> {
        RotatingFileSink::delayed(path, mode, max_bytes, backup_count, rotate_empty).opened()
    }

    /// This sink with its file open now (no longer delayed).
    pub fn opened(mut self) -> io::Result<RotatingFileSink> {
        self.delay = false;
        self.ensure_open()?;
        Ok(self)
    }

    /// Chooses how files opened from now on are written: with plain
    /// `O_APPEND` writes (the default: measured faster on ext4, see
    /// docs/handlers.md) or through a memory map (`map`).
    pub fn through_map(mut self, map: bool) -> RotatingFileSink {
        self.map = map;
        self
    }

    /// A sink that opens `path` on its first write (`delay=True`).
    pub fn delayed(path: impl AsRef<Path>, mode: FileMode, max_bytes: u64, backup_count: u32, rotate_empty: bool) -> RotatingFileSink {
        RotatingFileSink {
            path: path.as_ref().to_path_buf(),
            max_bytes,
            backup_count,
            rotate_empty,
            mode,
            file: None,
            map: false,
            delay: true,
            regular: true,
            rollovers: 0,
            rollover_error: None,
        }
    }

    /// How many times the file rolled over.
    pub fn rollovers(&self) -> u64 {
        self.rollovers
    }

    fn ensure_open(&mut self) -> io::Result<&mut ActiveFile> {
        if self.file.is_none() {
            // Preallocate no more than one file's worth.
            let segment = if self.max_bytes > 0 && self.backup_count > 0 { self.max_bytes } else { u64::MAX };
            let f = ActiveFile::open(&self.path, self.mode, self.map, segment)?;
            self.regular = f.is_regular();
            self.mode = FileMode::Append;
            self.file = Some(f);
        }
        Ok(self.file.as_mut().expect("opened above"))
    }

    /// Trims and closes the current file.
    fn close_file(&mut self) -> io::Result<()> {
        match self.file.take() {
            Some(mut f) => f.trim(),
            None => Ok(()),
        }
    }

    fn rolls_over(&self, pos: u64, len: u64) -> bool {
        self.max_bytes > 0 && self.backup_count > 0 && self.regular && (pos > 0 || self.rotate_empty) && pos + len >= self.max_bytes
    }

    fn numbered(&self, i: u32) -> PathBuf {
        let mut name = OsString::from(self.path.as_os_str());
        name.push(format!(".{i}"));
        PathBuf::from(name)
    }

    /// Closes the file and renames `path` to `path.1`, shifting the older
    /// backups up by one; a new `path` is opened now, or by the next write
    /// for a sink made with [`RotatingFileSink::delayed`].
    pub fn roll_over(&mut self) -> io::Result<()> {
        self.close_file()?;
        if self.backup_count == 0 {
            return Ok(());
        }
        for i in (1..self.backup_count).rev() {
            let (from, to) = (self.numbered(i), self.numbered(i + 1));
            if from.exists() {
                if to.exists() {
                    fs::remove_file(&to)?;
                }
                fs::rename(&from, &to)?;
            }
        }
        let first = self.numbered(1);
        if first.exists() {
            fs::remove_file(&first)?;
        }
        if self.path.exists() {
            fs::rename(&self.path, &first)?;
        }
        self.rollovers += 1;
        Ok(())
    }
}

impl RotatingFileSink {
    /// One batch, record by record, rolling over where the rule says.
    fn write_locked(&mut self, batch: &[u8], ends: &[usize]) -> WriteResult {
        let mut pos = self.ensure_open()?.begin()?;
        let (mut written, mut start) = (0, 0);
        for &end in ends {
            let len = (end - start) as u64;
            if self.rolls_over(pos, len) {
                self.ensure_open()?.append(&batch[written..start]).map_err(|e| e.after(written))?;
                written = start;
                let landed = |error| WriteError { written, error };
                // A failed rollover leaves the file (reopened) to take the
                // records, as in the stdlib the next record tries again; the
                // error is reported without counting anything lost.
                if let Err(e) = self.roll_over() {
                    self.rollover_error.get_or_insert(e);
                }
                pos = self.ensure_open().and_then(|f| f.begin()).map_err(landed)?;
            }
            pos += len;
            start = end;
        }
        self.ensure_open().map_err(|error| WriteError { written, error })?.append(&batch[written..]).map_err(|e| e.after(written))
    }
}

impl Sink for RotatingFileSink {
    fn write_batch(&mut self, batch: &[u8]) -> WriteResult {
        self.write_records(batch, &[batch.len()])
    }

    fn wants_record_ends(&self) -> bool {
        true
    }

    fn write_records(&mut self, batch: &[u8], ends: &[usize]) -> WriteResult {
        let result = self.write_locked(batch, ends);
        if let Some(f) = &mut self.file {
            f.finish();
        }
        result
    }

    fn take_error(&mut self) -> Option<io::Error> {
        self.rollover_error.take()
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.trim(),
            None => Ok(()),
        }
    }

    fn renew_file(&mut self) -> io::Result<()> {
        self.roll_over()?;
        if !self.delay {
            self.ensure_open()?;
        }
        Ok(())
    }

    fn close(&mut self) -> io::Result<()> {
        self.close_file()
    }

    fn describe(&self) -> String {
        format!("rotating file '{}'", self.path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("attologging-rot-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn records(lines: &[&str]) -> (Vec<u8>, Vec<usize>) {
        let mut batch = Vec::new();
        let mut ends = Vec::new();
        for l in lines {
            batch.extend_from_slice(l.as_bytes());
            batch.push(b'\n');
            ends.push(batch.len());
        }
        (batch, ends)
    }

    #[test]
    fn cascades_and_keeps_backup_count() {
        let d = dir("cascade");
        let p = d.join("a.log");
        let mut s = RotatingFileSink::open(&p, FileMode::Append, 8, 2, false).unwrap();
        let (b, e) = records(&["111", "222", "333", "444", "555"]);
        s.write_records(&b, &e).unwrap();
        // 4 bytes each: the second record of a file reaches 8 and rolls over.
        s.flush().unwrap(); // trims the preallocated tail, as the idle consumer does
        assert_eq!(fs::read(&p).unwrap(), b"555\n");
        assert_eq!(fs::read(d.join("a.log.1")).unwrap(), b"444\n");
        assert_eq!(fs::read(d.join("a.log.2")).unwrap(), b"333\n");
        assert!(!d.join("a.log.3").exists());
        assert_eq!(s.rollovers(), 4);
    }

    #[test]
    fn empty_file_rolls_over_only_when_asked() {
        for rotate_empty in [false, true] {
            let d = dir(&format!("empty-{rotate_empty}"));
            let p = d.join("a.log");
            let mut s = RotatingFileSink::open(&p, FileMode::Append, 4, 1, rotate_empty).unwrap();
            let (b, e) = records(&["too long"]);
            s.write_records(&b, &e).unwrap();
            s.flush().unwrap(); // trims the preallocated tail, as the idle consumer does
            assert_eq!(fs::read(&p).unwrap(), b"too long\n");
            assert_eq!(d.join("a.log.1").exists(), rotate_empty);
        }
    }

    #[test]
    fn zero_backups_or_zero_size_never_roll_over() {
        for (max, backups) in [(0, 3), (4, 0)] {
            let d = dir(&format!("never-{max}-{backups}"));
            let p = d.join("a.log");
            let mut s = RotatingFileSink::open(&p, FileMode::Append, max, backups, true).unwrap();
            let (b, e) = records(&["aaaa", "bbbb", "cccc"]);
            s.write_records(&b, &e).unwrap();
            s.flush().unwrap(); // trims the preallocated tail, as the idle consumer does
            assert_eq!(fs::read(&p).unwrap(), b"aaaa\nbbbb\ncccc\n");
            assert!(!d.join("a.log.1").exists());
        }
    }

    #[test]
    fn counts_existing_content_and_other_writers() {
        let d = dir("existing");
        let p = d.join("a.log");
        fs::write(&p, b"0123456\n").unwrap();
        let mut s = RotatingFileSink::delayed(&p, FileMode::Append, 10, 1, false);
        let (b, e) = records(&["x"]);
        s.write_records(&b, &e).unwrap(); // 8 + 2 >= 10
        assert_eq!(fs::read(d.join("a.log.1")).unwrap(), b"0123456\n");
        s.flush().unwrap(); // trims the preallocated tail, as the idle consumer does
        assert_eq!(fs::read(&p).unwrap(), b"x\n");
        std::io::Write::write_all(&mut fs::OpenOptions::new().append(true).open(&p).unwrap(), b"other\n").unwrap();
        s.write_records(&b, &e).unwrap(); // 2 + 6 + 2 >= 10
        s.flush().unwrap(); // trims the preallocated tail, as the idle consumer does
        assert_eq!(fs::read(&p).unwrap(), b"x\n");
        assert_eq!(fs::read(d.join("a.log.1")).unwrap(), b"x\nother\n");
    }

    #[test]
    fn truncate_mode_applies_to_the_first_open_only() {
        let d = dir("truncate");
        let p = d.join("a.log");
        fs::write(&p, b"old\n").unwrap();
        let mut s = RotatingFileSink::open(&p, FileMode::Truncate, 0, 0, false).unwrap();
        s.write_batch(b"new\n").unwrap();
        s.close().unwrap();
        s.write_batch(b"more\n").unwrap();
        s.flush().unwrap(); // trims the preallocated tail, as the idle consumer does
        assert_eq!(fs::read(&p).unwrap(), b"new\nmore\n");
    }

    #[test]
    fn renew_file_rolls_over_then_reopens() {
        let d = dir("now");
        let p = d.join("a.log");
        let mut s = RotatingFileSink::open(&p, FileMode::Append, 1000, 3, false).unwrap();
        s.write_batch(b"one\n").unwrap();
        s.renew_file().unwrap();
        s.flush().unwrap(); // trims the preallocated tail, as the idle consumer does
        assert_eq!(fs::read(&p).unwrap(), b"");
        s.write_batch(b"two\n").unwrap();
        s.flush().unwrap(); // trims the preallocated tail, as the idle consumer does
        assert_eq!(fs::read(&p).unwrap(), b"two\n");
        assert_eq!(fs::read(d.join("a.log.1")).unwrap(), b"one\n");
        let mut delayed = RotatingFileSink::delayed(&p, FileMode::Append, 1000, 3, false);
        delayed.renew_file().unwrap();
        assert!(!p.exists(), "a delayed sink opens the new file at the next write");
        delayed.write_batch(b"three\n").unwrap();
        delayed.flush().unwrap(); // trims the preallocated tail, as the idle consumer does
        assert_eq!(fs::read(&p).unwrap(), b"three\n");
    }

    #[test]
    fn non_regular_files_never_roll_over() {
        let mut s = RotatingFileSink::open("/dev/null", FileMode::Append, 1, 5, true).unwrap();
        let (b, e) = records(&["aaaa", "bbbb"]);
        s.write_records(&b, &e).unwrap();
        assert_eq!(s.rollovers(), 0);
    }

    #[test]
    fn failed_rollover_keeps_the_records() {
        let d = dir("failed");
        let p = d.join("a.log");
        // A non-empty directory where the first backup goes: it cannot be removed.
        fs::create_dir_all(d.join("a.log.1").join("x")).unwrap();
        let mut s = RotatingFileSink::open(&p, FileMode::Append, 8, 1, false).unwrap();
        let (b, e) = records(&["111", "222", "333"]);
        s.write_records(&b, &e).unwrap();
        s.flush().unwrap(); // trims the preallocated tail, as the idle consumer does
        assert_eq!(fs::read(&p).unwrap(), b"111\n222\n333\n");
        assert!(s.take_error().is_some());
        assert!(s.take_error().is_none());
    }

    #[test]
    fn mapped_and_o_append_files_end_up_the_same() {
        let mut seed = 7u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let batches: Vec<(Vec<u8>, Vec<usize>)> = (0..200)
            .map(|b| {
                let lines: Vec<String> = (0..next(20)).map(|i| format!("batch {b} record {i} {}", "x".repeat(next(300) as usize))).collect();
                records(&lines.iter().map(String::as_str).collect::<Vec<_>>())
            })
            .collect();
        let mut trees = Vec::new();
        for map in [false, true] {
            let d = dir(&format!("same-{map}"));
            let mut s = RotatingFileSink::delayed(d.join("a.log"), FileMode::Append, 4000, 3, false).through_map(map).opened().unwrap();
            for (i, (b, e)) in batches.iter().enumerate() {
                s.write_records(b, e).unwrap();
                if i % 17 == 0 {
                    s.flush().unwrap(); // the consumer went idle
                }
            }
            s.close().unwrap();
            let mut tree: Vec<(String, Vec<u8>)> =
                fs::read_dir(&d).unwrap().map(|e| e.unwrap()).map(|e| (e.file_name().into_string().unwrap(), fs::read(e.path()).unwrap())).collect();
            tree.sort();
            trees.push(tree);
        }
        assert_eq!(trees[0].len(), 4);
        assert!(trees[0] == trees[1], "the two ways of writing disagree");
    }
}
