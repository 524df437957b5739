use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::List;
use crate::diagnostic::{Diagnostic, Label};

declare_rule! {
    /// ## What it does
    /// Reports `security_opt` entries that turn off the kernel's confinement:
    /// `seccomp:unconfined`, `apparmor:unconfined`, `label:disable` (SELinux),
    /// in either the `:` or the `=` spelling.
    ///
    /// ## Why is this bad?
    /// The default seccomp profile blocks about fifty system calls that
    /// containers do not need and that kernel exploits use; AppArmor and
    /// SELinux stop a compromised process from touching host files. Turning
    /// them off removes a layer that costs nothing.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1
    ///     security_opt:
    ///       - seccomp:unconfined
    /// ```
    ///
    /// ## How to fix
    /// Remove the option. If one system call is missing, ship a custom seccomp
    /// profile that allows it (`seccomp:./profile.json`).
    pub struct SecurityProfileDisabled {
        code: "B205",
        name: "security-profile-disabled",
        level: Warning,
        summary: "seccomp, AppArmor or SELinux confinement is turned off.",
        tags: ["security"],
        security_severity: "7.0",
    }
}

fn disabled(opt: &str) -> Option<&'static str> {
    let o = opt.to_ascii_lowercase().replace('=', ":");
    match o.as_str() {
        "seccomp:unconfined" => Some("seccomp"),
        "apparmor:unconfined" => Some("AppArmor"),
        "label:disable" => Some("SELinux labels"),
        _ => None,
    }
}

impl Rule for SecurityProfileDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            for opt in svc.service.settings.list(List::SecurityOpt) {
                let Some(what) = disabled(&opt.value) else {
                    continue;
                };
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(opt.span, format!("{what} off")),
                        format!(
                            "service `{}`{} turns off {what} confinement (`{}`)",
                            svc.service.name.value,
                            svc.profile_note(),
                            opt.value
                        ),
                    )
                    .with_help("remove the option; if a system call is missing, use a custom seccomp profile that allows just that call")
                    .with_key(format!("{}|{}", svc.service.name.value, opt.value))
                    .in_stack(svc.stack),
                );
            }
        }
    }
}
