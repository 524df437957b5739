//! Image facts: what the deployed stage of a Dockerfile puts where, and what
//! the container starts. Facts are gathered stage by stage (a `FROM <stage>`
//! inherits everything its parent stage established) and read at the end.
//! The chain starts from what the external base image leaves (its `WORKDIR`,
//! `USER`, `ENTRYPOINT`, `CMD` and `ENV`), when berth's table of base images
//! knows it.
//!
//! Unknown stays unknown: a path that depends on a working directory berth
//! does not know, or on a variable it cannot resolve, is never recorded.

mod instructions;
mod start;
mod words;

use std::collections::BTreeMap;

use self::instructions::apply;
use super::base_images::{self, BaseImage};
use super::model::Dockerfile;
use super::run;
use crate::paths::normalize_posix;
use crate::source::Span;

pub use self::start::{StartPath, start_paths};
pub(crate) use self::words::word;

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
#[cfg(test)]
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

/// Helpers the tests of this module and of its submodules share.
#[cfg(test)]
mod testing {
    use super::{ImageFacts, image_facts};
    use crate::dockerfile::parse;
    use crate::source::FileId;

    pub(super) fn facts(text: &str, target: Option<&str>, args: &[(&str, &str)]) -> ImageFacts {
        let df = parse(FileId(0), text).unwrap();
        let args: Vec<(String, Option<String>)> = args
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect();
        image_facts(&df, target, &args).unwrap()
    }

    pub(super) fn paths(f: &ImageFacts) -> Vec<&str> {
        f.filled.iter().map(|f| f.path.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{facts, paths};
    use super::*;
    use crate::dockerfile::parse;
    use crate::source::FileId;

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
}
