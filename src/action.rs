//! The GitHub Action's entry point (`berth action`, run by action.yml in the
//! container image, which has no shell): read the inputs from `INPUT_*`,
//! check, publish, write the step outputs, and only then exit by `fail-on`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::check::CheckOptions;
use crate::compose::Env;
use crate::publish::{self, Upload};
use crate::report::{Counts, Format};
use crate::run::{self, Destination, FailOn, Report, RunOptions};

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
    let fail_on = match input(var, "fail-on") {
        None => FailOn::Error,
        Some(word) => FailOn::parse(&word).ok_or_else(|| {
            anyhow::anyhow!("input fail-on: `{word}` is not error, warning, note or never")
        })?,
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
    let baseline = input(var, "baseline");
    if baseline.is_some() && !run_check {
        anyhow::bail!(
            "input baseline: applies only when check is true (a SARIF published as it is keeps its own baseline states)"
        );
    }
    let cwd = match var("GITHUB_WORKSPACE").filter(|w| !w.is_empty()) {
        Some(w) => PathBuf::from(w),
        None => std::env::current_dir()?,
    };
    let sarif_name = input(var, "sarif-file").unwrap_or_else(|| "berth.sarif".into());
    let sarif_path = cwd.join(&sarif_name);

    // Set when the check runs: berth's own levels decide fail-on.
    let failing = if run_check {
        let opts = run_options(var, &cwd, baseline, fail_on, &sarif_path);
        Some(run::check_and_report(&opts)?.failing)
    } else {
        None
    };

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
    // Without a check, the SARIF's own levels decide.
    let failing = failing.unwrap_or_else(|| {
        fail_on.fails(Counts {
            errors: published.errors,
            warnings: published.warnings,
            notes: published
                .findings
                .saturating_sub(published.errors + published.warnings),
        })
    });
    write_outputs(var, &sarif_name, &published)?;
    Ok(if published.failed {
        2
    } else {
        u8::from(failing)
    })
}

/// `berth check` as the inputs ask: SARIF to `sarif-file`, text to the log;
/// relative paths are the workspace's.
fn run_options(
    var: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
    baseline: Option<String>,
    fail_on: FailOn,
    sarif_path: &Path,
) -> RunOptions {
    let paths: Vec<PathBuf> = input(var, "path")
        .unwrap_or_else(|| ".".into())
        .split_whitespace()
        .map(|p| cwd.join(p))
        .collect();
    RunOptions {
        check: CheckOptions {
            paths,
            config: input(var, "config").map(|c| cwd.join(c)),
            select: Vec::new(),
            cwd: cwd.to_path_buf(),
            env: check_env(),
            report_stacks: false,
        },
        baseline: baseline.map(|b| cwd.join(b)),
        write_baseline: None,
        fail_on,
        reports: vec![
            Report {
                format: Format::Sarif,
                to: Destination::File(sarif_path.to_path_buf()),
                color: false,
            },
            Report {
                format: Format::Text,
                to: Destination::Stdout,
                color: false,
            },
        ],
    }
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
