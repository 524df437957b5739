//! The GitHub Actions context publish works in: the `GITHUB_*` variables and
//! the event payload at `GITHUB_EVENT_PATH`.

use serde::Deserialize;
use serde_json::Value;

use super::error::PublishError;
use super::lenient::{lenient, list, object};

/// A pull request the run belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    /// The head commit, when the event names it (review comments attach to it).
    pub head_sha: Option<String>,
    /// The head lives in another repository: the run's token is read-only.
    pub from_fork: bool,
}

#[derive(Debug, Clone)]
pub struct Context {
    pub owner: String,
    pub repo: String,
    pub api_url: String,
    pub server_url: String,
    pub event_name: String,
    /// The commit the analysis is of (`GITHUB_SHA`, or the workflow run's head).
    pub sha: Option<String>,
    /// The full ref (`refs/heads/main`, `refs/pull/7/merge`).
    pub git_ref: Option<String>,
    pub workspace: Option<String>,
    pub step_summary: Option<String>,
    pub pull_request: Option<PullRequest>,
    /// For `workflow_run`: the commit the triggering run checked out, which a
    /// pull request named by hand must have as its head.
    pub run_head_sha: Option<String>,
    /// For `workflow_run`: the triggering run built another repository's
    /// branch (a fork), whose branch names mean nothing here.
    pub run_from_fork: bool,
}

impl Context {
    /// Read the context through `var` (the process environment, or a map in
    /// tests). `pr` is a pull request number given by hand.
    pub fn from_env(
        var: &dyn Fn(&str) -> Option<String>,
        pr: Option<u64>,
    ) -> Result<Context, PublishError> {
        let get = |k: &str| var(k).filter(|v| !v.is_empty());
        let full = get("GITHUB_REPOSITORY").ok_or_else(|| {
            PublishError::Config(
                "GITHUB_REPOSITORY is not set: run inside GitHub Actions or set it to OWNER/REPO"
                    .into(),
            )
        })?;
        let (owner, repo) = full
            .split_once('/')
            .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
            .ok_or_else(|| {
                PublishError::Config(format!("GITHUB_REPOSITORY `{full}` is not OWNER/REPO"))
            })?;
        let event_name = get("GITHUB_EVENT_NAME").unwrap_or_default();
        let event: Value = match get("GITHUB_EVENT_PATH") {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    PublishError::Input(format!("cannot read GITHUB_EVENT_PATH {path}: {e}"))
                })?;
                serde_json::from_str(&text).map_err(|e| {
                    PublishError::Input(format!("GITHUB_EVENT_PATH {path} is not JSON: {e}"))
                })?
            }
            None => Value::Null,
        };
        let mut ctx = Context {
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            api_url: get("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".to_owned()),
            server_url: get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".to_owned()),
            event_name,
            sha: get("GITHUB_SHA"),
            git_ref: get("GITHUB_REF"),
            workspace: get("GITHUB_WORKSPACE"),
            step_summary: get("GITHUB_STEP_SUMMARY"),
            pull_request: None,
            run_head_sha: None,
            run_from_fork: false,
        };
        ctx.read_event(&Event::deserialize(&event).unwrap_or_default(), pr);
        Ok(ctx)
    }

    fn read_event(&mut self, event: &Event, pr: Option<u64>) {
        if let Some(p) = &event.pull_request {
            let head_repo = p.head.repo.full_name.as_deref();
            let base_repo = p.base.repo.full_name.as_deref();
            self.pull_request = p.number.map(|number| PullRequest {
                number,
                head_sha: p.head.sha.clone(),
                from_fork: head_repo.is_none() || head_repo != base_repo,
            });
        }
        match &event.workflow_run {
            Some(run) => self.read_workflow_run(run, event.repository.full_name.as_deref(), pr),
            None => {
                if let Some(number) = pr
                    && self
                        .pull_request
                        .as_ref()
                        .is_none_or(|p| p.number != number)
                {
                    self.pull_request = Some(PullRequest {
                        number,
                        head_sha: None,
                        from_fork: false,
                    });
                }
            }
        }
        if let Some(p) = &self.pull_request
            && self.event_name == "workflow_run"
        {
            self.git_ref = Some(format!("refs/pull/{}/head", p.number));
        }
    }

    /// The privileged half of the fork pattern: analyse the triggering run's
    /// head, never the default branch this workflow itself runs on.
    fn read_workflow_run(&mut self, run: &WorkflowRun, base_repo: Option<&str>, pr: Option<u64>) {
        self.run_head_sha.clone_from(&run.head_sha);
        let head_repo = run.head_repository.full_name.as_deref();
        self.run_from_fork = head_repo.is_none() || head_repo != base_repo;
        self.sha.clone_from(&run.head_sha);
        self.git_ref = run.head_branch.as_ref().map(|b| format!("refs/heads/{b}"));
        let listed = run.pull_requests.first().and_then(|p| p.number);
        if let Some(number) = pr.or(listed) {
            self.pull_request = Some(PullRequest {
                number,
                head_sha: None,
                from_fork: listed.is_none(),
            });
        }
    }

    /// `owner/repo` routes start here.
    pub fn repo_route(&self) -> String {
        format!("/repos/{}/{}", self.owner, self.repo)
    }

    /// A link to a line of a file at the analysed commit.
    pub fn blob_url(&self, path: &str, line: u32) -> Option<String> {
        let sha = self.sha.as_deref()?;
        let encoded = crate::paths::uri_path(path);
        Some(format!(
            "{}/{}/{}/blob/{sha}/{encoded}#L{line}",
            self.server_url.trim_end_matches('/'),
            self.owner,
            self.repo
        ))
    }
}

/// The event payload, leniently: only what publish reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Event {
    #[serde(deserialize_with = "object")]
    pull_request: Option<EventPull>,
    #[serde(deserialize_with = "object")]
    workflow_run: Option<WorkflowRun>,
    #[serde(deserialize_with = "object")]
    repository: Repository,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EventPull {
    #[serde(deserialize_with = "lenient")]
    number: Option<u64>,
    #[serde(deserialize_with = "object")]
    head: Branch,
    #[serde(deserialize_with = "object")]
    base: Branch,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Branch {
    #[serde(deserialize_with = "lenient")]
    sha: Option<String>,
    #[serde(deserialize_with = "object")]
    repo: Repository,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Repository {
    #[serde(deserialize_with = "lenient")]
    full_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WorkflowRun {
    #[serde(deserialize_with = "lenient")]
    head_sha: Option<String>,
    #[serde(deserialize_with = "lenient")]
    head_branch: Option<String>,
    #[serde(deserialize_with = "object")]
    head_repository: Repository,
    #[serde(deserialize_with = "list")]
    pull_requests: Vec<Numbered>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Numbered {
    #[serde(deserialize_with = "lenient")]
    number: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn ctx(vars: &[(&str, &str)], event: &str, pr: Option<u64>) -> Result<Context, PublishError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("event.json");
        std::fs::write(&path, event).expect("event file");
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        map.insert("GITHUB_EVENT_PATH".into(), path.display().to_string());
        Context::from_env(&|k| map.get(k).cloned(), pr)
    }

    #[test]
    fn pull_request_event_from_a_fork() {
        let c = ctx(
            &[("GITHUB_REPOSITORY", "acme/app"), ("GITHUB_EVENT_NAME", "pull_request"), ("GITHUB_SHA", "m")],
            r#"{"pull_request": {"number": 7, "head": {"sha": "h", "repo": {"full_name": "fork/app"}},
                "base": {"repo": {"full_name": "acme/app"}}}}"#,
            None,
        )
        .expect("context");
        assert_eq!(
            c.pull_request,
            Some(PullRequest {
                number: 7,
                head_sha: Some("h".into()),
                from_fork: true
            })
        );
        assert_eq!(c.sha.as_deref(), Some("m"));
        assert_eq!(c.api_url, "https://api.github.com");
    }

    #[test]
    fn workflow_run_takes_the_runs_head_and_a_given_number() {
        let c = ctx(
            &[("GITHUB_REPOSITORY", "acme/app"), ("GITHUB_EVENT_NAME", "workflow_run"), ("GITHUB_SHA", "main-sha")],
            r#"{"workflow_run": {"head_sha": "abc", "head_branch": "feature", "pull_requests": [],
                "head_repository": {"full_name": "someone/app"}}, "repository": {"full_name": "acme/app"}}"#,
            Some(12),
        )
        .expect("context");
        assert_eq!(c.sha.as_deref(), Some("abc"));
        assert_eq!(c.run_head_sha.as_deref(), Some("abc"));
        assert_eq!(c.git_ref.as_deref(), Some("refs/pull/12/head"));
        assert_eq!(c.pull_request.map(|p| p.number), Some(12));
        assert!(c.run_from_fork);
    }

    #[test]
    fn odd_payload_fields_cost_only_themselves() {
        let vars = [
            ("GITHUB_REPOSITORY", "acme/app"),
            ("GITHUB_EVENT_NAME", "workflow_run"),
        ];
        let c = ctx(
            &vars,
            r#"{"pull_request": [7], "workflow_run": {"head_sha": 5, "head_branch": "b",
                "pull_requests": [8, {"number": 9}], "head_repository": "acme/app"},
                "repository": {"full_name": "acme/app"}}"#,
            None,
        )
        .expect("context");
        assert_eq!(c.sha, None, "a number is not a commit");
        assert_eq!(c.pull_request, None, "the first listed entry is not one");
        assert_eq!(c.git_ref.as_deref(), Some("refs/heads/b"));
        assert!(c.run_from_fork, "no head repository: not trusted");
        let numbered = ctx(
            &vars,
            r#"{"workflow_run": {"head_sha": "abc", "pull_requests": [{"number": 9}],
                "head_repository": {"full_name": "acme/app"}}, "repository": {"full_name": "acme/app"}}"#,
            None,
        )
        .expect("context");
        assert_eq!(
            numbered.pull_request,
            Some(PullRequest {
                number: 9,
                head_sha: None,
                from_fork: false
            })
        );
        assert_eq!(numbered.git_ref.as_deref(), Some("refs/pull/9/head"));
        assert!(!numbered.run_from_fork);
    }

    #[test]
    fn bad_repository_and_event_are_errors() {
        assert!(ctx(&[("GITHUB_REPOSITORY", "acme")], "{}", None).is_err());
        assert!(ctx(&[("GITHUB_REPOSITORY", "acme/app")], "{not json", None).is_err());
        assert!(ctx(&[], "{}", None).is_err());
    }

    #[test]
    fn blob_links_encode_paths() {
        let c = ctx(
            &[("GITHUB_REPOSITORY", "a/b"), ("GITHUB_SHA", "s")],
            "{}",
            None,
        )
        .expect("context");
        assert_eq!(
            c.blob_url("dir/my file.yml", 3).as_deref(),
            Some("https://github.com/a/b/blob/s/dir/my%20file.yml#L3")
        );
        assert_eq!(
            c.blob_url("a/é#?.yml", 1).as_deref(),
            Some("https://github.com/a/b/blob/s/a/%C3%A9%23%3F.yml#L1")
        );
    }
}
