//! berth.yml rule settings, inline suppressions and baselines.

use std::fs;

use crate::support::{Berth, copy_dir, fixtures, rule_ids};

fn seed_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &fixtures().join("B101-mount-shadows-build-output/seed-incident"),
        tmp.path(),
    );
    tmp
}

fn edit(path: &std::path::Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn an_inline_suppression_silences_the_line_and_stays_in_sarif() {
    let tmp = seed_copy();
    let compose = tmp.path().join("docker-compose.yml");
    edit(
        &compose,
        "    volumes:\n",
        "    volumes:\n      # berth: ignore[B101] dev box only, rebuilt by hand\n",
    );
    let out = Berth::new().args(["check"]).current_dir(tmp.path()).run();
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(!out.stdout.contains("B101"));
    assert!(
        out.stdout
            .contains("(1 finding suppressed or in the baseline)"),
        "{}",
        out.stdout
    );
    let sarif = Berth::new()
        .args(["check", "--format", "sarif"])
        .current_dir(tmp.path())
        .run();
    let v: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let b101 = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "B101")
        .unwrap()
        .clone();
    assert_eq!(b101["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        b101["suppressions"][0]["justification"],
        "dev box only, rebuilt by hand"
    );
}

#[test]
fn a_suppression_after_another_comment_on_the_same_line_works() {
    let tmp = seed_copy();
    edit(
        &tmp.path().join("docker-compose.yml"),
        "# ← This is the problem!",
        "# ← This is the problem! # berth: ignore[mount-shadows-build-output] known",
    );
    let out = Berth::new()
        .args(["check", "--format", "json"])
        .current_dir(tmp.path())
        .run();
    assert!(!rule_ids(&out.stdout).contains(&"B101".to_string()));
}

#[test]
fn unused_unknown_and_unexplained_suppressions_are_reported() {
    let tmp = seed_copy();
    edit(
        &tmp.path().join("docker-compose.yml"),
        "    container_name: rust-backend\n",
        "    container_name: rust-backend # berth: ignore[B303]\n    # berth: ignore[B999] typo\n",
    );
    fs::write(
        tmp.path().join("berth.yml"),
        "require-suppression-reason: true\n",
    )
    .unwrap();
    let out = Berth::new().args(["check"]).current_dir(tmp.path()).run();
    assert!(
        out.stdout
            .contains("suppression of `B303` matches no finding"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("suppression names an unknown rule `B999`")
    );
    assert!(out.stdout.contains("suppression gives no reason"));
}

#[test]
fn a_baseline_hides_known_findings_and_reports_new_ones() {
    let tmp = seed_copy();
    let base = tmp.path().join("berth-baseline.json");
    let first = Berth::new()
        .args([
            "check",
            "--select",
            "B101,B208,B301,B302",
            "--write-baseline",
        ])
        .arg_path(&base)
        .current_dir(tmp.path())
        .run();
    assert_eq!(first.code, 1);
    let recorded: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&base).unwrap()).unwrap();
    assert_eq!(recorded["version"], 1);
    assert_eq!(recorded["findings"].as_array().unwrap().len(), 4);

    let again = Berth::new()
        .args(["check", "--select", "B101,B208,B301,B302", "--baseline"])
        .arg_path(&base)
        .current_dir(tmp.path())
        .run();
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(
        again.stdout.starts_with("No problems found"),
        "{}",
        again.stdout
    );

    // A new mount is a new finding; lines moving does not make old ones new.
    edit(
        &tmp.path().join("docker-compose.yml"),
        "      - ./backend:/app",
        "      - ./backend/bin:/app/backend\n      - ./backend:/app",
    );
    let sarif = Berth::new()
        .args([
            "check",
            "--select",
            "B101,B208,B301,B302",
            "--format",
            "sarif",
            "--baseline",
        ])
        .arg_path(&base)
        .current_dir(tmp.path())
        .run();
    assert_eq!(sarif.code, 1);
    let v: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let states: Vec<(String, String)> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["baselineState"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        states.iter().filter(|(_, s)| s == "new").count(),
        1,
        "{states:?}"
    );
    assert!(states.contains(&("B101".into(), "new".into())));
    assert!(states.contains(&("B101".into(), "unchanged".into())));
}

#[test]
fn rules_can_be_switched_off_relevelled_and_are_validated() {
    let tmp = seed_copy();
    fs::write(
        tmp.path().join("berth.yml"),
        "rules:\n  B301: off\n  obsolete-version: error\n  B208:\n    level: note\n",
    )
    .unwrap();
    let out = Berth::new()
        .args(["check", "--format", "json"])
        .current_dir(tmp.path())
        .run();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let got: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["level"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(!got.iter().any(|(r, _)| r == "B301"), "{got:?}");
    assert!(got.contains(&("B302".into(), "error".into())));
    assert!(got.contains(&("B208".into(), "note".into())));

    fs::write(tmp.path().join("berth.yml"), "rules:\n  B3O1: off\n").unwrap();
    let bad = Berth::new().args(["check"]).current_dir(tmp.path()).run();
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("unknown rule `B3O1`; did you mean `B301`?"),
        "{}",
        bad.stderr
    );

    fs::write(
        tmp.path().join("berth.yml"),
        "rules:\n  B301:\n    options:\n      colour: [red]\n",
    )
    .unwrap();
    let bad = Berth::new().args(["check"]).current_dir(tmp.path()).run();
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("has no option `colour`"),
        "{}",
        bad.stderr
    );

    fs::write(tmp.path().join("berth.yml"), "rulez: {}\n").unwrap();
    let bad = Berth::new().args(["check"]).current_dir(tmp.path()).run();
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("unknown field `rulez`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn ignore_globs_skip_compose_files() {
    let tmp = seed_copy();
    fs::write(
        tmp.path().join("berth.yml"),
        "ignore: ['docker-compose.yml']\n",
    )
    .unwrap();
    let out = Berth::new().args(["check"]).current_dir(tmp.path()).run();
    assert_eq!(out.code, 0);
    assert!(
        out.stdout
            .starts_with("No problems found in 0 compose files"),
        "{}",
        out.stdout
    );
}

#[test]
fn rule_options_extend_what_rules_look_for() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("compose.yaml"),
        "# Production.\nservices:\n  app:\n    image: example/app:1.0\n    restart: always\n    environment:\n      DOOR_PIN: \"4321\"\n    volumes:\n      - /srv/secrets:/secrets:ro\n",
    )
    .unwrap();
    let before = Berth::new()
        .args(["check", "--format", "json", "--select", "B206,B208"])
        .current_dir(tmp.path())
        .run();
    assert!(rule_ids(&before.stdout).is_empty(), "{}", before.stdout);
    fs::write(
        tmp.path().join("berth.yml"),
        "rules:\n  B208:\n    options:\n      patterns: ['_PIN$']\n  B206:\n    options:\n      paths: [/srv/secrets]\n",
    )
    .unwrap();
    let after = Berth::new()
        .args(["check", "--format", "json", "--select", "B206,B208"])
        .current_dir(tmp.path())
        .run();
    assert_eq!(rule_ids(&after.stdout), vec!["B208", "B206"]);
    assert!(!after.stdout.contains("4321"));
}

#[test]
fn a_trailing_suppression_covers_only_its_own_line() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("compose.yaml"),
        "services:\n  cache:\n    image: redis:7.4\n    restart: always\n    ports:\n      - \"6379:6379\" # berth: ignore[B209] firewalled\n      - \"5432:5432\"\n",
    )
    .unwrap();
    let out = Berth::new()
        .args(["check", "--format", "json", "--select", "B209"])
        .current_dir(tmp.path())
        .run();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let lines: Vec<u64> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![7], "only the unsuppressed PostgreSQL port");
}

#[test]
fn fingerprints_do_not_depend_on_the_starting_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    copy_dir(
        &fixtures().join("B101-mount-shadows-build-output/seed-incident"),
        &repo.join("deploy"),
    );
    fs::create_dir_all(repo.join(".git")).unwrap();
    let fingerprint = |dir: &std::path::Path, arg: &str| -> String {
        let out = Berth::new()
            .args(["check", arg, "--format", "json", "--select", "B101"])
            .current_dir(dir)
            .run();
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        v["findings"][0]["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let from_root = fingerprint(&repo, "deploy");
    let from_inside = fingerprint(&repo.join("deploy"), ".");
    assert_eq!(from_root, from_inside);
}
