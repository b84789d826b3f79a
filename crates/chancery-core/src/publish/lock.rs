//! One publisher per workspace at a time.
//!
//! An entry left `sending` is only an orphan (safe to reconcile and send again) if no other
//! publisher is in the middle of sending it. The publisher therefore holds an exclusive OS
//! file lock on `<data dir>/publisher.lock` for as long as it runs: the desktop app and
//! `chancery publish` cannot both publish for one workspace, and the kernel releases the lock
//! when the process dies, however it dies.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::CoreError;

/// The lock file in the data folder.
pub const LOCK_FILE: &str = "publisher.lock";

/// Held while a publisher runs; released on drop (or when the process ends).
#[derive(Debug)]
pub struct PublisherLock {
    _file: File,
    path: PathBuf,
}

impl PublisherLock {
    /// Take the lock of the workspace in `data_dir`, or say who has it.
    pub fn acquire(data_dir: &Path) -> Result<PublisherLock, CoreError> {
        let path = data_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| CoreError::io(format!("opening {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                return Err(CoreError::Conflict(format!(
                    "another Chancery publisher is already running for this workspace{} (the \
                     desktop app or `chancery publish`); only one may publish at a time",
                    if holder.trim().is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", holder.trim())
                    }
                )));
            }
            Err(TryLockError::Error(e)) => {
                return Err(CoreError::io(format!("locking {}", path.display()), e))
            }
        }
        // Who holds it, for the message above (best effort).
        let _ = file.set_len(0);
        let _ = write!(file, "process {}", std::process::id());
        let _ = file.flush();
        Ok(PublisherLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_publisher_is_refused_until_the_first_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let first = PublisherLock::acquire(dir.path()).unwrap();
        let e = PublisherLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(e, CoreError::Conflict(_)), "{e}");
        assert!(e.to_string().contains("already running"), "{e}");
        drop(first);
        PublisherLock::acquire(dir.path()).unwrap();
    }
}
