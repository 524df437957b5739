use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::Port;
use crate::diagnostic::{Diagnostic, Label};

declare_rule! {
    /// ## What it does
    /// Reports a host port published twice in one stack (same port, protocol
    /// and interface, or one of them on all interfaces), by two services or
    /// twice by one, unless profiles keep the services from running together.
    ///
    /// ## Why is this bad?
    /// Only one container can bind a host port: the second fails with `Bind
    /// for 0.0.0.0:8080 failed: port is already allocated`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     ports: ["8080:80"]
    ///   admin:
    ///     image: example/admin:2
    ///     ports: ["8080:3000"]
    /// ```
    ///
    /// ## How to fix
    /// Publish each service on its own host port, or put one reverse proxy in
    /// front of both.
    pub struct DuplicateHostPort {
        code: "B304",
        name: "duplicate-host-port",
        level: Error,
        summary: "A host port is published twice in one stack.",
        tags: ["correctness"],
    }
}

/// The host ports a port entry publishes (ranges expanded, up to a bound).
/// None for an entry an unset variable went into: its ports are unknown.
fn host_ports(p: &Port) -> Vec<u32> {
    let Some(published) = p.published.as_ref().filter(|_| !p.unknown) else {
        return Vec::new();
    };
    match published.split_once('-') {
        Some((a, b)) => match (a.parse::<u32>(), b.parse::<u32>()) {
            (Ok(a), Ok(b)) if b >= a && b - a <= 1024 => (a..=b).collect(),
            _ => Vec::new(),
        },
        None => published.parse().ok().into_iter().collect(),
    }
}

fn same_interface(a: &Port, b: &Port) -> bool {
    match (&a.host_ip, &b.host_ip) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

impl Rule for DuplicateHostPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for stack in cx.stacks {
            let all: Vec<(&crate::compose::Service, &Port)> = stack
                .services
                .iter()
                .flat_map(|s| s.settings.ports.iter().map(move |p| (s, p)))
                .collect();
            for (i, (owner, port)) in all.iter().enumerate() {
                let svc = owner.name.value.as_str();
                let mine = host_ports(port);
                let clash = all[..i].iter().find_map(|(other_svc, earlier)| {
                    let other = other_svc.name.value.as_str();
                    (super::can_run_together(other_svc, owner)
                        && earlier.protocol == port.protocol
                        && same_interface(earlier, port))
                    .then(|| host_ports(earlier).into_iter().find(|h| mine.contains(h)))
                    .flatten()
                    .map(|h| (other, *earlier, h))
                });
                let Some((other, earlier, host)) = clash else {
                    continue;
                };
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(port.span, "published again here"),
                        format!(
                            "host port {host}/{} is published by `{other}` and again by `{svc}`: the second bind fails",
                            port.protocol
                        ),
                    )
                    .with_related(vec![Label::new(earlier.span, "first published here")])
                    .with_help("publish each service on its own host port, or route both through one reverse proxy")
                    .with_key(format!("{svc}|{host}/{}", port.protocol))
                    .in_stack(stack),
                );
            }
        }
    }
}
