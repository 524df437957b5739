use super::{Context, Rule, RuleMeta, declare_rule};
use crate::diagnostic::{Diagnostic, Label};

declare_rule! {
    /// ## What it does
    /// In a production stack, reports a service whose `security_opt` lacks
    /// `no-new-privileges:true`.
    ///
    /// Off by default: turn it on in berth.yml (`rules: {B310: on}`).
    ///
    /// ## Why is this bad?
    /// Without it, a setuid binary in the image lets a process gain privileges
    /// the container was started without.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:1.4
    /// ```
    ///
    /// ## How to fix
    /// Add `security_opt: ["no-new-privileges:true"]`.
    pub struct NoNewPrivilegesMissing {
        code: "B310",
        name: "no-new-privileges-missing",
        level: Warning,
        summary: "A production service does not set no-new-privileges.",
        tags: ["security", "hardening"],
        security_severity: "4.0",
        opt_in: true,
    }
}

impl Rule for NoNewPrivilegesMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            let s = &svc.service.settings;
            if !svc.stack.production
                || s.list("security_opt").iter().any(|o| {
                    o.value.replace('=', ":") == "no-new-privileges:true"
                        || o.value == "no-new-privileges"
                })
            {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &Self::META,
                    Label::new(svc.service.name.span, "no-new-privileges"),
                    format!(
                        "production service `{}`{} does not set no-new-privileges",
                        svc.service.name.value,
                        svc.profile_note()
                    ),
                )
                .with_help("add `security_opt: [\"no-new-privileges:true\"]`")
                .with_key(svc.service.name.value.clone())
                .in_stack(svc.stack),
            );
        }
    }
}
