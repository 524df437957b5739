//! The files of one run, from any thread: each text is read once and kept
//! for the run; each parse tree is kept for the stacks, includes and extends
//! that use it until the check of its directory `release`s it (a later
//! unit that needs the file again parses the kept text again).

use std::collections::HashMap;
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
    composed: usize,
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

    /// A compose file, read and parsed once.
    pub fn compose(&self, path: &Path) -> (FileId, Parsed) {
        {
            let inner = self.lock();
            if let Some(id) = inner.ids.get(path)
                && let Some(p) = inner.parsed.get(id)
            {
                return (*id, p.clone());
            }
        }
        // Read and parse outside the lock; another thread may do the same file
        // meanwhile, and the first to finish wins.
        let (text, result) = match read_text(path) {
            Ok(text) => {
                let parsed = yaml::parse(&text);
                (text, Ok(parsed))
            }
            Err(e) => {
                let (text, at) = match &e {
                    ReadError::NotUtf8 { offset, lossy } => (lossy.clone(), *offset),
                    _ => (String::new(), 0),
                };
                (text, Err((e.to_string(), at)))
            }
        };
        let id = self.add(path, text);
        let parsed: Parsed = Arc::new(match result {
            Ok(Ok(node)) => Ok(node),
            Ok(Err(e)) => {
                let at = e.offset.unwrap_or(0);
                Err(LoadProblem {
                    span: Span::new(id, at, at),
                    message: format!("invalid YAML: {}", e.message),
                })
            }
            Err((message, at)) => Err(LoadProblem {
                span: Span::new(id, at, at),
                message,
            }),
        });
        let mut inner = self.lock();
        if !inner.parsed.contains_key(&id) {
            inner.composed += 1;
        }
        let entry = inner.parsed.entry(id).or_insert(parsed);
        (id, entry.clone())
    }

    /// Drop the parse trees of these files (their texts stay). A later
    /// `compose` of one of them parses it again.
    pub fn release(&self, ids: &[FileId]) {
        let mut inner = self.lock();
        for id in ids {
            inner.parsed.remove(id);
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
        self.lock().composed
    }

    pub fn into_sources(self) -> SourceMap {
        self.sources
    }
}
