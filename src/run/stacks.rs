//! `berth stacks`: the stacks a check sees, with their class and why.

use crate::check::{CheckOptions, check};
use crate::report;

use super::RunError;

/// How `berth stacks` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StacksFormat {
    Text,
    Json,
}

/// Check with each stack's report kept, and render the reports.
pub fn stacks(mut opts: CheckOptions, format: StacksFormat) -> Result<String, RunError> {
    opts.report_stacks = true;
    let outcome = check(&opts)?;
    Ok(match format {
        StacksFormat::Json => {
            let mut text = serde_json::to_string_pretty(&serde_json::json!({
                "version": 1,
                "stacks": outcome.stacks,
            }))
            .map_err(RunError::RenderJson)?;
            text.push('\n');
            text
        }
        StacksFormat::Text => report::stacks::render(&outcome.stacks),
    })
}
