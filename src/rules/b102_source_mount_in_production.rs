use super::b101_mount_shadows_build_output::{container_view, remove_mount, shadow};
use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::BuildContext;
use crate::diagnostic::{Diagnostic, Label};
use crate::paths::is_within_posix;

declare_rule! {
    /// ## What it does
    /// In a production compose file, reports a service with `build:` that
    /// bind-mounts its own source over the place where the image copied it:
    /// the whole build context over a `COPY . /app` destination, or a
    /// directory that a `COPY` names (`COPY src/ /app/src/` and
    /// `./src:/app/src`), when the mount hides nothing the image built
    /// (otherwise `B101` reports it). Single files (configuration), directories
    /// that `.dockerignore` keeps out of the image, and directories that only a
    /// `COPY . .` takes along (data, logs, uploads) are not reported. When the
    /// Dockerfile cannot be read, only a mount of the whole context is.
    ///
    /// ## Why is this bad?
    /// The container runs whatever is on the host, not what the image was built
    /// from: the image that passed CI is not what runs, a `git pull` on the
    /// server changes production, and the service breaks as soon as the image
    /// and the host checkout disagree. It is a development set-up that leaked
    /// into the production file.
    ///
    /// ## Example
    /// ```yaml
    /// # docker-compose.yml
    /// services:
    ///   api:
    ///     build: ./api
    ///     command: python app.py
    ///     volumes:
    ///       - ./api:/srv/api
    /// ```
    ///
    /// ## How to fix
    /// Remove the mount from the production file and let the image carry the
    /// code. Keep live editing in a development overlay
    /// (`docker-compose.override.yml`, `compose.dev.yaml`) or use Compose
    /// Watch (`develop.watch`).
    pub struct SourceMountInProduction {
        code: "B102",
        name: "source-mount-in-production",
        level: Warning,
        summary: "A production service bind-mounts its own build context over the image.",
        tags: ["correctness", "mounts"],
    }
}

impl Rule for SourceMountInProduction {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            if !svc.stack.production {
                continue;
            }
            let Some(build) = &svc.service.build else {
                continue;
            };
            let BuildContext::Local(context) = &build.context else {
                continue;
            };
            for mount in svc.service.bind_mounts() {
                let Some(host) = &mount.host_path else {
                    continue;
                };
                let Ok(rel) = host.strip_prefix(context) else {
                    continue;
                };
                let rel = crate::paths::slash(rel);
                if mount.host_is_file
                    || svc.dockerignore().is_some_and(|d| d.excludes(host, true))
                    || shadow(&svc, mount).is_some()
                {
                    continue;
                }
                // Source, by what the Dockerfile says: the whole context, or a directory
                // a COPY names, mounted where the image put it. A directory that only a
                // `COPY . .` takes along (data, logs, uploads) is not taken for source.
                let related: Vec<Label> = match svc.image {
                    Some(image) => image
                        .context_copies
                        .iter()
                        .filter(|c| {
                            let names_it = if c.src.is_empty() {
                                rel.is_empty()
                            } else {
                                is_within_posix(&format!("/{rel}"), &format!("/{}", c.src))
                            };
                            names_it
                                && (is_within_posix(&c.path, &mount.target)
                                    || is_within_posix(&mount.target, &c.path))
                        })
                        .fold(Vec::new(), |mut labels: Vec<Label>, c| {
                            if !labels.iter().any(|l| l.span == c.span) {
                                labels.push(Label::new(
                                    c.span,
                                    format!("copies the build context to {} ({})", c.path, c.how),
                                ));
                            }
                            labels
                        }),
                    None => Vec::new(),
                };
                if related.is_empty() && (svc.image.is_some() || !rel.is_empty()) {
                    continue;
                }
                let source = mount.source.as_deref().unwrap_or("");
                let copied: Vec<&str> = svc
                    .image
                    .map(|i| {
                        let mut p: Vec<&str> = i
                            .context_copies
                            .iter()
                            .filter(|c| is_within_posix(&c.path, &mount.target))
                            .map(|c| c.path.as_str())
                            .collect();
                        p.sort_unstable();
                        p.dedup();
                        p
                    })
                    .unwrap_or_default();
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(mount.span, format!("mounts {source} over {}", mount.target)),
                        format!(
                            "production service `{}`{} bind-mounts `{source}`, part of its own build context, at `{}`: the container runs the host's files instead of the image's",
                            svc.service.name.value,
                            svc.profile_note(),
                            mount.target
                        ),
                    )
                    .with_related(related)
                    .with_help(
                        "remove the mount from the production file and let the image carry the code; \
                         keep live editing in a development overlay (docker-compose.override.yml) or use Compose Watch (develop.watch)",
                    )
                    .with_key(format!("{}|{}", svc.service.name.value, mount.target))
                    .with_view(container_view(mount, &copied, None))
                    .with_fix(remove_mount(cx, &svc, mount))
                    .in_stack(svc.stack),
                );
            }
        }
    }
}
