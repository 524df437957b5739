//! `berth publish`: the only code that talks to the network. It reads a SARIF
//! log (berth's or any tool's) and the GitHub Actions context, then uploads to
//! code scanning, reviews the pull request, writes the job summary and prints
//! annotations, as asked. The SARIF file is only read, never written.

pub mod code_scanning;
pub mod comment;
pub mod context;
pub mod diff;
pub mod error;
pub mod findings;
pub mod http;
mod lenient;
pub mod log;
mod network;
pub mod review;
pub mod sarif;
pub mod summary;

use std::path::PathBuf;
use std::time::Duration;

use context::Context;
pub use error::PublishError;
use findings::{Findings, Severity};
use http::RetryPolicy;
use log::{Log, Redactor};

/// Largest SARIF file publish reads.
const MAX_SARIF_BYTES: u64 = 128 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    Off,
    On,
    /// Upload unless the token cannot (a pull request from a fork); a refusal
    /// is a notice, not a failure.
    Auto,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub sarif: PathBuf,
    pub upload: Upload,
    pub review: bool,
    pub summary: bool,
    pub annotations: bool,
    /// Default: the SARIF's tool name.
    pub category: Option<String>,
    pub max_comments: usize,
    /// Where the token comes from (an environment variable's name).
    pub token_env: String,
    pub pr: Option<u64>,
    pub retry: RetryPolicy,
    /// First wait before polling the upload status, and how long to poll.
    pub poll: Duration,
    pub patience: Duration,
}

impl Options {
    pub fn new(sarif: PathBuf) -> Options {
        Options {
            sarif,
            upload: Upload::Off,
            review: false,
            summary: false,
            annotations: false,
            category: None,
            max_comments: 25,
            token_env: "GITHUB_TOKEN".into(),
            pr: None,
            retry: RetryPolicy::default(),
            poll: Duration::from_secs(2),
            patience: Duration::from_secs(120),
        }
    }
}

/// What publish did, for the exit code and the caller's outputs.
#[derive(Debug, Default)]
pub struct Published {
    /// Something asked for could not be done.
    pub failed: bool,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// A category names an analysis in code scanning and scopes berth's review
/// comments; it goes into markers and URLs, so it is kept plain.
fn valid_category(c: &str) -> bool {
    !c.is_empty()
        && c.len() <= 100
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "._/-".contains(ch))
}

/// The first run's tool name, made a category (`hadolint`, `berth`).
fn tool_category(tool: Option<&str>) -> String {
    let name: String = tool
        .unwrap_or("berth")
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(100)
        .collect();
    if valid_category(&name) {
        name
    } else {
        "berth".into()
    }
}

/// Run publish with the environment read through `var`. The error, like
/// everything publish prints, has the token masked.
pub fn run(
    opts: &Options,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Published, PublishError> {
    check_options(opts)?;
    let token = var(&opts.token_env).filter(|t| !t.trim().is_empty());
    let log = Log::new(
        var("GITHUB_ACTIONS").as_deref() == Some("true"),
        Redactor::new(token.clone()),
    );
    publish(opts, var, token.as_deref(), &log).map_err(|e| e.redact(log.redactor()))
}

fn check_options(opts: &Options) -> Result<(), PublishError> {
    let config = |text: String| Err(PublishError::Config(text));
    if opts.upload == Upload::Off && !opts.review && !opts.summary && !opts.annotations {
        return config("nothing to do: give --upload, --review, --summary or --annotations".into());
    }
    if opts.max_comments == 0 {
        return config("--max-comments must be at least 1".into());
    }
    if let Some(c) = opts.category.as_deref().filter(|c| !valid_category(c)) {
        return config(format!(
            "category `{c}`: use letters, digits and . _ / - (at most 100)"
        ));
    }
    Ok(())
}

fn publish(
    opts: &Options,
    var: &dyn Fn(&str) -> Option<String>,
    token: Option<&str>,
    log: &Log,
) -> Result<Published, PublishError> {
    let input = Read::new(opts, var, log.redactor())?;
    let count = |s: Severity| {
        input
            .findings
            .findings
            .iter()
            .filter(|f| f.severity == s)
            .count()
    };
    let mut published = Published {
        findings: input.findings.findings.len(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        ..Published::default()
    };
    let networked = opts.upload != Upload::Off || opts.review;
    let ctx = match Context::from_env(var, opts.pr) {
        Ok(c) => Some(c),
        Err(e) if networked => return Err(e),
        Err(_) => None,
    };
    let mut outcome = network::Outcome::default();
    if let Some(ctx) = ctx.as_ref().filter(|_| networked) {
        let token = token.ok_or_else(|| {
            PublishError::Config(format!(
                "no token: set {} (in a workflow, `{}: ${{{{ github.token }}}}` under env:)",
                opts.token_env, opts.token_env
            ))
        })?;
        outcome = network::run(opts, ctx, token, log, &input)?;
    }
    published.failed = outcome.failed;
    if opts.annotations || outcome.fallback {
        log.output(&summary::annotations(&input.findings.findings));
    }
    if opts.summary || outcome.fallback {
        let text = summary::render(
            &input.findings.findings,
            input.findings.suppressed,
            ctx.as_ref(),
            &outcome.notices,
        );
        if let Err(e) = write_summary(var, log, &text) {
            log.error(&e.to_string());
            published.failed = true;
        }
    }
    Ok(published)
}

/// Append the job summary to `GITHUB_STEP_SUMMARY`, or print it without one.
fn write_summary(
    var: &dyn Fn(&str) -> Option<String>,
    log: &Log,
    text: &str,
) -> Result<(), PublishError> {
    use std::io::Write;
    let Some(path) = var("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        log.output(text);
        return Ok(());
    };
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut f| f.write_all(log.redactor().apply(text).as_bytes()))
        .map_err(|e| PublishError::Config(format!("cannot write the job summary to {path}: {e}")))
}

/// What publish read from the SARIF file and the environment.
struct Read {
    /// The log as it is, for the upload.
    sarif: serde_json::Value,
    findings: Findings,
    /// The first run's tool name, redacted: it names the category and the
    /// upload as it is.
    tool: Option<String>,
    category: String,
    workspace: Option<String>,
}

impl Read {
    fn new(
        opts: &Options,
        var: &dyn Fn(&str) -> Option<String>,
        redactor: &Redactor,
    ) -> Result<Read, PublishError> {
        let sarif = read_sarif(opts)?;
        let view = sarif::Log::of(&sarif);
        let tool = view.first_tool().map(|t| redactor.apply(t));
        // An untrusted run's SARIF (the fork pattern) does not name the category.
        let category = opts.category.clone().unwrap_or_else(|| {
            if var("GITHUB_EVENT_NAME").as_deref() == Some("workflow_run") {
                "berth".into()
            } else {
                tool_category(tool.as_deref())
            }
        });
        let workspace = var("GITHUB_WORKSPACE").filter(|w| !w.is_empty());
        let findings = findings::from_log(&view, workspace.as_deref())
            .map_err(|e| PublishError::Input(format!("{}: {e}", opts.sarif.display())))?;
        Ok(Read {
            sarif,
            findings,
            tool,
            category,
            workspace,
        })
    }
}

fn read_sarif(opts: &Options) -> Result<serde_json::Value, PublishError> {
    let path = &opts.sarif;
    let input = |text: String| PublishError::Input(text);
    let meta = std::fs::metadata(path)
        .map_err(|e| input(format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > MAX_SARIF_BYTES {
        return Err(input(format!(
            "{} is {} bytes; publish reads SARIF files up to {MAX_SARIF_BYTES}",
            path.display(),
            meta.len()
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| input(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| input(format!("{}: not JSON: {e}", path.display())))
}
