use super::{Context, Rule, RuleMeta, declare_rule, report_missing};
use crate::compose::Scalar;
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// In a production stack, reports a service with neither `mem_limit` nor
    /// `deploy.resources.limits.memory`.
    ///
    /// Off by default: turn it on in berth.yml (`rules: {B308: on}`).
    ///
    /// ## Why is this bad?
    /// A leak or a load spike in one container takes the host's memory and the
    /// kernel's out-of-memory killer picks a victim, often another service.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:1.4
    /// ```
    ///
    /// ## How to fix
    /// Set `deploy.resources.limits.memory: 512M` (or `mem_limit: 512m`).
    pub struct NoMemoryLimit {
        code: "B308",
        name: "no-memory-limit",
        level: Warning,
        summary: "A production service has no memory limit.",
        tags: ["reliability", "hardening"],
        opt_in: true,
    }
}

impl Rule for NoMemoryLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        report_missing(
            cx,
            &Self::META,
            |s| {
                s.scalar(Scalar::MemLimit).is_some()
                    || s.scalar(Scalar::DeployMemoryLimit).is_some()
            },
            (
                "no memory limit",
                "has no memory limit",
                "set `deploy.resources.limits.memory` (or `mem_limit`)",
            ),
            out,
        );
    }
}
