//! docs/rules pages and the README rules table are generated from the rules'
//! doc comments; this test fails when either is stale. Regenerate with
//! `BERTH_UPDATE_DOCS=1 cargo test --test integration docs`.

use berth::rules::{docs, registry};

use crate::support::repo;

fn update() -> bool {
    std::env::var_os("BERTH_UPDATE_DOCS").is_some()
}

#[test]
fn rule_pages_are_current() {
    for r in registry() {
        let m = r.meta();
        let path = repo().join(m.docs_path());
        let want = docs::docs_page(m);
        if update() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(have, want, "{} is stale", path.display());
    }
}

const START: &str = "<!-- rules-table:start -->\n";
const END: &str = "<!-- rules-table:end -->";

#[test]
fn readme_rules_table_is_current() {
    let path = repo().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = readme
        .split_once(START)
        .expect("README has the table start marker");
    let (_, tail) = rest
        .split_once(END)
        .expect("README has the table end marker");
    let want = format!("{head}{START}{}{END}{tail}", docs::rules_table_markdown());
    let readme = if update() {
        std::fs::write(&path, &want).unwrap();
        want.clone()
    } else {
        readme
    };
    assert_eq!(readme, want, "README rules table is stale");
}
