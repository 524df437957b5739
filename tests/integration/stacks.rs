//! `berth stacks`: which stacks are checked, production, development or
//! unknown, and the evidence; and how the class changes what is reported.

use std::fs;
use std::path::Path;

use crate::support::Berth;

/// Write `files` (path, text) under a fresh temporary directory.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = tmp.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    tmp
}

/// `(files joined with " + ", class, evidence texts)` of each stack.
fn stacks(dir: &Path) -> Vec<(String, String, Vec<String>)> {
    let out = Berth::new()
        .args(["stacks", "--format", "json"])
        .current_dir(dir)
        .run();
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    v["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let files: Vec<&str> = s["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            let evidence = s["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    let what = e["what"].as_str().unwrap();
                    match e["at"].as_str() {
                        Some(at) => format!("{at}: {what}"),
                        None => what.to_string(),
                    }
                })
                .collect();
            (
                files.join(" + "),
                s["class"].as_str().unwrap().to_string(),
                evidence,
            )
        })
        .collect()
}

fn class_of(dir: &Path, files: &str) -> String {
    stacks(dir)
        .into_iter()
        .find(|(f, _, _)| f == files)
        .map(|(_, c, _)| c)
        .unwrap_or_else(|| panic!("no stack {files} in {:?}", stacks(dir)))
}

const NODE_DOCKERFILE: &str = "FROM node:20-slim\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"server.js\"]\n";

#[test]
fn a_dev_server_makes_a_default_file_development() {
    let p = project(&[
        ("Dockerfile", NODE_DOCKERFILE),
        (
            "compose.yaml",
            "services:\n  web:\n    build: .\n    command: npm run dev\n    volumes:\n      - .:/app\n",
        ),
    ]);
    let all = stacks(p.path());
    assert_eq!(
        all,
        vec![(
            "compose.yaml".to_string(),
            "development".to_string(),
            vec![
                "compose.yaml:4: service `web` runs `npm run dev`, a development server"
                    .to_string()
            ]
        )]
    );
    // Development: the mount that hides node_modules is a warning with the
    // anonymous-volume fix, and no production-only rule speaks.
    let out = Berth::new()
        .args(["check", "--format", "json"])
        .current_dir(p.path())
        .run();
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let found: Vec<(&str, &str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["level"].as_str().unwrap(),
                f["class"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(found, vec![("B101", "warning", "development")]);
}

#[test]
fn the_anonymous_volume_fix_is_a_sarif_fix() {
    let p = project(&[
        ("Dockerfile", NODE_DOCKERFILE),
        (
            "compose.dev.yaml",
            "services:\n  web:\n    build: .\n    volumes:\n      - .:/app\n",
        ),
    ]);
    let out = Berth::new()
        .args(["check", "--format", "sarif", "--select", "B101"])
        .current_dir(p.path())
        .run();
    let log: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["level"], "warning");
    assert_eq!(result["properties"]["berth"]["stackClass"], "development");
    // Line 5 is replaced by itself plus the anonymous volume at its indentation.
    assert_eq!(
        result["fixes"][0]["artifactChanges"][0]["replacements"][0],
        serde_json::json!({"deletedRegion": {"startLine": 5, "startColumn": 1, "endLine": 6, "endColumn": 1},
            "insertedContent": {"text": "      - .:/app\n      - /app/node_modules\n"}})
    );
}

#[test]
fn location_name_comment_and_environment() {
    let p = project(&[
        (
            ".devcontainer/docker-compose.yml",
            "services:\n  dev:\n    image: node:20\n",
        ),
        (
            "a/compose.yaml",
            "# Local development only: hot reload of the API.\nservices:\n  api:\n    image: node:20\n",
        ),
        (
            "b/compose.yaml",
            "services:\n  api:\n    image: example/api:1.0\n    environment:\n      NODE_ENV: production\n",
        ),
        (
            "c/compose.yaml",
            "services:\n  api:\n    image: example/api:1.0\n",
        ),
        (
            "d/docker-compose.staging.yml",
            "services:\n  api:\n    image: example/api:1.0\n",
        ),
    ]);
    assert_eq!(
        class_of(p.path(), ".devcontainer/docker-compose.yml"),
        "development"
    );
    assert_eq!(class_of(p.path(), "a/compose.yaml"), "development");
    assert_eq!(class_of(p.path(), "b/compose.yaml"), "production");
    // Nothing either way: unknown, and production-only notes stay silent.
    assert_eq!(class_of(p.path(), "c/compose.yaml"), "unknown");
    assert_eq!(
        class_of(p.path(), "d/docker-compose.staging.yml"),
        "production"
    );
    let out = Berth::new()
        .args(["check", "c", "--format", "json"])
        .current_dir(p.path())
        .run();
    assert!(
        crate::support::rule_ids(&out.stdout).is_empty(),
        "{}",
        out.stdout
    );
}

#[test]
fn a_production_name_needs_overwhelming_content_to_flip() {
    let one = "services:\n  web:\n    image: node:20\n    command: npm run dev\n";
    let two = "services:\n  web:\n    image: node:20\n    command: npm run dev\n    environment:\n      NODE_ENV: development\n";
    let p = project(&[
        ("one/docker-compose.prod.yml", one),
        ("two/docker-compose.prod.yml", two),
    ]);
    assert_eq!(
        class_of(p.path(), "one/docker-compose.prod.yml"),
        "production"
    );
    assert_eq!(
        class_of(p.path(), "two/docker-compose.prod.yml"),
        "development"
    );
}

const BASE: &str =
    "services:\n  web:\n    build: .\n    command: npm run dev\n    volumes:\n      - .:/app\n";
const COMPLETE_PROD: &str =
    "services:\n  web:\n    build: .\n    command: node server.js\n    restart: always\n";
const PARTIAL_PROD: &str = "services:\n  web:\n    command: node server.js\n    restart: always\n";

#[test]
fn a_complete_production_file_runs_on_its_own() {
    let p = project(&[
        ("Dockerfile", NODE_DOCKERFILE),
        ("docker-compose.yml", BASE),
        ("docker-compose.prod.yml", COMPLETE_PROD),
    ]);
    let files: Vec<String> = stacks(p.path()).into_iter().map(|s| s.0).collect();
    assert_eq!(files, vec!["docker-compose.prod.yml", "docker-compose.yml"]);
    // The base file's development mount is not in the production stack.
    let out = Berth::new()
        .args(["check", "--format", "json", "--select", "B101,B102"])
        .current_dir(p.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn a_partial_production_file_overlays_the_base() {
    let p = project(&[
        ("Dockerfile", NODE_DOCKERFILE),
        ("docker-compose.yml", BASE),
        ("docker-compose.prod.yml", PARTIAL_PROD),
    ]);
    assert_eq!(
        class_of(p.path(), "docker-compose.yml + docker-compose.prod.yml"),
        "production"
    );
    // The base file's mount is now in production: an error.
    let out = Berth::new()
        .args(["check", "--format", "json", "--select", "B101"])
        .current_dir(p.path())
        .run();
    assert_eq!(out.code, 1, "{}", out.stdout);
}

#[test]
fn the_repository_scripts_decide_how_an_overlay_runs() {
    // Complete, but the Makefile runs it on top of the base file.
    let p = project(&[
        ("Dockerfile", NODE_DOCKERFILE),
        ("docker-compose.yml", BASE),
        ("docker-compose.prod.yml", COMPLETE_PROD),
        (
            "Makefile",
            "deploy:\n\tdocker compose -f docker-compose.yml \\\n\t  -f docker-compose.prod.yml up -d\n",
        ),
    ]);
    let all = stacks(p.path());
    let prod = all
        .iter()
        .find(|s| s.0 == "docker-compose.yml + docker-compose.prod.yml")
        .unwrap_or_else(|| panic!("{all:?}"));
    assert!(
        prod.2.iter().any(
            |e| e == "Makefile:2 runs `docker-compose.prod.yml` on top of `docker-compose.yml`"
        ),
        "{prod:?}"
    );
    assert!(
        !all.iter().any(|s| s.0 == "docker-compose.prod.yml"),
        "{all:?}"
    );
}

#[test]
fn berth_yml_declares_the_class() {
    let p = project(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: node:20\n    command: npm run dev\n",
        ),
        (
            "berth.yml",
            "stacks:\n  - name: live\n    files: [compose.yaml]\n    production: true\n",
        ),
    ]);
    let all = stacks(p.path());
    assert_eq!(
        all,
        vec![(
            "compose.yaml".to_string(),
            "production".to_string(),
            vec!["berth.yml declares it production".to_string()]
        )]
    );
}

#[test]
fn text_output_lists_class_and_evidence() {
    let p = project(&[(
        "compose.yaml",
        "services:\n  web:\n    image: node:20\n    command: npm run dev\n",
    )]);
    let out = Berth::new().args(["stacks"]).current_dir(p.path()).run();
    assert_eq!(
        out.stdout,
        "development  compose.yaml\n    development  compose.yaml:4: service `web` runs `npm run dev`, a development server\n"
    );
}

#[test]
fn files_the_scripts_run_together_are_one_stack() {
    // The README runs an alternative base only with the override file: that
    // pair is the stack, and the alternative base alone is not production.
    let arm = "services:\n  api:\n    build: .\n    command: java -jar /app/app.jar\n";
    let p = project(&[
        ("docker-compose.yml", arm),
        ("docker-compose.arm64.yml", arm),
        (
            "docker-compose.override.yml",
            "services:\n  api:\n    environment:\n      SPRING_PROFILES_ACTIVE: dev\n",
        ),
        (
            "README.md",
            "On arm64:\n\n    docker compose -f docker-compose.arm64.yml -f docker-compose.override.yml up\n",
        ),
    ]);
    let all = stacks(p.path());
    let pair = all
        .iter()
        .find(|s| s.0 == "docker-compose.arm64.yml + docker-compose.override.yml")
        .unwrap_or_else(|| panic!("{all:?}"));
    assert_eq!(pair.1, "development");
    assert!(
        pair.2
            .iter()
            .any(|e| e == "README.md:3 runs these files together"),
        "{pair:?}"
    );
    assert!(
        !all.iter().any(|s| s.0 == "docker-compose.arm64.yml"),
        "the alternative base is not planned alone: {all:?}"
    );
    // The base file alone: `docker compose up` loads the override with it.
    assert_eq!(class_of(p.path(), "docker-compose.yml"), "unknown");
}

#[test]
fn debug_logging_and_dev_scripts_are_development() {
    let p = project(&[
        (
            "a/compose.yaml",
            "services:\n  api:\n    image: example/api:1.0\n    environment:\n      RUST_LOG: warn,api=debug\n",
        ),
        (
            "b/compose.yaml",
            "services:\n  api:\n    image: example/api:1.0\n    command: ./scripts/start-dev.sh\n",
        ),
    ]);
    assert_eq!(class_of(p.path(), "a/compose.yaml"), "development");
    assert_eq!(class_of(p.path(), "b/compose.yaml"), "development");
}

#[test]
fn rails_server_serves_the_environment_it_is_given() {
    let p = project(&[
        (
            "a/compose.yaml",
            "services:\n  web:\n    build: .\n    command: bundle exec rails s -b 0.0.0.0\n    environment:\n      RAILS_ENV: production\n",
        ),
        (
            "a/Dockerfile",
            "FROM ruby:3.3.5-slim\nWORKDIR /app\nCOPY . .\n",
        ),
        (
            "b/compose.yaml",
            "services:\n  web:\n    build: .\n    command: bundle exec rails s -b 0.0.0.0\n",
        ),
        (
            "b/Dockerfile",
            "FROM ruby:3.3.5-slim\nWORKDIR /app\nCOPY . .\n",
        ),
    ]);
    assert_eq!(class_of(p.path(), "a/compose.yaml"), "production");
    assert_eq!(class_of(p.path(), "b/compose.yaml"), "development");
}
