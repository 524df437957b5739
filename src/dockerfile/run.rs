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

use std::collections::BTreeMap;

use crate::paths::{join_posix, normalize_posix};
use crate::shell::split_commands;

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

/// `--modules-folder DIR` (or `modules-folder DIR`) in a yarn 1 `.yarnrc`.
fn yarnrc_modules_folder(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim();
        let rest = line
            .strip_prefix("--modules-folder")
            .or_else(|| line.strip_prefix("modules-folder"))?;
        let value = rest.trim_start_matches([' ', '\t', '=']).trim();
        let value = value.trim_matches(['"', '\'']);
        (!value.is_empty()).then(|| value.to_string())
    })
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

/// The words of a command without its redirections (`> file`, `2>/dev/null`).
fn without_redirections(words: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut skip_next = false;
    for w in words {
        if std::mem::take(&mut skip_next) {
            continue;
        }
        let op = w.trim_start_matches(|c: char| c.is_ascii_digit());
        if op.starts_with(['<', '>']) {
            // `>` alone takes the next word as its target.
            skip_next = op.trim_start_matches(['<', '>', '&']).is_empty();
            continue;
        }
        out.push(w);
    }
    out
}

/// `NAME=value` with a valid shell name.
fn assignment(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once('=')?;
    let valid = name.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic())
        && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
    valid.then_some((name, value))
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

// ---------------------------------------------------------------- arguments

/// A command's arguments: operands, and options with their values.
struct Parsed<'a> {
    positional: Vec<&'a str>,
    options: Vec<(&'a str, Option<&'a str>)>,
}

impl Parsed<'_> {
    /// The value of the last of these options.
    fn value(&self, names: &[&str]) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, v)| names.contains(n) && v.is_some())
            .and_then(|(_, v)| *v)
    }

    fn has(&self, names: &[&str]) -> bool {
        self.options.iter().any(|(n, _)| names.contains(n))
    }
}

/// Split arguments into operands and options; the options in `with_value`
/// take a value (`--opt V`, `--opt=V`, `-o V`, `-o=V`, `-oV`).
fn parse<'a>(args: &'a [String], with_value: &[&str]) -> Parsed<'a> {
    let mut p = Parsed {
        positional: Vec::new(),
        options: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.as_str();
        if a == "--" {
            p.positional.extend(it.by_ref().map(String::as_str));
            break;
        }
        if !a.starts_with('-') || a == "-" {
            p.positional.push(a);
            continue;
        }
        if with_value.contains(&a) {
            p.options.push((a, it.next().map(String::as_str)));
        } else if let Some((name, value)) = a.split_once('=') {
            p.options.push((name, Some(value)));
        } else if !a.starts_with("--")
            && let Some(short) = a.get(..2)
            && with_value.contains(&short)
            && a.len() > 2
        {
            p.options.push((short, a.get(2..)));
        } else {
            p.options.push((a, None));
        }
    }
    p
}

/// Operands of a `cp`-like command, skipping options and the values of
/// `with_value` options; the directory of `-t DIR`/`--target-directory=DIR`.
fn operands(args: &[String], with_value: &[&str]) -> (Vec<String>, Option<String>) {
    let mut out = Vec::new();
    let mut into = None;
    let mut it = args.iter();
    let mut only_operands = false;
    while let Some(a) = it.next() {
        if only_operands || !a.starts_with('-') || a == "-" {
            out.push(a.clone());
        } else if a == "--" {
            only_operands = true;
        } else if a == "-t" || a == "--target-directory" {
            into = it.next().cloned();
        } else if let Some(d) = a.strip_prefix("--target-directory=") {
            into = Some(d.to_string());
        } else if with_value.contains(&a.as_str()) {
            it.next();
        }
    }
    (out, into)
}

fn last_name(path: &str) -> &str {
    let t = path.trim_end_matches('/');
    t.rsplit('/').next().unwrap_or(t)
}

// --------------------------------------------------------------- JavaScript

const NODE_INSTALL: &[&str] = &[
    "ci",
    "install",
    "i",
    "in",
    "add",
    "install-clean",
    "clean-install",
    "ic",
    "isntall",
];

fn npm(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "--prefix",
            "-C",
            "--workspace",
            "-w",
            "--omit",
            "--include",
            "--registry",
            "--cache",
            "--loglevel",
            "--userconfig",
            "--tag",
            "--location",
        ],
    );
    let global = p.has(&["-g", "--global"]) || p.value(&["--location"]) == Some("global");
    let dir = project_dir(cx, p.value(&["--prefix", "-C"]));
    match p.positional.first().copied() {
        Some(sub) if NODE_INSTALL.contains(&sub) && !global => {
            cx.output(resolve(dir.as_deref(), "node_modules"));
        }
        Some("run" | "run-script" | "build") => cx.unknown_build(dir),
        _ => {}
    }
}

fn yarn(cx: &mut Cx<'_>, settings: &Settings, args: &[String]) {
    let p = parse(
        args,
        &[
            "--cwd",
            "--modules-folder",
            "--cache-folder",
            "--global-folder",
            "--link-folder",
            "--mutex",
            "--network-timeout",
            "--network-concurrency",
            "--registry",
        ],
    );
    let dir = project_dir(cx, p.value(&["--cwd"]));
    match p.positional.first().copied() {
        None | Some("install" | "add" | "workspaces") => {
            let modules = p
                .value(&["--modules-folder"])
                .or(settings.yarn_modules_folder.as_deref())
                .unwrap_or("node_modules");
            cx.output(resolve(dir.as_deref(), modules));
        }
        Some("run" | "build") => cx.unknown_build(dir),
        // `yarn global add` installs outside the project.
        _ => {}
    }
}

fn pnpm(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "--dir",
            "-C",
            "--prefix",
            "--filter",
            "-F",
            "--modules-dir",
            "--store-dir",
            "--virtual-store-dir",
            "--reporter",
            "--loglevel",
            "--registry",
            "--workspace-concurrency",
            "--network-concurrency",
        ],
    );
    let global = p.has(&["-g", "--global"]);
    let dir = project_dir(cx, p.value(&["--dir", "-C", "--prefix"]));
    match p.positional.first().copied() {
        // `-r`/`--filter` install into the packages too; the workspace root's
        // `node_modules` is filled at least.
        Some("install" | "i" | "add" | "install-test" | "it") if !global => {
            let modules = p.value(&["--modules-dir"]).unwrap_or("node_modules");
            cx.output(resolve(dir.as_deref(), modules));
        }
        Some("deploy") => {
            let target = p.positional.get(1).and_then(|t| resolve(dir.as_deref(), t));
            cx.output(target);
        }
        Some("run" | "build") => cx.unknown_build(dir),
        _ => {}
    }
}

fn bun(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "--cwd",
            "--prefix",
            "--outdir",
            "--outfile",
            "--target",
            "--format",
            "--external",
            "-e",
            "--define",
            "--loader",
            "--root",
            "--public-path",
            "--entry-naming",
            "--chunk-naming",
            "--asset-naming",
            "--filter",
            "--cache-dir",
            "--registry",
            "--backend",
            "--config",
            "-c",
        ],
    );
    let global = p.has(&["-g", "--global"]);
    let dir = project_dir(cx, p.value(&["--cwd", "--prefix"]));
    match p.positional.first().copied() {
        Some("install" | "i" | "add") if !global => {
            cx.output(resolve(dir.as_deref(), "node_modules"));
        }
        Some("build") => {
            let out = p
                .value(&["--outfile"])
                .or_else(|| p.value(&["--outdir"]))
                .and_then(|o| resolve(dir.as_deref(), o));
            cx.output(out);
        }
        Some("run") => cx.unknown_build(dir),
        _ => {}
    }
}

// ------------------------------------------------------------------- Python

/// `python -m pip|venv|virtualenv|build ...`.
fn python(cx: &mut Cx<'_>, args: &[String]) {
    let (Some(m), Some(module)) = (args.first(), args.get(1)) else {
        return;
    };
    if m != "-m" {
        return;
    }
    let rest = args.get(2..).unwrap_or(&[]);
    match module.as_str() {
        "pip" => pip(cx, rest),
        "venv" | "virtualenv" => {
            let p = parse(rest, &["--prompt", "-p", "--python"]);
            let dir = p.positional.first().and_then(|d| cx.path(d));
            cx.output(dir);
        }
        "build" => {
            let p = parse(rest, &["--outdir", "-o", "--config-setting", "-C"]);
            let out = match p.value(&["--outdir", "-o"]) {
                Some(o) => cx.path(o),
                None => {
                    let src = project_dir(cx, p.positional.first().copied());
                    resolve(src.as_deref(), "dist")
                }
            };
            cx.output(out);
        }
        _ => {}
    }
}

const PIP_VALUE: &[&str] = &[
    "-t",
    "--target",
    "--prefix",
    "--root",
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-w",
    "--wheel-dir",
    "-d",
    "--dest",
    "--trusted-host",
    "--cache-dir",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--src",
    "-e",
    "--editable",
    "--progress-bar",
    "--log",
    "--timeout",
    "--retries",
    "--only-binary",
    "--no-binary",
    "--config-settings",
    "-C",
    "--global-option",
    "--upgrade-strategy",
    "--root-user-action",
];

fn pip(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(args, PIP_VALUE);
    let out = match p.positional.first().copied() {
        // `--user` installs into the home directory, not the app.
        Some("install") if p.has(&["--user"]) => None,
        Some("install") => p
            .value(&["-t", "--target"])
            .or_else(|| p.value(&["--prefix"]))
            .or_else(|| p.value(&["--root"]))
            .or_else(|| cx.var("PIP_TARGET"))
            .or_else(|| cx.var("PIP_PREFIX"))
            .map(str::to_string),
        Some("wheel") => p
            .value(&["-w", "--wheel-dir"])
            .or_else(|| cx.var("PIP_WHEEL_DIR"))
            .map(str::to_string),
        Some("download") => p.value(&["-d", "--dest"]).map(str::to_string),
        _ => None,
    };
    let out = out.and_then(|o| cx.path(&o));
    cx.output(out);
}

const UV_VALUE: &[&str] = &[
    "--directory",
    "--project",
    "--python",
    "-p",
    "--index-url",
    "-i",
    "--extra-index-url",
    "--index",
    "--default-index",
    "--find-links",
    "-f",
    "--cache-dir",
    "--color",
    "--config-file",
    "--group",
    "--extra",
    "--only-group",
    "--no-group",
    "--package",
    "--prerelease",
    "--resolution",
    "--link-mode",
    "--python-preference",
    "--refresh-package",
    "--reinstall-package",
    "--upgrade-package",
    "-P",
    "--no-binary-package",
    "--no-build-package",
    "--exclude-newer",
    "--keyring-provider",
    "--index-strategy",
    "--requirement",
    "-r",
    "--target",
    "-t",
    "--prefix",
    "--output-file",
    "-o",
    "--prompt",
    "--out-dir",
    "--constraint",
    "-c",
    "--override",
    "--build-constraint",
    "-b",
    "--allow-insecure-host",
    "--python-platform",
    "--python-version",
    "--config-setting",
    "-C",
];

fn uv(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(args, UV_VALUE);
    let dir = project_dir(cx, p.value(&["--directory", "--project"]));
    match p.positional.first().copied() {
        Some("sync") => {
            let env = if p.has(&["--active"]) {
                cx.var("VIRTUAL_ENV").and_then(|v| cx.path(v))
            } else {
                // A relative UV_PROJECT_ENVIRONMENT is relative to the project.
                let venv = cx.var("UV_PROJECT_ENVIRONMENT").unwrap_or(".venv");
                resolve(dir.as_deref(), venv)
            };
            cx.output(env);
        }
        Some("venv") => {
            let venv = match p.positional.get(1) {
                Some(d) => cx.path(d),
                // Whether `uv venv` without a path follows
                // UV_PROJECT_ENVIRONMENT is not certain: then say nothing.
                None if cx.var("UV_PROJECT_ENVIRONMENT").is_some() => None,
                None => resolve(dir.as_deref(), ".venv"),
            };
            cx.output(venv);
        }
        Some("pip") => {
            if matches!(p.positional.get(1).copied(), Some("install" | "sync")) {
                let out = p
                    .value(&["--target", "-t"])
                    .or_else(|| p.value(&["--prefix"]))
                    .and_then(|o| cx.path(o));
                cx.output(out);
            }
        }
        Some("build") => {
            let out = match p.value(&["--out-dir", "-o"]) {
                Some(o) => cx.path(o),
                None => {
                    let src = match p.positional.get(1) {
                        Some(s) => cx.path(s),
                        None => dir,
                    };
                    resolve(src.as_deref(), "dist")
                }
            };
            cx.output(out);
        }
        _ => {}
    }
}

fn poetry(cx: &mut Cx<'_>, settings: &mut Settings, args: &[String]) {
    let p = parse(
        args,
        &[
            "--directory",
            "-C",
            "--project",
            "-P",
            "--with",
            "--without",
            "--only",
            "-E",
            "--extras",
            "--format",
            "-f",
            "--output",
            "-o",
        ],
    );
    let dir = project_dir(cx, p.value(&["--directory", "-C", "--project", "-P"]));
    match p.positional.first().copied() {
        Some("install" | "sync") => {
            // The environment overrides poetry's configuration.
            let setting = |var: &str, config: Option<bool>, default: bool| match cx.var(var) {
                Some(v) => truthy(v),
                None => Some(config.unwrap_or(default)),
            };
            let create = setting("POETRY_VIRTUALENVS_CREATE", settings.poetry_create, true);
            let in_project = setting(
                "POETRY_VIRTUALENVS_IN_PROJECT",
                settings.poetry_in_project,
                false,
            );
            let venv = match (create, in_project) {
                (Some(true), Some(true)) => resolve(dir.as_deref(), ".venv"),
                (Some(true), Some(false)) => {
                    cx.var("POETRY_VIRTUALENVS_PATH").and_then(|v| cx.path(v))
                }
                // No virtualenv (system site-packages), or a value berth cannot read.
                _ => None,
            };
            cx.output(venv);
        }
        Some("config") => {
            let unset = p.has(&["--unset"]);
            let (Some(key), value) = (p.positional.get(1), p.positional.get(2)) else {
                return;
            };
            let value = if unset {
                None
            } else {
                value.and_then(|v| truthy(v))
            };
            match *key {
                "virtualenvs.in-project" => settings.poetry_in_project = value,
                "virtualenvs.create" => settings.poetry_create = value,
                _ => {}
            }
        }
        Some("build") => {
            let out = match p.value(&["--output", "-o"]) {
                Some(o) => cx.path(o),
                None => resolve(dir.as_deref(), "dist"),
            };
            cx.output(out);
        }
        _ => {}
    }
}

fn pipenv(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(args, &["--python", "--pypi-mirror", "--categories"]);
    if matches!(p.positional.first().copied(), Some("install" | "sync"))
        && !p.has(&["--system"])
        && cx.var("PIPENV_VENV_IN_PROJECT").and_then(truthy) == Some(true)
    {
        let venv = cx.path(".venv");
        cx.output(venv);
    }
}

// --------------------------------------------------------------------- Ruby

fn bundle(cx: &mut Cx<'_>, settings: &mut Settings, args: &[String]) {
    let p = parse(
        args,
        &[
            "--path",
            "--gemfile",
            "--jobs",
            "-j",
            "--retry",
            "--without",
            "--with",
            "--binstubs",
            "--shebang",
            "--trust-policy",
            "--target-rbconfig",
        ],
    );
    match p.positional.first().copied() {
        None | Some("install") => {
            let root = match p.value(&["--gemfile"]) {
                Some(g) => cx.path(g).map(|g| join_posix(&g, "..")),
                None => cx.cwd.clone(),
            };
            let local_config = settings
                .bundle_path
                .as_ref()
                .filter(|(_, global)| !global)
                .map(|(p, _)| p.as_str());
            let global_config = settings
                .bundle_path
                .as_ref()
                .filter(|(_, global)| *global)
                .map(|(p, _)| p.as_str());
            // Bundler reads local configuration, then the environment, then
            // global configuration; `deployment` implies vendor/bundle when no
            // path is set; without either, gems go to GEM_HOME.
            let deployment = p.has(&["--deployment"])
                || settings.bundle_deployment == Some(true)
                || cx.var("BUNDLE_DEPLOYMENT").and_then(truthy) == Some(true);
            let path = p
                .value(&["--path"])
                .or(local_config)
                .or_else(|| cx.var("BUNDLE_PATH"))
                .or(global_config)
                .or(deployment.then_some("vendor/bundle"))
                .map(str::to_string);
            let out = match path {
                Some(path) => resolve(root.as_deref(), &path),
                None => cx.var("GEM_HOME").and_then(|g| resolve(None, g)),
            };
            cx.output(out);
        }
        Some("config") => {
            let global = p.has(&["--global"]);
            let rest: Vec<&str> = p
                .positional
                .iter()
                .skip(1)
                .copied()
                .skip_while(|w| *w == "set")
                .collect();
            match rest.as_slice() {
                ["unset", key, ..] => match *key {
                    "path" => settings.bundle_path = None,
                    "deployment" => settings.bundle_deployment = None,
                    _ => {}
                },
                ["path", value, ..] => {
                    settings.bundle_path = Some(((*value).to_string(), global));
                }
                ["deployment", value, ..] => settings.bundle_deployment = truthy(value),
                _ => {}
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------- PHP

fn composer(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "-d",
            "--working-dir",
            "--prefer-install",
            "--ignore-platform-req",
            "--stability",
            "-s",
            "--repository",
            "--repository-url",
        ],
    );
    let dir = project_dir(cx, p.value(&["-d", "--working-dir"]));
    match p.positional.first().copied() {
        Some(
            "install" | "i" | "update" | "u" | "upgrade" | "require" | "req" | "dump-autoload"
            | "dumpautoload",
        ) => {
            let vendor = cx.var("COMPOSER_VENDOR_DIR").unwrap_or("vendor");
            cx.output(resolve(dir.as_deref(), vendor));
        }
        Some("create-project") => {
            let target = p.positional.get(2).and_then(|t| resolve(dir.as_deref(), t));
            cx.output(target);
        }
        // `composer global ...` works in COMPOSER_HOME.
        _ => {}
    }
}

// ----------------------------------------------------------------------- Go

const GO_VALUE: &[&str] = &[
    "-o",
    "-C",
    "-p",
    "-asmflags",
    "-buildmode",
    "-compiler",
    "-gccgoflags",
    "-gcflags",
    "-installsuffix",
    "-ldflags",
    "-mod",
    "-modfile",
    "-overlay",
    "-pgo",
    "-pkgdir",
    "-tags",
    "-toolexec",
    "-covermode",
    "-coverpkg",
];

fn go(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(args, GO_VALUE);
    match p.positional.first().copied() {
        Some("build") => {
            let dir = project_dir(cx, p.value(&["-C"]));
            if let Some(o) = p.value(&["-o"]) {
                cx.output(resolve(dir.as_deref(), o));
                return;
            }
            let exe = if cx.var("GOOS") == Some("windows") {
                ".exe"
            } else {
                ""
            };
            let packages = p.positional.get(1..).unwrap_or(&[]);
            let name = match packages {
                // Named after the module's import path, which is in go.mod.
                [] | ["."] => None,
                files if files.iter().all(|f| f.ends_with(".go")) => files
                    .first()
                    .map(|f| last_name(f).trim_end_matches(".go").to_string()),
                // Several packages: `go build` only checks that they compile.
                [one] if !one.contains("...") => {
                    let name = last_name(one);
                    let major = name
                        .strip_prefix('v')
                        .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()));
                    let unsure = matches!(name, "" | "." | "..") || major || name.contains('@');
                    if unsure { None } else { Some(name.to_string()) }
                }
                _ => return,
            };
            match name {
                Some(n) => cx.output(resolve(dir.as_deref(), &format!("{n}{exe}"))),
                None => cx.unknown_build(dir),
            }
        }
        Some("install") => {
            let bin = match cx.var("GOBIN") {
                Some(b) => resolve(None, b),
                None => cx
                    .var("GOPATH")
                    .and_then(|g| g.split(':').next())
                    .and_then(|g| resolve(None, &format!("{g}/bin"))),
            };
            cx.output(bin);
        }
        _ => {}
    }
}

// -------------------------------------------------------------------- Rust

fn cargo(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "--target-dir",
            "--manifest-path",
            "--root",
            "-p",
            "--package",
            "--bin",
            "--features",
            "-F",
            "--target",
            "-j",
            "--jobs",
            "--profile",
            "--example",
            "--config",
            "-Z",
            "--color",
            "--message-format",
            "--path",
            "--git",
            "--branch",
            "--tag",
            "--rev",
            "--version",
            "--vers",
            "--registry",
            "--index",
            "--lockfile-path",
            "--exclude",
            "--test",
            "--bench",
        ],
    );
    // `cargo +nightly build`: the toolchain comes first.
    let mut positional = p.positional.iter().copied().filter(|w| !w.starts_with('+'));
    match positional.next() {
        Some("build" | "b") => {
            let target = match p.value(&["--target-dir"]) {
                Some(t) => cx.path(t),
                None => match cx
                    .var("CARGO_TARGET_DIR")
                    .or_else(|| cx.var("CARGO_BUILD_TARGET_DIR"))
                {
                    Some(t) => cx.path(t),
                    None => {
                        let base = match p.value(&["--manifest-path"]) {
                            Some(m) => cx.path(m).map(|m| join_posix(&m, "..")),
                            None => cx.cwd.clone(),
                        };
                        resolve(base.as_deref(), "target")
                    }
                },
            };
            cx.output(target);
        }
        Some("install") => {
            // `cargo install` builds in a temporary target directory.
            let root = match p.value(&["--root"]) {
                Some(r) => cx.path(r),
                None => cx
                    .var("CARGO_INSTALL_ROOT")
                    .or_else(|| cx.var("CARGO_HOME"))
                    .and_then(|r| resolve(None, r)),
            };
            cx.output(root.map(|r| join_posix(&r, "bin")));
        }
        _ => {}
    }
}

// --------------------------------------------------------------- JVM, .NET

fn maven(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "-f",
            "--file",
            "-pl",
            "--projects",
            "-P",
            "--activate-profiles",
            "-s",
            "--settings",
            "-gs",
            "--global-settings",
            "-t",
            "--toolchains",
            "-T",
            "--threads",
            "-rf",
            "--resume-from",
            "-l",
            "--log-file",
            "-b",
            "--builder",
        ],
    );
    let builds = p
        .positional
        .iter()
        .any(|g| matches!(*g, "package" | "install" | "verify" | "deploy"));
    if !builds {
        return;
    }
    let dir = match p.value(&["-f", "--file"]) {
        Some(f) if f.ends_with(".xml") => cx.path(f).map(|f| join_posix(&f, "..")),
        Some(d) => cx.path(d),
        None => cx.cwd.clone(),
    };
    cx.output(resolve(dir.as_deref(), "target"));
}

fn gradle(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "-p",
            "--project-dir",
            "-b",
            "--build-file",
            "-x",
            "--exclude-task",
            "-I",
            "--init-script",
            "-g",
            "--gradle-user-home",
            "--max-workers",
            "--console",
            "--warning-mode",
            "-c",
            "--settings-file",
            "--priority",
        ],
    );
    let dir = project_dir(cx, p.value(&["-p", "--project-dir"]));
    let mut seen: Vec<String> = Vec::new();
    for task in &p.positional {
        // `:app:bootJar` builds in the `app` subproject.
        let mut parts: Vec<&str> = task.split(':').filter(|s| !s.is_empty()).collect();
        let Some(name) = parts.pop() else { continue };
        let builds = matches!(
            name,
            "build"
                | "assemble"
                | "bootJar"
                | "bootWar"
                | "installDist"
                | "jar"
                | "war"
                | "shadowJar"
                | "distTar"
                | "distZip"
        );
        if !builds {
            continue;
        }
        let mut rel = parts.join("/");
        if !rel.is_empty() {
            rel.push('/');
        }
        rel.push_str("build");
        if let Some(out) = resolve(dir.as_deref(), &rel)
            && !seen.contains(&out)
        {
            seen.push(out.clone());
            cx.output(Some(out));
        }
    }
}

fn dotnet(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "-o",
            "--output",
            "-c",
            "--configuration",
            "-r",
            "--runtime",
            "-f",
            "--framework",
            "--os",
            "-a",
            "--arch",
            "-v",
            "--verbosity",
            "--version-suffix",
            "-s",
            "--source",
        ],
    );
    if !matches!(p.positional.first().copied(), Some("publish" | "build")) {
        return;
    }
    if let Some(o) = p.value(&["-o", "--output"]) {
        let out = cx.path(o);
        cx.output(out);
        return;
    }
    // Without `-o`, output goes to `bin/` next to the project file.
    let project = p.positional.get(1).copied();
    let dir = match project {
        Some(sln) if sln.ends_with(".sln") || sln.ends_with(".slnx") => {
            let dir = cx.cwd.clone();
            cx.unknown_build(dir);
            return;
        }
        Some(proj)
            if proj.ends_with(".csproj")
                || proj.ends_with(".fsproj")
                || proj.ends_with(".vbproj") =>
        {
            cx.path(proj).map(|p| join_posix(&p, ".."))
        }
        Some(d) => cx.path(d),
        None => cx.cwd.clone(),
    };
    cx.output(resolve(dir.as_deref(), "bin"));
}

// ---------------------------------------------------------------- downloads

fn git(cx: &mut Cx<'_>, args: &[String]) {
    let p = parse(
        args,
        &[
            "-b",
            "--branch",
            "--depth",
            "--origin",
            "-o",
            "--reference",
            "--separate-git-dir",
            "--shallow-since",
            "--filter",
            "-c",
            "--config",
            "-j",
            "--jobs",
            "--template",
            "-u",
            "--upload-pack",
            "-C",
        ],
    );
    if p.positional.first().copied() != Some("clone") {
        return;
    }
    let base = project_dir(cx, p.value(&["-C"]));
    let dir = match (p.positional.get(1), p.positional.get(2)) {
        (_, Some(dir)) => resolve(base.as_deref(), dir),
        (Some(url), None) => {
            let name = last_name(url);
            let name = name.rsplit(':').next().unwrap_or(name);
            let name = name.strip_suffix(".git").unwrap_or(name);
            if name.is_empty() {
                None
            } else {
                resolve(base.as_deref(), name)
            }
        }
        _ => None,
    };
    cx.output(dir);
}

fn curl(cx: &mut Cx<'_>, args: &[String]) {
    let mut out: Option<&str> = None;
    let mut dir: Option<&str> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.as_str();
        if a == "-o" || a == "--output" {
            out = it.next().map(String::as_str);
        } else if let Some(v) = a.strip_prefix("--output=") {
            out = Some(v);
        } else if a == "--output-dir" {
            dir = it.next().map(String::as_str);
        } else if let Some(v) = a.strip_prefix("--output-dir=") {
            dir = Some(v);
        } else if !a.starts_with("--") && a.len() > 2 && a.starts_with("-o") {
            out = a.get(2..);
        } else if !a.starts_with("--") && a.starts_with('-') && a.ends_with('o') {
            // `-fsSLo FILE`
            out = it.next().map(String::as_str);
        }
    }
    let base = project_dir(cx, dir);
    let file = out
        .filter(|o| *o != "-")
        .and_then(|o| resolve(base.as_deref(), o));
    cx.output(file);
}

fn wget(cx: &mut Cx<'_>, args: &[String]) {
    let mut out: Option<&str> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.as_str();
        if a == "-O" || a == "--output-document" {
            out = it.next().map(String::as_str);
        } else if let Some(v) = a.strip_prefix("--output-document=") {
            out = Some(v);
        } else if !a.starts_with("--") && a.len() > 2 && a.starts_with("-O") {
            out = a.get(2..);
        } else if !a.starts_with("--") && a.starts_with('-') && a.ends_with('O') {
            out = it.next().map(String::as_str);
        }
    }
    let file = out.filter(|o| *o != "-").and_then(|o| cx.path(o));
    cx.output(file);
}

// ------------------------------------------------------------ file commands

fn copy_like(cx: &mut Cx<'_>, tool: &str, args: &[String]) {
    // `install -d` only makes directories; options with values are skipped.
    if tool == "install" && args.iter().any(|a| a == "-d" || a == "--directory") {
        return;
    }
    let (operands, into) = operands(
        args,
        &[
            "-m", "-o", "-g", "--mode", "--owner", "--group", "-S", "--suffix",
        ],
    );
    // Each source with where it lands.
    let mut moves: Vec<(&str, String)> = Vec::new();
    if let Some(dir) = &into {
        for src in &operands {
            moves.push((src, format!("{dir}/{}", last_name(src))));
        }
    } else if let [sources @ .., dest] = operands.as_slice() {
        let into_dir = dest.ends_with('/') || matches!(dest.as_str(), "." | "..");
        match sources {
            [] => {}
            [one] if into_dir => moves.push((one, format!("{dest}/{}", last_name(one)))),
            [one] => moves.push((one, dest.clone())),
            many if tool == "mv" => {
                for src in many {
                    moves.push((src, format!("{dest}/{}", last_name(src))));
                }
            }
            // Several sources into a directory: the directory is filled.
            _ => {
                let out = cx.path(dest);
                cx.output(out);
            }
        }
    }
    for (src, dest) in moves {
        let to = cx.path(&dest);
        if tool != "mv" {
            cx.output(to);
            continue;
        }
        match (cx.path(src), to) {
            (Some(from), Some(to)) => cx.out.push(Event::Moved {
                from,
                to,
                what: cx.what.clone(),
            }),
            (Some(from), None) => cx.out.push(Event::Removed(from)),
            (None, to) => cx.output(to),
        }
    }
}

/// Does a `chmod` mode make files executable (`+x`, `755`, `u=rwx`)?
fn grants_execute(mode: &str) -> bool {
    if !mode.is_empty() && mode.chars().all(|c| c.is_digit(8)) {
        // The last three digits are user, group, other.
        return mode
            .chars()
            .rev()
            .take(3)
            .filter_map(|c| c.to_digit(8))
            .any(|d| d & 1 == 1);
    }
    mode.split(',').any(|clause| {
        clause
            .find(['+', '='])
            .and_then(|at| clause.get(at + 1..))
            .is_some_and(|perms| perms.contains(['x', 'X']))
    })
}

fn chmod(cx: &mut Cx<'_>, args: &[String]) {
    // A recursive change is a directory's permissions, not a file's content.
    if args
        .iter()
        .any(|a| a == "-R" || a == "--recursive" || a.starts_with("--reference"))
    {
        return;
    }
    // Symbolic modes such as `-x` look like options: take the first word
    // that is not a GNU option as the mode.
    let mut words = args.iter().filter(|a| {
        !matches!(
            a.as_str(),
            "-v" | "-c" | "-f" | "--verbose" | "--changes" | "--silent" | "--quiet"
        )
    });
    let Some(mode) = words.next() else { return };
    if !grants_execute(mode) {
        return;
    }
    let what = format!("chmod {mode}");
    for f in words {
        if let Some(path) = cx.path(f) {
            cx.out.push(Event::Edited(path, what.clone()));
        }
    }
}

fn sed(cx: &mut Cx<'_>, args: &[String]) {
    let mut in_place = false;
    let mut script_given = false;
    let mut files: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.as_str();
        if a == "--in-place" || a.starts_with("--in-place=") {
            in_place = true;
        } else if a == "-e" || a == "--expression" || a == "-f" || a == "--file" {
            script_given = true;
            it.next();
        } else if a.starts_with("--expression=") || a.starts_with("--file=") {
            script_given = true;
        } else if a == "-l" || a == "--line-length" {
            it.next();
        } else if let Some(flags) = a
            .strip_prefix('-')
            .filter(|f| !f.starts_with('-') && !f.is_empty())
        {
            // A group of short options: `-i[SUFFIX]` takes the rest as a
            // suffix; `-e SCRIPT`/`-f FILE` take the rest or the next word.
            for (i, c) in flags.char_indices() {
                match c {
                    'i' => {
                        in_place = true;
                        break;
                    }
                    'e' | 'f' => {
                        script_given = true;
                        if flags.get(i + 1..).is_none_or(str::is_empty) {
                            it.next();
                        }
                        break;
                    }
                    _ => {}
                }
            }
        } else if !a.starts_with("--") {
            files.push(a);
        }
    }
    if !in_place {
        return;
    }
    let files = if script_given {
        files.as_slice()
    } else {
        files.get(1..).unwrap_or(&[])
    };
    for f in files {
        if let Some(path) = cx.path(f) {
            cx.out.push(Event::Edited(path, "sed -i".to_string()));
        }
    }
}

/// Build-time variables in a shell word: `$NAME` and `${NAME}` that `lookup`
/// knows are replaced; the rest is left for the shell (and a path containing
/// it is unknown). Linear in the text.
pub(crate) fn expand_lenient(s: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    if !s.contains('$') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end)
                    if inner[..end]
                        .chars()
                        .all(|c| c == '_' || c.is_ascii_alphanumeric()) =>
                {
                    (&inner[..end], end + 2)
                }
                _ => ("", 0),
            }
        } else {
            let len = after
                .find(|c: char| c != '_' && !c.is_ascii_alphanumeric())
                .unwrap_or(after.len());
            (&after[..len], len)
        };
        match (!name.is_empty()).then(|| lookup(name)).flatten() {
            Some(v) => {
                out.push_str(&v);
                rest = &after[consumed..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {

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
    fn yarnrc_moves_node_modules() {
        assert_eq!(
            yarnrc_modules_folder("# deps outside /app\n--modules-folder \"/node_modules\"\n"),
            Some("/node_modules".to_string())
        );
        assert_eq!(
            yarnrc_modules_folder("registry \"https://r.invalid\"\n"),
            None
        );
        let mut settings = Settings::from_context(&ContextFiles {
            yarnrc: Some("--modules-folder /node_modules\n".into()),
        });
        let events = analyse(
            "yarn install",
            Some("/app"),
            &BTreeMap::new(),
            &mut settings,
        );
        assert_eq!(
            events,
            vec![Event::Output("/node_modules".into(), "yarn install".into())]
        );
        let mut plain = Settings::default();
        let events = analyse("yarn install", Some("/app"), &BTreeMap::new(), &mut plain);
        assert_eq!(
            events,
            vec![Event::Output(
                "/app/node_modules".into(),
                "yarn install".into()
            )]
        );
    }
    use super::*;

    fn run(script: &str, env: &[(&str, &str)], settings: &mut Settings) -> Vec<String> {
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

    fn outs(script: &str) -> Vec<String> {
        run(script, &[], &mut Settings::default())
    }

    fn outs_env(script: &str, env: &[(&str, &str)]) -> Vec<String> {
        run(script, env, &mut Settings::default())
    }

    const NONE: Vec<String> = Vec::new();

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

    #[test]
    fn node_package_managers() {
        assert_eq!(
            outs("npm ci --prefix /srv/api"),
            vec!["/srv/api/node_modules"]
        );
        assert_eq!(
            outs("npm --prefix=web install"),
            vec!["/app/web/node_modules"]
        );
        assert_eq!(outs("npm ci --workspaces"), vec!["/app/node_modules"]);
        assert_eq!(outs("npm install --location=global x"), NONE);
        assert_eq!(
            outs("yarn --cwd client install"),
            vec!["/app/client/node_modules"]
        );
        assert_eq!(
            outs("yarn install --modules-folder /node_modules"),
            vec!["/node_modules"]
        );
        assert_eq!(
            outs("yarn --frozen-lockfile --modules-folder deps"),
            vec!["/app/deps"]
        );
        assert_eq!(outs("yarn global add serve"), NONE);
        assert_eq!(outs("pnpm --filter web install"), vec!["/app/node_modules"]);
        assert_eq!(
            outs("pnpm -r install --frozen-lockfile"),
            vec!["/app/node_modules"]
        );
        assert_eq!(
            outs("pnpm install -C packages/api"),
            vec!["/app/packages/api/node_modules"]
        );
        assert_eq!(outs("pnpm add -g turbo"), NONE);
        assert_eq!(
            outs("pnpm --filter=api --prod deploy /prod/api"),
            vec!["/prod/api"]
        );
        assert_eq!(outs("pnpm fetch --prod"), NONE);
        assert_eq!(
            outs("bun install --frozen-lockfile"),
            vec!["/app/node_modules"]
        );
        assert_eq!(outs("bun install --global x"), NONE);
        assert_eq!(
            outs("bun build --compile ./src/index.ts --outfile server"),
            vec!["/app/server"]
        );
        assert_eq!(outs("bun build ./src/index.ts"), NONE);
        let r = analyse(
            "npm --prefix frontend run build",
            Some("/app"),
            &BTreeMap::new(),
            &mut Settings::default(),
        );
        assert_eq!(
            r,
            vec![Event::UnknownBuild(
                "/app/frontend".into(),
                "npm --prefix frontend".into()
            )]
        );
    }

    #[test]
    fn pip_and_virtualenvs() {
        assert_eq!(outs("pip install -t /deps flask"), vec!["/deps"]);
        assert_eq!(outs("pip install -tlib flask"), vec!["/app/lib"]);
        assert_eq!(
            outs("pip3 install --prefix=/install -r r.txt"),
            vec!["/install"]
        );
        assert_eq!(
            outs("python -m pip install --target deps ."),
            vec!["/app/deps"]
        );
        assert_eq!(
            outs("python3.12 -m pip install --prefix /install x"),
            vec!["/install"]
        );
        assert_eq!(outs("pip install --user -r requirements.txt"), NONE);
        assert_eq!(outs("pip install -r requirements.txt"), NONE);
        assert_eq!(
            outs_env("pip install x", &[("PIP_TARGET", "/deps")]),
            vec!["/deps"]
        );
        assert_eq!(
            outs("pip wheel --wheel-dir /wheels -r r.txt"),
            vec!["/wheels"]
        );
        assert_eq!(
            outs("python3 -m venv --copies /opt/venv"),
            vec!["/opt/venv"]
        );
        assert_eq!(outs("virtualenv -p python3 env"), vec!["/app/env"]);
        assert_eq!(outs("python -m pip --version"), NONE);
    }

    #[test]
    fn uv() {
        assert_eq!(outs("uv sync --frozen --no-dev"), vec!["/app/.venv"]);
        assert_eq!(
            outs_env("uv sync --locked", &[("UV_PROJECT_ENVIRONMENT", "/venv")]),
            vec!["/venv"]
        );
        assert_eq!(
            outs_env("uv sync", &[("UV_PROJECT_ENVIRONMENT", "env")]),
            vec!["/app/env"]
        );
        assert_eq!(
            outs("UV_PROJECT_ENVIRONMENT=/usr/local uv sync"),
            vec!["/usr/local"]
        );
        assert_eq!(outs("uv sync --directory api"), vec!["/app/api/.venv"]);
        assert_eq!(outs("uv venv"), vec!["/app/.venv"]);
        assert_eq!(outs("uv venv /opt/venv --python 3.12"), vec!["/opt/venv"]);
        assert_eq!(
            outs("uv pip install --target /deps -r requirements.txt"),
            vec!["/deps"]
        );
        assert_eq!(outs("uv pip install --system -r requirements.txt"), NONE);
        assert_eq!(outs("uv tool install ruff"), NONE);
    }

    #[test]
    fn poetry_and_pipenv() {
        assert_eq!(outs("poetry install --no-root"), NONE);
        assert_eq!(
            outs_env(
                "poetry install",
                &[("POETRY_VIRTUALENVS_IN_PROJECT", "true")]
            ),
            vec!["/app/.venv"]
        );
        assert_eq!(
            outs("POETRY_VIRTUALENVS_IN_PROJECT=1 poetry install --only main"),
            vec!["/app/.venv"]
        );
        assert_eq!(
            outs_env(
                "poetry install",
                &[
                    ("POETRY_VIRTUALENVS_IN_PROJECT", "true"),
                    ("POETRY_VIRTUALENVS_CREATE", "false")
                ]
            ),
            NONE
        );
        let mut s = Settings::default();
        assert_eq!(
            run("poetry config virtualenvs.in-project true", &[], &mut s),
            NONE
        );
        assert_eq!(run("poetry install", &[], &mut s), vec!["/app/.venv"]);
        // The environment overrides the configuration.
        assert_eq!(
            run(
                "poetry install",
                &[("POETRY_VIRTUALENVS_IN_PROJECT", "false")],
                &mut s
            ),
            NONE
        );
        let mut s = Settings::default();
        run("poetry config virtualenvs.create false", &[], &mut s);
        assert_eq!(run("poetry install", &[], &mut s), NONE);
        assert_eq!(
            outs_env(
                "pipenv install --deploy",
                &[("PIPENV_VENV_IN_PROJECT", "1")]
            ),
            vec!["/app/.venv"]
        );
        assert_eq!(outs("pipenv install --deploy"), NONE);
        assert_eq!(
            outs_env(
                "pipenv install --system --deploy",
                &[("PIPENV_VENV_IN_PROJECT", "1")]
            ),
            NONE
        );
    }

    #[test]
    fn bundler() {
        let gem_home = [("GEM_HOME", "/usr/local/bundle")];
        assert_eq!(
            outs_env("bundle install", &gem_home),
            vec!["/usr/local/bundle"]
        );
        assert_eq!(outs("bundle install"), NONE);
        assert_eq!(
            outs_env("bundle install --path vendor/gems", &gem_home),
            vec!["/app/vendor/gems"]
        );
        assert_eq!(
            outs_env("bundle install --deployment", &gem_home),
            vec!["/app/vendor/bundle"]
        );
        assert_eq!(
            outs_env(
                "bundle install -j4",
                &[("BUNDLE_PATH", "/gems"), gem_home[0]]
            ),
            vec!["/gems"]
        );
        assert_eq!(
            outs_env(
                "bundle config set --local path vendor/bundle && bundle install",
                &gem_home
            ),
            vec!["/app/vendor/bundle"]
        );
        let mut s = Settings::default();
        run("bundle config path .gems", &gem_home, &mut s);
        assert_eq!(run("bundle install", &gem_home, &mut s), vec!["/app/.gems"]);
        let mut s = Settings::default();
        run("bundle config set deployment 'true'", &gem_home, &mut s);
        assert_eq!(
            run("bundle install --jobs 4", &gem_home, &mut s),
            vec!["/app/vendor/bundle"]
        );
        // Global configuration gives way to the environment.
        let mut s = Settings::default();
        run("bundle config set --global path /g", &[], &mut s);
        assert_eq!(
            run("bundle install", &[("BUNDLE_PATH", "/e")], &mut s),
            vec!["/e"]
        );
        assert_eq!(run("bundle install", &[], &mut s), vec!["/g"]);
    }

    #[test]
    fn composer() {
        assert_eq!(outs("composer install --no-dev -o"), vec!["/app/vendor"]);
        assert_eq!(
            outs_env("composer install", &[("COMPOSER_VENDOR_DIR", "/deps")]),
            vec!["/deps"]
        );
        assert_eq!(outs("composer install -d api"), vec!["/app/api/vendor"]);
        assert_eq!(
            outs("composer --working-dir=/srv/api install"),
            vec!["/srv/api/vendor"]
        );
        assert_eq!(outs("composer global require laravel/installer"), NONE);
        assert_eq!(
            outs("composer create-project laravel/laravel site"),
            vec!["/app/site"]
        );
    }

    #[test]
    fn go() {
        assert_eq!(
            outs("go build -o=bin/server ./cmd/server"),
            vec!["/app/bin/server"]
        );
        assert_eq!(
            outs("go build -ldflags '-s -w' ./cmd/api"),
            vec!["/app/api"]
        );
        assert_eq!(outs("go build main.go"), vec!["/app/main"]);
        assert_eq!(
            outs("GOOS=windows go build ./cmd/api"),
            vec!["/app/api.exe"]
        );
        assert_eq!(outs("go build -C src -o app ."), vec!["/app/src/app"]);
        assert_eq!(outs("go build ./..."), NONE);
        assert_eq!(outs("go build ./a ./b"), NONE);
        assert_eq!(outs("go build example.com/app/v2"), NONE);
        let r = analyse(
            "go build",
            Some("/src"),
            &BTreeMap::new(),
            &mut Settings::default(),
        );
        assert_eq!(
            r,
            vec![Event::UnknownBuild("/src".into(), "go build".into())]
        );
        assert_eq!(
            outs_env("go install ./cmd/tool", &[("GOPATH", "/go")]),
            vec!["/go/bin"]
        );
        assert_eq!(
            outs_env(
                "go install x@latest",
                &[("GOPATH", "/go"), ("GOBIN", "/usr/local/bin")]
            ),
            vec!["/usr/local/bin"]
        );
        assert_eq!(outs("go install x@latest"), NONE);
        assert_eq!(outs("go mod download"), NONE);
    }

    #[test]
    fn cargo() {
        assert_eq!(outs("cargo build --release --target-dir /t"), vec!["/t"]);
        assert_eq!(
            outs_env(
                "cargo build --release",
                &[("CARGO_TARGET_DIR", "/cache/target")]
            ),
            vec!["/cache/target"]
        );
        assert_eq!(
            outs("cargo build --manifest-path api/Cargo.toml"),
            vec!["/app/api/target"]
        );
        assert_eq!(outs("cargo +nightly build"), vec!["/app/target"]);
        assert_eq!(
            outs("cargo install --path . --root /usr/local"),
            vec!["/usr/local/bin"]
        );
        assert_eq!(
            outs_env(
                "cargo install --locked sqlx-cli",
                &[("CARGO_HOME", "/usr/local/cargo")]
            ),
            vec!["/usr/local/cargo/bin"]
        );
        assert_eq!(outs("cargo install --locked sqlx-cli"), NONE);
        assert_eq!(outs("cargo fetch"), NONE);
    }

    #[test]
    fn jvm_and_dotnet() {
        assert_eq!(
            outs("mvn -f backend/pom.xml -DskipTests package"),
            vec!["/app/backend/target"]
        );
        assert_eq!(
            outs("mvn -f backend clean install"),
            vec!["/app/backend/target"]
        );
        assert_eq!(outs("mvn dependency:go-offline"), NONE);
        assert_eq!(outs("./gradlew build -x test"), vec!["/app/build"]);
        assert_eq!(
            outs("gradle :api:bootJar --no-daemon"),
            vec!["/app/api/build"]
        );
        assert_eq!(outs("gradle -p server assemble"), vec!["/app/server/build"]);
        assert_eq!(outs("gradle dependencies"), NONE);
        assert_eq!(
            outs("dotnet publish -c Release -o /app/publish"),
            vec!["/app/publish"]
        );
        assert_eq!(outs("dotnet build --output out"), vec!["/app/out"]);
        assert_eq!(
            outs("dotnet publish src/Api/Api.csproj -c Release"),
            vec!["/app/src/Api/bin"]
        );
        assert_eq!(outs("dotnet restore"), NONE);
    }

    #[test]
    fn downloads() {
        assert_eq!(
            outs("curl -fsSLo /usr/local/bin/tool https://example.invalid/tool"),
            vec!["/usr/local/bin/tool"]
        );
        assert_eq!(outs("curl -fsSL https://example.invalid/x | sh"), NONE);
        assert_eq!(outs("curl -o - https://example.invalid/x"), NONE);
        assert_eq!(
            outs("wget -qO /tmp/x.tgz https://example.invalid/x"),
            vec!["/tmp/x.tgz"]
        );
        assert_eq!(
            outs("git clone --depth 1 https://example.invalid/org/theme.git"),
            vec!["/app/theme"]
        );
        assert_eq!(
            outs("git clone -b main https://example.invalid/x.git /opt/x"),
            vec!["/opt/x"]
        );
        assert_eq!(outs("git config --global x y"), NONE);
    }

    #[test]
    fn relocations() {
        let r = analyse(
            "mv dist /srv/www && mv a.txt b.txt c/ && cp -r build /out",
            Some("/app"),
            &BTreeMap::new(),
            &mut Settings::default(),
        );
        assert_eq!(
            r,
            vec![
                Event::Moved {
                    from: "/app/dist".into(),
                    to: "/srv/www".into(),
                    what: "mv dist /srv/www".into()
                },
                Event::Moved {
                    from: "/app/a.txt".into(),
                    to: "/app/c/a.txt".into(),
                    what: "mv a.txt b.txt".into()
                },
                Event::Moved {
                    from: "/app/b.txt".into(),
                    to: "/app/c/b.txt".into(),
                    what: "mv a.txt b.txt".into()
                },
                Event::Output("/out".into(), "cp -r build".into()),
            ]
        );
        let r = analyse(
            "mv x $OUT",
            Some("/app"),
            &BTreeMap::new(),
            &mut Settings::default(),
        );
        assert_eq!(r, vec![Event::Removed("/app/x".into())]);
    }

    fn edits(script: &str) -> Vec<(String, String)> {
        analyse(
            script,
            Some("/app"),
            &BTreeMap::new(),
            &mut Settings::default(),
        )
        .into_iter()
        .filter_map(|e| match e {
            Event::Edited(p, how) => Some((p, how)),
            _ => None,
        })
        .collect()
    }

    #[test]
    fn in_place_edits() {
        let e = |p: &str, how: &str| vec![(p.to_string(), how.to_string())];
        assert_eq!(
            edits("chmod +x entrypoint.sh"),
            e("/app/entrypoint.sh", "chmod +x")
        );
        assert_eq!(edits("chmod 755 /app/run"), e("/app/run", "chmod 755"));
        assert_eq!(
            edits("chmod u=rwx,go=rx bin/start"),
            e("/app/bin/start", "chmod u=rwx,go=rx")
        );
        assert_eq!(edits("chmod 644 config.yml"), vec![]);
        assert_eq!(edits("chmod -R 775 storage"), vec![]);
        assert_eq!(edits("chmod go-w secrets"), vec![]);
        assert_eq!(edits("chown -R app:app /app"), vec![]);
        assert_eq!(
            edits("sed -i 's/a/b/' conf/app.ini"),
            e("/app/conf/app.ini", "sed -i")
        );
        assert_eq!(
            edits("sed -i.bak -e 's/a/b/' -e 's/c/d/' x.conf"),
            e("/app/x.conf", "sed -i")
        );
        assert_eq!(edits("sed -Ei 's/a/b/' x.conf"), e("/app/x.conf", "sed -i"));
        assert_eq!(edits("sed 's/a/b/' x.conf > y.conf"), vec![]);
        assert_eq!(edits("sed -n '1p' x.conf"), vec![]);
        assert_eq!(
            edits("dos2unix docker/start.sh"),
            e("/app/docker/start.sh", "dos2unix")
        );
    }

    #[test]
    fn modes() {
        assert!(grants_execute("+x"));
        assert!(grants_execute("a+rx"));
        assert!(grants_execute("0755"));
        assert!(grants_execute("4755"));
        assert!(grants_execute("701"));
        assert!(!grants_execute("644"));
        assert!(!grants_execute("0600"));
        assert!(!grants_execute("-x"));
        assert!(!grants_execute("o-rwx"));
    }

    #[test]
    fn lenient_expansion() {
        let vars = |n: &str| (n == "A").then(|| "/srv".to_string());
        assert_eq!(
            expand_lenient("$A/x ${A}/y $B ${B} $", vars),
            "/srv/x /srv/y $B ${B} $"
        );
    }
}
