//! The container directory before and after a mount, as findings show it:
//! what the image puts there, then what the container sees instead.

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
/// directory (read now, top level only); for a named volume, its old copy.
pub(super) fn container_view(mount: &Volume, image_paths: &[&str], start: Option<&str>) -> String {
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
    let host = mount
        .host_path
        .as_deref()
        .and_then(|p| std::fs::read_dir(p).ok());
    match host {
        Some(dir) => {
            let mut names: Vec<String> = dir
                .filter_map(Result::ok)
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if e.file_type().is_ok_and(|t| t.is_dir()) {
                        format!("{name}/")
                    } else {
                        name
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
