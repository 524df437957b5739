use super::{Context, Rule, RuleMeta, ServiceRef, declare_rule};
use crate::classify::Class;
use crate::compose::{Volume, VolumeKind};
use crate::diagnostic::{Diagnostic, Fix, Label};
use crate::dockerfile::facts::{StartPath, start_paths};
use crate::paths::{in_dependency_dir, is_within_posix, join_posix, normalize_posix};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports a bind mount whose container path is the same as, or a parent
    /// of, a path that the service's image fills with build output: files
    /// copied from another stage (`COPY --from`), what build steps leave in the
    /// working directory (`node_modules/`, `target/`, `vendor/`, `.venv/`, ...),
    /// downloads, and the executable or script that `ENTRYPOINT`/`CMD` start.
    ///
    /// In a production stack it is an error. In a development stack, or one
    /// whose class is unknown (`berth stacks` shows each stack's class and
    /// why), only what the command needs counts: installed dependencies
    /// (`node_modules`, `vendor`, `.venv`) and the file the container starts.
    /// It is then a warning, with the anonymous-volume fix for dependencies
    /// (`- /app/node_modules` after the bind mount).
    ///
    /// ## Why is this bad?
    /// A bind mount replaces the container directory with the host directory.
    /// Everything the image put there is hidden at run time, so the container
    /// starts without its compiled binary or its dependencies and dies with
    /// errors such as `exec: "./backend": stat ./backend: no such file or
    /// directory`. The image works with `docker run`; only the compose file
    /// breaks it, and no single-file linter can see it because the proof is
    /// split between the compose file and the Dockerfile.
    ///
    /// An anonymous or named volume at exactly the hidden path (the
    /// `- /app/node_modules` trick) keeps that path from the image, and berth
    /// does not report it; nor what the service's `command` installs or
    /// builds again before it starts (`npm ci && npm run build && node
    /// dist/index.js`). Where output goes follows the base image's defaults
    /// and the package managers' settings (see the README); a start file no
    /// `COPY` of the build context brings, under a directory where a build
    /// ran, counts as build output too. An image whose working directory is
    /// unknown (a base image berth has no defaults for) is not guessed at.
    ///
    /// ## Example
    /// ```yaml
    /// # docker-compose.yml
    /// services:
    ///   rust-backend:
    ///     build: ./backend
    ///     volumes:
    ///       - ./backend:/app
    /// ```
    /// ```dockerfile
    /// # backend/Dockerfile (final stage)
    /// FROM debian:bookworm-slim
    /// WORKDIR /app
    /// COPY --from=builder /app/target/release/backend /app/backend
    /// CMD ["/app/backend"]
    /// ```
    ///
    /// ## How to fix
    /// Production runs what the image contains: remove the mount from the
    /// production file. In development, list an anonymous volume at the
    /// hidden dependency directory after the bind mount (`- /app/node_modules`)
    /// so the image's copy stays visible. For live reload during development, move the mount to
    /// a development overlay (`docker-compose.override.yml`,
    /// `compose.dev.yaml`) or use Compose Watch (`develop.watch`). If the
    /// container really needs host files (configuration), mount only those,
    /// read-only, from outside the build context and at a path the image does
    /// not fill, such as `./config:/app/config:ro`.
    pub struct MountShadowsBuildOutput {
        code: "B101",
        name: "mount-shadows-build-output",
        level: Error,
        summary: "A bind mount hides files the image built, such as the binary the container starts.",
        tags: ["correctness", "mounts", "cross-file"],
    }
}

/// Directories build tools conventionally write their output to.
const OUTPUT_DIRS: &[&str] = &["dist", "build", "out", "target", ".next", ".output", "bin"];

/// What a bind mount hides of the image.
pub(crate) struct Shadow {
    /// Hidden paths with the label of the instruction that filled each.
    pub hidden: Vec<(String, Label)>,
    /// Start paths the mount hides.
    pub start: Vec<StartPath>,
}

/// Paths the container's start command needs, with the line that asks for each:
/// compose `entrypoint`/`command` override the image's `ENTRYPOINT`/`CMD`
/// (an `entrypoint` in compose also drops the image's `CMD`). `workdir` is the
/// directory the container starts in (`None`: not known, and relative paths
/// are left out). An entrypoint script inherited from the base image
/// (`docker-entrypoint.sh`) runs the command it is given, so the paths are
/// the command's.
pub(crate) fn service_start_paths(
    svc: &ServiceRef<'_>,
    workdir: &Option<String>,
) -> Vec<StartPath> {
    let Some(image) = svc.image else {
        return Vec::new();
    };
    let workdir = workdir.as_deref();
    // A base image's entrypoint script that runs its arguments
    // (`docker-entrypoint.sh`, `tini -- docker-php-entrypoint`).
    let passes_through = |argv: &[String]| {
        argv.iter()
            .filter(|a| !a.starts_with('-'))
            .map(|a| a.rsplit('/').next().unwrap_or(a))
            .find(|a| !matches!(*a, "tini" | "dumb-init"))
            .is_some_and(|exe| exe.contains("entrypoint"))
    };
    let s = svc.service;
    let entry: Option<(Vec<String>, bool, Span)> = match &s.entrypoint {
        Some(e) => Some((e.value.clone(), false, e.span)),
        None => image
            .entrypoint
            .as_ref()
            .filter(|e| !(e.inherited && passes_through(&e.argv)))
            .map(|e| (e.argv.clone(), e.shell, e.span)),
    };
    let cmd: Option<(Vec<String>, bool, Span)> = match (&s.command, &s.entrypoint) {
        (Some(c), _) => Some((c.value.clone(), false, c.span)),
        (None, Some(_)) => None,
        (None, None) => image
            .cmd
            .as_ref()
            .map(|c| (c.argv.clone(), c.shell, c.span)),
    };
    match (entry, cmd) {
        (Some((e, true, span)), _) => start_paths(&e, true, workdir, span),
        (Some((e, false, espan)), Some((c, false, cspan))) => {
            let own: Vec<StartPath> = start_paths(&e, false, workdir, espan);
            let mut all = e.clone();
            all.extend(c);
            let mut out = own.clone();
            for p in start_paths(&all, false, workdir, cspan) {
                if !own.iter().any(|o| o.path == p.path) {
                    out.push(p);
                }
            }
            out
        }
        (Some((e, false, span)), _) => start_paths(&e, false, workdir, span),
        (None, Some((c, shell, span))) => start_paths(&c, shell, workdir, span),
        (None, None) => Vec::new(),
    }
}

/// The directory the container starts in: compose `working_dir` over the
/// image's `WORKDIR`; `None` when it is not known (a relative `working_dir`
/// over an unknown `WORKDIR`).
pub(crate) fn effective_workdir(svc: &ServiceRef<'_>) -> Option<String> {
    let image_workdir = svc.image.and_then(|i| i.workdir.as_deref());
    match &svc.service.working_dir {
        Some(w) if w.value.starts_with('/') => Some(normalize_posix(&w.value)),
        Some(w) => image_workdir.map(|base| join_posix(base, &w.value)),
        None => image_workdir.map(str::to_string),
    }
}

/// Does the image put anything at `path` (build output, source it copied,
/// or a destination it fills with entries berth cannot name)?
pub(crate) fn image_provides(image: &crate::dockerfile::ImageFacts, path: &str) -> bool {
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

/// What `mount` hides of the service's image, if anything.
pub(crate) fn shadow(svc: &ServiceRef<'_>, mount: &Volume) -> Option<Shadow> {
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
        if f.how.starts_with("RUN chmod") && host_copy_is_executable(mount, &f.path) {
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
                    || (!copied_from_context(svc, image, &sp.path) && !host_has(mount, &sp.path)))
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

/// What the service's compose `command`/`entrypoint` builds when the
/// container starts, read as a `RUN` script in its working directory: the
/// paths it fills, and the directories where it runs builds berth cannot name.
fn rebuilt_by_command(svc: &ServiceRef<'_>, workdir: Option<&str>) -> (Vec<String>, Vec<String>) {
    use crate::dockerfile::run::{Event, Settings, analyse};
    let mut made = Vec::new();
    let mut built_in = Vec::new();
    let commands = [&svc.service.entrypoint, &svc.service.command];
    for argv in commands.into_iter().flatten() {
        let script = match argv.value.as_slice() {
            [sh, flag, script, ..]
                if matches!(
                    sh.rsplit('/').next().unwrap_or(sh),
                    "sh" | "bash" | "ash" | "dash"
                ) && flag.starts_with('-')
                    && flag.contains('c') =>
            {
                script.clone()
            }
            words => words.join(" "),
        };
        let env = std::collections::BTreeMap::new();
        for event in analyse(&script, workdir, &env, &mut Settings::default()) {
            match event {
                Event::Output(p, _) => made.push(p),
                Event::UnknownBuild(d, _) => built_in.push(d),
                _ => {}
            }
        }
    }
    (made, built_in)
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

/// The bind source on the host holds `path` (a file the repository has):
/// then the mount provides the start file rather than hiding it (B103's
/// case). Read only for start files no table explains.
fn host_has(mount: &Volume, path: &str) -> bool {
    let (Some(host), Some(rel)) = (&mount.host_path, path.strip_prefix(mount.target.as_str()))
    else {
        return false;
    };
    host.join(rel.trim_start_matches('/')).exists()
}

/// The host's copy of a path the mount hides is an executable file: a
/// `chmod +x` in the image changed nothing the container loses. (Read only
/// for files a `RUN chmod` made executable under a bind mount; git keeps
/// the bit, so a checkout gives every machine the same answer.)
fn host_copy_is_executable(mount: &Volume, path: &str) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Some(host) = &mount.host_path else {
            return false;
        };
        let Some(rel) = path.strip_prefix(mount.target.as_str()) else {
            return false;
        };
        let file = host.join(rel.trim_start_matches('/'));
        std::fs::metadata(file).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = (mount, path);
        false
    }
}

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
pub(crate) fn container_view(mount: &Volume, image_paths: &[&str], start: Option<&str>) -> String {
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

/// Deleting a short-syntax mount: its line, and the `volumes:` line above
/// when it is the service's only entry. Long syntax is left to the author.
pub(crate) fn remove_mount(cx: &Context<'_>, svc: &ServiceRef<'_>, mount: &Volume) -> Option<Fix> {
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

fn list(paths: &[&str]) -> String {
    let quoted: Vec<String> = paths.iter().take(3).map(|p| format!("`{p}`")).collect();
    let mut s = quoted.join(", ");
    if paths.len() > 3 {
        s.push_str(&format!(" and {} more", paths.len() - 3));
    }
    s
}

impl Rule for MountShadowsBuildOutput {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            if svc.service.build.is_none() {
                continue;
            }
            let production = svc.stack.class.class == Class::Production;
            for mount in svc.service.bind_mounts() {
                let Some(mut sh) = shadow(&svc, mount) else {
                    continue;
                };
                // Outside production only what the development command needs
                // counts: the dependencies and the files it starts. A dev
                // server rebuilds `dist/` from the mounted source itself.
                if !production {
                    let start = sh.start.clone();
                    sh.hidden.retain(|(p, _)| {
                        dependency_dir_itself(p)
                            || start.iter().any(|s| is_within_posix(&s.path, p))
                    });
                    if sh.hidden.is_empty() {
                        continue;
                    }
                }
                let mut paths: Vec<&str> = sh.hidden.iter().map(|(p, _)| p.as_str()).collect();
                paths.sort_unstable();
                paths.dedup();
                let mut message = format!(
                    "bind mount `{}` hides {} that the image of service `{}` puts there",
                    mount.written,
                    list(&paths),
                    svc.service.name.value
                );
                message.push_str(&svc.profile_note());
                if let Some(sp) = sh.start.first() {
                    message.push_str(&format!(
                        "; the container starts `{}` and will fail with \"no such file or directory\"",
                        sp.path
                    ));
                } else if !production {
                    message.push_str("; the development command needs it");
                }
                let mut related: Vec<Label> = Vec::new();
                for (_, label) in &sh.hidden {
                    if !related.iter().any(|r| r.span == label.span) {
                        related.push(label.clone());
                    }
                }
                for sp in &sh.start {
                    if !related.iter().any(|r| r.span == sp.span) {
                        related.push(Label::new(
                            sp.span,
                            format!("starts {}, which the mount hides", sp.path),
                        ));
                    }
                }
                let host = mount.source.as_deref().unwrap_or("the host directory");
                let view = container_view(mount, &paths, sh.start.first().map(|s| s.path.as_str()));
                let mut d = Diagnostic::new(
                    &Self::META,
                    Label::new(
                        mount.span,
                        format!("replaces {} with {host} from the host", mount.target),
                    ),
                    message,
                )
                .with_related(related)
                .with_key(format!("{}|{}", svc.service.name.value, mount.target))
                .with_view(view)
                .in_stack(svc.stack);
                if production {
                    d = d
                        .with_help(
                            "remove this mount from the production file: the image already contains the build output. \
                             For live reload, move it to a development overlay (docker-compose.override.yml) or use Compose Watch (develop.watch); \
                             or mount only the host files the container needs (configuration), read-only, at a path the image does not fill",
                        )
                        .with_fix(remove_mount(cx, &svc, mount));
                } else {
                    let deps: Vec<&str> = paths
                        .iter()
                        .copied()
                        .filter(|p| dependency_dir_itself(p))
                        .collect();
                    d = if deps.len() == paths.len() {
                        let keep: Vec<String> = deps.iter().map(|p| format!("`- {p}`")).collect();
                        d.with_help(format!(
                            "keep the image's copy visible with an anonymous volume listed after the bind mount ({}), \
                             or install the dependencies in the container's command before it starts",
                            keep.join(", ")
                        ))
                        .with_fix(keep_visible(cx, mount, &deps))
                    } else {
                        d.with_help(
                            "the container starts what only the image has: for development, set a `command:` that builds and runs \
                             the mounted source (or a watcher that does), or mount the source where it does not cover the build output",
                        )
                    };
                    d.level = crate::diagnostic::Level::Warning;
                }
                out.push(d);
            }
        }
    }
}

/// Adding anonymous volumes for the hidden paths right after a short-syntax
/// mount, at its indentation: `- /app/node_modules`.
fn keep_visible(cx: &Context<'_>, mount: &Volume, paths: &[&str]) -> Option<Fix> {
    let file = cx.sources.get(mount.span.file)?;
    let line = file.line_col(mount.span.start).line;
    if file.line_col(mount.span.end).line != line {
        return None;
    }
    let text = file.line_text(line);
    let trimmed = text.trim_start();
    if !trimmed.starts_with("- ") {
        return None;
    }
    let indent = &text[..text.len() - trimmed.len()];
    let mut insert = format!("{text}\n");
    for p in paths {
        insert.push_str(&format!("{indent}- {p}\n"));
    }
    Some(Fix {
        file: mount.span.file,
        start_line: line,
        end_line: line,
        insert,
        description: "Keep the image's copy visible with an anonymous volume".into(),
    })
}

/// A hidden path that is itself a dependency directory (`/app/node_modules`).
fn dependency_dir_itself(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| crate::paths::DEPENDENCY_DIRS.contains(&name))
}
