use super::{Context, Rule, RuleMeta, declare_rule, report_problems};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports a service whose Dockerfile cannot be used: it does not exist in
    /// the build context, cannot be read, does not parse, or has no stage named
    /// by `build.target`.
    ///
    /// ## Why is this bad?
    /// `docker compose build` fails on it, and berth cannot tell what the image
    /// contains, so the mount rules cannot check the service.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build:
    ///       context: ./api
    ///       dockerfile: Dockerfile.prod   # no such file in ./api
    /// ```
    ///
    /// ## How to fix
    /// Point `build.context` and `build.dockerfile` at the Dockerfile (the
    /// `dockerfile` path is relative to the context), or name an existing
    /// stage in `build.target`.
    pub struct UnreadableDockerfile {
        code: "B002",
        name: "unreadable-dockerfile",
        level: Warning,
        summary: "A service's Dockerfile is missing, unreadable, unparsable or lacks the target stage.",
        tags: ["correctness", "input"],
    }
}

impl Rule for UnreadableDockerfile {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        report_problems(&Self::META, cx.unreadable, out);
    }
}
