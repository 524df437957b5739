use super::start::{effective_workdir, service_start_paths};
use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::BuildContext;
use crate::diagnostic::{Diagnostic, Label};
use crate::paths::is_within_posix;

declare_rule! {
    /// ## What it does
    /// In a development stack, reports a service that bind-mounts its source
    /// (a directory of its build context) while its container starts a
    /// prebuilt binary that the image compiled elsewhere, with no file watcher
    /// in the command (`cargo watch`, `watchexec`, `air`, `reflex`, `nodemon`,
    /// `--reload`, `dotnet watch`, ...).
    ///
    /// ## Why is this bad?
    /// Edits land in the mounted source, but the running program is the
    /// binary built into the image: nothing rebuilds it, so changes never take
    /// effect and the mount only suggests they do.
    ///
    /// ## Example
    /// ```yaml
    /// # docker-compose.override.yml
    /// services:
    ///   api:
    ///     volumes:
    ///       - ./api/src:/usr/src/api/src   # the image runs /usr/local/bin/api
    /// ```
    ///
    /// ## How to fix
    /// Run a watcher that rebuilds on change (`cargo watch -x run`, `air`),
    /// use Compose Watch with `action: rebuild`, or drop the mount.
    pub struct DevMountWithoutWatcher {
        code: "B105",
        name: "dev-mount-without-watcher",
        level: Note,
        summary: "A development mount of source has no effect: the container runs a prebuilt binary and no watcher.",
        tags: ["correctness", "mounts", "development", "cross-file"],
    }
}

const WATCHERS: &[&str] = &[
    "watch",
    "watchexec",
    "air",
    "reflex",
    "nodemon",
    "entr",
    "--reload",
    "--watch",
    "-w",
    "runserver",
    "dev",
    "serve",
    "start:dev",
];

impl Rule for DevMountWithoutWatcher {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            if svc.stack.class.class != crate::classify::Class::Development
                || svc.service.bind_mounts().next().is_none()
            {
                continue;
            }
            let (Some(image), Some(build)) = (svc.image, &svc.service.build) else {
                continue;
            };
            let BuildContext::Local(context) = &build.context else {
                continue;
            };
            let command_words: Vec<&str> = svc
                .service
                .entrypoint
                .iter()
                .chain(svc.service.command.iter())
                .flat_map(|c| c.value.iter().map(String::as_str))
                .collect();
            if command_words
                .iter()
                .any(|w| WATCHERS.iter().any(|x| w.contains(x)))
            {
                continue;
            }
            let workdir = effective_workdir(&svc);
            let binary = service_start_paths(&svc, &workdir).into_iter().find(|sp| {
                image
                    .filled
                    .iter()
                    .any(|f| is_within_posix(&sp.path, &f.path) && f.how.starts_with("COPY --from"))
            });
            let Some(binary) = binary else { continue };
            for mount in svc.service.bind_mounts() {
                let Some(host) = &mount.host_path else {
                    continue;
                };
                if !host.starts_with(context) || is_within_posix(&binary.path, &mount.target) {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(mount.span, "edits land here"),
                        format!(
                            "service `{}`{} mounts source at `{}` but runs the prebuilt `{}` with no watcher: edits never take effect",
                            svc.service.name.value,
                            svc.profile_note(),
                            mount.target,
                            binary.path
                        ),
                    )
                    .with_related(vec![Label::new(binary.span, format!("starts {}", binary.path))])
                    .with_help("run a watcher that rebuilds on change (cargo watch, air, watchexec), use Compose Watch with `action: rebuild`, or drop the mount")
                    .with_key(format!("{}|{}", svc.service.name.value, mount.target))
                    .in_stack(svc.stack),
                );
            }
        }
    }
}
