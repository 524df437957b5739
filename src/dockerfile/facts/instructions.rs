//! What each instruction of a stage does to the image facts: `ARG`, `ENV`,
//! `WORKDIR`, `COPY`/`ADD`, `RUN`, `USER`, `HEALTHCHECK`, `CMD` and `ENTRYPOINT`.

use std::collections::BTreeMap;

use super::{ContextCopy, Filled, ImageFacts, StartCommand, word};
use crate::dockerfile::model::Instruction;
use crate::dockerfile::run;
use crate::paths::{is_within_posix, join_posix, normalize_posix};

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

pub(super) fn apply(
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

/// An in-place edit of a copied file, as recorded in `Filled::how`.
fn is_edit(how: &str) -> bool {
    ["RUN sed", "RUN chmod", "RUN dos2unix"]
        .iter()
        .any(|p| how.starts_with(p))
}

#[cfg(test)]
mod tests {
    use crate::dockerfile::facts::testing::{facts, paths};

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
