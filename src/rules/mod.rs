//! Rules: the registry, the [`Rule`] trait and the [`Context`] every rule reads.
//!
//! A rule is a pure function of the context: it reads no file (what it must
//! know of the host's file system it asks the context's [`Host`]), touches
//! no network and prints nothing. Each rule lives in its own file, and its doc
//! comment, with the fixed headings *What it does*, *Why is this bad?*,
//! *Example* and *How to fix*, is its documentation everywhere (`berth
//! explain`, SARIF help, docs/rules).

pub mod docs;

mod b001_invalid_compose_file;
mod b002_unreadable_dockerfile;
mod b003_unused_suppression;
mod b101_mount_shadows_build_output;
mod b102_source_mount_in_production;
mod b103_start_depends_on_mount;
mod b104_named_volume_over_build_output;
mod b105_dev_mount_without_watcher;
mod b106_copy_from_unknown_stage;
mod b107_relative_start_outside_workdir;
mod b201_privileged;
mod b202_docker_socket_mounted;
mod b203_host_namespace;
mod b204_dangerous_capability;
mod b205_security_profile_disabled;
mod b206_sensitive_host_path;
mod b207_writable_host_root;
mod b208_credential_literal;
mod b209_exposed_sensitive_port;
mod b210_runs_as_root;
mod b301_unpinned_image;
mod b302_obsolete_version;
mod b303_duplicate_container_name;
mod b304_duplicate_host_port;
mod b305_depends_on_without_health;
mod b306_no_healthcheck;
mod b307_restart_missing;
mod b308_no_memory_limit;
mod b309_writable_root_filesystem;
mod b310_no_new_privileges_missing;
mod b311_disallowed_registry;

mod health;
mod host;
mod mounts;
mod socket;
mod start;
mod view;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::compose::{BuildContext, LoadProblem, Service, Stack};
use crate::diagnostic::{Diagnostic, Level};
use crate::dockerfile::ImageFacts;
use crate::dockerfile::ignore::DockerIgnore;
use crate::source::SourceMap;

pub use b003_unused_suppression::UnusedSuppression;
pub use host::{DirEntry, Host};

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id, e.g. `B101`.
    pub code: &'static str,
    /// Kebab-case name, e.g. `mount-shadows-build-output`.
    pub name: &'static str,
    pub level: Level,
    /// One sentence: what the rule reports.
    pub summary: &'static str,
    pub tags: &'static [&'static str],
    /// CVSS-like score for security rules (SARIF `security-severity`).
    pub security_severity: Option<&'static str>,
    /// Off unless berth.yml turns it on (rules many teams do not want).
    pub opt_in: bool,
    /// Option names berth.yml may set for this rule (each a list of strings).
    pub options: &'static [&'static str],
    /// The rule's doc comment, raw.
    pub raw_docs: &'static str,
}

impl RuleMeta {
    /// The documentation as Markdown (doc-comment indentation removed).
    pub fn docs(&self) -> String {
        let mut out = String::new();
        for line in self.raw_docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string() + "\n"
    }

    /// The docs page path, relative to the repository root.
    pub fn docs_path(&self) -> String {
        format!("docs/rules/{}-{}.md", self.code, self.name)
    }

    /// Where the rule's documentation is published.
    pub fn help_uri(&self) -> String {
        format!("{}/blob/main/{}", crate::REPOSITORY, self.docs_path())
    }
}

/// Declares a rule's unit struct and its [`RuleMeta`], taking the doc comment as the docs.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            code: $code:literal,
            name: $rname:literal,
            level: $level:ident,
            summary: $summary:literal,
            tags: [$($tag:literal),* $(,)?]
            $(, security_severity: $sev:literal)?
            $(, opt_in: $opt_in:literal)?
            $(, options: [$($opt:literal),* $(,)?])?
            $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                code: $code,
                name: $rname,
                level: $crate::diagnostic::Level::$level,
                summary: $summary,
                tags: &[$($tag),*],
                security_severity: declare_rule!(@sev $($sev)?),
                opt_in: declare_rule!(@opt_in $($opt_in)?),
                options: &[$($($opt),*)?],
                raw_docs: concat!($($doc, "\n"),*),
            };
        }
    };
    (@sev) => { None };
    (@sev $sev:literal) => { Some($sev) };
    (@opt_in) => { false };
    (@opt_in $v:literal) => { $v };
}
pub(crate) use declare_rule;

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>);
}

/// Every rule, in id order.
pub fn registry() -> &'static [&'static dyn Rule] {
    &[
        &b001_invalid_compose_file::InvalidComposeFile,
        &b002_unreadable_dockerfile::UnreadableDockerfile,
        &b003_unused_suppression::UnusedSuppression,
        &b101_mount_shadows_build_output::MountShadowsBuildOutput,
        &b102_source_mount_in_production::SourceMountInProduction,
        &b103_start_depends_on_mount::StartDependsOnMount,
        &b104_named_volume_over_build_output::NamedVolumeOverBuildOutput,
        &b105_dev_mount_without_watcher::DevMountWithoutWatcher,
        &b106_copy_from_unknown_stage::CopyFromUnknownStage,
        &b107_relative_start_outside_workdir::RelativeStartOutsideWorkdir,
        &b201_privileged::Privileged,
        &b202_docker_socket_mounted::DockerSocketMounted,
        &b203_host_namespace::HostNamespace,
        &b204_dangerous_capability::DangerousCapability,
        &b205_security_profile_disabled::SecurityProfileDisabled,
        &b206_sensitive_host_path::SensitiveHostPath,
        &b207_writable_host_root::WritableHostRoot,
        &b208_credential_literal::CredentialLiteral,
        &b209_exposed_sensitive_port::ExposedSensitivePort,
        &b210_runs_as_root::RunsAsRoot,
        &b301_unpinned_image::UnpinnedImage,
        &b302_obsolete_version::ObsoleteVersion,
        &b303_duplicate_container_name::DuplicateContainerName,
        &b304_duplicate_host_port::DuplicateHostPort,
        &b305_depends_on_without_health::DependsOnWithoutHealth,
        &b306_no_healthcheck::NoHealthcheck,
        &b307_restart_missing::RestartMissing,
        &b308_no_memory_limit::NoMemoryLimit,
        &b309_writable_root_filesystem::WritableRootFilesystem,
        &b310_no_new_privileges_missing::NoNewPrivilegesMissing,
        &b311_disallowed_registry::DisallowedRegistry,
    ]
}

/// Look a rule up by id (`B101`, case-insensitive) or name.
pub fn find(id_or_name: &str) -> Option<&'static dyn Rule> {
    registry()
        .iter()
        .copied()
        .find(|r| r.meta().code.eq_ignore_ascii_case(id_or_name) || r.meta().name == id_or_name)
}

/// Everything the rules read: the sources, the loaded compose files, the image
/// facts joined to each service, and the input problems found while loading.
pub struct Context<'a> {
    pub sources: &'a SourceMap,
    pub stacks: &'a [Stack],
    /// Image facts by (stack index, service index).
    pub images: &'a BTreeMap<(usize, usize), ImageFacts>,
    /// Compose files that could not be read or understood.
    pub invalid: &'a [LoadProblem],
    /// Dockerfiles that could not be found, read or parsed.
    pub unreadable: &'a [LoadProblem],
    /// `.dockerignore` of each local build context that has one.
    pub dockerignores: &'a BTreeMap<PathBuf, DockerIgnore>,
    /// Every Dockerfile that was read and parsed, once each.
    pub dockerfiles: &'a [&'a crate::dockerfile::Dockerfile],
    /// Which rules run, at which level, with which options.
    pub policy: &'a Policy,
    /// What the rules may learn of the host's file system (a bind mount's
    /// source), cached for the unit.
    pub host: &'a Host,
}

/// The rule settings of a run: berth.yml over the rules' defaults.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Rules switched on or off, by code (absent: the rule's default).
    pub enabled: BTreeMap<&'static str, bool>,
    /// Levels set in berth.yml, by code.
    pub levels: BTreeMap<&'static str, Level>,
    /// Options, by code and option name.
    pub options: BTreeMap<&'static str, BTreeMap<String, Vec<String>>>,
}

impl Policy {
    pub fn is_enabled(&self, meta: &RuleMeta) -> bool {
        self.enabled.get(meta.code).copied().unwrap_or(!meta.opt_in)
    }

    pub fn level(&self, meta: &RuleMeta) -> Level {
        self.levels.get(meta.code).copied().unwrap_or(meta.level)
    }

    /// An option's values (empty when not set).
    pub fn option(&self, meta: &RuleMeta, name: &str) -> &[String] {
        self.options
            .get(meta.code)
            .and_then(|o| o.get(name))
            .map_or(&[], Vec::as_slice)
    }

    /// Enable exactly these rules (ids or names); unknown ones are an error.
    pub fn select(&mut self, wanted: &[String]) -> Result<(), String> {
        let mut codes = Vec::new();
        for w in wanted {
            let Some(rule) = find(w.trim()) else {
                let names: Vec<&str> = registry()
                    .iter()
                    .flat_map(|r| [r.meta().code, r.meta().name])
                    .collect();
                let hint = crate::suggest::nearest(w, &names)
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                return Err(format!("unknown rule `{w}`{hint}"));
            };
            codes.push(rule.meta().code);
        }
        for r in registry() {
            let code = r.meta().code;
            self.enabled.insert(code, codes.contains(&code));
        }
        Ok(())
    }

    /// The enabled rules, in id order.
    pub fn enabled_rules(&self) -> Vec<&'static RuleMeta> {
        registry()
            .iter()
            .map(|r| r.meta())
            .filter(|m| self.is_enabled(m))
            .collect()
    }
}

/// A service together with its stack and, when its Dockerfile was read, its image facts.
pub struct ServiceRef<'a> {
    pub stack: &'a Stack,
    pub service: &'a Service,
    pub image: Option<&'a ImageFacts>,
    dockerignores: &'a BTreeMap<PathBuf, DockerIgnore>,
}

/// Can both services run at once? Not when each sits behind profiles and no
/// profile enables both.
pub(crate) fn can_run_together(a: &Service, b: &Service) -> bool {
    a.profiles.is_empty()
        || b.profiles.is_empty()
        || a.profiles.iter().any(|p| b.profiles.contains(p))
}

impl ServiceRef<'_> {
    /// The build context's `.dockerignore`, if any (looked up only when asked:
    /// every rule walks every service).
    pub fn dockerignore(&self) -> Option<&DockerIgnore> {
        match self.service.build.as_ref().map(|b| &b.context) {
            Some(BuildContext::Local(dir)) => self.dockerignores.get(dir),
            _ => None,
        }
    }

    /// ` (service in profile `debug`)` when the service only starts with a profile.
    pub fn profile_note(&self) -> String {
        match self.service.profiles.as_slice() {
            [] => String::new(),
            [one] => format!(" (service in profile `{one}`)"),
            many => format!(
                " (service in profiles {})",
                many.iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl<'a> Context<'a> {
    pub fn services(&self) -> impl Iterator<Item = ServiceRef<'a>> + '_ {
        self.stacks.iter().enumerate().flat_map(move |(fi, stack)| {
            stack
                .services
                .iter()
                .enumerate()
                .map(move |(si, service)| ServiceRef {
                    stack,
                    service,
                    image: self.images.get(&(fi, si)),
                    dockerignores: self.dockerignores,
                })
        })
    }
}

/// A finding on each production service whose settings lack something (the
/// opt-in hardening rules): `what` completes "production service `x` ...".
pub(crate) fn report_missing(
    cx: &Context<'_>,
    meta: &'static RuleMeta,
    has: impl Fn(&crate::compose::Settings) -> bool,
    (label, what, help): (&str, &str, &str),
    out: &mut Vec<Diagnostic>,
) {
    for svc in cx.services() {
        if !svc.stack.is_production() || has(&svc.service.settings) {
            continue;
        }
        out.push(
            Diagnostic::new(
                meta,
                crate::diagnostic::Label::new(svc.service.name.span, label),
                format!(
                    "production service `{}`{} {what}",
                    svc.service.name.value,
                    svc.profile_note()
                ),
            )
            .with_help(help)
            .with_key(svc.service.name.value.clone())
            .in_stack(svc.stack),
        );
    }
}

/// Input problems recorded while loading, one finding each (B001, B002).
fn report_problems(meta: &'static RuleMeta, problems: &[LoadProblem], out: &mut Vec<Diagnostic>) {
    for p in problems {
        out.push(
            Diagnostic::new(
                meta,
                crate::diagnostic::Label::new(p.span, ""),
                p.message.clone(),
            )
            .with_key(p.message.clone()),
        );
    }
}

/// Run every enabled rule (in parallel; the order is settled when findings
/// are sorted), at the level the policy gives it.
pub fn run_all(cx: &Context<'_>) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    registry()
        .par_iter()
        .filter(|rule| cx.policy.is_enabled(rule.meta()))
        .flat_map_iter(|rule| {
            let mut out = Vec::new();
            rule.check(cx, &mut out);
            if let Some(level) = cx.policy.levels.get(rule.meta().code) {
                for d in &mut out {
                    d.level = *level;
                }
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_unique_names_kebab_docs_complete() {
        let mut seen = std::collections::BTreeSet::new();
        for r in registry() {
            let m = r.meta();
            assert!(seen.insert(m.code), "duplicate id {}", m.code);
            assert!(
                m.code.len() == 4 && m.code.starts_with('B'),
                "bad id {}",
                m.code
            );
            assert!(
                m.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
                    && !m.name.starts_with('-')
                    && !m.name.ends_with('-'),
                "name not kebab-case: {}",
                m.name
            );
            let docs = m.docs();
            for heading in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## How to fix",
            ] {
                assert!(docs.contains(heading), "{} lacks {heading}", m.code);
            }
        }
        let codes: Vec<_> = registry().iter().map(|r| r.meta().code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted, "registry must be in id order");
    }
}
