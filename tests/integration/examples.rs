//! The bundled examples behave as the README says.

use crate::support::{Berth, repo, rule_ids};

fn ids(dir: &str) -> (i32, Vec<String>) {
    let out = Berth::new()
        .current_dir(repo().join("examples").join(dir))
        .args(["check", "--format", "json"])
        .run();
    (out.code, rule_ids(&out.stdout))
}

fn levels(dir: &str) -> Vec<String> {
    let out = Berth::new()
        .current_dir(repo().join("examples").join(dir))
        .args(["check", "--format", "json"])
        .run();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["level"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn seed_incident_fails_with_b101_credentials_and_unpinned_images() {
    let (code, _) = ids("seed-incident");
    assert_eq!(code, 1);
    let mut rules: Vec<String> = levels("seed-incident")
        .into_iter()
        .filter(|l| !l.ends_with(" note"))
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        vec!["B101 error", "B208 warning", "B301 warning", "B302 warning"]
    );
    assert!(levels("seed-incident").contains(&"B101 error".to_string()));
}

#[test]
fn seed_fixed_and_dev_split_have_no_error() {
    for dir in ["seed-fixed", "seed-dev-split"] {
        assert_eq!(ids(dir).0, 0, "{dir}");
        let levels = levels(dir);
        assert!(
            !levels.is_empty(),
            "{dir}: the fixed files still hold credentials"
        );
        assert!(
            levels.iter().all(|l| !l.ends_with(" error")),
            "{dir}: {levels:?}"
        );
    }
}
