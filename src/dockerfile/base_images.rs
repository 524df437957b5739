//! Defaults a stage inherits from well-known base images: `WORKDIR`, `USER`,
//! `ENTRYPOINT`, `CMD` and the variables that locate tools and their output.
//! The data is the reviewed table `base_images.tsv` (its header says how it
//! is kept); it is compiled in and parsed once. An image that is not in the
//! table is unknown, and berth does not guess its defaults.

use std::sync::LazyLock;

const TABLE: &str = include_str!("base_images.tsv");

/// The column names of the table's header line, in order.
const COLUMNS: [&str; 8] = [
    "image",
    "tags",
    "workdir",
    "user",
    "entrypoint",
    "cmd",
    "env",
    "source",
];

/// One row of the table: what an image leaves to the stages built on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseImage {
    /// Repository as written in `FROM`, without tag or digest.
    pub image: String,
    /// Glob over the tag (`*` is any run of characters).
    pub tags: String,
    pub workdir: String,
    /// `None` for root (or no `USER`).
    pub user: Option<String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub env: Vec<(String, String)>,
    pub source: String,
    /// 1-based line in the table, for messages about it.
    pub line: usize,
}

static ROWS: LazyLock<Vec<BaseImage>> = LazyLock::new(|| parse_table(TABLE).0);

/// The table's rows, and a message for each line that is not a valid row.
pub fn parse_table(text: &str) -> (Vec<BaseImage>, Vec<String>) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut header_seen = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        if !header_seen {
            header_seen = true;
            if cells != COLUMNS {
                errors.push(format!(
                    "line {n}: the header must be {}",
                    COLUMNS.join(" ")
                ));
            }
            continue;
        }
        match parse_row(&cells, n) {
            Ok(row) => rows.push(row),
            Err(e) => errors.push(format!("line {n}: {e}")),
        }
    }
    if !header_seen {
        errors.push("the table has no header line".into());
    }
    (rows, errors)
}

fn parse_row(cells: &[&str], line: usize) -> Result<BaseImage, String> {
    let [image, tags, workdir, user, entrypoint, cmd, env, source] = cells else {
        return Err(format!(
            "{} tab-separated columns, expected {}",
            cells.len(),
            COLUMNS.len()
        ));
    };
    let valid_repo = !image.is_empty()
        && !image.starts_with('/')
        && !image.ends_with('/')
        && !image.contains("//")
        && image.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '/')
        });
    if !valid_repo {
        return Err(format!(
            "image `{image}` is not a repository name (lower case, no tag or digest)"
        ));
    }
    let valid_tags = !tags.is_empty()
        && tags
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '*'));
    if !valid_tags {
        return Err(format!("tags `{tags}` is not a tag glob"));
    }
    if !workdir.starts_with('/') || workdir.contains(char::is_whitespace) {
        return Err(format!("workdir `{workdir}` is not an absolute path"));
    }
    if user.is_empty() || user.contains(char::is_whitespace) {
        return Err(format!("user `{user}` must be a name, a uid or -"));
    }
    let entrypoint = argv_cell("entrypoint", entrypoint)?;
    let cmd = argv_cell("cmd", cmd)?;
    let env = env_cell(env)?;
    if !source.starts_with("https://") || !source.contains("(checked ") || !source.ends_with(')') {
        return Err(format!(
            "source `{source}` must be an https URL followed by (checked VERSION)"
        ));
    }
    Ok(BaseImage {
        image: (*image).to_string(),
        tags: (*tags).to_string(),
        workdir: (*workdir).to_string(),
        user: (*user != "-").then(|| (*user).to_string()),
        entrypoint,
        cmd,
        env,
        source: (*source).to_string(),
        line,
    })
}

/// `-`, or a non-empty JSON array of strings.
fn argv_cell(column: &str, cell: &str) -> Result<Option<Vec<String>>, String> {
    if cell == "-" {
        return Ok(None);
    }
    match serde_json::from_str::<Vec<String>>(cell) {
        Ok(argv) if !argv.is_empty() => Ok(Some(argv)),
        _ => Err(format!(
            "{column} `{cell}` must be - or a non-empty JSON array of strings"
        )),
    }
}

/// `-`, or `K=V` pairs joined by `;`.
fn env_cell(cell: &str) -> Result<Vec<(String, String)>, String> {
    if cell == "-" {
        return Ok(Vec::new());
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in cell.split(';') {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(format!("env `{pair}` is not K=V"));
        };
        let valid_name = k.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic())
            && k.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
        if !valid_name {
            return Err(format!("env name `{k}` is not a variable name"));
        }
        if out.iter().any(|(name, _)| name == k) {
            return Err(format!("env `{k}` is set twice"));
        }
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

/// A `FROM` reference split into repository and tag, Docker Hub spellings
/// folded (`docker.io/library/php` is `php`). `None` when the repository is
/// not known (it contains a variable).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    repo: String,
    /// `None`: the tag is not known (a variable, or only a digest is given).
    tag: Option<String>,
}

fn split_reference(reference: &str) -> Option<Reference> {
    let reference = reference.trim();
    let (name, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (reference, None),
    };
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name.get(slash..).and_then(|last| last.find(':')) {
        Some(colon) => {
            let at = slash + colon;
            (
                name.get(..at).unwrap_or(name),
                Some(name.get(at + 1..).unwrap_or("")),
            )
        }
        None => (name, None),
    };
    if repo.is_empty() || repo.contains('$') {
        return None;
    }
    let mut repo = repo.to_ascii_lowercase();
    for registry in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"] {
        if let Some(rest) = repo.strip_prefix(registry) {
            repo = rest.to_string();
            break;
        }
    }
    if let Some(rest) = repo.strip_prefix("library/") {
        repo = rest.to_string();
    }
    let tag = match (tag, digest) {
        (Some(t), _) if t.is_empty() || t.contains('$') => None,
        (Some(t), _) => Some(t.to_string()),
        // A digest alone pins an image whose tag is not written.
        (None, Some(_)) => None,
        (None, None) => Some("latest".to_string()),
    };
    Some(Reference { repo, tag })
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return text.is_empty();
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*`: the whole text must be the pattern.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = rest.get(at + part.len()..).unwrap_or(""),
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

fn same_defaults(a: &BaseImage, b: &BaseImage) -> bool {
    a.workdir == b.workdir
        && a.user == b.user
        && a.entrypoint == b.entrypoint
        && a.cmd == b.cmd
        && a.env == b.env
}

fn lookup_in<'a>(rows: &'a [BaseImage], reference: &str) -> Option<&'a BaseImage> {
    let r = split_reference(reference)?;
    let mut candidates = rows.iter().filter(|row| row.image == r.repo);
    match &r.tag {
        Some(tag) => candidates.find(|row| glob_matches(&row.tags, tag)),
        None => {
            // The tag is not known: the defaults are known only when every
            // row of the image agrees.
            let first = candidates.next()?;
            candidates
                .all(|row| same_defaults(first, row))
                .then_some(first)
        }
    }
}

/// The defaults of the image a `FROM` names, when the table knows it.
pub fn lookup(reference: &str) -> Option<&'static BaseImage> {
    lookup_in(&ROWS, reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_every_row_is_valid() {
        let (rows, errors) = parse_table(TABLE);
        assert!(errors.is_empty(), "{errors:#?}");
        assert!(rows.len() > 50, "{} rows", rows.len());
        assert_eq!(rows.len(), ROWS.len());
    }

    #[test]
    fn no_row_is_shadowed_by_an_earlier_one() {
        // First match wins: a row after a `*` row of the same image is never used.
        for (i, row) in ROWS.iter().enumerate() {
            let earlier = ROWS
                .iter()
                .take(i)
                .find(|e| e.image == row.image && e.tags == "*");
            assert!(
                earlier.is_none(),
                "line {}: `{} {}` comes after the catch-all row of line {}",
                row.line,
                row.image,
                row.tags,
                earlier.map_or(0, |e| e.line)
            );
        }
    }

    #[test]
    fn malformed_rows_are_reported() {
        let header = COLUMNS.join("\t");
        let bad = [
            "php\t*\t/var/www/html\t-\t-\t-\t-",
            "php:8\t*\t/\t-\t-\t-\t-\thttps://x (checked 1)",
            "php\t*\trelative\t-\t-\t-\t-\thttps://x (checked 1)",
            "php\t*\t/\t-\t[\"a\"\t-\t-\thttps://x (checked 1)",
            "php\t*\t/\t-\t[]\t-\t-\thttps://x (checked 1)",
            "php\t*\t/\t-\t-\t-\tPHP_INI_DIR\thttps://x (checked 1)",
            "php\t*\t/\t-\t-\t-\t-\thttps://x",
            "php\t*\t/\t\t-\t-\t-\thttps://x (checked 1)",
            "php\t8 1\t/\t-\t-\t-\t-\thttps://x (checked 1)",
        ];
        for row in bad {
            let (rows, errors) = parse_table(&format!("# c\n{header}\n{row}\n"));
            assert!(rows.is_empty() && errors.len() == 1, "{row}: {errors:?}");
        }
        let (_, errors) = parse_table("image\ttags\n");
        assert_eq!(errors.len(), 1);
        let good = format!(
            "{header}\nx/y\t1.*\t/app\t1000\t[\"/e\"]\t[\"run\",\"-v\"]\tA=1;B=\thttps://x (checked 1)\n"
        );
        let (rows, errors) = parse_table(&good);
        assert!(errors.is_empty(), "{errors:?}");
        let row = &rows[0];
        assert_eq!(row.user.as_deref(), Some("1000"));
        assert_eq!(row.entrypoint, Some(vec!["/e".to_string()]));
        assert_eq!(row.cmd, Some(vec!["run".to_string(), "-v".to_string()]));
        assert_eq!(
            row.env,
            vec![("A".into(), "1".into()), ("B".into(), String::new())]
        );
        assert_eq!(row.line, 2);
    }

    #[test]
    fn well_known_images() {
        let wd = |r: &str| lookup(r).map(|b| b.workdir.as_str());
        assert_eq!(wd("php:8.3-apache"), Some("/var/www/html"));
        assert_eq!(wd("node:20-alpine"), Some("/"));
        assert_eq!(wd("docker.io/library/php:8-fpm"), Some("/var/www/html"));
        assert_eq!(wd("library/php:8-fpm-alpine"), Some("/var/www/html"));
        assert_eq!(wd("php:8.3-cli"), Some("/"));
        assert_eq!(wd("php"), Some("/"));
        assert_eq!(wd("golang:1.23"), Some("/go"));
        assert_eq!(wd("scratch"), Some("/"));
        let scratch = lookup("scratch").unwrap();
        assert!(scratch.entrypoint.is_none() && scratch.cmd.is_none() && scratch.user.is_none());
        let node = lookup("node:20-alpine").unwrap();
        assert_eq!(
            node.entrypoint,
            Some(vec!["docker-entrypoint.sh".to_string()])
        );
        let php = lookup("php:8.3-apache").unwrap();
        assert_eq!(
            php.env,
            vec![("PHP_INI_DIR".into(), "/usr/local/etc/php".into())]
        );
        assert_eq!(
            lookup("gcr.io/distroless/static-debian12:nonroot").and_then(|b| b.user.as_deref()),
            Some("65532")
        );
    }

    #[test]
    fn digests_variables_and_unknown_images() {
        let wd = |r: &str| lookup(r).map(|b| b.workdir.as_str());
        // A digest after a tag: the tag decides.
        assert_eq!(
            wd(
                "php:8.3-fpm@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            ),
            Some("/var/www/html")
        );
        // A digest alone: known only where every tag agrees.
        assert_eq!(wd("node@sha256:0123456789abcdef"), Some("/"));
        assert_eq!(wd("php@sha256:0123456789abcdef"), None);
        // A variable in the tag: the same.
        assert_eq!(wd("python:${PYTHON_VERSION}-slim"), Some("/"));
        assert_eq!(wd("php:${PHP_VERSION}-apache"), None);
        // A variable in the repository, an unknown image, an unknown registry.
        assert_eq!(wd("${BASE_IMAGE}"), None);
        assert_eq!(wd("mycorp/base:1"), None);
        assert_eq!(wd("registry.example.com/node:20"), None);
        assert_eq!(wd("localhost:5000/node:20"), None);
    }

    #[test]
    fn globs() {
        assert!(glob_matches("*", ""));
        assert!(glob_matches("*apache*", "8.3-apache-bookworm"));
        assert!(!glob_matches("*apache*", "8.3-fpm"));
        assert!(glob_matches("8*", "8-jdk"));
        assert!(!glob_matches("8*", "18-jdk"));
        assert!(glob_matches("latest", "latest"));
        assert!(!glob_matches("latest", "latest2"));
        assert!(glob_matches("6.0*chiseled*", "6.0-jammy-chiseled"));
        assert!(!glob_matches("a*a", "a"));
    }
}
