use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::List;
use crate::diagnostic::{Diagnostic, Label};

declare_rule! {
    /// ## What it does
    /// Reports `cap_add` entries that give a container host-level power:
    /// `ALL`, `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`,
    /// `SYS_RAWIO`, `SYS_BOOT`, `SYS_TIME`, `DAC_READ_SEARCH`, `BPF`,
    /// `PERFMON`, `MAC_ADMIN`, `MAC_OVERRIDE`.
    ///
    /// ## Why is this bad?
    /// These capabilities are enough to escape the container (`SYS_ADMIN`
    /// mounts file systems, `SYS_MODULE` loads kernel modules,
    /// `DAC_READ_SEARCH` reads any host file by handle) or to reconfigure the
    /// host's network (`NET_ADMIN`).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: example/vpn:3
    ///     cap_add: [NET_ADMIN, SYS_ADMIN]
    /// ```
    ///
    /// ## How to fix
    /// Drop the capability, or replace it with a narrower one (`NET_BIND_SERVICE`
    /// to bind low ports). Keep `cap_drop: [ALL]` and add back only what is needed.
    pub struct DangerousCapability {
        code: "B204",
        name: "dangerous-capability",
        level: Warning,
        summary: "A service adds a capability that gives host-level power (ALL, SYS_ADMIN, NET_ADMIN, ...).",
        tags: ["security"],
        security_severity: "7.8",
    }
}

const DANGEROUS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "DAC_READ_SEARCH",
    "BPF",
    "PERFMON",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
];

impl Rule for DangerousCapability {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            for cap in svc.service.settings.list(List::CapAdd) {
                let name = cap.value.to_ascii_uppercase();
                let name = name.strip_prefix("CAP_").unwrap_or(&name);
                if !DANGEROUS.contains(&name) {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(cap.span, format!("adds {name}")),
                        format!(
                            "service `{}`{} adds the capability `{name}`, enough to act on the host",
                            svc.service.name.value,
                            svc.profile_note()
                        ),
                    )
                    .with_help("remove it or use a narrower capability; start from `cap_drop: [ALL]` and add back only what the service needs")
                    .with_key(format!("{}|{name}", svc.service.name.value))
                    .in_stack(svc.stack),
                );
            }
        }
    }
}
