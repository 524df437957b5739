use super::mounts::image_provides;
use super::{Context, Rule, RuleMeta, declare_rule};
use crate::diagnostic::{Diagnostic, Label};
use crate::paths::join_posix;

declare_rule! {
    /// ## What it does
    /// Reports a compose `working_dir` that moves a relative start command
    /// away from where the image put it: the image's `CMD`/`ENTRYPOINT` runs
    /// `./server` (or `node dist/main.js`) from its `WORKDIR`, where the image
    /// provides it, but the service's `working_dir` points elsewhere, where it
    /// does not.
    ///
    /// ## Why is this bad?
    /// The relative path now resolves against the new directory: the
    /// container dies with `exec: "./server": stat ./server: no such file or
    /// directory`, although the image runs fine with `docker run`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build: .          # WORKDIR /app, CMD ["./server"]
    ///     working_dir: /data
    /// ```
    ///
    /// ## How to fix
    /// Remove `working_dir`, or make the command absolute (`/app/server`) in
    /// the Dockerfile or in `command:`.
    pub struct RelativeStartOutsideWorkdir {
        code: "B107",
        name: "relative-start-outside-workdir",
        level: Error,
        summary: "working_dir moves a relative start command away from where the image provides it.",
        tags: ["correctness", "cross-file"],
    }
}

impl Rule for RelativeStartOutsideWorkdir {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            let (Some(image), Some(wd)) = (svc.image, &svc.service.working_dir) else {
                continue;
            };
            // Only the image's own command: a compose command is written for the compose working_dir.
            if svc.service.command.is_some() || svc.service.entrypoint.is_some() {
                continue;
            }
            // Where the image's command resolves is known only with its WORKDIR.
            let Some(image_workdir) = image.workdir.as_deref() else {
                continue;
            };
            let new_dir = join_posix(image_workdir, &wd.value);
            if new_dir == image_workdir {
                continue;
            }
            // An entrypoint inherited from the base image runs the CMD it is given.
            let own_entrypoint = image.entrypoint.as_ref().filter(|e| !e.inherited);
            let starts = own_entrypoint
                .into_iter()
                .chain(image.cmd.iter().take(usize::from(own_entrypoint.is_none())));
            for cmd in starts {
                let relative: Vec<&String> = if cmd.shell {
                    Vec::new()
                } else {
                    cmd.argv
                        .iter()
                        .take(2)
                        .filter(|a| a.starts_with("./") || (a.contains('/') && !a.starts_with('/')))
                        .collect()
                };
                for rel in relative {
                    let before = join_posix(image_workdir, rel);
                    let after = join_posix(&new_dir, rel);
                    if image_provides(image, &before) && !image_provides(image, &after) {
                        out.push(
                            Diagnostic::new(
                                &Self::META,
                                Label::new(wd.span, format!("runs `{rel}` from {new_dir}")),
                                format!(
                                    "`working_dir: {}` of service `{}`{} makes the image's `{rel}` resolve to `{after}`, which the image does not provide (it is at `{before}`)",
                                    wd.value,
                                    svc.service.name.value,
                                    svc.profile_note()
                                ),
                            )
                            .with_related(vec![Label::new(cmd.span, format!("runs {rel} relative to WORKDIR {image_workdir}"))])
                            .with_help("remove `working_dir`, or make the command absolute in the Dockerfile or in `command:`")
                            .with_key(format!("{}|{rel}", svc.service.name.value))
                            .in_stack(svc.stack),
                        );
                    }
                }
            }
        }
    }
}
