//! Code scanning upload: fit the SARIF into GitHub's limits (saying what was
//! cut), gzip + base64 it, POST it, and poll the processing status.

use std::collections::HashSet;
use std::io::Write;
use std::time::Duration;

use base64::Engine as _;
use flate2::Compression;
use flate2::write::GzEncoder;
use http::Method;
use serde_json::{Value, json};

use super::Upload;
use super::context::Context;
use super::error::PublishError;
use super::http::Api;
use super::lenient::lenient;
use super::sarif::RunNames;

/// GitHub's documented limits for one upload.
pub const MAX_GZIP_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_RUNS: usize = 20;
pub const MAX_RESULTS_PER_RUN: usize = 25_000;
pub const MAX_LOCATIONS_PER_RESULT: usize = 1_000;

/// The SARIF as it will be sent, and what had to go.
#[derive(Debug)]
pub struct Prepared {
    pub gzip_base64: String,
    pub cuts: Vec<String>,
}

/// Fit `log` into the limits and encode it. The file on disk is never touched:
/// this works on a copy. `category` sets each run's `automationDetails.id`,
/// except where a run has its own and `keep_own_ids` trusts it (not when the
/// SARIF came from an untrusted run).
pub fn prepare(
    log: &Value,
    category: Option<&str>,
    keep_own_ids: bool,
) -> Result<Prepared, PublishError> {
    let mut log = log.clone();
    let mut cuts = Vec::new();
    let runs = log
        .get_mut("runs")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| PublishError::Input("not a SARIF log: no `runs` array".into()))?;
    if runs.len() > MAX_RUNS {
        cuts.push(format!(
            "{} of {} runs left out (GitHub takes {MAX_RUNS} per upload)",
            runs.len() - MAX_RUNS,
            runs.len()
        ));
        runs.truncate(MAX_RUNS);
    }
    let several = runs.len() > 1;
    let mut ids = HashSet::new();
    for (i, run) in runs.iter_mut().enumerate() {
        let id = run_category(run, category, keep_own_ids, several);
        if let Some(mut id) = id {
            if !ids.insert(id.clone()) {
                id = format!("{}{i}/", id);
                ids.insert(id.clone());
            }
            if let Some(obj) = run.as_object_mut() {
                obj.insert("automationDetails".into(), json!({ "id": id }));
            }
        }
        cut_run(run, i, &mut cuts);
    }
    let encoded = fit(&mut log, &mut cuts)?;
    Ok(Prepared {
        gzip_base64: base64::engine::general_purpose::STANDARD.encode(encoded),
        cuts,
    })
}

/// The category a run is filed under: a tool's own is kept (when trusted);
/// else one per tool, stable when runs are added or reordered.
fn run_category(
    run: &Value,
    category: Option<&str>,
    keep_own_ids: bool,
    several: bool,
) -> Option<String> {
    let names = RunNames::of(run);
    let own = names
        .automation_details
        .id
        .filter(|id| keep_own_ids && !id.is_empty());
    let tool = names
        .tool
        .driver
        .name
        .as_deref()
        .unwrap_or("tool")
        .to_ascii_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "-");
    match (own, category) {
        (Some(id), _) => Some(id),
        (None, Some(c)) if several => Some(format!("{}/{tool}/", c.trim_end_matches('/'))),
        (None, Some(c)) => Some(format!("{}/", c.trim_end_matches('/'))),
        (None, None) => None,
    }
}

/// The log gzipped, under GitHub's size: while it is too big, the least
/// severe results go, a fifth at a time.
fn fit(log: &mut Value, cuts: &mut Vec<String>) -> Result<Vec<u8>, PublishError> {
    let mut encoded = gzip(log)?;
    while encoded.len() > MAX_GZIP_BYTES {
        let dropped = drop_least_severe(log);
        if dropped == 0 {
            return Err(PublishError::Input(format!(
                "the SARIF is {} bytes gzipped even without results; GitHub takes {MAX_GZIP_BYTES}",
                encoded.len()
            )));
        }
        cuts.push(format!(
            "{dropped} least severe results left out to stay under {MAX_GZIP_BYTES} bytes gzipped"
        ));
        encoded = gzip(log)?;
    }
    Ok(encoded)
}

fn rank(result: &Value) -> u8 {
    match result.get("level").and_then(Value::as_str) {
        Some("error") => 0,
        Some("warning") | None => 1,
        Some("note") => 2,
        _ => 3,
    }
}

fn cut_run(run: &mut Value, index: usize, cuts: &mut Vec<String>) {
    let Some(results) = run.get_mut("results").and_then(Value::as_array_mut) else {
        return;
    };
    if results.len() > MAX_RESULTS_PER_RUN {
        let total = results.len();
        results.sort_by_key(rank);
        results.truncate(MAX_RESULTS_PER_RUN);
        cuts.push(format!(
            "run {index}: {} of {total} results left out, least severe first (GitHub takes {MAX_RESULTS_PER_RUN} per run)",
            total - MAX_RESULTS_PER_RUN
        ));
    }
    let mut trimmed = 0;
    for result in results.iter_mut() {
        for key in ["locations", "relatedLocations"] {
            if let Some(list) = result.get_mut(key).and_then(Value::as_array_mut)
                && list.len() > MAX_LOCATIONS_PER_RESULT
            {
                list.truncate(MAX_LOCATIONS_PER_RESULT);
                trimmed += 1;
            }
        }
    }
    if trimmed > 0 {
        cuts.push(format!(
            "run {index}: {trimmed} location lists cut to {MAX_LOCATIONS_PER_RESULT} entries"
        ));
    }
}

fn drop_least_severe(log: &mut Value) -> usize {
    let mut dropped = 0;
    for run in log
        .get_mut("runs")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(results) = run.get_mut("results").and_then(Value::as_array_mut)
            && !results.is_empty()
        {
            results.sort_by_key(rank);
            let keep = results.len() - results.len().div_ceil(5);
            dropped += results.len() - keep;
            results.truncate(keep);
        }
    }
    dropped
}

fn gzip(log: &Value) -> Result<Vec<u8>, PublishError> {
    let bytes = serde_json::to_vec(log)
        .map_err(|e| PublishError::Input(format!("cannot encode the SARIF: {e}")))?;
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&bytes)
        .and_then(|()| enc.finish())
        .map_err(|e| PublishError::Input(format!("cannot gzip the SARIF: {e}")))
}

/// GitHub's answer to an upload.
#[derive(serde::Deserialize)]
struct Accepted {
    id: Option<String>,
}

/// GitHub's answer to a status request, each field read on its own.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct Status {
    #[serde(deserialize_with = "lenient")]
    processing_status: Option<String>,
    #[serde(deserialize_with = "lenient")]
    errors: Vec<Value>,
}

/// Whether the run may upload at all, from what it knows before preparing
/// anything.
#[derive(Debug, Clone, Copy)]
pub struct UploadFacts<'a> {
    pub mode: Upload,
    /// `GITHUB_EVENT_NAME`.
    pub event: &'a str,
    /// The run's pull request, if it has one: does its head live in a fork?
    pub pr_from_fork: Option<bool>,
    /// `workflow_run`: the triggering run built a fork's branch.
    pub run_from_fork: bool,
    pub head: HeadCheck,
    /// The analysed commit and ref, as code scanning files them.
    pub sha: Option<&'a str>,
    pub git_ref: Option<&'a str>,
}

/// The pull request's head against the analysed commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadCheck {
    /// Not looked at: no pull request, or nothing posted for it.
    NotChecked,
    Verified,
    /// It moved on, or could not be read.
    Unverified,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<'a> {
    /// No upload was asked for.
    Off,
    Upload {
        sha: &'a str,
        git_ref: &'a str,
    },
    /// The token cannot or should not upload here, and `--upload auto` takes
    /// that as a notice.
    Skip(&'static str),
    /// As `Skip` under `--upload`, or the run cannot name what it analysed:
    /// a failure.
    Refuse(String),
}

/// When berth uploads, skips or refuses. A SARIF too large for GitHub is not
/// refused here: `prepare` cuts it to fit and says what it cut. A missing
/// token stops publish before anything is decided.
pub fn upload_decision<'a>(f: &UploadFacts<'a>) -> Decision<'a> {
    if f.mode == Upload::Off {
        return Decision::Off;
    }
    let untrusted = match f.event {
        "workflow_run" if f.head == HeadCheck::Unverified => {
            Some("the pull request's head could not be verified")
        }
        "workflow_run" if f.pr_from_fork.is_none() && f.run_from_fork => {
            Some("the triggering run built a fork's branch")
        }
        "pull_request" if f.pr_from_fork == Some(true) => {
            Some("a pull request from a fork has a read-only token")
        }
        "pull_request_target" => {
            Some("pull_request_target runs analyse the base branch, not the pull request")
        }
        _ => None,
    };
    match (untrusted, f.sha, f.git_ref) {
        (Some(why), ..) if f.mode == Upload::Auto => Decision::Skip(why),
        (Some(why), ..) => Decision::Refuse(why.to_owned()),
        (None, None, _) => {
            Decision::Refuse("GITHUB_SHA is not set: the upload needs the analysed commit".into())
        }
        (None, _, None) => {
            Decision::Refuse("GITHUB_REF is not set: the upload needs the analysed ref".into())
        }
        (None, Some(sha), Some(git_ref))
            if ["refs/heads/", "refs/tags/", "refs/pull/"]
                .iter()
                .any(|p| git_ref.starts_with(p)) =>
        {
            Decision::Upload { sha, git_ref }
        }
        (None, _, Some(git_ref)) => Decision::Refuse(format!(
            "GITHUB_REF `{git_ref}` is not refs/heads/, refs/tags/ or refs/pull/: code scanning will not take it"
        )),
    }
}

/// Where an upload is filed.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub sha: &'a str,
    pub git_ref: &'a str,
    pub tool_name: &'a str,
}

/// What GitHub made of the upload.
#[derive(Debug, PartialEq, Eq)]
pub enum Processing {
    Complete,
    Failed(Vec<String>),
    /// Still pending when berth stopped waiting.
    Pending,
}

/// Upload and wait for processing. `poll` is the first wait; it doubles up to
/// thirty seconds, for at most `patience` in all.
pub async fn upload(
    api: &Api,
    ctx: &Context,
    prepared: &Prepared,
    target: &Target<'_>,
    poll: Duration,
    patience: Duration,
) -> Result<(String, Processing), PublishError> {
    let mut body = json!({
        "commit_sha": target.sha,
        "ref": target.git_ref,
        "sarif": prepared.gzip_base64,
        "tool_name": target.tool_name,
    });
    if let Some(ws) = &ctx.workspace {
        body["checkout_uri"] = Value::String(format!("file://{}/", ws.trim_end_matches('/')));
    }
    let route = format!("{}/code-scanning/sarifs", ctx.repo_route());
    let reply = api.send_ok(Method::POST, &route, Some(&body)).await?;
    let id = reply
        .parse::<Accepted>()
        .and_then(|a| a.id)
        .ok_or_else(|| {
            PublishError::Protocol("GitHub accepted the upload but gave no upload id".into())
        })?;
    let status_route = format!("{route}/{id}");
    let started = std::time::Instant::now();
    let mut wait = poll;
    loop {
        tokio::time::sleep(wait).await;
        let reply = api.send_ok(Method::GET, &status_route, None).await?;
        let status = reply.parse::<Status>().unwrap_or_default();
        match status.processing_status.as_deref() {
            Some("complete") => return Ok((id, Processing::Complete)),
            Some("failed") => {
                let errors = status
                    .errors
                    .into_iter()
                    .filter_map(|e| e.as_str().map(str::to_owned));
                return Ok((id, Processing::Failed(errors.collect())));
            }
            _ => {}
        }
        if started.elapsed() + wait > patience {
            return Ok((id, Processing::Pending));
        }
        wait = (wait * 2).min(Duration::from_secs(30));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn decode(p: &Prepared) -> Value {
        let gz = base64::engine::general_purpose::STANDARD
            .decode(&p.gzip_base64)
            .expect("base64");
        let mut text = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut text)
            .expect("gzip");
        serde_json::from_str(&text).expect("json")
    }

    /// Every row of the refusal matrix: mode, event, the pull request's
    /// fork, the triggering run's fork, the head check, sha, ref → decision.
    #[test]
    fn upload_decision_matrix() {
        use HeadCheck::{NotChecked, Unverified, Verified};
        use Upload::{Auto, Off, On};
        let pr = "refs/pull/7/merge";
        let up = |git_ref| Decision::Upload { sha: "s", git_ref };
        let skip = Decision::Skip;
        let refuse = |why: &str| Decision::Refuse(why.to_owned());
        const UNVERIFIED: &str = "the pull request's head could not be verified";
        const RUN_FORK: &str = "the triggering run built a fork's branch";
        const PR_FORK: &str = "a pull request from a fork has a read-only token";
        const TARGET: &str =
            "pull_request_target runs analyse the base branch, not the pull request";
        type Row<'a> = (
            Upload,
            &'a str,
            Option<bool>,
            bool,
            HeadCheck,
            Option<&'a str>,
            Option<&'a str>,
            Decision<'a>,
        );
        #[rustfmt::skip]
        let rows: Vec<Row> = vec![
            (Off,  "pull_request",        Some(true),  false, NotChecked, Some("s"), Some(pr), Decision::Off),
            (On,   "push",                None,        false, NotChecked, Some("s"), Some("refs/heads/main"), up("refs/heads/main")),
            (Auto, "push",                None,        false, NotChecked, Some("s"), Some("refs/tags/v1"), up("refs/tags/v1")),
            (On,   "pull_request",        Some(false), false, Verified,   Some("s"), Some(pr), up(pr)),
            (Auto, "pull_request",        Some(true),  false, Verified,   Some("s"), Some(pr), skip(PR_FORK)),
            (On,   "pull_request",        Some(true),  false, Verified,   Some("s"), Some(pr), refuse(PR_FORK)),
            (Auto, "pull_request_target", Some(true),  false, NotChecked, Some("s"), Some(pr), skip(TARGET)),
            (On,   "pull_request_target", Some(false), false, NotChecked, Some("s"), Some(pr), refuse(TARGET)),
            (Auto, "workflow_run",        Some(true),  true,  Unverified, Some("s"), Some(pr), skip(UNVERIFIED)),
            (On,   "workflow_run",        Some(false), false, Unverified, Some("s"), Some(pr), refuse(UNVERIFIED)),
            (On,   "workflow_run",        Some(true),  true,  Verified,   Some("s"), Some("refs/pull/7/head"), up("refs/pull/7/head")),
            (Auto, "workflow_run",        None,        true,  NotChecked, Some("s"), Some("refs/heads/x"), skip(RUN_FORK)),
            (On,   "workflow_run",        None,        true,  NotChecked, Some("s"), Some("refs/heads/x"), refuse(RUN_FORK)),
            (On,   "workflow_run",        None,        false, NotChecked, Some("s"), Some("refs/heads/x"), up("refs/heads/x")),
            (Auto, "push",                None,        false, NotChecked, None,      Some(pr), refuse("GITHUB_SHA is not set: the upload needs the analysed commit")),
            (Auto, "push",                None,        false, NotChecked, Some("s"), None,     refuse("GITHUB_REF is not set: the upload needs the analysed ref")),
            (On,   "push",                None,        false, NotChecked, Some("s"), Some("main"), refuse("GITHUB_REF `main` is not refs/heads/, refs/tags/ or refs/pull/: code scanning will not take it")),
        ];
        for (i, (mode, event, pr_from_fork, run_from_fork, head, sha, git_ref, want)) in
            rows.into_iter().enumerate()
        {
            let facts = UploadFacts {
                mode,
                event,
                pr_from_fork,
                run_from_fork,
                head,
                sha,
                git_ref,
            };
            assert_eq!(upload_decision(&facts), want, "row {i}: {facts:?}");
        }
    }

    #[test]
    fn round_trips_and_sets_the_category() {
        let log = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "berth"}}, "results": []}]});
        let p = prepare(&log, Some("berth"), true).expect("fits");
        assert!(p.cuts.is_empty());
        let back = decode(&p);
        assert_eq!(back["runs"][0]["automationDetails"]["id"], "berth/");
        assert_eq!(back["runs"][0]["results"], json!([]));
        let own = json!({"runs": [{"automationDetails": {"id": "CodeQL/"}, "results": []}]});
        assert_eq!(
            decode(&prepare(&own, Some("berth"), true).expect("fits"))["runs"][0]["automationDetails"]
                ["id"],
            "CodeQL/"
        );
        assert_eq!(
            decode(&prepare(&own, Some("berth"), false).expect("fits"))["runs"][0]["automationDetails"]
                ["id"],
            "berth/"
        );
    }

    #[test]
    fn cuts_runs_results_and_locations_and_says_so() {
        let result = |level: &str| json!({"level": level, "message": {"text": "m"}});
        let mut results: Vec<Value> = (0..MAX_RESULTS_PER_RUN).map(|_| result("note")).collect();
        results.push(result("error"));
        let locs: Vec<Value> = (0..MAX_LOCATIONS_PER_RESULT + 5)
            .map(|_| json!({}))
            .collect();
        results.push(json!({"level": "warning", "locations": locs}));
        let mut runs = vec![json!({"results": results})];
        runs.extend((0..MAX_RUNS).map(|_| json!({"results": []})));
        let p = prepare(&json!({"runs": runs}), None, true).expect("fits");
        let back = decode(&p);
        assert_eq!(back["runs"].as_array().map(Vec::len), Some(MAX_RUNS));
        let kept = back["runs"][0]["results"].as_array().expect("results");
        assert_eq!(kept.len(), MAX_RESULTS_PER_RUN);
        assert_eq!(kept[0]["level"], "error", "the most severe are kept");
        assert_eq!(
            kept[1]["locations"].as_array().map(Vec::len),
            Some(MAX_LOCATIONS_PER_RESULT)
        );
        assert_eq!(p.cuts.len(), 3, "{:?}", p.cuts);
    }
}
