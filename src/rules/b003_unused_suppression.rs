use super::{Context, Rule, RuleMeta, declare_rule};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports a `# berth: ignore[...]` comment that silences nothing: no
    /// finding of the named rule is on its line or the next, the rule name is
    /// unknown, or (when berth.yml sets `require-suppression-reason: true`) the
    /// comment gives no reason after the brackets.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real finding on that line, and an
    /// unexplained one leaves reviewers guessing why the risk was accepted.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27   # berth: ignore[B301] pinned by the platform team
    /// ```
    ///
    /// ## How to fix
    /// Delete the comment, or move it to the flagged line or the line above,
    /// and say why the finding is accepted: `# berth: ignore[B202] the proxy
    /// filters the API`.
    pub struct UnusedSuppression {
        code: "B003",
        name: "unused-suppression",
        level: Warning,
        summary: "A berth: ignore[...] comment suppresses nothing, names an unknown rule, or lacks a required reason.",
        tags: ["hygiene", "input"],
    }
}

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Its findings come from the suppression pass (`suppress.rs`), which runs
    /// after every other rule: whether a comment is used is known only then.
    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
}
