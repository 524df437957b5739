//! `berth publish` against a fake GitHub on loopback. Timing-sensitive cases
//! (retries, polling) call the library with a short retry policy; the rest
//! drive the real CLI. The tests are grouped by subject below; this file
//! holds what they share: a SARIF log and pull-request files to order, and
//! [`Run`], one job's environment.

mod end_to_end;
mod network;
mod review;
mod token;
mod upload;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::github::{FakeGitHub, HEAD, MERGE, OWNER_REPO, PR};
use crate::support::Berth;
use berth::publish::{self, Options};

const TOKEN: &str = "ghs_TestToken0123456789abcdefSECRET";

/// One result: rule, level, path, line, fingerprint.
fn sarif(results: &[(&str, &str, &str, u32, &str)]) -> Value {
    let results: Vec<Value> = results
        .iter()
        .map(|(rule, level, path, line, fp)| {
            json!({
                "ruleId": rule, "level": level,
                "message": {"text": format!("{rule} finding\nHelp: fix {rule}")},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": line}}}],
                "partialFingerprints": {"berth/v1": fp}
            })
        })
        .collect();
    json!({"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{"tool": {"driver": {"name": "berth", "rules": [
            {"id": "B101", "name": "mount-shadows-build-output", "helpUri": "https://example.com/B101"}]}},
        "results": results}]})
}

/// compose.yml: lines 2-3 added, 1 and 4 context; Dockerfile: line 5 added.
fn pr_files(extra: usize) -> Vec<Value> {
    let mut files: Vec<Value> = (0..extra)
        .map(|i| json!({"filename": format!("docs/f{i}.md"), "status": "added", "patch": "@@ -0,0 +1 @@\n+x"}))
        .collect();
    files.push(json!({"filename": "compose.yml", "status": "modified",
        "patch": "@@ -1,3 +1,4 @@\n services:\n-  a: 1\n+  a: 2\n+  b: 3\n   c: 4"}));
    files.push(json!({"filename": "Dockerfile", "status": "modified", "patch": "@@ -4,1 +4,2 @@\n FROM x\n+COPY . /app"}));
    files
}

struct Run {
    dir: tempfile::TempDir,
    vars: HashMap<String, String>,
}

impl Run {
    fn new(gh: &FakeGitHub, event: &str, payload: &Value) -> Run {
        let dir = tempfile::tempdir().expect("tempdir");
        let event_path = dir.path().join("event.json");
        std::fs::write(&event_path, payload.to_string()).expect("event");
        let vars = HashMap::from(
            [
                ("GITHUB_REPOSITORY", OWNER_REPO.to_owned()),
                ("GITHUB_API_URL", gh.uri.clone()),
                ("GITHUB_SERVER_URL", "https://github.example".to_owned()),
                ("GITHUB_EVENT_NAME", event.to_owned()),
                ("GITHUB_EVENT_PATH", event_path.display().to_string()),
                ("GITHUB_SHA", MERGE.to_owned()),
                ("GITHUB_REF", format!("refs/pull/{PR}/merge")),
                ("GITHUB_TOKEN", TOKEN.to_owned()),
                (
                    "GITHUB_STEP_SUMMARY",
                    dir.path().join("summary.md").display().to_string(),
                ),
            ]
            .map(|(k, v)| (k.to_owned(), v)),
        );
        Run { dir, vars }
    }

    fn pull_request(gh: &FakeGitHub) -> Run {
        Run::new(
            gh,
            "pull_request",
            &json!({"pull_request": {"number": PR, "head": {"sha": HEAD, "repo": {"full_name": OWNER_REPO}},
                "base": {"repo": {"full_name": OWNER_REPO}}}}),
        )
    }

    fn write_sarif(&self, log: &Value) -> PathBuf {
        let path = self.dir.path().join("in.sarif");
        std::fs::write(&path, log.to_string()).expect("sarif");
        path
    }

    fn options(&self, log: &Value) -> Options {
        let mut o = Options::new(self.write_sarif(log));
        o.retry.base_delay = Duration::from_millis(20);
        o.retry.timeout = Duration::from_millis(800);
        o.retry.budget = Duration::from_secs(20);
        o.poll = Duration::from_millis(20);
        o.patience = Duration::from_secs(5);
        o
    }

    fn publish(&self, o: &Options) -> publish::Published {
        publish::run(o, &|k| self.vars.get(k).cloned()).expect("publish runs")
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("summary.md")).unwrap_or_default()
    }

    fn cli(&self, args: &[&str]) -> crate::support::Output {
        let mut b = Berth::new()
            .args(["publish"])
            .args(args)
            .current_dir(self.dir.path());
        for (k, v) in &self.vars {
            b = b.env(k, v);
        }
        b.run()
    }
}

fn review_opts(run: &Run, log: &Value) -> Options {
    let mut o = run.options(log);
    o.review = true;
    o
}
