//! The networked part of one publish run: check the pull request's head,
//! upload to code scanning when [`upload_decision`] says so, review the pull
//! request, and say what happened through the log.

use serde_json::Value;

use super::code_scanning::{self, Decision, HeadCheck, Processing, UploadFacts, upload_decision};
use super::context::Context;
use super::diff::Workspace;
use super::error::{PublishError, Refusal};
use super::findings::Finding;
use super::http::Api;
use super::log::Log;
use super::review::{self, Head, Posted};
use super::{Options, Read, Upload};

/// What the networked part did, for the outputs that follow it.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Notices, repeated in the job summary.
    pub notices: Vec<String>,
    pub failed: bool,
    /// The review was refused or failed: annotations and the summary carry
    /// the findings instead.
    pub fallback: bool,
}

/// Upload and review as `opts` asks, in a runtime of its own.
pub fn run(
    opts: &Options,
    ctx: &Context,
    token: &str,
    log: &Log,
    input: &Read,
) -> Result<Outcome, PublishError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PublishError::Config(format!("cannot start the async runtime: {e}")))?;
    // octocrab spawns its connection worker on the current runtime.
    let _entered = runtime.enter();
    let api = Api::new(&ctx.api_url, token, opts.retry.clone(), log.clone())?;
    let mut session = Session {
        opts,
        ctx,
        api: &api,
        log,
        input,
        outcome: Outcome::default(),
    };
    runtime.block_on(session.network());
    Ok(session.outcome)
}

struct Session<'a> {
    opts: &'a Options,
    ctx: &'a Context,
    api: &'a Api,
    log: &'a Log,
    input: &'a Read,
    outcome: Outcome,
}

impl Session<'_> {
    fn notice(&mut self, text: String) {
        self.log.notice(&text);
        self.outcome.notices.push(text);
    }

    fn fail(&mut self, text: &str) {
        self.log.error(text);
        self.outcome.failed = true;
    }

    async fn network(&mut self) {
        let head = self.check_head().await;
        let facts = UploadFacts {
            mode: self.opts.upload,
            event: &self.ctx.event_name,
            pr_from_fork: self.ctx.pull_request.as_ref().map(|p| p.from_fork),
            run_from_fork: self.ctx.run_from_fork,
            head: match &head {
                None => HeadCheck::NotChecked,
                Some(Ok(Head::Verified(_))) => HeadCheck::Verified,
                Some(_) => HeadCheck::Unverified,
            },
            sha: self.ctx.sha.as_deref(),
            git_ref: self.ctx.git_ref.as_deref(),
        };
        match upload_decision(&facts) {
            Decision::Off => {}
            Decision::Skip(why) => self.notice(format!("code scanning upload skipped: {why}")),
            Decision::Refuse(why) => self.fail(&format!("code scanning upload refused: {why}")),
            Decision::Upload { sha, git_ref } => self.upload(sha, git_ref).await,
        }
        if self.opts.review {
            self.review(head).await;
        }
    }

    /// The pull request's head, checked against the analysed commit before
    /// anything is posted for it (its number may come from an artifact).
    async fn check_head(&self) -> Option<Result<Head, PublishError>> {
        let wanted = self.opts.review || self.ctx.event_name == "workflow_run";
        if self.ctx.pull_request.is_none() || !wanted {
            return None;
        }
        Some(review::verified_head(self.api, self.ctx).await)
    }

    async fn upload(&mut self, sha: &str, git_ref: &str) {
        // In the fork pattern the SARIF was written by the fork's run: its own
        // categories and tool name are not trusted with a write token.
        let trusted = self.ctx.event_name != "workflow_run";
        let Some(sarif) = self.scrubbed() else {
            return self.fail("cannot scrub the token from the SARIF; not uploading it");
        };
        let category = self.input.category.as_str();
        let prepared = match code_scanning::prepare(&sarif, Some(category), trusted) {
            Ok(p) => p,
            Err(e) => {
                return self.fail(&format!("cannot upload {}: {e}", self.opts.sarif.display()));
            }
        };
        for cut in &prepared.cuts {
            self.notice(format!("code scanning limits: {cut}"));
        }
        let target = code_scanning::Target {
            sha,
            git_ref,
            tool_name: self
                .input
                .tool
                .as_deref()
                .filter(|_| trusted)
                .unwrap_or(category),
        };
        let (poll, patience) = (self.opts.poll, self.opts.patience);
        let result =
            code_scanning::upload(self.api, self.ctx, &prepared, &target, poll, patience).await;
        self.report_upload(result);
    }

    /// The SARIF without the token: a value interpolated from the
    /// environment could hold it. `None` if the scrubbed text is not JSON.
    fn scrubbed(&self) -> Option<Value> {
        let text = self.input.sarif.to_string();
        let clean = self.log.redactor().apply(&text);
        if clean == text {
            Some(self.input.sarif.clone())
        } else {
            serde_json::from_str(&clean).ok()
        }
    }

    fn report_upload(&mut self, result: Result<(String, Processing), PublishError>) {
        match result {
            Ok((id, Processing::Complete)) => {
                self.log
                    .info(&format!("code scanning upload {id}: processing complete"));
            }
            Ok((id, Processing::Pending)) => self.notice(format!(
                "code scanning upload {id} is still being processed; it will appear in the Security tab when GitHub finishes"
            )),
            Ok((id, Processing::Failed(errors))) => {
                let why = if errors.is_empty() {
                    "no reason given".to_owned()
                } else {
                    errors.join("; ")
                };
                self.fail(&format!("code scanning could not process upload {id}: {why}"));
            }
            Err(why)
                if matches!(why.status(), Some(403 | 404)) && self.opts.upload == Upload::Auto =>
            {
                self.notice(format!(
                    "code scanning upload skipped: the token may not upload here ({why})"
                ));
            }
            Err(why) => self.fail(&format!("code scanning upload failed: {why}")),
        }
    }

    async fn review(&mut self, head: Option<Result<Head, PublishError>>) {
        let Some(number) = self.ctx.pull_request.as_ref().map(|p| p.number) else {
            return self.log.info("not a pull request run: no review");
        };
        let head = match head {
            Some(Ok(Head::Verified(head))) => head,
            Some(Ok(Head::Moved { head, analysed, .. })) => {
                return self.notice(format!(
                    "no review: pull request #{number} is at {head}, not at {analysed} that this run analysed; the run for its head reviews it"
                ));
            }
            Some(Err(e)) => return self.report_review(number, Err(e)),
            None => {
                let e = PublishError::Config("no pull request head".into());
                return self.report_review(number, Err(e));
            }
        };
        let ws = Workspace::new(self.input.workspace.as_ref().map(std::path::PathBuf::from));
        let scope = review::Scope {
            head: &head,
            category: &self.input.category,
            max_comments: self.opts.max_comments,
        };
        let findings: &[Finding] = &self.input.findings.findings;
        let result = review::review(self.api, self.ctx, &scope, &ws, findings).await;
        self.report_review(number, result);
    }

    fn report_review(&mut self, number: u64, result: Result<Posted, PublishError>) {
        match result {
            Ok(p) => self.log.info(&format!(
                "review of #{number}: {} new comment{}, {} already on the pull request, {} outside the changed lines, {} over the limit, {} stale comment{} deleted, {} marked resolved",
                p.comments,
                if p.comments == 1 { "" } else { "s" },
                p.already,
                p.elsewhere,
                p.overflow,
                p.deleted,
                if p.deleted == 1 { "" } else { "s" },
                p.resolved
            )),
            Err(why) if why.refusal() == Refusal::NotPermitted => {
                self.notice(format!(
                    "cannot review pull request #{number} with this token ({why}); a pull request from a fork gets a read-only token. The findings are in the annotations and the job summary instead; see README \"Pull requests from forks\" for the two-workflow setup that can review them."
                ));
                self.outcome.fallback = true;
            }
            Err(why) => {
                self.fail(&format!("review of #{number} failed: {why}"));
                self.outcome.fallback = true;
            }
        }
    }
}
