//! The conformance suite: for every scenario under tests/conformance, `berth
//! config` must print what the reference (Docker Compose v2.40.3, recorded in
//! each scenario's expected.json by tests/conformance/reference.sh) prints, on
//! the fields berth models. The projection mirrors tests/conformance/project.py.

use std::path::Path;

use serde_json::{Map, Value};

use crate::support::{Berth, cases, repo};

const FIELDS: &[&str] = &[
    "build",
    "image",
    "volumes",
    "working_dir",
    "command",
    "entrypoint",
    "profiles",
];
const BUILD: &[&str] = &["context", "dockerfile", "target", "args"];
const VOLUME: &[&str] = &["type", "source", "target", "read_only"];

fn keep(v: &Value, keys: &[&str]) -> Map<String, Value> {
    let empty = Map::new();
    let m = v.as_object().unwrap_or(&empty);
    keys.iter()
        .filter_map(|k| {
            let x = m.get(*k)?;
            let dropped = x.is_null()
                || x == &Value::Bool(false)
                || x.as_array().is_some_and(Vec::is_empty)
                || x.as_object().is_some_and(Map::is_empty);
            (!dropped).then(|| (k.to_string(), x.clone()))
        })
        .collect()
}

fn relative(v: Value, root: &str) -> Value {
    match v {
        Value::String(s) if s == root => Value::String(".".into()),
        Value::String(s) => match s.strip_prefix(&format!("{root}/")) {
            Some(rest) => Value::String(format!("./{rest}")),
            None => Value::String(s),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(|x| relative(x, root)).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, x)| (k, relative(x, root))).collect())
        }
        other => other,
    }
}

fn project(doc: &Value, root: &Path) -> Value {
    let mut services = Map::new();
    if let Some(all) = doc["services"].as_object() {
        for (name, svc) in all {
            let mut out = keep(svc, FIELDS);
            if let Some(b) = out.get("build").cloned() {
                out.insert("build".into(), Value::Object(keep(&b, BUILD)));
            }
            if let Some(vs) = out.get("volumes").and_then(Value::as_array).cloned() {
                let vs = vs.iter().map(|v| Value::Object(keep(v, VOLUME))).collect();
                out.insert("volumes".into(), Value::Array(vs));
            }
            services.insert(name.clone(), Value::Object(out));
        }
    }
    let mut top = Map::new();
    top.insert("services".into(), Value::Object(services));
    relative(Value::Object(top), &root.to_string_lossy())
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn berth_config_matches_the_reference() {
    let scenarios = cases(&repo().join("tests/conformance"));
    assert!(scenarios.len() >= 40, "only {} scenarios", scenarios.len());
    let mut failures = Vec::new();
    for dir in &scenarios {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let root = dir.canonicalize().unwrap();
        let mut args = vec!["config".to_string()];
        for p in lines(&dir.join("profiles")) {
            args.push("--profile".into());
            args.push(p);
        }
        args.extend(lines(&dir.join("files")));
        let out = Berth::new().current_dir(&root).args(&args).run();
        if out.code != 0 {
            failures.push(format!(
                "{name}: berth config exited {}: {}",
                out.code, out.stderr
            ));
            continue;
        }
        let have = project(&serde_json::from_str(&out.stdout).unwrap(), &root);
        let want: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        if have != want {
            failures.push(format!("{name}:\n  berth:     {have}\n  reference: {want}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios differ:\n{}",
        failures.len(),
        scenarios.len(),
        failures.join("\n")
    );
}

/// `berth config DIR` reads the project in DIR as `berth config` run inside
/// it does (its `.env`, `COMPOSE_FILE`, `COMPOSE_PROFILES`, base and
/// override files), and prints the same paths, however DIR is spelled.
#[test]
fn a_directory_argument_is_the_project_in_it() {
    let base = repo().join("tests/conformance");
    let mut compared = 0;
    for dir in cases(&base) {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let mut profiles = Vec::new();
        for p in lines(&dir.join("profiles")) {
            profiles.push("--profile".to_string());
            profiles.push(p);
        }
        let inside = Berth::new()
            .current_dir(dir.canonicalize().unwrap())
            .args(["config"])
            .args(&profiles)
            .run();
        if inside.code != 0 {
            // No default file in this scenario (it names its files).
            continue;
        }
        for arg in [
            name.clone(),
            format!("./{name}/"),
            dir.display().to_string(),
        ] {
            let out = Berth::new()
                .current_dir(&base)
                .args(["config"])
                .args(&profiles)
                .arg_path(Path::new(&arg))
                .run();
            assert_eq!(out.code, 0, "berth config {arg}: {out:?}");
            assert_eq!(out.stdout, inside.stdout, "berth config {arg}");
        }
        compared += 1;
    }
    assert!(
        compared >= 30,
        "only {compared} scenarios have default files"
    );
}
