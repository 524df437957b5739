//! Wraps the `parse-dockerfile` crate and keeps only what berth uses.

use parse_dockerfile as pd;

use super::model::{Dockerfile, Instruction, Stage};
use crate::source::LoadProblem;
use crate::source::{FileId, Span};

/// Parse a Dockerfile's text. A syntax error is a problem at its line.
pub fn parse(file: FileId, text: &str) -> Result<Dockerfile, LoadProblem> {
    let parsed = pd::parse(text).map_err(|e| {
        let offset = offset_of(text, e.line(), e.column());
        LoadProblem {
            span: Span::new(file, offset, offset),
            message: format!(
                "cannot parse Dockerfile: {}",
                without_position(&e.to_string())
            ),
        }
    })?;
    let mut out = Dockerfile {
        file,
        global_args: Vec::new(),
        stages: Vec::new(),
    };
    for inst in &parsed.instructions {
        if let pd::Instruction::From(from) = inst {
            out.stages.push(Stage {
                name: from.as_.as_ref().map(|(_, n)| n.value.to_ascii_lowercase()),
                base: from.image.value.to_string(),
                span: Span::new(file, from.from.span.start, from.image.span.end),
                instructions: Vec::new(),
            });
            continue;
        }
        let converted = convert(file, text, inst);
        match out.stages.last_mut() {
            Some(stage) => stage.instructions.extend(converted),
            None => {
                for i in converted {
                    if let Instruction::Arg { name, default } = i {
                        out.global_args.push((name, default));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The parser's message without its trailing "at line L column C" (the location says it).
fn without_position(m: &str) -> &str {
    m.find(" at line ").map_or(m, |i| &m[..i])
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

fn command(c: &pd::Command<'_>) -> (Vec<String>, bool, usize) {
    match c {
        pd::Command::Exec(args) => (
            args.value.iter().map(|a| a.value.to_string()).collect(),
            false,
            args.span.end,
        ),
        pd::Command::Shell(s) => (vec![s.value.to_string()], true, s.span.end),
        _ => (Vec::new(), false, 0),
    }
}

fn convert(file: FileId, text: &str, inst: &pd::Instruction<'_>) -> Vec<Instruction> {
    let span = |start: usize, end: usize| Span::new(file, start, end.min(text.len()));
    match inst {
        pd::Instruction::Arg(a) => split_assignments(&a.arguments.value)
            .into_iter()
            .map(|(name, default)| Instruction::Arg { name, default })
            .collect(),
        pd::Instruction::Env(e) => vec![Instruction::Env {
            pairs: env_pairs(&e.arguments.value),
        }],
        pd::Instruction::Workdir(w) => vec![Instruction::Workdir {
            path: w.arguments.value.trim().to_string(),
        }],
        pd::Instruction::Copy(c) => vec![copy(
            false,
            &c.options,
            &c.src,
            &c.dest,
            span(c.copy.span.start, c.dest.span.end),
        )],
        pd::Instruction::Add(c) => vec![copy(
            true,
            &c.options,
            &c.src,
            &c.dest,
            span(c.add.span.start, c.dest.span.end),
        )],
        pd::Instruction::Run(r) => {
            let (argv, shell, end) = command(&r.arguments);
            let mut script = if shell { argv.concat() } else { argv.join(" ") };
            for doc in &r.here_docs {
                script.push('\n');
                script.push_str(&doc.value);
            }
            vec![Instruction::Run {
                script,
                span: span(r.run.span.start, end),
            }]
        }
        pd::Instruction::Cmd(c) => {
            let (argv, shell, end) = command(&c.arguments);
            vec![Instruction::Start {
                entrypoint: false,
                argv,
                shell,
                span: span(c.cmd.span.start, end),
            }]
        }
        pd::Instruction::Entrypoint(c) => {
            let (argv, shell, end) = command(&c.arguments);
            vec![Instruction::Start {
                entrypoint: true,
                argv,
                shell,
                span: span(c.entrypoint.span.start, end),
            }]
        }
        pd::Instruction::User(u) => vec![Instruction::User {
            user: u.arguments.value.trim().to_string(),
            span: span(u.user.span.start, u.arguments.span.end),
        }],
        pd::Instruction::Healthcheck(h) => {
            let none = matches!(h.arguments, pd::HealthcheckArguments::None { .. });
            vec![Instruction::Healthcheck {
                none,
                span: span(h.healthcheck.span.start, h.healthcheck.span.end),
            }]
        }
        _ => Vec::new(),
    }
}

fn copy(
    add: bool,
    options: &[pd::Flag<'_>],
    src: &[pd::Source<'_>],
    dest: &pd::UnescapedString<'_>,
    span: Span,
) -> Instruction {
    let from = options
        .iter()
        .find(|f| f.name.value.trim_start_matches('-') == "from")
        .and_then(|f| f.value.as_ref())
        .map(|v| v.value.to_string());
    let sources = src
        .iter()
        .map(|s| match s {
            pd::Source::Path(p) => p.value.to_string(),
            _ => "<<heredoc".to_string(),
        })
        .collect();
    Instruction::Copy {
        add,
        from,
        sources,
        dest: dest.value.to_string(),
        span,
    }
}

/// `NAME[=value] ...` as in `ARG`.
fn split_assignments(s: &str) -> Vec<(String, Option<String>)> {
    crate::shell::split_words(s)
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (w, None),
        })
        .collect()
}

/// `ENV K=V K2="a b"` or the legacy `ENV K value with spaces`.
fn env_pairs(s: &str) -> Vec<(String, String)> {
    let words = crate::shell::split_words(s);
    match words.first() {
        Some(first) if !first.contains('=') => {
            // The value is everything after the first run of whitespace, its
            // quotes removed as the builder does (`ENV DIR "/data dir"`).
            let rest = s.trim_start();
            let value = rest
                .split_once(char::is_whitespace)
                .map_or("", |(_, v)| v.trim());
            let value = if value.contains(['"', '\'', '\\']) {
                crate::shell::split_words(value).join(" ")
            } else {
                value.to_string()
            };
            vec![(first.clone(), value)]
        }
        _ => words
            .into_iter()
            .filter_map(|w| {
                w.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "FROM rustlang/rust:nightly AS builder\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\nRUN cargo build --release\n\n# Runtime stage\nFROM debian:bookworm-slim\nWORKDIR /app\n# ← Binary copied here\nCOPY --from=builder /app/target/release/backend /app/backend\nCMD [\"/app/backend\"]\n";

    #[test]
    fn parses_stages_and_instructions() {
        let d = parse(FileId(1), SEED).unwrap();
        assert_eq!(d.stages.len(), 2);
        assert_eq!(d.stages[0].name.as_deref(), Some("builder"));
        let runtime = &d.stages[1];
        let copy = runtime
            .instructions
            .iter()
            .find_map(|i| match i {
                Instruction::Copy {
                    from,
                    sources,
                    dest,
                    span,
                    ..
                } => Some((from.clone(), sources.clone(), dest.clone(), *span)),
                _ => None,
            })
            .unwrap();
        assert_eq!(copy.0.as_deref(), Some("builder"));
        assert_eq!(copy.1, vec!["/app/target/release/backend"]);
        assert_eq!(copy.2, "/app/backend");
        assert!(SEED[copy.3.start..copy.3.end].starts_with("COPY --from=builder"));
    }

    #[test]
    fn env_forms() {
        assert_eq!(
            env_pairs("A=1 B=\"two words\""),
            vec![("A".into(), "1".into()), ("B".into(), "two words".into())]
        );
        assert_eq!(
            env_pairs("PATH /usr/bin:/bin"),
            vec![("PATH".into(), "/usr/bin:/bin".into())]
        );
        assert_eq!(
            env_pairs("DIR \"/data dir\""),
            vec![("DIR".into(), "/data dir".into())]
        );
        assert_eq!(
            env_pairs("MSG hello  world"),
            vec![("MSG".into(), "hello  world".into())]
        );
    }

    #[test]
    fn quoted_paths_are_kept_for_the_facts() {
        // WORKDIR and shell-form COPY keep their quotes (the facts remove
        // them with variable expansion, as the builder does); exec-form COPY
        // is a JSON array.
        let d = parse(
            FileId(1),
            "FROM x\nWORKDIR \"/app\"\nCOPY [\"a b\", \"/dst dir/\"]\nCOPY \"/x\" '/y'\n",
        )
        .unwrap();
        let i = &d.stages[0].instructions;
        assert!(matches!(&i[0], Instruction::Workdir { path } if path == "\"/app\""));
        assert!(
            matches!(&i[1], Instruction::Copy { sources, dest, .. } if sources == &["a b"] && dest == "/dst dir/")
        );
        assert!(
            matches!(&i[2], Instruction::Copy { sources, dest, .. } if sources == &["\"/x\""] && dest == "'/y'")
        );
    }

    #[test]
    fn syntax_errors_are_problems() {
        let p = parse(FileId(1), "FROM x\nCOPY\n").unwrap_err();
        assert!(
            p.message.contains("cannot parse Dockerfile"),
            "{}",
            p.message
        );
    }
}
