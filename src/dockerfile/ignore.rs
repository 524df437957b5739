//! `.dockerignore`: which parts of the build context never reach the image.
//! Patterns are anchored at the context root as Docker anchors them; `!`
//! re-includes; `**` matches any number of directories.

use std::path::Path;

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

#[derive(Debug)]
pub struct DockerIgnore {
    matcher: Gitignore,
}

impl DockerIgnore {
    /// Build from the text of a `.dockerignore` in `context`.
    pub fn parse(context: &Path, text: &str) -> Option<Self> {
        let mut b = GitignoreBuilder::new(context);
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (neg, pat) = match line.strip_prefix('!') {
                Some(p) => ("!", p.trim()),
                None => ("", line),
            };
            let pat = pat.trim_start_matches("./").trim_start_matches('/');
            // Docker anchors every pattern at the context root.
            let anchored = if pat.starts_with("**") {
                format!("{neg}{pat}")
            } else {
                format!("{neg}/{pat}")
            };
            // A pattern that does not parse is skipped, as Docker would fail the build instead.
            let _ = b.add_line(None, &anchored);
        }
        b.build().ok().map(|matcher| DockerIgnore { matcher })
    }

    /// Read `context/.dockerignore`, if there is one.
    pub fn load(context: &Path) -> Option<Self> {
        let text = crate::source::read_text(&context.join(".dockerignore")).ok()?;
        Self::parse(context, &text)
    }

    /// True when `path` (inside the context) is excluded from the build context.
    pub fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        matches!(
            self.matcher.matched_path_or_any_parents(path, is_dir),
            Match::Ignore(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchored_patterns_and_exceptions() {
        let ctx = Path::new("/ctx");
        let di = DockerIgnore::parse(ctx, "# comment\ndata\nlogs/\n**/*.log\ntmp/*\n!tmp/keep\n")
            .unwrap();
        assert!(di.excludes(&ctx.join("data"), true));
        assert!(di.excludes(&ctx.join("data/x"), false));
        assert!(
            !di.excludes(&ctx.join("src/data"), true),
            "anchored at the root"
        );
        assert!(di.excludes(&ctx.join("logs"), true));
        assert!(di.excludes(&ctx.join("a/b/c.log"), false));
        assert!(di.excludes(&ctx.join("tmp/x"), true));
        assert!(!di.excludes(&ctx.join("tmp/keep"), true));
        assert!(!di.excludes(&ctx.join("src"), true));
    }
}
