use super::mounts::image_provides;
use super::start::{effective_workdir, service_start_paths};
use super::{Context, Rule, RuleMeta, declare_rule};
use crate::diagnostic::{Diagnostic, Label};
use crate::paths::is_within_posix;

declare_rule! {
    /// ## What it does
    /// In a production stack, reports a service whose start command
    /// (`command`, `entrypoint`, or the image's `CMD`/`ENTRYPOINT`) lies
    /// inside a bind mount, at a path the image itself does not provide: the
    /// container can start only if the host has the file. (A `working_dir`
    /// inside a mount is not reported: Docker creates missing directories.)
    ///
    /// ## Why is this bad?
    /// It works on the machine where the file happens to exist, and fails
    /// everywhere else: on a fresh server the missing host directory is
    /// created empty and the container dies with `no such file or
    /// directory`. The image that passed CI is not enough to run the service.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build: .
    ///     command: ./scripts/start.sh
    ///     volumes:
    ///       - ./scripts:/app/scripts
    /// ```
    ///
    /// ## How to fix
    /// `COPY` the script into the image and drop the mount, or start from a
    /// path the image provides.
    pub struct StartDependsOnMount {
        code: "B103",
        name: "start-depends-on-mount",
        level: Warning,
        summary: "The start command needs a file that only a bind mount provides.",
        tags: ["correctness", "mounts", "cross-file"],
    }
}

impl Rule for StartDependsOnMount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            let Some(image) = svc.image else { continue };
            if !svc.stack.is_production() || svc.service.bind_mounts().next().is_none() {
                continue;
            }
            let workdir = effective_workdir(&svc);
            let starts = service_start_paths(&svc, &workdir);
            for mount in svc.service.bind_mounts() {
                let needs: Vec<(String, Label)> = starts
                    .iter()
                    .filter(|sp| {
                        is_within_posix(&sp.path, &mount.target) && !image_provides(image, &sp.path)
                    })
                    .map(|sp| {
                        (
                            sp.path.clone(),
                            Label::new(sp.span, format!("starts {}", sp.path)),
                        )
                    })
                    .collect();
                let Some((path, first)) = needs.first().cloned() else {
                    continue;
                };
                let related: Vec<Label> = needs
                    .into_iter()
                    .map(|(_, l)| l)
                    .filter(|l| l.span != first.span)
                    .collect();
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(mount.span, format!("provides {path} from the host")),
                        format!(
                            "service `{}`{} needs `{path}`, which only the bind mount `{}` provides: the container starts only where the host has it",
                            svc.service.name.value,
                            svc.profile_note(),
                            mount.written
                        ),
                    )
                    .with_related(std::iter::once(first).chain(related).collect())
                    .with_help("COPY the file into the image and drop the mount, or start from a path the image provides")
                    .with_key(format!("{}|{}", svc.service.name.value, mount.target))
                    .in_stack(svc.stack),
                );
            }
        }
    }
}
