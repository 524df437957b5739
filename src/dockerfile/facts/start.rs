//! What the container's start command needs: the executable and the script
//! or archive an interpreter runs, through shells and init wrappers.

use crate::dockerfile::run;
use crate::source::Span;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

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
}
