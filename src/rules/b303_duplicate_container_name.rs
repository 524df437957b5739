use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::Scalar;
use crate::compose::Service;
use crate::diagnostic::{Diagnostic, Label};
use crate::source::Spanned;

declare_rule! {
    /// ## What it does
    /// Reports two services of one stack with the same `container_name`
    /// (unless profiles keep them from running together).
    ///
    /// ## Why is this bad?
    /// Container names are unique per Docker host: the second service fails
    /// to start with `Conflict. The container name "/x" is already in use`.
    /// (A fixed `container_name` also prevents `--scale` and running two
    /// copies of the project side by side.)
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:1
    ///     container_name: app
    ///   worker:
    ///     image: example/worker:1
    ///     container_name: app
    /// ```
    ///
    /// ## How to fix
    /// Give each service its own name, or drop `container_name` and let
    /// Compose name containers after the project and service.
    pub struct DuplicateContainerName {
        code: "B303",
        name: "duplicate-container-name",
        level: Error,
        summary: "Two services of a stack use the same container_name.",
        tags: ["correctness"],
    }
}

/// The service's container name, unless an unset variable went into it
/// (`${PROJECT}-web`): that is not the name the project runs with, so it is
/// not compared.
fn known(s: &Service) -> Option<&Spanned<String>> {
    s.settings
        .scalar(Scalar::ContainerName)
        .filter(|_| !s.settings.is_unknown(Scalar::ContainerName))
}

impl Rule for DuplicateContainerName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for stack in cx.stacks {
            for (i, svc) in stack.services.iter().enumerate() {
                let Some(name) = known(svc) else {
                    continue;
                };
                let first = stack.services[..i].iter().find(|o| {
                    super::can_run_together(o, svc)
                        && known(o).is_some_and(|n| n.value == name.value)
                });
                if let Some(first) = first {
                    let first_span = first
                        .settings
                        .scalar(Scalar::ContainerName)
                        .map_or(first.name.span, |n| n.span);
                    out.push(
                        Diagnostic::new(
                            &Self::META,
                            Label::new(name.span, "used again here"),
                            format!(
                                "services `{}` and `{}` both use container_name `{}`: the second fails to start",
                                first.name.value, svc.name.value, name.value
                            ),
                        )
                        .with_related(vec![Label::new(first_span, "first used here")])
                        .with_help("give each service its own container_name, or drop it and let Compose name the containers")
                        .with_key(format!("{}|{}", svc.name.value, name.value))
                        .in_stack(stack),
                    );
                }
            }
        }
    }
}
