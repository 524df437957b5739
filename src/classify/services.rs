//! Signals of one service: its environment variables, build target, restart
//! policy, mounts and what it starts.

use super::commands::{PROD_SERVER, argv_class};
use super::{Class, Evidence};
use crate::compose::Scalar;
use crate::compose::Service;
use crate::dockerfile::ImageFacts;
use crate::source::Span;

/// Environment variables that name the environment an app runs in.
const ENVIRONMENT_KEYS: &[&str] = &[
    "NODE_ENV",
    "RAILS_ENV",
    "RACK_ENV",
    "APP_ENV",
    "APP_ENVIRONMENT",
    "ENVIRONMENT",
    "FLASK_ENV",
    "DJANGO_ENV",
    "ASPNETCORE_ENVIRONMENT",
    "DOTNET_ENVIRONMENT",
    "SPRING_PROFILES_ACTIVE",
    "MIX_ENV",
    "GO_ENV",
    "SYMFONY_ENV",
];

/// Variables that turn on debugging or file-watching when true.
const DEBUG_KEYS: &[&str] = &[
    "FLASK_DEBUG",
    "DJANGO_DEBUG",
    "APP_DEBUG",
    "DEBUG",
    "CHOKIDAR_USEPOLLING",
    "WATCHPACK_POLLING",
];

/// `NODE_ENV` and the like, and any `*_ENV` / `*_ENVIRONMENT` name
/// (`BUILD_ARGUMENT_ENV=dev`).
fn is_environment_key(key: &str) -> bool {
    ENVIRONMENT_KEYS.contains(&key)
        || key.ends_with("_ENV")
        || key.ends_with("_ENVIRONMENT")
        || key == "ENV"
}

/// Log level settings: `debug` or `trace` there is a developer's set-up.
const LOG_LEVEL_KEYS: &[&str] = &[
    "LOG_LEVEL",
    "RUST_LOG",
    "LOGLEVEL",
    "APP_LOG_LEVEL",
    "LOGGING_LEVEL",
];

fn environment_class(value: &str) -> Option<Class> {
    let v = value.trim().to_ascii_lowercase();
    // `SPRING_PROFILES_ACTIVE=dev,metrics`: any of the profiles.
    v.split([',', ' '])
        .find_map(|w| match w {
            "development" | "dev" | "develop" | "local" | "debug" | "test" | "testing" => {
                Some(Class::Development)
            }
            _ => None,
        })
        .or_else(|| {
            v.split([',', ' ']).find_map(|w| match w {
                "production" | "prod" | "live" => Some(Class::Production),
                _ => None,
            })
        })
}

fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// Signals of one service: its environment, build target and start command.
pub(super) fn service_signals(
    svc: &Service,
    image: Option<&ImageFacts>,
    keep_text: bool,
    out: &mut Vec<Evidence>,
) {
    let name = &svc.name.value;
    let settings = &svc.settings;
    for kv in settings.environment.iter().chain(&settings.build_args) {
        let Some(value) = &kv.value else { continue };
        let key = kv.key.value.as_str();
        let class = if is_environment_key(key) {
            environment_class(&value.value)
        } else if key == "DJANGO_SETTINGS_MODULE" || key == "SETTINGS_MODULE" {
            // `myapp.settings.dev`: the last part names the environment.
            value.value.rsplit('.').next().and_then(environment_class)
        } else if DEBUG_KEYS.contains(&key) && truthy(&value.value) {
            Some(Class::Development)
        } else if key == "DEBUG" && value.value.contains([':', '*']) {
            // The `debug` package's namespaces (`DEBUG=app:*`): debug logging on.
            Some(Class::Development)
        } else if key == "XDEBUG_MODE" && !value.value.trim().eq_ignore_ascii_case("off") {
            Some(Class::Development)
        } else if LOG_LEVEL_KEYS.contains(&key)
            && value
                .value
                .to_ascii_lowercase()
                .split([',', '=', ' ', '"'])
                .any(|w| matches!(w, "debug" | "trace"))
        {
            // Debug logging is how developers run a service, not how it is deployed.
            Some(Class::Development)
        } else {
            None
        };
        if let Some(class) = class {
            out.push(Evidence {
                points_to: class,
                what: lazy_text(keep_text, || {
                    format!("service `{name}` sets {key}={}", value.value.trim())
                }),
                span: Some(kv.key.span),
            });
        }
    }
    if let Some(target) = svc.build.as_ref().and_then(|b| b.target.as_ref()) {
        let class = target_class(&target.value);
        if let Some(class) = class {
            out.push(Evidence {
                points_to: class,
                what: lazy_text(keep_text, || {
                    format!("service `{name}` builds target `{}`", target.value)
                }),
                span: Some(target.span),
            });
        }
    }
    // What the container runs: the compose command (else the image's CMD),
    // and the compose entrypoint (else the image's ENTRYPOINT).
    let mut runs: Vec<(&[String], bool, Option<Span>)> = Vec::new();
    match &svc.command {
        Some(c) => runs.push((&c.value, false, Some(c.span))),
        None => {
            if let Some(c) = image.and_then(|i| i.cmd.as_ref()) {
                runs.push((&c.argv, c.shell, Some(c.span)));
            }
        }
    }
    match &svc.entrypoint {
        Some(e) => runs.push((&e.value, false, Some(e.span))),
        None => {
            if let Some(e) = image.and_then(|i| i.entrypoint.as_ref()) {
                runs.push((&e.argv, e.shell, Some(e.span)));
            }
        }
    }
    // A service berth builds that is brought back after a crash or a reboot
    // is meant to stay up: a deployment, not a developer's session.
    if svc.build.is_some() {
        let restart = settings
            .scalar(Scalar::Restart)
            .filter(|r| {
                matches!(r.value.trim(), "always" | "unless-stopped")
                    || r.value.starts_with("on-failure")
            })
            .or_else(|| {
                settings
                    .scalar(Scalar::DeployRestartCondition)
                    .filter(|r| r.value.trim() != "none")
            });
        if let Some(r) = restart {
            out.push(Evidence {
                points_to: Class::Production,
                what: lazy_text(keep_text, || {
                    format!("service `{name}` restarts `{}` to stay up", r.value.trim())
                }),
                span: Some(r.span),
            });
        }
    }
    // An anonymous or named volume inside a bind mount keeps the image's copy
    // visible under live source: the hot-reload pattern (`- .:/app` with
    // `- /app/node_modules`), never a production set-up.
    for bind in svc.bind_mounts() {
        if let Some(keep) = svc.volumes.iter().find(|v| {
            matches!(
                v.kind,
                crate::compose::VolumeKind::Anonymous | crate::compose::VolumeKind::Volume
            ) && v.target != bind.target
                && crate::paths::is_within_posix(&v.target, &bind.target)
        }) {
            out.push(Evidence {
                points_to: Class::Development,
                what: lazy_text(keep_text, || format!(
                    "service `{name}` mounts `{}` and keeps `{}` from the image under it, the hot-reload pattern",
                    bind.written, keep.target
                )),
                span: Some(keep.span),
            });
            break;
        }
    }
    if let Some(e) = starts_build_output(svc, image, keep_text) {
        out.push(e);
    }
    // `rails s` serves whatever environment it is given.
    let rails_production = settings
        .environment
        .iter()
        .chain(&settings.build_args)
        .any(|kv| {
            matches!(kv.key.value.as_str(), "RAILS_ENV" | "RACK_ENV")
                && kv
                    .value
                    .as_ref()
                    .is_some_and(|v| v.value.trim().eq_ignore_ascii_case("production"))
        });
    for (argv, shell, span) in runs {
        // An nginx or php-fpm image in front of a development server says
        // nothing: only a service berth builds tells production by its command.
        let found = argv_class(argv, shell).map(|(class, why)| {
            if class == Class::Development
                && rails_production
                && argv.iter().any(|w| w.contains("rails"))
            {
                (Class::Production, PROD_SERVER)
            } else {
                (class, why)
            }
        });
        if let Some((class, why)) = found
            && (class == Class::Development || svc.build.is_some())
        {
            out.push(Evidence {
                points_to: class,
                what: lazy_text(keep_text, || {
                    format!(
                        "service `{name}` runs `{}`, {why}",
                        shorten(&argv.join(" "))
                    )
                }),
                span,
            });
        }
    }
}

/// A container that starts what its image built (a binary copied from a
/// build stage, a compiled file) runs an artefact, as production does; a
/// development container runs its source through a dev server.
fn starts_build_output(
    svc: &Service,
    image: Option<&ImageFacts>,
    keep_text: bool,
) -> Option<Evidence> {
    use crate::paths::{is_within_posix, join_posix};
    let image = image?;
    // Unknown stays unknown: without a known directory, relative start
    // paths say nothing.
    let workdir: Option<String> = match (&svc.working_dir, &image.workdir) {
        (Some(w), _) if w.value.starts_with('/') => Some(join_posix("/", &w.value)),
        (Some(w), Some(base)) => Some(join_posix(base, &w.value)),
        (None, Some(base)) => Some(base.clone()),
        (_, None) => None,
    };
    let mut starts: Vec<(Vec<String>, bool, Span)> = Vec::new();
    match &svc.entrypoint {
        Some(e) => starts.push((e.value.clone(), false, e.span)),
        None => {
            if let Some(e) = &image.entrypoint {
                starts.push((e.argv.clone(), e.shell, e.span));
            }
        }
    }
    match (&svc.command, &svc.entrypoint) {
        (Some(c), _) => starts.push((c.value.clone(), false, c.span)),
        (None, None) => {
            if let Some(c) = &image.cmd {
                starts.push((c.argv.clone(), c.shell, c.span));
            }
        }
        (None, Some(_)) => {}
    }
    for (argv, shell, span) in starts {
        for sp in crate::dockerfile::facts::start_paths(&argv, shell, workdir.as_deref(), span) {
            let built = image.filled.iter().find(|f| {
                is_within_posix(&sp.path, &f.path)
                    && !["RUN chmod", "RUN sed", "RUN dos2unix"]
                        .iter()
                        .any(|edit| f.how.starts_with(edit))
                    && !crate::paths::in_dependency_dir(&sp.path)
            });
            if let Some(f) = built {
                return Some(Evidence {
                    points_to: Class::Production,
                    what: lazy_text(keep_text, || {
                        format!(
                            "service `{}` starts `{}`, which its image built ({})",
                            svc.name.value, sp.path, f.how
                        )
                    }),
                    span: Some(span),
                });
            }
        }
    }
    None
}

/// Evidence text only when someone will read it (`berth stacks`): a check
/// needs the class, not the prose.
fn lazy_text(keep: bool, f: impl FnOnce() -> String) -> String {
    if keep { f() } else { String::new() }
}

fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s.to_string()
    }
}

fn target_class(target: &str) -> Option<Class> {
    let t = target.to_ascii_lowercase();
    let words: Vec<&str> = t.split(['-', '_', '.']).collect();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    if has(&[
        "dev",
        "develop",
        "development",
        "debug",
        "local",
        "test",
        "testing",
        "watch",
    ]) {
        Some(Class::Development)
    } else if has(&[
        "prod",
        "production",
        "release",
        "runtime",
        "final",
        "deploy",
    ]) {
        Some(Class::Production)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_and_targets() {
        assert_eq!(environment_class("development"), Some(Class::Development));
        assert_eq!(environment_class("Production"), Some(Class::Production));
        assert_eq!(environment_class("dev,metrics"), Some(Class::Development));
        assert_eq!(environment_class("staging"), None);
        assert_eq!(target_class("dev"), Some(Class::Development));
        assert_eq!(target_class("frankenphp_dev"), Some(Class::Development));
        assert_eq!(target_class("production"), Some(Class::Production));
        assert_eq!(target_class("builder"), None);
        assert_eq!(target_class("devices"), None);
    }
}
