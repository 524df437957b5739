use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::Scalar;
use crate::diagnostic::{Diagnostic, Label};

declare_rule! {
    /// ## What it does
    /// Reports a service that shares a host namespace: `network_mode: host`,
    /// `pid: host`, `ipc: host`, `uts: host` or `userns_mode: host`.
    ///
    /// ## Why is this bad?
    /// Sharing the host's network exposes every port the service opens and
    /// lets it reach services bound to localhost; sharing PIDs lets it see and
    /// signal host processes; sharing IPC exposes host shared memory; and
    /// `userns_mode: host` turns off user-namespace remapping, so root in the
    /// container is root on the host.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   exporter:
    ///     image: prom/node-exporter:v1.8.2
    ///     network_mode: host
    ///     pid: host
    /// ```
    ///
    /// ## How to fix
    /// Use the default namespaces and publish the ports the service needs. For
    /// monitoring agents that truly need the host's view, keep the setting and
    /// suppress the finding with the reason.
    pub struct HostNamespace {
        code: "B203",
        name: "host-namespace",
        level: Warning,
        summary: "A service shares the host's network, PID, IPC, UTS or user namespace.",
        tags: ["security"],
        security_severity: "7.5",
    }
}

const KEYS: &[(Scalar, &str)] = &[
    (Scalar::NetworkMode, "network"),
    (Scalar::Pid, "process (PID)"),
    (Scalar::Ipc, "IPC"),
    (Scalar::Uts, "UTS (hostname)"),
    (Scalar::UsernsMode, "user"),
];

impl Rule for HostNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            for &(setting, what) in KEYS {
                let key = setting.key();
                let Some(v) = svc.service.settings.scalar(setting) else {
                    continue;
                };
                if v.value != "host" {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(v.span, format!("{key}: host")),
                        format!(
                            "service `{}`{} shares the host's {what} namespace (`{key}: host`)",
                            svc.service.name.value,
                            svc.profile_note()
                        ),
                    )
                    .with_help("remove the setting and use the container's own namespace; publish ports instead of sharing the host network")
                    .with_key(format!("{}|{key}", svc.service.name.value))
                    .in_stack(svc.stack),
                );
            }
        }
    }
}
