//! What the container starts: the paths its start command needs, the
//! directory it starts in, and what a compose `command` builds before it
//! starts.

use super::ServiceRef;
use crate::dockerfile::facts::{StartPath, start_paths};
use crate::paths::{join_posix, normalize_posix};
use crate::source::Span;

/// Paths the container's start command needs, with the line that asks for each:
/// compose `entrypoint`/`command` override the image's `ENTRYPOINT`/`CMD`
/// (an `entrypoint` in compose also drops the image's `CMD`). `workdir` is the
/// directory the container starts in (`None`: not known, and relative paths
/// are left out). An entrypoint script inherited from the base image
/// (`docker-entrypoint.sh`) runs the command it is given, so the paths are
/// the command's.
pub(super) fn service_start_paths(
    svc: &ServiceRef<'_>,
    workdir: &Option<String>,
) -> Vec<StartPath> {
    let Some(image) = svc.image else {
        return Vec::new();
    };
    let workdir = workdir.as_deref();
    // A base image's entrypoint script that runs its arguments
    // (`docker-entrypoint.sh`, `tini -- docker-php-entrypoint`).
    let passes_through = |argv: &[String]| {
        argv.iter()
            .filter(|a| !a.starts_with('-'))
            .map(|a| a.rsplit('/').next().unwrap_or(a))
            .find(|a| !matches!(*a, "tini" | "dumb-init"))
            .is_some_and(|exe| exe.contains("entrypoint"))
    };
    let s = svc.service;
    let entry: Option<(Vec<String>, bool, Span)> = match &s.entrypoint {
        Some(e) => Some((e.value.clone(), false, e.span)),
        None => image
            .entrypoint
            .as_ref()
            .filter(|e| !(e.inherited && passes_through(&e.argv)))
            .map(|e| (e.argv.clone(), e.shell, e.span)),
    };
    let cmd: Option<(Vec<String>, bool, Span)> = match (&s.command, &s.entrypoint) {
        (Some(c), _) => Some((c.value.clone(), false, c.span)),
        (None, Some(_)) => None,
        (None, None) => image
            .cmd
            .as_ref()
            .map(|c| (c.argv.clone(), c.shell, c.span)),
    };
    match (entry, cmd) {
        (Some((e, true, span)), _) => start_paths(&e, true, workdir, span),
        (Some((e, false, espan)), Some((c, false, cspan))) => {
            let own: Vec<StartPath> = start_paths(&e, false, workdir, espan);
            let mut all = e.clone();
            all.extend(c);
            let mut out = own.clone();
            for p in start_paths(&all, false, workdir, cspan) {
                if !own.iter().any(|o| o.path == p.path) {
                    out.push(p);
                }
            }
            out
        }
        (Some((e, false, span)), _) => start_paths(&e, false, workdir, span),
        (None, Some((c, shell, span))) => start_paths(&c, shell, workdir, span),
        (None, None) => Vec::new(),
    }
}

/// The directory the container starts in: compose `working_dir` over the
/// image's `WORKDIR`; `None` when it is not known (a relative `working_dir`
/// over an unknown `WORKDIR`).
pub(super) fn effective_workdir(svc: &ServiceRef<'_>) -> Option<String> {
    let image_workdir = svc.image.and_then(|i| i.workdir.as_deref());
    match &svc.service.working_dir {
        Some(w) if w.value.starts_with('/') => Some(normalize_posix(&w.value)),
        Some(w) => image_workdir.map(|base| join_posix(base, &w.value)),
        None => image_workdir.map(str::to_string),
    }
}

/// What the service's compose `command`/`entrypoint` builds when the
/// container starts, read as a `RUN` script in its working directory: the
/// paths it fills, and the directories where it runs builds berth cannot name.
pub(super) fn rebuilt_by_command(
    svc: &ServiceRef<'_>,
    workdir: Option<&str>,
) -> (Vec<String>, Vec<String>) {
    use crate::dockerfile::run::{Event, Settings, analyse};
    let mut made = Vec::new();
    let mut built_in = Vec::new();
    let commands = [&svc.service.entrypoint, &svc.service.command];
    for argv in commands.into_iter().flatten() {
        let script = match argv.value.as_slice() {
            [sh, flag, script, ..]
                if matches!(
                    sh.rsplit('/').next().unwrap_or(sh),
                    "sh" | "bash" | "ash" | "dash"
                ) && flag.starts_with('-')
                    && flag.contains('c') =>
            {
                script.clone()
            }
            words => words.join(" "),
        };
        let env = std::collections::BTreeMap::new();
        for event in analyse(&script, workdir, &env, &mut Settings::default()) {
            match event {
                Event::Output(p, _) => made.push(p),
                Event::UnknownBuild(d, _) => built_in.push(d),
                _ => {}
            }
        }
    }
    (made, built_in)
}
