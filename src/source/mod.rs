//! Every file berth reads, its text, and the spans that point into it.
//!
//! A [`Span`] is a file id plus a byte range. Lines and columns are derived
//! only when rendering: lines are 1-based, columns count Unicode scalar values
//! and are 1-based too.

pub mod yaml;
mod yaml_block;
mod yaml_events;

use std::path::{Path, PathBuf};

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start,
            end: end.max(start),
        }
    }
}

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// A 1-based line and column (columns count Unicode scalar values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// One file's text and its line index.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as given on disk.
    pub path: PathBuf,
    /// Path relative to the scan root, with forward slashes (used in every report).
    pub display: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        line_starts.shrink_to_fit();
        let mut text = text;
        text.shrink_to_fit();
        SourceFile {
            path,
            display,
            text,
            line_starts,
        }
    }

    /// Line and column of a byte offset (clamped to the text, snapped back to a char boundary).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line_idx).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        LineCol {
            line: line_idx + 1,
            column,
        }
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }
}

/// All files of one run. Files are only added, never removed, so ids stay
/// valid; threads add and read files at the same time without a lock (the
/// checks of different directories run in parallel and each reads the text
/// of the files it loaded while others are still loading theirs).
#[derive(Debug, Default)]
pub struct SourceMap {
    files: boxcar::Vec<SourceFile>,
}

impl SourceMap {
    pub fn from_files(files: Vec<SourceFile>) -> Self {
        SourceMap {
            files: files.into_iter().collect(),
        }
    }

    /// Add a file and return its id. Callers that must not add a path twice
    /// (the file table) serialise their calls.
    pub fn push(&self, file: SourceFile) -> FileId {
        FileId(u32::try_from(self.files.push(file)).unwrap_or(u32::MAX))
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// Replace the bytes of each span with `*` (each byte of a multi-byte
    /// character too), so that offsets, lines and columns stay valid.
    pub fn mask(&mut self, spans: &[Span]) {
        for span in spans {
            let Some(file) = self.files.get_mut(span.file.0 as usize) else {
                continue;
            };
            let (mut start, mut end) = (
                span.start.min(file.text.len()),
                span.end.min(file.text.len()),
            );
            while !file.text.is_char_boundary(start) {
                start -= 1;
            }
            while !file.text.is_char_boundary(end) {
                end += 1;
            }
            if start < end {
                let stars = "*".repeat(end - start);
                file.text.replace_range(start..end, &stars);
            }
        }
    }

    /// Every file's id.
    pub fn ids(&self) -> impl Iterator<Item = FileId> + use<> {
        (0..self.files.count()).map(|i| FileId(u32::try_from(i).unwrap_or(u32::MAX)))
    }

    pub fn display(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |f| f.display.as_str())
    }
}

/// Why a file's bytes could not be used as text.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("{0}")]
    Io(String),
    #[error("file is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: u64, limit: u64 },
    #[error("file looks binary (NUL byte at offset {offset})")]
    Binary { offset: usize },
    #[error("file is not valid UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 {
        offset: usize,
        /// The text with invalid bytes replaced, so the location can be shown.
        lossy: String,
    },
}

/// Largest file berth reads as text (compose files and Dockerfiles are far smaller).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Read a file as UTF-8 text, refusing large, binary and non-UTF-8 files.
/// Memory use is bounded by [`MAX_FILE_BYTES`] whatever the file's size.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| {
        ReadError::Io(match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        })
    })?;
    // Sized from the file's length: the text is kept for the whole run, and
    // growing by doubling would keep up to twice its size.
    let hint = file.metadata().map_or(0, |m| m.len().min(MAX_FILE_BYTES));
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let size = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(ReadError::TooLarge {
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    bytes_to_text(bytes)
}

/// Turn bytes into text, refusing binary and non-UTF-8 data. A leading BOM is dropped.
pub fn bytes_to_text(bytes: Vec<u8>) -> Result<String, ReadError> {
    if let Some(offset) = bytes.iter().position(|b| *b == 0) {
        return Err(ReadError::Binary { offset });
    }
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.replace_range(0..3, "");
            }
            Ok(s)
        }
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Err(ReadError::NotUtf8 { offset, lossy })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_from_one() {
        let f = SourceFile::new("x".into(), "x".into(), "ab\nçd\n".into());
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // 'ç' is two bytes; 'd' is the second character of line 2
        assert_eq!(f.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(f.line_text(2), "çd");
    }

    #[test]
    fn masking_keeps_offsets() {
        let mut map = SourceMap::from_files(vec![SourceFile::new(
            "x".into(),
            "x".into(),
            "A=pässword\nB=2\n".into(),
        )]);
        map.mask(&[Span::new(FileId(0), 2, 11)]);
        let f = map.get(FileId(0)).unwrap();
        assert_eq!(f.text, "A=*********\nB=2\n");
        assert_eq!(f.line_col(12), LineCol { line: 2, column: 1 });
    }

    #[test]
    fn binary_and_non_utf8_are_refused_with_offsets() {
        assert_eq!(
            bytes_to_text(b"ab\0c".to_vec()),
            Err(ReadError::Binary { offset: 2 })
        );
        assert_eq!(
            bytes_to_text(b"ab\xffc".to_vec()),
            Err(ReadError::NotUtf8 {
                offset: 2,
                lossy: "ab\u{fffd}c".into()
            })
        );
        assert_eq!(bytes_to_text(b"\xef\xbb\xbfa".to_vec()), Ok("a".into()));
    }
}

/// Something wrong with an input file, found while loading it. Becomes a
/// finding of an input rule (`B001`, `B002`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    pub span: Span,
    pub message: String,
}
