use super::socket::is_docker_socket;
use super::{Context, Rule, RuleMeta, declare_rule};
use crate::diagnostic::{Diagnostic, Label};
use crate::paths::slash;

declare_rule! {
    /// ## What it does
    /// Reports a bind mount of the Docker daemon's socket
    /// (`/var/run/docker.sock`, `/run/docker.sock`, or a Windows named pipe
    /// `\\.\pipe\docker_engine`).
    ///
    /// ## Why is this bad?
    /// Whoever can talk to the Docker socket can start a privileged container
    /// that mounts the host's root: the socket is root on the host, even when
    /// it is mounted read-only.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   ci-runner:
    ///     image: example/runner:2
    ///     volumes:
    ///       - /var/run/docker.sock:/var/run/docker.sock
    /// ```
    ///
    /// ## How to fix
    /// Give the service only the API it needs through a filtering proxy (for
    /// example a socket proxy that allows read-only endpoints), or run the
    /// tool rootless; if it must stay, document why with a suppression.
    pub struct DockerSocketMounted {
        code: "B202",
        name: "docker-socket-mounted",
        level: Warning,
        summary: "The Docker daemon socket is mounted into a container.",
        tags: ["security"],
        security_severity: "9.0",
    }
}

impl Rule for DockerSocketMounted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            for v in &svc.service.volumes {
                let host = v
                    .host_path
                    .as_deref()
                    .map(slash)
                    .or_else(|| v.source.clone())
                    .unwrap_or_default();
                if !is_docker_socket(&host) {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(v.span, "the Docker socket"),
                        format!(
                            "service `{}`{} mounts the Docker socket `{}`: whoever reaches it controls the host",
                            svc.service.name.value,
                            svc.profile_note(),
                            v.source.as_deref().unwrap_or(&host)
                        ),
                    )
                    .with_help("use a filtering socket proxy or a rootless daemon; a read-only mount does not make the socket safe")
                    .with_key(format!("{}|{}", svc.service.name.value, v.target))
                    .in_stack(svc.stack),
                );
            }
        }
    }
}
