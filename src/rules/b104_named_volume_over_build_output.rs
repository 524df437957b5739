use super::view::container_view;
use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::VolumeKind;
use crate::diagnostic::{Diagnostic, Label};
use crate::paths::is_within_posix;

declare_rule! {
    /// ## What it does
    /// Reports a named volume mounted at, or above, a path the image fills
    /// with build output (`node_modules`, a compiled binary, `dist/`), in any
    /// stack.
    ///
    /// ## Why is this bad?
    /// Docker copies the image's files into an empty named volume once, the
    /// first time it is used. After that the volume wins: rebuild the image
    /// with a new dependency or a fixed binary and the container still runs the
    /// old files from the volume. This is the "my change is not deployed"
    /// trap, and it survives `docker compose up --build`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     build: .
    ///     volumes:
    ///       - node_modules:/app/node_modules
    /// volumes:
    ///   node_modules:
    /// ```
    ///
    /// ## How to fix
    /// Do not put build output in a named volume. For a development
    /// dependency cache, use an anonymous volume and start with
    /// `docker compose up --renew-anon-volumes`, or keep the cache at a path
    /// the image does not fill.
    pub struct NamedVolumeOverBuildOutput {
        code: "B104",
        name: "named-volume-over-build-output",
        level: Warning,
        summary: "A named volume sits over build output: after a rebuild the container keeps running the old files.",
        tags: ["correctness", "mounts", "cross-file"],
    }
}

impl Rule for NamedVolumeOverBuildOutput {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            let Some(image) = svc.image else { continue };
            for v in svc
                .service
                .volumes
                .iter()
                .filter(|v| v.kind == VolumeKind::Volume)
            {
                let Some(f) = image
                    .filled
                    .iter()
                    .find(|f| is_within_posix(&f.path, &v.target))
                else {
                    continue;
                };
                let name = v.source.as_deref().unwrap_or("");
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(v.span, format!("named volume `{name}`")),
                        format!(
                            "named volume `{name}` at `{}` keeps the first image's `{}` of service `{}`{}: after a rebuild the container still runs the old files",
                            v.target,
                            f.path,
                            svc.service.name.value,
                            svc.profile_note()
                        ),
                    )
                    .with_related(vec![Label::new(f.span, format!("puts {} in the image ({})", f.path, f.how))])
                    .with_help("keep build output out of named volumes; for a dependency cache use an anonymous volume with `up --renew-anon-volumes`")
                    .with_key(format!("{}|{}", svc.service.name.value, v.target))
                    .with_view(container_view(cx.host, v, &[f.path.as_str()], None))
                    .in_stack(svc.stack),
                );
            }
        }
    }
}
