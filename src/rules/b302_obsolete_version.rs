use super::{Context, Rule, RuleMeta, declare_rule};
use crate::diagnostic::{Diagnostic, Label};

declare_rule! {
    /// ## What it does
    /// Reports the top-level `version:` key.
    ///
    /// ## Why is this bad?
    /// Compose v2 ignores it and prints a warning on every command (`the
    /// attribute 'version' is obsolete`); readers take it for a statement of
    /// which features the file may use, which it no longer is.
    ///
    /// ## Example
    /// ```yaml
    /// version: "3.8"
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    ///
    /// ## How to fix
    /// Delete the line.
    pub struct ObsoleteVersion {
        code: "B302",
        name: "obsolete-version",
        level: Warning,
        summary: "The top-level `version:` key is obsolete and ignored.",
        tags: ["hygiene"],
    }
}

impl Rule for ObsoleteVersion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for stack in cx.stacks {
            for span in &stack.versions {
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(*span, "obsolete"),
                        "the top-level `version:` is obsolete: Compose v2 ignores it and warns",
                    )
                    .with_help("delete the `version:` line")
                    .with_key("version"),
                );
            }
        }
    }
}
