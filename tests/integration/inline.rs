//! Rules checked on inline files with `berth::testing::check_files`, in
//! process: the way to test a rule in a few lines while writing it.

use berth::diagnostic::Level;
use berth::testing::check_files;

const NODE_DOCKERFILE: &str = "\
FROM node:22
WORKDIR /app
COPY . .
RUN npm ci
CMD [\"node\", \"server.js\"]
";

#[test]
fn b101_reports_the_mount_over_installed_dependencies() {
    let findings = check_files(
        &[
            (
                "compose.yaml",
                "services:\n  api:\n    build: .\n    volumes: ['./:/app']\n",
            ),
            ("Dockerfile", NODE_DOCKERFILE),
        ],
        "B101",
    )
    .expect("checked");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(
        (f.rule, f.path.as_str(), f.line),
        ("B101", "compose.yaml", 4)
    );
    assert!(f.message.contains("node_modules"), "{f}");
}

#[test]
fn b101_is_silent_without_the_mount() {
    let findings = check_files(
        &[
            ("compose.yaml", "services:\n  api:\n    build: .\n"),
            ("Dockerfile", NODE_DOCKERFILE),
        ],
        "B101",
    )
    .expect("checked");
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn b201_reports_privileged_on_its_line() {
    let findings = check_files(
        &[(
            "compose.yaml",
            "services:\n  agent:\n    image: example/agent:1.4\n    privileged: true\n",
        )],
        "B201",
    )
    .expect("checked");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(
        (f.rule, f.level, f.line, f.column),
        ("B201", Level::Warning, 4, 17)
    );
}

#[test]
fn unknown_rule_and_escaping_paths_are_errors() {
    let compose = ("compose.yaml", "services:\n  api:\n    image: nginx:1.27\n");
    let err = check_files(&[compose], "B999").expect_err("unknown rule");
    assert!(err.to_string().contains("unknown rule `B999`"), "{err}");
    let escape = ("../compose.yaml", "services: {}\n");
    assert!(check_files(&[escape], "B201").is_err());
}
