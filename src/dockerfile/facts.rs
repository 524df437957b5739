//! Image facts: what the deployed stage of a Dockerfile puts where, and what
//! the container starts. Facts are gathered stage by stage (a `FROM <stage>`
//! inherits everything its parent stage established) and read at the end.

use std::collections::BTreeMap;

use super::model::{Dockerfile, Instruction};
use super::run;
use crate::compose::interpolate::interpolate;
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
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct ImageFacts {
    /// The final `WORKDIR` (`/` when none is set).
    pub workdir: String,
    pub filled: Vec<Filled>,
    /// Directories where a build step with outputs berth cannot name ran.
    pub unknown_builds: Vec<Filled>,
    /// Where plain `COPY`/`ADD` put files from the build context (the source tree).
    pub context_copies: Vec<ContextCopy>,
    pub entrypoint: Option<StartCommand>,
    pub cmd: Option<StartCommand>,
    /// The last `USER` of the deployed stage (inherited through `FROM <stage>`).
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
        let value = args
            .get(name.as_str())
            .map(|v| v.to_string())
            .or_else(|| default.clone());
        if let Some(v) = value {
            globals.insert(name.clone(), v);
        }
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
    let mut facts = ImageFacts {
        workdir: "/".into(),
        base: chain
            .first()
            .and_then(|i| df.stages.get(*i))
            .map(|s| expand(&s.base, &globals)),
        ..ImageFacts::default()
    };
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for i in chain {
        let Some(stage) = df.stages.get(i) else {
            continue;
        };
        // A CMD inherited from the parent stage is dropped by a later ENTRYPOINT.
        facts.cmd_set_here = false;
        for inst in &stage.instructions {
            apply(inst, &mut facts, &mut vars, &globals, &args);
        }
    }
    Ok(facts)
}

/// The earlier stage a stage starts from, if its `FROM` names one.
fn parent_stage(
    df: &Dockerfile,
    index: usize,
    globals: &BTreeMap<String, String>,
) -> Option<usize> {
    let stage = df.stages.get(index)?;
    let base = expand(&stage.base, globals).to_ascii_lowercase();
    df.stages
        .iter()
        .take(index)
        .position(|s| s.name.as_deref() == Some(base.as_str()))
}

fn expand(s: &str, vars: &BTreeMap<String, String>) -> String {
    if !s.contains('$') {
        return s.to_string();
    }
    interpolate(s, &|name| vars.get(name).cloned()).unwrap_or_else(|_| s.to_string())
}

fn apply(
    inst: &Instruction,
    facts: &mut ImageFacts,
    vars: &mut BTreeMap<String, String>,
    globals: &BTreeMap<String, String>,
    args: &BTreeMap<&str, &str>,
) {
    match inst {
        Instruction::Arg { name, default } => {
            let value = args
                .get(name.as_str())
                .map(|v| v.to_string())
                .or_else(|| default.as_ref().map(|d| expand(d, vars)))
                .or_else(|| globals.get(name).cloned());
            if let Some(v) = value {
                vars.insert(name.clone(), v);
            }
        }
        Instruction::Env { pairs } => {
            for (k, v) in pairs {
                let v = expand(v, vars);
                vars.insert(k.clone(), v);
            }
        }
        Instruction::Workdir { path } => {
            facts.workdir = join_posix(&facts.workdir, &expand(path, vars));
        }
        Instruction::Copy {
            add,
            from,
            sources,
            dest,
            span,
        } => {
            let dest_raw = expand(dest, vars);
            let dest_path = join_posix(&facts.workdir, &dest_raw);
            let into_dir = dest_raw.ends_with('/')
                || matches!(dest_raw.as_str(), "." | "./")
                || sources.len() > 1;
            for src in sources {
                let src = expand(src, vars);
                let remote = *add && is_url(&src);
                let name = src.trim_end_matches('/').rsplit('/').next().unwrap_or("");
                let exact = into_dir
                    && !src.ends_with('/')
                    && !matches!(name, "" | "." | "..")
                    && !name.contains(['*', '?', '['])
                    && !remote;
                let path = if exact {
                    join_posix(&dest_path, name)
                } else {
                    dest_path.clone()
                };
                let keyword = if *add { "ADD" } else { "COPY" };
                let heredoc = src.starts_with("<<");
                let path = if heredoc { dest_path.clone() } else { path };
                let how = match (from, remote, heredoc) {
                    (Some(f), _, _) => format!("COPY --from={f}"),
                    (None, true, _) => format!("ADD {src}"),
                    (None, false, true) => format!("{keyword} {src}"),
                    (None, false, false) => {
                        facts.context_copies.push(ContextCopy {
                            src: normalize_posix(&src).trim_start_matches('/').to_string(),
                            path,
                            how: format!("{keyword} {src}"),
                            span: *span,
                        });
                        continue;
                    }
                };
                facts.filled.push(Filled {
                    path,
                    how,
                    span: *span,
                });
            }
        }
        Instruction::Run { script, span } => {
            for event in run::analyse(&expand_lenient(script, vars), &facts.workdir) {
                match event {
                    run::Event::Output(path, what) => facts.filled.push(Filled {
                        path,
                        how: format!("RUN {what}"),
                        span: *span,
                    }),
                    run::Event::UnknownBuild(path, what) => facts.unknown_builds.push(Filled {
                        path,
                        how: format!("RUN {what}"),
                        span: *span,
                    }),
                    run::Event::Removed(path) => {
                        // `rm -rf dir/*` empties the directory.
                        let gone = path.strip_suffix("/*").unwrap_or(&path);
                        facts.filled.retain(|f| !is_within_posix(&f.path, gone));
                    }
                }
            }
        }
        Instruction::User { user, span } => {
            facts.user = Some((expand(user, vars), *span));
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
                argv: argv.iter().map(|a| expand_lenient(a, vars)).collect(),
                shell: *shell,
                span: *span,
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

/// Build-time variables in a shell script: `$NAME` and `${NAME}` that the build
/// knows are replaced; the rest is left for the shell. Linear in the script.
fn expand_lenient(s: &str, vars: &BTreeMap<String, String>) -> String {
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
        match vars.get(name) {
            Some(v) if !name.is_empty() => {
                out.push_str(v);
                rest = &after[consumed..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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
/// resolved against `workdir`.
pub fn start_paths(argv: &[String], shell: bool, workdir: &str, span: Span) -> Vec<StartPath> {
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
            let path = join_posix(workdir, p);
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
        assert_eq!(f.workdir, "/app");
        assert_eq!(paths(&f), vec!["/app/backend"]);
        assert_eq!(f.filled[0].how, "COPY --from=builder");
        assert_eq!(f.cmd.as_ref().unwrap().argv, vec!["/app/backend"]);
    }

    #[test]
    fn target_args_workdir_chains_and_inheritance() {
        let text = "ARG APP=/srv\nFROM node:20 AS deps\nARG APP\nWORKDIR $APP\nWORKDIR web\nRUN npm ci\nFROM deps AS build\nRUN npm run build\nFROM nginx AS final\nCOPY --from=build /srv/web/dist/ /usr/share/nginx/html/\n";
        let deps = facts(text, Some("deps"), &[]);
        assert_eq!(deps.workdir, "/srv/web");
        assert_eq!(paths(&deps), vec!["/srv/web/node_modules"]);
        let build = facts(text, Some("BUILD"), &[("APP", "/opt")]);
        assert_eq!(build.workdir, "/opt/web");
        assert_eq!(paths(&build), vec!["/opt/web/node_modules"]);
        assert_eq!(build.unknown_builds[0].path, "/opt/web");
        let last = facts(text, None, &[]);
        assert_eq!(last.workdir, "/");
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
            start_paths(&argv, shell, "/app", span)
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
}
