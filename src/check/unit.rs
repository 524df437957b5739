//! Stage 3, one unit (the stacks of one project directory) from files to
//! findings: load the stacks, resolve and load their Dockerfiles, join
//! services to image facts, classify each stack, run the rules. Units run in
//! parallel; what a unit parsed is dropped when it is done, so memory holds
//! the texts of the run and the findings, not every parse tree at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::images::{self, DockerfileLoad, ServiceKey};
use super::plan::{Planned, Unit};
use super::report::{StackReport, stack_report};
use crate::classify::{Class, Declared, Evidence, classify};
use crate::compose::files::FileTable;
use crate::compose::{LoadProblem, Stack, load_stack};
use crate::config;
use crate::diagnostic::Diagnostic;
use crate::discover::Seen;
use crate::dockerfile::{Dockerfile, ImageFacts};
use crate::rules::{self, Context};

/// What every unit reads and nothing writes (but the file table, which
/// takes new files from any thread).
pub(super) struct Shared<'a> {
    pub opts: &'a super::CheckOptions,
    pub config: &'a config::Loaded,
    pub table: &'a FileTable,
    pub seen: &'a Seen,
}

/// What a unit leaves behind.
#[derive(Debug, Default)]
pub(super) struct UnitResult {
    pub diagnostics: Vec<Diagnostic>,
    pub stacks: Vec<StackReport>,
    /// Dockerfiles read (parsed or not), for the summary.
    pub dockerfiles: Vec<PathBuf>,
}

pub(super) fn check_unit(unit: &Unit, shared: &Shared<'_>) -> UnitResult {
    let (mut stacks, invalid) = load_stacks(unit, shared);
    let roots: Vec<&Path> = unit.iter().map(|p| p.root.as_path()).collect();
    let wanted = images::wanted(&stacks, &roots);
    let loads = images::load(&wanted, shared.table, shared.seen);
    let (images, unreadable) = images::join(&stacks, &wanted, &loads, &shared.opts.cwd);
    let dockerignores = images::dockerignores(&stacks, &wanted);
    for (fi, (stack, planned)) in stacks.iter_mut().zip(unit).enumerate() {
        classify_stack(stack, planned, fi, &images, shared);
    }
    let dockerfiles: Vec<&Dockerfile> = loads
        .values()
        .filter_map(|l| match l {
            DockerfileLoad::Parsed(df) => Some(df),
            _ => None,
        })
        .collect();
    // The one door from the rules to the host's file system, for this unit.
    let host = rules::Host::default();
    let cx = Context {
        policy: &shared.config.policy,
        host: &host,
        dockerfiles: &dockerfiles,
        dockerignores: &dockerignores,
        sources: shared.table.sources(),
        stacks: &stacks,
        images: &images,
        invalid: &invalid,
        unreadable: &unreadable,
    };
    let diagnostics = rules::run_all(&cx);
    let reports = if shared.opts.report_stacks {
        let sources = shared.table.sources();
        stacks.iter().map(|s| stack_report(s, sources)).collect()
    } else {
        Vec::new()
    };
    let files: Vec<_> = stacks
        .iter()
        .flat_map(|s| s.files.iter().copied())
        .collect();
    shared.table.release(&files);
    UnitResult {
        diagnostics,
        stacks: reports,
        dockerfiles: loads
            .into_iter()
            .filter(|(_, l)| matches!(l, DockerfileLoad::Parsed(_) | DockerfileLoad::Invalid(_)))
            .map(|(path, _)| path)
            .collect(),
    }
}

/// Load each stack. Compose refuses a stack with a file it cannot read: so
/// do the rules other than B001, which says why.
fn load_stacks(unit: &Unit, shared: &Shared<'_>) -> (Vec<Stack>, Vec<LoadProblem>) {
    let mut stacks = Vec::with_capacity(unit.len());
    let mut invalid = Vec::new();
    for planned in unit {
        let (mut stack, problems) = load_stack(&planned.spec, &shared.opts.env, shared.table);
        if !problems.is_empty() {
            stack.services.clear();
            stack.versions.clear();
        }
        stacks.push(stack);
        invalid.extend(problems);
    }
    (stacks, invalid)
}

/// A stack's class, from berth.yml, names, what its services run and what
/// planning learnt around it.
fn classify_stack(
    stack: &mut Stack,
    planned: &Planned,
    fi: usize,
    images: &BTreeMap<ServiceKey, ImageFacts>,
    shared: &Shared<'_>,
) {
    let spec = &planned.spec;
    let declared = if spec.name.is_some()
        || spec
            .files
            .iter()
            .any(|f| shared.config.classifier.declares(f))
    {
        Declared::Config(if spec.production {
            Class::Production
        } else {
            Class::Development
        })
    } else {
        Declared::No
    };
    let own: BTreeMap<usize, &ImageFacts> = images
        .range((fi, 0)..(fi + 1, 0))
        .map(|(&(_, si), facts)| (si, facts))
        .collect();
    let mut class = classify(
        stack,
        declared,
        &own,
        shared.table.sources(),
        &planned.root,
        &planned.around,
        shared.opts.report_stacks,
    );
    for why in &planned.notes {
        class.evidence.push(Evidence {
            points_to: class.class,
            what: why.clone(),
            span: None,
        });
    }
    stack.class = class;
}
