//! The GitHub Action's entry point (`berth action`, run by action.yml in the
//! container image, which has no shell): read the inputs from `INPUT_*`,
//! check, publish, write the step outputs, and only then exit by `fail-on`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::check::{CheckOptions, check};
use crate::compose::Env;
use crate::diagnostic::Level;
use crate::publish::{self, Upload};
use crate::report;

fn input(var: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    // GitHub upper-cases the name and keeps hyphens: INPUT_FAIL-ON.
    var(&format!("INPUT_{}", name.to_ascii_uppercase()))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn flag(var: &dyn Fn(&str) -> Option<String>, name: &str, default: bool) -> Result<bool, String> {
    match input(var, name).as_deref() {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(format!("input {name}: `{other}` is not true or false")),
    }
}

/// Run the action; the result is the exit code.
pub fn run(var: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<u8> {
    let fail_on = match input(var, "fail-on").as_deref().unwrap_or("error") {
        "error" => Some(Level::Error),
        "warning" => Some(Level::Warning),
        "note" => Some(Level::Note),
        "never" => None,
        other => anyhow::bail!("input fail-on: `{other}` is not error, warning, note or never"),
    };
    let upload = match input(var, "upload-sarif").as_deref().unwrap_or("auto") {
        "auto" => Upload::Auto,
        "true" => Upload::On,
        "false" => Upload::Off,
        other => anyhow::bail!("input upload-sarif: `{other}` is not auto, true or false"),
    };
    let review = flag(var, "pr-review", true).map_err(anyhow::Error::msg)?;
    let run_check = flag(var, "check", true).map_err(anyhow::Error::msg)?;
    let max_comments = match input(var, "max-comments") {
        None => 25,
        Some(n) => n
            .parse()
            .map_err(|_| anyhow::anyhow!("input max-comments: `{n}` is not a number"))?,
    };
    let pr =
        match input(var, "pr-number") {
            None => None,
            Some(n) => Some(n.parse::<u64>().map_err(|_| {
                anyhow::anyhow!("input pr-number: `{n}` is not a pull request number")
            })?),
        };
    let cwd = match var("GITHUB_WORKSPACE").filter(|w| !w.is_empty()) {
        Some(w) => PathBuf::from(w),
        None => std::env::current_dir()?,
    };
    let sarif_name = input(var, "sarif-file").unwrap_or_else(|| "berth.sarif".into());
    let sarif_path = cwd.join(&sarif_name);

    // Set when the check runs: berth's own levels decide fail-on.
    let mut failing = false;
    if run_check {
        let paths: Vec<PathBuf> = input(var, "path")
            .unwrap_or_else(|| ".".into())
            .split_whitespace()
            .map(|p| cwd.join(p))
            .collect();
        let outcome = check(&CheckOptions {
            paths,
            config: input(var, "config").map(|c| cwd.join(c)),
            select: Vec::new(),
            cwd: cwd.clone(),
            env: check_env(),
            report_stacks: false,
        })?;
        std::fs::write(&sarif_path, report::sarif::render(&outcome))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", sarif_path.display()))?;
        failing = fail_on.is_some_and(|t| {
            outcome
                .diagnostics
                .iter()
                .any(|d| d.is_active() && d.level >= t)
        });
        print!("{}", report::text::render(&outcome, false));
    }

    let mut opts = publish::Options::new(sarif_path.clone());
    opts.upload = upload;
    opts.review = review;
    opts.summary = true;
    // Annotations where no review carries the findings (pushes); publish
    // turns them on itself when a review is refused.
    let is_pr = matches!(
        var("GITHUB_EVENT_NAME").as_deref(),
        Some("pull_request" | "pull_request_target" | "workflow_run")
    );
    opts.annotations = !(review && is_pr);
    opts.category = Some(input(var, "category").unwrap_or_else(|| "berth".into()));
    opts.max_comments = max_comments;
    opts.token_env = "INPUT_GITHUB-TOKEN".into();
    opts.pr = pr;
    if upload == Upload::Auto && input(var, "github-token").is_none() {
        opts.upload = Upload::Off;
    }
    let published = publish::run(&opts, var).map_err(anyhow::Error::msg)?;
    if !run_check {
        failing = match fail_on {
            Some(Level::Error) => published.errors > 0,
            Some(Level::Warning) => published.errors + published.warnings > 0,
            Some(Level::Note) => published.findings > 0,
            None => false,
        };
    }
    write_outputs(var, &sarif_name, &published)?;
    Ok(if published.failed {
        2
    } else {
        u8::from(failing)
    })
}

/// The environment compose files are interpolated from, without what the
/// runner put there for itself: a `${ACTIONS_RUNTIME_TOKEN}` in a compose
/// file must not carry a credential into a finding, a comment or an upload.
fn check_env() -> Env {
    let mut env = Env::from_process();
    env.process.retain(|k, _| {
        !(k.starts_with("INPUT_")
            || k.starts_with("ACTIONS_")
            || k == "GITHUB_TOKEN"
            || k == "GH_TOKEN")
    });
    env
}

fn write_outputs(
    var: &dyn Fn(&str) -> Option<String>,
    sarif: &str,
    p: &publish::Published,
) -> anyhow::Result<()> {
    let Some(path) = var("GITHUB_OUTPUT").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let text = format!(
        "sarif-file={}\nfindings={}\nerrors={}\nwarnings={}\n",
        sarif.replace(['\n', '\r'], " "),
        p.findings,
        p.errors,
        p.warnings
    );
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(Path::new(&path))
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| anyhow::anyhow!("cannot write the step outputs to {path}: {e}"))
}
