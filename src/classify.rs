//! Is a stack production, development or unknown? A decision from evidence:
//! berth.yml, where the files live, their names, their opening comments and
//! what their services run (development servers, environment, build
//! targets). Every signal is kept with the place it was read, so each output
//! can say why a stack was taken for what it is.

use std::collections::BTreeMap;
use std::path::Path;

use crate::compose::{Service, Stack};
use crate::dockerfile::ImageFacts;
use crate::source::{SourceMap, Span};

/// What a stack is run for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Development,
    Unknown,
    Production,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Production => "production",
            Class::Development => "development",
            Class::Unknown => "unknown",
        }
    }
}

/// One reason for a class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The class this signal points to (`Unknown` for a note that takes a
    /// production look back).
    pub points_to: Class,
    /// What was seen, for people: "service `web` runs `npm run dev`, a development server".
    pub what: String,
    /// Where it is written, when it is in a file berth read.
    pub span: Option<Span>,
}

/// A stack's class and the signals that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub class: Class,
    pub evidence: Vec<Evidence>,
}

/// How the class was given before content is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// berth.yml says so (a declared stack, or a name pattern that matched).
    Config(Class),
    /// Nothing declared: decide from names and content.
    No,
}

/// Words in a file name that mark a development file.
const DEVELOPMENT_WORDS: &[&str] = &[
    "override",
    "dev",
    "develop",
    "development",
    "local",
    "test",
    "tests",
    "testing",
    "ci",
    "e2e",
    "debug",
    "devcontainer",
];

/// Words in a file name that mark a production file.
const PRODUCTION_WORDS: &[&str] = &["prod", "production", "live", "release", "deploy", "staging"];

/// Directories whose compose files are development, test or CI set-ups.
const DEVELOPMENT_DIRS: &[&str] = &[
    ".devcontainer",
    "e2e",
    "cypress",
    "playwright",
    "__tests__",
    "test",
    "tests",
    "dev",
    "development",
    ".github",
];

/// The words of a file name (`docker-compose.prod.yml`: docker, compose, prod, yml).
fn name_words(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split(['.', '-', '_'])
        .map(str::to_ascii_lowercase)
        .filter(|w| !w.is_empty())
}

/// Development or production by a file name's words, if either.
pub fn by_name(name: &str) -> Option<Class> {
    if name_words(name).any(|w| DEVELOPMENT_WORDS.contains(&w.as_str())) {
        Some(Class::Development)
    } else if name_words(name).any(|w| PRODUCTION_WORDS.contains(&w.as_str())) {
        Some(Class::Production)
    } else {
        None
    }
}

/// The first development directory among a path's components, below `root`.
fn development_dir(path: &Path, root: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.parent()?.components().find_map(|c| {
        let name = c.as_os_str().to_string_lossy().to_ascii_lowercase();
        DEVELOPMENT_DIRS
            .contains(&name.as_str())
            .then(|| c.as_os_str().to_string_lossy().into_owned())
    })
}

/// Classify one loaded stack. `images` are the image facts of its services by
/// service index; `root` is the scan root (directories above it say nothing).
/// What the repository around a stack says of it (read by the caller).
#[derive(Debug, Clone, Default)]
pub struct Surroundings {
    /// Signals from the repository's prose and scripts (a README that says
    /// the set-up is not for production); they count as content.
    pub signals: Vec<Evidence>,
    /// Why this file, checked alone, is not what runs: an override file
    /// beside a base file (`docker compose up` loads both), or scripts that
    /// run it only together with other files.
    pub overridden_by: Option<String>,
}

pub fn classify(
    stack: &Stack,
    declared: Declared,
    images: &BTreeMap<usize, &ImageFacts>,
    sources: &SourceMap,
    root: &Path,
    around: &Surroundings,
    keep_text: bool,
) -> Classification {
    let mut evidence = Vec::new();
    if let Declared::Config(class) = declared {
        evidence.push(Evidence {
            points_to: class,
            what: format!("berth.yml declares it {}", class.as_str()),
            span: None,
        });
        return Classification { class, evidence };
    }
    // Where the files live, and their names.
    let mut name_class: Option<Class> = None;
    for id in &stack.files {
        let Some(file) = sources.get(*id) else {
            continue;
        };
        if let Some(dir) = development_dir(&file.path, root) {
            evidence.push(Evidence {
                points_to: Class::Development,
                what: format!("{} lies under `{dir}/`", file.display),
                span: None,
            });
            return Classification {
                class: Class::Development,
                evidence,
            };
        }
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(class) = by_name(&name) {
            evidence.push(Evidence {
                points_to: class,
                what: format!("`{name}` is named like a {} file", class.as_str()),
                span: None,
            });
            // A development overlay makes the stack development, whatever the base.
            if name_class != Some(Class::Development) {
                name_class = Some(class);
            }
        }
    }
    // What the files say and what their services run.
    let mut content = Vec::new();
    for id in &stack.files {
        if let Some(e) = opening_comment(sources, *id) {
            content.push(e);
        }
    }
    for (i, svc) in stack.services.iter().enumerate() {
        service_signals(svc, images.get(&i).copied(), keep_text, &mut content);
    }
    content.extend(around.signals.iter().cloned());
    let dev = content
        .iter()
        .filter(|e| e.points_to == Class::Development)
        .count();
    let prod = content
        .iter()
        .filter(|e| e.points_to == Class::Production)
        .count();
    evidence.extend(content);
    let class = match name_class {
        Some(Class::Development) => Class::Development,
        // Named production: it stays production unless the content says
        // development overwhelmingly (several signals, none for production).
        Some(_) => {
            if dev >= 2 && prod == 0 {
                Class::Development
            } else {
                Class::Production
            }
        }
        // Production must be evident: a file that shows neither is unknown.
        None => match (dev, prod) {
            (0, 0) => Class::Unknown,
            (0, _) => Class::Production,
            (_, 0) => Class::Development,
            _ => Class::Unknown,
        },
    };
    // Nobody runs this file alone: its production look is not evidence
    // that it runs in production as it is.
    let class = match (&around.overridden_by, class) {
        (Some(why), Class::Production) if name_class.is_none() => {
            evidence.push(Evidence {
                points_to: Class::Unknown,
                what: why.clone(),
                span: None,
            });
            Class::Unknown
        }
        (_, class) => class,
    };
    Classification { class, evidence }
}

/// The comment block a file opens with, when it says what the file is for.
fn opening_comment(sources: &SourceMap, id: crate::source::FileId) -> Option<Evidence> {
    let file = sources.get(id)?;
    let mut offset = 0;
    for line in file.text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed == "---" {
            continue;
        }
        let comment = trimmed.strip_prefix('#')?;
        let lower = comment.to_ascii_lowercase();
        let negated_production = [
            "not for production",
            "not meant for production",
            "not intended for production",
            "do not use in production",
            "don't use in production",
            "not production",
        ]
        .iter()
        .any(|p| lower.contains(p));
        let development = negated_production
            || [
                "development",
                "local dev",
                "for dev ",
                "dev environment",
                "dev setup",
                "hot reload",
                "hot-reload",
                "live reload",
                "testing only",
                "for testing",
            ]
            .iter()
            .any(|p| lower.contains(p));
        let span = Some(Span::new(id, start, start + line.trim_end().len()));
        if development {
            return Some(Evidence {
                points_to: Class::Development,
                what: "its opening comment says it is for development".into(),
                span,
            });
        }
        if lower.contains("production") {
            return Some(Evidence {
                points_to: Class::Production,
                what: "its opening comment says it is for production".into(),
                span,
            });
        }
    }
    None
}

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
fn service_signals(
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
            .scalar("restart")
            .filter(|r| {
                matches!(r.value.trim(), "always" | "unless-stopped")
                    || r.value.starts_with("on-failure")
            })
            .or_else(|| {
                settings
                    .scalar("deploy.restart_policy.condition")
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

/// Development servers, watchers and test runners; production servers.
pub fn command_class(command: &str) -> Option<(Class, &'static str)> {
    let mut found: Option<(Class, &'static str)> = None;
    for words in crate::shell::split_commands(command) {
        if let Some(hit) = words_class(&words) {
            if hit.0 == Class::Development {
                return Some(hit);
            }
            found.get_or_insert(hit);
        }
    }
    found
}

/// The class of what an argv runs: exec form is one command (unless Compose
/// split a shell line into it: `npm ci && npm run dev`), shell form a script.
fn argv_class(argv: &[String], shell: bool) -> Option<(Class, &'static str)> {
    match argv {
        [script] if shell => command_class(script),
        _ if argv
            .iter()
            .any(|w| matches!(w.as_str(), "&&" | "||" | ";" | "|")) =>
        {
            command_class(&argv.join(" "))
        }
        _ => words_class(argv),
    }
}

/// One simple command's words.
fn words_class(words: &[String]) -> Option<(Class, &'static str)> {
    // Look through `sh -c "..."`: its script is more commands.
    if let [sh, flag, script, ..] = words
        && matches!(base(sh), "sh" | "bash" | "ash" | "dash" | "zsh")
        && flag.starts_with('-')
        && flag.contains('c')
    {
        return command_class(script);
    }
    let words: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .skip_while(|w| {
            matches!(
                *w,
                "exec" | "env" | "npx" | "bunx" | "dumb-init" | "tini" | "--" | "poetry" | "pipenv"
            ) || (w.contains('=') && !w.starts_with('-'))
        })
        .collect();
    one_command(strip_runner(&words))
}

/// `bundle exec rails s` → `rails s`; `uv run uvicorn` → `uvicorn`.
fn strip_runner<'a>(words: &'a [&'a str]) -> &'a [&'a str] {
    match words {
        ["bundle", "exec", rest @ ..] | ["uv" | "poetry" | "pipenv" | "pdm", "run", rest @ ..] => {
            rest
        }
        _ => words,
    }
}

fn base(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

const DEV_SERVER: &str = "a development server";
const WATCHER: &str = "a file watcher that rebuilds on change";
const TESTS: &str = "a test runner";
const KEEP_ALIVE: &str = "a command that only keeps the container alive for a developer";
const PROD_SERVER: &str = "a production server";

fn one_command(words: &[&str]) -> Option<(Class, &'static str)> {
    let first = base(words.first()?);
    // `./start-dev.sh`, `/opt/startup.dev.sh`: a script named for development.
    if words
        .first()
        .is_some_and(|w| w.contains('/') || w.ends_with(".sh"))
        && by_name(first) == Some(Class::Development)
    {
        return Some((Class::Development, "a script named for development"));
    }
    let rest = words.get(1..).unwrap_or(&[]);
    let has = |w: &str| rest.contains(&w);
    let sub = rest
        .iter()
        .copied()
        .find(|w| !w.starts_with('-'))
        .unwrap_or("");
    let dev = |why| Some((Class::Development, why));
    let prod = Some((Class::Production, PROD_SERVER));
    match first {
        "nodemon" | "ts-node-dev" | "tsnd" | "air" | "reflex" | "CompileDaemon" | "watchexec"
        | "webpack-dev-server" | "watchmedo" | "entr" | "guard" | "skaffold" => dev(WATCHER),
        "tsx" | "tsc" if has("watch") || has("--watch") || has("-w") => dev(WATCHER),
        "node" | "bun" | "deno" if has("--watch") || has("watch") => dev(WATCHER),
        "npm" | "yarn" | "pnpm" | "bun" => {
            let script = if sub == "run" || sub == "run-script" {
                rest.iter()
                    .copied()
                    .filter(|w| !w.starts_with('-'))
                    .nth(1)
                    .unwrap_or("")
            } else {
                sub
            };
            let s = script.to_ascii_lowercase();
            if matches!(s.as_str(), "dev" | "develop" | "watch" | "serve" | "debug")
                || s.starts_with("dev:")
                || s.ends_with(":dev")
                || s.ends_with(":watch")
                || s.ends_with(":debug")
                || s == "start:dev"
            {
                dev(DEV_SERVER)
            } else if s == "test" || s.starts_with("test:") {
                dev(TESTS)
            } else if matches!(s.as_str(), "start:prod" | "prod" | "serve:prod") {
                prod
            } else {
                None
            }
        }
        "next" | "nuxt" | "nuxi" | "astro" | "remix" | "gatsby" | "vite" if sub == "dev" => {
            dev(DEV_SERVER)
        }
        "vite" if !has("build") && !has("preview") && !has("optimize") => dev(DEV_SERVER),
        "ng" if sub == "serve" => dev(DEV_SERVER),
        "react-scripts" | "vue-cli-service" if sub == "start" || sub == "serve" => dev(DEV_SERVER),
        "nest" if sub == "start" && (has("--watch") || has("-w") || has("--debug")) => dev(WATCHER),
        "next" if sub == "start" => prod,
        "jest" | "vitest" | "mocha" | "pytest" | "rspec" | "phpunit" | "karma" | "cypress"
        | "playwright" => dev(TESTS),
        "flask" if sub == "run" => dev(DEV_SERVER),
        "fastapi" if sub == "dev" => dev(DEV_SERVER),
        "uvicorn" | "hypercorn" | "gunicorn" if has("--reload") => dev(WATCHER),
        // (php-fpm, apache and nginx run the same way in development: no signal.)
        "gunicorn" | "uwsgi" | "pm2-runtime" => prod,
        "python" | "python3" if has("runserver") => dev(DEV_SERVER),
        "python" | "python3" if rest.first() == Some(&"-m") && rest.get(1) == Some(&"pytest") => {
            dev(TESTS)
        }
        "django-admin" if sub == "runserver" => dev(DEV_SERVER),
        "rails" | "rackup" | "puma" if words.contains(&"production") => prod,
        "rails" if matches!(sub, "s" | "server") => dev(DEV_SERVER),
        "dev" if words.first().is_some_and(|w| w.ends_with("bin/dev")) => dev(DEV_SERVER),
        "php" if has("serve") && rest.first().is_some_and(|w| w.ends_with("artisan")) => {
            dev(DEV_SERVER)
        }
        "php" if has("-S") => dev(DEV_SERVER),
        "symfony" if sub.starts_with("serve") || sub.starts_with("server:start") => dev(DEV_SERVER),
        "mvn" | "mvnw" | "gradle" | "gradlew"
            if rest.iter().any(|w| {
                matches!(
                    *w,
                    "spring-boot:run" | "bootRun" | "quarkus:dev" | "quarkusDev"
                )
            }) =>
        {
            dev(DEV_SERVER)
        }
        "quarkus" if sub == "dev" => dev(DEV_SERVER),
        "go" if sub == "run" => dev(DEV_SERVER),
        "go" if sub == "test" => dev(TESTS),
        "cargo" if sub == "watch" => dev(WATCHER),
        "cargo" if sub == "test" => dev(TESTS),
        "dotnet" if sub == "watch" => dev(WATCHER),
        "dotnet" if sub == "test" => dev(TESTS),
        "mix" if sub == "test" => dev(TESTS),
        "sleep" if has("infinity") => dev(KEEP_ALIVE),
        "tail" if has("/dev/null") => dev(KEEP_ALIVE),
        "java" if has("-jar") => prod,
        "dotnet" if sub.ends_with(".dll") => prod,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for dev in [
            "docker-compose.override.yml",
            "compose.dev.yaml",
            "docker-compose-development.yml",
            "compose.local.yml",
            "docker-compose.test.yml",
            "compose.ci.yaml",
            "docker-compose.e2e.yml",
            "docker-compose_debug.yml",
        ] {
            assert_eq!(by_name(dev), Some(Class::Development), "{dev}");
        }
        for prod in [
            "docker-compose.prod.yml",
            "compose.production.yaml",
            "docker-compose-release.yml",
        ] {
            assert_eq!(by_name(prod), Some(Class::Production), "{prod}");
        }
        for neither in [
            "docker-compose.yml",
            "compose.yaml",
            "docker-compose.device.yml",
            "compose.cicd.yml",
            "docker-compose.latest.yml",
            "docker-compose.monitoring.yml",
        ] {
            assert_eq!(by_name(neither), None, "{neither}");
        }
    }

    #[test]
    fn commands() {
        let dev = |c: &str| command_class(c).map(|x| x.0) == Some(Class::Development);
        let prod = |c: &str| command_class(c).map(|x| x.0) == Some(Class::Production);
        for c in [
            "npm run dev",
            "yarn dev",
            "pnpm run start:dev",
            "nodemon src/index.js",
            "npx nodemon",
            "next dev",
            "vite --host 0.0.0.0",
            "ng serve --host 0.0.0.0",
            "flask run --host=0.0.0.0",
            "uvicorn app.main:app --host 0.0.0.0 --reload",
            "python manage.py runserver 0.0.0.0:8000",
            "bundle exec rails s -b 0.0.0.0",
            "cargo watch -x run",
            "air -c .air.toml",
            "dotnet watch run",
            "sh -c \"npm install && npm run dev\"",
            "./mvnw spring-boot:run",
            "go run ./cmd/api",
            "sleep infinity",
            "php artisan serve --host=0.0.0.0",
            "uv run fastapi dev app/main.py",
            "/opt/startup.relational.dev.sh",
            "./scripts/start-dev.sh",
        ] {
            assert!(dev(c), "{c}");
        }
        for c in [
            "gunicorn app:app -w 4",
            "next start",
            "java -jar /app/app.jar",
            "dotnet Api.dll",
            "npm run start:prod",
            "bundle exec rails s -e production",
        ] {
            assert!(prod(c), "{c}");
        }
        for c in [
            "node server.js",
            "npm start",
            "python app.py",
            "/app/backend",
            "vite build",
            "uvicorn app:app --host 0.0.0.0",
            "npm run build",
            "./scripts/start.sh",
        ] {
            assert_eq!(command_class(c), None, "{c}");
        }
    }

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
