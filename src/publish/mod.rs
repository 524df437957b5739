//! `berth publish`: the only code that talks to the network. It reads a SARIF
//! log (berth's or any tool's) and the GitHub Actions context, then uploads to
//! code scanning, reviews the pull request, writes the job summary and prints
//! annotations, as asked. The SARIF file is only read, never written.

pub mod code_scanning;
pub mod context;
pub mod findings;
pub mod http;
pub mod review;

use std::path::PathBuf;
use std::time::Duration;

use crate::report::summary;
use context::Context;
use http::{Api, Redactor, RetryPolicy};

/// Largest SARIF file publish reads.
const MAX_SARIF_BYTES: u64 = 256 * 1024 * 1024;

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
    pub category: String,
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
            category: "berth".into(),
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

/// Messages to the log: workflow commands inside Actions, plain otherwise.
struct Log {
    actions: bool,
    redactor: Redactor,
}

impl Log {
    fn notice(&self, text: &str) {
        let text = self.redactor.apply(text);
        if self.actions {
            println!(
                "::notice title=berth publish::{}",
                crate::report::github::escape_data(&text)
            );
        } else {
            eprintln!("berth: {text}");
        }
    }

    fn info(&self, text: &str) {
        eprintln!("berth: {}", self.redactor.apply(text));
    }

    fn error(&self, text: &str) {
        let text = self.redactor.apply(text);
        if self.actions {
            println!(
                "::error title=berth publish::{}",
                crate::report::github::escape_data(&text)
            );
        } else {
            eprintln!("berth: error: {text}");
        }
    }
}

/// Run publish with the environment read through `var`.
pub fn run(opts: &Options, var: &dyn Fn(&str) -> Option<String>) -> Result<Published, String> {
    if opts.upload == Upload::Off && !opts.review && !opts.summary && !opts.annotations {
        return Err("nothing to do: give --upload, --review, --summary or --annotations".into());
    }
    let token = var(&opts.token_env).filter(|t| !t.trim().is_empty());
    let redactor = Redactor::new(token.clone());
    let log = Log {
        actions: var("GITHUB_ACTIONS").as_deref() == Some("true"),
        redactor: redactor.clone(),
    };
    let sarif = read_sarif(opts)?;
    let workspace = var("GITHUB_WORKSPACE");
    let read = findings::read(&sarif, workspace.as_deref())
        .map_err(|e| format!("{}: {e}", opts.sarif.display()))?;
    let mut published = Published {
        findings: read.findings.len(),
        errors: read
            .findings
            .iter()
            .filter(|f| f.severity == findings::Severity::Error)
            .count(),
        warnings: read
            .findings
            .iter()
            .filter(|f| f.severity == findings::Severity::Warning)
            .count(),
        ..Published::default()
    };
    let networked = opts.upload != Upload::Off || opts.review;
    let ctx = match Context::from_env(var, opts.pr) {
        Ok(c) => Some(c),
        Err(e) if networked => return Err(e),
        Err(_) => None,
    };
    let mut notices = Vec::new();
    let mut annotate = opts.annotations;
    let mut summarise = opts.summary;
    if let Some(ctx) = ctx.as_ref().filter(|_| networked) {
        let Some(token) = token.as_deref() else {
            return Err(format!(
                "no token: set {} (in a workflow, `{}: ${{{{ github.token }}}}` under env:)",
                opts.token_env, opts.token_env
            ));
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        // octocrab spawns its connection worker on the current runtime.
        let _entered = runtime.enter();
        let api = Api::new(&ctx.api_url, token, opts.retry.clone())?;
        runtime.block_on(async {
            if opts.upload != Upload::Off {
                upload(opts, ctx, &api, &sarif, &log, &mut notices, &mut published).await;
            }
            if opts.review {
                match &ctx.pull_request {
                    None => log.info("not a pull request run: no review"),
                    Some(pr) => {
                        match review::review(&api, ctx, &read.findings, &opts.category, opts.max_comments).await {
                            Ok(p) => log.info(&format!(
                                "review of #{}: {} new comment{}, {} already on the pull request, {} outside the changed lines, {} over the limit, {} stale comment{} deleted, {} marked resolved",
                                pr.number,
                                p.comments,
                                if p.comments == 1 { "" } else { "s" },
                                p.already,
                                p.elsewhere,
                                p.overflow,
                                p.deleted,
                                if p.deleted == 1 { "" } else { "s" },
                                p.resolved
                            )),
                            Err(review::ReviewError::NotAllowed(why)) => {
                                let text = format!(
                                    "cannot review pull request #{} with this token ({why}); a pull request from a fork gets a read-only token. The findings are in the annotations and the job summary instead; see README \"Pull requests from forks\" for the two-workflow setup that can review them.",
                                    pr.number
                                );
                                log.notice(&text);
                                notices.push(text);
                                annotate = true;
                                summarise = true;
                            }
                            Err(review::ReviewError::Failed(why)) => {
                                log.error(&format!("review of #{} failed: {why}", pr.number));
                                published.failed = true;
                                annotate = true;
                                summarise = true;
                            }
                        }
                    }
                }
            }
        });
    }
    if annotate {
        print!("{}", redactor.apply(&summary::annotations(&read.findings)));
    }
    if summarise {
        let text = redactor.apply(&summary::render(
            &read.findings,
            read.suppressed,
            ctx.as_ref(),
            &notices,
        ));
        match var("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            Some(path) => {
                use std::io::Write;
                let written = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(&path)
                    .and_then(|mut f| f.write_all(text.as_bytes()));
                if let Err(e) = written {
                    log.error(&format!("cannot write the job summary to {path}: {e}"));
                    published.failed = true;
                }
            }
            None => print!("{text}"),
        }
    }
    Ok(published)
}

fn read_sarif(opts: &Options) -> Result<serde_json::Value, String> {
    let path = &opts.sarif;
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.len() > MAX_SARIF_BYTES {
        return Err(format!(
            "{} is {} bytes; publish reads SARIF files up to {MAX_SARIF_BYTES}",
            path.display(),
            meta.len()
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))
}

async fn upload(
    opts: &Options,
    ctx: &Context,
    api: &Api,
    sarif: &serde_json::Value,
    log: &Log,
    notices: &mut Vec<String>,
    published: &mut Published,
) {
    if opts.upload == Upload::Auto
        && ctx.pull_request.as_ref().is_some_and(|p| p.from_fork)
        && ctx.event_name == "pull_request"
    {
        let text = "code scanning upload skipped: a pull request from a fork has a read-only token"
            .to_owned();
        log.notice(&text);
        notices.push(text);
        return;
    }
    let prepared = match code_scanning::prepare(sarif, Some(&opts.category)) {
        Ok(p) => p,
        Err(e) => {
            log.error(&format!("cannot upload {}: {e}", opts.sarif.display()));
            published.failed = true;
            return;
        }
    };
    for cut in &prepared.cuts {
        let text = format!("code scanning limits: {cut}");
        log.notice(&text);
        notices.push(text);
    }
    let tool = sarif
        .pointer("/runs/0/tool/driver/name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("berth");
    match code_scanning::upload(api, ctx, &prepared, tool, opts.poll, opts.patience).await {
        Ok((id, code_scanning::Processing::Complete)) => {
            log.info(&format!("code scanning upload {id}: processing complete"));
        }
        Ok((id, code_scanning::Processing::Pending)) => {
            let text = format!(
                "code scanning upload {id} is still being processed; it will appear in the Security tab when GitHub finishes"
            );
            log.notice(&text);
            notices.push(text);
        }
        Ok((id, code_scanning::Processing::Failed(errors))) => {
            log.error(&format!(
                "code scanning could not process upload {id}: {}",
                if errors.is_empty() {
                    "no reason given".to_owned()
                } else {
                    errors.join("; ")
                }
            ));
            published.failed = true;
        }
        Err((Some(403 | 404), why)) if opts.upload == Upload::Auto => {
            let text =
                format!("code scanning upload skipped: the token may not upload here ({why})");
            log.notice(&text);
            notices.push(text);
        }
        Err((_, why)) => {
            log.error(&format!("code scanning upload failed: {why}"));
            published.failed = true;
        }
    }
}
