//! What a bind mount hides of the image a service builds, and the fix that
//! removes a mount from a production file.

use super::start::{effective_workdir, rebuilt_by_command, service_start_paths};
use std::path::PathBuf;

use super::{Context, Host, ServiceRef};
use crate::compose::{Volume, VolumeKind};
use crate::diagnostic::{Fix, Label};
use crate::dockerfile::facts::StartPath;
use crate::paths::{in_dependency_dir, is_within_posix};

/// Directories build tools conventionally write their output to.
const OUTPUT_DIRS: &[&str] = &["dist", "build", "out", "target", ".next", ".output", "bin"];

/// What a bind mount hides of the image.
pub(super) struct Shadow {
    /// Hidden paths with the label of the instruction that filled each.
    pub hidden: Vec<(String, Label)>,
    /// Start paths the mount hides.
    pub start: Vec<StartPath>,
}

/// Does the image put anything at `path` (build output, source it copied,
/// or a destination it fills with entries berth cannot name)?
pub(super) fn image_provides(image: &crate::dockerfile::ImageFacts, path: &str) -> bool {
    image.filled.iter().any(|f| is_within_posix(path, &f.path))
        || image
            .context_copies
            .iter()
            .any(|c| is_within_posix(path, &c.path))
        || image.provided.iter().any(|p| is_within_posix(path, p))
        // A build berth cannot name ran around it: the image may well have it.
        || image
            .unknown_builds
            .iter()
            .any(|b| is_within_posix(path, &b.path))
}

/// What `mount` hides of the service's image, if anything. `host` answers
/// what the bind source holds, for the few cases the image alone leaves open.
pub(super) fn shadow(host: &Host, svc: &ServiceRef<'_>, mount: &Volume) -> Option<Shadow> {
    let image = svc.image?;
    // A file mounted over a file replaces it on purpose (configuration); it hides nothing else.
    if mount.host_is_file {
        return None;
    }
    let target = mount.target.as_str();
    let reexposed = |path: &str| {
        svc.service.volumes.iter().any(|v| {
            matches!(v.kind, VolumeKind::Volume | VolumeKind::Anonymous)
                && v.target != target
                && is_within_posix(&v.target, target)
                && is_within_posix(path, &v.target)
        })
    };
    // `./nginx.conf:/etc/nginx/nginx.conf`: a file-like source over exactly a
    // filled path replaces that file on purpose, even before the file exists.
    let file_like = mount
        .source
        .as_deref()
        .and_then(|s| s.trim_end_matches('/').rsplit('/').next())
        .is_some_and(|name| {
            name.rsplit_once('.')
                .is_some_and(|(stem, ext)| !stem.is_empty() && !ext.is_empty())
        });
    let mut hidden: Vec<(String, Label)> = Vec::new();
    for f in &image.filled {
        if file_like && f.path == target {
            continue;
        }
        if f.how.starts_with("RUN chmod") && host_copy_is_executable(host, mount, &f.path) {
            // The image only made executable what the host already has executable.
            continue;
        }
        if is_within_posix(&f.path, target) && !reexposed(&f.path) {
            hidden.push((
                f.path.clone(),
                Label::new(f.span, format!("puts {} in the image ({})", f.path, f.how)),
            ));
        }
    }
    let workdir = effective_workdir(svc);
    let mut start = Vec::new();
    for sp in service_start_paths(svc, &workdir) {
        if !is_within_posix(&sp.path, target) || reexposed(&sp.path) {
            continue;
        }
        let from_output = hidden.iter().any(|(p, _)| is_within_posix(&sp.path, p));
        if from_output {
            start.push(sp);
            continue;
        }
        // Built by a step whose outputs berth cannot name, in a directory the
        // mount hides: build output when it lands in a conventional output
        // directory (`dist/`, `build/`), or when no `COPY` of the build
        // context brings it (after `.dockerignore`), so only the build can
        // have made it. A start file that a `COPY` brings may be source that
        // the host has too: berth stays silent then.
        let builder = image.unknown_builds.iter().find(|b| {
            is_within_posix(&b.path, target)
                && is_within_posix(&sp.path, &b.path)
                && (sp
                    .path
                    .strip_prefix(b.path.as_str())
                    .and_then(|rel| rel.trim_start_matches('/').split('/').next())
                    .is_some_and(|first| OUTPUT_DIRS.contains(&first))
                    || (!copied_from_context(svc, image, &sp.path)
                        && !host_has(host, mount, &sp.path)))
        });
        if let Some(b) = builder {
            hidden.push((
                sp.path.clone(),
                Label::new(b.span, format!("builds in {} ({})", b.path, b.how)),
            ));
            start.push(sp);
        }
    }
    // A `command:` that installs and builds before it starts re-creates what
    // the mount hid (`npm ci && npm run build && node dist/index.js`).
    let (made, built_in) = rebuilt_by_command(svc, workdir.as_deref());
    let rebuilt = |p: &str| {
        made.iter().any(|m| is_within_posix(p, m))
            || (!in_dependency_dir(p) && built_in.iter().any(|d| is_within_posix(p, d)))
    };
    hidden.retain(|(p, _)| !rebuilt(p));
    start.retain(|sp| !rebuilt(&sp.path));
    if hidden.is_empty() {
        return None;
    }
    Some(Shadow { hidden, start })
}

/// Does a `COPY` of the build context bring `path` into the image? The
/// context's `.dockerignore` (when berth read it) keeps files out.
fn copied_from_context(
    svc: &ServiceRef<'_>,
    image: &crate::dockerfile::ImageFacts,
    path: &str,
) -> bool {
    let context = match svc.service.build.as_ref().map(|b| &b.context) {
        Some(crate::compose::BuildContext::Local(dir)) => Some(dir),
        _ => None,
    };
    image.context_copies.iter().any(|c| {
        if !is_within_posix(path, &c.path) {
            return false;
        }
        let below = path
            .strip_prefix(c.path.as_str())
            .unwrap_or("")
            .trim_start_matches('/');
        let rel = match (c.src.as_str(), below) {
            ("", b) => b.to_string(),
            (s, "") => s.to_string(),
            (s, b) => format!("{s}/{b}"),
        };
        match (context, svc.dockerignore()) {
            (Some(dir), Some(ignore)) => !ignore.excludes(&dir.join(&rel), false),
            _ => true,
        }
    })
}

/// Where the bind source on the host has its copy of `path`, a path below
/// the mount's target.
fn host_copy(mount: &Volume, path: &str) -> Option<PathBuf> {
    let dir = mount.host_path.as_ref()?;
    let rel = path.strip_prefix(mount.target.as_str())?;
    Some(dir.join(rel.trim_start_matches('/')))
}

/// The bind source on the host holds `path` (a file the repository has):
/// then the mount provides the start file rather than hiding it (B103's
/// case). Asked only for start files no table explains.
fn host_has(host: &Host, mount: &Volume, path: &str) -> bool {
    host_copy(mount, path).is_some_and(|file| host.exists(&file))
}

/// The host's copy of a path the mount hides is an executable file: a
/// `chmod +x` in the image changed nothing the container loses. (Asked only
/// for files a `RUN chmod` made executable under a bind mount; git keeps
/// the bit, so a checkout gives every machine the same answer.)
fn host_copy_is_executable(host: &Host, mount: &Volume, path: &str) -> bool {
    host_copy(mount, path).is_some_and(|file| host.is_executable_file(&file))
}

/// Deleting a short-syntax mount: its line, and the `volumes:` line above
/// when it is the service's only entry. Long syntax is left to the author.
pub(super) fn remove_mount(cx: &Context<'_>, svc: &ServiceRef<'_>, mount: &Volume) -> Option<Fix> {
    let file = cx.sources.get(mount.span.file)?;
    let start = file.line_col(mount.span.start).line;
    if file.line_col(mount.span.end).line != start
        || !file.line_text(start).trim_start().starts_with("- ")
    {
        return None;
    }
    let only = svc.service.volumes.len() == 1;
    let first = if only && start > 1 && file.line_text(start - 1).trim() == "volumes:" {
        start - 1
    } else if only {
        return None;
    } else {
        start
    };
    Some(Fix {
        file: mount.span.file,
        start_line: first,
        end_line: start,
        insert: String::new(),
        description: "Remove the bind mount from the production file".into(),
    })
}
