use super::mounts::{remove_mount, shadow};
use super::view::container_view;
use super::{Context, Rule, RuleMeta, declare_rule};
use crate::classify::Class;
use crate::compose::Volume;
use crate::diagnostic::{Diagnostic, Fix, Label};
use crate::paths::is_within_posix;

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

/// The first three paths, quoted, then how many more: `a`, `b`, `c` and 2 more.
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
                let Some(mut sh) = shadow(cx.host, &svc, mount) else {
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
                let view = container_view(
                    cx.host,
                    mount,
                    &paths,
                    sh.start.first().map(|s| s.path.as_str()),
                );
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
