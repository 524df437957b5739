//! The files of one run, from any thread: each text is read once and kept
//! for the run; each parse tree is kept for the stacks, includes and extends
//! that use it until the check of its directory `release`s it (a later
//! unit that needs the file again parses the kept text again).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use super::LoadProblem;
use crate::paths::display_path;
use crate::source::yaml::{self, Node};
use crate::source::{FileId, ReadError, SourceFile, SourceMap, Span, read_text};

type Parsed = Arc<Result<Node, LoadProblem>>;

#[derive(Default)]
struct Inner {
    ids: HashMap<PathBuf, FileId>,
    /// Parse trees kept for reuse until `release`d.
    parsed: HashMap<FileId, Parsed>,
    /// Compose files parsed at least once.
    composed: HashSet<FileId>,
    /// Files that could not be read as text: their problem is kept for the
    /// run (their registered text is not theirs to parse again).
    unreadable: HashSet<FileId>,
}

/// Texts stay for the whole run (reports quote them); parse trees only until
/// the stacks that use them are checked.
pub struct FileTable {
    cwd: PathBuf,
    sources: SourceMap,
    inner: Mutex<Inner>,
}

impl FileTable {
    pub fn new(cwd: &Path) -> Self {
        FileTable {
            cwd: cwd.to_path_buf(),
            sources: SourceMap::default(),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the table inconsistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Register a file's text (first registration wins) and return its id.
    pub fn add(&self, path: &Path, text: String) -> FileId {
        // The line index is built before taking the lock: threads only queue to insert.
        let display = display_path(path, &self.cwd);
        let file = SourceFile::new(path.to_path_buf(), display, text);
        let mut inner = self.lock();
        if let Some(id) = inner.ids.get(path) {
            return *id;
        }
        let id = self.sources.push(file);
        inner.ids.insert(path.to_path_buf(), id);
        id
    }

    pub fn id(&self, path: &Path) -> Option<FileId> {
        self.lock().ids.get(path).copied()
    }

    /// A compose file, read once and parsed once while its tree is kept.
    pub fn compose(&self, path: &Path) -> (FileId, Parsed) {
        let known = {
            let inner = self.lock();
            match inner.ids.get(path) {
                Some(id) => match inner.parsed.get(id) {
                    Some(p) => return (*id, p.clone()),
                    None => Some(*id),
                },
                None => None,
            }
        };
        // Read and parse outside the lock; another thread may do the same file
        // meanwhile, and the first to finish wins.
        let (id, parsed) = match known {
            // Read before (its tree was released): parse the text the run
            // already holds, which every finding's span points into.
            Some(id) => {
                let text = self.sources.get(id).map_or("", |f| f.text.as_str());
                (id, tree(id, yaml::parse(text)))
            }
            None => self.read_and_parse(path),
        };
        let mut inner = self.lock();
        inner.composed.insert(id);
        let entry = inner.parsed.entry(id).or_insert(parsed);
        (id, entry.clone())
    }

    fn read_and_parse(&self, path: &Path) -> (FileId, Parsed) {
        match read_text(path) {
            Ok(text) => {
                let parsed = yaml::parse(&text);
                let id = self.add(path, text);
                (id, tree(id, parsed))
            }
            Err(e) => {
                let (text, at) = match &e {
                    ReadError::NotUtf8 { offset, lossy } => (lossy.clone(), *offset),
                    _ => (String::new(), 0),
                };
                let id = self.add(path, text);
                self.lock().unreadable.insert(id);
                let problem = LoadProblem {
                    span: Span::new(id, at, at),
                    message: e.to_string(),
                };
                (id, Arc::new(Err(problem)))
            }
        }
    }

    /// Drop the parse trees of these files (their texts stay). A later
    /// `compose` of one of them parses the kept text again.
    pub fn release(&self, ids: &[FileId]) {
        let mut inner = self.lock();
        for id in ids {
            if !inner.unreadable.contains(id) {
                inner.parsed.remove(id);
            }
        }
    }

    /// Every file read so far, for reading while others are still added.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    pub fn display(&self, id: FileId) -> String {
        self.sources
            .get(id)
            .map_or_else(String::new, |f| f.display.clone())
    }

    pub fn display_path(&self, path: &Path) -> String {
        display_path(path, &self.cwd)
    }

    /// The 1-based line of a span.
    pub fn line_of(&self, span: Span) -> usize {
        self.sources
            .get(span.file)
            .map_or(0, |f| f.line_col(span.start).line)
    }

    /// How many compose files were read (stacks, includes and `extends` files).
    pub fn compose_count(&self) -> usize {
        self.lock().composed.len()
    }

    pub fn into_sources(self) -> SourceMap {
        self.sources
    }
}

/// A parse result as the loader reads it: the tree, or the problem at its place.
fn tree(id: FileId, parsed: Result<yaml::Node, yaml::YamlError>) -> Parsed {
    Arc::new(parsed.map_err(|e| {
        let at = e.offset.unwrap_or(0);
        LoadProblem {
            span: Span::new(id, at, at),
            message: format!("invalid YAML: {}", e.message),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_released_file_is_parsed_again_from_the_kept_text_and_counted_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("compose.yaml");
        std::fs::write(&path, "services:\n  web:\n    image: a\n").unwrap();
        let table = FileTable::new(dir.path());
        let (id, first) = table.compose(&path);
        table.release(&[id]);
        // The run's copy is what findings point into, whatever the disk says now.
        std::fs::write(&path, "services:\n  other:\n    image: b\n").unwrap();
        let (again, second) = table.compose(&path);
        assert_eq!(again, id);
        assert_eq!(first, second);
        assert_eq!(table.compose_count(), 1);
    }

    #[test]
    fn an_unreadable_file_keeps_its_problem_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("compose.yaml");
        std::fs::write(&path, b"services:\n  web: \xff\n").unwrap();
        let table = FileTable::new(dir.path());
        let (id, first) = table.compose(&path);
        assert!(first.is_err());
        table.release(&[id]);
        let (_, second) = table.compose(&path);
        assert_eq!(first, second);
    }
}
