//! Lexical path handling for container paths (always POSIX) and host paths.
//! Nothing here touches the file system.

use std::path::{Component, Path, PathBuf};

/// Normalise an absolute POSIX path: collapse `//`, `.` and `..`, drop trailing slashes.
/// A relative path is taken relative to `/`.
pub fn normalize_posix(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Resolve a POSIX path against a base directory (absolute paths stay as they are).
pub fn join_posix(base: &str, path: &str) -> String {
    if path.starts_with('/') {
        normalize_posix(path)
    } else {
        normalize_posix(&format!("{base}/{path}"))
    }
}

/// True when `path` equals `ancestor` or lies below it (both normalised POSIX paths).
pub fn is_within_posix(path: &str, ancestor: &str) -> bool {
    if ancestor == "/" {
        return true;
    }
    path == ancestor
        || (path.starts_with(ancestor) && path.as_bytes().get(ancestor.len()) == Some(&b'/'))
}

/// Directories that hold installed dependencies (`node_modules`, `vendor`,
/// a virtualenv): a development command needs them, and no build step but an
/// install makes them.
pub const DEPENDENCY_DIRS: &[&str] = &[
    "node_modules",
    "vendor",
    ".venv",
    "venv",
    "site-packages",
    "bower_components",
    ".bundle",
];

/// Is a POSIX path, or one of its parents, a dependency directory?
pub fn in_dependency_dir(path: &str) -> bool {
    path.split('/').any(|part| DEPENDENCY_DIRS.contains(&part))
}

/// Lexically normalise a host path: remove `.`, resolve `..` against earlier parts.
pub fn normalize_host(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in path.components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Resolve a host path written in a compose file against the compose file's directory.
/// `~` means the home directory given (none: the path is kept under a literal `~`).
pub fn resolve_host(base_dir: &Path, written: &str, home: Option<&Path>) -> PathBuf {
    let p = if let Some(rest) = written.strip_prefix('~') {
        match home {
            Some(h) => h.join(rest.trim_start_matches(['/', '\\'])),
            None => PathBuf::from(written),
        }
    } else {
        let w = Path::new(written);
        if w.is_absolute() {
            w.to_path_buf()
        } else {
            base_dir.join(w)
        }
    };
    normalize_host(&p)
}

/// The last component of a path as text (empty when there is none).
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The path shown in reports: relative to `cwd` with forward slashes when inside it.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    match path.strip_prefix(cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => slash(rel),
        _ => slash(path),
    }
}

/// Render a path with forward slashes for reports.
pub fn slash(path: &Path) -> String {
    let s = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '\\' {
        s.replace('\\', "/")
    } else {
        s.into_owned()
    }
}

/// A path in a URI: every byte but `/` and the unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) percent-encoded (SARIF URIs, links to files).
pub fn uri_path(path: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(path, KEEP).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_normalisation() {
        assert_eq!(normalize_posix("/app/"), "/app");
        assert_eq!(normalize_posix("/app/./backend/."), "/app/backend");
        assert_eq!(normalize_posix("//app//x/../y"), "/app/y");
        assert_eq!(normalize_posix("/../.."), "/");
        assert_eq!(join_posix("/app", "./backend"), "/app/backend");
        assert_eq!(join_posix("/app", "../srv"), "/srv");
        assert_eq!(join_posix("/app", "/abs"), "/abs");
    }

    #[test]
    fn within() {
        assert!(is_within_posix("/app/backend", "/app"));
        assert!(is_within_posix("/app", "/app"));
        assert!(!is_within_posix("/application", "/app"));
        assert!(is_within_posix("/x", "/"));
    }

    #[test]
    fn host_resolution() {
        let base = Path::new("/repo/svc");
        assert_eq!(
            resolve_host(base, "./backend/.", None),
            PathBuf::from("/repo/svc/backend")
        );
        assert_eq!(
            resolve_host(base, "../shared/", None),
            PathBuf::from("/repo/shared")
        );
        assert_eq!(
            resolve_host(base, "~/.ssh", Some(Path::new("/home/u"))),
            PathBuf::from("/home/u/.ssh")
        );
        assert_eq!(resolve_host(base, "/data", None), PathBuf::from("/data"));
    }
}
