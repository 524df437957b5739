//! Rule documentation rendered from the rules' doc comments: `berth rules`,
//! `berth explain`, the README table and docs/rules pages share this source.

use super::{RuleMeta, registry};

/// `berth rules`: one line per rule.
pub fn rules_table_text() -> String {
    let metas: Vec<&RuleMeta> = registry().iter().map(|r| r.meta()).collect();
    let width = metas.iter().map(|m| m.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for m in metas {
        out.push_str(&format!(
            "{}  {:width$}  {:7}  {}\n",
            m.code,
            m.name,
            m.level.as_str(),
            m.summary
        ));
    }
    out
}

/// The README's rules table (between the `rules-table` markers).
pub fn rules_table_markdown() -> String {
    let mut out =
        String::from("| Id | Name | Default level | What it reports |\n|---|---|---|---|\n");
    for r in registry() {
        let m = r.meta();
        let level = if m.opt_in {
            format!("{} (opt-in)", m.level.as_str())
        } else {
            m.level.as_str().to_string()
        };
        out.push_str(&format!(
            "| {} | [{}]({}) | {level} | {} |\n",
            m.code,
            m.name,
            m.docs_path(),
            m.summary
        ));
    }
    out
}

/// A rule's page in docs/rules.
pub fn docs_page(m: &RuleMeta) -> String {
    format!(
        "<!-- Generated from src/rules by `BERTH_UPDATE_DOCS=1 cargo test`; do not edit. -->\n# {} {}\n\nDefault level: **{}**. {}\n\n{}",
        m.code,
        m.name,
        m.level.as_str(),
        m.summary,
        m.docs()
    )
}

/// `berth explain RULE`.
pub fn explain(m: &RuleMeta) -> String {
    format!(
        "{} {} (default level: {})\n\n{}",
        m.code,
        m.name,
        m.level.as_str(),
        m.docs()
    )
}

/// "unknown rule `X`", with the nearest id or name when one is close.
pub fn unknown_rule_message(given: &str) -> String {
    let names: Vec<&str> = registry()
        .iter()
        .flat_map(|r| [r.meta().code, r.meta().name])
        .collect();
    match crate::suggest::nearest(given, &names) {
        Some(c) => {
            format!("unknown rule `{given}`; did you mean `{c}`? (`berth rules` lists them)")
        }
        None => format!("unknown rule `{given}` (`berth rules` lists them)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert!(
            unknown_rule_message("B10").contains("did you mean `B101`")
                || unknown_rule_message("B10").contains("did you mean `B102`")
                || unknown_rule_message("B10").contains("did you mean `B001`")
        );
        assert!(
            unknown_rule_message("mount-shadow-build-output")
                .contains("did you mean `mount-shadows-build-output`")
        );
        assert!(!unknown_rule_message("zzzzzzzzzzzzzz").contains("did you mean"));
    }
}
