use super::mounts::{remove_mount, shadow};
use super::view::container_view;
use super::{Context, Rule, RuleMeta, ServiceRef, declare_rule};
use crate::compose::{BuildContext, Volume};
use crate::diagnostic::{Diagnostic, Label};
use crate::paths::{is_within_posix, join_posix};

declare_rule! {
    /// ## What it does
    /// In a production stack (`berth stacks` shows each stack's class and
    /// why), reports a service with `build:` that bind-mounts its own source
    /// over the image, when the mount hides nothing the image built
    /// (otherwise `B101` reports it): the whole build context, wherever it
    /// lands; a directory that a `COPY` names (`COPY src/ /app/src/` and
    /// `./src:/app/src`); a code directory (`src`, `lib`, `app`, ...) that a
    /// `COPY . /app` carries, at its place below the destination; and a single
    /// code file or dependency manifest (`server.js`, `package.json`) mounted
    /// over the copy the image made. Configuration files (`nginx.conf`,
    /// `php.ini`), directories that `.dockerignore` keeps out of the image,
    /// and data directories (`uploads`, `logs`) are not reported. When the
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
            if !svc.stack.is_production() {
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
                if svc
                    .dockerignore()
                    .is_some_and(|d| d.excludes(host, !mount.host_is_file))
                    || shadow(cx.host, &svc, mount).is_some()
                {
                    continue;
                }
                let Some(related) = source_evidence(&svc, mount, &rel) else {
                    continue;
                };
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
                        if related.is_empty() && svc.image.is_some() {
                            // The image carries no code there: the host checkout is the code.
                            format!(
                                "production service `{}`{} bind-mounts `{source}`, its whole build context, at `{}`: it runs the host's checkout, not code the image carries",
                                svc.service.name.value,
                                svc.profile_note(),
                                mount.target
                            )
                        } else {
                            format!(
                                "production service `{}`{} bind-mounts `{source}`, part of its own build context, at `{}`: the container runs the host's files instead of the image's",
                                svc.service.name.value,
                                svc.profile_note(),
                                mount.target
                            )
                        },
                    )
                    .with_related(related)
                    .with_help(
                        "remove the mount from the production file and let the image carry the code; \
                         keep live editing in a development overlay (docker-compose.override.yml) or use Compose Watch (develop.watch)",
                    )
                    .with_key(format!("{}|{}", svc.service.name.value, mount.target))
                    .with_view(container_view(cx.host, mount, &copied, None))
                    .with_fix(remove_mount(cx, &svc, mount))
                    .in_stack(svc.stack),
                );
            }
        }
    }
}

/// Directory names that hold code, not data: a `COPY . /app` carries them as
/// source (`./src:/app/src`).
const CODE_DIRS: &[&str] = &[
    "src",
    "source",
    "lib",
    "app",
    "apps",
    "server",
    "client",
    "api",
    "cmd",
    "pkg",
    "internal",
    "components",
    "pages",
    "routes",
    "controllers",
    "models",
    "views",
    "handlers",
    "services",
    "modules",
    "packages",
];

/// File names and extensions of code and dependency manifests: a single
/// file bind of one of them over the image's copy is a source mount;
/// configuration (`nginx.conf`, `php.ini`, `settings.yaml`) is not.
fn is_source_file(name: &str) -> bool {
    const MANIFESTS: &[&str] = &[
        "package.json",
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "composer.json",
        "composer.lock",
        "Gemfile",
        "Gemfile.lock",
        "requirements.txt",
        "pyproject.toml",
        "poetry.lock",
        "uv.lock",
        "Pipfile",
        "Pipfile.lock",
        "go.mod",
        "go.sum",
        "Cargo.toml",
        "Cargo.lock",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "mix.exs",
        "mix.lock",
    ];
    const CODE: &[&str] = &[
        "js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx", "vue", "svelte", "py", "rb", "php",
        "go", "rs", "java", "kt", "scala", "cs", "fs", "ex", "exs", "erl", "clj", "dart", "swift",
    ];
    MANIFESTS.contains(&name)
        || name
            .rsplit_once('.')
            .is_some_and(|(stem, ext)| !stem.is_empty() && CODE.contains(&ext))
}

/// Why the mount is source, by what the Dockerfile copied: the `COPY` lines
/// that put the same files where the mount lands. `None` when it is not
/// shown to be source (data, configuration, directories no `COPY` names).
fn source_evidence(svc: &ServiceRef<'_>, mount: &Volume, rel: &str) -> Option<Vec<Label>> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if mount.host_is_file && !is_source_file(name) {
        return None;
    }
    let Some(image) = svc.image else {
        // Without the Dockerfile only the whole context is known to be source.
        return (rel.is_empty()).then(Vec::new);
    };
    let mut labels: Vec<Label> = Vec::new();
    for c in &image.context_copies {
        let names_it = if c.src.is_empty() {
            // `COPY . /app`: the whole context, or a code directory or code
            // file of it at the same place below the destination.
            rel.is_empty()
                || ((mount.host_is_file || CODE_DIRS.contains(&name))
                    && mount.target == join_posix(&c.path, rel))
        } else {
            is_within_posix(&format!("/{rel}"), &format!("/{}", c.src))
                && (is_within_posix(&c.path, &mount.target)
                    || is_within_posix(&mount.target, &c.path))
        };
        let lands = rel.is_empty()
            || !mount.host_is_file
            || mount.target == c.path
            || mount.target == join_posix(&c.path, rel);
        if names_it && lands && !labels.iter().any(|l| l.span == c.span) {
            labels.push(Label::new(
                c.span,
                format!("copies the build context to {} ({})", c.path, c.how),
            ));
        }
    }
    // The whole build context is source wherever it lands.
    if labels.is_empty() && !rel.is_empty() {
        return None;
    }
    Some(labels)
}
