//! The Action's entry (`berth action`) against `berth check` on the same
//! workspace: a `baseline` input hides and marks what `--baseline` does, and
//! `fail-on` exits alike. Publishing is off (no upload, no review, no token,
//! the API pointed at a closed port), so nothing leaves the machine: the job
//! summary and the step outputs go to files.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Berth, Output, copy_dir, fixtures};

fn seed() -> PathBuf {
    fixtures().join("B101-mount-shadows-build-output/seed-incident")
}

/// A fixture copied to a temporary workspace, and a runner directory outside
/// it for the step outputs and the job summary.
struct Workspace {
    dir: tempfile::TempDir,
    runner: tempfile::TempDir,
}

impl Workspace {
    fn of(fixture: &Path) -> Workspace {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(fixture, dir.path());
        let runner = tempfile::tempdir().expect("tempdir");
        Workspace { dir, runner }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `berth check ARGS` in the workspace.
    fn check(&self, args: &[&str]) -> Output {
        Berth::new()
            .args(["check"])
            .args(args)
            .current_dir(self.path())
            .run()
    }

    /// `berth action` with these inputs, publishing nothing to the network.
    fn action(&self, inputs: &[(&str, &str)]) -> Output {
        let outputs = self.runner.path().join("outputs");
        let summary = self.runner.path().join("summary.md");
        for stale in [&outputs, &summary] {
            if stale.exists() {
                std::fs::remove_file(stale).expect("remove the last run's file");
            }
        }
        let mut b = Berth::new()
            .args(["action"])
            .current_dir(self.path())
            .env("GITHUB_WORKSPACE", self.path().to_str().expect("utf-8"))
            .env("GITHUB_OUTPUT", outputs.to_str().expect("utf-8"))
            .env("GITHUB_STEP_SUMMARY", summary.to_str().expect("utf-8"))
            .env("GITHUB_API_URL", "http://127.0.0.1:1")
            .env("INPUT_UPLOAD-SARIF", "false")
            .env("INPUT_PR-REVIEW", "false");
        for (k, v) in inputs {
            b = b.env(&format!("INPUT_{}", k.to_ascii_uppercase()), v);
        }
        b.run()
    }

    /// The step outputs the last action run wrote.
    fn outputs(&self) -> String {
        std::fs::read_to_string(self.runner.path().join("outputs")).unwrap_or_default()
    }

    fn summary_written(&self) -> bool {
        self.runner.path().join("summary.md").exists()
    }

    /// Each SARIF result in a file of the workspace: rule, fingerprint and
    /// baseline state (`-` when it has none), sorted.
    fn results(&self, sarif: &str) -> Vec<(String, String, String)> {
        let text = std::fs::read_to_string(self.path().join(sarif)).expect("SARIF written");
        let log: Value = serde_json::from_str(&text).expect("SARIF is JSON");
        let field = |v: &Value| v.as_str().unwrap_or("-").to_owned();
        let mut out: Vec<_> = log["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    field(&r["ruleId"]),
                    field(&r["partialFingerprints"]["berth/v1"]),
                    field(&r["baselineState"]),
                )
            })
            .collect();
        out.sort();
        out
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.path().join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains(from), "{from} not in {}", path.display());
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    }
}

fn count(results: &[(String, String, String)], state: &str) -> usize {
    results.iter().filter(|r| r.2 == state).count()
}

#[test]
fn the_baseline_input_hides_what_check_baseline_hides() {
    let ws = Workspace::of(&seed());
    let recorded = ws.check(&["--write-baseline", "base.json"]);
    assert_eq!(recorded.code, 1, "the seed has an error: {recorded:?}");

    let cli = ws.check(&["--baseline", "base.json"]);
    let action = ws.action(&[("baseline", "base.json")]);
    assert_eq!(cli.code, 0, "{cli:?}");
    assert_eq!(action.code, 0, "{action:?}");
    assert!(
        cli.stdout.starts_with("No problems found"),
        "{}",
        cli.stdout
    );
    assert!(
        action.stdout.starts_with(&cli.stdout),
        "the Action logs the same report\ncli:\n{}\naction:\n{}",
        cli.stdout,
        action.stdout
    );
    let outputs = ws.outputs();
    for line in ["findings=0\n", "errors=0\n", "warnings=0\n"] {
        assert!(outputs.contains(line), "{outputs}");
    }

    // The same workspace without the input fails: the baseline passed it.
    let without = ws.action(&[]);
    assert_eq!(without.code, 1, "{without:?}");
    assert!(ws.outputs().contains("errors=1\n"), "{}", ws.outputs());
}

#[test]
fn the_baseline_input_marks_results_new_or_unchanged_as_check_baseline_does() {
    let ws = Workspace::of(&seed());
    assert_eq!(ws.check(&["--write-baseline", "base.json"]).code, 1);
    // A new mount is a new finding; the old ones only move down a line.
    ws.edit(
        "docker-compose.yml",
        "      - ./backend:/app",
        "      - ./backend/bin:/app/backend\n      - ./backend:/app",
    );

    let cli = ws.check(&[
        "--format",
        "sarif",
        "--output",
        "cli.sarif",
        "--baseline",
        "base.json",
    ]);
    let action = ws.action(&[("baseline", "base.json"), ("sarif-file", "action.sarif")]);
    assert_eq!(cli.code, 1, "the new mount is an error: {cli:?}");
    assert_eq!(action.code, cli.code, "{action:?}");

    let from_cli = ws.results("cli.sarif");
    let from_action = ws.results("action.sarif");
    assert_eq!(from_action, from_cli);
    assert_eq!(count(&from_cli, "-"), 0, "every result has a state");
    assert!(count(&from_cli, "unchanged") >= 1, "{from_cli:?}");
    let new: Vec<_> = from_cli.iter().filter(|r| r.2 == "new").collect();
    assert_eq!(new.len(), 1, "{from_cli:?}");
    assert_eq!(new[0].0, "B101");

    // The step outputs count the new finding only, as the CLI's JSON does.
    let json = ws.check(&["--format", "json", "--baseline", "base.json"]);
    let shown: Value = serde_json::from_str(&json.stdout).expect("JSON report");
    let shown = shown["findings"].as_array().expect("findings").len();
    assert_eq!(shown, 1, "{}", json.stdout);
    let outputs = ws.outputs();
    assert!(
        outputs.contains(&format!("findings={shown}\n")),
        "{outputs}"
    );
    assert!(outputs.contains("errors=1\n"), "{outputs}");
}

#[test]
fn a_baseline_that_cannot_be_read_stops_both_paths_before_publishing() {
    let ws = Workspace::of(&seed());
    std::fs::write(ws.path().join("foreign.json"), "{\"results\": []}\n").expect("write");
    for (file, reason) in [
        ("missing.json", "cannot read baseline"),
        ("foreign.json", "is not a berth baseline"),
    ] {
        let cli = ws.check(&["--baseline", file]);
        let action = ws.action(&[("baseline", file)]);
        assert_eq!(cli.code, 2, "{cli:?}");
        assert_eq!(action.code, 2, "{action:?}");
        for out in [&cli, &action] {
            assert!(out.stderr.contains(reason), "{}", out.stderr);
            assert!(out.stderr.contains(file), "{}", out.stderr);
        }
        assert!(!ws.summary_written(), "nothing published");
        assert!(ws.outputs().is_empty(), "no step outputs");
    }
}

#[test]
fn the_baseline_input_needs_the_check() {
    let ws = Workspace::of(&seed());
    assert_eq!(
        ws.check(&[
            "--write-baseline",
            "base.json",
            "--format",
            "sarif",
            "-o",
            "in.sarif"
        ])
        .code,
        1
    );
    let out = ws.action(&[
        ("check", "false"),
        ("sarif-file", "in.sarif"),
        ("baseline", "base.json"),
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("input baseline"), "{}", out.stderr);
    assert!(!ws.summary_written(), "rejected before publishing");
}

/// Exit codes for fail-on error, warning, note, never.
const LEVELS: [&str; 4] = ["error", "warning", "note", "never"];

/// `berth check`, the Action checking, and the Action publishing the CLI's
/// SARIF (check: false) give `want` for each fail-on level.
fn exits_alike(ws: &Workspace, baseline: Option<&str>, want: [i32; 4]) {
    let mut got = Vec::new();
    for level in LEVELS {
        let mut args = vec!["--fail-on", level];
        let mut inputs = vec![("fail-on", level)];
        if let Some(b) = baseline {
            args.extend(["--baseline", b]);
            inputs.push(("baseline", b));
        }
        let cli = ws.check(&args);
        let action = ws.action(&inputs);
        args.extend(["--format", "sarif", "--output", "cli.sarif"]);
        assert!(ws.check(&args).code < 2, "SARIF written");
        let published = ws.action(&[
            ("fail-on", level),
            ("check", "false"),
            ("sarif-file", "cli.sarif"),
        ]);
        got.push((level, cli.code, action.code, published.code));
    }
    let expected: Vec<_> = LEVELS
        .iter()
        .zip(want)
        .map(|(l, c)| (*l, c, c, c))
        .collect();
    assert_eq!(
        got, expected,
        "(fail-on, check, action, action publishing the SARIF)"
    );
}

#[test]
fn fail_on_exits_alike_through_check_and_the_action() {
    // The highest level found: error, warning, note.
    exits_alike(&Workspace::of(&seed()), None, [1, 1, 1, 0]);
    exits_alike(
        &Workspace::of(&fixtures().join("B102-source-mount-in-production/python-source")),
        None,
        [0, 1, 1, 0],
    );
    exits_alike(
        &Workspace::of(&fixtures().join("ok/narrower-mount")),
        None,
        [0, 0, 1, 0],
    );
}

#[test]
fn fail_on_exits_alike_with_a_baseline() {
    let ws = Workspace::of(&seed());
    assert_eq!(ws.check(&["--write-baseline", "base.json"]).code, 1);
    exits_alike(&ws, Some("base.json"), [0, 0, 0, 0]);
    // Only the new mount is left to fail on: an error.
    ws.edit(
        "docker-compose.yml",
        "      - ./backend:/app",
        "      - ./backend/bin:/app/backend\n      - ./backend:/app",
    );
    exits_alike(&ws, Some("base.json"), [1, 1, 1, 0]);
}
