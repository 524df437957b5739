//! How a repository runs its compose files: the `docker compose -f A -f B`
//! lines in its own scripts (Makefile, package.json, shell scripts, CI
//! workflows, README). They tell a production file that runs on its own
//! (`-f docker-compose.prod.yml`) from one that overlays the base file
//! (`-f docker-compose.yml -f docker-compose.prod.yml`).

use std::path::{Path, PathBuf};

/// Files that hold commands, looked for in a compose file's directory and in
/// each directory above it up to the scan root.
const SCRIPT_FILES: &[&str] = &[
    "Makefile",
    "makefile",
    "GNUmakefile",
    "justfile",
    "Justfile",
    "Taskfile.yml",
    "Taskfile.yaml",
    "package.json",
    "composer.json",
    "README.md",
    "README",
    "readme.md",
    "Readme.md",
    "DEPLOY.md",
    "deploy.md",
    "Procfile",
];

/// Directories beside those whose scripts are read too.
const SCRIPT_DIRS: &[&str] = &["scripts", "script", "bin", "deploy", ".github/workflows"];

/// Larger files are not read (no script is this long).
const MAX_SCRIPT: u64 = 512 * 1024;

/// One `docker compose` command with `-f` files, and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The `-f` arguments' file names, in order.
    pub files: Vec<String>,
    /// `path:line` of the command.
    pub at: String,
}

/// The files of the scanned tree, as the discovery walk saw them (so looking
/// for scripts and READMEs costs no system call), and what was already read
/// from them.
#[derive(Debug, Default)]
pub struct Repository<'a> {
    /// Regular files and directories the walk reached; `None`: ask the disk
    /// (files named on the command line were not walked).
    walked: Option<(
        &'a std::collections::HashSet<PathBuf>,
        &'a std::collections::HashSet<PathBuf>,
    )>,
    /// Directories listed so far. The caches take lookups from planning
    /// threads; a miss is read outside the lock (two threads may read the
    /// same file once each; the answers are equal).
    listed: Cache<Vec<PathBuf>>,
    scanned: Cache<std::sync::Arc<Scanned>>,
    readmes: Cache<Option<String>>,
}

type Cache<T> = std::sync::Mutex<std::collections::HashMap<PathBuf, T>>;

/// `(line, files)` of each compose command in a script.
type Scanned = Vec<(usize, Vec<String>)>;

fn cached<T: Clone>(cache: &Cache<T>, key: &Path) -> Option<T> {
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(key)
        .cloned()
}

fn remember<T>(cache: &Cache<T>, key: &Path, value: T) {
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key.to_path_buf(), value);
}

impl<'a> Repository<'a> {
    /// From the files and directories the walk reached (`None` when nothing
    /// was walked).
    pub fn new(
        walked: Option<(
            &'a std::collections::HashSet<PathBuf>,
            &'a std::collections::HashSet<PathBuf>,
        )>,
    ) -> Self {
        Repository {
            walked,
            ..Default::default()
        }
    }

    /// Regular files directly in `dir`, sorted (a directory the walk did not
    /// reach has none; each directory is listed once).
    fn files_in(&self, dir: &Path) -> Vec<PathBuf> {
        if let Some((files, dirs)) = self.walked
            && !dirs.contains(dir)
        {
            let _ = files;
            return Vec::new();
        }
        if let Some(v) = cached(&self.listed, dir) {
            return v;
        }
        let walked = self.walked.map(|(files, _)| files);
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .map(|e| e.path())
                    // Ignored files (.gitignore) are not the repository's scripts.
                    .filter(|p| walked.is_none_or(|w| w.contains(p)))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        remember(&self.listed, dir, v.clone());
        v
    }

    /// Is `path` a regular file of the tree?
    pub fn has(&self, path: &Path) -> bool {
        match self.walked {
            Some((files, _)) => files.contains(path),
            None => path.is_file(),
        }
    }

    /// A small text file's contents (none for large, unreadable or missing files).
    fn read(path: &Path) -> Option<String> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        if !meta.is_file() || meta.len() > MAX_SCRIPT {
            return None;
        }
        std::fs::read_to_string(path).ok()
    }

    /// Every `docker compose -f ...` in the scripts of `dir` and its parents
    /// up to `root`; each script is read once per run.
    pub fn invocations(
        &self,
        dir: &Path,
        root: &Path,
        display: &dyn Fn(&Path) -> String,
    ) -> Vec<Invocation> {
        let mut out = Vec::new();
        let mut dirs: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|d| d.starts_with(root))
            .map(Path::to_path_buf)
            .collect();
        if dirs.is_empty() {
            dirs.push(dir.to_path_buf());
        }
        for d in dirs {
            let mut files: Vec<PathBuf> = self
                .files_in(&d)
                .into_iter()
                .filter(|f| {
                    let name = f
                        .file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default();
                    SCRIPT_FILES.contains(&name.as_ref())
                        || name.ends_with(".sh")
                        || name.ends_with(".mk")
                })
                .collect();
            for sub in SCRIPT_DIRS {
                files.extend(self.files_in(&d.join(sub)));
            }
            files.sort();
            files.dedup();
            for f in files {
                let found = cached(&self.scanned, &f).unwrap_or_else(|| {
                    let read =
                        std::sync::Arc::new(Self::read(&f).map(|t| scan(&t)).unwrap_or_default());
                    remember(&self.scanned, &f, read.clone());
                    read
                });
                for (line, names) in found.iter() {
                    out.push(Invocation {
                        files: names.clone(),
                        at: format!("{}:{line}", display(&f)),
                    });
                }
            }
        }
        out
    }

    /// The first README line (in `dir` or above it, up to `root`) that says
    /// the set-up is not for production, as `path:line`.
    pub fn not_for_production(
        &self,
        dir: &Path,
        root: &Path,
        display: &dyn Fn(&Path) -> String,
    ) -> Option<String> {
        for d in dir.ancestors().take_while(|d| d.starts_with(root)) {
            if let Some(hit) = cached(&self.readmes, d) {
                if hit.is_some() {
                    return hit;
                }
                continue;
            }
            let readmes: Vec<PathBuf> = README_FILES
                .iter()
                .map(|n| d.join(n))
                .filter(|p| self.has(p))
                .collect();
            let hit = readmes.iter().find_map(|path| {
                let text = Self::read(path)?;
                readme_line(&text).map(|line| format!("{}:{line}", display(path)))
            });
            remember(&self.readmes, d, hit.clone());
            if hit.is_some() {
                return hit;
            }
        }
        None
    }
}

/// `(line, files)` of each compose command with `-f` options in a text.
/// Backslash continuations are joined; the command ends at `&&`, `;`, `|`.
pub fn scan(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut logical = String::new();
    let mut first_line = 0;
    for (i, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            first_line = i + 1;
        }
        if let Some(cont) = raw.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(raw);
        for files in commands_in(&logical) {
            out.push((first_line, files));
        }
        logical.clear();
    }
    out
}

fn commands_in(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(pos) = find_compose(rest) {
        let after = &rest[pos..];
        let end = after.find(['&', ';', '|', '`', ')']).unwrap_or(after.len());
        // JSON strings (package.json) and Markdown quotes end the command too.
        let cmd = after[..end].split(['"', '\'']).next().unwrap_or("");
        let words: Vec<&str> = cmd.split_whitespace().collect();
        let mut files = Vec::new();
        let mut it = words.iter();
        while let Some(w) = it.next() {
            if *w == "-f" || *w == "--file" {
                if let Some(f) = it.next() {
                    files.push(clean(f));
                }
            } else if let Some(f) = w.strip_prefix("--file=") {
                files.push(clean(f));
            }
        }
        files.retain(|f| !f.is_empty());
        if !files.is_empty() {
            out.push(files);
        }
        rest = &after[end.min(after.len())..];
        if end == 0 {
            break;
        }
    }
    out
}

fn clean(f: &str) -> String {
    f.trim_matches(['"', '\'', ','])
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string()
}

/// Where `docker compose` or `docker-compose` starts in a line (after the words).
fn find_compose(s: &str) -> Option<usize> {
    let a = s.find("docker compose").map(|p| p + "docker compose".len());
    let b = s
        .find("docker-compose ")
        .map(|p| p + "docker-compose".len());
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// What the scripts say of an overlay: run alone, or on top of the base file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Commands that name the overlay and nothing else.
    pub alone: Vec<String>,
    /// Commands that name the base file and the overlay.
    pub with_base: Vec<String>,
}

pub fn usage(invocations: &[Invocation], base: &str, overlay: &str) -> Usage {
    let mut u = Usage::default();
    for inv in invocations {
        if !inv.files.iter().any(|f| f == overlay) {
            continue;
        }
        if inv.files.iter().any(|f| f == base) {
            u.with_base.push(inv.at.clone());
        } else if inv.files.len() == 1 {
            u.alone.push(inv.at.clone());
        }
    }
    u
}

/// README files whose prose may say what the compose files are for.
const README_FILES: &[&str] = &[
    "README.md",
    "README",
    "readme.md",
    "Readme.md",
    "README.rst",
];

/// Phrases (lower case) that say a project's compose set-up is not for production.
const NOT_FOR_PRODUCTION: &[&str] = &[
    "not for production",
    "not for use in production",
    "not meant for production",
    "not intended for production",
    "not suitable for production",
    "not production ready",
    "not production-ready",
    "must not be deployed in production",
    "should not be deployed in production",
    "must not be used in production",
    "should not be used in production",
    "do not use in production",
    "do not use this in production",
    "don't use this in production",
    "for local development only",
    "for development purposes only",
    "only for local development",
    "only for development",
    "for local testing only",
];

/// The 1-based line of a README that says the set-up is not for production.
/// Phrases may wrap, so each line is read together with the next.
pub(crate) fn readme_line(text: &str) -> Option<usize> {
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches(['>', '*', '-', ' '])
                .replace(['*', '_', '`'], "")
                .to_ascii_lowercase()
        })
        .collect();
    for (i, line) in lines.iter().enumerate() {
        let joined = match lines.get(i + 1) {
            Some(next) => format!("{line} {next}"),
            None => line.clone(),
        };
        let hit = NOT_FOR_PRODUCTION.iter().find(|p| joined.contains(*p));
        if let Some(p) = hit
            && (line.contains(p) || !lines.get(i + 1).is_some_and(|n| n.contains(p)))
        {
            return Some(i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_in_scripts() {
        let text = "up:\n\tdocker compose -f docker-compose.prod.yml up -d\nboth:\n\tdocker-compose -f docker-compose.yml \\\n\t  -f docker-compose.prod.yml up && echo done\n  \"prod\": \"docker compose --file=deploy/compose.prod.yaml up\",\nplain: docker compose up\n`docker compose -f a.yml -f b.yml config`\n";
        let got = scan(text);
        assert_eq!(
            got,
            vec![
                (2, vec!["docker-compose.prod.yml".to_string()]),
                (
                    4,
                    vec![
                        "docker-compose.yml".to_string(),
                        "docker-compose.prod.yml".to_string()
                    ]
                ),
                (6, vec!["compose.prod.yaml".to_string()]),
                (8, vec!["a.yml".to_string(), "b.yml".to_string()]),
            ]
        );
    }

    #[test]
    fn readme_prose() {
        let tmp = tempfile::tempdir().unwrap();
        let sub = tmp.path().join("samples/app");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            tmp.path().join("README.md"),
            "# Samples\n\n## Development\nRun the tests.\n> These samples must not be deployed\n> in production environments.\n",
        )
        .unwrap();
        let shown = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
        // From the disk, and from the files a walk saw: the same answer.
        let files: std::collections::HashSet<PathBuf> =
            [tmp.path().join("README.md")].into_iter().collect();
        let dirs: std::collections::HashSet<PathBuf> = [
            tmp.path().to_path_buf(),
            tmp.path().join("samples"),
            sub.clone(),
        ]
        .into_iter()
        .collect();
        for repo in [
            Repository::new(None),
            Repository::new(Some((&files, &dirs))),
        ] {
            assert_eq!(
                repo.not_for_production(&sub, tmp.path(), &shown),
                Some("README.md:5".to_string())
            );
        }
        assert_eq!(
            readme_line("## Development\nUse in production with care.\n"),
            None
        );
        assert_eq!(
            readme_line(
                "This docker-compose.yml is for local testing only, and is _not_ intended for production use.\n"
            ),
            Some(1)
        );
    }

    #[test]
    fn usage_alone_or_on_the_base() {
        let inv = vec![
            Invocation {
                files: vec!["docker-compose.prod.yml".into()],
                at: "Makefile:2".into(),
            },
            Invocation {
                files: vec![
                    "docker-compose.yml".into(),
                    "docker-compose.prod.yml".into(),
                ],
                at: "README.md:9".into(),
            },
        ];
        let u = usage(&inv, "docker-compose.yml", "docker-compose.prod.yml");
        assert_eq!(u.alone, vec!["Makefile:2"]);
        assert_eq!(u.with_base, vec!["README.md:9"]);
        assert_eq!(
            usage(&inv, "docker-compose.yml", "other.yml"),
            Usage::default()
        );
    }
}
