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
pub mod log;
pub mod review;
pub mod sarif;
pub mod summary;

use std::path::PathBuf;
use std::time::Duration;

use context::Context;
pub use error::PublishError;
use http::{Api, RetryPolicy};
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

/// Run publish with the environment read through `var`.
pub fn run(
    opts: &Options,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Published, PublishError> {
    let config = |text: &str| Err(PublishError::Config(text.to_owned()));
    if opts.upload == Upload::Off && !opts.review && !opts.summary && !opts.annotations {
        return config("nothing to do: give --upload, --review, --summary or --annotations");
    }
    if opts.max_comments == 0 {
        return config("--max-comments must be at least 1");
    }
    if let Some(c) = opts.category.as_deref().filter(|c| !valid_category(c)) {
        return config(&format!(
            "category `{c}`: use letters, digits and . _ / - (at most 100)"
        ));
    }
    let token = var(&opts.token_env).filter(|t| !t.trim().is_empty());
    let redactor = Redactor::new(token.clone());
    let log = Log::new(
        var("GITHUB_ACTIONS").as_deref() == Some("true"),
        redactor.clone(),
    );
    let sarif = read_sarif(opts)?;
    let view = sarif::Log::of(&sarif);
    // Redacted: the name goes into the category and the upload as it is.
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
    let read = findings::from_log(&view, workspace.as_deref())
        .map_err(|e| PublishError::Input(format!("{}: {e}", opts.sarif.display())))?;
    let count = |s: findings::Severity| read.findings.iter().filter(|f| f.severity == s).count();
    let mut published = Published {
        findings: read.findings.len(),
        errors: count(findings::Severity::Error),
        warnings: count(findings::Severity::Warning),
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
            return config(&format!(
                "no token: set {} (in a workflow, `{}: ${{{{ github.token }}}}` under env:)",
                opts.token_env, opts.token_env
            ));
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| PublishError::Config(format!("cannot start the async runtime: {e}")))?;
        // octocrab spawns its connection worker on the current runtime.
        let _entered = runtime.enter();
        let api = Api::new(&ctx.api_url, token, opts.retry.clone(), log.clone())?;
        let mut run = Session {
            tool: tool.as_deref(),
            opts,
            ctx,
            api: &api,
            log: &log,
            category: &category,
            notices: &mut notices,
            published: &mut published,
            fallback: false,
        };
        runtime.block_on(run.network(&sarif, &read.findings, workspace.as_deref()));
        if run.fallback {
            annotate = true;
            summarise = true;
        }
    }
    if annotate {
        log.output(&summary::annotations(&read.findings));
    }
    if summarise {
        let text = log.redactor().apply(&summary::render(
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
            None => log.output(&text),
        }
    }
    Ok(published)
}

/// The networked part of one publish run.
struct Session<'a> {
    opts: &'a Options,
    ctx: &'a Context,
    api: &'a Api,
    log: &'a Log,
    category: &'a str,
    /// The first run's tool name.
    tool: Option<&'a str>,
    notices: &'a mut Vec<String>,
    published: &'a mut Published,
    /// The review was refused: annotations and the summary carry the findings.
    fallback: bool,
}

impl Session<'_> {
    fn notice(&mut self, text: String) {
        self.log.notice(&text);
        self.notices.push(text);
    }

    fn fail(&mut self, text: &str) {
        self.log.error(text);
        self.published.failed = true;
    }

    async fn network(
        &mut self,
        sarif: &serde_json::Value,
        findings: &[findings::Finding],
        workspace: Option<&str>,
    ) {
        let ctx = self.ctx;
        let event = ctx.event_name.as_str();
        // The pull request's head, checked against the analysed commit, before
        // anything is posted for it (its number may come from an artifact).
        let head = match &ctx.pull_request {
            Some(_) if self.opts.review || event == "workflow_run" => {
                Some(review::verified_head(self.api, ctx).await)
            }
            _ => None,
        };
        if self.opts.upload != Upload::Off {
            let refuse = match (&head, &ctx.pull_request) {
                (Some(Err(_) | Ok(review::Head::Moved { .. })), _) if event == "workflow_run" => {
                    Some("the pull request's head could not be verified".to_owned())
                }
                (None, None) if event == "workflow_run" && ctx.run_from_fork => {
                    Some("the triggering run built a fork's branch".to_owned())
                }
                (_, Some(pr)) if pr.from_fork && event == "pull_request" => {
                    Some("a pull request from a fork has a read-only token".to_owned())
                }
                _ if event == "pull_request_target" => Some(
                    "pull_request_target runs analyse the base branch, not the pull request"
                        .to_owned(),
                ),
                _ => None,
            };
            match refuse {
                Some(why) if self.opts.upload == Upload::Auto => {
                    self.notice(format!("code scanning upload skipped: {why}"));
                }
                Some(why) => self.fail(&format!("code scanning upload refused: {why}")),
                None => self.upload(sarif).await,
            }
        }
        if !self.opts.review {
            return;
        }
        let Some(pr) = &ctx.pull_request else {
            self.log.info("not a pull request run: no review");
            return;
        };
        let ws = diff::Workspace::new(workspace.map(std::path::PathBuf::from));
        let result = match head {
            Some(Ok(review::Head::Moved {
                number,
                head,
                analysed,
            })) => {
                return self.notice(format!(
                    "no review: pull request #{number} is at {head}, not at {analysed} that this run analysed; the run for its head reviews it"
                ));
            }
            Some(Ok(review::Head::Verified(head))) => {
                review::review(
                    self.api,
                    ctx,
                    &head,
                    &ws,
                    findings,
                    self.category,
                    self.opts.max_comments,
                )
                .await
            }
            Some(Err(e)) => Err(e),
            None => Err(PublishError::Config("no pull request head".into())),
        };
        match result {
            Ok(p) => self.log.info(&format!(
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
            Err(why) if why.refusal() == error::Refusal::NotPermitted => {
                self.notice(format!(
                    "cannot review pull request #{} with this token ({why}); a pull request from a fork gets a read-only token. The findings are in the annotations and the job summary instead; see README \"Pull requests from forks\" for the two-workflow setup that can review them.",
                    pr.number
                ));
                self.fallback = true;
            }
            Err(why) => {
                self.fail(&format!("review of #{} failed: {why}", pr.number));
                self.fallback = true;
            }
        }
    }

    async fn upload(&mut self, sarif: &serde_json::Value) {
        // A value interpolated from the environment could hold the token.
        let text = sarif.to_string();
        let clean = self.log.redactor().apply(&text);
        let scrubbed;
        let sarif = if clean == text {
            sarif
        } else {
            match serde_json::from_str(&clean) {
                Ok(v) => {
                    scrubbed = v;
                    &scrubbed
                }
                Err(_) => {
                    return self.fail("cannot scrub the token from the SARIF; not uploading it");
                }
            }
        };
        // In the fork pattern the SARIF was written by the fork's run: its own
        // categories and tool name are not trusted with a write token.
        let trusted = self.ctx.event_name != "workflow_run";
        let prepared = match code_scanning::prepare(sarif, Some(self.category), trusted) {
            Ok(p) => p,
            Err(e) => {
                return self.fail(&format!("cannot upload {}: {e}", self.opts.sarif.display()));
            }
        };
        for cut in &prepared.cuts {
            self.notice(format!("code scanning limits: {cut}"));
        }
        let tool = self.tool.filter(|_| trusted).unwrap_or(self.category);
        match code_scanning::upload(self.api, self.ctx, &prepared, tool, self.opts.poll, self.opts.patience).await {
            Ok((id, code_scanning::Processing::Complete)) => {
                self.log.info(&format!("code scanning upload {id}: processing complete"));
            }
            Ok((id, code_scanning::Processing::Pending)) => self.notice(format!(
                "code scanning upload {id} is still being processed; it will appear in the Security tab when GitHub finishes"
            )),
            Ok((id, code_scanning::Processing::Failed(errors))) => self.fail(&format!(
                "code scanning could not process upload {id}: {}",
                if errors.is_empty() { "no reason given".to_owned() } else { errors.join("; ") }
            )),
            Err(why) if matches!(why.status(), Some(403 | 404)) && self.opts.upload == Upload::Auto => {
                self.notice(format!("code scanning upload skipped: the token may not upload here ({why})"));
            }
            Err(why) => self.fail(&format!("code scanning upload failed: {why}")),
        }
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
