use super::health::has_healthcheck;
use super::{Context, Rule, RuleMeta, declare_rule};
use crate::diagnostic::{Diagnostic, Label};

declare_rule! {
    /// ## What it does
    /// Reports `depends_on` entries that wait only for a dependency to start
    /// (the list form, or `condition: service_started`) when the dependency
    /// has a healthcheck, in compose or in its image's `HEALTHCHECK`.
    ///
    /// ## Why is this bad?
    /// "Started" means the process exists, not that it accepts connections:
    /// the dependent service starts while the database is still initialising
    /// and fails or crash-loops. The healthcheck is there; the dependency just
    /// does not wait for it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:1
    ///     depends_on: [db]
    ///   db:
    ///     image: postgres:16.4
    ///     healthcheck:
    ///       test: ["CMD", "pg_isready"]
    /// ```
    ///
    /// ## How to fix
    /// Wait for health: `depends_on: {db: {condition: service_healthy}}`.
    pub struct DependsOnWithoutHealth {
        code: "B305",
        name: "depends-on-without-health",
        level: Warning,
        summary: "depends_on waits only for start although the dependency has a healthcheck.",
        tags: ["reliability", "cross-file"],
    }
}

impl Rule for DependsOnWithoutHealth {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        let all: Vec<_> = cx.services().collect();
        for svc in &all {
            for dep in &svc.service.settings.depends_on {
                if dep
                    .condition
                    .as_deref()
                    .is_some_and(|c| c != "service_started")
                {
                    continue;
                }
                let target = all.iter().find(|o| {
                    std::ptr::eq(o.stack, svc.stack) && o.service.name.value == dep.service.value
                });
                let Some(target) = target else { continue };
                if !has_healthcheck(target) {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(dep.service.span, "waits for start only"),
                        format!(
                            "service `{}` depends on `{}` without waiting for its healthcheck",
                            svc.service.name.value, dep.service.value
                        ),
                    )
                    .with_help(format!(
                        "use `depends_on: {{{}: {{condition: service_healthy}}}}`",
                        dep.service.value
                    ))
                    .with_key(format!("{}|{}", svc.service.name.value, dep.service.value))
                    .in_stack(svc.stack),
                );
            }
        }
    }
}
