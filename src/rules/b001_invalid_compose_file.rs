use super::{Context, Rule, RuleMeta, declare_rule, report_problems};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// ## What it does
    /// Reports a compose file that cannot be read or understood: invalid YAML,
    /// duplicate keys, aliases that expand too far, nesting deeper than 24
    /// levels, files over 4 MiB, binary or non-UTF-8 content, a field of the
    /// wrong type, or a `${VAR:?message}` whose variable is unset.
    ///
    /// ## Why is this bad?
    /// `docker compose` refuses such a file, and berth cannot check what it
    /// cannot read: every other rule is silent about it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: app:1
    ///     image: app:2   # duplicate key
    /// ```
    ///
    /// ## How to fix
    /// Fix the file at the reported line; `docker compose config` shows the
    /// same problem. Set variables that the file requires, in the environment or
    /// in the `.env` file beside the compose file.
    pub struct InvalidComposeFile {
        code: "B001",
        name: "invalid-compose-file",
        level: Error,
        summary: "A compose file cannot be read, parsed or interpolated.",
        tags: ["correctness", "input"],
    }
}

impl Rule for InvalidComposeFile {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        report_problems(&Self::META, cx.invalid, out);
    }
}
