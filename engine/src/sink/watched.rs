//! A file that is reopened when its path comes to name another file
//! (`logging.handlers.WatchedFileHandler`): after `logrotate` renames or
//! deletes it, the next batch goes to a new file at the path.
//!
//! Before each batch the sink compares the device and inode of `path` with
//! those of the file it has open, and reopens (creating the file) when they
//! differ or the path is gone. The stdlib checks before each record, in the
//! calling thread; here records logged just before a rename may land in the
//! new file, never in neither.
//!
//! ```
//! use attologging_engine::sink::{FileMode, Sink, WatchedFileSink};
//! let dir = std::env::temp_dir().join(format!("watch-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("app.log");
//! let mut sink = WatchedFileSink::open(&path, FileMode::Truncate).unwrap();
//! sink.write_batch(b"before\n").unwrap();
//! std::fs::rename(&path, dir.join("app.log.1")).unwrap();   // logrotate
//! sink.write_batch(b"after\n").unwrap();
//! assert_eq!(std::fs::read(&path).unwrap(), b"after\n");
//! assert_eq!(std::fs::read(dir.join("app.log.1")).unwrap(), b"before\n");
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{fd::write_all, FileMode, Sink, WriteResult};

/// A file reopened by path when the path names another file.
#[derive(Debug)]
pub struct WatchedFileSink {
    path: PathBuf,
    mode: FileMode,
    /// The open file with its (device, inode); `None` until the first write
    /// for a delayed sink.
    file: Option<(File, (u64, u64))>,
    reopens: u64,
}

impl WatchedFileSink {
    /// Opens `path` now.
    pub fn open(path: impl AsRef<Path>, mode: FileMode) -> io::Result<WatchedFileSink> {
        let mut sink = WatchedFileSink::delayed(path, mode);
        sink.reopen()?;
        Ok(sink)
    }

    /// A sink that opens `path` on its first write (`delay=True`).
    pub fn delayed(path: impl AsRef<Path>, mode: FileMode) -> WatchedFileSink {
        WatchedFileSink { path: path.as_ref().to_path_buf(), mode, file: None, reopens: 0 }
    }

    /// How many times the file was reopened after a change at its path.
    pub fn reopens(&self) -> u64 {
        self.reopens
    }

    fn reopen(&mut self) -> io::Result<()> {
        let mut o = OpenOptions::new();
        match self.mode {
            FileMode::Append => o.append(true).create(true),
            FileMode::Truncate => o.write(true).create(true).truncate(true),
        };
        // Dropped first, as the stdlib closes before it opens.
        if self.file.take().is_some() {
            self.reopens += 1;
        }
        let f = o.open(&self.path)?;
        let m = f.metadata()?;
        self.mode = FileMode::Append;
        self.file = Some((f, (m.dev(), m.ino())));
        Ok(())
    }

    /// Reopens if `path` no longer names the open file.
    pub fn reopen_if_needed(&mut self) -> io::Result<()> {
        let current = match fs::metadata(&self.path) {
            Ok(m) => Some((m.dev(), m.ino())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        match &self.file {
            Some((_, id)) if Some(*id) == current => Ok(()),
            _ => self.reopen(),
        }
    }
}

impl Sink for WatchedFileSink {
    fn write_batch(&mut self, batch: &[u8]) -> WriteResult {
        self.reopen_if_needed()?;
        let (f, _) = self.file.as_ref().expect("opened by reopen_if_needed");
        write_all(f.as_raw_fd(), batch)
    }

    /// Reopens now if the path names another file (`reopenIfNeeded()`).
    fn renew_file(&mut self) -> io::Result<()> {
        self.reopen_if_needed()
    }

    fn close(&mut self) -> io::Result<()> {
        self.file = None;
        Ok(())
    }

    fn describe(&self) -> String {
        format!("watched file '{}'", self.path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("attologging-watch-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn reopens_after_delete_and_rename() {
        let d = dir("both");
        let p = d.join("a.log");
        let mut s = WatchedFileSink::open(&p, FileMode::Append).unwrap();
        s.write_batch(b"1\n").unwrap();
        fs::remove_file(&p).unwrap();
        s.write_batch(b"2\n").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"2\n");
        fs::rename(&p, d.join("old")).unwrap();
        s.write_batch(b"3\n").unwrap();
        s.write_batch(b"4\n").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"3\n4\n");
        assert_eq!(fs::read(d.join("old")).unwrap(), b"2\n");
        assert_eq!(s.reopens(), 2);
    }

    #[test]
    fn delayed_sink_creates_the_file_on_first_write() {
        let d = dir("delay");
        let p = d.join("a.log");
        let mut s = WatchedFileSink::delayed(&p, FileMode::Truncate);
        assert!(!p.exists());
        s.renew_file().unwrap();
        assert!(p.exists());
        s.write_batch(b"x\n").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"x\n");
        assert_eq!(s.reopens(), 0);
    }
}
