use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::VolumeKind;
use crate::diagnostic::{Diagnostic, Label};
use crate::paths::{normalize_posix, slash};

declare_rule! {
    /// ## What it does
    /// Reports a bind mount of the host's root directory `/` that is not
    /// read-only.
    ///
    /// ## Why is this bad?
    /// The container can rewrite any file of the host: `/etc/passwd`, the
    /// SSH keys, the Docker daemon's configuration. It is a host takeover
    /// waiting for one bug in the service.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: example/agent:3.1
    ///     volumes:
    ///       - /:/host
    /// ```
    ///
    /// ## How to fix
    /// Mount it read-only (`/:/host:ro`), or better, mount only the directories
    /// the service reads.
    pub struct WritableHostRoot {
        code: "B207",
        name: "writable-host-root",
        level: Error,
        summary: "The host's root directory is mounted writable.",
        tags: ["security", "mounts"],
        security_severity: "9.3",
    }
}

impl Rule for WritableHostRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            for v in svc
                .service
                .volumes
                .iter()
                .filter(|v| v.kind == VolumeKind::Bind)
            {
                let Some(host) = &v.host_path else { continue };
                // `~` is the root only where HOME is `/`: a source written in
                // the home directory is not judged by this machine's HOME
                // (B206 judges it), nor one an unset variable went into.
                if v.home_relative.is_some() || v.source_unknown {
                    continue;
                }
                if normalize_posix(&slash(host)) != "/" || v.read_only {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(v.span, "the host root, writable"),
                        format!(
                            "service `{}`{} mounts the host's root directory writable at `{}`",
                            svc.service.name.value,
                            svc.profile_note(),
                            v.target
                        ),
                    )
                    .with_help("mount it read-only (`:ro`), or mount only the directories the service needs")
                    .with_key(format!("{}|{}", svc.service.name.value, v.target))
                    .in_stack(svc.stack),
                );
            }
        }
    }
}
