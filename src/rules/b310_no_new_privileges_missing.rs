use super::{Context, Rule, RuleMeta, declare_rule, report_missing};
use crate::compose::List;
use crate::diagnostic::Diagnostic;

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
        report_missing(
            cx,
            &Self::META,
            |s| {
                s.list(List::SecurityOpt).iter().any(|o| {
                    o.value.replace('=', ":") == "no-new-privileges:true"
                        || o.value == "no-new-privileges"
                })
            },
            (
                "no-new-privileges",
                "does not set no-new-privileges",
                "add `security_opt: [\"no-new-privileges:true\"]`",
            ),
            out,
        );
    }
}
