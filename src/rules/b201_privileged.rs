use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::Scalar;
use crate::diagnostic::{Diagnostic, Label};

declare_rule! {
    /// ## What it does
    /// Reports a service with `privileged: true`.
    ///
    /// ## Why is this bad?
    /// A privileged container gets every capability, all host devices and no
    /// seccomp or AppArmor confinement: a process that escapes the application
    /// owns the host.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: example/agent:1.4
    ///     privileged: true
    /// ```
    ///
    /// ## How to fix
    /// Remove `privileged` and grant only what the service needs: a device
    /// with `devices:`, a capability with `cap_add:`.
    pub struct Privileged {
        code: "B201",
        name: "privileged",
        level: Warning,
        summary: "A service runs privileged, with every capability and host device.",
        tags: ["security"],
        security_severity: "8.8",
    }
}

impl Rule for Privileged {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            let Some(p) = svc.service.settings.scalar(Scalar::Privileged) else {
                continue;
            };
            if p.value.eq_ignore_ascii_case("true") {
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(p.span, "privileged"),
                        format!(
                            "service `{}`{} runs privileged: every capability, all host devices, no seccomp or AppArmor",
                            svc.service.name.value,
                            svc.profile_note()
                        ),
                    )
                    .with_help("remove `privileged: true`; grant a device with `devices:` or a capability with `cap_add:` instead")
                    .with_key(svc.service.name.value.clone())
                    .in_stack(svc.stack),
                );
            }
        }
    }
}
