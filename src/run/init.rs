//! `berth init`: a commented starter berth.yml, never over an existing one.

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{} already exists; not overwriting it", .0.display())]
    Exists(std::path::PathBuf),
    #[error("cannot write {}", path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Write the starter configuration to `path` unless something is there.
pub fn write_starter(path: &Path) -> Result<(), InitError> {
    if path.exists() {
        return Err(InitError::Exists(path.to_path_buf()));
    }
    std::fs::write(path, crate::config::starter()).map_err(|source| InitError::Write {
        path: path.to_path_buf(),
        source,
    })
}
