//! The bundled examples behave as the README says.

use crate::support::{Berth, repo, rule_ids};

fn ids(dir: &str) -> (i32, Vec<String>) {
    let out = Berth::new()
        .current_dir(repo().join("examples").join(dir))
        .args(["check", "--format", "json"])
        .run();
    (out.code, rule_ids(&out.stdout))
}

#[test]
fn seed_incident_fails_with_b101() {
    assert_eq!(ids("seed-incident"), (1, vec!["B101".to_string()]));
}

#[test]
fn seed_fixed_and_dev_split_pass() {
    assert_eq!(ids("seed-fixed"), (0, vec![]));
    assert_eq!(ids("seed-dev-split"), (0, vec![]));
}
