use super::{Context, Rule, RuleMeta, declare_rule, report_missing};
use crate::compose::Scalar;
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// In a production stack, reports a service without `read_only: true`.
    ///
    /// Off by default: turn it on in berth.yml (`rules: {B309: on}`).
    ///
    /// ## Why is this bad?
    /// An attacker who gets code execution can drop tools and persist changes in
    /// the container's file system; a read-only root stops that and makes
    /// accidental writes fail loudly.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:1.4
    /// ```
    ///
    /// ## How to fix
    /// Set `read_only: true` and give the paths that must be writable a
    /// `tmpfs:` or a volume.
    pub struct WritableRootFilesystem {
        code: "B309",
        name: "writable-root-filesystem",
        level: Warning,
        summary: "A production container has a writable root file system.",
        tags: ["security", "hardening"],
        security_severity: "4.0",
        opt_in: true,
    }
}

impl Rule for WritableRootFilesystem {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        report_missing(
            cx,
            &Self::META,
            |s| {
                s.scalar(Scalar::ReadOnly)
                    .is_some_and(|r| r.value == "true")
            },
            (
                "writable root",
                "has a writable root file system",
                "set `read_only: true` and mount tmpfs or volumes where the service writes",
            ),
            out,
        );
    }
}
