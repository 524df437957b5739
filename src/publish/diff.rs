//! What a pull request changed, from the `patch` GitHub gives for each file,
//! and where the analysed commit's lines are in it. On `pull_request` events
//! the checkout is the merge commit, whose line numbers can differ from the
//! head's when the base branch changed the same file; the workspace's text
//! tells which head line a finding is on.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use super::error::PublishError;

/// The new side of one file's hunks.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileDiff {
    /// Lines the pull request added or changed.
    pub added: BTreeSet<u32>,
    /// Every new-side line inside a hunk (added and context), with its text:
    /// a comment may span these.
    pub lines: BTreeMap<u32, String>,
}

impl FileDiff {
    pub fn in_hunks(&self, line: u32) -> bool {
        self.lines.contains_key(&line)
    }

    /// Any added line in `from..=to`, without walking the range.
    pub fn any_added(&self, from: u32, to: u32) -> bool {
        from <= to && self.added.range(from..=to).next().is_some()
    }

    /// The one added line with this text, if exactly one has it.
    fn unique_added(&self, text: &str) -> Option<u32> {
        if text.trim().is_empty() {
            return None;
        }
        let mut found = self
            .added
            .iter()
            .filter(|l| self.lines.get(l).is_some_and(|t| t == text));
        let first = found.next()?;
        found.next().is_none().then_some(*first)
    }
}

/// Parse a file's `patch` (hunks only, as GitHub gives it).
pub fn parse_patch(patch: &str) -> Result<FileDiff, PublishError> {
    let bad = |e: &dyn std::fmt::Display| PublishError::Input(e.to_string());
    let text = format!(
        "--- a\n+++ b\n{patch}{}",
        if patch.ends_with('\n') { "" } else { "\n" }
    );
    let parsed = diffy::Patch::from_str(&text).map_err(|e| bad(&e))?;
    let mut diff = FileDiff::default();
    for hunk in parsed.hunks() {
        let mut line = u32::try_from(hunk.new_range().start()).map_err(|e| bad(&e))?;
        for l in hunk.lines() {
            let (text, added) = match l {
                diffy::Line::Context(t) => (t, false),
                diffy::Line::Insert(t) => (t, true),
                diffy::Line::Delete(_) => continue,
            };
            diff.lines
                .insert(line, text.trim_end_matches(['\n', '\r']).to_owned());
            if added {
                diff.added.insert(line);
            }
            line = line
                .checked_add(1)
                .ok_or_else(|| bad(&"hunk runs past the last line"))?;
        }
    }
    Ok(diff)
}

/// The analysed checkout, read lazily: a file's lines, once, up to 4 MiB.
pub struct Workspace {
    root: Option<PathBuf>,
    files: RefCell<HashMap<String, Option<Vec<String>>>>,
}

impl Workspace {
    pub fn new(root: Option<PathBuf>) -> Workspace {
        Workspace {
            root,
            files: RefCell::new(HashMap::new()),
        }
    }

    fn line(&self, path: &str, n: u32) -> Option<String> {
        let root = self.root.as_ref()?;
        let mut files = self.files.borrow_mut();
        let lines = files.entry(path.to_owned()).or_insert_with(|| {
            let full = root.join(path);
            let small = std::fs::metadata(&full).is_ok_and(|m| m.is_file() && m.len() <= 4 << 20);
            small
                .then(|| std::fs::read_to_string(&full).ok())
                .flatten()
                .map(|t| t.lines().map(str::to_owned).collect())
        });
        lines
            .as_ref()?
            .get(usize::try_from(n).ok()?.checked_sub(1)?)
            .cloned()
    }
}

/// Where line `n` of `path`, as the analysis numbered it, sits on the pull
/// request's changed lines. `exact`: the analysis ran on the head commit, so
/// the numbers are the diff's. Otherwise the workspace's text decides: the
/// same line when the texts agree, else the one added line with that text.
pub fn anchor(d: &FileDiff, ws: &Workspace, path: &str, n: u32, exact: bool) -> Option<u32> {
    let text = if exact { None } else { ws.line(path, n) };
    let Some(text) = text else {
        return d.added.contains(&n).then_some(n);
    };
    match d.lines.get(&n) {
        Some(t) if *t == text => d.added.contains(&n).then_some(n),
        _ => d.unique_added(&text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATCH: &str = "@@ -1,3 +1,4 @@\n services:\n-  a: 1\n+  a: 2\n+  b: 3\n   c: 4\n@@ -20,2 +21,2 @@\n x\n-y\n+z\n\\ No newline at end of file";

    #[test]
    fn patch_lines_are_mapped_to_the_new_file() {
        let d = parse_patch(PATCH).expect("patch");
        assert_eq!(d.added.iter().copied().collect::<Vec<_>>(), vec![2, 3, 22]);
        assert_eq!(
            d.lines.keys().copied().collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 21, 22]
        );
        assert_eq!(d.lines.get(&3).map(String::as_str), Some("  b: 3"));
        assert!(d.any_added(3, u32::MAX), "a huge range is not walked");
        assert!(!d.any_added(5, 20));
        assert!(parse_patch("@@ -1,1 +4294967295,2 @@\n+a\n+b").is_err());
    }

    #[test]
    fn the_workspace_text_finds_the_head_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The merge commit has two base lines more above the change.
        std::fs::write(
            dir.path().join("c.yml"),
            "services:\nnew1\nnew2\n  a: 2\n  b: 3\n  c: 4\n",
        )
        .expect("write");
        let ws = Workspace::new(Some(dir.path().to_path_buf()));
        let d = parse_patch(PATCH).expect("patch");
        assert_eq!(
            anchor(&d, &ws, "c.yml", 5, false),
            Some(3),
            "moved by two lines"
        );
        assert_eq!(
            anchor(&d, &ws, "c.yml", 6, false),
            None,
            "a context line is no change"
        );
        assert_eq!(
            anchor(&d, &ws, "c.yml", 3, true),
            Some(3),
            "exact numbers are trusted"
        );
        assert_eq!(
            anchor(&d, &ws, "missing.yml", 2, false),
            Some(2),
            "no text: the number stands"
        );
    }
}
