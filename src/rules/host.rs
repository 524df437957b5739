//! What the rules may learn of the host's file system, through one door: the
//! pipeline makes a [`Host`] for each unit and hands it to the rules in their
//! [`Context`](super::Context). Rules never call `std::fs` themselves.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// One entry of a host directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The file name, lossily converted to UTF-8.
    pub name: String,
    /// A directory (not following a symbolic link).
    pub is_dir: bool,
}

/// Facts about host paths, read on first demand and kept: several rules ask
/// about the same mount, and they run in parallel, so each cache sits behind
/// a mutex.
#[derive(Debug, Default)]
pub struct Host {
    exists: Cache<bool>,
    executable: Cache<bool>,
    dirs: Cache<Option<Vec<DirEntry>>>,
}

impl Host {
    /// Is there anything at `path` (following symbolic links)?
    pub fn exists(&self, path: &Path) -> bool {
        self.exists.get(path, Path::exists)
    }

    /// Is `path` a regular file with an executable bit set? Always `false`
    /// where the file system has no such bit.
    pub fn is_executable_file(&self, path: &Path) -> bool {
        self.executable.get(path, executable_file)
    }

    /// The entries of the directory `dir`, in no particular order; `None`
    /// when it cannot be read (absent, not a directory, no permission).
    pub fn list_dir(&self, dir: &Path) -> Option<Vec<DirEntry>> {
        self.dirs.get(dir, read_entries)
    }
}

#[cfg(test)]
impl Host {
    /// A host on which `dir` holds `entries` (a name ending in `/` is a
    /// directory), or is absent (`None`), for tests that should not depend
    /// on the disk.
    pub(super) fn with_dir(self, dir: &Path, entries: Option<&[&str]>) -> Self {
        let listed = entries.map(|entries| {
            entries
                .iter()
                .map(|e| DirEntry {
                    name: e.trim_end_matches('/').to_owned(),
                    is_dir: e.ends_with('/'),
                })
                .collect()
        });
        self.dirs.get(dir, |_| listed);
        self
    }
}

#[cfg(unix)]
fn executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn executable_file(_path: &Path) -> bool {
    false
}

fn read_entries(dir: &Path) -> Option<Vec<DirEntry>> {
    let entries = std::fs::read_dir(dir).ok()?;
    Some(
        entries
            .filter_map(Result::ok)
            .map(|e| DirEntry {
                name: e.file_name().to_string_lossy().into_owned(),
                is_dir: e.file_type().is_ok_and(|t| t.is_dir()),
            })
            .collect(),
    )
}

/// Answers by path. The file system is read outside the lock, so a slow
/// read holds up no other rule; two rules asking at once may both read.
#[derive(Debug)]
struct Cache<T>(Mutex<HashMap<PathBuf, T>>);

impl<T> Default for Cache<T> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

impl<T: Clone> Cache<T> {
    fn get(&self, path: &Path, read: impl FnOnce(&Path) -> T) -> T {
        {
            // A rule that panicked while holding the lock left the map whole.
            let known = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(v) = known.get(path) {
                return v.clone();
            }
        }
        let value = read(path);
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(path.to_path_buf())
            .or_insert(value)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_file_system_once_per_path() -> std::io::Result<()> {
        let tmp = tempfile::tempdir()?;
        std::fs::create_dir(tmp.path().join("sub"))?;
        std::fs::write(tmp.path().join("run.sh"), "#!/bin/sh\n")?;
        let host = Host::default();
        assert!(host.exists(&tmp.path().join("run.sh")));
        assert!(!host.exists(&tmp.path().join("missing")));
        let mut entries = host.list_dir(tmp.path()).unwrap_or_default();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let names: Vec<(&str, bool)> = entries
            .iter()
            .map(|e| (e.name.as_str(), e.is_dir))
            .collect();
        assert_eq!(names, [("run.sh", false), ("sub", true)]);
        assert_eq!(host.list_dir(&tmp.path().join("missing")), None);
        // Cached: a file removed after the first answer is still there.
        std::fs::remove_file(tmp.path().join("run.sh"))?;
        assert!(host.exists(&tmp.path().join("run.sh")));
        assert_eq!(host.list_dir(tmp.path()).map(|e| e.len()), Some(2));
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn executable_only_for_files_with_the_bit() -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir()?;
        let script = tmp.path().join("start.sh");
        let plain = tmp.path().join("README.md");
        std::fs::write(&script, "#!/bin/sh\n")?;
        std::fs::write(&plain, "hello\n")?;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644))?;
        let host = Host::default();
        assert!(host.is_executable_file(&script));
        assert!(!host.is_executable_file(&plain));
        assert!(!host.is_executable_file(tmp.path()));
        assert!(!host.is_executable_file(&tmp.path().join("missing")));
        Ok(())
    }
}
