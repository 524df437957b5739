//! Exit codes and the small subcommands.

use crate::support::{Berth, fixtures, repo};

fn seed() -> std::path::PathBuf {
    fixtures().join("B101-mount-shadows-build-output/seed-incident")
}

#[test]
fn exit_0_when_clean() {
    let out = Berth::new()
        .args(["check"])
        .current_dir(fixtures().join("ok/data-volumes"))
        .run();
    assert_eq!(out.code, 0, "{out:?}");
    // Nothing says production here, so the production-only notes (restart
    // policy, healthcheck) stay silent.
    assert!(
        out.stdout
            .ends_with("No problems found in 1 compose file and 0 Dockerfiles.\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn exit_1_on_error_findings() {
    let out = Berth::new().args(["check", "."]).current_dir(seed()).run();
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("error[B101]"));
}

#[test]
fn fail_on_moves_the_threshold() {
    let warn_case = fixtures().join("B102-source-mount-in-production/python-source");
    let default = Berth::new().args(["check"]).current_dir(&warn_case).run();
    assert_eq!(default.code, 0, "warnings do not fail by default");
    let strict = Berth::new()
        .args(["check", "--fail-on", "warning"])
        .current_dir(&warn_case)
        .run();
    assert_eq!(strict.code, 1);
    let never = Berth::new()
        .args(["check", "--fail-on", "never"])
        .current_dir(seed())
        .run();
    assert_eq!(never.code, 0);
}

#[test]
fn exit_2_when_berth_cannot_do_its_job() {
    let missing = Berth::new()
        .args(["check", "no/such/dir"])
        .current_dir(fixtures())
        .run();
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("no/such/dir: no such file or directory")
    );

    let bad_format = Berth::new().args(["check", "--format", "xml"]).run();
    assert_eq!(bad_format.code, 2);

    let unwritable = Berth::new()
        .args(["check", ".", "--output", "/nonexistent-dir/out.sarif"])
        .current_dir(seed())
        .run();
    assert_eq!(unwritable.code, 2);
    assert!(
        unwritable
            .stderr
            .contains("cannot write /nonexistent-dir/out.sarif")
    );

    let unknown = Berth::new().args(["explain", "B10l"]).run();
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("did you mean `B101`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn output_file_gets_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let out = Berth::new()
        .args(["check", ".", "--format", "json", "--output"])
        .arg_path(&path)
        .current_dir(seed())
        .run();
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(report["version"], 1);
    let b101 = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "B101")
        .unwrap();
    assert_eq!(b101["location"]["path"], "docker-compose.yml");
    assert_eq!(b101["location"]["start"]["line"], 10);
    assert_eq!(b101["related"][0]["path"], "backend/Dockerfile");
    assert_eq!(b101["related"][0]["start"]["line"], 15);
    assert_eq!(b101["related"][1]["start"]["line"], 19);
}

#[test]
fn github_format_escapes_and_points_at_the_line() {
    let out = Berth::new()
        .args(["check", ".", "--format", "github"])
        .current_dir(seed())
        .run();
    assert_eq!(out.code, 1);
    let first = out
        .stdout
        .lines()
        .find(|l| l.contains("title=B101"))
        .unwrap();
    assert!(
        first.starts_with(
            "::error file=docker-compose.yml,line=10,col=9,endLine=10,endColumn=23,title=B101 mount-shadows-build-output::bind mount `./backend:/app` hides"
        ),
        "{first}"
    );
    assert!(first.contains("%0A  backend/Dockerfile:15: puts /app/backend in the image"));
}

#[test]
fn rules_and_explain() {
    let rules = Berth::new().args(["rules"]).run();
    assert_eq!(rules.code, 0);
    assert!(rules.stdout.contains("B101  mount-shadows-build-output"));
    let explain = Berth::new()
        .args(["explain", "mount-shadows-build-output"])
        .run();
    assert_eq!(explain.code, 0);
    assert!(
        explain
            .stdout
            .starts_with("B101 mount-shadows-build-output (default level: error)")
    );
    assert!(explain.stdout.contains("## How to fix"));
}

#[test]
fn paths_are_relative_to_the_working_directory() {
    let out = Berth::new()
        .args([
            "check",
            "tests/fixtures/B101-mount-shadows-build-output/seed-incident",
        ])
        .current_dir(repo())
        .run();
    assert!(out.stdout.contains(
        "--> tests/fixtures/B101-mount-shadows-build-output/seed-incident/docker-compose.yml:10:9"
    ));
}

#[test]
fn process_environment_wins_over_dot_env() {
    let case = fixtures().join("B101-mount-shadows-build-output/interpolated");
    // .env says SRC=./site; the environment points the mount elsewhere.
    let out = Berth::new()
        .env("SRC", "./elsewhere")
        .args(["check", "--format", "json"])
        .current_dir(&case)
        .run();
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    // ./elsewhere has no Dockerfile: B002 for the build; without image facts
    // B101 cannot apply, and B102 sees the whole build context mounted.
    let rules: Vec<&str> = findings
        .iter()
        .filter(|f| f["level"] != "note")
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["B002", "B102"]);
    assert!(findings.iter().any(|f| {
        f["message"]
            .as_str()
            .unwrap()
            .contains("elsewhere/Dockerfile: no such file")
    }));
}

/// Runs berth under a pseudo-terminal (util-linux `script`), so that colour
/// decisions see a terminal. Skips when `script` is not installed.
fn on_a_terminal(extra_env: &[(&str, &str)]) -> Option<String> {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: `script` is not installed");
        return None;
    }
    let bin = env!("CARGO_BIN_EXE_berth");
    let mut cmd = std::process::Command::new("script");
    cmd.env_clear()
        .env("HOME", "/nonexistent-berth-home")
        .env("PATH", "/usr/bin:/bin")
        .env("TERM", "xterm")
        .current_dir(seed())
        .args(["-qec", &format!("{bin} check ."), "/dev/null"]);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let Some(tty) = on_a_terminal(&[]) else {
        return;
    };
    assert!(tty.contains("\u{1b}["), "colour on a terminal: {tty}");
    let Some(no_color) = on_a_terminal(&[("NO_COLOR", "1")]) else {
        return;
    };
    assert!(no_color.contains("error[B101]"));
    assert!(!no_color.contains("\u{1b}["), "NO_COLOR: {no_color}");
    let piped = Berth::new().args(["check", "."]).current_dir(seed()).run();
    assert!(!piped.stdout.contains('\u{1b}'));
}

#[test]
fn config_merges_the_default_project_files() {
    let dir = fixtures().join("B101-mount-shadows-build-output/prod-overlay-inherits");
    // Without FILE arguments: the base file and docker-compose.override.yml, as Compose does.
    let out = Berth::new().args(["config"]).current_dir(&dir).run();
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["name"], "prod-overlay-inherits");
    assert_eq!(v["services"]["api"]["command"], serde_json::json!(["air"]));
    assert_eq!(v["services"]["api"]["volumes"][0]["target"], "/srv");
}

#[test]
fn config_reports_problems_with_locations() {
    let dir = fixtures().join("B001-invalid-compose-file/required-variable");
    let out = Berth::new()
        .args(["config", "docker-compose.yml"])
        .current_dir(&dir)
        .run();
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.starts_with(
            "docker-compose.yml:5:9: volume: required variable DATA_DIR is missing a value"
        ),
        "{}",
        out.stderr
    );
    let with_var = Berth::new()
        .args(["config", "docker-compose.yml"])
        .env("DATA_DIR", "./pgdata")
        .current_dir(&dir)
        .run();
    assert_eq!(with_var.code, 0, "{with_var:?}");
}

#[test]
fn a_bad_config_file_is_exit_2_naming_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("berth.yml"), "stack:\n  - name: x\n").unwrap();
    std::fs::write(tmp.path().join("compose.yaml"), "services: {}\n").unwrap();
    let out = Berth::new().args(["check"]).current_dir(tmp.path()).run();
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("berth.yml"), "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown field `stack`"),
        "{}",
        out.stderr
    );
    let bad_regex = tmp.path().join("other.yml");
    std::fs::write(&bad_regex, "patterns:\n  development: ['(']\n").unwrap();
    let out = Berth::new()
        .args(["check", "--config", "other.yml"])
        .current_dir(tmp.path())
        .run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("pattern `(`"), "{}", out.stderr);
}

#[test]
fn config_patterns_reclassify_files() {
    let tmp = tempfile::tempdir().unwrap();
    crate::support::copy_dir(
        &fixtures().join("B101-mount-shadows-build-output/prod-overlay-adds-mount"),
        tmp.path(),
    );
    // Call every overlay development: the production overlay's mount is no
    // longer an error, only a development warning.
    std::fs::write(
        tmp.path().join("berth.yml"),
        "patterns:\n  development: ['\\.(dev|production)\\.']\n",
    )
    .unwrap();
    let out = Berth::new()
        .args(["check", "--format", "json"])
        .current_dir(tmp.path())
        .run();
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mounts: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("B1"))
        .map(|f| (f["level"].as_str().unwrap(), f["class"].as_str().unwrap()))
        .collect();
    assert_eq!(
        mounts,
        vec![("warning", "development"), ("warning", "development")],
        "{}",
        out.stdout
    );
}

#[test]
fn credentials_are_masked_in_every_format() {
    let case = fixtures().join("B208-credential-literal/cases");
    for format in ["text", "json", "sarif", "github"] {
        let out = Berth::new()
            .args(["check", "--format", format])
            .current_dir(&case)
            .run();
        assert!(out.stdout.contains("B208"), "{format}: {}", out.stdout);
        for secret in ["hunter2", "très-secret", "s3cr3t", "npm_abcdef123456"] {
            assert!(
                !out.stdout.contains(secret) && !out.stderr.contains(secret),
                "{format} shows {secret}"
            );
        }
    }
}

#[test]
fn init_writes_a_valid_starter_once() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("compose.yaml"), "services: {}\n").unwrap();
    let out = Berth::new().args(["init"]).current_dir(tmp.path()).run();
    assert_eq!(out.code, 0);
    let text = std::fs::read_to_string(tmp.path().join("berth.yml")).unwrap();
    assert!(text.contains("B308: on"), "opt-in rules are listed");
    let check = Berth::new().args(["check"]).current_dir(tmp.path()).run();
    assert_eq!(
        check.code, 0,
        "the starter is a valid config: {}",
        check.stderr
    );
    let again = Berth::new().args(["init"]).current_dir(tmp.path()).run();
    assert_eq!(again.code, 2);
}

/// A project folder for the `berth config DIR` tests: a base file and a
/// production overlay chosen by `COMPOSE_FILE` in its `.env`, which also
/// holds an interpolation variable.
fn project_with_dotenv(root: &std::path::Path) -> std::path::PathBuf {
    let dir = root.join("shop");
    std::fs::create_dir_all(dir.join("api")).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  api:\n    build: ./api\n    image: shop/api:${TAG}\n    volumes:\n      - ./api:/srv\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("compose.prod.yaml"),
        "services:\n  api:\n    volumes:\n      - ./data:/data\n",
    )
    .unwrap();
    // Not listed in COMPOSE_FILE, so not read.
    std::fs::write(
        dir.join("compose.override.yaml"),
        "services:\n  api:\n    command: [dev]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join(".env"),
        "COMPOSE_FILE=compose.yaml:compose.prod.yaml\nTAG=1.4\n",
    )
    .unwrap();
    dir
}

#[test]
fn config_reads_a_directory_as_the_project_in_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = project_with_dotenv(tmp.path());
    let inside = Berth::new().args(["config"]).current_dir(&dir).run();
    assert_eq!(inside.code, 0, "{inside:?}");
    let v: serde_json::Value = serde_json::from_str(&inside.stdout).unwrap();
    assert_eq!(v["name"], "shop");
    assert_eq!(v["services"]["api"]["image"], "shop/api:1.4");
    assert_eq!(v["services"]["api"]["volumes"][1]["target"], "/data");
    assert!(v["services"]["api"].get("command").is_none(), "{v}");
    // The same project named from elsewhere, in every spelling, prints the same.
    std::os::unix::fs::symlink(&dir, tmp.path().join("link")).unwrap();
    let real = dir.canonicalize().unwrap();
    let real = real.to_str().unwrap();
    for (cwd, arg) in [
        (tmp.path().to_path_buf(), "shop"),
        (tmp.path().to_path_buf(), "./shop/"),
        (tmp.path().to_path_buf(), "link"),
        (dir.join("api"), ".."),
        (dir.clone(), "."),
        (std::path::PathBuf::from("/"), real),
    ] {
        let out = Berth::new().args(["config", arg]).current_dir(&cwd).run();
        assert_eq!(out.code, 0, "{arg}: {out:?}");
        assert_eq!(out.stdout, inside.stdout, "berth config {arg}");
    }
    // A directory with no compose file is an error that names it.
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    let out = Berth::new()
        .args(["config", "empty"])
        .current_dir(tmp.path())
        .run();
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("no compose file in empty"), "{out:?}");
}

#[test]
fn config_takes_profiles_from_compose_profiles() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  web:\n    image: web:1\n  debug:\n    image: debug:1\n    profiles: [debug]\n  tools:\n    image: tools:1\n    profiles: [tools]\n",
    )
    .unwrap();
    std::fs::write(dir.join(".env"), "COMPOSE_PROFILES=debug\n").unwrap();
    let services = |env: Option<&str>, args: &[&str]| -> Vec<String> {
        let mut b = Berth::new().args(["config"]);
        if let Some(v) = env {
            b = b.env("COMPOSE_PROFILES", v);
        }
        // From the parent, through a directory argument: the project's .env counts.
        let out = b.args(args).arg_path(&dir).current_dir(tmp.path()).run();
        assert_eq!(out.code, 0, "{out:?}");
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        v["services"].as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(services(None, &[]), ["debug", "web"]);
    // The environment wins over .env, even when empty.
    assert_eq!(
        services(Some("tools, debug"), &[]),
        ["debug", "tools", "web"]
    );
    assert_eq!(services(Some(""), &[]), ["web"]);
    assert_eq!(services(Some("*"), &[]), ["debug", "tools", "web"]);
    // --profile wins over both.
    assert_eq!(
        services(Some("debug"), &["--profile", "tools"]),
        ["tools", "web"]
    );
    // --env-file replaces .env for COMPOSE_PROFILES too.
    std::fs::write(tmp.path().join("alt.env"), "COMPOSE_PROFILES=tools\n").unwrap();
    assert_eq!(services(None, &["--env-file", "alt.env"]), ["tools", "web"]);
}

/// Findings as (rule, line, message): what a user sees, without the fingerprint.
fn findings_under_home(dir: &std::path::Path, home: &str) -> Vec<(String, u64, String)> {
    let out = Berth::new()
        .env("HOME", home)
        .args(["check", ".", "--format", "json"])
        .current_dir(dir)
        .run();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] != "note")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["location"]["start"]["line"].as_u64().unwrap_or_default(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn home_directory_mounts_do_not_depend_on_home() {
    // `~/data` is not `/root/data` because berth runs as root.
    let ok = fixtures().join("ok/home-data-dir");
    for home in ["/root", "/home/u", "/"] {
        assert_eq!(findings_under_home(&ok, home), vec![], "HOME={home}");
    }
    let case = fixtures().join("B206-sensitive-host-path/home-directory");
    let want = findings_under_home(&case, "/home/u");
    assert_eq!(want.len(), 5, "{want:?}");
    assert!(want.iter().all(|(rule, _, _)| rule == "B206"), "{want:?}");
    for home in ["/root", "/", "/nonexistent-berth-home"] {
        assert_eq!(findings_under_home(&case, home), want, "HOME={home}");
    }
}

#[test]
fn a_baseline_written_while_one_applies_keeps_the_baselined_findings() {
    let tmp = tempfile::tempdir().unwrap();
    crate::support::copy_dir(&seed(), tmp.path());
    let old = tmp.path().join("old.json");
    let new = tmp.path().join("new.json");
    let first = Berth::new()
        .args(["check", "--write-baseline"])
        .arg_path(&old)
        .current_dir(tmp.path())
        .run();
    assert_eq!(first.code, 1, "{first:?}");
    let second = Berth::new()
        .args(["check", "--baseline"])
        .arg_path(&old)
        .args(["--write-baseline"])
        .arg_path(&new)
        .current_dir(tmp.path())
        .run();
    assert_eq!(second.code, 0, "{second:?}");
    assert!(
        second.stdout.starts_with("No problems found"),
        "{}",
        second.stdout
    );
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap();
    assert!(read(&old).contains("\"B101\""), "{}", read(&old));
    assert_eq!(read(&new), read(&old), "accepted findings stay accepted");
}

#[test]
fn a_baseline_that_cannot_be_read_or_is_not_one_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    crate::support::copy_dir(&seed(), tmp.path());
    std::fs::write(tmp.path().join("other.json"), "[1, 2]\n").unwrap();
    for (file, message) in [
        (
            "missing.json",
            "berth: error: cannot read baseline missing.json: ",
        ),
        (
            "other.json",
            "berth: error: other.json is not a berth baseline: ",
        ),
    ] {
        let out = Berth::new()
            .args(["check", "--format", "sarif", "--baseline", file])
            .current_dir(tmp.path())
            .run();
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.starts_with(message), "{}", out.stderr);
        assert!(out.stdout.is_empty(), "no report: {}", out.stdout);
    }
}
