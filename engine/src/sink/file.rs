use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use super::{fd::write_all, Sink, WriteResult};

/// How a [`FileSink`] opens its file (`FileHandler`'s `mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileMode {
    /// `'a'`: append (`O_APPEND`), creating the file if needed.
    Append,
    /// `'w'`: truncate, then write.
    Truncate,
}

/// A file the sink opens and owns (`logging.FileHandler`). Created with mode
/// 0666 minus the process umask, like Python's `open()`; in append mode every
/// batch lands at the end of the file even when other processes append too.
#[derive(Debug)]
pub struct FileSink {
    path: PathBuf,
    file: Option<File>,
}

impl FileSink {
    pub fn open(path: impl AsRef<Path>, mode: FileMode) -> io::Result<FileSink> {
        let path = path.as_ref().to_path_buf();
        let mut o = OpenOptions::new();
        match mode {
            FileMode::Append => o.append(true).create(true),
            FileMode::Truncate => o.write(true).create(true).truncate(true),
        };
        let file = o.open(&path)?;
        Ok(FileSink { path, file: Some(file) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Sink for FileSink {
    fn write_batch(&mut self, batch: &[u8]) -> WriteResult {
        match &self.file {
            Some(f) => write_all(f.as_raw_fd(), batch),
            None => Err(io::Error::new(io::ErrorKind::Other, "file sink is closed").into()),
        }
    }

    fn close(&mut self) -> io::Result<()> {
        self.file = None;
        Ok(())
    }

    fn describe(&self) -> String {
        format!("file '{}'", self.path.display())
    }
}
