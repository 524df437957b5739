//! What a `RUN` step leaves in the image: the output paths of the build tools
//! berth knows, and the directories where a build ran whose output berth
//! cannot name (`npm run build`, `make`).
//!
//! Paths are known only when berth can be sure of them: a path that depends on
//! an unknown working directory or on a variable berth cannot resolve is left
//! out, never guessed. Settings that move output are honoured: command-line
//! options, the environment in effect (`ENV`, `ARG`, `VAR=value cmd`,
//! `export`), and configuration written by earlier commands (`poetry config`,
//! `bundle config`), which `Settings` carries from one `RUN` to the next.

mod args;
mod compiled;
mod fetch;
mod files;
mod node;
mod python;
mod ruby_php;
mod words;

use std::collections::BTreeMap;

use self::args::{operands, parse};
use self::compiled::{cargo, dotnet, go, gradle, maven};
use self::fetch::{curl, git, wget};
use self::files::{chmod, copy_like, sed};
use self::node::{bun, npm, pnpm, yarn, yarnrc_modules_folder};
use self::python::{pip, pipenv, poetry, python, uv};
use self::ruby_php::{bundle, composer};
use self::words::{assignment, without_redirections};
use crate::paths::{join_posix, normalize_posix};
use crate::shell::split_commands;

pub(crate) use self::words::expand_lenient;

/// What a `RUN` script does to the image, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A path filled by a command (`npm ci` fills `node_modules`).
    Output(String, String),
    /// A directory where a build with outputs berth cannot name ran.
    UnknownBuild(String, String),
    /// A path removed (`rm -rf target`): earlier outputs under it are gone.
    Removed(String),
    /// `mv`: whatever was at `from` is now at `to`, and no longer at `from`.
    Moved {
        from: String,
        to: String,
        what: String,
    },
    /// A file changed in place (`sed -i`, `chmod +x`, `dos2unix`): build
    /// output when the image copied that file in.
    Edited(String, String),
}

/// Tool configuration written by earlier commands of the build, which later
/// commands read (`poetry config virtualenvs.in-project true`, then
/// `poetry install`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    poetry_in_project: Option<bool>,
    poetry_create: Option<bool>,
    /// `bundle config set path DIR`: the path as written, and whether it was
    /// set globally (`--global`: the environment wins over it).
    bundle_path: Option<(String, bool)>,
    bundle_deployment: Option<bool>,
    /// `--modules-folder` from the build context's `.yarnrc` (yarn 1 reads
    /// it from the project directory).
    yarn_modules_folder: Option<String>,
}

impl Settings {
    /// Settings the build context's own files give the tools.
    pub fn from_context(context: &ContextFiles) -> Self {
        Settings {
            yarn_modules_folder: context.yarnrc.as_deref().and_then(yarnrc_modules_folder),
            ..Settings::default()
        }
    }
}

/// Tool configuration files of the build context that move output, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextFiles {
    /// `.yarnrc` at the context's root.
    pub yarnrc: Option<String>,
}

/// Analyse a `RUN` script that starts in `workdir` (`None`: not known) with
/// the build variables `env` in effect; `cd`, `export` and `VAR=value`
/// prefixes inside the script are followed.
pub fn analyse(
    script: &str,
    workdir: Option<&str>,
    env: &BTreeMap<String, String>,
    settings: &mut Settings,
) -> Vec<Event> {
    let mut cx = Cx {
        cwd: workdir.map(str::to_string),
        env,
        exported: BTreeMap::new(),
        shell: BTreeMap::new(),
        local: Vec::new(),
        what: String::new(),
        out: Vec::new(),
    };
    for raw in split_commands(script) {
        let words: Vec<String> = without_redirections(
            raw.iter()
                .map(|w| expand_lenient(w, |name| cx.shell_var(name)))
                .collect(),
        );
        // Skip leading `VAR=value` assignments and wrappers that run the rest.
        cx.local.clear();
        let mut rest: &[String] = &words;
        while let Some((first, tail)) = rest.split_first() {
            if let Some((name, value)) = assignment(first) {
                cx.local.push((name.to_string(), value.to_string()));
            } else if !matches!(
                first.as_str(),
                "sudo" | "exec" | "time" | "env" | "npx" | "command" | "nice" | "nohup"
                    // Shell grammar before a command: `if ...; then composer install; else ...`.
                    | "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "!" | "{"
            ) {
                break;
            }
            rest = tail;
        }
        let Some((tool, args)) = rest.split_first() else {
            // A bare `VAR=value` sets a shell variable for the rest of the
            // script (exported only if it already was).
            for (k, v) in std::mem::take(&mut cx.local) {
                let v = (!v.contains(['$', '`'])).then_some(v);
                if cx.exported.contains_key(&k) || cx.env.contains_key(&k) {
                    cx.exported.insert(k, v);
                } else {
                    cx.shell.insert(k, v);
                }
            }
            continue;
        };
        let tool = tool.rsplit('/').next().unwrap_or(tool);
        cx.what = rest.iter().take(3).cloned().collect::<Vec<_>>().join(" ");
        command(&mut cx, settings, tool, args);
    }
    cx.out
}

/// The state of the shell running the script.
struct Cx<'a> {
    /// The current directory; `None` when it is not known.
    cwd: Option<String>,
    env: &'a BTreeMap<String, String>,
    /// `export`/`unset` in the script (`None`: unset or not known).
    exported: BTreeMap<String, Option<String>>,
    /// Shell variables the script set without exporting them: they expand
    /// in words, but the tools do not see them.
    shell: BTreeMap<String, Option<String>>,
    /// `VAR=value` before the current command.
    local: Vec<(String, String)>,
    /// The command in short, for messages.
    what: String,
    out: Vec<Event>,
}

impl Cx<'_> {
    /// A variable as the shell expands it in a word (prefix assignments of
    /// the same command do not count, as in a shell).
    fn shell_var(&self, name: &str) -> Option<String> {
        match self.exported.get(name).or_else(|| self.shell.get(name)) {
            Some(v) => v.clone(),
            None => self.env.get(name).cloned(),
        }
    }

    /// A setting from the environment of the current command; empty counts as unset.
    fn var(&self, name: &str) -> Option<&str> {
        let local = self
            .local
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let value = match local {
            Some(v) => Some(v),
            None => match self.exported.get(name) {
                Some(v) => v.as_deref(),
                None => self.env.get(name).map(String::as_str),
            },
        };
        value.filter(|v| !v.is_empty())
    }

    /// A path the current command names, resolved against the current directory.
    fn path(&self, p: &str) -> Option<String> {
        resolve(self.cwd.as_deref(), p)
    }

    fn output(&mut self, path: Option<String>) {
        if let Some(p) = path {
            self.out.push(Event::Output(p, self.what.clone()));
        }
    }

    fn unknown_build(&mut self, dir: Option<String>) {
        if let Some(d) = dir {
            self.out.push(Event::UnknownBuild(d, self.what.clone()));
        }
    }
}

/// `p` resolved against `base`: `None` when it depends on something unknown
/// (an unresolved variable, a command substitution, the home directory, or a
/// relative path in an unknown directory).
pub(crate) fn resolve(base: Option<&str>, p: &str) -> Option<String> {
    if p.is_empty() || p.contains(['$', '`']) || p.starts_with('~') {
        return None;
    }
    if p.starts_with('/') {
        Some(normalize_posix(p))
    } else {
        base.map(|b| join_posix(b, p))
    }
}

/// `DIR` of the current command's `--opt DIR`, resolved; the current
/// directory when the option is absent; `None` when unknown.
fn project_dir(cx: &Cx<'_>, dir: Option<&str>) -> Option<String> {
    match dir {
        Some(d) => cx.path(d),
        None => cx.cwd.clone(),
    }
}

fn truthy(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Build tools without a table of their own, and archive extractors.
const BUILD_TOOLS: &[&str] = &[
    "cmake", "ninja", "meson", "scons", "bazel", "bazelisk", "buck", "buck2", "zig", "ant", "sbt",
    "lein", "mix", "rebar3", "stack", "cabal", "dune", "swift", "elm", "hugo", "jekyll", "zola",
    "nx", "turbo", "lerna", "rake", "tar", "unzip", "7z", "bsdtar",
];

/// Does a command whose tool berth has no table for build something? A
/// script run by path (`./build.sh`, `sh scripts/build.sh`), a known build
/// tool, or any tool asked to `build`, `compile` or `package`. System
/// set-up (`apt-get`, `useradd`, `sed` on /etc) is not.
fn looks_like_a_build(tool: &str, args: &[String]) -> bool {
    let by_path = tool.contains('/') || tool.ends_with(".sh");
    let script = matches!(tool, "sh" | "bash" | "ash" | "dash" | "zsh")
        && args
            .iter()
            .find(|a| !a.starts_with('-'))
            .is_some_and(|a| a.contains('/') || a.ends_with(".sh"));
    let verb = args.first().is_some_and(|a| {
        matches!(
            a.as_str(),
            "build" | "compile" | "package" | "bundle" | "dist" | "assemble"
        )
    });
    by_path || script || verb || BUILD_TOOLS.contains(&tool)
}

fn command(cx: &mut Cx<'_>, settings: &mut Settings, tool: &str, args: &[String]) {
    match tool {
        "cd" => {
            // `cd` alone goes home, `cd -` back: neither is known here.
            cx.cwd = match args.first().map(String::as_str) {
                Some(dir) if dir != "-" => cx.path(dir),
                _ => None,
            };
        }
        "export" => {
            for a in args {
                if let Some((k, v)) = assignment(a) {
                    let known = !v.contains(['$', '`']);
                    cx.exported
                        .insert(k.to_string(), known.then(|| v.to_string()));
                } else if let Some(v) = cx.shell.remove(a.as_str()) {
                    // `X=1; export X`
                    cx.exported.insert(a.clone(), v);
                }
            }
        }
        "unset" => {
            for a in args.iter().filter(|a| !a.starts_with('-')) {
                cx.shell.remove(a.as_str());
                cx.exported.insert(a.clone(), None);
            }
        }
        "npm" => npm(cx, args),
        "yarn" => yarn(cx, settings, args),
        "pnpm" => pnpm(cx, args),
        "bun" => bun(cx, args),
        "pip" => pip(cx, args),
        "virtualenv" => {
            let p = parse(
                args,
                &[
                    "-p",
                    "--python",
                    "--prompt",
                    "--activators",
                    "--seeder",
                    "--creator",
                    "--app-data",
                    "--extra-search-dir",
                ],
            );
            let dir = p.positional.first().and_then(|d| cx.path(d));
            cx.output(dir);
        }
        "uv" => uv(cx, args),
        "poetry" => poetry(cx, settings, args),
        "pipenv" => pipenv(cx, args),
        "bundle" | "bundler" => bundle(cx, settings, args),
        "composer" => composer(cx, args),
        "go" => go(cx, args),
        "cargo" => cargo(cx, args),
        "mvn" | "mvnw" => maven(cx, args),
        "gradle" | "gradlew" => gradle(cx, args),
        "dotnet" => dotnet(cx, args),
        "gcc" | "g++" | "cc" | "c++" | "clang" | "clang++" | "rustc" => {
            let p = parse(args, &["-o"]);
            let out = p.value(&["-o"]).and_then(|o| cx.path(o));
            cx.output(out);
        }
        "next" if args.first().is_some_and(|a| a == "build") => {
            let out = cx.path(".next");
            cx.output(out);
        }
        "vite" | "ng" if args.first().is_some_and(|a| a == "build") => {
            let out = cx.path("dist");
            cx.output(out);
        }
        "make" | "tsc" | "webpack" => {
            let dir = cx.cwd.clone();
            cx.unknown_build(dir);
        }
        "git" => git(cx, args),
        "curl" => curl(cx, args),
        "wget" => wget(cx, args),
        "cp" | "mv" | "install" => copy_like(cx, tool, args),
        "rm" => {
            let (operands, _) = operands(args, &[]);
            for p in operands {
                if let Some(path) = cx.path(&p) {
                    cx.out.push(Event::Removed(path));
                }
            }
        }
        "chmod" => chmod(cx, args),
        "sed" => sed(cx, args),
        "dos2unix" | "unix2dos" => {
            // `-n IN OUT` writes a new file; only in-place conversion is an edit here.
            if args.iter().any(|a| a == "-n" || a == "--newfile") {
                return;
            }
            let (files, _) = operands(args, &[]);
            for f in files {
                if let Some(path) = cx.path(&f) {
                    cx.out.push(Event::Edited(path, tool.to_string()));
                }
            }
        }
        _ => {
            if tool.starts_with("python") && is_versioned(tool, "python") {
                python(cx, args);
            } else if tool.starts_with("pip") && is_versioned(tool, "pip") {
                pip(cx, args);
            } else if looks_like_a_build(tool, args) {
                // A build berth has no table for (`./build.sh`, `zig build`,
                // `bazel build`) may leave output anywhere in the directory it
                // runs in: an unknown build there. B101 counts it only for a
                // start file that no `COPY` of the context brings. An archive
                // extracted elsewhere (`tar -C DIR`, `unzip -d DIR`) lands there.
                let elsewhere = match tool {
                    "tar" | "bsdtar" => parse(args, &["-C", "--directory", "-f", "--file"])
                        .value(&["-C", "--directory"])
                        .map(str::to_string),
                    "unzip" => parse(args, &["-d"]).value(&["-d"]).map(str::to_string),
                    _ => None,
                };
                let dir = match elsewhere {
                    Some(d) => cx.path(&d),
                    None => cx.cwd.clone(),
                };
                cx.unknown_build(dir);
            }
        }
    }
}

/// `python3`, `python3.12`, `pip3.11`: the name followed by a version only.
fn is_versioned(tool: &str, name: &str) -> bool {
    tool.strip_prefix(name)
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Helpers the tests of this module and of its submodules share.
#[cfg(test)]
mod testing {
    use std::collections::BTreeMap;

    use super::{Event, Settings, analyse};

    pub(super) fn run(script: &str, env: &[(&str, &str)], settings: &mut Settings) -> Vec<String> {
        let env: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        analyse(script, Some("/app"), &env, settings)
            .into_iter()
            .filter_map(|e| match e {
                Event::Output(p, _) => Some(p),
                _ => None,
            })
            .collect()
    }

    pub(super) fn outs(script: &str) -> Vec<String> {
        run(script, &[], &mut Settings::default())
    }

    pub(super) fn outs_env(script: &str, env: &[(&str, &str)]) -> Vec<String> {
        run(script, env, &mut Settings::default())
    }

    pub(super) const NONE: Vec<String> = Vec::new();
}

#[cfg(test)]
mod tests {
    use super::testing::{NONE, outs, outs_env};
    use super::*;

    #[test]
    fn commands_inside_shell_conditionals() {
        let out: Vec<String> = analyse(
            "if [ \"$ENV\" = dev ]; then composer install; else composer install --no-dev; fi",
            Some("/var/www/html"),
            &BTreeMap::new(),
            &mut Settings::default(),
        )
        .into_iter()
        .filter_map(|e| match e {
            Event::Output(p, _) => Some(p),
            _ => None,
        })
        .collect();
        assert_eq!(out, vec!["/var/www/html/vendor", "/var/www/html/vendor"]);
    }

    #[test]
    fn builds_without_a_table() {
        let builds = |script: &str| -> Vec<String> {
            analyse(
                script,
                Some("/app"),
                &BTreeMap::new(),
                &mut Settings::default(),
            )
            .into_iter()
            .filter_map(|e| match e {
                Event::UnknownBuild(p, _) => Some(p),
                _ => None,
            })
            .collect()
        };
        assert_eq!(builds("./build.sh --release"), vec!["/app"]);
        assert_eq!(builds("sh scripts/build.sh"), vec!["/app"]);
        assert_eq!(builds("zig build -Doptimize=ReleaseSafe"), vec!["/app"]);
        assert_eq!(builds("mytool build"), vec!["/app"]);
        assert_eq!(builds("tar xzf /tmp/a.tgz -C /opt/a"), vec!["/opt/a"]);
        assert_eq!(builds("unzip -q app.zip -d out"), vec!["/app/out"]);
        for none in [
            "apt-get update && apt-get install -y curl",
            "delgroup dialout && addgroup -S app",
            "echo x >> /etc/conf",
            "sh -c 'echo hi'",
        ] {
            assert_eq!(builds(none), Vec::<String>::new(), "{none}");
        }
    }

    #[test]
    fn known_tools() {
        assert_eq!(outs("npm ci --omit=dev"), vec!["/app/node_modules"]);
        assert_eq!(outs("npm install -g pnpm"), NONE);
        assert_eq!(outs("cargo build --release"), vec!["/app/target"]);
        assert_eq!(outs("cd web && yarn"), vec!["/app/web/node_modules"]);
        assert_eq!(
            outs("CGO_ENABLED=0 go build -o /out/app ./cmd"),
            vec!["/out/app"]
        );
        assert_eq!(outs("composer install --no-dev"), vec!["/app/vendor"]);
        assert_eq!(outs("python -m venv .venv"), vec!["/app/.venv"]);
        assert_eq!(outs("pip install --target=/deps -r r.txt"), vec!["/deps"]);
        assert_eq!(outs("cp target/release/backend ."), vec!["/app/backend"]);
        assert_eq!(outs("cp -r a b /opt/"), vec!["/opt"]);
        assert_eq!(outs("./mvnw -B package"), vec!["/app/target"]);
        assert_eq!(
            outs("apt-get update && apt-get install -y ca-certificates"),
            NONE
        );
        assert_eq!(outs("install -m 0755 -d /data"), NONE);
        assert_eq!(
            outs("install -m 0755 -o app tool /usr/local/bin/"),
            vec!["/usr/local/bin/tool"]
        );
        assert_eq!(outs("ln -sf /dev/stdout /var/log/app/access.log"), NONE);
        assert_eq!(outs("cp -t /opt a b"), vec!["/opt/a", "/opt/b"]);
    }

    #[test]
    fn events_in_order() {
        let r = analyse(
            "npm ci && npm run build && rm -rf node_modules/.cache",
            Some("/srv"),
            &BTreeMap::new(),
            &mut Settings::default(),
        );
        assert_eq!(
            r,
            vec![
                Event::Output("/srv/node_modules".into(), "npm ci".into()),
                Event::UnknownBuild("/srv".into(), "npm run build".into()),
                Event::Removed("/srv/node_modules/.cache".into()),
            ]
        );
    }

    #[test]
    fn unknown_directory_and_variables_stay_unknown() {
        let env = BTreeMap::new();
        let r = analyse(
            "npm ci && go build -o /out/app && make",
            None,
            &env,
            &mut Settings::default(),
        );
        assert_eq!(
            r,
            vec![Event::Output("/out/app".into(), "go build -o".into())]
        );
        assert_eq!(outs("cd $APP_HOME && npm ci"), NONE);
        assert_eq!(outs("cp app $DEST/app"), NONE);
        assert_eq!(outs("rm -rf $TMP/x"), NONE);
        assert_eq!(outs("cd ~ && npm ci"), NONE);
        assert_eq!(
            outs_env("cd $APP_HOME && npm ci", &[("APP_HOME", "/srv")]),
            vec!["/srv/node_modules"]
        );
        assert_eq!(
            outs("export APP=/opt/web && cd \"$APP\" && npm ci"),
            vec!["/opt/web/node_modules"]
        );
        assert_eq!(outs("unset APP; cd $APP && npm ci"), NONE);
        // A shell variable expands in words, but the tools do not see it
        // until it is exported.
        assert_eq!(outs("D=/srv; cd $D && npm ci"), vec!["/srv/node_modules"]);
        assert_eq!(
            outs("UV_PROJECT_ENVIRONMENT=/venv; uv sync"),
            vec!["/app/.venv"]
        );
        assert_eq!(
            outs("UV_PROJECT_ENVIRONMENT=/venv; export UV_PROJECT_ENVIRONMENT; uv sync"),
            vec!["/venv"]
        );
    }
}
