use super::{Context, Rule, RuleMeta, declare_rule};
use crate::diagnostic::{Diagnostic, Label};
use crate::dockerfile::Instruction;
use crate::suggest::nearest;

declare_rule! {
    /// ## What it does
    /// Reports `COPY --from=NAME` where NAME is not a stage defined earlier in
    /// the Dockerfile but looks like a misspelt one (`--from=biulder` next to
    /// a stage `builder`), names a stage defined later, or is a stage index
    /// that does not exist yet.
    ///
    /// ## Why is this bad?
    /// BuildKit takes a name that is not an earlier stage for an image to pull:
    /// the build fails with `pull access denied, repository does not exist`,
    /// or, worse, copies from a public image that happens to have that name.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM rust:1.83 AS builder
    /// RUN cargo build --release
    /// FROM debian:bookworm-slim
    /// COPY --from=biulder /app/target/release/app /app/app
    /// ```
    ///
    /// ## How to fix
    /// Name the stage exactly as its `FROM ... AS name` does, and define it
    /// before the `COPY`.
    pub struct CopyFromUnknownStage {
        code: "B106",
        name: "copy-from-unknown-stage",
        level: Error,
        summary: "COPY --from names a stage that does not exist (yet), probably a typo.",
        tags: ["correctness", "dockerfile"],
    }
}

impl Rule for CopyFromUnknownStage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for df in cx.dockerfiles {
            let names: Vec<&str> = df.stages.iter().filter_map(|s| s.name.as_deref()).collect();
            for (i, stage) in df.stages.iter().enumerate() {
                let earlier: Vec<&str> = df.stages[..i]
                    .iter()
                    .filter_map(|s| s.name.as_deref())
                    .collect();
                for inst in &stage.instructions {
                    let Instruction::Copy {
                        from: Some(from),
                        span,
                        ..
                    } = inst
                    else {
                        continue;
                    };
                    if from.contains('$') {
                        continue;
                    }
                    let lower = from.to_ascii_lowercase();
                    let problem = if let Ok(n) = lower.parse::<usize>() {
                        (n >= i).then(|| format!("`--from={from}` names stage {n}, but only stages 0 to {} come before it", i.saturating_sub(1)))
                    } else if earlier.contains(&lower.as_str()) {
                        None
                    } else if names.contains(&lower.as_str()) {
                        Some(format!(
                            "`--from={from}` names a stage defined after this COPY"
                        ))
                    } else if lower.contains(['/', ':', '.', '@']) {
                        None
                    } else {
                        nearest(&lower, &earlier).map(|n| {
                            format!("`--from={from}` is not a stage of this Dockerfile (did you mean `{n}`?); BuildKit would pull an image named `{from}`")
                        })
                    };
                    if let Some(message) = problem {
                        out.push(
                            Diagnostic::new(&Self::META, Label::new(*span, "unknown stage"), message)
                                .with_help("name the stage exactly as its `FROM ... AS name` line does, and define it before this COPY")
                                .with_key(format!("{i}|{from}")),
                        );
                    }
                }
            }
        }
    }
}
