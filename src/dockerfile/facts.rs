//! Image facts: what the deployed stage of a Dockerfile puts where, and what
//! the container starts. Facts are gathered stage by stage (a `FROM <stage>`
//! inherits everything its parent stage established) and read at the end.
//! The chain starts from what the external base image leaves (its `WORKDIR`,
//! `USER`, `ENTRYPOINT`, `CMD` and `ENV`), when berth's table of base images
//! knows it.
//!
//! Unknown stays unknown: a path that depends on a working directory berth
//! does not know, or on a variable it cannot resolve, is never recorded.

use std::collections::BTreeMap;

use super::base_images::{self, BaseImage};
use super::model::{Dockerfile, Instruction};
use super::run;
use crate::paths::{is_within_posix, join_posix, normalize_posix};
use crate::source::Span;

/// A path the image fills with build output, and the instruction that does it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub path: String,
    /// The instruction in short (`COPY --from=builder`, `RUN npm ci`).
    pub how: String,
    pub span: Span,
}

/// A plain `COPY`/`ADD` from the build context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextCopy {
    /// The source, relative to the context and normalised (`.` is the whole context: empty).
    pub src: String,
    /// Where it lands in the image.
    pub path: String,
    pub how: String,
    pub span: Span,
}

/// An image's `CMD` or `ENTRYPOINT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartCommand {
    pub argv: Vec<String>,
    pub shell: bool,
    /// The `CMD`/`ENTRYPOINT` line, or the `FROM` line when inherited.
    pub span: Span,
    /// Inherited from the base image (berth's table), not written in the Dockerfile.
    pub inherited: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ImageFacts {
    /// The final `WORKDIR`: the base image's (from berth's table) and the
    /// Dockerfile's. `None` when it is not known: an unknown base image and
    /// no absolute `WORKDIR`, or a `WORKDIR` with an unresolved variable.
    pub workdir: Option<String>,
    pub filled: Vec<Filled>,
    /// Directories where a build step with outputs berth cannot name ran.
    pub unknown_builds: Vec<Filled>,
    /// Where plain `COPY`/`ADD` put files from the build context (the source tree).
    pub context_copies: Vec<ContextCopy>,
    /// Paths the image provides although berth cannot name what is there:
    /// destinations a `COPY` may have filled with a directory's contents or
    /// with a source it cannot resolve, and the executables the base image
    /// starts.
    pub provided: Vec<String>,
    pub entrypoint: Option<StartCommand>,
    pub cmd: Option<StartCommand>,
    /// The last `USER` of the deployed stage (inherited through `FROM <stage>`),
    /// or the base image's user (at the `FROM` line).
    pub user: Option<(String, Span)>,
    /// The last `HEALTHCHECK`: `true` when it is `HEALTHCHECK NONE`.
    pub healthcheck: Option<(bool, Span)>,
    /// The external image the deployed stage starts from (after `FROM <stage>` links).
    pub base: Option<String>,
    /// `CMD` was set in the stage being read (an `ENTRYPOINT` keeps it then).
    cmd_set_here: bool,
}

/// Why the deployed stage could not be determined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactsError {
    NoStage,
    TargetNotFound(String),
}

/// Facts of the stage that is deployed: `target`, or the last stage.
pub fn image_facts(
    df: &Dockerfile,
    target: Option<&str>,
    build_args: &[(String, Option<String>)],
) -> Result<ImageFacts, FactsError> {
    image_facts_in(df, target, build_args, &run::ContextFiles::default())
}

/// [`image_facts`] with the tool configuration files of the build context
/// (`.yarnrc`), which move where the tools put their output.
pub fn image_facts_in(
    df: &Dockerfile,
    target: Option<&str>,
    build_args: &[(String, Option<String>)],
    context: &run::ContextFiles,
) -> Result<ImageFacts, FactsError> {
    let index = match target {
        Some(t) => {
            let t = t.to_ascii_lowercase();
            df.stages
                .iter()
                .position(|s| s.name.as_deref() == Some(t.as_str()))
                .ok_or(FactsError::TargetNotFound(t))?
        }
        None => df.stages.len().checked_sub(1).ok_or(FactsError::NoStage)?,
    };
    let args: BTreeMap<&str, &str> = build_args
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.as_deref()?)))
        .collect();
    let mut globals: BTreeMap<String, String> = BTreeMap::new();
    for (name, default) in &df.global_args {
        let value = match args.get(name.as_str()) {
            Some(v) => Some(v.to_string()),
            None => default.as_deref().and_then(|d| word(d, &globals, false)),
        };
        match value {
            Some(v) => globals.insert(name.clone(), v),
            None => globals.remove(name),
        };
    }
    // The deployed stage and the stages it starts from (`FROM <stage>`), oldest
    // first: only they contribute facts. One state is carried forward along the
    // chain, so the work is linear in the Dockerfile's length.
    let mut chain = vec![index];
    let mut current = index;
    while let Some(parent) = parent_stage(df, current, &globals) {
        if chain.contains(&parent) {
            break;
        }
        chain.push(parent);
        current = parent;
    }
    chain.reverse();
    let mut facts = ImageFacts::default();
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    if let Some(first) = chain.first().and_then(|i| df.stages.get(*i)) {
        let base = word(&first.base, &globals, true)
            .unwrap_or_else(|| run::expand_lenient(&first.base, |name| globals.get(name).cloned()));
        if let Some(defaults) = base_images::lookup(&base) {
            inherit(&mut facts, &mut vars, defaults, first.span);
        }
        facts.base = Some(base);
    }
    let mut settings = run::Settings::from_context(context);
    for i in chain {
        let Some(stage) = df.stages.get(i) else {
            continue;
        };
        // A CMD inherited from the parent stage is dropped by a later ENTRYPOINT.
        facts.cmd_set_here = false;
        for inst in &stage.instructions {
            apply(inst, &mut facts, &mut vars, &mut settings, &globals, &args);
        }
    }
    Ok(facts)
}

/// Start from what the base image leaves; `from` is the `FROM` line.
fn inherit(
    facts: &mut ImageFacts,
    vars: &mut BTreeMap<String, String>,
    base: &BaseImage,
    from: Span,
) {
    facts.workdir = Some(normalize_posix(&base.workdir));
    facts.user = base.user.clone().map(|u| (u, from));
    let start = |argv: &Option<Vec<String>>| {
        argv.clone().map(|argv| StartCommand {
            argv,
            shell: false,
            span: from,
            inherited: true,
        })
    };
    facts.entrypoint = start(&base.entrypoint);
    facts.cmd = start(&base.cmd);
    // The programs the base image starts are the base image's own files.
    for cmd in facts.entrypoint.iter().chain(facts.cmd.iter()) {
        if let Some(exe) = cmd.argv.first()
            && exe.starts_with('/')
        {
            facts.provided.push(normalize_posix(exe));
        }
    }
    for (k, v) in &base.env {
        vars.insert(k.clone(), v.clone());
    }
}

/// The earlier stage a stage starts from, if its `FROM` names one.
fn parent_stage(
    df: &Dockerfile,
    index: usize,
    globals: &BTreeMap<String, String>,
) -> Option<usize> {
    let stage = df.stages.get(index)?;
    let base = word(&stage.base, globals, true)?.to_ascii_lowercase();
    df.stages
        .iter()
        .take(index)
        .position(|s| s.name.as_deref() == Some(base.as_str()))
}

/// How deeply `${A:-${B:-...}}` may nest.
const MAX_NESTING: usize = 8;

/// A Dockerfile word as the builder reads it: quotes removed (when `quotes`),
/// `$VAR`, `${VAR}`, `${VAR:-word}` and `${VAR:+word}` expanded. `None` when
/// it depends on a variable berth does not know, or keeps a `$` it cannot
/// expand: such a path is unknown.
pub(crate) fn word(s: &str, vars: &BTreeMap<String, String>, quotes: bool) -> Option<String> {
    word_at(s, vars, quotes, 0)
}

fn word_at(s: &str, vars: &BTreeMap<String, String>, quotes: bool, depth: usize) -> Option<String> {
    if depth > MAX_NESTING {
        return None;
    }
    if !s.contains(['$', '\'', '"', '\\']) {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if quotes => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            }
            '"' if quotes => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.peek() {
                            // An escaped `$` is a literal dollar: not a path berth reads.
                            Some('$') => return None,
                            Some(&n) if matches!(n, '"' | '\\' | '`') => {
                                out.push(n);
                                chars.next();
                            }
                            _ => out.push('\\'),
                        },
                        '$' => out.push_str(&variable(&mut chars, vars, depth)?),
                        c => out.push(c),
                    }
                }
            }
            '\\' if quotes => match chars.next() {
                Some('$') => return None,
                Some(n) => out.push(n),
                None => {}
            },
            '$' => out.push_str(&variable(&mut chars, vars, depth)?),
            c => out.push(c),
        }
    }
    Some(out)
}

/// The value of the variable reference after a `$`.
fn variable(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    vars: &BTreeMap<String, String>,
    depth: usize,
) -> Option<String> {
    let is_name = |c: char| c == '_' || c.is_ascii_alphanumeric();
    match chars.peek().copied() {
        Some('{') => {
            chars.next();
            let mut body = String::new();
            let mut open = 0usize;
            loop {
                match chars.next()? {
                    '{' => {
                        open += 1;
                        body.push('{');
                    }
                    '}' if open == 0 => break,
                    '}' => {
                        open -= 1;
                        body.push('}');
                    }
                    c => body.push(c),
                }
            }
            let name_len = body.find(|c: char| !is_name(c)).unwrap_or(body.len());
            let (name, op) = body.split_at(name_len);
            if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            // Not set, as far as berth knows: it may be set where berth cannot see.
            let value = vars.get(name)?;
            if op.is_empty() {
                Some(value.clone())
            } else if let Some(default) = op.strip_prefix(":-") {
                if value.is_empty() {
                    word_at(default, vars, false, depth + 1)
                } else {
                    Some(value.clone())
                }
            } else if let Some(alternative) = op.strip_prefix(":+") {
                if value.is_empty() {
                    Some(String::new())
                } else {
                    word_at(alternative, vars, false, depth + 1)
                }
            } else {
                None
            }
        }
        Some(c) if c == '_' || c.is_ascii_alphabetic() => {
            let mut name = String::new();
            while let Some(&c) = chars.peek() {
                if !is_name(c) {
                    break;
                }
                name.push(c);
                chars.next();
            }
            vars.get(&name).cloned()
        }
        _ => None,
    }
}

/// Where a `COPY` of a directory with one of these names usually comes from:
/// its contents land in the destination itself.
const DIRECTORY_NAMES: &[&str] = &[
    "standalone",
    "publish",
    "dist",
    "build",
    "out",
    "output",
    ".output",
    "public",
    "static",
    "node_modules",
    "vendor",
    ".venv",
    "venv",
    "site-packages",
];

fn has_extension(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && !ext.is_empty())
}

fn apply(
    inst: &Instruction,
    facts: &mut ImageFacts,
    vars: &mut BTreeMap<String, String>,
    settings: &mut run::Settings,
    globals: &BTreeMap<String, String>,
    args: &BTreeMap<&str, &str>,
) {
    match inst {
        Instruction::Arg { name, default } => {
            let value = match (args.get(name.as_str()), default) {
                (Some(v), _) => Some(Some(v.to_string())),
                (None, Some(d)) => Some(word(d, vars, false)),
                (None, None) => globals.get(name).map(|v| Some(v.clone())),
            };
            match value {
                Some(Some(v)) => {
                    vars.insert(name.clone(), v);
                }
                Some(None) => {
                    vars.remove(name);
                }
                None => {}
            }
        }
        Instruction::Env { pairs } => {
            // Every value is expanded with the variables before the instruction.
            let values: Vec<Option<String>> =
                pairs.iter().map(|(_, v)| word(v, vars, false)).collect();
            for ((k, _), v) in pairs.iter().zip(values) {
                match v {
                    Some(v) => vars.insert(k.clone(), v),
                    None => vars.remove(k),
                };
            }
        }
        Instruction::Workdir { path } => {
            facts.workdir = match word(path, vars, true) {
                Some(p) => run::resolve(facts.workdir.as_deref(), &p),
                None => None,
            };
        }
        Instruction::Copy {
            add,
            from,
            sources,
            dest,
            span,
        } => {
            let keyword = if *add { "ADD" } else { "COPY" };
            let Some(dest_raw) = word(dest, vars, true) else {
                return;
            };
            let Some(dest_path) = run::resolve(facts.workdir.as_deref(), &dest_raw) else {
                return;
            };
            let into_dir = dest_raw.ends_with('/')
                || matches!(dest_raw.as_str(), "." | "./")
                || sources.len() > 1;
            let fill = |facts: &mut ImageFacts, path: String, how: String| {
                facts.filled.push(Filled {
                    path,
                    how,
                    span: *span,
                });
            };
            for src in sources {
                if src.starts_with("<<") {
                    fill(facts, dest_path.clone(), format!("{keyword} {src}"));
                    continue;
                }
                let Some(src) = word(src, vars, true) else {
                    // Something lands at (or in) the destination; berth cannot say what.
                    match from {
                        Some(f) if !into_dir => {
                            fill(facts, dest_path.clone(), format!("COPY --from={f}"));
                        }
                        _ => facts.provided.push(dest_path.clone()),
                    }
                    continue;
                };
                let remote = *add && is_url(&src);
                let name = src.trim_end_matches('/').rsplit('/').next().unwrap_or("");
                let named = into_dir
                    && !src.ends_with('/')
                    && !matches!(name, "" | "." | "..")
                    && !name.contains(['*', '?', '['])
                    && !remote;
                let path = if named {
                    join_posix(&dest_path, name)
                } else {
                    dest_path.clone()
                };
                match (from, remote) {
                    (Some(f), _) => {
                        let how = format!("COPY --from={f}");
                        if named && DIRECTORY_NAMES.contains(&name) {
                            // `COPY --from=build /app/publish .`: the contents of
                            // the directory fill the destination.
                            fill(facts, dest_path.clone(), how);
                        } else {
                            // A file, or a directory whose contents land in
                            // the destination: it provides the destination
                            // either way.
                            if named && !has_extension(name) {
                                facts.provided.push(dest_path.clone());
                            }
                            fill(facts, path, how);
                        }
                    }
                    (None, true) => fill(facts, path, format!("ADD {src}")),
                    (None, false) => {
                        // Copying the context again brings the host's files
                        // back over an earlier in-place edit of them
                        // (`sed -i`, `chmod +x`, then `COPY . .`).
                        facts
                            .filled
                            .retain(|f| !(is_edit(&f.how) && is_within_posix(&f.path, &path)));
                        facts.context_copies.push(ContextCopy {
                            src: normalize_posix(&src).trim_start_matches('/').to_string(),
                            path,
                            how: format!("{keyword} {src}"),
                            span: *span,
                        });
                    }
                }
            }
        }
        Instruction::Run { script, span } => {
            for event in run::analyse(script, facts.workdir.as_deref(), vars, settings) {
                let filled = |path: String, what: &str| Filled {
                    path,
                    how: format!("RUN {what}"),
                    span: *span,
                };
                match event {
                    run::Event::Output(path, what) => facts.filled.push(filled(path, &what)),
                    run::Event::UnknownBuild(path, what) => {
                        facts.unknown_builds.push(filled(path, &what));
                    }
                    run::Event::Removed(path) => {
                        // `rm -rf dir/*` empties the directory.
                        let gone = path.strip_suffix("/*").unwrap_or(&path);
                        facts.filled.retain(|f| !is_within_posix(&f.path, gone));
                    }
                    run::Event::Moved { from, to, what } => {
                        facts.filled.retain(|f| !is_within_posix(&f.path, &from));
                        facts.filled.push(filled(to, &what));
                    }
                    run::Event::Edited(path, what) => {
                        // A copied file changed in place is build output (the
                        // host's copy lacks the change); other files are the
                        // base image's own, and output already is output.
                        let output = facts.filled.iter().any(|f| is_within_posix(&path, &f.path));
                        let copied = facts
                            .context_copies
                            .iter()
                            .any(|c| is_within_posix(&path, &c.path));
                        if copied && !output {
                            facts.filled.push(filled(path, &what));
                        }
                    }
                }
            }
        }
        Instruction::User { user, span } => {
            let name = word(user, vars, true).unwrap_or_else(|| user.clone());
            facts.user = Some((name, *span));
        }
        Instruction::Healthcheck { none, span } => {
            facts.healthcheck = Some((*none, *span));
        }
        Instruction::Start {
            entrypoint,
            argv,
            shell,
            span,
        } => {
            let cmd = StartCommand {
                argv: argv
                    .iter()
                    .map(|a| run::expand_lenient(a, |name| vars.get(name).cloned()))
                    .collect(),
                shell: *shell,
                span: *span,
                inherited: false,
            };
            if *entrypoint {
                facts.entrypoint = Some(cmd);
                if !facts.cmd_set_here {
                    facts.cmd = None;
                }
            } else {
                facts.cmd = Some(cmd);
                facts.cmd_set_here = true;
            }
        }
    }
}

fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://") || l.starts_with("git@")
}

/// A path the container's start command needs, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartPath {
    pub path: String,
    /// The `CMD`/`ENTRYPOINT` line, or the compose `command:`/`entrypoint:` value.
    pub span: Span,
    /// The command as the user wrote it, for messages.
    pub written: String,
}

/// Paths the start command needs: the executable when it is given as a path,
/// and the script or archive an interpreter is asked to run. Relative paths are
/// resolved against `workdir`; when it is not known, they are left out.
pub fn start_paths(
    argv: &[String],
    shell: bool,
    workdir: Option<&str>,
    span: Span,
) -> Vec<StartPath> {
    // Each simple command the container runs: every command of a shell script
    // (`./migrate && ./server`), or the exec-form argv.
    let commands: Vec<Vec<String>> = if shell {
        script_commands(argv.first().map_or("", String::as_str))
    } else {
        match argv {
            [sh, flag, script, ..]
                if matches!(base(sh), "sh" | "bash" | "ash" | "dash" | "zsh")
                    && flag.starts_with('-')
                    && flag.contains('c') =>
            {
                script_commands(script)
            }
            _ => vec![skip_init(argv)],
        }
    };
    let written = if shell {
        argv.first().cloned().unwrap_or_default()
    } else {
        argv.join(" ")
    };
    let mut out: Vec<StartPath> = Vec::new();
    for words in commands {
        let Some(exe) = words.first() else {
            continue;
        };
        let mut push = |p: &str| {
            let Some(path) = run::resolve(workdir, p) else {
                return;
            };
            if !out.iter().any(|o| o.path == path) {
                out.push(StartPath {
                    path,
                    span,
                    written: written.clone(),
                });
            }
        };
        if exe.contains('/') && !exe.contains('$') {
            push(exe);
        }
        let args = words.get(1..).unwrap_or(&[]);
        let script = match base(exe) {
            "node" | "python" | "python3" | "ruby" | "php" | "perl" | "bun" | "deno" => args
                .iter()
                .find(|a| !a.starts_with('-') && *a != "run" && looks_like_file(a)),
            "java" => args
                .iter()
                .position(|a| a == "-jar")
                .and_then(|i| args.get(i + 1)),
            "dotnet" => args.iter().find(|a| a.ends_with(".dll")),
            _ => None,
        };
        if let Some(s) = script
            && !s.contains('$')
        {
            push(s);
        }
    }
    out
}

/// Look through init wrappers: `tini -- app`, `dumb-init app`, `gosu user app`.
fn skip_init(argv: &[String]) -> Vec<String> {
    match argv.first().map(|a| base(a)) {
        Some("tini" | "dumb-init" | "catatonit") => {
            let rest = argv.get(1..).unwrap_or(&[]);
            let at = rest.iter().position(|a| a == "--").map_or(0, |i| i + 1);
            let rest = rest.get(at..).unwrap_or(&[]);
            let skip = rest.iter().take_while(|a| a.starts_with('-')).count();
            rest.get(skip..).unwrap_or(&[]).to_vec()
        }
        Some("gosu" | "su-exec") => argv.get(2..).unwrap_or(&[]).to_vec(),
        _ => argv.to_vec(),
    }
}

fn base(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn looks_like_file(a: &str) -> bool {
    a.contains('/') || a.rsplit_once('.').is_some_and(|(_, ext)| !ext.is_empty())
}

/// The commands of a shell script, each without a leading `exec` and assignments.
fn script_commands(script: &str) -> Vec<Vec<String>> {
    crate::shell::split_commands(script)
        .into_iter()
        .map(|words| {
            words
                .into_iter()
                .skip_while(|w| w == "exec" || (w.contains('=') && !w.starts_with('-')))
                .collect()
        })
        .collect()
}

/// An in-place edit of a copied file, as recorded in `Filled::how`.
fn is_edit(how: &str) -> bool {
    ["RUN sed", "RUN chmod", "RUN dos2unix"]
        .iter()
        .any(|p| how.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;
    use crate::source::FileId;

    fn facts(text: &str, target: Option<&str>, args: &[(&str, &str)]) -> ImageFacts {
        let df = parse(FileId(0), text).unwrap();
        let args: Vec<(String, Option<String>)> = args
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect();
        image_facts(&df, target, &args).unwrap()
    }

    fn paths(f: &ImageFacts) -> Vec<&str> {
        f.filled.iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn seed_runtime_stage() {
        let f = facts(
            "FROM rust AS builder\nWORKDIR /app\nRUN cargo build --release\nFROM debian\nWORKDIR /app\nCOPY --from=builder /app/target/release/backend /app/backend\nCMD [\"/app/backend\"]\n",
            None,
            &[],
        );
        assert_eq!(f.workdir.as_deref(), Some("/app"));
        assert_eq!(paths(&f), vec!["/app/backend"]);
        assert_eq!(f.filled[0].how, "COPY --from=builder");
        assert_eq!(f.cmd.as_ref().unwrap().argv, vec!["/app/backend"]);
    }

    #[test]
    fn target_args_workdir_chains_and_inheritance() {
        let text = "ARG APP=/srv\nFROM node:20 AS deps\nARG APP\nWORKDIR $APP\nWORKDIR web\nRUN npm ci\nFROM deps AS build\nRUN npm run build\nFROM nginx AS final\nCOPY --from=build /srv/web/dist/ /usr/share/nginx/html/\n";
        let deps = facts(text, Some("deps"), &[]);
        assert_eq!(deps.workdir.as_deref(), Some("/srv/web"));
        assert_eq!(paths(&deps), vec!["/srv/web/node_modules"]);
        let build = facts(text, Some("BUILD"), &[("APP", "/opt")]);
        assert_eq!(build.workdir.as_deref(), Some("/opt/web"));
        assert_eq!(paths(&build), vec!["/opt/web/node_modules"]);
        assert_eq!(build.unknown_builds[0].path, "/opt/web");
        let last = facts(text, None, &[]);
        assert_eq!(last.workdir.as_deref(), Some("/"));
        assert_eq!(paths(&last), vec!["/usr/share/nginx/html"]);
    }

    #[test]
    fn copy_destinations() {
        let f = facts(
            "FROM a AS b\nFROM x\nWORKDIR /app\nCOPY --from=b /out/app ./\nCOPY --from=b /out/x /out/y lib/\nCOPY --from=b /out/bin /usr/local/bin/tool\nCOPY . .\nADD https://example.invalid/t.tgz /opt/t.tgz\n",
            None,
            &[],
        );
        assert_eq!(f.context_copies.len(), 1);
        assert_eq!(f.context_copies[0].path, "/app");
        assert_eq!(f.context_copies[0].how, "COPY .");
        assert_eq!(f.context_copies[0].src, "");
        assert_eq!(
            paths(&f),
            vec![
                "/app/app",
                "/app/lib/x",
                "/app/lib/y",
                "/usr/local/bin/tool",
                "/opt/t.tgz"
            ]
        );
    }

    #[test]
    fn entrypoint_resets_only_an_inherited_cmd() {
        // CMD set in the same stage survives a later ENTRYPOINT (as BuildKit does).
        let f = facts(
            "FROM x\nCMD [\"dist/server.js\"]\nENTRYPOINT [\"node\"]\n",
            None,
            &[],
        );
        assert_eq!(f.cmd.unwrap().argv, vec!["dist/server.js"]);
        let f = facts(
            "FROM x AS base\nCMD [\"a\"]\nFROM base\nENTRYPOINT [\"/e\"]\n",
            None,
            &[],
        );
        assert!(f.cmd.is_none());
        assert_eq!(f.entrypoint.unwrap().argv, vec!["/e"]);
    }

    #[test]
    fn a_later_context_copy_undoes_an_in_place_edit() {
        // The edited entrypoint is copied again from the context: the host's
        // file is what the image holds, so it is not build output.
        let again = facts(
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY entrypoint.sh .\nRUN sed -i 's/\\r$//' /app/entrypoint.sh && chmod +x /app/entrypoint.sh\nCOPY . .\n",
            None,
            &[],
        );
        assert_eq!(paths(&again), Vec::<&str>::new());
        let kept = facts(
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN chmod +x /app/entrypoint.sh\n",
            None,
            &[],
        );
        assert_eq!(paths(&kept), vec!["/app/entrypoint.sh"]);
    }

    #[test]
    fn removed_output_is_forgotten_and_heredocs_are_filled() {
        let f = facts(
            "FROM rust\nWORKDIR /usr/src/app\nCOPY . .\nRUN cargo build --release && cp target/release/app /usr/local/bin/app && rm -rf target\nCOPY <<EOF /usr/src/app/start.sh\necho hi\nEOF\n",
            None,
            &[],
        );
        assert_eq!(
            paths(&f),
            vec!["/usr/local/bin/app", "/usr/src/app/start.sh"]
        );
    }

    #[test]
    fn run_variables_both_forms() {
        let f = facts(
            "FROM node\nENV APP=/srv/web\nWORKDIR /x\nRUN cd $APP && npm ci && cd ${APP}/sub && npm ci\n",
            None,
            &[],
        );
        assert_eq!(
            paths(&f),
            vec!["/srv/web/node_modules", "/srv/web/sub/node_modules"]
        );
    }

    #[test]
    fn long_stage_chains_are_linear() {
        let mut text = String::from("FROM scratch AS s0\n");
        for i in 1..5000 {
            text.push_str(&format!("FROM s{} AS s{i}\nRUN cp a /app/f{i}\n", i - 1));
        }
        let f = facts(&text, None, &[]);
        assert_eq!(f.filled.len(), 4999);
    }

    #[test]
    fn target_not_found() {
        let df = parse(FileId(0), "FROM x AS a\n").unwrap();
        assert_eq!(
            image_facts(&df, Some("b"), &[]).unwrap_err(),
            FactsError::TargetNotFound("b".into())
        );
    }

    #[test]
    fn start_paths_resolve() {
        let span = Span::new(FileId(0), 0, 0);
        let p = |argv: &[&str], shell: bool| -> Vec<String> {
            let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
            start_paths(&argv, shell, Some("/app"), span)
                .into_iter()
                .map(|s| s.path)
                .collect()
        };
        assert_eq!(p(&["./backend"], false), vec!["/app/backend"]);
        assert_eq!(
            p(&["node", "dist/server.js"], false),
            vec!["/app/dist/server.js"]
        );
        assert_eq!(p(&["exec ./run.sh --x"], true), vec!["/app/run.sh"]);
        assert_eq!(
            p(&["sh", "-c", "java -jar target/app.jar"], false),
            vec!["/app/target/app.jar"]
        );
        assert_eq!(
            p(&["nginx", "-g", "daemon off;"], false),
            Vec::<String>::new()
        );
        assert_eq!(p(&["python", "-m", "app"], false), Vec::<String>::new());
        assert_eq!(
            p(&["/sbin/tini", "--", "./server"], false),
            vec!["/app/server"]
        );
        assert_eq!(p(&["sh", "-ec", "exec ./run"], false), vec!["/app/run"]);
        assert_eq!(
            p(&["./migrate && exec ./server"], true),
            vec!["/app/migrate", "/app/server"]
        );
    }

    #[test]
    fn base_image_defaults_are_inherited() {
        // php:apache works in /var/www/html and sets PHP_INI_DIR.
        let f = facts(
            "FROM php:8.3-apache\nCOPY php.ini $PHP_INI_DIR/php.ini\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/composer\nRUN composer install --no-dev\n",
            None,
            &[],
        );
        assert_eq!(f.workdir.as_deref(), Some("/var/www/html"));
        assert_eq!(f.context_copies[0].path, "/usr/local/etc/php/php.ini");
        assert_eq!(paths(&f), vec!["/usr/bin/composer", "/var/www/html/vendor"]);
        let cmd = f.cmd.unwrap();
        assert_eq!(cmd.argv, vec!["apache2-foreground"]);
        assert!(cmd.inherited);
        assert!(f.entrypoint.unwrap().inherited);
        // The Dockerfile's own ENTRYPOINT drops the inherited CMD; its USER wins.
        let f = facts(
            "FROM gcr.io/distroless/nodejs22-debian12:nonroot\nUSER root\nENTRYPOINT [\"/nodejs/bin/node\", \"server.js\"]\n",
            None,
            &[],
        );
        assert_eq!(f.user.unwrap().0, "root");
        assert!(f.cmd.is_none());
        assert!(!f.entrypoint.unwrap().inherited);
        let f = facts(
            "FROM gcr.io/distroless/static-debian12:nonroot\n",
            None,
            &[],
        );
        assert_eq!(f.user.unwrap().0, "65532");
        assert_eq!(f.workdir.as_deref(), Some("/home/nonroot"));
        // A CMD written in the Dockerfile replaces the inherited one and keeps the ENTRYPOINT.
        let f = facts(
            "FROM node:20-alpine\nCMD [\"node\", \"server.js\"]\n",
            None,
            &[],
        );
        assert_eq!(f.entrypoint.unwrap().argv, vec!["docker-entrypoint.sh"]);
        assert_eq!(f.cmd.unwrap().argv, vec!["node", "server.js"]);
        // Base images the table knows, through a stage chain and a global ARG.
        let f = facts(
            "ARG V=3.3\nFROM ruby:${V}-slim AS base\nFROM base\nRUN bundle install\n",
            None,
            &[],
        );
        assert_eq!(f.base.as_deref(), Some("ruby:3.3-slim"));
        assert_eq!(paths(&f), vec!["/usr/local/bundle"]);
        let f = facts("FROM golang:1.23\nRUN go install ./cmd/tool\n", None, &[]);
        assert_eq!(f.workdir.as_deref(), Some("/go"));
        assert_eq!(paths(&f), vec!["/go/bin"]);
    }

    #[test]
    fn unknown_base_images_leave_the_workdir_unknown() {
        for base in ["mycorp/base:1", "${BASE}", "registry.example.com/node:20"] {
            let f = facts(
                &format!(
                    "FROM {base}\nWORKDIR app\nCOPY --from=b /out/x ./x\nRUN npm ci && cp x /usr/local/bin/x\nCOPY . .\nCMD [\"./server\"]\n"
                ),
                None,
                &[],
            );
            assert_eq!(f.workdir, None, "{base}");
            assert_eq!(paths(&f), vec!["/usr/local/bin/x"], "{base}");
            assert!(f.context_copies.is_empty(), "{base}");
            assert!(f.entrypoint.is_none() && f.user.is_none(), "{base}");
            let cmd = f.cmd.unwrap();
            assert!(start_paths(&cmd.argv, cmd.shell, f.workdir.as_deref(), cmd.span).is_empty());
        }
        // An absolute WORKDIR makes it known again.
        let f = facts(
            "FROM mycorp/base:1\nWORKDIR /srv\nWORKDIR app\nRUN npm ci\n",
            None,
            &[],
        );
        assert_eq!(f.workdir.as_deref(), Some("/srv/app"));
        assert_eq!(paths(&f), vec!["/srv/app/node_modules"]);
    }

    #[test]
    fn unresolved_variables_are_unknown() {
        let f = facts(
            "FROM debian\nWORKDIR /app\nCOPY --from=b /x /app/$PHP_INI_DIR/php.ini\nCOPY --from=b /y ${OUT}/\nRUN cp a $DEST/a\n",
            None,
            &[],
        );
        assert!(f.filled.is_empty(), "{:?}", f.filled);
        let f = facts("FROM debian\nWORKDIR $HOME/app\nRUN npm ci\n", None, &[]);
        assert_eq!(f.workdir, None);
        assert!(f.filled.is_empty());
        // Defaults and alternatives of known (or known-empty) variables expand.
        let f = facts(
            "FROM debian\nARG SUB=\nENV ROOT=/srv\nWORKDIR ${ROOT:-/x}/${SUB:-web}\nCOPY --from=b /o ${SUB:+never}/bin/o\n",
            None,
            &[],
        );
        assert_eq!(f.workdir.as_deref(), Some("/srv/web"));
        assert_eq!(paths(&f), vec!["/bin/o"]);
        // ENV values use the variables in effect before the instruction.
        let f = facts(
            "FROM debian\nENV A=/a\nENV A=/b B=$A\nWORKDIR $B\n",
            None,
            &[],
        );
        assert_eq!(f.workdir.as_deref(), Some("/a"));
    }

    #[test]
    fn quotes_as_docker_reads_them() {
        let f = facts(
            "FROM debian\nWORKDIR \"/app\"\nCOPY --from=b [\"/out/my app\", \"/srv/\"]\nCOPY --from=b \"/out/x\" '/opt/x'\nENV D \"/data dir\"\nCOPY --from=b /y \"$D/y\"\n",
            None,
            &[],
        );
        assert_eq!(f.workdir.as_deref(), Some("/app"));
        assert_eq!(paths(&f), vec!["/srv/my app", "/opt/x", "/data dir/y"]);
        // Single quotes keep a literal `$`: a path berth does not claim to know.
        let f = facts("FROM debian\nWORKDIR '/srv/$X'\nRUN npm ci\n", None, &[]);
        assert_eq!(f.workdir, None);
        assert!(f.filled.is_empty());
    }

    #[test]
    fn directories_copied_from_a_stage_fill_their_destination() {
        let f = facts(
            "FROM node:20-slim\nWORKDIR /app\nCOPY --from=builder /app/.next/standalone ./\nCOPY --from=builder /app/server.js /srv/\nCOPY --from=builder /app/bin/tool /opt/\n",
            None,
            &[],
        );
        assert_eq!(paths(&f), vec!["/app", "/srv/server.js", "/opt/tool"]);
        // `tool` may be a directory whose contents land in /opt.
        assert_eq!(f.provided, vec!["/opt"]);
    }

    #[test]
    fn run_settings_come_from_env_and_earlier_steps() {
        let f = facts(
            "FROM python:3.12-slim\nWORKDIR /app\nENV UV_PROJECT_ENVIRONMENT=/venv\nRUN uv sync --frozen\n",
            None,
            &[],
        );
        assert_eq!(paths(&f), vec!["/venv"]);
        let f = facts(
            "FROM python:3.12-slim\nWORKDIR /app\nRUN poetry config virtualenvs.in-project true\nCOPY . .\nRUN poetry install\n",
            None,
            &[],
        );
        assert_eq!(paths(&f), vec!["/app/.venv"]);
        let f = facts(
            "FROM rust:1.80 AS build\nWORKDIR /src\nRUN cargo install --path .\n",
            None,
            &[],
        );
        assert_eq!(paths(&f), vec!["/usr/local/cargo/bin"]);
    }

    #[test]
    fn moves_and_edits() {
        let f = facts(
            "FROM node:20\nWORKDIR /build\nRUN npm ci && mv node_modules /deps\nWORKDIR /app\nCOPY . .\nRUN chmod +x start.sh && sed -i 's/a/b/' /etc/app.conf && chmod +x /build/x\n",
            None,
            &[],
        );
        assert_eq!(paths(&f), vec!["/deps", "/app/start.sh"]);
        assert_eq!(f.filled[1].how, "RUN chmod +x");
    }
}
