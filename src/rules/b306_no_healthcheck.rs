use super::health::has_healthcheck;
use super::{Context, Rule, RuleMeta, declare_rule};
use crate::diagnostic::{Diagnostic, Label};

declare_rule! {
    /// ## What it does
    /// In a production stack, reports a built service with no healthcheck:
    /// none in compose and no `HEALTHCHECK` in its image (or a
    /// `healthcheck: {disable: true}` / `HEALTHCHECK NONE`). Services that
    /// only name an `image:` are not reported, since berth cannot see that
    /// image's `HEALTHCHECK`: unlike single-file checkers, berth does not
    /// report a healthcheck the Dockerfile already provides.
    ///
    /// ## Why is this bad?
    /// Without a healthcheck, Docker reports a hung or half-started container
    /// as running: `depends_on` cannot wait for it, orchestrators cannot
    /// replace it, and `docker compose ps` shows nothing wrong.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build: ./api
    /// ```
    ///
    /// ## How to fix
    /// Add a `HEALTHCHECK` to the Dockerfile, or a `healthcheck:` to the
    /// service: `test: ["CMD", "wget", "-qO-", "http://localhost:8080/healthz"]`.
    pub struct NoHealthcheck {
        code: "B306",
        name: "no-healthcheck",
        level: Note,
        summary: "A built production service has no healthcheck in compose nor HEALTHCHECK in its image.",
        tags: ["reliability", "cross-file"],
    }
}

impl Rule for NoHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            let Some(build) = &svc.service.build else {
                continue;
            };
            if !svc.stack.is_production() || svc.image.is_none() || has_healthcheck(&svc) {
                continue;
            }
            out.push(
                Diagnostic::new(&Self::META, Label::new(build.span, "no healthcheck"), format!("service `{}`{} has no healthcheck in compose and no HEALTHCHECK in its image", svc.service.name.value, svc.profile_note()))
                    .with_help("add a HEALTHCHECK to the Dockerfile or a `healthcheck:` to the service")
                    .with_key(svc.service.name.value.clone())
                    .in_stack(svc.stack),
            );
        }
    }
}
