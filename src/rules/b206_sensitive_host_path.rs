use super::socket::is_docker_socket;
use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::VolumeKind;
use crate::diagnostic::{Diagnostic, Label};
use crate::paths::{is_within_posix, normalize_posix, slash};

declare_rule! {
    /// ## What it does
    /// Reports bind mounts of sensitive host paths: the root `/` and
    /// `/etc`, `/proc`, `/sys`, `/boot`, `/dev`, `/root`, `/var/run`, `/run`,
    /// `/var/lib/docker`, and credentials in a home directory (`~/.ssh`,
    /// `~/.aws`, `~/.docker`, `~/.kube`, `~/.gnupg`). The Docker socket has
    /// its own rule (`B202`), and a writable mount of the host root too (`B207`).
    ///
    /// Option `paths`: more absolute host paths to treat as sensitive
    /// (`rules: {B206: {options: {paths: [/srv/secrets]}}}`).
    ///
    /// ## Why is this bad?
    /// These paths hold the host's configuration, credentials and kernel
    /// interfaces. A container that can read them learns secrets; one that can
    /// write them can take over the host.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   backup:
    ///     image: example/backup:1
    ///     volumes:
    ///       - /:/host
    ///       - ~/.ssh:/root/.ssh
    /// ```
    ///
    /// ## How to fix
    /// Mount only the file or directory the service needs, read-only (`:ro`),
    /// and pass credentials as secrets instead of mounting a home directory.
    pub struct SensitiveHostPath {
        code: "B206",
        name: "sensitive-host-path",
        level: Warning,
        summary: "A sensitive host path (/, /etc, /proc, ~/.ssh, ...) is bind-mounted.",
        tags: ["security", "mounts"],
        security_severity: "7.5",
        options: ["paths"],
    }
}

const SYSTEM: &[&str] = &[
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/dev",
    "/root",
    "/var/run",
    "/run",
    "/var/lib/docker",
];
const HOME: &[&str] = &[".ssh", ".aws", ".docker", ".kube", ".gnupg"];

/// Why a path below the home directory (`""` for the home directory itself)
/// is sensitive, if it is. A source written with `~`, `$HOME` or `${HOME}`
/// is judged by these rules only, never by the system paths: where `~` lands
/// depends on the machine (`/root` when CI runs as root), what it holds does
/// not.
fn sensitive_in_home(rel: &str) -> Option<String> {
    if rel.is_empty() {
        // The home directory holds all the credential directories below.
        return Some("the whole home directory `~`, with the credentials in it".into());
    }
    let first = rel.split('/').next()?;
    HOME.contains(&first)
        .then(|| format!("`~/{first}`, credentials in a home directory"))
}

/// Why an absolute host path is sensitive, if it is.
fn sensitive(host: &str, extra: &[String]) -> Option<String> {
    if let Some(p) = extra
        .iter()
        .find(|p| is_within_posix(host, &normalize_posix(p)))
    {
        return Some(format!("`{p}` on the host (berth.yml)"));
    }
    if host == "/" {
        return Some("the host's root file system".into());
    }
    // Read-only time zone files are the one common /etc mount that is harmless.
    if matches!(host, "/etc/localtime" | "/etc/timezone") {
        return None;
    }
    SYSTEM
        .iter()
        .find(|p| is_within_posix(host, p))
        .map(|p| format!("`{p}` on the host"))
}

impl Rule for SensitiveHostPath {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            for v in svc
                .service
                .volumes
                .iter()
                .filter(|v| v.kind == VolumeKind::Bind)
            {
                let (what, shown) = if let Some(rel) = &v.home_relative {
                    // Decided from what is written, never from this machine's HOME.
                    let shown = if rel.is_empty() {
                        "~".to_string()
                    } else {
                        format!("~/{rel}")
                    };
                    let Some(what) = sensitive_in_home(rel) else {
                        continue;
                    };
                    (what, shown)
                } else {
                    let (Some(source), Some(host)) = (&v.source, &v.host_path) else {
                        continue;
                    };
                    // An unset variable went into the source: the path is a guess.
                    if v.source_unknown {
                        continue;
                    }
                    let host = normalize_posix(&slash(host));
                    if is_docker_socket(&host) {
                        continue;
                    }
                    let extra = cx.policy.option(&Self::META, "paths");
                    let Some(what) = sensitive(&host, extra) else {
                        continue;
                    };
                    if host == "/" && !v.read_only {
                        continue; // B207
                    }
                    (what, source.clone())
                };
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(v.span, format!("mounts {shown}")),
                        format!(
                            "service `{}`{} mounts {what}",
                            svc.service.name.value,
                            svc.profile_note()
                        ),
                    )
                    .with_help("mount only the file or directory the service needs, read-only (`:ro`); pass credentials as secrets")
                    .with_key(format!("{}|{}", svc.service.name.value, v.target))
                    .in_stack(svc.stack),
                );
            }
        }
    }
}
