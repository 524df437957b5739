//! The container directory before and after a mount, as findings show it:
//! what the image puts there, then what the container sees instead.

use super::Host;
use crate::compose::{Volume, VolumeKind};

/// Entries of a tree, `├──`/`└──` drawn, at most `max` then a count.
fn tree(root: &str, entries: &[String], max: usize) -> String {
    let mut out = format!("{root}\n");
    let shown = entries.len().min(max);
    let more = entries.len() - shown;
    for (i, e) in entries.iter().take(shown).enumerate() {
        let last = i + 1 == shown && more == 0;
        out.push_str(&format!("{} {e}\n", if last { "└──" } else { "├──" }));
    }
    if more > 0 {
        out.push_str(&format!("└── … {more} more\n"));
    }
    out
}

/// The container directory as the image leaves it and as the mount leaves
/// it, the way the seed incident drew it: what the image puts there, then
/// what the container sees instead. For a bind mount that is the host
/// directory (top level only, as `host` lists it); for a named volume, its
/// old copy.
pub(super) fn container_view(
    host: &Host,
    mount: &Volume,
    image_paths: &[&str],
    start: Option<&str>,
) -> String {
    let target = mount.target.as_str();
    let rel = |p: &str| -> String {
        let r = p.strip_prefix(target).unwrap_or(p).trim_start_matches('/');
        if r.is_empty() {
            ".".to_owned()
        } else {
            r.to_owned()
        }
    };
    let image: Vec<String> = image_paths
        .iter()
        .map(|p| match rel(p).as_str() {
            "." => "(all of it)  ← from the image".to_owned(),
            r => format!("{r}  ← from the image"),
        })
        .collect();
    let mut view = format!("Without the mount, {target} holds what the image put there:\n");
    view.push_str(&tree(target, &image, 8));
    let source = mount.source.as_deref().unwrap_or("the host directory");
    if mount.kind != VolumeKind::Bind {
        view.push_str(&format!(
            "\nWith `{}`, {target} is the volume `{source}`: a copy of the files of the image it first ran, kept across rebuilds.\n",
            mount.written
        ));
        return view;
    }
    view.push_str(&format!(
        "\nWith `{}`, {target} is {source} from the host instead:\n",
        mount.written
    ));
    match mount.host_path.as_deref().and_then(|p| host.list_dir(p)) {
        Some(entries) => {
            let mut names: Vec<String> = entries
                .into_iter()
                .map(|e| {
                    if e.is_dir {
                        format!("{}/", e.name)
                    } else {
                        e.name
                    }
                })
                .collect();
            names.sort();
            if names.is_empty() {
                view.push_str(&format!("{target}\n(empty)\n"));
            } else {
                view.push_str(&tree(target, &names, 8));
            }
        }
        None => view.push_str(&format!(
            "{target}\n({source} is not in this checkout: Docker creates it empty)\n"
        )),
    }
    if let Some(s) = start {
        view.push_str(&format!(
            "\nThe container starts {s}: no such file or directory.\n"
        ));
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};
    use std::path::PathBuf;

    fn bind(host_path: PathBuf) -> Volume {
        Volume {
            span: Span::new(FileId(0), 0, 0),
            written: "./backend:/app".into(),
            kind: VolumeKind::Bind,
            source: Some("./backend".into()),
            source_unknown: false,
            target_unknown: false,
            home_relative: None,
            host_path: Some(host_path),
            host_is_file: false,
            target: "/app".into(),
            read_only: false,
        }
    }

    #[test]
    fn lists_the_host_directory_through_the_host() {
        let dir = PathBuf::from("/home/dev/project/backend");
        let host =
            Host::default().with_dir(&dir, Some(&["src/", "Cargo.toml", ".env", "README.md"]));
        let view = container_view(&host, &bind(dir), &["/app/backend"], Some("/app/backend"));
        assert_eq!(
            view,
            "Without the mount, /app holds what the image put there:\n\
             /app\n└── backend  ← from the image\n\
             \nWith `./backend:/app`, /app is ./backend from the host instead:\n\
             /app\n├── .env\n├── Cargo.toml\n├── README.md\n└── src/\n\
             \nThe container starts /app/backend: no such file or directory.\n"
        );
    }

    #[test]
    fn an_empty_or_absent_host_directory_says_so() {
        let empty = PathBuf::from("/home/dev/project/empty");
        let gone = PathBuf::from("/home/dev/project/gone");
        let host = Host::default()
            .with_dir(&empty, Some(&[]))
            .with_dir(&gone, None);
        let view = container_view(&host, &bind(empty), &["/app"], None);
        assert!(view.contains("/app\n└── (all of it)  ← from the image\n"));
        assert!(view.ends_with("/app\n(empty)\n"));
        let view = container_view(&host, &bind(gone), &["/app"], None);
        assert!(
            view.ends_with("/app\n(./backend is not in this checkout: Docker creates it empty)\n")
        );
    }
}
