use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::Scalar;
use crate::diagnostic::{Diagnostic, Label};

declare_rule! {
    /// ## What it does
    /// Reports a service built from a Dockerfile whose container runs as
    /// root: neither compose `user:` nor the deployed stage's last `USER`
    /// (inherited through `FROM <stage>`) names a non-root user, and the base
    /// image's tag does not say it drops root (`...:nonroot`). Services that
    /// only name an `image:` are not reported: berth does not know that
    /// image's `USER`. Development stacks (see `berth stacks`) are not
    /// checked: a developer's container runs as root as a matter of course.
    ///
    /// ## Why is this bad?
    /// Root in the container is root on the host's kernel: a compromised
    /// process can use every capability the container has, write to any
    /// mounted volume and, after a kernel or runtime escape, own the host.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20.17-slim
    /// WORKDIR /app
    /// COPY . .
    /// CMD ["node", "server.js"]
    /// ```
    ///
    /// ## How to fix
    /// Add `USER node` (or another unprivileged user) at the end of the
    /// Dockerfile, or set `user: "1000:1000"` on the service.
    pub struct RunsAsRoot {
        code: "B210",
        name: "runs-as-root",
        level: Note,
        summary: "A built service runs as root: neither compose user: nor the image's USER sets another user.",
        tags: ["security", "cross-file"],
        security_severity: "5.0",
    }
}

/// `root`, `0`, `root:root`, `0:0`.
fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name.is_empty() || name == "root" || name == "0"
}

impl Rule for RunsAsRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            let (Some(image), Some(build)) = (svc.image, &svc.service.build) else {
                continue;
            };
            // A developer's container runs as root as a matter of course.
            if svc.stack.class.class == crate::classify::Class::Development {
                continue;
            }
            if let Some(user) = svc.service.settings.scalar(Scalar::User) {
                if is_root(&user.value) {
                    out.push(
                        Diagnostic::new(&Self::META, Label::new(user.span, "root"), format!("service `{}`{} sets `user: {}`: the container runs as root", svc.service.name.value, svc.profile_note(), user.value))
                            .with_help("set a non-root user (`user: \"1000:1000\"`) or drop the setting and add `USER` to the Dockerfile")
                            .with_key(svc.service.name.value.clone())
                            .in_stack(svc.stack),
                    );
                }
                continue;
            }
            // Images whose tag says they drop root (`distroless/...:nonroot`).
            let nonroot_base = image.base.as_deref().is_some_and(|b| {
                b.rsplit(':')
                    .next()
                    .is_some_and(|t| t.contains("nonroot") || t.contains("rootless"))
            });
            match &image.user {
                Some((user, _)) if !is_root(user) => {}
                None if nonroot_base => {}
                Some((user, span)) => out.push(
                    Diagnostic::new(&Self::META, Label::new(*span, "root"), format!("service `{}`{} runs as root: the image's last `USER` is `{user}`", svc.service.name.value, svc.profile_note()))
                        .with_help("end the deployed stage with an unprivileged `USER`, or set `user:` on the service")
                        .with_key(svc.service.name.value.clone())
                        .in_stack(svc.stack),
                ),
                None => out.push(
                    Diagnostic::new(&Self::META, Label::new(build.span, "no USER"), format!("service `{}`{} runs as root: neither compose `user:` nor a `USER` in its Dockerfile sets another user", svc.service.name.value, svc.profile_note()))
                        .with_help("add `USER <unprivileged user>` to the deployed stage, or set `user:` on the service")
                        .with_key(svc.service.name.value.clone())
                        .in_stack(svc.stack),
                ),
            }
        }
    }
}
