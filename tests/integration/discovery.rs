//! Which files are checked: compose names, .gitignore, symlinks, and build
//! contexts outside the scan root.

use std::fs;
use std::path::Path;

use crate::support::{Berth, copy_dir, fixtures, rule_ids};

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn checked_files(dir: &Path, args: &[&str]) -> (Vec<String>, String) {
    let out = Berth::new()
        .current_dir(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .run();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let files = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["path"].as_str().unwrap().to_string())
        .collect();
    (files, out.stdout)
}

/// The mount rules' findings (the seed also has credential and image findings).
fn mount_rules(json: &str) -> Vec<String> {
    rule_ids(json)
        .into_iter()
        .filter(|r| r.starts_with("B1"))
        .collect()
}

const BROKEN: &str = "services:\n  a: [\n";

#[test]
fn compose_names_and_gitignore() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(&d.join("compose.yaml"), BROKEN);
    write(&d.join("deploy/docker-compose.prod.yml"), BROKEN);
    write(&d.join("docker-compose.yml.bak"), BROKEN);
    write(&d.join("notes.yml"), BROKEN);
    write(&d.join(".gitignore"), "generated/\n");
    write(&d.join("generated/compose.yaml"), BROKEN);
    write(&d.join("node_modules/pkg/docker-compose.yml"), BROKEN);
    let (files, _) = checked_files(d, &[]);
    assert_eq!(
        files,
        vec!["compose.yaml", "deploy/docker-compose.prod.yml"]
    );
    // A file named explicitly is checked whatever its name.
    let (files, _) = checked_files(d, &["notes.yml"]);
    assert_eq!(files, vec!["notes.yml"]);
}

#[cfg(unix)]
#[test]
fn symlinks_do_not_lead_out_of_the_scan_root() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("compose.yaml"), BROKEN);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    write(&root.join("real/compose.yaml"), BROKEN);
    symlink(
        root.join("real/compose.yaml"),
        root.join("docker-compose.yml"),
    )
    .unwrap();
    symlink(
        outside.path().join("compose.yaml"),
        root.join("compose.yml"),
    )
    .unwrap();
    symlink(outside.path(), root.join("linked-dir")).unwrap();
    let (files, _) = checked_files(&root, &[]);
    assert_eq!(files, vec!["docker-compose.yml", "real/compose.yaml"]);
}

#[cfg(unix)]
#[test]
fn build_contexts_outside_the_root_are_not_read() {
    use std::os::unix::fs::symlink;
    let seed = fixtures().join("B101-mount-shadows-build-output/seed-incident");
    let tmp = tempfile::tempdir().unwrap();
    // The seed, with its backend moved outside the scan root and linked back in.
    let root = tmp.path().join("root");
    copy_dir(&seed, &root);
    fs::rename(root.join("backend"), tmp.path().join("backend")).unwrap();
    symlink(tmp.path().join("backend"), root.join("backend")).unwrap();
    let (_, out) = checked_files(&root, &[]);
    // Not read: no B101 (the image is unknown), and without the image nothing
    // shows the stack is production, so B102 is silent too.
    assert!(mount_rules(&out).is_empty(), "{out}");
    assert!(out.contains("\"dockerfiles\": 0"), "{out}");
    // A context written as ../ is outside lexically.
    let compose = fs::read_to_string(root.join("docker-compose.yml")).unwrap();
    fs::remove_file(root.join("backend")).unwrap();
    fs::write(
        root.join("docker-compose.yml"),
        compose.replace("build: ./backend", "build: ../backend"),
    )
    .unwrap();
    let (_, out) = checked_files(&root, &[]);
    assert!(mount_rules(&out).is_empty(), "{out}");
    // Checked from the parent, the same files are inside the root and B101 fires.
    let out = Berth::new()
        .current_dir(tmp.path())
        .args(["check", "--format", "json"])
        .run();
    assert_eq!(mount_rules(&out.stdout), vec!["B101"]);
}

#[test]
fn a_shared_dockerfile_is_read_once() {
    let out = Berth::new()
        .current_dir(fixtures().join("ok/anchors-and-merge"))
        .args(["check"])
        .run();
    assert!(
        out.stdout
            .ends_with("in 1 compose file and 1 Dockerfile.\n"),
        "{}",
        out.stdout
    );
}
