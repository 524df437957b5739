//! Malformed input ends as B001 (exit 1) or a clear error (exit 2), never a
//! panic, a hang or unbounded memory. Committed cases live under
//! tests/fixtures/B001-invalid-compose-file; large ones are generated here.

use std::time::{Duration, Instant};

use crate::support::{Berth, rule_ids};

fn check_generated(name: &str, bytes: &[u8]) -> (i32, Vec<String>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), bytes).unwrap();
    let started = Instant::now();
    let json = Berth::new()
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .run();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{name} took {:?}",
        started.elapsed()
    );
    let text = Berth::new().current_dir(dir.path()).args(["check"]).run();
    (json.code, rule_ids(&json.stdout), text.stdout)
}

#[test]
fn fifty_megabyte_file() {
    let mut big = b"services:\n  web:\n    image: nginx:1.27\n".to_vec();
    big.resize(50 * 1024 * 1024, b'#');
    let (code, ids, text) = check_generated("docker-compose.yml", &big);
    assert_eq!((code, ids), (1, vec!["B001".to_string()]));
    assert!(text.contains("over the 4194304-byte limit"), "{text}");
}

#[test]
fn deep_block_nesting() {
    // 2,500 indented levels stay under the size limit, so the depth limit answers.
    let mut doc = String::from("services:\n");
    for depth in 1..=2_500 {
        doc.push_str(&" ".repeat(depth));
        doc.push_str("- \n");
    }
    // 10,000 levels of compact sequences on one line.
    let compact: String = "services: ".to_string() + &"- ".repeat(10_000) + "x\n";
    for (name, text) in [("docker-compose.yml", doc), ("compose.yaml", compact)] {
        let (code, ids, _) = check_generated(name, text.as_bytes());
        assert_eq!((code, ids), (1, vec!["B001".to_string()]), "{name}");
    }
}

#[test]
fn binary_and_invalid_utf8_point_at_the_byte() {
    let (_, ids, text) = check_generated("compose.yml", b"services:\n  a: \xff\xfe\n");
    assert_eq!(ids, vec!["B001"]);
    assert!(text.contains("compose.yml:2:6"), "{text}");
    let (_, ids, _) = check_generated("compose.yml", &[0x7f, b'E', b'L', b'F', 0, 0, 1]);
    assert_eq!(ids, vec!["B001"]);
}

#[test]
fn committed_malformed_cases_all_end_as_b001() {
    let dir = crate::support::fixtures().join("B001-invalid-compose-file");
    for case in crate::support::cases(&dir) {
        let out = Berth::new()
            .current_dir(&case)
            .args(["check", "--format", "json"])
            .run();
        assert_eq!(out.code, 1, "{}", case.display());
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let others: Vec<&serde_json::Value> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] != "B001" && f["level"] != "note")
            .collect();
        assert!(others.is_empty(), "{}: {others:?}", case.display());
    }
}

#[test]
fn a_file_with_b001_gets_no_other_finding() {
    // A wrong-typed field makes Compose refuse the whole file; the privileged
    // service and the obsolete `version:` in it are not reported on top.
    let (code, ids, text) = check_generated(
        "docker-compose.yml",
        b"version: '3'\nservices:\n  web:\n    image: nginx:1.27\n    privileged: true\n    ports: 8080\n",
    );
    assert_eq!((code, ids), (1, vec!["B001".to_string()]), "{text}");
}
