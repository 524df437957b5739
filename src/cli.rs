//! Command-line definitions (clap) only.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::report::Format;
pub use crate::run::FailOn;
pub use crate::run::stacks::StacksFormat;

#[derive(Debug, Parser)]
#[command(
    name = "berth",
    version,
    about = "Checks Docker Compose projects together with the Dockerfiles their services build"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check compose files under PATHs (default: the current directory).
    Check(CheckArgs),
    /// List the rules.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// Rule id (`B101`) or name (`mount-shadows-build-output`).
        rule: String,
    },
    /// Write a commented starter berth.yml in the current directory.
    Init,
    /// List the stacks berth checks under PATHs: their files in `-f` order,
    /// whether each is production, development or unknown, and why.
    Stacks(StacksArgs),
    /// Print the merged, interpolated model of compose files, as
    /// `docker compose config --format json` would, for the fields berth reads.
    Config(ConfigArgs),
    /// Publish a SARIF file (berth's or another tool's) to GitHub: code
    /// scanning upload, pull-request review, job summary, annotations. Reads
    /// the GitHub Actions context from the environment.
    Publish(PublishArgs),
    /// Run as the GitHub Action: read the `INPUT_*` variables, check, publish,
    /// and exit by `fail-on` (used by action.yml; there is no shell in the image).
    #[command(hide = true)]
    Action,
}

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The SARIF file to publish; it is read, never changed.
    #[arg(long, value_name = "FILE")]
    pub sarif: PathBuf,
    /// Upload to code scanning and wait until GitHub has processed it.
    #[arg(long)]
    pub upload: bool,
    /// On a pull request, post findings on changed lines as one review.
    #[arg(long)]
    pub review: bool,
    /// Write a Markdown summary to `GITHUB_STEP_SUMMARY` (standard output outside Actions).
    #[arg(long)]
    pub summary: bool,
    /// Print workflow-command annotations for the most severe findings.
    #[arg(long)]
    pub annotations: bool,
    /// Code scanning category; also scopes the review comments, so two tools
    /// never touch each other's (default: the SARIF's tool name).
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,
    /// At most this many new review comments per run; the rest are summarised.
    #[arg(long, value_name = "N", default_value_t = 25, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_comments: u16,
    /// Environment variable that holds the token.
    #[arg(long, value_name = "NAME", default_value = "GITHUB_TOKEN")]
    pub token_env: String,
    /// Pull request to review when the event does not name one (workflow_run
    /// from a fork); its head must be the analysed commit.
    #[arg(long, value_name = "NUMBER")]
    pub pr: Option<u64>,
}

#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// Compose files, merged in order (default: the project in the current
    /// directory, with `COMPOSE_FILE` or the base file and its override file).
    /// A directory stands for the project in it, read as if berth ran there.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ConfigFormat::Json)]
    pub format: ConfigFormat,
    /// Enable a profile (repeatable; `*` enables all); services behind other
    /// profiles are left out. Default: `COMPOSE_PROFILES` (comma-separated)
    /// from the environment, else from the project's `.env`.
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Read interpolation variables from FILE instead of the project's `.env`.
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfigFormat {
    Json,
}

#[derive(Debug, clap::Args)]
pub struct StacksArgs {
    /// Files or directories, as for `berth check`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StacksFormat::Text)]
    pub format: StacksFormat,
    /// Configuration file (default: `berth.yml` or `.berth.yml` in the first PATH).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check; directories are searched for compose files.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Run only these rules (ids or names, comma-separated), opt-in ones included.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Configuration file (default: `berth.yml` or `.berth.yml` in the first PATH).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report only findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE (and report as usual).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this level.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}
