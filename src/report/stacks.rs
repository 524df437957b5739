//! `berth stacks` as text: each stack, its class, and the signals behind it.

use crate::check::StackReport;

/// One block per stack: `class  a.yml + b.yml`, then each signal indented.
pub fn render(stacks: &[StackReport]) -> String {
    let mut out = String::new();
    for s in stacks {
        out.push_str(&format!("{:<12} {}\n", s.class, s.files.join(" + ")));
        for e in &s.evidence {
            match &e.at {
                Some(at) => out.push_str(&format!("    {:<12} {at}: {}\n", e.points_to, e.what)),
                None => out.push_str(&format!("    {:<12} {}\n", e.points_to, e.what)),
            }
        }
    }
    if stacks.is_empty() {
        out.push_str("no compose files found\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::EvidenceReport;

    #[test]
    fn blocks() {
        let text = render(&[StackReport {
            files: vec!["compose.yaml".into(), "compose.override.yaml".into()],
            class: "development",
            evidence: vec![EvidenceReport {
                points_to: "development",
                what: "`compose.override.yaml` is named like a development file".into(),
                at: None,
            }],
        }]);
        assert_eq!(
            text,
            "development  compose.yaml + compose.override.yaml\n    development  `compose.override.yaml` is named like a development file\n"
        );
        assert_eq!(render(&[]), "no compose files found\n");
    }
}
