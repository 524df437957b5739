//! The `berth` binary: parse the command line, call the library, map the
//! result to an exit code (0 clean, 1 findings at the fail level, 2 berth could
//! not do its job).

use std::io::IsTerminal;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{Context as _, bail};
use clap::Parser;

use berth::check::CheckOptions;
use berth::cli::{CheckArgs, Cli, Command, ConfigArgs, PublishArgs, StacksArgs};
use berth::compose::Env;
use berth::report::Format;
use berth::rules;
use berth::run::config::{ConfigOptions, Model};
use berth::run::{self, Destination, Report, RunOptions};

fn main() -> ExitCode {
    // mimalloc asks for transparent huge pages: each first touch then makes
    // the kernel zero 2 MiB, which cost a fifth of a check's time and grew
    // its resident memory by half on the benchmark corpus (docs/design-notes.md).
    // Ordinary 4 KiB pages do not. Failure only means huge pages stay on.
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("berth: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Leave without freeing the run's data one allocation at a time: the
/// operating system takes it back at once (measured: about a tenth of a run on
/// the benchmark corpus). Output is flushed before this is called.
fn exit_now(code: u8) -> ! {
    std::process::exit(i32::from(code))
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => run_check(args),
        Command::Rules => {
            print!("{}", rules::docs::rules_table_text());
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(args) => run_config(args),
        Command::Stacks(args) => run_stacks(args),
        Command::Publish(args) => run_publish(args),
        Command::Action => {
            let code = berth::action::run(&|k| std::env::var(k).ok())?;
            exit_now(code)
        }
        Command::Init => {
            run::init::write_starter(std::path::Path::new("berth.yml"))?;
            println!("wrote berth.yml");
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { rule } => match rules::find(&rule) {
            Some(r) => {
                print!("{}", rules::docs::explain(r.meta()));
                Ok(ExitCode::SUCCESS)
            }
            None => bail!("{}", rules::docs::unknown_rule_message(&rule)),
        },
    }
}

fn color_wanted(args: &CheckArgs) -> bool {
    args.format == Format::Text
        && args.output.is_none()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal()
}

/// The working directory, and the PATHs to check (default: it).
fn cwd_and_paths(
    given: &[std::path::PathBuf],
) -> anyhow::Result<(std::path::PathBuf, Vec<std::path::PathBuf>)> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let paths = if given.is_empty() {
        vec![cwd.clone()]
    } else {
        given.to_vec()
    };
    Ok((cwd, paths))
}

fn run_check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let color = color_wanted(&args);
    let (cwd, paths) = cwd_and_paths(&args.paths)?;
    let result = run::check_and_report(&RunOptions {
        check: CheckOptions {
            paths,
            config: args.config,
            select: args.select,
            cwd,
            env: Env::from_process(),
            report_stacks: false,
        },
        baseline: args.baseline,
        write_baseline: args.write_baseline,
        fail_on: args.fail_on,
        reports: vec![Report {
            format: args.format,
            to: args.output.map_or(Destination::Stdout, Destination::File),
            color,
        }],
    })?;
    exit_now(result.exit_code())
}

fn run_config(args: ConfigArgs) -> anyhow::Result<ExitCode> {
    let model = run::config::model(&ConfigOptions {
        files: args.files,
        env_files: args.env_file,
        profiles: args.profiles,
        cwd: std::env::current_dir().context("cannot read the current directory")?,
        env: Env::from_process(),
    })?;
    match model {
        Model::Json(text) => {
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Model::Problems(problems) => {
            for p in problems {
                eprintln!("{p}");
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn run_stacks(args: StacksArgs) -> anyhow::Result<ExitCode> {
    let (cwd, paths) = cwd_and_paths(&args.paths)?;
    let text = run::stacks::stacks(
        CheckOptions {
            paths,
            config: args.config,
            select: Vec::new(),
            cwd,
            env: Env::from_process(),
            report_stacks: true,
        },
        args.format,
    )?;
    run::write_stdout(&text).context("cannot write to standard output")?;
    Ok(ExitCode::SUCCESS)
}

fn run_publish(args: PublishArgs) -> anyhow::Result<ExitCode> {
    let mut opts = berth::publish::Options::new(args.sarif);
    opts.upload = if args.upload {
        berth::publish::Upload::On
    } else {
        berth::publish::Upload::Off
    };
    opts.review = args.review;
    opts.summary = args.summary;
    opts.annotations = args.annotations;
    opts.category = args.category;
    opts.max_comments = usize::from(args.max_comments);
    opts.token_env = args.token_env;
    opts.pr = args.pr;
    let published =
        berth::publish::run(&opts, &|k| std::env::var(k).ok()).map_err(anyhow::Error::msg)?;
    Ok(if published.failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
