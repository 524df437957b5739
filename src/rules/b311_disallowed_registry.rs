use super::{Context, Rule, RuleMeta, declare_rule};
use crate::diagnostic::{Diagnostic, Label};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports images pulled from a registry that berth.yml does not allow,
    /// in a service's `image:` (when it is not built) and in the `FROM` lines
    /// of the Dockerfiles berth reads. Images without a registry come from
    /// Docker Hub, `docker.io`.
    ///
    /// Off by default: turn it on with the allowed registries (or registry
    /// path prefixes):
    /// `rules: {B311: {enabled: true, options: {allowed: [ghcr.io/acme, docker.io/library]}}}`.
    /// Without `allowed` it reports nothing.
    ///
    /// ## Why is this bad?
    /// Teams that mirror or scan images need every image to come through their
    /// registry; an image pulled straight from a public registry skips the
    /// scanning, the mirror's availability and the licence review.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   cache:
    ///     image: bitnami/redis:7.4
    /// ```
    ///
    /// ## How to fix
    /// Use the image through an allowed registry
    /// (`registry.acme.internal/mirror/bitnami/redis:7.4`), or add the registry
    /// to `allowed`.
    pub struct DisallowedRegistry {
        code: "B311",
        name: "disallowed-registry",
        level: Warning,
        summary: "An image comes from a registry berth.yml does not allow.",
        tags: ["supply-chain"],
        opt_in: true,
        options: ["allowed"],
    }
}

/// The reference with Docker's defaults made explicit: `docker.io/library/redis`.
pub(crate) fn full_name(reference: &str) -> String {
    let name = reference.split(['@']).next().unwrap_or(reference);
    let first = name.split('/').next().unwrap_or(name);
    let has_registry =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_registry {
        name.to_string()
    } else if name.contains('/') {
        format!("docker.io/{name}")
    } else {
        format!("docker.io/library/{name}")
    }
}

fn allowed(reference: &str, allow: &[String]) -> bool {
    let full = full_name(reference);
    let repo = full
        .rsplit_once(':')
        .filter(|(_, tag)| !tag.contains('/'))
        .map_or(full.as_str(), |(r, _)| r);
    allow.iter().any(|a| {
        let a = a.trim_end_matches('/');
        repo == a || repo.starts_with(&format!("{a}/"))
    })
}

fn finding(span: Span, reference: &str, key: String) -> Diagnostic {
    Diagnostic::new(
        &DisallowedRegistry::META,
        Label::new(span, "registry not allowed"),
        format!(
            "image `{reference}` comes from `{}`, which berth.yml does not allow",
            full_name(reference).split('/').next().unwrap_or("")
        ),
    )
    .with_help(
        "pull it through an allowed registry, or add the registry to `rules.B311.options.allowed`",
    )
    .with_key(key)
}

impl Rule for DisallowedRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        let allow = cx.policy.option(&Self::META, "allowed");
        if allow.is_empty() {
            return; // nothing to compare with: the rule needs `allowed`
        }
        for svc in cx.services() {
            let Some(image) = &svc.service.image else {
                continue;
            };
            if svc.service.build.is_some()
                || image.value.contains('$')
                || allowed(&image.value, allow)
            {
                continue;
            }
            out.push(
                finding(
                    image.span,
                    &image.value,
                    format!("{}|{}", svc.service.name.value, image.value),
                )
                .in_stack(svc.stack),
            );
        }
        for df in cx.dockerfiles {
            let stages: Vec<&str> = df.stages.iter().filter_map(|s| s.name.as_deref()).collect();
            for stage in &df.stages {
                let base = stage.base.as_str();
                if base.eq_ignore_ascii_case("scratch")
                    || base.contains('$')
                    || stages.contains(&base.to_ascii_lowercase().as_str())
                    || allowed(base, allow)
                {
                    continue;
                }
                out.push(finding(stage.span, base, format!("FROM|{base}")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_allow_lists() {
        assert_eq!(full_name("redis:7"), "docker.io/library/redis:7");
        assert_eq!(full_name("bitnami/redis:7"), "docker.io/bitnami/redis:7");
        assert_eq!(full_name("ghcr.io/acme/api:1"), "ghcr.io/acme/api:1");
        assert_eq!(full_name("localhost:5000/app"), "localhost:5000/app");
        let allow = vec!["ghcr.io/acme".to_string(), "docker.io/library".to_string()];
        assert!(allowed("redis:7", &allow));
        assert!(allowed("ghcr.io/acme/api:1", &allow));
        assert!(!allowed("ghcr.io/acmecorp/api:1", &allow));
        assert!(!allowed("bitnami/redis:7", &allow));
        assert!(!allowed("quay.io/acme/api@sha256:00", &allow));
    }
}
