use super::{Context, Rule, RuleMeta, declare_rule};
use crate::diagnostic::{Diagnostic, Label};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports an image reference without a tag, or with a moving tag
    /// (`latest`, `nightly`, `edge`, or one ending in `-latest`/`-nightly`),
    /// both in a service's `image:` and in the `FROM` lines of the Dockerfiles
    /// berth reads. A digest (`@sha256:...`) pins any reference. `FROM` a
    /// stage of the same Dockerfile and `FROM scratch` are not image references.
    ///
    /// ## Why is this bad?
    /// A moving tag changes under you: the same commit builds a different
    /// image next week, a rollback does not roll back, and a broken upstream
    /// release reaches production unreviewed.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: mcr.microsoft.com/mssql/server:2022-latest
    /// ```
    /// ```dockerfile
    /// FROM rustlang/rust:nightly AS builder
    /// ```
    ///
    /// ## How to fix
    /// Pin a version tag (`postgres:16.4`), or a digest for full
    /// reproducibility (`postgres:16.4@sha256:...`), and update it on purpose.
    pub struct UnpinnedImage {
        code: "B301",
        name: "unpinned-image",
        level: Warning,
        summary: "An image has no tag or a moving one (latest, nightly), in compose or in a Dockerfile FROM.",
        tags: ["reliability", "cross-file"],
    }
}

/// Why a reference is not pinned, if it is not.
pub(crate) fn unpinned(reference: &str) -> Option<String> {
    if reference.contains('@') || reference.contains('$') || reference.is_empty() {
        return None;
    }
    // The tag follows the last `:` after the last `/` (a registry port comes before a `/`).
    let last = reference.rsplit('/').next().unwrap_or(reference);
    match last.split_once(':') {
        None => Some("has no tag, so it means `latest`".to_string()),
        Some((_, tag)) => {
            let t = tag.to_ascii_lowercase();
            let moving = matches!(t.as_str(), "latest" | "nightly" | "edge")
                || t.ends_with("-latest")
                || t.ends_with("-nightly");
            moving.then(|| format!("uses the moving tag `{tag}`"))
        }
    }
}

fn finding(span: Span, reference: &str, why: String, key: String) -> Diagnostic {
    Diagnostic::new(
        &UnpinnedImage::META,
        Label::new(span, "not pinned"),
        format!("image `{reference}` {why}"),
    )
    .with_help(
        "pin a version tag (`postgres:16.4`) or a digest (`@sha256:...`) and update it on purpose",
    )
    .with_key(key)
}

impl Rule for UnpinnedImage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            // A built service's `image:` names the result of the build.
            if svc.service.build.is_some() {
                continue;
            }
            let Some(image) = &svc.service.image else {
                continue;
            };
            if let Some(why) = unpinned(&image.value) {
                out.push(
                    finding(
                        image.span,
                        &image.value,
                        why,
                        format!("{}|{}", svc.service.name.value, image.value),
                    )
                    .in_stack(svc.stack),
                );
            }
        }
        for df in cx.dockerfiles {
            let stage_names: Vec<&str> =
                df.stages.iter().filter_map(|s| s.name.as_deref()).collect();
            for stage in &df.stages {
                let base = stage.base.as_str();
                if base.eq_ignore_ascii_case("scratch")
                    || stage_names.contains(&base.to_ascii_lowercase().as_str())
                {
                    continue;
                }
                if let Some(why) = unpinned(base) {
                    out.push(finding(stage.span, base, why, format!("FROM|{base}")));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unpinned;

    #[test]
    fn tags() {
        assert!(unpinned("nginx").is_some());
        assert!(unpinned("nginx:latest").is_some());
        assert!(unpinned("mcr.microsoft.com/mssql/server:2022-latest").is_some());
        assert!(unpinned("rustlang/rust:nightly").is_some());
        assert!(unpinned("registry:5000/app").is_some());
        assert!(unpinned("registry:5000/app:1.2").is_none());
        assert!(unpinned("postgres:16.4").is_none());
        assert!(unpinned("postgres@sha256:abc").is_none());
        assert!(unpinned("app:${TAG}").is_none());
    }
}
