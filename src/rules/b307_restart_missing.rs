use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::Scalar;
use crate::diagnostic::{Diagnostic, Label};

declare_rule! {
    /// ## What it does
    /// In a production stack, reports a service with no `restart:` policy (nor
    /// `deploy.restart_policy`), or with `restart: "no"`.
    ///
    /// ## Why is this bad?
    /// After a crash or a host reboot the service stays down until someone
    /// notices and runs `docker compose up` again.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:1.4
    /// ```
    ///
    /// ## How to fix
    /// Set `restart: unless-stopped` (or `always`, or `on-failure` for jobs).
    pub struct RestartMissing {
        code: "B307",
        name: "restart-missing",
        level: Note,
        summary: "A production service has no restart policy.",
        tags: ["reliability"],
    }
}

impl Rule for RestartMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            if !svc.stack.is_production() {
                continue;
            }
            let restart = svc.service.settings.scalar(Scalar::Restart);
            if restart.is_some_and(|r| r.value != "no")
                || svc
                    .service
                    .settings
                    .scalar(Scalar::DeployRestartCondition)
                    .is_some_and(|c| c.value != "none")
            {
                continue;
            }
            let span = restart.map_or(svc.service.name.span, |r| r.span);
            out.push(
                Diagnostic::new(&Self::META, Label::new(span, "no restart policy"), format!("production service `{}`{} has no restart policy: it stays down after a crash or a reboot", svc.service.name.value, svc.profile_note()))
                    .with_help("set `restart: unless-stopped` (or `always`; `on-failure` for jobs)")
                    .with_key(svc.service.name.value.clone())
                    .in_stack(svc.stack),
            );
        }
    }
}
